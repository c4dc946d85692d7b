# SPDX-License-Identifier: MIT
"""
Stock as a ledger (docs/pos.md, "Stock"): goods received at the hub reach
the till; with the hub stopped the till sells, refunds and adjusts, and its
own levels move offline; back online, the hub's level of each sku is the sum
of its ledger and equals the till's view, also after the till starts over
from a snapshot (its own movements are never counted twice). Selling past
zero is allowed and flagged once at the hub; a low-stock threshold lists
the item as low on both sides. Bad movements fail naming the field, at the
hub, at the till and on the wire, and nothing is stored. The admin API and
the till's permission (catalog.edit, or a manager's PIN).
"""
import json

from conftest import (EX_DATAERR, EX_NOPERM, HUB_BIN, SHOP_CATALOG, TERM_BIN, AdminClient,
                      make_op, poll_until, run_cli)

CASHIER_PIN, MANAGER_PIN = "1234", "98765"
PASSWORD = "the owner's good password"


def hub_stock(hub, *args, expect=0):
    res = run_cli(HUB_BIN, "stock", *args[:1], "--data", hub.data, *args[1:])
    assert res.returncode == expect, "hub stock %s: exit %d\n%s" % (args, res.returncode,
                                                                    res.stderr)
    return res


def hub_levels(hub, low=False):
    res = hub_stock(hub, "list", "--json", *(["--low"] if low else []))
    return {i["sku"]: i for i in json.loads(res.stdout)}


def till_stock(till, *args, expect=0, pin=None):
    res = till.pin_cli("stock", *args[:1], "--data", till.data, *args[1:], pin=pin) \
        if args and args[0] in ("adjust", "receive") else \
        till.pin_cli("stock", "--data", till.data, *args, pin=pin)
    assert res.returncode == expect, "till stock %s: exit %d\n%s" % (args, res.returncode,
                                                                     res.stderr)
    return res


def till_levels(till, low=False):
    res = till_stock(till, "--json", *(["--low"] if low else []))
    return {i["sku"]: i for i in json.loads(res.stdout)}


def levels(view):
    return {sku: item["level"] for sku, item in view.items()}


def ledger_sums(hub):
    return dict(hub.db_rows("SELECT sku, SUM(qty) FROM stock_moves GROUP BY sku"))


def test_offline_till_and_hub_agree_on_every_level(world):
    hub, [till] = world.shop(["till"])
    hub_stock(hub, "receive", "COF", "12", "--reason", "delivery 42")
    hub_stock(hub, "receive", "CRO", "1")
    poll_until("the delivery on the till",
               lambda: levels(till_levels(till)), lambda v: v.get("COF") == 12000 and
               v.get("CRO") == 1000)

    hub.stop()
    sale = till.sell("COF:3", "CRO:2", "WAT:0.5")
    assert levels(till_levels(till)) == {"COF": 9000, "CRO": -1000, "WAT": -500}
    res = run_cli(TERM_BIN, "refund", "--data", till.data, sale["receipt"], "--line", "1:1",
                  "--pay", "cash", "--json")
    assert res.returncode == 0, res.stderr
    assert till_levels(till)["COF"]["level"] == 10000
    out = json.loads(till_stock(till, "adjust", "COF", "-2", "--reason", "broken jar",
                                "--json").stdout)
    assert out["level"] == 8000
    view = till_levels(till)
    assert view["CRO"]["negative"] and not view["COF"]["negative"]
    assert till.outbox()["pending"] >= 4  # sale, refund, their journal records, the adjustment

    hub.start()
    till.wait_drained()
    at_hub = hub_levels(hub)
    assert levels(at_hub) == {"COF": 8000, "CRO": -1000, "WAT": -500}
    assert ledger_sums(hub) == {"COF": 8000, "CRO": -1000, "WAT": -500}
    assert sorted(hub.db_rows("SELECT kind, qty, reason FROM stock_moves WHERE sku = 'COF'")) \
        == [("adjust", -2000, "broken jar"), ("receive", 12000, "delivery 42"),
            ("refund", 1000, None), ("sale", -3000, None)]
    assert levels(till_levels(till)) == levels(at_hub)
    # What went below zero is flagged at the hub: once per sku, with an audit entry.
    assert at_hub["CRO"]["negative"] and at_hub["WAT"]["negative"]
    assert sorted(hub.db_rows("SELECT sku, code, level FROM stock_alerts")) == [
        ("CRO", "negative", -1000), ("WAT", "negative", -500)]
    assert sorted(e["subject"] for e in hub.audit() if e["action"] == "stock.negative") == [
        "CRO", "WAT"]
    show = json.loads(hub_stock(hub, "show", "COF", "--json").stdout)
    assert [m["levelAfter"] for m in show["movements"]] == [12000, 9000, 10000, 8000]
    assert show["movements"][1]["receipt"] == sale["receipt"]

    # The till starts over from a snapshot: its own movements, which the hub
    # holds too, are not counted twice.
    till.stop()
    till.db_write("UPDATE meta SET value = '0' WHERE key = 'hub_cursor'")
    till.start()
    till.wait_sync("a snapshot", lambda s: s["hubCursor"] > 0)
    assert levels(till_levels(till)) == levels(at_hub)
    # A till enrolled now starts from the hub's levels.
    other = world.enrolled_terminal(hub, "other")
    other.wait_catalog()
    poll_until("the levels on the new till", lambda: levels(till_levels(other)),
               lambda v: v == levels(at_hub))


def test_selling_past_zero_is_flagged_once_and_thresholds_mark_low(world):
    hub, [a, b] = world.shop(["a", "b"])
    hub_stock(hub, "receive", "COF", "2")
    hub_stock(hub, "threshold", "WAT", "3")
    hub_stock(hub, "receive", "WAT", "5")
    for t in (a, b):
        poll_until("stock on %s" % t.name, lambda t=t: till_levels(t),
                   lambda v: v["COF"]["level"] == 2000 and v["WAT"]["threshold"] == 3000)
    # Two tills each sell what they think is the last of the coffee, offline.
    hub.stop()
    a.sell("COF:2")
    b.sell("COF:1", "WAT:2")
    assert till_levels(a)["COF"]["level"] == 0 and till_levels(b)["COF"]["level"] == 1000
    assert till_levels(b, low=True).keys() == {"WAT"}  # 3 left: at the threshold
    hub.start()
    a.wait_drained()
    b.wait_drained()
    poll_until("b hears of a's sale", lambda: till_levels(b)["COF"]["level"], lambda n: n == -1000)
    assert hub_levels(hub)["COF"]["level"] == -1000
    assert hub.db_rows("SELECT sku, level FROM stock_alerts") == [("COF", -1000)]
    # Further down while negative: no second alert. Back up and down again: a new one.
    a.sell("COF:1")
    a.wait_drained()
    hub_stock(hub, "adjust", "COF", "+3", "--reason", "found a box")
    b.sell("COF:2")
    b.wait_drained()
    assert hub.db_rows("SELECT level FROM stock_alerts WHERE sku = 'COF' ORDER BY id") == [
        (-1000,), (-1000,)]
    low = hub_levels(hub, low=True)
    assert low.keys() == {"COF", "WAT"}
    assert low["WAT"]["low"] and not low["WAT"]["negative"] and low["COF"]["negative"]
    out = hub_stock(hub, "list").stdout
    assert "NEGATIVE" in out and "low" in out
    # The threshold goes: WAT is no longer low, on the hub and on the tills.
    hub_stock(hub, "threshold", "WAT", "none")
    assert hub_levels(hub, low=True).keys() == {"COF"}
    at_hub = levels(hub_levels(hub))
    for t in (a, b):
        poll_until("the threshold gone on %s" % t.name, lambda t=t: till_levels(t, low=True),
                   lambda v: v.keys() == {"COF"})
        assert levels(till_levels(t)) == at_hub


def test_bad_movements_name_the_field_and_store_nothing(world):
    hub, [till] = world.shop(["till"])
    bad = [(("adjust", "COF", "-1"), "reason"),
           (("adjust", "COF", "-1", "--reason", " "), "reason"),
           (("receive", "NOPE", "1"), "sku"),
           (("receive", "COF", "0"), "qty"),
           (("receive", "COF", "-2"), "qty"),
           (("adjust", "COF", "two", "--reason", "count"), "qty")]
    for args, field in bad:
        res = hub_stock(hub, *args, expect=EX_DATAERR)
        assert "nothing was stored" in res.stderr and field + ":" in res.stderr, res.stderr
        res = till_stock(till, *args, expect=EX_DATAERR)
        assert "nothing was stored" in res.stderr and field + ":" in res.stderr, res.stderr
    hub_stock(hub, "threshold", "NOPE", "1", expect=EX_DATAERR)
    hub_stock(hub, "threshold", "COF", "-1", expect=EX_DATAERR)
    assert hub.count("stock_moves") == 0 and hub.count("stock_thresholds") == 0
    assert hub.db_rows("SELECT count(*) FROM events WHERE kind LIKE 'stock.%'") == [(0,)]
    assert till.db_rows("SELECT count(*) FROM stock_moves") == [(0,)]
    assert till.outbox()["pending"] == 0

    # On the wire: the hub judges a terminal's op the same way.
    till.stop()
    sc = world.sync_client(hub, till)

    def op(payload, rev=1):
        o = make_op(payload, kind="stock.move", rev=rev)
        o["entity"] = "stock"
        return o

    good = op({"sku": "COF", "qty": 4000, "kind": "receive"})
    results = sc.push([
        op({"sku": "NOPE", "qty": 1000, "kind": "receive"}),
        op({"sku": "COF", "qty": 0, "kind": "receive"}),
        op({"sku": "COF", "qty": 1.5, "kind": "receive"}),
        op({"sku": "COF", "qty": -1000, "kind": "adjust"}),
        op({"sku": "COF", "qty": -1000, "kind": "receive"}),
        op({"sku": "COF", "qty": -1000, "kind": "sale"}),
        op({"sku": "COF", "qty": 1000, "kind": "receive"}, rev=2),
        good,
    ])
    assert [(r["result"], r.get("code"), r.get("field")) for r in results] == [
        ("rejected", "unknown-sku", "payload.sku"),
        ("rejected", "bad-field", "payload.qty"),
        ("rejected", "bad-field", "payload.qty"),
        ("rejected", "bad-field", "payload.reason"),
        ("rejected", "bad-field", "payload.qty"),
        ("rejected", "bad-field", "payload.kind"),
        ("rejected", "bad-field", "rev"),
        ("applied", "applied", None)]
    # The same movement under another op id: a conflict, the first stands.
    again = op({"sku": "COF", "qty": 4000, "kind": "receive"})
    again["entityId"] = good["entityId"]
    [r] = sc.push([again])
    assert (r["result"], r["code"]) == ("conflict", "move-taken")
    sc.close()
    assert hub.db_rows("SELECT sku, qty, kind FROM stock_moves") == [("COF", 4000, "receive")]


def owner_client(world):
    pwfile = world.tmp / "owner.pw"
    pwfile.write_text(PASSWORD + "\n")
    hub = world.admin_hub(start=False, init_args=("--owner-password-file", pwfile))
    hub.start()
    owner = AdminClient(hub)
    assert owner.login("owner", PASSWORD).status == 200
    assert owner.change_password(PASSWORD, "a much better password").status == 200
    return hub, owner


def test_admin_api_and_the_tills_permission(world):
    hub, owner = owner_client(world)
    hub.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(hub, "till")
    till.wait_catalog()
    hub.staff_add("Ann", "cashier", CASHIER_PIN)
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    poll_until("staff on the till", lambda: till.db_rows("SELECT count(*) FROM staff"),
               lambda r: r == [(2,)])
    assert till.signin(CASHIER_PIN).returncode == 0

    # Receiving goods needs catalog.edit: a cashier asks a manager, offline too.
    res = till_stock(till, "receive", "COF", "6", expect=EX_NOPERM)
    assert "catalog.edit" in res.stderr
    assert till.db_rows("SELECT count(*) FROM stock_moves") == [(0,)]
    till_stock(till, "receive", "COF", "6", "--approve-pin-file", "-", pin=MANAGER_PIN)
    till.wait_drained()
    [(op,)] = hub.db_rows("SELECT op FROM events WHERE kind = 'stock.move'")
    assert json.loads(op)["approver"] == max_id
    assert hub.flags() == []

    res = owner.request("POST", "/api/v1/stock/COF/movements",
                        {"kind": "adjust", "qty": -1000, "reason": "tasted"})
    assert res.status == 201, res
    assert res.body["stock"]["level"] == 5000 and res.body["moveId"]
    for body, field in (({"kind": "adjust", "qty": -1000}, "reason"),
                        ({"kind": "receive", "qty": 0}, "qty"),
                        ({"kind": "receive", "qty": 2.5}, "qty"),
                        ({"kind": "sale", "qty": 1000}, "kind")):
        res = owner.request("POST", "/api/v1/stock/COF/movements", body)
        assert res.status == 400 and res.body["error"]["field"] == field, res
    res = owner.request("POST", "/api/v1/stock/NOPE/movements", {"kind": "receive", "qty": 1})
    assert res.status == 404, res
    res = owner.request("PUT", "/api/v1/stock/COF/threshold", {"threshold": 5000})
    assert res.status == 200 and res.body["low"], res
    res = owner.request("GET", "/api/v1/stock?low=1")
    assert res.status == 200 and [i["sku"] for i in res.body["items"]] == ["COF"], res
    res = owner.request("GET", "/api/v1/stock/COF?limit=1&offset=1")
    assert res.status == 200, res
    assert res.body["total"] == 2 and res.body["nextOffset"] is None
    assert [(m["kind"], m["qty"], m["reason"]) for m in res.body["movements"]] == [
        ("adjust", -1000, "tasted")]
    assert hub.count("stock_moves") == 2
    # The till hears of the hub's adjustment and the threshold.
    poll_until("the adjustment on the till", lambda: till_levels(till)["COF"],
               lambda i: i["level"] == 5000 and i["low"])
    actions = [e["action"] for e in hub.audit()]
    assert "stock.adjust" in actions and "stock.threshold" in actions
