// SPDX-License-Identifier: MIT
/*
 * The local API's sale routes (docs/openapi-terminal.yaml): sales, carts
 * (park, pay, release, claim), refunds and receipts, on sale.h, refunds.h,
 * claims.h and receipt_print.h (see api.h).
 */
#include "api.h"
#include "claims.h"
#include "customers.h"
#include "db.h"
#include "http_json.h"
#include "lookups.h"
#include "money.h"
#include "orders.h"
#include "proto_sync.h"
#include "receipt_print.h"
#include "refunds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_LINES_MAX 500

/* The request's pieces, pointing into its body (valid while the body is). */
struct till_req {
	struct sale_line_req lines[API_LINES_MAX];
	int nlines;
	struct sale_pay_req pays[API_PAYS_MAX];
	int npays;
	struct sale_opts opts;
	struct refund_req refunds[API_LINES_MAX];
	int nrefunds;
	int print;
};

static int bad(struct http_response *res, const char *field, const char *expected)
{
	http_respond_error(res, 400, "bad-field", field, "%s: expected %s", field, expected);
	return -EINVAL;
}

/* {"kind": "percent"|"amount", "value": ...} at `field`. */
static int parse_discount(json_t *d, const char *field, struct pricing_discount *out,
			  struct http_response *res)
{
	const char *kind = json_string_value(json_object_get(d, "kind"));
	json_t *v = json_object_get(d, "value");

	if (!json_is_object(d) || !kind || !json_is_integer(v))
		return bad(res, field,
			   "{\"kind\": \"percent\" (value in basis points, 1 … 10000) or "
			   "\"amount\" (value in minor units)}");
	out->value = json_integer_value(v);
	if (strcmp(kind, "percent") == 0 && out->value >= 1 && out->value <= 10000)
		out->kind = PRICING_DISCOUNT_PERCENT;
	else if (strcmp(kind, "amount") == 0 && out->value >= 1 && out->value <= MONEY_MAX)
		out->kind = PRICING_DISCOUNT_AMOUNT;
	else
		return bad(res, field,
			   "a percent of 1 … 10000 basis points or an amount above 0 minor units");
	return 0;
}

static int parse_lines(json_t *body, struct till_req *t, int required, struct http_response *res)
{
	json_t *lines = json_object_get(body, "lines"), *l;
	char field[48];
	size_t i;

	if (!lines && !required)
		return 0;
	if (!json_is_array(lines) || json_array_size(lines) == 0 ||
	    json_array_size(lines) > API_LINES_MAX)
		return bad(res, "lines", "an array of 1 … 500 lines {code, qty, discount?}");
	json_array_foreach(lines, i, l)
	{
		struct sale_line_req *r = &t->lines[i];
		json_t *qty = json_object_get(l, "qty"), *d = json_object_get(l, "discount");

		r->code = json_string_value(json_object_get(l, "code"));
		snprintf(field, sizeof(field), "lines[%zu].code", i);
		if (!r->code || !*r->code || strlen(r->code) > 64)
			return bad(res, field, "a SKU or barcode of 1 … 64 bytes");
		snprintf(field, sizeof(field), "lines[%zu].qty", i);
		if (!json_is_integer(qty) || json_integer_value(qty) < 1 ||
		    json_integer_value(qty) > MONEY_QTY_MAX)
			return bad(res, field,
				   "a whole number of thousandths of a unit, 1 … 1000000000 (1000 "
				   "is one unit)");
		r->qty = json_integer_value(qty);
		snprintf(field, sizeof(field), "lines[%zu].discount", i);
		if (d && parse_discount(d, field, &r->discount, res) < 0)
			return -EINVAL;
	}
	t->nlines = (int)json_array_size(lines);
	return 0;
}

int api_parse_pays(json_t *body, struct sale_pay_req pays_out[API_PAYS_MAX], int *npays,
		   struct http_response *res)
{
	static const char *const tenders[] = {"cash", "card", "other", "points"};
	json_t *pays = json_object_get(body, "payments"), *p;
	char field[48];
	size_t i, k;

	if (!json_is_array(pays) || json_array_size(pays) == 0 ||
	    json_array_size(pays) > API_PAYS_MAX)
		return bad(res, "payments",
			   "an array of 1 … 20 payments {tender, amount?, reference?}");
	json_array_foreach(pays, i, p)
	{
		struct sale_pay_req *r = &pays_out[i];
		const char *tender = json_string_value(json_object_get(p, "tender"));
		json_t *amount = json_object_get(p, "amount"),
		       *ref = json_object_get(p, "reference");

		snprintf(field, sizeof(field), "payments[%zu].tender", i);
		for (k = 0; tender && k < sizeof(tenders) / sizeof(tenders[0]); k++)
			if (strcmp(tender, tenders[k]) == 0)
				break;
		if (!tender || k == sizeof(tenders) / sizeof(tenders[0]))
			return bad(res, field, "\"cash\", \"card\", \"other\" or \"points\"");
		r->tender = tenders[k];
		snprintf(field, sizeof(field), "payments[%zu].amount", i);
		if (amount && (!json_is_integer(amount) || json_integer_value(amount) < 0 ||
			       json_integer_value(amount) > MONEY_MAX))
			return bad(res, field,
				   "minor units, 0 or more (cash: what is handed over; others: "
				   "the part paid; absent or 0: what is left)");
		r->tendered = amount ? json_integer_value(amount) : 0;
		snprintf(field, sizeof(field), "payments[%zu].reference", i);
		if (ref && !json_is_string(ref))
			return bad(res, field, "a string (card and other: the payment reference)");
		r->reference = json_string_value(ref);
	}
	*npays = (int)json_array_size(pays);
	return 0;
}

static int parse_pays(json_t *body, struct till_req *t, struct http_response *res)
{
	return api_parse_pays(body, t->pays, &t->npays, res);
}

static int parse_refund_lines(json_t *body, struct till_req *t, struct http_response *res)
{
	json_t *lines = json_object_get(body, "lines"), *l;
	char field[48];
	size_t i;

	if (!lines)
		return 0; /* everything not refunded yet */
	if (!json_is_array(lines) || json_array_size(lines) > API_LINES_MAX)
		return bad(res, "lines", "an array of {line, qty} (absent: everything left)");
	json_array_foreach(lines, i, l)
	{
		json_t *n = json_object_get(l, "line"), *qty = json_object_get(l, "qty");

		snprintf(field, sizeof(field), "lines[%zu].line", i);
		if (!json_is_integer(n) || json_integer_value(n) < 1 ||
		    json_integer_value(n) > API_LINES_MAX)
			return bad(res, field, "the sale's line number as on its receipt, from 1");
		snprintf(field, sizeof(field), "lines[%zu].qty", i);
		if (!json_is_integer(qty) || json_integer_value(qty) < 1 ||
		    json_integer_value(qty) > MONEY_QTY_MAX)
			return bad(res, field, "a whole number of thousandths of a unit, above 0");
		t->refunds[i].line = (int)json_integer_value(n) - 1;
		t->refunds[i].qty = json_integer_value(qty);
	}
	t->nrefunds = (int)json_array_size(lines);
	return 0;
}

static int parse_print(json_t *body, struct till_req *t, struct http_response *res)
{
	json_t *p = json_object_get(body, "print");

	if (p && !json_is_boolean(p))
		return bad(res, "print", "true (print the receipt) or false");
	t->print = json_is_true(p);
	return 0;
}

void api_respond_record(struct term_api *api, struct http_response *res, struct sale_result *r,
			int print)
{
	json_t *out;
	char why[256] = "";

	out = json_pack("{s:s, s:s?, s:o, s:I, s:I, s:I, s:O}", "orderId", r->order_id, "receipt",
			r->receipt[0] ? r->receipt : NULL, "receiptSeq",
			r->receipt[0] ? json_integer(r->receipt_seq) : json_null(), "total",
			(json_int_t)r->total, "taxTotal", (json_int_t)r->tax_total, "change",
			(json_int_t)r->change, "order", r->order);
	/* The sale is stored whatever the printer does: a failure is said, not fatal. */
	if (out && print &&
	    receipt_print_order(api->db, api->cfg, r->order_id, NULL, RECEIPT_KICK_AUTO, NULL, why,
				sizeof(why)) < 0)
		json_object_set_new(out, "printError", json_string(why));
	json_decref(r->order);
	http_respond_value(res, 201, out);
}

void api_respond_failure(struct http_response *res, int rc, const struct sale_result *r,
			 const struct api_acting *a, const char *field, const char *why)
{
	if (rc == -EPERM && r->refused)
		api_refused(res, a);
	else if (rc == -ENOENT && field)
		api_fail(res, -EINVAL, field, why); /* an unknown code is bad input */
	else
		api_fail(res, rc, field, why);
}

/*
 * What a cart may carry beyond its lines: discount, redeemPoints and
 * customer (resolved into `customer`). 0, or -1 with `res` answered.
 */
static int cart_extras(struct term_api *api, json_t *body, struct till_req *t,
		       struct customer *customer, struct http_response *res)
{
	json_t *d = json_object_get(body, "discount"),
	       *points = json_object_get(body, "redeemPoints");
	const char *cust = json_string_value(json_object_get(body, "customer"));
	char why[512];
	int rc;

	if (d && parse_discount(d, "discount", &t->opts.discount, res) < 0)
		return -1;
	if (points && (!json_is_integer(points) || json_integer_value(points) < 1 ||
		       json_integer_value(points) > PROTO_INT_MAX)) {
		bad(res, "redeemPoints", "a whole number of the customer's points, 1 or more");
		return -1;
	}
	t->opts.redeem_points = points ? json_integer_value(points) : 0;
	if (json_object_get(body, "customer") && !cust) {
		bad(res, "customer", "a customer's id, card, phone or e-mail, as a string");
		return -1;
	}
	if (cust) {
		rc = customers_resolve(api->db, cust, customer, why, sizeof(why));
		if (rc < 0) {
			api_fail(res, rc == -EIO ? rc : -EINVAL, "customer", why);
			return -1;
		}
		t->opts.customer = customer->id;
	}
	return 0;
}

/*
 * The body of a sale or a cart: lines, payments (a sale), print, the
 * extras above, and who acts (`a`). 0, or -1 with `res` answered.
 */
static int cart_body(struct term_api *api, json_t *body, int pays, struct till_req *t,
		     struct customer *customer, struct api_acting *a, struct http_response *res)
{
	if (parse_lines(body, t, 1, res) < 0 || (pays && parse_pays(body, t, res) < 0) ||
	    parse_print(body, t, res) < 0 || cart_extras(api, body, t, customer, res) < 0)
		return -1;
	if (api_acting_begin(api, body, res, a) < 0)
		return -1;
	t->opts.authorize = api_authorize;
	t->opts.ctx = a;
	return 0;
}

/* The member a sale.h refusal is about: the lines (an unknown code), the points, or none. */
static const char *failed_field(int rc, const char *why)
{
	if (strncmp(why, "redeemPoints:", 13) == 0)
		return "redeemPoints";
	if (strncmp(why, "customer:", 9) == 0)
		return "customer";
	return rc == -ENOENT ? "lines" : NULL;
}

/*
 * POST /api/v1/sales, POST /api/v1/carts (park), and PUT /api/v1/orders/{id}
 * (`order_id`: a stored cart's lines, discount, points and customer
 * replaced, as the park route takes them; 409 not-owner when it is another
 * terminal's or released, not-open when completed or voided).
 */
static void ring_up(struct term_api *api, const struct http_request *req, struct http_response *res,
		    int park, const char *order_id)
{
	struct till_req *t = calloc(1, sizeof(*t));
	struct sale_result r = {0};
	struct api_acting a;
	struct customer customer;
	json_t *body = NULL;
	char why[512];
	int rc;

	if (!t) {
		api_internal(res);
		return;
	}
	body = http_body_object(req, res, park ? "lines" : "lines and payments");
	if (!body || cart_body(api, body, !park, t, &customer, &a, res) < 0)
		goto out;
	if (order_id)
		rc = sale_edit(api->db, &a.sale, &t->opts, order_id, t->lines, t->nlines, &r, why,
			       sizeof(why));
	else
		rc = sale_ring_up(api->db, &a.sale, &t->opts, t->lines, t->nlines, t->pays,
				  t->npays, park, &r, why, sizeof(why));
	if (order_id && rc == -ENOENT && strncmp(why, "this terminal has no order", 26) == 0)
		http_respond_error(res, 404, "not-found", NULL, "%s", why);
	else if (order_id && rc == -EPERM && !r.refused)
		http_respond_error(res, 409, "not-owner", NULL, "%s", why);
	else if (order_id && rc == -EALREADY)
		http_respond_error(res, 409, "not-open", NULL, "%s", why);
	else if (rc < 0)
		api_respond_failure(res, rc, &r, &a, failed_field(rc, why), why);
	else
		api_respond_record(api, res, &r, t->print);
out:
	json_decref(body);
	free(t);
}

/*
 * POST /api/v1/carts/price {lines, discount?, customer?, redeemPoints?}:
 * the priced cart and what it needs of the person at the till, stored
 * nowhere.
 */
static void price_cart(struct term_api *api, const struct http_request *req,
		       struct http_response *res)
{
	struct till_req *t = calloc(1, sizeof(*t));
	struct staff_needs needs;
	struct customer customer;
	json_t *body = NULL, *order = NULL, *perms;
	char why[512];
	int rc;

	if (!t) {
		api_internal(res);
		return;
	}
	body = http_body_object(req, res, "lines");
	if (!body || parse_lines(body, t, 1, res) < 0 ||
	    cart_extras(api, body, t, &customer, res) < 0)
		goto out;
	rc = sale_price(api->db, &t->opts, t->lines, t->nlines, &order, why, sizeof(why));
	if (rc < 0) {
		api_fail(res, rc == -ENOENT || failed_field(rc, why) ? -EINVAL : rc,
			 failed_field(rc, why), why);
		goto out;
	}
	staff_op_needs(PROTO_OP_ORDER_PUT, order, &needs);
	perms = json_array();
	for (int i = 0; perms && i < needs.n; i++)
		json_array_append_new(perms, json_string(needs.perm[i]));
	http_respond_value(res, 200,
			   json_pack("{s:o, s:{s:o?, s:I}}", "order", order, "needs", "permissions",
				     perms, "discountBp", (json_int_t)needs.discount_bp));
out:
	json_decref(body);
	free(t);
}

/* POST /api/v1/orders/{id}/pay: a stored cart (parked here or claimed), as it was parked. */
static void pay_cart(struct term_api *api, const char *order_id, const struct http_request *req,
		     struct http_response *res)
{
	struct till_req *t = calloc(1, sizeof(*t));
	struct sale_result r = {0};
	struct api_acting a;
	json_t *body = NULL;
	char why[512];
	int rc;

	if (!t) {
		api_internal(res);
		return;
	}
	body = http_body_object(req, res, "payments");
	if (!body || parse_pays(body, t, res) < 0 || parse_print(body, t, res) < 0 ||
	    api_acting_begin(api, body, res, &a) < 0)
		goto out;
	t->opts.authorize = api_authorize;
	t->opts.ctx = &a;
	rc = sale_finish(api->db, &a.sale, &t->opts, order_id, t->pays, t->npays, &r, why,
			 sizeof(why));
	if (rc < 0)
		api_respond_failure(res, rc, &r, &a, NULL, why);
	else
		api_respond_record(api, res, &r, t->print);
out:
	json_decref(body);
	free(t);
}

/* POST /api/v1/refunds {sale, lines?, payments, approvePin?, print?} */
static void refund(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	struct till_req *t = calloc(1, sizeof(*t));
	struct sale_result r = {0};
	struct api_acting a;
	json_t *body = NULL;
	const char *sale;
	char why[512];
	int rc;

	if (!t) {
		api_internal(res);
		return;
	}
	body = http_body_object(req, res, "sale, lines and payments");
	if (!body || http_body_string(body, "sale", 1, 64, res, &sale) < 0 ||
	    parse_refund_lines(body, t, res) < 0 || parse_pays(body, t, res) < 0 ||
	    parse_print(body, t, res) < 0 || api_acting_begin(api, body, res, &a) < 0)
		goto out;
	t->opts.authorize = api_authorize;
	t->opts.ctx = &a;
	rc = refund_make(api->db, &a.sale, &t->opts, sale, t->refunds, t->nrefunds, t->pays,
			 t->npays, &r, why, sizeof(why));
	if (rc < 0)
		api_respond_failure(res, rc, &r, &a, rc == -ENOENT ? "sale" : NULL, why);
	else
		api_respond_record(api, res, &r, t->print);
out:
	json_decref(body);
	free(t);
}

/* GET /api/v1/carts: the open and parked orders this terminal holds, own or released. */
static void list_carts(struct term_api *api, struct http_response *res)
{
	json_t *carts = json_array();
	sqlite3_stmt *st = NULL;
	int rc;

	rc = carts
		 ? db_prepare(api->db,
			      "SELECT id, owner, rev, released, json_extract(doc, '$.total'), "
			      "json_extract(doc, '$.createdAt') FROM orders WHERE "
			      "json_extract(doc, '$.status') IN ('open', 'parked') AND (owner = ?1 "
			      "OR released = 1) ORDER BY json_extract(doc, '$.createdAt')",
			      &st)
		 : -ENOMEM;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, api->cfg->terminal_id, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(
			    carts, json_pack("{s:s, s:b, s:b, s:I, s:I, s:I}", "orderId",
					     sqlite3_column_text(st, 0), "mine",
					     strcmp((const char *)sqlite3_column_text(st, 1),
						    api->cfg->terminal_id) == 0,
					     "released", sqlite3_column_int(st, 3), "rev",
					     (json_int_t)sqlite3_column_int64(st, 2), "total",
					     (json_int_t)sqlite3_column_int64(st, 4), "createdAt",
					     (json_int_t)sqlite3_column_int64(st, 5)));
		rc = rc == SQLITE_DONE ? 0 : -EIO;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(carts);
		api_internal(res);
		return;
	}
	http_respond_value(res, 200, json_pack("{s:o}", "carts", carts));
}

/* GET /api/v1/orders/{id} */
static void get_order(struct term_api *api, const char *id, struct http_response *res)
{
	char owner[40], status[16];
	json_t *doc = NULL;
	int64_t rev;
	int rc, released;

	rc = term_orders_load(api->db, id, &doc, owner, &rev, status, &released);
	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "this terminal has no order %s",
				   id);
		return;
	}
	if (rc < 0) {
		api_internal(res);
		return;
	}
	http_respond_value(res, 200,
			   json_pack("{s:s, s:s, s:I, s:s, s:b, s:o}", "orderId", id, "owner",
				     owner, "rev", (json_int_t)rev, "status", status, "released",
				     released, "order", doc));
}

/*
 * POST /api/v1/orders/{id}/release {approvePin?}: needs order.void, as
 * `tillnet-term release` does (staff_op_needs), or a manager's approvePin.
 */
static void release(struct term_api *api, const char *id, const struct http_request *req,
		    struct http_response *res)
{
	struct staff_needs needs;
	struct api_acting a;
	json_t *body;
	char why[256];
	int rc;

	/* An empty body is no PIN. */
	body = req->body_len ? http_body_object(req, res, "approvePin") : json_object();
	if (!body) {
		if (!req->body_len)
			api_internal(res);
		return;
	}
	if (api_acting_begin(api, body, res, &a) < 0)
		goto out;
	staff_op_needs(PROTO_OP_ORDER_RELEASE, NULL, &needs);
	if (api_authorize(&a, &needs) != 0) {
		api_refused(res, &a);
		goto out;
	}
	rc = sale_release(api->db, &a.sale, id, why, sizeof(why));
	if (rc < 0)
		api_fail(res, rc, NULL, why);
	else
		http_respond_value(res, 200, json_pack("{s:s, s:b}", "orderId", id, "released", 1));
out:
	json_decref(body);
}

static json_t *claim_json(const char *request, const struct claim_state *cs)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "requestId", request, "orderId",
			 cs->order_id, "state", cs->state, "code", cs->code[0] ? cs->code : NULL,
			 "message", cs->message[0] ? cs->message : NULL);
}

/* POST /api/v1/orders/{id}/claim: 202, then GET /api/v1/claims/{requestId}. */
static void claim(struct term_api *api, const char *id, struct http_response *res)
{
	char request[UUID_TEXT_LEN];
	struct claim_state cs;

	/* The hub refuses a claim that names no UUID without answering it: it would wait forever.
	 */
	if (!http_is_uuid(id)) {
		http_respond_error(res, 404, "not-found", NULL,
				   "no order \"%s\" to claim (order ids are UUIDs)", id);
		return;
	}
	if (claims_request(api->db, id, request) < 0 || claims_state(api->db, request, &cs) < 0) {
		api_internal(res);
		return;
	}
	http_respond_value(res, 202, claim_json(request, &cs));
}

static void claim_status(struct term_api *api, const char *request, struct http_response *res)
{
	struct claim_state cs;
	int rc = claims_state(api->db, request, &cs);

	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "no claim request %s", request);
	else if (rc < 0)
		api_internal(res);
	else
		http_respond_value(res, 200, claim_json(request, &cs));
}

/* POST /api/v1/lookups {receipt}: ask the hub for a sale not held here; 202, then GET. */
static void lookup(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	char request[UUID_TEXT_LEN], state[16];
	const char *receipt;
	json_t *body = http_body_object(req, res, "receipt");

	if (!body || http_body_string(body, "receipt", 1, 47, res, &receipt) < 0)
		goto out;
	if (lookups_request(api->db, receipt, request) < 0 ||
	    lookups_state(api->db, request, state) < 0)
		api_internal(res);
	else
		http_respond_value(res, 202,
				   json_pack("{s:s, s:s, s:s}", "requestId", request, "receipt",
					     receipt, "state", state));
out:
	json_decref(body);
}

static void lookup_status(struct term_api *api, const char *request, struct http_response *res)
{
	char state[16];
	int rc = lookups_state(api->db, request, state);

	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "no lookup request %s", request);
	else if (rc < 0)
		api_internal(res);
	else
		http_respond_value(res, 200,
				   json_pack("{s:s, s:s}", "requestId", request, "state", state));
}

/* GET /api/v1/receipts/{ref} (the text, not counted) and POST …/print (counted). */
static void receipt(struct term_api *api, const char *ref, int print, struct http_response *res)
{
	int64_t prints = 0;
	char why[512], *text = NULL;
	int rc;

	if (print)
		rc = receipt_print_order(api->db, api->cfg, ref, NULL, RECEIPT_KICK_AUTO, &prints,
					 why, sizeof(why));
	else
		rc = receipt_text_order(api->db, api->cfg, ref, &text, why, sizeof(why));
	if (rc == -EAGAIN)
		http_respond_error(res, 502, "printer", NULL, "%s", why);
	else if (rc == -EINVAL)
		http_respond_error(res, 409, "not-printable", NULL, "%s", why);
	else if (rc < 0)
		api_fail(res, rc, NULL, why);
	else if (print)
		http_respond_value(
		    res, 200,
		    json_pack("{s:s, s:I}", "receipt", ref, "prints", (json_int_t)prints));
	else
		http_respond_value(res, 200, json_pack("{s:s, s:s}", "receipt", ref, "text", text));
	free(text);
}

static int method_is(const struct http_request *req, struct http_response *res, const char *method)
{
	if (strcmp(req->method, method) == 0)
		return 1;
	http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use %s", req->method,
			   req->url, method);
	return 0;
}

int api_till_route(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	char seg[HTTP_SEGMENT_MAX + 1];
	const char *rest;
	int rc;

	if (strcmp(req->url, "/api/v1/sales") == 0) {
		if (method_is(req, res, "POST"))
			ring_up(api, req, res, 0, NULL);
		return 1;
	}
	if (strcmp(req->url, "/api/v1/carts") == 0) {
		if (strcmp(req->method, "GET") == 0)
			list_carts(api, res);
		else if (method_is(req, res, "POST"))
			ring_up(api, req, res, 1, NULL);
		return 1;
	}
	if (strcmp(req->url, "/api/v1/carts/price") == 0) {
		if (method_is(req, res, "POST"))
			price_cart(api, req, res);
		return 1;
	}
	if (strcmp(req->url, "/api/v1/refunds") == 0) {
		if (method_is(req, res, "POST"))
			refund(api, req, res);
		return 1;
	}
	if ((rc = http_path_segment(req->url, "/api/v1/orders/", seg, &rest)) != 0) {
		if (rc < 0)
			http_respond_error(res, 404, "not-found", NULL, "no such order");
		else if (!*rest && strcmp(req->method, "PUT") == 0)
			ring_up(api, req, res, 1, seg);
		else if (!*rest && strcmp(req->method, "GET") == 0)
			get_order(api, seg, res);
		else if (!*rest)
			http_respond_error(res, 405, "method-not-allowed", NULL,
					   "%s %s: use GET or PUT", req->method, req->url);
		else if (strcmp(rest, "/pay") == 0 && method_is(req, res, "POST"))
			pay_cart(api, seg, req, res);
		else if (strcmp(rest, "/release") == 0 && method_is(req, res, "POST"))
			release(api, seg, req, res);
		else if (strcmp(rest, "/claim") == 0 && method_is(req, res, "POST"))
			claim(api, seg, res);
		else if (*rest && strcmp(rest, "/pay") && strcmp(rest, "/release") &&
			 strcmp(rest, "/claim"))
			http_respond_error(res, 404, "not-found", NULL, "%s: no such route",
					   req->url);
		return 1;
	}
	if ((rc = http_path_segment(req->url, "/api/v1/claims/", seg, &rest)) != 0) {
		if (rc < 0 || *rest)
			http_respond_error(res, 404, "not-found", NULL, "%s: no such route",
					   req->url);
		else if (method_is(req, res, "GET"))
			claim_status(api, seg, res);
		return 1;
	}
	if (strcmp(req->url, "/api/v1/lookups") == 0) {
		if (method_is(req, res, "POST"))
			lookup(api, req, res);
		return 1;
	}
	if ((rc = http_path_segment(req->url, "/api/v1/lookups/", seg, &rest)) != 0) {
		if (rc < 0 || *rest)
			http_respond_error(res, 404, "not-found", NULL, "%s: no such route",
					   req->url);
		else if (method_is(req, res, "GET"))
			lookup_status(api, seg, res);
		return 1;
	}
	if ((rc = http_path_segment(req->url, "/api/v1/receipts/", seg, &rest)) != 0) {
		if (rc < 0 || (*rest && strcmp(rest, "/print") != 0))
			http_respond_error(res, 404, "not-found", NULL, "%s: no such route",
					   req->url);
		else if (method_is(req, res, *rest ? "POST" : "GET"))
			receipt(api, seg, *rest != 0, res);
		return 1;
	}
	return 0;
}
