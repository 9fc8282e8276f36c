"""DingTalk settings, read from the environment when the app is built (README, "Configuration")."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DingTalkSettings:
    token: str = ""  # the callback "Token" set in the DingTalk developer console
    aes_key: str = ""  # the 43-character "aes_key" (EncodingAESKey) set there too
    app_key: str = ""  # the app's AppKey: also the owner key at the end of every encrypted message
    app_secret: str = ""
    api_base: str = "https://api.dingtalk.com"
    # Callbacks older (or newer) than this are refused: a captured request cannot be replayed later.
    max_skew_s: int = 300
    # Only approvals of this template become orders ("" = any template).
    process_code: str = ""
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.token and self.aes_key and self.app_key and self.app_secret)

    @classmethod
    def from_env(cls) -> DingTalkSettings:
        env = os.environ.get
        return cls(
            token=env("DINGTALK_TOKEN", ""),
            aes_key=env("DINGTALK_AES_KEY", ""),
            app_key=env("DINGTALK_APP_KEY", ""),
            app_secret=env("DINGTALK_APP_SECRET", ""),
            api_base=env("DINGTALK_API_BASE", cls.api_base).rstrip("/"),
            max_skew_s=int(env("DINGTALK_MAX_SKEW_S", str(cls.max_skew_s))),
            process_code=env("DINGTALK_PROCESS_CODE", ""),
        )
