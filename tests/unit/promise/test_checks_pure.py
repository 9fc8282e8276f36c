"""The three checks as pure functions, on cases worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.base import SHANGHAI
from domain.production.calendar import WorkCalendar
from domain.production.master_data import calendar_from_json
from domain.production.scheduler import Booking, JobSpec, OperationSpec, Scheduler, WorkCenter
from domain.promise.capacity import capacity_to_promise, material_lead_days
from domain.promise.credit import CreditPosition, assess_credit
from domain.promise.kitting import BomLine, Component, KitLine, Supply, check_kitting

D = Decimal

# --- credit ---------------------------------------------------------------------------------------------


def test_credit_exactly_at_the_limit_passes_and_one_cent_over_fails() -> None:
    position = CreditPosition(limit=D("1000.00"), receivables=D("300.00"), open_orders=D("200.00"))
    at_limit = assess_credit(position, D("500.00"))
    assert (at_limit.exposure, at_limit.headroom, at_limit.ok) == (D("1000.00"), D("0.00"), True)
    over = assess_credit(position, D("500.01"))
    assert (over.exposure, over.headroom, over.ok) == (D("1000.01"), D("-0.01"), False)
    assert over.as_json()["headroom"] == "-0.01"


def test_a_customer_without_credit_is_flagged_on_any_order() -> None:
    assert not assess_credit(CreditPosition(D("0"), D("0"), D("0")), D("0.01")).ok


# --- kitting --------------------------------------------------------------------------------------------

TODAY = dt.date(2030, 1, 7)
M = Component(1, "M-STEEL-40", "40Cr 圆钢", "kg", 21)
N = Component(2, "M-BEARING", "轴承 6204", "pcs", 30)
A, B = 10, 20  # products


def _day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_a_component_shared_by_two_lines_is_counted_once() -> None:
    # M: 100 free now, +50 on day 5, +100 on day 20. A needs 2 M per unit, B 1 M per unit.
    supply = {1: Supply(D("100"), ((_day(5), D("50")), (_day(20), D("100"))))}
    boms = {A: [BomLine(1, D("2"))], B: [BomLine(1, D("1"))]}
    lines = [
        KitLine("1", A, D("40"), _day(3)),  # needs 80 by day 3: 100 there → kitted, 80 claimed
        KitLine("2", B, D("50"), _day(10)),  # needs 50 by day 10: 150 − 80 = 70 → kitted, 130 claimed
        KitLine("3", B, D("30"), _day(10)),  # needs 30 by day 10: 150 − 130 = 20 → short 10
    ]
    result = check_kitting(lines, boms, supply, {1: M}, today=TODAY)
    one, two, three = result.lines
    assert (one.kitted, one.rate, one.ready_on) == (True, D("1"), TODAY)
    assert (two.kitted, two.rate, two.ready_on) == (True, D("1"), _day(5))
    assert not three.kitted
    assert three.rate == D("0.6667")  # 20 of 30
    (short,) = three.shortages
    assert (short.required, short.available, short.short) == (D("30.000"), D("20"), D("10.000"))
    # 160 claimed in all; cumulative supply reaches 160 only with the receipt of day 20
    assert short.covered_on == three.ready_on == _day(20)
    assert not result.ok
    assert result.order_rate == D("0.8889")  # mean of 1, 1 and 0.6667
    assert result.kitted_lines == 2


def test_the_same_line_alone_is_kitted() -> None:
    supply = {1: Supply(D("100"), ((_day(5), D("50")), (_day(20), D("100"))))}
    result = check_kitting([KitLine("3", B, D("30"), _day(10))], {B: [BomLine(1, D("1"))]}, supply, {1: M},
                           today=TODAY)  # fmt: skip
    assert result.ok


def test_a_receipt_after_the_needed_date_does_not_count() -> None:
    supply = {2: Supply(D("5"), ((_day(12), D("100")),))}
    result = check_kitting([KitLine("1", A, D("10"), _day(10))], {A: [BomLine(2, D("1"))]}, supply, {2: N},
                           today=TODAY)  # fmt: skip
    (line,) = result.lines
    (short,) = line.shortages
    assert (short.available, short.short, short.covered_on) == (D("5"), D("5.000"), _day(12))
    assert line.rate == D("0.5000")
    # arriving a day earlier, the same receipt makes the line whole
    supply = {2: Supply(D("5"), ((_day(10), D("100")),))}
    assert check_kitting([KitLine("1", A, D("10"), _day(10))], {A: [BomLine(2, D("1"))]}, supply, {2: N},
                         today=TODAY).ok  # fmt: skip


def test_a_component_nobody_has_ordered_has_no_date() -> None:
    result = check_kitting([KitLine("1", A, D("10"), _day(10))], {A: [BomLine(2, D("1"))]},
                           {2: Supply(D("0"))}, {2: N}, today=TODAY)  # fmt: skip
    (line,) = result.lines
    assert (line.rate, line.ready_on, line.shortages[0].covered_on) == (D("0.0000"), None, None)


def test_a_product_without_a_bom_needs_no_material() -> None:
    result = check_kitting([KitLine("1", A, D("10"), _day(1))], {}, {}, {}, today=TODAY)
    assert result.ok
    assert (result.lines[0].has_bom, result.lines[0].ready_on) == (False, TODAY)


# --- capacity-to-promise ----------------------------------------------------------------------------------

CAL: WorkCalendar = calendar_from_json(
    {
        "shifts": [["08:00", "12:00"], ["13:00", "17:00"]],
        "workdays": [0, 1, 2, 3, 4],
        "holidays": ["2030-01-09"],
    }
)
MONDAY = dt.datetime(2030, 1, 7, 8, tzinfo=SHANGHAI)


def _job(key: str, minutes: float) -> JobSpec:
    return JobSpec(key, (OperationSpec("op10", "LATHE", minutes, 0, 1),), release_at=MONDAY)


def test_ctp_against_a_known_schedule() -> None:
    """LATHE is booked all Monday. Line 1 (240 min) goes first thing Tuesday, done at 12:00. Line 2
    (120 min) waits for a component due Thursday 10 Jan (Wednesday is a holiday): 08:00–10:00 Thursday.
    Without the wait it would have run Tuesday 13:00–15:00, so material is the bottleneck."""
    scheduler = Scheduler([WorkCenter("LATHE", CAL)])
    booked = [Booking("LATHE", MONDAY, MONDAY.replace(hour=17), "other order")]
    specs = {"1": _job("1", 240), "2": _job("2", 120)}
    result = capacity_to_promise(
        scheduler, booked, specs,
        requested={"1": dt.date(2030, 1, 9), "2": dt.date(2030, 1, 9)},
        material_ready={"1": MONDAY.date(), "2": dt.date(2030, 1, 10)},
        order_requested=dt.date(2030, 1, 9), now=MONDAY,
    )  # fmt: skip
    one, two = result.lines
    assert (one.start, one.finish) == (MONDAY + dt.timedelta(days=1), MONDAY.replace(day=8, hour=12))
    assert (one.promised, one.late) == (dt.date(2030, 1, 8), False)
    assert (two.start, two.finish) == (MONDAY.replace(day=10), MONDAY.replace(day=10, hour=10))
    assert (two.promised, two.late, two.finish_without_material_wait) == (
        dt.date(2030, 1, 10), True, dt.date(2030, 1, 8),
    )  # fmt: skip
    assert (result.promised, result.ok, result.bottleneck) == (dt.date(2030, 1, 10), False, "material")


def test_ctp_when_the_floor_is_full_names_capacity() -> None:
    scheduler = Scheduler([WorkCenter("LATHE", CAL)])
    # booked Monday, Tuesday and Thursday: the first free day is Friday 11 Jan
    booked = [Booking("LATHE", MONDAY.replace(day=d), MONDAY.replace(day=d, hour=17)) for d in (7, 8, 10)]
    result = capacity_to_promise(
        scheduler, booked, {"1": _job("1", 60)}, requested={"1": dt.date(2030, 1, 10)},
        material_ready={"1": MONDAY.date()}, order_requested=dt.date(2030, 1, 10), now=MONDAY,
    )  # fmt: skip
    assert (result.promised, result.bottleneck) == (dt.date(2030, 1, 11), "capacity")


def test_a_line_whose_material_never_arrives_gets_no_date() -> None:
    scheduler = Scheduler([WorkCenter("LATHE", CAL)])
    result = capacity_to_promise(
        scheduler, [], {"1": _job("1", 60)}, requested={"1": dt.date(2030, 1, 10)},
        material_ready={"1": None}, order_requested=dt.date(2030, 1, 10), now=MONDAY,
    )  # fmt: skip
    assert (result.lines[0].promised, result.promised, result.ok) == (None, None, False)


def test_material_lead_days_from_routing_time() -> None:
    assert material_lead_days(None) == 0
    assert material_lead_days(_job("1", 480)) == 1
    assert material_lead_days(_job("1", 481)) == 2


def test_a_line_without_a_routing_gets_no_date() -> None:
    scheduler = Scheduler([WorkCenter("LATHE", CAL)])
    result = capacity_to_promise(
        scheduler, [], {"1": _job("1", 60)}, requested={"1": dt.date(2030, 1, 10), "2": dt.date(2030, 1, 10)},
        material_ready={"1": MONDAY.date(), "2": MONDAY.date()}, order_requested=dt.date(2030, 1, 10), now=MONDAY,
    )  # fmt: skip
    one, two = result.lines
    assert (one.promised, two.promised, result.promised, result.ok) == (
        dt.date(2030, 1, 7),
        None,
        None,
        False,
    )


def test_a_line_that_would_finish_past_the_horizon_gets_no_date() -> None:
    # LATHE free; 2 400 min = five working days from Monday 7 Jan (Wednesday a holiday): done Mon 14 Jan.
    scheduler = Scheduler([WorkCenter("LATHE", CAL)])
    args = {"requested": {"1": dt.date(2030, 1, 10)}, "material_ready": {"1": MONDAY.date()},
            "order_requested": dt.date(2030, 1, 10), "now": MONDAY}  # fmt: skip
    inside = capacity_to_promise(scheduler, [], {"1": _job("1", 2400)}, horizon=dt.date(2030, 1, 14), **args)
    assert inside.lines[0].promised == dt.date(2030, 1, 14)
    beyond = capacity_to_promise(scheduler, [], {"1": _job("1", 2400)}, horizon=dt.date(2030, 1, 13), **args)
    assert (beyond.lines[0].promised, beyond.lines[0].beyond_horizon, beyond.promised) == (None, True, None)
