/* SPDX-License-Identifier: MIT */
/*
 * Refunds (docs/pos.md, "Refunds"): a refund is a new order of type
 * "refund" that points at its sale (refundOf) and gives back some of its
 * lines; the sale is never edited. Never more of a line than was sold minus
 * what earlier refunds gave back. Pure: no I/O.
 *
 * Errors fill a struct proto_error naming the field and return -EINVAL;
 * -ENOMEM (code "unexpected") when memory ran out.
 */
#ifndef TILLNET_REFUND_H
#define TILLNET_REFUND_H

#include <jansson.h>
#include <stdint.h>

#include "proto.h"

/* One line to give back: the sale's line index (0-based) and how much. */
struct refund_req {
	int line;
	int64_t qty; /* thousandths */
};

/*
 * refund_build: a refund of `sale` (a completed sale's document, id
 * `sale_id`) for `reqs` (n of them), or of everything not yet refunded when
 * n is 0, given the `earlier` refunds of it (documents, nearlier).
 * The refund is {"type": "refund", "refundOf", "refundOfReceipt",
 * "status": "open", "createdAt", "lines": [...], "total", "taxTotal",
 * "payments": [], ...} with each line's money from pricing_refund_line and
 * "refLine" naming the sale's line. Refused: the sale is not a completed
 * sale ("refundOf"); a line index that is not the sale's ("lines[i].line");
 * the same line twice; more than is left ("lines[i].qty", naming both);
 * nothing left to refund ("lines").
 */
int refund_build(json_t *sale, const char *sale_id, json_t *const *earlier, int nearlier,
		 const struct refund_req *reqs, int n, int64_t created_at, json_t **out,
		 struct proto_error *err);

/*
 * refund_check: does `refund` hold against its `sale` and the `earlier`
 * refunds of it (the hub's re-check across terminals)? Each line must be
 * the sale's line (sku, unitPrice, taxRate), within what is left, and its
 * lineTotal and tax what pricing_refund_line gives. 0, or -EINVAL with
 * err naming the field ("payload.lines[1].qty": over-refund).
 */
int refund_check(json_t *sale, json_t *const *earlier, int nearlier, json_t *refund,
		 struct proto_error *err);

#endif
