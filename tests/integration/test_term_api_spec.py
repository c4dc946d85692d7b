# SPDX-License-Identifier: MIT
"""
The terminal's local API against its spec (docs/openapi-terminal.yaml), both
ways: every documented operation is called once on a running terminal with a
realistic request (which itself must fit the documented request schema), and
its status must be one the spec lists and its body must match the listed
schema; every operation marked `x-signed-in: true` answers 401 while nobody
is signed in; every documented path answers 405 to a method it does not
list. The other way: every "/api/v1/..." route the C route files
(terminal/api*.c) answer must be in the spec, and every error code they
answer with. The spec must name no member twice (yaml would keep the last).
"""
import glob
import os
import re

import yaml

from conftest import poll_until
from test_admin_api import operations
from test_pos import CASHIER_PIN, MANAGER_PIN
from test_term_api import api, signed_in

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SPEC = os.path.join(ROOT, "docs", "openapi-terminal.yaml")
ROUTE_FILES = os.path.join(ROOT, "terminal", "api*.c")
NO_SUCH_ID = "01900000-0000-7000-8000-000000000000"
# Sub-routes a route file matches through a table rather than a literal:
# the function it calls, and where the table's names are.
TABLE_ROUTES = {"cash_move_parse": ("common/cash.c", r'\[CASH_MOVE_\w+\]\s*=\s*\{"(\w+)"')}

# What the validator below checks, and what it may ignore (annotations).
CHECKED = {"$ref", "allOf", "type", "nullable", "required", "properties", "additionalProperties",
           "items", "enum", "minimum", "maximum", "minLength", "maxLength", "minItems",
           "maxItems", "pattern"}
ANNOTATIONS = {"description", "format", "example", "default"}


class _StrictLoader(yaml.SafeLoader):
    """safe_load, but a member named twice is an error (yaml keeps the last one silently)."""


def _mapping(loader, node, deep=False):
    names = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    twice = sorted({n for n in names if names.count(n) > 1}, key=str)
    assert not twice, "%s: named twice at line %d: %r" % (SPEC, node.start_mark.line + 1, twice)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_spec():
    with open(SPEC) as f:
        return yaml.load(f, Loader=_StrictLoader)


def deref(spec, node):
    """
    Follow $refs (JSON pointers, with ~1 for / and ~0 for ~, as a ref into
    a path's item needs; test_admin_api.deref does not unescape them).
    """
    while isinstance(node, dict) and "$ref" in node:
        assert node["$ref"].startswith("#/"), node
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def validate(spec, schema, value, path="$"):
    """
    The JSON Schema subset the spec uses (CHECKED). test_admin_api.validate
    has no bounds, lengths or patterns, which this spec relies on for money,
    quantities and PINs, so this one is its own.
    """
    schema = deref(spec, schema)
    unknown = set(schema) - CHECKED - ANNOTATIONS
    assert not unknown, "%s: the validator does not check %r" % (path, unknown)
    if value is None:
        assert schema.get("nullable"), "%s: null is not allowed" % path
        return
    for sub in schema.get("allOf", []):
        validate(spec, dict(deref(spec, sub), nullable=False), value, path)
    checks = {"object": lambda v: isinstance(v, dict),
              "array": lambda v: isinstance(v, list),
              "string": lambda v: isinstance(v, str),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool)}
    if "type" in schema:
        assert checks[schema["type"]](value), "%s: expected %s, got %r" % (
            path, schema["type"], value)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r is not one of %r" % (path, value, schema["enum"])
    if "minimum" in schema:
        assert value >= schema["minimum"], "%s: %r < %r" % (path, value, schema["minimum"])
    if "maximum" in schema:
        assert value <= schema["maximum"], "%s: %r > %r" % (path, value, schema["maximum"])
    if isinstance(value, str):
        size = len(value.encode())
        assert schema.get("minLength", 0) <= size <= schema.get("maxLength", size), (path, value)
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), "%s: %r !~ %s" % (
                path, value, schema["pattern"])
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, "%s: no %s in %r" % (path, name, sorted(value))
        props = schema.get("properties", {})
        for name, sub in props.items():
            if name in value:
                validate(spec, sub, value[name], "%s.%s" % (path, name))
        extra = schema.get("additionalProperties", True)
        for name in set(value) - set(props):
            assert extra is not False, "%s: %s is not documented" % (path, name)
            if isinstance(extra, dict):
                validate(spec, extra, value[name], "%s.%s" % (path, name))
    if isinstance(value, list):
        assert schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)), (
            path, len(value))
        for i, v in enumerate(value):
            if "items" in schema:
                validate(spec, schema["items"], v, "%s[%d]" % (path, i))


def schemas_in(spec, node):
    """Every schema object under `node` (a schema), once each, $refs followed."""
    seen, todo = [], [node]
    while todo:
        s = deref(spec, todo.pop())
        if any(s is x for x in seen):
            continue
        seen.append(s)
        todo += s.get("allOf", []) + list(s.get("properties", {}).values())
        if isinstance(s.get("additionalProperties"), dict):
            todo.append(s["additionalProperties"])
        if "items" in s:
            todo.append(s["items"])
    return seen


def path_regex(path):
    parts = re.split(r"\{[^}/]+\}", path)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


class Caller:
    """Calls operations by operationId, holding each answer to the spec."""

    def __init__(self, spec, till):
        self.spec, self.till, self.seen = spec, till, set()
        self.ops = {op["operationId"]: (path, method, op) for path, method, op in operations(spec)}

    def __call__(self, oid, url, body=None, expect=None):
        path, method, op = self.ops[oid]
        assert path_regex(path).match(url.split("?")[0]), (oid, path, url)
        if body is not None:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            validate(self.spec, schema, body, "%s request" % oid)
        status, out = api(self.till, method, url, body)
        where = "%s %s -> %d %r" % (method, url, status, out)
        assert str(status) in op["responses"], "undocumented status: " + where
        assert expect is None or status == expect, where
        response = deref(self.spec, op["responses"][str(status)])
        content = response.get("content")
        if content:
            validate(self.spec, content["application/json"]["schema"], out, oid)
        else:
            assert out is None, "a body the spec does not document: " + where
        self.seen.add(oid)
        return out


# ------------------------------------------------------------ the spec itself

def test_the_spec_is_whole_and_checkable():
    spec = load_spec()
    assert spec["openapi"] == "3.0.3"
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids)), ids
    for path, method, op in operations(spec):
        assert isinstance(op.get("x-signed-in"), bool), (method, path)
        assert "413" in op["responses"] and "500" in op["responses"], (method, path)
        for status, response in op["responses"].items():
            response = deref(spec, response)
            for media, content in response.get("content", {}).items():
                assert media == "application/json", (method, path, status)
                for s in schemas_in(spec, content["schema"]):
                    assert not set(s) - CHECKED - ANNOTATIONS, (method, path, status, s)
        body = op.get("requestBody")
        if body:
            for s in schemas_in(spec, body["content"]["application/json"]["schema"]):
                assert not set(s) - CHECKED - ANNOTATIONS, (method, path, s)
    codes = set(deref(spec, {"$ref": "#/components/schemas/Error"})
                ["properties"]["error"]["properties"]["code"]["enum"])
    answered = error_codes_in_code()
    assert {"bad-json", "bad-field", "not-signed-in", "wrong-pin", "needs-approval", "locked",
            "no-staff", "not-found", "conflict", "busy", "method-not-allowed", "not-printable",
            "printer", "internal", "too-big"} <= answered, answered
    assert answered <= codes, "error codes the code answers but the spec lacks: %r" % (
        answered - codes,)


def error_codes_in_code():
    """The error codes the route files and their JSON helpers answer with."""
    found = set()
    for name in glob.glob(ROUTE_FILES) + [os.path.join(ROOT, "common", n)
                                          for n in ("http_json.c", "http_mhd.c")]:
        with open(name) as f:
            text = f.read()
        found |= set(re.findall(r'http_respond_error\(\s*&?res\s*,\s*\d+\s*,\s*"([a-z-]+)"',
                                text))
        found |= set(re.findall(r'refuse\(\s*a\s*,\s*\d+\s*,\s*"([a-z-]+)"', text))
    return found


def route_literals():
    """'/api/v1/...' string literals and the sub-routes ("/pay") the C route files match."""
    paths, subs = set(), set()
    files = glob.glob(ROUTE_FILES)
    assert len(files) >= 2, files
    for name in files:
        with open(name) as f:
            text = f.read()
        paths |= set(re.findall(r'"(/api/v1/[A-Za-z0-9_./-]*)"', text))
        subs |= set(re.findall(r'strcmp\(\s*rest\s*,\s*"(/[A-Za-z0-9_./-]+)"', text))
        subs |= {"/" + w for w in re.findall(r'strcmp\(\s*what\s*,\s*"([A-Za-z0-9_-]+)"', text)}
        for function, (table, pattern) in TABLE_ROUTES.items():
            if function + "(" in text:
                with open(os.path.join(ROOT, table)) as f:
                    names = re.findall(pattern, f.read())
                assert names, (function, table)
                subs |= {"/" + n for n in names}
    return paths, subs


def test_every_route_the_code_answers_is_documented():
    documented = set(load_spec()["paths"])
    paths, subs = route_literals()
    assert "/api/v1/sales" in paths and "/api/v1/orders/" in paths, paths
    missing = []
    for p in sorted(paths):
        if p.endswith("/"):
            # A prefix: what follows it (a parameter or a name) is matched apart.
            if not any(d.startswith(p) for d in documented):
                missing.append(p + "...")
        elif p not in documented:
            missing.append(p)
    for s in sorted(subs):
        if not any(d.endswith(s) for d in documented):
            missing.append("/api/v1/..." + s)
    assert not missing, "routes the code answers but docs/openapi-terminal.yaml lacks: %r" % (
        missing,)


# ------------------------------------------------------------ against a running terminal

def signed_out_requests(ids):
    """
    A realistic request of every x-signed-in operation, for a terminal nobody
    is signed in at: each must answer 401 (ids: a customer, a sale's receipt,
    a cart, as a reversal and a customer edit look them up first; a cash
    session is open, as a close looks for it first).
    """
    cash = [{"tender": "cash"}]
    return {
        "createSale": ("/api/v1/sales", {"lines": [{"code": "COF", "qty": 1000}],
                                         "payments": cash}),
        "parkCart": ("/api/v1/carts", {"lines": [{"code": "COF", "qty": 1000}]}),
        "payCart": ("/api/v1/orders/%s/pay" % ids["cart"], {"payments": cash}),
        "editCart": ("/api/v1/orders/%s" % ids["cart"], {"lines": [{"code": "COF",
                                                                    "qty": 1000}]}),
        "releaseOrder": ("/api/v1/orders/%s/release" % ids["cart"],
                         {"approvePin": MANAGER_PIN}),
        "voidCart": ("/api/v1/orders/%s/void" % ids["cart"], {"reason": "customer left"}),
        "createRefund": ("/api/v1/refunds", {"sale": ids["sale"], "payments": cash,
                                             "approvePin": MANAGER_PIN}),
        "reverseSale": ("/api/v1/reversals", {"sale": ids["sale"], "payments": cash,
                                              "approvePin": MANAGER_PIN}),
        "createCustomer": ("/api/v1/customers", {"name": "Cy"}),
        "editCustomer": ("/api/v1/customers/%s" % ids["customer"], {"name": "Cy"}),
        "openCashSession": ("/api/v1/cash/open", {"float": 10000}),
        "cashIn": ("/api/v1/cash/in", {"amount": 100, "reason": "change"}),
        "cashOut": ("/api/v1/cash/out", {"amount": 100, "reason": "to the safe"}),
        "cashPayout": ("/api/v1/cash/payout", {"amount": 100, "reason": "window cleaner"}),
        "cashNoSale": ("/api/v1/cash/nosale", None),
        "closeCashSession": ("/api/v1/cash/close", {"count": {"5000": 2, "500": 1}}),
    }


def stored(till):
    return (till.db_rows("SELECT id, rev FROM orders ORDER BY id"),
            till.db_rows("SELECT count(*) FROM journal"),
            till.db_rows("SELECT id, name FROM customers ORDER BY id"),
            till.db_rows("SELECT id, status, rev FROM cash_sessions ORDER BY id"))


def test_every_operation_answers_as_documented(world):
    spec = load_spec()
    hub, [till], ann, _ = signed_in(world)
    till.stop()
    printer = world.tmp / "printer.bin"
    conf = till.data / "term.conf"
    conf.write_text(conf.read_text() + "\n[printer]\ntarget = %s\n" % printer)
    till.start()
    call = Caller(spec, till)

    assert call("getStatus", "/api/v1/status", expect=200)["signedIn"] is None
    call("getSession", "/api/v1/session", expect=401)
    me = call("signIn", "/api/v1/session", {"pin": CASHIER_PIN}, expect=200)
    assert me["id"] == ann
    assert call("getSession", "/api/v1/session", expect=200)["name"] == "Ann"
    assert call("getStatus", "/api/v1/status", expect=200)["signedIn"]["id"] == ann
    items = call("searchCatalog", "/api/v1/catalog?q=co&limit=10", expect=200)["items"]
    assert [i["sku"] for i in items] == ["COF"], items
    items = call("searchCatalog", "/api/v1/catalog", expect=200)["items"]
    assert {i["sku"]: i["barcode"] for i in items} == {"COF": "4006381333931", "CRO": None,
                                                        "WAT": None}, items

    # A customer, found by phone, changed, then named on a sale.
    customer = call("createCustomer", "/api/v1/customers",
                    {"name": "Bea Lund", "phone": "+44 20 7946 0001", "card": "LC-7"},
                    expect=201)["id"]
    found = call("findCustomers", "/api/v1/customers?q=%2B44%2020%207946%200001", expect=200)
    assert [c["id"] for c in found["customers"]] == [customer], found
    call("editCustomer", "/api/v1/customers/%s" % customer, {"email": "bea@example.com"},
         expect=200)
    sale = call("createSale", "/api/v1/sales", {
        "lines": [{"code": "COF", "qty": 2000, "discount": {"kind": "percent", "value": 1000}},
                  {"code": "WAT", "qty": 1000}],
        "payments": [{"tender": "cash", "amount": 200},
                     {"tender": "card", "reference": "AUTH-1"}],
        "customer": customer, "print": True}, expect=201)
    assert sale["total"] == 550 and sale["receipt"] and "printError" not in sale, sale
    assert sale["order"]["customer"] == customer
    shown = call("getCustomer", "/api/v1/customers/%s" % customer, expect=200)
    assert [e["orderId"] for e in shown["ledger"]] == [sale["orderId"]], shown

    # Price a cart as it is built (25 % off the order needs more than a cashier has).
    priced = call("priceCart", "/api/v1/carts/price", {
        "lines": [{"code": "COF", "qty": 4000}], "discount": {"kind": "percent", "value": 2500}},
        expect=200)
    assert priced["order"]["total"] == 750, priced
    assert priced["needs"] == {"permissions": ["sale.discount.order"], "discountBp": 2500}, priced

    # Park, list, look, pay.
    cart = call("parkCart", "/api/v1/carts", {"lines": [{"code": "CRO", "qty": 2000}]},
                expect=201)
    assert cart["receipt"] is None and cart["receiptSeq"] is None, cart
    carts = call("listCarts", "/api/v1/carts", expect=200)["carts"]
    assert [c["orderId"] for c in carts] == [cart["orderId"]], carts
    view = call("getOrder", "/api/v1/orders/%s" % cart["orderId"], expect=200)
    assert view["status"] == "parked" and view["released"] is False, view
    edited = call("editCart", "/api/v1/orders/%s" % cart["orderId"], {
        "lines": [{"code": "WAT", "qty": 1000}, {"code": "CRO", "qty": 2000}]}, expect=201)
    assert edited["total"] == 460 and edited["receipt"] is None, edited
    edited = call("editCart", "/api/v1/orders/%s" % cart["orderId"],
                  {"lines": [{"code": "CRO", "qty": 2000}]}, expect=201)
    assert call("getOrder", "/api/v1/orders/%s" % cart["orderId"], expect=200)["rev"] == 3
    paid = call("payCart", "/api/v1/orders/%s/pay" % cart["orderId"],
                {"payments": [{"tender": "cash", "amount": 500}]}, expect=201)
    assert paid["change"] == 140 and paid["order"]["status"] == "completed", paid
    out = call("editCart", "/api/v1/orders/%s" % cart["orderId"],
               {"lines": [{"code": "CRO", "qty": 1000}]}, expect=409)
    assert out["error"]["code"] == "not-open", out
    call("editCart", "/api/v1/orders/%s" % NO_SUCH_ID, {"lines": [{"code": "CRO", "qty": 1000}]},
         expect=404)

    # Release (a cashier needs a manager), claim it back through the hub.
    other = call("parkCart", "/api/v1/carts", {"lines": [{"code": "WAT", "qty": 3000}]},
                 expect=201)["orderId"]
    release = "/api/v1/orders/%s/release" % other
    out = call("releaseOrder", release, expect=403)
    assert out["error"]["code"] == "needs-approval", out
    out = call("releaseOrder", release, {"approvePin": MANAGER_PIN}, expect=200)
    assert out == {"orderId": other, "released": True}, out
    till.wait_drained()
    claim = call("claimOrder", "/api/v1/orders/%s/claim" % other, expect=202)
    assert claim["orderId"] == other and claim["state"] in ("pending", "sent"), claim
    poll_until("the claim's answer",
               lambda: api(till, "GET", "/api/v1/claims/%s" % claim["requestId"])[1]["state"],
               lambda s: s not in ("pending", "sent"))
    call("getClaim", "/api/v1/claims/%s" % claim["requestId"], expect=200)

    # Void a cart; refund part of the sale; reverse the paid cart.
    third = call("parkCart", "/api/v1/carts", {"lines": [{"code": "COF", "qty": 1000}]},
                 expect=201)["orderId"]
    voided = call("voidCart", "/api/v1/orders/%s/void" % third,
                  {"reason": "customer left", "approvePin": MANAGER_PIN}, expect=201)
    assert voided["order"]["status"] == "voided" and voided["receipt"], voided
    refund = call("createRefund", "/api/v1/refunds", {
        "sale": sale["receipt"], "lines": [{"line": 1, "qty": 1000}],
        "payments": [{"tender": "cash"}], "approvePin": MANAGER_PIN}, expect=201)
    assert refund["order"]["type"] == "refund", refund
    reversal = call("reverseSale", "/api/v1/reversals", {
        "sale": paid["receipt"], "payments": [{"tender": "cash"}], "reason": "rang up twice",
        "approvePin": MANAGER_PIN}, expect=201)
    assert reversal["order"]["reversal"] is True and reversal["total"] == 360, reversal

    # Ask the hub for a sale (this one is here already: the answer is the same).
    look = call("createLookup", "/api/v1/lookups", {"receipt": sale["receipt"]}, expect=202)
    assert look["receipt"] == sale["receipt"], look
    poll_until("the lookup's answer",
               lambda: api(till, "GET", "/api/v1/lookups/%s" % look["requestId"])[1]["state"],
               lambda s: s not in ("pending", "sent"))
    call("getLookup", "/api/v1/lookups/%s" % look["requestId"], expect=200)

    # Receipts: shown (not counted), printed again (counted).
    text = call("getReceipt", "/api/v1/receipts/%s" % sale["receipt"], expect=200)["text"]
    assert sale["receipt"] in text, text
    printed = call("printReceipt", "/api/v1/receipts/%s/print" % sale["receipt"], expect=200)
    assert printed["prints"] == 2, printed  # the sale printed once already
    # Error answers of documented routes match too.
    call("getReceipt", "/api/v1/receipts/%s" % other, expect=409)
    call("getOrder", "/api/v1/orders/%s" % NO_SUCH_ID, expect=404)
    call("claimOrder", "/api/v1/orders/T01-cart-7/claim", expect=404)  # not an order id
    call("createSale", "/api/v1/sales", {"lines": [{"code": "COF", "qty": 1000}],
                                         "payments": [{"tender": "card"}]}, expect=400)

    # A shift of cash: open, in, out, a payout, a no-sale, the X report, the
    # close counted to the cent, its Z report; then the next shift opens.
    out = call("getCashSession", "/api/v1/cash", expect=200)
    assert out["id"] is None and out["session"] is None, out
    x = call("openCashSession", "/api/v1/cash/open", {"float": 10000}, expect=201)
    call("cashIn", "/api/v1/cash/in", {"amount": 2000, "reason": "change from the bank"},
         expect=201)
    call("cashOut", "/api/v1/cash/out", {"amount": 1000, "reason": "to the safe",
                                         "approvePin": MANAGER_PIN}, expect=201)
    call("cashPayout", "/api/v1/cash/payout", {"amount": 500, "reason": "window cleaner",
                                               "approvePin": MANAGER_PIN}, expect=201)
    call("cashNoSale", "/api/v1/cash/nosale",
         {"reason": "customer wanted change", "approvePin": MANAGER_PIN}, expect=201)
    out = call("getCashSession", "/api/v1/cash", expect=200)
    assert out["id"] == x["id"] and out["expected"] == 10500, out
    z = call("closeCashSession", "/api/v1/cash/close", {"count": {"5000": 2, "500": 1}},
             expect=201)
    assert z["difference"] == 0 and z["zNumber"], z
    call("getZReport", "/api/v1/cash/sessions/%s/z" % z["zNumber"], expect=200)
    call("openCashSession", "/api/v1/cash/open", {"count": {"5000": 2, "500": 1}}, expect=201)

    # Signed out: what needs someone answers 401 and stores nothing.
    call("signOut", "/api/v1/session", expect=204)
    assert call("getStatus", "/api/v1/status", expect=200)["signedIn"] is None
    needs_someone = {oid for oid, (_, _, op) in call.ops.items() if op["x-signed-in"]}
    requests = signed_out_requests({"cart": other, "sale": sale["receipt"],
                                    "customer": customer})
    assert needs_someone == set(requests), "add a signed-out request for %r" % (
        needs_someone ^ set(requests),)
    before = stored(till)
    for oid, (url, body) in requests.items():
        out = call(oid, url, body, expect=401)
        assert out["error"]["code"] == "not-signed-in", out
    assert stored(till) == before
    assert call.seen == set(call.ops), "not called: %r" % (set(call.ops) - call.seen)

    # A method a path does not list: 405, with the documented error.
    for path, item in spec["paths"].items():
        method = next(m for m in ("PUT", "PATCH", "DELETE") if m.lower() not in item)
        url = re.sub(r"\{[^}]+\}", NO_SUCH_ID, path)
        status, out = api(till, method, url, {})
        assert status == 405, (method, path, status, out)
        validate(spec, {"$ref": "#/components/schemas/MethodNotAllowedError"}, out, path)
    status, out = api(till, "GET", "/api/v1/nowhere")
    assert status == 404
    validate(spec, {"$ref": "#/components/schemas/NotFoundError"}, out)
