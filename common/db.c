// SPDX-License-Identifier: MIT
/* SQLite helpers: open, migrate, execute (see db.h). */
#include "db.h"
#include "fsutil.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int db_check(sqlite3 *db, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	log_error("sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY;
	if (rc == SQLITE_CONSTRAINT)
		return -EEXIST;
	return -EIO;
}

int db_exec(sqlite3 *db, const char *sql)
{
	return db_check(db, sqlite3_exec(db, sql, NULL, NULL, NULL), sql);
}

int db_end(sqlite3 *db, int rc)
{
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	return db_check(db, sqlite3_prepare_v2(db, sql, -1, stmt, NULL), sql);
}

/*
 * The statement cache: (handle, SQL text address) -> prepared statement, in a
 * small open-addressed table shared by the process's handles. Preparing
 * costs more than running the short statements of the hot paths (about a
 * third of a push, measured), so those keep theirs until db_close.
 */
#define DB_CACHE_SLOTS 256

struct db_cached {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
};

static struct db_cached db_cache[DB_CACHE_SLOTS];
static pthread_mutex_t db_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t db_cache_slot(const sqlite3 *db, const char *sql)
{
	uintptr_t h = ((uintptr_t)sql >> 3) ^ ((uintptr_t)db >> 4);

	return (size_t)((h * 0x9e3779b97f4a7c15ull) >> 32) % DB_CACHE_SLOTS;
}

int db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	size_t i, n;
	int rc = 0;

	*stmt = NULL;
	pthread_mutex_lock(&db_cache_lock);
	for (i = db_cache_slot(db, sql), n = 0; n < DB_CACHE_SLOTS;
	     i = (i + 1) % DB_CACHE_SLOTS, n++) {
		struct db_cached *e = &db_cache[i];

		if (e->db == db && e->sql == sql) {
			*stmt = e->st;
			break;
		}
		if (!e->db) {
			rc = db_check(
			    db,
			    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL),
			    sql);
			if (rc == 0)
				*e = (struct db_cached){db, sql, *stmt};
			break;
		}
	}
	pthread_mutex_unlock(&db_cache_lock);
	if (rc == 0 && !*stmt) {
		log_error("sqlite: the statement cache is full (%d): %s", DB_CACHE_SLOTS, sql);
		return -ENOMEM;
	}
	if (rc == 0 && sqlite3_stmt_busy(*stmt)) {
		/* Two users of one statement at once would corrupt each other's rows. */
		log_error("sqlite: statement already in use: %s", sql);
		*stmt = NULL;
		return -EBUSY;
	}
	return rc;
}

void db_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Drop `db`'s statements and put the others back where lookups will find them. */
static void db_cache_drop(sqlite3 *db)
{
	struct db_cached keep[DB_CACHE_SLOTS];
	size_t i, n = 0;

	pthread_mutex_lock(&db_cache_lock);
	for (i = 0; i < DB_CACHE_SLOTS; i++) {
		if (db_cache[i].db == db)
			sqlite3_finalize(db_cache[i].st);
		else if (db_cache[i].db)
			keep[n++] = db_cache[i];
		db_cache[i] = (struct db_cached){0};
	}
	for (i = 0; i < n; i++) {
		size_t j = db_cache_slot(keep[i].db, keep[i].sql);

		while (db_cache[j].db)
			j = (j + 1) % DB_CACHE_SLOTS;
		db_cache[j] = keep[i];
	}
	pthread_mutex_unlock(&db_cache_lock);
}

int db_open(const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		log_error("sqlite: cannot open %s: %s", path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	/* Guarantee 1: a commit is on disk before we say so (DESIGN.md). */
	rc = db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;");
	if (rc < 0)
		goto fail;
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -EIO;
}

int db_open_existing(const char *path, sqlite3 **out)
{
	if (!fsutil_exists(path)) {
		*out = NULL;
		return -ENOENT;
	}
	return db_open(path, out);
}

void db_close(sqlite3 *db)
{
	if (db)
		db_cache_drop(db);
	if (db && sqlite3_close(db) != SQLITE_OK)
		log_error("sqlite: close: %s", sqlite3_errmsg(db));
}

static int db_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "PRAGMA user_version", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	rc = db_check(db, rc, "PRAGMA user_version");
	sqlite3_finalize(st);
	return rc;
}

int db_migrate(sqlite3 *db, const char *const *steps, int n)
{
	char set_version[64];
	int version = 0;
	int rc;

	rc = db_user_version(db, &version);
	if (rc < 0)
		return rc;
	if (version > n) {
		log_error("database schema version %d is newer than this program knows (%d): "
			  "upgrade tillnet",
			  version, n);
		return -EPROTO;
	}
	for (int i = version; i < n; i++) {
		rc = db_exec(db, "BEGIN IMMEDIATE");
		if (rc < 0)
			return rc;
		snprintf(set_version, sizeof(set_version), "PRAGMA user_version=%d", i + 1);
		rc = db_exec(db, steps[i]);
		if (rc == 0)
			rc = db_exec(db, set_version);
		if (rc == 0)
			rc = db_exec(db, "COMMIT");
		if (rc < 0) {
			db_exec(db, "ROLLBACK");
			return rc;
		}
	}
	return 0;
}

int db_open_in(const char *dir, const char *name, int create, const char *const *steps, int n,
	       sqlite3 **db)
{
	char path[PATH_MAX];
	int rc;

	*db = NULL;
	rc = fsutil_path(path, sizeof(path), dir, name);
	if (rc < 0)
		return rc;
	rc = create ? db_open(path, db) : db_open_existing(path, db);
	if (rc < 0)
		return rc;
	rc = db_migrate(*db, steps, n);
	if (rc < 0) {
		db_close(*db);
		*db = NULL;
	}
	return rc;
}

int64_t db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int db_meta_get_int(sqlite3 *db, const char *key, int64_t *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*value = 0;
	rc = db_prepare(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, key);
	sqlite3_finalize(st);
	return rc;
}

int db_meta_set_int(sqlite3 *db, const char *key, int64_t value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	rc = db_check(db, sqlite3_step(st), key);
	sqlite3_finalize(st);
	return rc;
}

int db_meta_get_text(sqlite3 *db, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	out[0] = '\0';
	rc = db_prepare(db, "SELECT value FROM meta WHERE key = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, key);
	sqlite3_finalize(st);
	return rc;
}

int db_meta_set_text(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), key);
	sqlite3_finalize(st);
	return rc;
}
