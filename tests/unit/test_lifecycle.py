"""The order state machine: the table itself, and the command that enforces it (per role, per state)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import Forbidden, InvalidTransition, ValidationFailed
from domain.orders import lifecycle
from domain.orders.lifecycle import HOLDABLE, TRANSITIONS, Status, Transition
from domain.orders.models import OrderEvent, SalesOrder
from domain.orders.services import transition_order
from domain.outbox.models import OutboxMessage
from domain.parties.roles import StaffRole
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP, put_in_status

S = Status
SALES_DESK = {"sales", "sales_manager", "customer_service"}

# The business's word, written out independently of lifecycle.py (DESIGN "Order status machine" and
# the Foundation issue): (action, from) → (to, roles besides admin, needs a comment, outbox event).
# None as target: back to the status the order was held from.
SPEC: dict[tuple[str, Status], tuple[Status | None, set[str], bool, str]] = {
    # A customer's buyer submits the order they re-order in the portal (issue 5).
    ("submit", S.DRAFT): (S.SUBMITTED, SALES_DESK | {"buyer"}, False, "order.submitted"),
    ("confirm", S.SUBMITTED): (S.CONFIRMED, {"sales_manager"}, False, "order.confirmed"),
    ("return_to_draft", S.SUBMITTED): (S.DRAFT, {"sales_manager"}, True, "order.returned"),
    ("start_production", S.CONFIRMED): (S.IN_PRODUCTION, {"pmc"}, False, "order.production_started"),
    ("send_to_qc", S.IN_PRODUCTION): (S.QC, {"pmc", "qc"}, False, "order.sent_to_qc"),
    ("pass_qc", S.QC): (S.READY_TO_SHIP, {"qc"}, False, "order.qc_passed"),
    ("fail_qc", S.QC): (S.IN_PRODUCTION, {"qc"}, True, "order.qc_failed"),
    ("start_picking", S.READY_TO_SHIP): (S.PICKING, {"warehouse"}, False, "order.picking_started"),
    ("ship", S.PICKING): (S.SHIPPED, {"logistics", "warehouse"}, False, "order.shipped"),
    ("confirm_delivery", S.SHIPPED): (
        S.DELIVERED,
        {"logistics", "customer_service"},
        False,
        "order.delivered",
    ),
    ("invoice", S.DELIVERED): (S.INVOICED, {"billing"}, False, "order.invoiced"),
    ("close", S.INVOICED): (S.CLOSED, {"billing"}, False, "order.closed"),
    **{
        ("hold", s): (S.ON_HOLD, {"sales_manager", "pmc"}, True, "order.held")
        for s in (S.SUBMITTED, S.CONFIRMED, S.IN_PRODUCTION, S.QC, S.READY_TO_SHIP)
    },
    ("release", S.ON_HOLD): (None, {"sales_manager", "pmc"}, False, "order.released"),
    ("cancel", S.DRAFT): (S.CANCELLED, SALES_DESK, True, "order.cancelled"),
    ("cancel", S.SUBMITTED): (S.CANCELLED, SALES_DESK, True, "order.cancelled"),
    ("cancel", S.CONFIRMED): (S.CANCELLED, {"sales_manager"}, True, "order.cancelled"),
    ("cancel", S.IN_PRODUCTION): (S.CANCELLED, {"sales_manager"}, True, "order.cancelled"),
    ("cancel", S.ON_HOLD): (S.CANCELLED, {"sales_manager"}, True, "order.cancelled"),
}

# Every move in the table, one case per source status.
MOVES: list[tuple[Transition, Status]] = [(t, s) for t in TRANSITIONS for s in sorted(t.sources)]
# Every (action, status) pair the table does not have.
NOT_MOVES: list[tuple[str, Status]] = [
    (a, s)
    for a in lifecycle.ACTIONS
    for s in Status
    if not any(a == t.action and s in t.sources for t in TRANSITIONS)
]
# The status a held order was held from, for the release cases.
HELD_FROM = S.IN_PRODUCTION
ORDER = "c001_submitted"  # the seed order every case re-positions


def staff(role: str) -> Actor:
    return Actor(kind="staff", id=7, name=f"{role}-person", roles=frozenset({role}))


def _move_id(value: object) -> str:
    if isinstance(value, tuple):
        t, s = value
        return f"{t.action}@{s}"
    return str(value)


async def _snapshot(db: AsyncSession, order_no: str) -> tuple[str, int, int, int]:
    order = await db.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    assert order is not None
    await db.refresh(order)
    # The order's own rows: what other contexts do in reaction (production planning…) is tested there.
    events = await db.scalar(
        select(func.count()).where(OrderEvent.order_id == order.id, OrderEvent.kind != "production")
    )
    outbox = await db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event.like("order.%"))
    )
    return order.status, order.version, events or 0, outbox or 0


# --- the table --------------------------------------------------------------------------------------


def test_state_table_matches_the_spec() -> None:
    table = {(t.action, s): t for t in TRANSITIONS for s in t.sources}
    assert set(table) == set(SPEC)
    for key, (target, roles, needs_comment, event) in SPEC.items():
        t = table[key]
        assert (t.target, set(t.roles), t.needs_comment, t.event) == (
            target,
            roles | {"admin"},
            needs_comment,
            event,
        ), key


def test_every_role_in_the_table_is_a_staff_role_and_no_move_is_ambiguous() -> None:
    for t in TRANSITIONS:
        # The one exception: a buyer submits their own portal re-order.
        assert t.roles - ({"buyer"} if t.action == "submit" else set()) <= set(StaffRole), t
        for other in TRANSITIONS:
            if other is not t and other.action == t.action:
                assert t.sources.isdisjoint(other.sources), (t, other)


@pytest.mark.parametrize("role", list(StaffRole))
@pytest.mark.parametrize("status", list(Status))
def test_available_transitions_are_the_roles_moves_from_that_status(status: Status, role: str) -> None:
    shown = {(t.action, t.target) for t in lifecycle.available_transitions(status, {role})}
    expected = {
        (action, target)
        for (action, source), (target, roles, _, _) in SPEC.items()
        if source == status and (role in roles or role == "admin")
    }
    assert shown == expected


def test_terminal_statuses_have_no_way_out() -> None:
    for status in lifecycle.TERMINAL:
        assert lifecycle.available_transitions(status, {"admin"}) == []


# --- the command, every move × every role ------------------------------------------------------------


@MODULE_LOOP
@pytest.mark.parametrize("role", list(StaffRole))
@pytest.mark.parametrize("move", MOVES, ids=_move_id)
async def test_transition_per_role(
    db: AsyncSession, module_seed: Seed, move: tuple[Transition, Status], role: StaffRole
) -> None:
    t, source = move
    order_no = module_seed.orders[ORDER]
    held_from = HELD_FROM if source == S.ON_HOLD else None
    version = await put_in_status(db, order_no, source, held_from=held_from)
    before = await _snapshot(db, order_no)
    comment = "customer asked for it" if t.needs_comment else ""
    actor = staff(role)

    if role not in t.roles:
        with pytest.raises(Forbidden):
            await transition_order(
                db, order_no=order_no, action=t.action, expected_version=version, actor=actor, comment=comment
            )
        assert await _snapshot(db, order_no) == before
        return

    order = await transition_order(
        db, order_no=order_no, action=t.action, expected_version=version, actor=actor, comment=comment
    )
    target = t.target or held_from
    assert order.status == target
    assert order.version == version + 1
    assert order.changed_by == actor.name
    assert order.held_from == (source if target == S.ON_HOLD else None)

    event = await db.scalar(
        select(OrderEvent).where(
            OrderEvent.order_id == order.id,
            OrderEvent.version == order.version,
            OrderEvent.kind == "transition",
        )
    )
    assert event is not None
    assert (event.kind, event.action, event.from_status, event.to_status) == (
        "transition",
        t.action,
        source,
        target,
    )
    assert (event.actor_kind, event.actor_id, event.actor_name, event.comment) == (
        "staff",
        7,
        actor.name,
        comment,
    )

    message = await db.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.aggregate_id == order_no, OutboxMessage.event == t.event)
        .order_by(OutboxMessage.id.desc())
    )
    assert message is not None
    assert message.event == t.event
    assert message.published_at is None
    assert message.aggregate_type == "order"
    assert message.payload["action"] == t.action
    assert (message.payload["from"], message.payload["to"]) == (source, target)
    assert message.payload["version"] == order.version
    assert message.payload["actor"]["name"] == actor.name
    assert message.payload["comment"] == comment
    _, _, events_before, outbox_before = before
    # Submitting also runs the promise checks, which write their own timeline row and outbox event.
    extra = 1 if t.action == "submit" else 0
    assert (await _snapshot(db, order_no))[2:] == (events_before + 1 + extra, outbox_before + 1 + extra)


@MODULE_LOOP
@pytest.mark.parametrize(("action", "status"), NOT_MOVES, ids=[f"{a}@{s}" for a, s in NOT_MOVES])
async def test_moves_not_in_the_table_are_invalid(
    db: AsyncSession, module_seed: Seed, action: str, status: Status
) -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.find_transition(action, status)
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, status, held_from=HELD_FROM if status == S.ON_HOLD else None)
    before = await _snapshot(db, order_no)
    with pytest.raises(InvalidTransition) as raised:
        await transition_order(
            db, order_no=order_no, action=action, expected_version=version, actor=staff("admin"), comment="x"
        )
    assert (raised.value.action, raised.value.status) == (action, status)
    assert await _snapshot(db, order_no) == before


@MODULE_LOOP
async def test_an_unknown_action_is_invalid_too(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, S.SUBMITTED)
    with pytest.raises(InvalidTransition):
        await transition_order(
            db, order_no=order_no, action="teleport", expected_version=version, actor=staff("admin")
        )


# --- hold and release ---------------------------------------------------------------------------------


@MODULE_LOOP
@pytest.mark.parametrize("status", sorted(HOLDABLE))
async def test_hold_then_release_returns_to_where_the_order_was(
    db: AsyncSession, module_seed: Seed, status: Status
) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, status)
    held = await transition_order(
        db, order_no=order_no, action="hold", expected_version=version, actor=staff("pmc"), comment="no steel"
    )
    assert (held.status, held.held_from) == (S.ON_HOLD, status)
    released = await transition_order(
        db, order_no=order_no, action="release", expected_version=held.version, actor=staff("sales_manager")
    )
    assert (released.status, released.held_from, released.version) == (status, None, version + 2)


@MODULE_LOOP
async def test_cancelling_a_held_order_forgets_where_it_was_held(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, S.ON_HOLD, held_from=S.CONFIRMED)
    order = await transition_order(
        db, order_no=order_no, action="cancel", expected_version=version, actor=staff("sales_manager"),
        comment="customer withdrew",
    )  # fmt: skip
    assert (order.status, order.held_from) == (S.CANCELLED, None)


@MODULE_LOOP
async def test_a_held_order_cannot_be_held_again(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, S.ON_HOLD, held_from=S.CONFIRMED)
    with pytest.raises(InvalidTransition):
        await transition_order(
            db,
            order_no=order_no,
            action="hold",
            expected_version=version,
            actor=staff("pmc"),
            comment="again",
        )


# --- comments -----------------------------------------------------------------------------------------

COMMENTED = [(t, s) for t, s in MOVES if t.needs_comment]


@MODULE_LOOP
@pytest.mark.parametrize("comment", ["", "   \n\t "], ids=["empty", "blank"])
@pytest.mark.parametrize("move", COMMENTED, ids=_move_id)
async def test_a_reason_is_required_where_the_table_says_so(
    db: AsyncSession, module_seed: Seed, move: tuple[Transition, Status], comment: str
) -> None:
    t, source = move
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, source, held_from=HELD_FROM if source == S.ON_HOLD else None)
    before = await _snapshot(db, order_no)
    with pytest.raises(ValidationFailed) as raised:
        await transition_order(
            db,
            order_no=order_no,
            action=t.action,
            expected_version=version,
            actor=staff("admin"),
            comment=comment,
        )
    assert set(raised.value.errors) == {"comment"}
    assert await _snapshot(db, order_no) == before


@MODULE_LOOP
async def test_a_reason_is_trimmed_and_limited(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, S.SUBMITTED)
    with pytest.raises(ValidationFailed) as raised:
        await transition_order(
            db,
            order_no=order_no,
            action="hold",
            expected_version=version,
            actor=staff("pmc"),
            comment="x" * 2001,
        )
    assert set(raised.value.errors) == {"comment"}
    order = await transition_order(
        db,
        order_no=order_no,
        action="hold",
        expected_version=version,
        actor=staff("pmc"),
        comment="  waiting  ",
    )
    event = await db.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id.desc())
    )
    assert event is not None
    assert event.comment == "waiting"


@MODULE_LOOP
async def test_moves_without_a_required_reason_keep_an_optional_one(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders[ORDER]
    version = await put_in_status(db, order_no, S.SUBMITTED)
    order = await transition_order(
        db, order_no=order_no, action="confirm", expected_version=version, actor=staff("sales_manager")
    )
    assert order.status == S.CONFIRMED


# --- one transaction ------------------------------------------------------------------------------------


@MODULE_LOOP
async def test_the_change_its_timeline_entry_and_its_event_share_the_callers_transaction(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders[ORDER]
    status, version, events, outbox = await _snapshot(db, order_no)
    order = await transition_order(
        db, order_no=order_no, action="confirm", expected_version=version, actor=staff("sales_manager")
    )
    assert (order.status, order.version) == (S.CONFIRMED, version + 1)
    assert (await _snapshot(db, order_no))[2:] == (events + 1, outbox + 1)
    await db.rollback()  # the request failing after the command: all three go together
    assert await _snapshot(db, order_no) == (status, version, events, outbox)
