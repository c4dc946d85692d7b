/* SPDX-License-Identifier: MIT */
/*
 * Staff at the terminal, offline (docs/security.md, "On the terminal"): a
 * PIN signs its owner in for a shift; an action beyond the signed-in
 * person's role needs a PIN of someone whose role grants it (step-up). Both
 * are checked against the copy of staff, roles and PIN hashes the hub syncs
 * (terminal/mirror.c). Five wrong PINs in a row lock sign-in, or step-up,
 * on this terminal for five minutes; the count and the lock live in term.db,
 * so a restart does not clear them. Runs on the caller's thread; each call
 * is its own transaction (a wrong PIN is counted even though the action
 * fails).
 *
 * A store with no active staff (a fresh one) asks for nobody: ops then carry
 * no actor, as before staff existed.
 */
#ifndef TILLNET_STAFF_AUTH_H
#define TILLNET_STAFF_AUTH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "staff_rules.h"

#define STAFF_AUTH_SIGNIN "signin"
#define STAFF_AUTH_STEPUP "stepup"

struct staff_auth_who {
	char id[40];
	char name[80];
	char role[40];
};

/* staff_auth_needed: *needed = 1 when the store has active staff. 0 or -EIO. */
int staff_auth_needed(sqlite3 *db, int *needed);

/*
 * staff_auth_signin: sign in the active staff member whose PIN this is,
 * until now + STAFF_SIGNIN_MS. -EACCES (no one has this PIN: counted),
 * -EAGAIN (locked: *retry_ms says how long), -ENOENT (no staff synced yet),
 * -EIO. `who` gets the person on success.
 */
int staff_auth_signin(sqlite3 *db, const char *pin, int64_t now, struct staff_auth_who *who,
		      int64_t *retry_ms);

/* staff_auth_signout: nobody is signed in any more. 0 or -EIO. */
int staff_auth_signout(sqlite3 *db);

/*
 * staff_auth_current: the signed-in person, if the sign-in has not expired
 * and they are still active. -ENOENT when nobody is; -EIO.
 */
int staff_auth_current(sqlite3 *db, int64_t now, struct staff_auth_who *who);

/*
 * staff_auth_allows: does `staff_id`'s role cover `needs` (permissions and
 * discount ceiling, staff_rules.h)? 0 with *granted set (and *missing naming
 * what it lacks), or -EIO.
 */
int staff_auth_allows(sqlite3 *db, const char *staff_id, const struct staff_needs *needs,
		      int *granted, const char **missing);

/*
 * staff_auth_stepup: the active staff member whose PIN this is and whose
 * role covers `needs` approves. Errors as staff_auth_signin (-EACCES also
 * when the PIN's owner may not approve `perm`).
 */
int staff_auth_stepup(sqlite3 *db, const char *pin, const struct staff_needs *needs, int64_t now,
		      struct staff_auth_who *approver, int64_t *retry_ms);

#endif
