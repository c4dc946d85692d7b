// SPDX-License-Identifier: MIT
/* Voiding an open order at the till (see voids.h). */
#include "voids.h"
#include "db.h"
#include "journal.h"
#include "order.h"
#include "orders.h"
#include "outbox.h"
#include "proto_sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void column_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", s ? (const char *)s : "");
}

int void_find(sqlite3 *db, const char *ref, struct void_target *t, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_prepare(db,
			"SELECT id, owner, status, coalesce(json_extract(doc, '$.type'), 'sale'), "
			"coalesce(receipt, ''), released FROM orders WHERE id = ?1 OR receipt = ?1 "
			"ORDER BY id = ?1 DESC LIMIT 1",
			&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		column_text(st, 0, t->id, sizeof(t->id));
		column_text(st, 1, t->owner, sizeof(t->owner));
		column_text(st, 2, t->status, sizeof(t->status));
		column_text(st, 3, t->type, sizeof(t->type));
		column_text(st, 4, t->receipt, sizeof(t->receipt));
		t->released = sqlite3_column_int(st, 5);
		sqlite3_finalize(st);
		return 0;
	}
	rc = db_check(db, rc, "look up an order to void");
	sqlite3_finalize(st);
	if (rc == 0) {
		snprintf(why, whylen,
			 "\"%s\" is not an order id or receipt number this terminal knows (its own "
			 "orders and those mirrored from the other terminals)",
			 ref);
		return -ENOENT;
	}
fail:
	snprintf(why, whylen, "the terminal's database failed");
	return -EIO;
}

/* May this terminal void `t` as an open order? 0, or an errno with a sentence. */
static int voidable(const struct void_target *t, const char *self, char *why, size_t whylen)
{
	if (strcmp(t->status, "voided") == 0) {
		snprintf(why, whylen, "order %s was voided already (%s)", t->id, t->receipt);
		return -EALREADY;
	}
	if (strcmp(t->status, "completed") == 0) {
		snprintf(why, whylen,
			 "%s %s is completed: it is never changed; a completed sale is voided by "
			 "a reversal that pays the money back (tillnet-term void %s --pay TENDER)",
			 strcmp(t->type, "refund") == 0 ? "refund" : "sale",
			 t->receipt[0] ? t->receipt : t->id, t->receipt[0] ? t->receipt : t->id);
		return -EINVAL;
	}
	if (strcmp(t->owner, self) != 0) {
		snprintf(why, whylen,
			 "order %s belongs to terminal %s: only the terminal that owns an order "
			 "voids it",
			 t->id, t->owner);
		return -EPERM;
	}
	if (t->released) {
		snprintf(why, whylen,
			 "order %s is released for another terminal to claim: it cannot be voided "
			 "here any more (the terminal that claims it can void it)",
			 t->id);
		return -EPERM;
	}
	return 0;
}

/* The order `id` as this terminal may void it now: its document and revision. */
static int load_voidable(sqlite3 *db, const struct sale_who *who, const char *id, json_t **doc,
			 int64_t *rev, char *why, size_t whylen)
{
	struct void_target t;
	char owner[40], status[16];
	int rc, released;

	*doc = NULL;
	rc = void_find(db, id, &t, why, whylen);
	if (rc == 0 && strcmp(t.id, id) != 0) {
		/* A receipt number: open orders have none, so it names a completed or voided one.
		 */
		rc = voidable(&t, who->terminal_id, why, whylen);
		if (rc == 0) {
			snprintf(why, whylen, "\"%s\" is not an open order's id", id);
			rc = -ENOENT;
		}
	} else if (rc == 0) {
		rc = voidable(&t, who->terminal_id, why, whylen);
	}
	if (rc < 0)
		return rc;
	rc = term_orders_load(db, id, doc, owner, rev, status, &released);
	if (rc < 0) {
		snprintf(why, whylen, "cannot read order %s from the terminal's database", id);
		return rc == -ENOENT ? -EIO : rc;
	}
	return 0;
}

/* The void of `doc`, as it would be stored: what authorize is asked about. */
static int void_preview(json_t *doc, const struct sale_who *who, const char *reason, int64_t now,
			struct staff_needs *needs, char *why, size_t whylen)
{
	struct proto_error err;
	json_t *copy = json_deep_copy(doc);
	int rc;

	if (!copy)
		return -ENOMEM;
	rc = order_void(copy, "preview", 1, now, who->actor, reason, &err);
	if (rc == -EINVAL)
		snprintf(why, whylen, "%s", err.message);
	if (rc == 0)
		staff_op_needs(PROTO_OP_ORDER_PUT, copy, needs);
	json_decref(copy);
	return rc;
}

int void_order(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
	       const char *order_id, const char *reason, struct sale_result *out, char *why,
	       size_t whylen)
{
	struct term_order_row row = {0};
	struct journal_next next;
	struct staff_needs needs;
	struct proto_error err;
	int64_t now = db_now_ms(), rev = 0;
	json_t *doc = NULL, *op;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(why, whylen, "the terminal's database failed");
	/* Checked and authorized before the transaction: a step-up checks a PIN (slow). */
	rc = load_voidable(db, who, order_id, &doc, &rev, why, whylen);
	if (rc == 0)
		rc = void_preview(doc, who, reason, now, &needs, why, whylen);
	json_decref(doc);
	doc = NULL;
	if (rc < 0)
		return rc;
	if (opts && opts->authorize) {
		rc = opts->authorize(opts->ctx, &needs);
		if (rc != 0) {
			out->refused = rc;
			snprintf(why, whylen, "not allowed for the person signed in");
			return -EPERM;
		}
	}

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	/* Again inside the transaction: the mirror may have changed it meanwhile. */
	rc = load_voidable(db, who, order_id, &doc, &rev, why, whylen);
	if (rc == 0)
		rc = journal_next(db, who->short_code, &next);
	if (rc < 0)
		goto rollback;
	if (order_void(doc, next.number, next.seq, now, who->actor, reason, &err) < 0) {
		snprintf(why, whylen, "%s", err.message);
		rc = -EINVAL;
		goto rollback;
	}
	snprintf(why, whylen, "the terminal's database failed");
	row.id = order_id;
	row.origin = who->terminal_id;
	row.owner = who->terminal_id;
	row.rev = rev + 1;
	row.sync_state = "pending";
	row.doc = doc;
	rc = term_orders_save(db, &row);
	if (rc < 0)
		goto rollback;
	op = sale_op(who, PROTO_OP_ORDER_PUT, order_id, rev + 1, now, json_incref(doc));
	rc = op ? outbox_add(db, op, now) : -ENOMEM;
	json_decref(op);
	if (rc == 0) {
		/* The void is a numbered fiscal record: its journal row, in this transaction. */
		struct journal_entry e = {who->terminal_id, JOURNAL_KIND_VOID, order_id, now, 0,
					  who->actor,	    who->approver};

		rc = journal_append(db, &next, &e, doc, NULL);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	snprintf(out->order_id, sizeof(out->order_id), "%s", order_id);
	snprintf(out->receipt, sizeof(out->receipt), "%s", next.number);
	out->receipt_seq = next.seq;
	out->total = json_integer_value(json_object_get(doc, "total"));
	out->tax_total = json_integer_value(json_object_get(doc, "taxTotal"));
	out->order = doc;
	why[0] = '\0';
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
	json_decref(doc);
	return rc;
}
