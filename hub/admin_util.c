// SPDX-License-Identifier: MIT
/* Helpers shared by the admin JSON routes (see admin_util.h). */
#include "admin_util.h"
#include "enroll.h"
#include "http_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void admin_respond(struct http_response *res, unsigned int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!text) {
		admin_internal(res);
		return;
	}
	http_respond_json(res, status, text);
}

void admin_internal(struct http_response *res)
{
	http_respond_error(res, 500, "internal", NULL,
			   "the hub could not read or write its database");
}

void admin_wrong_method(const struct http_request *req, struct http_response *res, const char *path,
			const char *methods)
{
	http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use %s", req->method, path,
			   methods);
}

void admin_not_found(struct http_response *res, const char *what)
{
	http_respond_error(res, 404, "not-found", NULL, "%s", what);
}

void admin_changed(struct enroll_ctx *ctx)
{
	if (ctx->changed)
		ctx->changed(ctx->changed_arg);
}
