/* SPDX-License-Identifier: MIT */
/*
 * Stock over the admin API (docs/openapi.yaml; docs/pos.md, "Stock"):
 * GET /api/v1/stock (every item's level, threshold and low/negative flags;
 * ?low=1 only those low or negative) and GET /api/v1/stock/{sku} (one
 * level and its movements, paged) need reports.view; POST
 * /api/v1/stock/{sku}/movements (an adjustment or a receipt of goods) and
 * PUT /api/v1/stock/{sku}/threshold need catalog.edit. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_STOCK_H
#define TILLNET_ADMIN_STOCK_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_stock_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_stock_route(struct enroll_ctx *ctx, const struct http_request *req,
		      struct http_response *res);

#endif
