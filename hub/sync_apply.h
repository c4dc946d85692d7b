/* SPDX-License-Identifier: MIT */
/*
 * The hub's side of the sync rules, on hub.db: apply a push (one
 * transaction, committed before anyone is answered), answer a claim, move an
 * order by force, and cut a snapshot. sync_server.c calls these on the
 * loop; the CLI calls sync_apply_force_claim from its own process.
 */
#ifndef TILLNET_SYNC_APPLY_H
#define TILLNET_SYNC_APPLY_H

#include "proto_sync.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define SYNC_SNAPSHOT_ITEMS  1000 /* catalog items in one snapshot part */
#define SYNC_SNAPSHOT_ORDERS 200  /* orders in one snapshot part */

/*
 * sync_apply_push: judge and apply each op of `ops` (a push's array, already
 * limited to PROTO_PUSH_MAX) from `terminal_id`, in one transaction, and
 * commit. *results gets the results array (docs/protocol.md) and *applied the
 * number of new events. A failed commit is -EIO: nothing was stored and the
 * terminal must try again later (hub-unavailable).
 */
int sync_apply_push(sqlite3 *db, const char *terminal_id, json_t *ops, int64_t now,
		    json_t **results, int *applied);

/*
 * sync_apply_claim: the claimResult message for `claim` from `terminal_id`
 * (first claim of a released order wins); *applied is 1 when the owner
 * changed (an order.claim event was committed).
 */
int sync_apply_claim(sqlite3 *db, const char *terminal_id, const struct proto_claim *claim,
		     int64_t now, json_t **answer, int *applied);

/*
 * sync_apply_force_claim: give `order_id` to `to_terminal` whatever its
 * state, unless it is completed. Errors: -ENOENT (no such order), -EALREADY
 * (completed, or already owned by that terminal), -EIO; `why` says which.
 * The audit log records `actor` and both owners in the same transaction.
 */
int sync_apply_force_claim(sqlite3 *db, const char *order_id, const char *to_terminal,
			   const char *actor, int64_t now, char *why, size_t whylen);

/*
 * sync_snapshot: the snapshot messages (a JSON array of message objects, in
 * order) for a new terminal: the whole catalog and every active order, all
 * read in one transaction; *seq gets the hub sequence they match. The
 * stock levels in it leave out `terminal_id`'s own movements
 * (stock_store_snapshot).
 */
int sync_snapshot(sqlite3 *db, const char *terminal_id, json_t **parts, int64_t *seq);

/*
 * sync_snapshot_add: append `item` (takes ownership, also on error) to the
 * `member` array of the first part of `parts` (a snapshot sync_snapshot
 * built) that holds fewer than `per_part` of them, creating the array in a
 * part that lacks it, or adding a part with the first part's seq and
 * catalogVersion when all are full. Call sync_snapshot_seal when done.
 * Errors: -ENOMEM (also when `parts` is empty or `item` is NULL).
 */
int sync_snapshot_add(json_t *parts, const char *member, size_t per_part, json_t *item);

/* sync_snapshot_seal: mark the final part of `parts` "last", and no other. */
void sync_snapshot_seal(json_t *parts);

#endif
