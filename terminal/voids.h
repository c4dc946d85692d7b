/* SPDX-License-Identifier: MIT */
/*
 * Voids at the till (docs/pos.md, "Voids"). An open or parked order that
 * took no money is voided: it becomes status "voided", numbered in the
 * journal (kind void, amount 0) in the transaction of its order.put. A
 * completed sale is never edited: it is voided by a reversal, a refund of
 * all that is left of it (refunds.h, refund_reverse).
 */
#ifndef TILLNET_TERM_VOIDS_H
#define TILLNET_TERM_VOIDS_H

#include <sqlite3.h>
#include <stddef.h>

#include "sale.h"

/* What a receipt number or order id names on this terminal. */
struct void_target {
	char id[40];
	char owner[40];
	char status[16];  /* open, parked, completed, voided */
	char type[16];	  /* sale or refund */
	char receipt[48]; /* "" when none */
	int released;
};

/*
 * void_find: the order whose id or receipt number is `ref`. 0, -ENOENT
 * (`why` says so), -EIO.
 */
int void_find(sqlite3 *db, const char *ref, struct void_target *t, char *why, size_t whylen);

/*
 * void_order: void this terminal's open or parked order `order_id` with an
 * optional `reason` (1 … 200 bytes; NULL for none). opts->authorize (may
 * be NULL) sees what it needs (order.void) before anything is stored; the
 * void is by who->actor. One transaction: the order (rev + 1, status
 * "voided", receipt = the void's journal number), its order.put op, the
 * journal row (kind void, amount 0) and its journal.append op. out gets
 * the order id, the number and the document. Errors, with a sentence in
 * `why`: -ENOENT (unknown order), -EPERM (another terminal's, released, or
 * authorize said no: then its code is in out->refused), -EALREADY
 * (voided already), -EINVAL (a completed sale, payments taken, a bad
 * reason), -EIO. Nothing is stored on error.
 */
int void_order(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
	       const char *order_id, const char *reason, struct sale_result *out, char *why,
	       size_t whylen);

#endif
