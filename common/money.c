// SPDX-License-Identifier: MIT
/*
 * Integer money arithmetic, and the texts people type and read for amounts,
 * quantities and tax rates (see money.h). Never floating point: a double
 * cannot hold 0.10, and a total that differs by one cent between a terminal
 * and the hub is a rejected order.
 */
#include "money.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int money_line_total(int64_t unit_price, int64_t qty, int64_t *out)
{
	int64_t product, total;

	if (unit_price < 0 || qty < 0)
		return -ERANGE;
	/* Any product that overflows is at least 2^63 / 1000, far above MONEY_MAX. */
	if (__builtin_mul_overflow(unit_price, qty, &product))
		return -ERANGE;
	total = product / MONEY_QTY_ONE;
	if (product % MONEY_QTY_ONE >= MONEY_QTY_ONE / 2)
		total++;
	if (total > MONEY_MAX)
		return -ERANGE;
	*out = total;
	return 0;
}

/*
 * amount * rate does not fit in 64 bits for large amounts, so the division is
 * split: with amount = q * div + r, amount * rate / div = q * rate +
 * r * rate / div, where q * rate is whole and r * rate < div * rate fits
 * easily. Only the second part has a fraction, and that is what is rounded.
 * Working on the magnitude makes the rounding symmetric (half away from zero)
 * and INT64_MIN harmless; the tax is at most half the amount, so it fits.
 */
int64_t money_tax_included(int64_t amount, int64_t rate_bp)
{
	uint64_t mag, div, rate, part, tax;

	if (rate_bp < 0)
		rate_bp = 0;
	if (rate_bp > MONEY_RATE_MAX)
		rate_bp = MONEY_RATE_MAX;
	rate = (uint64_t)rate_bp;
	div = 10000 + rate;
	mag = amount < 0 ? -(uint64_t)amount : (uint64_t)amount;
	part = (mag % div) * rate;
	tax = (mag / div) * rate + part / div;
	if ((part % div) * 2 >= div)
		tax++;
	return amount < 0 ? -(int64_t)tax : (int64_t)tax;
}

/*
 * A plain decimal number: one or more digits, then optionally a point and 1 to
 * `decimals` digits, nothing else. The result is scaled by 10^decimals. Bad
 * text is -EINVAL even when it is also long; a well-formed number above
 * `limit` is -ERANGE.
 */
static int parse_decimal(const char *text, int decimals, int64_t limit, int64_t *out)
{
	const char *p = text;
	int64_t scale = 1, whole = 0, frac = 0, value;
	int whole_digits = 0, frac_digits = 0;

	if (!text)
		return -EINVAL;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	for (; *p >= '0' && *p <= '9'; p++, whole_digits++) {
		/*
		 * Stop adding once past the limit, so a long run of digits cannot
		 * overflow; the value is then over the limit whatever follows.
		 */
		if (whole <= limit / scale)
			whole = whole * 10 + (*p - '0');
	}
	if (whole_digits == 0)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			if (frac_digits >= decimals)
				return -EINVAL;
			frac = frac * 10 + (*p - '0');
		}
		if (frac_digits == 0)
			return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	for (int i = frac_digits; i < decimals; i++)
		frac *= 10;
	/* whole <= limit / scale * 10 + 9 here, so this stays far below INT64_MAX. */
	value = whole * scale + frac;
	if (value > limit)
		return -ERANGE;
	*out = value;
	return 0;
}

int money_parse(const char *text, int64_t *out)
{
	return parse_decimal(text, 2, MONEY_MAX, out);
}

void money_format(int64_t amount, char *buf, size_t len)
{
	uint64_t mag = amount < 0 ? -(uint64_t)amount : (uint64_t)amount;

	snprintf(buf, len, "%s%" PRIu64 ".%02" PRIu64, amount < 0 ? "-" : "", mag / 100, mag % 100);
}

int money_qty_parse(const char *text, int64_t *out)
{
	int64_t qty;
	int rc = parse_decimal(text, 3, MONEY_QTY_MAX, &qty);

	if (rc < 0)
		return rc;
	if (qty == 0)
		return -ERANGE;
	*out = qty;
	return 0;
}

void money_qty_format(int64_t qty, char *buf, size_t len)
{
	uint64_t mag = qty < 0 ? -(uint64_t)qty : (uint64_t)qty;
	const char *sign = qty < 0 ? "-" : "";
	unsigned frac = (unsigned)(mag % MONEY_QTY_ONE);
	int digits = 3;

	if (frac == 0) {
		snprintf(buf, len, "%s%" PRIu64, sign, mag / MONEY_QTY_ONE);
		return;
	}
	for (; frac % 10 == 0; frac /= 10)
		digits--;
	snprintf(buf, len, "%s%" PRIu64 ".%0*u", sign, mag / MONEY_QTY_ONE, digits, frac);
}

int money_rate_parse(const char *text, int64_t *bp)
{
	return parse_decimal(text, 2, MONEY_RATE_MAX, bp);
}
