// SPDX-License-Identifier: MIT
/* The terminal's outbox (see outbox.h). */
#include "outbox.h"
#include "backoff.h"
#include "db.h"
#include "log.h"
#include "orders.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int outbox_add(sqlite3 *db, json_t *op, int64_t now)
{
	sqlite3_stmt *st = NULL;
	char *text = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return -ENOMEM;
	rc = db_prepare(db,
			"INSERT INTO outbox(op_id, kind, entity, entity_id, rev, op, created_at) "
			"VALUES (?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, json_string_value(json_object_get(op, "opId")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_string_value(json_object_get(op, "kind")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(op, "entity")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, json_string_value(json_object_get(op, "entityId")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(op, "rev")));
		sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, now);
		rc = db_check(db, sqlite3_step(st), "add to the outbox");
	}
	sqlite3_finalize(st);
	free(text);
	return rc;
}

int outbox_lease(sqlite3 *db, const char *holder, int64_t now, char *other, size_t otherlen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	other[0] = '\0';
	rc = db_prepare(db,
			"INSERT INTO drain_lease(id, holder, expires_at) VALUES (1, ?1, ?2) "
			"ON CONFLICT(id) DO UPDATE SET holder = ?1, expires_at = ?2 "
			"WHERE holder = ?1 OR expires_at <= ?3",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now + OUTBOX_LEASE_MS);
	sqlite3_bind_int64(st, 3, now);
	rc = db_check(db, sqlite3_step(st), "take the drain lease");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (sqlite3_changes(db) == 1)
		return 1;
	st = NULL;
	if (db_prepare(db, "SELECT holder FROM drain_lease WHERE id = 1", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(other, otherlen, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (outbox_lease_holder_dead(other)) {
		/* Its holder died (kill -9, power cut): the lease is void. */
		log_warn("sync: taking over the drain lease of %s, which no longer runs", other);
		st = NULL;
		rc = db_prepare(db,
				"UPDATE drain_lease SET holder = ?, expires_at = ? WHERE id = 1 "
				"AND holder = ?",
				&st);
		if (rc < 0)
			return rc;
		sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now + OUTBOX_LEASE_MS);
		sqlite3_bind_text(st, 3, other, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "take over the drain lease");
		sqlite3_finalize(st);
		if (rc < 0)
			return rc;
		return sqlite3_changes(db) == 1;
	}
	return 0;
}

int outbox_lease_holder_dead(const char *holder)
{
	long pid;

	/* Holders name their process: "... pid N" (see sync_client.c). */
	if (sscanf(holder, "%*[^,], pid %ld", &pid) != 1 || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int outbox_lease_release(sqlite3 *db, const char *holder)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "DELETE FROM drain_lease WHERE id = 1 AND holder = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "release the drain lease");
	sqlite3_finalize(st);
	return rc;
}

int outbox_next_batch(sqlite3 *db, int max, int64_t now, json_t **ops, int64_t *wait_ms)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*ops = NULL;
	*wait_ms = 0;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "SELECT op, next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY seq "
	    "LIMIT ?",
	    &st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	sqlite3_bind_int(st, 1, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t due = sqlite3_column_int64(st, 1);
		json_t *op;

		if (due > now) {
			/* FIFO: nothing overtakes an op that waits for its retry. */
			if (json_array_size(arr) == 0)
				*wait_ms = due - now;
			rc = SQLITE_DONE;
			break;
		}
		op = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		if (!op) {
			rc = SQLITE_CORRUPT;
			break;
		}
		json_array_append_new(arr, op);
	}
	rc = db_check(db, rc, "read the outbox");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*ops = arr;
	return 0;
}

static int settle_one(sqlite3 *db, json_t *r, int *settled, int *parked)
{
	const char *op_id = json_string_value(json_object_get(r, "opId"));
	const char *result = json_string_value(json_object_get(r, "result"));
	const char *code = json_string_value(json_object_get(r, "code"));
	const char *message = json_string_value(json_object_get(r, "message"));
	int64_t seq = json_integer_value(json_object_get(r, "seq"));
	sqlite3_stmt *st = NULL;
	char entity_id[64] = "";
	int rc, others = 0;

	if (!op_id || !result)
		return 0;
	rc = db_prepare(db, "SELECT entity_id FROM outbox WHERE op_id = ? AND state = 'pending'",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(entity_id, sizeof(entity_id), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (!entity_id[0]) {
		log_warn("sync: a result for op %s, which is not pending here", op_id);
		return 0;
	}
	st = NULL;
	if (strcmp(result, "applied") == 0 || strcmp(result, "duplicate") == 0) {
		rc = db_prepare(db, "DELETE FROM outbox WHERE op_id = ?", &st);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
			rc = db_check(db, sqlite3_step(st), "settle an op");
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc == 0)
			rc = db_prepare(db, "SELECT count(*) FROM outbox WHERE entity_id = ?", &st);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, entity_id, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				others = sqlite3_column_int(st, 0);
		}
		sqlite3_finalize(st);
		if (rc == 0 && others == 0)
			rc = term_orders_set_sync(db, entity_id, "synced", seq);
		(*settled)++;
		return rc;
	}
	rc = db_prepare(db,
			"UPDATE outbox SET state = 'parked', last_error_code = ?, last_error = ? "
			"WHERE op_id = ?",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, code ? code : result, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, message ? message : result, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, op_id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "park an op");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = term_orders_set_sync(db, entity_id, "parked", 0);
	log_warn("sync: op %s parked: %s %s: %s", op_id, result, code ? code : "",
		 message ? message : "");
	(*parked)++;
	return rc;
}

int outbox_settle(sqlite3 *db, json_t *results, int *settled, int *parked)
{
	json_t *r;
	size_t i;
	int rc;

	*settled = 0;
	*parked = 0;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	json_array_foreach(results, i, r)
	{
		rc = settle_one(db, r, settled, parked);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		db_exec(db, "ROLLBACK");
		*settled = 0;
		*parked = 0;
	}
	return rc;
}

/* The delay before attempt n + 1 of an op tried n times: 1 s doubling up to 5 min. */
static int64_t retry_delay(int64_t attempts)
{
	struct backoff b;
	uint32_t jitter = 0;

	backoff_init(&b, OUTBOX_RETRY_BASE_MS, OUTBOX_RETRY_CAP_MS);
	b.attempt = (uint32_t)(attempts > 20 ? 20 : attempts);
	random_bytes(&jitter, sizeof(jitter));
	return backoff_next(&b, jitter);
}

int outbox_defer(sqlite3 *db, json_t *ops, int64_t now, const char *code, const char *error,
		 int backoff)
{
	sqlite3_stmt *get = NULL, *set = NULL;
	json_t *op;
	size_t i;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = db_prepare(db, "SELECT attempts FROM outbox WHERE op_id = ? AND state = 'pending'",
			&get);
	if (rc == 0)
		rc = db_prepare(db,
				"UPDATE outbox SET attempts = attempts + 1, last_error_code = ?, "
				"last_error = ?, next_attempt_at = ? WHERE op_id = ?",
				&set);
	json_array_foreach(ops, i, op)
	{
		const char *op_id = json_string_value(json_object_get(op, "opId"));
		int64_t attempts;

		if (rc < 0)
			break;
		sqlite3_reset(get);
		sqlite3_bind_text(get, 1, op_id, -1, SQLITE_STATIC);
		if (sqlite3_step(get) != SQLITE_ROW)
			continue; /* settled or parked meanwhile */
		attempts = sqlite3_column_int64(get, 0);
		sqlite3_reset(set);
		sqlite3_bind_text(set, 1, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(set, 2, error, -1, SQLITE_STATIC);
		sqlite3_bind_int64(set, 3, backoff ? now + retry_delay(attempts) : 0);
		sqlite3_bind_text(set, 4, op_id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(set), "defer an op");
	}
	sqlite3_finalize(get);
	sqlite3_finalize(set);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int outbox_counts(sqlite3 *db, int64_t now, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE "
			"state = 'parked'), min(created_at) FILTER (WHERE state = 'pending') FROM "
			"outbox",
			&st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = json_pack("{s:I, s:I, s:o}", "pending",
				 (json_int_t)sqlite3_column_int64(st, 0), "parked",
				 (json_int_t)sqlite3_column_int64(st, 1), "oldestPendingAgeMs",
				 sqlite3_column_type(st, 2) == SQLITE_NULL
				     ? json_null()
				     : json_integer(now - sqlite3_column_int64(st, 2)));
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "count the outbox");
	sqlite3_finalize(st);
	return rc < 0 ? rc : (*out ? 0 : -ENOMEM);
}

int outbox_status_json(sqlite3 *db, int64_t now, json_t **out)
{
	int64_t cursor = 0, catalog = 0, receipt = 0;
	sqlite3_stmt *st = NULL;
	json_t *counts = NULL, *lease = json_null();
	int rc;

	*out = NULL;
	rc = outbox_counts(db, now, &counts);
	if (rc == 0)
		rc = term_db_get_int(db, TERM_META_CURSOR, &cursor);
	if (rc == 0)
		rc = term_db_get_int(db, TERM_META_CATALOG_VERSION, &catalog);
	if (rc == 0)
		rc = term_db_get_int(db, TERM_META_RECEIPT_SEQ, &receipt);
	if (rc == 0 &&
	    db_prepare(db, "SELECT holder FROM drain_lease WHERE expires_at > ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, now);
		if (sqlite3_step(st) == SQLITE_ROW)
			lease = json_string((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (rc < 0) {
		json_decref(counts);
		json_decref(lease);
		return rc;
	}
	*out = json_pack("{s:o, s:I, s:I, s:I, s:o}", "outbox", counts, "hubCursor",
			 (json_int_t)cursor, "catalogVersion", (json_int_t)catalog, "receiptSeq",
			 (json_int_t)receipt, "drainLease", lease);
	return *out ? 0 : -ENOMEM;
}
