/* SPDX-License-Identifier: MIT */
/*
 * The store's stock ledger in hub.db (docs/pos.md, "Stock"; the pure rules
 * are common/stock.h). A movement comes from one of three places: a
 * completed sale or refund applied at the hub (one per line, through
 * order_effects_apply: no op of its own), a stock.move op a terminal made
 * (offline too; judged and stored through sync_kinds), or the hub itself
 * (tillnet-hub stock, the admin API), which logs it as a stock.move event
 * of origin "hub" so that terminals learn it. A level is the sum of a
 * sku's movements, kept in stock_levels by the transaction that adds each
 * movement so that no push sums a sku's history. A movement that takes a level below zero is stored
 * all the same and raises an alert once per crossing: a stock_alerts row, an audit entry
 * (stock.negative, by hub) and a warning in the log.
 *
 * Functions run on the caller's thread with the caller's connection.
 */
#ifndef TILLNET_STOCK_STORE_H
#define TILLNET_STOCK_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"
#include "stock.h"

/* The conflict code of a stock.move whose movement id the hub holds already. */
#define STOCK_CODE_MOVE_TAKEN "move-taken"

/* The alert code (stock_alerts.code) and the audit actions. */
#define STOCK_ALERT_NEGATIVE	 "negative"
#define STOCK_AUDIT_NEGATIVE	 "stock.negative"
#define STOCK_AUDIT_ADJUST	 "stock.adjust"
#define STOCK_AUDIT_RECEIVE	 "stock.receive"
#define STOCK_AUDIT_THRESHOLD	 "stock.threshold"
#define STOCK_SNAPSHOT_PER_PART	 1000 /* stock entries in one snapshot part */
#define STOCK_MOVEMENTS_PAGE_MAX 1000

/*
 * stock_store_order: the movements of a completed order that sync_apply
 * just stored at hub sequence `seq` (order_effects_apply): each line of a
 * sale takes its qty out, each line of a refund puts it back; other
 * records move nothing. Inside the push's transaction; a negative errno
 * undoes it.
 */
int stock_store_order(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		      int64_t now);

/*
 * stock_store_judge: the sync_kind judge of stock.move: the payload as
 * stock_move_decode says (rejected, bad-field "payload.qty" …), rev 1 (a
 * movement never changes), the sku in the catalog (rejected, unknown-sku
 * "payload.sku"); a movement id the hub holds already is a conflict
 * (move-taken). See sync_kinds.h for the return values.
 */
int stock_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
		      const char **result, struct proto_error *err);

/* stock_store_put: the sync_kind store of stock.move: the movement, at hub sequence `seq`. */
int stock_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		    int64_t now);

/*
 * stock_store_hub_move: a movement made at the hub by `actor` (an account
 * id or "cli:NAME"): `payload` is a stock.move payload (not consumed),
 * checked like a terminal's (err names the member: "qty", "reason"; an
 * unknown sku is "sku"). In one transaction that the function opens: the
 * stock.move event (origin hub, entityId a new movement id), the movement
 * and its audit entry (stock.adjust or stock.receive). `move_id` (37
 * bytes) and *level (after it) are set on success. -EINVAL (err set),
 * -EBUSY, -EIO, -ENOMEM.
 */
int stock_store_hub_move(sqlite3 *db, json_t *payload, const char *actor, int64_t now,
			 char *move_id, int64_t *level, struct proto_error *err);

/*
 * stock_store_set_threshold: the low-stock threshold of `sku` (thousandths,
 * >= 0), or none when !set, by `actor`: stored, audited (stock.threshold)
 * and announced as a stock.threshold event, in one transaction the
 * function opens. -ENOENT when the catalog has no such sku; -EBUSY, -EIO.
 */
int stock_store_set_threshold(sqlite3 *db, const char *sku, int set, int64_t threshold,
			      const char *actor, int64_t now);

/*
 * stock_store_levels: every item on sale, and every removed item whose
 * level is not 0, by sku: {sku, name, level, threshold (null: none), low,
 * negative}; with `low_only` only those low or negative. Caller decrefs.
 */
int stock_store_levels(sqlite3 *db, int low_only, json_t **out);

/*
 * stock_store_item: one sku's level as in stock_store_levels and its
 * movements oldest first, `limit` of them from `offset`: "movements":
 * [{id, kind, qty, reason, orderId, receipt, origin, terminal, actor,
 * hubSeq, at, receivedAt, levelAfter}], "total" (movements in all).
 * -ENOENT when the catalog has no such sku. Caller decrefs.
 */
int stock_store_item(sqlite3 *db, const char *sku, int64_t offset, int limit, json_t **out);

/*
 * stock_store_snapshot: add the stock to a snapshot (`parts`, the array
 * sync_snapshot built; its first part gets a "stock" array even when
 * empty): per sku with movements or a threshold, {sku, level, threshold}
 * where level sums every movement NOT made by `terminal_id` (the terminal
 * holds its own and adds them itself, so none is counted twice) and
 * threshold is absent when none is set. At most STOCK_SNAPSHOT_PER_PART
 * entries per part, adding parts as needed; the last part keeps "last".
 */
int stock_store_snapshot(sqlite3 *db, const char *terminal_id, json_t *parts);

/* cmd_stock: tillnet-hub stock list|show|adjust|receive|threshold (hub/cmd_stock.c). */
int cmd_stock(int argc, char **argv);

#endif
