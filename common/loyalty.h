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
 * loyalty_check: an order's `loyalty` member, when present (order_check):
 * an object {"earned", "redeemed"} of integers, ≥ 0 on a sale and ≤ 0 on
 * a refund, and the order must name its `customer`. Field names are
 * "payload.loyalty...".
 */
int loyalty_check(json_t *order, struct proto_error *err);

#endif
