/* SPDX-License-Identifier: MIT */
/*
 * Orders as JSON objects, exactly the payload of an order.put op
 * (docs/protocol.md, "The order"): building one at the till, and
 * checking one that arrived from a terminal. Pure: no I/O; the one outside
 * question, whether a sku is in the catalog, is asked through a callback.
 *
 * Every function that fails fills a struct proto_error (code, field, an
 * English message starting with the field path) and returns a negative
 * errno: -EINVAL when the order or an argument is refused, -ENOMEM (code
 * "unexpected") when memory ran out. Calls on one order must not overlap;
 * different orders may be used from different threads.
 */
#ifndef TILLNET_ORDER_H
#define TILLNET_ORDER_H

#include <jansson.h>
#include <stdint.h>

#include "money.h"
#include "pricing.h"
#include "proto.h" /* struct proto_error, proto_error_set */

/* Limits of the spec. Strings are counted in bytes of UTF-8. */
#define ORDER_LINES_MAX	      500
#define ORDER_PAYMENTS_MAX    20
#define ORDER_SKU_MAX	      64
#define ORDER_NAME_MAX	      128
#define ORDER_RECEIPT_MAX     40
#define ORDER_REFERENCE_MAX   64
#define ORDER_SEQ_MAX	      (((int64_t)1 << 53) - 1) /* receiptSeq */
#define ORDER_CLOCK_MIN	      946684800000LL	       /* 2000-01-01, ms since the epoch */
#define ORDER_CLOCK_MAX	      7258118400000LL	       /* 2200-01-01 */
#define ORDER_VOID_REASON_MAX 200		       /* voidReason, bytes */

/* Rejection codes besides PROTO_ERR_BAD_FIELD ("bad-field"). */
#define ORDER_ERR_UNKNOWN_SKU "unknown-sku"
#define ORDER_ERR_BAD_TOTAL   "bad-total"

/* Is `sku` in the catalog? 1 known, 0 unknown, a negative errno on failure. */
typedef int (*order_sku_known_fn)(void *ctx, const char *sku);

/*
 * order_new: an empty open order started at `created_at` (ms since the
 * epoch): {"status":"open","receipt":null,"receiptSeq":null,"createdAt":..,
 * "completedAt":null,"lines":[],"total":0,"taxTotal":0,"payments":[]}.
 * The caller owns it (json_decref). NULL when memory ran out.
 * Note the spec wants at least one line in any order that is pushed.
 */
json_t *order_new(int64_t created_at);

/*
 * order_add_line: append a line of `qty` thousandths at `unit_price` (minor
 * units, tax included) and `tax_rate` basis points, computing its lineTotal
 * and tax with money.h, and update total and taxTotal. Refused (bad-field,
 * field "lines[N].<member>" for the line it would have been): an empty or
 * over-long sku, an over-long name, text that is not UTF-8, qty outside
 * 1 … MONEY_QTY_MAX, a negative or too large price, a rate outside 0 … 10000,
 * a line total or order total over MONEY_MAX, a 501st line, or a completed
 * order ("status"). On failure the order is unchanged.
 */
int order_add_line(json_t *order, const char *sku, const char *name, int64_t qty,
		   int64_t unit_price, int64_t tax_rate, struct proto_error *err);

/*
 * order_due: what is left to pay, total minus the sum of payment amounts.
 * At least 0 for an order built with these functions. Members that are
 * missing or not integers count as 0: call it on orders built here or that
 * passed order_check.
 */
int64_t order_due(json_t *order);

/*
 * order_add_payment: append a payment against what is due.
 *  - "cash": `tendered` (> 0) is what the customer handed over; amount =
 *    min(tendered, due), change = tendered - amount; `reference` must be NULL.
 *  - "card": amount = tendered = due, change 0; pass tendered 0 (ignored).
 *    `reference` is required, 1 … 64 bytes of printable ASCII.
 * Refused: nothing due (bad-total, field "payments"), a 21st payment, an
 * unknown tender, a completed order, bad tendered or reference (bad-field,
 * field "payments[N].<member>"). On failure the order is unchanged.
 */
int order_add_payment(json_t *order, const char *tender, int64_t tendered, const char *reference,
		      struct proto_error *err);

/*
 * order_complete: close the sale: status "completed", with receipt (1 … 40
 * bytes), receiptSeq (1 … 2^53-1) and completedAt (a clock). Needs at least
 * one line (bad-field "lines") and payments summing exactly to total
 * (bad-total "payments"); an order already completed is bad-field "status".
 * On failure the order is unchanged, except after -ENOMEM.
 */
int order_complete(json_t *order, const char *receipt, int64_t receipt_seq, int64_t completed_at,
		   struct proto_error *err);

/*
 * order_void: void an open or parked order that took no money (docs/pos.md,
 * "Voids"): status "voided", with `number` and `seq` (the void's journal
 * number, 1 … 40 bytes and 1 … 2^53-1) as its receipt and receiptSeq,
 * voidedAt `at` (a clock), voidedBy `by` (a staff id; NULL when the store
 * has no staff) and voidReason `reason` (1 … 200 bytes of UTF-8; NULL for
 * none). Refused (bad-field): a completed order ("status": a completed
 * sale is reversed, never voided), one voided already ("status"), one
 * with payments ("payments": the money goes back first), a bad argument
 * (named by its member). On failure the order is unchanged.
 */
int order_void(json_t *order, const char *number, int64_t seq, int64_t at, const char *by,
	       const char *reason, struct proto_error *err);

/*
 * order_set_void_reason: set voidReason (1 … 200 bytes of UTF-8), on a
 * voided order or a reversal. Refused: bad-field "voidReason".
 */
int order_set_void_reason(json_t *order, const char *reason, struct proto_error *err);

/*
 * The till's extras (docs/protocol.md, "The order"; docs/pos.md, "The
 * money rules"). An order built with order_new and order_add_line is
 * priced as a plain tax-inclusive sale; these change that and re-price it.
 */

/* One tender handed over at the till: what order_settle takes. */
struct order_tender {
	const char *tender;    /* "cash", "card", "other" or "points" */
	int64_t tendered;      /* cash: handed over; others: the amount; 0: what is left to pay */
	const char *reference; /* card and other: required; cash and points: NULL */
};

/*
 * order_set_discount: a discount on line `line`, or on the whole order when
 * line is -1 ({"kind": "percent"|"amount", "value": …} in the document;
 * PRICING_DISCOUNT_NONE removes it). Then re-prices with order_price.
 * Refused like order_price, and an index that is not a line ("lines").
 * On failure the order is unchanged.
 */
int order_set_discount(json_t *order, int line, const struct pricing_discount *d, int64_t ceiling,
		       struct proto_error *err);

/*
 * order_set_mode: prices include tax (PRICING_INCLUSIVE, the default) or tax
 * comes on top (PRICING_EXCLUSIVE); re-prices. Unchanged on failure.
 */
int order_set_mode(json_t *order, enum pricing_mode mode, int64_t ceiling, struct proto_error *err);

/*
 * order_price: compute every line's lineTotal, tax, discountAmount and
 * orderShare, and the order's total, taxTotal, discountTotal and taxes
 * from the lines' qty, unitPrice, taxRate and discount, the order's
 * priceMode and discount, with pricing_compute. `ceiling` is the largest
 * discount the person at the till may give (basis points). Payments taken
 * before are dropped (the amount due changed). Unchanged on failure.
 */
int order_price(json_t *order, int64_t ceiling, struct proto_error *err);

/*
 * order_settle: replace the payments with `tenders`, settled against the
 * total with pricing_settle at cash rounding `cash_step` (1: none), and set
 * cashStep and rounding. A tendered of 0 means "what is left" (after cash
 * rounding for cash). Card and other need a reference of 1 … 64 printable
 * ASCII bytes ("payments[i].reference"); cash and points have none.
 * Refused like pricing_settle. Unchanged on failure.
 */
int order_settle(json_t *order, const struct order_tender *tenders, int n, int64_t cash_step,
		 struct proto_error *err);

/*
 * order_check: validate an untrusted order.put payload, as the hub does for
 * every op. Fields are named from the op: "payload.lines[2].qty". Codes:
 *  - bad-field: a member missing, of the wrong JSON type (a real number is
 *    never an integer), outside its limits, an unknown status or tender; a
 *    voided order without voidedAt, receipt and receiptSeq, or with
 *    payments; void members on an order that is not voided; "reversal"
 *    other than true on a refund;
 *  - bad-total: a lineTotal or tax that is not what money.h computes, total
 *    or taxTotal not the sums, change not tendered - amount, or the payments
 *    of a completed order not summing exactly to total;
 *  - unknown-sku: `known` (when not NULL) said a line's sku is unknown.
 * All bad-field checks run before any bad-total check, and `known` is asked
 * only about orders that are otherwise valid. Members not in the spec are
 * ignored. Returns 0, -EINVAL when refused, or a negative errno returned by
 * `known` (then code "unexpected": the order was not judged).
 */
int order_check(json_t *order, order_sku_known_fn known, void *ctx, struct proto_error *err);

#endif
