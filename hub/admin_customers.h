/* SPDX-License-Identifier: MIT */
/*
 * Customers over the admin API (docs/openapi.yaml): GET /api/v1/customers
 * (?q= finds by name, phone, e-mail or card) with each customer's points,
 * lifetime spend, tier and open alerts, and GET /api/v1/customers/{id}
 * with its ledger and loyalty alerts. Both need reports.view. Runs on the
 * loop.
 */
#ifndef TILLNET_ADMIN_CUSTOMERS_H
#define TILLNET_ADMIN_CUSTOMERS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_customers_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_customers_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res);

#endif
