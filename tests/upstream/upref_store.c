// SPDX-License-Identifier: MIT
/* The reference upstream's SQLite file (see upref_store.h). */
#include "upref_store.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct upref_store {
	sqlite3 *db;
	sqlite3_stmt *find;
	sqlite3_stmt *insert;
};

static const char *const upref_schema[] = {
    "CREATE TABLE records ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " kind TEXT NOT NULL,"
    " terminal TEXT NOT NULL,"
    " receipt TEXT,"
    " total INTEGER,"
    " hash TEXT NOT NULL,"
    " record TEXT NOT NULL,"
    " batch_id TEXT NOT NULL,"
    " received_at INTEGER NOT NULL)",
};

int upref_store_open(const char *path, struct upref_store **out)
{
	struct upref_store *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = db_open(path, &s->db);
	if (rc == 0)
		rc = db_migrate(s->db, upref_schema, 1);
	if (rc == 0)
		rc = db_prepare(s->db, "SELECT hash, 'UP-' || seq FROM records WHERE id = ?1",
				&s->find);
	if (rc == 0)
		rc = db_prepare(s->db,
				"INSERT INTO records (id, kind, terminal, receipt, total, hash, "
				"record, batch_id, received_at) VALUES "
				"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
				&s->insert);
	if (rc < 0) {
		log_error("cannot use %s as the upstream database", path);
		upref_store_close(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void upref_store_close(struct upref_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->insert);
	db_close(s->db);
	free(s);
}

int upref_store_begin(struct upref_store *s)
{
	return db_exec(s->db, "BEGIN IMMEDIATE");
}

int upref_store_commit(struct upref_store *s)
{
	return db_exec(s->db, "COMMIT");
}

void upref_store_rollback(struct upref_store *s)
{
	if (sqlite3_get_autocommit(s->db))
		return; /* SQLite already rolled back (e.g. after an I/O error) */
	db_exec(s->db, "ROLLBACK");
}

int upref_store_find(struct upref_store *s, const char *id, int *found,
		     char hash[UPREF_HASH_TEXT_LEN], char ref[UPREF_REF_LEN])
{
	int rc;

	*found = 0;
	sqlite3_reset(s->find);
	sqlite3_bind_text(s->find, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->find);
	if (rc == SQLITE_ROW) {
		*found = 1;
		snprintf(hash, UPREF_HASH_TEXT_LEN, "%s",
			 (const char *)sqlite3_column_text(s->find, 0));
		snprintf(ref, UPREF_REF_LEN, "%s", (const char *)sqlite3_column_text(s->find, 1));
	}
	rc = db_check(s->db, rc, "find a record");
	sqlite3_reset(s->find);
	sqlite3_clear_bindings(s->find);
	return rc < 0 ? -EIO : 0;
}

int upref_store_insert(struct upref_store *s, const struct upref_stored *rec,
		       char ref[UPREF_REF_LEN])
{
	sqlite3_stmt *st = s->insert;
	sqlite3_int64 seq;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, rec->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rec->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, rec->terminal, -1, SQLITE_STATIC);
	if (rec->receipt)
		sqlite3_bind_text(st, 4, rec->receipt, -1, SQLITE_STATIC);
	if (rec->has_total)
		sqlite3_bind_int64(st, 5, rec->total);
	sqlite3_bind_text(st, 6, rec->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rec->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, rec->batch_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, rec->received_at);
	rc = db_check(s->db, sqlite3_step(st), "insert a record");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc < 0)
		return -EIO;
	/* AUTOINCREMENT never reuses a seq, so "UP-<seq>" is unique for good. */
	seq = sqlite3_last_insert_rowid(s->db);
	snprintf(ref, UPREF_REF_LEN, "UP-%lld", (long long)seq);
	return 0;
}

static json_t *upref_text_or_null(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? json_string((const char *)t) : json_null();
}

int upref_store_list(struct upref_store *s, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list, *row, *record;
	int rc;

	*out = NULL;
	list = json_array();
	if (!list)
		return -ENOMEM;
	rc = db_prepare(
	    s->db,
	    "SELECT id, kind, terminal, receipt, 'UP-' || seq, received_at, batch_id, record "
	    "FROM records ORDER BY seq",
	    &st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record = json_loads((const char *)sqlite3_column_text(st, 7), 0, NULL);
		/* "o" steals each value, also when the pack fails. */
		row = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}", "id",
				upref_text_or_null(st, 0), "kind", upref_text_or_null(st, 1),
				"terminal", upref_text_or_null(st, 2), "receipt",
				upref_text_or_null(st, 3), "ref", upref_text_or_null(st, 4),
				"receivedAt", (json_int_t)sqlite3_column_int64(st, 5), "batchId",
				upref_text_or_null(st, 6), "record", record);
		if (!row || json_array_append_new(list, row) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = db_check(s->db, rc, "list records");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	*out = json_pack("{s:o}", "records", list);
	return *out ? 0 : -ENOMEM;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return rc == -ENOMEM ? rc : -EIO;
}

int upref_store_totals(struct upref_store *s, int64_t *records, json_t **totals)
{
	sqlite3_stmt *st = NULL;
	json_t *t;
	int rc;

	*records = 0;
	*totals = NULL;
	t = json_object();
	if (!t)
		return -ENOMEM;
	rc = db_prepare(s->db, "SELECT count(*) FROM records", &st);
	if (rc < 0)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*records = sqlite3_column_int64(st, 0);
	rc = db_check(s->db, rc, "count records");
	sqlite3_finalize(st);
	st = NULL;
	if (rc < 0)
		goto fail;
	/* Sums of int64 totals: SQLite reports an overflow as an error, never wraps. */
	rc = db_prepare(s->db,
			"SELECT terminal, sum(total) FROM records WHERE kind = 'sale' AND "
			"total IS NOT NULL GROUP BY terminal ORDER BY terminal",
			&st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_object_set_new(t, (const char *)sqlite3_column_text(st, 0),
					json_integer(sqlite3_column_int64(st, 1))) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = db_check(s->db, rc, "sum sale totals");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	*totals = t;
	return 0;
fail:
	sqlite3_finalize(st);
	json_decref(t);
	return rc == -ENOMEM ? rc : -EIO;
}

int upref_content_hash(const char *text, char out[UPREF_HASH_TEXT_LEN])
{
	unsigned char digest[32];
	int rc;

	rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), digest);
	if (rc < 0) {
		log_error("gnutls: sha-256: %s", gnutls_strerror(rc));
		return -EIO;
	}
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
	return 0;
}
