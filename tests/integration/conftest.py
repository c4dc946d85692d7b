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
