/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/settings.c: the defaults per currency, the JSON
 * form in and out (every bad member refused by name, nothing changed), one
 * setting by name as the CLI takes it, tiers and the points a payment earns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "settings.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void defaults_follow_the_currency(void **state)
{
	struct store_settings s;

	(void)state;
	settings_defaults(&s, "USD");
	assert_string_equal(s.currency, "USD");
	assert_int_equal(s.ndenominations, 11);
	assert_int_equal(s.denominations[7], 25); /* the quarter */
	settings_defaults(&s, "XYZ");
	assert_int_equal(s.denominations[0], 50000);
	assert_int_equal(s.denominations[s.ndenominations - 1], 1);
	assert_int_equal(s.price_mode, PRICING_INCLUSIVE);
	assert_int_equal(s.cash_step, 1);
	for (size_t i = 1; i < s.ndenominations; i++)
		assert_true(s.denominations[i] < s.denominations[i - 1]);
}

static struct store_settings apply(const char *text, int expect_rc, const char *field)
{
	struct store_settings s, before;
	struct proto_error err;
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	settings_defaults(&s, "EUR");
	before = s;
	memset(&err, 0, sizeof(err));
	rc = settings_from_json(j, &s, &err);
	json_decref(j);
	assert_int_equal(rc, expect_rc);
	if (rc < 0) {
		assert_string_equal(err.field, field);
		assert_non_null(strstr(err.message, field));
		assert_memory_equal(&s, &before, sizeof(s)); /* unchanged */
	}
	return s;
}

static void bad_members_are_named(void **state)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
	    {"{\"cashStep\":0}", "cashStep"},
	    {"{\"cashStep\":100001}", "cashStep"},
	    {"{\"cashStep\":5.0}", "cashStep"},
	    {"{\"cashStep\":\"5\"}", "cashStep"},
	    {"{\"priceMode\":\"net\"}", "priceMode"},
	    {"{\"priceMode\":1}", "priceMode"},
	    {"{\"currency\":\"eur\"}", "currency"},
	    {"{\"denominations\":[]}", "denominations"},
	    {"{\"denominations\":{}}", "denominations"},
	    {"{\"denominations\":[500,0]}", "denominations[1]"},
	    {"{\"denominations\":[500,500]}", "denominations[1]"},
	    {"{\"denominations\":[5,10]}", "denominations[1]"},
	    {"{\"denominations\":[5,-1]}", "denominations[1]"},
	    {"{\"cashDifferenceLimit\":-1}", "cashDifferenceLimit"},
	    {"{\"loyalty\":[]}", "loyalty"},
	    {"{\"loyalty\":{\"points\":0}}", "loyalty.points"},
	    {"{\"loyalty\":{\"pointValue\":0}}", "loyalty.pointValue"},
	    {"{\"loyalty\":{\"spend\":-5}}", "loyalty.spend"},
	    {"{\"loyalty\":{\"rate\":5}}", "loyalty.rate"},
	    {"{\"tiers\":{\"silver\":5}}", "tiers.silver"},
	    {"{\"tiers\":{\"gold\":20000}}", "tiers.gold"},
	    {"{\"tiers\":{\"platinum\":1}}", "tiers.platinum"},
	    {"{\"cashstep\":5}", "cashstep"},
	    {"{\"priceMode\":\"exclusive\",\"cashStep\":0}", "cashStep"},
	};

	(void)state;
	for (size_t i = 0; i < N(cases); i++)
		apply(cases[i].json, -EINVAL, cases[i].field);
}

static void good_members_apply_and_round_trip(void **state)
{
	struct store_settings s, back;
	struct proto_error err;
	json_t *j;

	(void)state;
	s = apply("{\"priceMode\":\"exclusive\",\"cashStep\":5,\"denominations\":[2000,500,5],"
		  "\"loyalty\":{\"spend\":1000},\"tiers\":{\"bronze\":0}}",
		  0, NULL);
	assert_int_equal(s.price_mode, PRICING_EXCLUSIVE);
	assert_int_equal(s.cash_step, 5);
	assert_int_equal(s.ndenominations, 3);
	assert_int_equal(s.loyalty_spend, 1000);
	assert_int_equal(s.loyalty_points, 1); /* kept */
	assert_int_equal(s.tier_bronze, 0);
	assert_int_equal(s.tier_gold, 100000);
	j = settings_to_json(&s);
	assert_non_null(j);
	settings_defaults(&back, "EUR");
	assert_int_equal(settings_from_json(j, &back, &err), 0);
	json_decref(j);
	assert_memory_equal(&s, &back, sizeof(s));
}

static void from_text(void **state)
{
	struct store_settings s;
	struct proto_error err;

	(void)state;
	assert_int_equal(settings_from_text(NULL, "GBP", &s, &err), 0);
	assert_string_equal(s.currency, "GBP");
	assert_int_equal(settings_from_text("{\"cashStep\":10}", "EUR", &s, &err), 0);
	assert_int_equal(s.cash_step, 10);
	assert_int_equal(settings_from_text("{nope", "EUR", &s, &err), -EINVAL);
	assert_string_equal(err.field, "settings");
}

static void one_setting_by_name(void **state)
{
	struct store_settings s;
	struct proto_error err;

	(void)state;
	settings_defaults(&s, "EUR");
	assert_int_equal(settings_set(&s, "cashStep", "0.05", &err), 0);
	assert_int_equal(s.cash_step, 5);
	assert_int_equal(settings_set(&s, "priceMode", "exclusive", &err), 0);
	assert_int_equal(s.price_mode, PRICING_EXCLUSIVE);
	assert_int_equal(settings_set(&s, "denominations", "20,5,0.5", &err), 0);
	assert_int_equal(s.ndenominations, 3);
	assert_int_equal(s.denominations[2], 50);
	assert_int_equal(settings_set(&s, "loyalty.points", "3", &err), 0);
	assert_int_equal(s.loyalty_points, 3);
	assert_int_equal(settings_set(&s, "tiers.gold", "2000", &err), 0);
	assert_int_equal(s.tier_gold, 200000);

	assert_int_equal(settings_set(&s, "cashStep", "five", &err), -EINVAL);
	assert_string_equal(err.field, "cashStep");
	assert_int_equal(settings_set(&s, "denominations", "20,x", &err), -EINVAL);
	assert_string_equal(err.field, "denominations[1]");
	assert_int_equal(settings_set(&s, "loyalty.points", "3x", &err), -EINVAL);
	assert_string_equal(err.field, "loyalty.points");
	assert_int_equal(settings_set(&s, "volume", "11", &err), -EINVAL);
	assert_string_equal(err.field, "volume");
	assert_int_equal(settings_set(&s, "tiers.gold", "1", &err), -EINVAL);
	assert_string_equal(err.field, "tiers.gold");
	assert_int_equal(s.tier_gold, 200000); /* unchanged */
}

static void tiers_and_points(void **state)
{
	struct store_settings s;

	(void)state;
	settings_defaults(&s, "EUR");
	assert_string_equal(settings_tier(&s, 0), "Member");
	assert_string_equal(settings_tier(&s, 9999), "Member");
	assert_string_equal(settings_tier(&s, 10000), "Bronze");
	assert_string_equal(settings_tier(&s, 49999), "Bronze");
	assert_string_equal(settings_tier(&s, 50000), "Silver");
	assert_string_equal(settings_tier(&s, 100000), "Gold");
	assert_int_equal(settings_points_earned(&s, 0), 0);
	assert_int_equal(settings_points_earned(&s, -500), 0);
	assert_int_equal(settings_points_earned(&s, 99), 0);
	assert_int_equal(settings_points_earned(&s, 1999), 19);
	s.loyalty_spend = 1000;
	s.loyalty_points = 5;
	assert_int_equal(settings_points_earned(&s, 2999), 10);
	s.loyalty_spend = 0;
	assert_int_equal(settings_points_earned(&s, 1000000), 0);
	s.loyalty_spend = 1;
	s.loyalty_points = SETTINGS_POINTS_MAX;
	assert_true(settings_points_earned(&s, INT64_MAX) == INT64_MAX); /* no overflow */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_follow_the_currency),
	    cmocka_unit_test(bad_members_are_named),
	    cmocka_unit_test(good_members_apply_and_round_trip),
	    cmocka_unit_test(from_text),
	    cmocka_unit_test(one_setting_by_name),
	    cmocka_unit_test(tiers_and_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
