/* SPDX-License-Identifier: MIT */
/*
 * Admin accounts in hub.db: the people who sign in to the hub's admin page
 * (docs/security.md). A password is kept only as an argon2id PHC string
 * (common/passwd.h); a role names a row of `roles`, whose patterns decide
 * what the account may do (common/perm.h). Creating, changing and resetting
 * accounts is one transaction each with its audit entry; the admin API
 * (hub/admin_accounts.c) and the command line (hub/cmd_account.c) share it.
 * Runs on the caller's thread.
 *
 * A note on who may change whom. The same rule as for staff applies: over
 * the admin API nobody gives an account a role that grants more than their
 * own, nor changes or resets the password of an account whose role does
 * (a manager could otherwise take over the owner's account). And the store
 * always keeps at least one active account with the owner role.
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

/* A change admin_account_update makes: NULL and -1 leave a member as it is. */
struct admin_account_change {
	const char *role;
	int active; /* 1, 0 (disabled: it cannot sign in, its sessions end), -1 */
};

/*
 * admin_account_add: a new account `username` with `role` and a generated
 * one-time password, written to `password` (to be shown once), which must
 * be changed at the first sign-in. `held` are the editor's role patterns
 * (NULL for the hub's command line, which is not limited). Audited as
 * account.create by `actor` in the same transaction. Fills `id`.
 * On failure `why` gets a sentence that starts with the field at fault
 * ("username: ...", "role: ..."): -EINVAL a bad user name or no such role,
 * -EEXIST the user name is taken (in any case), -EPERM the role grants more
 * than `held`, -EBUSY the database stayed locked, -EIO.
 */
int admin_account_add(sqlite3 *db, const char *username, const char *role, json_t *held,
		      const char *actor, int64_t now, char id[UUID_TEXT_LEN],
		      char password[PASSWD_GENERATED_LEN + 1], char *why, size_t whylen);

/*
 * admin_account_update: change the account `username` (any case) as `ch`
 * says. Disabling it ends its sessions in the same transaction. Audited as
 * account.update by `actor` (detail: the user name and what changed,
 * before and after). Errors as admin_account_add, and -ENOENT no such
 * account, -EPERM the account's role or the new one grants more than
 * `held`, -ECANCELED the store would be left without an active owner.
 * Changing nothing is not an error (and writes nothing).
 */
int admin_account_update(sqlite3 *db, const char *username, const struct admin_account_change *ch,
			 json_t *held, const char *actor, int64_t now, char *why, size_t whylen);

/*
 * admin_account_reset_password: a new one-time password for `username`
 * into `password`; it must be changed at the next sign-in, and the
 * account's sessions end. Audited as account.password-reset by `actor`.
 * Errors as admin_account_update.
 */
int admin_account_reset_password(sqlite3 *db, const char *username, json_t *held, const char *actor,
				 int64_t now, char password[PASSWD_GENERATED_LEN + 1], char *why,
				 size_t whylen);

/*
 * admin_account_list: every account, by user name, as an array of
 * {"id", "username", "role", "active", "mustChangePassword", "createdAt",
 * "lastLoginAt"} (lastLoginAt: the last sign-in in the audit log, or null).
 * Never a password or its hash. Caller decrefs. 0, -ENOMEM or -EIO.
 */
int admin_account_list(sqlite3 *db, json_t **out);

/* admin_account_describe: one account (any case) as admin_account_list shows it; -ENOENT. */
int admin_account_describe(sqlite3 *db, const char *username, json_t **out);

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
