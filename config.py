"""Settings read once from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VAR_DIR = ROOT / "var"


def normalise_db_url(url: str) -> str:
    # People paste libpq-style URLs; the app talks to PostgreSQL through asyncpg.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _dev_secret() -> str:
    """A stable secret for a developer machine, so sessions survive a restart of `make run`."""
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default_factory=lambda: normalise_db_url(
            os.environ.get("DATABASE_URL", f"sqlite+aiosqlite:///{VAR_DIR / 'orderpulse.db'}")
        )
    )
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY") or _dev_secret())
    # Cookies get the Secure flag when the site is served over HTTPS (behind nginx in production).
    secure_cookies: bool = field(default_factory=lambda: _bool("SECURE_COOKIES", False))
    debug: bool = field(default_factory=lambda: _bool("DEBUG", False))
    echo_sql: bool = field(default_factory=lambda: _bool("ECHO_SQL", False))
    # Argon2 cost; the defaults are argon2-cffi's RFC 9106 "low memory" profile. Tests lower them.
    argon2_time_cost: int = field(default_factory=lambda: int(os.environ.get("ARGON2_TIME_COST", "3")))
    argon2_memory_kib: int = field(default_factory=lambda: int(os.environ.get("ARGON2_MEMORY_KIB", "65536")))
    session_max_age_s: int = field(
        default_factory=lambda: int(os.environ.get("SESSION_MAX_AGE", str(12 * 3600)))
    )
    # Login throttling: failures allowed per window, per account and per client address.
    login_window_s: int = field(default_factory=lambda: int(os.environ.get("LOGIN_WINDOW_S", "900")))
    login_max_per_account: int = field(
        default_factory=lambda: int(os.environ.get("LOGIN_MAX_PER_ACCOUNT", "5"))
    )
    login_max_per_ip: int = field(default_factory=lambda: int(os.environ.get("LOGIN_MAX_PER_IP", "30")))
    # Uploaded files (process photos, …) live here under random names, outside static/: they are
    # served only through routes that check the viewer's right to the order.
    upload_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("UPLOAD_DIR", str(VAR_DIR / "uploads")))
    )
    # PMC answers an expedite request within this many office hours (domain.expedite.sla).
    expedite_sla_hours: float = field(
        default_factory=lambda: float(os.environ.get("EXPEDITE_SLA_HOURS", "4"))
    )
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh_CN"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
