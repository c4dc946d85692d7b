# SPDX-License-Identifier: MIT
"""
The terminal's local API for cash sessions (docs/openapi-terminal.yaml,
docs/pos.md "Cash sessions"), as the cashier screen uses it with the hub
stopped: a whole small shift (open with a count, a cash sale through
/api/v1/sales, cash in, out, a payout, a no-sale that kicks the drawer, the
X report, a close off by more than the limit that needs a manager, the Z
report). Bad input names the field and stores nothing. With the hub started,
its copy of the session equals the terminal's to the cent.
"""
import json

from conftest import HUB_BIN, run_cli
from test_pos import CASHIER_PIN, MANAGER_PIN
from test_term_api import api, error, signed_in

NOTHING_OPEN = {"id": None, "session": None}
ESC_KICK = b"\x1b@\x1bp\x00\x19\xfa"  # ESC @, then ESC p 0 25 250 (escpos.h)


def stored(till):
    """What a refusal must leave alone: sessions, movements, the journal."""
    return (till.db_rows("SELECT id, status, rev FROM cash_sessions ORDER BY id"),
            till.db_rows("SELECT count(*) FROM cash_movements"),
            till.db_rows("SELECT count(*) FROM journal"))


def refused(till, path, body, status, field):
    before = stored(till)
    got, out = api(till, "POST", path, body)
    assert got == status, (path, body, got, out)
    assert out["error"].get("field") == field and out["error"]["message"], (path, body, out)
    assert stored(till) == before, (path, body)
    return out


def test_a_shift_through_the_api_reconciles_at_the_hub_to_the_cent(world):
    hub, [till], ann, max_id = signed_in(world)
    hub.stop()
    # A printer that is a file: every drawer kick lands in it.
    drawer = world.tmp / "drawer.bin"
    conf = till.data / "term.conf"
    conf.write_text(conf.read_text() + "\n[printer]\ntarget = %s\n" % drawer)
    till.stop()
    till.start()
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200

    # Nothing open yet.
    assert api(till, "GET", "/api/v1/cash") == (200, NOTHING_OPEN)
    out = refused(till, "/api/v1/cash/close", {"count": {"5000": 1}}, 409, None)
    assert "no cash session is open" in out["error"]["message"], out
    refused(till, "/api/v1/cash/in", {"amount": 500, "reason": "x"}, 409, None)

    # Bad opens: the field is named, nothing is stored.
    for body, field in [
        ("[1]", None),
        ({}, "float"),
        ({"float": 100, "count": {"5000": 2}}, "float"),
        ({"float": -5}, "float"),
        ({"float": 10.5}, "float"),
        ({"float": 100.0}, "float"),
        ({"float": "100"}, "float"),
        ({"count": {}}, "count"),
        ({"count": [{"value": 5000, "count": 1}]}, "count"),
        ({"count": {"5000": 1, "3000": 2}}, "count.3000"),
        ({"count": {"5000": -1}}, "count.5000"),
        ({"count": {"5000": 1.0}}, "count.5000"),
        ({"count": {"5000": "1"}}, "count.5000"),
        ({"count": {"abc": 1}}, "count.abc"),
        ({"count": {"-5": 1}}, "count.-5"),
        ({"count": {"5000": 1}, "approvePin": 1234}, "approvePin"),
    ]:
        refused(till, "/api/v1/cash/open", body, 400, field)
    out = refused(till, "/api/v1/cash/open", {"count": {"700": 1}}, 400, "count.700")
    assert "not a denomination of this store" in out["error"]["message"], out
    assert stored(till)[0] == []

    # Open with a counted float of 100.00: one 50, two 20s, one 10.
    status, x = api(till, "POST", "/api/v1/cash/open",
                    {"count": {"5000": 1, "2000": 2, "1000": 1}})
    assert status == 201, x
    sid = x["id"]
    assert x["report"] == "X" and x["expected"] == 10000, x
    assert x["session"]["float"] == 10000 and x["session"]["openedBy"] == ann
    assert x["session"]["floatCount"] == [{"value": 5000, "count": 1},
                                          {"value": 2000, "count": 2},
                                          {"value": 1000, "count": 1}]
    out = refused(till, "/api/v1/cash/open", {"float": 5000}, 409, None)
    assert "open already" in out["error"]["message"], out
    # Still open: no Z report yet.
    status, out = api(till, "GET", "/api/v1/cash/sessions/%s/z" % sid)
    assert status == 409 and "still open" in out["error"]["message"], out

    # Two coffees in cash (10.00 handed over: 5.00 back), three waters by card.
    status, s1 = api(till, "POST", "/api/v1/sales", {
        "lines": [{"code": "COF", "qty": 2000}],
        "payments": [{"tender": "cash", "amount": 1000}]})
    assert status == 201 and (s1["total"], s1["change"]) == (500, 500), s1
    assert s1["order"]["cashSession"] == sid
    status, s2 = api(till, "POST", "/api/v1/sales", {
        "lines": [{"code": "WAT", "qty": 3000}],
        "payments": [{"tender": "card", "reference": "AUTH-1"}]})
    assert status == 201 and s2["total"] == 300 and s2["order"]["cashSession"] == sid, s2

    # Cash in is the cashier's; out, payouts and a no-sale need a manager's approvePin.
    status, x = api(till, "POST", "/api/v1/cash/in",
                    {"amount": 2000, "reason": "change from the bank"})
    assert status == 201 and x["expected"] == 10000 + 500 + 2000, x
    out = refused(till, "/api/v1/cash/out", {"amount": 5000, "reason": "to the safe"}, 403,
                  None)
    assert error(out) == ("needs-approval", None) and "cash.out" in out["error"]["message"]
    refused(till, "/api/v1/cash/out",
            {"amount": 5000, "reason": "to the safe", "approvePin": CASHIER_PIN}, 403,
            "approvePin")
    status, x = api(till, "POST", "/api/v1/cash/out",
                    {"amount": 5000, "reason": "to the safe", "approvePin": MANAGER_PIN})
    assert status == 201, x
    assert x["session"]["movements"][-1]["approver"] == max_id
    status, x = api(till, "POST", "/api/v1/cash/payout",
                    {"amount": 500, "reason": "window cleaner", "approvePin": MANAGER_PIN})
    assert status == 201, x
    refused(till, "/api/v1/cash/nosale", None, 403, None)  # no body at all: still asks
    status, x = api(till, "POST", "/api/v1/cash/nosale", {"approvePin": MANAGER_PIN})
    assert status == 201 and "drawerError" not in x, x
    # Each movement opened the drawer.
    assert drawer.read_bytes() == ESC_KICK * 4

    # Bad movements: the field named, nothing stored.
    for path, body, field in [
        ("in", {"amount": -5, "reason": "oops"}, "amount"),
        ("in", {"amount": 0, "reason": "oops"}, "amount"),
        ("in", {"amount": 5.5, "reason": "oops"}, "amount"),
        ("in", {"amount": "5", "reason": "oops"}, "amount"),
        ("in", {"reason": "oops"}, "amount"),
        ("in", {"amount": 500}, "reason"),
        ("in", {"amount": 500, "reason": ""}, "reason"),
        ("in", {"amount": 500, "reason": 7}, "reason"),
        ("in", {"amount": 500, "reason": "x" * 201}, "reason"),
        ("in", {"amount": 500, "reason": "a\u0007b"}, "reason"),
        ("payout", {"amount": 500}, "reason"),
        ("nosale", {"amount": 500}, "amount"),
        ("nosale", "{", None),
    ]:
        refused(till, "/api/v1/cash/" + path, body, 400, field)
    assert api(till, "GET", "/api/v1/cash/open")[0] == 405
    assert api(till, "POST", "/api/v1/cash/refill", {})[0] == 404
    assert len(drawer.read_bytes()) == len(ESC_KICK) * 4

    # X: expected = 100.00 + 5.00 + 20.00 - 50.00 - 5.00 = 70.00.
    status, x = api(till, "GET", "/api/v1/cash")
    assert status == 200 and x["report"] == "X" and x["id"] == sid, x
    assert x["expected"] == 7000
    t = x["totals"]
    assert (t["sales"], t["salesCount"], t["refunds"], t["refundsCount"]) == (800, 2, 0, 0)
    assert (t["cashSales"], t["cashIn"], t["cashOut"], t["payouts"], t["noSales"]) == (
        500, 2000, 5000, 500, 1)
    assert t["tenders"] == {"cash": {"sales": 500, "refunds": 0, "net": 500},
                            "card": {"sales": 300, "refunds": 0, "net": 300}}
    assert [m["kind"] for m in x["session"]["movements"]] == ["in", "out", "payout", "nosale"]

    # Close with 60.00 counted: 10.00 short, over the limit of 5.00.
    count = {"5000": 1, "1000": 1}
    out = refused(till, "/api/v1/cash/close", {"count": count}, 403, None)
    assert error(out) == ("needs-approval", None), out
    assert "over the limit of 5.00" in out["error"]["message"], out
    out = refused(till, "/api/v1/cash/close", {"count": count, "approvePin": CASHIER_PIN},
                  403, "approvePin")
    assert error(out) == ("wrong-pin", "approvePin"), out
    refused(till, "/api/v1/cash/close", {"count": {"5000": 1, "700": 1},
                                         "approvePin": MANAGER_PIN}, 400, "count.700")
    refused(till, "/api/v1/cash/close", {"approvePin": MANAGER_PIN}, 400, "count")
    assert till.db_rows("SELECT count(*) FROM journal WHERE kind = 'cash-close'")[0][0] == 0
    status, z = api(till, "POST", "/api/v1/cash/close",
                    {"count": count, "approvePin": MANAGER_PIN})
    assert status == 201 and z["report"] == "Z" and z["id"] == sid, z
    assert (z["expected"], z["counted"], z["difference"]) == (7000, 6000, -1000)
    doc = z["session"]
    assert doc["status"] == "closed" and doc["approver"] == max_id and doc["closedBy"] == ann
    assert doc["totals"] == t and z["totals"] == t
    assert doc["count"] == [{"value": 5000, "count": 1}, {"value": 1000, "count": 1}]
    [(number, seq)] = till.db_rows(
        "SELECT number, seq FROM journal WHERE kind = 'cash-close'")
    assert (z["zNumber"], z["zSeq"]) == (number, seq)

    # Closed: nothing open, no second close; the Z report by id and by its number.
    assert api(till, "GET", "/api/v1/cash") == (200, NOTHING_OPEN)
    refused(till, "/api/v1/cash/close", {"count": count, "approvePin": MANAGER_PIN}, 409, None)
    for ref in (sid, z["zNumber"]):
        assert api(till, "GET", "/api/v1/cash/sessions/%s/z" % ref) == (200, z)
    status, out = api(till, "GET", "/api/v1/cash/sessions/%s/z" % ("0" * 36))
    assert status == 404, out
    assert api(till, "GET", "/api/v1/cash/sessions/%s/x" % sid)[0] == 404

    # The hub, started: every op arrives; its session and its tally are the till's.
    hub.start()
    till.wait_drained()
    res = run_cli(HUB_BIN, "cash", "show", "--data", hub.data, sid, "--json")
    assert res.returncode == 0, res.stderr
    shown = json.loads(res.stdout)
    assert shown["session"] == doc
    assert (shown["status"], shown["expected"], shown["counted"], shown["difference"]) == (
        "closed", 7000, 6000, -1000)
    assert shown["hubExpected"] == 7000 and shown["hubTotals"] == t
    assert shown["zNumber"] == z["zNumber"] and shown["alertList"] == []
    assert hub.db_rows("SELECT count(*) FROM refused_ops")[0][0] == 0


def test_a_float_opened_through_the_api_reaches_a_running_hub(world):
    hub, [till], _, _ = signed_in(world)
    assert api(till, "POST", "/api/v1/session", {"pin": CASHIER_PIN})[0] == 200
    status, x = api(till, "POST", "/api/v1/cash/open", {"float": 15000})
    assert status == 201 and x["session"]["float"] == 15000 and x["expected"] == 15000, x
    status, x = api(till, "POST", "/api/v1/cash/in", {"amount": 1250, "reason": "coins"})
    assert status == 201 and x["expected"] == 16250, x
    till.wait_drained()
    res = run_cli(HUB_BIN, "cash", "show", "--data", hub.data, x["id"], "--json")
    assert res.returncode == 0, res.stderr
    shown = json.loads(res.stdout)
    assert shown["status"] == "open" and shown["session"] == x["session"], shown
