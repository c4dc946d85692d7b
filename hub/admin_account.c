// SPDX-License-Identifier: MIT
/* Admin accounts and their roles' permissions in hub.db (see admin_account.h). */
#include "admin_account.h"
#include "db.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int admin_username_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > ADMIN_USERNAME_MAX || !isalnum((unsigned char)name[0]))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		/* isalnum alone would follow the locale; accept ASCII only. */
		if (c >= 0x80 || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
			return -EINVAL;
	}
	return 0;
}

int admin_account_create(sqlite3 *db, const char *username, const char *role, const char *password,
			 size_t len, int must_change, int64_t now, char id[UUID_TEXT_LEN])
{
	char phc[PASSWD_PHC_MAX];
	uint8_t raw[UUID_LEN];
	sqlite3_stmt *st = NULL;
	int rc;

	if (admin_username_valid(username) < 0)
		return -EINVAL;
	rc = uuid_v7(raw);
	if (rc == 0)
		rc = passwd_hash(password, len, phc);
	if (rc < 0)
		return rc;
	uuid_format(raw, id);
	rc = db_prepare(db,
			"INSERT INTO accounts(id, username, password, role, must_change_password, "
			"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?6)",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, username, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, phc, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, must_change ? 1 : 0);
		sqlite3_bind_int64(st, 6, now);
		rc = db_check(db, sqlite3_step(st), "create an account");
	}
	sqlite3_finalize(st);
	return rc;
}

static int account_read(sqlite3 *db, const char *where, const char *key, struct admin_account *out)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql),
		 "SELECT id, username, role, password, must_change_password, disabled, "
		 "created_at FROM accounts WHERE %s",
		 where);
	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(out->username, sizeof(out->username), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		snprintf(out->role, sizeof(out->role), "%s",
			 (const char *)sqlite3_column_text(st, 2));
		snprintf(out->password, sizeof(out->password), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		out->must_change_password = sqlite3_column_int(st, 4);
		out->disabled = sqlite3_column_int(st, 5);
		out->created_at = sqlite3_column_int64(st, 6);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read an account");
	}
	sqlite3_finalize(st);
	return rc;
}

int admin_account_find(sqlite3 *db, const char *username, struct admin_account *out)
{
	/* The column is COLLATE NOCASE: "Owner" finds "owner". */
	return account_read(db, "username = ?", username, out);
}

int admin_account_get(sqlite3 *db, const char *id, struct admin_account *out)
{
	return account_read(db, "id = ?", id, out);
}

int admin_account_set_password(sqlite3 *db, const char *id, const char *phc, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE accounts SET password = ?, must_change_password = 0, "
			"updated_at = ? WHERE id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, phc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "set a password");
	if (rc == 0 && sqlite3_changes(db) != 1)
		rc = -ENOENT;
	sqlite3_finalize(st);
	return rc;
}

int admin_role_patterns(sqlite3 *db, const char *role, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = NULL;
	size_t i;
	json_t *v;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT permissions FROM roles WHERE name = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read a role");
		goto out;
	}
	list = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	rc = list && json_is_array(list) ? 0 : -EPROTO;
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v))
			rc = -EPROTO;
	}
	if (rc < 0) {
		log_error("roles: the permissions of role %s are not an array of strings", role);
		json_decref(list);
		goto out;
	}
	*out = list;
out:
	sqlite3_finalize(st);
	return rc;
}

int admin_role_grants(sqlite3 *db, const char *role, const char *name, int *granted)
{
	json_t *list, *v;
	size_t i;
	int rc;

	*granted = 0;
	rc = admin_role_patterns(db, role, &list);
	if (rc < 0)
		return rc;
	json_array_foreach(list, i, v)
	{
		const char *pattern = json_string_value(v);

		if (perm_pattern_valid(pattern) < 0) {
			log_warn("roles: role %s holds \"%s\", which is not a permission; ignored",
				 role, pattern);
			continue;
		}
		if (perm_match(pattern, name))
			*granted = 1;
	}
	json_decref(list);
	return 0;
}

json_t *admin_account_json(sqlite3 *db, const struct admin_account *a)
{
	json_t *patterns;

	if (admin_role_patterns(db, a->role, &patterns) < 0)
		return NULL;
	/* "o" takes the reference to patterns, even when json_pack fails. */
	return json_pack("{s:s, s:s, s:s, s:o, s:I}", "id", a->id, "username", a->username, "role",
			 a->role, "permissions", patterns, "createdAt", (json_int_t)a->created_at);
}
