/* SPDX-License-Identifier: MIT */
/*
 * The hub's alerts, as the needs-attention list shows them and as a manager
 * resolves them. Each kind of alert lives in its own table, written by the
 * code that found it (journal_store.c, refund_recheck.c, cash_store.c,
 * customer_store.c, stock_store.c); an alert is never deleted, only marked
 * resolved, with an audit entry naming who and why. Pure database code; the
 * caller owns the connection.
 */
#ifndef TILLNET_ALERTS_STORE_H
#define TILLNET_ALERTS_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

/* The longest note a manager may give when resolving an alert. */
#define ALERTS_NOTE_MAX 500

/*
 * alerts_store_kind_known: 1 when `kind` is an alert kind of the attention
 * list ("journal-broken", "order-alert", "cash-alert", "loyalty-alert",
 * "stock-alert"), else 0.
 */
int alerts_store_kind_known(const char *kind);

/*
 * alerts_store_open_json: append every open alert of the order, cash,
 * loyalty and stock tables to `items` as attention items (kind, id, at,
 * terminal, orderId, receipt, code, message, actions ["resolve"], detail),
 * oldest first per kind. Journal alerts are listed with the journal's gaps
 * (admin_attention.c).
 */
int alerts_store_open_json(sqlite3 *db, json_t *items);

/*
 * alerts_store_resolve: mark the open alert `id` of `kind` resolved and
 * audit it ("alert.resolve", subject "<kind>/<id>", detail: code, message
 * and note), in one transaction. -ENOENT when there is no such open alert
 * (unknown, or resolved already); -EINVAL for an unknown kind.
 */
int alerts_store_resolve(sqlite3 *db, const char *kind, int64_t id, const char *note,
			 const char *actor, int64_t now);

#endif
