// SPDX-License-Identifier: MIT
/* term.db schema and the sync state row (see term_db.h). Migrations are append-only. */
#include "term_db.h"
#include "db.h"
#include "log.h"
#include "settings.h"

#include <errno.h>
#include <stdlib.h>

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
    /*
     * 8: cash sessions (terminal/cash.h): one row per session, at most one
     * open; its movements (cash in, out, payouts, no-sale openings) in
     * order; the orders of a session found by their cashSession member.
     */
    "CREATE TABLE cash_sessions("
    "  id TEXT PRIMARY KEY,"
    "  rev INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),"
    "  opened_at INTEGER NOT NULL,"
    "  opened_by TEXT,"
    "  float_amount INTEGER NOT NULL CHECK (float_amount >= 0),"
    "  float_count TEXT,"
    "  closed_at INTEGER,"
    "  closed_by TEXT,"
    "  approver TEXT,"
    "  count TEXT,"
    "  counted INTEGER,"
    "  expected INTEGER,"
    "  difference INTEGER,"
    "  totals TEXT,"
    "  z_seq INTEGER,"
    "  z_number TEXT);"
    "CREATE UNIQUE INDEX cash_sessions_open ON cash_sessions(status) WHERE status = 'open';"
    "CREATE TABLE cash_movements("
    "  session_id TEXT NOT NULL REFERENCES cash_sessions(id),"
    "  n INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('in', 'out', 'payout', 'nosale')),"
    "  amount INTEGER NOT NULL CHECK (amount >= 0),"
    "  reason TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT,"
    "  approver TEXT,"
    "  PRIMARY KEY (session_id, n));"
    "CREATE INDEX orders_cash_session ON orders(json_extract(doc, '$.cashSession'))"
    "  WHERE json_extract(doc, '$.cashSession') IS NOT NULL;",
    /*
     * 9: customers and their loyalty points (terminal/customers.h). A
     * customer row is the winning version (last writer wins) with its
     * writer; base_points and base_spend are what the hub's snapshot said
     * the other terminals' entries came to. loyalty_ledger holds one entry
     * per completed order naming a customer: this terminal's own, and the
     * others' mirrored since the snapshot. A balance is base + the sum.
     */
    "CREATE TABLE customers("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  phone TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '',"
    "  card TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  writer TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  base_points INTEGER NOT NULL DEFAULT 0,"
    "  base_spend INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX customers_phone ON customers(phone) WHERE phone != '';"
    "CREATE INDEX customers_card ON customers(card) WHERE card != '';"
    "CREATE TABLE loyalty_ledger("
    "  order_id TEXT PRIMARY KEY,"
    "  customer_id TEXT NOT NULL,"
    "  origin TEXT NOT NULL,"
    "  receipt TEXT,"
    "  earned INTEGER NOT NULL,"
    "  redeemed INTEGER NOT NULL,"
    "  spend INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX loyalty_ledger_customer ON loyalty_ledger(customer_id, at);",
    /*
     * 10: stock (terminal/stock.h): stock_base holds the hub's levels from
     * the last snapshot, without this terminal's own movements, and the
     * thresholds; stock_moves every movement of this terminal (kept for
     * good) and the others' that arrived after the snapshot. A level is
     * the base plus the sum of the sku's movements.
     */
    "CREATE TABLE stock_base("
    "  sku TEXT PRIMARY KEY,"
    "  level INTEGER NOT NULL DEFAULT 0,"
    "  threshold INTEGER);"
    "CREATE TABLE stock_moves("
    "  id TEXT PRIMARY KEY,"
    "  sku TEXT NOT NULL,"
    "  qty INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('sale', 'refund', 'adjust', 'receive')),"
    "  reason TEXT,"
    "  order_id TEXT,"
    "  origin TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  hub_seq INTEGER);"
    "CREATE INDEX stock_moves_sku ON stock_moves(sku);",
    /*
     * 11: sales looked up at the hub by receipt number, for refunds
     * (lookups.c): sent by the running terminal, answered into orders.
     */
    "CREATE TABLE lookups("
    "  request_id TEXT PRIMARY KEY,"
    "  receipt TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'found', 'not-found', "
    "'expired')),"
    "  requested_at INTEGER NOT NULL,"
    "  answered_at INTEGER);",
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

int term_db_connected(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int connected = 0;

	if (db_prepare(db, "SELECT state = 'connected' FROM sync_state WHERE id = 1", &st) < 0)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		connected = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return connected;
}

int term_db_settings(sqlite3 *db, struct store_settings *out)
{
	struct proto_error err;
	char text[4096];
	int rc;

	rc = db_meta_get_text(db, TERM_META_SETTINGS, text, sizeof(text));
	if (rc < 0)
		return rc;
	if (settings_from_text(text, "", out, &err) < 0) {
		log_error("term.db: the store's settings do not read: %s", err.message);
		return -EPROTO;
	}
	return 0;
}

int term_db_put_settings(sqlite3 *db, json_t *versioned)
{
	json_t *v = json_object_get(versioned, "settings");
	struct store_settings s;
	struct proto_error err;
	int64_t version = json_integer_value(json_object_get(versioned, "version")), have = 0;
	char *text;
	int rc;

	rc = db_meta_get_int(db, TERM_META_SETTINGS_VERSION, &have);
	if (rc < 0 || version <= have)
		return rc;
	settings_defaults(&s, "");
	if (settings_from_json(v, &s, &err) < 0) {
		log_error("sync: the hub's settings version %lld do not read: %s",
			  (long long)version, err.message);
		return -EPROTO;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	rc = db_meta_set_text(db, TERM_META_SETTINGS, text);
	free(text);
	if (rc == 0)
		rc = db_meta_set_int(db, TERM_META_SETTINGS_VERSION, version);
	return rc;
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
