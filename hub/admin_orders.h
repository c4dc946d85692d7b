/* SPDX-License-Identifier: MIT */
/*
 * Orders over the admin API (docs/openapi.yaml): GET /api/v1/orders (a
 * filtered page), GET /api/v1/orders/{id} (one order with its lines,
 * payments, device and hub times and upstream state) and GET
 * /api/v1/orders/export (every order as JSON lines or CSV, audited as
 * orders.export). All need reports.view. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_ORDERS_H
#define TILLNET_ADMIN_ORDERS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_orders_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_orders_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res);

#endif
