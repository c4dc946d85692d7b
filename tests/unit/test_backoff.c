/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/backoff.c: every delay lies in [d/2, d] with
 * d = min(cap, base * 2^n), the bounds are reached, nothing overflows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"

#define BASE 500
#define CAP  30000

/* Both ends, the first range's middle and one past it, and a spread. */
static const uint32_t randoms[] = {0, 1, 250, 251, 12345, 0x80000000u, 0xdeadbeefu, UINT32_MAX};

/* d = min(cap, base * 2^n), worked out in 64 bits with no shortcut. */
static uint64_t ceiling(uint64_t base, uint64_t cap, unsigned n)
{
	uint64_t d = base;

	for (unsigned i = 0; i < n && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

static void assert_delay(uint32_t delay, uint64_t d, unsigned n, uint32_t rnd)
{
	if (delay == 0 || delay > d || (uint64_t)delay * 2 < d)
		fail_msg("attempt %u, random %u: delay %u outside [%llu/2, %llu]", n, rnd, delay,
			 (unsigned long long)d, (unsigned long long)d);
}

static void test_delays_in_range(void **state)
{
	for (size_t r = 0; r < sizeof(randoms) / sizeof(randoms[0]); r++) {
		struct backoff b;

		backoff_init(&b, BASE, CAP);
		for (unsigned n = 0; n <= 20; n++) {
			uint32_t delay = backoff_next(&b, randoms[r]);

			assert_delay(delay, ceiling(BASE, CAP, n), n, randoms[r]);
			assert_true(delay <= CAP);
		}
	}
}

static void test_delays_grow_then_stop_at_cap(void **state)
{
	struct backoff b;
	/* The top of each range: 500, 1000, ..., 16000, then the cap. */
	const uint32_t want[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};

	backoff_init(&b, BASE, CAP);
	for (size_t n = 0; n < sizeof(want) / sizeof(want[0]); n++) {
		uint32_t d = want[n];

		assert_int_equal(backoff_next(&b, d / 2), d);
	}
}

static void test_bounds_reached(void **state)
{
	for (unsigned n = 0; n <= 20; n++) {
		uint32_t d = (uint32_t)ceiling(BASE, CAP, n);
		struct backoff lo, hi;

		backoff_init(&lo, BASE, CAP);
		backoff_init(&hi, BASE, CAP);
		for (unsigned i = 0; i < n; i++) {
			backoff_next(&lo, 0);
			backoff_next(&hi, 0);
		}
		assert_int_equal(backoff_next(&lo, 0), d - d / 2);
		assert_int_equal(backoff_next(&hi, d / 2), d);
	}
}

static void test_reset_starts_again(void **state)
{
	struct backoff b;
	uint32_t delay;

	backoff_init(&b, BASE, CAP);
	for (int i = 0; i < 10; i++)
		backoff_next(&b, UINT32_MAX);
	assert_true(backoff_next(&b, 0) >= CAP / 2);
	backoff_reset(&b);
	delay = backoff_next(&b, 0);
	assert_int_equal(delay, 250);
	backoff_reset(&b);
	delay = backoff_next(&b, 250);
	assert_int_equal(delay, 500);
	for (size_t r = 0; r < sizeof(randoms) / sizeof(randoms[0]); r++) {
		backoff_reset(&b);
		delay = backoff_next(&b, randoms[r]);
		assert_delay(delay, BASE, 0, randoms[r]);
		assert_delay(backoff_next(&b, randoms[r]), 2 * BASE, 1, randoms[r]);
	}
}

static void test_no_overflow_after_many_calls(void **state)
{
	struct backoff b;

	backoff_init(&b, BASE, CAP);
	for (unsigned n = 0; n < 1000; n++) {
		uint32_t rnd = randoms[n % (sizeof(randoms) / sizeof(randoms[0]))];

		assert_delay(backoff_next(&b, rnd), ceiling(BASE, CAP, n), n, rnd);
	}
	/* Still at the cap, both ends of its range. */
	assert_int_equal(backoff_next(&b, 0), CAP / 2);
	assert_int_equal(backoff_next(&b, CAP / 2), CAP);
}

static void test_no_overflow_near_uint32_max(void **state)
{
	struct backoff b;

	/* A cap at the top of the type: base * 2^n passes 2^32 on the way. */
	backoff_init(&b, BASE, UINT32_MAX);
	for (unsigned n = 0; n < 1000; n++) {
		uint32_t rnd = randoms[n % (sizeof(randoms) / sizeof(randoms[0]))];

		assert_delay(backoff_next(&b, rnd), ceiling(BASE, UINT32_MAX, n), n, rnd);
	}
	assert_int_equal(backoff_next(&b, UINT32_MAX / 2), UINT32_MAX);
	assert_int_equal(backoff_next(&b, 0), UINT32_MAX - UINT32_MAX / 2);

	/* d - d/2 is 2^31 and UINT32_MAX % (d/2 + 1) is 2^31 - 1: the sum is just in range. */
	backoff_init(&b, UINT32_MAX, UINT32_MAX);
	assert_int_equal(backoff_next(&b, UINT32_MAX), UINT32_MAX);
	assert_int_equal(backoff_next(&b, 0), 0x80000000u);
}

static void test_odd_and_tiny_settings(void **state)
{
	struct backoff b;

	/* Odd ceilings: the range is [d - d/2, d], so never below half. */
	backoff_init(&b, 333, 1001);
	for (unsigned n = 0; n <= 20; n++)
		assert_delay(backoff_next(&b, (uint32_t)n * 7919u), ceiling(333, 1001, n), n,
			     (uint32_t)n * 7919u);

	/* A base of 1 still never gives 0. */
	backoff_init(&b, 1, 1);
	for (int n = 0; n < 100; n++)
		assert_int_equal(backoff_next(&b, (uint32_t)n), 1);

	/* A base of 0 or a cap of 0 must not make a fleet reconnect in a tight loop. */
	backoff_init(&b, 0, 0);
	for (unsigned n = 0; n < 10; n++)
		assert_true(backoff_next(&b, n) > 0);
	backoff_init(&b, BASE, 0);
	for (unsigned n = 0; n < 10; n++) {
		uint32_t delay = backoff_next(&b, UINT32_MAX - n);

		assert_true(delay > 0 && delay <= BASE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delays_in_range),
	    cmocka_unit_test(test_delays_grow_then_stop_at_cap),
	    cmocka_unit_test(test_bounds_reached),
	    cmocka_unit_test(test_reset_starts_again),
	    cmocka_unit_test(test_no_overflow_after_many_calls),
	    cmocka_unit_test(test_no_overflow_near_uint32_max),
	    cmocka_unit_test(test_odd_and_tiny_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
