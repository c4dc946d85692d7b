/* SPDX-License-Identifier: MIT */
/*
 * The needs-attention list over the admin API (docs/openapi.yaml, issue 6):
 * GET /api/v1/attention (reports.view) lists what a manager must settle:
 * upstream records parked with upstream's reason, and ops the hub refused
 * (sync conflicts and rejections), flagged ops, and the open alerts of the
 * journals and re-checks (alerts_store.h). POST
 * /api/v1/attention/upstream/{id}/retry|void|accept-conflict
 * (upstream.resolve) act on a parked record through upstream_admin.h, which
 * audits each action with the account as actor; POST
 * /api/v1/attention/{kind}/{id}/resolve (alerts.resolve) marks an alert
 * resolved with a note. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_ATTENTION_H
#define TILLNET_ADMIN_ATTENTION_H

#include "enroll.h"
#include "http_mhd.h"

/* The longest reason for a void. */
#define ADMIN_VOID_REASON_MAX 500

/* admin_attention_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_attention_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res);

#endif
