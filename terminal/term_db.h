/* SPDX-License-Identifier: MIT */
/*
 * term.db: the terminal's own database (WAL, synchronous=FULL): the sync
 * connection's state (what `tillnet-term status` reads), the catalog copy,
 * orders (its own and the mirror of the others'), the outbox, the hub cursor.
 */
#ifndef TILLNET_TERM_DB_H
#define TILLNET_TERM_DB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

struct term_sync_state {
	const char *state;	     /* connecting, connected, waiting, stopped */
	const char *hub;	     /* wss://host:port */
	const char *last_error;	     /* NULL: none */
	const char *last_error_code; /* NULL: none */
	int64_t since;		     /* ms */
	int64_t next_attempt_at;     /* ms, 0: none */
	int64_t connected_at;	     /* ms, 0: never */
	int64_t clock_offset_ms;
};

int term_db_open(const char *data_dir, int create, sqlite3 **db);

/* Integers in the meta table (0 when absent). */
#define TERM_META_CURSOR	  "hub_cursor"
#define TERM_META_CATALOG_VERSION "catalog_version"
#define TERM_META_RECEIPT_SEQ	  "receipt_seq"
#define TERM_META_PEOPLE_VERSION  "people_version"
int term_db_get_int(sqlite3 *db, const char *key, int64_t *value);
int term_db_set_int(sqlite3 *db, const char *key, int64_t value);

/* term_db_connected: 1 when the running terminal says it is connected to the hub, else 0. */
int term_db_connected(sqlite3 *db);

/*
 * The store's settings as the hub last sent them (common/settings.h), in
 * meta 'settings' (JSON text) at 'settings_version'. term_db_settings gives
 * the defaults before the first arrives; -EIO, or -EPROTO for a stored text
 * that does not read (logged). term_db_put_settings stores a settings.put
 * payload or snapshot member {version, settings} unless an equal or newer
 * version is here; -EPROTO when it does not check.
 */
#define TERM_META_SETTINGS	   "settings"
#define TERM_META_SETTINGS_VERSION "settings_version"
struct store_settings;
int term_db_settings(sqlite3 *db, struct store_settings *out);
int term_db_put_settings(sqlite3 *db, json_t *versioned);

/* term_db_save_state: the one sync_state row, replaced whole. */
int term_db_save_state(sqlite3 *db, const struct term_sync_state *s);

/* term_db_state_json: that row as JSON (camelCase); caller json_decref's. */
int term_db_state_json(sqlite3 *db, json_t **out);

#endif
