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
    /*
     * 2: the sync core. orders holds this terminal's own orders and the
     * mirror of the others'; outbox is FIFO by seq; meta keeps the hub
     * cursor, the catalog version and the receipt counter.
     */
    "CREATE TABLE catalog("
    "  sku TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  barcode TEXT NOT NULL DEFAULT '',"
    "  price INTEGER NOT NULL,"
    "  tax_rate INTEGER NOT NULL);"
    "CREATE INDEX catalog_barcode ON catalog(barcode) WHERE barcode != '';"
    "CREATE TABLE orders("
    "  id TEXT PRIMARY KEY,"
    "  origin TEXT NOT NULL,"
    "  owner TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  released INTEGER NOT NULL DEFAULT 0,"
    "  receipt TEXT UNIQUE,"
    "  receipt_seq INTEGER,"
    "  total INTEGER NOT NULL,"
    "  tax_total INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  completed_at INTEGER,"
    "  hub_seq INTEGER,"
    "  hub_at INTEGER,"
    "  sync_state TEXT NOT NULL CHECK (sync_state IN ('pending', 'synced', 'parked', 'mirror')),"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE order_lines("
    "  order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,"
    "  n INTEGER NOT NULL,"
    "  sku TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  qty INTEGER NOT NULL CHECK (qty > 0),"
    "  unit_price INTEGER NOT NULL,"
    "  tax_rate INTEGER NOT NULL,"
    "  line_total INTEGER NOT NULL,"
    "  tax INTEGER NOT NULL,"
    "  PRIMARY KEY (order_id, n));"
    "CREATE TABLE payments("
    "  order_id TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,"
    "  n INTEGER NOT NULL,"
    "  tender TEXT NOT NULL,"
    "  amount INTEGER NOT NULL,"
    "  tendered INTEGER NOT NULL,"
    "  change INTEGER NOT NULL,"
    "  reference TEXT,"
    "  PRIMARY KEY (order_id, n));"
    "CREATE TABLE outbox("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  op_id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  op TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  last_error_code TEXT,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'parked')));"
    "CREATE INDEX outbox_pending ON outbox(state, seq);"
    "CREATE TABLE drain_lease("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  holder TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE claims("
    "  request_id TEXT PRIMARY KEY,"
    "  order_id TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'claimed', 'refused', "
    "'expired')),"
    "  code TEXT,"
    "  message TEXT,"
    "  requested_at INTEGER NOT NULL,"
    "  answered_at INTEGER);",
    /*
     * 3: people. staff and roles are the hub's, copied (snapshot, staff.put,
     * role.put) so that PINs and permissions are checked offline; signin is
     * who is signed in at this terminal until when; pin_lockout counts wrong
     * PINs in a row per kind ('signin', 'stepup') and holds a lock across a
     * restart (docs/security.md).
     */
    "CREATE TABLE staff("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  pin TEXT,"
    "  active INTEGER NOT NULL);"
    "CREATE TABLE roles("
    "  name TEXT PRIMARY KEY,"
    "  permissions TEXT NOT NULL,"
    "  discount_ceiling INTEGER NOT NULL);"
    "CREATE TABLE signin("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  staff_id TEXT NOT NULL,"
    "  signed_in_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE pin_lockout("
    "  kind TEXT PRIMARY KEY CHECK (kind IN ('signin', 'stepup')),"
    "  failures INTEGER NOT NULL,"
    "  last_failure_at INTEGER NOT NULL,"
    "  locked_until INTEGER NOT NULL DEFAULT 0);",
    /*
     * 4: the fiscal journal (terminal/journal.h): one row per completed
     * record, seq 1, 2, … without gaps, each with the previous row's hash
     * and its own; grand_total is the running sum of amount.
     */
    "CREATE TABLE journal("
    "  seq INTEGER PRIMARY KEY CHECK (seq >= 1),"
    "  number TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('sale', 'refund', 'void', 'cash-close')),"
    "  record_id TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  amount INTEGER NOT NULL,"
    "  grand_total INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);",
    /*
     * 5: receipt prints: how many times each order's receipt went to a
     * printer, counted after the bytes were written; print n + 1 of a
     * receipt is marked "DUPLICATE n" (terminal/receipt_print.h).
     */
    "CREATE TABLE receipt_prints("
    "  order_id TEXT PRIMARY KEY,"
    "  prints INTEGER NOT NULL CHECK (prints > 0));",
    /*
     * 6: removed catalog items (active 0) stay, so that orders keep naming
     * them; the terminal refuses to sell them (docs/catalog.md).
     */
    "ALTER TABLE catalog ADD COLUMN active INTEGER NOT NULL DEFAULT 1;",
    /* 7: the refunds of a sale, found without reading every order (refunds.c). */
    "CREATE INDEX orders_refund_of ON orders(json_extract(doc, '$.refundOf'))"
    "  WHERE json_extract(doc, '$.type') = 'refund';",
    /* 8: PLACEHOLDER cash sessions (helper cash) */
    "SELECT 1;",
    /* 9: PLACEHOLDER customers and loyalty (helper loyalty) */
    "SELECT 1;",
    /* 10: PLACEHOLDER stock (helper stock) */
    "SELECT 1;",
    /* 11: PLACEHOLDER voids (helper voids) */
    "SELECT 1;",
};

int term_db_open(const char *data_dir, int create, sqlite3 **db)
{
	return db_open_in(data_dir, "term.db", create, term_migrations,
			  (int)(sizeof(term_migrations) / sizeof(term_migrations[0])), db);
}

int term_db_get_int(sqlite3 *db, const char *key, int64_t *value)
{
	return db_meta_get_int(db, key, value);
}

int term_db_set_int(sqlite3 *db, const char *key, int64_t value)
{
	return db_meta_set_int(db, key, value);
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
