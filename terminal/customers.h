/* SPDX-License-Identifier: MIT */
/*
 * Customers and their loyalty points on the terminal (docs/pos.md,
 * "Customers and loyalty"), all in term.db so the till knows them offline.
 *
 * A note on the balance: points are a ledger, never a counter. This
 * terminal keeps one entry per completed order naming a customer: its own
 * (from sale_commit) and the other terminals' (mirrored as they arrive,
 * after the last snapshot). The snapshot brings each customer's sum of the
 * hub's entries from the *other* terminals as the customer's base, so an
 * own sale the hub already had is counted once, here, whether or not it had
 * reached the hub when the snapshot was made. Balance = base + the entries.
 */
#ifndef TILLNET_TERM_CUSTOMERS_H
#define TILLNET_TERM_CUSTOMERS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "loyalty.h"

struct customers_totals {
	int64_t points;		/* the balance: base + earned − redeemed */
	int64_t lifetime_spend; /* minor units: what sales paid (not in points) less refunds */
};

/*
 * customers_save_own: create or edit customer `c` here (c->id set by the
 * caller: a new UUIDv7 for a new one), as terminal `self`, in one
 * transaction with its customer.put op (actor: the signed-in staff member,
 * or NULL). `c` is checked (loyalty_customer_check) and its card must not
 * be another customer's. `create`: the id must be new; else it must exist.
 * Errors: -EINVAL (a field; `why` names it), -EEXIST (card taken),
 * -ENOENT (edit of an unknown id), -EIO. Nothing is stored on error.
 */
int customers_save_own(sqlite3 *db, const char *self, const char *actor, const struct customer *c,
		       int create, char *why, size_t whylen);

/* customers_load: customer `id`: 0, -ENOENT, or -EIO. */
int customers_load(sqlite3 *db, const char *id, struct customer *c);

/*
 * customers_resolve: the one customer `text` names: an id, a card number,
 * a phone number or an e-mail address. -ENOENT (none; `why` says so),
 * -EINVAL (several share it: `why` asks for the id), -EIO.
 */
int customers_resolve(sqlite3 *db, const char *text, struct customer *c, char *why, size_t whylen);

/* customers_totals: the balance and lifetime spend of customer `id`. */
int customers_totals(sqlite3 *db, const char *id, struct customers_totals *t);

/*
 * customers_find_json: the customers `text` finds (name contains it, or
 * phone, e-mail, card or id is it), each with its points, spend and tier,
 * at most `limit`. Caller json_decref's *out.
 */
int customers_find_json(sqlite3 *db, const char *text, int limit, json_t **out);

/* customers_show_json: customer `id` with totals, tier and its last `recent` ledger entries. */
int customers_show_json(sqlite3 *db, const char *id, int recent, json_t **out);

/*
 * customers_loyalty_fill: before a completed order is stored (sale_commit,
 * in its transaction): a sale naming a `customer` gets `loyalty` {earned:
 * the store's rule on what was paid other than in points, redeemed: its
 * points payments in points plus the points of a points discount,
 * balance: the customer's points after it}; the redemption must be whole
 * points and no more than the customer's balance here, and a points
 * discount must be at the store's point value now. A refund of a sale that
 * named a customer names it too and gets {earned: minus the points it
 * takes back (in proportion, loyalty_refund_takeback), redeemed: minus
 * points paid back in points and the points discount given back
 * (loyalty_refund_points_back, also in discountPoints), balance}. Points
 * without a customer are refused.
 * -EINVAL (`why` for the cashier), -EIO.
 */
int customers_loyalty_fill(sqlite3 *db, json_t *order, char *why, size_t whylen);

/*
 * customers_order_effect: the ledger entry of a completed order (own or
 * mirrored; term_order_effects). Once per order; no customer: nothing.
 */
int customers_order_effect(sqlite3 *db, const char *origin, const char *order_id, json_t *order);

/* customers_apply_event: another terminal's customer.put op: kept when it wins (last writer). */
int customers_apply_event(sqlite3 *db, const char *writer, json_t *op);

/*
 * customers_snapshot_begin / _put: a snapshot replaces what the hub said
 * before: the mirrored entries go (the snapshot's sums include them), each
 * customer in it is merged (last writer wins) and gets its base from its
 * `otherPoints` and `otherSpend` (the hub's entries not made by this
 * terminal). Inside the snapshot's transaction.
 */
int customers_snapshot_begin(sqlite3 *db, const char *self);
int customers_snapshot_put(sqlite3 *db, const char *self, json_t *item);

#endif
