# SPDX-License-Identifier: MIT
"""Count the test cases of every suite in the given build folders and print
"N passed, N failed": cmocka TAP lines from meson's test log, pytest's
JUnit XML, and any further JUnit files named with --junit FILE (scripts/fuzz
writes one). A suite that left no record counts as one failure."""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def junit_counts(path):
    """(passed, failed) of a JUnit XML file; a skipped case counts as failed."""
    p = f = 0
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        # A skipped check is a defect here (DEVELOPERS.md): count it as failed.
        f += bad + skipped
        p += tests - bad - skipped
    return p, f


args = sys.argv[1:]
builds, extra_junit = [], []
while args:
    a = args.pop(0)
    if a == "--junit" and args:
        extra_junit.append(Path(args.pop(0)))
    else:
        builds.append(a)

passed = failed = 0
for build in builds:
    log = Path(build) / "meson-logs" / "testlog.json"
    if not log.exists():
        failed += 1
        print(f"tally: {log} is missing", file=sys.stderr)
    else:
        for line in log.read_text().splitlines():
            test = json.loads(line)
            # meson 1.0 names a test "<project>:<suite> / <name>" and
            # leaves the "suite" field out of this log.
            if not test.get("name", "").split(" / ")[0].endswith(":unit"):
                continue
            cases = [l for l in (test.get("stdout") or "").splitlines()
                     if l.startswith("ok ") or l.startswith("not ok ")]
            if not cases:
                # A test binary that crashed before printing counts as failed.
                failed += test.get("result") != "OK"
                passed += test.get("result") == "OK"
            for c in cases:
                if c.startswith("ok "):
                    passed += 1
                else:
                    failed += 1
            # Cases printed, then a crash (a fuzz replay's finding): one more failure.
            if cases and test.get("result") != "OK" and not any(
                    c.startswith("not ok ") for c in cases):
                failed += 1
    junit = Path(build) / "integration.xml"
    if not junit.exists():
        failed += 1
        print(f"tally: {junit} is missing", file=sys.stderr)
        continue
    p, f = junit_counts(junit)
    passed += p
    failed += f
for junit in extra_junit:
    if not junit.exists():
        failed += 1
        print(f"tally: {junit} is missing", file=sys.stderr)
        continue
    p, f = junit_counts(junit)
    passed += p
    failed += f
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
