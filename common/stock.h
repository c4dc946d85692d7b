/* SPDX-License-Identifier: MIT */
/*
 * Stock as a ledger (docs/pos.md, "Stock"): every change to what the shop
 * holds of a product is a movement, a signed quantity in thousandths of a
 * unit: a sale takes its lines out, a refund puts them back, an adjustment
 * corrects the count either way with a reason, receiving goods adds. The
 * level of a product is the sum of its movements, never a counter that a
 * writer overwrites, so terminals that worked offline merge by adding. A
 * level may go below zero (the shelf had more than the books said): it is
 * allowed and flagged. Pure: no I/O; the hub (hub/stock_store.c) and the
 * terminal (terminal/stock.c) decide the same way with these functions.
 */
#ifndef TILLNET_STOCK_H
#define TILLNET_STOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "money.h"
#include "proto.h"

#define STOCK_SKU_MAX	 64	       /* bytes, as a catalog sku */
#define STOCK_REASON_MAX 200	       /* bytes of an adjustment's reason */
#define STOCK_QTY_MAX	 MONEY_QTY_MAX /* |qty| of one movement: a million units */

/* Movement kinds. Sales and refunds come from orders; ops carry only the last two. */
#define STOCK_KIND_SALE	   "sale"
#define STOCK_KIND_REFUND  "refund"
#define STOCK_KIND_ADJUST  "adjust"
#define STOCK_KIND_RECEIVE "receive"

/* One movement made by hand (an op's payload, docs/protocol.md "stock.move"). */
struct stock_move {
	char sku[STOCK_SKU_MAX + 1];
	int64_t qty; /* thousandths, signed, never 0 */
	char kind[8];
	char reason[STOCK_REASON_MAX + 1]; /* "" when none */
};

/*
 * stock_move_decode: a stock.move payload {sku, qty, kind, reason}: sku 1
 * to 64 bytes; qty a JSON integer, not 0, |qty| at most STOCK_QTY_MAX;
 * kind "adjust" or "receive"; reason a string of at most STOCK_REASON_MAX
 * bytes without control characters, required (not blank) for an
 * adjustment; a receipt of goods adds, so its qty is above 0. Fields in
 * errors are the payload's own ("qty"): prefix them with
 * proto_error_prefix. 0 or -EINVAL (bad-field).
 */
int stock_move_decode(json_t *payload, struct stock_move *out, struct proto_error *err);

/* stock_move_json: the payload of `m` (reason left out when ""). NULL when out of memory. */
json_t *stock_move_json(const struct stock_move *m);

/*
 * stock_order_sign: what a completed order does to stock: -1 for a sale
 * (type absent or "sale"), +1 for a refund, 0 for any other record.
 */
int stock_order_sign(json_t *order);

/*
 * stock_order_line: line `i` of `order` as a movement: its sku (borrowed
 * from the order) and its qty times stock_order_sign. -ENOENT past the
 * last line; -EINVAL for a line without a sku or a qty in 1 ..
 * STOCK_QTY_MAX (the order check refuses those before this is asked).
 */
int stock_order_line(json_t *order, size_t i, const char **sku, int64_t *qty);

/*
 * stock_qty_parse: a signed quantity as a person writes it, "5", "+2",
 * "-1.5", "0.250", into thousandths. -EINVAL for other text, -ERANGE for
 * zero or beyond STOCK_QTY_MAX.
 */
int stock_qty_parse(const char *text, int64_t *out);

/*
 * stock_threshold_parse: a low-stock threshold, "0", "5", "2.5" (not
 * negative), into thousandths; "none" clears it (*set 0). -EINVAL for
 * other text, -ERANGE beyond STOCK_QTY_MAX.
 */
int stock_threshold_parse(const char *text, int *set, int64_t *out);

/* What a level means for the shop. */
struct stock_state {
	int low;      /* a threshold is set and the level is at or below it */
	int negative; /* below zero */
};

/* stock_state_of: the flags of `level` with a threshold (`has_threshold` 0: none). */
struct stock_state stock_state_of(int64_t level, int has_threshold, int64_t threshold);

/*
 * stock_crosses_zero: does a movement that takes the level from `before`
 * to `after` make it negative now (it was not before)? The hub flags each
 * such crossing once.
 */
int stock_crosses_zero(int64_t before, int64_t after);

#endif
