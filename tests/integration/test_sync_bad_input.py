# SPDX-License-Identifier: MIT
"""
What the hub does with bad sync input (docs/sync-spec-draft.md): a raw
client holding a real enrolled terminal's certificate sends replays, writes
it may not make, malformed messages and bad ops. After each, a healthy
terminal still gets a sale to the hub, and the hub stored only what it
answered `applied` for.
"""
import copy
import json
import types

import pytest

from conftest import make_line, make_op, make_order, new_id, wait_until

CLOSE_BAD_MESSAGE = 4400
CLOSE_TOO_BIG = 1009


@pytest.fixture
def store(world):
    """A hub with the shop's catalog, a running healthy till (T01), a raw client's till (T02)."""
    hub, (healthy,) = world.shop(["healthy"])
    raw = world.enrolled_terminal(hub, "raw", start=False)
    s = types.SimpleNamespace(hub=hub, healthy=healthy, raw=raw, world=world)
    s.connect = lambda: world.sync_client(hub, raw)
    return s


def counts(hub):
    """(orders, events) at the hub."""
    return len(hub.orders()), hub.event_seq()


def assert_healthy(store):
    """The hub still runs and relays: a sale on the healthy till reaches it."""
    assert store.hub.proc.poll() is None, "the hub died:\n%s" % store.hub.log_text()[-3000:]
    sale = store.healthy.sell("COF:1")
    wait_until("the healthy till's sale %s at the hub" % sale["receipt"],
               lambda: store.hub.order(sale["orderId"]), procs=[store.hub.proc])
    store.healthy.wait_drained()
    return sale


def results_of(results):
    return [(r["result"], r["code"], r.get("field")) for r in results]


def test_replayed_push_is_duplicate_and_reused_op_id_a_conflict(store):
    hub = store.hub
    c = store.connect()
    ops = [c.sale([make_line("COF", qty=1000 * (i + 1))]) for i in range(3)]
    first = c.push(ops)
    assert results_of(first) == [("applied", "applied", None)] * 3, first
    assert [r["opId"] for r in first] == [op["opId"] for op in ops]
    seqs = [r["seq"] for r in first]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
    before = counts(hub)
    stored = {op["entityId"]: hub.order(op["entityId"]) for op in ops}
    assert stored[ops[2]["entityId"]]["total"] == 750

    again = c.push(ops)
    assert [(r["result"], r["code"], r["seq"], r["opId"]) for r in again] == [
        ("duplicate", "same-op", s, op["opId"]) for s, op in zip(seqs, ops)], again
    # Same content is kind, entity, entityId, rev and payload: another `at`, another
    # member order, another session: still the same op.
    replay = []
    for op in ops:
        r = dict(reversed(list(copy.deepcopy(op).items())))
        r["at"] += 5000
        replay.append(r)
    c2 = store.connect()
    assert [(r["result"], r["seq"]) for r in c2.push(replay)] == [("duplicate", s)
                                                                   for s in seqs]
    assert counts(hub) == before
    assert_healthy(store)

    # The same op id with another payload: the first stands.
    before = counts(hub)
    reused = copy.deepcopy(ops[0])
    reused["payload"] = make_order([make_line("WAT")], receipt=ops[0]["payload"]["receipt"],
                                   receipt_seq=1)
    [r] = c.push([reused])
    assert (r["result"], r["code"], r["field"], r["opId"]) == (
        "conflict", "op-id-reused", "opId", reused["opId"]), r
    assert "seq" not in r and str(seqs[0]) in r["message"], r
    assert counts(hub) == before
    for op in ops:
        assert hub.order(op["entityId"]) == stored[op["entityId"]]
    conflict = hub.conflicts()[-1]
    assert (conflict["code"], conflict["opId"], conflict["orderId"]) == (
        "op-id-reused", reused["opId"], reused["entityId"]), conflict
    assert conflict["op"] == reused
    assert conflict["stored"]["lines"] == ops[0]["payload"]["lines"], conflict
    assert_healthy(store)


def test_writes_the_hub_refuses_by_owner_revision_and_completion(store):
    hub = store.hub
    c = store.connect()
    # Another terminal's sale: T02 may not write it.
    theirs = store.healthy.sell("COF:1")
    store.healthy.wait_drained()
    stored = hub.order(theirs["orderId"])
    before = counts(hub)
    put = make_op(make_order([make_line("WAT")], receipt="T02-000099", receipt_seq=99),
                  entity_id=theirs["orderId"], rev=2)
    [r] = c.push([put])
    assert (r["result"], r["code"], r.get("field")) == ("conflict", "not-owner", None), r
    assert store.healthy.terminal_id() in r["message"], r
    assert hub.order(theirs["orderId"]) == stored and counts(hub) == before
    assert_healthy(store)

    # Its own cart at rev 3; a put at rev 3 or 2 is stale.
    cart = make_op(make_order([make_line("CRO")], status="parked"), rev=3)
    assert results_of(c.push([cart])) == [("applied", "applied", None)]
    stored_cart = hub.order(cart["entityId"])
    before = counts(hub)
    stale = [make_op(make_order([make_line("COF")], status="parked"), entity_id=cart["entityId"],
                     rev=rev) for rev in (3, 2)]
    res = c.push(stale)
    assert results_of(res) == [("conflict", "stale-revision", None)] * 2, res
    assert "rev 3 is not above the stored revision 3" in res[0]["message"], res
    assert hub.order(cart["entityId"]) == stored_cart and counts(hub) == before
    # rev 4 is the owner's next revision: applied.
    newer = make_op(make_order([make_line("COF")], status="parked"), entity_id=cart["entityId"],
                    rev=4)
    assert results_of(c.push([newer])) == [("applied", "applied", None)]
    assert hub.order(cart["entityId"])["lines"][0]["sku"] == "COF"
    assert_healthy(store)

    # A completed order never changes, even with a higher revision.
    sale = c.sale()
    assert results_of(c.push([sale])) == [("applied", "applied", None)]
    stored_sale = hub.order(sale["entityId"])
    before = counts(hub)
    change = make_op(make_order([make_line("WAT")], receipt=sale["payload"]["receipt"],
                                receipt_seq=sale["payload"]["receiptSeq"]),
                     entity_id=sale["entityId"], rev=2)
    release = make_op(kind="order.release", entity_id=sale["entityId"], rev=3)
    unknown = make_op(kind="order.release", rev=2)
    res = c.push([change, release, unknown])
    assert results_of(res) == [("conflict", "order-completed", None),
                               ("conflict", "order-completed", None),
                               ("rejected", "unknown-order", "entityId")], res
    assert hub.order(sale["entityId"]) == stored_sale and counts(hub) == before
    assert hub.order(unknown["entityId"]) is None

    refused = hub.conflicts()
    assert [(x["code"], x["opId"]) for x in refused] == [
        ("not-owner", put["opId"]), ("stale-revision", stale[0]["opId"]),
        ("stale-revision", stale[1]["opId"]), ("order-completed", change["opId"]),
        ("order-completed", release["opId"]), ("unknown-order", unknown["opId"])]
    by_op = {x["opId"]: x for x in refused}
    assert by_op[put["opId"]]["op"] == put
    assert by_op[put["opId"]]["stored"]["receipt"] == theirs["receipt"]
    assert by_op[stale[0]["opId"]]["stored"]["lines"][0]["sku"] == "CRO"
    assert by_op[change["opId"]]["stored"]["status"] == "completed"
    assert all(x["terminalCode"] == "T02" for x in refused)
    assert_healthy(store)


def push_of(n_ops):
    return json.dumps({"type": "push", "ops": [{"opId": new_id()} for _ in range(n_ops)]})


# Framing errors: one error message, then the session ends (close 4400 or 1009).
FRAMING = [
    ("malformed JSON", '{"type": "push", "ops": [', "bad-json", None, CLOSE_BAD_MESSAGE),
    ("push without ops", '{"type": "push"}', "bad-field", "ops", CLOSE_BAD_MESSAGE),
    ("ops an object", '{"type": "push", "ops": {"opId": "x"}}', "bad-field", "ops",
     CLOSE_BAD_MESSAGE),
    ("ops a string", '{"type": "push", "ops": "[]"}', "bad-field", "ops", CLOSE_BAD_MESSAGE),
    ("ops empty", '{"type": "push", "ops": []}', "bad-field", "ops", CLOSE_BAD_MESSAGE),
    ("501 ops", push_of(501), "too-many-ops", "ops", CLOSE_BAD_MESSAGE),
    ("over 1 MiB", json.dumps({"type": "push", "ops": [make_op()], "pad": "x" * (1 << 20)}),
     "too-big", None, CLOSE_TOO_BIG),
]


def test_framing_errors_end_the_session(store):
    hub = store.hub
    before = counts(hub)
    for what, text, code, field, close in FRAMING:
        c = store.connect()
        c.send_text(text)
        err = c.error()
        assert (err["code"], err.get("field")) == (code, field), (what, err)
        assert err["message"], (what, err)
        c.end(close)
        assert counts(hub) == before, what
        assert_healthy(store)
        before = counts(hub)
    assert hub.conflicts() == []
    # 500 ops is the limit, not an error: answered one result each.
    c = store.connect()
    ops = [c.sale() for _ in range(500)]
    res = c.push(ops)
    assert {r["result"] for r in res} == {"applied"}
    assert counts(hub) == (before[0] + 500, before[1] + 500)


def test_unknown_type_keeps_the_session(store):
    c = store.connect()
    c.send({"type": "frobnicate", "ops": [make_op()]})
    err = c.error()
    assert (err["code"], err["field"]) == ("unknown-type", "type"), err
    assert_healthy(store)
    before = counts(store.hub)
    sale = c.sale()
    assert results_of(c.push([sale])) == [("applied", "applied", None)]
    assert counts(store.hub) == (before[0] + 1, before[1] + 1)
    assert store.hub.order(sale["entityId"])["ownerCode"] == "T02"


def test_bad_cursor_and_claim_are_refused_and_the_session_stays(store):
    hub = store.hub
    c = store.connect()
    before = counts(hub)
    for msg, field in [({"type": "cursor", "seq": 1.5}, "seq"),
                       ({"type": "cursor", "seq": "3"}, "seq"),
                       ({"type": "cursor", "seq": -1}, "seq"),
                       ({"type": "cursor"}, "seq"),
                       ({"type": "claim", "requestId": new_id(), "orderId": "order-1"},
                        "orderId"),
                       ({"type": "claim", "requestId": new_id(), "orderId": 42}, "orderId"),
                       ({"type": "claim", "orderId": new_id()}, "requestId")]:
        c.send(msg)
        err = c.error()
        assert (err["code"], err["field"]) == ("bad-field", field), (msg, err)
        assert_healthy(store)
    # Still the same session: a good claim is answered.
    request = new_id()
    c.send({"type": "claim", "requestId": request, "orderId": new_id()})
    answer = c.recv()
    assert answer["type"] == "claimResult" and answer["requestId"] == request, answer
    assert (answer["result"], answer["code"]) == ("refused", "unknown-order"), answer
    assert counts(hub)[0] == before[0] + 7  # the healthy till's sales only


def bad_ops():
    """(what, op, expected result code, expected field, words in the message)."""
    out = []

    def op_with(change, lines=None):
        op = make_op(make_order(lines or [make_line("COF")], receipt=None, status="parked"))
        change(op)
        return op

    for qty in (0, -1):
        line = make_line("COF")
        line["qty"] = qty
        out.append(("qty %d" % qty, op_with(lambda op: None, [line]), "bad-field",
                    "payload.lines[0].qty", "out of range"))
    out.append(("unknown SKU", op_with(lambda op: None, [make_line("NOPE")]), "unknown-sku",
                "payload.lines[0].sku", "NOPE"))

    def real_total(op):
        op["payload"]["total"] = float(op["payload"]["total"])
    out.append(("total a real number", op_with(real_total), "bad-field", "payload.total",
                "expected an integer"))
    line = make_line("COF")
    line["unitPrice"] = 250.0
    out.append(("unitPrice a real number", op_with(lambda op: None, [line]), "bad-field",
                "payload.lines[0].unitPrice", "expected an integer"))
    line = make_line("COF", qty=2000)
    line["lineTotal"] += 1
    out.append(("wrong lineTotal", op_with(lambda op: None, [line]), "bad-total",
                "payload.lines[0].lineTotal", "500"))

    def no_uuid(op):
        op["opId"] = "op-1"
    out.append(("opId not a UUID", op_with(no_uuid), "bad-field", "opId", "UUID"))

    def other_kind(op):
        op["kind"] = "order.delete"
    out.append(("unknown kind", op_with(other_kind), "bad-field", "kind", "order.delete"))

    def rev_real(op):
        op["rev"] = 1.0
    out.append(("rev a real number", op_with(rev_real), "bad-field", "rev", ""))
    return out


def test_bad_ops_are_rejected_alone_with_their_field(store):
    hub = store.hub
    c = store.connect()
    cases = bad_ops()
    for what, op, code, field, words in cases:
        before = counts(hub)
        good1, good2 = c.sale(), c.sale()
        res = c.push([good1, op, good2])
        assert [r["result"] for r in res] == ["applied", "rejected", "applied"], (what, res)
        r = res[1]
        assert (r["code"], r["field"], r["opId"]) == (code, field, op["opId"]), (what, r)
        assert words in r["message"] and r["message"].startswith(field), (what, r)
        assert "seq" not in r
        # Nothing half-stored: exactly the two good ones.
        assert counts(hub) == (before[0] + 2, before[1] + 2), what
        assert hub.order(op["entityId"]) is None, what
        assert hub.order(good2["entityId"])["receipt"] == good2["payload"]["receipt"]
        last = hub.conflicts()[-1]
        assert (last["result"], last["code"], last["field"]) == ("rejected", code, field), last
        assert last["op"] == op and last["stored"] is None, last
        assert_healthy(store)

    # All of them in one push, in order, each judged alone.
    before = counts(hub)
    ops = [op for _, op, _, _, _ in cases]
    for op in ops:
        if op["opId"] != "op-1":
            op["opId"] = new_id()
    good = c.sale()
    res = c.push(ops[:4] + [good] + ops[4:])
    expect = [("rejected", code, field) for _, _, code, field, _ in cases]
    assert results_of(res) == expect[:4] + [("applied", "applied", None)] + expect[4:], res
    assert counts(hub) == (before[0] + 1, before[1] + 1)
    assert_healthy(store)


def test_upper_case_ids_are_refused(store):
    """opId and entityId are UUIDs "36 characters, lower case" (the spec's op table)."""
    hub = store.hub
    c = store.connect()
    before = counts(hub)
    upper_op = c.sale()
    upper_op["opId"] = upper_op["opId"].upper()
    upper_entity = c.sale()
    upper_entity["entityId"] = upper_entity["entityId"].upper()
    res = c.push([upper_op, upper_entity])
    assert results_of(res) == [("rejected", "bad-field", "opId"),
                               ("rejected", "bad-field", "entityId")], res
    assert counts(hub) == before
    assert_healthy(store)
