/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/status: what `tillnet-hub status --json` shows, from the
 * running hub (hub_status.h). Needs reports.view. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_STATUS_H
#define TILLNET_ADMIN_STATUS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_status_route: answer /api/v1/status; 1 if handled, else 0. */
int admin_status_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res);

#endif
