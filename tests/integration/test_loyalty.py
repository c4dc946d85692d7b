# SPDX-License-Identifier: MIT
"""
Customers and loyalty (docs/pos.md, "Customers and loyalty"): customers made
offline on one terminal are found on another after sync; a sale naming a
customer earns points by the store's rule and a refund takes them back in
proportion; tiers follow lifetime spend; two terminals offline redeeming the
same points both stand, the hub merges the ledger (a negative balance) and
flags it; bad input is refused naming the field, nothing stored.
"""
import json

from conftest import EX_DATAERR, TERM_BIN, poll_until, run_cli


def set_loyalty(hub, tills):
    # 2 points per whole 1.00 paid, a point worth 0.05; Bronze from 5.00, Silver 10.00, Gold 20.00.
    res = hub.cli("settings", "set", "--data", hub.data, "loyalty.spend", "1", "loyalty.points",
                  "2", "loyalty.pointValue", "0.05", "tiers.bronze", "5", "tiers.silver", "10",
                  "tiers.gold", "20")
    assert res.returncode == 0, res.stderr
    for t in tills:
        poll_until("settings on %s" % t.name, lambda t=t: t.db_rows(
            "SELECT value FROM meta WHERE key = 'settings_version'"), lambda r: r == [("1",)])


def term(till, *args, expect=0):
    res = run_cli(TERM_BIN, args[0], *(list(args[1:]) + ["--data", till.data]))
    assert res.returncode == expect, "%s: exit %d\n%s" % (args, res.returncode, res.stderr)
    return res


def term_json(till, *args):
    return json.loads(term(till, *args, "--json").stdout)


def show(till, who):
    return term_json(till, "customer", "show", who)


def sell(till, customer, *lines, pay=("cash",), expect=0):
    args = ["sell", "--customer", customer]
    for line in lines:
        args += ["--line", line]
    for p in pay:
        args += ["--pay", p]
    if expect:
        return term(till, *args, expect=expect)
    return term_json(till, *args)


def hub_customer(hub, cid):
    res = hub.cli("customer", "show", "--data", hub.data, cid, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_a_customer_made_offline_is_found_elsewhere_and_earns_by_the_rule(world):
    hub, [t1, t2] = world.shop(["t1", "t2"])
    set_loyalty(hub, [t1, t2])
    hub.stop()
    ann = term_json(t1, "customer", "add", "--name", "Ann Smith", "--phone", "+44 20 7946 0958",
                    "--email", "ann@example.com", "--card", "LC-1001")
    assert (ann["points"], ann["tier"]) == (0, "Member")
    # 2 coffees at 2.50 = 5.00 in cash: 5 whole units, 2 points each.
    sale = sell(t1, "LC-1001", "COF:2")
    assert sale["order"]["customer"] == ann["id"]
    # balance: the customer's points after the sale, as this till knew them (the receipt's).
    assert sale["order"]["loyalty"] == {"earned": 10, "redeemed": 0, "balance": 10}
    seen = show(t1, "ann@example.com")
    assert (seen["points"], seen["lifetimeSpend"], seen["tier"]) == (10, 500, "Bronze")
    assert seen["ledger"][0]["receipt"] == sale["receipt"]

    hub.start()
    t1.wait_drained()
    # T2 finds her by her phone number, written another way, with T1's points.
    found, _ = poll_until("Ann on t2", lambda: json.loads(term(
        t2, "customer", "find", "+442079460958", "--json").stdout))
    assert [(c["id"], c["name"], c["card"]) for c in found] == [(ann["id"], "Ann Smith",
                                                                  "LC-1001")]
    poll_until("Ann's points on t2", lambda: show(t2, ann["id"])["points"], lambda p: p == 10)
    assert [c["id"] for c in term_json(t2, "customer", "find", "smith")] == [ann["id"]]

    # T2 sells to her by card: 5.00 more makes 10.00 of lifetime spend, Silver.
    more = sell(t2, "LC-1001", "WAT:5", pay=("card:AUTH-1",))
    assert more["order"]["loyalty"] == {"earned": 10, "redeemed": 0, "balance": 20}
    now = show(t2, "LC-1001")
    assert (now["points"], now["lifetimeSpend"], now["tier"]) == (20, 1000, "Silver")

    # A refund of one coffee takes back half of the 10 points that sale earned.
    back = term_json(t1, "refund", sale["receipt"], "--line", "1:1", "--pay", "cash")
    assert back["order"]["customer"] == ann["id"]
    assert (back["order"]["loyalty"]["earned"], back["order"]["loyalty"]["redeemed"]) == (-5, 0)

    # An edit on T2 reaches T1 (the later edit wins on both).
    term(t2, "customer", "edit", ann["id"], "--email", "ann.smith@example.com")
    t1.wait_drained()
    t2.wait_drained()
    poll_until("the edit on t1", lambda: show(t1, ann["id"])["email"],
               lambda e: e == "ann.smith@example.com")
    at_hub, _ = poll_until("the hub's sum", lambda: hub_customer(hub, ann["id"]),
                           lambda c: len(c["ledger"]) == 3)
    # 10 + 10 - 5 points; 5.00 + 5.00 - 2.50 spent.
    assert (at_hub["points"], at_hub["lifetimeSpend"], at_hub["tier"]) == (15, 750, "Bronze")
    assert at_hub["email"] == "ann.smith@example.com" and at_hub["alerts"] == []
    poll_until("t1 agrees", lambda: show(t1, ann["id"])["points"], lambda p: p == 15)
    listed = json.loads(hub.cli("customer", "list", "--data", hub.data, "--json").stdout)
    assert [(c["name"], c["points"], c["tier"]) for c in listed] == [("Ann Smith", 15, "Bronze")]


def test_two_terminals_offline_redeem_the_same_points_merged_and_flagged(world):
    hub, [t1, t2] = world.shop(["t1", "t2"])
    set_loyalty(hub, [t1, t2])
    bob = term_json(t1, "customer", "add", "--name", "Bob", "--card", "LC-2002")
    sell(t1, bob["id"], "COF:4")  # 10.00: 20 points, worth 1.00
    t1.wait_drained()
    poll_until("Bob's points on t2", lambda: t2.db_rows(
        "SELECT count(*) FROM loyalty_ledger"), lambda r: r == [(1,)])
    assert show(t2, "LC-2002")["points"] == 20

    hub.stop()
    # Each terminal, offline, lets Bob pay a 1.00 water with all his points.
    for t in (t1, t2):
        out = sell(t, "LC-2002", "WAT:1", pay=("points=1.00",))
        assert out["order"]["payments"][0]["tender"] == "points"
        assert out["order"]["loyalty"] == {"earned": 0, "redeemed": 20, "balance": 0}
        assert show(t, bob["id"])["points"] == 0
    # A third redemption is more than T1 knows he has: refused, nothing stored.
    before = t1.db_rows("SELECT count(*) FROM orders")
    res = sell(t1, "LC-2002", "WAT:1", pay=("points=0.05", "cash"), expect=EX_DATAERR)
    assert "payments (points)" in res.stderr and "0 points" in res.stderr, res.stderr
    assert t1.db_rows("SELECT count(*) FROM orders") == before

    hub.start()
    t1.wait_drained()
    t2.wait_drained()
    bob_at_hub, _ = poll_until("the merged ledger", lambda: hub_customer(hub, bob["id"]),
                               lambda c: len(c["ledger"]) == 3)
    # Both sales stand: 20 - 20 - 20 = -20, and the hub flags it.
    assert bob_at_hub["points"] == -20
    [alert] = bob_at_hub["alerts"]
    assert (alert["code"], alert["balance"]) == ("negative-balance", -20), alert
    assert [e for e in hub.audit() if e["action"] == "loyalty.flagged"]
    listed = json.loads(hub.cli("customer", "list", "--data", hub.data, "--json").stdout)
    assert [(c["points"], c["openAlerts"]) for c in listed] == [(-20, 1)]
    text = hub.cli("customer", "show", "--data", hub.data, bob["id"]).stdout
    assert "ALERT negative-balance" in text, text
    # The terminals merge too: each now has the other's redemption.
    for t in (t1, t2):
        poll_until("the merged balance on %s" % t.name, lambda t=t: show(t, bob["id"])["points"],
                   lambda p: p == -20)
    # A terminal enrolled now learns Bob and his balance from the snapshot.
    t3 = world.enrolled_terminal(hub, "t3")
    t3.wait_catalog()
    found = term_json(t3, "customer", "find", "LC-2002")
    assert [(c["name"], c["points"], c["lifetimeSpend"]) for c in found] == [("Bob", -20, 1000)]


def test_bad_customer_input_is_refused_naming_the_field(world):
    hub, [till] = world.shop(["till"])
    set_loyalty(hub, [till])
    for args, field in ((["--name", "Eve", "--email", "eve@"], "email:"),
                        (["--name", "Eve", "--phone", "call me"], "phone:"),
                        (["--name", "Eve", "--card", "12 34"], "card:"),
                        (["--name", ""], "name:")):
        res = term(till, "customer", "add", *args, expect=EX_DATAERR)
        assert field in res.stderr and "nothing was stored" in res.stderr, res.stderr
    assert till.db_rows("SELECT count(*) FROM customers") == [(0,)]
    eve = term_json(till, "customer", "add", "--name", "Eve", "--card", "LC-3003")
    res = term(till, "customer", "add", "--name", "Other", "--card", "LC-3003", expect=EX_DATAERR)
    assert "card:" in res.stderr and eve["id"] in res.stderr, res.stderr
    res = term(till, "customer", "show", "LC-9999", expect=EX_DATAERR)
    assert "customer:" in res.stderr
    before = till.db_rows("SELECT count(*) FROM orders")
    res = sell(till, "LC-9999", "COF:1", expect=EX_DATAERR)
    assert "customer:" in res.stderr and "LC-9999" in res.stderr, res.stderr
    # Points are whole (a point is worth 0.05) and need a customer.
    sell(till, eve["id"], "COF:4")  # 20 points
    res = sell(till, eve["id"], "WAT:1", pay=("points=0.03", "cash"), expect=EX_DATAERR)
    assert "whole number of points" in res.stderr, res.stderr
    res = term(till, "sell", "--line", "WAT:1", "--pay", "points", expect=EX_DATAERR)
    assert "--customer" in res.stderr, res.stderr
    assert till.db_rows("SELECT count(*) FROM orders") == [(before[0][0] + 1,)]
    assert show(till, eve["id"])["points"] == 20
    # The hub refuses a customer.put with a bad field, naming it.
    till.stop()
    c = world.sync_client(hub, till)
    op = {"opId": "0190a0c0-0000-7000-8000-000000000001", "kind": "customer.put",
          "entity": "customer", "entityId": "0190a0c0-0000-7000-8000-0000000000aa", "rev": 1,
          "at": 1767225600000,
          "payload": {"name": "Mallory", "phone": "", "email": "not-an-address", "card": "",
                      "createdAt": 1767225600000, "updatedAt": 1767225600000}}
    [r] = c.push([op])
    assert (r["result"], r["code"], r["field"]) == ("rejected", "bad-field", "payload.email"), r
    c.close()
    assert hub.db_rows("SELECT count(*) FROM customers WHERE name = 'Mallory'") == [(0,)]
