// SPDX-License-Identifier: MIT
/* The terminal registry in hub.db (see registry.h). */
#include "registry.h"
#include "audit.h"
#include "db.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(out, outlen, "%s", v ? (const char *)v : "");
}

int registry_check_name(const char *name, char *err, size_t errlen)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > REGISTRY_NAME_MAX) {
		snprintf(err, errlen, "name: expected 1 to %d characters", REGISTRY_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (iscntrl((unsigned char)name[i]) || name[i] == ';') {
			snprintf(err, errlen, "name: control characters and ';' are not allowed");
			return -EINVAL;
		}
	}
	return 0;
}

int registry_add_code(sqlite3 *db, const char *terminal_id, const char *name,
		      const uint8_t secret_hash[32], int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO enroll_codes(terminal_id, name, secret_hash, created_at, "
			"expires_at) VALUES (?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, secret_hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now + REGISTRY_CODE_TTL_MS);
	rc = db_check(db, sqlite3_step(st), "add enrollment code");
	sqlite3_finalize(st);
	return rc;
}

int registry_get_code(sqlite3 *db, const char *terminal_id, struct registry_code *code)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(code, 0, sizeof(*code));
	rc = db_prepare(db,
			"SELECT terminal_id, name, secret_hash, expires_at, used_at "
			"FROM enroll_codes WHERE terminal_id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, code->terminal_id, sizeof(code->terminal_id));
		copy_col(st, 1, code->name, sizeof(code->name));
		if (sqlite3_column_bytes(st, 2) == 32)
			memcpy(code->secret_hash, sqlite3_column_blob(st, 2), 32);
		code->expires_at = sqlite3_column_int64(st, 3);
		code->used_at = sqlite3_column_int64(st, 4);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = db_check(db, rc, "get enrollment code");
	}
	sqlite3_finalize(st);
	return rc;
}

static int next_short_code(sqlite3 *db, char out[16])
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	rc = db_prepare(db,
			"SELECT COALESCE(MAX(CAST(substr(short_code, 2) AS INTEGER)), 0) "
			"FROM terminals",
			&st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	rc = db_check(db, rc, "next short code");
	sqlite3_finalize(st);
	snprintf(out, 16, "T%02d", (int)((n + 1) % 1000000));
	return rc;
}

int registry_enroll(sqlite3 *db, struct registry_terminal *t, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"UPDATE enroll_codes SET used_at = ? WHERE terminal_id = ? "
			"AND used_at IS NULL",
			&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, t->id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "use enrollment code");
	sqlite3_finalize(st);
	st = NULL;
	if (rc < 0)
		goto fail;
	if (sqlite3_changes(db) != 1) {
		rc = -EALREADY;
		goto fail;
	}
	rc = next_short_code(db, t->short_code);
	if (rc < 0)
		goto fail;
	rc = db_prepare(db,
			"INSERT INTO terminals(id, name, short_code, cert_serial, enrolled_at) "
			"VALUES (?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->short_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->cert_serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = db_check(db, sqlite3_step(st), "insert terminal");
	sqlite3_finalize(st);
	st = NULL;
	if (rc < 0)
		goto fail;
	t->enrolled_at = now;
	t->revoked_at = 0;
	rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(st);
	db_exec(db, "ROLLBACK");
	return rc;
}

static int find_where(sqlite3 *db, const char *sql, const char *key, struct registry_terminal *t)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, t->id, sizeof(t->id));
		copy_col(st, 1, t->name, sizeof(t->name));
		copy_col(st, 2, t->short_code, sizeof(t->short_code));
		copy_col(st, 3, t->cert_serial, sizeof(t->cert_serial));
		t->enrolled_at = sqlite3_column_int64(st, 4);
		t->revoked_at = sqlite3_column_int64(st, 5);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = db_check(db, rc, "find terminal");
	}
	sqlite3_finalize(st);
	return rc;
}

#define TERMINAL_COLUMNS "id, name, short_code, cert_serial, enrolled_at, revoked_at"

int registry_find(sqlite3 *db, const char *id, struct registry_terminal *t)
{
	return find_where(db, "SELECT " TERMINAL_COLUMNS " FROM terminals WHERE id = ?1 OR id = ?2",
			  id, t);
}

int registry_lookup(sqlite3 *db, const char *key, struct registry_terminal *t)
{
	return find_where(db,
			  "SELECT " TERMINAL_COLUMNS
			  " FROM terminals WHERE id = ?1 OR upper(short_code) = upper(?2)",
			  key, t);
}

int registry_revoke(sqlite3 *db, const char *key, const char *actor, int64_t now,
		    struct registry_terminal *t)
{
	sqlite3_stmt *st = NULL;
	json_t *detail = NULL;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = registry_lookup(db, key, t);
	if (rc == 0 && t->revoked_at)
		rc = -EALREADY;
	if (rc == 0)
		rc = db_prepare(db, "UPDATE terminals SET revoked_at = ? WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, t->id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "revoke terminal");
		sqlite3_finalize(st);
	}
	if (rc == 0) {
		detail = json_pack("{s:s, s:s}", "shortCode", t->short_code, "name", t->name);
		rc = detail ? audit_append(db, actor, "terminal.revoke", t->id, detail, now)
			    : -ENOMEM;
		json_decref(detail);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		db_exec(db, "ROLLBACK");
		return rc;
	}
	t->revoked_at = now;
	return 0;
}

int registry_list(sqlite3 *db, int hub_running, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT t.id, t.name, t.short_code, t.cert_serial, t.enrolled_at, "
			"t.revoked_at, p.online, p.address, p.last_seen, p.connected_at, "
			"p.clock_offset_ms FROM terminals t LEFT JOIN presence p "
			"ON p.terminal_id = t.id ORDER BY t.short_code",
			&st);
	if (rc < 0)
		return rc;
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *t = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id",
				      (const char *)sqlite3_column_text(st, 0), "name",
				      (const char *)sqlite3_column_text(st, 1), "shortCode",
				      (const char *)sqlite3_column_text(st, 2), "certSerial",
				      (const char *)sqlite3_column_text(st, 3), "enrolledAt",
				      (json_int_t)sqlite3_column_int64(st, 4));
		int online = hub_running && sqlite3_column_int(st, 6);

		if (!t)
			continue;
		json_object_set_new(t, "revokedAt",
				    sqlite3_column_type(st, 5) == SQLITE_NULL
					? json_null()
					: json_integer(sqlite3_column_int64(st, 5)));
		json_object_set_new(t, "online", json_boolean(online));
		json_object_set_new(t, "address",
				    sqlite3_column_type(st, 7) == SQLITE_NULL
					? json_null()
					: json_string((const char *)sqlite3_column_text(st, 7)));
		json_object_set_new(t, "lastSeen",
				    sqlite3_column_type(st, 8) == SQLITE_NULL
					? json_null()
					: json_integer(sqlite3_column_int64(st, 8)));
		json_object_set_new(t, "connectedAt",
				    online ? json_integer(sqlite3_column_int64(st, 9))
					   : json_null());
		json_object_set_new(t, "clockOffsetMs",
				    sqlite3_column_type(st, 10) == SQLITE_NULL
					? json_null()
					: json_integer(sqlite3_column_int64(st, 10)));
		json_array_append_new(list, t);
	}
	rc = db_check(db, rc, "list terminals");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

int registry_presence_reset(sqlite3 *db)
{
	return db_exec(db, "UPDATE presence SET online = 0");
}

int registry_presence_online(sqlite3 *db, const char *id, const char *address, int64_t now,
			     int64_t clock_offset_ms, const char *software)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO presence(terminal_id, online, address, connected_at, "
			"last_seen, clock_offset_ms, software) VALUES (?1, 1, ?2, ?3, ?3, ?4, ?5) "
			"ON CONFLICT(terminal_id) DO UPDATE SET online = 1, address = ?2, "
			"connected_at = ?3, last_seen = ?3, clock_offset_ms = ?4, software = ?5",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, address, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, clock_offset_ms);
	sqlite3_bind_text(st, 5, software, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "presence online");
	sqlite3_finalize(st);
	return rc;
}

int registry_presence_offline(sqlite3 *db, const char *id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "UPDATE presence SET online = 0, last_seen = ? WHERE terminal_id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "presence offline");
	sqlite3_finalize(st);
	return rc;
}
