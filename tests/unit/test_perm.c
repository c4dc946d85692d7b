/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/perm.c: the wildcard rules, the validator that turns
 * a typo in a role into an error naming it, and the permission matrix of each
 * built-in role (owner, manager, cashier), one row per permission.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "perm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct match_case {
	const char *pattern;
	const char *name;
	bool granted;
};

static const struct match_case match_cases[] = {
    {"order.refund", "order.refund", true},
    {"order.refund", "order.void", false},
    {"order.refund", "order.refund.x", false},
    {"*", "order.refund", true},
    {"*", "audit.view", true},
    {"order.*", "order.void", true},
    {"order.*", "order.claim.force", true}, /* any depth */
    {"order.*", "order", false},	    /* not the prefix itself */
    {"order.*", "order.", false},
    {"order.*", "orders.void", false}, /* whole segments only */
    {"order.*", "cash.open", false},
    {"order.claim.*", "order.claim.force", true},
    {"order.claim.*", "order.void", false},
    {"sale.*", "sale.discount.line", true},
    {"sale.discount.*", "sale.discount.order", true},
    {"sale.discount.*", "sale.discountx", false},
    {"cash.*", "drawer.open", false},
    {"", "order.void", false},
};

static void test_wildcards(void **state)
{
	for (size_t i = 0; i < N(match_cases); i++) {
		const struct match_case *c = &match_cases[i];

		if (perm_match(c->pattern, c->name) != c->granted)
			fail_msg("pattern \"%s\" on \"%s\": expected %s", c->pattern, c->name,
				 c->granted ? "granted" : "refused");
	}
}

static void test_granted_any_of_list(void **state)
{
	const char *const list[] = {"cash.in", "order.*"};

	assert_true(perm_granted(list, 2, "cash.in"));
	assert_true(perm_granted(list, 2, "order.refund"));
	assert_false(perm_granted(list, 2, "cash.out"));
	assert_false(perm_granted(list, 0, "cash.in"));
}

static void test_validator(void **state)
{
	static const char *const good[] = {
	    "*",      "order.refund",	 "order.*",    "order.claim.*",
	    "sale.*", "sale.discount.*", "audit.view", "cash.payout"};
	static const char *const bad[] = {
	    "",	      "ordr.refund", "cash.payot",  "ordr.*",	  "order",
	    "order.", "order.**",    "*.refund",    ".*",	  "order.refund.*",
	    "**",     " order.void", "order.void ", "ORDER.VOID",
	};
	char err[256] = "";

	for (size_t i = 0; i < N(good); i++)
		if (perm_pattern_valid(good[i]) != 0)
			fail_msg("\"%s\" should be valid", good[i]);
	for (size_t i = 0; i < N(bad); i++)
		if (perm_pattern_valid(bad[i]) == 0)
			fail_msg("\"%s\" should be invalid", bad[i]);
	for (size_t i = 0; perm_names[i]; i++)
		assert_int_equal(perm_pattern_valid(perm_names[i]), 0);

	const char *const role[] = {"order.*", "cash.payot", "drawer.open"};

	assert_int_equal(perm_list_valid(role, 3, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"cash.payot\" is not a permission"));
	assert_int_equal(perm_list_valid(role, 1, err, sizeof(err)), 0);
}

/* The matrix: for each permission, is it granted to owner, manager, cashier? */
struct matrix_row {
	const char *name;
	bool owner, manager, cashier;
};

static const struct matrix_row matrix[] = {
    {"sale.discount.line", true, true, true}, {"sale.discount.order", true, true, false},
    {"order.void", true, true, false},	      {"order.refund", true, true, false},
    {"order.claim.force", true, true, false}, {"cash.open", true, true, true},
    {"cash.close", true, true, true},	      {"cash.in", true, true, true},
    {"cash.out", true, true, false},	      {"cash.payout", true, true, false},
    {"drawer.open", true, true, false},	      {"catalog.edit", true, true, false},
    {"staff.manage", true, true, false},      {"terminals.manage", true, true, false},
    {"reports.view", true, true, false},      {"upstream.resolve", true, true, false},
    {"audit.view", true, false, false},	      {"settings.edit", true, false, false},
    {"alerts.resolve", true, false, false},
};

static const struct perm_role *role_named(const char *name)
{
	for (size_t i = 0; i < PERM_BUILTIN_ROLES; i++)
		if (strcmp(perm_builtin_roles[i].name, name) == 0)
			return &perm_builtin_roles[i];
	fail_msg("no built-in role %s", name);
	return NULL;
}

static bool role_grants(const char *role, const char *name)
{
	const struct perm_role *r = role_named(role);
	size_t n = 0;

	while (r->patterns[n])
		n++;
	return perm_granted(r->patterns, n, name);
}

static void test_builtin_matrix(void **state)
{
	size_t known = 0;

	for (size_t i = 0; i < N(matrix); i++) {
		const struct matrix_row *m = &matrix[i];

		assert_true(perm_known(m->name));
		if (role_grants("owner", m->name) != m->owner ||
		    role_grants("manager", m->name) != m->manager ||
		    role_grants("cashier", m->name) != m->cashier)
			fail_msg("%s: expected owner %d, manager %d, cashier %d", m->name, m->owner,
				 m->manager, m->cashier);
	}
	/* The matrix covers every known permission, so a new one needs a row. */
	while (perm_names[known])
		known++;
	assert_int_equal(known, N(matrix));
	assert_int_equal(role_named("owner")->discount_ceiling, 100);
	assert_int_equal(role_named("manager")->discount_ceiling, 50);
	assert_int_equal(role_named("cashier")->discount_ceiling, 10);
}

static void test_builtin_roles_valid(void **state)
{
	char err[256];

	for (size_t i = 0; i < PERM_BUILTIN_ROLES; i++) {
		const struct perm_role *r = &perm_builtin_roles[i];
		size_t n = 0;

		while (r->patterns[n])
			n++;
		if (perm_list_valid(r->patterns, n, err, sizeof(err)) != 0)
			fail_msg("role %s: %s", r->name, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wildcards),		cmocka_unit_test(test_granted_any_of_list),
	    cmocka_unit_test(test_validator),		cmocka_unit_test(test_builtin_matrix),
	    cmocka_unit_test(test_builtin_roles_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
