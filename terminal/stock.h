/* SPDX-License-Identifier: MIT */
/*
 * Stock on the terminal, offline (docs/pos.md, "Stock"; the rules are
 * common/stock.h). term.db keeps the hub's levels from the last snapshot
 * as a base and every movement after it: this terminal's own (its sales
 * and refunds through term_order_effects, its adjustments and receipts of
 * goods), and the other terminals' and the hub's as their events arrive.
 * A level is the base plus the sum of the sku's movements.
 *
 * A note on counting nothing twice. The hub leaves this terminal's own
 * movements out of the levels it puts in a snapshot (stock_store.h), and
 * the terminal keeps its own movements for good, whether the hub has them
 * yet or not: so a snapshot replaces the base and drops only the others'
 * movements, which the new base holds. Events never bring a terminal its
 * own ops back, and an event's movement is stored under its id once.
 * (An own record the hub refused stays counted here: it is parked in the
 * outbox, where `tillnet-term status` shows it, until someone settles it.)
 *
 * Functions run on the caller's thread; those named "inside" run inside
 * the caller's transaction.
 */
#ifndef TILLNET_TERM_STOCK_H
#define TILLNET_TERM_STOCK_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "../common/stock.h" /* this file has the same name */
#include "proto.h"
#include "sale.h"

/*
 * term_stock_order: inside: the movements of completed order `order_id`
 * made by terminal `origin` (term_order_effects): a sale's lines out, a
 * refund's back in, stored under "<order id>:<line>" once.
 */
int term_stock_order(sqlite3 *db, const char *origin, const char *order_id, json_t *order);

/*
 * term_stock_apply_event: inside: a stock.move (the movement, once) or
 * stock.threshold (the sku's threshold) event made by `origin` at hub
 * sequence `seq`. A payload that does not read is logged and skipped.
 */
int term_stock_apply_event(sqlite3 *db, const char *origin, json_t *op, int64_t seq);

/*
 * term_stock_apply_snapshot: inside: when the snapshot `parts` carry stock
 * (a "stock" array in the first part; a hub from before stock sends none
 * and then nothing changes), replace the base with it and drop the
 * movements not made by `self`.
 */
int term_stock_apply_snapshot(sqlite3 *db, const char *self, json_t *parts);

/*
 * term_stock_move: an adjustment or a receipt of goods made here by `who`:
 * `payload` (a stock.move payload, not consumed) is checked as the hub
 * checks it (err names the member: "qty", "reason"; a sku not in this
 * terminal's catalog is "sku"), then the movement and its stock.move op
 * are written in one transaction. `move_id` (37 bytes) and *level (after
 * it) are set on success. -EINVAL (err set) or -EIO.
 */
int term_stock_move(sqlite3 *db, const struct sale_who *who, json_t *payload, int64_t now,
		    char *move_id, int64_t *level, struct proto_error *err);

/*
 * term_stock_levels: the level of every item on sale here, and of every
 * removed item whose level is not 0, by sku (or only `sku`, when not
 * NULL): {sku, name, level, threshold (null: none), low, negative}; with
 * `low_only` only those low or negative. Caller decrefs.
 */
int term_stock_levels(sqlite3 *db, const char *sku, int low_only, json_t **out);

/*
 * term_stock_movements: the movements of `sku` this terminal holds (its
 * own, and the others' since the last snapshot), oldest first: {id, kind,
 * qty, reason, orderId, origin, at, hubSeq}; *base gets the snapshot's
 * level. Caller decrefs.
 */
int term_stock_movements(sqlite3 *db, const char *sku, int64_t *base, json_t **out);

/* cmd_stock: tillnet-term stock [SKU] | adjust | receive (terminal/cmd_stock.c). */
int cmd_stock(int argc, char **argv);

#endif
