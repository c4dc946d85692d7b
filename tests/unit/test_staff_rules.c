/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/staff_rules.c: the PIN rule, the table of ops and
 * the permissions they need, and the no-escalation rule on role edits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "staff_rules.h"

static void test_pins(void **state)
{
	(void)state;
	assert_int_equal(staff_pin_valid("1234"), 0);
	assert_int_equal(staff_pin_valid("12345678"), 0);
	assert_int_equal(staff_pin_valid("123"), -EINVAL);
	assert_int_equal(staff_pin_valid("123456789"), -EINVAL);
	assert_int_equal(staff_pin_valid("12a4"), -EINVAL);
	assert_int_equal(staff_pin_valid(" 1234"), -EINVAL);
	assert_int_equal(staff_pin_valid(""), -EINVAL);
}

static void test_op_permissions(void **state)
{
	(void)state;
	assert_null(staff_op_permission("order.put"));
	assert_string_equal(staff_op_permission("order.release"), "order.void");
	assert_null(staff_op_permission("no.such.kind"));
}

/* What an order asks: its discounts and their depth, a refund. */
static void test_op_needs(void **state)
{
	static const struct {
		const char *kind, *payload;
		const char *perms; /* comma-joined, in order */
		int64_t bp;
	} cases[] = {
	    {"order.put", "{\"lines\": [{\"qty\": 1000, \"unitPrice\": 250}]}", "", 0},
	    {"order.release", "{}", "order.void", 0},
	    /* 0.25 off 2.50: 10 % exactly. */
	    {"order.put",
	     "{\"lines\": [{\"qty\": 1000, \"unitPrice\": 250, \"discount\": {\"kind\": "
	     "\"amount\", \"value\": 25}, \"discountAmount\": 25}]}",
	     "sale.discount.line", 1000},
	    /* 0.26 off 2.50 is 10.4 %: 1040 basis points. 1 off 3 rounds up to 3334. */
	    {"order.put",
	     "{\"lines\": [{\"qty\": 1000, \"unitPrice\": 250, \"discount\": {}, "
	     "\"discountAmount\": 26}]}",
	     "sale.discount.line", 1040},
	    {"order.put",
	     "{\"lines\": [{\"qty\": 1000, \"unitPrice\": 3, \"discount\": {}, "
	     "\"discountAmount\": 1}]}",
	     "sale.discount.line", 3334},
	    /* An order discount: each line's share against the line's gross. */
	    {"order.put",
	     "{\"discount\": {}, \"lines\": [{\"qty\": 2000, \"unitPrice\": 250, "
	     "\"orderShare\": 125}, {\"qty\": 1000, \"unitPrice\": 500, \"orderShare\": "
	     "125}]}",
	     "sale.discount.order", 2500},
	    {"order.put",
	     "{\"discount\": {}, \"lines\": [{\"qty\": 1000, \"unitPrice\": 1000, "
	     "\"discount\": {}, \"discountAmount\": 500, \"orderShare\": 100}]}",
	     "sale.discount.order,sale.discount.line", 6000},
	    {"order.put", "{\"type\": \"refund\", \"lines\": []}", "order.refund", 0},
	    /* Nonsense asks nothing more (the order check refuses it). */
	    {"order.put", "[1, 2]", "", 0},
	    {"order.put", "{\"lines\": [{\"qty\": -5, \"discount\": 3}]}", "", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *payload = json_loads(cases[i].payload, 0, NULL);
		struct staff_needs needs;
		char joined[128] = "";
		size_t used = 0;

		assert_non_null(payload);
		staff_op_needs(cases[i].kind, payload, &needs);
		for (int k = 0; k < needs.n && used < sizeof(joined); k++)
			used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s%s",
						 k ? "," : "", needs.perm[k]);
		if (strcmp(joined, cases[i].perms) != 0 || needs.discount_bp != cases[i].bp)
			fail_msg("case %zu: needs \"%s\" %lld bp, want \"%s\" %lld", i, joined,
				 (long long)needs.discount_bp, cases[i].perms,
				 (long long)cases[i].bp);
		json_decref(payload);
	}
}

static void test_allows(void **state)
{
	json_t *cashier = json_loads("[\"sale.discount.line\"]", 0, NULL);
	struct staff_needs needs = {{"sale.discount.line"}, 1, 1000, 0};
	const char *missing;

	(void)state;
	assert_true(staff_allows(cashier, 10, &needs, &missing));
	assert_null(missing);
	needs.discount_bp = 1001;
	assert_false(staff_allows(cashier, 10, &needs, &missing));
	assert_string_equal(missing, "discount ceiling");
	needs.perm[1] = "order.refund";
	needs.n = 2;
	assert_false(staff_allows(cashier, 100, &needs, &missing));
	assert_string_equal(missing, "order.refund");
	json_decref(cashier);
}

static void test_grants_from_json(void **state)
{
	json_t *p = json_loads("[\"order.*\", \"cash.in\"]", 0, NULL);

	(void)state;
	assert_true(staff_grants(p, "order.void"));
	assert_true(staff_grants(p, "cash.in"));
	assert_false(staff_grants(p, "cash.out"));
	assert_false(staff_grants(NULL, "cash.in"));
	json_decref(p);
	p = json_loads("[1]", 0, NULL);
	assert_false(staff_grants(p, "cash.in"));
	json_decref(p);
}

static void test_no_escalation(void **state)
{
	const char *manager[] = {"order.*", "cash.*", "staff.manage"};
	const char *ok[] = {"order.void", "cash.in"};
	const char *wildcard[] = {"*"};
	const char *audit[] = {"audit.view"};
	char err[256];

	(void)state;
	assert_int_equal(staff_no_escalation(manager, 3, ok, 2, err, sizeof(err)), 0);
	assert_int_equal(staff_no_escalation(manager, 3, audit, 1, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "audit.view"));
	assert_int_equal(staff_no_escalation(manager, 3, wildcard, 1, err, sizeof(err)), -EPERM);
	assert_int_equal(staff_no_escalation(wildcard, 1, wildcard, 1, err, sizeof(err)), 0);
	assert_int_equal(staff_no_escalation(manager, 3, NULL, 0, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pins),
	    cmocka_unit_test(test_op_permissions),
	    cmocka_unit_test(test_op_needs),
	    cmocka_unit_test(test_allows),
	    cmocka_unit_test(test_grants_from_json),
	    cmocka_unit_test(test_no_escalation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
