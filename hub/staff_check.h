/* SPDX-License-Identifier: MIT */
/*
 * The hub's re-check of each op on arrival (DESIGN.md, guarantee 7): did the
 * op's actor, or its approver, hold the permission the op needed
 * (common/staff_rules.h) with the role they had when the op was made? A
 * terminal decides offline from its copy of staff and roles, which may be
 * stale or tampered with; the hub keeps the op either way (the customer has
 * the receipt) and flags what does not hold, for a manager to look at.
 */
#ifndef TILLNET_STAFF_CHECK_H
#define TILLNET_STAFF_CHECK_H

#include "proto_sync.h"

#include <sqlite3.h>
#include <stdint.h>

#define STAFF_FLAG_NEEDS_MANAGER "rejected-needs-manager"
#define STAFF_FLAG_NO_ACTOR	 "no-actor"
#define STAFF_FLAG_UNKNOWN_ACTOR "unknown-actor"

/*
 * staff_check_op: `op` from `terminal_id` was just applied as event `seq`,
 * inside the push's transaction. When it does not hold, write a flags row
 * and an audit entry (op.flagged); when a manager stepped up, an audit entry
 * (op.approved). An op without an actor is fine while the store has no
 * active staff (the terminal needs no sign-in then). Costs one indexed
 * lookup for an op without actor. 0, or a negative errno when the database
 * failed (the caller undoes the push).
 */
int staff_check_op(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now);

/* staff_flags_json: the open flags, oldest first, as an array (caller decrefs). */
int staff_flags_json(sqlite3 *db, json_t **out);

#endif
