// SPDX-License-Identifier: MIT
/* Admin accounts and their roles' permissions in hub.db (see admin_account.h). */
#include "admin_account.h"
#include "admin_session.h"
#include "audit.h"
#include "db.h"
#include "log.h"
#include "staff_rules.h"

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

static int insert_account(sqlite3 *db, const char *id, const char *username, const char *role,
			  const char *phc, int must_change, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

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

int admin_account_create(sqlite3 *db, const char *username, const char *role, const char *password,
			 size_t len, int must_change, int64_t now, char id[UUID_TEXT_LEN])
{
	char phc[PASSWD_PHC_MAX];
	uint8_t raw[UUID_LEN];
	int rc;

	if (admin_username_valid(username) < 0)
		return -EINVAL;
	rc = uuid_v7(raw);
	if (rc == 0)
		rc = passwd_hash(password, len, phc);
	if (rc < 0)
		return rc;
	uuid_format(raw, id);
	return insert_account(db, id, username, role, phc, must_change, now);
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

/* ------------------------------------------------------------ managing accounts */

/* A one-time password and its hash, made before the transaction (argon2id takes ~25 ms). */
static int new_password(char password[PASSWD_GENERATED_LEN + 1], char phc[PASSWD_PHC_MAX],
			char *why, size_t whylen)
{
	int rc = passwd_generate(password);

	if (rc == 0)
		rc = passwd_hash(password, strlen(password), phc);
	if (rc < 0)
		snprintf(why, whylen, "cannot make a password (no random bytes from the kernel?)");
	return rc;
}

/* Does `held` (NULL: not limited) grant everything `role` grants? -EINVAL for no such role. */
static int check_role(sqlite3 *db, const char *role, json_t *held, int *grants_more, char *err,
		      size_t errlen)
{
	const char *h[STAFF_PATTERNS_MAX], *w[STAFF_PATTERNS_MAX];
	json_t *wanted = NULL;
	size_t m, n;
	int rc;

	*grants_more = 0;
	rc = admin_role_patterns(db, role, &wanted);
	if (rc == -ENOENT) {
		snprintf(err, errlen,
			 "role: there is no role \"%s\" (GET /api/v1/roles, tillnet-hub role list)",
			 role);
		return -EINVAL;
	}
	if (rc < 0 || !held)
		goto out;
	if (staff_patterns(held, h, STAFF_PATTERNS_MAX, &m) < 0 ||
	    staff_patterns(wanted, w, STAFF_PATTERNS_MAX, &n) < 0) {
		snprintf(err, errlen, "role: cannot read a role's patterns");
		rc = -EIO;
		goto out;
	}
	if (staff_no_escalation(h, m, w, n, err, errlen) < 0)
		*grants_more = 1;
out:
	json_decref(wanted);
	return rc;
}

/* A role to give an account: it exists and grants nothing `held` does not. */
static int check_new_role(sqlite3 *db, const char *role, json_t *held, char *why, size_t whylen)
{
	char err[256] = "";
	int more;
	int rc = check_role(db, role, held, &more, err, sizeof(err));

	if (rc < 0) {
		snprintf(why, whylen, "%s", err);
		return rc;
	}
	if (more) {
		snprintf(why, whylen, "role: the role \"%s\" grants more than your own role (%s)",
			 role, err);
		return -EPERM;
	}
	return 0;
}

/* The account to change: it exists, and its role grants nothing `held` does not. */
static int find_target(sqlite3 *db, const char *username, json_t *held, struct admin_account *a,
		       char *why, size_t whylen)
{
	char err[256] = "";
	int more;
	int rc = admin_account_find(db, username, a);

	if (rc == -ENOENT)
		snprintf(why, whylen, "there is no account \"%s\"", username);
	if (rc < 0)
		return rc;
	rc = check_role(db, a->role, held, &more, err, sizeof(err));
	if (rc == -EINVAL)
		rc = 0; /* a role since deleted by hand: nothing to protect */
	if (rc == 0 && more) {
		snprintf(why, whylen,
			 "the account \"%s\" has the role \"%s\", which grants more than your own "
			 "role (%s): ask someone who holds it",
			 a->username, a->role, err);
		rc = -EPERM;
	}
	return rc;
}

static int begin(sqlite3 *db, char *why, size_t whylen)
{
	if (db_exec(db, "BEGIN IMMEDIATE") < 0) {
		snprintf(why, whylen, "the hub's database is busy; try again");
		return -EBUSY;
	}
	return 0;
}

static int finish(sqlite3 *db, int rc, char *why, size_t whylen)
{
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		db_exec(db, "ROLLBACK");
		if (!why[0])
			snprintf(why, whylen, "the hub's database failed");
	}
	return rc;
}

/* audit: `action` on account `a`, with `detail` (consumed) plus its user name. */
static int audit(sqlite3 *db, const char *actor, const char *action, const struct admin_account *a,
		 json_t *detail, int64_t now)
{
	int rc = -ENOMEM;

	if (detail && json_object_set_new(detail, "username", json_string(a->username)) == 0)
		rc = audit_append(db, actor, action, a->id, detail, now);
	json_decref(detail);
	return rc;
}

int admin_account_add(sqlite3 *db, const char *username, const char *role, json_t *held,
		      const char *actor, int64_t now, char id[UUID_TEXT_LEN],
		      char password[PASSWD_GENERATED_LEN + 1], char *why, size_t whylen)
{
	struct admin_account a;
	char phc[PASSWD_PHC_MAX];
	uint8_t raw[UUID_LEN];
	int rc;

	why[0] = '\0';
	if (admin_username_valid(username) < 0) {
		snprintf(why, whylen,
			 "username: expected 1 to %d of a-z 0-9 . _ - (letters in any case), "
			 "starting with a letter or digit",
			 ADMIN_USERNAME_MAX);
		return -EINVAL;
	}
	rc = uuid_v7(raw);
	if (rc == 0)
		rc = new_password(password, phc, why, whylen);
	if (rc < 0)
		return rc;
	uuid_format(raw, id);
	rc = begin(db, why, whylen);
	if (rc < 0)
		goto out;
	rc = check_new_role(db, role, held, why, whylen);
	if (rc == 0 && admin_account_find(db, username, &a) == 0) {
		snprintf(why, whylen,
			 "username: \"%s\" is taken by the account \"%s\" (user names are "
			 "compared without case)",
			 username, a.username);
		rc = -EEXIST;
	}
	if (rc == 0)
		rc = insert_account(db, id, username, role, phc, 1, now);
	if (rc == 0)
		rc = admin_account_get(db, id, &a);
	if (rc == 0)
		rc = audit(db, actor, "account.create", &a, json_pack("{s:s}", "role", role), now);
	rc = finish(db, rc, why, whylen);
out:
	explicit_bzero(phc, sizeof(phc));
	if (rc < 0)
		explicit_bzero(password, PASSWD_GENERATED_LEN + 1);
	return rc;
}

static int count_active_owners(sqlite3 *db, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(db,
			"SELECT count(*) FROM accounts WHERE role = '" ADMIN_OWNER_ROLE
			"' AND disabled = 0",
			&st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "count the owners");
	sqlite3_finalize(st);
	return rc;
}

static int write_change(sqlite3 *db, const struct admin_account *a, const char *role, int disabled,
			int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db, "UPDATE accounts SET role = ?, disabled = ?, updated_at = ? WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, disabled);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, a->id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "change an account");
	sqlite3_finalize(st);
	return rc;
}

int admin_account_update(sqlite3 *db, const char *username, const struct admin_account_change *ch,
			 json_t *held, const char *actor, int64_t now, char *why, size_t whylen)
{
	struct admin_account a;
	const char *role;
	int64_t owners = 0;
	int disabled, rc;

	why[0] = '\0';
	rc = begin(db, why, whylen);
	if (rc < 0)
		return rc;
	rc = find_target(db, username, held, &a, why, whylen);
	if (rc < 0)
		goto out;
	role = ch->role ? ch->role : a.role;
	disabled = ch->active < 0 ? a.disabled : !ch->active;
	if (strcmp(role, a.role) == 0 && disabled == a.disabled)
		goto out; /* nothing to change */
	if (strcmp(role, a.role) != 0)
		rc = check_new_role(db, role, held, why, whylen);
	if (rc == 0)
		rc = write_change(db, &a, role, disabled, now);
	/* Was it an active owner, and is the store left without one? */
	if (rc == 0 && strcmp(a.role, ADMIN_OWNER_ROLE) == 0 && !a.disabled)
		rc = count_active_owners(db, &owners);
	if (rc == 0 && strcmp(a.role, ADMIN_OWNER_ROLE) == 0 && !a.disabled && owners == 0) {
		snprintf(why, whylen,
			 "\"%s\" is the last active account with the role \"%s\": give another "
			 "account that role first, so that someone can still run the store",
			 a.username, ADMIN_OWNER_ROLE);
		rc = -ECANCELED;
	}
	/* A disabled account is out at once, not at its sessions' next request. */
	if (rc == 0 && disabled && !a.disabled)
		rc = admin_session_delete_account(db, a.id);
	if (rc == 0)
		rc = audit(db, actor, "account.update", &a,
			   json_pack("{s:{s:s, s:b}, s:{s:s, s:b}}", "before", "role", a.role,
				     "active", !a.disabled, "after", "role", role, "active",
				     !disabled),
			   now);
out:
	return finish(db, rc, why, whylen);
}

int admin_account_reset_password(sqlite3 *db, const char *username, json_t *held, const char *actor,
				 int64_t now, char password[PASSWD_GENERATED_LEN + 1], char *why,
				 size_t whylen)
{
	struct admin_account a;
	char phc[PASSWD_PHC_MAX];
	sqlite3_stmt *st = NULL;
	int rc;

	why[0] = '\0';
	rc = new_password(password, phc, why, whylen);
	if (rc == 0)
		rc = begin(db, why, whylen);
	if (rc < 0)
		goto out;
	rc = find_target(db, username, held, &a, why, whylen);
	if (rc == 0)
		rc = db_prepare(db,
				"UPDATE accounts SET password = ?, must_change_password = 1, "
				"updated_at = ? WHERE id = ?",
				&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, phc, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, a.id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "reset a password");
	}
	sqlite3_finalize(st);
	/* Whoever knew the old password is out. */
	if (rc == 0)
		rc = admin_session_delete_account(db, a.id);
	if (rc == 0)
		rc = audit(db, actor, "account.password-reset", &a, json_object(), now);
	rc = finish(db, rc, why, whylen);
out:
	explicit_bzero(phc, sizeof(phc));
	if (rc < 0)
		explicit_bzero(password, PASSWD_GENERATED_LEN + 1);
	return rc;
}

/* Accounts with their last sign-in (audit entries session.login, by subject). */
#define LISTING_SQL                                                                                \
	"SELECT id, username, role, disabled, must_change_password, created_at, (SELECT "          \
	"max(at) FROM audit WHERE action = 'session.login' AND subject = accounts.id) FROM "       \
	"accounts "

static json_t *listing_json(sqlite3_stmt *st)
{
	json_t *last = sqlite3_column_type(st, 6) == SQLITE_NULL
			   ? json_null()
			   : json_integer(sqlite3_column_int64(st, 6));

	/* "o" takes the reference to last, even when json_pack fails. */
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:o}", "id", sqlite3_column_text(st, 0),
			 "username", sqlite3_column_text(st, 1), "role", sqlite3_column_text(st, 2),
			 "active", !sqlite3_column_int(st, 3), "mustChangePassword",
			 sqlite3_column_int(st, 4) != 0, "createdAt",
			 (json_int_t)sqlite3_column_int64(st, 5), "lastLoginAt", last);
}

int admin_account_list(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	int rc;

	*out = NULL;
	if (!list)
		return -ENOMEM;
	rc = db_prepare(db, LISTING_SQL "ORDER BY username", &st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_append_new(list, listing_json(st)) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = db_check(db, rc, "list the accounts");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	*out = list;
	return 0;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return rc;
}

int admin_account_describe(sqlite3 *db, const char *username, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = db_prepare(db, LISTING_SQL "WHERE username = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = listing_json(st);
		rc = *out ? 0 : -ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read an account");
	}
	sqlite3_finalize(st);
	return rc;
}
