# SPDX-License-Identifier: MIT
"""
The short chaos run (docs/reliability.md, "Chaos run"): five terminals, the
hub and the reference upstream on network hosts of their own, every kind of
fault at least once while the terminals sell, refund and move cash; then
healed, settled and checked. Needs root (network namespaces): otherwise
skipped, saying why. TILLNET_CHAOS_SEED picks the plan (default: the time).
"""
import os
import subprocess
import time

import pytest

import chaos


def test_short_chaos_run_loses_and_doubles_nothing(tmp_path, capsys):
    why = chaos.unsupported()
    if why:
        pytest.skip(why)
    seed = int(os.environ.get("TILLNET_CHAOS_SEED", str(int(time.time()) % 1000000)))
    run = chaos.Run(seed, "short", workdir=str(tmp_path))
    line = run.execute()
    with capsys.disabled():  # the summary line shows in scripts/test's output, pass or fail
        print("\n" + line)
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                          timeout=20).stdout
    assert [n for n in left.split() if n.startswith("tn%s-" % run.net.tag)] == [], \
        "namespaces left after the run:\n%s" % left
    assert run.problems["lost"] == [], line
    assert run.problems["doubled"] == [], line
    assert run.problems["mismatch"] == [], line
    assert run.crashes == [], line
    assert run.fault_errors == [], line
    assert [k for k in chaos.KINDS if run.faults[k] == 0] == [], \
        "fault kinds never injected: %s" % line
    assert run.records() > 0, line
