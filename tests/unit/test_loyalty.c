/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/loyalty.c and the loyalty rules of
 * common/settings.c: points earned by the store's rule, redemption in whole
 * points, a refund's proportional takeback, tiers, the ledger entry of an
 * order, the customer record's checks and last writer wins.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "loyalty.h"
#include "settings.h"

#define AT 1700000000000LL

static void test_points_earned_by_the_rule(void **state)
{
	struct store_settings s;

	(void)state;
	settings_defaults(&s, "EUR");
	s.loyalty_spend = 100;
	s.loyalty_points = 2;
	/* {paid, points}: whole steps only, nothing for nothing. */
	static const int64_t cases[][2] = {{0, 0},	 {-500, 0}, {99, 0},
					   {100, 2},	 {199, 2},  {500, 10},
					   {12345, 246}, {1, 0},    {100000, 2000}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(settings_points_earned(&s, cases[i][0]), cases[i][1]);
	s.loyalty_spend = 0; /* earning off */
	assert_int_equal(settings_points_earned(&s, 100000), 0);
}

static void test_redemption_is_whole_points(void **state)
{
	struct proto_error err;
	int64_t points = -1;

	(void)state;
	assert_int_equal(loyalty_points_for(100, 5, &points, "payments", &err), 0);
	assert_int_equal(points, 20);
	assert_int_equal(loyalty_points_for(0, 5, &points, "payments", &err), 0);
	assert_int_equal(points, 0);
	assert_int_equal(loyalty_points_for(103, 5, &points, "payments", &err), -EINVAL);
	assert_string_equal(err.field, "payments");
	assert_non_null(strstr(err.message, "whole number of points"));
	assert_int_equal(loyalty_points_for(100, 0, &points, "payments", &err), -EINVAL);
}

static void test_refund_takes_back_in_proportion(void **state)
{
	(void)state;
	/* A sale of 5.00 that earned 10: half back takes 5. */
	assert_int_equal(loyalty_refund_takeback(10, 500, 250, 0), 5);
	/* Three thirds of 7 points: 2 (2.33), then 5 − 2 = 3 (4.67 → 5), then the last 2. */
	assert_int_equal(loyalty_refund_takeback(7, 300, 100, 0), 2);
	assert_int_equal(loyalty_refund_takeback(7, 300, 200, 2), 3);
	assert_int_equal(loyalty_refund_takeback(7, 300, 300, 5), 2);
	/* Never more than earned, nothing when nothing was earned. */
	assert_int_equal(loyalty_refund_takeback(7, 300, 400, 5), 2);
	assert_int_equal(loyalty_refund_takeback(7, 300, 300, 7), 0);
	assert_int_equal(loyalty_refund_takeback(0, 300, 300, 0), 0);
	/* Half a point rounds away from zero: 1 point of 2.00, 1.00 back. */
	assert_int_equal(loyalty_refund_takeback(1, 200, 100, 0), 1);
	/* Large numbers do not overflow. */
	assert_int_equal(loyalty_refund_takeback(1LL << 52, 1LL << 52, 1LL << 51, 0), 1LL << 51);
}

static json_t *doc(const char *text);

static void test_points_discount_goes_back_in_proportion(void **state)
{
	/*
	 * {points, sale total, refunded in all, sold qty, refunded qty, given
	 * before, back now}: by money while the sale had a total, by quantity
	 * when the points paid for all of it, the rest with the last refund.
	 */
	static const int64_t rows[][7] = {
	    {0, 1000, 500, 2000, 1000, 0, 0},	     /* no points discount */
	    {200, 1000, 500, 2000, 1000, 0, 100},    /* half the money: half the points */
	    {200, 1000, 1000, 2000, 2000, 100, 100}, /* the rest */
	    {7, 300, 100, 3000, 1000, 0, 2},	     /* thirds: 2.33 → 2 */
	    {7, 300, 200, 3000, 2000, 2, 3},	     /* 4.67 → 5 in all */
	    {7, 300, 300, 3000, 3000, 5, 2},	     /* exactly what is left */
	    {7, 300, 299, 3000, 3000, 5, 2},	     /* nothing left by quantity: all of it */
	    {1, 200, 100, 2000, 1000, 0, 1},	     /* half a point rounds away from zero */
	    {300, 0, 0, 3000, 1000, 0, 100},	     /* all paid with points: by quantity */
	    {300, 0, 0, 3000, 3000, 100, 200},	     /* the last of it */
	    {300, 0, 0, 3000, 3000, 300, 0},	     /* nothing left to give */
	    {50, 1000, 1200, 2000, 2000, 60, 0},     /* over-given before (two tills): none */
	    {1LL << 52, 1LL << 52, 1LL << 51, 2000, 1000, 0, 1LL << 51}, /* no overflow */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const int64_t *r = rows[i];

		assert_int_equal(loyalty_refund_points_back(r[0], r[1], r[2], r[3], r[4], r[5]),
				 r[6]);
	}
}

static void test_points_discount_marked(void **state)
{
	int64_t points = -1, value = -1;
	json_t *o;

	(void)state;
	o = doc("{\"discount\": {\"kind\": \"amount\", \"value\": 150}}");
	assert_int_equal(loyalty_points_discount(o, &points, &value), 0);
	assert_int_equal(loyalty_points_discount_mark(o, 29, 5), -EINVAL); /* 145, not 150 */
	assert_int_equal(loyalty_points_discount_mark(o, 30, 5), 0);
	assert_int_equal(loyalty_points_discount(o, &points, &value), 1);
	assert_int_equal(points, 30);
	assert_int_equal(value, 5);
	json_decref(o);
	o = doc("{\"discount\": {\"kind\": \"percent\", \"value\": 1000}}");
	assert_int_equal(loyalty_points_discount_mark(o, 1000, 1), -EINVAL);
	json_decref(o);
	o = doc("{}");
	assert_int_equal(loyalty_points_discount_mark(o, 1, 1), -EINVAL);
	assert_int_equal(loyalty_points_discount(o, &points, &value), 0);
	json_decref(o);
}

static void test_tiers_by_lifetime_spend(void **state)
{
	struct store_settings s;

	(void)state;
	settings_defaults(&s, "EUR");
	s.tier_bronze = 500;
	s.tier_silver = 1000;
	s.tier_gold = 2000;
	assert_string_equal(settings_tier(&s, 0), "Member");
	assert_string_equal(settings_tier(&s, -100), "Member");
	assert_string_equal(settings_tier(&s, 499), "Member");
	assert_string_equal(settings_tier(&s, 500), "Bronze");
	assert_string_equal(settings_tier(&s, 999), "Bronze");
	assert_string_equal(settings_tier(&s, 1000), "Silver");
	assert_string_equal(settings_tier(&s, 2000), "Gold");
	assert_string_equal(settings_tier(&s, 1LL << 50), "Gold");
}

static json_t *doc(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void test_ledger_entry_of_an_order(void **state)
{
	struct loyalty_entry e;
	json_t *sale, *refund, *plain;

	(void)state;
	sale = doc("{\"customer\": \"01890a5d-ac96-774b-bcce-b302099a8057\", \"loyalty\": "
		   "{\"earned\": 8, \"redeemed\": 20}, \"payments\": [{\"tender\": \"points\", "
		   "\"amount\": 100}, {\"tender\": \"cash\", \"amount\": 450}, {\"tender\": "
		   "\"card\", \"amount\": 350}]}");
	assert_int_equal(loyalty_entry_of(sale, &e), 1);
	assert_int_equal(e.earned, 8);
	assert_int_equal(e.redeemed, 20);
	assert_int_equal(e.spend, 800); /* money, not points */
	assert_int_equal(loyalty_points_paid(sale), 100);
	refund =
	    doc("{\"type\": \"refund\", \"customer\": \"01890a5d-ac96-774b-bcce-b302099a8057\", "
		"\"loyalty\": {\"earned\": -4, \"redeemed\": 0}, \"payments\": [{\"tender\": "
		"\"cash\", \"amount\": 250}]}");
	assert_int_equal(loyalty_entry_of(refund, &e), 1);
	assert_int_equal(e.earned, -4);
	assert_int_equal(e.spend, -250);
	plain = doc("{\"payments\": [{\"tender\": \"cash\", \"amount\": 250}]}");
	assert_int_equal(loyalty_entry_of(plain, &e), 0);
	json_decref(sale);
	json_decref(refund);
	json_decref(plain);
}

static void test_loyalty_member_checked(void **state)
{
	struct proto_error err;
	static const struct {
		const char *text, *field;
	} cases[] = {
	    {"{}", NULL},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": 1, \"redeemed\": 0}}", NULL},
	    {"{\"loyalty\": {\"earned\": 1, \"redeemed\": 0}}", "payload.customer"},
	    {"{\"customer\": \"x\", \"loyalty\": 5}", "payload.loyalty"},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": -1, \"redeemed\": 0}}",
	     "payload.loyalty.earned"},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": 1}}", "payload.loyalty.redeemed"},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": 1.5, \"redeemed\": 0}}",
	     "payload.loyalty.earned"},
	    {"{\"type\": \"refund\", \"customer\": \"x\", \"loyalty\": {\"earned\": -3, "
	     "\"redeemed\": -2}}",
	     NULL},
	    {"{\"type\": \"refund\", \"customer\": \"x\", \"loyalty\": {\"earned\": 3, "
	     "\"redeemed\": 0}}",
	     "payload.loyalty.earned"},
	    /* A discount paid with points: 30 points at 5 is 150 off. */
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}}",
	     NULL},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}, \"loyalty\": "
	     "{\"earned\": 4, \"redeemed\": 30, \"balance\": 10}}",
	     NULL},
	    /* ... and 20 more paid as a tender of 1.00: 50 redeemed in all. */
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}, \"payments\": "
	     "[{\"tender\": \"points\", \"amount\": 100}], \"loyalty\": {\"earned\": 0, "
	     "\"redeemed\": 50}}",
	     NULL},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}, \"loyalty\": "
	     "{\"earned\": 4, \"redeemed\": 0}}",
	     "payload.loyalty.redeemed"},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 100, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}}",
	     "payload.discount.value"},
	    {"{\"discount\": {\"kind\": \"amount\", \"value\": 150, \"source\": \"points\", "
	     "\"points\": 30, \"pointValue\": 5}}",
	     "payload.customer"},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"percent\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30, \"pointValue\": 5}}",
	     "payload.discount.kind"},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 30.0, \"pointValue\": 5}}",
	     "payload.discount.points"},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"points\", \"points\": 150}}",
	     "payload.discount.pointValue"},
	    {"{\"customer\": \"x\", \"discount\": {\"kind\": \"amount\", \"value\": 150, "
	     "\"source\": \"voucher\"}}",
	     "payload.discount.source"},
	    {"{\"customer\": \"x\", \"lines\": [{}, {\"discount\": {\"kind\": \"amount\", "
	     "\"value\": 5, \"source\": \"points\", \"points\": 1, \"pointValue\": 5}}]}",
	     "payload.lines[1].discount.source"},
	    {"{\"type\": \"refund\", \"customer\": \"x\", \"loyalty\": {\"earned\": -1, "
	     "\"redeemed\": -12, \"discountPoints\": -10}}",
	     NULL},
	    {"{\"type\": \"refund\", \"customer\": \"x\", \"loyalty\": {\"earned\": -1, "
	     "\"redeemed\": -2, \"discountPoints\": -10}}",
	     "payload.loyalty.discountPoints"},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": 1, \"redeemed\": 0, "
	     "\"discountPoints\": 0}}",
	     "payload.loyalty.discountPoints"},
	    {"{\"customer\": \"x\", \"loyalty\": {\"earned\": 1, \"redeemed\": 0, "
	     "\"balance\": \"7\"}}",
	     "payload.loyalty.balance"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = doc(cases[i].text);
		int rc = loyalty_check(o, &err);

		if (cases[i].field) {
			assert_int_equal(rc, -EINVAL);
			assert_string_equal(err.field, cases[i].field);
		} else {
			assert_int_equal(rc, 0);
		}
		json_decref(o);
	}
}

static void test_customer_fields(void **state)
{
	struct proto_error err;
	struct customer c;
	static const struct {
		const char *text, *field;
	} cases[] = {
	    {"{\"name\": \"Ann\", \"createdAt\": 1700000000000, \"updatedAt\": 1700000000000}",
	     NULL},
	    {"{\"name\": \"Ann\", \"phone\": \"+44 (20) 7946-0958\", \"email\": \"a.b@c.de\", "
	     "\"card\": \"LC-1_2\", \"createdAt\": 1700000000000, \"updatedAt\": 1700000000001}",
	     NULL},
	    {"{\"name\": \"\", \"createdAt\": 1700000000000, \"updatedAt\": 1700000000000}",
	     "name"},
	    {"{\"createdAt\": 1700000000000, \"updatedAt\": 1700000000000}", "name"},
	    {"{\"name\": \"A\\nB\", \"createdAt\": 1700000000000, \"updatedAt\": 1700000000000}",
	     "name"},
	    {"{\"name\": \"Ann\", \"phone\": \"12\", \"createdAt\": 1700000000000, \"updatedAt\": "
	     "1700000000000}",
	     "phone"},
	    {"{\"name\": \"Ann\", \"phone\": \"call me\", \"createdAt\": 1700000000000, "
	     "\"updatedAt\": 1700000000000}",
	     "phone"},
	    {"{\"name\": \"Ann\", \"email\": \"ann@\", \"createdAt\": 1700000000000, "
	     "\"updatedAt\": 1700000000000}",
	     "email"},
	    {"{\"name\": \"Ann\", \"email\": \"a@b@c.d\", \"createdAt\": 1700000000000, "
	     "\"updatedAt\": 1700000000000}",
	     "email"},
	    {"{\"name\": \"Ann\", \"email\": \"a b@c.d\", \"createdAt\": 1700000000000, "
	     "\"updatedAt\": 1700000000000}",
	     "email"},
	    {"{\"name\": \"Ann\", \"card\": \"12 34\", \"createdAt\": 1700000000000, "
	     "\"updatedAt\": 1700000000000}",
	     "card"},
	    {"{\"name\": \"Ann\", \"createdAt\": 1700000000000, \"updatedAt\": 1600000000000}",
	     "updatedAt"},
	    {"{\"name\": \"Ann\", \"createdAt\": 5, \"updatedAt\": 1700000000000}", "createdAt"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = doc(cases[i].text);
		int rc;

		memset(&c, 0, sizeof(c));
		rc = loyalty_customer_decode(o, &c, &err);
		if (cases[i].field) {
			assert_int_equal(rc, -EINVAL);
			assert_string_equal(err.field, cases[i].field);
		} else {
			assert_int_equal(rc, 0);
		}
		json_decref(o);
	}
}

static void test_last_writer_wins(void **state)
{
	struct customer a = {.updated_at = AT}, b = {.updated_at = AT + 1};

	(void)state;
	assert_false(loyalty_customer_wins(&a, "T2", &b, "T1"));
	assert_true(loyalty_customer_wins(&b, "T1", &a, "T2"));
	/* A tie: the writer id that sorts last, the same answer everywhere. */
	b.updated_at = AT;
	assert_true(loyalty_customer_wins(&a, "T2", &b, "T1"));
	assert_false(loyalty_customer_wins(&b, "T1", &a, "T2"));
	/* Applying one version again changes nothing. */
	assert_false(loyalty_customer_wins(&a, "T2", &a, "T2"));
}

static void test_find_text(void **state)
{
	struct customer c = {
	    .name = "Ann Smith", .phone = "+44 1", .email = "Ann@Example.com", .card = "LC-1"};

	(void)state;
	assert_true(loyalty_text_matches(&c, "smith"));
	assert_true(loyalty_text_matches(&c, "ann@example.com"));
	assert_true(loyalty_text_matches(&c, "LC-1"));
	assert_true(loyalty_text_matches(&c, "+44 1"));
	assert_false(loyalty_text_matches(&c, "LC-"));
	assert_false(loyalty_text_matches(&c, "Bob"));
	assert_false(loyalty_text_matches(&c, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_points_earned_by_the_rule),
	    cmocka_unit_test(test_redemption_is_whole_points),
	    cmocka_unit_test(test_refund_takes_back_in_proportion),
	    cmocka_unit_test(test_points_discount_goes_back_in_proportion),
	    cmocka_unit_test(test_points_discount_marked),
	    cmocka_unit_test(test_tiers_by_lifetime_spend),
	    cmocka_unit_test(test_ledger_entry_of_an_order),
	    cmocka_unit_test(test_loyalty_member_checked),
	    cmocka_unit_test(test_customer_fields),
	    cmocka_unit_test(test_last_writer_wins),
	    cmocka_unit_test(test_find_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
