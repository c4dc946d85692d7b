# SPDX-License-Identifier: MIT
"""
Power loss (docs/reliability.md, "Power loss"): an acknowledged sale survives
a power cut at any instant, on the terminal and on the hub.

The real tillnet-term and tillnet-hub run with tests/powerloss/vfs_shim.c
preloaded: a SQLite VFS that keeps an undo log beside each database file of
every write since that file's last sync, counts writes, truncates and syncs
across the machine, and at operation N kills the process before doing it.
restore() below then rolls each file back to its last sync, which is what a
disk that honours fsync shows after the power comes back. The cut points
are chosen from a dry run's trace, seeded (TILLNET_TEST_SEED), and always
include the first and last operation of the run and the first write and the
sync of a commit.
"""
import functools
import glob
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import time

import pytest

from conftest import (BUILD, DEADLINE, HUB_BIN, LOOPBACK, POLL, TERM_BIN, port_open, run_cli,
                      sqlite_rows, wait_until)
from test_pos import staffed_shop

SEED = int(os.environ.get("TILLNET_TEST_SEED", str(int(time.time()))))
SHIM = os.path.join(BUILD, "tests", "powerloss", "libtillnet-powercut.so")
UNDO_SUFFIX = "-powerundo"
UNDO_HEAD = struct.Struct("<8sQQQ")
TERMINAL_CUTS = int(os.environ.get("TILLNET_POWERCUT_TERMINAL_CUTS", "32"))
HUB_CUTS = int(os.environ.get("TILLNET_POWERCUT_HUB_CUTS", "16"))
SELLS_PER_RUN = 4
# What each sell of a run rings up: (lines, tender).
SELLS = [(("COF:1", "CRO:2"), "cash"), (("WAT:3",), "card:AUTH-1"),
         (("COF:2", "WAT:1", "CRO:1"), "cash=20.00"), (("CRO:1",), "cash")]


# ------------------------------------------------------- the shim and the restore

@pytest.fixture(scope="module")
def shim():
    if not os.access(SHIM, os.R_OK):
        pytest.fail("%s is missing: build with 'ninja -C %s'" % (SHIM, BUILD), pytrace=False)
    return SHIM


@functools.lru_cache(maxsize=None)
def shim_preload(shim):
    """
    LD_PRELOAD for the shim. In a sanitizer build the shim links
    AddressSanitizer's runtime, which must be loaded first.
    """
    preload = [shim]
    ldd = subprocess.run(["ldd", shim], capture_output=True, text=True, timeout=DEADLINE)
    for line in ldd.stdout.splitlines():
        if "libasan" in line and "=>" in line:
            preload.insert(0, line.split("=>")[1].split()[0])
    return " ".join(preload)


def shim_env(shim, counter, cut_at=None, trace=None, python=False):
    """The environment of a process of the machine under test."""
    env = {"LD_PRELOAD": shim_preload(shim), "TILLNET_POWERCUT_COUNTER": str(counter),
           "TILLNET_POWERCUT_AT": str(cut_at or 0)}
    if trace:
        env["TILLNET_POWERCUT_TRACE"] = str(trace)
    asan = os.environ.get("ASAN_OPTIONS", "")
    asan = (asan + ":" if asan else "") + "verify_asan_link_order=0"
    if python:  # Python itself is not built for LeakSanitizer
        asan += ":detect_leaks=0"
    env["ASAN_OPTIONS"] = asan
    return env


def restore(directory):
    """
    The power comes back: roll every file in `directory` that has an undo
    log back to its last sync (its records applied last first), drop the
    logs and the -shm indexes (memory, rebuilt from the WAL). Returns how
    many writes and truncates were undone.
    """
    undone = 0
    for log in sorted(glob.glob(os.path.join(str(directory), "*" + UNDO_SUFFIX))):
        target = log[:-len(UNDO_SUFFIX)]
        with open(log, "rb") as f:
            data = f.read()
        records, pos = [], 0
        while pos < len(data):
            tag, a, old_size, n = UNDO_HEAD.unpack_from(data, pos)
            pos += UNDO_HEAD.size
            assert tag in (b"PWRUNDOW", b"PWRUNDOT") and pos + n <= len(data), \
                "%s: a broken record at byte %d" % (log, pos - UNDO_HEAD.size)
            records.append((tag, a, old_size, data[pos:pos + n]))
            pos += n
        if records and os.path.exists(target):
            with open(target, "r+b") as f:
                for tag, a, old_size, old in reversed(records):
                    # A write's offset, or where a shrink cut: the old bytes go back.
                    f.seek(a)
                    f.write(old)
                    # What the write or an extending truncate added goes away.
                    if f.seek(0, os.SEEK_END) > old_size:
                        f.truncate(old_size)
                    undone += 1
        os.remove(log)
    for shm in glob.glob(os.path.join(str(directory), "*-shm")):
        os.remove(shm)
    return undone


def read_trace(path):
    """The dry run's operations: [(n, kind, file)]."""
    ops = []
    with open(path) as f:
        for line in f:
            n, kind, name, _, _ = line.split()
            ops.append((int(n), kind, name))
    return ops


def cut_points(ops, count, rng):
    """
    `count` operations of a dry run to cut at: the first and the last; for
    commits (a WAL sync) the first write after the previous sync, the sync
    itself and the operation after it; the rest at random.
    """
    total = len(ops)
    special = {1, total}
    first = None
    for n, kind, name in ops:
        if not name.endswith("-wal"):
            continue
        if kind == "write" and first is None:
            first = n
        if kind == "sync":
            special.update(x for x in (first, n, n + 1) if x and x <= total)
            first = None
    special = sorted(special)
    chosen = set(rng.sample(special, min(len(special), count * 2 // 3)))
    chosen.update({1, total})
    rest = [n for n in range(1, total + 1) if n not in chosen]
    chosen.update(rng.sample(rest, max(0, min(len(rest), count - len(chosen)))))
    return sorted(chosen)


def copy_dir(src, dst):
    if os.path.exists(str(dst)):
        shutil.rmtree(str(dst))
    shutil.copytree(str(src), str(dst))


def integrity(path):
    db = sqlite3.connect(str(path), timeout=10)
    try:
        return db.execute("PRAGMA integrity_check").fetchall()
    finally:
        db.close()


# -------------------------------------------------------------- the shim itself

SHIM_PROBE = """
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS t(x TEXT)")
db.execute("INSERT INTO t VALUES ('synced')")
db.execute("PRAGMA synchronous=OFF")
db.execute("INSERT INTO t VALUES ('never synced')")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_shim_loses_what_was_never_synced(shim, tmp_path):
    """A commit with synchronous=OFF is gone after a cut; one that was synced stays."""
    probe = tmp_path / "probe.py"
    probe.write_text(SHIM_PROBE)
    db = tmp_path / "t.db"
    env = dict(os.environ, **shim_env(shim, tmp_path / "count", python=True))
    res = subprocess.run(["/usr/bin/python3", str(probe), str(db)], env=env,
                         capture_output=True, text=True, timeout=DEADLINE)
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert os.path.getsize(str(db) + "-wal" + UNDO_SUFFIX) > 0, "no undo log for the WAL"
    # Without the restore, the unsynced row is still in the page cache.
    saved = tmp_path / "saved"
    os.mkdir(str(saved))
    for name in ("t.db", "t.db-wal"):
        shutil.copy(str(tmp_path / name), str(saved / name))
    assert [r[0] for r in sqlite_rows(saved / "t.db", "SELECT x FROM t")] == [
        "synced", "never synced"]

    assert restore(tmp_path) > 0
    assert glob.glob(str(tmp_path / ("*" + UNDO_SUFFIX))) == []
    assert [r[0] for r in sqlite_rows(db, "SELECT x FROM t")] == ["synced"]
    assert integrity(db) == [("ok",)]


def test_the_shim_cuts_the_power_at_the_chosen_operation(shim, tmp_path):
    """TILLNET_POWERCUT_AT=N: operations 1 .. N-1 are done and counted, N is not."""
    probe = tmp_path / "probe.py"
    probe.write_text("import sqlite3, sys\n"
                     "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                     "db.execute('PRAGMA journal_mode=WAL')\n"
                     "for i in range(5):\n"
                     "    db.execute('CREATE TABLE t%d(x)' % i)\n")
    runs = {}
    for cut in (None, 4):
        d = tmp_path / ("cut-%s" % cut)
        os.mkdir(str(d))
        env = dict(os.environ, **shim_env(shim, d / "count", cut, d / "trace", python=True))
        res = subprocess.run(["/usr/bin/python3", str(probe), str(d / "t.db")], env=env,
                             capture_output=True, text=True, timeout=DEADLINE)
        runs[cut] = (res, read_trace(d / "trace"), int((d / "count").read_text()))
    res, ops, count = runs[None]
    assert res.returncode == 0, res.stderr
    assert count == len(ops) > 4
    res, ops, count = runs[4]
    assert res.returncode == -signal.SIGKILL
    assert "power cut at operation 4 (" in res.stderr
    assert count == 4 and [o[:2] for o in ops] == [o[:2] for o in runs[None][1][:4]]


# ------------------------------------------------------------------- the terminal

def terminal_pending_ops(term_data):
    """The outbox of a stopped terminal: [(kind, entity id, record id)] pending, in order."""
    out = []
    for kind, entity_id, op in sqlite_rows(term_data / "term.db",
                                           "SELECT kind, entity_id, op FROM outbox "
                                           "WHERE state = 'pending' ORDER BY seq"):
        payload = json.loads(op).get("payload") or {}
        out.append((kind, entity_id, payload.get("recordId")))
    return out


def run_sells(term, env, count):
    """
    Up to `count` sells; stops at the one the power cut killed. A sale is
    confirmed when its answer was printed, even if the power went after.
    Returns ([answers], killed).
    """
    answers = []
    for i in range(count):
        lines, tender = SELLS[i % len(SELLS)]
        args = ["sell", "--data", term.data]
        for line in lines:
            args += ["--line", line]
        res = run_cli(TERM_BIN, *(args + ["--pay", tender, "--json"]), env=env)
        if res.returncode == -signal.SIGKILL:
            assert "tillnet powercut: power cut at operation" in res.stderr, res.stderr
            if res.stdout.strip():
                answers.append(json.loads(res.stdout))
            return answers, True
        assert res.returncode == 0, "sell: exit %d\n%s" % (res.returncode, res.stderr)
        answers.append(json.loads(res.stdout))
    return answers, False


def check_terminal_after_cut(term, base_journal, acked, label):
    """Everything a cashier was told is there, and the terminal sells on with no gap."""
    res = run_cli(TERM_BIN, "journal", "verify", "--data", term.data)
    assert res.returncode == 0, "%s: journal verify: %s%s" % (label, res.stdout, res.stderr)
    db = term.data / "term.db"
    assert integrity(db) == [("ok",)], label
    seqs = [r[0] for r in sqlite_rows(db, "SELECT seq FROM journal ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1)), "%s: journal gaps %s" % (label, seqs)
    # The sale being made at the cut may be there too (committed, never confirmed).
    assert base_journal + len(acked) <= len(seqs) <= base_journal + len(acked) + 1, (
        label, len(seqs), base_journal, len(acked))
    pending = terminal_pending_ops(term.data)
    for s in acked:
        row = sqlite_rows(db, "SELECT receipt, status, total FROM orders WHERE id = ?",
                          s["orderId"])
        assert row == [(s["receipt"], "completed", s["total"])], (label, s["receipt"], row)
        lines = sqlite_rows(db, "SELECT count(*) FROM order_lines WHERE order_id = ?",
                            s["orderId"])[0][0]
        assert lines == len(s["order"]["lines"]) > 0, (label, s["receipt"], lines)
        journal = sqlite_rows(db, "SELECT number, amount FROM journal WHERE record_id = ?",
                              s["orderId"])
        assert journal == [(s["receipt"], s["total"])], (label, s["receipt"], journal)
        # Not yet sent (the hub is down): both its ops wait in the outbox.
        assert ("order.put", s["orderId"], None) in pending, (label, s["receipt"])
        assert any(k == "journal.append" and rec == s["orderId"] for k, _, rec in pending), (
            label, s["receipt"])
    after = term.sell("COF:1")
    assert after["order"]["receiptSeq"] == len(seqs) + 1, (label, after["receipt"], len(seqs))


def test_terminal_keeps_every_confirmed_sale_through_power_cuts(world, shim):
    rng = random.Random(SEED)
    print("seed %d" % SEED)
    hub, (till,) = world.shop(["till"])
    till.sell("COF:1")
    till.wait_drained()
    till.stop()
    hub.stop()  # the terminal is offline from here on
    base = world.tmp / "till-base"
    copy_dir(till.data, base)
    base_journal = len(sqlite_rows(base / "term.db", "SELECT seq FROM journal"))

    # The dry run: how many operations SELLS_PER_RUN sells make, and which.
    counter, trace = world.tmp / "dry.count", world.tmp / "dry.trace"
    answers, killed = run_sells(till, shim_env(shim, counter, trace=trace), SELLS_PER_RUN)
    assert not killed and len(answers) == SELLS_PER_RUN
    ops = read_trace(trace)
    assert len(ops) == int(counter.read_text()) > SELLS_PER_RUN
    points = cut_points(ops, TERMINAL_CUTS, rng)
    print("%d operations in %d sells; cutting at %s" % (len(ops), SELLS_PER_RUN, points))

    for n in points:
        copy_dir(base, till.data)
        counter = world.tmp / ("cut-%d.count" % n)
        acked, killed = run_sells(till, shim_env(shim, counter, cut_at=n), SELLS_PER_RUN)
        undone = restore(till.data)
        label = "cut at %d/%d (%d sells confirmed, %d writes undone)" % (
            n, len(ops), len(acked), undone)
        print(label)
        assert killed or n > int(counter.read_text()), label
        check_terminal_after_cut(till, base_journal, acked, label)


# ------------------------------------------- the terminal's daemon, as the cashier's screen

def screen_sale(till, i):
    """POST /api/v1/sales as the cashier's screen does: (status, answer) or None if it died."""
    lines, tender = SELLS[i % len(SELLS)]
    body = {"lines": [{"code": line.split(":")[0], "qty": int(line.split(":")[1]) * 1000}
                      for line in lines],
            "payments": [{"tender": "card", "reference": "AUTH-%d" % i}
                         if tender.startswith("card") else {"tender": "cash"}]}
    conn = http.client.HTTPConnection(LOOPBACK, till.ui_port, timeout=DEADLINE)
    try:
        conn.request("POST", "/api/v1/sales", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        return res.status, json.loads(res.read())
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


def start_till_with_shim(world, till, env):
    """Start the terminal's daemon on the shim; it may lose its power before it serves."""
    till.runs += 1
    till.proc = world.procs.start("%s (run %d, on the shim)" % (till.name, till.runs),
                                  [TERM_BIN, "run", "--data", till.data],
                                  world.tmp / ("%s.log" % till.name), env=env)
    wait_until("the terminal to serve its screen or lose its power",
               lambda: till.proc.poll() is not None or till.ui_status(quiet=True))


def screen_run(world, till, env, count):
    """
    The daemon on the shim takes up to `count` sales from the screen, then
    stops. A sale is confirmed when the screen got its 201. Returns
    ([answers], cut): cut when the power went, in a sale or at the stop.
    """
    start_till_with_shim(world, till, env)
    answers = []
    for i in range(count):
        if till.proc.poll() is not None:
            break
        got = screen_sale(till, i)
        if got is None:
            break
        assert got[0] == 201, got
        answers.append(got[1])
    if till.proc.poll() is None:
        till.proc.stop()
    cut = till.proc.returncode == -signal.SIGKILL
    till.proc.killed_hard = cut
    assert cut or till.proc.returncode == 0, till.proc.returncode
    assert not cut or "tillnet powercut: power cut at operation" in till.log_text()
    return answers, cut


def test_terminal_daemon_keeps_every_sale_the_screen_confirmed(world, shim):
    """
    The cashier's screen sells through the daemon, which keeps term.db open
    (no checkpoint at each sale's end, as with the CLI): a 201 must mean synced.
    """
    rng = random.Random(SEED + 1)
    print("seed %d" % SEED)
    hub, [till], _, _ = staffed_shop(world, ["till"])
    till.stop()
    hub.stop()
    base = world.tmp / "till-base"
    copy_dir(till.data, base)
    base_journal = len(sqlite_rows(base / "term.db", "SELECT seq FROM journal"))

    counter, trace = world.tmp / "dry.count", world.tmp / "dry.trace"
    answers, cut = screen_run(world, till, shim_env(shim, counter, trace=trace), SELLS_PER_RUN)
    assert not cut and len(answers) == SELLS_PER_RUN
    ops = read_trace(trace)
    assert len(ops) == int(counter.read_text()) > SELLS_PER_RUN
    points = cut_points(ops, TERMINAL_CUTS // 2, rng)
    print("%d operations in %d sales and a stop; cutting at %s" % (len(ops), SELLS_PER_RUN,
                                                                   points))
    for n in points:
        copy_dir(base, till.data)
        counter = world.tmp / ("cut-%d.count" % n)
        acked, cut = screen_run(world, till, shim_env(shim, counter, cut_at=n), SELLS_PER_RUN)
        undone = restore(till.data)
        label = "cut at %d/%d%s (%d sales confirmed, %d writes undone)" % (
            n, len(ops), "" if cut else " (not reached)", len(acked), undone)
        print(label)
        check_terminal_after_cut(till, base_journal, acked, label)


# ------------------------------------------------------------------------ the hub

def hub_op_ids(hub):
    return {r[0] for r in sqlite_rows(hub.data / "hub.db", "SELECT op_id FROM ops")}


def outbox_op_ids(term):
    return {r[0] for r in sqlite_rows(term.data / "term.db",
                                      "SELECT op_id FROM outbox WHERE state = 'pending'")}


def start_hub_with_shim(world, hub, env):
    """Start the hub on the shim; it may lose its power before it listens."""
    hub.runs += 1
    hub.proc = world.procs.start("%s (run %d, on the shim)" % (hub.name, hub.runs),
                                 [HUB_BIN, "run", "--data", hub.data, "--listen", LOOPBACK],
                                 world.tmp / ("%s.log" % hub.name), env=env)
    wait_until("the hub to listen or lose its power",
               lambda: hub.proc.poll() is not None or (port_open(hub.sync_port)
                                                      and port_open(hub.admin_port)))


def wait_cut_or_drained(hub, tills, timeout=DEADLINE):
    """Until the hub is dead or every till's outbox is empty (read from term.db)."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / POLL) + 2):
        if hub.proc.poll() is not None:
            return True
        if all(not outbox_op_ids(t) for t in tills):
            return False
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL)
    pytest.fail("the hub neither lost its power nor drained the tills in %.0f s" % timeout,
                pytrace=False)


def test_hub_keeps_every_acknowledged_op_through_power_cuts(world, shim):
    rng = random.Random(SEED)
    print("seed %d" % SEED)
    hub, tills = world.shop(["till1", "till2"])
    hub.stop()
    sold = []
    for t in tills:
        sold += [t.sell(*SELLS[i % len(SELLS)][0], pay=(SELLS[i % len(SELLS)][1],))
                 for i in range(8)]
    for t in tills:
        t.stop()
    every_op = {t.name: outbox_op_ids(t) for t in tills}
    assert all(len(ids) == 16 for ids in every_op.values()), every_op
    names = [hub.name] + [t.name for t in tills]
    for name in names:
        copy_dir(world.tmp / name, world.tmp / (name + "-base"))

    # The dry run: the hub takes both outboxes whole.
    counter, trace = world.tmp / "dry.count", world.tmp / "dry.trace"
    start_hub_with_shim(world, hub, shim_env(shim, counter, trace=trace))
    for t in tills:
        t.start()
    assert not wait_cut_or_drained(hub, tills)
    for t in tills:
        t.stop()
    hub.stop()
    ops = read_trace(trace)
    assert len(ops) == int(counter.read_text()) > 0
    points = cut_points(ops, HUB_CUTS, rng)
    print("%d hub operations to take %d ops; cutting at %s" % (
        len(ops), sum(map(len, every_op.values())), points))

    for n in points:
        for name in names:
            copy_dir(world.tmp / (name + "-base"), world.tmp / name)
        counter = world.tmp / ("cut-%d.count" % n)
        start_hub_with_shim(world, hub, shim_env(shim, counter, cut_at=n))
        for t in tills:
            t.start()
        wait_cut_or_drained(hub, tills)
        for t in tills:
            t.stop()
        # The cut may also come while the hub stops (its last checkpoint).
        if hub.proc.poll() is None:
            hub.proc.stop()
        cut = hub.proc.returncode == -signal.SIGKILL
        hub.proc.killed_hard = cut
        assert cut or hub.proc.returncode == 0, hub.proc.returncode
        # What the hub acknowledged: the ops that left an outbox.
        acked = set()
        for t in tills:
            acked |= every_op[t.name] - outbox_op_ids(t)
        undone = restore(hub.data)
        label = "cut at %d/%d%s (%d ops acknowledged, %d writes undone)" % (
            n, len(ops), "" if cut else " (not reached)", len(acked), undone)
        print(label)
        assert integrity(hub.data / "hub.db") == [("ok",)], label
        missing = acked - hub_op_ids(hub)
        assert missing == set(), "%s: acknowledged, then lost: %s" % (label, sorted(missing))

        # The hub comes back (no shim); the tills drain what is left.
        hub.start()
        for t in tills:
            t.start()
        for t in tills:
            t.wait_drained()
            st = t.status()
            assert st["outbox"]["pending"] == 0 and st["outbox"]["parked"] == 0, (label, st)
        orders = hub.orders()
        ids = [o["id"] for o in orders]
        assert sorted(ids) == sorted(s["orderId"] for s in sold), label
        assert len(set(o["receipt"] for o in orders)) == len(sold), label
        assert hub.count("ops") == 2 * len(sold), label
        res = run_cli(HUB_BIN, "journal", "verify", "--data", hub.data)
        assert res.returncode == 0, "%s: %s%s" % (label, res.stdout, res.stderr)
        for t in tills:
            t.stop()
        hub.stop()
        assert integrity(hub.data / "hub.db") == [("ok",)], label
