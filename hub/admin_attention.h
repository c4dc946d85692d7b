/* SPDX-License-Identifier: MIT */
/*
 * The needs-attention list over the admin API (docs/openapi.yaml, issue 6):
 * GET /api/v1/attention (reports.view) lists what a manager must settle:
 * upstream records parked with upstream's reason, and ops the hub refused
 * (sync conflicts and rejections). POST
 * /api/v1/attention/upstream/{id}/retry|void|accept-conflict
 * (upstream.resolve) act on a parked record through upstream_admin.h, which
 * audits each action with the account as actor. Runs on the loop.
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
