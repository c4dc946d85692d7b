# SPDX-License-Identifier: MIT
"""Creating a store, enrolling terminals, and every way enrollment is refused."""
import json
import os
import sqlite3
import stat
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import (EX_CANTCREAT, EX_DATAERR, EX_NOPERM, EX_UNAVAILABLE, LOOPBACK,
                      decode_code, encode_code, uuid_text)


def make_csr(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def enroll_request(code_text, csr=None):
    """The body tillnet-term would send for this code."""
    c = decode_code(code_text)
    tid = uuid_text(c["terminal_id"])
    return {"terminalId": tid, "secret": c["secret"].hex(), "csr": csr or make_csr(tid)}


def assert_not_enrolled(term):
    assert not term.file("term.conf").exists(), "term.conf written by a refused enrollment"
    assert not term.file("terminal.crt").exists(), "certificate written by a refused enrollment"


def test_enroll_and_connect(world):
    """init -> terminal add -> enroll -> run both: both sides show the connection."""
    hub = world.hub(store="Corner Shop")
    st = hub.status()
    assert st["running"] is True and isinstance(st["pid"], int)
    assert st["pid"] == hub.proc.pid
    assert st["store"] == "Corner Shop"
    assert st["syncPort"] == hub.sync_port and st["adminPort"] == hub.admin_port
    assert st["caFingerprint"].startswith("sha256:")
    assert st["terminals"] == []

    added = hub.add_terminal("Till 1")
    assert added["name"] == "Till 1"
    assert uuid.UUID(added["terminalId"])
    now_ms = time.time() * 1000
    assert 14 * 60000 < added["expiresAt"] - now_ms <= 15 * 60000 + 5000, added
    code = decode_code(added["code"])
    assert code["host"] == LOOPBACK and code["port"] == hub.admin_port
    assert uuid_text(code["terminal_id"]) == added["terminalId"]
    assert "sha256:" + code["fingerprint"].hex() == st["caFingerprint"]

    term = world.terminal("till1")
    res = term.enroll(added["code"])
    assert "Enrolled as terminal T01" in res.stdout, res.stdout
    for name in ("term.conf", "terminal.key", "terminal.crt", "ca.crt"):
        assert term.file(name).exists(), name
    assert stat.S_IMODE(os.stat(term.file("terminal.key")).st_mode) == 0o600
    assert term.file("ca.crt").read_text() == open(hub.ca_path).read()
    assert term.terminal_id() == added["terminalId"]

    # Listed, offline, before the terminal runs.
    [t] = hub.terminals()
    assert t["id"] == added["terminalId"] and t["name"] == "Till 1"
    assert t["shortCode"] == "T01"
    assert isinstance(t["certSerial"], str) and len(t["certSerial"]) >= 16
    assert abs(t["enrolledAt"] - now_ms) < 60000
    assert t["revokedAt"] is None and t["online"] is False
    for key in ("address", "lastSeen", "connectedAt", "clockOffsetMs"):
        assert key in t, key

    term.start()
    ts = term.wait_state("connected")
    assert ts["running"] is True and ts["pid"] == term.proc.pid
    assert ts["terminalId"] == added["terminalId"] and ts["shortCode"] == "T01"
    assert ts["name"] == "Till 1" and ts["store"] == "Corner Shop"
    assert ts["uiPort"] == term.ui_port
    assert ts["sync"]["hub"] == "wss://127.0.0.1:%d" % hub.sync_port
    assert ts["sync"]["lastError"] is None and ts["sync"]["lastErrorCode"] is None
    assert isinstance(ts["sync"]["connectedAt"], int)
    assert abs(ts["sync"]["clockOffsetMs"]) < 5000
    ui = term.ui_status()
    assert ui["sync"]["state"] == "connected" and ui["terminalId"] == added["terminalId"]

    [t] = hub.status()["terminals"]
    assert t["online"] is True, t
    assert t["address"] == LOOPBACK
    assert isinstance(t["connectedAt"], int) and isinstance(t["lastSeen"], int)
    assert abs(t["clockOffsetMs"]) < 5000
    listed = hub.terminals()
    assert listed[0]["online"] is True and listed[0]["address"] == LOOPBACK
    assert 'terminal T01 "Till 1" online from 127.0.0.1' in hub.log_text()


def test_init_refuses_existing_store(world):
    hub = world.hub(start=False)
    before = {p.name: p.read_bytes() for p in hub.data.iterdir()}
    res = hub.cli("init", "--data", hub.data, "--store", "Other", "--advertise", LOOPBACK)
    assert res.returncode == EX_CANTCREAT, res.stderr
    assert "already holds a store" in res.stderr
    after = {p.name: p.read_bytes() for p in hub.data.iterdir()}
    assert after == before, "init touched an existing store"
    assert hub.status()["store"] == "Corner Shop"


def test_enroll_refuses_enrolled_folder(world):
    hub = world.hub()
    term = world.enrolled_terminal(hub, start=False)
    conf = term.file("term.conf").read_bytes()
    res = term.enroll(hub.add_terminal("second")["code"], expect=EX_CANTCREAT)
    assert "already holds an enrolled terminal" in res.stderr
    assert term.file("term.conf").read_bytes() == conf
    assert len(hub.terminals()) == 1


def test_reused_code_refused(world):
    hub = world.hub()
    code = hub.add_terminal("till")["code"]
    world.terminal("first").enroll(code)
    listed = hub.terminals()
    second = world.terminal("second")
    res = second.enroll(code, expect=EX_NOPERM)
    assert "already used" in res.stderr, res.stderr
    assert_not_enrolled(second)
    assert hub.terminals() == listed


def test_expired_code_refused(world):
    hub = world.hub()
    added = hub.add_terminal("late")
    # Test setup on the real database: the code ran out a second ago.
    db = sqlite3.connect(str(hub.data / "hub.db"), timeout=10)
    try:
        with db:
            n = db.execute("UPDATE enroll_codes SET expires_at = ? WHERE terminal_id = ?",
                           (int(time.time() * 1000) - 1000, added["terminalId"])).rowcount
    finally:
        db.close()
    assert n == 1
    term = world.terminal("late")
    res = term.enroll(added["code"], expect=EX_NOPERM)
    assert "expired" in res.stderr, res.stderr
    assert_not_enrolled(term)
    assert hub.terminals() == []


def test_invalid_secret_refused(world):
    hub = world.hub()
    added = hub.add_terminal("till")
    body = enroll_request(added["code"])
    body["secret"] = os.urandom(16).hex()
    status, ans = hub.https("POST", "/api/v1/enroll", json.dumps(body))
    assert status == 403, ans
    assert ans["error"]["code"] == "code-invalid", ans
    # An unknown terminal id reads the same: nothing tells which part was wrong.
    body = enroll_request(added["code"])
    body["terminalId"] = str(uuid.uuid4())
    status, ans = hub.https("POST", "/api/v1/enroll", json.dumps(body))
    assert status == 403 and ans["error"]["code"] == "code-invalid", ans
    assert hub.terminals() == []
    # The real code still works.
    world.terminal("till").enroll(added["code"])
    assert len(hub.terminals()) == 1


def test_tampered_fingerprint_refused(world):
    hub = world.hub()
    added = hub.add_terminal("till")
    c = decode_code(added["code"])
    fp = bytearray(c["fingerprint"])
    fp[7] ^= 0x01
    forged = encode_code(c["host"], c["port"], c["terminal_id"], c["secret"], bytes(fp))
    assert forged != added["code"]
    term = world.terminal("till")
    res = term.enroll(forged, expect=EX_NOPERM)
    assert "expects" in res.stderr, res.stderr
    assert "sha256:" + bytes(fp).hex() in res.stderr, res.stderr
    assert_not_enrolled(term)
    assert not term.file("ca.crt").exists(), "the unpinned CA was kept"
    assert not term.file("terminal.key").exists(), "a key was kept for a refused enrollment"
    assert hub.terminals() == []
    # Nothing reached the hub: the real code is still good.
    term.enroll(added["code"])
    assert [t["id"] for t in hub.terminals()] == [added["terminalId"]]


def test_bad_code_text_and_unreachable_hub(world):
    hub = world.hub(start=False)
    code = hub.add_terminal("till")["code"]
    term = world.terminal("till")
    # A damaged code is refused before any network traffic.
    damaged = code[:-3] + ("AAA" if code[-3:] != "AAA" else "BBB")
    res = term.enroll(damaged, expect=EX_DATAERR)
    assert "damaged" in res.stderr or "copy it again" in res.stderr, res.stderr
    res = term.enroll("hello", expect=EX_DATAERR)
    assert "TN1-" in res.stderr, res.stderr
    res = term.enroll(code[:30], expect=EX_DATAERR)
    assert "cut short" in res.stderr, res.stderr
    # The hub is not running: unreachable.
    res = term.enroll(code, expect=EX_UNAVAILABLE)
    assert "cannot reach the hub" in res.stderr, res.stderr
    assert_not_enrolled(term)
    assert hub.terminals() == []


def test_bad_enroll_bodies(world):
    """Each bad body gets a clear error naming the field; nothing is stored."""
    hub = world.hub()
    added = hub.add_terminal("till")
    good = enroll_request(added["code"])

    def post(body, **kw):
        return hub.https("POST", "/api/v1/enroll", body, **kw)

    status, ans = post("this is not json {")
    assert status == 400 and ans["error"]["code"] == "bad-json", ans
    assert ans["error"]["message"]
    status, ans = post("[1, 2, 3]")
    assert status == 400 and ans["error"]["code"] == "bad-json", ans
    status, ans = post("")
    assert status == 400 and ans["error"]["code"] == "bad-json", ans

    cases = [
        (dict(good, terminalId=12345), "terminalId"),
        ({k: v for k, v in good.items() if k != "terminalId"}, "terminalId"),
        (dict(good, secret=None), "secret"),
        (dict(good, secret="zz" * 16), "secret"),
        (dict(good, secret=good["secret"][:-2]), "secret"),
        (dict(good, csr=["not", "a", "csr"]), "csr"),
        (dict(good, csr="-----BEGIN CERTIFICATE REQUEST-----\ngarbage\n"
                        "-----END CERTIFICATE REQUEST-----\n"), "csr"),
        (dict(good, csr="garbage"), "csr"),
    ]
    for body, field in cases:
        status, ans = post(json.dumps(body))
        assert status == 400, (field, status, ans)
        assert ans["error"]["code"] == "bad-field", (field, ans)
        assert ans["error"]["field"] == field, (field, ans)
        assert field in ans["error"]["message"], (field, ans)

    other = str(uuid.uuid4())
    status, ans = post(json.dumps(dict(good, csr=make_csr(other))))
    assert status == 400 and ans["error"]["field"] == "csr", ans
    assert "CN" in ans["error"]["message"] and other in ans["error"]["message"], ans

    status, ans = post(json.dumps(dict(good, csr="x" * (70 * 1024))))
    assert status == 413 and ans["error"]["code"] == "too-big", ans
    status, ans = post(b"{" + b" " * (70 * 1024) + b"}")
    assert status == 413, ans

    # Nothing was stored; the code is unused and the hub still enrolls.
    assert hub.terminals() == []
    assert hub.proc.poll() is None
    term = world.terminal("till")
    term.enroll(added["code"])
    [t] = hub.terminals()
    assert t["id"] == added["terminalId"]
    term.start()
    term.wait_state("connected")


def test_routes_and_methods(world):
    """Unknown routes are 404 and wrong methods 405, as JSON errors."""
    hub = world.hub()
    status, pem = hub.https("GET", "/api/v1/ca")
    assert status == 200 and pem == open(hub.ca_path).read()
    for method, path in (("GET", "/api/v1/enroll"), ("PUT", "/api/v1/enroll"),
                         ("DELETE", "/api/v1/enroll"), ("POST", "/api/v1/ca")):
        status, ans = hub.https(method, path, "{}" if method != "GET" else None)
        assert status == 405, (method, path, status, ans)
        assert ans["error"]["code"] == "method-not-allowed", (method, path, ans)
        assert method in ans["error"]["message"], ans
    for path in ("/api/v1/nothing-here", "/", "/api/v1/enroll/extra", "/api/v2/ca"):
        status, ans = hub.https("GET", path)
        assert status == 404 and ans["error"]["code"] == "not-found", (path, ans)
    assert hub.proc.poll() is None
