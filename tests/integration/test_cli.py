# SPDX-License-Identifier: MIT
"""The command lines: help, version, usage errors and their exit codes."""
import pytest

from conftest import (EX_CONFIG, EX_DATAERR, EX_USAGE, HUB_BIN, TERM_BIN, run_cli)

HELP = [
    (HUB_BIN, []), (HUB_BIN, ["init"]), (HUB_BIN, ["run"]), (HUB_BIN, ["status"]),
    (HUB_BIN, ["terminal"]), (HUB_BIN, ["terminal", "add"]), (HUB_BIN, ["terminal", "list"]),
    (HUB_BIN, ["terminal", "revoke"]),
    (TERM_BIN, []), (TERM_BIN, ["enroll"]), (TERM_BIN, ["run"]), (TERM_BIN, ["status"]),
]


def cli_id(case):
    binary, args = case
    return " ".join(["hub" if binary == HUB_BIN else "term"] + args)


@pytest.mark.parametrize("case", HELP, ids=[cli_id(c) for c in HELP])
def test_help(case):
    binary, args = case
    res = run_cli(binary, *args, "--help")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("usage: "), res.stdout
    command = (["tillnet-hub"] if binary == HUB_BIN else ["tillnet-term"]) + args[:1]
    assert " ".join(command) in res.stdout.splitlines()[0] or not args, res.stdout
    assert res.stderr == ""


@pytest.mark.parametrize("binary,name", [(HUB_BIN, "tillnet-hub"), (TERM_BIN, "tillnet-term")])
def test_version(binary, name):
    res = run_cli(binary, "--version")
    assert res.returncode == 0
    assert res.stdout == "%s 0.1.0\n" % name


@pytest.mark.parametrize("binary", [HUB_BIN, TERM_BIN], ids=["hub", "term"])
def test_unknown_command_and_no_command(binary):
    res = run_cli(binary, "frobnicate")
    assert res.returncode == EX_USAGE
    assert 'unknown command "frobnicate"' in res.stderr and "usage:" in res.stderr
    res = run_cli(binary)
    assert res.returncode == EX_USAGE and "usage:" in res.stderr
    res = run_cli(binary, "status", "--data", "/nonexistent", "--no-such-option")
    assert res.returncode == EX_USAGE, res.stderr


def test_unknown_terminal_subcommand(tmp_path):
    res = run_cli(HUB_BIN, "terminal", "frob", "--data", tmp_path)
    assert res.returncode == EX_USAGE
    assert 'unknown subcommand "frob"' in res.stderr


MISSING_DATA = [
    (HUB_BIN, ["init", "--store", "S"]), (HUB_BIN, ["run"]), (HUB_BIN, ["status", "--json"]),
    (HUB_BIN, ["terminal", "list"]), (HUB_BIN, ["terminal", "add", "--name", "x"]),
    (HUB_BIN, ["terminal", "revoke", "T01"]),
    (TERM_BIN, ["enroll", "--code", "TN1-AAAA"]), (TERM_BIN, ["run"]), (TERM_BIN, ["status"]),
]


@pytest.mark.parametrize("case", MISSING_DATA, ids=[cli_id(c) for c in MISSING_DATA])
def test_missing_data_is_usage_error(case):
    binary, args = case
    res = run_cli(binary, *args)
    assert res.returncode == EX_USAGE, (res.returncode, res.stderr)
    assert "--data" in res.stderr and "required" in res.stderr, res.stderr


def test_status_on_empty_folder(tmp_path):
    res = run_cli(HUB_BIN, "status", "--data", tmp_path, "--json")
    assert res.returncode == EX_CONFIG, res.stderr
    assert "has no store" in res.stderr and "tillnet-hub init" in res.stderr, res.stderr
    assert res.stdout == ""
    res = run_cli(HUB_BIN, "terminal", "list", "--data", tmp_path)
    assert res.returncode == EX_CONFIG and "tillnet-hub init" in res.stderr, res.stderr
    res = run_cli(HUB_BIN, "run", "--data", tmp_path)
    assert res.returncode == EX_CONFIG and "tillnet-hub init" in res.stderr, res.stderr

    res = run_cli(TERM_BIN, "status", "--data", tmp_path, "--json")
    assert res.returncode == EX_CONFIG, res.stderr
    assert "no enrolled terminal" in res.stderr and "tillnet-term enroll" in res.stderr
    assert res.stdout == ""
    res = run_cli(TERM_BIN, "run", "--data", tmp_path)
    assert res.returncode == EX_CONFIG and "tillnet-term enroll" in res.stderr, res.stderr
    # Nothing was created in the folder by asking.
    assert list(tmp_path.iterdir()) == []


def test_bad_option_values(tmp_path):
    data = tmp_path / "hub"
    res = run_cli(HUB_BIN, "init", "--data", data, "--store", "S", "--currency", "euro")
    assert res.returncode == EX_USAGE and "ISO 4217" in res.stderr, res.stderr
    res = run_cli(HUB_BIN, "init", "--data", data, "--store", "S", "--sync-port", "70000")
    assert res.returncode == EX_USAGE and "not a port" in res.stderr, res.stderr
    res = run_cli(HUB_BIN, "init", "--data", data, "--store", "")
    assert res.returncode == EX_USAGE, res.stderr
    assert not (data / "hub.conf").exists()
    res = run_cli(TERM_BIN, "enroll", "--data", tmp_path / "t", "--code", "x", "--ui-port", "0")
    assert res.returncode == EX_USAGE and "not a port" in res.stderr, res.stderr


def test_terminal_commands_on_a_store(world):
    hub = world.hub(start=False)
    res = hub.revoke("T99")
    assert res.returncode == EX_DATAERR and 'no terminal "T99"' in res.stderr, res.stderr
    res = hub.cli("terminal", "revoke", "--data", hub.data)
    assert res.returncode == EX_USAGE and "which terminal" in res.stderr, res.stderr
    res = hub.cli("terminal", "add", "--data", hub.data, "--name", "")
    assert res.returncode == EX_USAGE and "name" in res.stderr, res.stderr
    res = hub.cli("terminal", "add", "--data", hub.data, "--name", "x", "--address",
                  "other-host.invalid")
    assert res.returncode == EX_USAGE and "--address" in res.stderr, res.stderr
    res = hub.cli("terminal", "list", "--data", hub.data)
    assert res.returncode == 0 and "no terminals yet" in res.stdout, res.stdout
    # The human-readable add prints the code and how to use it.
    res = hub.cli("terminal", "add", "--data", hub.data, "--name", "Till 9")
    assert res.returncode == 0, res.stderr
    assert "TN1-" in res.stdout and "tillnet-term enroll" in res.stdout
    # A second hub on the same folder is refused while one runs.
    hub.start()
    res = hub.cli("run", "--data", hub.data, "--listen", "127.0.0.1")
    assert res.returncode == 75 and "already runs" in res.stderr, res.stderr
    st = hub.status()
    assert st["running"] is True and st["pid"] == hub.proc.pid
