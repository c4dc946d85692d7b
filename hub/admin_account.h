/* SPDX-License-Identifier: MIT */
/*
 * Admin accounts in hub.db: the people who sign in to the hub's admin page
 * (docs/security.md). A password is kept only as an argon2id PHC string
 * (common/passwd.h); a role names a row of `roles`, whose patterns decide
 * what the account may do (common/perm.h). Runs on the caller's thread.
 */
#ifndef TILLNET_ADMIN_ACCOUNT_H
#define TILLNET_ADMIN_ACCOUNT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "passwd.h"
#include "perm.h"
#include "uuid.h"

/* A user name: 1 to 32 of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
#define ADMIN_USERNAME_MAX 32
#define ADMIN_OWNER_ROLE   "owner"

struct admin_account {
	char id[UUID_TEXT_LEN];
	char username[ADMIN_USERNAME_MAX + 1];
	char role[PERM_NAME_MAX + 1];
	char password[PASSWD_PHC_MAX];
	int must_change_password;
	int disabled;
	int64_t created_at;
};

/* admin_username_valid: 0 if `name` follows the rule above, else -EINVAL. */
int admin_username_valid(const char *name);

/*
 * admin_account_create: a new account `username` with `role`, its password
 * hashed here (argon2id, about 25 ms). Fills `id`. -EEXIST if the user name
 * is taken (in any case: names are compared without case), -EINVAL for a bad
 * name, -EIO (logged).
 */
int admin_account_create(sqlite3 *db, const char *username, const char *role, const char *password,
			 size_t len, int must_change, int64_t now, char id[UUID_TEXT_LEN]);

/*
 * admin_account_find / admin_account_get: by user name (without case) or by
 * id. 0, -ENOENT, -EIO.
 */
int admin_account_find(sqlite3 *db, const char *username, struct admin_account *out);
int admin_account_get(sqlite3 *db, const char *id, struct admin_account *out);

/*
 * admin_account_set_password: store `phc` as the account's password and
 * clear must_change_password. 0, -ENOENT, -EIO.
 */
int admin_account_set_password(sqlite3 *db, const char *id, const char *phc, int64_t now);

/*
 * admin_role_patterns: the permission patterns of `role` as a JSON array of
 * strings (caller decrefs). 0, -ENOENT for no such role, -EPROTO when the
 * stored array holds something that is not a string (logged), -EIO.
 */
int admin_role_patterns(sqlite3 *db, const char *role, json_t **out);

/*
 * admin_role_grants: does `role` grant permission `name`? Patterns that do
 * not validate (a hand-edited row) grant nothing and are logged.
 * 0 with *granted set, or a negative errno as admin_role_patterns.
 */
int admin_role_grants(sqlite3 *db, const char *role, const char *name, int *granted);

/*
 * admin_account_json: {"id","username","role","permissions","createdAt"}
 * (docs/openapi.yaml, Account). NULL when out of memory or the role cannot
 * be read. Caller decrefs.
 */
json_t *admin_account_json(sqlite3 *db, const struct admin_account *a);

#endif
