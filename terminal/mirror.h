/* SPDX-License-Identifier: MIT */
/*
 * What the hub sends a terminal, applied to term.db: pages of events (other
 * terminals' orders, claims, catalog changes) and the snapshot a new
 * terminal starts from, each in one transaction with the new cursor; and the
 * answer to a claim.
 */
#ifndef TILLNET_MIRROR_H
#define TILLNET_MIRROR_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

/*
 * mirror_apply_events: apply `events` (an events message's array) after the
 * stored cursor, then set the cursor to `up_to`; events at or below the
 * cursor are skipped. *cursor gets the new cursor.
 */
int mirror_apply_events(sqlite3 *db, const char *self, json_t *events, int64_t up_to,
			int64_t *cursor);

/*
 * mirror_apply_snapshot: `parts` is the array of snapshot messages, all of
 * them: replace the catalog, mirror the active orders of other terminals,
 * set the cursor to `seq`.
 */
int mirror_apply_snapshot(sqlite3 *db, const char *self, json_t *parts, int64_t seq);

/*
 * mirror_apply_claim: a claimResult: record it in the claims table and, when
 * claimed, make the order this terminal's (at the hub's revision).
 */
int mirror_apply_claim(sqlite3 *db, const char *self, json_t *answer);

#endif
