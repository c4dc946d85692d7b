/* SPDX-License-Identifier: MIT */
/*
 * Money, quantities and tax rates as integers: amounts in minor units of the
 * store currency (1250 is 12.50), quantities in thousandths of a unit, tax
 * rates in basis points. No floating point anywhere; every rounding is half
 * away from zero, the rule docs/protocol.md gives for line totals and
 * tax, so a terminal and the hub always compute the same numbers.
 *
 * Pure functions: no I/O, no allocation; any thread may call them.
 */
#ifndef TILLNET_MONEY_H
#define TILLNET_MONEY_H

#include <stddef.h>
#include <stdint.h>

#define MONEY_QTY_ONE  1000		  /* quantities are thousandths of a unit */
#define MONEY_QTY_MAX  1000000000	  /* the largest quantity: a million units */
#define MONEY_MAX      ((int64_t)1 << 53) /* largest amount we accept anywhere (JSON-safe) */
#define MONEY_RATE_MAX 10000		  /* basis points: 100 % */
#define MONEY_TEXT_MAX 24		  /* a buffer this big holds any formatted amount */

/*
 * money_line_total: unit_price * qty / 1000 rounded half away from zero, the
 * lineTotal of an order line. -ERANGE if either input is negative or the
 * result is over MONEY_MAX (an overflow of the product is the same case).
 */
int money_line_total(int64_t unit_price, int64_t qty, int64_t *out);

/*
 * money_tax_included: the tax contained in a tax-inclusive `amount` at
 * `rate_bp` basis points, amount * rate / (10000 + rate) rounded half away
 * from zero. Negative amounts give the negated tax of the positive amount.
 * Exact for every int64_t amount. rate_bp must be 0 … 10000; a rate outside
 * that is a programming error and is clamped to it (never a division by 0).
 */
int64_t money_tax_included(int64_t amount, int64_t rate_bp);

/*
 * money_parse: an amount as a person writes it in major units, "12", "12.5",
 * "12.50", "0.05", into minor units. Digits, optionally a point and one or
 * two digits: no sign, spaces, exponent or thousands separator. -EINVAL for
 * any other text (or NULL), -ERANGE above MONEY_MAX.
 */
int money_parse(const char *text, int64_t *out);

/*
 * money_format: an amount in minor units as "12.50", "0.05", "-0.05",
 * "0.00" into buf (always terminated when len > 0, cut short if len is under
 * MONEY_TEXT_MAX).
 */
void money_format(int64_t amount, char *buf, size_t len);

/*
 * money_qty_parse: a quantity, "2", "0.25", "1.125", into thousandths of a
 * unit: at most three decimals, no sign. -EINVAL for other text, -ERANGE for
 * zero or more than MONEY_QTY_MAX thousandths.
 */
int money_qty_parse(const char *text, int64_t *out);

/*
 * money_qty_format: thousandths of a unit as the shortest exact text, "2",
 * "0.25", "1.125" (no trailing zeros). Same buffer rules as money_format.
 */
void money_qty_format(int64_t qty, char *buf, size_t len);

/*
 * money_rate_parse: a tax rate in percent, "20", "7.5", "5.25", "0", into
 * basis points (2000, 750, 525, 0): at most two decimals, no sign, no "%".
 * -EINVAL for other text, -ERANGE above 100 percent.
 */
int money_rate_parse(const char *text, int64_t *bp);

#endif
