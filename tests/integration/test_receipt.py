# SPDX-License-Identifier: MIT
"""
Receipts (issue 5): `tillnet-term receipt` prints a completed sale as ESC/POS
bytes to a file or to a network printer's raw port, here a socket listener
on 127.0.0.1 inside the test. The bytes are decoded back command by command
(the parser below knows only the commands a receipt may hold, and fails on
anything else), then the text, the QR code's payload, the cut and the drawer
kick are checked. A reprint says DUPLICATE n; a print that fails is not
counted.
"""
import socket
import threading
import time

import pytest

from conftest import (DEADLINE, EX_DATAERR, EX_UNAVAILABLE, LOOPBACK, TERM_BIN, free_port,
                      run_cli)

EX_CONFIG = 78


# ------------------------------------------------------- an ESC/POS decoder

class Receipt:
    """One receipt from ESC @ to the cut: its lines with their style, and its commands."""

    def __init__(self):
        self.lines = []    # (text, bold, size)
        self.qr = {}       # model, module, level, data, printed
        self.cuts = 0
        self.kicks = []

    @property
    def text(self):
        return "\n".join(t for t, _, _ in self.lines)

    def styled(self, needle):
        """(bold, size) of the first line holding `needle`."""
        for text, bold, size in self.lines:
            if needle in text:
                return bold, size
        raise AssertionError("no line holds %r:\n%s" % (needle, self.text))


def decode_escpos(data):
    """
    Walk the command stream: ESC @ starts a receipt; ESC E n, GS ! n, GS ( k,
    GS V m [n] and ESC p m t1 t2 are commands; LF ends a line; printable ASCII
    is text. Anything else is a failure. Returns the receipts in order.
    """
    receipts = []
    cur = None
    line = bytearray()
    bold = size = 0
    i = 0

    def need(n):
        assert i + n <= len(data), "command at byte %d cut short: %r" % (i, data[i:i + n])

    while i < len(data):
        b = data[i]
        if b == 0x1B:
            need(2)
            cmd = data[i + 1]
            if cmd == ord("@"):
                assert not line, "text %r before ESC @" % bytes(line)
                cur = Receipt()
                receipts.append(cur)
                bold = size = 0
                i += 2
                continue
            assert cur is not None, "command before ESC @ at byte %d" % i
            if cmd == ord("E"):
                need(3)
                bold = data[i + 2]
                assert bold in (0, 1), "ESC E %d" % bold
                i += 3
            elif cmd == ord("p"):
                need(5)
                cur.kicks.append(tuple(data[i + 2:i + 5]))
                i += 5
            else:
                raise AssertionError("unknown ESC %r at byte %d" % (chr(cmd), i))
        elif b == 0x1D:
            need(3)
            cmd = data[i + 1]
            assert cur is not None, "command before ESC @ at byte %d" % i
            if cmd == ord("!"):
                size = data[i + 2]
                i += 3
            elif cmd == ord("V"):
                m = data[i + 2]
                assert not line, "cut in the middle of a line %r" % bytes(line)
                cur.cuts += 1
                i += 4 if m in (65, 66) else 3
            elif cmd == ord("(") and data[i + 2] == ord("k"):
                need(5)
                plen = data[i + 3] | data[i + 4] << 8
                need(5 + plen)
                cn, fn, params = data[i + 5], data[i + 6], data[i + 7:i + 5 + plen]
                assert cn == 49, "GS ( k for symbol %d, not a QR code" % cn
                if fn == 65:
                    cur.qr["model"] = params[0]
                elif fn == 67:
                    cur.qr["module"] = params[0]
                elif fn == 69:
                    cur.qr["level"] = params[0]
                elif fn == 80:
                    assert params[0] == 48, "QR store with m=%d" % params[0]
                    cur.qr["data"] = bytes(params[1:]).decode("ascii")
                elif fn == 81:
                    assert "data" in cur.qr, "QR printed before its data was stored"
                    cur.qr["printed"] = cur.qr.get("printed", 0) + 1
                else:
                    raise AssertionError("unknown QR function %d" % fn)
                i += 5 + plen
            else:
                raise AssertionError("unknown GS %r at byte %d" % (chr(cmd), i))
        elif b == 0x0A:
            assert cur is not None, "line feed before ESC @"
            cur.lines.append((line.decode("ascii"), bold, size))
            line = bytearray()
            i += 1
        else:
            assert 0x20 <= b < 0x7F, "byte 0x%02x at %d is neither text nor a command" % (b, i)
            line.append(b)
            i += 1
    assert not line, "text %r after the last line feed" % bytes(line)
    return receipts


# ------------------------------------------------- a network printer's port

class RawPrinter:
    """A listener on 127.0.0.1 that keeps the bytes of each connection, like port 9100."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.jobs = []
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def target(self):
        return "tcp:%s:%d" % (LOOPBACK, self.port)

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(DEADLINE)
            chunks = []
            try:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            finally:
                conn.close()
            self.jobs.append(b"".join(chunks))

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def raw_printer():
    p = RawPrinter()
    yield p
    p.close()


# ------------------------------------------------------------------ helpers

def money(amount):
    sign = "-" if amount < 0 else ""
    return "%s%d.%02d" % (sign, abs(amount) // 100, abs(amount) % 100)


def receipt_cli(term, *args):
    return run_cli(TERM_BIN, "receipt", "--data", term.data, *args)


def prints(term, order_id):
    rows = term.db_rows("SELECT prints FROM receipt_prints WHERE order_id = ?", order_id)
    return rows[0][0] if rows else 0


def verify_text(sale):
    return "TILLNET1|%s|%d|%d" % (sale["receipt"], sale["total"],
                                  sale["order"]["completedAt"])


def wait_jobs(printer, n):
    """The listener has read `n` whole connections (the CLI closed them)."""
    deadline = time.monotonic() + DEADLINE
    while len(printer.jobs) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(printer.jobs) >= n, "the printer got %d jobs, expected %d" % (
        len(printer.jobs), n)


def check_receipt(r, sale):
    """The sale's receipt number, lines, total and QR code, whatever the copy."""
    text = r.text
    assert sale["receipt"] in text, text
    for line in sale["order"]["lines"]:
        assert line["name"] in text, (line["name"], text)
        assert money(line["lineTotal"]) in text, (line, text)
    total_lines = [t for t, _, _ in r.lines if t.startswith("TOTAL")]
    assert len(total_lines) == 1 and total_lines[0].split() == ["TOTAL", money(sale["total"])], \
        text
    # The store's name and the total are double size (GS ! 0x11) and bold (ESC E 1).
    assert r.styled("Corner Shop") == (1, 0x11), r.lines
    assert r.styled("TOTAL") == (1, 0x11), r.lines
    assert r.qr == {"model": 50, "module": 6, "level": 49, "data": verify_text(sale),
                    "printed": 1}, r.qr
    assert r.cuts == 1, r.cuts


# -------------------------------------------------------------------- tests

def test_print_to_file_and_tcp_with_duplicates(world, raw_printer):
    hub, (till,) = world.shop(["till"])
    sale = till.sell("COF:2", "CRO:1", "WAT:0.5", pay=("cash:20",))
    receipt_no, order_id = sale["receipt"], sale["orderId"]
    path = world.tmp / "receipts.bin"

    # (a) The first print, to a file, with the drawer kick: the original.
    res = receipt_cli(till, receipt_no, "--printer", path, "--kick")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "printed receipt %s to %s\n" % (receipt_no, path), res.stdout
    (first,) = decode_escpos(path.read_bytes())
    check_receipt(first, sale)
    assert first.kicks == [(0, 25, 250)], first.kicks
    assert "DUPLICATE" not in first.text, first.text
    assert "Tendered" in first.text and money(2000) in first.text, first.text
    assert "Change" in first.text and money(2000 - sale["total"]) in first.text, first.text
    assert "Water" in first.text and "0.5 x 1.00" in first.text, first.text
    assert prints(till, order_id) == 1

    # (b) A reprint to a network printer, without the kick: DUPLICATE 1.
    res = receipt_cli(till, receipt_no, "--printer", raw_printer.target)
    assert res.returncode == 0, res.stderr
    assert "DUPLICATE 1" in res.stdout, res.stdout
    wait_jobs(raw_printer, 1)
    (second,) = decode_escpos(raw_printer.jobs[0])
    check_receipt(second, sale)
    assert second.kicks == [], second.kicks
    assert second.styled("DUPLICATE 1")[0] == 1, second.lines
    assert "*** DUPLICATE 1 ***" in second.text, second.text

    # (c) Again, by order id, to the file (appended): DUPLICATE 2.
    res = receipt_cli(till, order_id, "--printer", path)
    assert res.returncode == 0, res.stderr
    first_again, third = decode_escpos(path.read_bytes())
    assert first_again.text == first.text
    check_receipt(third, sale)
    assert "*** DUPLICATE 2 ***" in third.text and "DUPLICATE 1" not in third.text, third.text
    assert prints(till, order_id) == 3


def test_text_is_not_a_print_and_config_target(world, raw_printer):
    hub, (till,) = world.shop(["till"])
    sale = till.sell("COF:1", pay=("card:AUTH-9",))
    res = receipt_cli(till, sale["receipt"], "--text")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert all(len(line) <= 42 for line in lines), res.stdout
    assert "Receipt" in res.stdout and sale["receipt"] in res.stdout, res.stdout
    assert "Card" in res.stdout and "Ref AUTH-9" in res.stdout, res.stdout
    assert [line.split() for line in lines if line.startswith("TOTAL")] == [
        ["TOTAL", money(sale["total"])]], res.stdout
    assert prints(till, sale["orderId"]) == 0

    # Without --printer: [printer] target and width from term.conf.
    conf = till.data / "term.conf"
    original = conf.read_text()
    conf.write_text(original + "\n[printer]\ntarget = %s\nwidth = 32\n" % raw_printer.target)
    res = receipt_cli(till, sale["receipt"])
    assert res.returncode == 0, res.stderr
    wait_jobs(raw_printer, 1)
    (r,) = decode_escpos(raw_printer.jobs[0])
    assert "DUPLICATE" not in r.text, r.text
    assert max(len(t) for t, _, _ in r.lines) == 32, r.text
    assert r.qr["module"] == 4 and r.qr["data"] == verify_text(sale), r.qr
    assert prints(till, sale["orderId"]) == 1

    # A width the roll cannot have is a configuration error naming the key.
    conf.write_text(original + "\n[printer]\nwidth = 80\n")
    res = receipt_cli(till, sale["receipt"], "--text")
    assert res.returncode == EX_CONFIG, res.stderr
    assert "[printer] width \"80\"" in res.stderr and "24 to 64" in res.stderr, res.stderr


def test_receipt_errors(world):
    hub, (till,) = world.shop(["till"])
    sale = till.sell("COF:1")
    parked = till.park("CRO:1")

    res = receipt_cli(till, "T01-999999", "--printer", world.tmp / "x.bin")
    assert res.returncode == EX_DATAERR, res
    assert "T01-999999" in res.stderr and "no order or receipt" in res.stderr, res.stderr
    assert not (world.tmp / "x.bin").exists()

    res = receipt_cli(till, parked, "--text")
    assert res.returncode == EX_DATAERR, res
    assert parked in res.stderr and "parked" in res.stderr and "no receipt" in res.stderr, \
        res.stderr

    # Nobody listens: exit 69 naming the target, and the print is not counted.
    target = "tcp:%s:%d" % (LOOPBACK, free_port())
    res = receipt_cli(till, sale["receipt"], "--printer", target)
    assert res.returncode == EX_UNAVAILABLE, res
    assert target in res.stderr and "Connection refused" in res.stderr, res.stderr
    assert prints(till, sale["orderId"]) == 0

    # A directory that does not exist, or a /dev/ path that is not there: never created.
    for bad in (world.tmp / "no" / "such" / "dir.bin", "/dev/tillnet-no-such-printer"):
        res = receipt_cli(till, sale["receipt"], "--printer", bad)
        assert res.returncode == EX_UNAVAILABLE, res
        assert str(bad) in res.stderr, res.stderr
    assert prints(till, sale["orderId"]) == 0

    # No target at all is a usage error that says where to set one.
    res = receipt_cli(till, sale["receipt"])
    assert res.returncode == 64 and "[printer] target" in res.stderr, res.stderr

    # Then a print that works is the original, not DUPLICATE.
    path = world.tmp / "ok.bin"
    res = receipt_cli(till, sale["receipt"], "--printer", path)
    assert res.returncode == 0, res.stderr
    (r,) = decode_escpos(path.read_bytes())
    assert "DUPLICATE" not in r.text and sale["receipt"] in r.text, r.text
    assert prints(till, sale["orderId"]) == 1
