// SPDX-License-Identifier: MIT
/* Customers over the admin API (see admin_customers.h). */
#include "admin_customers.h"
#include "admin_session.h"
#include "admin_util.h"
#include "customer_store.h"

#include <errno.h>
#include <string.h>

#define CUSTOMERS_PATH "/api/v1/customers"
#define QUERY_MAX      128

static void list_customers(struct enroll_ctx *ctx, const struct http_request *req,
			   struct http_response *res)
{
	const char *q = http_request_query(req, "q");
	json_t *list;

	if (q && (!*q || strlen(q) > QUERY_MAX)) {
		http_respond_error(res, 400, "bad-field", "q",
				   "q: expected 1 to %d characters (a name, phone, e-mail or card)",
				   QUERY_MAX);
		return;
	}
	if (customer_store_list(ctx->db, q, &list) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200, json_pack("{s:o}", "customers", list));
}

int admin_customers_route(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res)
{
	char id[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	json_t *customer;
	int rc;

	if (strcmp(req->url, CUSTOMERS_PATH) == 0) {
		if (strcmp(req->method, "GET") != 0) {
			admin_wrong_method(req, res, req->url, "GET");
			return 1;
		}
		if (admin_require(ctx, req, res, "reports.view", &who) < 0)
			return 1;
		list_customers(ctx, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, CUSTOMERS_PATH "/", id, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || *rest) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0) {
		admin_wrong_method(req, res, CUSTOMERS_PATH "/{id}", "GET");
		return 1;
	}
	if (admin_require(ctx, req, res, "reports.view", &who) < 0)
		return 1;
	rc = http_is_uuid(id) ? customer_store_get(ctx->db, id, &customer) : -ENOENT;
	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL,
				   "the hub holds no customer \"%s\" (customer ids are UUIDs)", id);
	else if (rc < 0)
		admin_internal(res);
	else
		admin_respond(res, 200, customer);
	return 1;
}
