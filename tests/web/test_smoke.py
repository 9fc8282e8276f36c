from tests.helpers import sign_in_customer, sign_in_staff


def test_staff_sees_order_desk(client, seeded):
    sign_in_staff(client, "sales")
    r = client.get("/backoffice/orders")
    assert r.status_code == 200
    assert seeded.orders["c001_submitted"] in r.text
    r = client.get(f"/backoffice/orders/{seeded.orders['c001_submitted']}")
    assert r.status_code == 200, r.text


def test_customer_sees_own_orders(client, seeded):
    sign_in_customer(client, "c001-buyer")
    r = client.get("/portal/orders")
    assert r.status_code == 200
    assert seeded.orders["c001_submitted"] in r.text
    assert seeded.orders["c002_submitted"] not in r.text
    r = client.get(f"/portal/orders/{seeded.orders['c001_in_production']}")
    assert r.status_code == 200, r.text
    assert client.get(f"/portal/orders/{seeded.orders['c002_submitted']}").status_code == 404
