# SPDX-License-Identifier: MIT
"""
The chaos run (docs/reliability.md, "Chaos run"): a whole store on network
hosts of its own on this machine, broken on purpose while every till sells,
then healed and checked.

Hosts are network namespaces this run creates (names carry its pid): a
"switch" namespace holding one bridge, and one namespace per host (the hub,
the reference upstream, the terminals), each joined to the bridge by a veth
pair and given an address of 10.231.N.0/24. Nothing touches the machine's
own network: every fault acts on a switch port inside the switch namespace,
every program runs inside its host's namespace (ip netns exec).

Faults come from a plan drawn from a seed (same seed, same plan): links cut
and restored, loss, delay, reorder and duplication on links, the hub and
terminals killed with SIGKILL and restarted, the upstream's 503 storms,
slowness, answers cut after storing, and crashes. Meanwhile every terminal
sells (several lines, split tenders), refunds part of its own sales and
moves cash. Then everything is healed, the drawers closed, the store left
to settle, and the invariants checked (check_* below).

Used by tests/chaos/test_chaos.py (short mode, pytest) and scripts/chaos
(long mode): python3 tests/chaos/chaos.py --help.
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import conftest as c  # noqa: E402  (binaries from $TILLNET_BUILD; helpers reused)

STORE = "Chaos Shop"
STORE_CODE = "CHAOS"
SYNC_PORT, ADMIN_PORT, UP_PORT, UI_PORT = 7443, 7444, 8443, 18080
UP_TOKEN = "chaos-upstream-token"
HUB_READY = 'hub: store "%s" running' % STORE
TERM_READY = '"%s" running'  # term: T01 "t1" running; cashier UI on ...
START_WAIT = 30.0  # a program's ready line
CLI_WAIT = 30.0  # one CLI command, even on a loaded machine

KINDS = ("term-link-cut", "hub-link-cut", "loss", "delay", "reorder", "duplicate",
         "hub-kill", "term-kill", "upstream-503", "upstream-slow", "upstream-drop",
         "upstream-crash")

MODES = {
    # load seconds, faults beyond one of each kind, fault length (s), settle bound (s)
    "short": dict(load=70, extra=20, length=(1.0, 5.0), settle=75),
    "long": dict(load=None, extra=None, length=(1.0, 15.0), settle=300),
}


def log(msg):
    sys.stdout.write("chaos %s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stdout.flush()


def unsupported():
    """Why a chaos run cannot happen here (None when it can)."""
    if os.geteuid() != 0:
        return "the chaos run needs root for network namespaces (ip netns); running as uid %d" \
            % os.geteuid()
    for tool in ("ip", "tc", "nft", "curl"):
        if not shutil.which(tool):
            return "the chaos run needs '%s' (Debian: iproute2, nftables, curl)" % tool
    probe = "tnprobe%d" % os.getpid()
    res = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                         timeout=20)
    if res.returncode != 0:
        return "cannot create a network namespace: %s" % res.stderr.strip()
    try:
        res = subprocess.run(["ip", "netns", "exec", probe, "nft", "list", "ruleset"],
                             capture_output=True, text=True, timeout=20)
        if res.returncode != 0:
            return "nftables does not work in a namespace: %s" % res.stderr.strip()
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=20)
    return None


def money_text(minor):
    """Minor units as the CLI reads an amount: 1234 -> "12.34" (integers only)."""
    return "%d.%02d" % (minor // 100, minor % 100)


# ------------------------------------------------------------------ the network

class Net:
    """The switch namespace, its bridge, and one namespace and port per host."""

    def __init__(self, tag, octet):
        self.tag = tag
        self.prefix = "10.231.%d." % octet
        self.switch = "tn%s-sw" % tag
        self.hosts = {}  # name -> (namespace, address, switch port)
        self.made = []  # namespaces created, to remove
        self.netem = False

    def sh(self, *argv, check=True):
        res = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=30)
        if check and res.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(map(str, argv)), res.returncode,
                                                   res.stderr.strip()))
        return res

    def in_switch(self, *argv, check=True):
        return self.sh("ip", "netns", "exec", self.switch, *argv, check=check)

    def add_ns(self, name):
        self.sh("ip", "netns", "add", name)
        self.made.append(name)
        self.sh("ip", "-n", name, "link", "set", "lo", "up")

    def setup(self, names, last_octets):
        self.add_ns(self.switch)
        self.sh("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        self.sh("ip", "-n", self.switch, "link", "set", "br0", "up")
        for name, last in zip(names, last_octets):
            ns, port, addr = "tn%s-%s" % (self.tag, name), "p-%s" % name, self.prefix + str(last)
            self.add_ns(ns)
            self.sh("ip", "-n", self.switch, "link", "add", port, "type", "veth", "peer", "name",
                    "eth0", "netns", ns)
            self.sh("ip", "-n", self.switch, "link", "set", port, "master", "br0", "up")
            self.sh("ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
            self.sh("ip", "-n", ns, "link", "set", "eth0", "up")
            self.hosts[name] = (ns, addr, port)
        probe = self.in_switch("tc", "qdisc", "add", "dev", "p-" + names[0], "root", "netem",
                               "delay", "1ms", check=False)
        self.netem = probe.returncode == 0
        if self.netem:
            self.in_switch("tc", "qdisc", "del", "dev", "p-" + names[0], "root", check=False)

    def ns(self, name):
        return self.hosts[name][0]

    def addr(self, name):
        return self.hosts[name][1]

    def port(self, name):
        return self.hosts[name][2]

    # Faults on a host's switch port: what reaches the host (egress) and, for
    # loss, what leaves it (ingress).
    def link(self, name, up):
        self.sh("ip", "-n", self.switch, "link", "set", self.port(name), "up" if up else "down")

    def shape(self, name, kind, rng):
        """Put one of loss, delay, reorder, duplicate on a host's link; returns what."""
        port = self.port(name)
        if self.netem:
            args = {"loss": ["loss", "%d%%" % rng.randint(5, 30)],
                    "delay": ["delay", "%dms" % rng.randint(50, 400), "%dms" % rng.randint(5, 50)],
                    "reorder": ["delay", "20ms", "reorder", "%d%%" % rng.randint(10, 40), "50%"],
                    "duplicate": ["duplicate", "%d%%" % rng.randint(5, 30)]}[kind]
            self.in_switch("tc", "qdisc", "add", "dev", port, "root", "netem", *args)
            return "netem " + " ".join(args)
        # This kernel has no sch_netem: the same effects from nftables (random drop,
        # dup) and HTB (a slow class: queueing delay; packets sent to it at random
        # overtake each other: reordering).
        pct = rng.randint(5, 30)
        if kind == "loss":
            rule = "numgen random mod 100 < %d drop" % pct
            self.nft(port, rule, rule)
            return "nft drop %d%% both ways" % pct
        if kind == "duplicate":
            self.nft(port, 'numgen random mod 100 < %d dup to "%s"' % (pct, port), None)
            return "nft dup %d%% toward the host" % pct
        rate = rng.choice((96, 128, 256)) if kind == "delay" else 64
        self.in_switch("tc", "qdisc", "add", "dev", port, "root", "handle", "1:", "htb",
                       "default", "20" if kind == "delay" else "10", "r2q", "100")
        self.in_switch("tc", "class", "add", "dev", port, "parent", "1:", "classid", "1:10",
                       "htb", "rate", "1gbit")
        self.in_switch("tc", "class", "add", "dev", port, "parent", "1:", "classid", "1:20",
                       "htb", "rate", "%dkbit" % rate, "ceil", "%dkbit" % rate, "quantum", "1600")
        if kind == "delay":
            return "htb %d kbit/s toward the host" % rate
        self.nft(port, "meta priority set numgen random mod 4 map "
                 "{ 0 : 1:20, 1 : 1:10, 2 : 1:10, 3 : 1:10 }", None)
        return "htb: a quarter of packets toward the host through a %d kbit/s queue" % rate

    def nft(self, port, egress, ingress):
        table = "table netdev chaos_%s {\n" % port.replace("-", "_")
        table += "  chain out { type filter hook egress device \"%s\" priority 0; %s; }\n" % (
            port, egress)
        if ingress:
            table += "  chain in { type filter hook ingress device \"%s\" priority 0; %s; }\n" % (
                port, ingress)
        res = subprocess.run(["ip", "netns", "exec", self.switch, "nft", "-f", "-"],
                             input=table + "}\n", capture_output=True, text=True, timeout=30)
        if res.returncode != 0:
            raise RuntimeError("nft: %s" % res.stderr.strip())

    def unshape(self, name):
        port = self.port(name)
        self.in_switch("nft", "delete", "table", "netdev", "chaos_%s" % port.replace("-", "_"),
                       check=False)
        self.in_switch("tc", "qdisc", "del", "dev", port, "root", check=False)

    def heal(self):
        for name in self.hosts:
            self.unshape(name)
            self.link(name, True)

    def teardown(self):
        """Kill what still runs in our namespaces, remove them; problems as text."""
        problems = []
        for ns in reversed(self.made):
            pids = self.sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            if pids:
                problems.append("%s: %d process(es) still ran at teardown" % (ns, len(pids)))
            res = self.sh("ip", "netns", "del", ns, check=False)
            if res.returncode != 0:
                problems.append("ip netns del %s: %s" % (ns, res.stderr.strip()))
        self.made = []
        return problems


# ------------------------------------------------------------------ the hosts

class Program:
    """A daemon in a host's namespace: started, killed, restarted; crashes noticed."""

    def __init__(self, run, name, ns, argv, ready):
        self.run = run
        self.name = name
        self.ns = ns
        self.argv = [str(a) for a in argv]
        self.ready = ready
        self.log_path = os.path.join(run.dir, "%s.log" % name)
        self.proc = None
        self.procs = []
        self.down_on_purpose = False

    def start(self):
        seen = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.proc = c.Proc("%s (run %d)" % (self.name, len(self.procs) + 1),
                           ["ip", "netns", "exec", self.ns] + self.argv, self.log_path)
        self.procs.append(self.proc)
        self.down_on_purpose = False

        def ready():
            with open(self.log_path, "rb") as f:
                f.seek(seen)
                return self.ready in f.read().decode("utf-8", "replace")
        c.wait_until("%s's ready line %r" % (self.name, self.ready), ready, timeout=START_WAIT,
                     procs=[self.proc])

    def kill9(self):
        self.down_on_purpose = True
        self.proc.kill9()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def crashed(self):
        return self.proc is not None and not self.down_on_purpose and \
            self.proc.poll() is not None

    def stop_all(self):
        """SIGTERM (then SIGKILL); problems: a bad exit, a sanitizer report."""
        problems = []
        for p in self.procs:
            if p.poll() is None:
                p.p.send_signal(signal.SIGTERM)
                try:
                    p.p.wait(timeout=c.STOP_WAIT * 2)
                except subprocess.TimeoutExpired:
                    p.kill9()
                    problems.append("%s did not stop within %.0f s of SIGTERM" % (
                        p.name, c.STOP_WAIT * 2))
                if not p.killed_hard and p.returncode != 0:
                    problems.append("%s exited %s on SIGTERM" % (p.name, p.returncode))
            p.close_log()
        with open(self.log_path, "rb") as f:
            bad = c.sanitizer_lines(f.read().decode("utf-8", "replace"))
        if bad:
            problems.append("%s: sanitizer report: %s" % (self.name, bad[:3]))
        return problems


class Till:
    """One terminal: its host, its data, its program, what it was told it sold."""

    def __init__(self, run, index):
        self.run = run
        self.index = index
        self.name = "t%d" % index
        self.data = os.path.join(run.dir, self.name)
        self.program = None
        self.code = None  # short code, T01 ...
        self.id = None
        self.acked = []  # {"id", "kind", "receipt", "total"} of each acknowledged sale/refund
        self.refundable = []  # receipts of own sales with a line 1 of 2 or more, once each
        self.session = None  # the cash session id
        self.close = None  # what cash close printed
        self.cash_moves = 0
        self.unacked = collections.Counter()  # command -> count of non-zero exits

    def cli(self, *args, timeout=CLI_WAIT):
        return c.run_cli("ip", "netns", "exec", self.run.net.ns(self.name), c.TERM_BIN, *args,
                         timeout=timeout)

    def cli_json(self, *args):
        res = self.cli(*args)
        if res.returncode != 0:
            raise RuntimeError("%s: tillnet-term %s: exit %d: %s" % (
                self.name, " ".join(map(str, args)), res.returncode, res.stderr.strip()))
        return json.loads(res.stdout)

    def status(self):
        return self.cli_json("status", "--data", self.data, "--json")

    def db(self, sql, *args):
        return c.sqlite_rows(os.path.join(self.data, "term.db"), sql, *args)


class Run:
    """One chaos run: build the store, break it while it sells, heal, check."""

    def __init__(self, seed, mode, minutes=None, terminals=5, workdir=None):
        self.seed = seed
        self.mode = mode
        cfg = dict(MODES[mode])
        if mode == "long":
            cfg["load"] = max(60, int((minutes or 15) * 60))
            cfg["extra"] = cfg["load"] // 3
        self.cfg = cfg
        self.dir = workdir or tempfile.mkdtemp(prefix="tillnet-chaos-")
        os.makedirs(self.dir, exist_ok=True)
        pid = os.getpid()
        self.net = Net(str(pid), 20 + pid % 200)
        self.tills = [Till(self, i + 1) for i in range(terminals)]
        self.hub_data = os.path.join(self.dir, "hub")
        self.hub = self.upstream = None
        self.up_ca = None
        self.faults = collections.Counter()  # kind -> faults applied
        self.fault_errors = []
        self.crashes = []
        self.problems = collections.defaultdict(list)  # lost / doubled / mismatch -> texts
        self.denominations = []
        self.started = time.monotonic()
        self.stop_load = threading.Event()

    # -------------------------------------------------------------- setup

    def hub_cli(self, *args):
        return c.run_cli("ip", "netns", "exec", self.net.ns("hub"), c.HUB_BIN, *args,
                         timeout=CLI_WAIT)

    def hub_json(self, *args):
        res = self.hub_cli(*args)
        if res.returncode != 0:
            raise RuntimeError("tillnet-hub %s: exit %d: %s" % (" ".join(map(str, args)),
                                                                res.returncode,
                                                                res.stderr.strip()))
        return json.loads(res.stdout)

    def setup(self):
        names = ["hub", "up"] + [t.name for t in self.tills]
        self.net.setup(names, [10, 20] + [100 + t.index for t in self.tills])
        log("hosts: switch %s; %s" % (self.net.switch, ", ".join(
            "%s %s" % (n, self.net.addr(n)) for n in names)))
        log("link faults by %s" % ("netem" if self.net.netem else
                                   "nftables and HTB (this kernel has no sch_netem)"))
        self.setup_upstream()
        self.setup_hub()
        for t in self.tills:
            self.setup_till(t)
        for t in self.tills:
            self.wait_for("%s connected with the catalog" % t.name, lambda t=t: t.status(),
                          lambda s: s["sync"]["state"] == "connected" and s["catalogVersion"] >= 1,
                          START_WAIT)
            t.session = t.cli_json("cash", "open", "--data", t.data, "--float", "100",
                                   "--json")["id"]

    def setup_upstream(self):
        cert, key, self.up_ca = c.make_test_tls(self.dir, "upstream", self.net.addr("up"))
        token = os.path.join(self.dir, "upstream.token")
        with open(token, "w") as f:
            f.write(UP_TOKEN + "\n")
        self.up_url = "https://%s:%d/tillnet" % (self.net.addr("up"), UP_PORT)
        self.upstream = Program(self, "upstream", self.net.ns("up"), [
            c.UPSTREAM_BIN, "--listen", self.net.addr("up"), "--port", UP_PORT, "--db",
            os.path.join(self.dir, "upstream.db"), "--token-file", token, "--base", "/tillnet",
            "--tls-cert", cert, "--tls-key", key], c.UPSTREAM_READY + self.up_url)
        self.upstream.start()

    def setup_hub(self):
        addr = self.net.addr("hub")
        res = self.hub_cli("init", "--data", self.hub_data, "--store", STORE, "--store-code",
                           STORE_CODE, "--advertise", addr, "--san", addr, "--sync-port",
                           SYNC_PORT, "--admin-port", ADMIN_PORT)
        if res.returncode != 0:
            raise RuntimeError("hub init: %s" % res.stderr)
        token = os.path.join(self.dir, "hub-upstream.token")
        with open(token, "w") as f:
            f.write(UP_TOKEN + "\n")
        with open(os.path.join(self.hub_data, "hub.conf"), "a") as f:
            # Short batches and backoff, so that the store settles within the run.
            f.write("\n[upstream]\nurl = %s\ntoken_file = %s\nca = %s\nbatch_interval_ms = 200\n"
                    "backoff_max_ms = 2000\ntimeout_ms = 4000\n" % (self.up_url, token,
                                                                    self.up_ca))
        catalog = os.path.join(self.dir, "catalog.csv")
        with open(catalog, "w") as f:
            f.write(c.SHOP_CATALOG)
        if self.hub_cli("catalog", "import", "--data", self.hub_data, catalog).returncode != 0:
            raise RuntimeError("catalog import failed")
        self.denominations = self.hub_json("settings", "show", "--data", self.hub_data,
                                           "--json")["settings"]["denominations"]
        self.hub = Program(self, "hub", self.net.ns("hub"), [
            c.HUB_BIN, "run", "--data", self.hub_data, "--listen", addr], HUB_READY)
        self.hub.start()

    def setup_till(self, t):
        code = self.hub_json("terminal", "add", "--data", self.hub_data, "--name", t.name,
                             "--json")["code"]
        res = t.cli("enroll", "--data", t.data, "--code", code, "--ui-port", UI_PORT)
        if res.returncode != 0:
            raise RuntimeError("%s: enroll: %s" % (t.name, res.stderr))
        conf = dict(line.split("=", 1) for line in open(os.path.join(t.data, "term.conf"))
                    if "=" in line)
        conf = {k.strip(): v.strip() for k, v in conf.items()}
        t.id = conf["id"]
        t.program = Program(self, t.name, self.net.ns(t.name), [
            c.TERM_BIN, "run", "--data", t.data], TERM_READY % t.name)
        t.program.start()
        t.code = t.status()["shortCode"]

    def wait_for(self, what, probe, cond, timeout):
        """Like conftest.wait_until, but a probe that fails is just not there yet."""
        def safe():
            try:
                return probe()
            except Exception as e:  # a CLI refusing while a host restarts
                return "error: %s" % e
        return c.wait_until(what, safe, lambda v: not isinstance(v, str) and cond(v),
                            timeout=timeout)

    # -------------------------------------------------------------- the plan

    def plan(self):
        """[(start, length, kind, target)] from the seed alone."""
        rng = random.Random(self.seed)
        load, (lo, hi) = self.cfg["load"], self.cfg["length"]
        tills = [t.name for t in self.tills]
        busy = collections.defaultdict(list)

        def target(kind):
            if kind in ("term-link-cut", "term-kill"):
                return rng.choice(tills)
            if kind in ("loss", "delay", "reorder", "duplicate"):
                return rng.choice(tills + ["hub", "up"])
            return "hub" if kind.startswith("hub") else "up"

        def resource(kind, tgt):
            if kind.endswith("-kill"):
                return "proc:" + tgt
            return "upstream" if kind.startswith("upstream") else "link:" + tgt

        faults = []
        first = list(KINDS)
        rng.shuffle(first)
        slot = (load - 4.0) / len(first)
        for i, kind in enumerate(first):  # every kind once, each in a slot of its own
            length = round(rng.uniform(lo, min(hi, slot * 0.8)), 2)
            start = round(2.0 + i * slot + rng.uniform(0, slot - length), 2)
            tgt = target(kind)
            busy[resource(kind, tgt)].append((start, start + length))
            faults.append((start, length, kind, tgt))
        for _ in range(self.cfg["extra"]):
            kind = rng.choice(KINDS)
            length = round(rng.uniform(lo, hi), 2)
            for _ in range(20):
                start = round(rng.uniform(2.0, load - length - 1.0), 2)
                tgt = target(kind)
                spans = busy[resource(kind, tgt)]
                if all(start + length + 1.0 < a or start > b + 1.0 for a, b in spans):
                    spans.append((start, start + length))
                    faults.append((start, length, kind, tgt))
                    break
        faults.sort()
        return faults, rng.getstate()

    # -------------------------------------------------------------- faults

    def upstream_control(self, **fields):
        res = c.run_cli("ip", "netns", "exec", self.net.ns("up"), "curl", "-sS", "--max-time", "10",
                        "--cacert", self.up_ca, "-H", "Authorization: Bearer " + UP_TOKEN,
                        "-H", "Content-Type: application/json", "-X", "POST", "--data",
                        json.dumps(fields), "-w", "\n%{http_code}", self.up_url + "/control")
        code = res.stdout.rsplit("\n", 1)[-1]
        if res.returncode != 0 or code != "200":
            raise RuntimeError("upstream control %r: curl exit %d, HTTP %s: %s" % (
                fields, res.returncode, code, res.stderr.strip()))

    def program_of(self, target):
        if target == "hub":
            return self.hub
        if target == "up":
            return self.upstream
        return next(t.program for t in self.tills if t.name == target)

    def fault_start(self, kind, target, length, rng):
        """Apply a fault; returns what was done, for the log."""
        if kind.endswith("link-cut"):
            self.net.link(target, False)
            return "link of %s down" % target
        if kind in ("loss", "delay", "reorder", "duplicate"):
            return "%s on %s's link: %s" % (kind, target, self.net.shape(target, kind, rng))
        if kind.endswith("-kill") or kind == "upstream-crash":
            self.program_of(target).kill9()
            return "kill -9 %s" % target
        if kind == "upstream-503":
            self.upstream_control(fail503ForMs=int(length * 1000))
            return "upstream answers 503 for %.1f s" % length
        if kind == "upstream-slow":
            ms = rng.choice((300, 1000, 2500, 5000))  # 5 s is over the hub's timeout_ms
            self.upstream_control(delayMs=ms)
            return "upstream answers %d ms late" % ms
        if kind == "upstream-drop":
            n = rng.randint(1, 3)
            self.upstream_control(dropNext=n)
            return "upstream stores, then cuts its next %d answers" % n
        raise ValueError(kind)

    def fault_end(self, kind, target):
        if kind.endswith("link-cut"):
            self.net.link(target, True)
        elif kind in ("loss", "delay", "reorder", "duplicate"):
            self.net.unshape(target)
        elif kind.endswith("-kill") or kind == "upstream-crash":
            self.program_of(target).start()
        elif kind == "upstream-slow":
            self.upstream_control(delayMs=0)
        elif kind == "upstream-drop":
            self.upstream_control(dropNext=0)

    def watch(self):
        """A program that died without being killed is a crash: note it, start it again."""
        for p in [self.hub, self.upstream] + [t.program for t in self.tills]:
            if p.crashed():
                self.crashes.append("%s exited with %s unasked:\n%s" % (
                    p.proc.name, p.proc.returncode, c.tail(p.proc.log_text(), 15)))
                log("CRASH: %s exited with %s" % (p.proc.name, p.proc.returncode))
                p.start()

    def inject(self, faults, rng_state):
        rng = random.Random()
        rng.setstate(rng_state)
        events = []
        for i, (start, length, kind, target) in enumerate(faults):
            events.append((start, 1, i, "start"))
            events.append((start + length, 0, i, "end"))
        events.sort()
        applied = set()
        t0 = time.monotonic()
        for at, _, i, what in events:
            _, length, kind, target = faults[i]
            for _ in range(int(self.cfg["load"] * 10) + 10):
                if time.monotonic() - t0 >= at:
                    break
                self.watch()
                time.sleep(min(0.1, max(0.0, at - (time.monotonic() - t0))))
            try:
                if what == "start":
                    done = self.fault_start(kind, target, length, rng)
                    applied.add(i)
                    self.faults[kind] += 1
                    log("fault %d/%d: %s (%.1f s)" % (i + 1, len(faults), done, length))
                elif i in applied:
                    self.fault_end(kind, target)
            except Exception as e:
                self.fault_errors.append("%s on %s: %s" % (kind, target, e))
                log("fault %s on %s not applied: %s" % (kind, target, e))
        for _ in range(int(self.cfg["load"] * 10) + 10):  # the load runs to its end
            if time.monotonic() - t0 >= self.cfg["load"]:
                break
            self.watch()
            time.sleep(0.1)

    # -------------------------------------------------------------- load

    def load(self, t):
        rng = random.Random("%d-%s" % (self.seed, t.name))
        skus = sorted(c.SHOP_ITEMS)
        for n in range(100000):
            if self.stop_load.is_set():
                return
            try:
                roll = rng.random()
                if roll < 0.15 and t.refundable:
                    self.refund(t, rng)
                elif roll < 0.25:
                    self.cash_move(t, rng)
                else:
                    self.sell(t, rng, skus)
            except BaseException as e:  # a CLI that hung: keep going, count it
                t.unacked["exception"] += 1
                log("%s: %s" % (t.name, str(e).splitlines()[0]))
            self.stop_load.wait(rng.uniform(0.05, 0.5))

    def sell(self, t, rng, skus):
        lines = rng.sample(skus, rng.randint(1, 3))
        qtys = [rng.randint(1, 3) for _ in lines]
        total = sum(c.SHOP_ITEMS[s][0] * q for s, q in zip(lines, qtys))
        args = ["sell", "--data", t.data]
        for s, q in zip(lines, qtys):
            args += ["--line", "%s:%d" % (s, q)]
        pay = rng.random()
        if pay < 0.3 and total > 100:  # split tender: part by card, the rest in cash
            card = rng.randint(1, total - 1)
            args += ["--pay", "card=%s:SPLIT-%d" % (money_text(card), rng.randint(1, 99999)),
                     "--pay", "cash"]
        elif pay < 0.55:
            args += ["--pay", "card:AUTH-%d" % rng.randint(1, 99999)]
        elif pay < 0.8:
            args += ["--pay", "cash=%s" % money_text((total // 1000 + 1) * 1000)]
        else:
            args += ["--pay", "cash"]
        res = t.cli(*(args + ["--json"]))
        if res.returncode != 0:
            t.unacked["sell exit %d" % res.returncode] += 1
            return
        out = json.loads(res.stdout)
        t.acked.append({"id": out["orderId"], "kind": "sale", "receipt": out["receipt"],
                        "total": out["total"]})
        if out["total"] != total:
            self.problems["mismatch"].append("%s: sale %s total %d, expected %d" % (
                t.name, out["receipt"], out["total"], total))
        if qtys[0] >= 2:
            t.refundable.append(out["receipt"])

    def refund(self, t, rng):
        receipt = t.refundable.pop(rng.randrange(len(t.refundable)))
        pay = "cash" if rng.random() < 0.6 else "card:REF-%d" % rng.randint(1, 99999)
        res = t.cli("refund", "--data", t.data, receipt, "--line", "1:1", "--pay", pay, "--json")
        if res.returncode != 0:
            t.unacked["refund exit %d" % res.returncode] += 1
            log("%s: refund of %s refused: %s" % (t.name, receipt, res.stderr.strip()))
            return
        out = json.loads(res.stdout)
        t.acked.append({"id": out["orderId"], "kind": "refund", "receipt": out["receipt"],
                        "total": out["total"]})

    def cash_move(self, t, rng):
        kind = rng.choice(("in", "out"))
        amount = money_text(rng.randint(1, 1000))
        res = t.cli("cash", kind, amount, "--data", t.data, "--reason", "chaos %s" % kind,
                    "--json")
        if res.returncode != 0:
            t.unacked["cash %s exit %d" % (kind, res.returncode)] += 1
            log("%s: cash %s refused: %s" % (t.name, kind, res.stderr.strip()))
            return
        t.cash_moves += 1

    # -------------------------------------------------------------- heal, settle

    def heal(self):
        self.net.heal()
        for p in [self.upstream, self.hub] + [t.program for t in self.tills]:
            if not p.running():
                p.start()
        self.upstream_control(reset=True)

    def count_for(self, expected):
        """A drawer count (VALUE=PIECES,...) of exactly `expected` minor units."""
        parts, left = [], expected
        for v in self.denominations:
            if left >= v:
                parts.append("%d=%d" % (v, left // v))
                left %= v
        if left or not parts:
            raise RuntimeError("cannot count %d with %s" % (expected, self.denominations))
        return ",".join(parts)

    def close_drawers(self):
        for t in self.tills:
            st = t.cli_json("cash", "status", "--data", t.data, "--json")
            t.close = t.cli_json("cash", "close", "--data", t.data, "--count",
                                 self.count_for(st["expected"]), "--json")

    def settled(self):
        hub = self.hub_json("status", "--data", self.hub_data, "--json")
        up = hub["upstream"]
        state = {"hub eventSeq": hub["sync"]["eventSeq"],
                 "hub upstream": {k: up[k] for k in ("pending", "inflight", "parked")}}
        ok = up["pending"] == 0 and up["inflight"] == 0
        for t in self.tills:
            s = t.status()
            state[t.name] = (s["sync"]["state"], s["outbox"]["pending"], s["hubCursor"])
            ok = ok and s["sync"]["state"] == "connected" and s["outbox"]["pending"] == 0 \
                and s["hubCursor"] == hub["sync"]["eventSeq"]
        return ok, state

    def settle(self):
        t0 = time.monotonic()
        state = None
        for _ in range(int(self.cfg["settle"]) * 2 + 2):
            try:
                ok, state = self.settled()
            except Exception as e:
                ok, state = False, "error: %s" % e
            if ok:
                log("settled in %.1f s" % (time.monotonic() - t0))
                return True
            if time.monotonic() - t0 >= self.cfg["settle"]:
                break
            self.watch()
            time.sleep(0.5)
        self.problems["mismatch"].append("not settled within %d s; last seen: %r" % (
            self.cfg["settle"], state))
        return False

    # -------------------------------------------------------------- invariants

    def upstream_records(self):
        res = c.run_cli("ip", "netns", "exec", self.net.ns("up"), "curl", "-sS", "--max-time",
                        "20", "--cacert", self.up_ca, "-H", "Authorization: Bearer " + UP_TOKEN,
                        self.up_url + "/records", timeout=CLI_WAIT)
        if res.returncode != 0:
            raise RuntimeError("GET /records: curl exit %d: %s" % (res.returncode, res.stderr))
        return json.loads(res.stdout)["records"]

    def hub_orders(self):
        return c.sqlite_rows(os.path.join(self.hub_data, "hub.db"),
                             "SELECT id, origin, status, receipt, total, "
                             "coalesce(json_extract(doc, '$.type'), 'sale') FROM orders")

    def check_exactly_once(self, hub_rows, up_records):
        """1: every acknowledged sale and refund once at the hub, once upstream."""
        at_hub = collections.Counter(r[0] for r in hub_rows)
        hub_by_id = {r[0]: r for r in hub_rows}
        upstream = collections.Counter(r["id"] for r in up_records)
        up_by_id = {r["id"]: r for r in up_records}
        for t in self.tills:
            for a in t.acked:
                where = "%s %s %s" % (t.name, a["kind"], a["receipt"])
                for place, count in (("hub", at_hub[a["id"]]), ("upstream", upstream[a["id"]])):
                    if count == 0:
                        self.problems["lost"].append("%s: not at the %s" % (where, place))
                    elif count > 1:
                        self.problems["doubled"].append("%s: %d times at the %s" % (
                            where, count, place))
                h = hub_by_id.get(a["id"])
                if h and (h[2], h[3], h[4], h[5]) != ("completed", a["receipt"], a["total"],
                                                      a["kind"]):
                    self.problems["mismatch"].append("%s: the hub holds %r" % (where, h[2:]))
                u = up_by_id.get(a["id"])
                if u and (u["kind"], u["receipt"], u["record"]["payload"]["total"]) != (
                        a["kind"], a["receipt"], a["total"]):
                    self.problems["mismatch"].append("%s: upstream holds %s %s %r" % (
                        where, u["kind"], u["receipt"], u["record"]["payload"]["total"]))
        for counter, place in ((collections.Counter(r[3] for r in hub_rows if r[3]), "hub"),
                               (collections.Counter(r["receipt"] for r in up_records
                                                    if r["receipt"]), "upstream")):
            for receipt, n in counter.items():
                if n > 1:
                    self.problems["doubled"].append("receipt %s %d times at the %s" % (
                        receipt, n, place))

    def check_mirrors(self):
        """2: every terminal holds every other terminal's completed records."""
        for t in self.tills:
            held = {r[0]: r for r in t.db("SELECT id, status, total FROM orders")}
            for other in self.tills:
                for a in other.acked:
                    h = held.get(a["id"])
                    if h is None:
                        self.problems["lost"].append("%s does not mirror %s's %s" % (
                            t.name, other.name, a["receipt"]))
                    elif (h[1], h[2]) != ("completed", a["total"]):
                        self.problems["mismatch"].append("%s mirrors %s's %s as %r" % (
                            t.name, other.name, a["receipt"], h[1:]))

    def check_journals(self):
        """3: every terminal's journal, and the hub's copy of all of them, verify."""
        for t in self.tills:
            res = t.cli("journal", "verify", "--data", t.data)
            if res.returncode != 0:
                self.problems["mismatch"].append("%s: journal verify: %s" % (
                    t.name, (res.stdout + res.stderr).strip()))
        res = self.hub_cli("journal", "verify", "--data", self.hub_data)
        if res.returncode != 0:
            self.problems["mismatch"].append("hub: journal verify: %s" % (
                res.stdout + res.stderr).strip())

    def check_totals(self, hub_rows, up_records):
        """4: per terminal, sales minus refunds and the cash session agree to the cent."""
        for t in self.tills:
            acked = sum(a["total"] if a["kind"] == "sale" else -a["total"] for a in t.acked)
            own = t.db("SELECT total, coalesce(json_extract(doc, '$.type'), 'sale') FROM orders "
                       "WHERE origin = ? AND status = 'completed'", t.id)
            figures = {
                "acknowledged": acked,
                "terminal": sum(tot if k == "sale" else -tot for tot, k in own),
                "hub": sum(r[4] if r[5] == "sale" else -r[4] for r in hub_rows
                           if r[1] == t.id and r[2] == "completed"),
                "upstream": sum(r["record"]["payload"]["total"] * (1 if r["kind"] == "sale"
                                                                    else -1)
                                for r in up_records if r["terminal"] == t.code),
            }
            for v in figures.values():
                assert isinstance(v, int), figures  # money is integers, never floats
            if len(set(figures.values())) != 1:
                self.problems["mismatch"].append("%s (%s) sales minus refunds: %s" % (
                    t.name, t.code, figures))
            self.check_cash(t)

    def check_cash(self, t):
        z = t.close
        if z is None:
            self.problems["mismatch"].append("%s: the drawer was not closed" % t.name)
            return
        res = self.hub_cli("cash", "show", "--data", self.hub_data, z["id"], "--json")
        if res.returncode != 0:
            self.problems["lost"].append("%s: cash session %s not at the hub: %s" % (
                t.name, z["id"], res.stderr.strip()))
            return
        shown = json.loads(res.stdout)
        row = t.db("SELECT status FROM cash_sessions WHERE id = ?", z["id"])
        term = (z["expected"], z["counted"], z["difference"])
        hub = (shown["expected"], shown["counted"], shown["difference"])
        if term != hub or shown["hubExpected"] != z["expected"] or row != [("closed",)] \
                or shown["session"] != z["session"] or shown.get("alertList"):
            self.problems["mismatch"].append(
                "%s: cash session expected/counted/difference at the terminal %r, at the hub "
                "%r, hub's own tally %r, alerts %r, terminal row %r" % (
                    t.name, term, hub, shown["hubExpected"], shown.get("alertList"), row))

    def check_nothing_left(self, hub_rows):
        """5: no outbox entry, upstream record or refused op left; no open cart."""
        hub = self.hub_json("status", "--data", self.hub_data, "--json")["upstream"]
        if (hub["pending"], hub["inflight"], hub["parked"]) != (0, 0, 0):
            self.problems["mismatch"].append("hub upstream queue: pending %d, in flight %d, "
                                             "parked %d" % (hub["pending"], hub["inflight"],
                                                            hub["parked"]))
        refused = c.sqlite_rows(os.path.join(self.hub_data, "hub.db"),
                                "SELECT code, message FROM refused_ops")
        if refused:
            self.problems["mismatch"].append("hub refused %d ops: %r" % (len(refused),
                                                                       refused[:5]))
        carts = [r for r in hub_rows if r[2] != "completed"]
        if carts:
            self.problems["mismatch"].append("open carts at the hub: %r" % carts[:5])
        for t in self.tills:
            box = t.status()["outbox"]
            if (box["pending"], box["parked"]) != (0, 0):
                self.problems["mismatch"].append("%s outbox: %r" % (t.name, box))
            carts = t.db("SELECT receipt, status FROM orders WHERE status <> 'completed'")
            if carts:
                self.problems["mismatch"].append("%s open carts: %r" % (t.name, carts[:5]))

    def check(self):
        hub_rows = self.hub_orders()
        up_records = self.upstream_records()
        self.check_exactly_once(hub_rows, up_records)
        self.check_mirrors()
        self.check_journals()
        self.check_totals(hub_rows, up_records)
        self.check_nothing_left(hub_rows)

    # -------------------------------------------------------------- the whole run

    def execute(self):
        faults, rng_state = self.plan()
        log("seed %d, mode %s: %d faults planned over %d s of load, %d terminals; data in %s"
            % (self.seed, self.mode, len(faults), self.cfg["load"], len(self.tills), self.dir))
        try:
            self.setup()
            log("store up in %.1f s; load and faults start" % (time.monotonic() - self.started))
            threads = [threading.Thread(target=self.load, args=(t,), daemon=True)
                       for t in self.tills]
            for th in threads:
                th.start()
            try:
                self.inject(faults, rng_state)
            finally:
                self.stop_load.set()
                for th in threads:
                    th.join(timeout=CLI_WAIT + 10)
            log("load stopped: %d sales, %d refunds, %d cash movements acknowledged; healing" % (
                sum(a["kind"] == "sale" for t in self.tills for a in t.acked),
                sum(a["kind"] == "refund" for t in self.tills for a in t.acked),
                sum(t.cash_moves for t in self.tills)))
            self.heal()
            self.close_drawers()
            self.settle()
            self.check()
        except (KeyboardInterrupt, SystemExit):
            self.teardown()
            raise
        except BaseException as e:  # pytest's fail() too: report it, then tear down
            self.problems["mismatch"].append("the run stopped: %s: %s" % (type(e).__name__, e))
            log(traceback.format_exc())
        self.teardown()
        return self.summary()

    def teardown(self):
        stop = [t.program for t in self.tills if t.program] + [
            p for p in (self.hub, self.upstream) if p]
        for p in stop:
            for problem in p.stop_all():
                self.crashes.append(problem)
        for problem in self.net.teardown():
            self.problems["mismatch"].append("teardown: %s" % problem)

    def records(self):
        return sum(len(t.acked) for t in self.tills)

    def summary(self):
        for key in ("lost", "doubled", "mismatch"):
            for p in self.problems[key][:50]:
                log("%s: %s" % (key.upper(), p))
        for p in self.crashes:
            log("CRASH: %s" % p)
        for p in self.fault_errors:
            log("FAULT NOT APPLIED: %s" % p)
        for t in self.tills:
            if t.unacked:
                log("%s: commands that did not succeed: %s" % (t.name, dict(t.unacked)))
        log("faults applied: %s" % ", ".join("%s %d" % (k, self.faults[k]) for k in KINDS))
        line = ("chaos: seed=%d mode=%s faults=%d records=%d lost=%d doubled=%d mismatches=%d "
                "crashes=%d elapsed=%ds" % (
                    self.seed, self.mode, sum(self.faults.values()), self.records(),
                    len(self.problems["lost"]), len(self.problems["doubled"]),
                    len(self.problems["mismatch"]), len(self.crashes),
                    time.monotonic() - self.started))
        print(line, flush=True)
        return line


def main(argv=None):
    ap = argparse.ArgumentParser(description="The tillnet chaos run (docs/reliability.md).")
    ap.add_argument("--seed", type=int, default=None, help="the plan's seed (default: time)")
    ap.add_argument("--mode", choices=sorted(MODES), default="long")
    ap.add_argument("--minutes", type=float, default=15, help="long mode: minutes of load")
    ap.add_argument("--terminals", type=int, default=5)
    ap.add_argument("--dir", default=None, help="where data and logs go (default: a new "
                    "folder under $TMPDIR)")
    args = ap.parse_args(argv)
    why = unsupported()
    if why:
        print("chaos: skipped: %s" % why, flush=True)
        return 77
    seed = args.seed if args.seed is not None else int(time.time()) % 1000000

    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    run = Run(seed, args.mode, args.minutes, args.terminals, args.dir)
    run.execute()
    bad = run.problems["lost"] or run.problems["doubled"] or run.problems["mismatch"] or \
        run.crashes or run.fault_errors or any(run.faults[k] == 0 for k in KINDS)
    if not bad and args.dir is None:
        shutil.rmtree(run.dir, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
