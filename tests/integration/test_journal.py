# SPDX-License-Identifier: MIT
"""
The fiscal journal (docs/pos.md, "The journal"; docs/protocol.md,
"journal.append"): every sale gets the terminal's next gap-free number
<store>-<terminal>-<seq>, the previous record's SHA-256 and its own, and
moves the terminal's grand total; `tillnet-term journal verify` and
`tillnet-hub journal verify` prove it and name a tampered record. The hub
shows missing records as gaps until they arrive and raises an alert (the
needs-attention list, the audit log) for a broken chain, keeping the record.
"""
import hashlib
import json

from conftest import (HUB_BIN, SHOP_CATALOG, TERM_BIN, AdminClient, make_order, new_id, run_cli,
                      sqlite_write, wait_until)

STORE_CODE = "CORNER"  # derived from the store name the fixtures use, "Corner Shop"
GENESIS = "0" * 64
NEW_PASSWORD = "a much better password"


# ------------------------------------------------------------------ helpers

def money(minor):
    return "%s%d.%02d" % ("-" if minor < 0 else "", abs(minor) // 100, abs(minor) % 100)


def term_verify(term):
    return run_cli(TERM_BIN, "journal", "verify", "--data", term.data)


def term_journal(term):
    res = run_cli(TERM_BIN, "journal", "list", "--data", term.data, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def hub_verify(hub, *extra):
    return run_cli(HUB_BIN, "journal", "verify", "--data", hub.data, *extra)


def hub_journal(hub, *extra):
    res = run_cli(HUB_BIN, "journal", "list", "--data", hub.data, "--json", *extra)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def record_hash(rec):
    """The hashed text of docs/protocol.md, computed independently of the C code."""
    body = json.dumps(rec["record"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = "tillnet-journal-v1\n%d\n%s\n%s\n%s\n%d\n%d\n%d\n%s\n%s" % (
        rec["seq"], rec["number"], rec["kind"], rec["recordId"], rec["at"], rec["amount"],
        rec["grandTotal"], rec["prevHash"], body)
    return hashlib.sha256(text.encode()).hexdigest()


class RawJournal:
    """A terminal's journal made by hand, for a raw sync client to push."""

    def __init__(self, terminal_id, short_code):
        self.terminal_id = terminal_id
        self.short_code = short_code
        self.records = []

    def next(self, prev_hash=None, amount_delta=0):
        seq = len(self.records) + 1
        number = "%s-%s-%06d" % (STORE_CODE, self.short_code, seq)
        order = make_order(receipt=number, receipt_seq=seq)
        prev = self.records[-1] if self.records else None
        rec = {"seq": seq, "number": number, "kind": "sale", "recordId": new_id(),
               "at": order["completedAt"], "amount": order["total"],
               "grandTotal": (prev["grandTotal"] if prev else 0) + order["total"] + amount_delta,
               "prevHash": prev_hash or (prev["hash"] if prev else GENESIS), "record": order}
        rec["hash"] = record_hash(rec)
        self.records.append(rec)
        return rec

    def op(self, rec):
        return {"opId": new_id(), "kind": "journal.append", "entity": "journal",
                "entityId": self.terminal_id, "rev": rec["seq"], "at": rec["at"],
                "payload": rec}


def raw_shop(world):
    """An admin hub (owner password kept) with the catalog and one enrolled, stopped terminal."""
    hub = world.admin_hub()
    hub.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(hub, "raw", start=False)
    client = world.sync_client(hub, till)
    return hub, till, client, RawJournal(till.terminal_id(), client.welcome["shortCode"])


def owner_session(hub):
    c = AdminClient(hub)
    assert c.login("owner", hub.owner_password).status == 200
    assert c.change_password(hub.owner_password, NEW_PASSWORD).status == 200
    return c


def attention(owner, kind):
    res = owner.request("GET", "/api/v1/attention")
    assert res.status == 200, res
    return [i for i in res.body["items"] if i["kind"] == kind]


# -------------------------------------------------------------------- tests

def test_offline_sales_are_journaled_and_the_hub_gets_the_same_chain(world):
    hub, (t1, t2) = world.shop(["till1", "till2"])
    hub.stop()
    t1.wait_state("waiting")
    sales = [t1.sell("COF:1"), t1.sell("CRO:2", "WAT:1"), t1.sell("COF:3", pay=("cash:20",))]
    assert [s["receipt"] for s in sales] == ["CORNER-T01-000001", "CORNER-T01-000002",
                                             "CORNER-T01-000003"]
    assert [s["order"]["receiptSeq"] for s in sales] == [1, 2, 3]
    grand = sum(s["total"] for s in sales)

    res = term_verify(t1)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "journal verified: 3 records, grand total %s" % money(grand)
    local = term_journal(t1)
    assert [r["number"] for r in local] == [s["receipt"] for s in sales]
    assert [r["recordId"] for r in local] == [s["orderId"] for s in sales]
    assert [r["grandTotal"] for r in local] == [sum(s["total"] for s in sales[:n])
                                                for n in (1, 2, 3)]
    assert local[0]["prevHash"] == GENESIS
    for prev, rec in zip([None] + local, local):
        assert rec["hash"] == record_hash(rec), rec
        if prev:
            assert rec["prevHash"] == prev["hash"]
    assert local[1]["record"] == sales[1]["order"]

    hub.start()
    t1.wait_drained()
    at_hub = wait_until("the hub to hold 3 journal records", lambda: hub_journal(hub),
                        lambda rows: len(rows) == 3)
    res = hub_verify(hub)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "T01: 3 records, grand total %s, chain verified" % money(grand)
    assert [(r["seq"], r["hash"], r["grandTotal"]) for r in at_hub] == [
        (r["seq"], r["hash"], r["grandTotal"]) for r in local]
    assert all(r["terminal"] == "T01" and r["terminalId"] == t1.terminal_id() for r in at_hub)
    # By short code or by id; a terminal with no journal yet is complete, trivially.
    assert hub_verify(hub, "--terminal", "t01").returncode == 0
    res = hub_verify(hub, "--terminal", t2.terminal_id())
    assert res.returncode == 0 and res.stdout.strip() == (
        "T02: 0 records, grand total 0.00, chain verified"), res.stdout
    assert hub_verify(hub, "--terminal", "T09").returncode == 64
    # The other terminal mirrors the sales and quietly ignores the journal's events.
    wait_until("till2 to mirror the 3 sales",
               lambda: [o for o in t2.orders() if o["origin"] == t1.terminal_id()],
               lambda o: len(o) == 3)
    assert "does not know" not in t2.log_text()
    # The sale and its journal record travel as two ops: both settled, nothing parked.
    assert t1.outbox()["parked"] == 0 and hub.conflicts() == []


def test_a_tampered_row_fails_verification_and_is_named(world):
    hub, [till] = world.shop(["till"])
    sales = [till.sell("COF:1"), till.sell("CRO:1"), till.sell("WAT:2")]
    till.wait_drained()
    wait_until("3 journal records at the hub", lambda: hub_journal(hub), lambda r: len(r) == 3)
    assert term_verify(till).returncode == 0
    assert hub_verify(hub).returncode == 0

    # An amount changed on the terminal: the row's hash no longer matches.
    till.db_write("UPDATE journal SET amount = amount - 50 WHERE seq = 2")
    res = term_verify(till)
    assert res.returncode == 1, res.stdout
    assert "record 2 (CORNER-T01-000002): its hash does not match its content" in res.stdout
    till.db_write("UPDATE journal SET amount = amount + 50 WHERE seq = 2")
    assert term_verify(till).returncode == 0
    # The record's document changed (a line's price): the same, on record 1.
    [(body,)] = till.db_rows("SELECT body FROM journal WHERE seq = 1")
    assert '"unitPrice":250' in body, body
    till.db_write("UPDATE journal SET body = ? WHERE seq = 1",
                  body.replace('"unitPrice":250', '"unitPrice":25'))
    res = term_verify(till)
    assert res.returncode == 1
    assert "record 1 (CORNER-T01-000001): its hash does not match its content" in res.stdout
    # A row deleted: the gap is named.
    till.db_write("UPDATE journal SET body = ? WHERE seq = 1", body)
    assert term_verify(till).returncode == 0
    till.db_write("DELETE FROM journal WHERE seq = 2")
    res = term_verify(till)
    assert res.returncode == 1 and "record 3 (CORNER-T01-000003): expected seq 2" in res.stdout

    # At the hub: an amount and its grand total changed together, rehash not possible.
    sqlite_write(hub.data / "hub.db", "UPDATE journal SET amount = 1, grand_total = "
                 "grand_total - ? + 1 WHERE seq = 3", sales[2]["total"])
    res = hub_verify(hub)
    assert res.returncode == 1, res.stdout
    assert "T01: 3 records" in res.stdout and "chain NOT verified" in res.stdout
    assert "T01: record 3 (CORNER-T01-000003): its hash does not match its content" in res.stdout


def test_a_missing_record_is_a_gap_until_it_arrives(world):
    hub, till, client, journal = raw_shop(world)
    r1, r2, r3 = journal.next(), journal.next(), journal.next()
    results = client.push([journal.op(r1), journal.op(r3)])
    assert [r["result"] for r in results] == ["applied", "applied"], results

    res = hub_verify(hub)
    assert res.returncode == 1
    assert res.stdout.strip() == "T01: 2 records, grand total %s, missing 2" % money(
        r3["grandTotal"]), res.stdout
    owner = owner_session(hub)
    gaps = attention(owner, "journal-gap")
    assert len(gaps) == 1, gaps
    assert (gaps[0]["terminal"], gaps[0]["code"], gaps[0]["detail"]["from"],
            gaps[0]["detail"]["to"]) == ("T01", "missing", 2, 2), gaps[0]
    assert attention(owner, "journal-broken") == []

    results = client.push([journal.op(r2)])
    assert results[0]["result"] == "applied", results
    res = hub_verify(hub)
    assert res.returncode == 0, res.stdout
    assert res.stdout.strip() == "T01: 3 records, grand total %s, chain verified" % money(
        r3["grandTotal"])
    assert attention(owner, "journal-gap") == []
    assert attention(owner, "journal-broken") == []
    client.close()


def test_a_broken_chain_is_kept_and_raises_an_alert(world):
    hub, till, client, journal = raw_shop(world)
    r1 = journal.next()
    r2 = journal.next(prev_hash="ab" * 32)  # its own hash is right, its link is not
    r3 = journal.next()
    results = client.push([journal.op(r1), journal.op(r2), journal.op(r3)])
    assert [r["result"] for r in results] == ["applied"] * 3, results

    # Kept as evidence, with its hub sequence.
    rows = hub.db_rows("SELECT seq, prev_hash, hub_seq FROM journal ORDER BY seq")
    assert [(s, p) for s, p, _ in rows] == [(1, GENESIS), (2, "ab" * 32), (3, r2["hash"])]
    assert [h for _, _, h in rows] == [r["seq"] for r in results]
    owner = owner_session(hub)
    broken = attention(owner, "journal-broken")
    assert len(broken) == 1, broken
    b = broken[0]
    assert (b["terminal"], b["code"], b["receipt"], b["orderId"]) == (
        "T01", "chain-broken", r2["number"], r2["recordId"]), b
    assert "record 2 (CORNER-T01-000002)" in b["message"] and "chain is broken" in b["message"]
    audited = [e for e in hub.audit() if e["action"] == "journal.alert"]
    assert [(e["actor"], e["subject"], e["detail"]["code"]) for e in audited] == [
        ("hub", r2["number"], "chain-broken")], audited
    res = hub_verify(hub)
    assert res.returncode == 1
    assert "T01: record 2 (CORNER-T01-000002): its prevHash" in res.stdout

    # A record whose hash does not match what it says: kept, alerted.
    r4 = journal.next()
    r4["hash"] = "cd" * 32  # not the hash of its content
    [res4] = client.push([journal.op(r4)])
    assert res4["result"] == "applied", res4
    codes = [i["code"] for i in attention(owner, "journal-broken")]
    assert codes == ["chain-broken", "hash-mismatch"], codes
    client.close()


def test_records_that_cannot_be_journal_records_are_refused(world):
    hub, till, client, journal = raw_shop(world)
    r1 = journal.next()

    def push_one(op):
        [r] = client.push([op])
        return r

    wrong_number = journal.op(dict(r1, number="SHOP-T01-000001"))
    res = push_one(wrong_number)
    assert (res["result"], res["code"], res["field"]) == ("rejected", "bad-field",
                                                          "payload.number"), res
    assert "CORNER-T01-000001" in res["message"]
    real = journal.op(r1)
    real["payload"] = dict(r1, amount=float(r1["amount"]))
    res = push_one(real)
    assert (res["result"], res["field"]) == ("rejected", "payload.amount"), res
    assert "not a real number" in res["message"]
    other = journal.op(r1)
    other["entityId"] = new_id()
    res = push_one(other)
    assert (res["result"], res["field"]) == ("rejected", "entityId"), res
    bad_rev = journal.op(r1)
    bad_rev["rev"] = 2
    assert push_one(bad_rev)["field"] == "rev"
    not_total = journal.op(dict(r1, amount=r1["amount"] + 1))
    assert push_one(not_total)["field"] == "payload.amount"
    assert push_one(journal.op(r1))["result"] == "applied"
    # A second, different record 1: the first stands.
    again = dict(r1, recordId=new_id())
    again["hash"] = record_hash(again)
    res = push_one(journal.op(again))
    assert (res["result"], res["code"]) == ("conflict", "seq-taken"), res
    assert hub.db_rows("SELECT record_id FROM journal") == [(r1["recordId"],)]
    assert hub_verify(hub).returncode == 0
    client.close()


def test_store_code_from_init_reaches_receipts(world):
    # Derived from the store's name by default, and written to hub.conf.
    hub = world.hub(start=False)
    assert "code = CORNER" in (hub.data / "hub.conf").read_text()
    res = hub_verify(hub)
    assert res.returncode == 0 and res.stdout.strip() == "no journal records received yet"
    # Given with --store-code: init prints it, enrollment hands it to terminals.
    h3 = type(hub)(world, "hub3", "Zed")
    res = h3.cli("init", "--data", h3.data, "--store", "Zed", "--store-code", "ZED24",
                 "--advertise", "127.0.0.1", "--sync-port", h3.sync_port, "--admin-port",
                 h3.admin_port)
    assert res.returncode == 0, res.stderr
    assert "store code:      ZED24" in res.stdout
    assert "code = ZED24" in (h3.data / "hub.conf").read_text()
    bad = h3.cli("init", "--data", world.tmp / "hub4", "--store", "X", "--store-code", "zed")
    assert bad.returncode == 64 and "--store-code \"zed\"" in bad.stderr
    h3.start()
    h3.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(h3, "till")
    till.wait_catalog()
    assert "store_code = ZED24" in till.file("term.conf").read_text()
    sale = till.sell("COF:1")
    assert sale["receipt"] == "ZED24-T01-000001"
    till.wait_drained()
    wait_until("the record at the hub", lambda: hub_journal(h3), lambda r: len(r) == 1)
    assert hub_verify(h3).returncode == 0
