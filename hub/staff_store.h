/* SPDX-License-Identifier: MIT */
/*
 * Staff and roles in hub.db (docs/security.md, "Staff and PINs"). Each change
 * is one transaction that the function opens (BEGIN IMMEDIATE: the caller
 * must have none open) and holds the row, its history row (staff_log,
 * role_log: what hub/staff_check.h re-checks ops against), the next people
 * version, the staff.put or role.put event terminals learn it from, and the
 * audit entry. Runs on the caller's thread with the caller's connection.
 *
 * `held` is the editor's own patterns (a JSON array) when a person edits
 * over the admin API: nobody grants what they do not hold, neither by
 * editing a role nor by giving someone a role (-EPERM). NULL at the hub's
 * command line, whose user owns hub.db anyway.
 *
 * Errors: -EINVAL (a field; `why` names it), -ENOENT (no such staff member
 * or role), -EEXIST (another active staff member has that PIN: a PIN alone
 * signs in on a terminal), -EPERM (escalation), -EBUSY, -EIO, -ENOMEM.
 */
#ifndef TILLNET_STAFF_STORE_H
#define TILLNET_STAFF_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "uuid.h"

#define STAFF_ROLE_NAME_MAX 32

/* What staff_store_set changes; NULL / -1 leave a field as it is. */
struct staff_change {
	const char *name;
	const char *role;
	const char *pin; /* digits, hashed here */
	int active;	 /* 0, 1, or -1 */
};

/* staff_store_add: a new active staff member; `id` gets the id. */
int staff_store_add(sqlite3 *db, const char *name, const char *role, const char *pin, json_t *held,
		    const char *actor, int64_t now, char id[UUID_TEXT_LEN], char *why,
		    size_t whylen);

/* staff_store_set: change the staff member `key` (an id, or a name when unique). */
int staff_store_set(sqlite3 *db, const char *key, const struct staff_change *ch, json_t *held,
		    const char *actor, int64_t now, char id[UUID_TEXT_LEN], char *why,
		    size_t whylen);

/*
 * staff_role_set: set `name`'s patterns (a JSON array of strings, validated
 * with perm_list_valid; NULL keeps them) and discount ceiling (0-100; -1
 * keeps it). A role that does not exist is created (then both are needed).
 */
int staff_role_set(sqlite3 *db, const char *name, json_t *patterns, int ceiling, json_t *held,
		   const char *actor, int64_t now, char *why, size_t whylen);

/*
 * staff_store_list / staff_role_list: arrays of {"id","name","role","active",
 * "hasPin","updatedAt"} (never the PIN hash) and {"name","permissions",
 * "discountCeiling","builtin"}. Caller decrefs. 0 or -EIO.
 */
int staff_store_list(sqlite3 *db, json_t **out);
int staff_role_list(sqlite3 *db, json_t **out);

/* staff_store_get: one staff member as in the list (by id). 0, -ENOENT, -EIO. */
int staff_store_get(sqlite3 *db, const char *id, json_t **out);

/*
 * staff_store_snapshot: what a new terminal starts from: every staff member
 * in the wire form (id, name, role, pin: the PHC string or null, active),
 * every role (name, permissions, discountCeiling) and the people version.
 * Runs inside the caller's transaction or alone. Caller decrefs both.
 */
int staff_store_snapshot(sqlite3 *db, json_t **staff, json_t **roles, int64_t *version);

#endif
