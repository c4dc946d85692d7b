# SPDX-License-Identifier: MIT
"""scripts/demo brings up a hub and two connected terminals on loopback, and
the reference upstream the hub forwards the sample sales to; it prints what
a person needs, and stops everything cleanly on Ctrl-C."""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("TILLNET_BUILD", ROOT / "build"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def term_status(data):
    out = subprocess.run([str(BUILD / "terminal/tillnet-term"), "status", "--data", str(data),
                          "--json"], capture_output=True, text=True, timeout=20)
    return json.loads(out.stdout) if out.returncode == 0 else None


def test_demo_runs_a_hub_and_two_connected_terminals_and_stops_on_ctrl_c(tmp_path):
    upstream_port = free_port()
    ui = free_port()
    for _ in range(50):
        if _port_free(ui + 1):
            break
        ui = free_port()
    env = dict(os.environ, TILLNET_DEMO_DIR=str(tmp_path / "demo"), TILLNET_BUILD=str(BUILD),
               TILLNET_SYNC_PORT=str(free_port()), TILLNET_ADMIN_PORT=str(free_port()),
               TILLNET_UI_PORT=str(ui), TILLNET_UPSTREAM_PORT=str(upstream_port))
    log = open(tmp_path / "demo.out", "w+")
    demo = subprocess.Popen([str(ROOT / "scripts/demo")], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            log.seek(0)
            if "demo: ready" in log.read():
                break
            assert demo.poll() is None, "scripts/demo exited early"
            time.sleep(0.2)
        log.seek(0)
        out = log.read()
        assert "demo: ready" in out, out
        assert "2 of 2 terminals connected" in out, out
        assert "press Ctrl-C" in out and "logs:" in out and "https://127.0.0.1:" in out
        for n in (1, 2):
            st = term_status(tmp_path / "demo" / f"till{n}")
            assert st["running"] and st["sync"]["state"] == "connected", st
        hub = subprocess.run([str(BUILD / "hub/tillnet-hub"), "status", "--data",
                              str(tmp_path / "demo/hub"), "--json"],
                             capture_output=True, text=True, timeout=20)
        terminals = json.loads(hub.stdout)["terminals"]
        assert sorted(t["name"] for t in terminals if t["online"]) == ["Till 1", "Till 2"]
        # The sample sales: three at the hub, each till mirrors the other's.
        assert "demo: each till mirrors the other's sales" in out, out
        orders = subprocess.run([str(BUILD / "hub/tillnet-hub"), "orders", "export", "--data",
                                 str(tmp_path / "demo/hub")],
                                capture_output=True, text=True, timeout=20)
        at_hub = [json.loads(l) for l in orders.stdout.splitlines()]
        receipts = sorted(o["receipt"] for o in at_hub)
        # <store code>-<terminal>-<seq>: "Demo Corner Shop" numbers as DEMOCO (docs/pos.md).
        assert receipts == ["DEMOCO-T01-000001", "DEMOCO-T01-000002",
                            "DEMOCO-T02-000001"], receipts
        # The back office got the three sales, to the cent per terminal.
        totals = {}
        for o in at_hub:
            code = o["receipt"].split("-")[1]
            totals[code] = totals.get(code, 0) + o["total"]
        expected = "upstream: 3 records received, totals per terminal: " + ", ".join(
            "%s %d.%02d" % (t, v // 100, v % 100) for t, v in sorted(totals.items()))
        assert expected in out, out
        assert "http://127.0.0.1:%d/tillnet" % upstream_port in out, out
        for n, theirs in ((1, 1), (2, 2)):
            export = subprocess.run([str(BUILD / "terminal/tillnet-term"), "orders", "export",
                                     "--data", str(tmp_path / "demo" / f"till{n}")],
                                    capture_output=True, text=True, timeout=20)
            rows = [json.loads(l) for l in export.stdout.splitlines()]
            assert sum(r["syncState"] == "mirror" for r in rows) == theirs, rows
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            rc = demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            raise
    assert rc == 0
    log.seek(0)
    assert "demo: stopped" in log.read()
    assert not _port_listening(upstream_port), "the reference upstream runs after Ctrl-C"
    for n in (1, 2):
        st = term_status(tmp_path / "demo" / f"till{n}")
        assert not st["running"] and st["sync"]["state"] == "stopped"


def _port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _port_listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
