/* SPDX-License-Identifier: MIT */
/*
 * The terminal's local JSON API on 127.0.0.1 (docs/openapi-terminal.yaml):
 * everything a cashier screen on this machine needs, on the same core as
 * the CLI (sale.h, refunds.h, staff_auth.h, ...) and the same term.db, so
 * the CLI and the screen see one till. Handlers run on the loop of
 * `tillnet-term run`; each write is one transaction, and the sync client
 * takes the outbox from there.
 *
 * Who acts: the person signed in at this terminal (POST /api/v1/session),
 * as for the CLI. An action beyond their role names a manager's PIN in the
 * body's `approvePin`.
 */
#ifndef TILLNET_TERM_API_H
#define TILLNET_TERM_API_H

#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "http_mhd.h"
#include "sale.h"
#include "staff_auth.h"

struct sync_client;

struct term_api {
	sqlite3 *db;
	const struct term_config *cfg;
	struct sync_client *sync;
};

/* term_api_handle: the http_mhd handler; ctx is a struct term_api. */
void term_api_handle(void *ctx, const struct http_request *req, struct http_response *res);

/* --- for the route files (api_*.c) --- */

/* Who makes an op through the API, and the manager who approved it. */
struct api_acting {
	sqlite3 *db;
	struct staff_auth_who who, approver;
	const char *actor;	 /* who.id, or NULL when the store has no staff */
	const char *approver_id; /* approver.id once a manager approved; else NULL */
	const char *pin;	 /* the body's approvePin, or NULL */
	struct sale_who sale;	 /* for sale.h: terminal, short code, actor, approver */
	/* Set by api_authorize when it refuses: the answer to give. */
	unsigned int status;
	const char *code;
	char message[320];
};

/*
 * api_acting_begin: the signed-in person (required when the store has
 * active staff) and the body's optional `approvePin`. 0, or -1 with `res`
 * answered (401 not-signed-in, 400 for a bad approvePin, 500).
 */
int api_acting_begin(struct term_api *api, json_t *body, struct http_response *res,
		     struct api_acting *a);

/*
 * api_authorize: sale_opts.authorize for the API (ctx: struct api_acting):
 * the signed-in person's role covers `needs`, or the approvePin's owner's
 * does. Refusals fill a->status/code/message (403 needs-approval or
 * wrong-pin, 429 locked) for api_refused.
 */
int api_authorize(void *ctx, const struct staff_needs *needs);

/* api_refused: answer what api_authorize refused. */
void api_refused(struct http_response *res, const struct api_acting *a);

/*
 * api_fail: answer a core function's failure: -ENOENT 404 not-found,
 * -EINVAL 400 bad-field (field may be NULL), -EALREADY/-EPERM 409 conflict,
 * -EBUSY 503 busy, else 500; the message is `why`.
 */
void api_fail(struct http_response *res, int rc, const char *field, const char *why);

/* api_internal: 500, the terminal's database failed. */
void api_internal(struct http_response *res);

/* The most payments a request names. */
#define API_PAYS_MAX 20

/*
 * api_parse_pays: the body's `payments`, 1 … API_PAYS_MAX {tender, amount?,
 * reference?}, into pays_out (pointing into `body`) and *npays; -EINVAL
 * with 400 bad-field naming the member otherwise.
 */
int api_parse_pays(json_t *body, struct sale_pay_req pays_out[API_PAYS_MAX], int *npays,
		   struct http_response *res);

/*
 * api_respond_record: 201 with a stored record (orderId, receipt,
 * receiptSeq, total, taxTotal, change, order), printing its receipt when
 * `print` (a printer's failure is said in printError, not fatal). Takes
 * r->order.
 */
void api_respond_record(struct term_api *api, struct http_response *res, struct sale_result *r,
			int print);

/*
 * api_respond_failure: a sale.h-style call's failure: what api_authorize
 * refused when that was it, -ENOENT with a `field` as 400 (an unknown code
 * is bad input), else api_fail.
 */
void api_respond_failure(struct http_response *res, int rc, const struct sale_result *r,
			 const struct api_acting *a, const char *field, const char *why);

/* Route files: each answers its paths (1) or leaves the request (0). */
int api_till_route(struct term_api *api, const struct http_request *req, struct http_response *res);
int api_void_route(struct term_api *api, const struct http_request *req, struct http_response *res);
int api_customers_route(struct term_api *api, const struct http_request *req,
			struct http_response *res);
int api_cash_route(struct term_api *api, const struct http_request *req, struct http_response *res);

#endif
