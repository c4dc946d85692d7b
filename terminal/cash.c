// SPDX-License-Identifier: MIT
/* Cash sessions in term.db (see cash.h). */
#include "cash.h"
#include "db.h"
#include "journal.h"
#include "money.h"
#include "outbox.h"
#include "proto_sync.h"
#include "uuid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cash_current(sqlite3 *db, char *id, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	id[0] = '\0';
	rc = db_stmt(db, "SELECT id FROM cash_sessions WHERE status = 'open'", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, len, "%s", sqlite3_column_text(st, 0));
		found = 1;
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "find the open cash session");
	db_done(st);
	return rc < 0 ? rc : found;
}

int cash_mark_order(sqlite3 *db, json_t *order)
{
	char id[PROTO_ID_LEN];
	int rc = cash_current(db, id, sizeof(id));

	if (rc <= 0)
		return rc;
	return json_object_set_new(order, "cashSession", json_string(id)) < 0 ? -ENOMEM : 0;
}

int cash_find(sqlite3 *db, const char *ref, char *id, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	id[0] = '\0';
	rc = db_stmt(db,
		     "SELECT id FROM cash_sessions WHERE (?1 IS NULL AND status = 'closed') OR "
		     "id = ?1 OR z_number = ?1 ORDER BY z_seq DESC LIMIT 1",
		     &st);
	if (rc < 0)
		return rc;
	if (ref)
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, len, "%s", sqlite3_column_text(st, 0));
		found = 1;
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "find a cash session");
	db_done(st);
	return rc < 0 ? rc : found;
}

/* A text column as JSON: a string, or null. */
static json_t *col_text(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
		   ? json_null()
		   : json_string((const char *)sqlite3_column_text(st, col));
}

/* A column holding JSON text, parsed; null when NULL. */
static json_t *col_json(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_loads((const char *)sqlite3_column_text(st, col), 0, NULL);
}

static int add_movements(sqlite3 *db, const char *id, json_t *doc)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *m;
	int rc;

	if (!arr)
		return -ENOMEM;
	rc = db_stmt(db,
		     "SELECT kind, amount, reason, at, actor, approver FROM cash_movements WHERE "
		     "session_id = ? ORDER BY n",
		     &st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m = json_pack("{s:s, s:I, s:s, s:I}", "kind", sqlite3_column_text(st, 0), "amount",
			      (json_int_t)sqlite3_column_int64(st, 1), "reason",
			      sqlite3_column_text(st, 2), "at",
			      (json_int_t)sqlite3_column_int64(st, 3));
		if (m && sqlite3_column_type(st, 4) != SQLITE_NULL)
			json_object_set_new(m, "by", col_text(st, 4));
		if (m && sqlite3_column_type(st, 5) != SQLITE_NULL)
			json_object_set_new(m, "approver", col_text(st, 5));
		if (!m || json_array_append_new(arr, m) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	rc = db_check(db, rc, "read a cash session's movements");
	db_done(st);
	if (rc == 0)
		rc = json_object_set_new(doc, "movements", arr) < 0 ? -ENOMEM : 0;
	else
		json_decref(arr);
	return rc;
}

int cash_doc(sqlite3 *db, const char *id, json_t **doc)
{
	char open_id[PROTO_ID_LEN], sid[PROTO_ID_LEN];
	sqlite3_stmt *st = NULL;
	json_t *d = NULL;
	int rc;

	*doc = NULL;
	if (!id) {
		rc = cash_current(db, open_id, sizeof(open_id));
		if (rc <= 0)
			return rc < 0 ? rc : -ENOENT;
		id = open_id;
	}
	rc = db_stmt(db,
		     "SELECT status, opened_at, opened_by, float_amount, float_count, closed_at, "
		     "closed_by, approver, count, counted, expected, difference, totals, z_number, "
		     "z_seq, id FROM cash_sessions WHERE id = ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		db_done(st);
		return -ENOENT;
	}
	if (rc == SQLITE_ROW) {
		snprintf(sid, sizeof(sid), "%s", sqlite3_column_text(st, 15));
		d = json_pack("{s:s, s:I, s:o, s:I, s:o}", "status", sqlite3_column_text(st, 0),
			      "openedAt", (json_int_t)sqlite3_column_int64(st, 1), "openedBy",
			      col_text(st, 2), "float", (json_int_t)sqlite3_column_int64(st, 3),
			      "floatCount", col_json(st, 4));
		if (d && strcmp((const char *)sqlite3_column_text(st, 0), "closed") == 0) {
			json_t *c = json_pack(
			    "{s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:I}", "closedAt",
			    (json_int_t)sqlite3_column_int64(st, 5), "closedBy", col_text(st, 6),
			    "approver", col_text(st, 7), "count", col_json(st, 8), "counted",
			    (json_int_t)sqlite3_column_int64(st, 9), "expected",
			    (json_int_t)sqlite3_column_int64(st, 10), "difference",
			    (json_int_t)sqlite3_column_int64(st, 11), "totals", col_json(st, 12),
			    "zNumber", col_text(st, 13), "zSeq",
			    (json_int_t)sqlite3_column_int64(st, 14));

			if (!c || json_object_update(d, c) < 0) {
				json_decref(d);
				d = NULL;
			}
			json_decref(c);
		}
		rc = d ? SQLITE_DONE : SQLITE_NOMEM;
	}
	rc = db_check(db, rc, "read a cash session");
	db_done(st);
	if (rc == 0)
		rc = add_movements(db, sid, d);
	if (rc < 0) {
		json_decref(d);
		return rc;
	}
	*doc = d;
	return 0;
}

/* Queue session `id`'s cash.put at `rev`: its whole document as it is now. */
static int queue_put(sqlite3 *db, const struct cash_who *who, const char *id, int64_t rev,
		     int64_t now, json_t **doc_out)
{
	uint8_t raw[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	json_t *doc = NULL, *op;
	int rc;

	rc = cash_doc(db, id, &doc);
	if (rc < 0)
		return rc;
	rc = uuid_v7(raw);
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	uuid_format(raw, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:O}", "opId", op_id, "kind",
		       PROTO_OP_CASH_PUT, "entity", CASH_ENTITY, "entityId", id, "rev",
		       (json_int_t)rev, "at", (json_int_t)now, "payload", doc);
	if (op && who->actor)
		json_object_set_new(op, "actor", json_string(who->actor));
	if (op && who->actor && who->approver)
		json_object_set_new(op, "approver", json_string(who->approver));
	rc = op ? outbox_add(db, op, now) : -ENOMEM;
	json_decref(op);
	if (rc == 0 && doc_out)
		*doc_out = doc;
	else
		json_decref(doc);
	return rc;
}

static void bind_opt(sqlite3_stmt *st, int col, const char *text)
{
	if (text)
		sqlite3_bind_text(st, col, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, col);
}

int cash_open(sqlite3 *db, const struct cash_who *who, int64_t float_amount,
	      const struct cash_count *count, char *id, char *why, size_t whylen)
{
	uint8_t raw[UUID_LEN];
	char other[PROTO_ID_LEN], *count_text = NULL;
	sqlite3_stmt *st = NULL;
	int64_t now = db_now_ms();
	int rc;

	snprintf(why, whylen, "the terminal's database failed");
	if (float_amount < 0 || float_amount > MONEY_MAX) {
		snprintf(why, whylen, "float: expected an amount of 0 or more");
		return -EINVAL;
	}
	if (count) {
		count_text = proto_dump(cash_count_to_json(count));
		if (!count_text)
			return -ENOMEM;
	}
	rc = uuid_v7(raw);
	if (rc < 0)
		goto out;
	uuid_format(raw, id);
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto out;
	rc = cash_current(db, other, sizeof(other));
	if (rc == 1) {
		snprintf(why, whylen,
			 "a cash session is open already on this terminal (%s): close it first "
			 "(tillnet-term cash close)",
			 other);
		rc = -EALREADY;
	}
	if (rc == 0)
		rc = db_stmt(db,
			     "INSERT INTO cash_sessions(id, rev, status, opened_at, opened_by, "
			     "float_amount, float_count) VALUES (?, 1, 'open', ?, ?, ?, ?)",
			     &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		bind_opt(st, 3, who->actor);
		sqlite3_bind_int64(st, 4, float_amount);
		bind_opt(st, 5, count_text);
		rc = db_check(db, sqlite3_step(st), "open a cash session");
		db_done(st);
	}
	if (rc == 0)
		rc = queue_put(db, who, id, 1, now, NULL);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	else
		why[0] = '\0';
out:
	free(count_text);
	return rc;
}

/* The open session's id and rev: 0, -ENOENT (none open, `why` says so) or -EIO. */
static int open_session(sqlite3 *db, char *id, int64_t *rev, char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "SELECT id, rev FROM cash_sessions WHERE status = 'open'", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, PROTO_ID_LEN, "%s", sqlite3_column_text(st, 0));
		*rev = sqlite3_column_int64(st, 1);
		db_done(st);
		return 0;
	}
	rc = db_check(db, rc, "find the open cash session");
	db_done(st);
	if (rc < 0)
		return rc;
	snprintf(why, whylen,
		 "no cash session is open on this terminal: open one first (tillnet-term cash "
		 "open --float AMOUNT)");
	return -ENOENT;
}

static int bump_rev(sqlite3 *db, const char *id, int64_t rev)
{
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(db, "UPDATE cash_sessions SET rev = ? WHERE id = ?", &st);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "update a cash session");
	db_done(st);
	return rc;
}

static int check_reason(const char *reason, int required, char *why, size_t whylen)
{
	size_t len = reason ? strlen(reason) : 0;

	if (required && len == 0) {
		snprintf(why, whylen, "reason: missing (say why the cash moves, --reason TEXT)");
		return -EINVAL;
	}
	if (len > CASH_REASON_MAX) {
		snprintf(why, whylen, "reason: %zu bytes (at most %d)", len, CASH_REASON_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)reason[i] < ' ' || reason[i] == 0x7f) {
			snprintf(why, whylen, "reason: contains a control character");
			return -EINVAL;
		}
	}
	return 0;
}

int cash_move(sqlite3 *db, const struct cash_who *who, enum cash_move m, int64_t amount,
	      const char *reason, char *why, size_t whylen)
{
	char id[PROTO_ID_LEN];
	sqlite3_stmt *st = NULL;
	int64_t now = db_now_ms(), rev;
	int rc;

	if (m == CASH_MOVE_NOSALE ? amount != 0 : (amount <= 0 || amount > MONEY_MAX)) {
		snprintf(why, whylen, "amount: expected an amount above 0 (e.g. 20.00)");
		return -EINVAL;
	}
	rc = check_reason(reason, m != CASH_MOVE_NOSALE, why, whylen);
	if (rc < 0)
		return rc;
	snprintf(why, whylen, "the terminal's database failed");
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = open_session(db, id, &rev, why, whylen);
	if (rc == 0)
		rc = db_stmt(db,
			     "INSERT INTO cash_movements(session_id, n, kind, amount, reason, at, "
			     "actor, approver) VALUES (?1, (SELECT count(*) FROM cash_movements "
			     "WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
			     &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cash_move_name(m), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, amount);
		sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		bind_opt(st, 6, who->actor);
		bind_opt(st, 7, who->actor ? who->approver : NULL);
		rc = db_check(db, sqlite3_step(st), "record a cash movement");
		db_done(st);
	}
	if (rc == 0)
		rc = bump_rev(db, id, rev + 1);
	if (rc == 0)
		rc = queue_put(db, who, id, rev + 1, now, NULL);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	else
		why[0] = '\0';
	return rc;
}

int cash_tally(sqlite3 *db, const char *id, int64_t *float_amount, struct cash_totals *t,
	       int64_t *expected, char *why, size_t whylen)
{
	struct proto_error err;
	sqlite3_stmt *st = NULL;
	enum cash_move m;
	json_t *doc;
	int rc, found = 0;

	cash_totals_init(t);
	snprintf(why, whylen, "the terminal's database failed");
	rc = db_stmt(db, "SELECT float_amount FROM cash_sessions WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*float_amount = sqlite3_column_int64(st, 0);
		found = 1;
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "read a cash session");
	db_done(st);
	if (rc < 0)
		return rc;
	if (!found) {
		snprintf(why, whylen, "no cash session %s on this terminal", id);
		return -ENOENT;
	}
	/* The session's orders, in the order they were made. */
	rc = db_stmt(db,
		     "SELECT id, doc FROM orders WHERE json_extract(doc, '$.cashSession') = ? AND "
		     "status = 'completed' ORDER BY receipt_seq",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		rc = doc ? cash_totals_add_order(t, doc, &err) : -EPROTO;
		json_decref(doc);
		if (rc < 0) {
			snprintf(why, whylen, "order %s does not add up: %s",
				 sqlite3_column_text(st, 0), doc ? err.message : "not JSON");
			db_done(st);
			return rc == -ERANGE ? rc : -EPROTO;
		}
	}
	rc = db_check(db, rc, "read a cash session's orders");
	db_done(st);
	if (rc < 0)
		return rc;
	rc = db_stmt(db, "SELECT kind, amount FROM cash_movements WHERE session_id = ? ORDER BY n",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cash_move_parse((const char *)sqlite3_column_text(st, 0), &m) < 0 ||
		    cash_totals_add_move(t, m, sqlite3_column_int64(st, 1)) < 0) {
			db_done(st);
			snprintf(why, whylen, "a movement of session %s does not add up", id);
			return -ERANGE;
		}
	}
	rc = db_check(db, rc, "read a cash session's movements");
	db_done(st);
	if (rc < 0)
		return rc;
	if (cash_expected(*float_amount, t, expected) < 0) {
		snprintf(why, whylen, "session %s: the expected cash is beyond an amount", id);
		return -ERANGE;
	}
	why[0] = '\0';
	return 0;
}

/* The close's columns on the session row. */
static int write_close(sqlite3 *db, const char *id, int64_t rev, const struct cash_who *who,
		       int64_t now, const char *count, int64_t counted, int64_t expected,
		       const char *totals, const struct journal_next *z)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db,
		     "UPDATE cash_sessions SET status = 'closed', rev = ?, closed_at = ?, "
		     "closed_by = ?, approver = ?, count = ?, counted = ?, expected = ?, "
		     "difference = ?, totals = ?, z_seq = ?, z_number = ? WHERE id = ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_int64(st, 2, now);
	bind_opt(st, 3, who->actor);
	bind_opt(st, 4, who->actor ? who->approver : NULL);
	sqlite3_bind_text(st, 5, count, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, counted);
	sqlite3_bind_int64(st, 7, expected);
	sqlite3_bind_int64(st, 8, counted - expected);
	sqlite3_bind_text(st, 9, totals, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, z->seq);
	sqlite3_bind_text(st, 11, z->number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "close a cash session");
	db_done(st);
	return rc;
}

int cash_close(sqlite3 *db, const struct cash_who *who, const struct cash_count *count,
	       int64_t limit, int approved, json_t **doc, char *why, size_t whylen)
{
	struct cash_totals t;
	struct journal_next z;
	char id[PROTO_ID_LEN], *count_text = NULL, *totals_text = NULL;
	int64_t now = db_now_ms(), rev, float_amount, expected;
	int rc;

	*doc = NULL;
	snprintf(why, whylen, "the terminal's database failed");
	/* IMMEDIATE: no sale slips in between the tally and the close. */
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = open_session(db, id, &rev, why, whylen);
	if (rc == 0)
		rc = cash_tally(db, id, &float_amount, &t, &expected, why, whylen);
	if (rc < 0)
		goto rollback;
	if (cash_over_limit(count->total - expected, limit) && !approved) {
		char diff[MONEY_TEXT_MAX], lim[MONEY_TEXT_MAX];

		money_format(count->total - expected, diff, sizeof(diff));
		money_format(limit, lim, sizeof(lim));
		snprintf(why, whylen,
			 "the difference %s is over the limit of %s: a manager approves it", diff,
			 lim);
		rc = -EPERM;
		goto rollback;
	}
	count_text = proto_dump(cash_count_to_json(count));
	totals_text = proto_dump(cash_totals_to_json(&t));
	rc = count_text && totals_text ? 0 : -ENOMEM;
	if (rc == 0)
		rc = journal_next(db, who->short_code, &z);
	if (rc == 0)
		rc = write_close(db, id, rev + 1, who, now, count_text, count->total, expected,
				 totals_text, &z);
	if (rc == 0)
		rc = queue_put(db, who, id, rev + 1, now, doc);
	if (rc == 0) {
		/* The Z report is the close's journal record: the session's final document. */
		struct journal_entry e = {
		    who->terminal_id, JOURNAL_KIND_CASH_CLOSE,		id, now, 0,
		    who->actor,	      who->actor ? who->approver : NULL};

		rc = journal_append(db, &z, &e, *doc, NULL);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		snprintf(why, whylen, "the terminal's database failed");
		goto rollback;
	}
	free(count_text);
	free(totals_text);
	why[0] = '\0';
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
	free(count_text);
	free(totals_text);
	json_decref(*doc);
	*doc = NULL;
	return rc;
}
