// SPDX-License-Identifier: MIT
/*
 * The terminal's local API: routing, who acts, and the routes of the till
 * itself that need no other module: status, the signed-in person, the
 * catalog (see api.h; the sale routes are in api_till.c).
 */
#include "api.h"
#include "db.h"
#include "http_json.h"
#include "outbox.h"
#include "sync_client.h"
#include "term_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CATALOG_LIMIT_MAX 200

void api_internal(struct http_response *res)
{
	http_respond_error(res, 500, "internal", NULL, "the terminal's database failed");
}

void api_fail(struct http_response *res, int rc, const char *field, const char *why)
{
	switch (rc) {
	case -ENOENT:
		http_respond_error(res, 404, "not-found", field, "%s", why);
		break;
	case -EINVAL:
		http_respond_error(res, 400, "bad-field", field, "%s", why);
		break;
	case -EALREADY:
	case -EPERM:
		http_respond_error(res, 409, "conflict", field, "%s", why);
		break;
	case -EBUSY:
		http_respond_error(res, 503, "busy", NULL,
				   "the terminal's database is busy; try again");
		break;
	default:
		api_internal(res);
	}
}

int api_acting_begin(struct term_api *api, json_t *body, struct http_response *res,
		     struct api_acting *a)
{
	json_t *pin = body ? json_object_get(body, "approvePin") : NULL;
	int needed = 0, rc;

	memset(a, 0, sizeof(*a));
	a->db = api->db;
	a->sale.terminal_id = api->cfg->terminal_id;
	a->sale.short_code = api->cfg->short_code;
	if (pin && (!json_is_string(pin) || staff_pin_valid(json_string_value(pin)) < 0)) {
		http_respond_error(res, 400, "bad-field", "approvePin",
				   "approvePin: expected a PIN of %d to %d digits, as a string",
				   STAFF_PIN_MIN, STAFF_PIN_MAX);
		return -1;
	}
	a->pin = pin ? json_string_value(pin) : NULL;
	if (staff_auth_needed(api->db, &needed) < 0) {
		api_internal(res);
		return -1;
	}
	if (!needed)
		return 0; /* no staff in this store: nobody signs in */
	rc = staff_auth_current(api->db, db_now_ms(), &a->who);
	if (rc == -ENOENT) {
		http_respond_error(res, 401, "not-signed-in", NULL,
				   "nobody is signed in at this terminal: POST /api/v1/session "
				   "with a PIN");
		return -1;
	}
	if (rc < 0) {
		api_internal(res);
		return -1;
	}
	a->actor = a->who.id;
	a->sale.actor = a->actor;
	return 0;
}

static int refuse(struct api_acting *a, unsigned int status, const char *code, const char *message)
{
	a->status = status;
	a->code = code;
	snprintf(a->message, sizeof(a->message), "%s", message);
	return -EPERM;
}

int api_authorize(void *ctx, const struct staff_needs *needs)
{
	struct api_acting *a = ctx;
	const char *missing = "";
	int64_t retry_ms = 0;
	int granted = 0, rc;

	if (!a->actor || (needs->n == 0 && needs->discount_bp == 0))
		return 0;
	rc = staff_auth_allows(a->db, a->actor, needs, &granted, &missing);
	if (rc < 0)
		return refuse(a, 500, "internal", "the terminal's database failed");
	if (granted && !needs->stepup)
		return 0;
	if (!a->pin) {
		char why[256];

		snprintf(why, sizeof(why),
			 "%s's role (%s) does not cover this (%s): a manager's PIN in approvePin "
			 "approves it",
			 a->who.name, a->who.role,
			 granted || !missing ? "a manager every time" : missing);
		return refuse(a, 403, "needs-approval", why);
	}
	rc = staff_auth_stepup(a->db, a->pin, needs, db_now_ms(), &a->approver, &retry_ms);
	if (rc == -EAGAIN)
		return refuse(a, 429, "locked",
			      "approval is locked after too many wrong PINs; try again later");
	if (rc == -EACCES)
		return refuse(a, 403, "wrong-pin",
			      "approvePin: not the PIN of someone allowed to approve this");
	if (rc < 0)
		return refuse(a, 500, "internal", "the terminal's database failed");
	a->approver_id = a->approver.id;
	a->sale.approver = a->approver_id;
	return 0;
}

void api_refused(struct http_response *res, const struct api_acting *a)
{
	http_respond_error(res, a->status ? a->status : 403, a->code ? a->code : "forbidden",
			   strcmp(a->code ? a->code : "", "wrong-pin") == 0 ? "approvePin" : NULL,
			   "%s", a->message);
}

/* GET /api/v1/status */
static void status(struct term_api *api, struct http_response *res)
{
	struct staff_auth_who who;
	json_t *out, *progress = NULL;
	int64_t settings = 0;

	out = json_pack("{s:s, s:s, s:s, s:s, s:o}", "terminalId", api->cfg->terminal_id,
			"shortCode", api->cfg->short_code, "name", api->cfg->name, "store",
			api->cfg->store, "sync", sync_client_state_json(api->sync));
	if (out && outbox_status_json(api->db, db_now_ms(), &progress) == 0)
		json_object_update(out, progress);
	json_decref(progress);
	if (out && term_db_get_int(api->db, TERM_META_SETTINGS_VERSION, &settings) == 0)
		json_object_set_new(out, "settingsVersion", json_integer(settings));
	if (out)
		json_object_set_new(out, "signedIn",
				    staff_auth_current(api->db, db_now_ms(), &who) == 0
					? json_pack("{s:s, s:s, s:s}", "id", who.id, "name",
						    who.name, "role", who.role)
					: json_null());
	http_respond_value(res, 200, out);
}

/* /api/v1/session: GET who, POST {pin} signs in, DELETE signs out. */
static void session(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	struct staff_auth_who who;
	int64_t retry_ms = 0;
	const char *pin;
	json_t *body;
	int rc;

	if (strcmp(req->method, "DELETE") == 0) {
		if (staff_auth_signout(api->db) < 0)
			api_internal(res);
		else
			http_respond_empty(res, 204);
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		rc = staff_auth_current(api->db, db_now_ms(), &who);
		if (rc == -ENOENT)
			http_respond_error(res, 401, "not-signed-in", NULL,
					   "nobody is signed in at this terminal");
		else if (rc < 0)
			api_internal(res);
		else
			http_respond_value(res, 200,
					   json_pack("{s:s, s:s, s:s}", "id", who.id, "name",
						     who.name, "role", who.role));
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		http_respond_error(res, 405, "method-not-allowed", NULL,
				   "%s /api/v1/session: use GET, POST or DELETE", req->method);
		return;
	}
	body = http_body_object(req, res, "pin");
	if (!body)
		return;
	if (http_body_string(body, "pin", STAFF_PIN_MIN, STAFF_PIN_MAX, res, &pin) < 0)
		goto out;
	rc = staff_auth_signin(api->db, pin, db_now_ms(), &who, &retry_ms);
	if (rc == -EACCES)
		http_respond_error(res, 403, "wrong-pin", "pin", "pin: no one has this PIN");
	else if (rc == -EAGAIN)
		http_respond_error(res, 429, "locked", "pin",
				   "sign-in is locked after %d wrong PINs; try again in %lld s",
				   STAFF_PIN_FAILURES_MAX, (long long)((retry_ms + 999) / 1000));
	else if (rc == -ENOENT)
		http_respond_error(res, 409, "no-staff", NULL,
				   "this terminal has no staff yet (they come from the hub)");
	else if (rc < 0)
		api_internal(res);
	else
		http_respond_value(
		    res, 200,
		    json_pack("{s:s, s:s, s:s}", "id", who.id, "name", who.name, "role", who.role));
out:
	json_decref(body);
}

static const char *nonempty(const unsigned char *t)
{
	return t && *t ? (const char *)t : NULL;
}

/* GET /api/v1/catalog?q=TEXT&limit=N: items whose name, SKU or barcode holds TEXT. */
static void catalog(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	const char *q = http_request_query(req, "q");
	sqlite3_stmt *st = NULL;
	json_t *items = json_array();
	int64_t limit;
	int rc;

	if (!items)
		goto fail;
	if (http_query_integer(req, "limit", 1, CATALOG_LIMIT_MAX, 50, res, &limit) < 0) {
		json_decref(items);
		return;
	}
	/* An exact barcode or SKU first, then names; instr() so no LIKE escapes are needed. */
	rc = db_prepare(api->db,
			"SELECT sku, name, barcode, price, tax_rate FROM catalog WHERE active = 1 "
			"AND (?1 = '' OR sku = ?1 OR barcode = ?1 OR instr(lower(name), lower(?1)) "
			"OR instr(lower(sku), lower(?1))) ORDER BY (sku = ?1 OR barcode = ?1) "
			"DESC, name LIMIT ?2",
			&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, q ? q : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:s?, s:I, s:I}", "sku",
				     sqlite3_column_text(st, 0), "name", sqlite3_column_text(st, 1),
				     "barcode", nonempty(sqlite3_column_text(st, 2)), "price",
				     (json_int_t)sqlite3_column_int64(st, 3), "taxRate",
				     (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	http_respond_value(res, 200, json_pack("{s:o}", "items", items));
	return;
fail:
	json_decref(items);
	api_internal(res);
}

void term_api_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct term_api *api = ctx;
	int get = strcmp(req->method, "GET") == 0;

	if (strcmp(req->url, "/api/v1/status") == 0 || strcmp(req->url, "/api/v1/catalog") == 0) {
		if (!get)
			http_respond_error(res, 405, "method-not-allowed", NULL, "use GET");
		else if (strcmp(req->url, "/api/v1/status") == 0)
			status(api, res);
		else
			catalog(api, req, res);
		return;
	}
	if (strcmp(req->url, "/api/v1/session") == 0) {
		session(api, req, res);
		return;
	}
	if (api_void_route(api, req, res) || api_customers_route(api, req, res) ||
	    api_till_route(api, req, res) || api_cash_route(api, req, res)) {
		/* What a write queued goes out now, not at the next poll of term.db. */
		if (strcmp(req->method, "GET") != 0 && res->status < 300)
			sync_client_kick(api->sync);
		return;
	}
	http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
			   req->url);
}
