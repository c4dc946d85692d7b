# SPDX-License-Identifier: MIT
"""
The hub's alerts in the needs-attention list (docs/openapi.yaml,
resolveAlert): what the re-checks found while terminals were offline (a
refund past what was sold, a loyalty balance driven below zero, stock gone
below zero) is listed for the owner with the terminal, order and receipt it
concerns, and stays listed until someone marks it resolved with a note,
which the audit log keeps. The alerts themselves are kept.
"""
import json

from conftest import TERM_BIN, poll_until, run_cli
from test_loyalty import hub_customer, sell, set_loyalty, term_json

ALERT_KINDS = ("journal-broken", "order-alert", "cash-alert", "loyalty-alert", "stock-alert")


def admin_shop(world, names):
    hub, owner = world.owner_shop()
    tills = [world.enrolled_terminal(hub, n) for n in names]
    for t in tills:
        t.wait_catalog()
    return hub, owner, tills


def alerts(owner):
    res = owner.request("GET", "/api/v1/attention")
    assert res.status == 200, res
    return [i for i in res.body["items"] if i["kind"] in ALERT_KINDS]


def refund_all(till, receipt):
    res = run_cli(TERM_BIN, "refund", "--data", till.data, receipt, "--pay", "cash", "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_offline_findings_are_listed_and_resolved_with_a_note(world):
    hub, owner, (a, b) = admin_shop(world, ["a", "b"])
    set_loyalty(hub, [a, b])
    bob = term_json(a, "customer", "add", "--name", "Bob", "--card", "LC-2002")
    # Nothing was received into stock: the first coffees sold take it below zero.
    coffee = sell(a, bob["id"], "COF:4")  # 10.00: 20 points
    croissant = term_json(a, "sell", "--line", "CRO:1", "--pay", "cash")
    a.wait_drained()
    for what, sql in (("Bob's points", "SELECT count(*) FROM loyalty_ledger"),
                      ("the croissant", "SELECT count(*) FROM orders WHERE receipt = '%s'"
                       % croissant["receipt"])):
        poll_until("%s on b" % what, lambda sql=sql: b.db_rows(sql), lambda r: r == [(1,)])

    hub.stop()
    # Offline, each till lets Bob spend his 20 points and gives the croissant back.
    for t in (a, b):
        sell(t, "LC-2002", "WAT:1", pay=("points=1.00",))
    refunds = [refund_all(t, croissant["receipt"]) for t in (a, b)]
    hub.start()
    a.wait_drained()
    b.wait_drained()

    def by_kind(items):
        kinds = {}
        for i in items:
            kinds.setdefault(i["kind"], []).append(i)
        return kinds

    seen, _ = poll_until("the three kinds of alert", lambda: by_kind(alerts(owner)),
                         lambda k: {"order-alert", "loyalty-alert", "stock-alert"} <= k.keys())
    assert all(i["actions"] == ["resolve"] for v in seen.values() for i in v)
    [over] = seen["order-alert"]
    later = [r for r in refunds if r["orderId"] == over["orderId"]]
    assert later, (over, refunds)  # the refund that went past what was sold
    assert over["code"] == "over-refund" and over["receipt"] == later[0]["receipt"]
    assert over["terminal"] in (a.short_code(), b.short_code())
    [neg] = seen["loyalty-alert"]
    assert (neg["code"], neg["detail"]["customer"], neg["detail"]["balance"]) == \
        ("negative-balance", "Bob", -20), neg
    cof = [i for i in seen["stock-alert"] if i["detail"]["sku"] == "COF"]
    assert len(cof) == 1, seen["stock-alert"]
    assert (cof[0]["code"], cof[0]["detail"]["level"]) == ("negative", -4000)
    assert (cof[0]["orderId"], cof[0]["receipt"], cof[0]["terminal"]) == \
        (coffee["orderId"], coffee["receipt"], a.short_code())

    # Resolving needs a note, names it when missing, and is refused for what is not open.
    url = "/api/v1/attention/order-alert/%s/resolve" % over["id"]
    res = owner.request("POST", url, {})
    assert (res.status, res.body["error"]["field"]) == (400, "note"), res
    assert owner.request("POST", "/api/v1/attention/order-alert/x1/resolve",
                         {"note": "n"}).status == 404
    assert owner.request("POST", "/api/v1/attention/nonsense/1/resolve",
                         {"note": "n"}).status == 404
    assert owner.request("GET", url).status == 405
    notes = {}
    for items in seen.values():
        for i in items:
            notes[(i["kind"], i["id"])] = "looked at %s %s" % (i["kind"], i["id"])
            res = owner.request("POST", "/api/v1/attention/%s/%s/resolve" % (i["kind"], i["id"]),
                                {"note": notes[(i["kind"], i["id"])]})
            assert (res.status, res.body) == (200, {"kind": i["kind"], "id": i["id"],
                                                    "state": "resolved"}), res
    assert alerts(owner) == []
    res = owner.request("POST", url, {"note": "again"})
    assert (res.status, res.code) == (404, "not-found"), res
    audited = {tuple(e["subject"].split("/")): e["detail"]["note"] for e in hub.audit()
               if e["action"] == "alert.resolve"}
    assert audited == notes
    # The alert itself is kept, marked resolved.
    [kept] = hub_customer(hub, bob["id"])["alerts"]
    assert kept["code"] == "negative-balance" and kept["resolvedAt"]
