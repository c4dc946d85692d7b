// SPDX-License-Identifier: MIT
/* Terminals over the admin API (see admin_terminals.h). */
#include "admin_terminals.h"
#include "admin_session.h"
#include "admin_util.h"
#include "audit.h"
#include "db.h"
#include "event_log.h"
#include "qr_svg.h"
#include "registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TERMINALS_PATH "/api/v1/terminals"

/* merge_sync: each terminal's cursor, cursorAt and lag from the event log's view. */
static void merge_sync(json_t *terminals, json_t *sync)
{
	json_t *t, *st;
	size_t i, j;

	json_array_foreach(terminals, i, t)
	{
		json_object_set_new(t, "cursor", json_null());
		json_object_set_new(t, "cursorAt", json_null());
		json_object_set_new(t, "lag", json_integer(0));
		json_array_foreach(json_object_get(sync, "terminals"), j, st)
		{
			if (!json_equal(json_object_get(st, "id"), json_object_get(t, "id")))
				continue;
			json_object_set(t, "cursor", json_object_get(st, "cursor"));
			json_object_set(t, "cursorAt", json_object_get(st, "cursorAt"));
			json_object_set(t, "lag", json_object_get(st, "lag"));
		}
	}
}

static void list_terminals(struct enroll_ctx *ctx, struct http_response *res)
{
	json_t *terminals = NULL, *sync = NULL;

	/* The hub answering this request is the running hub. */
	if (registry_list(ctx->db, 1, &terminals) < 0 ||
	    event_log_status_json(ctx->db, &sync) < 0) {
		json_decref(terminals);
		admin_internal(res);
		return;
	}
	merge_sync(terminals, sync);
	json_decref(sync);
	admin_respond(res, 200, json_pack("{s:o}", "terminals", terminals));
}

/*
 * add_terminal: a code for [hub] advertise (the address `terminal add` puts
 * in codes by default), stored with its audit entry in one transaction.
 */
static void add_terminal(struct enroll_ctx *ctx, const struct admin_who *who,
			 const struct http_request *req, struct http_response *res)
{
	char code[ENROLL_CODE_MAX], id[40], err[256];
	json_t *body, *detail = NULL;
	const char *name;
	char *svg = NULL;
	int64_t expires_at = 0;
	int rc;

	body = http_body_object(req, res, "name");
	if (!body)
		return;
	if (http_body_string(body, "name", 1, REGISTRY_NAME_MAX, res, &name) < 0)
		goto out;
	if (registry_check_name(name, err, sizeof(err)) < 0) {
		http_respond_error(res, 400, "bad-field", "name", "%s", err);
		goto out;
	}
	rc = db_exec(ctx->db, "BEGIN IMMEDIATE");
	if (rc < 0) {
		admin_internal(res);
		goto out;
	}
	rc = enroll_new_code(ctx->db, name, ctx->advertise, ctx->admin_port, ctx->ca_cert_pem, code,
			     id, &expires_at);
	detail = json_pack("{s:s, s:I}", "name", name, "expiresAt", (json_int_t)expires_at);
	if (rc == 0)
		rc = detail ? audit_append(ctx->db, who->account.id, "terminal.add", id, detail,
					   db_now_ms())
			    : -ENOMEM;
	if (rc == 0)
		rc = qr_svg(code, &svg);
	if (rc == 0)
		rc = db_exec(ctx->db, "COMMIT");
	if (rc < 0) {
		db_exec(ctx->db, "ROLLBACK");
		admin_internal(res);
		goto out;
	}
	admin_respond(res, 201,
		      json_pack("{s:s, s:s, s:s, s:I, s:s}", "terminalId", id, "name", name, "code",
				code, "expiresAt", (json_int_t)expires_at, "qrSvg", svg));
out:
	free(svg);
	json_decref(detail);
	json_decref(body);
}

static void revoke_terminal(struct enroll_ctx *ctx, const struct admin_who *who, const char *key,
			    struct http_response *res)
{
	struct registry_terminal t;
	int64_t now = db_now_ms();
	int rc;

	rc = registry_revoke(ctx->db, key, who->account.id, now, &t);
	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "no terminal \"%s\"", key);
	} else if (rc == -EALREADY) {
		http_respond_error(res, 409, "already-revoked", NULL,
				   "terminal %s \"%s\" was already revoked", t.short_code, t.name);
	} else if (rc < 0) {
		admin_internal(res);
	} else {
		admin_changed(ctx); /* cut off now if connected */
		admin_respond(res, 200,
			      json_pack("{s:s, s:s, s:s, s:I}", "id", t.id, "shortCode",
					t.short_code, "name", t.name, "revokedAt",
					(json_int_t)t.revoked_at));
	}
}

/* A terminal is named by its id (a UUID) or its short code (T01). */
static int terminal_key_valid(const char *key)
{
	if (http_is_uuid(key))
		return 1;
	if ((key[0] != 'T' && key[0] != 't') || !key[1] || strlen(key) > 8)
		return 0;
	for (const char *p = key + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

int admin_terminals_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res)
{
	char key[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc;

	if (strcmp(req->url, TERMINALS_PATH) == 0) {
		int get = strcmp(req->method, "GET") == 0;

		if (!get && strcmp(req->method, "POST") != 0) {
			admin_wrong_method(req, res, TERMINALS_PATH, "GET or POST");
			return 1;
		}
		if (admin_require(ctx, req, res, "terminals.manage", &who) < 0)
			return 1;
		if (get)
			list_terminals(ctx, res);
		else
			add_terminal(ctx, &who, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, TERMINALS_PATH "/", key, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || strcmp(rest, "/revoke") != 0) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "POST") != 0) {
		admin_wrong_method(req, res, TERMINALS_PATH "/{id}/revoke", "POST");
		return 1;
	}
	if (admin_require(ctx, req, res, "terminals.manage", &who) < 0)
		return 1;
	if (!terminal_key_valid(key)) {
		http_respond_error(res, 404, "not-found", NULL,
				   "no terminal \"%s\" (a terminal is named by its id or its "
				   "short code, e.g. T01)",
				   key);
		return 1;
	}
	revoke_terminal(ctx, &who, key, res);
	return 1;
}
