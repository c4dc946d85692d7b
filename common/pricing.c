// SPDX-License-Identifier: MIT
/*
 * The till's arithmetic (pricing.h, docs/pos.md "The money rules"): line and
 * order discounts, tax per rate, cash rounding, tenders and refunds, all in
 * int64_t minor units with products taken in 128 bits, so no input within the
 * documented limits can overflow.
 */
#include "pricing.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BAD_FIELD PROTO_ERR_BAD_FIELD
#define BAD_TOTAL "bad-total" /* ORDER_ERR_BAD_TOTAL, without order.h's JSON API */

#define PATH_LEN 48 /* "lines[499].discount.value" and the like */
#define PCT_LEN	 32 /* "100.00" and any int64_t */

/*
 * Products of an amount and a quantity reach 2^53 * 10^9, past int64_t; every
 * one is taken in 128 bits and divided back down before it is stored.
 */
__extension__ typedef __int128 wide;

/* n / d rounded half away from zero, d > 0. */
static wide wide_div_round(wide n, wide d)
{
	wide q;

	if (n < 0)
		return -wide_div_round(-n, d);
	q = n / d;
	if ((n % d) * 2 >= d)
		q++;
	return q;
}

/* a * b / d rounded half away from zero; the callers keep the result within int64_t. */
static int64_t mul_div_round(int64_t a, int64_t b, int64_t d)
{
	return (int64_t)wide_div_round((wide)a * b, d);
}

/* Basis points as a percent with two decimals, "20.00", "12.50", "0.01". */
static void pct_format(int64_t bp, char *buf, size_t len)
{
	snprintf(buf, len, "%lld.%02lld", (long long)(bp / 100), (long long)(bp % 100));
}

/* Basis points as the shortest percent, "20", "12.5", "12.25": how a ceiling is set. */
static void pct_format_short(int64_t bp, char *buf, size_t len)
{
	if (bp % 100 == 0)
		snprintf(buf, len, "%lld", (long long)(bp / 100));
	else if (bp % 10 == 0)
		snprintf(buf, len, "%lld.%lld", (long long)(bp / 100), (long long)(bp % 100 / 10));
	else
		pct_format(bp, buf, len);
}

static int range_error(struct proto_error *err, const char *field, int64_t value, int64_t min,
		       int64_t max, const char *what)
{
	return proto_error_set(err, BAD_FIELD, field, "%s: expected %s %lld … %lld, not %lld",
			       field, what, (long long)min, (long long)max, (long long)value);
}

/*
 * The money a discount takes off `base` (a line's gross, or for the order
 * the sum of the lines after their own discounts). `path` is the
 * discount's field, "lines[2].discount" or "discount"; `what` says what it
 * applies to, for the messages.
 *
 * A note on the ceiling: a percentage is held to the ceiling by its value,
 * not by the money it comes to, because rounding half away from zero can
 * make 20 % of a line a cent more than a fifth of it (20 % of 12.49 is
 * 2.50) and a cashier at the ceiling must not be refused for that. The
 * rounding is monotonic, so the money is never more than the ceiling's own
 * percentage of the same base, rounded the same way. An amount is held to
 * it exactly: value × 10000 ≤ base × ceiling.
 */
static int discount_apply(const struct pricing_discount *d, int64_t base, int64_t ceiling,
			  const char *path, const char *what, int64_t *out, struct proto_error *err)
{
	char field[PATH_LEN], pct[PCT_LEN], limit[PCT_LEN], amount[MONEY_TEXT_MAX],
	    of[MONEY_TEXT_MAX];
	int kind = (int)d->kind;

	pct_format_short(ceiling, limit, sizeof(limit));
	snprintf(field, sizeof(field), "%s.value", path);
	switch (kind) {
	case PRICING_DISCOUNT_NONE:
		*out = 0;
		return 0;
	case PRICING_DISCOUNT_PERCENT:
		if (d->value < 1 || d->value > 10000)
			return proto_error_set(
			    err, BAD_FIELD, field,
			    "%s: expected a percentage in basis points, 1 … 10000 (0.01 … 100 %%), "
			    "not %lld",
			    field, (long long)d->value);
		if (d->value > ceiling) {
			pct_format(d->value, pct, sizeof(pct));
			return proto_error_set(
			    err, BAD_FIELD, field,
			    "%s: a discount of %s %% is over this role's ceiling of %s %%", field,
			    pct, limit);
		}
		*out = mul_div_round(base, d->value, 10000);
		return 0;
	case PRICING_DISCOUNT_AMOUNT:
		money_format(d->value, amount, sizeof(amount));
		money_format(base, of, sizeof(of));
		if (d->value < 1)
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: expected an amount of at least 0.01, not %s",
					       field, amount);
		if (d->value > base)
			return proto_error_set(
			    err, BAD_FIELD, field,
			    "%s: a discount of %s is more than the %s of %s it applies to", field,
			    amount, what, of);
		if ((wide)d->value * 10000 > (wide)base * ceiling) {
			/* Rounded up, so a refused discount never reads as the ceiling itself. */
			pct_format((int64_t)(((wide)d->value * 10000 + base - 1) / base), pct,
				   sizeof(pct));
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: a discount of %s on %s (%s %%) is over this "
					       "role's ceiling of %s %%",
					       field, amount, of, pct, limit);
		}
		*out = d->value;
		return 0;
	default:
		snprintf(field, sizeof(field), "%s.kind", path);
		return proto_error_set(
		    err, BAD_FIELD, field,
		    "%s: expected a discount kind of none, percent or amount (0 … 2), not %d",
		    field, kind);
	}
}

/* Check one line's inputs, and price its gross and its own discount. */
static int line_start(struct pricing_line *line, int i, int64_t ceiling, struct proto_error *err)
{
	char path[PATH_LEN], total[MONEY_TEXT_MAX];
	wide gross;

	snprintf(path, sizeof(path), "lines[%d].qty", i);
	if (line->qty < 1 || line->qty > MONEY_QTY_MAX)
		return range_error(err, path, line->qty, 1, MONEY_QTY_MAX,
				   "a quantity in thousandths of a unit,");
	snprintf(path, sizeof(path), "lines[%d].unitPrice", i);
	if (line->unit_price < 0 || line->unit_price > MONEY_MAX)
		return range_error(err, path, line->unit_price, 0, MONEY_MAX,
				   "a price in minor units,");
	snprintf(path, sizeof(path), "lines[%d].taxRate", i);
	if (line->tax_rate < 0 || line->tax_rate > MONEY_RATE_MAX)
		return range_error(err, path, line->tax_rate, 0, MONEY_RATE_MAX,
				   "a tax rate in basis points,");
	gross = wide_div_round((wide)line->unit_price * line->qty, MONEY_QTY_ONE);
	if (gross > MONEY_MAX) {
		snprintf(path, sizeof(path), "lines[%d].total", i);
		money_format(MONEY_MAX, total, sizeof(total));
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: the price times the quantity is over the largest "
				       "amount, %s",
				       path, total);
	}
	line->gross = (int64_t)gross;
	snprintf(path, sizeof(path), "lines[%d].discount", i);
	return discount_apply(&line->discount, line->gross, ceiling, path, "line's price",
			      &line->discount_amount, err);
}

/*
 * Keep the distinct tax rates in o->taxes, rising, as the lines come; more
 * than PRICING_RATES_MAX of them is refused at the line that brings one too
 * many.
 */
static int rate_add(struct pricing_order *o, int64_t rate, int i, struct proto_error *err)
{
	char path[PATH_LEN];
	int at = 0;

	while (at < o->ntaxes && o->taxes[at].rate < rate)
		at++;
	if (at < o->ntaxes && o->taxes[at].rate == rate)
		return 0;
	if (o->ntaxes == PRICING_RATES_MAX) {
		snprintf(path, sizeof(path), "lines[%d].taxRate", i);
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: an order holds at most %d different tax rates; this "
				       "line brings one more",
				       path, PRICING_RATES_MAX);
	}
	memmove(&o->taxes[at + 1], &o->taxes[at], (size_t)(o->ntaxes - at) * sizeof(o->taxes[0]));
	o->taxes[at] = (struct pricing_tax){.rate = rate};
	o->ntaxes++;
	return 0;
}

/*
 * Share the order discount d over the lines in proportion to what each
 * still costs after its own discount (their sum is s > 0): the floor of each
 * exact share, then the units left over to the largest remainders, lower
 * index first on a tie. The remainders are below s < 2^62, so they fit in
 * int64_t; the ranking is quadratic, 250,000 comparisons at most.
 */
static void order_share_out(struct pricing_line *lines, int nlines, int64_t d, int64_t s)
{
	int64_t rem[PRICING_LINES_MAX];
	int64_t left = d;

	for (int i = 0; i < nlines; i++) {
		wide exact = (wide)d * (lines[i].gross - lines[i].discount_amount);

		lines[i].order_share = (int64_t)(exact / s);
		rem[i] = (int64_t)(exact % s);
		left -= lines[i].order_share;
	}
	/* left < nlines: each floor loses less than one unit. */
	for (int i = 0; i < nlines && left > 0; i++) {
		int64_t ahead = 0;

		if (rem[i] == 0)
			continue;
		for (int j = 0; j < nlines && ahead < left; j++) {
			if (rem[j] > rem[i] || (rem[j] == rem[i] && j < i))
				ahead++;
		}
		if (ahead < left)
			lines[i].order_share++;
	}
}

static int over_max(struct proto_error *err, const char *field)
{
	char max[MONEY_TEXT_MAX];

	money_format(MONEY_MAX, max, sizeof(max));
	return proto_error_set(err, BAD_FIELD, field, "%s: the amount is over the largest, %s",
			       field, max);
}

int pricing_compute(struct pricing_order *o, struct pricing_line *lines, int nlines,
		    struct proto_error *err)
{
	char path[PATH_LEN];
	int64_t s = 0, d = 0;
	int mode = (int)o->mode, rc;

	if (nlines < 1 || nlines > PRICING_LINES_MAX)
		return proto_error_set(err, BAD_FIELD, "lines",
				       "lines: expected 1 … %d lines in an order, not %d",
				       PRICING_LINES_MAX, nlines);
	if (mode != PRICING_INCLUSIVE && mode != PRICING_EXCLUSIVE)
		return proto_error_set(
		    err, BAD_FIELD, "mode",
		    "mode: expected tax-inclusive (0) or tax-exclusive (1) prices, not %d", mode);
	if (o->ceiling < 0 || o->ceiling > 10000)
		return range_error(err, "ceiling", o->ceiling, 0, 10000,
				   "a discount ceiling in basis points,");

	o->ntaxes = 0;
	o->subtotal = 0;
	for (int i = 0; i < nlines; i++) {
		rc = line_start(&lines[i], i, o->ceiling, err);
		if (rc == 0)
			rc = rate_add(o, lines[i].tax_rate, i, err);
		if (rc < 0)
			return rc;
		/* At most 500 × 2^53 < 2^62: the sums cannot overflow before they are checked. */
		o->subtotal += lines[i].gross;
		s += lines[i].gross - lines[i].discount_amount;
	}
	if (o->subtotal > MONEY_MAX)
		return over_max(err, "total");

	rc = discount_apply(&o->discount, s, o->ceiling, "discount", "order's total", &d, err);
	if (rc < 0)
		return rc;
	if (d > 0) {
		order_share_out(lines, nlines, d, s);
	} else {
		for (int i = 0; i < nlines; i++)
			lines[i].order_share = 0;
	}

	o->discount_total = 0;
	o->tax_total = 0;
	o->total = 0;
	for (int i = 0; i < nlines; i++) {
		struct pricing_line *line = &lines[i];
		struct pricing_tax *t = o->taxes;

		line->net = line->gross - line->discount_amount - line->order_share;
		if (mode == PRICING_INCLUSIVE) {
			line->total = line->net;
			line->tax = money_tax_included(line->net, line->tax_rate);
		} else {
			line->tax = mul_div_round(line->net, line->tax_rate, 10000);
			line->total = line->net + line->tax;
		}
		if (line->total > MONEY_MAX) {
			snprintf(path, sizeof(path), "lines[%d].total", i);
			return over_max(err, path);
		}
		o->discount_total += line->discount_amount + line->order_share;
		o->tax_total += line->tax;
		o->total += line->total;
		while (t->rate != line->tax_rate)
			t++;
		t->base += line->total - line->tax;
		t->tax += line->tax;
		t->total += line->total;
	}
	if (o->total > MONEY_MAX)
		return over_max(err, "total");
	return 0;
}

/*
 * Working on the magnitude makes the rounding symmetric. Near the ends of
 * int64_t, where the multiple away from zero does not exist, the one toward
 * zero is returned; amounts within MONEY_MAX never come close.
 */
int64_t pricing_cash_round(int64_t amount, int64_t step)
{
	uint64_t mag, rem, down, limit, ustep;

	if (step <= 1)
		return amount;
	if (step > PRICING_STEP_MAX)
		step = PRICING_STEP_MAX;
	ustep = (uint64_t)step;
	mag = amount < 0 ? -(uint64_t)amount : (uint64_t)amount;
	limit = amount < 0 ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	rem = mag % ustep;
	down = mag - rem;
	if (rem * 2 >= ustep && down <= limit - ustep)
		mag = down + ustep;
	else
		mag = down;
	if (amount >= 0)
		return (int64_t)mag;
	return mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
}

static int payments_check(int64_t total, const struct pricing_payment *pays, int npays,
			  struct proto_error *err)
{
	char path[PATH_LEN];

	if (total < 0 || total > MONEY_MAX)
		return range_error(err, "total", total, 0, MONEY_MAX, "an amount in minor units,");
	if (npays < 1 || npays > PRICING_PAYMENTS_MAX)
		return proto_error_set(err, BAD_FIELD, "payments",
				       "payments: expected 1 … %d payments, not %d",
				       PRICING_PAYMENTS_MAX, npays);
	for (int i = 0; i < npays; i++) {
		int tender = (int)pays[i].tender;

		if (tender < PRICING_TENDER_CASH || tender > PRICING_TENDER_POINTS) {
			snprintf(path, sizeof(path), "payments[%d].tender", i);
			return proto_error_set(
			    err, BAD_FIELD, path,
			    "%s: expected cash, card, other or points (0 … 3), not %d", path,
			    tender);
		}
		if (pays[i].tendered < 1 || pays[i].tendered > MONEY_MAX) {
			snprintf(path, sizeof(path), "payments[%d].tendered", i);
			return range_error(err, path, pays[i].tendered, 1, MONEY_MAX,
					   "an amount in minor units,");
		}
	}
	return 0;
}

int pricing_settle(int64_t total, int64_t cash_step, struct pricing_payment *pays, int npays,
		   int64_t *rounding, struct proto_error *err)
{
	char path[PATH_LEN], a[MONEY_TEXT_MAX], b[MONEY_TEXT_MAX];
	int64_t paid = 0, rounded = 0;
	int settled = 0, rc;

	rc = payments_check(total, pays, npays, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < npays; i++) {
		struct pricing_payment *p = &pays[i];
		int64_t due = total - paid, cash_due;

		if (settled) {
			snprintf(path, sizeof(path), "payments[%d]", i);
			return proto_error_set(err, BAD_TOTAL, path,
					       "%s: the order is already settled by the payments "
					       "before this one; take this one off",
					       path);
		}
		if (p->tender != PRICING_TENDER_CASH) {
			if (p->tendered > due) {
				snprintf(path, sizeof(path), "payments[%d].tendered", i);
				money_format(p->tendered, a, sizeof(a));
				money_format(due, b, sizeof(b));
				return proto_error_set(err, BAD_FIELD, path,
						       "%s: %s is more than the %s still due; only "
						       "cash gives change",
						       path, a, b);
			}
			p->amount = p->tendered;
			p->change = 0;
			paid += p->amount;
			settled = paid == total;
			continue;
		}
		cash_due = cash_step > 1 ? pricing_cash_round(due, cash_step) : due;
		if (p->tendered >= cash_due) {
			/* Settles the order; with cash_due 0 by rounding alone. */
			p->amount = cash_due;
			p->change = p->tendered - cash_due;
			rounded = cash_due - due;
			settled = 1;
		} else {
			p->amount = p->tendered;
			p->change = 0;
			settled = p->tendered == due;
		}
		paid += p->amount;
	}
	if (paid != total + rounded) {
		money_format(paid, a, sizeof(a));
		money_format(total + rounded, b, sizeof(b));
		if (paid < total + rounded)
			return proto_error_set(err, BAD_TOTAL, "payments",
					       "payments: the payments cover %s of %s", a, b);
		return proto_error_set(err, BAD_TOTAL, "payments",
				       "payments: the payments come to %s, more than the %s due; "
				       "a cash part payment over what is due is not a multiple "
				       "of the cash step",
				       a, b);
	}
	*rounding = rounded;
	return 0;
}

static int sold_check(const struct pricing_sold *s, struct proto_error *err)
{
	if (s->qty < 1 || s->total < 0 || s->tax < 0 || s->refunded_qty < 0 ||
	    s->refunded_total < 0 || s->refunded_tax < 0)
		return proto_error_set(err, BAD_TOTAL, "sold",
				       "sold: a sale line needs a quantity of at least 0.001 "
				       "and no negative amounts");
	if (s->tax > s->total)
		return proto_error_set(
		    err, BAD_TOTAL, "sold",
		    "sold: the tax of a sale line cannot be more than its total");
	if (s->refunded_qty > s->qty || s->refunded_total > s->total || s->refunded_tax > s->tax)
		return proto_error_set(err, BAD_TOTAL, "sold",
				       "sold: more was refunded of this line than was sold");
	return 0;
}

int pricing_refund_line(const struct pricing_sold *sold, int64_t qty, int64_t *total, int64_t *tax,
			struct proto_error *err)
{
	char want[MONEY_TEXT_MAX], have[MONEY_TEXT_MAX];
	int64_t left, total_left, tax_left, t, x;
	int rc;

	rc = sold_check(sold, err);
	if (rc < 0)
		return rc;
	left = sold->qty - sold->refunded_qty;
	total_left = sold->total - sold->refunded_total;
	tax_left = sold->tax - sold->refunded_tax;
	if (qty < 1 || qty > left) {
		money_qty_format(qty, want, sizeof(want));
		money_qty_format(left, have, sizeof(have));
		return proto_error_set(err, BAD_FIELD, "qty",
				       "qty: a refund of %s is not possible; expected 0.001 … %s, "
				       "what is left of this line",
				       want, have);
	}
	if (qty == left) {
		*total = total_left;
		*tax = tax_left;
		return 0;
	}
	t = mul_div_round(sold->total, qty, sold->qty);
	x = mul_div_round(sold->tax, qty, sold->qty);
	*total = t < total_left ? t : total_left;
	*tax = x < tax_left ? x : tax_left;
	return 0;
}

/* "12.5%": digits, optionally a point and one or two digits, then "%" and nothing else. */
static int percent_parse(const char *text, int64_t *bp)
{
	const char *p = text;
	int64_t whole = 0, frac = 0;
	int digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole <= 100) /* past 100 it is over the limit whatever follows */
			whole = whole * 10 + (*p - '0');
	}
	if (digits == 0)
		return -EINVAL;
	if (*p == '.') {
		digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits == 2)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (digits == 0)
			return -EINVAL;
		if (digits == 1)
			frac *= 10;
	}
	if (p[0] != '%' || p[1] != '\0')
		return -EINVAL;
	*bp = whole * 100 + frac;
	return 0;
}

int pricing_discount_parse(const char *text, struct pricing_discount *out)
{
	int64_t value;
	int rc;

	if (!text)
		return -EINVAL;
	if (strchr(text, '%')) {
		rc = percent_parse(text, &value);
		if (rc < 0)
			return rc;
		if (value < 1 || value > 10000)
			return -ERANGE;
		out->kind = PRICING_DISCOUNT_PERCENT;
		out->value = value;
		return 0;
	}
	rc = money_parse(text, &value);
	if (rc < 0)
		return rc;
	if (value < 1)
		return -ERANGE;
	out->kind = PRICING_DISCOUNT_AMOUNT;
	out->value = value;
	return 0;
}
