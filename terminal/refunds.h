/* SPDX-License-Identifier: MIT */
/*
 * Refunds at the till (docs/pos.md, "Refunds"): against a sale this
 * terminal knows (its own, or mirrored from another terminal), never more
 * than was sold minus what was refunded already on this terminal or
 * mirrored here; stored and journaled like a sale (sale_commit).
 */
#ifndef TILLNET_TERM_REFUNDS_H
#define TILLNET_TERM_REFUNDS_H

#include <sqlite3.h>

#include "refund.h"
#include "sale.h"

/*
 * refund_make: refund `reqs` (n; 0: everything not refunded yet) of the sale
 * whose receipt number or order id is `sale_ref`, paying it back with `pays`
 * (cash exact, or card/other with a reference). opts->authorize sees what it
 * needs (order.refund). Errors: -ENOENT (no such sale here), -EINVAL (a
 * line, quantity or payment that does not work: over-refund), -EPERM
 * (authorize said no), -EIO; `why` gets a sentence. Nothing is stored on
 * error.
 */
int refund_make(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		const char *sale_ref, const struct refund_req *reqs, int n,
		const struct sale_pay_req *pays, int npays, struct sale_result *out, char *why,
		size_t whylen);

/*
 * refund_reverse: void a completed sale (docs/pos.md, "Voids"): a refund of
 * everything not refunded yet, marked "reversal": true and journaled as a
 * void with minus its total, with `reason` as its voidReason (NULL: none).
 * opts->authorize sees what it needs (order.void, and a step-up every
 * time). Errors as refund_make; a sale refunded in full already, or a bad
 * reason, is -EINVAL.
 */
int refund_reverse(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		   const char *sale_ref, const struct sale_pay_req *pays, int npays,
		   const char *reason, struct sale_result *out, char *why, size_t whylen);

#endif
