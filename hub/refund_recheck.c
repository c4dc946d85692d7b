// SPDX-License-Identifier: MIT
/* The hub's re-check of refunds across terminals (see refund_recheck.h). */
#include "refund_recheck.h"
#include "audit.h"
#include "db.h"
#include "refund.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EARLIER_MAX 200

static int alert(sqlite3 *db, const char *terminal_id, const struct proto_op *op, const char *code,
		 const char *field, const char *message, int64_t seq, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	rc =
	    db_prepare(db,
		       "INSERT INTO order_alerts(order_id, terminal_id, code, field, message, seq, "
		       "at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op->entity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	if (field && field[0])
		sqlite3_bind_text(st, 4, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, seq);
	sqlite3_bind_int64(st, 7, now);
	rc = db_check(db, sqlite3_step(st), "raise an order alert");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	detail = json_pack("{s:s, s:s, s:s, s:s, s:I}", "code", code, "terminal", terminal_id,
			   "orderId", op->entity_id, "message", message, "seq", (json_int_t)seq);
	rc = detail
		 ? audit_append(db, AUDIT_ACTOR_HUB, "refund.flagged", op->entity_id, detail, now)
		 : -ENOMEM;
	json_decref(detail);
	return rc;
}

/* The stored document of order `id`, or NULL (*rc < 0 on failure). */
static json_t *load_doc(sqlite3 *db, const char *id, int *rc)
{
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL;

	*rc = db_stmt(db, "SELECT doc FROM orders WHERE id = ?", &st);
	if (*rc < 0)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	*rc = sqlite3_step(st);
	if (*rc == SQLITE_ROW) {
		doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		*rc = doc ? SQLITE_DONE : SQLITE_NOMEM;
	}
	*rc = db_check(db, *rc, "read a sale");
	db_done(st);
	return doc;
}

/* The other completed refunds of `sale_id` stored before this one. */
static int earlier_refunds(sqlite3 *db, const char *sale_id, const char *self, json_t **out, int *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	rc = db_stmt(db,
		     "SELECT doc FROM orders WHERE status = 'completed' AND id != ?2 AND "
		     "json_extract(doc, '$.type') = 'refund' AND "
		     "json_extract(doc, '$.refundOf') = ?1 ORDER BY seq",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sale_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, self, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < EARLIER_MAX) {
		out[*n] = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (out[*n])
			(*n)++;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "read earlier refunds");
	db_done(st);
	return rc;
}

int refund_recheck(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now)
{
	json_t *payload = op->payload, *sale, **earlier;
	const char *sale_id = json_string_value(json_object_get(payload, "refundOf"));
	struct proto_error err;
	char message[600];
	int rc, n = 0;

	if (!sale_id)
		return 0; /* order_check saw to that */
	sale = load_doc(db, sale_id, &rc);
	if (rc < 0)
		return rc;
	if (!sale) {
		snprintf(message, sizeof(message),
			 "refund of order %s, which the hub does not have", sale_id);
		return alert(db, terminal_id, op, "refund-of-unknown-sale", "payload.refundOf",
			     message, seq, now);
	}
	earlier = calloc(EARLIER_MAX, sizeof(*earlier));
	rc = earlier ? earlier_refunds(db, sale_id, op->entity_id, earlier, &n) : -ENOMEM;
	if (rc == 0 && refund_check(sale, earlier, n, payload, &err) < 0) {
		snprintf(message, sizeof(message), "over-refund of %s: %s", sale_id, err.message);
		rc = alert(db, terminal_id, op, "over-refund", err.field, message, seq, now);
	}
	for (int i = 0; i < n; i++)
		json_decref(earlier[i]);
	free(earlier);
	json_decref(sale);
	return rc;
}
