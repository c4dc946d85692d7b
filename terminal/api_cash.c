// SPDX-License-Identifier: MIT
/*
 * The local API's cash routes (docs/openapi-terminal.yaml, docs/pos.md
 * "Cash sessions"): the open session and its X report, open, cash in, out,
 * payouts, no-sale, the close with a count, and a closed session's Z
 * report, on the core in terminal/cash.h, as `tillnet-term cash` does.
 * Counts travel as an object of denomination (minor units, as the member's
 * name) to pieces: {"5000": 2, "200": 3}.
 */
#include "api.h"
#include "cash.h"
#include "db.h"
#include "escpos.h"
#include "http_json.h"
#include "money.h"
#include "printer.h"
#include "proto_sync.h"
#include "settings.h"
#include "term_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Digits of a denomination as a member name: 18 keep it below INT64_MAX. */
#define DENOM_DIGITS_MAX 18

static int bad(struct http_response *res, const char *field, const char *expected)
{
	http_respond_error(res, 400, "bad-field", field, "%s: expected %s", field, expected);
	return -EINVAL;
}

static int method_is(const struct http_request *req, struct http_response *res, const char *method)
{
	if (strcmp(req->method, method) == 0)
		return 1;
	http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use %s", req->method,
			   req->url, method);
	return 0;
}

static void no_session(struct http_response *res)
{
	http_respond_error(res, 409, "conflict", NULL,
			   "no cash session is open on this terminal: open one first (POST "
			   "/api/v1/cash/open)");
}

/* A member name of a count: its denomination, or 0 when it is not all digits. */
static int64_t denom_of(const char *key)
{
	size_t len = strlen(key);
	int64_t v = 0;

	if (len == 0 || len > DENOM_DIGITS_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (key[i] < '0' || key[i] > '9')
			return 0;
		v = v * 10 + (key[i] - '0');
	}
	return v;
}

static int known_denom(const struct store_settings *s, int64_t value)
{
	for (size_t i = 0; i < s->ndenominations; i++)
		if (s->denominations[i] == value)
			return 1;
	return 0;
}

static void denoms_text(const struct store_settings *s, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->ndenominations && used < len; i++) {
		int n = snprintf(out + used, len - used, "%s%lld", i ? ", " : "",
				 (long long)s->denominations[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * The body's `count`, member by member (errors name "count.700"), then
 * written as the core's VALUE=PIECES text so that cash_count_parse puts it
 * in the store's order and totals it.
 */
static int parse_count(json_t *body, const struct store_settings *s, struct cash_count *out,
		       struct http_response *res)
{
	json_t *count = json_object_get(body, "count"), *v;
	char text[CASH_COUNT_TEXT_MAX + 1], field[48], list[256];
	struct proto_error err;
	const char *key;
	size_t used = 0;

	if (!json_is_object(count) || json_object_size(count) == 0)
		return bad(res, "count",
			   "an object of denomination (minor units) to pieces, e.g. {\"5000\": 2, "
			   "\"200\": 3}");
	json_object_foreach(count, key, v)
	{
		int64_t value = denom_of(key);
		int n;

		snprintf(field, sizeof(field), "count.%.32s", key);
		if (!known_denom(s, value)) {
			denoms_text(s, list, sizeof(list));
			http_respond_error(res, 400, "bad-field", field,
					   "%s: not a denomination of this store (expected one of "
					   "%s, in minor units)",
					   field, list);
			return -EINVAL;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > CASH_PIECES_MAX) {
			http_respond_error(res, 400, "bad-field", field,
					   "%s: expected a whole number of pieces, 0 to %d", field,
					   CASH_PIECES_MAX);
			return -EINVAL;
		}
		n = snprintf(text + used, sizeof(text) - used, "%s%lld=%lld", used ? "," : "",
			     (long long)value, (long long)json_integer_value(v));
		if (n < 0 || (size_t)n >= sizeof(text) - used)
			return bad(res, "count", "one member per denomination of this store");
		used += (size_t)n;
	}
	if (cash_count_parse(text, s->denominations, s->ndenominations, "count", out, &err) < 0) {
		http_respond_error(res, 400, "bad-field", "count", "%s", err.message);
		return -EINVAL;
	}
	return 0;
}

/*
 * The signed-in person (or the approvePin's owner) may do `perm` (and
 * `perm2`; `stepup`: a manager's PIN every time). A refusal is answered,
 * its message after `why` when given.
 */
static int authorize(struct term_api *api, json_t *body, const char *perm, const char *perm2,
		     int stepup, const char *why, struct api_acting *a, struct cash_who *who,
		     struct http_response *res)
{
	struct staff_needs needs = {0};

	if (api_acting_begin(api, body, res, a) < 0)
		return -EPERM;
	needs.perm[needs.n++] = perm;
	if (perm2)
		needs.perm[needs.n++] = perm2;
	needs.stepup = stepup;
	if (api_authorize(a, &needs) < 0) {
		if (why)
			http_respond_error(res, a->status, a->code,
					   strcmp(a->code, "wrong-pin") == 0 ? "approvePin" : NULL,
					   "%s: %s", why, a->message);
		else
			api_refused(res, a);
		return -EPERM;
	}
	*who = (struct cash_who){api->cfg->terminal_id, api->cfg->short_code, a->actor,
				 a->approver_id};
	return 0;
}

/*
 * The open session as the X report has it: {report, at, id, session,
 * totals, expected}; *out NULL when none is open. 0, or -1 answered.
 */
static int x_report(struct term_api *api, json_t **out, struct http_response *res)
{
	struct cash_totals t;
	char id[PROTO_ID_LEN], why[256];
	int64_t float_amount, expected;
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	rc = cash_current(api->db, id, sizeof(id));
	if (rc == 0)
		return 0;
	if (rc > 0)
		rc = cash_tally(api->db, id, &float_amount, &t, &expected, why, sizeof(why));
	if (rc == 0)
		rc = cash_doc(api->db, id, &doc);
	if (rc == 0)
		*out = json_pack("{s:s, s:I, s:s, s:o, s:o, s:I}", "report", "X", "at",
				 (json_int_t)db_now_ms(), "id", id, "session", doc, "totals",
				 cash_totals_to_json(&t), "expected", (json_int_t)expected);
	if (rc < 0 || !*out) {
		api_internal(res);
		return -1;
	}
	return 0;
}

/* A write's answer: 201 with the X report as it stands after it. */
static void respond_x(struct term_api *api, struct http_response *res, const char *drawer_error)
{
	json_t *x;

	if (x_report(api, &x, res) < 0)
		return;
	if (!x) {
		api_internal(res); /* the write just stored it: the database failed */
		return;
	}
	if (drawer_error)
		json_object_set_new(x, "drawerError", json_string(drawer_error));
	http_respond_value(res, 201, x);
}

/* GET /api/v1/cash: the open session's X report, or {"id": null, "session": null}. */
static void get_cash(struct term_api *api, struct http_response *res)
{
	json_t *x;

	if (x_report(api, &x, res) == 0)
		http_respond_value(res, 200, x ? x : json_pack("{s:n, s:n}", "id", "session"));
}

/* POST /api/v1/cash/open {float | count, approvePin?} */
static void open_session(struct term_api *api, const struct http_request *req,
			 struct http_response *res)
{
	json_t *body = http_body_object(req, res, "float or count");
	struct store_settings s;
	struct cash_count count;
	struct api_acting a;
	struct cash_who who;
	char id[PROTO_ID_LEN], why[512];
	int64_t float_amount = 0;
	int counted, rc;

	if (!body)
		return;
	counted = json_object_get(body, "count") != NULL;
	if (counted == (json_object_get(body, "float") != NULL)) {
		bad(res, "float",
		    "the float in the drawer as an amount in minor units (float) or as "
		    "a count (count), one of them");
		goto out;
	}
	if (term_db_settings(api->db, &s) < 0) {
		api_internal(res);
		goto out;
	}
	if (counted ? parse_count(body, &s, &count, res) < 0
		    : http_body_integer(body, "float", 0, MONEY_MAX, res, &float_amount) < 0)
		goto out;
	if (counted)
		float_amount = count.total;
	if (authorize(api, body, "cash.open", NULL, 0, NULL, &a, &who, res) < 0)
		goto out;
	rc = cash_open(api->db, &who, float_amount, counted ? &count : NULL, id, why, sizeof(why));
	if (rc == -EALREADY)
		http_respond_error(res, 409, "conflict", NULL,
				   "a cash session is open already on this terminal: close it "
				   "first (POST /api/v1/cash/close)");
	else if (rc < 0)
		api_fail(res, rc, "float", why);
	else
		respond_x(api, res, NULL);
out:
	json_decref(body);
}

/* The drawer kick to the configured printer: NULL, or why it did not open. */
static const char *kick_drawer(const struct term_config *cfg, char *why, size_t len)
{
	struct escpos b;
	int rc;

	if (!cfg->printer_target[0])
		return NULL;
	escpos_init(&b, 64);
	rc = escpos_reset(&b) < 0 || escpos_kick(&b) < 0
		 ? -ENOMEM
		 : printer_send(cfg->printer_target, b.data, b.len, why, len);
	if (rc == -ENOMEM)
		snprintf(why, len, "out of memory");
	escpos_release(&b);
	return rc < 0 ? why : NULL;
}

/* POST /api/v1/cash/in|out|payout {amount, reason} and /nosale {reason?}. */
static void move(struct term_api *api, const struct http_request *req, enum cash_move m,
		 struct http_response *res)
{
	int nosale = m == CASH_MOVE_NOSALE;
	struct api_acting a;
	struct cash_who who;
	const char *reason;
	char why[512], kick_why[512];
	int64_t amount = 0;
	json_t *body;
	int rc;

	/* A no-sale needs nothing: an empty body is {}. */
	if (nosale && req->body_len == 0)
		body = json_object();
	else
		body =
		    http_body_object(req, res, nosale ? "an optional reason" : "amount and reason");
	if (!body) {
		if (nosale && req->body_len == 0)
			api_internal(res);
		return;
	}
	if (nosale && json_object_get(body, "amount")) {
		bad(res, "amount", "none (a no-sale moves no money)");
		goto out;
	}
	if ((!nosale && http_body_integer(body, "amount", 1, MONEY_MAX, res, &amount) < 0) ||
	    http_body_string(body, "reason", nosale ? 0 : 1, CASH_REASON_MAX, res, &reason) < 0)
		goto out;
	if (authorize(api, body, cash_move_permission(m), NULL, 0, NULL, &a, &who, res) < 0)
		goto out;
	rc = cash_move(api->db, &who, m, amount, reason, why, sizeof(why));
	if (rc == -ENOENT)
		no_session(res);
	else if (rc < 0)
		api_fail(res, rc, strncmp(why, "amount", 6) == 0 ? "amount" : "reason", why);
	else
		respond_x(api, res, kick_drawer(api->cfg, kick_why, sizeof(kick_why)));
out:
	json_decref(body);
}

/* The Z report of closed session `doc` (id `id`); consumes doc. */
static json_t *z_report(const char *id, json_t *doc)
{
	return json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "report", "Z", "id", id,
			 "zNumber", json_object_get(doc, "zNumber"), "zSeq",
			 json_object_get(doc, "zSeq"), "expected", json_object_get(doc, "expected"),
			 "counted", json_object_get(doc, "counted"), "difference",
			 json_object_get(doc, "difference"), "totals",
			 json_object_get(doc, "totals"), "session", doc);
}

/* POST /api/v1/cash/close {count, approvePin?}: 201 with the Z report. */
static void close_session(struct term_api *api, const struct http_request *req,
			  struct http_response *res)
{
	json_t *body = http_body_object(req, res, "count"), *doc = NULL;
	struct store_settings s;
	struct cash_count count;
	struct cash_totals t;
	struct api_acting a;
	struct cash_who who;
	char id[PROTO_ID_LEN], why[512], diff[MONEY_TEXT_MAX], lim[MONEY_TEXT_MAX];
	int64_t float_amount, expected;
	int rc, over;

	if (!body)
		return;
	if (term_db_settings(api->db, &s) < 0) {
		api_internal(res);
		goto out;
	}
	if (parse_count(body, &s, &count, res) < 0)
		goto out;
	rc = cash_current(api->db, id, sizeof(id));
	if (rc == 0) {
		no_session(res);
		goto out;
	}
	if (rc > 0)
		rc = cash_tally(api->db, id, &float_amount, &t, &expected, why, sizeof(why));
	if (rc < 0) {
		api_internal(res);
		goto out;
	}
	/* Over the limit: a manager's PIN, every time, as for the CLI (docs/pos.md). */
	over = cash_over_limit(count.total - expected, s.cash_difference_limit);
	if (over) {
		money_format(count.total - expected, diff, sizeof(diff));
		money_format(s.cash_difference_limit, lim, sizeof(lim));
		snprintf(why, sizeof(why), "counted minus expected is %s, over the limit of %s",
			 diff, lim);
	}
	if (authorize(api, body, "cash.close", over ? "cash.out" : NULL, over, over ? why : NULL,
		      &a, &who, res) < 0)
		goto out;
	/* Approved for the difference seen here: one a sale made meanwhile pushes over is 409. */
	rc = cash_close(api->db, &who, &count, s.cash_difference_limit, over, &doc, why,
			sizeof(why));
	if (rc == -ENOENT)
		no_session(res);
	else if (rc < 0)
		api_fail(res, rc, NULL, why);
	else
		http_respond_value(res, 201, z_report(id, doc));
out:
	json_decref(body);
}

/* GET /api/v1/cash/sessions/{id or Z number}/z */
static void get_z(struct term_api *api, const char *ref, struct http_response *res)
{
	char id[PROTO_ID_LEN];
	json_t *doc = NULL;
	int found = cash_find(api->db, ref, id, sizeof(id)), rc = found;

	if (found == 1)
		rc = cash_doc(api->db, id, &doc);
	if (rc < 0) {
		api_internal(res);
		return;
	}
	if (!found) {
		http_respond_error(res, 404, "not-found", NULL,
				   "no cash session \"%s\" on this terminal (expected its id or "
				   "its Z number)",
				   ref);
		return;
	}
	if (strcmp(json_string_value(json_object_get(doc, "status")), "closed") != 0) {
		json_decref(doc);
		http_respond_error(res, 409, "conflict", NULL,
				   "cash session %s is still open (GET /api/v1/cash shows it so "
				   "far)",
				   ref);
		return;
	}
	http_respond_value(res, 200, z_report(id, doc));
}

int api_cash_route(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	static const char prefix[] = "/api/v1/cash/";
	char seg[HTTP_SEGMENT_MAX + 1];
	const char *what, *rest;
	enum cash_move m;
	int rc;

	if (strcmp(req->url, "/api/v1/cash") == 0) {
		if (method_is(req, res, "GET"))
			get_cash(api, res);
		return 1;
	}
	if (strncmp(req->url, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	what = req->url + sizeof(prefix) - 1;
	if ((rc = http_path_segment(req->url, "/api/v1/cash/sessions/", seg, &rest)) != 0) {
		if (rc < 0 || strcmp(rest, "/z") != 0)
			http_respond_error(res, 404, "not-found", NULL, "%s: no such route",
					   req->url);
		else if (method_is(req, res, "GET"))
			get_z(api, seg, res);
		return 1;
	}
	if (strcmp(what, "open") == 0) {
		if (method_is(req, res, "POST"))
			open_session(api, req, res);
	} else if (strcmp(what, "close") == 0) {
		if (method_is(req, res, "POST"))
			close_session(api, req, res);
	} else if (cash_move_parse(what, &m) == 0) {
		if (method_is(req, res, "POST"))
			move(api, req, m, res);
	} else {
		http_respond_error(res, 404, "not-found", NULL, "%s: no such route", req->url);
	}
	return 1;
}
