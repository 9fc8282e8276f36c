"""Who is acting: passed into every domain command so the timeline and the checks know."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff" | "customer" | "system"
    id: int | None
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    customer_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(kind="system", id=None, name=name)
