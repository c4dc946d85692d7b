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
};

int hub_db_open(const char *data_dir, int create, sqlite3 **db)
{
	return db_open_in(data_dir, "hub.db", create, hub_migrations,
			  (int)(sizeof(hub_migrations) / sizeof(hub_migrations[0])), db);
}
