// SPDX-License-Identifier: MIT
/* Claim requests in term.db (see claims.h). */
#include "claims.h"
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int claims_request(sqlite3 *db, const char *order_id, char request[UUID_TEXT_LEN])
{
	uint8_t id[UUID_LEN];
	sqlite3_stmt *st = NULL;
	int rc;

	rc = uuid_v7(id);
	if (rc < 0)
		return rc;
	uuid_format(id, request);
	rc = db_prepare(db,
			"INSERT INTO claims(request_id, order_id, state, requested_at) VALUES (?, "
			"?, 'pending', ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, db_now_ms());
	rc = db_check(db, sqlite3_step(st), "ask for a claim");
	sqlite3_finalize(st);
	return rc;
}

static const char *text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

int claims_state(sqlite3 *db, const char *request, struct claim_state *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_prepare(
	    db, "SELECT order_id, state, code, message FROM claims WHERE request_id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->order_id, sizeof(out->order_id), "%s", text(st, 0));
		snprintf(out->state, sizeof(out->state), "%s", text(st, 1));
		snprintf(out->code, sizeof(out->code), "%s", text(st, 2));
		snprintf(out->message, sizeof(out->message), "%s", text(st, 3));
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read a claim");
	}
	sqlite3_finalize(st);
	return rc;
}

int claims_withdraw(sqlite3 *db, const char *request)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE claims SET state = 'expired' WHERE request_id = ? AND state = "
			"'pending'",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "withdraw a claim");
	sqlite3_finalize(st);
	return rc < 0 ? rc : sqlite3_changes(db) == 1;
}
