# SPDX-License-Identifier: MIT
"""
Removing a catalog item (docs/catalog.md, "Removing an item"): DELETE
/api/v1/catalog/items/{sku} and `tillnet-hub catalog remove` take an item off
sale without deleting it. A running terminal learns it from the catalog.put
event and refuses to ring the item up with a sentence for the cashier; a
terminal that sold it offline before it heard of the removal has its sale
accepted by the hub. Reactivation, the list filter, the CSV `active` column
and the audit entries are checked too.
"""
import json

from conftest import (CATALOG_HEADER, EX_DATAERR, HUB_BIN, SHOP_CATALOG, AdminClient, run_cli,
                      wait_until)
from test_admin_api import api_hub, csv_request

CROISSANT = {"sku": "CRO", "name": "Croissant", "price": 180, "taxRate": 700}


def owner_id(owner):
    return owner.whoami().body["account"]["id"]


def refused(till, line):
    """`tillnet-term sell` of `line` is refused: exit 65 and the cashier's sentence."""
    res = till.sell(line, expect=EX_DATAERR)
    return res.stderr


def audit_of(hub, action):
    return [e for e in hub.audit() if e["action"] == action]


def test_removal_reaches_a_terminal_and_an_offline_sale_stands(world):
    hub, owner, _ = api_hub(world)
    hub.import_catalog(SHOP_CATALOG)
    t1 = world.enrolled_terminal(hub, "till1")
    t2 = world.enrolled_terminal(hub, "till2")
    for t in (t1, t2):
        t.wait_catalog(1)
    # till2 goes offline before the removal: it cannot hear of it.
    t2.stop()
    res = owner.request("DELETE", "/api/v1/catalog/items/CRO")
    assert res.status == 200, res
    assert (res.body["version"], res.body["result"]) == (2, "removed")
    assert res.body["item"]["sku"] == "CRO" and res.body["item"]["active"] is False
    assert res.body["item"]["version"] == 2

    # The running terminal receives it and refuses the item, storing nothing.
    t1.wait_catalog(2)
    assert t1.db_rows("SELECT active FROM catalog WHERE sku = 'CRO'") == [(0,)]
    before = len(t1.orders())
    why = refused(t1, "CRO:1")
    assert 'line 1: "CRO" was removed from the catalog (Croissant): it cannot be sold' in why
    assert len(t1.orders()) == before
    assert t1.sell("COF:1")["total"] == 250  # the rest of the catalog still sells

    # The offline terminal still sells it: the customer has the receipt.
    offline = t2.sell("CRO:2", "WAT:1")
    assert offline["total"] == 460
    t2.start()
    t2.wait_drained()
    assert t2.outbox()["parked"] == 0, hub.conflicts()
    at_hub = wait_until("the offline sale at the hub", lambda: hub.order(offline["orderId"]),
                        lambda o: o is not None)
    assert at_hub["status"] == "completed" and at_hub["receipt"] == offline["receipt"]
    assert [line["sku"] for line in at_hub["lines"]] == ["CRO", "WAT"]
    assert not [c for c in hub.conflicts() if c.get("entityId") == offline["orderId"]]
    # ... and once it has caught up, it refuses the item too.
    t2.wait_catalog(2)
    assert '"CRO" was removed from the catalog' in refused(t2, "CRO:1")

    # Removing it again changes nothing: no version, no event, no audit entry.
    events = hub.count("events")
    res = owner.request("DELETE", "/api/v1/catalog/items/CRO")
    assert res.status == 200 and res.body["result"] == "unchanged" and res.body["version"] == 2
    assert hub.count("events") == events

    # The list shows removed items with their flag, and filters on it.
    page = owner.request("GET", "/api/v1/catalog").body
    assert [(i["sku"], i["active"]) for i in page["items"]] == \
        [("COF", True), ("CRO", False), ("WAT", True)]
    removed = owner.request("GET", "/api/v1/catalog?active=false").body
    assert (removed["total"], [i["sku"] for i in removed["items"]]) == (1, ["CRO"])
    on_sale = owner.request("GET", "/api/v1/catalog?active=true").body
    assert (on_sale["total"], [i["sku"] for i in on_sale["items"]]) == (2, ["COF", "WAT"])
    bad = owner.request("GET", "/api/v1/catalog?active=maybe")
    assert bad.status == 400 and bad.body["error"]["field"] == "active", bad
    assert owner.request("GET", "/api/v1/catalog/items/CRO").body["active"] is False

    # A terminal enrolled now gets the flag in its snapshot.
    t3 = world.enrolled_terminal(hub, "till3")
    t3.wait_catalog(2)
    assert '"CRO" was removed from the catalog' in refused(t3, "CRO:1")

    # Reactivation through the item route makes it sellable everywhere again.
    res = owner.request("POST", "/api/v1/catalog/items", dict(CROISSANT, active=True))
    assert res.status == 200, res
    assert (res.body["result"], res.body["version"], res.body["item"]["active"]) == \
        ("changed", 3, True)
    for t in (t1, t2, t3):
        t.wait_catalog(3)
        assert t.sell("CRO:1")["total"] == 180
    bad = owner.request("POST", "/api/v1/catalog/items", dict(CROISSANT, active="yes"))
    assert bad.status == 400 and bad.body["error"]["field"] == "active", bad

    # Both are audited with the account that did it.
    me = owner_id(owner)
    [removal] = audit_of(hub, "catalog.remove")
    assert (removal["actor"], removal["subject"]) == (me, "CRO")
    assert removal["detail"]["version"] == 2
    [back] = audit_of(hub, "catalog.reactivate")
    assert (back["actor"], back["subject"], back["detail"]["version"]) == (me, "CRO", 3)


def test_removal_by_barcode_and_refusals(world):
    hub, owner, cashier = api_hub(world)
    hub.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(hub, "till1")
    till.wait_catalog(1)
    url = "/api/v1/catalog/items/COF"
    # Who may remove: signed in (401), with the CSRF token (403 csrf), with
    # catalog.edit (403 forbidden for a cashier); an unknown sku is 404.
    res = AdminClient(hub).request("DELETE", url)
    assert res.status == 401 and res.code == "not-signed-in", res
    res = owner.request("DELETE", url, csrf=False)
    assert res.status == 403 and res.code == "csrf", res
    res = cashier.request("DELETE", url)
    assert res.status == 403 and res.code == "forbidden", res
    res = owner.request("DELETE", "/api/v1/catalog/items/NOPE")
    assert res.status == 404 and res.code == "not-found" and "NOPE" in res.body["error"]["message"]
    assert owner.request("PUT", url).code == "method-not-allowed"
    assert hub.db_rows("SELECT active FROM catalog WHERE sku = 'COF'") == [(1,)]
    assert not audit_of(hub, "catalog.remove")
    # The cashier scans the barcode of a removed item: refused just the same.
    assert owner.request("DELETE", url).status == 200
    till.wait_catalog(2)
    why = refused(till, "4006381333931:1")
    assert '"4006381333931" was removed from the catalog (Coffee)' in why


def test_cli_remove_and_reactivate(world):
    hub, owner, _ = api_hub(world)
    hub.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(hub, "till1")
    till.wait_catalog(1)
    res = run_cli(HUB_BIN, "catalog", "remove", "--data", hub.data, "WAT")
    assert res.returncode == 0, res.stderr
    assert "WAT removed" in res.stdout
    till.wait_catalog(2)
    assert '"WAT" was removed from the catalog (Water)' in refused(till, "WAT:1")
    listed = json.loads(run_cli(HUB_BIN, "catalog", "list", "--data", hub.data,
                                "--json").stdout)
    # Its items are in the wire form: "active" only when false (absent means true).
    assert [i.get("active") for i in listed["items"]] == [None, None, False]
    table = run_cli(HUB_BIN, "catalog", "list", "--data", hub.data).stdout
    assert "removed" in [line for line in table.splitlines() if line.startswith("WAT")][0]
    res = run_cli(HUB_BIN, "catalog", "remove", "--data", hub.data, "NOPE")
    assert res.returncode == EX_DATAERR and 'no sku "NOPE"' in res.stderr, res
    res = run_cli(HUB_BIN, "catalog", "reactivate", "--data", hub.data, "WAT")
    assert res.returncode == 0, res.stderr
    till.wait_catalog(3)
    assert till.sell("WAT:1")["total"] == 100
    [entry] = audit_of(hub, "catalog.remove")
    assert entry["actor"].startswith("cli:") and entry["subject"] == "WAT", entry
    [entry] = audit_of(hub, "catalog.reactivate")
    assert entry["actor"].startswith("cli:") and entry["subject"] == "WAT", entry


def test_csv_round_trip_with_the_active_column(world):
    hub, owner, _ = api_hub(world)
    hub.import_catalog(SHOP_CATALOG)
    assert owner.request("DELETE", "/api/v1/catalog/items/WAT").status == 200
    text = owner.request("GET", "/api/v1/catalog/export").body
    lines = text.strip().splitlines()
    assert lines[0] == "sku,name,barcode,price,tax_rate,active"
    assert lines[1:] == ["COF,Coffee,4006381333931,250,20,true", "CRO,Croissant,,180,7,true",
                         "WAT,Water,,100,0,false"]
    # The export imports back unchanged.
    res = csv_request(owner, "/api/v1/catalog/import", text)
    assert res.status == 200 and (res.body["changed"], res.body["version"]) == (0, 2), res
    # A file may remove and reactivate items, in any case and spelling.
    res = csv_request(owner, "/api/v1/catalog/import",
                      "SKU,Active,name,barcode,price,tax_rate\n"
                      "CRO,No,Croissant,,180,7\nWAT,TRUE,Water,,100,0\nTEA,,Tea,,200,7\n")
    assert res.status == 200, res
    assert (res.body["version"], res.body["added"], res.body["changed"]) == (3, 1, 2)
    assert dict(hub.db_rows("SELECT sku, active FROM catalog")) == \
        {"COF": 1, "CRO": 0, "WAT": 1, "TEA": 1}
    [removal] = [e for e in audit_of(hub, "catalog.remove") if e["subject"] == "CRO"]
    assert removal["actor"] == owner_id(owner)
    assert [e["subject"] for e in audit_of(hub, "catalog.reactivate")] == ["WAT"]
    # A file without the column leaves every item's flag as it is.
    out = hub.import_catalog(CATALOG_HEADER + "CRO,Croissant,,190,7\n")
    assert "1 changed" in out
    assert hub.db_rows("SELECT price, active FROM catalog WHERE sku = 'CRO'") == [(190, 0)]
    # A value that is not true or false is an error naming the line; nothing is stored.
    res = csv_request(owner, "/api/v1/catalog/import",
                      CATALOG_HEADER.strip() + ",active\nCOF,Coffee,,250,20,maybe\n")
    assert res.status == 400 and res.code == "bad-csv", res
    [error] = res.body["error"]["lines"]
    assert error["line"] == 2 and 'active "maybe"' in error["message"], error
    assert hub.db_rows("SELECT active FROM catalog WHERE sku = 'COF'") == [(1,)]
    # The CLI reads the column as well, and audits with its user.
    path = world.tmp / "off.csv"
    path.write_text(CATALOG_HEADER.strip() + ",active\nCOF,Coffee,4006381333931,250,20,0\n")
    res = run_cli(HUB_BIN, "catalog", "import", "--data", hub.data, path)
    assert res.returncode == 0 and "1 removed" in res.stdout, (res.stdout, res.stderr)
    [removal] = [e for e in audit_of(hub, "catalog.remove") if e["subject"] == "COF"]
    assert removal["actor"].startswith("cli:")
