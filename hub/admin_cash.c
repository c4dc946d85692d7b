// SPDX-License-Identifier: MIT
/* Cash sessions over the admin API (see admin_cash.h). */
#include "admin_cash.h"
#include "admin_session.h"
#include "admin_util.h"
#include "cash_store.h"
#include "registry.h"

#include <errno.h>
#include <string.h>

#define CASH_PATH "/api/v1/cash-sessions"

static void list_sessions(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res)
{
	const char *terminal = http_request_query(req, "terminal");
	struct registry_terminal t;
	json_t *sessions;
	int rc;

	if (terminal) {
		rc = registry_lookup(ctx->db, terminal, &t);
		if (rc == -ENOENT) {
			http_respond_error(res, 400, "bad-field", "terminal",
					   "terminal: no terminal \"%.40s\" (give its id or short "
					   "code, e.g. T01)",
					   terminal);
			return;
		}
		if (rc < 0) {
			admin_internal(res);
			return;
		}
	}
	if (cash_store_list(ctx->db, terminal ? t.id : NULL, &sessions) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200, json_pack("{s:o}", "sessions", sessions));
}

static void get_session(struct enroll_ctx *ctx, const char *id, struct http_response *res)
{
	json_t *session;
	int rc;

	/* Session ids are UUIDs made by the terminals; anything else cannot be one. */
	rc = http_is_uuid(id) ? cash_store_get(ctx->db, id, &session) : -ENOENT;
	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL,
				   "the hub holds no cash session \"%s\"", id);
	else if (rc < 0)
		admin_internal(res);
	else
		admin_respond(res, 200, session);
}

int admin_cash_route(struct enroll_ctx *ctx, const struct http_request *req,
		     struct http_response *res)
{
	char id[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc;

	if (strcmp(req->url, CASH_PATH) == 0) {
		if (strcmp(req->method, "GET") != 0) {
			admin_wrong_method(req, res, CASH_PATH, "GET");
			return 1;
		}
		if (admin_require(ctx, req, res, "reports.view", &who) == 0)
			list_sessions(ctx, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, CASH_PATH "/", id, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || *rest) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0) {
		admin_wrong_method(req, res, CASH_PATH "/{id}", "GET");
		return 1;
	}
	if (admin_require(ctx, req, res, "reports.view", &who) == 0)
		get_session(ctx, id, res);
	return 1;
}
