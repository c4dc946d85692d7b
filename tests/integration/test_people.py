# SPDX-License-Identifier: MIT
"""
Staff and roles (docs/security.md, "Staff and PINs"): created on the hub,
synced to terminals (snapshot and staff.put/role.put deltas); PIN sign-in
and manager step-up on a terminal with the hub stopped; the lockout after
five wrong PINs; the hub's re-check of each op on arrival (flags, audit);
the staff and roles admin routes with no escalation.
"""
import json

from conftest import (EX_NOPERM, SHOP_CATALOG, AdminClient, make_op, make_order, poll_until,
                      sqlite_write)

CASHIER_PIN, MANAGER_PIN = "1234", "98765"
NEW_PASSWORD = "a much better password"


def term_staff(term):
    return {r[0]: (r[1], r[2], r[3]) for r in
            term.db_rows("SELECT id, name, role, active FROM staff")}


def test_staff_reach_terminals_by_snapshot_and_delta(world):
    hub, _ = world.shop()
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    till = world.enrolled_terminal(hub, "till")
    till.wait_catalog()
    # Snapshot: Ann is there, with her PIN's hash (never the PIN).
    poll_until("Ann on the terminal", lambda: term_staff(till).get(ann))
    [(pin,)] = till.db_rows("SELECT pin FROM staff WHERE id = ?", ann)
    assert pin.startswith("$argon2id$") and CASHIER_PIN not in pin
    assert {r[0] for r in till.db_rows("SELECT name FROM roles")} >= {"owner", "manager",
                                                                     "cashier"}
    # Delta: a new staff member, a deactivation and a role change arrive live.
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    poll_until("Max on the terminal", lambda: term_staff(till).get(max_id))
    assert hub.cli("staff", "set", "--data", hub.data, "Ann", "--active", "0").returncode == 0
    poll_until("Ann inactive", lambda: term_staff(till)[ann][2] == 0)
    assert hub.cli("role", "set", "--data", hub.data, "cashier", "--permissions",
                   "cash.open,order.void", "--ceiling", "5").returncode == 0
    poll_until("cashier role changed", lambda: till.db_rows(
        "SELECT discount_ceiling FROM roles WHERE name = 'cashier'") == [(5,)])
    actions = [e["action"] for e in hub.audit()]
    assert actions.count("staff.created") == 2 and "staff.changed" in actions
    assert "role.changed" in actions


def test_offline_signin_stepup_lockout_and_actor_at_hub(world):
    hub, [till] = world.shop(["till"])
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    max_id = hub.staff_add("Max", "manager", MANAGER_PIN)
    poll_until("staff on the terminal", lambda: len(term_staff(till)) == 2)
    hub.stop()

    # With staff in the store, nobody sells without signing in.
    res = till.sell("COF:1", expect=EX_NOPERM)
    assert "signin" in res.stderr
    assert till.signin("0000").returncode == EX_NOPERM
    res = till.signin(CASHIER_PIN)
    assert res.returncode == 0 and ann in res.stdout, res.stderr
    sale = till.sell("COF:1")
    order_id = till.park("CRO:1")

    # release needs order.void: the cashier's role lacks it, a manager approves.
    res = till.pin_cli("release", "--data", till.data, order_id)
    assert res.returncode == EX_NOPERM and "approve" in res.stderr
    res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", order_id,
                       pin=CASHIER_PIN)  # Ann's own PIN does not approve
    assert res.returncode == EX_NOPERM
    res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", order_id,
                       pin=MANAGER_PIN)
    assert res.returncode == 0, res.stderr

    # Five wrong PINs in a row lock step-up, even for the right PIN; the lock is in term.db.
    other = till.park("CRO:1")
    for _ in range(5):
        res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", other,
                           pin="1111")
        assert res.returncode == EX_NOPERM, res.stderr
    res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", other,
                       pin=MANAGER_PIN)
    assert res.returncode == 75 and "locked" in res.stderr, res.stderr  # EX_TEMPFAIL
    [(failures, locked_until)] = till.db_rows(
        "SELECT failures, locked_until FROM pin_lockout WHERE kind = 'stepup'")
    assert failures == 5 and locked_until > 0
    # Five minutes later (aged in term.db), the manager's PIN works again.
    till.db_write("UPDATE pin_lockout SET locked_until = locked_until - 300001")
    res = till.pin_cli("release", "--data", till.data, "--approve-pin-file", "-", other,
                       pin=MANAGER_PIN)
    assert res.returncode == 0, res.stderr

    # Back online: the ops carry actor and approver at the hub, and nothing is flagged.
    hub.start()
    till.wait_drained()
    ops = {json.loads(op)["entityId"]: json.loads(op) for (op,) in
           hub.db_rows("SELECT op FROM events WHERE origin = ?", till.terminal_id())}
    assert ops[sale["orderId"]]["actor"] == ann and "approver" not in ops[sale["orderId"]]
    released = [json.loads(op) for (op,) in hub.db_rows(
        "SELECT op FROM events WHERE kind = 'order.release'")]
    assert len(released) == 2
    assert all(o["actor"] == ann and o["approver"] == max_id for o in released)
    assert hub.flags() == []
    assert [e["actor"] for e in hub.audit() if e["action"] == "op.approved"] == [max_id] * 2


def test_crafted_op_without_permission_is_kept_flagged_and_audited(world):
    hub, [till] = world.shop(["raw"], start=False)
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    c = world.sync_client(hub, till)
    sale = make_op(make_order(status="parked"))
    sale["actor"] = ann
    release = make_op({}, kind="order.release", entity_id=sale["entityId"], rev=2)
    release["actor"] = ann  # a cashier, no approver: order.void does not hold
    anonymous = c.sale()  # no actor, while the store has staff
    results = c.push([sale, release, anonymous])
    assert [r["result"] for r in results] == ["applied"] * 3, results
    flags = hub.flags()
    assert [(f[0], f[1], f[2], f[3]) for f in flags] == [
        (release["opId"], "rejected-needs-manager", "order.void", ann),
        (anonymous["opId"], "no-actor", None, None)]
    audited = [e for e in hub.audit() if e["action"] == "op.flagged"]
    assert [e["subject"] for e in audited] == [release["opId"], anonymous["opId"]]
    assert audited[0]["detail"]["code"] == "rejected-needs-manager"
    # A malformed actor is a rejected op naming the field.
    bad = c.sale()
    bad["actor"] = "not-a-uuid"
    [r] = c.push([bad])
    assert (r["result"], r["field"]) == ("rejected", "actor")
    c.close()


def test_flagged_ops_show_in_the_attention_list(world):
    hub = world.admin_hub()
    hub.import_catalog(SHOP_CATALOG)
    till = world.enrolled_terminal(hub, "raw", start=False)
    ann = hub.staff_add("Ann", "cashier", CASHIER_PIN)
    c = world.sync_client(hub, till)
    sale = make_op(make_order(status="parked"))
    sale["actor"] = ann
    release = make_op({}, kind="order.release", entity_id=sale["entityId"], rev=2)
    release["actor"] = ann
    assert [r["result"] for r in c.push([sale, release])] == ["applied"] * 2
    c.close()
    owner = signed_in(hub)
    res = owner.request("GET", "/api/v1/attention")
    assert res.status == 200, res
    flagged = [i for i in res.body["items"] if i["kind"] == "flagged"]
    assert len(flagged) == 1, res.body
    f = flagged[0]
    assert (f["code"], f["orderId"], f["terminal"], f["actions"]) == (
        "rejected-needs-manager", sale["entityId"], "T01", []), f
    assert f["detail"]["actor"] == ann and f["detail"]["permission"] == "order.void", f


def signed_in(hub, username="owner"):
    c = AdminClient(hub)
    assert c.login(username, hub.owner_password).status == 200
    assert c.change_password(hub.owner_password, NEW_PASSWORD).status == 200
    return c


def test_staff_api_routes(world):
    hub = world.admin_hub()
    anon = AdminClient(hub)
    assert anon.request("GET", "/api/v1/staff").status == 401
    assert anon.request("GET", "/api/v1/roles").status == 401
    owner = signed_in(hub)
    res = owner.request("POST", "/api/v1/staff", {"name": "Ann", "role": "cashier",
                                                  "pin": CASHIER_PIN}, csrf=False)
    assert res.status == 403 and res.code == "csrf"
    res = owner.request("POST", "/api/v1/staff", {"name": "Ann", "role": "cashier",
                                                  "pin": "12"})
    assert res.status == 400 and res.body["error"]["field"] == "pin"
    res = owner.request("POST", "/api/v1/staff", {"name": "Ann", "role": "cashier",
                                                  "pin": CASHIER_PIN})
    assert res.status == 201, res
    ann = res.body["staff"]
    assert ann["name"] == "Ann" and ann["active"] and ann["hasPin"] and "pin" not in ann
    res = owner.request("PATCH", "/api/v1/staff/" + ann["id"], {"active": False})
    assert res.status == 200 and res.body["staff"]["active"] is False
    assert [s["name"] for s in owner.request("GET", "/api/v1/staff").body["staff"]] == ["Ann"]
    res = owner.request("PUT", "/api/v1/roles/supervisor",
                        {"permissions": ["order.*"], "discountCeiling": 20})
    assert res.status == 200 and res.body["role"]["permissions"] == ["order.*"]
    res = owner.request("PUT", "/api/v1/roles/supervisor", {"permissions": ["order.voyd"]})
    assert res.status == 400 and res.body["error"]["field"] == "permissions"
    names = [r["name"] for r in owner.request("GET", "/api/v1/roles").body["roles"]]
    assert names == ["cashier", "manager", "owner", "supervisor"]

    # A manager account: staff.manage, but no escalation beyond its own role.
    sqlite_write(hub.data / "hub.db", "UPDATE accounts SET role = 'manager'")
    res = owner.request("PUT", "/api/v1/roles/cashier", {"permissions": ["audit.view"]})
    assert res.status == 403 and res.code == "escalation", res
    res = owner.request("PUT", "/api/v1/roles/cashier", {"permissions": ["*"]})
    assert res.status == 403 and res.code == "escalation"
    res = owner.request("POST", "/api/v1/staff", {"name": "Olga", "role": "owner",
                                                  "pin": "55555"})
    assert res.status == 403 and res.code == "escalation"
    res = owner.request("PUT", "/api/v1/roles/cashier", {"permissions": ["order.void"]})
    assert res.status == 200, res
    # A cashier account has no staff.manage at all.
    sqlite_write(hub.data / "hub.db", "UPDATE accounts SET role = 'cashier'")
    res = owner.request("GET", "/api/v1/staff")
    assert res.status == 403 and res.code == "forbidden"
