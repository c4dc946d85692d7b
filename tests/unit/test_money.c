/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/money.c: line totals and included tax rounded half
 * away from zero at every .5 boundary, the limits where amounts stop being
 * accepted, and the texts a person types for amounts, quantities and tax
 * rates, read and written back. Property loops compare the arithmetic with a
 * 128-bit reference on deterministic pseudo-random inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A 128-bit integer only as the tests' reference; the code under test never needs one. */
__extension__ typedef __int128 wide;

/* n / d rounded half away from zero, d > 0, exactly. */
static wide wide_round(wide n, wide d)
{
	if (n < 0)
		return -wide_round(-n, d);
	return (2 * n + d) / (2 * d);
}

/* splitmix64: deterministic, so a failure is reproduced by the same run. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t random_below(uint64_t *state, int64_t bound)
{
	return (int64_t)(next_random(state) % (uint64_t)bound);
}

struct line_case {
	int64_t price, qty;
	int rc;
	int64_t total;
};

static void test_line_total(void **state)
{
	static const struct line_case cases[] = {
	    {100, 1000, 0, 100},
	    {100, 1500, 0, 150},
	    {250, 2000, 0, 500},
	    {1299, 1500, 0, 1949}, /* 1948.5 rounds up */
	    {1, 500, 0, 1},	   /* 0.5 */
	    {1, 499, 0, 0},	   /* 0.499 */
	    {1, 501, 0, 1},
	    {3, 500, 0, 2},  /* 1.5 */
	    {5, 500, 0, 3},  /* 2.5: away from zero, not to even */
	    {7, 500, 0, 4},  /* 3.5 */
	    {2500, 1, 0, 3}, /* 2.5 */
	    {1499, 1, 0, 1}, /* 1.499 */
	    {999, 1, 0, 1},  /* 0.999 */
	    {499, 1, 0, 0},  /* 0.499 */
	    {0, 5000, 0, 0}, /* free */
	    {1000, 0, 0, 0}, /* no quantity */
	    {1, 1000000000, 0, 1000000},
	    {MONEY_MAX, 1000, 0, MONEY_MAX},
	    {MONEY_MAX - 1, 1000, 0, MONEY_MAX - 1},
	    {2 * MONEY_MAX - 1, 500, 0, MONEY_MAX}, /* MONEY_MAX - 0.5 rounds up to the limit */
	    {2 * MONEY_MAX + 1, 500, -ERANGE, 0},   /* MONEY_MAX + 0.5 rounds over it */
	    {MONEY_MAX, 1001, -ERANGE, 0},
	    {MONEY_MAX + 1, 1000, -ERANGE, 0},
	    {-1, 1000, -ERANGE, 0},
	    {100, -1, -ERANGE, 0},
	    {-100, -1000, -ERANGE, 0}, /* a positive product of negatives is still refused */
	    {INT64_MIN, 1000, -ERANGE, 0},
	    {INT64_MAX, 2, -ERANGE, 0}, /* overflows */
	    {INT64_MAX, INT64_MAX, -ERANGE, 0},
	    {(int64_t)1 << 62, 4, -ERANGE, 0},
	    {(int64_t)1 << 32, (int64_t)1 << 31, -ERANGE, 0},
	};

	for (size_t i = 0; i < N(cases); i++) {
		int64_t out = -12345;
		int rc = money_line_total(cases[i].price, cases[i].qty, &out);

		if (rc != cases[i].rc || (rc == 0 && out != cases[i].total))
			fail_msg("case %zu: %lld x %lld: got rc %d total %lld, want rc %d total "
				 "%lld",
				 i, (long long)cases[i].price, (long long)cases[i].qty, rc,
				 (long long)out, cases[i].rc, (long long)cases[i].total);
	}
}

/* Line totals agree with exact arithmetic over the whole range of inputs. */
static void test_line_total_matches_reference(void **state)
{
	uint64_t seed = 1;

	for (int i = 0; i < 20000; i++) {
		/* Prices of every size, up to the limit and a little above it. */
		int64_t price = random_below(&seed, (int64_t)1 << random_below(&seed, 56));
		int64_t qty = random_below(&seed, MONEY_QTY_MAX) + 1;
		wide want = wide_round((wide)price * qty, MONEY_QTY_ONE);
		int64_t out;
		int rc = money_line_total(price, qty, &out);

		if (want > MONEY_MAX) {
			if (rc != -ERANGE)
				fail_msg("%lld x %lld: want -ERANGE, got %d", (long long)price,
					 (long long)qty, rc);
		} else if (rc != 0 || out != (int64_t)want) {
			fail_msg("%lld x %lld: want %lld, got rc %d total %lld", (long long)price,
				 (long long)qty, (long long)want, rc, (long long)out);
		}
	}
}

struct tax_case {
	int64_t amount, rate, tax;
};

static void test_tax_included(void **state)
{
	static const struct tax_case cases[] = {
	    {1200, 2000, 200}, /* exact: 12.00 at 20 % holds 2.00 */
	    {120, 2000, 20},
	    {500, 2000, 83}, /* 83.33 */
	    {1949, 500, 93}, /* 92.81 */
	    {1050, 500, 50},
	    {1075, 750, 75},
	    {1, 2000, 0}, /* 0.1667 */
	    {2, 2000, 0}, /* 0.333 */
	    {3, 2000, 1}, /* exactly 0.5 */
	    {-3, 2000, -1},
	    {9, 2000, 2}, /* 1.5 */
	    {-9, 2000, -2},
	    {15, 2000, 3}, /* 2.5: away from zero, not to even */
	    {-15, 2000, -3},
	    {21, 2000, 4}, /* 3.5 */
	    {-21, 2000, -4},
	    {1, 10000, 1}, /* 0.5 at 100 % */
	    {-1, 10000, -1},
	    {3, 10000, 2}, /* 1.5 */
	    {-3, 10000, -2},
	    {2, 10000, 1},
	    {201, 100, 2}, /* 1.99 */
	    {-201, 100, -2},
	    {1000, 0, 0},
	    {-1000, 0, 0},
	    {0, 2000, 0},
	    {0, 10000, 0},
	    {MONEY_MAX, 2000, 1501199875790165LL},
	    {MONEY_MAX, 750, 628409250330767LL},
	    {-MONEY_MAX, 750, -628409250330767LL},
	    {INT64_MAX, 10000, 4611686018427387904LL}, /* no overflow even here */
	    {INT64_MIN, 10000, -4611686018427387904LL},
	    {INT64_MAX, 2000, 1537228672809129301LL},
	    {INT64_MIN, 2000, -1537228672809129301LL},
	    {INT64_MAX, 1, 922244979187559LL},
	    {1200, -1, 0}, /* a rate below 0 is taken as 0 */
	    {1200, -5, 0},
	    {3, 20000, 2},     /* and one above 100 % as 100 % */
	    {3, INT64_MIN, 0}, /* never a division by zero */
	};

	for (size_t i = 0; i < N(cases); i++) {
		int64_t tax = money_tax_included(cases[i].amount, cases[i].rate);

		if (tax != cases[i].tax)
			fail_msg("case %zu: tax in %lld at %lld bp: got %lld, want %lld", i,
				 (long long)cases[i].amount, (long long)cases[i].rate,
				 (long long)tax, (long long)cases[i].tax);
	}
}

/* Included tax agrees with exact arithmetic, and is symmetric in the sign. */
static void test_tax_matches_reference(void **state)
{
	static const int64_t rates[] = {0,    1,    500,  550,	700,  750,
					1000, 1900, 2000, 2100, 9999, 10000};
	uint64_t seed = 2;

	for (int i = 0; i < 20000; i++) {
		int64_t amount = random_below(&seed, (int64_t)1 << random_below(&seed, 63));
		int64_t rate = i % 2 ? rates[random_below(&seed, N(rates))]
				     : random_below(&seed, MONEY_RATE_MAX + 1);
		wide want = wide_round((wide)amount * rate, 10000 + rate);
		int64_t tax = money_tax_included(amount, rate);

		if (tax != (int64_t)want || money_tax_included(-amount, rate) != -tax)
			fail_msg("tax in %lld at %lld bp: want %lld, got %lld and %lld for the "
				 "negated amount",
				 (long long)amount, (long long)rate, (long long)want,
				 (long long)tax, (long long)money_tax_included(-amount, rate));
		/* The tax is never more than the share of the amount at that rate, rounded. */
		assert_true(tax <= amount / 2 + 1);
	}
}

struct parse_case {
	const char *text;
	int rc;
	int64_t value;
};

static void check_parse(const char *what, int (*parse)(const char *, int64_t *),
			const struct parse_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t out = -777;
		int rc = parse(cases[i].text, &out);

		if (rc != cases[i].rc)
			fail_msg("%s(\"%s\"): rc %d, want %d", what,
				 cases[i].text ? cases[i].text : "(null)", rc, cases[i].rc);
		if (rc == 0 && out != cases[i].value)
			fail_msg("%s(\"%s\"): %lld, want %lld", what, cases[i].text, (long long)out,
				 (long long)cases[i].value);
		if (rc != 0 && out != -777)
			fail_msg("%s(\"%s\"): failed but wrote its result", what,
				 cases[i].text ? cases[i].text : "(null)");
	}
}

static void test_parse(void **state)
{
	static const struct parse_case cases[] = {
	    {"12", 0, 1200},
	    {"12.5", 0, 1250},
	    {"12.50", 0, 1250},
	    {"0.05", 0, 5},
	    {"0.5", 0, 50},
	    {"0", 0, 0},
	    {"0.0", 0, 0},
	    {"0.00", 0, 0},
	    {"007", 0, 700},
	    {"1234567.89", 0, 123456789},
	    {"90071992547409.92", 0, MONEY_MAX},
	    {"00000000000000000000090071992547409.92", 0, MONEY_MAX},
	    {"90071992547409.93", -ERANGE, 0},
	    {"90071992547410", -ERANGE, 0},
	    {"99999999999999999999999999999999", -ERANGE, 0},
	    {"99999999999999999999999999999999.99", -ERANGE, 0},
	    /* Bad text is -EINVAL, even when also too big. */
	    {"99999999999999999999999999999999.999", -EINVAL, 0},
	    {"1,50", -EINVAL, 0},
	    {"1.505", -EINVAL, 0},
	    {"1.500", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"+1", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {" 1", -EINVAL, 0},
	    {"1 ", -EINVAL, 0},
	    {"1\n", -EINVAL, 0},
	    {"1e3", -EINVAL, 0},
	    {"0x10", -EINVAL, 0},
	    {".5", -EINVAL, 0},
	    {"1.", -EINVAL, 0},
	    {".", -EINVAL, 0},
	    {"1..5", -EINVAL, 0},
	    {"1.2.3", -EINVAL, 0},
	    {"12.5a", -EINVAL, 0},
	    {"1 000", -EINVAL, 0},
	    {"1'000", -EINVAL, 0},
	    {"1,000.00", -EINVAL, 0},
	    {"\xe2\x82\xac"
	     "1",
	     -EINVAL, 0},	      /* a euro sign */
	    {"\xd9\xa1", -EINVAL, 0}, /* an Arabic-Indic digit one */
	    {"inf", -EINVAL, 0},
	    {"NaN", -EINVAL, 0},
	    {NULL, -EINVAL, 0},
	};

	check_parse("money_parse", money_parse, cases, N(cases));
}

struct format_case {
	int64_t value;
	const char *text;
};

static void test_format(void **state)
{
	static const struct format_case cases[] = {
	    {1250, "12.50"},
	    {5, "0.05"},
	    {-5, "-0.05"},
	    {0, "0.00"},
	    {1, "0.01"},
	    {10, "0.10"},
	    {99, "0.99"},
	    {100, "1.00"},
	    {-100, "-1.00"},
	    {-1250, "-12.50"},
	    {123456789, "1234567.89"},
	    {MONEY_MAX, "90071992547409.92"},
	    {-MONEY_MAX, "-90071992547409.92"},
	    {INT64_MAX, "92233720368547758.07"},
	    {INT64_MIN, "-92233720368547758.08"},
	};
	char buf[MONEY_TEXT_MAX];

	for (size_t i = 0; i < N(cases); i++) {
		memset(buf, 'x', sizeof(buf));
		money_format(cases[i].value, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}

	/* A short buffer is cut, still terminated; a zero length writes nothing. */
	money_format(1250, buf, 5);
	assert_string_equal(buf, "12.5");
	buf[0] = 'x';
	money_format(1250, buf, 0);
	assert_int_equal(buf[0], 'x');
}

/* What money_format writes, money_parse reads back as the same amount. */
static void test_format_parse_round_trip(void **state)
{
	static const int64_t edges[] = {
	    0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1050, 123456, MONEY_MAX - 1, MONEY_MAX};
	char buf[MONEY_TEXT_MAX];
	uint64_t seed = 3;
	int64_t back;

	for (size_t i = 0; i < N(edges) + 5000; i++) {
		int64_t amount = i < N(edges)
				     ? edges[i]
				     : random_below(&seed, (int64_t)1 << random_below(&seed, 54));

		if (amount > MONEY_MAX)
			amount = MONEY_MAX;
		money_format(amount, buf, sizeof(buf));
		if (money_parse(buf, &back) != 0 || back != amount)
			fail_msg("%lld formats as \"%s\", which does not parse back",
				 (long long)amount, buf);
	}
}

static void test_qty_parse(void **state)
{
	static const struct parse_case cases[] = {
	    {"2", 0, 2000},
	    {"0.25", 0, 250},
	    {"1.125", 0, 1125},
	    {"1.5", 0, 1500},
	    {"0.001", 0, 1},
	    {"0.01", 0, 10},
	    {"1.000", 0, 1000},
	    {"1000000", 0, 1000000000},
	    {"1000000.000", 0, 1000000000},
	    {"1000000.001", -ERANGE, 0},
	    {"1000001", -ERANGE, 0},
	    {"99999999999999999999999", -ERANGE, 0},
	    {"0", -ERANGE, 0}, /* a line of nothing */
	    {"0.000", -ERANGE, 0},
	    {"1.1250", -EINVAL, 0},
	    {"0.0001", -EINVAL, 0},
	    {"-1", -EINVAL, 0},
	    {"+1", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {" 1", -EINVAL, 0},
	    {"1e3", -EINVAL, 0},
	    {"0x10", -EINVAL, 0},
	    {"1,5", -EINVAL, 0},
	    {".5", -EINVAL, 0},
	    {"2.", -EINVAL, 0},
	    {"2kg", -EINVAL, 0},
	    {NULL, -EINVAL, 0},
	};

	check_parse("money_qty_parse", money_qty_parse, cases, N(cases));
}

static void test_qty_format(void **state)
{
	static const struct format_case cases[] = {
	    {2000, "2"},
	    {250, "0.25"},
	    {1125, "1.125"},
	    {1, "0.001"},
	    {10, "0.01"},
	    {100, "0.1"},
	    {1500, "1.5"},
	    {1010, "1.01"},
	    {1000, "1"},
	    {0, "0"},
	    {-250, "-0.25"},
	    {1000000000, "1000000"},
	    {999999999, "999999.999"},
	};
	char buf[MONEY_TEXT_MAX];

	for (size_t i = 0; i < N(cases); i++) {
		memset(buf, 'x', sizeof(buf));
		money_qty_format(cases[i].value, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
	money_qty_format(INT64_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "-9223372036854775.808");
}

/* Every quantity up to 3 units, and random ones up to the limit, read back as written. */
static void test_qty_round_trip(void **state)
{
	char buf[MONEY_TEXT_MAX];
	uint64_t seed = 4;
	int64_t back;

	for (int64_t i = 1; i < 3000 + 5000; i++) {
		int64_t qty = i < 3000 ? i : random_below(&seed, MONEY_QTY_MAX) + 1;

		money_qty_format(qty, buf, sizeof(buf));
		if (money_qty_parse(buf, &back) != 0 || back != qty)
			fail_msg("%lld formats as \"%s\", which does not parse back",
				 (long long)qty, buf);
		/* The shortest text: no trailing zero after a point. */
		if (strchr(buf, '.') && buf[strlen(buf) - 1] == '0')
			fail_msg("%lld formats as \"%s\", with a trailing zero", (long long)qty,
				 buf);
	}
}

static void test_rate_parse(void **state)
{
	static const struct parse_case cases[] = {
	    {"20", 0, 2000},	  {"7.5", 0, 750},	  {"5.25", 0, 525},
	    {"0", 0, 0},	  {"0.01", 0, 1},	  {"100", 0, 10000},
	    {"100.00", 0, 10000}, {"100.01", -ERANGE, 0}, {"101", -ERANGE, 0},
	    {"2000", -ERANGE, 0}, {"5.255", -EINVAL, 0},  {"-5", -EINVAL, 0},
	    {"20%", -EINVAL, 0},  {"", -EINVAL, 0},	  {" 20", -EINVAL, 0},
	    {"1e1", -EINVAL, 0},  {"0x10", -EINVAL, 0},	  {"7,5", -EINVAL, 0},
	    {".5", -EINVAL, 0},	  {NULL, -EINVAL, 0},
	};

	check_parse("money_rate_parse", money_rate_parse, cases, N(cases));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_total),
	    cmocka_unit_test(test_line_total_matches_reference),
	    cmocka_unit_test(test_tax_included),
	    cmocka_unit_test(test_tax_matches_reference),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_format_parse_round_trip),
	    cmocka_unit_test(test_qty_parse),
	    cmocka_unit_test(test_qty_format),
	    cmocka_unit_test(test_qty_round_trip),
	    cmocka_unit_test(test_rate_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
