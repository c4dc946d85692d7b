// SPDX-License-Identifier: MIT
/*
 * The upstream queue in hub.db (see upstream_store.h).
 *
 * A note on where records come from: the collector reads the hub's event
 * log after its own cursor, never a hook in the sync code, and queues a
 * record and moves the cursor in one transaction. A crash between the two
 * is impossible; reading an event twice (a cursor reset by hand) queues
 * nothing twice, because the record id is the primary key and INSERT OR
 * IGNORE keeps the first (docs/adr/0005).
 */
#include "upstream_store.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The record as upstream receives it (docs/upstream.md), built once. */
static json_t *record_json(const struct upstream_new_record *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:n, s:n, s:I, s:I, s:I, s:o, s:O}", "id",
			 r->id, "kind", r->kind, "terminalId", r->terminal_id, "terminal",
			 r->terminal, "receipt", r->receipt ? json_string(r->receipt) : json_null(),
			 "sequence", r->sequence ? json_integer(r->sequence) : json_null(),
			 "prevHash", "hash", "deviceAt", (json_int_t)r->device_at, "hubAt",
			 (json_int_t)r->hub_at, "hubSeq", (json_int_t)r->hub_seq, "dependsOn",
			 r->depends_on ? json_string(r->depends_on) : json_null(), "payload",
			 r->payload);
}

int upstream_store_add(sqlite3 *db, const struct upstream_new_record *r, int64_t now, int *added)
{
	sqlite3_stmt *st = NULL;
	json_t *rec = record_json(r);
	char *text = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int bad = upstream_proto_has_real(r->payload), rc;

	*added = 0;
	json_decref(rec);
	if (!text)
		return -ENOMEM;
	rc = db_stmt(db,
		     "INSERT OR IGNORE INTO upstream_records(id, kind, terminal_id, hub_seq, "
		     "depends_on, record, state, last_error_code, last_error, created_at, "
		     "settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r->terminal_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->hub_seq);
		bind_text_or_null(st, 5, r->depends_on);
		sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, bad ? "parked" : "pending", -1, SQLITE_STATIC);
		bind_text_or_null(st, 8, bad ? "bad-record" : NULL);
		bind_text_or_null(
		    st, 9, bad ? "the record holds a real number; money must be integers" : NULL);
		sqlite3_bind_int64(st, 10, now);
		if (bad)
			sqlite3_bind_int64(st, 11, now);
		else
			sqlite3_bind_null(st, 11);
		rc = db_check(db, sqlite3_step(st), "queue an upstream record");
	}
	db_done(st);
	free(text);
	if (rc == 0)
		*added = sqlite3_changes(db) > 0;
	if (bad)
		log_warn("upstream: record %s holds a real number: parked", r->id);
	return rc;
}

static int terminal_short_code(sqlite3 *db, const char *terminal_id, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(out, len, "%s", terminal_id);
	rc = db_stmt(db, "SELECT short_code FROM terminals WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	rc = db_check(db, rc, "read a terminal's short code");
	db_done(st);
	return rc;
}

static int64_t int_or_zero(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/*
 * One event: a completed order.put becomes a sale record, or a refund
 * record depending on its sale; anything else is skipped.
 */
static int collect_event(sqlite3 *db, int64_t seq, const char *origin, const char *entity_id,
			 const char *op_text, int64_t at, int64_t now, int *added)
{
	json_t *op = json_loads(op_text, 0, NULL), *payload, *receipt, *refund_of;
	char code[32];
	int rc, refund;

	*added = 0;
	if (!op) {
		log_error("upstream: event %lld is not JSON: skipped", (long long)seq);
		return 0;
	}
	payload = json_object_get(op, "payload");
	if (!json_is_object(payload) || !json_is_string(json_object_get(payload, "status")) ||
	    strcmp(json_string_value(json_object_get(payload, "status")), "completed") != 0) {
		json_decref(op);
		return 0;
	}
	refund_of = json_object_get(payload, "refundOf");
	refund = json_is_string(json_object_get(payload, "type")) &&
		 strcmp(json_string_value(json_object_get(payload, "type")), "refund") == 0 &&
		 json_is_string(refund_of);
	rc = terminal_short_code(db, origin, code, sizeof(code));
	if (rc == 0) {
		receipt = json_object_get(payload, "receipt");
		struct upstream_new_record r = {
		    .id = entity_id,
		    .kind = refund ? "refund" : "sale",
		    .terminal_id = origin,
		    .terminal = code,
		    .receipt = json_is_string(receipt) ? json_string_value(receipt) : NULL,
		    .sequence = int_or_zero(payload, "receiptSeq"),
		    .device_at = int_or_zero(payload, "completedAt"),
		    .hub_at = at,
		    .hub_seq = seq,
		    /* A refund waits for its sale (docs/upstream-api.md). */
		    .depends_on = refund ? json_string_value(refund_of) : NULL,
		    .payload = payload,
		};
		rc = upstream_store_add(db, &r, now, added);
	}
	json_decref(op);
	return rc;
}

int upstream_store_hold_orphans(sqlite3 *db, int64_t now, int *held)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*held = 0;
	rc = db_prepare(db,
			"UPDATE upstream_records SET state = 'parked', last_result = 'held', "
			"last_error_code = 'depends-on-voided', last_error = 'it depends on ' || "
			"depends_on || ', which was voided upstream: void this record too', "
			"settled_at = ? WHERE state = 'pending' AND depends_on IN (SELECT id FROM "
			"upstream_records WHERE state = 'voided')",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	rc = db_check(db, sqlite3_step(st), "hold the records of a voided one");
	sqlite3_finalize(st);
	if (rc == 0)
		*held = sqlite3_changes(db);
	return rc;
}

int upstream_store_collect(sqlite3 *db, int max_events, int64_t now, int *added, int *more)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	int64_t last = 0;
	int rc, n = 0, one;

	*added = 0;
	*more = 0;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = db_stmt(db,
		     "SELECT e.seq, e.origin, e.kind, e.entity_id, e.op, e.at FROM events e, "
		     "upstream_state s WHERE s.id = 1 AND e.seq > s.cursor ORDER BY e.seq "
		     "LIMIT ?",
		     &st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_int(st, 1, max_events);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		n++;
		if (strcmp((const char *)sqlite3_column_text(st, 2), "order.put") != 0)
			continue;
		rc = collect_event(db, last, (const char *)sqlite3_column_text(st, 1),
				   (const char *)sqlite3_column_text(st, 3),
				   (const char *)sqlite3_column_text(st, 4),
				   sqlite3_column_int64(st, 5), now, &one);
		if (rc < 0)
			goto fail;
		*added += one;
	}
	rc = db_check(db, rc, "read the event log for upstream");
	if (rc < 0 || n == 0)
		goto fail; /* nothing new: just end the transaction */
	/* A refund that arrives after its sale was voided can never go either. */
	if (*added > 0) {
		rc = upstream_store_hold_orphans(db, now, &one);
		if (rc < 0)
			goto fail;
	}
	rc = db_stmt(db, "UPDATE upstream_state SET cursor = ? WHERE id = 1", &up);
	if (rc < 0)
		goto fail;
	sqlite3_bind_int64(up, 1, last);
	rc = db_check(db, sqlite3_step(up), "move the upstream cursor");
	if (rc < 0)
		goto fail;
	db_done(st);
	db_done(up);
	rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		db_exec(db, "ROLLBACK");
		*added = 0;
		return rc;
	}
	*more = n >= max_events;
	return 0;
fail:
	db_done(st);
	db_done(up);
	db_exec(db, "ROLLBACK");
	if (rc < 0)
		*added = 0;
	return rc;
}

void upstream_batch_clear(struct upstream_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->items[i].record);
	free(b->items);
	memset(b, 0, sizeof(*b));
}

int upstream_store_next_batch(sqlite3 *db, size_t max, struct upstream_batch *b)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(b, 0, sizeof(*b));
	b->items = calloc(max ? max : 1, sizeof(*b->items));
	if (!b->items)
		return -ENOMEM;
	/* A record waits while what it depends on is not settled upstream's way. */
	rc = db_prepare(db,
			"SELECT r.id, r.record, r.created_at FROM upstream_records r WHERE "
			"r.state = 'pending' AND (r.depends_on IS NULL OR EXISTS (SELECT 1 FROM "
			"upstream_records d WHERE d.id = r.depends_on AND d.state IN "
			"('forwarded', 'accepted-conflict'))) ORDER BY r.queue_seq LIMIT ?",
			&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && b->n < max) {
		struct upstream_batch_item *it = &b->items[b->n];

		snprintf(it->id, sizeof(it->id), "%s", sqlite3_column_text(st, 0));
		it->record = strdup((const char *)sqlite3_column_text(st, 1));
		if (!it->record) {
			rc = -ENOMEM;
			goto fail;
		}
		if (b->n == 0)
			b->oldest_created_at = sqlite3_column_int64(st, 2);
		b->n++;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "choose an upstream batch");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	upstream_batch_clear(b);
	return rc;
}

static int state_update(sqlite3 *db, const char *sql, const char *a, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(db, sql, &st);

	if (rc < 0)
		return rc;
	bind_text_or_null(st, 1, a);
	sqlite3_bind_int64(st, 2, now);
	rc = db_check(db, sqlite3_step(st), "update the upstream state");
	sqlite3_finalize(st);
	return rc;
}

int upstream_store_mark_sent(sqlite3 *db, const struct upstream_batch *b, const char *batch_id,
			     int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc =
	    db_prepare(db, "UPDATE upstream_records SET attempts = attempts + 1 WHERE id = ?", &st);
	for (size_t i = 0; rc == 0 && i < b->n; i++) {
		sqlite3_bind_text(st, 1, b->items[i].id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "count an upstream attempt");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = db_prepare(db,
				"UPDATE upstream_state SET inflight = ?, batch_id = ?, "
				"next_attempt_at = NULL WHERE id = 1",
				&st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)b->n);
		sqlite3_bind_text(st, 2, batch_id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "mark a batch in flight");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

/* Settle one record, if it is still pending. Inside the caller's transaction. */
static int settle_one(sqlite3 *db, const char *id, const char *state, const char *result,
		      const char *code, const char *message, const char *ref, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE upstream_records SET state = ?, last_result = ?, "
			"last_error_code = ?, last_error = ?, upstream_ref = coalesce(?, "
			"upstream_ref), settled_at = ? WHERE id = ? AND state = 'pending'",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, result);
	bind_text_or_null(st, 3, code);
	bind_text_or_null(st, 4, message);
	bind_text_or_null(st, 5, ref);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_text(st, 7, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "settle an upstream record");
	sqlite3_finalize(st);
	return rc;
}

static const struct upstream_result *find_result(const struct upstream_result *res, size_t n,
						 const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(res[i].id, id) == 0)
			return &res[i];
	return NULL;
}

static int in_batch(const struct upstream_batch *b, const char *id)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->items[i].id, id) == 0)
			return 1;
	return 0;
}

int upstream_store_settle(sqlite3 *db, const struct upstream_batch *b,
			  const struct upstream_result *res, size_t n, int64_t now,
			  size_t *unanswered)
{
	int rc;

	*unanswered = 0;
	for (size_t i = 0; i < n; i++)
		if (!in_batch(b, res[i].id))
			log_warn("upstream: a result for record %s, which was not sent: ignored",
				 res[i].id);
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < b->n; i++) {
		const struct upstream_result *r = find_result(res, n, b->items[i].id);
		int ok;

		if (!r) {
			(*unanswered)++;
			continue;
		}
		ok = strcmp(r->result, "accepted") == 0 || strcmp(r->result, "duplicate") == 0;
		rc = settle_one(db, r->id, ok ? "forwarded" : "parked", r->result,
				ok ? NULL : (r->code ? r->code : r->result),
				ok ? NULL : (r->message ? r->message : "upstream gave no message"),
				r->ref, now);
		if (rc == 0 && !ok && sqlite3_changes(db) > 0)
			log_warn("upstream: record %s %s (%s): %s: parked", r->id, r->result,
				 r->code ? r->code : "no code", r->message ? r->message : "");
	}
	if (rc == 0)
		rc = state_update(db,
				  "UPDATE upstream_state SET inflight = 0, batch_id = ?, "
				  "last_success_at = ? WHERE id = 1",
				  NULL, now);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int upstream_store_park_batch(sqlite3 *db, const struct upstream_batch *b, const char *code,
			      const char *message, int64_t now)
{
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < b->n; i++)
		rc = settle_one(db, b->items[i].id, "parked", "http", code, message, NULL, now);
	/* A whole-batch refusal is an error worth showing, though nothing will retry it. */
	if (rc == 0)
		rc = upstream_store_note_error(db, code, message, now, 0);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int upstream_store_note_error(sqlite3 *db, const char *code, const char *message, int64_t now,
			      int64_t next_attempt_at)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE upstream_state SET inflight = 0, batch_id = NULL, "
			"last_error_code = ?, last_error = ?, last_error_at = ?, "
			"next_attempt_at = ? WHERE id = 1",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (next_attempt_at > 0)
		sqlite3_bind_int64(st, 4, next_attempt_at);
	else
		sqlite3_bind_null(st, 4);
	rc = db_check(db, sqlite3_step(st), "note an upstream error");
	sqlite3_finalize(st);
	return rc;
}

int upstream_store_started(sqlite3 *db, const char *url)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE upstream_state SET url = ?, inflight = 0, batch_id = NULL, "
			"next_attempt_at = NULL WHERE id = 1",
			&st);
	if (rc < 0)
		return rc;
	bind_text_or_null(st, 1, url);
	rc = db_check(db, sqlite3_step(st), "reset the upstream state");
	sqlite3_finalize(st);
	return rc;
}
