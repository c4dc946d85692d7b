# SPDX-License-Identifier: MIT
"""
Admin accounts and sessions on the hub's HTTPS port (docs/security.md):
the owner account init makes, sign-in, cookie flags, id rotation, sign-out,
timeouts, CSRF, throttling, the first password change, permissions, audit.
"""
import hashlib
import json
import re

from conftest import (EX_DATAERR, EX_USAGE, HUB_BIN, LOOPBACK, SESSION_COOKIE, AdminClient,
                      Hub, run_cli, sqlite_write)

NEW_PASSWORD = "a much better password"
COOKIE_RE = re.compile(r"^%s=([A-Za-z0-9_-]{43}); Secure; HttpOnly; SameSite=Strict; Path=/$"
                       % SESSION_COOKIE)
MINUTE = 60 * 1000


def signed_in_owner(world):
    """A running hub and the owner signed in with the password already changed."""
    hub = world.admin_hub()
    c = AdminClient(hub)
    assert c.login("owner", hub.owner_password).status == 200
    res = c.change_password(hub.owner_password, NEW_PASSWORD)
    assert res.status == 200, res
    return hub, c


def age_sessions(hub, column, ms):
    sqlite_write(hub.data / "hub.db", "UPDATE sessions SET %s = %s - ?" % (column, column), ms)


def unlock(hub):
    """What waiting out every sign-in lock would do, without waiting."""
    sqlite_write(hub.data / "hub.db", "UPDATE login_throttle SET locked_until = 0")


def throttle_row(hub, kind, key):
    rows = hub.db_rows("SELECT failures, locked_until FROM login_throttle "
                       "WHERE kind = ? AND key = ?", kind, key)
    return rows[0] if rows else None


def test_init_prints_owner_password_and_roles_are_seeded(world):
    hub = world.admin_hub(start=False)
    pw = hub.owner_password
    assert re.fullmatch(r"[2-9a-hjkmnp-z]{5}(-[2-9a-hjkmnp-z]{5}){3}", pw), pw
    [(username, role, phc, must_change)] = hub.db_rows(
        "SELECT username, role, password, must_change_password FROM accounts")
    assert (username, role, must_change) == ("owner", "owner", 1)
    assert phc.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and pw not in phc
    roles = {name: (json.loads(perms), ceiling, builtin) for name, perms, ceiling, builtin in
             hub.db_rows("SELECT name, permissions, discount_ceiling, builtin FROM roles")}
    # The same as perm_builtin_roles in common/perm.c (tests/unit/test_perm.c).
    assert roles == {
        "owner": (["*"], 100, 1),
        "manager": (["order.*", "sale.discount.*", "cash.*", "drawer.open", "catalog.edit",
                     "staff.manage", "terminals.manage", "reports.view", "upstream.resolve"],
                    50, 1),
        "cashier": (["sale.discount.line", "cash.open", "cash.close", "cash.in"], 10, 1),
    }


def test_init_owner_options(world, tmp_path):
    pwfile = tmp_path / "owner.pw"
    pwfile.write_text("correct horse battery staple\n")
    hub = world.admin_hub(start=False, init_args=("--owner", "Alice",
                                                  "--owner-password-file", pwfile))
    assert "one-time password" not in hub.init_stdout and "correct horse" not in hub.init_stdout
    assert "Alice" in hub.init_stdout
    assert hub.db_rows("SELECT username, must_change_password FROM accounts") == [("Alice", 1)]
    hub.start()
    c = AdminClient(hub)
    # User names are compared without case; the trailing new line is not part of it.
    res = c.login("alice", "correct horse battery staple")
    assert res.status == 200 and res.body["account"]["username"] == "Alice", res

    bad = Hub(world, "bad", "S")
    res = run_cli(HUB_BIN, "init", "--data", bad.data, "--store", "S", "--owner", "no spaces")
    assert res.returncode == EX_USAGE and "--owner" in res.stderr, res.stderr
    pwfile.write_text("short\n")
    res = run_cli(HUB_BIN, "init", "--data", bad.data, "--store", "S",
                  "--owner-password-file", pwfile)
    assert res.returncode == EX_DATAERR and "at least" not in res.stdout, res.stderr
    assert "12" in res.stderr and not (bad.data / "hub.db").exists(), res.stderr


def test_login_cookie_whoami_and_first_password_change(world):
    hub = world.admin_hub()
    c = AdminClient(hub)
    assert c.whoami().status == 401 and c.whoami().code == "not-signed-in"

    res = c.login("owner", hub.owner_password)
    assert res.status == 200, res
    m = COOKIE_RE.match(res.header("Set-Cookie"))
    assert m, res.header("Set-Cookie")  # exact flags, host-only (no Domain), no Max-Age
    session_id = m.group(1)
    body = res.body
    assert body["mustChangePassword"] is True
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["csrfToken"])
    assert body["csrfToken"] != session_id
    acct = body["account"]
    assert acct["username"] == "owner" and acct["role"] == "owner"
    assert acct["permissions"] == ["*"] and isinstance(acct["createdAt"], int)
    # Only the SHA-256 of the id is stored.
    [(id_hash, csrf, address)] = hub.db_rows("SELECT id_hash, csrf_token, address FROM sessions")
    assert id_hash == hashlib.sha256(session_id.encode()).digest()
    assert csrf == body["csrfToken"] and address == LOOPBACK

    who = c.whoami()
    assert who.status == 200 and who.body == body, who

    # Until the password is changed, every other route is refused.
    res = c.request("GET", "/api/v1/audit")
    assert res.status == 403 and res.code == "password-change-required", res

    res = c.change_password(hub.owner_password, "too short")
    assert res.status == 400 and res.body["error"]["field"] == "newPassword", res
    res = c.change_password(hub.owner_password, hub.owner_password)
    assert res.status == 400 and res.body["error"]["field"] == "newPassword", res
    res = c.change_password("not the password", NEW_PASSWORD)
    assert res.status == 403 and res.code == "wrong-password", res
    old_cookie, old_csrf = c.cookie, c.csrf
    res = c.change_password(hub.owner_password, NEW_PASSWORD)
    assert res.status == 200 and res.body["mustChangePassword"] is False, res
    assert COOKIE_RE.match(res.header("Set-Cookie"))
    assert c.cookie != old_cookie and c.csrf != old_csrf  # the session rotated
    assert c.whoami(cookie=old_cookie).status == 401
    assert hub.db_rows("SELECT must_change_password FROM accounts") == [(0,)]
    res = c.request("GET", "/api/v1/audit")
    assert res.status == 200 and isinstance(res.body["entries"], list), res

    other = AdminClient(hub)
    assert other.login("owner", hub.owner_password).status == 401
    assert other.login("owner", NEW_PASSWORD).status == 200


def test_id_rotates_at_login_and_logout(world):
    hub, c = signed_in_owner(world)
    first = c.cookie
    res = c.login("owner", NEW_PASSWORD)  # sends the old cookie along
    assert res.status == 200 and c.cookie != first
    assert c.whoami(cookie=first).status == 401, "the old session survived a new sign-in"
    assert hub.count("sessions") == 1

    res = c.logout()
    assert res.status == 204 and res.body is None, res
    assert res.header("Set-Cookie") == ("%s=; Secure; HttpOnly; SameSite=Strict; Path=/; "
                                        "Max-Age=0" % SESSION_COOKIE)
    assert c.whoami().status == 401 and hub.count("sessions") == 0
    assert c.logout().status == 401


def test_idle_and_absolute_timeouts(world):
    hub, c = signed_in_owner(world)
    age_sessions(hub, "last_seen_at", 29 * MINUTE)
    assert c.whoami().status == 200, "ended before 30 idle minutes"
    age_sessions(hub, "last_seen_at", 31 * MINUTE)
    res = c.whoami()
    assert res.status == 401 and res.code == "session-expired", res
    assert "Max-Age=0" in res.header("Set-Cookie")
    assert hub.count("sessions") == 0, "an expired session was not deleted"

    assert c.login("owner", NEW_PASSWORD).status == 200
    age_sessions(hub, "created_at", 11 * 60 * MINUTE)
    assert c.whoami().status == 200, "active session ended before 12 hours"
    age_sessions(hub, "created_at", 61 * MINUTE)
    res = c.whoami()
    assert res.status == 401 and res.code == "session-expired", res
    assert hub.count("sessions") == 0


def test_csrf(world):
    hub, c = signed_in_owner(world)
    port = hub.admin_port
    # Writes without the token, with a wrong one, or from another origin: refused.
    for kw in ({"csrf": False}, {"csrf": "x" * 43}, {"origin": False},
               {"origin": "https://evil.example:%d" % port},
               {"origin": "http://127.0.0.1:%d" % port},
               {"origin": "https://127.0.0.1:%d" % (port + 1)}):
        res = c.logout(**kw)
        assert res.status == 403 and res.code == "csrf", (kw, res)
        res = c.change_password(NEW_PASSWORD, NEW_PASSWORD + "!", **kw)
        assert res.status == 403 and res.code == "csrf", (kw, res)
    assert c.whoami().status == 200, "a refused write ended the session"

    # Sign-in needs the hub's own Origin too (login CSRF).
    other = AdminClient(hub)
    for origin in (False, "https://evil.example:%d" % port):
        res = other.login("owner", NEW_PASSWORD, origin=origin)
        assert res.status == 403 and res.code == "csrf", (origin, res)
    # The Host the request came with counts as the hub's own name on this port...
    res = other.login("owner", NEW_PASSWORD, origin="https://localhost:%d" % port,
                      headers={"Host": "localhost:%d" % port})
    assert res.status == 200, res
    # ...but not on another port, and not without a Host match.
    res = other.login("owner", NEW_PASSWORD, origin="https://localhost:%d" % (port + 1),
                      headers={"Host": "localhost:%d" % (port + 1)})
    assert res.status == 403 and res.code == "csrf", res
    res = other.login("owner", NEW_PASSWORD, origin="https://localhost:%d" % port)
    assert res.status == 403 and res.code == "csrf", res

    assert c.logout().status == 204


def test_same_answer_for_unknown_user_and_wrong_password(world):
    hub, _ = signed_in_owner(world)
    a = AdminClient(hub, source="127.0.0.2").login("owner", "wrong password")
    b = AdminClient(hub, source="127.0.0.3").login("nobody", "wrong password")
    assert a.status == b.status == 401
    assert a.body == b.body == {"error": {"code": "login-failed",
                                          "message": "wrong user name or password"}}


def test_throttle_per_account(world):
    hub, _ = signed_in_owner(world)
    attacker = AdminClient(hub, source="127.0.0.2")
    for i in range(5):
        res = attacker.login("owner", "guess %d" % i)
        assert res.status == 401, (i, res)
    res = attacker.login("owner", "guess 5")
    assert res.status == 429 and res.code == "too-many-attempts", res
    assert res.header("Retry-After") == "1", res
    # The account is locked from everywhere, even with the right password...
    res = AdminClient(hub, source="127.0.0.3").login("Owner", NEW_PASSWORD)
    assert res.status == 429 and res.header("Retry-After") == "1", res
    # ...while that other address may still try other names.
    assert AdminClient(hub, source="127.0.0.3").login("someone", "x").status == 401

    # Each failure after the fifth doubles the lock: 2 s, 4 s, 8 s (no waiting here).
    for expect in (2, 4, 8):
        unlock(hub)
        assert attacker.login("owner", "guess again").status == 401
        res = attacker.login("owner", "and again")
        assert res.status == 429 and res.header("Retry-After") == str(expect), (expect, res)
    assert throttle_row(hub, "account", "owner")[0] == 8

    # A success (once unlocked) clears the account's count.
    unlock(hub)
    assert AdminClient(hub, source="127.0.0.4").login("owner", NEW_PASSWORD).status == 200
    assert throttle_row(hub, "account", "owner") is None
    assert throttle_row(hub, "address", "127.0.0.2")[0] == 8  # the address is not forgiven

    kinds = [(e["subject"], e["detail"]["kind"], e["detail"]["lockedMs"])
             for e in hub.audit() if e["action"] == "session.login.throttled"]
    assert ("owner", "account", 1000) in kinds and ("owner", "account", 8000) in kinds, kinds
    assert ("127.0.0.2", "address", 1000) in kinds, kinds


def test_throttle_per_address(world):
    hub, _ = signed_in_owner(world)
    attacker = AdminClient(hub, source="127.0.0.5")
    for i in range(5):
        assert attacker.login("user%d" % i, "x").status == 401
    res = attacker.login("user-new", "x")
    assert res.status == 429 and res.code == "too-many-attempts", res
    assert int(res.header("Retry-After")) == 1
    res = attacker.login("owner", NEW_PASSWORD)
    assert res.status == 429, "a locked address could still sign in"
    assert AdminClient(hub, source="127.0.0.6").login("user-new", "x").status == 401
    assert AdminClient(hub, source="127.0.0.6").login("owner", NEW_PASSWORD).status == 200
    assert hub.proc.poll() is None


def test_permissions_of_another_role(world):
    hub, c = signed_in_owner(world)
    # A cashier account with the owner's password hash (accounts are made by
    # hand here; the staff and accounts API comes with the next part).
    sqlite_write(hub.data / "hub.db",
                 "INSERT INTO accounts(id, username, password, role, must_change_password, "
                 "created_at, updated_at) SELECT 'c1', 'carol', password, 'cashier', 0, 0, 0 "
                 "FROM accounts WHERE username = 'owner'")
    carol = AdminClient(hub)
    res = carol.login("carol", NEW_PASSWORD)
    assert res.status == 200, res
    assert res.body["account"]["permissions"] == ["sale.discount.line", "cash.open",
                                                  "cash.close", "cash.in"]
    res = carol.request("GET", "/api/v1/audit")
    assert res.status == 403 and res.code == "forbidden", res
    assert "audit.view" in res.body["error"]["message"]
    assert c.request("GET", "/api/v1/audit").status == 200
    assert AdminClient(hub).request("GET", "/api/v1/audit").status == 401
    # A disabled account's session ends and it cannot sign in again.
    sqlite_write(hub.data / "hub.db", "UPDATE accounts SET disabled = 1 WHERE id = 'c1'")
    assert carol.whoami().status == 401
    res = carol.login("carol", NEW_PASSWORD)
    assert res.status == 401 and res.code == "login-failed", res


def test_audit_entries(world):
    hub = world.admin_hub()
    c = AdminClient(hub)
    assert c.login("owner", "a wrong password").status == 401
    assert c.login("owner", hub.owner_password).status == 200
    assert c.change_password(hub.owner_password, NEW_PASSWORD).status == 200
    assert c.logout().status == 204
    entries = hub.audit()
    actions = [e["action"] for e in entries]
    assert actions == ["session.login.failed", "session.login", "session.password.changed",
                       "session.logout"], actions
    failed = entries[0]
    assert failed["actor"] == "anonymous"
    assert failed["detail"] == {"username": "owner", "address": LOOPBACK,
                                "reason": "wrong-password"}
    [owner_id] = [r[0] for r in hub.db_rows("SELECT id FROM accounts")]
    for e in entries[1:]:
        assert e["actor"] == owner_id and e["subject"] == owner_id, e
        assert e["detail"] == {"username": "owner", "address": LOOPBACK}, e
    text = json.dumps(entries)
    for secret in ("a wrong password", hub.owner_password, NEW_PASSWORD):
        assert secret not in text
    # The same log over the API, for a signed-in owner.
    assert c.login("owner", NEW_PASSWORD).status == 200
    res = c.request("GET", "/api/v1/audit?after=1&limit=2")
    assert res.status == 200, res
    assert [e["seq"] for e in res.body["entries"]] == [entries[1]["seq"], entries[2]["seq"]]
    res = c.request("GET", "/api/v1/audit?limit=0")
    assert res.status == 400 and res.body["error"]["field"] == "limit", res


def test_bad_bodies_and_methods(world):
    hub, c = signed_in_owner(world)
    for body, field in (("[]", None), ("{", None), ({"username": "owner"}, "password"),
                        ({"username": 5, "password": "x"}, "username"),
                        ({"username": "", "password": "x"}, "username"),
                        ({"username": "x" * 65, "password": "x"}, "username")):
        res = AdminClient(hub).request("POST", "/api/v1/session", body)
        assert res.status == 400, (body, res)
        assert res.body["error"].get("field") == field, (body, res)
    for method, path in (("PUT", "/api/v1/session"), ("GET", "/api/v1/session/password"),
                         ("POST", "/api/v1/audit")):
        res = c.request(method, path, "{}")
        assert res.status == 405 and res.code == "method-not-allowed", (method, path, res)
    assert hub.proc.poll() is None
