/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/refund.c: a refund's lines from its sale and the
 * earlier refunds, never more than was sold, the hub's re-check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "refund.h"

#define SALE_ID "01890a5d-ac96-774b-bcce-b302099a8057"
#define AT	1700000000000LL

/* 3 coffees at 2.50 (20 %), sold with 0.50 off: 7.00, tax 1.17; a bag at 0.10. */
static const char sale_text[] =
    "{\"status\": \"completed\", \"receipt\": \"SHOP-T01-000007\", \"lines\": ["
    "{\"sku\": \"COF\", \"name\": \"Coffee\", \"qty\": 3000, \"unitPrice\": 250, "
    "\"taxRate\": 2000, \"lineTotal\": 700, \"tax\": 117},"
    "{\"sku\": \"BAG\", \"name\": \"Bag\", \"qty\": 1000, \"unitPrice\": 10, "
    "\"taxRate\": 0, \"lineTotal\": 10, \"tax\": 0}], \"total\": 710, \"taxTotal\": 117}";

static json_t *sale(void)
{
	json_t *s = json_loads(sale_text, 0, NULL);

	assert_non_null(s);
	return s;
}

static json_t *build(json_t *s, json_t **earlier, int n, const struct refund_req *reqs, int nreqs,
		     struct proto_error *err, int want)
{
	json_t *out = NULL;

	assert_int_equal(refund_build(s, SALE_ID, earlier, n, reqs, nreqs, AT, &out, err), want);
	return out;
}

static void test_one_coffee_then_the_rest(void **state)
{
	struct refund_req one = {0, 1000};
	struct proto_error err;
	json_t *s = sale(), *r1, *r2, *line;

	(void)state;
	r1 = build(s, NULL, 0, &one, 1, &err, 0);
	assert_string_equal(json_string_value(json_object_get(r1, "type")), "refund");
	assert_string_equal(json_string_value(json_object_get(r1, "refundOf")), SALE_ID);
	assert_string_equal(json_string_value(json_object_get(r1, "refundOfReceipt")),
			    "SHOP-T01-000007");
	line = json_array_get(json_object_get(r1, "lines"), 0);
	/* 700 / 3 = 233.33: 233; tax 117 / 3 = 39. */
	assert_int_equal(json_integer_value(json_object_get(line, "lineTotal")), 233);
	assert_int_equal(json_integer_value(json_object_get(line, "tax")), 39);
	assert_int_equal(json_integer_value(json_object_get(line, "refLine")), 0);
	assert_int_equal(json_integer_value(json_object_get(r1, "total")), 233);
	assert_int_equal(refund_check(s, NULL, 0, r1, &err), 0);

	/* Everything left: 2 coffees at exactly 700 - 233, and the bag. */
	r2 = build(s, &r1, 1, NULL, 0, &err, 0);
	assert_int_equal(json_array_size(json_object_get(r2, "lines")), 2);
	line = json_array_get(json_object_get(r2, "lines"), 0);
	assert_int_equal(json_integer_value(json_object_get(line, "qty")), 2000);
	assert_int_equal(json_integer_value(json_object_get(line, "lineTotal")), 467);
	assert_int_equal(json_integer_value(json_object_get(line, "tax")), 78);
	assert_int_equal(json_integer_value(json_object_get(r2, "total")), 477);
	assert_int_equal(refund_check(s, &r1, 1, r2, &err), 0);

	/* Nothing is left. */
	{
		json_t *both[] = {r1, r2};

		assert_null(build(s, both, 2, NULL, 0, &err, -EINVAL));
		assert_string_equal(err.field, "lines");
		/* r2 again, after both: the hub's re-check calls it an over-refund. */
		assert_int_equal(refund_check(s, both, 2, r2, &err), -EINVAL);
		assert_string_equal(err.field, "payload.lines[0].qty");
	}
	json_decref(r1);
	json_decref(r2);
	json_decref(s);
}

static void test_refused(void **state)
{
	static const struct {
		struct refund_req reqs[2];
		int n;
		const char *field, *needle;
	} cases[] = {
	    {{{0, 3001}}, 1, "lines[0].qty", "more than is left"},
	    {{{2, 1000}}, 1, "lines[0].line", "no line 3"},
	    {{{-1, 1000}}, 1, "lines[0].line", NULL},
	    {{{0, 0}}, 1, "lines[0].qty", NULL},
	    {{{1, 1000}, {1, 1000}}, 2, "lines[1].line", "twice"},
	};
	struct proto_error err;
	json_t *s = sale(), *open;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_null(build(s, NULL, 0, cases[i].reqs, cases[i].n, &err, -EINVAL));
		if (strcmp(err.field, cases[i].field) != 0 ||
		    (cases[i].needle && !strstr(err.message, cases[i].needle)))
			fail_msg("case %zu: %s: %s", i, err.field, err.message);
	}
	/* Only a completed sale is refunded. */
	open = json_deep_copy(s);
	json_object_set_new(open, "status", json_string("open"));
	assert_null(build(open, NULL, 0, NULL, 0, &err, -EINVAL));
	assert_string_equal(err.field, "refundOf");
	json_object_set_new(open, "status", json_string("completed"));
	json_object_set_new(open, "type", json_string("refund"));
	assert_null(build(open, NULL, 0, NULL, 0, &err, -EINVAL));
	json_decref(open);
	json_decref(s);
}

static void test_check_catches_a_changed_line(void **state)
{
	struct refund_req one = {0, 1000};
	struct proto_error err;
	json_t *s = sale(), *r, *line;

	(void)state;
	r = build(s, NULL, 0, &one, 1, &err, 0);
	line = json_array_get(json_object_get(r, "lines"), 0);
	json_object_set_new(line, "lineTotal", json_integer(250));
	assert_int_equal(refund_check(s, NULL, 0, r, &err), -EINVAL);
	assert_string_equal(err.field, "payload.lines[0].lineTotal");
	json_object_set_new(line, "lineTotal", json_integer(233));
	json_object_set_new(line, "unitPrice", json_integer(1));
	assert_int_equal(refund_check(s, NULL, 0, r, &err), -EINVAL);
	assert_string_equal(err.field, "payload.lines[0]");
	json_object_set_new(line, "unitPrice", json_integer(250));
	json_object_set_new(line, "refLine", json_integer(7));
	assert_int_equal(refund_check(s, NULL, 0, r, &err), -EINVAL);
	assert_string_equal(err.field, "payload.lines[0].refLine");
	json_decref(r);
	json_decref(s);
}

/* Property: any sequence of partial refunds never passes the sale, and all of them add up. */
static void test_partial_refunds_add_up(void **state)
{
	struct proto_error err;
	json_t *s = sale(), *earlier[64];
	uint32_t x = 2463534242u;

	(void)state;
	for (int round = 0; round < 200; round++) {
		int n = 0;
		int64_t total = 0, tax = 0;

		for (;;) {
			struct refund_req req;
			json_t *r;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			req.line = (int)(x % 2);
			req.qty = 1 + (int64_t)(x % 1500);
			if (refund_build(s, SALE_ID, earlier, n, &req, 1, AT, &r, &err) < 0) {
				/* Over what is left: give back all that is left instead. */
				if (refund_build(s, SALE_ID, earlier, n, NULL, 0, AT, &r, &err) < 0)
					break;
			}
			assert_int_equal(refund_check(s, earlier, n, r, &err), 0);
			total += json_integer_value(json_object_get(r, "total"));
			tax += json_integer_value(json_object_get(r, "taxTotal"));
			assert_true(total <= 710 && tax <= 117);
			assert_true(n < 64);
			earlier[n++] = r;
		}
		assert_int_equal(total, 710);
		assert_int_equal(tax, 117);
		for (int i = 0; i < n; i++)
			json_decref(earlier[i]);
	}
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_coffee_then_the_rest),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_check_catches_a_changed_line),
	    cmocka_unit_test(test_partial_refunds_add_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
