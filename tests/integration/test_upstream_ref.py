# SPDX-License-Identifier: MIT
"""
The reference upstream, tillnet-upstream-ref (tests/upstream): the wire
contract of docs/upstream-api.md and every misbehaviour it can be told to
show. The hub's forwarder is tested against it elsewhere; here it is held to
the contract on its own, over real HTTP and HTTPS on 127.0.0.1.
"""
import http.client
import threading
import time

import pytest

from conftest import (DEADLINE, EX_USAGE, UPSTREAM_BIN, make_test_tls, new_id, run_cli,
                      upstream_batch, upstream_record, wait_until)


@pytest.fixture
def up(world):
    return world.upstream()


def splitmix64_draws(seed, n):
    """The generator of tests/upstream/upref_faults.c: n draws mod 100."""
    mask = (1 << 64) - 1
    state, out = seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append((z ^ (z >> 31)) % 100)
    return out


# ------------------------------------------------------------ the happy path

def test_accepts_records_and_gives_each_a_reference(up):
    recs = [upstream_record(seq=i, total=100 * i) for i in (1, 2, 3)]
    status, headers, body = up.sync(recs)
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    refs = {r["id"]: r["ref"] for r in body["results"]}
    assert all(r["result"] == "accepted" for r in body["results"]), body
    assert set(refs) == {r["id"] for r in recs}
    assert len(set(refs.values())) == 3 and all(v.startswith("UP-") for v in refs.values())

    stored = up.records()
    assert [s["id"] for s in stored] == [r["id"] for r in recs]  # arrival order
    assert [s["ref"] for s in stored] == [refs[r["id"]] for r in recs]
    assert stored[0]["record"] == recs[0]
    assert stored[0]["receipt"] == "T01-000001" and stored[0]["kind"] == "sale"
    stats = up.stats()
    assert stats["records"] == 3 and stats["batches"] == 1 and stats["requests"] == 1
    assert stats["byResult"] == {"accepted": 3, "duplicate": 0, "rejected": 0, "conflict": 0}
    assert stats["http"] == {"200": 1}
    assert stats["totals"] == {"T01": 600}


def test_replay_is_duplicate_with_the_first_reference_even_after_a_restart(up):
    rec = upstream_record()
    first = up.results([rec])[rec["id"]]
    assert first["result"] == "accepted"
    # A new batch id for the same record: idempotency is per record id.
    again = up.results([rec])[rec["id"]]
    assert again == {"id": rec["id"], "result": "duplicate", "ref": first["ref"]}
    assert up.stop() == 0
    up.start()
    assert up.results([rec])[rec["id"]]["ref"] == first["ref"]
    assert up.stats()["records"] == 1


def test_id_reused_with_other_content_is_a_conflict_and_the_first_stays(up):
    rec = upstream_record(total=250)
    first = up.results([rec])[rec["id"]]
    other = dict(rec, payload={"status": "completed", "total": 999})
    res = up.results([other])[rec["id"]]
    assert res["result"] == "conflict" and res["code"] == "id-reused", res
    assert res["ref"] == first["ref"] and res["message"]
    assert [s["record"]["payload"]["total"] for s in up.records()] == [250]
    assert up.stats()["totals"] == {"T01": 250}


def test_a_refund_waits_for_its_sale(up):
    sale = upstream_record(seq=1)
    refund = upstream_record(kind="refund", seq=2, total=-250, depends_on=sale["id"])
    res = up.results([refund])[refund["id"]]
    assert res["result"] == "rejected" and res["code"] == "unknown-dependency", res
    assert up.results([sale])[sale["id"]]["result"] == "accepted"
    assert up.results([refund])[refund["id"]]["result"] == "accepted"
    # Only sales count in the totals.
    assert up.stats()["totals"] == {"T01": 250}


# ------------------------------------------------------ whole-request errors

def test_a_wrong_or_missing_token_is_401(up):
    rec = upstream_record()
    status, headers, body = up.sync([rec], token="not-the-token")
    assert status == 401 and body["error"]["code"] == "unauthorized", body
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, _ = up.request("GET", "/stats", token=False)
    assert status == 401
    assert up.stats()["records"] == 0


def test_a_new_token_replaces_the_old(up):
    up.control(token="rotated")
    status, _, _ = up.sync([upstream_record()])
    assert status == 401
    status, _, body = up.sync([upstream_record()], token="rotated")
    assert status == 200, body


def test_fail401_once_refuses_one_good_request(up):
    up.control(fail401Once=True)
    rec = upstream_record()
    status, _, body = up.sync([rec])
    assert status == 401 and body["error"]["code"] == "token-expired", body
    assert up.results([rec])[rec["id"]]["result"] == "accepted"


def test_fail503_answers_503_with_retry_after_then_recovers(up):
    up.control(fail503ForMs=1500)
    rec = upstream_record()
    status, headers, body = up.sync([rec])
    assert status == 503 and headers["Retry-After"] == "1", (status, headers)
    assert body["error"]["code"] == "unavailable"
    assert up.records() == []
    wait_until("a 200 once fail503ForMs is over", lambda: up.sync([rec])[0],
               lambda s: s == 200, procs=[up.proc])
    assert up.stats()["http"]["503"] >= 1


def test_fail429_answers_429_with_the_given_retry_after_then_recovers(up):
    # Without retryAfter: "1" second.
    up.control(fail429ForMs=60000)
    rec = upstream_record()
    status, headers, body = up.sync([rec])
    assert status == 429 and headers["Retry-After"] == "1", (status, headers)
    assert body["error"]["code"] == "too-many-requests", body
    date = "Wed, 21 Oct 2037 07:28:00 GMT"
    assert up.control(retryAfter=date)["retryAfter"] == date
    status, headers, _ = up.sync([rec])
    assert status == 429 and headers["Retry-After"] == date, (status, headers)
    up.control(retryAfter="7")
    assert up.sync([rec])[1]["Retry-After"] == "7"
    assert up.records() == []
    assert up.control(fail429ForMs=0)["fail429ForMs"] == 0
    assert up.results([rec])[rec["id"]]["result"] == "accepted"
    assert up.stats()["http"]["429"] == 3
    status, _, body = up.request("POST", "/control", {"retryAfter": "two\nlines"})
    assert status == 400 and body["error"]["field"] == "retryAfter", body
    status, _, body = up.request("POST", "/control", {"fail429ForMs": -1})
    assert status == 400 and body["error"]["field"] == "fail429ForMs", body


def test_fail503_from_the_command_line(world):
    up = world.upstream(start=False, args=["--fail503-for-ms", "60000"])
    up.start()
    assert up.sync([upstream_record()])[0] == 503
    up.control(reset=True)
    assert up.sync([upstream_record()])[0] == 200


def test_random500_follows_its_seed(up):
    expected = [500 if d < 30 else 200 for d in splitmix64_draws(42, 20)]
    assert 500 in expected and 200 in expected
    up.control(random500Percent=30, seed=42)
    seen = [up.sync([upstream_record()])[0] for _ in range(20)]
    assert seen == expected
    # The same seed again: the same failures; the 500s stored nothing.
    up.control(random500Percent=30, seed=42)
    assert [up.sync([upstream_record()])[0] for _ in range(20)] == expected
    assert up.stats()["records"] == 2 * expected.count(200)


def test_random500_seed_from_the_command_line(world):
    up = world.upstream(start=False, args=["--random500-percent", "50", "--seed", "7"])
    up.start()
    expected = [500 if d < 50 else 200 for d in splitmix64_draws(7, 10)]
    assert [up.sync([upstream_record()])[0] for _ in range(10)] == expected


def test_bad_bodies_are_400_naming_the_field(up):
    status, _, body = up.request("POST", "/batch-sync", "{not json",
                                 {"Idempotency-Key": new_id()})
    assert status == 400 and body["error"]["code"] == "bad-json", body

    rec = upstream_record()
    del rec["kind"]
    status, _, body = up.sync([upstream_record(), rec])
    assert status == 400, body
    assert body["error"]["code"] == "missing-field"
    assert body["error"]["field"] == "records[1].kind"
    assert "records[1].kind" in body["error"]["message"]

    status, _, body = up.sync([upstream_record(record_id="T01-000001")])
    assert status == 400 and body["error"]["field"] == "records[0].id", body

    status, _, body = up.sync([upstream_record(kind="gift")])
    assert status == 400 and body["error"]["field"] == "records[0].kind", body

    batch = upstream_batch([upstream_record()])
    batch["sentAt"] = "yesterday"
    status, _, body = up.request("POST", "/batch-sync", batch,
                                 {"Idempotency-Key": batch["batchId"]})
    assert status == 400 and body["error"]["field"] == "sentAt", body

    status, _, body = up.sync([upstream_record()], headers={"Idempotency-Key": new_id()})
    assert status == 400 and body["error"]["field"] == "Idempotency-Key", body

    status, _, body = up.sync([upstream_record()], headers={"Content-Type": "text/plain"})
    assert status == 415, body

    twice = upstream_record()
    status, _, body = up.sync([twice, twice])
    assert status == 400 and body["error"]["code"] == "duplicate-id", body
    assert up.stats()["records"] == 0  # nothing half-stored


def test_money_as_a_real_is_rejected_naming_the_field(up):
    good = upstream_record(seq=1)
    real = upstream_record(seq=2, payload={"status": "completed", "total": 2.5})
    res = up.results([good, real])
    assert res[good["id"]]["result"] == "accepted"
    assert res[real["id"]]["result"] == "rejected", res
    assert res[real["id"]]["code"] == "money-not-integer"
    assert res[real["id"]]["field"] == "payload.total"
    assert "payload.total" in res[real["id"]]["message"]
    assert [s["id"] for s in up.records()] == [good["id"]]


def test_too_large_is_413(up):
    status, _, body = up.sync([upstream_record(seq=i) for i in range(1, 1002)])
    assert status == 413 and body["error"]["code"] == "too-many-records", body
    big = upstream_record(payload={"total": 1, "note": "x" * (9 * 1024 * 1024)})
    status, _, body = up.sync([big])
    assert status == 413 and body["error"]["code"] == "too-big", body
    assert up.stats()["records"] == 0


# ------------------------------------------------------------ record rules

def test_reject_rule_rejects_matching_records_only(up):
    recs = [upstream_record(seq=i) for i in (1, 2, 3)]
    up.control(reject={"field": "receipt", "equals": "T01-000003", "code": "bad-receipt",
                       "message": "receipt 3 is refused"})
    res = up.results(recs)
    assert [res[r["id"]]["result"] for r in recs] == ["accepted", "accepted", "rejected"]
    assert res[recs[2]["id"]]["code"] == "bad-receipt"
    assert res[recs[2]["id"]]["message"] == "receipt 3 is refused"
    up.control(reject=None)
    assert up.results([recs[2]])[recs[2]["id"]]["result"] == "accepted"


def test_conflict_rule_on_an_integer_path(up):
    up.control(conflict={"field": "payload.total", "equals": 777, "code": "price-mismatch"})
    hit, miss = upstream_record(seq=1, total=777), upstream_record(seq=2, total=778)
    res = up.results([hit, miss])
    assert res[hit["id"]]["result"] == "conflict" and res[hit["id"]]["code"] == "price-mismatch"
    assert res[miss["id"]]["result"] == "accepted"
    stats = up.stats()
    assert stats["byResult"]["conflict"] == 1 and stats["byResult"]["accepted"] == 1


def test_rule_paths_index_arrays(up):
    up.control(reject={"field": "payload.lines[1].sku", "equals": "WAT", "code": "no-water"})
    lines = [{"sku": "COF", "lineTotal": 250}, {"sku": "WAT", "lineTotal": 100}]
    water = upstream_record(seq=1, payload={"total": 350, "lines": lines})
    coffee = upstream_record(seq=2, payload={"total": 250, "lines": lines[:1]})
    res = up.results([water, coffee])
    assert res[water["id"]]["code"] == "no-water" and res[coffee["id"]]["result"] == "accepted"
    deep = upstream_record(seq=3, payload={"total": 1, "refundOf": {"total": 0.5}})
    res = up.results([deep])[deep["id"]]
    assert res["code"] == "money-not-integer" and res["field"] == "payload.refundOf.total", res


def test_control_refuses_unknown_and_bad_fields(up):
    status, _, body = up.request("POST", "/control", {"fail503Ms": 10})
    assert status == 400 and body["error"]["field"] == "fail503Ms", body
    status, _, body = up.request("POST", "/control", {"reject": {"field": "receipt"}})
    assert status == 400 and body["error"]["field"] == "reject.equals", body
    status, _, body = up.request("POST", "/control", {"delayMs": -1, "dropNext": 1})
    assert status == 400 and body["error"]["field"] == "delayMs", body
    assert up.control()["dropNext"] == 0  # the bad body changed nothing


# ------------------------------------------------- slow and broken answers

def test_delay_does_not_block_other_requests(up):
    up.control(delayMs=3000)
    rec = upstream_record()
    answer = {}

    def slow():
        start = time.monotonic()
        answer["result"] = up.sync([rec])
        answer["seconds"] = time.monotonic() - start

    t = threading.Thread(target=slow)
    t.start()
    try:
        # The batch is stored on arrival; only its answer waits.
        wait_until("the delayed batch to be stored", lambda: up.stats()["records"] == 1,
                   procs=[up.proc])
        assert t.is_alive(), "the delayed answer came early: %r" % answer
    finally:
        t.join(timeout=DEADLINE)
    assert not t.is_alive()
    status, _, body = answer["result"]
    assert status == 200 and body["results"][0]["result"] == "accepted", body
    assert answer["seconds"] >= 2.9, answer


def test_drop_next_stores_then_breaks_the_answer(up):
    recs = [upstream_record(seq=1), upstream_record(seq=2)]
    up.control(dropNext=1)
    with pytest.raises((http.client.IncompleteRead, http.client.RemoteDisconnected,
                        ConnectionError)):
        up.sync(recs)
    stored = up.records()
    assert [s["id"] for s in stored] == [r["id"] for r in recs]
    res = up.results(recs)  # the hub resends: duplicates with the same refs
    assert [res[r["id"]]["result"] for r in recs] == ["duplicate", "duplicate"]
    assert [res[r["id"]]["ref"] for r in recs] == [s["ref"] for s in stored]
    assert up.stats()["dropped"] == 1


# ------------------------------------------------------- TLS and lifecycle

def test_https_with_its_own_ca(world):
    tls = make_test_tls(world.tmp)
    up = world.upstream(tls=tls)
    assert up.url.startswith("https://")
    rec = upstream_record()
    assert up.results([rec])[rec["id"]]["result"] == "accepted"
    # A client that does not trust the CA is refused at the handshake.
    import ssl
    conn = http.client.HTTPSConnection("127.0.0.1", up.port, timeout=DEADLINE,
                                       context=ssl.create_default_context())
    with pytest.raises(ssl.SSLError):
        conn.request("GET", up.base + "/stats")
    conn.close()


def test_sigterm_exits_0_even_with_an_answer_waiting(up):
    up.control(delayMs=60000)
    outcome = []

    def waiting():
        try:
            outcome.append(up.sync([upstream_record()]))
        except (http.client.HTTPException, ConnectionError) as e:
            outcome.append(e)

    t = threading.Thread(target=waiting)
    t.start()
    try:
        wait_until("the delayed batch to be stored", lambda: up.stats()["records"] == 1,
                   procs=[up.proc])
        assert up.stop() == 0
    finally:
        t.join(timeout=DEADLINE)
    assert not t.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Exception), outcome
    assert "stopping on a signal" in up.log_text()


def test_bad_command_lines_are_usage_errors(world):
    res = run_cli(UPSTREAM_BIN, "--port", "99999", "--db", world.tmp / "x.db",
                  "--token-file", world.tmp / "none")
    assert res.returncode == EX_USAGE and "--port" in res.stderr
    res = run_cli(UPSTREAM_BIN, "--port", "1")
    assert res.returncode == EX_USAGE and "required" in res.stderr
    res = run_cli(UPSTREAM_BIN, "--help")
    assert res.returncode == 0 and "--token-file" in res.stdout
