# SPDX-License-Identifier: MIT
"""
Admin accounts besides the owner (docs/security.md, "People: admin
accounts"): GET/POST /api/v1/accounts, PATCH /api/v1/accounts/{username},
POST /api/v1/accounts/{username}/password-reset and `tillnet-hub account`.
A new account's one-time password signs in once and forces a change; its
role decides what it may do; disabling it ends its sessions; the last active
owner stays; nobody hands out or touches more than their own role holds;
every change is audited.
"""
import json
import re

from conftest import EX_DATAERR, HUB_BIN, AdminClient, run_cli
from test_admin_api import api_hub

ONE_TIME = re.compile(r"^[a-z0-9]{5}(-[a-z0-9]{5}){3}$")


def create(owner, username, role):
    res = owner.request("POST", "/api/v1/accounts", {"username": username, "role": role})
    assert res.status == 201, res
    assert ONE_TIME.match(res.body["oneTimePassword"]), res.body
    return res.body


def first_sign_in(hub, username, password, new_password):
    """Sign in with a one-time password and change it, as the person would."""
    client = AdminClient(hub)
    res = client.login(username, password)
    assert res.status == 200 and res.body["mustChangePassword"] is True, res
    assert client.request("GET", "/api/v1/catalog").code == "password-change-required"
    res = client.change_password(password, new_password)
    assert res.status == 200, res
    return client


def listed(owner):
    res = owner.request("GET", "/api/v1/accounts")
    assert res.status == 200, res
    return {a["username"]: a for a in res.body["accounts"]}


def audit_of(hub, action):
    return [e for e in hub.audit() if e["action"] == action]


def test_a_new_account_signs_in_once_with_its_one_time_password(world):
    hub, owner, _ = api_hub(world)
    body = create(owner, "alex", "manager")
    account = body["account"]
    assert (account["username"], account["role"], account["active"],
            account["mustChangePassword"], account["lastLoginAt"]) == \
        ("alex", "manager", True, True, None)
    otp = body["oneTimePassword"]
    alex = first_sign_in(hub, "alex", otp, "alex's own long password")
    # The one-time password worked once: it is gone now.
    res = AdminClient(hub).login("alex", otp)
    assert res.status == 401 and res.code == "login-failed", res
    assert AdminClient(hub).login("ALEX", "alex's own long password").status == 200
    # A manager holds staff.manage and catalog.edit, not audit.view.
    assert alex.request("GET", "/api/v1/catalog").status == 200
    assert alex.request("GET", "/api/v1/audit").code == "forbidden"
    row = listed(owner)["alex"]
    assert row["mustChangePassword"] is False and isinstance(row["lastLoginAt"], int), row
    assert row["id"] == account["id"] and "password" not in row
    assert listed(owner)["owner"]["role"] == "owner"
    # The same name in another case is taken.
    res = owner.request("POST", "/api/v1/accounts", {"username": "Alex", "role": "cashier"})
    assert res.status == 409 and res.code == "username-taken", res
    assert res.body["error"]["field"] == "username"
    [entry] = audit_of(hub, "account.create")[-1:]
    assert entry["subject"] == account["id"]
    assert entry["actor"] == owner.whoami().body["account"]["id"]
    assert entry["detail"] == {"username": "alex", "role": "manager"}
    assert otp not in json.dumps(hub.audit())


def test_bad_input_names_the_field(world):
    hub, owner, _ = api_hub(world)
    before = len(listed(owner))
    for body, field in (({"username": "bad name", "role": "cashier"}, "username"),
                        ({"username": "", "role": "cashier"}, "username"),
                        ({"username": "x" * 33, "role": "cashier"}, "username"),
                        ({"username": ".hidden", "role": "cashier"}, "username"),
                        ({"username": "émile", "role": "cashier"}, "username"),
                        ({"username": 7, "role": "cashier"}, "username"),
                        ({"role": "cashier"}, "username"),
                        ({"username": "sam"}, "role"),
                        ({"username": "sam", "role": "boss"}, "role")):
        res = owner.request("POST", "/api/v1/accounts", body)
        assert res.status == 400 and res.code == "bad-field", (body, res)
        assert res.body["error"]["field"] == field, (body, res)
        assert field in res.body["error"]["message"], (body, res)
    assert owner.request("POST", "/api/v1/accounts", "[1]").code == "bad-json"
    create(owner, "sam", "cashier")
    for body, field in (({"active": "no"}, "active"), ({"role": 3}, "role"),
                        ({"role": "boss"}, "role")):
        res = owner.request("PATCH", "/api/v1/accounts/sam", body)
        assert res.status == 400 and res.body["error"]["field"] == field, (body, res)
    assert len(listed(owner)) == before + 1
    for method, url in (("PATCH", "/api/v1/accounts/nobody"),
                        ("POST", "/api/v1/accounts/nobody/password-reset"),
                        ("POST", "/api/v1/accounts/sam/nothing")):
        res = owner.request(method, url, {"active": False})
        assert res.status == 404 and res.code == "not-found", (url, res)
    assert owner.request("DELETE", "/api/v1/accounts/sam").code == "method-not-allowed"


def test_roles_decide_and_nobody_escalates(world):
    hub, owner, cashier = api_hub(world)
    # The cashier role lacks staff.manage: every account route is forbidden.
    for method, url, body in (("GET", "/api/v1/accounts", None),
                              ("POST", "/api/v1/accounts", {"username": "x", "role": "cashier"}),
                              ("PATCH", "/api/v1/accounts/owner", {"active": False}),
                              ("POST", "/api/v1/accounts/owner/password-reset", None)):
        res = cashier.request(method, url, body)
        assert res.status == 403 and res.code == "forbidden", (url, res)
    assert cashier.request("GET", "/api/v1/catalog").code == "forbidden"
    # A manager manages accounts up to a manager, never the owner's.
    body = create(owner, "mia", "manager")
    mia = first_sign_in(hub, "mia", body["oneTimePassword"], "mia's own long password")
    assert mia.request("GET", "/api/v1/accounts").status == 200
    res = mia.request("POST", "/api/v1/accounts", {"username": "boss", "role": "owner"})
    assert res.status == 403 and res.code == "escalation", res
    assert res.body["error"]["field"] == "role" and "audit.view" in res.body["error"]["message"]
    for method, url, body in (("PATCH", "/api/v1/accounts/owner", {"active": False}),
                              ("PATCH", "/api/v1/accounts/owner", {"role": "cashier"}),
                              ("PATCH", "/api/v1/accounts/cashier1", {"role": "owner"}),
                              ("POST", "/api/v1/accounts/owner/password-reset", None)):
        res = mia.request(method, url, body)
        assert res.status == 403 and res.code == "escalation", (url, res)
    assert owner.whoami().status == 200  # the owner's session is untouched
    res = mia.request("PATCH", "/api/v1/accounts/cashier1", {"role": "manager"})
    assert res.status == 200 and res.body["account"]["role"] == "manager", res
    assert "boss" not in listed(owner)


def test_disabling_ends_sessions_and_the_last_owner_stays(world):
    hub, owner, cashier = api_hub(world)
    assert cashier.whoami().status == 200
    res = owner.request("PATCH", "/api/v1/accounts/cashier1", {"active": False})
    assert res.status == 200 and res.body["account"]["active"] is False, res
    res = cashier.whoami()
    assert res.status == 401, res
    assert hub.db_rows("SELECT count(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
                       "WHERE a.username = 'cashier1'") == [(0,)]
    res = AdminClient(hub).login("cashier1", "the cashier's own password")
    assert res.status == 401 and res.code == "login-failed", res
    res = owner.request("PATCH", "/api/v1/accounts/cashier1", {"active": True})
    assert res.status == 200 and res.body["account"]["active"] is True, res
    assert AdminClient(hub).login("cashier1", "the cashier's own password").status == 200

    # The last active owner can be neither disabled nor demoted.
    for body in ({"active": False}, {"role": "manager"}):
        res = owner.request("PATCH", "/api/v1/accounts/owner", body)
        assert res.status == 409 and res.code == "last-owner", res
        assert "last active" in res.body["error"]["message"]
    assert listed(owner)["owner"]["active"] is True and owner.whoami().status == 200
    # With a second owner, the first may go; then the second is the last.
    body = create(owner, "olga", "owner")
    olga = first_sign_in(hub, "olga", body["oneTimePassword"], "olga's own long password")
    assert olga.request("PATCH", "/api/v1/accounts/owner", {"active": False}).status == 200
    assert owner.whoami().status == 401
    res = olga.request("PATCH", "/api/v1/accounts/olga", {"role": "manager"})
    assert res.status == 409 and res.code == "last-owner", res

    updates = [(e["detail"]["username"], e["detail"]["before"]["active"],
                e["detail"]["after"]["active"]) for e in audit_of(hub, "account.update")]
    assert updates == [("cashier1", True, False), ("cashier1", False, True),
                       ("owner", True, False)]


def test_password_reset_gives_a_new_one_time_password(world):
    hub, owner, cashier = api_hub(world)
    res = owner.request("POST", "/api/v1/accounts/cashier1/password-reset")
    assert res.status == 200, res
    otp = res.body["oneTimePassword"]
    assert ONE_TIME.match(otp) and res.body["account"]["mustChangePassword"] is True
    # The old session and the old password are done with.
    assert cashier.whoami().status == 401
    assert AdminClient(hub).login("cashier1", "the cashier's own password").status == 401
    first_sign_in(hub, "cashier1", otp, "the cashier's newer password")
    [entry] = audit_of(hub, "account.password-reset")
    assert entry["actor"] == owner.whoami().body["account"]["id"]
    assert entry["detail"] == {"username": "cashier1"}


def test_cli_accounts(world):
    hub, owner, _ = api_hub(world)
    res = run_cli(HUB_BIN, "account", "add", "--data", hub.data, "--role", "cashier", "sam")
    assert res.returncode == 0, res.stderr
    otp = re.search(r"one-time password for sam: (\S+)", res.stdout).group(1)
    assert ONE_TIME.match(otp)
    first_sign_in(hub, "sam", otp, "sam's own long password")
    accounts = json.loads(run_cli(HUB_BIN, "account", "list", "--data", hub.data,
                                  "--json").stdout)
    assert {a["username"]: a["role"] for a in accounts} == \
        {"owner": "owner", "cashier1": "cashier", "sam": "cashier"}
    assert "sam" in run_cli(HUB_BIN, "account", "list", "--data", hub.data).stdout
    res = run_cli(HUB_BIN, "account", "set", "--data", hub.data, "sam", "--active", "0")
    assert res.returncode == 0, res.stderr
    assert listed(owner)["sam"]["active"] is False
    res = run_cli(HUB_BIN, "account", "reset-password", "--data", hub.data, "sam")
    assert res.returncode == 0 and "one-time password for sam" in res.stdout, res.stderr
    res = run_cli(HUB_BIN, "account", "set", "--data", hub.data, "owner", "--active", "0")
    assert res.returncode == EX_DATAERR and "last active" in res.stderr, res
    res = run_cli(HUB_BIN, "account", "add", "--data", hub.data, "--role", "cashier", "a b")
    assert res.returncode == EX_DATAERR and "username" in res.stderr, res
    res = run_cli(HUB_BIN, "account", "add", "--data", hub.data, "sam")
    assert res.returncode == 64, res
    for action in ("account.create", "account.update", "account.password-reset"):
        entries = [e for e in audit_of(hub, action) if e["detail"]["username"] == "sam"]
        assert entries and entries[0]["actor"].startswith("cli:"), (action, entries)
