/* SPDX-License-Identifier: MIT */
/*
 * Customers and loyalty points, the pure part (docs/pos.md, "Customers and
 * loyalty"; docs/protocol.md, "customer.put" and the order's `loyalty`).
 * A customer is a record any terminal may create or edit; two edits of one
 * customer are settled by last writer wins (loyalty_customer_wins), the same
 * rule on the hub and on every terminal, so all copies end up alike. Points
 * are a ledger: each completed sale or refund naming a customer is one entry
 * (loyalty_entry_of), and a balance is their sum, so terminals that sold
 * offline merge by adding up. No I/O.
 *
 * Errors fill a struct proto_error naming the member ("phone", "loyalty.earned")
 * and return -EINVAL.
 */
#ifndef TILLNET_LOYALTY_H
#define TILLNET_LOYALTY_H

#include <jansson.h>
#include <stdint.h>

#include "proto.h"

#define LOYALTY_NAME_MAX  128 /* bytes */
#define LOYALTY_PHONE_MAX 32
#define LOYALTY_EMAIL_MAX 254
#define LOYALTY_CARD_MAX  64
#define LOYALTY_ID_LEN	  37

struct customer {
	char id[LOYALTY_ID_LEN];
	char name[LOYALTY_NAME_MAX + 1];
	char phone[LOYALTY_PHONE_MAX + 1]; /* "" when none */
	char email[LOYALTY_EMAIL_MAX + 1]; /* "" when none */
	char card[LOYALTY_CARD_MAX + 1];   /* the loyalty card's number; "" when none */
	int64_t created_at, updated_at;	   /* device clocks, ms */
};

/*
 * loyalty_customer_decode: the payload of a customer.put (`j`, an object)
 * into `c` (its id is left as it was): name 1–128 bytes of printable text;
 * phone (3–32 of digits, spaces, + - ( ) and at least 3 digits), email
 * (one @ with text either side, a dot after it, no spaces, ≤ 254 bytes)
 * and card (1–64 of letters, digits and - _) optional or empty; createdAt
 * and updatedAt clocks, updatedAt ≥ createdAt. Field names are the
 * payload's own ("phone"). Unknown members are ignored.
 */
int loyalty_customer_decode(json_t *j, struct customer *c, struct proto_error *err);

/* loyalty_customer_check: the same checks on a struct (as the CLI builds one). */
int loyalty_customer_check(const struct customer *c, struct proto_error *err);

/* loyalty_customer_json: the payload of a customer.put for `c`; NULL when out of memory. */
json_t *loyalty_customer_json(const struct customer *c);

/*
 * loyalty_customer_wins: does version `a`, written by terminal `a_writer`,
 * win over `b` by `b_writer`? Last writer wins: the later updatedAt, and
 * on a tie the writer id that sorts last; the same version never wins over
 * itself (so applying one twice changes nothing).
 */
int loyalty_customer_wins(const struct customer *a, const char *a_writer, const struct customer *b,
			  const char *b_writer);

/* loyalty_text_matches: does `text` find `c` (name contains it, ignoring case; phone, email or card
 * equal)? */
int loyalty_text_matches(const struct customer *c, const char *text);

/*
 * One ledger entry: what a completed order did to its customer's points
 * and lifetime spend. A sale earns and redeems (both ≥ 0) and adds what
 * was paid other than in points to the spend; a refund takes back earned
 * points and gives redeemed ones back (both ≤ 0) and takes its money off
 * the spend. points = earned − redeemed.
 */
struct loyalty_entry {
	int64_t earned, redeemed, spend;
};

/*
 * loyalty_entry_of: the entry of a completed order document: 1 with *e
 * filled when it names a customer (`customer`), 0 when it names none.
 */
int loyalty_entry_of(json_t *order, struct loyalty_entry *e);

/* loyalty_paid: what the order's payments cover in tenders other than points (minor units). */
int64_t loyalty_paid(json_t *order);

/* loyalty_points_paid: what its points payments cover (minor units). */
int64_t loyalty_points_paid(json_t *order);

/*
 * loyalty_points_for: the points that pay `amount` minor units when a point
 * is worth `point_value`: 0 with *points set, or -EINVAL when `amount` is
 * not a whole number of points (err names `field`).
 */
int loyalty_points_for(int64_t amount, int64_t point_value, int64_t *points, const char *field,
		       struct proto_error *err);

/*
 * loyalty_refund_takeback: the earned points a refund takes back. A sale
 * that earned `earned` points for `sale_total` gives them back in
 * proportion to what is refunded: after refunds of `refunded` in all
 * (this one included) `earned × refunded / sale_total` are taken back,
 * rounded half away from zero, so the refunds of a whole sale take back
 * exactly what it earned. `taken` is what earlier refunds took back.
 * Returns the points this refund takes back, 0 … earned − taken.
 */
int64_t loyalty_refund_takeback(int64_t earned, int64_t sale_total, int64_t refunded,
				int64_t taken);

/*
 * loyalty_points_discount: is the order discount of `order` paid for with
 * its customer's points (docs/pos.md, "Points as a discount")? That is an
 * amount discount marked {"kind": "amount", "value": N × P, "source":
 * "points", "points": N, "pointValue": P}. 1 with *points and *point_value
 * set (as they are; loyalty_check judges them), 0 when it is not.
 */
int loyalty_points_discount(json_t *order, int64_t *points, int64_t *point_value);

/*
 * loyalty_points_discount_mark: mark the order discount of `order` (an
 * amount of points × point_value, set already) as paid with `points`
 * points worth `point_value` each. -EINVAL when there is no such amount
 * discount, -ENOMEM.
 */
int loyalty_points_discount_mark(json_t *order, int64_t points, int64_t point_value);

/*
 * loyalty_refund_points_back: the points a refund gives back of the
 * `points` a sale redeemed as a discount, in proportion to what is
 * refunded, like loyalty_refund_takeback: after refunds of `refunded` in
 * all (this one included) of a sale of `sale_total`, round(points ×
 * refunded / sale_total) have gone back. A sale the points paid for
 * entirely (total 0) goes by quantity instead (thousandths refunded of
 * `sold_qty` sold, over all its lines), and the refund that leaves
 * nothing of the sale (`refunded_qty` ≥ `sold_qty`) gives back all that
 * is left. `given` is what earlier refunds gave back. Returns 0 …
 * points − given.
 */
int64_t loyalty_refund_points_back(int64_t points, int64_t sale_total, int64_t refunded,
				   int64_t sold_qty, int64_t refunded_qty, int64_t given);

/*
 * loyalty_check: an order's `loyalty` member, when present (order_check):
 * an object {"earned", "redeemed"} of integers, ≥ 0 on a sale and ≤ 0 on
 * a refund, and the order must name its `customer`; an optional
 * `discountPoints` (a refund: the points of `redeemed` that gave back a
 * points discount, redeemed ≤ discountPoints ≤ 0) and `balance` (the
 * customer's balance as the till knew it after the order; not judged).
 * And an order discount with a `source`: only "points", on a sale naming
 * its customer, an amount whose value is exactly points × pointValue
 * (both integers ≥ 1); when the sale carries `loyalty`, its `redeemed`
 * counts those points too (points + its points payments / pointValue).
 * A line discount has no source. Field names are "payload.loyalty...",
 * "payload.discount...".
 */
int loyalty_check(json_t *order, struct proto_error *err);

#endif
