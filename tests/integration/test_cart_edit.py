# SPDX-License-Identifier: MIT
"""
Changing a stored cart (docs/pos.md, "Parked carts"): `PUT
/api/v1/orders/{id}` and `tillnet-term park --order` replace the lines of
an open cart this terminal owns (parked here, or claimed from another
till), priced again and allowed like a new cart, at the cart's next
revision; the hub and the other tills see the new lines. A completed,
voided, released or another till's order is refused and nothing changes.
"""
import json

from conftest import EX_DATAERR, EX_NOPERM, poll_until
from test_pos import CASHIER_PIN, MANAGER_PIN
from test_term_api import api, error, signed_in


def view(till, order_id):
    status, out = api(till, "GET", "/api/v1/orders/%s" % order_id)
    assert status == 200, out
    return out


def lines_of(order):
    return [(ln["sku"], ln["qty"]) for ln in order["lines"]]


def edit(till, order_id, body):
    return api(till, "PUT", "/api/v1/orders/%s" % order_id, body)


def test_edit_a_parked_cart_by_api_and_cli(world):
    hub, [till], ann, max_id = signed_in(world, ("till",))
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    status, out = api(till, "POST", "/api/v1/carts", {"lines": [{"code": "CRO", "qty": 2000}]})
    assert status == 201, out
    cart = out["orderId"]
    assert view(till, cart)["rev"] == 1

    # The API: a coffee and two waters instead of two croissants, 2.50 + 2.00.
    status, out = edit(till, cart, {"lines": [{"code": "COF", "qty": 1000},
                                              {"code": "WAT", "qty": 2000}]})
    assert status == 201 and out["orderId"] == cart and out["receipt"] is None, out
    assert out["total"] == 450 and out["order"]["status"] == "parked", out
    seen = view(till, cart)
    assert (seen["rev"], lines_of(seen["order"])) == (2, [("COF", 1000), ("WAT", 2000)]), seen
    assert [c["orderId"] for c in api(till, "GET", "/api/v1/carts")[1]["carts"]] == [cart]

    # A discount past the cashier's 10 % ceiling needs a manager: refused, nothing changes.
    deep = {"lines": [{"code": "COF", "qty": 4000}], "discount": {"kind": "percent", "value": 2500}}
    status, out = edit(till, cart, deep)
    assert status == 403 and error(out) == ("needs-approval", None), out
    assert view(till, cart) == seen
    status, out = edit(till, cart, dict(deep, approvePin=MANAGER_PIN))
    assert status == 201 and out["total"] == 750, out
    assert view(till, cart)["rev"] == 3

    # Bad input names the member and stores nothing.
    before = view(till, cart)
    for body, field in (({"lines": []}, "lines"),
                        ({"lines": [{"code": "COF", "qty": 0}]}, "lines[0].qty"),
                        ({"lines": [{"code": "NOPE", "qty": 1000}]}, "lines"),
                        ({"lines": [{"code": "COF", "qty": 1000}], "customer": 7}, "customer")):
        status, out = edit(till, cart, body)
        assert status == 400 and error(out) == ("bad-field", field), (body, out)
    assert view(till, cart) == before

    # The CLI does the same: three croissants (5.40) at revision 4.
    res = till.pin_cli("park", "--data", till.data, "--order", cart, "--line", "CRO:3",
                       "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["total"] == 540
    res = till.pin_cli("park", "--help")
    assert "--order ORDER" in res.stdout and "park --order" in res.stdout, res.stdout
    seen = view(till, cart)
    assert (seen["rev"], lines_of(seen["order"])) == (4, [("CRO", 3000)]), seen
    assert "discount" not in seen["order"], seen  # the PUT replaces the whole cart

    # The hub's copy has the new lines at the new revision.
    till.wait_drained()
    at_hub = hub.order(cart)
    assert (at_hub["rev"], at_hub["status"]) == (4, "parked"), at_hub
    assert [(ln["sku"], ln["qty"]) for ln in at_hub["lines"]] == [("CRO", 3000)], at_hub
    assert hub.conflicts() == []

    # Paid as it now is; then it can no longer be changed (API 409, CLI 65), nor can an
    # order this till does not have.
    status, out = api(till, "POST", "/api/v1/orders/%s/pay" % cart,
                      {"payments": [{"tender": "cash"}]})
    assert status == 201 and out["total"] == 540, out
    done = view(till, cart)
    status, out = edit(till, cart, {"lines": [{"code": "WAT", "qty": 1000}]})
    assert status == 409 and error(out) == ("not-open", None), out
    assert "completed" in out["error"]["message"], out
    res = till.pin_cli("park", "--data", till.data, "--order", cart, "--line", "WAT:1")
    assert res.returncode == EX_DATAERR and "completed" in res.stderr, res.stderr
    assert view(till, cart) == done
    nobody = "01900000-0000-7000-8000-000000000000"
    status, out = edit(till, nobody, {"lines": [{"code": "WAT", "qty": 1000}]})
    assert status == 404 and error(out) == ("not-found", None), out
    res = till.pin_cli("park", "--data", till.data, "--order", nobody, "--line", "WAT:1")
    assert res.returncode == EX_DATAERR and nobody in res.stderr, res.stderr
    # The CLI's own ceiling check: a cashier alone may not give 25 %.
    other = json.loads(till.pin_cli("park", "--data", till.data, "--line", "COF:1",
                                    "--json").stdout)["orderId"]
    res = till.pin_cli("park", "--data", till.data, "--order", other, "--line", "COF:4",
                       "--order-discount", "25%")
    assert res.returncode == EX_NOPERM, res.stderr
    assert view(till, other)["rev"] == 1
    till.wait_drained()
    assert hub.order(cart)["status"] == "completed"


def test_a_claimed_cart_is_edited_by_its_new_owner_only(world):
    hub, [t1, t2], _, _ = signed_in(world, ("t1", "t2"))
    for t in (t1, t2):
        assert api(t, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    cart = api(t1, "POST", "/api/v1/carts", {"lines": [{"code": "WAT", "qty": 3000}]})[1]
    cart = cart["orderId"]
    assert api(t1, "POST", "/api/v1/orders/%s/release" % cart,
               {"approvePin": MANAGER_PIN})[0] == 200
    # Released: not even its old owner changes it now.
    status, out = edit(t1, cart, {"lines": [{"code": "COF", "qty": 1000}]})
    assert status == 409 and error(out) == ("not-owner", None), out
    t1.wait_drained()
    poll_until("the released cart on t2", lambda: t2.db_rows(
        "SELECT released FROM orders WHERE id = ?", cart), lambda r: r == [(1,)])
    # Not t2's until it claims it.
    status, out = edit(t2, cart, {"lines": [{"code": "COF", "qty": 1000}]})
    assert status == 409 and error(out) == ("not-owner", None), out
    assert "claim" in out["error"]["message"], out
    request = api(t2, "POST", "/api/v1/orders/%s/claim" % cart)[1]["requestId"]
    poll_until("the claim's answer",
               lambda: api(t2, "GET", "/api/v1/claims/%s" % request)[1]["state"],
               lambda s: s in ("claimed", "refused"))
    assert api(t2, "GET", "/api/v1/claims/%s" % request)[1]["state"] == "claimed"
    rev = view(t2, cart)["rev"]

    status, out = edit(t2, cart, {"lines": [{"code": "COF", "qty": 2000}]})
    assert status == 201 and out["total"] == 500, out
    assert view(t2, cart)["rev"] == rev + 1
    t2.wait_drained()
    at_hub = hub.order(cart)
    assert at_hub["rev"] == rev + 1, at_hub
    assert [(ln["sku"], ln["qty"]) for ln in at_hub["lines"]] == [("COF", 2000)], at_hub
    assert hub.conflicts() == []
    # t1 sees the new lines, and still may not change them: the cart is t2's.
    poll_until("the new lines on t1", lambda: lines_of(view(t1, cart)["order"]),
               lambda lines: lines == [("COF", 2000)])
    before = view(t1, cart)
    status, out = edit(t1, cart, {"lines": [{"code": "CRO", "qty": 1000}]})
    assert status == 409 and error(out) == ("not-owner", None), out
    res = t1.pin_cli("park", "--data", t1.data, "--order", cart, "--line", "CRO:1")
    assert res.returncode == EX_DATAERR and "another terminal's" in res.stderr, res.stderr
    assert view(t1, cart) == before

    # A voided cart is final.
    third = api(t2, "POST", "/api/v1/carts", {"lines": [{"code": "CRO", "qty": 1000}]})[1]
    third = third["orderId"]
    assert api(t2, "POST", "/api/v1/orders/%s/void" % third,
               {"reason": "customer left", "approvePin": MANAGER_PIN})[0] == 201
    voided = view(t2, third)
    status, out = edit(t2, third, {"lines": [{"code": "WAT", "qty": 1000}]})
    assert status == 409 and error(out) == ("not-open", None), out
    assert "voided" in out["error"]["message"], out
    assert view(t2, third) == voided
