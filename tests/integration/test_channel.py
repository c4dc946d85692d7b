# SPDX-License-Identifier: MIT
"""The terminal<->hub channel: who may connect, reconnecting, stopping cleanly."""
import re
import socket
import ssl
import time

import pytest

from conftest import LOOPBACK, WSRefused, WebSocket, hello, wait_until

REFUSED = (ssl.SSLError, ConnectionError, EOFError, WSRefused)


def expect_refused(connect):
    """connect() must fail by a TLS error, a reset or a close, never by hanging."""
    try:
        ws = connect()
    except socket.timeout as e:
        pytest.fail("the hub neither answered nor closed: %r" % e)
    except REFUSED as e:
        return e
    ws.close()
    pytest.fail("the hub upgraded a connection it should have refused")


def assert_hub_serves(hub, term):
    """The hub still takes a real terminal: a fresh session gets its welcome."""
    assert hub.proc.poll() is None, "the hub died"
    ws = WebSocket.connect(hub.sync_port, term.tls_context())
    try:
        ws.send_json(hello(term.terminal_id()))
        msg = ws.recv_json()
        assert msg["type"] == "welcome", msg
    finally:
        ws.close()


def test_revoked_terminal_refused(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub, "till")
    keep = world.enrolled_terminal(hub, "other")
    tid = term.terminal_id()
    short = hub.terminal(tid)["shortCode"]

    res = hub.revoke(short)
    assert res.returncode == 0, res.stderr
    assert "Revoked terminal %s" % short in res.stdout
    revoked_at = time.time()
    st = term.wait_sync("cut off as revoked",
                        lambda s: s["sync"]["lastErrorCode"] == "terminal-revoked", timeout=10)
    assert time.time() - revoked_at < 10
    assert st["sync"]["state"] in ("waiting", "connecting"), st
    assert "revoked" in st["sync"]["lastError"], st
    ui = term.ui_status()
    assert ui["sync"]["lastErrorCode"] == "terminal-revoked" and ui["sync"]["state"] != "connected"
    assert "refused terminal %s" % short in hub.log_text()

    listed = {t["id"]: t for t in hub.terminals()}
    assert isinstance(listed[tid]["revokedAt"], int), listed[tid]
    assert listed[tid]["online"] is False, listed[tid]
    # Only that terminal was cut off.
    assert listed[keep.terminal_id()]["online"] is True
    assert keep.status()["sync"]["state"] == "connected"

    # Revoking twice says so, and only the first is in the audit log.
    res = hub.revoke(tid)
    assert res.returncode != 0 and "already revoked" in res.stderr, res
    adds = [a for a in hub.audit() if a["action"] == "terminal.add"]
    assert sorted(a["detail"]["name"] for a in adds) == ["other", "till"], adds
    assert tid in [a["subject"] for a in adds], adds
    revokes = [a for a in hub.audit() if a["action"] == "terminal.revoke"]
    assert [(a["subject"], a["detail"]["shortCode"]) for a in revokes] == [(tid, short)], revokes
    assert revokes[0]["actor"].startswith("cli:"), revokes

    # Restarted, it is still refused, and says why.
    assert term.stop() == 0
    term.start()
    st = term.wait_sync("refused again after a restart",
                        lambda s: s["running"] and s["sync"]["lastErrorCode"] == "terminal-revoked")
    assert st["sync"]["state"] != "connected", st
    assert hub.terminal(tid)["online"] is False

    # Its certificate opens no session either: an error message, then the end.
    # (The close code, 4403, is checked in test_protocol.py::test_close_codes.)
    ws = WebSocket.connect(hub.sync_port, term.tls_context())
    try:
        err = ws.recv_json()
        assert err["type"] == "error" and err["code"] == "terminal-revoked", err
        assert "revoked" in err["message"]
        ws.expect_end()
    finally:
        ws.close()
    assert keep.status()["sync"]["state"] == "connected"


def test_foreign_ca_refused_at_tls_handshake(world):
    hub = world.hub("hub", store="Corner Shop")
    mine = world.enrolled_terminal(hub, "mine")
    other_hub = world.hub("other-hub", store="Elsewhere")
    foreign = world.enrolled_terminal(other_hub, "foreign", start=False)
    assert other_hub.stop() == 0

    # A certificate of another store's CA, over TLS that trusts this hub.
    e = expect_refused(lambda: WebSocket.connect(hub.sync_port, foreign.tls_context(
        ca=hub.ca_path)))
    assert not isinstance(e, WSRefused) or "101" not in str(e)
    # No certificate at all.
    anon = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anon.load_verify_locations(hub.ca_path)
    expect_refused(lambda: WebSocket.connect(hub.sync_port, anon))
    wait_until("the hub to log the refusal",
               lambda: "refused a client certificate at the TLS handshake" in hub.log_text(),
               timeout=5)

    # The hub keeps serving its own terminals.
    assert mine.status()["sync"]["state"] == "connected"
    assert_hub_serves(hub, mine)


def test_refused_terminal_says_why_and_keeps_trying(world):
    """
    A real terminal of another store, trusting this hub's CA so that only its
    own certificate is in question: the hub refuses it at the TLS handshake,
    the terminal says why and keeps trying with backoff (it may be enrolled
    again, or the hub's registry restored), never stuck.
    """
    hub = world.hub("hub", store="Corner Shop")
    other_hub = world.hub("other-hub", store="Elsewhere")
    foreign = world.enrolled_terminal(other_hub, "foreign", start=False)
    assert other_hub.stop() == 0
    point_at(foreign, hub)
    foreign.file("ca.crt").write_bytes(open(hub.ca_path, "rb").read())
    marker = "refused a client certificate at the TLS handshake"
    foreign.start()
    # The hub refuses at once; the terminal's own connect timeout is 10 s.
    st = foreign.wait_sync("a handshake error",
                           lambda s: s["sync"]["lastErrorCode"] == "handshake-failed",
                           timeout=12)
    assert st["sync"]["state"] != "connected"
    assert "certificate" in st["sync"]["lastError"], st
    assert foreign.terminal_id() not in [t["id"] for t in hub.terminals()]
    # Backoff starts at 0.5 s: three attempts are due within ~4 s.
    wait_until("three refused attempts in the hub's log (the terminal retries)",
               lambda: hub.log_text().count(marker), lambda n: n >= 3)
    st = foreign.wait_sync("the terminal to wait for its next attempt, not hang",
                           lambda s: s["sync"]["state"] == "waiting" and
                           s["sync"]["lastErrorCode"] == "handshake-failed")
    assert isinstance(st["sync"]["nextAttemptAt"], int)


def point_at(term, hub):
    """Edit term.conf so that the terminal syncs with another hub."""
    conf = term.file("term.conf")
    text, n = re.subn(r"(?m)^sync_port = \d+$", "sync_port = %d" % hub.sync_port,
                      conf.read_text())
    assert n == 1
    conf.write_text(text)


def test_terminal_distrusts_foreign_hub(world):
    """A terminal sent to another store's hub refuses it, and says it is the hub's fault."""
    hub = world.hub("hub", store="Corner Shop")
    other_hub = world.hub("other-hub", store="Elsewhere")
    term = world.enrolled_terminal(other_hub, "till", start=False)
    assert other_hub.stop() == 0
    point_at(term, hub)
    term.start()
    st = term.wait_sync("any error", lambda s: s["sync"]["lastErrorCode"] is not None,
                        timeout=12)
    assert st["sync"]["state"] != "connected", st
    assert hub.terminals() == []
    # The terminal, not the hub, ended this handshake: the hub's certificate
    # is not from this terminal's store CA (sync_client.c, "hub-untrusted").
    assert st["sync"]["lastErrorCode"] == "hub-untrusted", st["sync"]


def test_plain_ws_refused(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub, start=False)
    for request in (
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Protocol: tillnet-sync\r\n\r\n",
            b"GET / HTTP/1.0\r\n\r\n"):
        answer = b""
        with socket.create_connection((LOOPBACK, hub.sync_port), timeout=5) as s:
            s.sendall(request)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and len(answer) < 65536:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    break
                except ConnectionError:
                    break
                if not chunk:
                    break
                answer += chunk
        assert not answer.startswith(b"HTTP/1.1 101"), answer[:100]
        assert b"Sec-WebSocket-Accept" not in answer
    # The hub keeps serving: a real terminal connects afterwards.
    assert hub.proc.poll() is None
    term.start()
    term.wait_state("connected")
    assert hub.terminal(term.terminal_id())["online"] is True


def test_terminal_reconnects_after_hub_restart(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub)
    tid = term.terminal_id()

    assert hub.stop() == 0
    st = term.wait_state("waiting")
    assert st["sync"]["lastErrorCode"] in ("closed", "unreachable"), st
    assert st["sync"]["lastError"]
    assert st["sync"]["connectedAt"] is None
    assert isinstance(st["sync"]["nextAttemptAt"], int)
    hs = hub.status()
    assert hs["running"] is False and hs["pid"] is None
    assert hs["terminals"][0]["online"] is False

    hub.start()
    st = term.wait_state("connected", timeout=35)
    assert st["sync"]["lastErrorCode"] is None and st["sync"]["nextAttemptAt"] is None
    t = wait_until("the hub to show the terminal online again",
                   lambda: hub.terminal(tid), lambda t: t and t["online"])
    assert t["address"] == LOOPBACK
    assert term.ui_status()["sync"]["state"] == "connected"


def test_clean_stop(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub)
    tid = term.terminal_id()

    assert term.stop() == 0
    st = term.status()
    assert st["running"] is False and st["pid"] is None
    assert st["sync"]["state"] == "stopped"
    assert st["sync"]["connectedAt"] is None and st["sync"]["nextAttemptAt"] is None
    assert "term: stopped" in term.log_text()
    wait_until("the hub to show the terminal offline", lambda: hub.terminal(tid),
               lambda t: t["online"] is False)
    assert hub.terminal(tid)["lastSeen"] is not None

    assert hub.stop() == 0
    assert "hub: stopped" in hub.log_text()
    hs = hub.status()
    assert hs["running"] is False and hs["pid"] is None
    # Both come back on the same data folders.
    hub.start()
    term.start()
    term.wait_state("connected")


def test_killed_terminal_reads_stopped(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub)
    term.proc.kill9()
    st = term.status()
    assert st["running"] is False and st["pid"] is None
    assert st["sync"]["state"] == "stopped", st
    wait_until("the hub to notice the terminal is gone", lambda: hub.terminal(
        term.terminal_id()), lambda t: t["online"] is False, timeout=10)
    # It starts again on the same folder (the stale lock does not stop it).
    term.start()
    term.wait_state("connected")
