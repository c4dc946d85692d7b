# SPDX-License-Identifier: MIT
"""
A whole shift with the hub stopped from start to end (issue 5's test): the
drawer opened with a count, sales with discounts, a split tender and a
customer earning points, part of a sale refunded, a cart parked, the drawer
closed with a count. Then the hub starts: every record arrives, both journals
verify, and the hub's cash session, customer balance, stock levels and totals
equal the terminal's to the cent.
"""
import json

from conftest import HUB_BIN, TERM_BIN, run_cli, wait_until
from test_cash import MANAGER_PIN, ok_json, staffed_shop
from test_stock import hub_levels, hub_stock, levels, till_levels


def test_a_whole_offline_shift_arrives_and_reconciles(world):
    hub, till, ann, max_id = staffed_shop(world)
    hub_stock(hub, "receive", "COF", "20", "--reason", "delivery")
    wait_until("the delivery on the till", lambda: levels(till_levels(till)).get("COF"),
               lambda level: level == 20000)
    hub.stop()

    opened = ok_json(till, "cash", "open", "--data", till.data, "--count", "5000=1,2000=2")
    sid = opened["id"]
    assert opened["session"]["float"] == 9000

    carla = ok_json(till, "customer", "add", "--data", till.data, "--name", "Carla Diaz",
                    "--phone", "+34 600 111 222")
    cid = carla["id"]
    # 4 coffees 10 % off the line (the cashier's ceiling), a croissant; 5.00 by card,
    # the rest in cash with 10.00 handed over. Carla earns a point per 1.00 paid.
    s1 = ok_json(till, "sell", "--data", till.data, "--line", "COF:4/10%", "--line", "CRO:1",
                 "--pay", "card=5:AUTH-1", "--pay", "cash=10", "--customer", "+34600111222")
    assert s1["total"] == 900 + 180 and s1["change"] == 1000 - (1080 - 500)
    assert s1["order"]["customer"] == cid and s1["order"]["loyalty"]["earned"] == 10
    assert s1["order"]["cashSession"] == sid
    s2 = ok_json(till, "sell", "--data", till.data, "--line", "WAT:2", "--pay", "cash")
    # One coffee of the first sale comes back in cash (a manager approves).
    r1 = ok_json(till, "refund", "--data", till.data, s1["receipt"], "--line", "1:1",
                 "--pay", "cash", "--approve-pin-file", "-", pin=MANAGER_PIN)
    assert r1["total"] == 225 and r1["order"]["loyalty"]["earned"] < 0
    # A cart parked for later.
    parked = ok_json(till, "park", "--data", till.data, "--line", "CRO:2")
    assert parked["order"]["status"] == "parked"

    # expected cash = 90.00 float + 5.80 + 2.00 - 2.25 = 95.55; counted 95.55 exactly.
    x = ok_json(till, "report", "x", "--data", till.data)
    assert x["expected"] == 9000 + 580 + 200 - 225 == 9555
    z = ok_json(till, "cash", "close", "--data", till.data,
                "--count", "5000=1,2000=2,500=1,50=1,5=1")
    assert (z["expected"], z["counted"], z["difference"]) == (9555, 9555, 0)
    till_customer = ok_json(till, "customer", "show", "--data", till.data, cid)
    # Stock on the till: 20 in, 4 sold, 1 back; a croissant and 2 waters sold (none in).
    till_stock = levels(till_levels(till))
    assert (till_stock["COF"], till_stock["CRO"], till_stock["WAT"]) == (17000, -1000, -2000)
    assert run_cli(TERM_BIN, "journal", "verify", "--data", till.data).returncode == 0

    # The hub starts: everything arrives and agrees.
    hub.start()
    till.wait_drained()
    assert hub.db_rows("SELECT count(*) FROM refused_ops")[0][0] == 0
    for rec in (s1, s2, r1, parked):
        assert hub.order(rec["orderId"]) is not None, rec["orderId"]
    assert hub.order(parked["orderId"])["status"] == "parked"
    assert run_cli(HUB_BIN, "journal", "verify", "--data", hub.data).returncode == 0
    shown = json.loads(run_cli(HUB_BIN, "cash", "show", "--data", hub.data, sid,
                               "--json").stdout)
    assert (shown["expected"], shown["counted"], shown["difference"]) == (9555, 9555, 0)
    assert shown["hubExpected"] == 9555 and shown["alertList"] == []
    assert shown["session"] == z["session"]
    at_hub = json.loads(run_cli(HUB_BIN, "customer", "show", "--data", hub.data, cid,
                                "--json").stdout)
    assert at_hub["points"] == till_customer["points"] == 10 + r1["order"]["loyalty"]["earned"]
    assert at_hub["lifetimeSpend"] == till_customer["lifetimeSpend"]
    assert levels(hub_levels(hub)) == till_stock
    hub_total = hub.db_rows(
        "SELECT sum(CASE WHEN json_extract(doc, '$.type') = 'refund' THEN -total ELSE total "
        "END) FROM orders WHERE status = 'completed'")[0][0]
    assert hub_total == s1["total"] + s2["total"] - r1["total"]
    wait_until("the hub's flags", lambda: hub.flags(), lambda f: f == [])
