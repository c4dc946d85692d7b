// SPDX-License-Identifier: MIT
/* Counting failed sign-ins and locking keys for a growing time (see admin_throttle.h). */
#include "admin_throttle.h"
#include "db.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int64_t admin_throttle_delay_ms(int64_t failures)
{
	int64_t delay = ADMIN_THROTTLE_FIRST_MS;

	if (failures < ADMIN_THROTTLE_FREE)
		return 0;
	/* Double per failure past the free ones; stop at the cap, never overflow. */
	for (int64_t i = ADMIN_THROTTLE_FREE; i < failures && delay < ADMIN_THROTTLE_MAX_MS; i++)
		delay *= 2;
	return delay < ADMIN_THROTTLE_MAX_MS ? delay : ADMIN_THROTTLE_MAX_MS;
}

void admin_throttle_key(const char *username, char out[65])
{
	size_t i;

	for (i = 0; i < 64 && username[i]; i++)
		out[i] = (char)tolower((unsigned char)username[i]);
	out[i] = '\0';
}

int admin_throttle_wait(sqlite3 *db, const char *kind, const char *key, int64_t now,
			int64_t *wait_ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*wait_ms = 0;
	rc = db_prepare(db, "SELECT locked_until FROM login_throttle WHERE kind = ? AND key = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > now)
		*wait_ms = sqlite3_column_int64(st, 0) - now;
	rc = db_check(db, rc, "read the sign-in throttle");
	sqlite3_finalize(st);
	return rc;
}

int admin_throttle_fail(sqlite3 *db, const char *kind, const char *key, int64_t now,
			int64_t *failures, int64_t *locked_ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*failures = 0;
	*locked_ms = 0;
	/*
	 * One statement counts the failure: a count whose last failure is older
	 * than the forget time starts again at 1.
	 */
	rc = db_prepare(db,
			"INSERT INTO login_throttle(kind, key, failures, last_failure_at) "
			"VALUES (?1, ?2, 1, ?3) ON CONFLICT(kind, key) DO UPDATE SET "
			"failures = CASE WHEN last_failure_at < ?3 - ?4 THEN 1 "
			"ELSE failures + 1 END, last_failure_at = ?3 "
			"RETURNING failures",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, ADMIN_THROTTLE_FORGET_MS);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*failures = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	rc = db_check(db, rc, "count a failed sign-in");
	sqlite3_finalize(st);
	st = NULL;
	*locked_ms = admin_throttle_delay_ms(*failures);
	if (rc < 0 || *locked_ms == 0)
		return rc;
	rc = db_prepare(db, "UPDATE login_throttle SET locked_until = ? WHERE kind = ? AND key = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now + *locked_ms);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "lock sign-ins");
	sqlite3_finalize(st);
	return rc;
}

int admin_throttle_reset(sqlite3 *db, const char *kind, const char *key)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "DELETE FROM login_throttle WHERE kind = ? AND key = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "reset the sign-in throttle");
	sqlite3_finalize(st);
	return rc;
}
