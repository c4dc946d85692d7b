# SPDX-License-Identifier: MIT
"""
The store's settings (docs/pos.md, "Store settings"): set at the hub by the
owner (CLI or admin API), versioned and audited, sent to terminals as
settings.put events and in the snapshot, and kept by each terminal so it
prices offline by the settings it last heard: exclusive prices and cash
rounding show in the sale, and the hub's check accepts it.
"""
import json

from conftest import EX_DATAERR, AdminClient, poll_until
from test_admin_api import api_hub


def settings_version(till):
    rows = till.db_rows("SELECT value FROM meta WHERE key = 'settings_version'")
    return int(rows[0][0]) if rows else 0


def hub_settings(hub):
    res = hub.cli("settings", "show", "--data", hub.data, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def set_ok(hub, *pairs):
    res = hub.cli("settings", "set", "--data", hub.data, *pairs)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_terminals_price_by_the_settings_they_last_heard(world):
    hub, [till] = world.shop(["till"])
    assert hub_settings(hub)["version"] == 0
    out = set_ok(hub, "priceMode", "exclusive", "cashStep", "0.05")
    assert "version 1 saved" in out
    poll_until("settings v1 on the till", lambda: settings_version(till), lambda v: v == 1)

    # Croissant 1.80 + 7 % tax on top = 1.93; cash rounds to 1.95; 5.00 gives 3.05.
    sale = till.sell("CRO:1", pay=("cash=5",))
    order = sale["order"]
    assert order["priceMode"] == "exclusive"
    assert (order["total"], order["taxTotal"]) == (193, 13)
    assert (order["cashStep"], order["rounding"]) == (5, 2)
    assert order["payments"][0]["change"] == 305

    # Offline, the till keeps selling by what it heard; a change made
    # meanwhile reaches it only when it is back.
    hub.stop()
    offline_sale = till.sell("CRO:1", pay=("cash",))
    offline = offline_sale["order"]
    assert (offline["total"], offline["cashStep"], offline["rounding"]) == (193, 5, 2)
    set_ok(hub, "cashStep", "0.10")
    hub.start()
    poll_until("settings v2 on the till", lambda: settings_version(till), lambda v: v == 2)
    later_sale = till.sell("CRO:1", pay=("cash",))
    later = later_sale["order"]
    assert (later["total"], later["cashStep"], later["rounding"]) == (193, 10, -3)

    # The hub's check takes all three as they were made.
    till.wait_drained()
    assert hub.conflicts() == []
    for made, step, rounding in ((sale, 5, 2), (offline_sale, 5, 2), (later_sale, 10, -3)):
        [(status, text)] = hub.db_rows("SELECT status, doc FROM orders WHERE id = ?",
                                       made["orderId"])
        doc = json.loads(text)
        assert status == "completed"
        assert (doc["priceMode"], doc["cashStep"], doc["rounding"]) == (
            "exclusive", step, rounding), doc


def test_a_new_terminal_gets_the_settings_in_its_snapshot(world):
    hub, [first] = world.shop(["first"])
    set_ok(hub, "priceMode", "exclusive", "denominations", "50,20,10,5,2,1,0.5,0.2,0.1")
    late = world.enrolled_terminal(hub, "late")
    late.wait_catalog()
    poll_until("settings on the late till", lambda: settings_version(late), lambda v: v == 1)
    [(text,)] = late.db_rows("SELECT value FROM meta WHERE key = 'settings'")
    got = json.loads(text)
    assert got["priceMode"] == "exclusive"
    assert got["denominations"] == [5000, 2000, 1000, 500, 200, 100, 50, 20, 10]
    assert late.sell("COF:1")["order"]["total"] == 300  # 2.50 + 20 %


def test_bad_settings_are_refused_naming_the_field(world):
    hub, owner, cashier = api_hub(world)
    before = owner.request("GET", "/api/v1/settings")
    assert before.status == 200 and before.body["version"] == 0, before
    assert before.body["settings"]["currency"] == "EUR"
    cases = [
        ({"cashStep": 0}, "cashStep"),
        ({"cashStep": 5.0}, "cashStep"),
        ({"priceMode": "sometimes"}, "priceMode"),
        ({"denominations": [100, 200]}, "denominations[1]"),
        ({"denominations": []}, "denominations"),
        ({"tiers": {"bronze": 900, "silver": 100}}, "tiers.silver"),
        ({"loyalty": {"pointz": 1}}, "loyalty.pointz"),
        ({"cashStepp": 5}, "cashStepp"),
        ({"currency": "USD"}, "currency"),
    ]
    for body, field in cases:
        res = owner.request("PUT", "/api/v1/settings", body)
        assert res.status == 400 and res.body["error"]["field"] == field, (body, res)
        assert field in res.body["error"]["message"], res
    # Nothing was stored, nothing was announced.
    assert owner.request("GET", "/api/v1/settings").body == before.body
    assert hub.db_rows("SELECT count(*) FROM events WHERE kind = 'settings.put'") == [(0,)]
    # A cashier may neither read nor change them.
    assert cashier.request("GET", "/api/v1/settings").code == "forbidden"
    assert cashier.request("PUT", "/api/v1/settings", {"cashStep": 5}).code == "forbidden"

    res = owner.request("PUT", "/api/v1/settings",
                        {"cashStep": 5, "loyalty": {"spend": 1000}, "tiers": {"gold": 250000}})
    assert res.status == 200, res
    s = res.body["settings"]
    assert res.body["version"] == 1 and s["cashStep"] == 5
    assert s["loyalty"] == {"spend": 1000, "points": 1, "pointValue": 1}
    assert s["tiers"]["gold"] == 250000 and s["tiers"]["bronze"] == 10000
    # The same again writes nothing.
    assert owner.request("PUT", "/api/v1/settings", {"cashStep": 5}).body["version"] == 1
    [entry] = [e for e in hub.audit() if e["action"] == "settings.change"]
    assert entry["detail"]["changed"]["cashStep"] == [1, 5]

    # The CLI refuses the same way and stores nothing.
    for pairs, word in ((["cashStep", "abc"], "cashStep"), (["tiers.gold", "1"], "tiers.gold"),
                        (["volume", "11"], "volume"), (["currency", "USD"], "currency"),
                        (["cashStep"], "NAME VALUE")):
        res = hub.cli("settings", "set", "--data", hub.data, *pairs)
        assert res.returncode != 0 and word in res.stderr, (pairs, res.stderr)
    assert hub_settings(hub)["version"] == 1
    res = hub.cli("settings", "set", "--data", hub.data, "cashStep", "abc")
    assert res.returncode == EX_DATAERR
    assert AdminClient(hub).request("GET", "/api/v1/settings").code == "not-signed-in"
