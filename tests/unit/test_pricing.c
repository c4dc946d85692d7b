/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/pricing.c, the till's arithmetic. Tables give the
 * numbers a person works out on paper: gross at every .5 boundary, line and
 * order discounts and how the order discount is shared, tax inclusive and
 * exclusive, cash rounding, tenders and refunds, and every refusal by its
 * code and field. Property loops then price thousands of pseudo-random
 * orders from a fixed seed and check the sums hold together against a
 * reference written here in 128-bit arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pricing.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define INCL  PRICING_INCLUSIVE
#define EXCL  PRICING_EXCLUSIVE
#define DNONE PRICING_DISCOUNT_NONE
#define DPCT  PRICING_DISCOUNT_PERCENT
#define DAMT  PRICING_DISCOUNT_AMOUNT
#define CASH  PRICING_TENDER_CASH
#define CARD  PRICING_TENDER_CARD
#define OTHER PRICING_TENDER_OTHER
#define PTS   PRICING_TENDER_POINTS

#define BAD_FIELD "bad-field"
#define BAD_TOTAL "bad-total"

/* A 128-bit integer only as the tests' reference. */
__extension__ typedef __int128 wide;

/* Rows checked across all tables, reported at the end so the count is visible. */
static size_t rows_checked;

/* n / d rounded half away from zero, d > 0, exactly. */
static wide wide_round(wide n, wide d)
{
	if (n < 0)
		return -wide_round(-n, d);
	return (2 * n + d) / (2 * d);
}

/* xorshift64*: deterministic, so a failure is reproduced by the same run. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* 0 … bound - 1 */
static int64_t random_below(uint64_t *state, int64_t bound)
{
	return (int64_t)(next_random(state) % (uint64_t)bound);
}

static void check_eq(const char *table, size_t row, const char *what, int64_t got, int64_t want)
{
	if (got != want)
		fail_msg("%s row %zu: %s is %lld, expected %lld", table, row, what, (long long)got,
			 (long long)want);
}

/* A refusal: -EINVAL, the code, the exact field, and a message that starts with the field. */
static void check_error(const char *table, size_t row, int rc, const struct proto_error *err,
			const char *code, const char *field)
{
	size_t n = strlen(field);

	if (rc != -EINVAL)
		fail_msg("%s row %zu: returned %d, expected -EINVAL (%s %s)", table, row, rc, code,
			 field);
	if (strcmp(err->code, code) != 0 || strcmp(err->field, field) != 0)
		fail_msg("%s row %zu: refused as %s \"%s\", expected %s \"%s\" (%s)", table, row,
			 err->code, err->field, code, field, err->message);
	if (strncmp(err->message, field, n) != 0 || err->message[n] != ':')
		fail_msg("%s row %zu: message \"%s\" does not start with \"%s:\"", table, row,
			 err->message, field);
}

static void check_ok(const char *table, size_t row, int rc, const struct proto_error *err)
{
	if (rc != 0)
		fail_msg("%s row %zu: refused (%d) as %s \"%s\": %s", table, row, rc, err->code,
			 err->field, err->message);
}

static struct pricing_line line_of(int64_t price, int64_t qty, int64_t rate)
{
	return (struct pricing_line){.qty = qty, .unit_price = price, .tax_rate = rate};
}

static struct pricing_order order_of(enum pricing_mode mode, int64_t ceiling)
{
	return (struct pricing_order){.mode = mode, .ceiling = ceiling};
}

/* --- gross: unit price × quantity in thousandths, rounded half away from zero --- */

struct gross_case {
	int64_t price, qty, gross;
};

static void test_gross(void **state)
{
	static const struct gross_case cases[] = {
	    {100, 1000, 100},
	    {100, 1500, 150},
	    {250, 2000, 500},
	    {1299, 1500, 1949}, /* 1948.5 */
	    {1, 500, 1},	/* 0.5 */
	    {1, 499, 0},
	    {1, 501, 1},
	    {3, 500, 2}, /* 1.5 */
	    {5, 500, 3}, /* 2.5: away from zero, not to even */
	    {7, 500, 4}, /* 3.5 */
	    {9, 500, 5}, /* 4.5 */
	    {2500, 1, 3},
	    {1500, 1, 2},
	    {1499, 1, 1},
	    {999, 1, 1},
	    {500, 1, 1},
	    {499, 1, 0},
	    {0, 5000, 0},
	    {1, 1000000000, 1000000},
	    {1299, 250, 325},	/* 324.75 */
	    {1299, 125, 162},	/* 162.375 */
	    {1299, 375, 487},	/* 487.125 */
	    {1234, 1005, 1240}, /* 1240.17 */
	    {199, 2500, 498},	/* 497.5 */
	    {199, 1500, 299},	/* 298.5 */
	    {333, 1500, 500},	/* 499.5 */
	    {101, 4500, 455},	/* 454.5 */
	    {2, 250, 1},	/* 0.5 */
	    {2, 249, 0},
	    {3, 166, 0},    /* 0.498 */
	    {3, 167, 1},    /* 0.501 */
	    {4, 125, 1},    /* 0.5 */
	    {4, 375, 2},    /* 1.5 */
	    {4, 625, 3},    /* 2.5 */
	    {4, 875, 4},    /* 3.5 */
	    {8, 1062, 8},   /* 8.496 */
	    {8, 1063, 9},   /* 8.504 */
	    {8, 1187, 9},   /* 9.496 */
	    {8, 1188, 10},  /* 9.504 */
	    {12, 1125, 14}, /* 13.5 */
	    {12, 1375, 17}, /* 16.5 */
	    {1000, 1, 1},
	    {1000, 999, 999},
	    {250, 3002, 751}, /* 750.5 */
	    {250, 3006, 752}, /* 751.5 */
	    {250, 3004, 751},
	    {40, 12345, 494}, /* 493.8 */
	    {40, 12337, 493}, /* 493.48 */
	    {40, 12338, 494}, /* 493.52 */
	    {20, 12325, 247}, /* 246.5 */
	    {20, 12324, 246}, /* 246.48 */
	    {1000000, 1000000000, 1000000000000},
	    {MONEY_MAX, 1000, MONEY_MAX},
	    {MONEY_MAX, 1, 9007199254741},	/* 9007199254740.992 */
	    {MONEY_MAX, 999, 8998192055486251}, /* …251.008 */
	    {12345678, 3333, 41148145},		/* 41148144.774 */
	    {MONEY_MAX / 1000, 1000000, MONEY_MAX / 1000 * 1000},
	    {99, 10500, 1040}, /* 1039.5 */
	    {99, 10499, 1039}, /* 1039.401 */
	    {1, 1500, 2},      /* 1.5 */
	    {1, 2500, 3},      /* 2.5 */
	    {1, 1499, 1},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct gross_case *c = &cases[i];
		struct pricing_order o = order_of(INCL, 0);
		struct pricing_line l = line_of(c->price, c->qty, 0);
		struct proto_error err;

		check_ok("gross", i, pricing_compute(&o, &l, 1, &err), &err);
		check_eq("gross", i, "gross", l.gross, c->gross);
		check_eq("gross", i, "net", l.net, c->gross);
		check_eq("gross", i, "total", l.total, c->gross);
		check_eq("gross", i, "tax", l.tax, 0);
		check_eq("gross", i, "order total", o.total, c->gross);
		check_eq("gross", i, "subtotal", o.subtotal, c->gross);
		rows_checked++;
	}
}

/* --- line discounts and the ceiling --- */

struct line_discount_case {
	int64_t price, qty;
	enum pricing_discount_kind kind;
	int64_t value, ceiling;
	const char *field; /* NULL: accepted */
	int64_t discount;
};

static void test_line_discount(void **state)
{
	static const struct line_discount_case cases[] = {
	    {1000, 1000, DPCT, 1000, 10000, NULL, 100},
	    {1249, 1000, DPCT, 2000, 2000, NULL, 250}, /* 249.8: at the ceiling, still accepted */
	    {1249, 1000, DPCT, 2001, 2000, "lines[0].discount.value", 0},
	    {1005, 1000, DPCT, 1000, 10000, NULL, 101}, /* 100.5 */
	    {1015, 1000, DPCT, 1000, 10000, NULL, 102}, /* 101.5 */
	    {1004, 1000, DPCT, 1000, 10000, NULL, 100},
	    {999, 1000, DPCT, 5000, 5000, NULL, 500}, /* 499.5 */
	    {1, 1000, DPCT, 5000, 5000, NULL, 1},     /* 0.5 */
	    {1, 1000, DPCT, 4999, 5000, NULL, 0},
	    {3, 1000, DPCT, 5000, 5000, NULL, 2}, /* 1.5 */
	    {2, 1000, DPCT, 2500, 5000, NULL, 1}, /* 0.5 */
	    {10000, 1000, DPCT, 1, 10000, NULL, 1},
	    {5000, 1000, DPCT, 1, 10000, NULL, 1}, /* 0.5 */
	    {4999, 1000, DPCT, 1, 10000, NULL, 0},
	    {1000, 1000, DPCT, 10000, 10000, NULL, 1000},
	    {1299, 1500, DPCT, 1000, 2000, NULL, 195}, /* 10 % of 19.49 */
	    {1299, 250, DPCT, 1000, 2000, NULL, 33},   /* 10 % of 3.25 = 0.325 */
	    {1299, 250, DPCT, 1250, 2000, NULL, 41},   /* 40.625 */
	    {2000, 1000, DPCT, 1250, 2000, NULL, 250},
	    {2004, 1000, DPCT, 1250, 2000, NULL, 251}, /* 250.5 */
	    {0, 1000, DPCT, 1000, 2000, NULL, 0},
	    {1000, 1000, DAMT, 250, 10000, NULL, 250},
	    {1000, 1000, DAMT, 1000, 10000, NULL, 1000},
	    {1000, 1000, DAMT, 1001, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DAMT, 0, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DAMT, -5, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DAMT, 200, 2000, NULL, 200}, /* exactly 20 % */
	    {1000, 1000, DAMT, 201, 2000, "lines[0].discount.value", 0},
	    {1249, 1000, DAMT, 250, 2000, "lines[0].discount.value", 0}, /* 20.02 % */
	    {1249, 1000, DAMT, 249, 2000, NULL, 249},
	    {0, 1000, DAMT, 1, 10000, "lines[0].discount.value", 0},
	    {1, 1000, DAMT, 1, 10000, NULL, 1},
	    {1, 1000, DAMT, 1, 9999, "lines[0].discount.value", 0},
	    {1000, 1000, DPCT, 0, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DPCT, 10001, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DPCT, -1000, 10000, "lines[0].discount.value", 0},
	    {1000, 1000, DPCT, 1000, 0, "lines[0].discount.value", 0},
	    {1000, 1000, DPCT, 1, 0, "lines[0].discount.value", 0},
	    {1000, 1000, DAMT, 1, 0, "lines[0].discount.value", 0},
	    {1000, 1000, DNONE, 12345, 0, NULL, 0}, /* no discount: the value is not read */
	    {1000, 1000, (enum pricing_discount_kind)7, 100, 10000, "lines[0].discount.kind", 0},
	    {3, 1000, DPCT, 2000, 2000, NULL, 1},     /* 0.6 */
	    {999, 1000, DPCT, 1500, 2000, NULL, 150}, /* 149.85 */
	    {1500, 1000, DPCT, 333, 2000, NULL, 50},  /* 49.95 */
	    {1501, 1000, DPCT, 333, 2000, NULL, 50},  /* 49.9833 */
	    {1234, 1000, DPCT, 750, 2000, NULL, 93},  /* 92.55 */
	    {1230, 1000, DPCT, 750, 2000, NULL, 92},  /* 92.25 */
	    {15000, 1000, DPCT, 1, 2000, NULL, 2},    /* 1.5 */
	    {14999, 1000, DPCT, 1, 2000, NULL, 1},
	    {10000, 1000, DPCT, 9999, 10000, NULL, 9999},
	    {6, 1000, DPCT, 2500, 2500, NULL, 2},     /* 1.5 */
	    {2, 1000, DPCT, 2500, 2500, NULL, 1},     /* 0.5 */
	    {10, 1000, DPCT, 2500, 2500, NULL, 3},    /* 2.5 */
	    {400, 1500, DAMT, 500, 10000, NULL, 500}, /* gross 6.00 */
	    {400, 1500, DAMT, 601, 10000, "lines[0].discount.value", 0},
	    {MONEY_MAX, 1000, DPCT, 5000, 10000, NULL, MONEY_MAX / 2},
	    {MONEY_MAX, 1000, DPCT, 3333, 10000, NULL, 3002099511605173}, /* …172.63 */
	    {MONEY_MAX, 1000, DAMT, MONEY_MAX, 10000, NULL, MONEY_MAX},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct line_discount_case *c = &cases[i];
		struct pricing_order o = order_of(INCL, c->ceiling);
		struct pricing_line l = line_of(c->price, c->qty, 0);
		struct proto_error err;
		int rc;

		l.discount = (struct pricing_discount){c->kind, c->value};
		rc = pricing_compute(&o, &l, 1, &err);
		rows_checked++;
		if (c->field) {
			check_error("line discount", i, rc, &err, BAD_FIELD, c->field);
			continue;
		}
		check_ok("line discount", i, rc, &err);
		check_eq("line discount", i, "discount", l.discount_amount, c->discount);
		check_eq("line discount", i, "net", l.net, l.gross - c->discount);
		check_eq("line discount", i, "order share", l.order_share, 0);
		check_eq("line discount", i, "discount total", o.discount_total, c->discount);
		check_eq("line discount", i, "total", o.total, l.gross - c->discount);
	}
}

/* --- the order discount and its largest-remainder shares --- */

#define SHARE_LINES 6

struct share_case {
	int n;
	int64_t gross[SHARE_LINES];
	int64_t line_off[SHARE_LINES]; /* an amount discount on the line, 0 for none */
	enum pricing_discount_kind kind;
	int64_t value, ceiling;
	const char *field;
	int64_t shares[SHARE_LINES];
};

static void test_order_discount(void **state)
{
	static const struct share_case cases[] = {
	    /* ties go to the lower index */
	    {2, {1000, 1000}, {0}, DAMT, 1, 10000, NULL, {1, 0}},
	    {3, {1000, 1000, 1000}, {0}, DAMT, 1, 10000, NULL, {1, 0, 0}},
	    {3, {1000, 1000, 1000}, {0}, DAMT, 2, 10000, NULL, {1, 1, 0}},
	    {3, {1000, 1000, 1000}, {0}, DAMT, 3, 10000, NULL, {1, 1, 1}},
	    {3, {1000, 1000, 1000}, {0}, DAMT, 100, 10000, NULL, {34, 33, 33}},
	    {2, {1000, 2000}, {0}, DAMT, 100, 10000, NULL, {33, 67}}, /* 33.33, 66.67 */
	    {2, {1000, 2000}, {0}, DAMT, 1, 10000, NULL, {0, 1}},
	    {4, {1, 1, 1, 1}, {0}, DAMT, 3, 10000, NULL, {1, 1, 1, 0}},
	    {3, {500, 300, 200}, {0}, DAMT, 100, 10000, NULL, {50, 30, 20}},
	    {3, {500, 300, 200}, {0}, DPCT, 1000, 10000, NULL, {50, 30, 20}},
	    {3, {333, 333, 334}, {0}, DAMT, 100, 10000, NULL, {33, 33, 34}},
	    {3, {333, 333, 334}, {0}, DAMT, 1, 10000, NULL, {0, 0, 1}},
	    {3, {333, 333, 334}, {0}, DAMT, 2, 10000, NULL, {1, 0, 1}}, /* .666 .666 .668 */
	    {2, {999, 1}, {0}, DAMT, 500, 10000, NULL, {500, 0}},	/* 499.5, 0.5 */
	    {2, {1, 999}, {0}, DAMT, 500, 10000, NULL, {1, 499}},	/* 0.5, 499.5 */
	    {1, {1000}, {0}, DAMT, 999, 10000, NULL, {999}},
	    {1, {1000}, {0}, DPCT, 2000, 2000, NULL, {200}},
	    {1, {1249}, {0}, DPCT, 2000, 2000, NULL, {250}}, /* 249.8 */
	    {4, {100, 200, 300, 400}, {0}, DPCT, 1000, 10000, NULL, {10, 20, 30, 40}},
	    {4, {100, 200, 300, 400}, {0}, DPCT, 1250, 10000, NULL, {13, 25, 37, 50}},
	    {4, {100, 200, 300, 400}, {0}, DAMT, 3, 10000, NULL, {0, 1, 1, 1}},
	    {6, {7, 7, 7, 7, 7, 7}, {0}, DAMT, 5, 10000, NULL, {1, 1, 1, 1, 1, 0}},
	    {6, {7, 7, 7, 7, 7, 7}, {0}, DAMT, 41, 10000, NULL, {7, 7, 7, 7, 7, 6}},
	    {3, {10, 20, 30}, {0}, DAMT, 60, 10000, NULL, {10, 20, 30}},
	    {3, {10, 20, 30}, {0}, DAMT, 59, 10000, NULL, {10, 20, 29}},
	    {2, {1000, 1000}, {500, 0}, DAMT, 300, 10000, NULL, {100, 200}},
	    {2, {1000, 500}, {1000, 0}, DAMT, 100, 10000, NULL, {0, 100}}, /* a line at 0 */
	    {2, {0, 1000}, {0}, DPCT, 1000, 10000, NULL, {0, 100}},
	    {3, {1, 1, 1}, {0}, DPCT, 5000, 10000, NULL, {1, 1, 0}}, /* D = 1.5 → 2 */
	    {2, {5, 5}, {0}, DPCT, 1000, 10000, NULL, {1, 0}},	     /* D = 1 */
	    {3, {3, 3, 3}, {0}, DPCT, 5000, 10000, NULL, {2, 2, 1}}, /* D = 4.5 → 5 */
	    {3, {2500, 2500, 5000}, {0}, DAMT, 999, 10000, NULL, {250, 250, 499}},
	    {2, {1000, 1000}, {0}, DAMT, 2000, 10000, NULL, {1000, 1000}},
	    {3, {1234, 5678, 91011}, {0}, DPCT, 1500, 10000, NULL, {185, 852, 13651}},
	    {5, {1, 2, 3, 4, 5}, {0}, DAMT, 7, 10000, NULL, {1, 1, 1, 2, 2}},
	    {5, {100, 100, 100, 100, 100}, {0}, DAMT, 3, 10000, NULL, {1, 1, 1, 0, 0}},
	    {2, {1000, 1000}, {200, 0}, DPCT, 2000, 2000, NULL, {160, 200}},
	    {1, {1000}, {200}, DPCT, 2000, 2000, NULL, {160}}, /* line and order both at 20 % */
	    {1, {1000}, {0}, DNONE, 0, 0, NULL, {0}},
	    {2, {1000, 1000}, {0}, DAMT, 2001, 10000, "discount.value", {0}},
	    {2, {1000, 1000}, {0}, DAMT, 401, 2000, "discount.value", {0}},
	    {2, {1000, 1000}, {0}, DAMT, 400, 2000, NULL, {200, 200}},
	    {1, {1000}, {0}, DPCT, 2001, 2000, "discount.value", {0}},
	    {1, {1000}, {0}, DPCT, 0, 2000, "discount.value", {0}},
	    {1, {1000}, {0}, DAMT, 0, 2000, "discount.value", {0}},
	    {1, {1000}, {0}, (enum pricing_discount_kind)3, 10, 2000, "discount.kind", {0}},
	    {2, {1000, 1000}, {1000, 1000}, DAMT, 1, 10000, "discount.value", {0}}, /* S = 0 */
	    {2, {1000, 1000}, {1000, 1000}, DPCT, 5000, 10000, NULL, {0, 0}},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct share_case *c = &cases[i];
		struct pricing_order o = order_of(INCL, c->ceiling);
		struct pricing_line l[SHARE_LINES];
		struct proto_error err;
		int64_t sum = 0, offs = 0;
		int rc;

		for (int j = 0; j < c->n; j++) {
			l[j] = line_of(c->gross[j], 1000, 0);
			if (c->line_off[j])
				l[j].discount = (struct pricing_discount){DAMT, c->line_off[j]};
			offs += c->line_off[j];
		}
		o.discount = (struct pricing_discount){c->kind, c->value};
		rc = pricing_compute(&o, l, c->n, &err);
		rows_checked++;
		if (c->field) {
			check_error("order discount", i, rc, &err, BAD_FIELD, c->field);
			continue;
		}
		check_ok("order discount", i, rc, &err);
		for (int j = 0; j < c->n; j++) {
			check_eq("order discount", i, "share", l[j].order_share, c->shares[j]);
			check_eq("order discount", i, "net", l[j].net,
				 c->gross[j] - c->line_off[j] - c->shares[j]);
			sum += c->shares[j];
		}
		check_eq("order discount", i, "discount total", o.discount_total, sum + offs);
	}
}

/*
 * --- points taken off as the order discount (docs/pos.md, "Points as a
 * discount"): an amount order discount, so it lowers what is taxed ---
 */

struct points_case {
	enum pricing_mode mode;
	int n;
	int64_t price[3], rate[3], line_off[3];
	int64_t worth; /* points × pointValue */
	const char *field;
	int64_t tax_total, total;
};

static void test_points_discount_lowers_the_tax(void **state)
{
	static const struct points_case cases[] = {
	    /* 12.00 with 2.00 of points: 10.00 holds 1.67 of tax, not 2.00 */
	    {INCL, 1, {1200}, {2000}, {0}, 200, NULL, 167, 1000},
	    {INCL, 1, {1200}, {2000}, {0}, 0, NULL, 200, 1200}, /* without */
	    /* shared 3.75 / 1.25 over 30.00 at 20 % and 10.00 at 0 % */
	    {INCL, 2, {3000, 1000}, {2000, 0}, {0}, 500, NULL, 438, 3500},
	    /* 10 % off each rate: 7 % and 20 % */
	    {INCL, 2, {1070, 1200}, {700, 2000}, {0}, 227, NULL, 243, 2043},
	    /* before tax: 10.00 less 2.00 is 8.00, plus 1.60 of tax */
	    {EXCL, 1, {1000}, {2000}, {0}, 200, NULL, 160, 960},
	    {EXCL, 2, {1000, 500}, {2000, 2000}, {0}, 300, NULL, 240, 1440},
	    /* all of it: nothing is taxed */
	    {INCL, 1, {1000}, {2000}, {0}, 1000, NULL, 0, 0},
	    /* after a line's own 1.00 off, 9.00 is all the points can take */
	    {INCL, 1, {1000}, {2000}, {100}, 900, NULL, 0, 0},
	    {INCL, 1, {1000}, {2000}, {100}, 901, "discount.value", 0, 0},
	    /* before tax, no more than the lines before tax */
	    {EXCL, 1, {1000}, {2000}, {0}, 1001, "discount.value", 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct points_case *c = &cases[i];
		struct pricing_order o = order_of(c->mode, 10000);
		struct pricing_line l[3];
		struct proto_error err;
		int64_t tax = 0, total = 0;
		int rc;

		for (int j = 0; j < c->n; j++) {
			l[j] = line_of(c->price[j], 1000, c->rate[j]);
			if (c->line_off[j])
				l[j].discount = (struct pricing_discount){DAMT, c->line_off[j]};
		}
		if (c->worth)
			o.discount = (struct pricing_discount){DAMT, c->worth};
		rc = pricing_compute(&o, l, c->n, &err);
		rows_checked++;
		if (c->field) {
			check_error("points discount", i, rc, &err, BAD_FIELD, c->field);
			continue;
		}
		check_ok("points discount", i, rc, &err);
		for (int j = 0; j < c->n; j++) {
			tax += l[j].tax;
			total += l[j].total;
		}
		check_eq("points discount", i, "tax total", o.tax_total, c->tax_total);
		check_eq("points discount", i, "total", o.total, c->total);
		check_eq("points discount", i, "lines' tax", tax, c->tax_total);
		check_eq("points discount", i, "lines' total", total, c->total);
	}
}

/* --- tax on one line, prices inclusive or exclusive --- */

struct tax_case {
	enum pricing_mode mode;
	int64_t price, qty, rate;
	int64_t off_pct; /* a percent line discount, 0 for none */
	int64_t tax, total;
};

static void test_tax(void **state)
{
	static const struct tax_case cases[] = {
	    {INCL, 1200, 1000, 2000, 0, 200, 1200},
	    {INCL, 1000, 1000, 2000, 0, 167, 1000}, /* 166.67 */
	    {INCL, 100, 1000, 2000, 0, 17, 100},    /* 16.67 */
	    {INCL, 3, 1000, 2000, 0, 1, 3},	    /* 0.5 */
	    {INCL, 9, 1000, 2000, 0, 2, 9},	    /* 1.5 */
	    {INCL, 15, 1000, 2000, 0, 3, 15},	    /* 2.5 */
	    {INCL, 2, 1000, 2000, 0, 0, 2},	    /* 0.33 */
	    {INCL, 1, 1000, 10000, 0, 1, 1},	    /* 0.5 */
	    {INCL, 3, 1000, 10000, 0, 2, 3},	    /* 1.5 */
	    {INCL, 1000, 1000, 0, 0, 0, 1000},
	    {INCL, 1070, 1000, 700, 0, 70, 1070},
	    {INCL, 1000, 1000, 700, 0, 65, 1000}, /* 65.42 */
	    {INCL, 1050, 1000, 500, 0, 50, 1050},
	    {INCL, 21, 1000, 500, 0, 1, 21},
	    {INCL, 2100, 1000, 500, 0, 100, 2100},
	    {INCL, 105, 1000, 500, 0, 5, 105},
	    {INCL, 1000, 1000, 1900, 0, 160, 1000}, /* 159.66 */
	    {INCL, 119, 1000, 1900, 0, 19, 119},
	    {INCL, 1190, 1000, 1900, 0, 190, 1190},
	    {INCL, 595, 1000, 1900, 0, 95, 595},
	    {INCL, 2000, 1000, 2500, 0, 400, 2000},
	    {INCL, 1, 1000, 2500, 0, 0, 1},
	    {INCL, 5, 1000, 2500, 0, 1, 5},
	    {INCL, 10, 1000, 2500, 0, 2, 10},
	    {INCL, 25, 1000, 2500, 0, 5, 25},
	    {INCL, 1000, 1000, 1, 0, 0, 1000}, /* 0.0999 */
	    {INCL, 5000, 1000, 1, 0, 0, 5000}, /* 0.49995 */
	    {INCL, 5001, 1000, 1, 0, 1, 5001}, /* 0.50005 */
	    {INCL, 5002, 1000, 1, 0, 1, 5002}, /* 0.50015 */
	    {INCL, 10001, 1000, 1, 0, 1, 10001},
	    {INCL, 1000, 1500, 2000, 0, 250, 1500}, /* gross 15.00 */
	    {INCL, 1000, 1000, 2000, 1000, 150, 900},
	    {INCL, 1299, 250, 2000, 0, 54, 325}, /* 54.17 of 3.25 */
	    {EXCL, 1000, 1000, 2000, 0, 200, 1200},
	    {EXCL, 1, 1000, 2000, 0, 0, 1},
	    {EXCL, 3, 1000, 2000, 0, 1, 4}, /* 0.6 */
	    {EXCL, 25, 1000, 2000, 0, 5, 30},
	    {EXCL, 1025, 1000, 2000, 0, 205, 1230},
	    {EXCL, 1, 1000, 5000, 0, 1, 2},   /* 0.5 */
	    {EXCL, 5, 1000, 1000, 0, 1, 6},   /* 0.5 */
	    {EXCL, 15, 1000, 1000, 0, 2, 17}, /* 1.5 */
	    {EXCL, 14, 1000, 1000, 0, 1, 15},
	    {EXCL, 999, 1000, 750, 0, 75, 1074}, /* 74.925 */
	    {EXCL, 1000, 1000, 750, 0, 75, 1075},
	    {EXCL, 1010, 1000, 750, 0, 76, 1086},   /* 75.75 */
	    {EXCL, 1234, 1000, 1900, 0, 234, 1468}, /* 234.46 */
	    {EXCL, 1000, 1000, 10000, 0, 1000, 2000},
	    {EXCL, 1000, 1000, 0, 0, 0, 1000},
	    {EXCL, 200, 1000, 25, 0, 1, 201}, /* 0.5 */
	    {EXCL, 199, 1000, 25, 0, 0, 199}, /* 0.4975 */
	    {EXCL, 2000, 250, 2000, 0, 100, 600},
	    {EXCL, MONEY_MAX, 1000, 0, 0, 0, MONEY_MAX},
	    {EXCL, 1000, 1000, 2000, 1000, 180, 1080},
	    {EXCL, 1299, 1500, 2000, 0, 390, 2339}, /* 389.8 on 19.49 */
	    {EXCL, MONEY_MAX / 2, 1000, 10000, 0, MONEY_MAX / 2, MONEY_MAX},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct tax_case *c = &cases[i];
		struct pricing_order o = order_of(c->mode, 10000);
		struct pricing_line l = line_of(c->price, c->qty, c->rate);
		struct proto_error err;

		if (c->off_pct)
			l.discount = (struct pricing_discount){DPCT, c->off_pct};
		check_ok("tax", i, pricing_compute(&o, &l, 1, &err), &err);
		check_eq("tax", i, "tax", l.tax, c->tax);
		check_eq("tax", i, "total", l.total, c->total);
		check_eq("tax", i, "tax total", o.tax_total, c->tax);
		check_eq("tax", i, "order total", o.total, c->total);
		check_eq("tax", i, "ntaxes", o.ntaxes, 1);
		check_eq("tax", i, "taxes[0].rate", o.taxes[0].rate, c->rate);
		check_eq("tax", i, "taxes[0].base", o.taxes[0].base, c->total - c->tax);
		rows_checked++;
	}
}

/* --- several rates in one order --- */

#define RATE_LINES 4

struct rates_case {
	enum pricing_mode mode;
	int n;
	int64_t price[RATE_LINES], rate[RATE_LINES];
	enum pricing_discount_kind kind;
	int64_t value;
	int ntaxes;
	struct pricing_tax taxes[RATE_LINES];
	int64_t tax_total, total;
};

static void test_rates(void **state)
{
	static const struct rates_case cases[] = {
	    {INCL,
	     4,
	     {1200, 1050, 300, 1000},
	     {2000, 500, 2000, 0},
	     DNONE,
	     0,
	     3,
	     {{0, 1000, 0, 1000}, {500, 1000, 50, 1050}, {2000, 1250, 250, 1500}},
	     300,
	     3550},
	    {EXCL,
	     3,
	     {1000, 1000, 999},
	     {2000, 500, 2000},
	     DNONE,
	     0,
	     2,
	     {{500, 1000, 50, 1050}, {2000, 1999, 400, 2399}},
	     450,
	     3449},
	    {INCL,
	     3,
	     {1000, 1000, 3},
	     {1900, 700, 1900},
	     DNONE,
	     0,
	     2,
	     {{700, 935, 65, 1000}, {1900, 843, 160, 1003}},
	     225,
	     2003},
	    {INCL,
	     2,
	     {1000, 1000},
	     {2000, 500},
	     DAMT,
	     100,
	     2,
	     {{500, 905, 45, 950}, {2000, 792, 158, 950}},
	     203,
	     1900},
	    {EXCL,
	     3,
	     {1000, 500, 250},
	     {2000, 1000, 0},
	     DPCT,
	     1000,
	     3,
	     {{0, 225, 0, 225}, {1000, 450, 45, 495}, {2000, 900, 180, 1080}},
	     225,
	     1800},
	    {INCL,
	     4,
	     {100, 100, 100, 100},
	     {2500, 500, 1000, 0},
	     DNONE,
	     0,
	     4,
	     {{0, 100, 0, 100}, {500, 95, 5, 100}, {1000, 91, 9, 100}, {2500, 80, 20, 100}},
	     34,
	     400},
	    /* tax is rounded per line, then summed: three 1/6 are 0, not 0.5 */
	    {INCL, 3, {1, 1, 1}, {2000, 2000, 2000}, DNONE, 0, 1, {{2000, 3, 0, 3}}, 0, 3},
	    {EXCL, 3, {5, 5, 5}, {1000, 1000, 1000}, DNONE, 0, 1, {{1000, 15, 3, 18}}, 3, 18},
	    {EXCL,
	     2,
	     {1000, 3000},
	     {2000, 500},
	     DAMT,
	     400,
	     2,
	     {{500, 2700, 135, 2835}, {2000, 900, 180, 1080}},
	     315,
	     3915},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct rates_case *c = &cases[i];
		struct pricing_order o = order_of(c->mode, 10000);
		struct pricing_line l[RATE_LINES];
		struct proto_error err;

		for (int j = 0; j < c->n; j++)
			l[j] = line_of(c->price[j], 1000, c->rate[j]);
		o.discount = (struct pricing_discount){c->kind, c->value};
		check_ok("rates", i, pricing_compute(&o, l, c->n, &err), &err);
		check_eq("rates", i, "ntaxes", o.ntaxes, c->ntaxes);
		for (int j = 0; j < c->ntaxes; j++) {
			check_eq("rates", i, "rate", o.taxes[j].rate, c->taxes[j].rate);
			check_eq("rates", i, "base", o.taxes[j].base, c->taxes[j].base);
			check_eq("rates", i, "tax", o.taxes[j].tax, c->taxes[j].tax);
			check_eq("rates", i, "rate total", o.taxes[j].total, c->taxes[j].total);
		}
		check_eq("rates", i, "tax total", o.tax_total, c->tax_total);
		check_eq("rates", i, "total", o.total, c->total);
		rows_checked++;
	}
}

/* --- pricing_compute refusals --- */

struct compute_error_case {
	enum pricing_mode mode;
	int64_t ceiling, price, qty, rate;
	const char *field; /* NULL: accepted */
};

static void test_compute_errors(void **state)
{
	static const struct compute_error_case cases[] = {
	    {INCL, 10000, 1000, 0, 0, "lines[0].qty"},
	    {INCL, 10000, 1000, -1, 0, "lines[0].qty"},
	    {INCL, 10000, 1000, MONEY_QTY_MAX + 1, 0, "lines[0].qty"},
	    {INCL, 10000, 1, MONEY_QTY_MAX, 0, NULL},
	    {INCL, 10000, 1000, 1, 0, NULL},
	    {INCL, 10000, -1, 1000, 0, "lines[0].unitPrice"},
	    {INCL, 10000, MONEY_MAX + 1, 1000, 0, "lines[0].unitPrice"},
	    {INCL, 10000, 0, 1000, 0, NULL},
	    {INCL, 10000, 1000, 1000, -1, "lines[0].taxRate"},
	    {INCL, 10000, 1000, 1000, 10001, "lines[0].taxRate"},
	    {INCL, 10000, 1000, 1000, 10000, NULL},
	    {INCL, -1, 1000, 1000, 0, "ceiling"},
	    {INCL, 10001, 1000, 1000, 0, "ceiling"},
	    {INCL, 0, 1000, 1000, 0, NULL},
	    {(enum pricing_mode)2, 0, 1000, 1000, 0, "mode"},
	    {INCL, 0, MONEY_MAX, 1001, 0, "lines[0].total"},
	    {INCL, 0, 1000000000000, MONEY_QTY_MAX, 0, "lines[0].total"},
	    {EXCL, 0, MONEY_MAX, 1000, 1, "lines[0].total"},
	    {EXCL, 0, MONEY_MAX - 10000, 1000, 1, "lines[0].total"},
	    {EXCL, 0, MONEY_MAX / 2 + 1, 1000, 10000, "lines[0].total"},
	    {INCL, 0, MONEY_MAX, 1000, 10000, NULL},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct compute_error_case *c = &cases[i];
		struct pricing_order o = order_of(c->mode, c->ceiling);
		struct pricing_line l = line_of(c->price, c->qty, c->rate);
		struct proto_error err;
		int rc = pricing_compute(&o, &l, 1, &err);

		rows_checked++;
		if (c->field)
			check_error("compute errors", i, rc, &err, BAD_FIELD, c->field);
		else
			check_ok("compute errors", i, rc, &err);
	}
}

/* Refusals that need more than one line. */
static void test_compute_errors_many_lines(void **state)
{
	static struct pricing_line l[PRICING_LINES_MAX + 1];
	struct pricing_order o = order_of(INCL, 10000);
	struct proto_error err;

	(void)state;
	for (int i = 0; i <= PRICING_LINES_MAX; i++)
		l[i] = line_of(100, 1000, 0);
	check_error("lines", 0, pricing_compute(&o, l, 0, &err), &err, BAD_FIELD, "lines");
	check_error("lines", 1, pricing_compute(&o, l, -1, &err), &err, BAD_FIELD, "lines");
	check_error("lines", 2, pricing_compute(&o, l, PRICING_LINES_MAX + 1, &err), &err,
		    BAD_FIELD, "lines");
	check_ok("lines", 3, pricing_compute(&o, l, PRICING_LINES_MAX, &err), &err);
	check_eq("lines", 3, "total", o.total, 100 * PRICING_LINES_MAX);

	/* The first bad line is named by its index. */
	l[3].qty = 0;
	check_error("lines", 4, pricing_compute(&o, l, 5, &err), &err, BAD_FIELD, "lines[3].qty");
	l[3].qty = 1000;
	l[2].discount = (struct pricing_discount){DPCT, 3000};
	o.ceiling = 2000;
	check_error("lines", 5, pricing_compute(&o, l, 5, &err), &err, BAD_FIELD,
		    "lines[2].discount.value");
	assert_string_equal(err.message, "lines[2].discount.value: a discount of 30.00 % is over "
					 "this role's ceiling of 20 %");
	l[2].discount = (struct pricing_discount){DAMT, 30};
	o.ceiling = 1250;
	check_error("lines", 6, pricing_compute(&o, l, 5, &err), &err, BAD_FIELD,
		    "lines[2].discount.value");
	assert_string_equal(err.message, "lines[2].discount.value: a discount of 0.30 on 1.00 "
					 "(30.00 %) is over this role's ceiling of 12.5 %");
	l[2].discount = (struct pricing_discount){DNONE, 0};

	/* Sixteen rates fit; the seventeenth is refused at the line that brings it. */
	for (int i = 0; i < 20; i++)
		l[i].tax_rate = (i % 17) * 100;
	check_ok("lines", 7, pricing_compute(&o, l, 16, &err), &err);
	check_eq("lines", 7, "ntaxes", o.ntaxes, 16);
	check_error("lines", 8, pricing_compute(&o, l, 17, &err), &err, BAD_FIELD,
		    "lines[16].taxRate");
	for (int i = 0; i < 20; i++)
		l[i].tax_rate = 0;

	/* Two lines at the largest amount: each fits, their sum does not. */
	l[0] = line_of(MONEY_MAX, 1000, 0);
	l[1] = line_of(MONEY_MAX, 1000, 0);
	check_error("lines", 9, pricing_compute(&o, l, 2, &err), &err, BAD_FIELD, "total");
	l[1] = line_of(0, 1000, 0);
	check_ok("lines", 10, pricing_compute(&o, l, 2, &err), &err);
	/* Exclusive: subtotal fits, the taxes push the total over. */
	o.mode = EXCL;
	l[0] = line_of(MONEY_MAX / 2, 1000, 5000);
	l[1] = line_of(MONEY_MAX / 2, 1000, 5000);
	check_error("lines", 11, pricing_compute(&o, l, 2, &err), &err, BAD_FIELD, "total");
	rows_checked += 12;
}

/* --- cash rounding --- */

struct round_case {
	int64_t amount, step, rounded;
};

static void test_cash_round(void **state)
{
	static const struct round_case cases[] = {
	    {1230, 5, 1230},
	    {1231, 5, 1230},
	    {1232, 5, 1230},
	    {1233, 5, 1235},
	    {1234, 5, 1235},
	    {1235, 5, 1235},
	    {1236, 5, 1235},
	    {1237, 5, 1235},
	    {1238, 5, 1240},
	    {1239, 5, 1240},
	    {0, 5, 0},
	    {1, 5, 0},
	    {2, 5, 0},
	    {3, 5, 5},
	    {4, 5, 5},
	    {-1, 5, 0},
	    {-2, 5, 0},
	    {-3, 5, -5},
	    {-1232, 5, -1230},
	    {-1233, 5, -1235},
	    {-1238, 5, -1240},
	    {1225, 10, 1230}, /* exactly half: away from zero */
	    {1224, 10, 1220},
	    {1226, 10, 1230},
	    {1215, 10, 1220},
	    {5, 10, 10},
	    {4, 10, 0},
	    {-5, 10, -10},
	    {-4, 10, 0},
	    {-1225, 10, -1230},
	    {-1215, 10, -1220},
	    {1230, 10, 1230},
	    {1239, 10, 1240},
	    {1234, 10, 1230},
	    {1235, 10, 1240},
	    {1225, 50, 1250},
	    {1224, 50, 1200},
	    {1274, 50, 1250},
	    {1275, 50, 1300},
	    {1250, 50, 1250},
	    {25, 50, 50},
	    {24, 50, 0},
	    {-25, 50, -50},
	    {-24, 50, 0},
	    {-1275, 50, -1300},
	    {-1274, 50, -1250},
	    {0, 50, 0},
	    {12345, 50, 12350},
	    {12320, 50, 12300},
	    {12325, 50, 12350},
	    {1250, 100, 1300},
	    {1249, 100, 1200},
	    {1350, 100, 1400},
	    {1349, 100, 1300},
	    {50, 100, 100},
	    {49, 100, 0},
	    {-50, 100, -100},
	    {-49, 100, 0},
	    {-1250, 100, -1300},
	    {-1249, 100, -1200},
	    {99, 100, 100},
	    {100, 100, 100},
	    {199, 100, 200},
	    {150, 100, 200},
	    {12345, 100, 12300},
	    {1233, 1, 1233},
	    {1233, 0, 1233},
	    {1233, -5, 1233},
	    {-1233, 1, -1233},
	    {149999, 200000, 100000}, /* a step over the largest is the largest */
	    {150000, 200000, 200000},
	    {49999, 200000, 0},
	    {50000, 200000, 100000},
	    {-50000, 200000, -100000},
	    {50000, 100000, 100000},
	    {4, 3, 3},
	    {5, 3, 6},
	    {-5, 3, -6},
	    {1, 3, 0},
	    {2, 3, 3},
	    {1, 2, 2},
	    {3, 2, 4},
	    {-1, 2, -2},
	    {2, 2, 2},
	    {12, 25, 0},
	    {13, 25, 25},
	    {37, 25, 25},
	    {38, 25, 50},
	    {-13, 25, -25},
	    {MONEY_MAX, 100, 9007199254741000},
	    {-MONEY_MAX, 100, -9007199254741000},
	    /* where the multiple away from zero does not exist, the one toward it */
	    {INT64_MAX, 100000, 9223372036854700000},
	    {INT64_MIN, 100000, -9223372036854700000},
	    {INT64_MAX, 5, 9223372036854775805},
	    {INT64_MIN, 2, INT64_MIN},
	    {INT64_MAX, 2, 9223372036854775806},
	    {INT64_MAX, 1, INT64_MAX},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		check_eq("cash round", i, "rounded",
			 pricing_cash_round(cases[i].amount, cases[i].step), cases[i].rounded);
		rows_checked++;
	}
}

/* --- tenders, change and cash rounding at the end of a sale --- */

#define PAYS 4

struct settle_case {
	int64_t total, step;
	int n;
	enum pricing_tender tender[PAYS];
	int64_t tendered[PAYS];
	const char *code, *field; /* NULL: accepted */
	int64_t amount[PAYS], change[PAYS], rounding;
};

static void test_settle(void **state)
{
	static const struct settle_case cases[] = {
	    {1250, 1, 1, {CASH}, {2000}, NULL, NULL, {1250}, {750}, 0},
	    {1250, 1, 1, {CASH}, {1250}, NULL, NULL, {1250}, {0}, 0},
	    {1250, 1, 1, {CARD}, {1250}, NULL, NULL, {1250}, {0}, 0},
	    {1250, 1, 2, {CARD, CASH}, {500, 1000}, NULL, NULL, {500, 750}, {0, 250}, 0},
	    {1250, 1, 2, {CASH, CARD}, {500, 750}, NULL, NULL, {500, 750}, {0, 0}, 0},
	    {1250, 1, 2, {CASH, CASH}, {500, 1000}, NULL, NULL, {500, 750}, {0, 250}, 0},
	    {1233, 5, 1, {CASH}, {2000}, NULL, NULL, {1235}, {765}, 2},
	    {1232, 5, 1, {CASH}, {2000}, NULL, NULL, {1230}, {770}, -2},
	    {1235, 5, 1, {CASH}, {1235}, NULL, NULL, {1235}, {0}, 0},
	    {1233, 5, 2, {CASH, CASH}, {1000, 500}, NULL, NULL, {1000, 235}, {0, 265}, 2},
	    {1233, 5, 2, {CARD, CASH}, {1000, 500}, NULL, NULL, {1000, 235}, {0, 265}, 2},
	    {1233, 5, 2, {CASH, CARD}, {1000, 233}, NULL, NULL, {1000, 233}, {0, 0}, 0},
	    /* the card leaves 0.02, which rounds to nothing: the cash is all change */
	    {1232, 5, 2, {CARD, CASH}, {1230, 100}, NULL, NULL, {1230, 0}, {0, 100}, -2},
	    {1, 5, 1, {CASH}, {100}, NULL, NULL, {0}, {100}, -1},
	    {2, 5, 1, {CASH}, {5}, NULL, NULL, {0}, {5}, -2},
	    {3, 5, 1, {CASH}, {5}, NULL, NULL, {5}, {0}, 2},
	    {0, 1, 1, {CASH}, {500}, NULL, NULL, {0}, {500}, 0},
	    {0, 5, 1, {CASH}, {500}, NULL, NULL, {0}, {500}, 0},
	    {0, 1, 1, {CARD}, {100}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {1250, 1, 1, {CARD}, {1300}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {1250, 1, 1, {CARD}, {1251}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {1250, 1, 2, {CASH, CARD}, {500, 751}, BAD_FIELD, "payments[1].tendered", {0}, {0}, 0},
	    {1233,
	     5,
	     2,
	     {CASH, OTHER},
	     {1000, 234},
	     BAD_FIELD,
	     "payments[1].tendered",
	     {0},
	     {0},
	     0},
	    {1250, 1, 2, {CASH, CARD}, {500, 800}, BAD_FIELD, "payments[1].tendered", {0}, {0}, 0},
	    {1250, 1, 2, {CARD, CASH}, {1250, 100}, BAD_TOTAL, "payments[1]", {0}, {0}, 0},
	    {1250, 1, 2, {CASH, CASH}, {1300, 100}, BAD_TOTAL, "payments[1]", {0}, {0}, 0},
	    {1250, 1, 1, {CASH}, {1000}, BAD_TOTAL, "payments", {0}, {0}, 0},
	    {1250, 1, 1, {CARD}, {1000}, BAD_TOTAL, "payments", {0}, {0}, 0},
	    {1250, 1, 1, {OTHER}, {1250}, NULL, NULL, {1250}, {0}, 0},
	    {1250, 1, 2, {PTS, CARD}, {250, 1000}, NULL, NULL, {250, 1000}, {0, 0}, 0},
	    {1250,
	     1,
	     1,
	     {(enum pricing_tender)9},
	     {1250},
	     BAD_FIELD,
	     "payments[0].tender",
	     {0},
	     {0},
	     0},
	    {1250, 1, 1, {CASH}, {0}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {1250, 1, 1, {CASH}, {-5}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {1250, 1, 1, {CASH}, {MONEY_MAX + 1}, BAD_FIELD, "payments[0].tendered", {0}, {0}, 0},
	    {-1, 1, 1, {CASH}, {100}, BAD_FIELD, "total", {0}, {0}, 0},
	    {MONEY_MAX + 1, 1, 1, {CASH}, {100}, BAD_FIELD, "total", {0}, {0}, 0},
	    {1250, 1, 0, {CASH}, {100}, BAD_FIELD, "payments", {0}, {0}, 0},
	    {1275, 50, 1, {CASH}, {2000}, NULL, NULL, {1300}, {700}, 25},
	    {1274, 50, 1, {CASH}, {2000}, NULL, NULL, {1250}, {750}, -24},
	    {1250, 100, 1, {CASH}, {1300}, NULL, NULL, {1300}, {0}, 50},
	    {1249, 100, 1, {CASH}, {1200}, NULL, NULL, {1200}, {0}, -49},
	    {1249, 10, 2, {CASH, CASH}, {1000, 300}, NULL, NULL, {1000, 250}, {0, 50}, 1},
	    {1233, 5, 2, {PTS, CASH}, {33, 1200}, NULL, NULL, {33, 1200}, {0, 0}, 0},
	    {1233, 5, 2, {CASH, CARD}, {1235, 1}, BAD_TOTAL, "payments[1]", {0}, {0}, 0},
	    {1237, 5, 2, {CARD, CARD}, {1000, 237}, NULL, NULL, {1000, 237}, {0, 0}, 0},
	    /* 12.34 in cash for 12.35 due in cash is a part payment past the exact total */
	    {1233, 5, 1, {CASH}, {1234}, BAD_TOTAL, "payments", {0}, {0}, 0},
	    {1233, 5, 1, {CASH}, {1233}, NULL, NULL, {1233}, {0}, 0},
	    {5, 5, 2, {CASH, CASH}, {1, 4}, NULL, NULL, {1, 4}, {0, 0}, 0},
	    {1250, 200000, 1, {CASH}, {2000}, NULL, NULL, {0}, {2000}, -1250},
	    {1000, 5, 3, {CARD, CARD, CARD}, {400, 400, 200}, NULL, NULL, {400, 400, 200}, {0}, 0},
	    {MONEY_MAX, 1, 1, {CASH}, {MONEY_MAX}, NULL, NULL, {MONEY_MAX}, {0}, 0},
	    {1250,
	     1,
	     3,
	     {CASH, CARD, CASH},
	     {1000, 200, 100},
	     NULL,
	     NULL,
	     {1000, 200, 50},
	     {0, 0, 50},
	     0},
	    {1250,
	     10,
	     4,
	     {CARD, OTHER, PTS, CASH},
	     {100, 100, 100, 5000},
	     NULL,
	     NULL,
	     {100, 100, 100, 950},
	     {0, 0, 0, 4050},
	     0},
	    {1253,
	     10,
	     3,
	     {CASH, CARD, CASH},
	     {1000, 200, 100},
	     NULL,
	     NULL,
	     {1000, 200, 50},
	     {0, 0, 50},
	     -3},
	    {1250,
	     1,
	     4,
	     {CASH, CASH, CASH, CASH},
	     {100, 100, 100, 100},
	     BAD_TOTAL,
	     "payments",
	     {0},
	     {0},
	     0},
	    {1250, 1, 2, {CARD, PTS}, {1000, 300}, BAD_FIELD, "payments[1].tendered", {0}, {0}, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct settle_case *c = &cases[i];
		struct pricing_payment p[PAYS] = {{0}};
		struct proto_error err;
		int64_t rounding = 12345, sum = 0;
		int rc;

		for (int j = 0; j < c->n; j++) {
			p[j].tender = c->tender[j];
			p[j].tendered = c->tendered[j];
		}
		rc = pricing_settle(c->total, c->step, p, c->n, &rounding, &err);
		rows_checked++;
		if (c->code) {
			check_error("settle", i, rc, &err, c->code, c->field);
			continue;
		}
		check_ok("settle", i, rc, &err);
		for (int j = 0; j < c->n; j++) {
			check_eq("settle", i, "amount", p[j].amount, c->amount[j]);
			check_eq("settle", i, "change", p[j].change, c->change[j]);
			sum += p[j].amount;
		}
		check_eq("settle", i, "rounding", rounding, c->rounding);
		check_eq("settle", i, "sum of amounts", sum, c->total + c->rounding);
	}
}

static void test_settle_limits(void **state)
{
	struct pricing_payment p[PRICING_PAYMENTS_MAX + 1];
	struct proto_error err;
	int64_t rounding;

	(void)state;
	for (int i = 0; i <= PRICING_PAYMENTS_MAX; i++)
		p[i] = (struct pricing_payment){.tender = CARD, .tendered = 10};
	check_ok(
	    "settle limits", 0,
	    pricing_settle(10 * PRICING_PAYMENTS_MAX, 1, p, PRICING_PAYMENTS_MAX, &rounding, &err),
	    &err);
	check_error("settle limits", 1,
		    pricing_settle(10 * (PRICING_PAYMENTS_MAX + 1), 1, p, PRICING_PAYMENTS_MAX + 1,
				   &rounding, &err),
		    &err, BAD_FIELD, "payments");
	p[0] = (struct pricing_payment){.tender = CASH, .tendered = 1200};
	check_error("settle limits", 2, pricing_settle(1250, 1, p, 1, &rounding, &err), &err,
		    BAD_TOTAL, "payments");
	assert_string_equal(err.message, "payments: the payments cover 12.00 of 12.50");
	rows_checked += 3;
}

/* --- refunds of one sold line --- */

struct refund_case {
	int64_t qty, total, tax, rqty, rtotal, rtax;
	int64_t refund_qty;
	const char *code, *field;
	int64_t back_total, back_tax;
};

static void test_refund(void **state)
{
	static const struct refund_case cases[] = {
	    {3000, 3000, 500, 0, 0, 0, 1000, NULL, NULL, 1000, 167}, /* 166.67 */
	    {3000, 3000, 500, 1000, 1000, 167, 1000, NULL, NULL, 1000, 167},
	    {3000, 3000, 500, 2000, 2000, 334, 1000, NULL, NULL, 1000, 166}, /* the rest */
	    {3000, 3000, 500, 0, 0, 0, 3000, NULL, NULL, 3000, 500},
	    {3000, 3000, 500, 0, 0, 0, 3001, BAD_FIELD, "qty", 0, 0},
	    {3000, 3000, 500, 0, 0, 0, 0, BAD_FIELD, "qty", 0, 0},
	    {3000, 3000, 500, 0, 0, 0, -1, BAD_FIELD, "qty", 0, 0},
	    {3000, 3000, 500, 1000, 1000, 167, 2001, BAD_FIELD, "qty", 0, 0},
	    {3000, 3000, 500, 3000, 3000, 500, 1, BAD_FIELD, "qty", 0, 0},
	    {3000, 1000, 100, 0, 0, 0, 1000, NULL, NULL, 333, 33},
	    {3000, 1000, 100, 0, 0, 0, 2000, NULL, NULL, 667, 67},
	    {3000, 1000, 100, 1000, 333, 33, 2000, NULL, NULL, 667, 67},
	    {2000, 999, 166, 0, 0, 0, 1000, NULL, NULL, 500, 83}, /* 499.5 */
	    {2000, 999, 166, 1000, 500, 83, 1000, NULL, NULL, 499, 83},
	    {1500, 1949, 325, 0, 0, 0, 500, NULL, NULL, 650, 108}, /* weighed */
	    {1500, 1949, 325, 500, 650, 108, 500, NULL, NULL, 650, 108},
	    {1500, 1949, 325, 1000, 1300, 216, 500, NULL, NULL, 649, 109},
	    {1500, 1949, 325, 0, 0, 0, 1, NULL, NULL, 1, 0},	     /* 1.299 */
	    {1500, 1949, 325, 0, 0, 0, 1499, NULL, NULL, 1948, 325}, /* 1947.70, 324.78 */
	    {1500, 1949, 325, 1499, 1948, 325, 1, NULL, NULL, 1, 0},
	    {3, 5, 1, 0, 0, 0, 1, NULL, NULL, 2, 0},
	    {3, 5, 1, 1, 2, 0, 1, NULL, NULL, 2, 0},
	    {3, 5, 1, 2, 4, 0, 1, NULL, NULL, 1, 1},
	    {3, 2, 0, 0, 0, 0, 1, NULL, NULL, 1, 0},
	    {3, 2, 0, 1, 1, 0, 1, NULL, NULL, 1, 0},
	    {3, 2, 0, 2, 2, 0, 1, NULL, NULL, 0, 0},
	    {4, 2, 0, 2, 2, 0, 1, NULL, NULL, 0, 0}, /* 0.5 → 1, capped at the 0 left */
	    {4, 2, 2, 1, 1, 1, 2, NULL, NULL, 1, 1}, /* 1 and 1, each capped at the 1 left */
	    {1000, 0, 0, 0, 0, 0, 500, NULL, NULL, 0, 0},
	    {1000000000, MONEY_MAX, 0, 0, 0, 0, 1, NULL, NULL, 9007199, 0},
	    {1000000000, MONEY_MAX, MONEY_MAX / 3, 0, 0, 0, 500000000, NULL, NULL, MONEY_MAX / 2,
	     1501199875790165},				     /* 3002399751580330 / 2 */
	    {7, 1000, 143, 0, 0, 0, 3, NULL, NULL, 429, 61}, /* 428.57, 61.29 */
	    {0, 1000, 100, 0, 0, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, -1, 0, 0, 0, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, -1, 0, 0, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, -1, 0, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, 0, -1, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, 0, 0, -1, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, 1001, 0, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, 0, 1001, 0, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 1000, 100, 0, 0, 101, 1, BAD_TOTAL, "sold", 0, 0},
	    {1000, 100, 1000, 0, 0, 0, 1, BAD_TOTAL, "sold", 0, 0}, /* more tax than total */
	    {1000, 100, 1000, 0, 0, 0, 0, BAD_TOTAL, "sold", 0, 0}, /* the record first */
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct refund_case *c = &cases[i];
		struct pricing_sold sold = {c->qty, c->total, c->tax, c->rqty, c->rtotal, c->rtax};
		struct proto_error err;
		int64_t total = -7, tax = -7;
		int rc = pricing_refund_line(&sold, c->refund_qty, &total, &tax, &err);

		rows_checked++;
		if (c->code) {
			check_error("refund", i, rc, &err, c->code, c->field);
			continue;
		}
		check_ok("refund", i, rc, &err);
		check_eq("refund", i, "total", total, c->back_total);
		check_eq("refund", i, "tax", tax, c->back_tax);
	}
}

/* --- the discount a cashier types --- */

struct parse_case {
	const char *text;
	int rc;
	enum pricing_discount_kind kind;
	int64_t value;
};

static void test_discount_parse(void **state)
{
	static const struct parse_case cases[] = {
	    {"10%", 0, DPCT, 1000},
	    {"12.5%", 0, DPCT, 1250},
	    {"12.25%", 0, DPCT, 1225},
	    {"0.01%", 0, DPCT, 1},
	    {"100%", 0, DPCT, 10000},
	    {"100.00%", 0, DPCT, 10000},
	    {"00010%", 0, DPCT, 1000},
	    {"7.5%", 0, DPCT, 750},
	    {"100.01%", -ERANGE, DNONE, 0},
	    {"0%", -ERANGE, DNONE, 0},
	    {"0.00%", -ERANGE, DNONE, 0},
	    {"101%", -ERANGE, DNONE, 0},
	    {"1000%", -ERANGE, DNONE, 0},
	    {"99999999999999999999999%", -ERANGE, DNONE, 0},
	    {"12.555%", -EINVAL, DNONE, 0},
	    {"%", -EINVAL, DNONE, 0},
	    {"10", 0, DAMT, 1000},
	    {"2.50", 0, DAMT, 250},
	    {"2.5", 0, DAMT, 250},
	    {"0.05", 0, DAMT, 5},
	    {"007.50", 0, DAMT, 750},
	    {"90071992547409.92", 0, DAMT, MONEY_MAX},
	    {"90071992547409.93", -ERANGE, DNONE, 0},
	    {"0", -ERANGE, DNONE, 0},
	    {"0.00", -ERANGE, DNONE, 0},
	    {"-1", -EINVAL, DNONE, 0},
	    {"-10%", -EINVAL, DNONE, 0},
	    {"10 %", -EINVAL, DNONE, 0},
	    {" 10%", -EINVAL, DNONE, 0},
	    {"10%%", -EINVAL, DNONE, 0},
	    {"%10", -EINVAL, DNONE, 0},
	    {"1e1%", -EINVAL, DNONE, 0},
	    {"12,5%", -EINVAL, DNONE, 0},
	    {".5%", -EINVAL, DNONE, 0},
	    {"5.%", -EINVAL, DNONE, 0},
	    {"", -EINVAL, DNONE, 0},
	    {NULL, -EINVAL, DNONE, 0},
	    {"abc", -EINVAL, DNONE, 0},
	    {"2.505", -EINVAL, DNONE, 0},
	    {"10%x", -EINVAL, DNONE, 0},
	    {"2,50", -EINVAL, DNONE, 0},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const struct parse_case *c = &cases[i];
		struct pricing_discount d = {DNONE, -1};
		int rc = pricing_discount_parse(c->text, &d);

		check_eq("discount parse", i, "rc", rc, c->rc);
		if (rc == 0) {
			check_eq("discount parse", i, "kind", d.kind, c->kind);
			check_eq("discount parse", i, "value", d.value, c->value);
		} else {
			/* a refused text leaves the discount as it was */
			check_eq("discount parse", i, "kind", d.kind, DNONE);
			check_eq("discount parse", i, "value", d.value, -1);
		}
		rows_checked++;
	}
}

/* --- properties over pseudo-random orders --- */

#define ORDERS	     6000
#define RANDOM_LINES 60
#define PATH_TEXT    48

/* The reference price of one line, worked out here without pricing.c. */
struct ref_line {
	wide gross, off, share, net, tax, total;
};

static const int64_t common_rates[] = {0, 500, 700, 1000, 1900, 2000, 2500};
static const int64_t ceilings[] = {0, 1000, 2000, 2500, 5000, 10000};
static const int64_t steps[] = {1, 5, 10, 50, 100};

static void random_discount(uint64_t *rs, struct pricing_discount *d, int64_t about)
{
	switch (random_below(rs, 5)) {
	case 0:
		*d = (struct pricing_discount){DPCT, 1 + random_below(rs, 3000)};
		break;
	case 1:
		*d = (struct pricing_discount){DAMT, 1 + random_below(rs, about / 3 + 1)};
		break;
	case 2:
		*d = (struct pricing_discount){DPCT, 1 + random_below(rs, 10000)};
		break;
	default:
		*d = (struct pricing_discount){DNONE, 0};
		break;
	}
}

static void random_order(uint64_t *rs, struct pricing_order *o, struct pricing_line *l, int *n)
{
	*o = order_of(random_below(rs, 2) ? INCL : EXCL,
		      ceilings[random_below(rs, (int64_t)N(ceilings))]);
	*n = 1 + (int)random_below(rs, random_below(rs, 10) == 0 ? RANDOM_LINES : 8);
	for (int i = 0; i < *n; i++) {
		int64_t qty = random_below(rs, 2) ? 1000 * (1 + random_below(rs, 5))
						  : 1 + random_below(rs, 5000);
		int64_t price =
		    random_below(rs, 20) ? random_below(rs, 20000) : random_below(rs, 1000000000);
		int64_t rate = random_below(rs, 20) ? common_rates[random_below(rs, 7)]
						    : random_below(rs, 10001);

		l[i] = line_of(price, qty, rate);
		if (random_below(rs, 3) == 0)
			random_discount(rs, &l[i].discount, price * qty / 1000);
	}
	if (random_below(rs, 2) == 0)
		random_discount(rs, &o->discount, 20000);
}

/* Is a discount of `off` on `base` refused? Returns the amount through *off. */
static int ref_discount(const struct pricing_discount *d, wide base, int64_t ceiling, wide *off)
{
	*off = 0;
	if (d->kind == DPCT) {
		if (d->value > ceiling)
			return -1;
		*off = wide_round(base * d->value, 10000);
	} else if (d->kind == DAMT) {
		if (d->value > base || (wide)d->value * 10000 > base * ceiling)
			return -1;
		*off = d->value;
	}
	return 0;
}

/*
 * The reference: "" when the order is accepted, else the field it is
 * refused on. The order discount is shared by sorting the remainders, a
 * different way from pricing.c's ranking.
 */
static const char *ref_price(const struct pricing_order *o, const struct pricing_line *l, int n,
			     struct ref_line *r, wide *discount, char *field)
{
	int64_t rates[PRICING_RATES_MAX + 1];
	int nrates = 0, order[RANDOM_LINES];
	wide s = 0, d, left, rem[RANDOM_LINES];

	for (int i = 0; i < n; i++) {
		int known = 0;

		r[i].gross = wide_round((wide)l[i].unit_price * l[i].qty, 1000);
		if (ref_discount(&l[i].discount, r[i].gross, o->ceiling, &r[i].off) < 0) {
			snprintf(field, PATH_TEXT, "lines[%d].discount.value", i);
			return field;
		}
		for (int j = 0; j < nrates; j++)
			known |= rates[j] == l[i].tax_rate;
		if (!known && nrates == PRICING_RATES_MAX) {
			snprintf(field, PATH_TEXT, "lines[%d].taxRate", i);
			return field;
		}
		if (!known)
			rates[nrates++] = l[i].tax_rate;
		s += r[i].gross - r[i].off;
	}
	if (ref_discount(&o->discount, s, o->ceiling, &d) < 0)
		return "discount.value";
	*discount = d;
	left = d;
	for (int i = 0; i < n; i++) {
		wide part = r[i].gross - r[i].off;

		r[i].share = s ? d * part / s : 0;
		rem[i] = s ? d * part % s : 0;
		left -= r[i].share;
		order[i] = i;
	}
	/* insertion sort by remainder, largest first; stable, so lower index first on a tie */
	for (int i = 1; i < n; i++) {
		int k = order[i], j = i;

		for (; j > 0 && rem[order[j - 1]] < rem[k]; j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
	for (int i = 0; i < left; i++)
		r[order[i]].share++;
	for (int i = 0; i < n; i++) {
		int64_t rate = l[i].tax_rate;

		r[i].net = r[i].gross - r[i].off - r[i].share;
		if (o->mode == INCL) {
			r[i].total = r[i].net;
			r[i].tax = wide_round(r[i].net * rate, 10000 + rate);
		} else {
			r[i].tax = wide_round(r[i].net * rate, 10000);
			r[i].total = r[i].net + r[i].tax;
		}
	}
	return "";
}

/* One accepted order's sums, shares, ceilings and taxes. */
static void check_priced_order(size_t k, const struct pricing_order *o,
			       const struct pricing_line *l, int n, const struct ref_line *r,
			       wide d)
{
	int64_t gross = 0, total = 0, tax = 0, off = 0, shares = 0, s = 0;
	int64_t t_tax = 0, t_total = 0, t_base = 0;

	for (int i = 0; i < n; i++) {
		check_eq("random order", k, "gross", l[i].gross, (int64_t)r[i].gross);
		check_eq("random order", k, "line discount", l[i].discount_amount,
			 (int64_t)r[i].off);
		check_eq("random order", k, "share", l[i].order_share, (int64_t)r[i].share);
		check_eq("random order", k, "tax", l[i].tax, (int64_t)r[i].tax);
		check_eq("random order", k, "total", l[i].total, (int64_t)r[i].total);
		check_eq("random order", k, "net", l[i].net,
			 l[i].gross - l[i].discount_amount - l[i].order_share);
		if (l[i].net < 0 || l[i].order_share < 0 || l[i].discount_amount < 0)
			fail_msg("random order %zu: line %d goes negative", k, i);
		/* a discount accepted is within the ceiling */
		if (l[i].discount.kind == DPCT &&
		    (l[i].discount.value > o->ceiling ||
		     l[i].discount_amount > wide_round((wide)l[i].gross * o->ceiling, 10000)))
			fail_msg("random order %zu: line %d discount over the ceiling", k, i);
		if (l[i].discount.kind == DAMT &&
		    (wide)l[i].discount_amount * 10000 > (wide)l[i].gross * o->ceiling)
			fail_msg("random order %zu: line %d discount over the ceiling", k, i);
		gross += l[i].gross;
		total += l[i].total;
		tax += l[i].tax;
		off += l[i].discount_amount + l[i].order_share;
		shares += l[i].order_share;
		s += l[i].gross - l[i].discount_amount;
	}
	check_eq("random order", k, "subtotal", o->subtotal, gross);
	check_eq("random order", k, "Σ line totals", total, o->total);
	check_eq("random order", k, "Σ line taxes", tax, o->tax_total);
	check_eq("random order", k, "discount total", o->discount_total, off);
	check_eq("random order", k, "Σ shares", shares, (int64_t)d);
	if (o->discount.kind == DPCT && shares > wide_round((wide)s * o->ceiling, 10000))
		fail_msg("random order %zu: order discount over the ceiling", k);
	if (o->discount.kind == DAMT && (wide)shares * 10000 > (wide)s * o->ceiling)
		fail_msg("random order %zu: order discount over the ceiling", k);
	for (int j = 0; j < o->ntaxes; j++) {
		int64_t base = 0, rtax = 0, rtotal = 0;
		int lines_at_rate = 0;

		if (j > 0 && o->taxes[j].rate <= o->taxes[j - 1].rate)
			fail_msg("random order %zu: taxes not by rising rate", k);
		for (int i = 0; i < n; i++) {
			if (l[i].tax_rate != o->taxes[j].rate)
				continue;
			base += l[i].total - l[i].tax;
			rtax += l[i].tax;
			rtotal += l[i].total;
			lines_at_rate++;
		}
		if (lines_at_rate == 0)
			fail_msg("random order %zu: taxes[%d] is no line's rate", k, j);
		check_eq("random order", k, "taxes[].base", o->taxes[j].base, base);
		check_eq("random order", k, "taxes[].tax", o->taxes[j].tax, rtax);
		check_eq("random order", k, "taxes[].total", o->taxes[j].total, rtotal);
		check_eq("random order", k, "taxes[] base + tax", o->taxes[j].total,
			 o->taxes[j].base + o->taxes[j].tax);
		t_tax += o->taxes[j].tax;
		t_total += o->taxes[j].total;
		t_base += o->taxes[j].base;
	}
	for (int i = 0; i < n; i++) {
		int found = 0;

		for (int j = 0; j < o->ntaxes; j++)
			found |= o->taxes[j].rate == l[i].tax_rate;
		if (!found)
			fail_msg("random order %zu: line %d's rate has no taxes[] entry", k, i);
	}
	check_eq("random order", k, "Σ taxes[].tax", t_tax, o->tax_total);
	check_eq("random order", k, "Σ taxes[].total", t_total, o->total);
	check_eq("random order", k, "Σ taxes[].base", t_base, o->total - o->tax_total);
}

/* A cash amount rounded to the step, worked out as a quotient: independent of pricing.c. */
static int64_t ref_cash_round(int64_t amount, int64_t step)
{
	return step > 1 ? (int64_t)(wide_round(amount, step) * step) : amount;
}

/* Pay the order with a few part payments and a last one that settles it. */
static void check_settle(uint64_t *rs, size_t k, int64_t total)
{
	struct pricing_payment p[PRICING_PAYMENTS_MAX];
	struct proto_error err;
	int64_t step = steps[random_below(rs, (int64_t)N(steps))], due = total, rounding, sum = 0;
	int64_t want_rounding = 0;
	int n = 0;

	while (n < 5 && due > 1 && random_below(rs, 3) != 0) {
		int64_t cash_due = ref_cash_round(due, step);
		int64_t most = (cash_due < due ? cash_due : due) - 1; /* stays a part payment */

		if (most < 1)
			break;
		p[n].tender = (enum pricing_tender)random_below(rs, 4);
		p[n].tendered = 1 + random_below(rs, most);
		due -= p[n].tendered;
		n++;
	}
	if (due > 0 && random_below(rs, 2) == 0) {
		p[n].tender = CARD;
		p[n].tendered = due;
	} else {
		int64_t cash_due = ref_cash_round(due, step);

		p[n].tender = CASH;
		p[n].tendered = (cash_due > 0 ? cash_due : 1) + random_below(rs, 5000);
		want_rounding = cash_due - due;
	}
	n++;
	check_ok("random settle", k, pricing_settle(total, step, p, n, &rounding, &err), &err);
	for (int j = 0; j < n; j++) {
		if (p[j].change < 0 || p[j].amount < 0 || p[j].amount > p[j].tendered)
			fail_msg("random settle %zu: payment %d amount %lld change %lld", k, j,
				 (long long)p[j].amount, (long long)p[j].change);
		if (p[j].tender != CASH && p[j].change != 0)
			fail_msg("random settle %zu: change on a card", k);
		if (p[j].tender == CASH)
			check_eq("random settle", k, "amount + change", p[j].amount + p[j].change,
				 p[j].tendered);
		sum += p[j].amount;
	}
	check_eq("random settle", k, "Σ amount", sum, total + rounding);
	check_eq("random settle", k, "rounding", rounding, want_rounding);
	if (2 * (rounding < 0 ? -rounding : rounding) > step)
		fail_msg("random settle %zu: rounding %lld is over half the step %lld", k,
			 (long long)rounding, (long long)step);
}

/* Any payments at all: accepted or refused, never an inconsistent result. */
static void check_settle_chaos(uint64_t *rs, size_t k, int64_t total)
{
	struct pricing_payment p[4];
	struct proto_error err;
	int64_t step = steps[random_below(rs, (int64_t)N(steps))], rounding = 0, sum = 0;
	int n = 1 + (int)random_below(rs, 4), rc;

	for (int j = 0; j < n; j++) {
		p[j].tender = (enum pricing_tender)random_below(rs, 4);
		p[j].tendered = 1 + random_below(rs, total + 10);
	}
	rc = pricing_settle(total, step, p, n, &rounding, &err);
	if (rc != 0) {
		if ((strcmp(err.code, BAD_FIELD) != 0 && strcmp(err.code, BAD_TOTAL) != 0) ||
		    strncmp(err.field, "payments", 8) != 0)
			fail_msg("random payments %zu: refused as %s \"%s\"", k, err.code,
				 err.field);
		return;
	}
	for (int j = 0; j < n; j++) {
		if (p[j].change < 0)
			fail_msg("random payments %zu: negative change", k);
		sum += p[j].amount;
	}
	check_eq("random payments", k, "Σ amount", sum, total + rounding);
	if (2 * (rounding < 0 ? -rounding : rounding) > step)
		fail_msg("random payments %zu: rounding over half the step", k);
}

/* Refund each line in random parts until nothing is left: exactly the sale, never more. */
static void check_refunds(uint64_t *rs, size_t k, const struct pricing_line *l, int n)
{
	for (int i = 0; i < n; i++) {
		struct pricing_sold sold = {l[i].qty, l[i].total, l[i].tax, 0, 0, 0};
		struct proto_error err;

		while (sold.refunded_qty < sold.qty) {
			int64_t left = sold.qty - sold.refunded_qty, back_total, back_tax;
			int64_t qty = random_below(rs, 4) == 0 ? left : 1 + random_below(rs, left);
			int64_t want_total = sold.total - sold.refunded_total;
			int64_t want_tax = sold.tax - sold.refunded_tax;

			if (qty < left) {
				wide t = wide_round((wide)sold.total * qty, sold.qty);
				wide x = wide_round((wide)sold.tax * qty, sold.qty);

				want_total = t < want_total ? (int64_t)t : want_total;
				want_tax = x < want_tax ? (int64_t)x : want_tax;
			}
			check_ok("random refund", k,
				 pricing_refund_line(&sold, qty, &back_total, &back_tax, &err),
				 &err);
			check_eq("random refund", k, "total", back_total, want_total);
			check_eq("random refund", k, "tax", back_tax, want_tax);
			if (back_total < 0 || back_tax < 0)
				fail_msg("random refund %zu: negative refund", k);
			sold.refunded_qty += qty;
			sold.refunded_total += back_total;
			sold.refunded_tax += back_tax;
			if (sold.refunded_total > sold.total || sold.refunded_tax > sold.tax)
				fail_msg("random refund %zu: refunded more than sold", k);
		}
		check_eq("random refund", k, "Σ refunded total", sold.refunded_total, sold.total);
		check_eq("random refund", k, "Σ refunded tax", sold.refunded_tax, sold.tax);
		{
			int64_t t, x;

			check_error("random refund", k, pricing_refund_line(&sold, 1, &t, &x, &err),
				    &err, BAD_FIELD, "qty");
		}
	}
}

static void test_random_orders(void **state)
{
	static struct pricing_line l[RANDOM_LINES];
	static struct ref_line r[RANDOM_LINES];
	uint64_t rs = 0x7111a2b3c4d5e6f7ULL;
	size_t accepted = 0, refused = 0;

	(void)state;
	for (size_t k = 0; k < ORDERS; k++) {
		struct pricing_order o;
		struct proto_error err;
		char field[PATH_TEXT];
		const char *want;
		wide d = 0;
		int n, rc;

		random_order(&rs, &o, l, &n);
		want = ref_price(&o, l, n, r, &d, field);
		rc = pricing_compute(&o, l, n, &err);
		if (want[0]) {
			check_error("random order", k, rc, &err, BAD_FIELD, want);
			refused++;
			continue;
		}
		check_ok("random order", k, rc, &err);
		check_priced_order(k, &o, l, n, r, d);
		check_settle(&rs, k, o.total);
		check_settle_chaos(&rs, k, o.total);
		check_refunds(&rs, k, l, n);
		accepted++;
	}
	/* The generator must exercise both outcomes, or the loop proves little. */
	if (accepted < ORDERS / 3 || refused < ORDERS / 20)
		fail_msg("random orders: %zu accepted, %zu refused; the generator is off", accepted,
			 refused);
	printf("# %zu random orders: %zu accepted, %zu refused\n", (size_t)ORDERS, accepted,
	       refused);
}

/* Cash rounding against the quotient reference on random amounts and steps. */
static void test_random_cash_round(void **state)
{
	uint64_t rs = 0x5eed5eed5eed5eedULL;

	(void)state;
	for (size_t k = 0; k < 20000; k++) {
		int64_t step = 2 + random_below(&rs, PRICING_STEP_MAX - 1);
		int64_t amount = random_below(&rs, 2 * MONEY_MAX + 1) - MONEY_MAX;
		int64_t got = pricing_cash_round(amount, step);

		check_eq("random cash round", k, "rounded", got, ref_cash_round(amount, step));
		if (got % step != 0 || 2 * (got > amount ? got - amount : amount - got) > step)
			fail_msg("random cash round %zu: %lld step %lld gave %lld", k,
				 (long long)amount, (long long)step, (long long)got);
	}
}

static void test_rows_counted(void **state)
{
	(void)state;
	printf("# %zu table rows checked\n", rows_checked);
	assert_true(rows_checked >= 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gross),
	    cmocka_unit_test(test_line_discount),
	    cmocka_unit_test(test_order_discount),
	    cmocka_unit_test(test_points_discount_lowers_the_tax),
	    cmocka_unit_test(test_tax),
	    cmocka_unit_test(test_rates),
	    cmocka_unit_test(test_compute_errors),
	    cmocka_unit_test(test_compute_errors_many_lines),
	    cmocka_unit_test(test_cash_round),
	    cmocka_unit_test(test_settle),
	    cmocka_unit_test(test_settle_limits),
	    cmocka_unit_test(test_refund),
	    cmocka_unit_test(test_discount_parse),
	    cmocka_unit_test(test_random_orders),
	    cmocka_unit_test(test_random_cash_round),
	    cmocka_unit_test(test_rows_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
