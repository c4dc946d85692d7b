# SPDX-License-Identifier: MIT
"""
Voids (docs/pos.md, "Voids"): with the hub stopped, an open cart is voided
(order.void: a cashier needs a manager's PIN) and numbered in the journal; a
completed sale is never edited but reversed by a new record that gives back
what is left of it, with a manager's PIN every time. When the hub is back
everything arrives, the journals verify, the hub shows the order voided and
refuses any later change to it. Bad input is refused with a sentence and
nothing is stored.
"""
import json

from conftest import (EX_DATAERR, EX_NOPERM, HUB_BIN, TERM_BIN, make_line, make_op, make_order,
                      new_id, poll_until, run_cli)

CASHIER_PIN, MANAGER_PIN = "1234", "98765"


def staffed_shop(world, names):
    hub, tills = world.shop(names)
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    for t in tills:
        poll_until("staff on %s" % t.name,
                   lambda t=t: len(t.db_rows("SELECT id FROM staff")) == 2)
        assert t.signin(CASHIER_PIN).returncode == 0
    return hub, tills, ann, max_id


def void(till, *args, pin=None):
    return till.pin_cli("void", "--data", till.data, *args, pin=pin)


def void_ok(till, *args, pin=None):
    res = void(till, *args, "--json", pin=pin)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def journal(till):
    res = run_cli(TERM_BIN, "journal", "list", "--data", till.data, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def stored(till):
    """What a refusal must leave alone: the orders and the journal."""
    return (till.db_rows("SELECT id, status, rev FROM orders ORDER BY id"),
            till.db_rows("SELECT count(*) FROM journal"))


def hub_put(hub, order_id, rev):
    [(op,)] = hub.db_rows("SELECT op FROM events WHERE entity_id = ? AND kind = 'order.put' "
                          "AND json_extract(op, '$.rev') = ?", order_id, rev)
    return json.loads(op)


def test_offline_void_and_reversal_then_the_hub(world):
    hub, [till], ann, max_id = staffed_shop(world, ["till"])
    hub.stop()
    cart = till.park("COF:2", "CRO:1")

    # order.void is not the cashier's: refused without a manager's PIN, and with her own.
    before = stored(till)
    res = void(till, cart)
    assert res.returncode == EX_NOPERM and "order.void" in res.stderr, res.stderr
    res = void(till, cart, "--approve-pin-file", "-", pin=CASHIER_PIN)
    assert res.returncode == EX_NOPERM, res.stderr
    assert stored(till) == before
    # Max's PIN approves; the cart becomes a numbered void: record 1 of the journal.
    out = void_ok(till, cart, "--reason", "customer left", "--approve-pin-file", "-",
                  pin=MANAGER_PIN)
    doc = out["order"]
    assert out["kind"] == "void" and out["orderId"] == cart
    assert out["receipt"] == "CORNER-T01-000001" and out["receiptSeq"] == 1
    assert doc["status"] == "voided" and doc["voidReason"] == "customer left"
    assert doc["voidedBy"] == ann and doc["payments"] == [] and doc["completedAt"] is None
    assert out["total"] == 2 * 250 + 180
    assert till.order(cart)["status"] == "voided"
    # Voided once only, and a voided cart is not released either.
    before = stored(till)
    res = void(till, cart, "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "voided already" in res.stderr, res.stderr
    res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", cart,
                       pin=MANAGER_PIN)
    assert res.returncode != 0 and "voided" in res.stderr, res.stderr
    assert stored(till) == before

    # A completed sale, partly refunded; then reversed: what is left goes back.
    sale = json.loads(till.pin_cli("sell", "--data", till.data, "--line", "COF:3",
                                   "--line", "CRO:1", "--pay", "cash=20", "--json").stdout)
    refund = json.loads(till.pin_cli("refund", "--data", till.data, sale["receipt"], "--line",
                                     "1:1", "--pay", "cash", "--approve-pin-file", "-",
                                     "--json", pin=MANAGER_PIN).stdout)
    before = stored(till)
    res = void(till, sale["receipt"])
    assert res.returncode == EX_DATAERR and "--pay" in res.stderr, res.stderr
    res = void(till, sale["receipt"], "--pay", "cash")
    assert res.returncode == EX_NOPERM and "order.void" in res.stderr, res.stderr
    res = void(till, sale["receipt"], "--pay", "cash", "--approve-pin-file", "-",
               pin=CASHIER_PIN)
    assert res.returncode == EX_NOPERM, res.stderr
    assert stored(till) == before
    rev = void_ok(till, sale["receipt"], "--pay", "card:RV-1", "--reason", "wrong customer",
                  "--approve-pin-file", "-", pin=MANAGER_PIN)
    rdoc = rev["order"]
    assert rev["kind"] == "reversal" and rev["receipt"] == "CORNER-T01-000004"
    assert rdoc["type"] == "refund" and rdoc["reversal"] is True
    assert rdoc["refundOf"] == sale["orderId"] and rdoc["refundOfReceipt"] == sale["receipt"]
    assert rdoc["voidReason"] == "wrong customer"
    assert rev["total"] + refund["total"] == sale["total"]
    assert [(ln["refLine"], ln["qty"]) for ln in rdoc["lines"]] == [(0, 2000), (1, 1000)]
    assert [(p["tender"], p["amount"], p["reference"]) for p in rdoc["payments"]] == [
        ("card", rev["total"], "RV-1")]
    # The sale itself is never edited.
    [(sale_doc,)] = till.db_rows("SELECT doc FROM orders WHERE id = ?", sale["orderId"])
    assert json.loads(sale_doc) == sale["order"]
    # Nothing is left: a second reversal is refused.
    before = stored(till)
    res = void(till, sale["receipt"], "--pay", "cash", "--approve-pin-file", "-",
               pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "nothing is left" in res.stderr, res.stderr
    assert stored(till) == before

    # A manager signed in still types a PIN for a reversal, every time.
    assert till.signin(MANAGER_PIN).returncode == 0
    other = json.loads(till.pin_cli("sell", "--data", till.data, "--line", "WAT:2",
                                    "--pay", "cash", "--json").stdout)
    res = void(till, other["receipt"], "--pay", "cash")
    assert res.returncode == EX_NOPERM and "every time" in res.stderr, res.stderr
    rev2 = void_ok(till, other["receipt"], "--pay", "cash", "--approve-pin-file", "-",
                   pin=MANAGER_PIN)
    assert rev2["total"] == other["total"] == 200

    # The journal: numbered without gaps, voids by kind, their amounts on the grand total.
    res = run_cli(TERM_BIN, "journal", "verify", "--data", till.data)
    assert res.returncode == 0, res.stdout + res.stderr
    rows = journal(till)
    assert [(r["seq"], r["kind"], r["amount"]) for r in rows] == [
        (1, "void", 0), (2, "sale", sale["total"]), (3, "refund", -refund["total"]),
        (4, "void", -rev["total"]), (5, "sale", 200), (6, "void", -200)]
    assert rows[-1]["grandTotal"] == 0
    assert rows[0]["recordId"] == cart and rows[0]["record"]["status"] == "voided"

    # Back online: everything arrives, the hub's journal verifies, the cart is voided there.
    hub.start()
    till.wait_drained()
    res = run_cli(HUB_BIN, "journal", "verify", "--data", hub.data)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "6 records" in res.stdout and "chain verified" in res.stdout, res.stdout
    assert hub.order(cart)["status"] == "voided"
    assert hub.order(cart)["receipt"] == "CORNER-T01-000001"
    assert hub.order(rev["orderId"])["status"] == "completed"
    op = hub_put(hub, cart, 2)
    assert op["actor"] == ann and op["approver"] == max_id
    op = hub_put(hub, rev["orderId"], 1)
    assert op["payload"]["reversal"] is True and op["approver"] == max_id
    assert hub.flags() == []
    assert hub.db_rows("SELECT count(*) FROM order_alerts") == [(0,)]
    assert hub.db_rows("SELECT count(*) FROM journal_alerts") == [(0,)]
    assert hub.db_rows("SELECT kind, amount FROM journal WHERE record_id = ?", cart) == [
        ("void", 0)]

    # A later change to the voided cart is refused as a conflict, and so is a claim.
    till.stop()
    c = world.sync_client(hub, till)
    put = make_op(make_order(status="parked"), entity_id=cart, rev=10)
    release = make_op({}, kind="order.release", entity_id=cart, rev=11)
    results = c.push([put, release])
    assert [(r["result"], r["code"]) for r in results] == [
        ("conflict", "order-voided"), ("conflict", "order-voided")], results
    assert "voided" in results[0]["message"]
    c.send({"type": "claim", "requestId": new_id(), "orderId": cart})
    answer = c.recv()
    assert (answer["type"], answer["result"], answer["code"]) == (
        "claimResult", "refused", "order-voided"), answer

    # The hub's re-check: a void by a cashier with no approver is kept and flagged, and so is
    # a reversal by a manager who did not type a PIN (crafted: tillnet-term refuses both).
    voided = make_order(status="voided")
    voided.update(receipt="CORNER-T01-000901", receiptSeq=901, voidedAt=voided["createdAt"])
    crafted_void = make_op(voided)
    crafted_void["actor"] = ann
    reversal = make_order([dict(make_line("WAT", qty=2000), refLine=0)],
                          receipt="CORNER-T01-000902", receipt_seq=902)
    reversal.update(type="refund", refundOf=other["orderId"], reversal=True)
    crafted_rev = make_op(reversal)
    crafted_rev["actor"] = max_id
    results = c.push([crafted_void, crafted_rev])
    assert [r["result"] for r in results] == ["applied", "applied"], results
    assert [(f[0], f[1], f[2], f[3], f[4]) for f in hub.flags()] == [
        (crafted_void["opId"], "rejected-needs-manager", "order.void", ann, None),
        (crafted_rev["opId"], "rejected-needs-manager", "order.void", max_id, None)]
    c.close()
    assert hub.order(cart)["status"] == "voided"
    codes = [x["code"] for x in hub.conflicts()]
    assert codes.count("order-voided") == 2, codes


def test_void_refusals_and_the_mirror(world):
    """No staff in this store: nobody signs in, and a void needs no PIN."""
    hub, [a, b] = world.shop(["a", "b"])
    mine = a.park("COF:1")
    released = a.park("CRO:1")
    assert a.release(released).returncode == 0
    sale = a.sell("COF:1")
    a.wait_drained()
    poll_until("a's orders mirrored on b", lambda: b.order(sale["orderId"]) is not None
               and b.order(mine) is not None)

    def refused(till, *args, code, text):
        before = stored(till)
        res = void(till, *args)
        assert res.returncode == code and text in res.stderr, (args, res.returncode,
                                                                res.stderr)
        assert stored(till) == before

    # Someone else's cart, a released one, an unknown one, the wrong kind of order.
    refused(b, mine, code=EX_NOPERM, text="belongs to terminal")
    refused(a, released, code=EX_NOPERM, text="released")
    refused(a, new_id(), code=EX_DATAERR, text="not an order id or receipt")
    refused(a, "CORNER-T01-999999", code=EX_DATAERR, text="CORNER-T01-999999")
    refused(a, mine, "--pay", "cash", code=EX_DATAERR, text="without --pay")
    refused(a, mine, "--reason", "x" * 201, code=EX_DATAERR, text="voidReason")
    refused(a, "--pay", "cash", code=64, text="required")  # EX_USAGE: no order named
    res = run_cli(TERM_BIN, "void", "--help")
    assert res.returncode == 0 and "reversal" in res.stdout

    out = void_ok(a, mine)
    assert out["order"]["status"] == "voided" and "voidedBy" not in out["order"]
    # A reversal on another terminal that mirrors the sale: no staff, no PIN asked.
    rev = void_ok(b, sale["receipt"], "--pay", "cash")
    assert rev["order"]["refundOf"] == sale["orderId"] and rev["receipt"].startswith(
        "CORNER-T02-")
    a.wait_drained()
    b.wait_drained()
    # b mirrors the voided cart; a voided order is refused on b as on a, a refund too.
    poll_until("the void mirrored on b", lambda: b.order(mine)["status"] == "voided")
    refused(b, mine, code=EX_DATAERR, text="voided already")
    refused(b, rev["receipt"], "--pay", "cash", code=EX_DATAERR, text="refund")
    statuses = {o["id"]: o["status"] for o in hub.orders()}
    assert statuses[mine] == "voided" and statuses[released] == "parked"
    res = run_cli(HUB_BIN, "journal", "verify", "--data", hub.data)
    assert res.returncode == 0, res.stdout + res.stderr
