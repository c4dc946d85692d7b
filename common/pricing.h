/* SPDX-License-Identifier: MIT */
/*
 * The till's arithmetic (docs/pos.md, "The money rules"): order lines with
 * quantities in thousandths, line and order discounts capped by a ceiling,
 * tax per rate with prices tax-inclusive or tax-exclusive, cash rounding to
 * a step, tenders with change, and refunds that never exceed what was sold.
 *
 * Pure: no I/O, no allocation, no floating point; any thread may call it.
 * Amounts are int64_t minor units, quantities thousandths of a unit
 * (money.h), rates and percentages basis points (2000 = 20 %).
 *
 * One rounding rule everywhere: a quotient is rounded half away from zero,
 * once, at the step named below. Every failure fills a struct proto_error
 * (code "bad-field" or "bad-total", the field named as in an order document,
 * "lines[2].discount.value") and returns -EINVAL; nothing else fails.
 */
#ifndef TILLNET_PRICING_H
#define TILLNET_PRICING_H

#include <stdint.h>

#include "money.h"
#include "proto.h" /* struct proto_error */

#define PRICING_LINES_MAX    500
#define PRICING_PAYMENTS_MAX 20
#define PRICING_RATES_MAX    16	    /* distinct tax rates in one order */
#define PRICING_STEP_MAX     100000 /* the largest cash rounding step */

enum pricing_mode {
	PRICING_INCLUSIVE = 0, /* unit prices include tax (the default) */
	PRICING_EXCLUSIVE = 1, /* tax is added on top of unit prices */
};

enum pricing_discount_kind {
	PRICING_DISCOUNT_NONE = 0,
	PRICING_DISCOUNT_PERCENT, /* value: basis points, 1 … 10000 */
	PRICING_DISCOUNT_AMOUNT,  /* value: minor units, 1 … what it applies to */
};

struct pricing_discount {
	enum pricing_discount_kind kind;
	int64_t value;
};

struct pricing_line {
	/* in */
	int64_t qty;	    /* thousandths, 1 … MONEY_QTY_MAX */
	int64_t unit_price; /* 0 … MONEY_MAX; tax included when PRICING_INCLUSIVE */
	int64_t tax_rate;   /* basis points, 0 … MONEY_RATE_MAX */
	struct pricing_discount discount;
	/* out, set by pricing_compute */
	int64_t gross;		 /* round(unit_price × qty / 1000) */
	int64_t discount_amount; /* the line's own discount */
	int64_t order_share;	 /* its share of the order discount */
	int64_t net;		 /* gross − discount_amount − order_share */
	int64_t tax;		 /* the tax of this line */
	int64_t total;		 /* what the customer pays for it, tax included */
};

struct pricing_tax {
	int64_t rate;  /* basis points */
	int64_t base;  /* sum of line totals at this rate, tax excluded */
	int64_t tax;   /* sum of line taxes at this rate */
	int64_t total; /* base + tax */
};

struct pricing_order {
	/* in */
	enum pricing_mode mode;
	struct pricing_discount discount; /* the order discount */
	int64_t ceiling; /* the largest discount allowed, basis points 0 … 10000 */
	/* out, set by pricing_compute */
	int64_t subtotal;	/* sum of gross */
	int64_t discount_total; /* sum of discount_amount + order_share */
	int64_t tax_total;	/* sum of tax */
	int64_t total;		/* sum of total */
	int ntaxes;
	struct pricing_tax taxes[PRICING_RATES_MAX]; /* by rising rate */
};

/*
 * pricing_compute: price every line, then the order, in these steps:
 *  1. gross = round(unit_price × qty / 1000).
 *  2. The line discount: percent → round(gross × value / 10000); amount →
 *     value, which may not exceed gross. A percent value may not exceed the
 *     ceiling (the rounding may make its amount a unit more than gross ×
 *     ceiling / 10000); an amount × 10000 may not exceed gross × ceiling
 *     (field "lines[i].discount.value", bad-field, message naming the
 *     ceiling in percent).
 *  3. The order discount applies to S = Σ (gross − discount_amount):
 *     percent → round(S × value / 10000); amount → value ≤ S. Checked
 *     against the ceiling like a line ("discount.value"). It is shared out
 *     over the lines in proportion to (gross − discount_amount): each line
 *     gets floor(D × its part / S), and the units left over go one each to
 *     the lines with the largest remainders (the lower index first on a
 *     tie), so the shares sum to D exactly.
 *  4. net = gross − discount_amount − order_share.
 *     PRICING_INCLUSIVE: total = net, tax = round(net × rate / (10000 + rate)).
 *     PRICING_EXCLUSIVE: tax = round(net × rate / 10000), total = net + tax.
 *  5. taxes: one entry per distinct rate (rising), summing the lines.
 * Refused (bad-field): nlines outside 1 … PRICING_LINES_MAX ("lines"); a
 * qty, unit_price or tax_rate outside its limits ("lines[i].qty", …); more
 * than PRICING_RATES_MAX distinct rates ("lines[i].taxRate", the first line
 * over); an unknown mode ("mode"); an unknown discount kind or a value
 * outside its limits; a ceiling outside
 * 0 … 10000 ("ceiling"); any amount over MONEY_MAX ("lines[i].total",
 * "total"). On failure the outputs are unspecified.
 */
int pricing_compute(struct pricing_order *o, struct pricing_line *lines, int nlines,
		    struct proto_error *err);

/*
 * pricing_cash_round: `amount` rounded to the nearest multiple of `step`,
 * half away from zero (step 5: 1232 → 1230, 1233 → 1235; step 10: 1225 →
 * 1230, -1225 → -1230). step ≤ 1 returns amount unchanged; a step over
 * PRICING_STEP_MAX is treated as PRICING_STEP_MAX. Near INT64_MIN/MAX,
 * where the multiple away from zero does not exist, the one toward zero.
 */
int64_t pricing_cash_round(int64_t amount, int64_t step);

enum pricing_tender {
	PRICING_TENDER_CASH = 0,
	PRICING_TENDER_CARD,   /* needs an external reference (not checked here) */
	PRICING_TENDER_OTHER,  /* a voucher, a bank transfer: an external reference */
	PRICING_TENDER_POINTS, /* loyalty points redeemed at their money value */
};

struct pricing_payment {
	/* in */
	enum pricing_tender tender;
	int64_t tendered; /* cash: what was handed over (> 0); others: the amount (> 0) */
	/* out, set by pricing_settle */
	int64_t amount; /* what this payment covers */
	int64_t change; /* cash only: tendered − amount */
};

/*
 * pricing_settle: take the payments in order against `total`.
 *  - A non-cash payment covers amount = tendered, which may not exceed what
 *    is still due ("payments[i].tendered", bad-field: no change on a card).
 *  - A cash payment meets what is still due, r. If cash_step > 1, r is
 *    first rounded with pricing_cash_round (the cash due, r'); when
 *    tendered ≥ r' the payment settles the order: amount = r', change =
 *    tendered − r', and *rounding = r' − r (may be negative, 0 when the step
 *    is 1). When tendered < r' it is a part payment: amount = tendered,
 *    change 0, no rounding yet (one that leaves nothing due settles the
 *    order). When r' is 0 (r under half a step), the
 *    order is settled by rounding alone: amount 0, change = tendered.
 *  - A payment after the order is settled is refused ("payments[i]",
 *    bad-total).
 * At the end Σ amount must equal total + *rounding, else bad-total
 * "payments" ("the payments cover 12.00 of 12.50"). total must be
 * 0 … MONEY_MAX ("total"); npays 1 … PRICING_PAYMENTS_MAX ("payments");
 * tendered 1 … MONEY_MAX ("payments[i].tendered"); an unknown tender
 * "payments[i].tender". A total of 0 is settled by a single cash payment
 * (amount 0, change = tendered); a non-cash one is over what is due.
 */
int pricing_settle(int64_t total, int64_t cash_step, struct pricing_payment *pays, int npays,
		   int64_t *rounding, struct proto_error *err);

/* What was sold on one line of a sale, and what was refunded of it so far. */
struct pricing_sold {
	int64_t qty, total, tax;			    /* the sale line */
	int64_t refunded_qty, refunded_total, refunded_tax; /* earlier refunds of it */
};

/*
 * pricing_refund_line: the money back for `qty` more of a sold line:
 * when qty is all that is left (qty = sold.qty − refunded_qty), exactly
 * what is left (total − refunded_total, tax − refunded_tax), so full
 * refunds always add up to the sale; otherwise round(total × qty /
 * sold.qty) and round(tax × qty / sold.qty), each capped at what is left.
 * Refused (bad-field "qty"): qty < 1 or more than is left, naming both.
 * A sold record that does not hold together (refunded more than sold,
 * negative numbers, qty < 1, tax over total) is bad-total "sold".
 */
int pricing_refund_line(const struct pricing_sold *sold, int64_t qty, int64_t *total, int64_t *tax,
			struct proto_error *err);

/*
 * pricing_discount_parse: "10%" (percent, up to two decimals: "12.5%" is
 * 1250 basis points) or "2.50" (an amount in major units, money_parse)
 * into a discount. -EINVAL for other text, -ERANGE for 0 or over 100 %.
 */
int pricing_discount_parse(const char *text, struct pricing_discount *out);

#endif
