// SPDX-License-Identifier: MIT
/*
 * The local API's customers (docs/pos.md, "Customers and loyalty";
 * docs/openapi-terminal.yaml): find, add, show and edit, on customers.h and
 * the same term.db as `tillnet-term customer` (see api.h). A sale names a
 * customer in POST /api/v1/sales (api_till.c).
 */
#include "api.h"
#include "customers.h"
#include "db.h"
#include "http_json.h"
#include "proto_sync.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CUSTOMERS_FIND_MAX 50
#define CUSTOMERS_RECENT   10

/* 200 or 201 with customer `id` as `tillnet-term customer show --json` prints it. */
static void respond_customer(struct term_api *api, const char *id, unsigned int status,
			     struct http_response *res)
{
	json_t *out = NULL;
	int rc = customers_show_json(api->db, id, CUSTOMERS_RECENT, &out);

	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "this terminal has no customer %s",
				   id);
	else if (rc < 0)
		api_internal(res);
	else
		http_respond_value(res, status, out);
}

/* GET /api/v1/customers?q=TEXT&limit=N */
static void find(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	const char *q = http_request_query(req, "q");
	json_t *found = NULL;
	int64_t limit;

	if (!q || !*q) {
		http_respond_error(res, 400, "bad-field", "q",
				   "q: expected text to find: part of a name, or a whole phone "
				   "number, e-mail address, card number or id");
		return;
	}
	if (http_query_integer(req, "limit", 1, CUSTOMERS_FIND_MAX, 20, res, &limit) < 0)
		return;
	if (customers_find_json(api->db, q, (int)limit, &found) < 0) {
		api_internal(res);
		return;
	}
	http_respond_value(res, 200, json_pack("{s:o}", "customers", found));
}

/* One optional text member into its field; absent leaves the field as it is. */
static int take_text(json_t *body, const char *field, char *out, size_t len,
		     struct http_response *res)
{
	json_t *v = json_object_get(body, field);

	if (!v)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_respond_error(res, 400, "bad-field", field,
				   "%s: expected a string of at most %zu bytes%s", field, len - 1,
				   strcmp(field, "name") == 0 ? "" : " (\"\" clears it)");
		return -EINVAL;
	}
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

/*
 * POST /api/v1/customers {name, phone?, email?, card?} (create) and
 * PATCH /api/v1/customers/{id} (edit: the members given).
 */
static void save(struct term_api *api, const char *id, const struct http_request *req,
		 struct http_response *res)
{
	static const char *const fields[] = {"name", "phone", "email", "card"};
	struct staff_needs needs;
	struct proto_error err;
	struct api_acting a;
	struct customer c;
	uint8_t raw[UUID_LEN];
	json_t *body;
	char why[512];
	size_t i, given = 0;
	int create = id == NULL, rc;

	body = http_body_object(req, res,
				create ? "name, phone, email and card"
				       : "the members to change: name, phone, email, card");
	if (!body)
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		given += json_object_get(body, fields[i]) != NULL;
	if (create && !json_object_get(body, "name")) {
		http_respond_error(res, 400, "bad-field", "name",
				   "name: required, the customer's name");
		goto out;
	}
	if (!given) {
		http_respond_error(res, 400, "bad-field", NULL,
				   "expected at least one of name, phone, email, card to change");
		goto out;
	}
	if (api_acting_begin(api, body, res, &a) < 0)
		goto out;
	memset(&c, 0, sizeof(c));
	if (create) {
		if (uuid_v7(raw) < 0) {
			api_internal(res);
			goto out;
		}
		uuid_format(raw, c.id);
		c.created_at = db_now_ms();
	} else {
		rc = customers_load(api->db, id, &c);
		if (rc == -ENOENT) {
			http_respond_error(res, 404, "not-found", NULL,
					   "this terminal has no customer %s", id);
			goto out;
		}
		if (rc < 0) {
			api_internal(res);
			goto out;
		}
	}
	c.updated_at = db_now_ms();
	if (c.updated_at < c.created_at)
		c.updated_at = c.created_at; /* the clock went back since it was made */
	if (take_text(body, "name", c.name, sizeof(c.name), res) < 0 ||
	    take_text(body, "phone", c.phone, sizeof(c.phone), res) < 0 ||
	    take_text(body, "email", c.email, sizeof(c.email), res) < 0 ||
	    take_text(body, "card", c.card, sizeof(c.card), res) < 0)
		goto out;
	/* Checked here too, for the field's name; customers_save_own checks again. */
	if (loyalty_customer_check(&c, &err) < 0) {
		http_respond_error(res, 400, "bad-field", err.field[0] ? err.field : NULL, "%s",
				   err.message);
		goto out;
	}
	staff_op_needs(PROTO_OP_CUSTOMER_PUT, NULL, &needs);
	if (api_authorize(&a, &needs) != 0) {
		api_refused(res, &a);
		goto out;
	}
	rc = customers_save_own(api->db, api->cfg->terminal_id, a.actor, &c, create, why,
				sizeof(why));
	if (rc == -EEXIST)
		http_respond_error(res, 409, "conflict", "card", "%s", why);
	else if (rc < 0)
		api_fail(res, rc, NULL, why);
	else
		respond_customer(api, c.id, create ? 201 : 200, res);
out:
	json_decref(body);
}

int api_customers_route(struct term_api *api, const struct http_request *req,
			struct http_response *res)
{
	char seg[HTTP_SEGMENT_MAX + 1];
	const char *rest;
	int rc;

	if (strcmp(req->url, "/api/v1/customers") == 0) {
		if (strcmp(req->method, "GET") == 0)
			find(api, req, res);
		else if (strcmp(req->method, "POST") == 0)
			save(api, NULL, req, res);
		else
			http_respond_error(res, 405, "method-not-allowed", NULL,
					   "%s /api/v1/customers: use GET or POST", req->method);
		return 1;
	}
	rc = http_path_segment(req->url, "/api/v1/customers/", seg, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || *rest)
		http_respond_error(res, 404, "not-found", NULL, "%s: no such route", req->url);
	else if (strcmp(req->method, "GET") == 0)
		respond_customer(api, seg, 200, res);
	else if (strcmp(req->method, "PATCH") == 0)
		save(api, seg, req, res);
	else
		http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use GET or PATCH",
				   req->method, req->url);
	return 1;
}
