# SPDX-License-Identifier: MIT
"""
Points taken off as a discount (docs/pos.md, "Points as a discount"):
`sell --redeem-points N` (and `redeemPoints` in the local API) takes N of
the customer's points off the order as an amount order discount, so the
taxed amount is lower; the order records it for the hub, the customer's
balance drops by N on the till and at the hub, a refund gives the points
back in proportion to the point, the receipt prints the points; what does
not hold is refused naming the field, on the till and at the hub.
"""
import json

from conftest import EX_DATAERR, EX_USAGE, make_op, make_order, poll_until
from test_loyalty import hub_customer, set_loyalty, show, term, term_json
from test_pos import hub_op
from test_receipt import decode_escpos, money
from test_term_api import api, error


def lines_starting(text, start):
    return [ln for ln in text.splitlines() if ln.startswith(start)]


def test_redeemed_points_lower_the_tax_and_go_back_in_proportion(world):
    hub, [till] = world.shop(["till"])
    set_loyalty(hub, [till])  # 2 points per whole 1.00, a point worth 0.05
    ann = term_json(till, "customer", "add", "--name", "Ann", "--card", "LC-1")
    term_json(till, "sell", "--customer", "LC-1", "--line", "COF:4", "--pay", "cash")
    assert show(till, "LC-1")["points"] == 20
    hub.stop()

    # Three coffees, 7.50 with 20 % tax in it, less 7 points (0.35): 7.15 holds 1.19 of
    # tax (1.25 without the points). 7 whole units paid: 14 points earned.
    sale = term_json(till, "sell", "--customer", "LC-1", "--line", "COF:3",
                     "--redeem-points", "7", "--pay", "cash")
    order = sale["order"]
    assert (sale["total"], sale["taxTotal"]) == (715, 119), sale
    assert order["discount"] == {"kind": "amount", "value": 35, "source": "points",
                                 "points": 7, "pointValue": 5}, order
    assert order["taxes"] == [{"rate": 2000, "base": 596, "tax": 119, "total": 715}], order
    assert order["lines"][0]["orderShare"] == 35 and order["discountTotal"] == 35, order
    assert order["loyalty"] == {"earned": 14, "redeemed": 7, "balance": 27}, order
    assert show(till, ann["id"])["points"] == 27

    # The receipt: the lower tax, the points off, and the customer's points.
    text = term(till, "receipt", sale["receipt"], "--text").stdout
    [tax] = lines_starting(text, "Tax 20%")
    assert tax.split()[-1] == money(119), text
    assert lines_starting(text, "  7 points")[0].split()[-1] == money(-35), text
    for label, value in (("Points earned", "14"), ("Points redeemed", "7"),
                         ("Points balance", "27")):
        [line] = lines_starting(text, label)
        assert line.split()[-1] == value, text
    path = world.tmp / "points.bin"
    term(till, "receipt", sale["receipt"], "--printer", str(path))
    [printed] = decode_escpos(path.read_bytes())
    assert "Points redeemed" in printed.text and "Points balance" in printed.text, printed.text
    assert [t for t, _, _ in printed.lines if t.startswith("Points balance")][0].split()[-1] \
        == "27", printed.text

    # One coffee back: 2.38 of 7.15, so round(7 × 238 / 715) = 2 points come back and
    # round(14 × 238 / 715) = 5 earned go; the rest gives back exactly what is left.
    back = term_json(till, "refund", sale["receipt"], "--line", "1:1", "--pay", "cash")
    assert back["total"] == 238, back
    assert back["order"]["loyalty"] == {"earned": -5, "redeemed": -2, "discountPoints": -2,
                                        "balance": 24}, back["order"]
    text = term(till, "receipt", back["receipt"], "--text").stdout
    assert lines_starting(text, "Points given back")[0].split()[-1] == "2", text
    assert lines_starting(text, "Points taken back")[0].split()[-1] == "5", text
    rest = term_json(till, "refund", sale["receipt"], "--pay", "cash")
    assert rest["total"] == 715 - 238, rest
    assert rest["order"]["loyalty"] == {"earned": -9, "redeemed": -5, "discountPoints": -5,
                                        "balance": 20}, rest["order"]
    assert show(till, ann["id"])["points"] == 20

    # The hub takes all of it and agrees to the point.
    hub.start()
    till.wait_drained()
    assert hub_op(hub, sale["orderId"])["payload"]["discount"]["source"] == "points"
    at_hub, _ = poll_until("the hub's ledger", lambda: hub_customer(hub, ann["id"]),
                           lambda c: len(c["ledger"]) == 4)
    assert at_hub["points"] == 20 and at_hub["alerts"] == [], at_hub
    assert hub.conflicts() == []


def test_two_terminals_offline_redeem_the_same_points_as_a_discount(world):
    hub, [t1, t2] = world.shop(["t1", "t2"])
    set_loyalty(hub, [t1, t2])
    bob = term_json(t1, "customer", "add", "--name", "Bob", "--card", "LC-2")
    term_json(t1, "sell", "--customer", "LC-2", "--line", "COF:4", "--pay", "cash")  # 20
    t1.wait_drained()
    poll_until("Bob's points on t2", lambda: show(t2, "LC-2")["points"], lambda p: p == 20)
    hub.stop()
    # Each till takes all 20 points (1.00) off a coffee: 1.50 paid earns 2 points.
    for t in (t1, t2):
        out = term_json(t, "sell", "--customer", "LC-2", "--line", "COF:1",
                        "--redeem-points", "20", "--pay", "cash")
        assert out["total"] == 150 and out["order"]["loyalty"]["redeemed"] == 20, out
        assert show(t, bob["id"])["points"] == 2
    hub.start()
    t1.wait_drained()
    t2.wait_drained()
    at_hub, _ = poll_until("the merged ledger", lambda: hub_customer(hub, bob["id"]),
                           lambda c: len(c["ledger"]) == 3)
    assert at_hub["points"] == 20 - 18 - 18, at_hub
    [alert] = at_hub["alerts"]
    assert alert["code"] == "negative-balance", alert
    assert [e for e in hub.audit() if e["action"] == "loyalty.flagged"]


def test_bad_redemptions_are_refused_naming_the_field(world):
    hub, [till] = world.shop(["till"])
    set_loyalty(hub, [till])
    eve = term_json(till, "customer", "add", "--name", "Eve", "--card", "LC-3")
    term_json(till, "sell", "--customer", "LC-3", "--line", "COF:2", "--pay", "cash")  # 10
    before = till.db_rows("SELECT count(*) FROM orders")

    def refused(*args, expect=EX_DATAERR):
        return term(till, "sell", *args, "--pay", "cash", expect=expect).stderr

    err = refused("--customer", "LC-3", "--line", "COF:2", "--redeem-points", "11")
    assert "redeemPoints" in err and "10 points" in err and "nothing was stored" in err, err
    err = refused("--line", "COF:2", "--redeem-points", "5")
    assert "redeemPoints" in err and "customer" in err, err
    for text in ("2.5", "0", "-3", "ten"):
        err = refused("--customer", "LC-3", "--line", "COF:2", "--redeem-points", text,
                      expect=EX_USAGE)
        assert "--redeem-points" in err and "whole number" in err, err
    err = refused("--customer", "LC-3", "--line", "COF:2", "--redeem-points", "5",
                  "--order-discount", "0.10")
    assert "redeemPoints" in err and "order discount" in err, err
    err = refused("--customer", "LC-3", "--line", "WAT:1", "--redeem-points", "21")
    assert "redeemPoints" in err and "more than the order" in err, err
    assert till.db_rows("SELECT count(*) FROM orders") == before
    assert show(till, eve["id"])["points"] == 10

    # The local API, the same; a cart may carry the points to be paid later.
    sale = {"lines": [{"code": "COF", "qty": 1000}], "payments": [{"tender": "cash"}],
            "customer": "LC-3"}
    for body in (dict(sale, redeemPoints=2.5), dict(sale, redeemPoints="5"),
                 dict(sale, redeemPoints=0), dict(sale, redeemPoints=11),
                 {k: v for k, v in dict(sale, redeemPoints=5).items() if k != "customer"}):
        status, out = api(till, "POST", "/api/v1/sales", body)
        assert status == 400 and error(out) == ("bad-field", "redeemPoints"), (body, out)
    assert till.db_rows("SELECT count(*) FROM orders") == before
    # The screen prices the cart with the points before it is stored.
    price = {"lines": [{"code": "COF", "qty": 1000}], "customer": "LC-3", "redeemPoints": 10}
    status, out = api(till, "POST", "/api/v1/carts/price", price)
    assert status == 200 and out["order"]["total"] == 200, out
    assert out["order"]["discount"]["source"] == "points" and out["needs"]["permissions"] == []
    for body in (dict(price, redeemPoints=11), {k: v for k, v in price.items()
                                                if k != "customer"}):
        status, out = api(till, "POST", "/api/v1/carts/price", body)
        assert status == 400 and error(out) == ("bad-field", "redeemPoints"), (body, out)
    status, cart = api(till, "POST", "/api/v1/carts",
                       {"lines": [{"code": "COF", "qty": 1000}], "customer": "LC-3",
                        "redeemPoints": 10})
    assert status == 201 and cart["total"] == 200, cart
    status, paid = api(till, "POST", "/api/v1/orders/%s/pay" % cart["orderId"],
                       {"payments": [{"tender": "card", "reference": "A-1"}]})
    assert status == 201 and paid["order"]["loyalty"]["redeemed"] == 10, paid
    assert show(till, eve["id"])["points"] == 10 - 10 + 4

    # The hub refuses a points discount that does not hold together, naming it.
    till.wait_drained()
    till.stop()
    c = world.sync_client(hub, till)
    order = make_order(receipt="T99-000001", receipt_seq=1)
    order["discount"] = {"kind": "amount", "value": 100, "source": "points", "points": 30,
                         "pointValue": 5}
    order["customer"] = eve["id"]
    [r] = c.push([make_op(json.loads(json.dumps(order)))])
    assert (r["result"], r["code"], r["field"]) == (
        "rejected", "bad-field", "payload.discount.value"), r
    del order["customer"]
    order["discount"]["value"] = 150
    [r] = c.push([make_op(order)])
    assert (r["result"], r["field"]) == ("rejected", "payload.customer"), r
    c.close()
