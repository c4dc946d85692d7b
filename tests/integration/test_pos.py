# SPDX-License-Identifier: MIT
"""
The till (docs/pos.md): discounts within the role's ceiling or with a
manager's PIN, split tenders, refunds against a receipt with the hub stopped,
never more than was sold, and the hub's re-checks of both on arrival
(flags for a discount past the ceiling, alerts for an over-refund made by
two terminals offline).
"""
import json

from conftest import (EX_DATAERR, EX_NOPERM, make_op, make_order, poll_until)

CASHIER_PIN, MANAGER_PIN = "1234", "98765"


def run_json_ok(till, *args, pin=None):
    res = till.pin_cli(*args, "--json", pin=pin)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def staffed_shop(world, names):
    hub, tills = world.shop(names)
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    for t in tills:
        poll_until("staff on %s" % t.name,
                   lambda t=t: len(t.db_rows("SELECT id FROM staff")) == 2)
        assert t.signin(CASHIER_PIN).returncode == 0
    return hub, tills, ann, max_id


def hub_op(hub, order_id):
    [(op,)] = hub.db_rows("SELECT op FROM events WHERE entity_id = ? AND kind = 'order.put'",
                          order_id)
    return json.loads(op)


def test_discounts_split_tender_and_the_ceiling(world):
    hub, [till], ann, max_id = staffed_shop(world, ["till"])
    # 2 coffees at 2.50, 10 % off the line (the cashier's ceiling is 10 %):
    # 5.00 - 0.50 = 4.50, tax 20 % included: 0.75. Paid 2.00 cash, the rest by card.
    out = run_json_ok(till, "sell", "--data", till.data, "--line", "COF:2/10%",
                      "--line", "WAT:1", "--pay", "cash=2", "--pay", "card:AUTH-7")
    order = out["order"]
    cof, wat = order["lines"]
    assert (cof["discountAmount"], cof["lineTotal"], cof["tax"]) == (50, 450, 75)
    assert (wat["discountAmount"], wat["lineTotal"], wat["tax"]) == (0, 100, 0)
    assert order["total"] == 550 and order["discountTotal"] == 50
    assert order["taxes"] == [{"rate": 0, "base": 100, "tax": 0, "total": 100},
                              {"rate": 2000, "base": 375, "tax": 75, "total": 450}]
    assert [(p["tender"], p["amount"], p["change"]) for p in order["payments"]] == [
        ("cash", 200, 0), ("card", 350, 0)]

    # 25 % off the order is past the cashier's ceiling (and needs sale.discount.order).
    res = till.pin_cli("sell", "--data", till.data, "--line", "COF:4",
                       "--order-discount", "25%", "--pay", "cash")
    assert res.returncode == EX_NOPERM and "approve" in res.stderr, res.stderr
    res = till.pin_cli("sell", "--data", till.data, "--line", "COF:4", "--line", "CRO:1/15%",
                       "--pay", "cash")
    assert res.returncode == EX_NOPERM and "ceiling" in res.stderr, res.stderr
    # Max approves with his PIN: 10.00 - 2.50 = 7.50.
    out = run_json_ok(till, "sell", "--data", till.data, "--line", "COF:4",
                      "--order-discount", "25%", "--pay", "cash=10",
                      "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert out["total"] == 750 and out["change"] == 250
    approved = out["orderId"]
    # Bad input: a discount over 100 %, a discount larger than the line.
    res = till.pin_cli("sell", "--data", till.data, "--line", "COF:1/150%", "--pay", "cash")
    assert res.returncode != 0 and "discount" in res.stderr
    res = till.pin_cli("sell", "--data", till.data, "--line", "COF:1/9.00", "--pay", "cash",
                       "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "discount" in res.stderr, res.stderr

    till.wait_drained()
    op = hub_op(hub, approved)
    assert op["actor"] == ann and op["approver"] == max_id
    assert op["payload"]["discount"] == {"kind": "percent", "value": 2500}
    assert hub.flags() == []


def test_hub_flags_a_discount_past_the_ceiling(world):
    hub, [raw] = world.shop(["raw"], start=False)
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    c = world.sync_client(hub, raw)
    # A crafted sale: Ann (cashier, ceiling 10 %) gives 40 % off a coffee, no approver.
    order = make_order(receipt="T99-000001", receipt_seq=1)
    line = order["lines"][0]
    gross = line["lineTotal"]
    off = gross * 40 // 100
    line.update(discount={"kind": "amount", "value": off}, discountAmount=off, orderShare=0,
                lineTotal=gross - off)
    line["tax"] = (line["lineTotal"] * line["taxRate"] * 2 + 10000 + line["taxRate"]) // (
        2 * (10000 + line["taxRate"]))
    order.update(total=sum(ln["lineTotal"] for ln in order["lines"]),
                 taxTotal=sum(ln["tax"] for ln in order["lines"]), discountTotal=off)
    order["payments"] = [{"tender": "cash", "amount": order["total"],
                          "tendered": order["total"], "change": 0, "reference": None}]
    op = make_op(order)
    op["actor"] = ann
    [r] = c.push([op])
    assert r["result"] == "applied", r  # the sale stands
    [(op_id, code, perm, actor, approver)] = hub.flags()
    assert (op_id, code, perm, actor) == (op["opId"], "rejected-needs-manager",
                                          "discount ceiling", ann)
    # A tampered discount share is refused, naming the member.
    bad = make_op(json.loads(json.dumps(order)))
    bad["payload"]["lines"][0]["discountAmount"] = off - 1
    bad["actor"] = ann
    [r] = c.push([bad])
    assert (r["result"], r["code"], r["field"]) == (
        "rejected", "bad-total", "payload.lines[0].discountAmount"), r
    c.close()


def test_offline_refund_needs_a_manager_and_never_exceeds_the_sale(world):
    hub, [till], ann, max_id = staffed_shop(world, ["till"])
    hub.stop()
    sale = run_json_ok(till, "sell", "--data", till.data, "--line", "COF:3", "--line", "CRO:1",
                       "--pay", "cash=20")
    receipt = sale["receipt"]

    # order.refund is not the cashier's: a manager's PIN approves, offline.
    res = till.pin_cli("refund", "--data", till.data, receipt, "--line", "1:1", "--pay", "cash")
    assert res.returncode == EX_NOPERM and "order.refund" in res.stderr, res.stderr
    res = till.pin_cli("refund", "--data", till.data, receipt, "--line", "1:1", "--pay", "cash",
                       "--approve-pin-file", "-", pin=CASHIER_PIN)
    assert res.returncode == EX_NOPERM
    first = run_json_ok(till, "refund", "--data", till.data, receipt, "--line", "1:1",
                        "--pay", "cash", "--approve-pin-file", "-", pin=MANAGER_PIN)
    doc = first["order"]
    assert doc["type"] == "refund" and doc["refundOf"] == sale["orderId"]
    assert doc["refundOfReceipt"] == receipt and first["receipt"] != receipt
    assert [(ln["sku"], ln["qty"], ln["lineTotal"], ln["refLine"]) for ln in doc["lines"]] == [
        ("COF", 1000, 250, 0)]
    assert doc["payments"][0]["amount"] == 250

    # More than is left of the line: refused, nothing stored.
    before = till.db_rows("SELECT count(*) FROM orders")
    res = till.pin_cli("refund", "--data", till.data, receipt, "--line", "1:3", "--pay", "cash",
                       "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "more than is left" in res.stderr, res.stderr
    assert till.db_rows("SELECT count(*) FROM orders") == before
    res = till.pin_cli("refund", "--data", till.data, "NO-SUCH-1", "--pay", "cash",
                       "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "NO-SUCH-1" in res.stderr
    # The rest of it, by card: 2 coffees and the croissant, exactly what is left.
    rest = run_json_ok(till, "refund", "--data", till.data, receipt, "--pay", "card:RF-1",
                       "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert rest["total"] + first["total"] == sale["total"]
    res = till.pin_cli("refund", "--data", till.data, receipt, "--pay", "cash",
                       "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "refunded already" in res.stderr

    # Back online: the refunds arrive with actor and approver; nothing is flagged.
    hub.start()
    till.wait_drained()
    for out in (first, rest):
        op = hub_op(hub, out["orderId"])
        assert op["actor"] == ann and op["approver"] == max_id
        assert op["payload"]["type"] == "refund"
    assert hub.flags() == []
    assert hub.db_rows("SELECT count(*) FROM order_alerts") == [(0,)]


def test_two_terminals_offline_over_refund_is_flagged_at_the_hub(world):
    hub, [a, b], _, _ = staffed_shop(world, ["a", "b"])
    sale = run_json_ok(a, "sell", "--data", a.data, "--line", "COF:2", "--pay", "cash")
    poll_until("the sale mirrored on b", lambda: b.db_rows(
        "SELECT count(*) FROM orders WHERE id = ?", sale["orderId"]) == [(1,)])
    hub.stop()
    # Each terminal knows 2 coffees are left and gives both back.
    for t in (a, b):
        run_json_ok(t, "refund", "--data", t.data, sale["receipt"], "--pay", "cash",
                    "--approve-pin-file", "-", pin=MANAGER_PIN)
    hub.start()
    a.wait_drained()
    b.wait_drained()
    alerts, _ = poll_until("the over-refund alert", lambda: hub.db_rows(
        "SELECT code, field FROM order_alerts"))
    assert alerts == [("over-refund", "payload.lines[0].qty")]
    assert [e for e in hub.audit() if e["action"] == "refund.flagged"]
    # Both refunds stand (money changed hands).
    assert hub.db_rows("SELECT count(*) FROM orders WHERE json_extract(doc, '$.type') = "
                       "'refund'") == [(2,)]


def test_sell_print_sends_the_receipt_with_the_drawer_kick(world, tmp_path):
    hub, [till] = world.shop(["till"])
    paper = tmp_path / "printer.bin"
    with open(till.data / "term.conf", "a") as conf:
        conf.write("\n[printer]\ntarget = %s\n" % paper)
    out = run_json_ok(till, "sell", "--data", till.data, "--line", "COF:1", "--pay", "cash=5",
                      "--print")
    data = paper.read_bytes()
    assert out["receipt"].encode() in data
    assert b"\x1bp\x00" in data  # ESC p 0: the drawer kick, for a cash sale
    # No printer: the sale is stored all the same, and the cashier is told how to reprint.
    paper.unlink()
    with open(till.data / "term.conf", "a") as conf:
        conf.write("target = tcp:127.0.0.1:9\n")
    res = till.pin_cli("sell", "--data", till.data, "--line", "COF:1", "--pay", "cash",
                       "--print")
    assert res.returncode == 0 and "did not print" in res.stderr, res.stderr
    assert "tillnet-term receipt" in res.stderr
