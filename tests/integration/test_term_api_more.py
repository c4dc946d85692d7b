# SPDX-License-Identifier: MIT
"""
The terminal's local API for voids and customers (docs/openapi-terminal.yaml),
as the cashier screen uses it with the hub stopped: a cart is voided (a
cashier needs a manager's approvePin), a completed sale is reversed (a
manager's PIN every time); a customer is added, found by phone, earns points
on a sale and pays with them, and is edited. Bad input names the field and
stores nothing. When the hub is back, everything arrives there.
"""
import urllib.parse

from conftest import new_id, poll_until
from test_loyalty import hub_customer, set_loyalty
from test_pos import CASHIER_PIN, MANAGER_PIN, hub_op
from test_term_api import api, error, signed_in


def stored(till):
    """What a refusal must leave alone: the orders, the journal, the customers."""
    return (till.db_rows("SELECT id, status, rev FROM orders ORDER BY id"),
            till.db_rows("SELECT count(*) FROM journal"),
            till.db_rows("SELECT id, name, phone, email, card FROM customers ORDER BY id"))


def test_void_and_reversal_offline_then_the_hub(world):
    hub, [till], ann, max_id = signed_in(world)
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    hub.stop()
    status, out = api(till, "POST", "/api/v1/carts",
                      {"lines": [{"code": "COF", "qty": 2000}, {"code": "CRO", "qty": 1000}]})
    assert status == 201, out
    cart = out["orderId"]
    path = "/api/v1/orders/%s/void" % cart

    # order.void is not the cashier's: refused without a manager's PIN, and with her own.
    before = stored(till)
    status, out = api(till, "POST", path, {"reason": "customer left"})
    assert status == 403 and error(out) == ("needs-approval", None), out
    assert "approvePin" in out["error"]["message"], out
    status, out = api(till, "POST", path)  # no body at all: the same refusal
    assert status == 403 and error(out) == ("needs-approval", None), out
    status, out = api(till, "POST", path, {"approvePin": CASHIER_PIN})
    assert status == 403 and error(out) == ("wrong-pin", "approvePin"), out
    # Bad input names the field; an unknown order is 404.
    for body, field in [({"reason": "x" * 201, "approvePin": MANAGER_PIN}, "reason"),
                        ({"reason": "", "approvePin": MANAGER_PIN}, "reason"),
                        ({"reason": 5, "approvePin": MANAGER_PIN}, "reason"),
                        ({"approvePin": 98765}, "approvePin"),
                        ("[1]", None)]:
        status, out = api(till, "POST", path, body)
        assert status == 400 and out["error"].get("field") == field, (body, out)
    status, out = api(till, "POST", "/api/v1/orders/%s/void" % new_id(),
                      {"approvePin": MANAGER_PIN})
    assert status == 404, out
    assert api(till, "GET", path)[0] == 405
    assert stored(till) == before

    # Max's PIN approves: the cart becomes a numbered void, the first record of the journal.
    status, out = api(till, "POST", path, {"reason": "customer left", "approvePin": MANAGER_PIN})
    assert status == 201, out
    assert (out["orderId"], out["receipt"], out["receiptSeq"]) == (cart, "CORNER-T01-000001", 1)
    assert out["total"] == 2 * 250 + 180 and out["change"] == 0, out
    doc = out["order"]
    assert doc["status"] == "voided" and doc["voidReason"] == "customer left"
    assert doc["voidedBy"] == ann and doc["payments"] == []
    assert api(till, "GET", "/api/v1/orders/%s" % cart)[1]["status"] == "voided"
    assert api(till, "GET", "/api/v1/carts")[1]["carts"] == []
    # Voided once only.
    before = stored(till)
    status, out = api(till, "POST", path, {"approvePin": MANAGER_PIN})
    assert status == 409 and "voided already" in out["error"]["message"], out

    # A completed sale is not voided as a cart: it is reversed.
    status, sale = api(till, "POST", "/api/v1/sales", {
        "lines": [{"code": "COF", "qty": 3000}, {"code": "CRO", "qty": 1000}],
        "payments": [{"tender": "cash", "amount": 2000}]})
    assert status == 201 and sale["total"] == 930, sale
    before = stored(till)
    status, out = api(till, "POST", "/api/v1/orders/%s/void" % sale["orderId"],
                      {"approvePin": MANAGER_PIN})
    assert status == 409 and error(out)[0] == "conflict", out
    body = {"sale": sale["receipt"], "payments": [{"tender": "card", "reference": "RV-1"}],
            "reason": "wrong customer"}
    status, out = api(till, "POST", "/api/v1/reversals", body)
    assert status == 403 and error(out) == ("needs-approval", None), out
    status, out = api(till, "POST", "/api/v1/reversals", dict(body, approvePin=CASHIER_PIN))
    assert status == 403 and error(out) == ("wrong-pin", "approvePin"), out
    for bad, code, field in [
            (dict(body, sale=""), 400, "sale"),
            ({"sale": sale["receipt"], "approvePin": MANAGER_PIN}, 400, "payments"),
            (dict(body, payments=[{"tender": "gold"}]), 400, "payments[0].tender"),
            (dict(body, reason=["x"]), 400, "reason"),
            (dict(body, payments=[{"tender": "cash", "amount": 5}], approvePin=MANAGER_PIN),
             400, "payments"),
            (dict(body, sale="CORNER-T01-999999", approvePin=MANAGER_PIN), 404, "sale"),
            (dict(body, sale=cart, approvePin=MANAGER_PIN), 409, "sale")]:
        status, out = api(till, "POST", "/api/v1/reversals", bad)
        assert status == code and out["error"].get("field") == field, (bad, status, out)
        assert out["error"]["message"], out
    assert api(till, "GET", "/api/v1/reversals")[0] == 405
    assert stored(till) == before

    status, rev = api(till, "POST", "/api/v1/reversals", dict(body, approvePin=MANAGER_PIN))
    assert status == 201, rev
    rdoc = rev["order"]
    assert rev["receipt"] == "CORNER-T01-000003" and rev["total"] == sale["total"], rev
    assert rdoc["type"] == "refund" and rdoc["reversal"] is True
    assert rdoc["refundOf"] == sale["orderId"] and rdoc["voidReason"] == "wrong customer"
    assert [(p["tender"], p["amount"], p["reference"]) for p in rdoc["payments"]] == [
        ("card", 930, "RV-1")]
    # Nothing is left of it now.
    before = stored(till)
    status, out = api(till, "POST", "/api/v1/reversals", dict(body, approvePin=MANAGER_PIN))
    assert status == 409 and "nothing is left" in out["error"]["message"], out
    status, out = api(till, "POST", "/api/v1/reversals",
                      dict(body, sale=rev["receipt"], approvePin=MANAGER_PIN))
    assert status == 409 and "refund" in out["error"]["message"], out
    assert stored(till) == before

    # Back online: the void and the reversal reach the hub, with who approved them.
    hub.start()
    till.wait_drained()
    assert hub.order(cart)["status"] == "voided"
    assert hub.order(cart)["receipt"] == "CORNER-T01-000001"
    assert hub.order(rev["orderId"])["status"] == "completed"
    op = hub_op(hub, rev["orderId"])
    assert op["payload"]["reversal"] is True and op["payload"]["refundOf"] == sale["orderId"]
    assert op["actor"] == ann and op["approver"] == max_id
    assert hub.db_rows("SELECT kind, amount FROM journal WHERE record_id = ?", cart) == [
        ("void", 0)]
    assert hub.db_rows("SELECT kind, amount FROM journal WHERE record_id = ?",
                       rev["orderId"]) == [("void", -930)]
    assert hub.conflicts() == []


def test_customers_offline_earn_and_pay_with_points_then_the_hub(world):
    hub, [till], ann, _ = signed_in(world)
    set_loyalty(hub, [till])  # 2 points a whole 1.00 paid, a point worth 0.05
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    hub.stop()

    status, cust = api(till, "POST", "/api/v1/customers", {
        "name": "Ann Smith", "phone": "+44 20 7946 0958", "email": "ann@example.com",
        "card": "LC-1001"})
    assert status == 201, cust
    cid = cust["id"]
    assert (cust["name"], cust["points"], cust["tier"]) == ("Ann Smith", 0, "Member"), cust

    # Found by her phone number written another way, by part of her name, by card.
    for q in ("+442079460958", "smith", "LC-1001"):
        status, out = api(till, "GET", "/api/v1/customers?q=%s" % urllib.parse.quote(q))
        assert status == 200 and [c["id"] for c in out["customers"]] == [cid], (q, out)
    assert api(till, "GET", "/api/v1/customers?q=nobody")[1]["customers"] == []
    status, out = api(till, "GET", "/api/v1/customers")
    assert status == 400 and error(out) == ("bad-field", "q"), out

    # Bad input names the field and stores nothing.
    before = stored(till)
    for body, code, field in [
            ({}, 400, "name"),
            ({"name": ""}, 400, "name"),
            ({"name": 5}, 400, "name"),
            ({"name": "Bo", "phone": "abc"}, 400, "phone"),
            ({"name": "Bo", "phone": 123}, 400, "phone"),
            ({"name": "Bo", "email": "nope"}, 400, "email"),
            ({"name": "Bo", "card": "bad card!"}, 400, "card"),
            ({"name": "Bo", "card": "LC-1001"}, 409, "card"),  # Ann's card
            ({"name": "Bo", "approvePin": 1}, 400, "approvePin"),
            ("[1]", 400, None)]:
        status, out = api(till, "POST", "/api/v1/customers", body)
        assert status == code and out["error"].get("field") == field, (body, status, out)
        assert out["error"]["message"], out
    for body, code, field in [({}, 400, None), ({"phone": "x"}, 400, "phone"),
                              ({"name": None}, 400, "name")]:
        status, out = api(till, "PATCH", "/api/v1/customers/%s" % cid, body)
        assert status == code and out["error"].get("field") == field, (body, status, out)
    assert api(till, "PATCH", "/api/v1/customers/%s" % new_id(), {"name": "X"})[0] == 404
    assert api(till, "GET", "/api/v1/customers/%s" % new_id())[0] == 404
    assert api(till, "DELETE", "/api/v1/customers/%s" % cid)[0] == 405
    assert stored(till) == before

    # A sale naming her by phone: 2 coffees, 5.00 in cash, earns 10 points.
    status, sale = api(till, "POST", "/api/v1/sales", {
        "customer": "+44 20 7946 0958", "lines": [{"code": "COF", "qty": 2000}],
        "payments": [{"tender": "cash"}]})
    assert status == 201, sale
    assert sale["order"]["customer"] == cid
    assert sale["order"]["loyalty"] == {"earned": 10, "redeemed": 0, "balance": 10}
    status, seen = api(till, "GET", "/api/v1/customers/%s" % cid)
    assert status == 200, seen
    assert (seen["points"], seen["lifetimeSpend"], seen["tier"]) == (10, 500, "Bronze"), seen
    assert seen["ledger"][0]["receipt"] == sale["receipt"]

    # She pays 0.50 of a 1.00 water with all her points, the rest in cash.
    status, paid = api(till, "POST", "/api/v1/sales", {
        "customer": "LC-1001", "lines": [{"code": "WAT", "qty": 1000}],
        "payments": [{"tender": "points", "amount": 50}, {"tender": "cash"}]})
    assert status == 201, paid
    assert [(p["tender"], p["amount"]) for p in paid["order"]["payments"]] == [
        ("points", 50), ("cash", 50)]
    assert paid["order"]["loyalty"] == {"earned": 0, "redeemed": 10, "balance": 0}
    assert api(till, "GET", "/api/v1/customers/%s" % cid)[1]["points"] == 0
    # No points left, and points need a customer: refused, nothing stored.
    before = stored(till)
    for body in ({"customer": cid, "lines": [{"code": "WAT", "qty": 1000}],
                  "payments": [{"tender": "points", "amount": 5}, {"tender": "cash"}]},
                 {"lines": [{"code": "WAT", "qty": 1000}],
                  "payments": [{"tender": "points", "amount": 5}, {"tender": "cash"}]}):
        status, out = api(till, "POST", "/api/v1/sales", body)
        assert status == 400 and "points" in out["error"]["message"], (body, out)
    status, out = api(till, "POST", "/api/v1/sales", {
        "customer": "nobody@example.com", "lines": [{"code": "WAT", "qty": 1000}],
        "payments": [{"tender": "cash"}]})
    assert status == 400 and error(out) == ("bad-field", "customer"), out
    assert stored(till) == before

    # An edit: the members given change, the others stay.
    status, out = api(till, "PATCH", "/api/v1/customers/%s" % cid,
                      {"email": "ann.smith@example.com", "card": ""})
    assert status == 200, out
    assert (out["name"], out["phone"], out["email"], out["card"]) == (
        "Ann Smith", "+44 20 7946 0958", "ann.smith@example.com", ""), out
    final = api(till, "GET", "/api/v1/customers/%s" % cid)[1]
    assert (final["points"], final["lifetimeSpend"]) == (0, 550), final

    # Back online: the customer, her edit, both sales and her balance are at the hub.
    hub.start()
    till.wait_drained()
    at_hub, _ = poll_until("the hub's ledger", lambda: hub_customer(hub, cid),
                           lambda c: len(c["ledger"]) == 2)
    assert (at_hub["name"], at_hub["email"], at_hub["card"]) == (
        "Ann Smith", "ann.smith@example.com", ""), at_hub
    assert (at_hub["points"], at_hub["lifetimeSpend"], at_hub["tier"]) == (0, 550, "Bronze")
    assert at_hub["alerts"] == []
    assert hub.order(paid["orderId"])["status"] == "completed"
    assert hub_op(hub, sale["orderId"])["payload"]["customer"] == cid
    [(actor,)] = hub.db_rows("SELECT json_extract(op, '$.actor') FROM events WHERE entity_id = ? "
                             "AND kind = 'customer.put' ORDER BY seq LIMIT 1", cid)
    assert actor == ann
