/* SPDX-License-Identifier: MIT */
/*
 * Cash sessions over the admin API (docs/openapi.yaml): GET
 * /api/v1/cash-sessions (every session, newest first; ?terminal=T01 for
 * one terminal's) and GET /api/v1/cash-sessions/{id} (one session with the
 * terminal's document, the hub's tally and its alerts). Both need
 * reports.view. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_CASH_H
#define TILLNET_ADMIN_CASH_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_cash_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_cash_route(struct enroll_ctx *ctx, const struct http_request *req,
		     struct http_response *res);

#endif
