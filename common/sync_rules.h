/* SPDX-License-Identifier: MIT */
/*
 * Terminal authority, as one pure function (DESIGN.md, "Who owns what"):
 * given an op that passed its checks and what the hub stores of its order,
 * say whether it applies or is a conflict, and why. The hub's SQLite side
 * (hub/sync_apply.c) gathers the stored state and does what this decides.
 */
#ifndef TILLNET_SYNC_RULES_H
#define TILLNET_SYNC_RULES_H

#include <stddef.h>
#include <stdint.h>

struct sync_stored_order {
	int exists;
	const char *owner; /* terminal id */
	int64_t rev;
	int completed;
	int voided; /* a voided order is as final as a completed one */
};

enum sync_verdict {
	SYNC_APPLY,
	SYNC_CONFLICT,
	SYNC_REJECT,
};

/*
 * sync_rules_judge: for an op of `kind` (order.put or order.release) at
 * revision `rev` from terminal `pusher`. *code gets a PROTO_CODE_* string
 * and `message` a sentence for people.
 *  - a new order: order.put applies (the pusher becomes the owner);
 *    order.release is rejected (unknown-order);
 *  - another terminal's order: conflict not-owner;
 *  - rev not above the stored one: conflict stale-revision;
 *  - a completed order: conflict order-completed;
 *  - a voided order: conflict order-voided;
 *  - otherwise it applies.
 */
enum sync_verdict sync_rules_judge(const char *kind, int64_t rev, const char *pusher,
				   const struct sync_stored_order *stored, const char **code,
				   char *message, size_t len);

#endif
