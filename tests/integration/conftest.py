# SPDX-License-Identifier: MIT
"""
Fixtures and helpers for tillnet's integration tests.

The tests drive the real binaries as separate processes over real sockets
and real TLS, on 127.0.0.1 only (DESIGN.md, "Choices"). The binaries come
from the meson build directory in $TILLNET_BUILD (default /work/main/build),
so the same suite runs against the normal and the sanitizer builds.

Rules every helper here follows:
  - only 127.0.0.1; ports are picked free by binding 127.0.0.1:0;
  - every wait polls every 0.1 s, bounded in time and in count, and fails
    with a message that says what it waited for and what it saw last;
  - every process started is stopped at teardown (SIGTERM, 5 s, SIGKILL);
    one that was not killed on purpose must have exited 0, and no process
    output may hold a sanitizer report.

Only the standard library and python3-cryptography are used (Debian's
pytest-3 runs the suite with /usr/bin/python3).
"""
import base64
import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import time
import zlib

import pytest

BUILD = os.environ.get("TILLNET_BUILD", "/work/main/build")
HUB_BIN = os.path.join(BUILD, "hub", "tillnet-hub")
TERM_BIN = os.path.join(BUILD, "terminal", "tillnet-term")

LOOPBACK = "127.0.0.1"
# Sanitizer builds are several times slower: deadlines are generous, polls fast.
DEADLINE = float(os.environ.get("TILLNET_TEST_DEADLINE", "20"))
POLL = 0.1
STOP_WAIT = 5.0
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# sysexits.h
EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 64, 65, 69
EX_CANTCREAT, EX_NOPERM, EX_CONFIG = 73, 77, 78


def pytest_report_header(config):
    return "tillnet binaries: %s, %s" % (HUB_BIN, TERM_BIN)


@pytest.fixture(scope="session", autouse=True)
def _binaries_built():
    for path in (HUB_BIN, TERM_BIN):
        if not os.access(path, os.X_OK):
            pytest.fail("%s is missing or not executable: build with 'ninja -C %s' "
                        "(TILLNET_BUILD=%s)" % (path, BUILD, BUILD), pytrace=False)


# ---------------------------------------------------------------- helpers

_ports_given = set()


def free_port():
    """A TCP port free on 127.0.0.1 now, never the same one twice in a session."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port
    raise RuntimeError("no free port found on 127.0.0.1 in 100 tries")


def sanitizer_lines(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def tail(text, lines=25):
    return "\n".join(text.splitlines()[-lines:])


def wait_until(what, probe, cond=bool, timeout=DEADLINE, procs=()):
    """
    Call probe() every POLL seconds until cond(value) holds; return the value.
    Bounded in time (timeout) and in count; fails with the last value seen,
    or at once if one of `procs` exits meanwhile.
    """
    deadline = time.monotonic() + timeout
    max_polls = int(timeout / POLL) + 2
    value = None
    for _ in range(max_polls):
        value = probe()
        if cond(value):
            return value
        for p in procs:
            if p.poll() is not None:
                pytest.fail("%s exited with %s while waiting for %s; last seen: %r\n"
                            "--- %s log ---\n%s" % (p.name, p.returncode, what, value, p.name,
                                                    tail(p.log_text())), pytrace=False)
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL)
    pytest.fail("timed out after %.1f s waiting for %s; last seen: %r" % (timeout, what, value),
                pytrace=False)


def run_cli(binary, *args, env=None, timeout=DEADLINE):
    """Run one command to completion; its output must hold no sanitizer report."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    argv = [binary] + [str(a) for a in args]
    try:
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             env=full_env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("%s did not finish within %.0f s" % (" ".join(argv), timeout), pytrace=False)
    bad = sanitizer_lines(res.stderr) + sanitizer_lines(res.stdout)
    assert not bad, "sanitizer report from %s:\n%s\n%s" % (" ".join(argv), "\n".join(bad),
                                                           res.stderr)
    return res


def run_json(binary, *args, env=None):
    res = run_cli(binary, *args, env=env)
    assert res.returncode == 0, "%s %s: exit %d\n%s" % (
        os.path.basename(binary), " ".join(map(str, args)), res.returncode, res.stderr)
    try:
        return json.loads(res.stdout)
    except ValueError:
        pytest.fail("%s %s printed no JSON: %r" % (os.path.basename(binary), args, res.stdout))


def port_open(port):
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


# ---------------------------------------------------------- enrollment codes

def decode_code(text):
    """The fields of an enrollment code (format in common/enroll_code.h)."""
    assert text.startswith("TN1-"), text
    b32 = text[4:]
    raw = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    assert raw[0] == 1, "code version %d" % raw[0]
    hl = raw[1]
    pos = 2 + hl
    fields = {
        "host": raw[2:pos].decode(),
        "port": struct.unpack(">H", raw[pos:pos + 2])[0],
        "terminal_id": raw[pos + 2:pos + 18],
        "secret": raw[pos + 18:pos + 34],
        "fingerprint": raw[pos + 34:pos + 66],
    }
    assert len(raw) == pos + 70, "code length %d" % len(raw)
    assert zlib.crc32(raw[:-4]) == struct.unpack(">I", raw[-4:])[0], "code CRC mismatch"
    return fields


def encode_code(host, port, terminal_id, secret, fingerprint):
    hb = host.encode()
    raw = bytes([1, len(hb)]) + hb + struct.pack(">H", port) + terminal_id + secret + fingerprint
    raw += struct.pack(">I", zlib.crc32(raw))
    return "TN1-" + base64.b32encode(raw).decode().rstrip("=")


def uuid_text(b):
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


# ---------------------------------------------------------------- processes

class Proc:
    """A long-running program; its stdout and stderr go to a log file."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = str(log_path)
        self.killed_hard = False
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self._log = open(self.log_path, "ab")
        self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                  stderr=subprocess.STDOUT, env=full_env)

    @property
    def pid(self):
        return self.p.pid

    @property
    def returncode(self):
        return self.p.returncode

    def poll(self):
        return self.p.poll()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, timeout=STOP_WAIT):
        """SIGTERM, wait; SIGKILL if it does not stop. Returns the exit code."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                pytest.fail("%s did not stop within %.0f s of SIGTERM; killed it\n%s" % (
                    self.name, timeout, tail(self.log_text())), pytrace=False)
        return self.p.returncode

    def kill9(self):
        self.killed_hard = True
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=STOP_WAIT)
        return self.p.returncode

    def close_log(self):
        self._log.close()


class Procs:
    """Every process a test starts; teardown stops them and checks how they ended."""

    def __init__(self):
        self.all = []

    def start(self, name, argv, log_path, env=None):
        p = Proc(name, argv, log_path, env)
        self.all.append(p)
        return p

    def teardown(self):
        problems = []
        for p in reversed(self.all):  # terminals before the hub they talk to
            if p.p.poll() is None:
                p.p.send_signal(signal.SIGTERM)
                try:
                    p.p.wait(timeout=STOP_WAIT)
                except subprocess.TimeoutExpired:
                    p.killed_hard = True
                    p.p.kill()
                    p.p.wait(timeout=STOP_WAIT)
                    problems.append("%s (pid %d) did not stop within %.0f s of SIGTERM" % (
                        p.name, p.pid, STOP_WAIT))
            p.close_log()
            text = p.log_text()
            if not p.killed_hard and p.returncode != 0:
                problems.append("%s (pid %d) exited with %s, not 0, on SIGTERM\n%s" % (
                    p.name, p.pid, p.returncode, tail(text)))
            bad = sanitizer_lines(text)
            if bad:
                problems.append("%s (pid %d): sanitizer report:\n%s\n--- log ---\n%s" % (
                    p.name, p.pid, "\n".join(bad), tail(text, 80)))
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def procs():
    registry = Procs()
    yield registry
    registry.teardown()


# ------------------------------------------------------------------ the hub

class Hub:
    def __init__(self, world, name, store):
        self.world = world
        self.name = name
        self.store = store
        self.data = world.tmp / name
        self.sync_port = free_port()
        self.admin_port = free_port()
        self.proc = None
        self.runs = 0

    def cli(self, *args, env=None):
        return run_cli(HUB_BIN, *args, env=env)

    def init(self, *extra):
        res = self.cli("init", "--data", self.data, "--store", self.store, "--advertise",
                       LOOPBACK, "--sync-port", self.sync_port, "--admin-port", self.admin_port,
                       *extra)
        assert res.returncode == 0, "hub init: exit %d\n%s" % (res.returncode, res.stderr)
        return res

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "hub already running"
        self.runs += 1
        self.proc = self.world.procs.start(
            "%s (run %d)" % (self.name, self.runs),
            [HUB_BIN, "run", "--data", self.data, "--listen", LOOPBACK],
            self.world.tmp / ("%s.log" % self.name))
        wait_until("%s to listen on ports %d and %d" % (self.name, self.sync_port,
                                                        self.admin_port),
                   lambda: port_open(self.sync_port) and port_open(self.admin_port),
                   procs=[self.proc])
        return self.proc

    def stop(self):
        rc = self.proc.stop()
        return rc

    def log_text(self):
        return self.proc.log_text() if self.proc else ""

    def status(self):
        return run_json(HUB_BIN, "status", "--data", self.data, "--json")

    def terminals(self):
        return run_json(HUB_BIN, "terminal", "list", "--data", self.data, "--json")

    def terminal(self, terminal_id):
        for t in self.terminals():
            if t["id"] == terminal_id:
                return t
        return None

    def add_terminal(self, name):
        out = run_json(HUB_BIN, "terminal", "add", "--data", self.data, "--name", name, "--json")
        assert out["code"].startswith("TN1-"), out
        return out

    def revoke(self, key):
        return self.cli("terminal", "revoke", "--data", self.data, key)

    @property
    def ca_path(self):
        return str(self.data / "ca.crt")

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.ca_path)
        ctx.check_hostname = True
        return ctx

    def https(self, method, path, body=None, headers=None):
        """One request to the admin port over verified TLS: (status, parsed body or text)."""
        conn = http.client.HTTPSConnection(LOOPBACK, self.admin_port, context=self.tls_context(),
                                           timeout=DEADLINE)
        try:
            hdrs = {"Content-Type": "application/json"}
            hdrs.update(headers or {})
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=hdrs)
            res = conn.getresponse()
            data = res.read()
            ctype = res.getheader("Content-Type", "")
        finally:
            conn.close()
        if ctype.startswith("application/json"):
            return res.status, json.loads(data)
        return res.status, data.decode("utf-8", "replace")


# ------------------------------------------------------------- the terminal

class Terminal:
    def __init__(self, world, name):
        self.world = world
        self.name = name
        self.data = world.tmp / name
        self.ui_port = free_port()
        self.proc = None
        self.runs = 0

    def enroll(self, code, expect=0):
        res = run_cli(TERM_BIN, "enroll", "--data", self.data, "--code", code, "--ui-port",
                      self.ui_port)
        if expect is not None:
            assert res.returncode == expect, "enroll: exit %d, expected %d\nstdout: %s\n" \
                "stderr: %s" % (res.returncode, expect, res.stdout, res.stderr)
        return res

    def start(self, env=None):
        assert self.proc is None or self.proc.poll() is not None, "terminal already running"
        self.runs += 1
        self.proc = self.world.procs.start(
            "%s (run %d)" % (self.name, self.runs),
            [TERM_BIN, "run", "--data", self.data], self.world.tmp / ("%s.log" % self.name),
            env=env)
        wait_until("%s's UI on port %d" % (self.name, self.ui_port),
                   lambda: self.ui_status(quiet=True), procs=[self.proc])
        return self.proc

    def stop(self):
        return self.proc.stop()

    def log_text(self):
        return self.proc.log_text() if self.proc else ""

    def status(self):
        return run_json(TERM_BIN, "status", "--data", self.data, "--json")

    def ui_status(self, quiet=False):
        """GET /api/v1/status on the cashier UI port; None if it does not answer (quiet)."""
        try:
            conn = http.client.HTTPConnection(LOOPBACK, self.ui_port, timeout=DEADLINE)
            try:
                conn.request("GET", "/api/v1/status")
                res = conn.getresponse()
                data = res.read()
            finally:
                conn.close()
        except OSError:
            if quiet:
                return None
            raise
        assert res.status == 200, (res.status, data)
        return json.loads(data)

    def wait_sync(self, what, cond, timeout=DEADLINE):
        """Poll `tillnet-term status --json` until cond(status) holds."""
        procs = [self.proc] if self.proc and self.proc.poll() is None else []
        return wait_until("%s: %s" % (self.name, what), self.status, cond, timeout, procs)

    def wait_state(self, state, timeout=DEADLINE):
        return self.wait_sync("sync state %s" % state,
                              lambda s: s["sync"]["state"] == state, timeout)

    def file(self, name):
        return self.data / name

    def tls_context(self, ca=None):
        """A client context with this terminal's certificate and key."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ca or str(self.data / "ca.crt"))
        ctx.load_cert_chain(str(self.data / "terminal.crt"), str(self.data / "terminal.key"))
        ctx.check_hostname = True
        return ctx

    def terminal_id(self):
        for line in (self.data / "term.conf").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "id":
                return value.strip()
        raise AssertionError("no id in term.conf")


class World:
    """Hubs and terminals of one test, in its tmp_path."""

    def __init__(self, tmp, procs):
        self.tmp = tmp
        self.procs = procs

    def hub(self, name="hub", store="Corner Shop", start=True):
        h = Hub(self, name, store)
        h.init()
        if start:
            h.start()
        return h

    def terminal(self, name="till"):
        return Terminal(self, name)

    def enrolled_terminal(self, hub, name="till", start=True):
        t = self.terminal(name)
        t.enroll(hub.add_terminal(name)["code"])
        if start:
            t.start()
            t.wait_state("connected")
        return t


@pytest.fixture
def world(tmp_path, procs):
    return World(tmp_path, procs)


# ------------------------------------------------------- a WebSocket client

class WSRefused(Exception):
    """The server did not upgrade the connection."""


class WebSocket:
    """
    Just enough RFC 6455 for the tests: the client handshake, masked frames
    out, unmasked frames in, pings answered. recv_* return ("text", str),
    ("close", code, reason) or raise EOFError when the peer just went away.
    """

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    @classmethod
    def connect(cls, port, ctx=None, protocol="tillnet-sync", timeout=DEADLINE):
        raw = socket.create_connection((LOOPBACK, port), timeout=timeout)
        try:
            sock = ctx.wrap_socket(raw, server_hostname=LOOPBACK) if ctx else raw
        except Exception:
            raw.close()
            raise
        ws = cls(sock)
        try:
            ws._handshake(port, protocol, timeout)
        except Exception:
            ws.close()
            raise
        return ws

    def _handshake(self, port, protocol, timeout):
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (LOOPBACK, port, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        self.sock.sendall((req + "\r\n").encode())
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise WSRefused("no end of the HTTP answer in 64 KiB: %r" % self.buf[:200])
            chunk = self._recv_some(deadline)
            if not chunk:
                raise WSRefused("connection closed before an answer: %r" % self.buf[:200])
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            raise WSRefused("not upgraded: %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        assert headers.get("sec-websocket-accept") == accept, headers
        if protocol:
            assert headers.get("sec-websocket-protocol") == protocol, headers

    def _recv_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(remaining)
        return self.sock.recv(65536)

    def _recv_exact(self, n, deadline):
        while len(self.buf) < n:
            chunk = self._recv_some(deadline)
            if not chunk:
                raise EOFError("connection closed by the peer")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload, fin=True):
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        # XOR with the mask, fast enough for a megabyte.
        whole = mask * (n // 4 + 1)
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(whole[:n], "big")).to_bytes(
            n, "big") if n else b""
        self.sock.settimeout(DEADLINE)
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self.send_frame(0x1, text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj))

    def recv_frame(self, deadline):
        b0, b1 = self._recv_exact(2, deadline)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._recv_exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._recv_exact(8, deadline))[0]
        assert not b1 & 0x80, "the server masked a frame"
        return bool(b0 & 0x80), b0 & 0x0F, self._recv_exact(n, deadline)

    def recv(self, timeout=DEADLINE):
        deadline = time.monotonic() + timeout
        parts = []
        for _ in range(1000):
            fin, opcode, payload = self.recv_frame(deadline)
            if opcode == 0x9:  # ping
                self.send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                return ("close", code, payload[2:].decode("utf-8", "replace"))
            parts.append(payload)
            if fin:
                return ("text", b"".join(parts).decode())
        raise AssertionError("more than 1000 frames in one message")

    def recv_json(self, timeout=DEADLINE):
        msg = self.recv(timeout)
        assert msg[0] == "text", "expected a message, got %r" % (msg,)
        return json.loads(msg[1])

    def expect_close(self, timeout=DEADLINE):
        """The next thing is a close frame: (code, reason). Messages before it fail."""
        msg = self.recv(timeout)
        assert msg[0] == "close", "expected a close frame, got %r" % (msg,)
        return msg[1], msg[2]

    def expect_end(self, timeout=DEADLINE):
        """
        The server ends the session: ("close", code, reason) for a close
        frame, ("eof", None, "") when the connection just ends. A message
        or a timeout fails.
        """
        try:
            msg = self.recv(timeout)
        except (EOFError, ConnectionError) as e:
            return ("eof", None, repr(e))
        assert msg[0] == "close", "expected the session to end, got %r" % (msg,)
        return msg

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hello(terminal_id, version=1, clock=None):
    return {"type": "hello", "protocolVersion": version, "terminalId": terminal_id,
            "clock": int(time.time() * 1000) if clock is None else clock,
            "software": "tillnet integration tests"}


# ------------------------------------------------------------ sync helpers
#
# Selling, exporting and the raw sync client used by test_sync*.py. Added as
# methods of Hub and Terminal so that tests read like what a person types.

import sqlite3  # noqa: E402
import uuid as _uuid  # noqa: E402

CATALOG_HEADER = "sku,name,barcode,price,tax_rate\n"
# Prices in minor units, tax in percent (docs/catalog.md).
SHOP_CATALOG = (CATALOG_HEADER
                + "COF,Coffee,4006381333931,250,20\n"
                + "CRO,Croissant,,180,7\n"
                + "WAT,Water,,100,0\n")
SHOP_ITEMS = {"COF": (250, 2000, "Coffee"), "CRO": (180, 700, "Croissant"),
              "WAT": (100, 0, "Water")}


def poll_until(what, probe, cond=bool, timeout=DEADLINE, interval=0.02):
    """wait_until with a fast poll, for timings: returns (value, seconds waited)."""
    start = time.monotonic()
    value = None
    for _ in range(int(timeout / interval) + 2):
        value = probe()
        if cond(value):
            return value, time.monotonic() - start
        if time.monotonic() - start >= timeout:
            break
        time.sleep(interval)
    pytest.fail("timed out after %.1f s waiting for %s; last seen: %r" % (timeout, what, value),
                pytrace=False)


def sqlite_rows(path, sql, *args):
    """Rows of a read-only query on an SQLite file (term.db, hub.db)."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def sqlite_write(path, sql, *args):
    """One write to an SQLite file, committed (for faults a test sets up by hand)."""
    db = sqlite3.connect(str(path), timeout=10)
    try:
        with db:
            db.execute(sql, args)
    finally:
        db.close()


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _add_methods(cls, extra):
    """Add the functions of class `extra` to `cls` as methods (never replacing one)."""
    for name, fn in vars(extra).items():
        if callable(fn) and not name.startswith("__"):
            assert not hasattr(cls, name), "%s.%s exists" % (cls.__name__, name)
            setattr(cls, name, fn)


class _HubSync:
    """Hub: catalog, orders and conflicts through tillnet-hub."""

    def import_catalog(self, csv_text, name=None):
        """tillnet-hub catalog import of `csv_text`; returns what it printed."""
        self.catalog_imports = getattr(self, "catalog_imports", 0) + 1
        path = self.world.tmp / (name or "%s-catalog-%d.csv" % (self.name, self.catalog_imports))
        path.write_text(csv_text)
        res = self.cli("catalog", "import", "--data", self.data, path)
        assert res.returncode == 0, "catalog import: exit %d\n%s" % (res.returncode, res.stderr)
        return res.stdout

    def orders(self):
        """tillnet-hub orders export (jsonl): every order the hub holds."""
        res = self.cli("orders", "export", "--data", self.data)
        assert res.returncode == 0, "hub orders export: exit %d\n%s" % (res.returncode, res.stderr)
        return jsonl(res.stdout)

    def order(self, order_id):
        found = [o for o in self.orders() if o["id"] == order_id]
        assert len(found) <= 1, found
        return found[0] if found else None

    def conflicts(self):
        return run_json(HUB_BIN, "conflicts", "--data", self.data, "--json")

    def force_claim(self, order_id, to):
        return self.cli("order", "force-claim", "--data", self.data, order_id, "--to", to)

    def audit(self):
        res = self.cli("audit", "--data", self.data, "--json")
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    def db_rows(self, sql, *args):
        return sqlite_rows(self.data / "hub.db", sql, *args)

    def count(self, table):
        """Rows in a hub.db table, read directly: fast enough to poll every few ms."""
        return self.db_rows("SELECT count(*) FROM %s" % table)[0][0]

    def event_seq(self):
        return self.status()["sync"]["eventSeq"]

    def kill9(self):
        return self.proc.kill9()


_add_methods(Hub, _HubSync)


class _TerminalSync:
    """Terminal: selling and looking at orders through tillnet-term."""

    def sell(self, *lines, pay=("cash",), expect=0):
        """
        tillnet-term sell --json with --line for each of `lines` ("SKU:QTY") and
        --pay for each of `pay`; the parsed answer when it exits 0, else the
        completed process (for refusals).
        """
        args = ["sell", "--data", self.data]
        for line in lines:
            args += ["--line", line]
        for p in pay:
            args += ["--pay", p]
        res = run_cli(TERM_BIN, *(args + ["--json"]))
        assert res.returncode == expect, "sell %s: exit %d, expected %d\n%s" % (
            " ".join(lines), res.returncode, expect, res.stderr)
        return json.loads(res.stdout) if expect == 0 else res

    def park(self, *lines):
        args = ["park", "--data", self.data]
        for line in lines:
            args += ["--line", line]
        out = run_json(TERM_BIN, *(args + ["--json"]))
        assert out["receipt"] is None and out["order"]["status"] == "parked", out
        return out["orderId"]

    def release(self, order_id):
        return run_cli(TERM_BIN, "release", "--data", self.data, order_id)

    def claim(self, order_id):
        return run_cli(TERM_BIN, "claim", "--data", self.data, order_id, timeout=DEADLINE + 15)

    def orders(self):
        """tillnet-term orders export: every order this terminal holds."""
        res = run_cli(TERM_BIN, "orders", "export", "--data", self.data)
        assert res.returncode == 0, "orders export: exit %d\n%s" % (res.returncode, res.stderr)
        return jsonl(res.stdout)

    def order(self, order_id):
        found = [o for o in self.orders() if o["id"] == order_id]
        assert len(found) <= 1, found
        return found[0] if found else None

    def outbox(self):
        """{"pending", "parked", "oldestPendingAgeMs"} from status --json."""
        return self.status()["outbox"]

    def wait_drained(self, timeout=DEADLINE):
        """The outbox has nothing pending (the hub answered every op)."""
        return self.wait_sync("an empty outbox", lambda s: s["outbox"]["pending"] == 0, timeout)

    def wait_catalog(self, version=1, timeout=DEADLINE):
        return self.wait_sync("catalog version %d" % version,
                              lambda s: s["catalogVersion"] >= version, timeout)

    def db_rows(self, sql, *args):
        return sqlite_rows(self.data / "term.db", sql, *args)

    def db_write(self, sql, *args):
        return sqlite_write(self.data / "term.db", sql, *args)

    def short_code(self):
        for line in (self.data / "term.conf").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("short_code", "shortCode"):
                return value.strip()
        return self.status()["shortCode"]

    def kill9(self):
        return self.proc.kill9()


_add_methods(Terminal, _TerminalSync)


class _WorldSync:
    """World: a whole shop in one call, and raw sync sessions."""

    def shop(self, terminals=(), start=True):
        """A running hub with SHOP_CATALOG and enrolled terminals (connected, catalog in)."""
        hub = self.hub()
        hub.import_catalog(SHOP_CATALOG)
        tills = [self.enrolled_terminal(hub, name, start=start) for name in terminals]
        for t in tills:
            if start:
                t.wait_catalog()
        return hub, tills

    def sync_client(self, hub, term, clock=None):
        """A SyncClient (below) for `term`, enrolled and not running, on `hub`."""
        return SyncClient(hub, term, clock)


_add_methods(World, _WorldSync)


# --------------------------------------------------- orders and ops by hand

def round_half_away(num, den):
    """num / den rounded half away from zero, for num >= 0 (common/money.c)."""
    q, r = divmod(num, den)
    return q + (1 if 2 * r >= den else 0)


def make_line(sku, qty=1000, unit_price=None, tax_rate=None, name=None):
    """A line as the spec computes it: lineTotal and tax from price, qty and rate."""
    price, rate, item_name = SHOP_ITEMS.get(sku, (100, 2000, sku))
    unit_price = price if unit_price is None else unit_price
    tax_rate = rate if tax_rate is None else tax_rate
    line_total = round_half_away(unit_price * qty, 1000)
    return {"sku": sku, "name": item_name if name is None else name, "qty": qty,
            "unitPrice": unit_price, "taxRate": tax_rate, "lineTotal": line_total,
            "tax": round_half_away(line_total * tax_rate, 10000 + tax_rate)}


def make_order(lines=None, status="completed", receipt=None, receipt_seq=None, at=None):
    """An order payload; completed ones are paid in cash, exactly."""
    lines = [make_line("COF")] if lines is None else lines
    at = int(time.time() * 1000) if at is None else at
    total = sum(line["lineTotal"] for line in lines)
    order = {"status": status, "receipt": None, "receiptSeq": None, "createdAt": at,
             "completedAt": None, "lines": lines, "total": total,
             "taxTotal": sum(line["tax"] for line in lines), "payments": []}
    if status == "completed":
        order.update(receipt=receipt, receiptSeq=receipt_seq, completedAt=at, payments=[
            {"tender": "cash", "amount": total, "tendered": total, "change": 0,
             "reference": None}])
    return order


def new_id():
    """A fresh UUID in the 36-character lower-case form (v4 is fine for ids)."""
    return str(_uuid.uuid4())


def make_op(payload=None, kind="order.put", entity_id=None, rev=1, op_id=None, at=None):
    return {"opId": op_id or new_id(), "kind": kind, "entity": "order",
            "entityId": entity_id or new_id(), "rev": rev,
            "at": int(time.time() * 1000) if at is None else at,
            "payload": make_order() if payload is None and kind == "order.put"
            else ({} if payload is None else payload)}


class SyncClient:
    """
    A raw sync session holding a real terminal's certificate: hello, then
    push / cursor / claim by hand. It sends no cursor unless asked, so the
    hub streams it nothing and every answer is the next message.
    """

    def __init__(self, hub, term, clock=None):
        self.hub = hub
        self.term = term
        self.ws = WebSocket.connect(hub.sync_port, term.tls_context())
        self.ws.send_json(hello(term.terminal_id(), clock=clock))
        self.welcome = self.ws.recv_json()
        assert self.welcome["type"] == "welcome", self.welcome
        self.receipts = 0

    def send(self, obj):
        self.ws.send_json(obj)

    def send_text(self, text):
        self.ws.send_text(text)

    def recv(self, timeout=DEADLINE):
        return self.ws.recv_json(timeout)

    def push(self, ops):
        """Send one push; return its results (one per op, in order)."""
        self.send({"type": "push", "ops": ops})
        msg = self.recv()
        assert msg["type"] == "results", msg
        assert len(msg["results"]) == len(ops), msg
        return msg["results"]

    def error(self):
        """The next message must be an error: return it."""
        msg = self.recv()
        assert msg["type"] == "error", msg
        return msg

    def end(self, close_code):
        """
        The hub ends the session. lws 4.1 may drop the close frame on TLS
        (docs/protocol.md): EOF is accepted; a close frame must carry close_code.
        """
        end = self.ws.expect_end()
        assert end[0] in ("close", "eof"), end
        if end[0] == "close":
            assert end[1] == close_code, end
        return end

    def sale(self, lines=None):
        """A valid order.put of a completed sale with this client's next receipt."""
        self.receipts += 1
        code = self.welcome["shortCode"]
        return make_op(make_order(lines, receipt="%s-%06d" % (code, self.receipts),
                                  receipt_seq=self.receipts))

    def close(self):
        self.ws.close()


# ------------------------------------------ the hub's upstream forwarder (issue 6)

def hub_configure_upstream(hub, upstream=None, token=None, **keys):
    """
    Append an [upstream] section to the hub's hub.conf: url and a token file
    of the hub's own (holding `token`, default the upstream's) plus `keys`
    (batch_max, batch_interval_ms, backoff_max_ms ...). Returns the token
    file's path, for a test to rewrite.
    """
    token_file = hub.world.tmp / ("%s-upstream-token" % hub.name)
    token_file.write_text((token or (upstream.token if upstream else "none")) + "\n")
    lines = ["", "[upstream]"]
    if upstream is not None:
        lines.append("url = %s" % upstream.url)
    lines.append("token_file = %s" % token_file)
    lines += ["%s = %s" % (k, v) for k, v in keys.items()]
    with open(hub.data / "hub.conf", "a") as f:
        f.write("\n".join(lines) + "\n")
    return token_file


# ------------------------------------------------ the reference upstream
#
# tillnet-upstream-ref (tests/upstream, docs/upstream-api.md): the back
# office the hub's forwarder talks to. world.upstream() starts one.

UPSTREAM_BIN = os.path.join(BUILD, "tests", "upstream", "tillnet-upstream-ref")
UPSTREAM_READY = "tillnet-upstream-ref: listening on "


class Upstream:
    """A running tillnet-upstream-ref on 127.0.0.1 and a client for its routes."""

    def __init__(self, world, name="upstream", token="upstream-token", base="/tillnet",
                 tls=None, args=(), db=None):
        self.world = world
        self.name = name
        self.token = token
        self.base = base
        self.tls = tls  # (cert path, key path, CA path) or None
        self.args = [str(a) for a in args]
        self.port = free_port()
        self.db = str(db or world.tmp / ("%s.db" % name))
        self.token_file = world.tmp / ("%s.token" % name)
        self.token_file.write_text(token + "\n")
        self.proc = None
        self.runs = 0

    @property
    def url(self):
        return "%s://%s:%d%s" % ("https" if self.tls else "http", LOOPBACK, self.port, self.base)

    def start(self, *extra):
        if not os.access(UPSTREAM_BIN, os.X_OK):
            pytest.fail("%s is missing: build with 'ninja -C %s'" % (UPSTREAM_BIN, BUILD),
                        pytrace=False)
        assert self.proc is None or self.proc.poll() is not None, "upstream already running"
        self.runs += 1
        log_path = self.world.tmp / ("%s.log" % self.name)
        # The log is appended to across runs: look for this run's ready line only.
        seen = len(log_path.read_text(errors="replace")) if log_path.exists() else 0
        argv = [UPSTREAM_BIN, "--listen", LOOPBACK, "--port", self.port, "--db", self.db,
                "--token-file", self.token_file, "--base", self.base]
        if self.tls:
            argv += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.proc = self.world.procs.start("%s (run %d)" % (self.name, self.runs),
                                           argv + self.args + [str(a) for a in extra],
                                           log_path)
        line = UPSTREAM_READY + self.url
        wait_until("%s's ready line %r" % (self.name, line),
                   lambda: line in self.proc.log_text()[seen:], procs=[self.proc])
        return self.proc

    def stop(self):
        return self.proc.stop()

    def log_text(self):
        return self.proc.log_text() if self.proc else ""

    def connection(self, timeout=DEADLINE):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls[2])
            return http.client.HTTPSConnection(LOOPBACK, self.port, context=ctx,
                                               timeout=timeout)
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=timeout)

    def request(self, method, route, body=None, headers=None, token=None, timeout=DEADLINE):
        """
        One request to BASE + route: (status, headers, parsed JSON body).
        `body` may be a dict (sent as JSON), str or bytes; token=False sends
        no Authorization header.
        """
        hdrs = {"Content-Type": "application/json"}
        if token is not False:
            hdrs["Authorization"] = "Bearer %s" % (token or self.token)
        hdrs.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        conn = self.connection(timeout)
        try:
            conn.request(method, self.base + route, body=body, headers=hdrs)
            res = conn.getresponse()
            data = res.read()
        finally:
            conn.close()
        return res.status, dict(res.getheaders()), json.loads(data) if data else None

    def sync(self, records, batch_id=None, token=None, headers=None, timeout=DEADLINE):
        """POST batch-sync of `records` as the hub sends them: (status, headers, body)."""
        batch = upstream_batch(records, batch_id)
        hdrs = {"Idempotency-Key": batch["batchId"]}
        hdrs.update(headers or {})
        return self.request("POST", "/batch-sync", batch, hdrs, token, timeout)

    def results(self, records, batch_id=None):
        """sync() that must answer 200: {record id: result}."""
        status, _, body = self.sync(records, batch_id)
        assert status == 200, (status, body)
        assert len(body["results"]) == len(records), body
        return {r["id"]: r for r in body["results"]}

    def control(self, **fields):
        status, _, body = self.request("POST", "/control", fields)
        assert status == 200, (status, body)
        return body["control"]

    def stats(self):
        status, _, body = self.request("GET", "/stats")
        assert status == 200, (status, body)
        return body

    def records(self):
        status, _, body = self.request("GET", "/records")
        assert status == 200, (status, body)
        return body["records"]


def upstream_record(kind="sale", terminal="T01", seq=1, total=250, depends_on=None,
                    payload=None, record_id=None):
    """One record as the hub forwards it (docs/upstream-api.md)."""
    now = int(time.time() * 1000)
    receipt = "%s-%06d" % (terminal, seq) if kind in ("sale", "refund", "void") else None
    return {"id": record_id or new_id(), "kind": kind, "terminalId": new_id(),
            "terminal": terminal, "receipt": receipt, "sequence": seq, "prevHash": None,
            "hash": None, "deviceAt": now, "hubAt": now + 5, "hubSeq": seq,
            "dependsOn": depends_on,
            "payload": payload if payload is not None else {"status": "completed",
                                                            "total": total}}


def upstream_batch(records, batch_id=None):
    return {"apiVersion": 1, "storeId": "Corner Shop", "hubId": new_id(),
            "batchId": batch_id or new_id(), "sentAt": int(time.time() * 1000),
            "records": records}


def _world_upstream(self, name="upstream", start=True, **kwargs):
    u = Upstream(self, name, **kwargs)
    if start:
        u.start()
    return u


_add_methods(World, type("_WorldUpstream", (), {"upstream": _world_upstream}))


def make_test_tls(directory, name="upstream", host=LOOPBACK):
    """
    A throwaway CA and a server certificate for `host` (an IP address,
    default 127.0.0.1) signed by it
    (python3-cryptography): returns (cert path, key path, CA path), PEM.
    """
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "%s test CA" % name)])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(str(directory), "%s.%s" % (name, ext))
             for ext in ("crt", "key", "ca.crt")]
    with open(paths[0], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(paths[2], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    return tuple(paths)


# ------------------------------------------------------ admin sessions
#
# The owner's account that init makes, and a small HTTPS client that keeps a
# session cookie and a CSRF token the way the admin page does, used by
# test_admin_session.py. Requests may come from another loopback address
# (127.0.0.2, ...) to tell per-address throttling from per-account.

import re  # noqa: E402

SESSION_COOKIE = "tillnet_session"


def one_time_password(init_stdout):
    """The owner's one-time password printed by tillnet-hub init."""
    m = re.search(r"one-time password: (\S+)", init_stdout)
    assert m, "init printed no one-time password:\n%s" % init_stdout
    return m.group(1)


class AdminResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # [(name, value)], as received
        self.body = body        # parsed JSON, text, or None when empty

    def header(self, name):
        values = self.header_all(name)
        assert len(values) <= 1, "%s sent %d times: %r" % (name, len(values), values)
        return values[0] if values else None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def code(self):
        return self.body["error"]["code"] if isinstance(self.body, dict) and \
            "error" in self.body else None

    def __repr__(self):
        return "AdminResponse(%d, %r, %r)" % (self.status, self.headers, self.body)


class AdminClient:
    """One browser: its cookie, its CSRF token, its Origin, its address."""

    def __init__(self, hub, source=LOOPBACK):
        self.hub = hub
        self.source = source
        self.cookie = None
        self.csrf = None
        self.origin = "https://%s:%d" % (LOOPBACK, hub.admin_port)

    def request(self, method, path, body=None, headers=None, origin=True, csrf=True,
                cookie=True):
        conn = http.client.HTTPSConnection(LOOPBACK, self.hub.admin_port,
                                           context=self.hub.tls_context(), timeout=DEADLINE,
                                           source_address=(self.source, 0))
        hdrs = {}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
            body = (body if isinstance(body, str) else json.dumps(body)).encode()
        if origin:
            hdrs["Origin"] = origin if isinstance(origin, str) else self.origin
        if csrf and self.csrf:
            hdrs["X-CSRF-Token"] = csrf if isinstance(csrf, str) else self.csrf
        if cookie and self.cookie:
            hdrs["Cookie"] = "%s=%s" % (SESSION_COOKIE,
                                        cookie if isinstance(cookie, str) else self.cookie)
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            res = conn.getresponse()
            data = res.read()
            got_headers = res.getheaders()
        finally:
            conn.close()
        ctype = dict((k.lower(), v) for k, v in got_headers).get("content-type", "")
        if not data:
            parsed = None
        elif ctype.startswith("application/json"):
            parsed = json.loads(data)
        else:
            parsed = data.decode("utf-8", "replace")
        return AdminResponse(res.status, got_headers, parsed)

    def take_session(self, res):
        """Keep the session id from Set-Cookie and the CSRF token from the body."""
        m = re.match(r"%s=([^;]*);" % SESSION_COOKIE, res.header("Set-Cookie") or "")
        assert m and m.group(1), "no session cookie in %r" % (res,)
        self.cookie = m.group(1)
        self.csrf = res.body["csrfToken"]

    def login(self, username, password, **kw):
        res = self.request("POST", "/api/v1/session",
                           {"username": username, "password": password}, csrf=False, **kw)
        if res.status == 200:
            self.take_session(res)
        return res

    def change_password(self, current, new, **kw):
        res = self.request("POST", "/api/v1/session/password",
                           {"currentPassword": current, "newPassword": new}, **kw)
        if res.status == 200:
            self.take_session(res)
        return res

    def whoami(self, **kw):
        return self.request("GET", "/api/v1/session", **kw)

    def logout(self, **kw):
        return self.request("DELETE", "/api/v1/session", **kw)


class _WorldAdmin:
    def admin_hub(self, name="hub", start=True, init_args=()):
        """A hub whose owner's one-time password is kept as hub.owner_password."""
        h = Hub(self, name, "Corner Shop")
        res = h.init(*init_args)
        h.init_stdout = res.stdout
        h.owner_password = one_time_password(res.stdout) if not init_args else None
        if start:
            h.start()
        return h


    def owner_shop(self, password="the owner's first password"):
        """
        A running hub with SHOP_CATALOG whose owner is signed in through the
        admin API, past the first password change: (hub, the owner's client).
        """
        pwfile = self.tmp / "owner.pw"
        pwfile.write_text(password + "\n")
        hub = self.admin_hub(start=False, init_args=("--owner-password-file", pwfile))
        hub.import_catalog(SHOP_CATALOG)
        hub.start()
        owner = AdminClient(hub)
        assert owner.login("owner", password).status == 200
        assert owner.change_password(password, "a much better password").status == 200
        return hub, owner


_add_methods(World, _WorldAdmin)


# --------------------------------------------------- staff, PINs, step-up (issue 4, part 2)

class _HubPeople:
    def staff_add(self, name, role, pin):
        """tillnet-hub staff add with the PIN on stdin; returns the new id."""
        res = subprocess.run([HUB_BIN, "staff", "add", "--data", str(self.data), "--name", name,
                              "--role", role, "--pin-file", "-"], input=pin + "\n",
                             capture_output=True, text=True, timeout=DEADLINE)
        assert res.returncode == 0, "staff add: exit %d\n%s" % (res.returncode, res.stderr)
        return res.stdout.strip()

    def flags(self):
        return self.db_rows("SELECT op_id, code, permission, actor, approver FROM flags "
                            "ORDER BY id")


_add_methods(Hub, _HubPeople)


class _TerminalPeople:
    def pin_cli(self, *args, pin=None):
        """tillnet-term ARGS with `pin` on stdin (for --pin-file - / --approve-pin-file -)."""
        return subprocess.run([TERM_BIN] + [str(a) for a in args],
                              input=None if pin is None else pin + "\n",
                              capture_output=True, text=True, timeout=DEADLINE)

    def signin(self, pin):
        return self.pin_cli("signin", "--data", self.data, "--pin-file", "-", pin=pin)


_add_methods(Terminal, _TerminalPeople)
