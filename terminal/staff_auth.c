// SPDX-License-Identifier: MIT
/* PIN sign-in, step-up and their lockout on the terminal (see staff_auth.h). */
#include "staff_auth.h"
#include "db.h"
#include "passwd.h"
#include "staff_rules.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

int staff_auth_needed(sqlite3 *db, int *needed)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*needed = 0;
	rc = db_prepare(db, "SELECT 1 FROM staff WHERE active = 1 LIMIT 1", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	*needed = rc == SQLITE_ROW;
	rc = db_check(db, rc, "look for staff");
	sqlite3_finalize(st);
	return rc;
}

/* 0, or -EAGAIN with *retry_ms while `kind` is locked. */
static int lock_check(sqlite3 *db, const char *kind, int64_t now, int64_t *retry_ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*retry_ms = 0;
	rc = db_prepare(db, "SELECT locked_until FROM pin_lockout WHERE kind = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > now)
		*retry_ms = sqlite3_column_int64(st, 0) - now;
	rc = db_check(db, rc, "read the PIN lock");
	sqlite3_finalize(st);
	return rc < 0 ? rc : *retry_ms ? -EAGAIN : 0;
}

/* A wrong PIN: count it; the fifth in a row locks `kind` for STAFF_PIN_LOCK_MS. */
static int lock_fail(sqlite3 *db, const char *kind, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db,
	    "INSERT INTO pin_lockout(kind, failures, last_failure_at) VALUES (?1, 1, ?2) "
	    "ON CONFLICT(kind) DO UPDATE SET failures = failures + 1, last_failure_at = "
	    "?2, locked_until = CASE WHEN failures + 1 >= ?3 THEN ?2 + ?4 ELSE "
	    "locked_until END",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, STAFF_PIN_FAILURES_MAX);
	sqlite3_bind_int64(st, 4, STAFF_PIN_LOCK_MS);
	rc = db_check(db, sqlite3_step(st), "count a wrong PIN");
	sqlite3_finalize(st);
	return rc;
}

/* A right PIN (or a lock served): start counting from zero. */
static int lock_clear(sqlite3 *db, const char *kind)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "DELETE FROM pin_lockout WHERE kind = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "clear the PIN lock");
	sqlite3_finalize(st);
	return rc;
}

static void who_fill(sqlite3_stmt *st, struct staff_auth_who *who)
{
	snprintf(who->id, sizeof(who->id), "%s", sqlite3_column_text(st, 0));
	snprintf(who->name, sizeof(who->name), "%s", sqlite3_column_text(st, 1));
	snprintf(who->role, sizeof(who->role), "%s", sqlite3_column_text(st, 2));
}

/*
 * The active staff member with this PIN (and, with `perm`, whose role grants
 * it): argon2id against each candidate's hash, about 25 ms each. 0, -EACCES
 * or -ENOENT (nobody to check against), -EIO.
 */
static int find_by_pin(sqlite3 *db, const char *pin, const struct staff_needs *needs,
		       struct staff_auth_who *who)
{
	sqlite3_stmt *st = NULL;
	int rc, candidates = 0, found = 0;

	rc =
	    db_prepare(db,
		       "SELECT s.id, s.name, s.role, s.pin, r.permissions, r.discount_ceiling FROM "
		       "staff s LEFT JOIN "
		       "roles r ON r.name = s.role WHERE s.active = 1 AND s.pin IS NOT NULL "
		       "ORDER BY s.id",
		       &st);
	if (rc < 0)
		return rc;
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		candidates++;
		if (passwd_verify((const char *)sqlite3_column_text(st, 3), pin, strlen(pin)) != 0)
			continue;
		if (needs) {
			json_t *p =
			    sqlite3_column_text(st, 4)
				? json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL)
				: NULL;
			const char *missing;
			int ok = staff_allows(p, sqlite3_column_int64(st, 5), needs, &missing);

			json_decref(p);
			if (!ok)
				break; /* the PIN is someone's, but they may not approve this */
		}
		who_fill(st, who);
		found = 1;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "check a PIN");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	return found ? 0 : candidates ? -EACCES : -ENOENT;
}

static int pin_action(sqlite3 *db, const char *kind, const char *pin,
		      const struct staff_needs *needs, int64_t now, struct staff_auth_who *who,
		      int64_t *retry_ms)
{
	sqlite3_stmt *st = NULL;
	int rc, found;

	memset(who, 0, sizeof(*who));
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = lock_check(db, kind, now, retry_ms);
	if (rc < 0)
		goto done;
	found = find_by_pin(db, pin, needs, who);
	if (found == -EACCES)
		rc = lock_fail(db, kind, now);
	else if (found == 0)
		rc = lock_clear(db, kind);
	else
		rc = found;
	if (rc == 0 && found == 0 && strcmp(kind, STAFF_AUTH_SIGNIN) == 0) {
		rc = db_prepare(db,
				"INSERT OR REPLACE INTO signin(id, staff_id, signed_in_at, "
				"expires_at) VALUES (1, ?, ?, ?)",
				&st);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, who->id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_int64(st, 3, now + STAFF_SIGNIN_MS);
			rc = db_check(db, sqlite3_step(st), "sign in");
		}
		sqlite3_finalize(st);
	}
	/* The wrong PIN's count is committed: the action fails, the count stays. */
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc == 0)
		return found;
done:
	db_exec(db, "ROLLBACK");
	return rc;
}

int staff_auth_signin(sqlite3 *db, const char *pin, int64_t now, struct staff_auth_who *who,
		      int64_t *retry_ms)
{
	return pin_action(db, STAFF_AUTH_SIGNIN, pin, NULL, now, who, retry_ms);
}

int staff_auth_stepup(sqlite3 *db, const char *pin, const struct staff_needs *needs, int64_t now,
		      struct staff_auth_who *approver, int64_t *retry_ms)
{
	return pin_action(db, STAFF_AUTH_STEPUP, pin, needs, now, approver, retry_ms);
}

int staff_auth_signout(sqlite3 *db)
{
	return db_exec(db, "DELETE FROM signin");
}

int staff_auth_current(sqlite3 *db, int64_t now, struct staff_auth_who *who)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(who, 0, sizeof(*who));
	rc = db_prepare(db,
			"SELECT s.id, s.name, s.role FROM signin i JOIN staff s ON s.id = "
			"i.staff_id WHERE s.active = 1 AND i.expires_at > ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		who_fill(st, who);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "who is in");
	sqlite3_finalize(st);
	return rc;
}

int staff_auth_allows(sqlite3 *db, const char *staff_id, const struct staff_needs *needs,
		      int *granted, const char **missing)
{
	sqlite3_stmt *st = NULL;
	json_t *p = NULL;
	int rc;

	*granted = 0;
	*missing = needs->n ? needs->perm[0] : "discount ceiling";
	rc = db_prepare(db,
			"SELECT r.permissions, r.discount_ceiling FROM staff s JOIN roles r ON "
			"r.name = s.role WHERE s.id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, staff_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		p = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		*granted = staff_allows(p, sqlite3_column_int64(st, 1), needs, missing);
		json_decref(p);
	}
	rc = db_check(db, rc, "read a role");
	sqlite3_finalize(st);
	return rc;
}
