"""A small shop floor on top of the test seed: two work centers with hand-checkable calendars, a team
lead, and routings for some of the seeded products (``products[2]`` is left without a routing).

Calendar: Mon–Fri 08:00–12:00 and 13:00–17:00 (480 min a day), Asia/Shanghai; Wednesday 9 Jan 2030
is a holiday. Tests plan in the week of Monday 7 Jan 2030, so "now" is always given explicitly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI
from domain.parties.auth import hash_password
from domain.parties.models import StaffUser
from domain.production.models import RoutingOperation, WorkCenter
from tests.seed import PASSWORD, Seed

CALENDAR = {
    "shifts": [["08:00", "12:00"], ["13:00", "17:00"]],
    "workdays": [0, 1, 2, 3, 4],
    "holidays": ["2030-01-09"],
    "extra_workdays": [],
}
LEAD = "lead"  # team lead of LATHE; a plain sales user otherwise (there is no team-lead role)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 1, day, hour, minute, tzinfo=SHANGHAI)


MONDAY = at(7, 8)


@dataclass
class Floor:
    lathe: int
    insp: int
    lead_id: int


async def build_floor(session: AsyncSession, seed: Seed) -> Floor:
    lead = StaffUser(
        username=LEAD, display_name="班组长 王", roles=["sales"], password_hash=hash_password(PASSWORD)
    )
    session.add(lead)
    await session.flush()
    lathe = WorkCenter(code="LATHE", name="车床", team_lead_id=lead.id, machines=1, calendar=CALENDAR)
    insp = WorkCenter(code="INSP", name="检验", team_lead_id=None, machines=1, calendar=CALENDAR)
    session.add_all([lathe, insp])
    await session.flush()
    # products[0]: 60 min setup + 1 min/unit on LATHE, then 0 + 0.5 min/unit inspection (key operation).
    # products[1]: 30 + 2 min/unit on LATHE, then 0 + 1 min/unit inspection.
    # products[3], products[4]: like products[0].
    for idx, (s1, r1, s2, r2) in {
        0: (60, 1, 0, "0.5"),
        1: (30, 2, 0, 1),
        3: (60, 1, 0, "0.5"),
        4: (60, 1, 0, "0.5"),
    }.items():
        pid = seed.products[idx]
        session.add_all(
            [
                RoutingOperation(product_id=pid, seq=10, work_center_id=lathe.id, setup_min=Decimal(s1),
                                 run_min_per_unit=Decimal(r1), is_key=False, stage_name_zh="车加工",
                                 stage_name_en="Turning"),
                RoutingOperation(product_id=pid, seq=20, work_center_id=insp.id, setup_min=Decimal(s2),
                                 run_min_per_unit=Decimal(r2), is_key=True, stage_name_zh="终检",
                                 stage_name_en="Final inspection"),
            ]
        )  # fmt: skip
    await session.flush()
    return Floor(lathe=lathe.id, insp=insp.id, lead_id=lead.id)
