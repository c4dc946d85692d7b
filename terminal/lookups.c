// SPDX-License-Identifier: MIT
/* Lookups of sales at the hub (see lookups.h). */
#include "lookups.h"
#include "db.h"
#include "orders.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int lookups_request(sqlite3 *db, const char *receipt, char request[UUID_TEXT_LEN])
{
	uint8_t id[UUID_LEN];
	sqlite3_stmt *st = NULL;
	int rc;

	rc = uuid_v7(id);
	if (rc < 0)
		return rc;
	uuid_format(id, request);
	rc = db_prepare(db,
			"INSERT INTO lookups(request_id, receipt, state, requested_at) VALUES (?, "
			"?, 'pending', ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, receipt, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, db_now_ms());
	rc = db_check(db, sqlite3_step(st), "ask the hub for a sale");
	sqlite3_finalize(st);
	return rc;
}

int lookups_state(sqlite3 *db, const char *request, char state[16])
{
	sqlite3_stmt *st = NULL;
	int rc;

	state[0] = '\0';
	rc = db_prepare(db, "SELECT state FROM lookups WHERE request_id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(state, 16, "%s", sqlite3_column_text(st, 0));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read a lookup");
	}
	sqlite3_finalize(st);
	return rc;
}

static int withdraw(sqlite3 *db, const char *request)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE lookups SET state = 'expired' WHERE request_id = ? AND state IN "
			"('pending', 'sent')",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "withdraw a lookup");
	sqlite3_finalize(st);
	return rc;
}

int lookups_wait(sqlite3 *db, const char *receipt, int wait_ms, char state[16])
{
	const struct timespec step = {0, 100 * 1000000L};
	char request[UUID_TEXT_LEN];
	int rc;

	rc = lookups_request(db, receipt, request);
	for (int waited = 0; rc == 0; waited += 100) {
		rc = lookups_state(db, request, state);
		if (rc < 0 || strcmp(state, "found") == 0 || strcmp(state, "not-found") == 0)
			break;
		if (waited >= wait_ms) {
			rc = withdraw(db, request);
			snprintf(state, 16, "expired");
			break;
		}
		nanosleep(&step, NULL);
	}
	return rc;
}

/* One {"id", "owner", "rev", "order"} of the answer, unless a newer copy is here. */
static int keep(sqlite3 *db, json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *owner = json_string_value(json_object_get(o, "owner"));
	struct term_order_row row = {0};
	char have_owner[40], status[16];
	json_t *doc = NULL;
	int64_t rev = json_integer_value(json_object_get(o, "rev")), have = 0;
	int rc, released;

	if (!id || !owner || !json_is_object(json_object_get(o, "order")))
		return -EPROTO;
	rc = term_orders_load(db, id, &doc, have_owner, &have, status, &released);
	json_decref(doc);
	if (rc == 0 && have >= rev)
		return 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	/* Not counted again in this terminal's ledgers: the hub's base holds it already. */
	row.id = id;
	row.origin = owner;
	row.owner = owner;
	row.rev = rev;
	row.sync_state = "mirror";
	row.doc = json_object_get(o, "order");
	return term_orders_save(db, &row);
}

int lookups_apply_answer(sqlite3 *db, const char *self, json_t *answer)
{
	const char *result = json_string_value(json_object_get(answer, "result"));
	json_t *sale = json_object_get(answer, "sale"), *r;
	sqlite3_stmt *st = NULL;
	int found = result && strcmp(result, "found") == 0 && json_is_object(sale);
	size_t i;
	int rc;

	(void)self;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	if (found)
		rc = keep(db, sale);
	json_array_foreach(json_object_get(answer, "refunds"), i, r) if (rc == 0 && found) rc =
	    keep(db, r);
	if (rc == 0)
		rc = db_prepare(db,
				"UPDATE lookups SET state = ?, answered_at = ? WHERE request_id = "
				"? AND state IN ('pending', 'sent')",
				&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, found ? "found" : "not-found", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, db_now_ms());
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(answer, "requestId")),
				  -1, SQLITE_TRANSIENT);
		rc = db_check(db, sqlite3_step(st), "record a lookup's answer");
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}
