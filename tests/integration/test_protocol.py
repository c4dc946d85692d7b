# SPDX-License-Identifier: MIT
"""
The sync protocol as a terminal's peer sees it (common/proto.h,
hub/sync_server.c): a Python client holding a real terminal certificate
speaks to the real hub over WSS.
"""
import json
import time

import pytest

from conftest import WebSocket, hello


@pytest.fixture
def session(world):
    """A running hub, an enrolled (not running) terminal, and a way to open sessions."""
    hub = world.hub()
    term = world.enrolled_terminal(hub, start=False)

    opened = []

    def open_session():
        ws = WebSocket.connect(hub.sync_port, term.tls_context())
        opened.append(ws)
        return ws

    open_session.hub = hub
    open_session.term = term
    open_session.world = world
    yield open_session
    for ws in opened:
        ws.close()


def welcome(ws, term):
    ws.send_json(hello(term.terminal_id()))
    msg = ws.recv_json()
    assert msg["type"] == "welcome", msg
    return msg


def assert_still_serving(session):
    """After a refused session the hub still welcomes a good one."""
    assert session.hub.proc.poll() is None, "the hub died"
    welcome(session(), session.term)


def test_hello_welcome(session):
    ws = session()
    sent = int(time.time() * 1000)
    w = welcome(ws, session.term)
    hs = session.hub.status()
    assert w["protocolVersion"] == 1
    assert w["hubId"] == hs["hubId"] and w["store"] == hs["store"]
    assert w["shortCode"] == "T01" and w["name"] == "till"
    assert abs(w["hubClock"] - sent) < 10000
    assert abs(w["clockOffset"]) < 10000
    [t] = session.hub.terminals()
    assert t["online"] is True and t["address"] == "127.0.0.1"

    # A terminal whose clock is 2 minutes ahead is told so and the hub shows it.
    ws2 = session()
    ws2.send_json(hello(session.term.terminal_id(), clock=int(time.time() * 1000) + 120000))
    w2 = ws2.recv_json()
    assert w2["type"] == "welcome" and 115000 < w2["clockOffset"] < 125000, w2
    assert 115000 < session.hub.terminals()[0]["clockOffsetMs"] < 125000
    assert "clock is off by +120 s" in session.hub.log_text() or \
        "clock is off by +119 s" in session.hub.log_text()


def test_hub_refuses_other_protocol_version(session):
    ws = session()
    ws.send_json(hello(session.term.terminal_id(), version=2))
    err = ws.recv_json()
    assert err["type"] == "error" and err["code"] == "protocol-version", err
    assert err["field"] == "protocolVersion"
    assert err["protocolVersion"] == 1
    assert "2" in err["message"] and "1" in err["message"]
    ws.expect_end()
    assert "speaks protocol 2" in session.hub.log_text()
    assert session.hub.terminals()[0]["online"] is False
    assert_still_serving(session)


def test_terminal_reports_other_protocol_version(session):
    hub, term = session.hub, session.term
    term.start(env={"TILLNET_TEST_PROTOCOL_VERSION": "2"})
    st = term.wait_sync("a protocol-version error",
                        lambda s: s["sync"]["lastErrorCode"] == "protocol-version")
    assert st["sync"]["state"] in ("waiting", "connecting"), st
    assert "protocol" in st["sync"]["lastError"], st
    assert term.ui_status()["sync"]["lastErrorCode"] == "protocol-version"
    assert 'speaks protocol 2, this hub speaks 1' in hub.log_text()
    assert hub.terminals()[0]["online"] is False


def test_bad_json_refused(session):
    ws = session()
    ws.send_text("{this is not json")
    err = ws.recv_json()
    assert err["type"] == "error" and err["code"] == "bad-json", err
    assert "malformed JSON" in err["message"]
    ws.expect_end()
    # Also after the hello: a bad message ends that session only.
    ws = session()
    welcome(ws, session.term)
    ws.send_text("[1, 2")
    assert ws.recv_json()["code"] == "bad-json"
    ws.expect_end()
    ws = session()
    ws.send_json({"noType": 1})
    err = ws.recv_json()
    assert err["code"] == "bad-field" and err["field"] == "type", err
    ws.expect_end()
    assert_still_serving(session)


def test_unknown_type_keeps_session(session):
    ws = session()
    welcome(ws, session.term)
    ws.send_json({"type": "frobnicate", "x": 1})
    err = ws.recv_json()
    assert err["type"] == "error" and err["code"] == "unknown-type", err
    assert err["field"] == "type" and "frobnicate" in err["message"]
    # The session is still open and answers.
    ws.send_json({"type": "frobnicate-again"})
    err = ws.recv_json()
    assert err["code"] == "unknown-type" and "frobnicate-again" in err["message"], err
    ws.send_json(hello(session.term.terminal_id()))
    err = ws.recv_json()
    assert err["code"] == "unexpected" and "already" in err["message"], err
    assert session.hub.terminals()[0]["online"] is True


def test_first_message_must_be_hello(session):
    ws = session()
    ws.send_json({"type": "sale", "amount": 100})
    err = ws.recv_json()
    assert err["type"] == "error" and err["code"] == "unexpected", err
    assert err["field"] == "type" and "hello" in err["message"]
    ws.expect_end()
    assert session.hub.terminals()[0]["online"] is False

    # A hello naming another terminal than the certificate's is refused too.
    ws = session()
    ws.send_json(hello("01a1fc9f-1132-7e7e-8f01-1b4a02080976"))
    err = ws.recv_json()
    assert err["code"] == "bad-field" and err["field"] == "terminalId", err
    ws.expect_end()
    # And a hello with a wrong type of field.
    ws = session()
    bad = hello(session.term.terminal_id())
    bad["clock"] = "now"
    ws.send_json(bad)
    err = ws.recv_json()
    assert err["code"] == "bad-field" and err["field"] == "clock", err
    ws.expect_end()
    assert_still_serving(session)


def test_oversize_message_refused(session):
    ws = session()
    welcome(ws, session.term)
    ws.send_text(json.dumps({"type": "frobnicate", "pad": "x" * (1024 * 1024)}))
    err = ws.recv_json()
    assert err["type"] == "error" and err["code"] == "too-big", err
    ws.expect_end()
    assert_still_serving(session)


# Each refusal ends with a WebSocket close frame carrying its code (common/proto.h).
CLOSE_CASES = {
    "bad-json": (lambda s: s.send_text("{nope"), 4400),
    "first-not-hello": (lambda s: s.send_json({"type": "sale"}), 4400),
    "protocol-version": (lambda s: s.send_json(hello(s.tid, version=2)), 4426),
    "too-big": (lambda s: s.send_text("x" * (1024 * 1024 + 1)), 1009),
    "terminal-revoked": (None, 4403),
    "no-hello": (lambda s: None, 4408),
}


@pytest.mark.parametrize("case", sorted(CLOSE_CASES))
def test_close_codes(session, case):
    action, code = CLOSE_CASES[case]
    if action is None:
        res = session.hub.revoke(session.term.terminal_id())
        assert res.returncode == 0, res.stderr
    ws = session()
    ws.tid = session.term.terminal_id()
    if action:
        action(ws)
    err = ws.recv_json()
    assert err["type"] == "error", err
    assert err["code"] == {"first-not-hello": "unexpected"}.get(case, case), err
    assert err["message"], err
    # The session ends with a close frame carrying the documented code.
    end = ws.expect_end()
    assert end[:2] == ("close", code), end
