// SPDX-License-Identifier: MIT
/* Stock over the admin API (see admin_stock.h). */
#include "admin_stock.h"
#include "admin_session.h"
#include "admin_util.h"
#include "db.h"
#include "stock_store.h"

#include <errno.h>
#include <string.h>

#define STOCK_PATH "/api/v1/stock"

static void list_stock(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res)
{
	const char *low = http_request_query(req, "low");
	int low_only = 0;
	json_t *items;

	if (low && (strcmp(low, "1") == 0 || strcmp(low, "true") == 0)) {
		low_only = 1;
	} else if (low && strcmp(low, "0") != 0 && strcmp(low, "false") != 0) {
		http_respond_error(res, 400, "bad-field", "low",
				   "low: expected 1 (only items low or below zero) or 0");
		return;
	}
	if (stock_store_levels(ctx->db, low_only, &items) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200, json_pack("{s:o}", "items", items));
}

/* The level of `sku` without its movements, or NULL (res answered). */
static json_t *level_of(struct enroll_ctx *ctx, const char *sku, struct http_response *res)
{
	json_t *item;
	int rc = stock_store_item(ctx->db, sku, 0, 0, &item);

	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
		return NULL;
	}
	if (rc < 0) {
		admin_internal(res);
		return NULL;
	}
	json_object_del(item, "movements");
	json_object_del(item, "total");
	return item;
}

static void get_stock(struct enroll_ctx *ctx, const char *sku, const struct http_request *req,
		      struct http_response *res)
{
	int64_t offset, limit, total;
	json_t *item;
	int rc;

	if (http_query_integer(req, "offset", 0, INT64_MAX, 0, res, &offset) < 0 ||
	    http_query_integer(req, "limit", 1, STOCK_MOVEMENTS_PAGE_MAX, 100, res, &limit) < 0)
		return;
	rc = stock_store_item(ctx->db, sku, offset, (int)limit, &item);
	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
		return;
	}
	if (rc < 0) {
		admin_internal(res);
		return;
	}
	total = json_integer_value(json_object_get(item, "total"));
	offset += (int64_t)json_array_size(json_object_get(item, "movements"));
	json_object_set_new(item, "nextOffset",
			    offset < total ? json_integer(offset) : json_null());
	admin_respond(res, 200, item);
}

static void add_movement(struct enroll_ctx *ctx, const char *sku, const struct admin_who *who,
			 const struct http_request *req, struct http_response *res)
{
	struct proto_error err;
	char id[40];
	int64_t level;
	json_t *body, *item;
	int rc;

	body = http_body_object(req, res, "kind (adjust or receive), qty and reason");
	if (!body)
		return;
	/* The sku is the path's; the rest is checked as a terminal's stock.move payload is. */
	json_object_set_new(body, "sku", json_string(sku));
	rc = stock_store_hub_move(ctx->db, body, who->account.id, db_now_ms(), id, &level, &err);
	json_decref(body);
	if (rc == -EINVAL && strcmp(err.code, PROTO_CODE_UNKNOWN_SKU) == 0) {
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
		return;
	}
	if (rc == -EINVAL) {
		http_respond_error(res, 400, "bad-field", err.field, "%s", err.message);
		return;
	}
	if (rc == -EBUSY) {
		http_respond_error(res, 503, "busy", NULL,
				   "the hub's database stayed busy; nothing was stored, try again");
		return;
	}
	if (rc < 0) {
		admin_internal(res);
		return;
	}
	admin_changed(ctx); /* relay the stock.move event now */
	item = level_of(ctx, sku, res);
	if (item)
		admin_respond(res, 201, json_pack("{s:s, s:o}", "moveId", id, "stock", item));
}

static void set_threshold(struct enroll_ctx *ctx, const char *sku, const struct admin_who *who,
			  const struct http_request *req, struct http_response *res)
{
	int64_t threshold = 0;
	json_t *body, *v, *item;
	int rc, set;

	body = http_body_object(req, res, "threshold (an integer in thousandths, or null)");
	if (!body)
		return;
	v = json_object_get(body, "threshold");
	set = !json_is_null(v);
	if (!v) {
		http_respond_error(res, 400, "bad-field", "threshold",
				   "threshold: missing (expected thousandths of a unit, 0 or "
				   "more, or null for none)");
		json_decref(body);
		return;
	}
	if (set && http_body_integer(body, "threshold", 0, STOCK_QTY_MAX, res, &threshold) < 0) {
		json_decref(body);
		return;
	}
	json_decref(body);
	rc = stock_store_set_threshold(ctx->db, sku, set, threshold, who->account.id, db_now_ms());
	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
		return;
	}
	if (rc < 0) {
		admin_internal(res);
		return;
	}
	admin_changed(ctx); /* relay the stock.threshold event now */
	item = level_of(ctx, sku, res);
	if (item)
		admin_respond(res, 200, item);
}

int admin_stock_route(struct enroll_ctx *ctx, const struct http_request *req,
		      struct http_response *res)
{
	char sku[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc;

	if (strcmp(req->url, STOCK_PATH) == 0) {
		if (strcmp(req->method, "GET") != 0)
			admin_wrong_method(req, res, STOCK_PATH, "GET");
		else if (admin_require(ctx, req, res, "reports.view", &who) == 0)
			list_stock(ctx, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, STOCK_PATH "/", sku, &rest);
	if (rc == 0)
		return 0;
	if (rc > 0 && !*rest) {
		if (strcmp(req->method, "GET") != 0)
			admin_wrong_method(req, res, STOCK_PATH "/{sku}", "GET");
		else if (admin_require(ctx, req, res, "reports.view", &who) == 0)
			get_stock(ctx, sku, req, res);
		return 1;
	}
	if (rc > 0 && strcmp(rest, "/movements") == 0) {
		if (strcmp(req->method, "POST") != 0)
			admin_wrong_method(req, res, STOCK_PATH "/{sku}/movements", "POST");
		else if (admin_require(ctx, req, res, "catalog.edit", &who) == 0)
			add_movement(ctx, sku, &who, req, res);
		return 1;
	}
	if (rc > 0 && strcmp(rest, "/threshold") == 0) {
		if (strcmp(req->method, "PUT") != 0)
			admin_wrong_method(req, res, STOCK_PATH "/{sku}/threshold", "PUT");
		else if (admin_require(ctx, req, res, "catalog.edit", &who) == 0)
			set_threshold(ctx, sku, &who, req, res);
		return 1;
	}
	http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
			   req->url);
	return 1;
}
