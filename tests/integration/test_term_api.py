# SPDX-License-Identifier: MIT
"""
The terminal's local API (docs/openapi-terminal.yaml), as a cashier screen
on the same machine uses it: sign in with a PIN, find items, ring up with
discounts and split tenders, park, pay a parked cart, release one and claim
it on another till, refund against a receipt, show and print receipts. Each
call runs on the same core and term.db as the CLI, so what the API stores
reaches the hub like any sale; bad input names the field and stores nothing.
"""
import http.client
import json

from conftest import DEADLINE, LOOPBACK, poll_until
from test_pos import CASHIER_PIN, MANAGER_PIN, hub_op, staffed_shop


def api(till, method, path, body=None):
    conn = http.client.HTTPConnection(LOOPBACK, till.ui_port, timeout=DEADLINE)
    try:
        data = None if body is None else (body if isinstance(body, str)
                                          else json.dumps(body)).encode()
        conn.request(method, path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        res = conn.getresponse()
        raw = res.read()
    finally:
        conn.close()
    return res.status, (json.loads(raw) if raw else None)


def error(out):
    return out["error"]["code"], out["error"].get("field")


def orders_here(till):
    return till.db_rows("SELECT count(*) FROM orders")[0][0]


def signed_in(world, names=("till",)):
    hub, tills, ann, max_id = staffed_shop(world, list(names))
    for t in tills:
        assert api(t, "DELETE", "/api/v1/session")[0] == 204  # staffed_shop used the CLI
    return hub, tills, ann, max_id


def test_sign_in_find_and_sell_with_approval(world):
    hub, [till], ann, max_id = signed_in(world)
    status, out = api(till, "POST", "/api/v1/sales",
                      {"lines": [{"code": "COF", "qty": 1000}], "payments": [{"tender": "cash"}]})
    assert status == 401 and error(out) == ("not-signed-in", None), out
    status, out = api(till, "POST", "/api/v1/session", {"pin": "0000"})
    assert status == 403 and error(out) == ("wrong-pin", "pin"), out
    status, out = api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})
    assert status == 200 and out["name"] == "Ann" and out["role"] == "cashier", out
    assert api(till, "GET", "/api/v1/session")[1]["id"] == ann
    assert till.ui_status()["signedIn"]["name"] == "Ann"

    # Search by name, SKU and barcode; the barcode's item first.
    items = api(till, "GET", "/api/v1/catalog?q=co")[1]["items"]
    assert [i["sku"] for i in items] == ["COF"], items
    items = api(till, "GET", "/api/v1/catalog?q=4006381333931")[1]["items"]
    assert items[0]["sku"] == "COF" and items[0]["price"] == 250
    assert len(api(till, "GET", "/api/v1/catalog")[1]["items"]) == 3
    assert api(till, "GET", "/api/v1/catalog?limit=0")[0] == 400

    # The screen prices the cart as it grows: nothing stored, and what it needs said.
    before = orders_here(till)
    status, out = api(till, "POST", "/api/v1/carts/price", {
        "lines": [{"code": "COF", "qty": 4000}, {"code": "4006381333931", "qty": 1000}],
        "discount": {"kind": "percent", "value": 2500}})
    assert status == 200, out
    assert out["order"]["total"] == 1250 - 313 and out["order"]["status"] == "open", out
    # 3.13 off 12.50 shared by largest remainder: the deepest line loses 25.2 %.
    assert out["needs"] == {"permissions": ["sale.discount.order"], "discountBp": 2520}, out
    assert orders_here(till) == before
    status, out = api(till, "POST", "/api/v1/carts/price", {"lines": [{"code": "NOPE",
                                                                         "qty": 1000}]})
    assert status == 400 and out["error"]["field"] == "lines", out

    # Two coffees 10 % off (within the cashier's ceiling), split cash and card.
    status, out = api(till, "POST", "/api/v1/sales", {
        "lines": [{"code": "COF", "qty": 2000, "discount": {"kind": "percent", "value": 1000}},
                  {"code": "WAT", "qty": 1000}],
        "payments": [{"tender": "cash", "amount": 200},
                     {"tender": "card", "reference": "AUTH-1"}]})
    assert status == 201, out
    assert out["total"] == 550 and out["receipt"].endswith("-000001"), out
    assert [(p["tender"], p["amount"]) for p in out["order"]["payments"]] == [
        ("cash", 200), ("card", 350)]

    # 25 % off the order needs a manager: refused, then approved with his PIN.
    body = {"lines": [{"code": "COF", "qty": 4000}],
            "discount": {"kind": "percent", "value": 2500},
            "payments": [{"tender": "cash", "amount": 1000}]}
    status, out = api(till, "POST", "/api/v1/sales", body)
    assert status == 403 and error(out) == ("needs-approval", None), out
    status, out = api(till, "POST", "/api/v1/sales", dict(body, approvePin="1111"))
    assert status == 403 and error(out) == ("wrong-pin", "approvePin"), out
    status, out = api(till, "POST", "/api/v1/sales", dict(body, approvePin=MANAGER_PIN))
    assert status == 201 and out["total"] == 750 and out["change"] == 250, out
    approved = out["orderId"]
    till.wait_drained()
    op = hub_op(hub, approved)
    assert op["actor"] == ann and op["approver"] == max_id

    # Signed out: the next sale is refused again.
    assert api(till, "DELETE", "/api/v1/session")[0] == 204
    assert api(till, "GET", "/api/v1/status")[1]["signedIn"] is None
    status, out = api(till, "POST", "/api/v1/sales", body)
    assert status == 401, out


def test_bad_input_names_the_field_and_stores_nothing(world):
    hub, [till], _, _ = signed_in(world)
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    before = orders_here(till)
    good_line, cash = {"code": "COF", "qty": 1000}, [{"tender": "cash"}]
    cases = [
        ("[1]", None),
        ({"payments": cash}, "lines"),
        ({"lines": [], "payments": cash}, "lines"),
        ({"lines": [{"code": "COF", "qty": 0}], "payments": cash}, "lines[0].qty"),
        ({"lines": [{"code": "COF", "qty": 1.5}], "payments": cash}, "lines[0].qty"),
        ({"lines": [{"code": "COF", "qty": -1000}], "payments": cash}, "lines[0].qty"),
        ({"lines": [{"code": "", "qty": 1000}], "payments": cash}, "lines[0].code"),
        ({"lines": [{"code": "NOPE", "qty": 1000}], "payments": cash}, "lines"),
        ({"lines": [dict(good_line, discount={"kind": "percent", "value": 0})],
          "payments": cash}, "lines[0].discount"),
        ({"lines": [good_line], "payments": []}, "payments"),
        ({"lines": [good_line], "payments": [{"tender": "gold"}]}, "payments[0].tender"),
        ({"lines": [good_line], "payments": [{"tender": "cash", "amount": -5}]},
         "payments[0].amount"),
        ({"lines": [good_line], "payments": [{"tender": "cash", "amount": 2.5}]},
         "payments[0].amount"),
        ({"lines": [good_line], "payments": [{"tender": "cash", "amount": 100}]}, None),
        ({"lines": [good_line], "payments": [{"tender": "card"}]}, None),
        ({"lines": [good_line], "payments": cash, "approvePin": 1234}, "approvePin"),
        ({"lines": [good_line], "payments": cash, "customer": 7}, "customer"),
    ]
    for body, field in cases:
        status, out = api(till, "POST", "/api/v1/sales", body)
        assert status == 400, (body, status, out)
        assert out["error"].get("field") == field, (body, out)
        assert out["error"]["message"], out
    assert orders_here(till) == before
    assert api(till, "GET", "/api/v1/nowhere")[0] == 404
    assert api(till, "PUT", "/api/v1/sales", {})[0] == 405
    assert api(till, "GET", "/api/v1/orders/%s" % ("0" * 36))[0] == 404
    # The server kept serving.
    assert api(till, "GET", "/api/v1/status")[0] == 200


def test_park_pay_release_claim_and_refund(world):
    hub, [t1, t2], _, max_id = signed_in(world, ("t1", "t2"))
    for t in (t1, t2):
        assert api(t, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200

    # Park on t1, pay it later on t1.
    status, out = api(t1, "POST", "/api/v1/carts", {"lines": [{"code": "CRO", "qty": 2000}]})
    assert status == 201 and out["receipt"] is None and out["order"]["status"] == "parked", out
    cart = out["orderId"]
    carts = api(t1, "GET", "/api/v1/carts")[1]["carts"]
    assert [(c["orderId"], c["mine"], c["total"]) for c in carts] == [(cart, True, 360)]
    status, out = api(t1, "POST", "/api/v1/orders/%s/pay" % cart,
                      {"payments": [{"tender": "cash", "amount": 500}]})
    assert status == 201 and out["orderId"] == cart and out["change"] == 140, out
    assert out["order"]["status"] == "completed" and out["receipt"], out
    sale_receipt = out["receipt"]
    status, out = api(t1, "POST", "/api/v1/orders/%s/pay" % cart,
                      {"payments": [{"tender": "cash"}]})
    assert status == 409, out
    assert api(t1, "GET", "/api/v1/carts")[1]["carts"] == []

    # Park on t1 and release it (a cashier needs a manager: order.void, as for the
    # CLI); t2 claims it through the hub and pays it.
    other = api(t1, "POST", "/api/v1/carts", {"lines": [{"code": "WAT", "qty": 3000}]})[1]
    release = "/api/v1/orders/%s/release" % other["orderId"]
    status, out = api(t1, "POST", release)
    assert status == 403 and error(out) == ("needs-approval", None), out
    status, out = api(t1, "POST", release, {"approvePin": MANAGER_PIN})
    assert status == 200 and out["released"] is True, out
    assert api(t1, "POST", release, {"approvePin": MANAGER_PIN})[0] == 409
    t1.wait_drained()
    poll_until("the released cart on t2", lambda: api(t2, "GET", "/api/v1/carts")[1]["carts"],
               lambda c: any(x["orderId"] == other["orderId"] for x in c))
    # Not t2's until claimed.
    status, out = api(t2, "POST", "/api/v1/orders/%s/pay" % other["orderId"],
                      {"payments": [{"tender": "cash"}]})
    assert status == 409 and "claim" in out["error"]["message"], out
    status, out = api(t2, "POST", "/api/v1/orders/%s/claim" % other["orderId"])
    assert status == 202 and out["state"] in ("pending", "sent"), out
    request = out["requestId"]
    poll_until("the claim's answer",
               lambda: api(t2, "GET", "/api/v1/claims/%s" % request)[1]["state"],
               lambda s: s in ("claimed", "refused"))
    assert api(t2, "GET", "/api/v1/claims/%s" % request)[1]["state"] == "claimed"
    status, out = api(t2, "POST", "/api/v1/orders/%s/pay" % other["orderId"],
                      {"payments": [{"tender": "card", "reference": "T2-9"}]})
    assert status == 201 and out["total"] == 300 and out["order"]["status"] == "completed", out
    t2.wait_drained()
    assert hub.order(other["orderId"])["status"] == "completed"
    assert hub.conflicts() == []

    # A refund of one croissant of t1's sale: the cashier needs a manager.
    body = {"sale": sale_receipt, "lines": [{"line": 1, "qty": 1000}],
            "payments": [{"tender": "cash"}]}
    status, out = api(t1, "POST", "/api/v1/refunds", body)
    assert status == 403 and error(out) == ("needs-approval", None), out
    status, out = api(t1, "POST", "/api/v1/refunds", dict(body, approvePin=MANAGER_PIN))
    assert status == 201 and out["total"] == 180 and out["order"]["type"] == "refund", out
    refund_id = out["orderId"]
    # The other croissant may go back too, but not two.
    status, out = api(t1, "POST", "/api/v1/refunds",
                      dict(body, lines=[{"line": 1, "qty": 2000}], approvePin=MANAGER_PIN))
    assert status == 400 and "lines[0].qty" in out["error"]["message"], out
    status, out = api(t1, "POST", "/api/v1/refunds",
                      dict(body, sale="NOPE-T01-000999", approvePin=MANAGER_PIN))
    assert status == 400 and out["error"]["field"] == "sale", out
    t1.wait_drained()
    assert hub_op(hub, refund_id)["approver"] == max_id


def test_receipts_shown_and_printed(world):
    hub, [till], _, _ = signed_in(world)
    till.stop()
    path = world.tmp / "printer.bin"
    conf = till.data / "term.conf"
    conf.write_text(conf.read_text() + "\n[printer]\ntarget = %s\n" % path)
    till.start()
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    status, sale = api(till, "POST", "/api/v1/sales", {
        "lines": [{"code": "COF", "qty": 1000}], "payments": [{"tender": "cash"}],
        "print": True})
    assert status == 201 and "printError" not in sale, sale
    assert sale["receipt"].encode() in path.read_bytes()
    status, out = api(till, "GET", "/api/v1/receipts/%s" % sale["receipt"])
    assert status == 200 and sale["receipt"] in out["text"] and "Coffee" in out["text"], out
    assert "DUPLICATE 1" in out["text"]  # printed once already: the screen shows a copy
    status, out = api(till, "POST", "/api/v1/receipts/%s/print" % sale["receipt"])
    assert status == 200 and out["prints"] == 2, out
    assert path.read_bytes().count(b"DUPLICATE 1") == 1
    assert api(till, "GET", "/api/v1/receipts/NOPE-1")[0] == 404
    cart = api(till, "POST", "/api/v1/carts", {"lines": [{"code": "WAT", "qty": 1000}]})[1]
    status, out = api(till, "GET", "/api/v1/receipts/%s" % cart["orderId"])
    assert status == 409 and out["error"]["code"] == "not-printable", out


def test_a_sale_from_before_enrollment_is_looked_up_at_the_hub(world):
    hub, [t1], _, max_id = staffed_shop(world, ["t1"])
    sale = t1.sell("COF:2", "WAT:1")
    other = t1.sell("CRO:1")
    t1.wait_drained()
    # t2 comes later: its snapshot holds open orders only, not t1's old sales.
    t2 = world.enrolled_terminal(hub, "t2")
    t2.wait_catalog()
    poll_until("staff on t2", lambda: len(t2.db_rows("SELECT id FROM staff")) == 2)
    assert t2.signin(CASHIER_PIN).returncode == 0
    assert t2.db_rows("SELECT count(*) FROM orders WHERE id = ?", sale["orderId"]) == [(0,)]

    # The CLI asks the hub, which has it, and refunds within what is left.
    res = t2.pin_cli("refund", "--data", t2.data, sale["receipt"], "--line", "1:1",
                     "--pay", "cash", "--approve-pin-file", "-", "--json", pin=MANAGER_PIN)
    assert res.returncode == 0, res.stderr
    assert "asking the hub" in res.stderr
    assert json.loads(res.stdout)["total"] == 250
    # A receipt the hub does not know either.
    res = t2.pin_cli("refund", "--data", t2.data, "CORNER-T01-999999", "--pay", "cash",
                     "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode != 0 and "the hub has no such sale either" in res.stderr, res.stderr

    # The API: a lookup, then the refund of the other sale.
    assert api(t2, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    body = {"sale": other["receipt"], "payments": [{"tender": "cash"}], "approvePin": MANAGER_PIN}
    status, out = api(t2, "POST", "/api/v1/refunds", body)
    assert status == 400 and out["error"]["field"] == "sale", out
    status, out = api(t2, "POST", "/api/v1/lookups", {"receipt": other["receipt"]})
    assert status == 202, out
    request = out["requestId"]
    poll_until("the lookup's answer",
               lambda: api(t2, "GET", "/api/v1/lookups/%s" % request)[1]["state"],
               lambda s: s in ("found", "not-found"))
    assert api(t2, "GET", "/api/v1/lookups/%s" % request)[1]["state"] == "found"
    status, out = api(t2, "POST", "/api/v1/refunds", body)
    assert status == 201 and out["total"] == 180, out
    assert api(t2, "POST", "/api/v1/lookups", {"receipt": ""})[0] == 400

    # Offline, the CLI says at once that the hub cannot be asked.
    hub.stop()
    t2.wait_state("waiting")
    res = t2.pin_cli("refund", "--data", t2.data, "CORNER-T01-777777", "--pay", "cash",
                     "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode != 0 and "not connected" in res.stderr, res.stderr
    hub.start()
    t2.wait_drained()
    assert hub.conflicts() == []
    refunds = hub.db_rows("SELECT count(*) FROM orders WHERE json_extract(doc, '$.refundOf') "
                          "IN (?, ?)", sale["orderId"], other["orderId"])
    assert refunds == [(2,)]
