// SPDX-License-Identifier: MIT
/* Refunds at the till (see refunds.h). */
#include "refunds.h"
#include "db.h"
#include "journal.h"
#include "order.h"
#include "proto_sync.h"
#include "settings.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARLIER_MAX 200 /* refunds of one sale we look at; more is absurd */

/* The sale by receipt number or id: its id and document. -ENOENT when unknown. */
static int find_sale(sqlite3 *db, const char *ref, char id[40], json_t **doc)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*doc = NULL;
	rc =
	    db_prepare(db, "SELECT id, doc FROM orders WHERE receipt = ?1 OR id = ?1 LIMIT 1", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, 40, "%s", sqlite3_column_text(st, 0));
		*doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		rc = *doc ? 0 : -EIO;
	} else {
		rc = db_check(db, rc, "look up a sale");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The completed refunds of sale `id` known here (own and mirrored). */
static int find_refunds(sqlite3 *db, const char *id, json_t **out, int *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(db,
			"SELECT doc FROM orders WHERE status = 'completed' AND "
			"json_extract(doc, '$.type') = 'refund' AND "
			"json_extract(doc, '$.refundOf') = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < EARLIER_MAX) {
		out[*n] = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (!out[*n]) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "look up earlier refunds");
	sqlite3_finalize(st);
	return rc;
}

/* A refund, or with `reversal` a reversal of all that is left (see refunds.h). */
static int refund_do(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		     const char *sale_ref, const struct refund_req *reqs, int n,
		     const struct sale_pay_req *pays, int npays, int reversal, const char *reason,
		     struct sale_result *out, char *why, size_t whylen)
{
	struct order_tender tenders[ORDER_PAYMENTS_MAX];
	struct store_settings settings;
	json_t *sale = NULL, *doc = NULL, **earlier;
	struct staff_needs needs;
	struct proto_error err;
	uint8_t id[UUID_LEN];
	char sale_id[40];
	int nearlier = 0, rc;

	memset(out, 0, sizeof(*out));
	snprintf(why, whylen, "the terminal's database failed");
	earlier = calloc(EARLIER_MAX, sizeof(*earlier));
	if (!earlier)
		return -ENOMEM;
	rc = find_sale(db, sale_ref, sale_id, &sale);
	if (rc == -ENOENT)
		snprintf(why, whylen,
			 "\"%s\" is not a receipt or order this terminal knows (its own sales and "
			 "those mirrored from the other terminals)",
			 sale_ref);
	if (rc == 0)
		rc = find_refunds(db, sale_id, earlier, &nearlier);
	if (rc < 0)
		goto out;
	rc = refund_build(sale, sale_id, earlier, nearlier, reqs, n, db_now_ms(), &doc, &err);
	if (rc < 0) {
		snprintf(why, whylen, "%s%s",
			 reversal && strcmp(err.field, "lines") == 0
			     ? "nothing is left to reverse: "
			     : "",
			 err.message);
		goto out;
	}
	if (reversal && json_object_set_new(doc, "reversal", json_true()) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (reversal && reason) {
		rc = order_set_void_reason(doc, reason, &err);
		if (rc < 0) {
			snprintf(why, whylen, "%s", err.message);
			goto out;
		}
	}
	if (opts && opts->authorize) {
		staff_op_needs(PROTO_OP_ORDER_PUT, doc, &needs);
		rc = opts->authorize(opts->ctx, &needs);
		if (rc != 0) {
			out->refused = rc;
			snprintf(why, whylen, "not allowed for the person signed in");
			rc = -EPERM;
			goto out;
		}
	}
	if (npays < 1 || npays > ORDER_PAYMENTS_MAX) {
		snprintf(why, whylen, "a refund is paid back with 1 to %d payments",
			 ORDER_PAYMENTS_MAX);
		rc = -EINVAL;
		goto out;
	}
	for (int i = 0; i < npays; i++) {
		tenders[i].tender = pays[i].tender;
		tenders[i].tendered = pays[i].tendered;
		tenders[i].reference = pays[i].reference;
	}
	rc = term_db_settings(db, &settings);
	if (rc == 0)
		rc = order_settle(doc, tenders, npays, settings.cash_step, &err);
	if (rc < 0 && rc != -EINVAL)
		goto out;
	if (rc == 0 && order_due(doc) != 0) {
		proto_error_set(&err, ORDER_ERR_BAD_TOTAL, "payments",
				"payments: they leave %lld (minor units) of the refund unpaid",
				(long long)order_due(doc));
		rc = -EINVAL;
	}
	if (rc < 0) {
		snprintf(why, whylen, "%s", err.message);
		goto out;
	}
	rc = uuid_v7(id);
	if (rc < 0)
		goto out;
	uuid_format(id, out->order_id);
	rc = sale_commit(db, who, doc, reversal ? JOURNAL_KIND_VOID : JOURNAL_KIND_REFUND,
			 -json_integer_value(json_object_get(doc, "total")), out, why, whylen);
	doc = NULL; /* sale_commit took it */
out:
	json_decref(doc);
	json_decref(sale);
	for (int i = 0; i < nearlier; i++)
		json_decref(earlier[i]);
	free(earlier);
	return rc;
}

int refund_make(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		const char *sale_ref, const struct refund_req *reqs, int n,
		const struct sale_pay_req *pays, int npays, struct sale_result *out, char *why,
		size_t whylen)
{
	return refund_do(db, who, opts, sale_ref, reqs, n, pays, npays, 0, NULL, out, why, whylen);
}

int refund_reverse(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		   const char *sale_ref, const struct sale_pay_req *pays, int npays,
		   const char *reason, struct sale_result *out, char *why, size_t whylen)
{
	return refund_do(db, who, opts, sale_ref, NULL, 0, pays, npays, 1, reason, out, why,
			 whylen);
}
