import pytest

from domain.actors import Actor
from domain.errors import Forbidden
from domain.orders.permissions import authorize_entry, may_enter_orders
from domain.parties.roles import StaffRole

DESK = {"sales", "sales_manager", "customer_service", "admin"}


@pytest.mark.parametrize("role", [r.value for r in StaffRole])
def test_only_desk_roles_may_enter_orders(role: str) -> None:
    actor = Actor(kind="staff", id=1, name=role, roles=frozenset({role}))
    assert may_enter_orders(actor.roles) is (role in DESK)
    if role in DESK:
        authorize_entry(actor)
    else:
        with pytest.raises(Forbidden):
            authorize_entry(actor)


def test_a_customer_cannot_enter_orders_at_the_desk() -> None:
    with pytest.raises(Forbidden):
        authorize_entry(Actor(kind="customer", id=7, name="buyer", roles=frozenset({"buyer"}), customer_id=1))


def test_system_channels_may() -> None:
    authorize_entry(Actor.system("api"))
