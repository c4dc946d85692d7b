/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/stock.c: the movements of an order, a movement made
 * by hand checked field by field, quantities and thresholds as people type
 * them, and what a level means (low, negative, crossing zero).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "stock.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static void test_order_movements(void **state)
{
	json_t *sale = parse("{\"status\": \"completed\", \"lines\": ["
			     "{\"sku\": \"COF\", \"qty\": 3000}, {\"sku\": \"BAN\", \"qty\": 250},"
			     "{\"sku\": \"COF\", \"qty\": 1000}]}");
	json_t *refund = parse("{\"type\": \"refund\", \"lines\": [{\"sku\": \"COF\", \"qty\": "
			       "1000, \"refLine\": 0}]}");
	json_t *other =
	    parse("{\"type\": \"void\", \"lines\": [{\"sku\": \"COF\", \"qty\": 1000}]}");
	const char *sku;
	int64_t qty, sum = 0;

	(void)state;
	assert_int_equal(stock_order_sign(sale), -1);
	assert_int_equal(stock_order_sign(refund), 1);
	assert_int_equal(stock_order_sign(other), 0);
	for (size_t i = 0; stock_order_line(sale, i, &sku, &qty) == 0; i++)
		if (strcmp(sku, "COF") == 0)
			sum += qty;
	assert_int_equal(sum, -4000);
	assert_int_equal(stock_order_line(sale, 1, &sku, &qty), 0);
	assert_string_equal(sku, "BAN");
	assert_int_equal(qty, -250); /* a weighed item: 0.25 kg */
	assert_int_equal(stock_order_line(sale, 3, &sku, &qty), -ENOENT);
	assert_int_equal(stock_order_line(refund, 0, &sku, &qty), 0);
	assert_int_equal(qty, 1000);
	assert_int_equal(stock_order_line(other, 0, &sku, &qty), 0);
	assert_int_equal(qty, 0);
	json_decref(sale);
	json_decref(refund);
	json_decref(other);
}

static void test_order_line_malformed(void **state)
{
	static const char *const bad[] = {
	    "{\"lines\": [{\"qty\": 1000}]}",
	    "{\"lines\": [{\"sku\": \"\", \"qty\": 1000}]}",
	    "{\"lines\": [{\"sku\": \"COF\", \"qty\": 0}]}",
	    "{\"lines\": [{\"sku\": \"COF\", \"qty\": 1.5}]}",
	    "{\"lines\": [{\"sku\": \"COF\", \"qty\": 1000000001}]}",
	};
	const char *sku;
	int64_t qty;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = parse(bad[i]);

		assert_int_equal(stock_order_line(o, 0, &sku, &qty), -EINVAL);
		json_decref(o);
	}
}

/* Each payload, and the field its refusal names ("" when accepted). */
static const struct {
	const char *payload, *field, *says;
} moves[] = {
    {"{\"sku\": \"COF\", \"qty\": 12000, \"kind\": \"receive\"}", "", NULL},
    {"{\"sku\": \"COF\", \"qty\": 12000, \"kind\": \"receive\", \"reason\": \"delivery 42\"}", "",
     NULL},
    {"{\"sku\": \"COF\", \"qty\": -2000, \"kind\": \"adjust\", \"reason\": \"broken\"}", "", NULL},
    {"{\"sku\": \"COF\", \"qty\": 500, \"kind\": \"adjust\", \"reason\": \"count\"}", "", NULL},
    {"{\"sku\": \"COF\", \"qty\": 1000000000, \"kind\": \"receive\", \"reason\": null}", "", NULL},
    {"{\"qty\": 1000, \"kind\": \"receive\"}", "sku", "missing"},
    {"{\"sku\": \"\", \"qty\": 1000, \"kind\": \"receive\"}", "sku", "empty"},
    {"{\"sku\": 7, \"qty\": 1000, \"kind\": \"receive\"}", "sku", "string"},
    {"{\"sku\": \"COF\", \"qty\": 0, \"kind\": \"receive\"}", "qty", "not 0"},
    {"{\"sku\": \"COF\", \"qty\": 1.5, \"kind\": \"receive\"}", "qty", "real"},
    {"{\"sku\": \"COF\", \"qty\": \"3\", \"kind\": \"receive\"}", "qty", "integer"},
    {"{\"sku\": \"COF\", \"qty\": 1000000001, \"kind\": \"receive\"}", "qty", "out of range"},
    {"{\"sku\": \"COF\", \"qty\": -1000000001, \"kind\": \"adjust\", \"reason\": \"x\"}", "qty",
     "out of range"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"receive\"}", "qty", "receiving adds"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"adjust\"}", "reason", "needs a reason"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"adjust\", \"reason\": \"   \"}", "reason",
     "needs a reason"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"adjust\", \"reason\": \"a\\nb\"}", "reason",
     "control"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"adjust\", \"reason\": 5}", "reason", "string"},
    {"{\"sku\": \"COF\", \"qty\": -1000, \"kind\": \"sale\"}", "kind", "by themselves"},
    {"{\"sku\": \"COF\", \"qty\": -1000}", "kind", "missing"},
};

static void test_move_decode(void **state)
{
	struct stock_move m;
	struct proto_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		json_t *p = parse(moves[i].payload);
		int rc = stock_move_decode(p, &m, &err);

		if (!moves[i].field[0]) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
			assert_string_equal(err.field, moves[i].field);
			if (!strstr(err.message, moves[i].says))
				fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.message,
					 moves[i].says);
		}
		json_decref(p);
	}
}

static void test_move_json_round_trip(void **state)
{
	struct stock_move m = {"COF", -2500, STOCK_KIND_ADJUST, "dropped a tray"}, back;
	struct proto_error err;
	json_t *p;

	(void)state;
	p = stock_move_json(&m);
	assert_non_null(p);
	assert_int_equal(stock_move_decode(p, &back, &err), 0);
	assert_string_equal(back.sku, m.sku);
	assert_int_equal(back.qty, m.qty);
	assert_string_equal(back.kind, m.kind);
	assert_string_equal(back.reason, m.reason);
	json_decref(p);
	m = (struct stock_move){"COF", 6000, STOCK_KIND_RECEIVE, ""};
	p = stock_move_json(&m);
	assert_null(json_object_get(p, "reason"));
	json_decref(p);
}

static void test_qty_parse(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t qty;
	} cases[] = {
	    {"5", 0, 5000},	    {"+2", 0, 2000},	 {"-1.5", 0, -1500},
	    {"0.250", 0, 250},	    {"-0.001", 0, -1},	 {"1000000", 0, 1000000000},
	    {"0", -ERANGE, 0},	    {"-0", -ERANGE, 0},	 {"1000000.001", -ERANGE, 0},
	    {"", -EINVAL, 0},	    {"-", -EINVAL, 0},	 {"1,5", -EINVAL, 0},
	    {"1.2345", -EINVAL, 0}, {"--1", -EINVAL, 0}, {"abc", -EINVAL, 0},
	};
	int64_t qty;

	(void)state;
	assert_int_equal(stock_qty_parse(NULL, &qty), -EINVAL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qty = 0;
		assert_int_equal(stock_qty_parse(cases[i].text, &qty), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(qty, cases[i].qty);
	}
}

static void test_threshold_parse(void **state)
{
	int set;
	int64_t v;

	(void)state;
	assert_int_equal(stock_threshold_parse("5", &set, &v), 0);
	assert_true(set && v == 5000);
	assert_int_equal(stock_threshold_parse("0", &set, &v), 0);
	assert_true(set && v == 0);
	assert_int_equal(stock_threshold_parse("0.0", &set, &v), 0);
	assert_true(set && v == 0);
	assert_int_equal(stock_threshold_parse("2.5", &set, &v), 0);
	assert_true(set && v == 2500);
	assert_int_equal(stock_threshold_parse("none", &set, &v), 0);
	assert_false(set);
	assert_int_equal(stock_threshold_parse("-1", &set, &v), -EINVAL);
	assert_false(set);
	assert_int_equal(stock_threshold_parse("two", &set, &v), -EINVAL);
	assert_int_equal(stock_threshold_parse("", &set, &v), -EINVAL);
	assert_int_equal(stock_threshold_parse("1000001", &set, &v), -ERANGE);
	assert_int_equal(stock_threshold_parse(NULL, &set, &v), -EINVAL);
}

static void test_state_and_crossing(void **state)
{
	struct stock_state s;

	(void)state;
	s = stock_state_of(5000, 0, 0);
	assert_false(s.low || s.negative);
	s = stock_state_of(5000, 1, 5000); /* at the threshold is low */
	assert_true(s.low && !s.negative);
	s = stock_state_of(5001, 1, 5000);
	assert_false(s.low);
	s = stock_state_of(-1, 0, 0);
	assert_true(!s.low && s.negative);
	s = stock_state_of(-1, 1, 0);
	assert_true(s.low && s.negative);
	s = stock_state_of(0, 1, 0);
	assert_true(s.low && !s.negative);

	assert_true(stock_crosses_zero(0, -1));
	assert_true(stock_crosses_zero(2000, -1000));
	assert_false(stock_crosses_zero(-1000, -2000)); /* negative already: flagged before */
	assert_false(stock_crosses_zero(-1000, 0));
	assert_false(stock_crosses_zero(1000, 0)); /* zero is not below zero */
	assert_false(stock_crosses_zero(0, 0));
}

/* Property: a ledger's level is the sum of its movements, whatever their order. */
static void test_level_is_the_sum_in_any_order(void **state)
{
	static const int64_t ledger[] = {12000, -3000, -250, 1000, -10000, 4000, -3750};
	int64_t forward = 0, backward = 0;
	int crossings = 0;
	size_t n = sizeof(ledger) / sizeof(ledger[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		crossings += stock_crosses_zero(forward, forward + ledger[i]);
		forward += ledger[i];
	}
	for (size_t i = n; i-- > 0;)
		backward += ledger[i];
	assert_int_equal(forward, backward);
	assert_int_equal(forward, 0);
	assert_int_equal(crossings, 1); /* 12 - 3 - 0.25 + 1 - 10 = -0.25: once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_movements),
	    cmocka_unit_test(test_order_line_malformed),
	    cmocka_unit_test(test_move_decode),
	    cmocka_unit_test(test_move_json_round_trip),
	    cmocka_unit_test(test_qty_parse),
	    cmocka_unit_test(test_threshold_parse),
	    cmocka_unit_test(test_state_and_crossing),
	    cmocka_unit_test(test_level_is_the_sum_in_any_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
