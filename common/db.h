/* SPDX-License-Identifier: MIT */
/*
 * SQLite helpers both programs use: opening a database the way tillnet wants
 * it (WAL, synchronous=FULL, foreign keys, a busy timeout) and numbered
 * migrations kept in PRAGMA user_version. SQLite's own messages are logged
 * here and turned into negative errno values.
 */
#ifndef TILLNET_DB_H
#define TILLNET_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* db_open: open or create `path`. 0 or -EIO (logged). Close with db_close. */
int db_open(const char *path, sqlite3 **db);

/* db_open_existing: like db_open but -ENOENT if the file does not exist. */
int db_open_existing(const char *path, sqlite3 **db);

void db_close(sqlite3 *db);

/*
 * db_migrate: run each step whose number (index + 1) is above user_version,
 * each in its own transaction together with the new user_version. A database
 * newer than this program (user_version > n) is -EPROTO.
 */
int db_migrate(sqlite3 *db, const char *const *steps, int n);

/*
 * db_open_in: open DIR/NAME (creating it with `create`, else -ENOENT if it
 * is missing) and bring it to the schema of `steps` (db_migrate).
 */
int db_open_in(const char *dir, const char *name, int create, const char *const *steps, int n,
	       sqlite3 **db);

/* db_exec: run SQL with no results; -EIO with sqlite3_errmsg logged. */
int db_exec(sqlite3 *db, const char *sql);

/*
 * db_end: end the transaction the caller began: COMMIT when `rc` is 0,
 * else (or when the COMMIT fails) ROLLBACK. Returns `rc`, or the COMMIT's
 * error.
 */
int db_end(sqlite3 *db, int rc);

/* db_prepare: prepare one statement; -EIO logged. */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt);

/*
 * db_stmt: the prepared statement for `sql`, kept for this handle until
 * db_close: the key is the text's address, so pass a string literal. Bind,
 * step, then db_done; never finalize it. -EBUSY (logged) if it is still in
 * use (a caller forgot db_done, or the same statement nested), -EIO, or
 * -ENOMEM when the process holds too many. A handle and its statements
 * belong to one thread at a time.
 */
int db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **stmt);

/* db_done: reset a db_stmt statement and clear its bindings. NULL is a no-op. */
void db_done(sqlite3_stmt *st);

/* db_check: turn a SQLite result code into 0 or -EIO, logging `what`. */
int db_check(sqlite3 *db, int rc, const char *what);

/*
 * db_meta_get_int / db_meta_set_int: an integer in the `meta(key, value)`
 * table both hub.db and term.db have (0 when the key is absent). 0 or -EIO.
 */
int db_meta_get_int(sqlite3 *db, const char *key, int64_t *value);
int db_meta_set_int(sqlite3 *db, const char *key, int64_t value);

/*
 * db_meta_get_text / db_meta_set_text: the same for text; get gives "" when
 * the key is absent and cuts the value to `len`. 0 or -EIO.
 */
int db_meta_get_text(sqlite3 *db, const char *key, char *out, size_t len);
int db_meta_set_text(sqlite3 *db, const char *key, const char *value);

/* db_now_ms: wall clock in ms since the epoch (what rows record). */
int64_t db_now_ms(void);

#endif
