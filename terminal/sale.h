/* SPDX-License-Identifier: MIT */
/*
 * Ringing up on the terminal: a sale (or a parked cart) is priced from the
 * terminal's catalog copy and written in ONE transaction together with its
 * outbox op; only after COMMIT does the caller tell the cashier. A release
 * hands a parked cart over to whichever terminal claims it.
 */
#ifndef TILLNET_SALE_H
#define TILLNET_SALE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pricing.h"
#include "staff_rules.h"

struct sale_line_req {
	const char *code; /* a SKU, or a barcode */
	int64_t qty;	  /* thousandths */
	struct pricing_discount discount;
};

/* What a sale asks beyond its lines and payments. */
struct sale_opts {
	struct pricing_discount discount; /* on the whole order */
	/*
	 * Called with what the priced order needs of the person at the till
	 * (permissions, discount depth) before anything is stored: 0 to go on,
	 * else an EX_* code (the caller said why). NULL: no check.
	 */
	int (*authorize)(void *ctx, const struct staff_needs *needs);
	void *ctx;
	const char *customer; /* the customer's id (customers.h); NULL: none named */
	/*
	 * Points of the customer's taken off the order as an amount order
	 * discount (docs/pos.md, "Points as a discount"); 0: none. Needs
	 * `customer`, no other order discount, no more than the customer's
	 * balance here nor than the order comes to (before tax when prices are
	 * before tax). Not capped by the discount ceiling.
	 */
	int64_t redeem_points;
};

struct sale_pay_req {
	const char *tender;    /* cash, card or other */
	int64_t tendered;      /* cash: what the customer hands over; 0: the exact amount */
	const char *reference; /* card and other: the payment reference */
};

struct sale_who {
	const char *terminal_id;
	const char *short_code; /* the receipt number's prefix */
	const char *actor;	/* the signed-in staff member's id; NULL when none */
	const char
	    *approver; /* the manager who stepped up; NULL when none (authorize may set it) */
};

struct sale_result {
	char order_id[40];
	char receipt[48]; /* "" for a parked cart */
	int64_t receipt_seq;
	int64_t total, tax_total, change;
	json_t *order; /* the order document; caller json_decref's */
	int refused;   /* -EPERM: the EX_* code authorize returned */
};

/*
 * sale_ring_up: price `lines` and, unless `park`, take `pays` (the due
 * amount must be covered exactly: cash may exceed it, giving change) and
 * complete the order with the next gap-free receipt number. With `park` the
 * order is stored as a parked cart without payments or receipt.
 * Discounts (opts and each line's) are priced with pricing.h; opts->authorize
 * then sees what the order needs. Errors: -ENOENT (no catalog yet, or a
 * code not in it), -EINVAL (a quantity, discount or payment that does not
 * work), -EPERM (authorize said no: its code in out->refused), -EIO; `why`
 * gets a sentence for the cashier. Nothing is stored on error.
 */
int sale_ring_up(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		 const struct sale_line_req *lines, int nlines, const struct sale_pay_req *pays,
		 int npays, int park, struct sale_result *out, char *why, size_t whylen);

/*
 * sale_price: the order `lines`, opts' discount and points make, priced as
 * sale_ring_up would (the store's price mode, the discounts) but neither
 * authorized nor stored: what a cashier screen shows while the cart grows.
 * *out is the caller's. Errors as sale_ring_up, without -EPERM.
 */
int sale_price(sqlite3 *db, const struct sale_opts *opts, const struct sale_line_req *lines,
	       int nlines, json_t **out, char *why, size_t whylen);

/*
 * sale_commit: store `order` (taken over: freed on failure, out->order on
 * success) as out->order_id in one transaction with its order.put op.
 * With a journal `kind` (JOURNAL_KIND_SALE, _REFUND) it is completed first
 * with the journal's next number as its receipt, and journaled with
 * `amount` (the signed effect on the grand total); with kind NULL it is
 * stored as it is (a parked cart). Errors as sale_ring_up.
 */
int sale_commit(sqlite3 *db, const struct sale_who *who, json_t *order, const char *kind,
		int64_t amount, struct sale_result *out, char *why, size_t whylen);

/*
 * sale_finish: take `pays` for this terminal's stored cart `order_id` (one
 * parked here, or claimed from another terminal) and complete it as a sale
 * at its next revision, with its lines and discounts as they were parked
 * (opts->authorize sees what they need of the person paying it; opts'
 * discount and customer are not used). Errors as sale_ring_up, and
 * -EPERM (not this terminal's, or released: claim it first), -EALREADY
 * (completed or voided, or changed meanwhile).
 */
int sale_finish(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		const char *order_id, const struct sale_pay_req *pays, int npays,
		struct sale_result *out, char *why, size_t whylen);

/*
 * sale_edit: replace the lines (and the order discount, points and
 * customer, from `opts`) of this terminal's stored cart `order_id` (one
 * parked here, or claimed from another terminal), priced again from the
 * current catalog and settings and authorized like a new cart, and store
 * it parked at its next revision with its order.put op, in one
 * transaction. Errors as sale_ring_up, and -EPERM (not this terminal's, or
 * released: claim it first), -EALREADY (completed or voided, or changed
 * meanwhile). Nothing is stored on error.
 */
int sale_edit(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
	      const char *order_id, const struct sale_line_req *lines, int nlines,
	      struct sale_result *out, char *why, size_t whylen);

/*
 * sale_release: release this terminal's parked order `order_id` so another
 * terminal may claim it (an op, so it works offline). -ENOENT, -EPERM (not
 * this terminal's), -EALREADY (completed or released already), -EIO.
 */
int sale_release(sqlite3 *db, const struct sale_who *who, const char *order_id, char *why,
		 size_t whylen);

/*
 * sale_op: an op of `kind` on order `order_id` at `rev`, made at `now` by
 * who->actor (approved by who->approver when set), with a new opId.
 * Takes `payload` (also on failure). NULL when memory or randomness failed.
 */
json_t *sale_op(const struct sale_who *who, const char *kind, const char *order_id, int64_t rev,
		int64_t now, json_t *payload);

#endif
