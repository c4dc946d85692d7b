// SPDX-License-Identifier: MIT
/* The audit log over the admin API (see admin_audit.h). */
#include "admin_audit.h"
#include "admin_session.h"
#include "audit.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A query number in [min, max], or `fallback` when absent; -EINVAL when malformed. */
static int query_number(const struct http_request *req, const char *name, long long min,
			long long max, long long fallback, long long *out)
{
	const char *text = http_request_query(req, name);
	char *end;

	*out = fallback;
	if (!text)
		return 0;
	errno = 0;
	*out = strtoll(text, &end, 10);
	if (errno || end == text || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

void admin_audit_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res)
{
	struct admin_who who;
	long long after, limit;
	json_t *entries, *ok;

	if (strcmp(req->method, "GET") != 0) {
		http_respond_error(res, 405, "method-not-allowed", NULL,
				   "%s /api/v1/audit: use GET", req->method);
		return;
	}
	if (admin_require(ctx, req, res, "audit.view", &who) < 0)
		return;
	if (query_number(req, "after", 0, INT64_MAX, 0, &after) < 0) {
		http_respond_error(res, 400, "bad-field", "after",
				   "after: expected a sequence number (0 or more)");
		return;
	}
	if (query_number(req, "limit", 1, ADMIN_AUDIT_PAGE_MAX, 100, &limit) < 0) {
		http_respond_error(res, 400, "bad-field", "limit", "limit: expected 1 to %d",
				   ADMIN_AUDIT_PAGE_MAX);
		return;
	}
	if (audit_list(ctx->db, after, (int)limit, &entries) < 0) {
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not read its database");
		return;
	}
	ok = json_pack("{s:o}", "entries", entries);
	http_respond_json(res, 200, ok ? json_dumps(ok, JSON_COMPACT) : NULL);
	json_decref(ok);
}
