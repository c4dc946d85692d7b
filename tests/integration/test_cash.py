# SPDX-License-Identifier: MIT
"""
Cash sessions (docs/pos.md, "Cash sessions"; docs/protocol.md, "The cash
session"): a whole shift with the hub stopped (open with a counted float,
sales in cash, by card and split, a cash refund, cash in, out, a payout, a
no-sale, the X report, a close whose difference is over the limit and needs a
manager, the Z report journaled), then the hub started: its copy of the
session and its own tally from the orders equal the terminal's to the cent,
and both journals verify. Then the hub's judgement of cash.put ops pushed by
hand, its alert when the orders it holds do not make the terminal's expected
cash, and the admin API.
"""
import json

from conftest import EX_DATAERR, EX_NOPERM, HUB_BIN, TERM_BIN, new_id, run_cli, wait_until

CASHIER_PIN, MANAGER_PIN = "1234", "98765"


def ok_json(till, *args, pin=None):
    res = till.pin_cli(*args, "--json", pin=pin)
    assert res.returncode == 0, "%s: exit %d\n%s" % (" ".join(map(str, args)), res.returncode,
                                                    res.stderr)
    return json.loads(res.stdout)


def cash(till, *args, pin=None):
    """tillnet-term cash ARGS --data DIR (the approving PIN on stdin when given)."""
    extra = ("--approve-pin-file", "-") if pin else ()
    return till.pin_cli("cash", *args, "--data", till.data, *extra, pin=pin)


def sessions(till):
    return till.db_rows("SELECT id, status, rev FROM cash_sessions ORDER BY opened_at")


def movements(till):
    return till.db_rows("SELECT count(*) FROM cash_movements")[0][0]


def staffed_shop(world):
    hub, [till] = world.shop(["till"])
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    wait_until("staff on the till", lambda: len(till.db_rows("SELECT id FROM staff")),
               lambda n: n == 2)
    assert till.signin(CASHIER_PIN).returncode == 0
    return hub, till, ann, max_id


def test_an_offline_shift_reconciles_at_the_hub_to_the_cent(world):
    hub, till, ann, max_id = staffed_shop(world)
    hub.stop()

    # Bad input before anything is open: nothing is stored.
    res = cash(till, "close", "--count", "5000=1")
    assert res.returncode == EX_DATAERR and "no cash session is open" in res.stderr, res.stderr
    res = cash(till, "open", "--count", "5000=1,3000=2")
    assert res.returncode == EX_DATAERR, res.stderr
    assert "count: entry 2: 3000 is not a denomination of this store" in res.stderr
    res = cash(till, "open", "--float", "-5")
    assert res.returncode == EX_DATAERR and "float" in res.stderr, res.stderr
    assert sessions(till) == []

    # Open with a counted float of 100.00: one 50, two 20s, one 10.
    opened = ok_json(till, "cash", "open", "--data", till.data,
                     "--count", "5000=1,2000=2,1000=1")
    sid = opened["id"]
    assert opened["session"]["float"] == 10000
    assert opened["session"]["floatCount"] == [{"value": 5000, "count": 1},
                                               {"value": 2000, "count": 2},
                                               {"value": 1000, "count": 1}]
    assert opened["session"]["openedBy"] == ann
    res = cash(till, "open", "--float", "50")
    assert res.returncode == EX_DATAERR and "open already" in res.stderr, res.stderr
    assert [s[0] for s in sessions(till)] == [sid]

    # Sales: 2 coffees in cash (10.00 handed over: 5.00 back); a coffee and a
    # croissant, 2.00 by card and the rest, 2.30, in cash; 3 waters by card.
    s1 = ok_json(till, "sell", "--data", till.data, "--line", "COF:2", "--pay", "cash=10")
    s2 = ok_json(till, "sell", "--data", till.data, "--line", "COF:1", "--line", "CRO:1",
                 "--pay", "card=2:AUTH-1", "--pay", "cash=5")
    s3 = ok_json(till, "sell", "--data", till.data, "--line", "WAT:3", "--pay", "card:AUTH-2")
    assert (s1["total"], s1["change"], s2["total"], s2["change"], s3["total"]) == (
        500, 500, 430, 270, 300)
    for s in (s1, s2, s3):
        assert s["order"]["cashSession"] == sid
    # One of the two coffees back, in cash (a cashier needs a manager for it).
    r1 = ok_json(till, "refund", "--data", till.data, s1["receipt"], "--line", "1:1",
                 "--pay", "cash", "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert r1["total"] == 250 and r1["order"]["cashSession"] == sid

    # Movements: a cashier may put cash in; out, payouts and a no-sale need a manager.
    assert ok_json(till, "cash", "in", "20", "--data", till.data,
                   "--reason", "change from the bank")["expected"] == 10000 + 500 + 230 - 250 + 2000
    res = cash(till, "out", "50", "--reason", "to the safe")
    assert res.returncode == EX_NOPERM and "cash.out" in res.stderr, res.stderr
    assert movements(till) == 1
    out = ok_json(till, "cash", "out", "50", "--data", till.data, "--reason", "to the safe",
                  "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert out["session"]["movements"][-1]["approver"] == max_id
    ok_json(till, "cash", "payout", "5.00", "--data", till.data, "--reason", "window cleaner",
            "--approve-pin-file", "-", pin=MANAGER_PIN)
    ok_json(till, "cash", "nosale", "--data", till.data, "--approve-pin-file", "-",
            pin=MANAGER_PIN)
    # Bad movements: nothing stored, the field named.
    res = cash(till, "in", "-5", "--reason", "oops")
    assert res.returncode == EX_DATAERR and "amount" in res.stderr and "negative" in res.stderr
    res = cash(till, "in", "5")
    assert res.returncode == EX_DATAERR and "reason" in res.stderr, res.stderr
    res = cash(till, "in", "5.001", "--reason", "x")
    assert res.returncode == EX_DATAERR and "amount" in res.stderr, res.stderr
    assert movements(till) == 4

    # expected = 100.00 + 5.00 + 2.30 - 2.50 + 20.00 - 50.00 - 5.00 = 69.80
    expected = 10000 + 500 + 230 - 250 + 2000 - 5000 - 500
    x = ok_json(till, "report", "x", "--data", till.data)
    assert x["report"] == "X" and x["id"] == sid and x["expected"] == expected == 6980
    t = x["totals"]
    assert (t["sales"], t["salesCount"], t["refunds"], t["refundsCount"]) == (1230, 3, 250, 1)
    assert (t["cashSales"], t["cashRefunds"], t["cashIn"], t["cashOut"], t["payouts"],
            t["noSales"]) == (730, 250, 2000, 5000, 500, 1)
    assert t["tenders"] == {"cash": {"sales": 730, "refunds": 250, "net": 480},
                            "card": {"sales": 500, "refunds": 0, "net": 500}}
    text = run_cli(TERM_BIN, "report", "x", "--data", till.data)
    assert text.returncode == 0 and "expected in drawer" in text.stdout
    assert "69.80" in text.stdout and "X REPORT" in text.stdout

    # Close with 60.00 counted: 9.80 short, over the limit of 5.00.
    count = "5000=1,1000=1"
    res = cash(till, "close", "--count", count)
    assert res.returncode == EX_NOPERM and "over the limit of 5.00" in res.stderr, res.stderr
    res = cash(till, "close", "--count", count, pin=CASHIER_PIN)  # a cashier cannot approve
    assert res.returncode == EX_NOPERM, res.stderr
    res = cash(till, "close", "--count", "5000=1,2000=-1", pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "count: entry 2" in res.stderr, res.stderr
    assert "negative" in res.stderr
    assert sessions(till)[0][1] == "open"
    assert till.db_rows("SELECT count(*) FROM journal WHERE kind = 'cash-close'")[0][0] == 0
    z = ok_json(till, "cash", "close", "--data", till.data, "--count", count,
                "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert (z["expected"], z["counted"], z["difference"]) == (6980, 6000, -980)
    doc = z["session"]
    assert doc["status"] == "closed" and doc["approver"] == max_id and doc["closedBy"] == ann
    assert doc["totals"] == t
    assert doc["count"] == [{"value": 5000, "count": 1}, {"value": 1000, "count": 1}]
    assert [m["kind"] for m in doc["movements"]] == ["in", "out", "payout", "nosale"]
    assert [m["reason"] for m in doc["movements"][:3]] == [
        "change from the bank", "to the safe", "window cleaner"]

    # The Z report is journaled with its own number, moving the grand total by 0.
    journal = json.loads(run_cli(TERM_BIN, "journal", "list", "--data", till.data,
                                 "--json").stdout)
    last = journal[-1]
    assert (last["kind"], last["number"], last["seq"], last["amount"]) == (
        "cash-close", z["zNumber"], z["zSeq"], 0)
    assert last["record"] == doc
    assert last["grandTotal"] == journal[-2]["grandTotal"]
    assert run_cli(TERM_BIN, "journal", "verify", "--data", till.data).returncode == 0
    zr = ok_json(till, "report", "z", "--data", till.data, z["zNumber"])
    assert zr["session"] == doc and zr["difference"] == -980
    text = run_cli(TERM_BIN, "report", "z", "--data", till.data)
    assert text.returncode == 0 and "Z REPORT " + z["zNumber"] in text.stdout
    assert "-9.80" in text.stdout and "Max" in text.stdout

    # Closed: no second close, and the next sale belongs to no session.
    res = cash(till, "close", "--count", count, pin=MANAGER_PIN)
    assert res.returncode == EX_DATAERR and "no cash session is open" in res.stderr
    assert "cashSession" not in till.sell("WAT:1")["order"]

    # The hub, started: every op arrives; its session and its own tally are the till's.
    hub.start()
    till.wait_drained()
    shown = json.loads(run_cli(HUB_BIN, "cash", "show", "--data", hub.data, sid,
                               "--json").stdout)
    assert shown["session"] == doc
    assert (shown["status"], shown["expected"], shown["counted"], shown["difference"]) == (
        "closed", 6980, 6000, -980)
    assert shown["hubExpected"] == 6980 and shown["hubTotals"] == t
    assert shown["zNumber"] == z["zNumber"] and shown["alertList"] == []
    listed = json.loads(run_cli(HUB_BIN, "cash", "list", "--data", hub.data, "--terminal",
                                "T01", "--json").stdout)
    assert [(s["id"], s["alerts"]) for s in listed] == [(sid, 0)]
    assert run_cli(HUB_BIN, "journal", "verify", "--data", hub.data).returncode == 0
    assert hub.db_rows("SELECT count(*) FROM refused_ops")[0][0] == 0


# ------------------------------------------------------------ the hub's judgement

AT = 1700000000000


def open_doc(float_amount=10000):
    return {"status": "open", "openedAt": AT, "float": float_amount, "movements": []}


def cash_op(sid, rev, payload):
    return {"opId": new_id(), "kind": "cash.put", "entity": "cash-session", "entityId": sid,
            "rev": rev, "at": AT + rev, "payload": payload}


def admin_shop(world):
    hub, owner = world.owner_shop()
    a = world.enrolled_terminal(hub, "a", start=False)
    b = world.enrolled_terminal(hub, "b", start=False)
    return hub, owner, world.sync_client(hub, a), world.sync_client(hub, b)


def test_the_hub_judges_cash_put_and_flags_a_tally_it_cannot_find(world):
    hub, owner, a, b = admin_shop(world)
    sid = new_id()

    bad = open_doc()
    bad["movements"] = [{"kind": "in", "amount": -500, "reason": "x", "at": AT}]
    [r] = a.push([cash_op(sid, 1, bad)])
    assert (r["result"], r["code"], r["field"]) == (
        "rejected", "bad-field", "payload.movements[0].amount"), r
    bad = open_doc()
    bad["float"] = 100.0
    [r] = a.push([cash_op(sid, 1, bad)])
    assert (r["result"], r["field"]) == ("rejected", "payload.float"), r
    assert "real number" in r["message"]
    sale = a.sale()
    sale["payload"]["cashSession"] = "drawer-1"
    [r] = a.push([sale])
    assert (r["result"], r["field"]) == ("rejected", "payload.cashSession"), r
    assert hub.db_rows("SELECT count(*) FROM cash_sessions")[0][0] == 0

    [r] = a.push([cash_op(sid, 1, open_doc())])
    assert r["result"] == "applied", r
    [r] = a.push([cash_op(sid, 1, open_doc(2))])
    assert (r["result"], r["code"]) == ("conflict", "stale-revision"), r
    [r] = b.push([cash_op(sid, 5, open_doc())])
    assert (r["result"], r["code"]) == ("conflict", "not-owner"), r

    # A close claiming 5.00 of cash sales the hub holds no order for.
    closed = open_doc()
    closed.update(status="closed", closedAt=AT + 100, count=[{"value": 10000, "count": 1}],
                  counted=10000, expected=10500, difference=-500,
                  totals={"sales": 500, "salesCount": 1, "refunds": 0, "refundsCount": 0,
                          "cashSales": 500, "cashRefunds": 0, "cashIn": 0, "cashOut": 0,
                          "payouts": 0, "noSales": 0,
                          "tenders": {"cash": {"sales": 500, "refunds": 0, "net": 500}}},
                  zNumber="CORNER-T01-000001", zSeq=1)
    wrong = json.loads(json.dumps(closed))
    wrong["difference"] = 0
    [r] = a.push([cash_op(sid, 2, wrong)])
    assert (r["result"], r["field"]) == ("rejected", "payload.difference"), r
    [r] = a.push([cash_op(sid, 2, closed)])
    assert r["result"] == "applied", r  # the drawer was counted: kept, and flagged
    shown = json.loads(run_cli(HUB_BIN, "cash", "show", "--data", hub.data, sid,
                               "--json").stdout)
    assert (shown["expected"], shown["hubExpected"], shown["difference"]) == (10500, 10000, -500)
    assert [x["code"] for x in shown["alertList"]] == ["expected-mismatch"]
    assert "105.00" in shown["alertList"][0]["message"]
    assert [e["subject"] for e in hub.audit() if e["action"] == "cash.alert"] == [sid]
    # The owner sees it in the needs-attention list, and resolves it with a note.
    [item] = [i for i in owner.request("GET", "/api/v1/attention").body["items"]
              if i["kind"] == "cash-alert"]
    assert (item["code"], item["receipt"], item["orderId"]) == \
        ("expected-mismatch", "CORNER-T01-000001", None), item
    assert (item["detail"]["sessionId"], item["detail"]["expected"],
            item["detail"]["hubExpected"], item["detail"]["difference"]) == \
        (sid, 10500, 10000, -500), item
    res = owner.request("POST", "/api/v1/attention/cash-alert/%s/resolve" % item["id"],
                        {"note": "a 5.00 sale rung on paper, entered tomorrow"})
    assert res.status == 200, res
    assert not [i for i in owner.request("GET", "/api/v1/attention").body["items"]
                if i["kind"] == "cash-alert"]
    [r] = a.push([cash_op(sid, 3, closed)])
    assert (r["result"], r["code"]) == ("conflict", "session-closed"), r

    # The admin API (reports.view).
    res = owner.request("GET", "/api/v1/cash-sessions")
    assert res.status == 200 and [(s["id"], s["alerts"], s["terminal"])
                                  for s in res.body["sessions"]] == [(sid, 1, "T01")], res
    res = owner.request("GET", "/api/v1/cash-sessions?terminal=T02")
    assert res.status == 200 and res.body["sessions"] == [], res
    res = owner.request("GET", "/api/v1/cash-sessions?terminal=T99")
    assert res.status == 400 and res.body["error"]["field"] == "terminal", res
    res = owner.request("GET", "/api/v1/cash-sessions/%s" % sid)
    assert res.status == 200 and res.body["session"] == closed, res
    assert res.body["hubTotals"]["cashSales"] == 0
    res = owner.request("GET", "/api/v1/cash-sessions/%s" % new_id())
    assert res.status == 404, res
    res = owner.request("GET", "/api/v1/cash-sessions/drawer-1")
    assert res.status == 404, res
    a.close()
    b.close()
