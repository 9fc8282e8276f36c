"""Where "reload" and the language switch lead from an error answered to a POST."""

from __future__ import annotations

from tests.helpers import csrf_token, sign_in_staff


def _stale_post(client, order_no: str, **headers: str):
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    return client.post(
        f"/backoffice/orders/{order_no}/transition",
        data={"action": "confirm", "version": "999", "_csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def test_without_a_referer_reload_leads_to_the_order_not_the_post_url(client, seeded) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = _stale_post(client, order_no)
    assert response.status_code == 409
    assert f'href="/backoffice/orders/{order_no}"' in response.text
    # The language switch must not send the reader to the POST-only URL (it would answer 405).
    assert f'?next=/backoffice/orders/{order_no}"' in response.text
    assert "transition" not in response.text.split("lang__item", 1)[1].split("</div>", 1)[0]


def test_with_our_own_referer_reload_leads_back_to_that_page(client, seeded) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = _stale_post(
        client, order_no, referer=f"http://testserver.local/backoffice/orders?q={order_no}"
    )
    assert response.status_code == 409
    assert f'href="/backoffice/orders?q={order_no}"' in response.text


def test_a_foreign_referer_is_ignored(client, seeded) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = _stale_post(client, order_no, referer="https://evil.example/backoffice/orders")
    assert response.status_code == 409
    assert "evil.example" not in response.text
    assert f'href="/backoffice/orders/{order_no}"' in response.text
