// SPDX-License-Identifier: MIT
/* Orders over the admin API (see admin_orders.h). */
#include "admin_orders.h"
#include "admin_session.h"
#include "admin_util.h"
#include "audit.h"
#include "db.h"
#include "orders_store.h"
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDERS_PATH "/api/v1/orders"

static const char *const order_statuses[] = {"open", "parked", "completed", "voided", NULL};

/* query_text: argument `name` of 1 to `max` printable bytes, or NULL when absent. */
static int query_text(const struct http_request *req, const char *name, size_t max,
		      struct http_response *res, const char **out)
{
	const char *v = http_request_query(req, name);

	*out = NULL;
	if (!v)
		return 0;
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p < ' ' || (size_t)(p - v) >= max) {
			http_respond_error(res, 400, "bad-field", name,
					   "%s: expected 1 to %zu printable characters", name, max);
			return -EINVAL;
		}
	}
	if (!*v) {
		http_respond_error(res, 400, "bad-field", name, "%s: empty", name);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void list_orders(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res)
{
	struct orders_filter f = {0};
	struct registry_terminal t;
	const char *terminal;
	int64_t limit, total;
	json_t *orders;
	int known = 0;

	if (query_text(req, "terminal", 40, res, &terminal) < 0 ||
	    query_text(req, "status", 16, res, &f.status) < 0 ||
	    query_text(req, "receipt", 64, res, &f.receipt) < 0 ||
	    http_query_integer(req, "from", 0, INT64_MAX, 0, res, &f.from) < 0 ||
	    http_query_integer(req, "to", 0, INT64_MAX, 0, res, &f.to) < 0 ||
	    http_query_integer(req, "offset", 0, INT64_MAX, 0, res, &f.offset) < 0 ||
	    http_query_integer(req, "limit", 1, ORDERS_STORE_PAGE_MAX, 100, res, &limit) < 0)
		return;
	for (size_t i = 0; f.status && order_statuses[i]; i++)
		known |= strcmp(f.status, order_statuses[i]) == 0;
	if (f.status && !known) {
		http_respond_error(res, 400, "bad-field", "status",
				   "status: expected open, parked, completed or voided");
		return;
	}
	if (terminal) {
		int rc = registry_lookup(ctx->db, terminal, &t);

		if (rc == -ENOENT) {
			http_respond_error(res, 400, "bad-field", "terminal",
					   "terminal: no terminal \"%s\" (give its id or short "
					   "code, e.g. T01)",
					   terminal);
			return;
		}
		if (rc < 0) {
			admin_internal(res);
			return;
		}
		f.terminal_id = t.id;
	}
	f.limit = (int)limit;
	if (orders_store_list(ctx->db, &f, &orders, &total) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200,
		      json_pack("{s:o, s:I, s:I, s:o}", "orders", orders, "total",
				(json_int_t)total, "offset", (json_int_t)f.offset, "nextOffset",
				f.offset + (int64_t)json_array_size(orders) < total
				    ? json_integer(f.offset + (int64_t)json_array_size(orders))
				    : json_null()));
}

/*
 * export_orders: the whole export in the answer. It is audited before it is
 * made: an export that failed halfway was still asked for.
 */
static void export_orders(struct enroll_ctx *ctx, const struct admin_who *who,
			  const struct http_request *req, struct http_response *res)
{
	const char *format = http_request_query(req, "format");
	char *text = NULL;
	size_t len = 0;
	json_t *detail;
	FILE *f;
	int rc, csv;

	if (!format)
		format = "jsonl";
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0) {
		http_respond_error(res, 400, "bad-field", "format",
				   "format: expected jsonl or csv");
		return;
	}
	csv = strcmp(format, "csv") == 0;
	detail = json_pack("{s:s, s:s}", "format", format, "address", req->peer);
	rc = detail
		 ? audit_append(ctx->db, who->account.id, "orders.export", "", detail, db_now_ms())
		 : -ENOMEM;
	json_decref(detail);
	if (rc < 0) {
		admin_internal(res);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		admin_internal(res);
		return;
	}
	rc = orders_store_export(ctx->db, f, csv);
	if (fclose(f) != 0 || rc < 0) {
		free(text);
		admin_internal(res);
		return;
	}
	res->status = 200;
	res->body = text;
	res->body_len = len;
	res->content_type = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

static void get_order(struct enroll_ctx *ctx, const char *id, struct http_response *res)
{
	json_t *order;
	int rc = orders_store_get(ctx->db, id, &order);

	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "the hub holds no order \"%s\"",
				   id);
	else if (rc < 0)
		admin_internal(res);
	else
		admin_respond(res, 200, order);
}

int admin_orders_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res)
{
	char id[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc;

	if (strcmp(req->url, ORDERS_PATH) == 0 || strcmp(req->url, ORDERS_PATH "/export") == 0) {
		if (strcmp(req->method, "GET") != 0) {
			admin_wrong_method(req, res, req->url, "GET");
			return 1;
		}
		if (admin_require(ctx, req, res, "reports.view", &who) < 0)
			return 1;
		if (strcmp(req->url, ORDERS_PATH) == 0)
			list_orders(ctx, req, res);
		else
			export_orders(ctx, &who, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, ORDERS_PATH "/", id, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || *rest) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0) {
		admin_wrong_method(req, res, ORDERS_PATH "/{id}", "GET");
		return 1;
	}
	if (admin_require(ctx, req, res, "reports.view", &who) < 0)
		return 1;
	/* Order ids are UUIDs made by the terminals; anything else cannot be one. */
	if (!http_is_uuid(id)) {
		http_respond_error(res, 404, "not-found", NULL,
				   "the hub holds no order \"%s\" (order ids are UUIDs)", id);
		return 1;
	}
	get_order(ctx, id, res);
	return 1;
}
