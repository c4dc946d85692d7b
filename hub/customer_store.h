/* SPDX-License-Identifier: MIT */
/*
 * Customers and their loyalty points in hub.db (docs/pos.md, "Customers
 * and loyalty"; docs/protocol.md, "customer.put").
 *
 * Any terminal may create or edit a customer (op customer.put); the hub
 * keeps the version that wins by last writer wins (loyalty_customer_wins:
 * updatedAt, then the writer's terminal id), as every terminal does, so
 * all copies agree once the events have gone round. Points are a ledger:
 * each completed order naming a customer adds one entry (its earned and
 * redeemed points and what it paid), and a balance is their sum, so two
 * terminals that sold offline merge by adding up. When an entry that
 * redeems points leaves the balance below zero (two terminals redeemed the
 * same points offline), the sale stands and an alert is raised
 * (loyalty_alerts, audit loyalty.flagged). Runs on the hub's loop, inside
 * the push's transaction where noted.
 */
#ifndef TILLNET_CUSTOMER_STORE_H
#define TILLNET_CUSTOMER_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

#define CUSTOMER_AUDIT_FLAGGED "loyalty.flagged"
#define CUSTOMER_LIST_MAX      500 /* customers in one list answer */

/* sync_kinds judge for customer.put: the payload's fields (sync_kinds.h). */
int customer_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			 const char **result, struct proto_error *err);

/* sync_kinds store for customer.put: kept when it wins over the stored version. */
int customer_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		       int64_t now);

/*
 * customer_store_order: the loyalty effect of a completed order (called by
 * order_effects_apply): its ledger entry, and an alert when it leaves the
 * balance below zero or names a customer the hub does not know. Never
 * refuses; a negative errno is a database failure.
 */
int customer_store_order(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			 int64_t seq, int64_t now);

/*
 * customer_store_snapshot: add the customers to a snapshot (`parts`, the
 * array sync_snapshot built), at most SYNC_SNAPSHOT_ORDERS per part, adding
 * parts as needed (the final part keeps "last"). Each: the customer's
 * fields, its `writer`, and `otherPoints` / `otherSpend`: the sums of its
 * ledger entries NOT made by `terminal_id` (the terminal counts its own).
 */
int customer_store_snapshot(sqlite3 *db, const char *terminal_id, json_t *parts);

/*
 * customer_store_list: the customers `q` finds (name contains it, any
 * case; phone, e-mail or card is it; NULL: all), by name, at most
 * CUSTOMER_LIST_MAX, each with points, lifetimeSpend, tier and openAlerts.
 * Caller decrefs.
 */
int customer_store_list(sqlite3 *db, const char *q, json_t **out);

/*
 * customer_store_get: one customer with points, lifetimeSpend, tier, its
 * ledger (newest first, up to 100) and its alerts. -ENOENT when unknown.
 */
int customer_store_get(sqlite3 *db, const char *id, json_t **out);

#endif
