/* SPDX-License-Identifier: MIT */
/*
 * The terminal's outbox in term.db: every op the terminal makes waits here,
 * first in first out, until the hub gives a definite answer. Applied and
 * duplicate ops leave; conflicts and rejections are parked with their reason
 * and stay visible; transient failures are retried with backoff. Never
 * dropped, never reordered (DESIGN.md, guarantee 2).
 *
 * One drainer at a time: the daemon holds a lease row in term.db, so no
 * second process can drain the same outbox concurrently.
 */
#ifndef TILLNET_OUTBOX_H
#define TILLNET_OUTBOX_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define OUTBOX_LEASE_MS	     30000  /* a drainer's lease lasts this long unless renewed */
#define OUTBOX_RETRY_BASE_MS 1000   /* transient failures: 1 s, 2 s, 4 s ... */
#define OUTBOX_RETRY_CAP_MS  300000 /* ... up to 5 min */

/* outbox_add: queue `op` (not consumed) made at `now`; call inside the change's transaction. */
int outbox_add(sqlite3 *db, json_t *op, int64_t now);

/*
 * outbox_lease: take or renew the drain lease for `holder` until now +
 * OUTBOX_LEASE_MS. 1: held; 0: another holder's lease is still valid and
 * its process lives (`other` gets its name); negative errno on failure.
 */
int outbox_lease(sqlite3 *db, const char *holder, int64_t now, char *other, size_t otherlen);

/*
 * outbox_lease_holder_dead: 1 when `holder` names a process ("NAME, pid N")
 * that no longer exists on this machine; its lease is then taken over at
 * once instead of waiting for it to expire (a daemon killed with -9).
 */
int outbox_lease_holder_dead(const char *holder);

/* outbox_lease_release: give the lease up (on a clean stop). */
int outbox_lease_release(sqlite3 *db, const char *holder);

/*
 * outbox_next_batch: the oldest pending ops, in order, at most `max`,
 * stopping at the first one not due yet (so nothing overtakes it). *ops gets
 * an array (caller json_decref's; empty when nothing is due) and *wait_ms the
 * time until the first op is due when nothing is (0: nothing pending).
 */
int outbox_next_batch(sqlite3 *db, int max, int64_t now, json_t **ops, int64_t *wait_ms);

/*
 * outbox_settle: apply the hub's results (the array of a results message) in
 * one transaction: applied/duplicate leave the outbox and their order is
 * marked synced; conflict/rejected are parked with code and message.
 * *settled and *parked count them.
 */
int outbox_settle(sqlite3 *db, json_t *results, int *settled, int *parked);

/*
 * outbox_defer: a transient failure for these ops (array of op objects):
 * count the attempt and note the error; with `backoff`, also hold them back
 * for the next delay (1 s doubling up to 5 min, equal jitter).
 */
int outbox_defer(sqlite3 *db, json_t *ops, int64_t now, const char *code, const char *error,
		 int backoff);

/* outbox_counts: {"pending", "parked", "oldestPendingAgeMs" (null if none)}. */
int outbox_counts(sqlite3 *db, int64_t now, json_t **out);

/*
 * outbox_status_json: what status shows of the sync core: {"outbox": counts,
 * "hubCursor", "catalogVersion", "receiptSeq", "drainLease": holder or null}.
 */
int outbox_status_json(sqlite3 *db, int64_t now, json_t **out);

#endif
