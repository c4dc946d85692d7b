/* SPDX-License-Identifier: MIT */
/*
 * Sign-in throttling (docs/security.md): failed sign-ins are counted per
 * user name tried ("account", also for names that do not exist, so that the
 * throttle reveals nothing) and per client address ("address"). The first
 * ADMIN_THROTTLE_FREE failures in a row cost nothing; each later failure
 * locks that key for 1 s, 2 s, 4 s ... up to 15 min, during which attempts
 * are refused without checking a password. Nothing sleeps: a lock is a time
 * in hub.db that requests are compared with, so it also survives a restart.
 * A success clears the account's count; an address's count is forgotten
 * after an hour without failures. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_THROTTLE_H
#define TILLNET_ADMIN_THROTTLE_H

#include <sqlite3.h>
#include <stdint.h>

#define ADMIN_THROTTLE_FREE	 5
#define ADMIN_THROTTLE_FIRST_MS	 1000
#define ADMIN_THROTTLE_MAX_MS	 (15 * 60 * 1000)
#define ADMIN_THROTTLE_FORGET_MS (60 * 60 * 1000)

#define ADMIN_THROTTLE_ACCOUNT "account"
#define ADMIN_THROTTLE_ADDRESS "address"

/* admin_throttle_delay_ms: the lock after `failures` in a row (0 for the free ones). */
int64_t admin_throttle_delay_ms(int64_t failures);

/*
 * admin_throttle_key: the account key for a user name as typed: folded to
 * lower case (names are compared without case) and cut at 64 bytes.
 */
void admin_throttle_key(const char *username, char out[65]);

/*
 * admin_throttle_wait: how long (ms) until `kind`/`key` may try again; 0 if
 * it is not locked. 0 or -EIO.
 */
int admin_throttle_wait(sqlite3 *db, const char *kind, const char *key, int64_t now,
			int64_t *wait_ms);

/*
 * admin_throttle_fail: count one failure for `kind`/`key`. Fills the count
 * in a row (`failures`) and the lock it starts now (`locked_ms`, 0 for none).
 * 0 or -EIO.
 */
int admin_throttle_fail(sqlite3 *db, const char *kind, const char *key, int64_t now,
			int64_t *failures, int64_t *locked_ms);

/* admin_throttle_reset: forget `kind`/`key`'s failures. 0 or -EIO. */
int admin_throttle_reset(sqlite3 *db, const char *kind, const char *key);

#endif
