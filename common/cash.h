/* SPDX-License-Identifier: MIT */
/*
 * Cash sessions (docs/pos.md, "Cash sessions"): a drawer opened with a
 * counted float, cash put in and taken out with a reason, payouts, no-sale
 * openings, and a close with a count by denomination, compared with what
 * the drawer should hold. This is the pure core both programs use: the
 * count's parser, the session's totals and expected cash, and the check of
 * a session document (the payload of a cash.put op, docs/protocol.md).
 * No I/O; any thread may call it.
 *
 * A note on "expected": the cash a drawer should hold is
 *   float + cash taken by sales − cash paid back by refunds
 *         + cash in − cash out − payouts.
 * A sale's cash is what each cash payment kept, tendered − change (its
 * amount after cash rounding); a refund's cash goes the other way. Card,
 * other and points payments never touch the drawer but are totalled per
 * tender for the X and Z reports. The terminal computes it from its own
 * orders, the hub again from the orders it received with the session's id
 * (their `cashSession`), so each can be checked against the other.
 */
#ifndef TILLNET_CASH_H
#define TILLNET_CASH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "settings.h"

#define CASH_REASON_MAX	    200	    /* bytes of a movement's reason */
#define CASH_MOVEMENTS_MAX  1000    /* movements in one session */
#define CASH_PIECES_MAX	    1000000 /* pieces of one denomination in a count */
#define CASH_TENDERS_MAX    8	    /* distinct tenders in one session's totals */
#define CASH_TENDER_NAME    16	    /* bytes of a tender's name, with its NUL */
#define CASH_Z_NUMBER_MAX   40	    /* a Z report's number is a journal number */
#define CASH_COUNT_TEXT_MAX 1024    /* bytes of a count as typed */

/* Movements of cash in and out of the drawer besides sales and refunds. */
enum cash_move {
	CASH_MOVE_IN,	  /* cash put in (change from the bank) */
	CASH_MOVE_OUT,	  /* cash taken out (to the safe, the bank) */
	CASH_MOVE_PAYOUT, /* cash paid to someone (a supplier, a window cleaner) */
	CASH_MOVE_NOSALE, /* the drawer opened without a sale; moves no money */
};

/* cash_move_name: "in", "out", "payout", "nosale". */
const char *cash_move_name(enum cash_move m);

/* cash_move_parse: the name back; 0 or -EINVAL. */
int cash_move_parse(const char *name, enum cash_move *m);

/* cash_move_permission: cash.in, cash.out, cash.payout or drawer.open. */
const char *cash_move_permission(enum cash_move m);

/* A count of the drawer: pieces per denomination, in the store's order. */
struct cash_count {
	size_t n;
	int64_t value[SETTINGS_DENOM_MAX]; /* minor units, strictly descending */
	int64_t pieces[SETTINGS_DENOM_MAX];
	int64_t total; /* Σ value × pieces */
};

/*
 * cash_count_parse: a count as typed, "50000=2,2000=3,5=7" (VALUE=PIECES,
 * VALUE a denomination in minor units, PIECES 0 … CASH_PIECES_MAX, spaces
 * after a comma allowed), against the store's `denoms` (n, descending).
 * `out` lists the denominations given, in the store's order. Errors name
 * `field` and the entry: bad syntax, an unknown denomination (listing the
 * store's), a negative or absurd count, a denomination given twice, an
 * empty count. 0 or -EINVAL.
 */
int cash_count_parse(const char *text, const int64_t *denoms, size_t n, const char *field,
		     struct cash_count *out, struct proto_error *err);

/* cash_count_to_json: [{"value", "count"}, …]; NULL when out of memory. */
json_t *cash_count_to_json(const struct cash_count *c);

/*
 * cash_count_from_json: a count as cash_count_to_json writes it, checked
 * alone (values > 0, strictly descending; counts 0 … CASH_PIECES_MAX; at
 * most SETTINGS_DENOM_MAX entries): the hub cannot hold it to the store's
 * denominations, which may have changed since. Errors name `field`
 * ("count[1].count"). 0 or -EINVAL.
 */
int cash_count_from_json(json_t *arr, const char *field, struct cash_count *out,
			 struct proto_error *err);

/* One tender's part of a session: what sales took and refunds gave back. */
struct cash_tender {
	char name[CASH_TENDER_NAME];
	int64_t sales, refunds; /* minor units, both ≥ 0 */
};

/* What a session did, for expected cash and the X and Z reports. */
struct cash_totals {
	int64_t sales, refunds; /* the orders' totals */
	int64_t sales_count, refunds_count;
	int64_t cash_sales, cash_refunds; /* cash kept by sales, paid back by refunds */
	int64_t cash_in, cash_out, payouts;
	int64_t no_sales; /* drawer openings without a sale */
	struct cash_tender tenders[CASH_TENDERS_MAX];
	size_t ntenders; /* in order of first use */
};

void cash_totals_init(struct cash_totals *t);

/*
 * cash_totals_add_order: a completed order (its document) into the totals.
 * A sale adds, anything else with payments (a refund, a reversal) gives
 * back. Its payments must be objects with a tender name and integer
 * amounts. -EINVAL (err names "payments[i]…"), -ERANGE when a sum would
 * pass MONEY_MAX, -ENOSPC past CASH_TENDERS_MAX tenders.
 */
int cash_totals_add_order(struct cash_totals *t, json_t *order, struct proto_error *err);

/* cash_totals_add_move: a movement (amount ≥ 0; 0 for a no-sale). -EINVAL, -ERANGE. */
int cash_totals_add_move(struct cash_totals *t, enum cash_move m, int64_t amount);

/*
 * cash_expected: float + cash_sales − cash_refunds + cash_in − cash_out −
 * payouts. May be negative (more was paid out than came in). -ERANGE when
 * it leaves ±MONEY_MAX.
 */
int cash_expected(int64_t float_amount, const struct cash_totals *t, int64_t *out);

/*
 * cash_totals_to_json: {"sales", "salesCount", "refunds", "refundsCount",
 * "cashSales", "cashRefunds", "cashIn", "cashOut", "payouts", "noSales",
 * "tenders": {NAME: {"sales", "refunds", "net"}}}; NULL when out of memory.
 */
json_t *cash_totals_to_json(const struct cash_totals *t);

/* cash_over_limit: 1 when |difference| is above `limit` (a manager must approve). */
int cash_over_limit(int64_t difference, int64_t limit);

/*
 * cash_session_check: a session document (docs/protocol.md, "The cash
 * session"), every member typed and within its limits, and its arithmetic:
 * the counts' totals are the float and `counted`, the totals' movements are
 * the movements', `expected` follows from the float and the totals, and
 * `difference` is counted − expected. A closed session has all of its
 * close; an open one none of it. Errors are bad-field naming the member
 * from the document's top ("movements[2].reason"); the caller prefixes.
 * 0 or -EINVAL.
 */
int cash_session_check(json_t *doc, struct proto_error *err);

#endif
