// SPDX-License-Identifier: MIT
/* term.db schema and the sync state row (see term_db.h). Migrations are append-only. */
#include "term_db.h"
#include "db.h"

static const char *const term_migrations[] = {
    /* 1: the sync connection's state */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE sync_state("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  state TEXT NOT NULL,"
    "  hub TEXT NOT NULL,"
    "  last_error TEXT,"
    "  last_error_code TEXT,"
    "  since INTEGER NOT NULL,"
    "  next_attempt_at INTEGER,"
    "  connected_at INTEGER,"
    "  clock_offset_ms INTEGER);",
};

int term_db_open(const char *data_dir, int create, sqlite3 **db)
{
	return db_open_in(data_dir, "term.db", create, term_migrations,
			  (int)(sizeof(term_migrations) / sizeof(term_migrations[0])), db);
}

static void bind_ms(sqlite3_stmt *st, int col, int64_t ms)
{
	if (ms)
		sqlite3_bind_int64(st, col, ms);
	else
		sqlite3_bind_null(st, col);
}

int term_db_save_state(sqlite3 *db, const struct term_sync_state *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT OR REPLACE INTO sync_state(id, state, hub, last_error, "
			"last_error_code, since, next_attempt_at, connected_at, clock_offset_ms) "
			"VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, s->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->hub, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->last_error_code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->since);
	bind_ms(st, 6, s->next_attempt_at);
	bind_ms(st, 7, s->connected_at);
	if (s->connected_at)
		sqlite3_bind_int64(st, 8, s->clock_offset_ms);
	else
		sqlite3_bind_null(st, 8);
	rc = db_check(db, sqlite3_step(st), "save sync state");
	sqlite3_finalize(st);
	return rc;
}

static json_t *col_json(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, col));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(st, col));
	default:
		return json_null();
	}
}

int term_db_state_json(sqlite3 *db, json_t **out)
{
	static const char *const keys[] = {"state",	    "hub",	    "lastError",
					   "lastErrorCode", "since",	    "nextAttemptAt",
					   "connectedAt",   "clockOffsetMs"};
	sqlite3_stmt *st = NULL;
	json_t *obj;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT state, hub, last_error, last_error_code, since, next_attempt_at, "
			"connected_at, clock_offset_ms FROM sync_state WHERE id = 1",
			&st);
	if (rc < 0)
		return rc;
	obj = json_object();
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < 8; i++)
			json_object_set_new(obj, keys[i], col_json(st, i));
	else
		for (int i = 0; i < 8; i++)
			json_object_set_new(obj, keys[i], json_null());
	rc = db_check(db, rc, "read sync state");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}
