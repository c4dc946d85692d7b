# SPDX-License-Identifier: MIT
"""
tillnet-hub catalog import and list (docs/catalog.md): the real binary on a
real store, checked through `catalog list --json` and hub.db itself.
"""
import json
import re
import sqlite3

from conftest import EX_DATAERR, EX_USAGE, HUB_BIN, run_cli, run_json

EX_NOINPUT = 66
HEADER = "sku,name,barcode,price,tax_rate\n"
UUID_V7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

GOOD = (HEADER
        + "COF-S,Coffee small,4006381333931,250,20\n"
        + "CRO,Croissant,,180,7.5\n"
        + 'TEA,"Tea, ""green""",,200,7.55\n')

GOOD_ITEMS = [
    {"sku": "COF-S", "name": "Coffee small", "barcode": "4006381333931", "price": 250,
     "taxRate": 2000},
    {"sku": "CRO", "name": "Croissant", "barcode": "", "price": 180, "taxRate": 750},
    {"sku": "TEA", "name": 'Tea, "green"', "barcode": "", "price": 200, "taxRate": 755},
]


def write(hub, name, text, encoding="utf-8"):
    path = hub.world.tmp / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def import_file(hub, path):
    return run_cli(HUB_BIN, "catalog", "import", "--data", hub.data, path)


def import_ok(hub, path):
    res = import_file(hub, path)
    assert res.returncode == 0, "catalog import: exit %d\n%s" % (res.returncode, res.stderr)
    return res.stdout


def listed(hub):
    return run_json(HUB_BIN, "catalog", "list", "--data", hub.data, "--json")


def query(hub, sql, *args):
    db = sqlite3.connect("file:%s?mode=ro" % (hub.data / "hub.db"), uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def catalog_events(hub):
    """The catalog.put events in order: (seq, origin, kind, entity_id, op, at)."""
    rows = query(hub, "SELECT seq, origin, kind, entity_id, op, at FROM events "
                      "WHERE kind = 'catalog.put' ORDER BY seq")
    return [(seq, origin, kind, entity, json.loads(op), at)
            for seq, origin, kind, entity, op, at in rows]


def stored_version(hub):
    rows = query(hub, "SELECT value FROM meta WHERE key = 'catalog_version'")
    return rows[0][0] if rows else None


def test_good_import(world):
    hub = world.hub(start=False)
    path = write(hub, "catalog.csv", GOOD)
    assert import_ok(hub, path) == "catalog version 1: 3 added, 0 changed, 0 unchanged\n"

    assert listed(hub) == {"version": 1, "items": GOOD_ITEMS}
    assert stored_version(hub) == "1"
    rows = query(hub, "SELECT sku, name, barcode, price, tax_rate, version FROM catalog "
                      "ORDER BY sku")
    assert rows == [("COF-S", "Coffee small", "4006381333931", 250, 2000, 1),
                    ("CRO", "Croissant", "", 180, 750, 1),
                    ("TEA", 'Tea, "green"', "", 200, 755, 1)]

    events = catalog_events(hub)
    assert len(events) == 1
    _, origin, kind, entity, op, at = events[0]
    assert (origin, kind, entity) == ("hub", "catalog.put", "catalog")
    assert UUID_V7.match(op["opId"]), op["opId"]
    assert {k: v for k, v in op.items() if k != "opId"} == {
        "kind": "catalog.put", "entity": "catalog", "entityId": "catalog", "rev": 1,
        "at": at, "payload": {"version": 1, "items": GOOD_ITEMS}}

    text = run_cli(HUB_BIN, "catalog", "list", "--data", hub.data)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "catalog version 1, 3 items"
    assert lines[2].split() == ["SKU", "NAME", "PRICE", "TAX", "BARCODE"]
    assert lines[3].split() == ["COF-S", "Coffee", "small", "2.50", "20%", "4006381333931"]
    assert lines[4].split() == ["CRO", "Croissant", "1.80", "7.5%", "-"]
    assert lines[5].split()[-3:] == ["2.00", "7.55%", "-"]


def test_bom_crlf_quotes_and_empty_lines(world):
    hub = world.hub(start=False)
    text = ("\ufeffTax_Rate,Price,SKU,Name,Barcode\r\n\r\n"
            '20,250,COF-S,"Coffee\r\nsmall",4006381333931\r\n'  # a line break in a name: error
            "\r\n")
    res = import_file(hub, write(hub, "bad.csv", text))
    assert res.returncode == EX_DATAERR
    assert "bad.csv line 3: name" in res.stderr and "control character" in res.stderr

    text = ("\ufeffTax_Rate,Price,SKU,Name,Barcode\r\n\r\n"
            '20,250,COF-S,"Coffee small",4006381333931\r\n'
            ",,,,\r\n"
            '7.5,180,CRO,"Croissant",\r\n')
    assert import_ok(hub, write(hub, "good.csv", text)).startswith("catalog version 1: 2 added")
    assert [i["sku"] for i in listed(hub)["items"]] == ["COF-S", "CRO"]


def test_bad_file_stores_nothing(world):
    hub = world.hub(start=False)
    bad = write(hub, "bad.csv", HEADER
                + "COF-S,Coffee small,,250,20\n"
                + 'CRO,Croissant,,"12,50",7.5\n'
                + "TEA,Tea,,200,101\n"
                + "COF-S,Coffee again,,250,20\n")
    res = import_file(hub, bad)
    assert res.returncode == EX_DATAERR, res.stderr
    assert res.stdout == ""
    errors = [line for line in res.stderr.splitlines() if line.startswith(str(bad))]
    assert errors == [
        '%s line 3: price "12,50" is not a number in minor units (expected e.g. 1250)' % bad,
        '%s line 4: tax_rate "101" is above 100 (it is a percent)' % bad,
        '%s line 5: sku "COF-S" appears twice: on line 2 and on line 5' % bad,
    ]
    assert "nothing was stored" in res.stderr
    assert listed(hub) == {"version": 0, "items": []}
    assert query(hub, "SELECT count(*) FROM catalog") == [(0,)]
    assert query(hub, "SELECT count(*) FROM events") == [(0,)]
    assert stored_version(hub) is None

    # On a store with a catalog, a bad file leaves it as it was.
    import_ok(hub, write(hub, "good.csv", GOOD))
    res = import_file(hub, write(hub, "bad2.csv", GOOD.replace("250", "2.50") + "NEW,New,,1,0\n"))
    assert res.returncode == EX_DATAERR
    assert 'bad2.csv line 2: price "2.50" is not a number in minor units' in res.stderr
    assert listed(hub) == {"version": 1, "items": GOOD_ITEMS}
    assert len(catalog_events(hub)) == 1


def test_header_errors_name_the_columns(world):
    hub = world.hub(start=False)
    res = import_file(hub, write(hub, "cols.csv", "sku,name,price,tax_rate,colour\n"
                                                  "A1,Coffee,250,20,red\n"))
    assert res.returncode == EX_DATAERR
    assert 'cols.csv line 1: unknown column "colour"' in res.stderr, res.stderr
    assert 'cols.csv line 1: missing column "barcode"' in res.stderr, res.stderr
    assert query(hub, "SELECT count(*) FROM catalog") == [(0,)]


def test_many_errors_are_capped_at_50(world):
    hub = world.hub(start=False)
    rows = "".join("S%d,Item,,1.5,20\n" % i for i in range(80))
    res = import_file(hub, write(hub, "many.csv", HEADER + rows))
    assert res.returncode == EX_DATAERR
    lines = res.stderr.splitlines()
    assert len([line for line in lines if " line " in line and "price" in line]) == 50
    assert "many.csv: and 30 more" in res.stderr
    assert "80 errors" in res.stderr


def test_reimport_is_unchanged(world):
    hub = world.hub(start=False)
    path = write(hub, "catalog.csv", GOOD)
    import_ok(hub, path)
    assert import_ok(hub, path) == "catalog unchanged at version 1\n"
    assert stored_version(hub) == "1"
    assert len(catalog_events(hub)) == 1
    assert listed(hub)["version"] == 1


def test_changed_price_makes_one_event_with_that_item(world):
    hub = world.hub(start=False)
    import_ok(hub, write(hub, "v1.csv", GOOD))
    # CRO's price changes; TEA is left out of the file and must stay.
    v2 = (HEADER + "COF-S,Coffee small,4006381333931,250,20\n" + "CRO,Croissant,,190,7.5\n")
    assert import_ok(hub, write(hub, "v2.csv", v2)) == \
        "catalog version 2: 0 added, 1 changed, 1 unchanged\n"

    events = catalog_events(hub)
    assert len(events) == 2
    op = events[1][4]
    assert op["rev"] == 2 and op["payload"]["version"] == 2
    assert op["payload"]["items"] == [
        {"sku": "CRO", "name": "Croissant", "barcode": "", "price": 190, "taxRate": 750}]
    assert op["opId"] != events[0][4]["opId"]

    got = listed(hub)
    assert got["version"] == 2
    assert [(i["sku"], i["price"]) for i in got["items"]] == [("COF-S", 250), ("CRO", 190),
                                                              ("TEA", 200)]
    assert query(hub, "SELECT sku, version FROM catalog ORDER BY sku") == [
        ("COF-S", 1), ("CRO", 2), ("TEA", 1)]
    assert stored_version(hub) == "2"

    # A new item and a changed name and barcode count as added and changed.
    v3 = v2.replace("Coffee small,4006381333931", "Coffee S,") + "JUI,Juice,,300,7.5\n"
    assert import_ok(hub, write(hub, "v3.csv", v3)) == \
        "catalog version 3: 1 added, 1 changed, 1 unchanged\n"
    assert [i["sku"] for i in catalog_events(hub)[2][4]["payload"]["items"]] == ["COF-S", "JUI"]


def test_1200_items_make_3_events(world):
    hub = world.hub(start=False)
    rows = "".join("SKU%04d,Item %d,,%d,20\n" % (i, i, 100 + i) for i in range(1200))
    assert import_ok(hub, write(hub, "big.csv", HEADER + rows)) == \
        "catalog version 1: 1200 added, 0 changed, 0 unchanged\n"
    events = catalog_events(hub)
    assert [len(e[4]["payload"]["items"]) for e in events] == [500, 500, 200]
    assert all(e[4]["rev"] == 1 and e[4]["payload"]["version"] == 1 for e in events)
    assert len({e[4]["opId"] for e in events}) == 3
    skus = [i["sku"] for e in events for i in e[4]["payload"]["items"]]
    assert skus == ["SKU%04d" % i for i in range(1200)]
    assert len(listed(hub)["items"]) == 1200


def test_import_while_the_hub_runs(world):
    hub = world.hub()  # running: both write hub.db, SQLite serialises them
    assert import_ok(hub, write(hub, "catalog.csv", GOOD)).startswith("catalog version 1")
    assert listed(hub) == {"version": 1, "items": GOOD_ITEMS}
    assert hub.proc.poll() is None, "the hub stopped:\n%s" % hub.log_text()
    assert hub.status()["running"] is True


def test_usage_errors(world):
    hub = world.hub(start=False)
    res = run_cli(HUB_BIN, "catalog", "import", hub.world.tmp / "x.csv")
    assert res.returncode == EX_USAGE and "--data is required" in res.stderr
    res = run_cli(HUB_BIN, "catalog", "import", "--data", hub.data)
    assert res.returncode == EX_USAGE and "which file?" in res.stderr
    res = run_cli(HUB_BIN, "catalog", "import", "--data", hub.data, hub.world.tmp / "none.csv")
    assert res.returncode == EX_NOINPUT
    assert "none.csv" in res.stderr and "No such file" in res.stderr
    res = run_cli(HUB_BIN, "catalog", "frob", "--data", hub.data)
    assert res.returncode == EX_USAGE and 'unknown subcommand "frob"' in res.stderr
    res = run_cli(HUB_BIN, "catalog", "--help")
    assert res.returncode == 0 and res.stdout.startswith("usage: tillnet-hub catalog import")
    res = run_cli(HUB_BIN, "catalog", "list", "--data", hub.data)
    assert res.returncode == 0 and "no catalog yet" in res.stdout
