// SPDX-License-Identifier: MIT
/*
 * Staff and roles in hub.db, and the staff.put / role.put events that carry
 * them to the terminals (see staff_store.h).
 */
#include "staff_store.h"
#include "audit.h"
#include "db.h"
#include "event_log.h"
#include "log.h"
#include "passwd.h"
#include "perm.h"
#include "proto_sync.h"
#include "staff_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEOPLE_VERSION_KEY "people_version"

static int people_version_next(sqlite3 *db, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	rc = db_prepare(db,
			"INSERT INTO meta(key, value) VALUES (?1, '1') ON CONFLICT(key) DO UPDATE "
			"SET value = CAST(value AS INTEGER) + 1 RETURNING CAST(value AS INTEGER)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, PEOPLE_VERSION_KEY, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "count the people version");
	sqlite3_finalize(st);
	return rc;
}

/* The wire form of a staff member or a role, read from hub.db. */
static json_t *staff_wire(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	json_t *out = NULL;

	if (db_prepare(db, "SELECT id, name, role, pin, active FROM staff WHERE id = ?", &st) < 0)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = json_pack("{s:s, s:s, s:s, s:s?, s:b}", "id", sqlite3_column_text(st, 0),
				"name", sqlite3_column_text(st, 1), "role",
				sqlite3_column_text(st, 2), "pin", sqlite3_column_text(st, 3),
				"active", sqlite3_column_int(st, 4));
	sqlite3_finalize(st);
	return out;
}

static json_t *role_wire(sqlite3 *db, const char *name, int with_builtin)
{
	sqlite3_stmt *st = NULL;
	json_t *out = NULL, *perms;

	if (db_prepare(db,
		       "SELECT name, permissions, discount_ceiling, builtin FROM roles "
		       "WHERE name = ?",
		       &st) < 0)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		perms = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		out = json_pack("{s:s, s:o, s:i}", "name", sqlite3_column_text(st, 0),
				"permissions", perms ? perms : json_array(), "discountCeiling",
				sqlite3_column_int(st, 2));
		if (out && with_builtin)
			json_object_set_new(out, "builtin",
					    json_boolean(sqlite3_column_int(st, 3)));
	}
	sqlite3_finalize(st);
	return out;
}

/* The staff.put or role.put event for `what` (consumed) at the next people version. */
static int append_event(sqlite3 *db, const char *kind, const char *entity, const char *entity_id,
			const char *member, json_t *what, int64_t now)
{
	int64_t version;
	json_t *payload;
	int rc;

	if (!what)
		return -ENOMEM;
	rc = people_version_next(db, &version);
	if (rc < 0) {
		json_decref(what);
		return rc;
	}
	payload = json_pack("{s:I, s:o}", "version", (json_int_t)version, member, what);
	if (!payload)
		return -ENOMEM;
	return event_log_append_hub(db, kind, entity, entity_id, version, payload, now, NULL);
}

static int role_patterns_of(sqlite3 *db, const char *role, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = db_prepare(db, "SELECT permissions FROM roles WHERE name = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		rc = *out ? SQLITE_DONE : SQLITE_NOMEM;
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return -ENOENT;
	}
	rc = db_check(db, rc, "read a role");
	sqlite3_finalize(st);
	return rc;
}

/* Does `held` grant everything `wanted` grants? (NULL held: the hub's own CLI.) */
static int check_escalation(json_t *held, json_t *wanted, char *why, size_t whylen)
{
	const char *h[STAFF_PATTERNS_MAX], *w[STAFF_PATTERNS_MAX];
	size_t m, n;

	if (!held)
		return 0;
	if (staff_patterns(held, h, STAFF_PATTERNS_MAX, &m) < 0 ||
	    staff_patterns(wanted, w, STAFF_PATTERNS_MAX, &n) < 0) {
		snprintf(why, whylen, "permissions: cannot read a role's patterns");
		return -EIO;
	}
	return staff_no_escalation(h, m, w, n, why, whylen);
}

/* A role to give someone: it exists, and the editor holds all it grants. */
static int check_role(sqlite3 *db, const char *role, json_t *held, char *why, size_t whylen)
{
	json_t *patterns = NULL;
	int rc = role_patterns_of(db, role, &patterns);

	if (rc == -ENOENT)
		snprintf(why, whylen, "role: there is no role \"%s\" (tillnet-hub role list)",
			 role);
	else if (rc == 0)
		rc = check_escalation(held, patterns, why, whylen);
	json_decref(patterns);
	return rc;
}

/*
 * A PIN alone signs in on a terminal, so two active staff members may not
 * share one. Costs one argon2id check (about 25 ms) per active staff member
 * with a PIN: a store has tens, not thousands.
 */
static int check_pin_free(sqlite3 *db, const char *pin, const char *except, char *why,
			  size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db, "SELECT pin FROM staff WHERE active = 1 AND pin IS NOT NULL AND id != ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, except ? except : "", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (passwd_verify((const char *)sqlite3_column_text(st, 0), pin, strlen(pin)) ==
		    0) {
			snprintf(why, whylen,
				 "pin: another active staff member has this PIN; choose another");
			sqlite3_finalize(st);
			return -EEXIST;
		}
	}
	rc = db_check(db, rc, "compare PINs");
	sqlite3_finalize(st);
	return rc;
}

static int log_staff(sqlite3 *db, const char *id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db,
	    "INSERT INTO staff_log(staff_id, role, active, at) SELECT id, role, active, ? "
	    "FROM staff WHERE id = ?",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "log a staff change");
	sqlite3_finalize(st);
	return rc;
}

static int check_fields(const struct staff_change *ch, char *why, size_t whylen)
{
	if (ch->name && staff_name_valid(ch->name) < 0) {
		snprintf(why, whylen, "name: expected 1 to %d bytes, no control characters",
			 STAFF_NAME_MAX);
		return -EINVAL;
	}
	if (ch->pin && staff_pin_valid(ch->pin) < 0) {
		snprintf(why, whylen, "pin: expected %d to %d digits", STAFF_PIN_MIN,
			 STAFF_PIN_MAX);
		return -EINVAL;
	}
	return 0;
}

/* The write itself, inside the transaction; `adding` inserts the row first. */
static int write_staff(sqlite3 *db, const char *id, int adding, const struct staff_change *ch,
		       json_t *held, const char *actor, int64_t now, char *why, size_t whylen)
{
	char phc[PASSWD_PHC_MAX];
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc = 0;

	if (ch->role)
		rc = check_role(db, ch->role, held, why, whylen);
	if (rc == 0 && ch->pin)
		rc = check_pin_free(db, ch->pin, id, why, whylen);
	if (rc == 0 && ch->pin) {
		rc = passwd_hash(ch->pin, strlen(ch->pin), phc);
		if (rc < 0)
			snprintf(why, whylen, "cannot hash the PIN");
	}
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			adding ? "INSERT INTO staff(id, name, role, pin, active, created_at, "
				 "updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?6, ?6)"
			       : "UPDATE staff SET name = coalesce(?2, name), role = coalesce(?3, "
				 "role), pin = coalesce(?4, pin), active = coalesce(?5, active), "
				 "updated_at = ?6 WHERE id = ?1",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (ch->name)
		sqlite3_bind_text(st, 2, ch->name, -1, SQLITE_STATIC);
	if (ch->role)
		sqlite3_bind_text(st, 3, ch->role, -1, SQLITE_STATIC);
	if (ch->pin)
		sqlite3_bind_text(st, 4, phc, -1, SQLITE_STATIC);
	if (ch->active >= 0)
		sqlite3_bind_int(st, 5, ch->active);
	sqlite3_bind_int64(st, 6, now);
	rc = db_check(db, sqlite3_step(st), "write a staff member");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = log_staff(db, id, now);
	if (rc == 0)
		rc = append_event(db, PROTO_OP_STAFF_PUT, "staff", id, "staff", staff_wire(db, id),
				  now);
	if (rc < 0)
		return rc;
	/* The PIN is never audited, only that it changed. */
	detail = json_pack("{s:s?, s:s?, s:b}", "name", ch->name, "role", ch->role, "pinChanged",
			   ch->pin != NULL);
	if (detail && ch->active >= 0)
		json_object_set_new(detail, "active", json_boolean(ch->active));
	rc = detail ? audit_append(db, actor, adding ? "staff.created" : "staff.changed", id,
				   detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
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

int staff_store_add(sqlite3 *db, const char *name, const char *role, const char *pin, json_t *held,
		    const char *actor, int64_t now, char id[UUID_TEXT_LEN], char *why,
		    size_t whylen)
{
	struct staff_change ch = {name, role, pin, 1};
	uint8_t raw[UUID_LEN];
	int rc;

	why[0] = '\0';
	rc = check_fields(&ch, why, whylen);
	if (rc == 0 && !pin) {
		snprintf(why, whylen, "pin: a new staff member needs a PIN");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = uuid_v7(raw);
	if (rc < 0)
		return rc;
	uuid_format(raw, id);
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return -EBUSY;
	rc = write_staff(db, id, 1, &ch, held, actor, now, why, whylen);
	return finish(db, rc, why, whylen);
}

/* The id of `key`: an id, or the name of exactly one staff member. */
static int resolve(sqlite3 *db, const char *key, char id[UUID_TEXT_LEN], char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = db_prepare(db, "SELECT id FROM staff WHERE id = ?1 OR name = ?1", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			snprintf(id, UUID_TEXT_LEN, "%s", sqlite3_column_text(st, 0));
	rc = db_check(db, rc, "find a staff member");
	sqlite3_finalize(st);
	if (rc == 0 && n == 0) {
		snprintf(why, whylen, "there is no staff member \"%s\"", key);
		rc = -ENOENT;
	} else if (rc == 0 && n > 1) {
		snprintf(why, whylen, "%d staff members are called \"%s\": give the id", n, key);
		rc = -EINVAL;
	}
	return rc;
}

int staff_store_set(sqlite3 *db, const char *key, const struct staff_change *ch, json_t *held,
		    const char *actor, int64_t now, char id[UUID_TEXT_LEN], char *why,
		    size_t whylen)
{
	json_t *current = NULL;
	int rc;

	why[0] = '\0';
	rc = check_fields(ch, why, whylen);
	if (rc < 0)
		return rc;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return -EBUSY;
	rc = resolve(db, key, id, why, whylen);
	/* Nobody changes someone who holds more than they do (a manager and the owner). */
	if (rc == 0 && held) {
		current = staff_wire(db, id);
		rc = current ? check_role(db, json_string_value(json_object_get(current, "role")),
					  held, why, whylen)
			     : -EIO;
	}
	if (rc == 0)
		rc = write_staff(db, id, 0, ch, held, actor, now, why, whylen);
	json_decref(current);
	return finish(db, rc, why, whylen);
}

static int role_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > STAFF_ROLE_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '_'))
			return -EINVAL;
	return 0;
}

static int check_patterns(json_t *patterns, char *why, size_t whylen)
{
	const char *p[STAFF_PATTERNS_MAX];
	char detail[256];
	size_t n;

	if (staff_patterns(patterns, p, STAFF_PATTERNS_MAX, &n) < 0) {
		snprintf(why, whylen, "permissions: expected a list of at most %d permission names",
			 STAFF_PATTERNS_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (strlen(p[i]) > PERM_NAME_MAX) {
			snprintf(why, whylen, "permissions: \"%.64s...\" is too long", p[i]);
			return -EINVAL;
		}
	if (perm_list_valid(p, n, detail, sizeof(detail)) < 0) {
		snprintf(why, whylen, "permissions: %s", detail);
		return -EINVAL;
	}
	return 0;
}

int staff_role_set(sqlite3 *db, const char *name, json_t *patterns, int ceiling, json_t *held,
		   const char *actor, int64_t now, char *why, size_t whylen)
{
	json_t *old = NULL, *detail = NULL;
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	int rc;

	why[0] = '\0';
	if (role_name_valid(name) < 0) {
		snprintf(why, whylen, "name: expected 1 to %d of a-z 0-9 - _", STAFF_ROLE_NAME_MAX);
		return -EINVAL;
	}
	if (patterns && check_patterns(patterns, why, whylen) < 0)
		return -EINVAL;
	if (ceiling != -1 && (ceiling < 0 || ceiling > 100)) {
		snprintf(why, whylen, "discountCeiling: expected a percentage from 0 to 100");
		return -EINVAL;
	}
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return -EBUSY;
	rc = role_patterns_of(db, name, &old);
	if (rc == -ENOENT && (!patterns || ceiling < 0)) {
		snprintf(why, whylen,
			 "there is no role \"%s\": a new role needs its permissions "
			 "and its discount ceiling",
			 name);
		goto out;
	}
	if (rc < 0 && rc != -ENOENT)
		goto out;
	/* Neither the role as it is nor as it will be may exceed the editor's own. */
	rc = old ? check_escalation(held, old, why, whylen) : 0;
	if (rc == 0 && patterns)
		rc = check_escalation(held, patterns, why, whylen);
	if (rc < 0)
		goto out;
	text = patterns ? json_dumps(patterns, JSON_COMPACT) : NULL;
	rc = db_prepare(
	    db,
	    "INSERT INTO roles(name, permissions, discount_ceiling, builtin, updated_at) "
	    "VALUES (?1, coalesce(?2, '[]'), coalesce(?3, 0), 0, ?4) ON CONFLICT(name) DO UPDATE "
	    "SET permissions = "
	    "coalesce(?2, permissions), discount_ceiling = coalesce(?3, "
	    "discount_ceiling), updated_at = ?4",
	    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (text)
			sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		if (ceiling >= 0)
			sqlite3_bind_int(st, 3, ceiling);
		sqlite3_bind_int64(st, 4, now);
		rc = db_check(db, sqlite3_step(st), "write a role");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = db_prepare(
		    db,
		    "INSERT INTO role_log(name, permissions, discount_ceiling, at) SELECT name, "
		    "permissions, discount_ceiling, ? FROM roles WHERE name = ?",
		    &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "log a role change");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = append_event(db, PROTO_OP_ROLE_PUT, "role", name, "role",
				  role_wire(db, name, 0), now);
	if (rc == 0) {
		detail = json_pack("{s:O?, s:O?}", "before", old, "permissions", patterns);
		if (detail && ceiling >= 0)
			json_object_set_new(detail, "discountCeiling", json_integer(ceiling));
		rc = detail ? audit_append(db, actor, old ? "role.changed" : "role.created", name,
					   detail, now)
			    : -ENOMEM;
	}
out:
	free(text);
	json_decref(old);
	json_decref(detail);
	return finish(db, rc, why, whylen);
}

static int list(sqlite3 *db, const char *sql, int staff, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(db, sql, &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		json_t *o = staff ? staff_wire(db, key) : role_wire(db, key, 1);

		rc = 0;
		if (o && staff) {
			json_object_set_new(
			    o, "hasPin", json_boolean(json_is_string(json_object_get(o, "pin"))));
			json_object_del(o, "pin");
			json_object_set_new(o, "updatedAt",
					    json_integer(sqlite3_column_int64(st, 1)));
		}
		if (!o || json_array_append_new(arr, o) < 0)
			rc = -ENOMEM;
	}
	if (rc > 0)
		rc = db_check(db, rc, "list staff or roles");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int staff_store_list(sqlite3 *db, json_t **out)
{
	return list(db, "SELECT id, updated_at FROM staff ORDER BY name, id", 1, out);
}

int staff_role_list(sqlite3 *db, json_t **out)
{
	return list(db, "SELECT name FROM roles ORDER BY name", 0, out);
}

int staff_store_get(sqlite3 *db, const char *id, json_t **out)
{
	json_t *all = NULL, *s;
	size_t i;
	int rc = staff_store_list(db, &all);

	*out = NULL;
	if (rc < 0)
		return rc;
	json_array_foreach(all, i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0) {
			*out = json_incref(s);
			break;
		}
	}
	json_decref(all);
	return *out ? 0 : -ENOENT;
}

int staff_store_snapshot(sqlite3 *db, json_t **staff, json_t **roles, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*staff = json_array();
	*roles = json_array();
	rc = *staff && *roles ? db_meta_get_int(db, PEOPLE_VERSION_KEY, version) : -ENOMEM;
	if (rc == 0)
		rc = db_prepare(db, "SELECT id FROM staff ORDER BY id", &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = json_array_append_new(
			 *staff, staff_wire(db, (const char *)sqlite3_column_text(st, 0))) < 0
			 ? -ENOMEM
			 : 0;
	if (rc > 0)
		rc = db_check(db, rc, "read staff");
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = db_prepare(db, "SELECT name FROM roles ORDER BY name", &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = json_array_append_new(
			 *roles, role_wire(db, (const char *)sqlite3_column_text(st, 0), 0)) < 0
			 ? -ENOMEM
			 : 0;
	if (rc > 0)
		rc = db_check(db, rc, "read roles");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(*staff);
		json_decref(*roles);
		*staff = *roles = NULL;
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}
