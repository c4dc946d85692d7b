// SPDX-License-Identifier: MIT
/* GET /api/v1/status (see admin_status.h). */
#include "admin_status.h"
#include "admin_session.h"
#include "admin_util.h"
#include "db.h"
#include "hub_status.h"

#include <string.h>
#include <unistd.h>

int admin_status_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res)
{
	struct admin_who who;
	json_t *status;

	if (strcmp(req->url, "/api/v1/status") != 0)
		return 0;
	if (strcmp(req->method, "GET") != 0) {
		admin_wrong_method(req, res, "/api/v1/status", "GET");
		return 1;
	}
	if (admin_require(ctx, req, res, "reports.view", &who) < 0)
		return 1;
	/* The process answering is the running hub. */
	if (hub_status_json(ctx->db, ctx->cfg, ctx->ca_cert_pem, (long)getpid(), db_now_ms(),
			    &status) < 0) {
		admin_internal(res);
		return 1;
	}
	admin_respond(res, 200, status);
	return 1;
}
