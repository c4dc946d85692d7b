# SPDX-License-Identifier: MIT
"""
One thread per process (docs/adr/0001-one-libuv-loop.md): the hub, the
terminal daemon and the reference upstream do all their work on one libuv
or libmicrohttpd loop, so there is nothing for ThreadSanitizer to check
(docs/reliability.md, "Sanitizers"). This holds the claim to the running
processes, while each of them is busy: the hub relaying, forwarding
upstream and serving the admin API, the terminal syncing and serving its
local API. A thread added later makes this fail: then TSan joins the suite.
"""
import os

from conftest import poll_until
from test_term_api import api
from test_upstream import shop_with_upstream, wait_forwarded


def threads(proc):
    return len(os.listdir("/proc/%d/task" % proc.pid))


def test_hub_terminal_and_upstream_each_run_one_thread(world):
    up, hub, (t1, t2), _ = shop_with_upstream(world, terminals=("t1", "t2"))
    for i in range(3):
        t1.sell("COF:%d" % (i + 1))
    assert api(t2, "GET", "/api/v1/catalog?q=co")[0] == 200
    t1.wait_drained()
    poll_until("t1's sales on t2", lambda: t2.db_rows(
        "SELECT count(*) FROM orders"), lambda r: r == [(3,)])
    wait_forwarded(hub, 3, procs=[hub.proc, up.proc])
    assert hub.https("GET", "/api/v1/ca")[0] == 200
    for name, proc in (("hub", hub.proc), ("t1", t1.proc), ("t2", t2.proc),
                       ("upstream", up.proc)):
        assert proc.poll() is None, "%s exited" % name
        assert threads(proc) == 1, "%s runs %d threads" % (name, threads(proc))
