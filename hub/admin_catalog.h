/* SPDX-License-Identifier: MIT */
/*
 * The catalog over the admin API (docs/openapi.yaml, docs/catalog.md):
 * GET /api/v1/catalog (a page, ?active=true|false), GET and DELETE
 * /api/v1/catalog/items/{sku}, POST /api/v1/catalog/items (add or change
 * one item, reactivate it with "active": true), POST /api/v1/catalog/import
 * (a CSV body) and GET /api/v1/catalog/export. Reads need reports.view or
 * catalog.edit, writes catalog.edit. Every change goes through
 * catalog_store, so terminals receive it as a versioned catalog.put event
 * exactly as after `tillnet-hub catalog import`. DELETE removes an item
 * from sale but keeps it (a terminal may still sell it offline; orders
 * point at it): see catalog_store.h.
 */
#ifndef TILLNET_ADMIN_CATALOG_H
#define TILLNET_ADMIN_CATALOG_H

#include "enroll.h"
#include "http_mhd.h"

#define ADMIN_CATALOG_PAGE_MAX 500

/* admin_catalog_route: answer the request if its path is one of these; 1 if handled, else 0. */
int admin_catalog_route(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res);

#endif
