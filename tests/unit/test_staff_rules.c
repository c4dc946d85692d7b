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
	    cmocka_unit_test(test_grants_from_json),
	    cmocka_unit_test(test_no_escalation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
