// SPDX-License-Identifier: MIT
/*
 * hub.db schema. A note on the rule: migrations are append-only; a shipped
 * step is never edited, a change is a new step (docs/adr/0002).
 */
#include "hub_db.h"
#include "db.h"

static const char *const hub_migrations[] = {
    /* 1: the terminal registry, enrollment codes, presence */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE terminals("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  short_code TEXT NOT NULL UNIQUE,"
    "  cert_serial TEXT NOT NULL UNIQUE,"
    "  enrolled_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE TABLE enroll_codes("
    "  terminal_id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  secret_hash BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  used_at INTEGER);"
    "CREATE TABLE presence("
    "  terminal_id TEXT PRIMARY KEY REFERENCES terminals(id),"
    "  online INTEGER NOT NULL DEFAULT 0,"
    "  address TEXT,"
    "  connected_at INTEGER,"
    "  last_seen INTEGER,"
    "  clock_offset_ms INTEGER,"
    "  software TEXT);",
    /*
     * 2: the sync core. events is the store's log (seq is the hub sequence);
     * ops remembers every applied op id with the SHA-256 of its canonical
     * content; orders holds each order's current version and owner;
     * refused_ops keeps conflicts and rejections with both versions.
     */
    "CREATE TABLE events("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  origin TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  op TEXT NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE ops("
    "  op_id TEXT PRIMARY KEY,"
    "  terminal_id TEXT NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  seq INTEGER NOT NULL REFERENCES events(seq),"
    "  applied_at INTEGER NOT NULL);"
    "CREATE TABLE orders("
    "  id TEXT PRIMARY KEY,"
    "  origin TEXT NOT NULL,"
    "  owner TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  released INTEGER NOT NULL DEFAULT 0,"
    "  receipt TEXT,"
    "  receipt_seq INTEGER,"
    "  total INTEGER NOT NULL,"
    "  tax_total INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  completed_at INTEGER,"
    "  received_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE UNIQUE INDEX orders_receipt ON orders(receipt);"
    "CREATE INDEX orders_active ON orders(status) WHERE status != 'completed';"
    "CREATE TABLE refused_ops("
    "  id INTEGER PRIMARY KEY,"
    "  op_id TEXT,"
    "  terminal_id TEXT NOT NULL,"
    "  entity_id TEXT,"
    "  result TEXT NOT NULL CHECK (result IN ('conflict', 'rejected')),"
    "  code TEXT NOT NULL,"
    "  field TEXT,"
    "  message TEXT NOT NULL,"
    "  op TEXT NOT NULL,"
    "  stored TEXT,"
    "  at INTEGER NOT NULL);"
    "CREATE TABLE catalog("
    "  sku TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  barcode TEXT NOT NULL DEFAULT '',"
    "  price INTEGER NOT NULL CHECK (price >= 0),"
    "  tax_rate INTEGER NOT NULL CHECK (tax_rate BETWEEN 0 AND 10000),"
    "  version INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE cursors("
    "  terminal_id TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);",
    /*
     * 3: the audit log, append-only (a trigger refuses UPDATE and DELETE).
     * actor is "cli:<user>" for a command at the hub, an account or staff id
     * for people (issue 4), "hub" for the hub itself.
     */
    "CREATE TABLE audit("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT raise(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT raise(ABORT, 'the audit log is append-only'); END;",
    /*
     * 4: upstream forwarding. upstream_records holds each record for the back
     * office as it will be sent (record: the JSON built once), in queue order
     * (queue_seq). In flight is not a state: a record stays 'pending' until
     * upstream's answer settles it, so after a crash it is simply sent again
     * with the same id (docs/upstream.md). upstream_state is one row: how far
     * the collector has read the event log, and what status shows.
     */
    "CREATE TABLE upstream_records("
    "  queue_seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  hub_seq INTEGER NOT NULL,"
    "  depends_on TEXT,"
    "  record TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'parked',"
    "    'forwarded', 'voided', 'accepted-conflict')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_result TEXT,"
    "  last_error_code TEXT,"
    "  last_error TEXT,"
    "  upstream_ref TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  settled_at INTEGER);"
    "CREATE INDEX upstream_records_state ON upstream_records(state, queue_seq);"
    "CREATE INDEX upstream_records_depends ON upstream_records(depends_on)"
    "  WHERE depends_on IS NOT NULL;"
    "CREATE TABLE upstream_state("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  cursor INTEGER NOT NULL DEFAULT 0,"
    "  url TEXT,"
    "  inflight INTEGER NOT NULL DEFAULT 0,"
    "  batch_id TEXT,"
    "  last_success_at INTEGER,"
    "  last_error_code TEXT,"
    "  last_error TEXT,"
    "  last_error_at INTEGER,"
    "  next_attempt_at INTEGER);"
    "INSERT INTO upstream_state(id) VALUES (1);",
    /*
     * 5: people and permissions (docs/security.md). roles.permissions is a
     * JSON array of patterns (common/perm.h); the built-in roles seeded here
     * must agree with perm_builtin_roles. A password or PIN is an argon2id
     * PHC string. sessions keeps the SHA-256 of a session id, never the id.
     * login_throttle counts consecutive failed sign-ins per user name tried
     * (kind 'account') and per client address (kind 'address').
     */
    "CREATE TABLE roles("
    "  name TEXT PRIMARY KEY,"
    "  permissions TEXT NOT NULL"
    "    CHECK (json_valid(permissions) AND json_type(permissions) = 'array'),"
    "  discount_ceiling INTEGER NOT NULL CHECK (discount_ceiling BETWEEN 0 AND 100),"
    "  builtin INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL);"
    "INSERT INTO roles(name, permissions, discount_ceiling, builtin, updated_at) VALUES"
    "  ('owner', '[\"*\"]', 100, 1, 0),"
    "  ('manager', '[\"order.*\",\"sale.discount.*\",\"cash.*\",\"drawer.open\","
    "\"catalog.edit\",\"staff.manage\",\"terminals.manage\",\"reports.view\","
    "\"upstream.resolve\"]', 50, 1, 0),"
    "  ('cashier', '[\"sale.discount.line\",\"cash.open\",\"cash.close\",\"cash.in\"]',"
    "   10, 1, 0);"
    "CREATE TABLE accounts("
    "  id TEXT PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password TEXT NOT NULL,"
    "  role TEXT NOT NULL REFERENCES roles(name),"
    "  must_change_password INTEGER NOT NULL DEFAULT 1,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    "  id_hash BLOB PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  csrf_token TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_seen_at INTEGER NOT NULL,"
    "  address TEXT NOT NULL);"
    "CREATE INDEX sessions_account ON sessions(account_id);"
    "CREATE TABLE login_throttle("
    "  kind TEXT NOT NULL CHECK (kind IN ('account', 'address')),"
    "  key TEXT NOT NULL,"
    "  failures INTEGER NOT NULL,"
    "  last_failure_at INTEGER NOT NULL,"
    "  locked_until INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (kind, key));"
    "CREATE TABLE staff("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL REFERENCES roles(name),"
    "  pin TEXT,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);",
    /*
     * 6: staff sync and flagged ops. staff_log and role_log keep every
     * version of a staff member's role and of a role's patterns with the
     * hub time it took effect, so that an op is re-checked against the role
     * its actor held when it was made (hub/staff_check.c). flags are the
     * ops the hub kept although they did not hold (docs/security.md). meta
     * 'people_version' counts staff and role changes, as 'catalog_version'
     * counts the catalog's.
     */
    "CREATE TABLE staff_log("
    "  staff_id TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  active INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX staff_log_at ON staff_log(staff_id, at);"
    "CREATE TABLE role_log("
    "  name TEXT NOT NULL,"
    "  permissions TEXT NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX role_log_at ON role_log(name, at);"
    "INSERT INTO role_log(name, permissions, at) SELECT name, permissions, 0 FROM roles;"
    "INSERT INTO staff_log(staff_id, role, active, at) SELECT id, role, active, 0 FROM staff;"
    "CREATE TABLE flags("
    "  id INTEGER PRIMARY KEY,"
    "  op_id TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('rejected-needs-manager', 'no-actor',"
    "    'unknown-actor')),"
    "  permission TEXT,"
    "  actor TEXT,"
    "  approver TEXT,"
    "  message TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    "CREATE INDEX flags_open ON flags(id) WHERE resolved_at IS NULL;",
    /*
     * 7: the terminals' fiscal journals (hub/journal_store.h): every record
     * as received, per terminal and seq, with the hub sequence of its event;
     * journal_alerts keeps what did not hold (a broken chain, a hash that
     * does not match, a record that contradicts its number), never deleted.
     */
    "CREATE TABLE journal("
    "  terminal_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL CHECK (seq >= 1),"
    "  number TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  record_id TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  amount INTEGER NOT NULL,"
    "  grand_total INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL,"
    "  hub_seq INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (terminal_id, seq));"
    "CREATE TABLE journal_alerts("
    "  id INTEGER PRIMARY KEY,"
    "  terminal_id TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('chain-broken', 'hash-mismatch', 'seq-mismatch')),"
    "  message TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    "CREATE INDEX journal_alerts_open ON journal_alerts(terminal_id, seq) "
    "WHERE resolved_at IS NULL;",
    /*
     * 8: removing catalog items and more admin accounts. An item is never
     * deleted (orders point at it): removal clears `active`
     * (hub/catalog_store.h). Accounts already have `disabled`; the account
     * list shows each one's last sign-in from the audit log, through
     * audit_logins.
     */
    "ALTER TABLE catalog ADD COLUMN active INTEGER NOT NULL DEFAULT 1"
    "  CHECK (active IN (0, 1));"
    "CREATE INDEX audit_logins ON audit(subject, at) WHERE action = 'session.login';",
    /*
     * 9: the role's discount ceiling as it was when an op was made, for the
     * re-check of discounts (staff_check.c).
     */
    "ALTER TABLE role_log ADD COLUMN discount_ceiling INTEGER;"
    "UPDATE role_log SET discount_ceiling = (SELECT discount_ceiling FROM roles"
    "  WHERE roles.name = role_log.name);"
    /*
     * ... and what the hub's re-check of orders across terminals finds: a
     * refund over what its sale has left (the refund stands; a manager looks).
     */
    "CREATE TABLE order_alerts("
    "  id INTEGER PRIMARY KEY,"
    "  order_id TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('over-refund', 'refund-of-unknown-sale')),"
    "  field TEXT,"
    "  message TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    "CREATE INDEX order_alerts_open ON order_alerts(id) WHERE resolved_at IS NULL;",
    /* 10: the refunds of a sale, found without reading every order (refund_recheck.c). */
    "CREATE INDEX orders_refund_of ON orders(json_extract(doc, '$.refundOf'))"
    "  WHERE json_extract(doc, '$.type') = 'refund';",
    /*
     * 11: the store's settings, every version kept (settings_store.c): the
     * newest row is in force; each change is also a settings.put event.
     */
    "CREATE TABLE settings("
    "  version INTEGER PRIMARY KEY,"
    "  doc TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  at INTEGER NOT NULL);",
    /*
     * 12: cash sessions (hub/cash_store.h): every terminal's sessions, the
     * last revision of each with its difference, and what the hub computed
     * from the orders it holds with that cashSession; cash_alerts keeps a
     * close whose cash or totals the hub does not find, never deleted.
     */
    "CREATE TABLE cash_sessions("
    "  id TEXT PRIMARY KEY,"
    "  terminal_id TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),"
    "  opened_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  float_amount INTEGER NOT NULL,"
    "  expected INTEGER,"
    "  counted INTEGER,"
    "  difference INTEGER,"
    "  hub_expected INTEGER,"
    "  hub_totals TEXT,"
    "  z_number TEXT,"
    "  doc TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX cash_sessions_terminal ON cash_sessions(terminal_id, opened_at);"
    "CREATE TABLE cash_alerts("
    "  id INTEGER PRIMARY KEY,"
    "  session_id TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('expected-mismatch', 'totals-mismatch')),"
    "  message TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    "CREATE INDEX orders_cash_session ON orders(json_extract(doc, '$.cashSession'))"
    "  WHERE json_extract(doc, '$.cashSession') IS NOT NULL;",
    /*
     * 13: customers and loyalty (hub/customer_store.h). customers holds the
     * winning version of each (last writer wins, by updatedAt then writer
     * id); loyalty_ledger one entry per completed order naming a customer,
     * with the hub sequence it arrived at; a balance is their sum.
     * loyalty_alerts keeps what a manager must see: a balance driven below
     * zero (two terminals redeeming offline), an order for a customer the
     * hub does not know. Never deleted.
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
    "  seq INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL);"
    "CREATE INDEX customers_phone ON customers(phone) WHERE phone != '';"
    "CREATE INDEX customers_card ON customers(card) WHERE card != '';"
    "CREATE TABLE loyalty_ledger("
    "  order_id TEXT PRIMARY KEY,"
    "  customer_id TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  receipt TEXT,"
    "  earned INTEGER NOT NULL,"
    "  redeemed INTEGER NOT NULL,"
    "  spend INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX loyalty_ledger_customer ON loyalty_ledger(customer_id, seq);"
    "CREATE TABLE loyalty_alerts("
    "  id INTEGER PRIMARY KEY,"
    "  customer_id TEXT NOT NULL,"
    "  order_id TEXT NOT NULL,"
    "  terminal_id TEXT NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('negative-balance', 'unknown-customer')),"
    "  balance INTEGER NOT NULL,"
    "  message TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);"
    "CREATE INDEX loyalty_alerts_customer ON loyalty_alerts(customer_id);",
    /*
     * 14: stock as a ledger (hub/stock_store.h): one row per movement, a
     * sale's or refund's line ("<order id>:<line>") or a stock.move op's
     * (its entityId), made by a terminal or the hub (origin); a level is
     * the sum of its sku's qty, kept in stock_levels by the same
     * transaction that adds a movement (a push must not sum a sku's whole
     * history per sale line). A threshold marks a sku low at or below it;
     * stock_alerts keeps each time a level went below zero.
     */
    "CREATE TABLE stock_moves("
    "  id TEXT PRIMARY KEY,"
    "  sku TEXT NOT NULL,"
    "  qty INTEGER NOT NULL CHECK (qty != 0),"
    "  kind TEXT NOT NULL CHECK (kind IN ('sale', 'refund', 'adjust', 'receive')),"
    "  reason TEXT,"
    "  order_id TEXT,"
    "  origin TEXT NOT NULL,"
    "  actor TEXT,"
    "  hub_seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  received_at INTEGER NOT NULL);"
    "CREATE INDEX stock_moves_sku ON stock_moves(sku, hub_seq);"
    "CREATE INDEX stock_moves_origin ON stock_moves(origin, sku);"
    "CREATE TABLE stock_levels("
    "  sku TEXT PRIMARY KEY,"
    "  level INTEGER NOT NULL);"
    "CREATE TABLE stock_thresholds("
    "  sku TEXT PRIMARY KEY,"
    "  threshold INTEGER NOT NULL CHECK (threshold >= 0),"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE stock_alerts("
    "  id INTEGER PRIMARY KEY,"
    "  sku TEXT NOT NULL,"
    "  code TEXT NOT NULL CHECK (code IN ('negative')),"
    "  level INTEGER NOT NULL,"
    "  move_id TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  resolved_at INTEGER);",
};

int hub_db_open(const char *data_dir, int create, sqlite3 **db)
{
	return db_open_in(data_dir, "hub.db", create, hub_migrations,
			  (int)(sizeof(hub_migrations) / sizeof(hub_migrations[0])), db);
}
