// SPDX-License-Identifier: MIT
/* The needs-attention list and its actions (see admin_attention.h). */
#include "admin_attention.h"
#include "admin_session.h"
#include "admin_util.h"
#include "alerts_store.h"
#include "db.h"
#include "journal_store.h"
#include "orders_store.h"
#include "registry.h"
#include "staff_check.h"
#include "upstream_admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTENTION_PATH "/api/v1/attention"
#define UPSTREAM_PATH  ATTENTION_PATH "/upstream/"
#define RESOLVE	       "/resolve"

/* upstream_item: a parked record as an attention item (the record is kept as detail). */
static json_t *upstream_item(json_t *p)
{
	int conflict = json_is_string(json_object_get(p, "result")) &&
		       strcmp(json_string_value(json_object_get(p, "result")), "conflict") == 0;

	return json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:o, s:O}", "kind",
			 "upstream-parked", "id", json_object_get(p, "id"), "at",
			 json_object_get(p, "parkedAt"), "terminal", json_object_get(p, "terminal"),
			 "orderId", json_object_get(p, "id"), "receipt",
			 json_object_get(p, "receipt"), "code", json_object_get(p, "code"),
			 "message", json_object_get(p, "message"), "actions",
			 conflict ? json_pack("[s, s, s]", "retry", "void", "accept-conflict")
				  : json_pack("[s, s]", "retry", "void"),
			 "detail", p);
}

/* refused_item: an op the hub refused; settled on the terminal or by force-claim, not here. */
static json_t *refused_item(json_t *r)
{
	const char *result = json_string_value(json_object_get(r, "result"));

	return json_pack(
	    "{s:s, s:O?, s:O?, s:O?, s:O?, s:n, s:O?, s:O?, s:[], s:O}", "kind",
	    result && strcmp(result, "conflict") == 0 ? "sync-conflict" : "sync-rejected", "id",
	    json_object_get(r, "opId"), "at", json_object_get(r, "at"), "terminal",
	    json_object_get(r, "terminalCode"), "orderId", json_object_get(r, "orderId"), "receipt",
	    "code", json_object_get(r, "code"), "message", json_object_get(r, "message"), "actions",
	    "detail", r);
}

/* flagged_item: an op applied but flagged on arrival (people: no permission, unknown actor). */
static json_t *flagged_item(sqlite3 *db, json_t *f)
{
	struct registry_terminal t;
	const char *tid = json_string_value(json_object_get(f, "terminalId"));
	char id[24];

	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(f, "id")));
	return json_pack("{s:s, s:s, s:O?, s:s?, s:O?, s:n, s:O?, s:O?, s:[], s:O}", "kind",
			 "flagged", "id", id, "at", json_object_get(f, "at"), "terminal",
			 tid && registry_lookup(db, tid, &t) == 0 ? t.short_code : tid, "orderId",
			 json_object_get(f, "entityId"), "receipt", "code",
			 json_object_get(f, "code"), "message", json_object_get(f, "message"),
			 "actions", "detail", f);
}

/*
 * The fiscal journals (hub/journal_store.h): an alert (a broken chain, a
 * hash that does not match, a record that contradicts its number) is
 * "journal-broken"; seqs not received between 1 and a terminal's highest
 * are "journal-gap", computed, and gone once the records arrive.
 */
static int append_journal(sqlite3 *db, json_t *items)
{
	json_t *alerts = NULL, *gaps = NULL, *v;
	char id[64], message[160];
	size_t i;
	int rc;

	rc = journal_store_alerts_json(db, &alerts);
	if (rc == 0)
		rc = journal_store_gaps_json(db, &gaps);
	json_array_foreach(alerts, i, v)
	{
		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(v, "id")));
		if (rc == 0 &&
		    json_array_append_new(
			items,
			json_pack(
			    "{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:[s], s:O}", "kind",
			    "journal-broken", "id", id, "at", json_object_get(v, "at"), "terminal",
			    json_object_get(v, "terminalCode"), "orderId",
			    json_object_get(v, "recordId"), "receipt", json_object_get(v, "number"),
			    "code", json_object_get(v, "code"), "message",
			    json_object_get(v, "message"), "actions", "resolve", "detail", v)) < 0)
			rc = -ENOMEM;
	}
	json_array_foreach(gaps, i, v)
	{
		json_int_t from = json_integer_value(json_object_get(v, "from")),
			   to = json_integer_value(json_object_get(v, "to"));
		const char *code = json_string_value(json_object_get(v, "terminalCode"));

		code = code ? code : json_string_value(json_object_get(v, "terminalId"));
		snprintf(id, sizeof(id), "%s:%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, code,
			 from, to);
		snprintf(message, sizeof(message),
			 "journal records %" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT
			 " of %s have not reached the hub (still on the terminal, or parked "
			 "there)",
			 from, to, code);
		if (rc == 0 &&
		    json_array_append_new(
			items, json_pack("{s:s, s:s, s:n, s:s, s:n, s:n, s:s, s:s, s:[], s:O}",
					 "kind", "journal-gap", "id", id, "at", "terminal", code,
					 "orderId", "receipt", "code", "missing", "message",
					 message, "actions", "detail", v)) < 0)
			rc = -ENOMEM;
	}
	json_decref(alerts);
	json_decref(gaps);
	return rc;
}

static void list_attention(struct enroll_ctx *ctx, struct http_response *res)
{
	json_t *parked = NULL, *refused = NULL, *flagged = NULL, *items = json_array(), *v;
	size_t i;

	if (!items || upstream_admin_parked(ctx->db, &parked) < 0 ||
	    orders_store_refused(ctx->db, &refused) < 0 || staff_flags_json(ctx->db, &flagged) < 0)
		goto fail;
	json_array_foreach(parked, i, v)
	{
		if (json_array_append_new(items, upstream_item(v)) < 0)
			goto fail;
	}
	json_array_foreach(refused, i, v)
	{
		if (json_array_append_new(items, refused_item(v)) < 0)
			goto fail;
	}
	json_array_foreach(flagged, i, v)
	{
		if (json_array_append_new(items, flagged_item(ctx->db, v)) < 0)
			goto fail;
	}
	if (append_journal(ctx->db, items) < 0 || alerts_store_open_json(ctx->db, items) < 0)
		goto fail;
	json_decref(parked);
	json_decref(refused);
	json_decref(flagged);
	admin_respond(res, 200, json_pack("{s:o}", "items", items));
	return;
fail:
	json_decref(parked);
	json_decref(refused);
	json_decref(flagged);
	json_decref(items);
	admin_internal(res);
}

static void act(struct enroll_ctx *ctx, const struct admin_who *who, const char *id,
		const char *action, const struct http_request *req, struct http_response *res)
{
	const char *actor = who->account.id, *reason;
	char void_id[40] = "";
	int64_t now = db_now_ms();
	json_t *body = NULL;
	int rc, count = 0;

	if (strcmp(action, "retry") == 0) {
		rc = upstream_admin_retry(ctx->db, id, actor, now, &count);
	} else if (strcmp(action, "accept-conflict") == 0) {
		rc = upstream_admin_accept_conflict(ctx->db, id, actor, now);
	} else {
		body = http_body_object(req, res, "reason");
		if (!body)
			return;
		if (http_body_string(body, "reason", 1, ADMIN_VOID_REASON_MAX, res, &reason) < 0)
			goto out;
		rc = upstream_admin_void(ctx->db, id, reason, actor, now, void_id);
	}
	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "no parked upstream record \"%s\"",
				   id);
	} else if (rc == -EINVAL) {
		http_respond_error(res, 409, "not-a-conflict", NULL,
				   "record \"%s\" was not parked as a conflict: retry or void it",
				   id);
	} else if (rc < 0) {
		admin_internal(res);
	} else {
		admin_changed(ctx); /* wake the forwarder */
		json_t *ok = json_pack("{s:s, s:s}", "id", id, "state",
				       strcmp(action, "retry") == 0  ? "pending"
				       : strcmp(action, "void") == 0 ? "voided"
								     : "accepted-conflict");

		if (ok && void_id[0])
			json_object_set_new(ok, "voidId", json_string(void_id));
		admin_respond(res, 200, ok);
	}
out:
	json_decref(body);
}

/*
 * POST /api/v1/attention/{kind}/{id}/resolve {"note"}: an alert a manager
 * has looked into. 1 when the path is one of these (answered), else 0.
 */
static int resolve_route(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res)
{
	char kind[HTTP_SEGMENT_MAX + 1], id[HTTP_SEGMENT_MAX + 1];
	const char *rest, *note;
	struct admin_who who;
	json_t *body = NULL;
	char *end;
	long long n;
	int rc;

	if (http_path_segment(req->url, ATTENTION_PATH "/", kind, &rest) <= 0 ||
	    !alerts_store_kind_known(kind) || http_path_segment(rest, "/", id, &rest) <= 0 ||
	    strcmp(rest, RESOLVE) != 0)
		return 0;
	if (strcmp(req->method, "POST") != 0) {
		admin_wrong_method(req, res, ATTENTION_PATH "/{kind}/{id}" RESOLVE, "POST");
		return 1;
	}
	if (admin_require(ctx, req, res, "alerts.resolve", &who) < 0)
		return 1;
	errno = 0;
	n = strtoll(id, &end, 10);
	if (errno || *end || end == id || n < 1) {
		http_respond_error(res, 404, "not-found", NULL,
				   "no open %s \"%s\" (alert ids are whole numbers)", kind, id);
		return 1;
	}
	body = http_body_object(req, res, "note");
	if (!body)
		return 1;
	if (http_body_string(body, "note", 1, ALERTS_NOTE_MAX, res, &note) == 0) {
		rc = alerts_store_resolve(ctx->db, kind, n, note, who.account.id, db_now_ms());
		if (rc == -ENOENT)
			http_respond_error(res, 404, "not-found", NULL,
					   "no open %s \"%s\" (resolved already, or never raised)",
					   kind, id);
		else if (rc < 0)
			admin_internal(res);
		else
			admin_respond(res, 200,
				      json_pack("{s:s, s:s, s:s}", "kind", kind, "id", id, "state",
						"resolved"));
	}
	json_decref(body);
	return 1;
}

int admin_attention_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res)
{
	static const char *const actions[] = {"/retry", "/void", "/accept-conflict", NULL};
	char id[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc, known = 0;

	if (strcmp(req->url, ATTENTION_PATH) == 0) {
		if (strcmp(req->method, "GET") != 0) {
			admin_wrong_method(req, res, ATTENTION_PATH, "GET");
			return 1;
		}
		if (admin_require(ctx, req, res, "reports.view", &who) == 0)
			list_attention(ctx, res);
		return 1;
	}
	if (resolve_route(ctx, req, res))
		return 1;
	rc = http_path_segment(req->url, UPSTREAM_PATH, id, &rest);
	if (rc == 0)
		return 0;
	for (size_t i = 0; rc > 0 && actions[i]; i++)
		known |= strcmp(rest, actions[i]) == 0;
	if (!known) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "POST") != 0) {
		admin_wrong_method(req, res,
				   UPSTREAM_PATH "{id}"
						 "/...",
				   "POST");
		return 1;
	}
	if (admin_require(ctx, req, res, "upstream.resolve", &who) < 0)
		return 1;
	/* Upstream record ids are UUIDs (an order's id, or a void's new one). */
	if (!http_is_uuid(id)) {
		http_respond_error(res, 404, "not-found", NULL,
				   "no parked upstream record \"%s\" (record ids are UUIDs)", id);
		return 1;
	}
	act(ctx, &who, id, rest + 1, req, res);
	return 1;
}
