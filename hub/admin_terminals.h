/* SPDX-License-Identifier: MIT */
/*
 * The terminals over the admin API (docs/openapi.yaml): GET and POST
 * /api/v1/terminals (list with presence, cursor and lag; a new enrollment
 * code with its QR code as SVG) and POST /api/v1/terminals/{id}/revoke.
 * All need terminals.manage; add and revoke are audited. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_TERMINALS_H
#define TILLNET_ADMIN_TERMINALS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_terminals_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_terminals_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res);

#endif
