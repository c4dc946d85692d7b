// SPDX-License-Identifier: MIT
/*
 * The local API's voids (docs/pos.md, "Voids"; docs/openapi-terminal.yaml):
 * POST /api/v1/orders/{id}/void for this terminal's open or parked cart
 * (voids.h), POST /api/v1/reversals for a completed sale (refund_reverse in
 * refunds.h). The same answers as `tillnet-term void`, as JSON (see api.h).
 */
#include "api.h"
#include "http_json.h"
#include "order.h"
#include "refunds.h"
#include "voids.h"

#include <errno.h>
#include <string.h>

/*
 * The body's optional `reason`: checked here as order.h checks a
 * voidReason, so that a bad one is a 400 naming it and the core's later
 * -EINVAL means the order cannot be voided.
 */
static int parse_reason(json_t *body, struct http_response *res, const char **reason)
{
	json_t *r = json_object_get(body, "reason"), *probe;
	struct proto_error err;
	int rc;

	*reason = NULL;
	if (!r)
		return 0;
	if (!json_is_string(r)) {
		http_respond_error(res, 400, "bad-field", "reason",
				   "reason: expected a string of 1 to %d bytes",
				   ORDER_VOID_REASON_MAX);
		return -EINVAL;
	}
	probe = json_object();
	if (!probe) {
		api_internal(res);
		return -ENOMEM;
	}
	rc = order_set_void_reason(probe, json_string_value(r), &err);
	json_decref(probe);
	if (rc == -EINVAL)
		http_respond_error(res, 400, "bad-field", "reason", "reason: %s", err.message);
	else if (rc < 0)
		api_internal(res);
	if (rc < 0)
		return rc;
	*reason = json_string_value(r);
	return 0;
}

/* POST /api/v1/orders/{id}/void {reason?, approvePin?} */
static void void_cart(struct term_api *api, const char *order_id, const struct http_request *req,
		      struct http_response *res)
{
	struct sale_result r = {0};
	struct sale_opts opts = {0};
	struct api_acting a;
	const char *reason;
	json_t *body;
	char why[512];
	int rc;

	/* An empty body is no reason and no PIN. */
	body = req->body_len ? http_body_object(req, res, "reason and approvePin") : json_object();
	if (!body) {
		if (!req->body_len)
			api_internal(res);
		return;
	}
	if (parse_reason(body, res, &reason) < 0 || api_acting_begin(api, body, res, &a) < 0)
		goto out;
	opts.authorize = api_authorize;
	opts.ctx = &a;
	rc = void_order(api->db, &a.sale, &opts, order_id, reason, &r, why, sizeof(why));
	if (rc == -EINVAL)
		rc = -EPERM; /* a sale or a cart that took money: 409, its reason checked above */
	if (rc < 0)
		api_respond_failure(res, rc, &r, &a, NULL, why);
	else
		api_respond_record(api, res, &r, 0);
out:
	json_decref(body);
}

/* Is `t` a sale a reversal can take? 0, or 409 said why (as `tillnet-term void`). */
static int reversible(const struct void_target *t, const char *ref, struct http_response *res)
{
	const char *why = NULL;

	if (strcmp(t->status, "voided") == 0)
		why = "was voided already";
	else if (strcmp(t->status, "completed") != 0)
		why = "is an open order that took no money: void it with "
		      "POST /api/v1/orders/{id}/void";
	else if (strcmp(t->type, "sale") != 0)
		why = "is a refund: a refund is final and is not reversed";
	if (!why)
		return 0;
	http_respond_error(res, 409, "conflict", "sale", "%s %s", ref, why);
	return -EPERM;
}

/* POST /api/v1/reversals {sale, payments, reason?, approvePin?} */
static void reversal(struct term_api *api, const struct http_request *req,
		     struct http_response *res)
{
	struct sale_pay_req pays[API_PAYS_MAX];
	struct sale_result r = {0};
	struct sale_opts opts = {0};
	struct void_target t;
	struct api_acting a;
	const char *sale, *reason;
	json_t *body;
	char why[512];
	int npays = 0, rc;

	body = http_body_object(req, res, "sale and payments");
	if (!body || http_body_string(body, "sale", 1, 64, res, &sale) < 0 ||
	    api_parse_pays(body, pays, &npays, res) < 0 || parse_reason(body, res, &reason) < 0 ||
	    api_acting_begin(api, body, res, &a) < 0)
		goto out;
	rc = void_find(api->db, sale, &t, why, sizeof(why));
	if (rc < 0) {
		api_fail(res, rc, "sale", why);
		goto out;
	}
	if (reversible(&t, sale, res) < 0)
		goto out;
	opts.authorize = api_authorize;
	opts.ctx = &a;
	rc = refund_reverse(api->db, &a.sale, &opts, t.id, pays, npays, reason, &r, why,
			    sizeof(why));
	/*
	 * -EINVAL is a payment that does not settle the reversal, or a sale with
	 * nothing left to give back (refunded in full already): a conflict.
	 */
	if (rc == -EINVAL && strncmp(why, "nothing is left", 15) == 0)
		api_fail(res, -EPERM, "sale", why);
	else if (rc == -EINVAL)
		api_fail(res, rc, "payments", why);
	else if (rc < 0)
		api_respond_failure(res, rc, &r, &a, NULL, why);
	else
		api_respond_record(api, res, &r, 0);
out:
	json_decref(body);
}

int api_void_route(struct term_api *api, const struct http_request *req, struct http_response *res)
{
	char seg[HTTP_SEGMENT_MAX + 1];
	const char *rest;

	if (strcmp(req->url, "/api/v1/reversals") == 0) {
		if (strcmp(req->method, "POST") == 0)
			reversal(api, req, res);
		else
			http_respond_error(res, 405, "method-not-allowed", NULL,
					   "%s /api/v1/reversals: use POST", req->method);
		return 1;
	}
	/* Only …/void: the other sub-paths of an order are api_till.c's. */
	if (http_path_segment(req->url, "/api/v1/orders/", seg, &rest) != 1 ||
	    strcmp(rest, "/void") != 0)
		return 0;
	if (strcmp(req->method, "POST") == 0)
		void_cart(api, seg, req, res);
	else
		http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use POST",
				   req->method, req->url);
	return 1;
}
