# SPDX-License-Identifier: MIT
"""
Sync under faults: the hub or a terminal killed with SIGKILL mid-work, a
drain lease held by someone else, a bad op in the middle of the outbox.
Each ends with what a person would check: every sale that `sell` confirmed
is at the hub exactly once, and the outboxes are empty.
"""
import collections
import json
import os
import random
import subprocess
import time

from conftest import TERM_BIN, make_line, make_op, make_order, poll_until, wait_until

SEED = int(os.environ.get("TILLNET_TEST_SEED", str(int(time.time()))))


def check_hub_holds_exactly(hub, sold):
    """The hub holds each of `sold` (sell answers) once, and nothing else."""
    orders = hub.orders()
    ids = collections.Counter(o["id"] for o in orders)
    assert [i for i, n in ids.items() if n > 1] == [], "orders stored twice"
    assert len(orders) == len(sold), (len(orders), len(sold))
    at_hub = {o["id"]: o for o in orders}
    missing = [s["receipt"] for s in sold if s["orderId"] not in at_hub]
    assert missing == [], "sales the hub never got: %s" % missing
    for s in sold:
        o = at_hub[s["orderId"]]
        assert (o["receipt"], o["total"], o["status"]) == (s["receipt"], s["total"],
                                                            "completed"), (o, s)
    assert len({o["receipt"] for o in orders}) == len(orders), "a receipt stored twice"
    # One event per applied op: none doubled (plus the catalog's); per sale two
    # ops, its order.put and its journal.append.
    assert hub.event_seq() == 2 * len(sold) + 1, (hub.event_seq(), len(sold))
    assert hub.count("ops") == 2 * len(sold)
    return at_hub


def check_gap_free(orders, codes):
    for code in codes:
        seqs = sorted(o["receiptSeq"] for o in orders.values() if o["originCode"] == code)
        assert seqs == list(range(1, len(seqs) + 1)), "%s's receipts have gaps: %s" % (code,
                                                                                        seqs)


def test_hub_killed_mid_drain_five_times(world):
    rng = random.Random(SEED)
    print("seed %d" % SEED)
    hub, tills = world.shop(["till1", "till2", "till3"])
    hub.stop()
    sold = []
    for t in tills:
        sold += [t.sell("COF:1", "CRO:1", "WAT:2") for _ in range(100)]
    for t in tills:
        assert t.outbox()["pending"] == 200  # per sale its order.put and its journal.append

    for n in range(5):
        before = hub.count("orders")
        hub.start()
        if n % 2 == 0:
            # Kill the moment the first push of this run commits.
            poll_until("the hub's order count to rise above %d" % before,
                       lambda: hub.count("orders"), lambda c: c > before, timeout=20,
                       interval=0.005)
        else:
            time.sleep(rng.uniform(0.05, 0.6))
        hub.kill9()
        print("run %d: killed with %d orders stored" % (n + 1, hub.count("orders")))
        # The tills go on selling while the hub is down.
        for t in tills:
            sold += [t.sell("COF:2", pay=("card:AUTH-%d" % n,)) for _ in range(5)]

    hub.start()
    for t in tills:
        t.wait_drained(timeout=60)
    for t in tills:
        st = t.status()
        assert st["outbox"] == {"pending": 0, "parked": 0, "oldestPendingAgeMs": None}, st
    at_hub = check_hub_holds_exactly(hub, sold)
    check_gap_free(at_hub, ["T01", "T02", "T03"])
    assert hub.db_rows("PRAGMA integrity_check") == [("ok",)]
    assert hub.conflicts() == []
    # Every till ends up with the whole store's sales.
    for t in tills:
        wait_until("%s to hold all %d orders" % (t.name, len(sold)), lambda: len(t.orders()),
                   lambda n: n == len(sold))


def test_terminal_killed_mid_sale_keeps_every_confirmed_sale(world):
    rng = random.Random(SEED)
    print("seed %d" % SEED)
    hub, (t1,) = world.shop(["till1"])
    confirmed, killed_sells = [], 0
    for n in range(3):
        confirmed += [t1.sell("COF:1", "WAT:1") for _ in range(40)]
        # A sell killed mid-flight: stored whole or not at all.
        for _ in range(3):
            p = subprocess.Popen([TERM_BIN, "sell", "--data", str(t1.data), "--line", "CRO:1",
                                  "--line", "COF:2", "--pay", "cash", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0, 0.012))
            p.kill()
            out, _ = p.communicate(timeout=10)
            if p.returncode == 0:
                confirmed.append(json.loads(out))
            else:
                killed_sells += 1
        # The daemon killed while it drains what was just sold.
        time.sleep(rng.uniform(0, 0.15))
        t1.kill9()
        assert t1.db_rows("PRAGMA integrity_check") == [("ok",)]
        confirmed += [t1.sell("WAT:1") for _ in range(10)]  # sold with no daemon
        t1.start()
    print("%d sells confirmed, %d killed" % (len(confirmed), killed_sells))

    assert t1.db_rows("PRAGMA integrity_check") == [("ok",)]
    own = {o["id"]: o for o in t1.orders()}
    for s in confirmed:
        assert s["orderId"] in own and own[s["orderId"]]["receipt"] == s["receipt"], s
    # A killed sell left a whole sale or nothing: receipts stay gap-free.
    seqs = sorted(int(o["receipt"].split("-")[2]) for o in own.values())  # CORNER-T01-000001
    assert seqs == list(range(1, len(own) + 1)), seqs
    assert t1.status()["receiptSeq"] == len(own)
    for o in own.values():
        assert o["lines"] and o["payments"] and o["total"] == sum(
            line["lineTotal"] for line in o["lines"]), o

    # The restarted daemon waits out the killed one's drain lease (30 s at most).
    start = time.monotonic()
    t1.wait_drained(timeout=45)
    print("drained %.1f s after the last restart" % (time.monotonic() - start))
    st = t1.status()
    assert st["outbox"]["parked"] == 0, st
    orders = {o["id"]: o for o in hub.orders()}
    assert set(orders) == set(own), (len(orders), len(own))
    assert hub.event_seq() == 2 * len(own) + 1  # per sale its order and its journal record


def test_drain_waits_for_another_holders_lease(world):
    hub, (t1,) = world.shop(["till1"])
    t1.stop()
    holder = "tillnet-term test, pid 1"
    far = int(time.time() * 1000) + 3600 * 1000
    t1.db_write("INSERT INTO drain_lease(id, holder, expires_at) VALUES (1, ?, ?)", holder, far)
    sold = [t1.sell("COF:1") for _ in range(3)]
    t1.start()
    t1.wait_state("connected")
    # Connected, yet nothing leaves: the lease is someone else's.
    wait_until("the daemon to log that it waits for the lease", t1.log_text,
               lambda text: "another process (%s) drains this outbox" % holder in text)
    end = time.monotonic() + 2
    while time.monotonic() < end:
        st = t1.status()
        assert st["outbox"]["pending"] == 6 and st["drainLease"] == holder, st  # 3 sales, 2 ops each
        time.sleep(0.2)
    assert hub.orders() == []

    t1.db_write("UPDATE drain_lease SET expires_at = ? WHERE id = 1",
                int(time.time() * 1000) - 1000)
    st = t1.wait_drained(timeout=10)
    assert st["drainLease"] == "tillnet-term run, pid %d" % t1.proc.pid, st
    assert {o["id"] for o in hub.orders()} == {s["orderId"] for s in sold}


def test_parked_op_does_not_block_the_ops_after_it(world):
    hub, (t1,) = world.shop(["till1"])
    t1.stop()
    first = t1.sell("COF:1")
    # A hand-made op between two real sales, in outbox order: qty 0 is refused.
    bad_line = make_line("CRO")
    bad_line.update(qty=0, lineTotal=0, tax=0)
    bad = make_op(make_order([bad_line], status="parked"))
    t1.db_write("INSERT INTO outbox(op_id, kind, entity, entity_id, rev, op, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", bad["opId"], bad["kind"], bad["entity"],
                bad["entityId"], bad["rev"], json.dumps(bad), bad["at"])
    second = t1.sell("WAT:1")
    # Each sale is two ops: its order.put, then its journal.append.
    seqs = t1.db_rows("SELECT op_id FROM outbox ORDER BY seq")
    assert seqs[2] == (bad["opId"],) and len(seqs) == 5, seqs

    t1.start()
    st = t1.wait_sync("the outbox to settle", lambda s: s["outbox"]["pending"] == 0)
    assert st["outbox"]["parked"] == 1, st
    [(op_id, code, message)] = t1.db_rows(
        "SELECT op_id, last_error_code, last_error FROM outbox WHERE state = 'parked'")
    assert (op_id, code) == (bad["opId"], "bad-field"), (op_id, code, message)
    assert message.startswith("payload.lines[0].qty"), message
    # Both sales were applied, in outbox order.
    at_hub = {o["id"]: o for o in hub.orders()}
    assert set(at_hub) == {first["orderId"], second["orderId"]}
    assert at_hub[first["orderId"]]["seq"] < at_hub[second["orderId"]]["seq"]
    for s in (first, second):
        assert t1.order(s["orderId"])["syncState"] == "synced"
    [c] = hub.conflicts()
    assert (c["result"], c["code"], c["field"], c["opId"]) == (
        "rejected", "bad-field", "payload.lines[0].qty", bad["opId"]), c
    assert c["op"] == bad and c["stored"] is None, c


def test_restart_after_kill_drains_without_waiting_out_the_dead_daemons_lease(world):
    """
    Only one daemon runs on a data directory (term.pid), so the lease of one
    killed by SIGKILL belongs to nobody: status shows the running daemon as
    the holder (docs/openapi-terminal.yaml, drainLease) and a sale made after
    the restart reaches the hub as it would otherwise, not 30 s later.
    """
    hub, (t1,) = world.shop(["till1"])
    t1.sell("COF:1")
    t1.wait_drained()
    dead = t1.proc.pid
    assert t1.status()["drainLease"] == "tillnet-term run, pid %d" % dead
    t1.kill9()
    t1.start()
    t1.wait_state("connected")
    sale = t1.sell("WAT:1")
    wait_until("the sale made after the restart at the hub",
               lambda: hub.order(sale["orderId"]), timeout=5)
    assert t1.status()["drainLease"] == "tillnet-term run, pid %d" % t1.proc.pid
