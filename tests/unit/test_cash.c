/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/cash.c: a drawer count against the store's
 * denominations, a session's totals per tender and its expected cash,
 * the difference's limit, and the check of a session document the hub
 * runs on every cash.put. Hand-worked tables, then property checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cash.h"
#include "money.h"

static const int64_t EUR[] = {50000, 20000, 10000, 5000, 2000, 1000, 500, 200,
			      100,   50,    20,	   10,	 5,    2,    1};
#define NEUR (sizeof(EUR) / sizeof(EUR[0]))

#define AT    1700000000000LL
#define STAFF "01890a5d-ac96-774b-bcce-b302099a8057"

/* ---- counts ---- */

struct count_case {
	const char *text;
	int64_t total;	   /* -1: refused */
	const char *error; /* a piece of the message when refused */
};

static const struct count_case count_cases[] = {
    {"50000=2,2000=3,5=7", 100000 + 6000 + 35, NULL},
    {"1=1", 1, NULL},
    {"2000=0", 0, NULL},
    {"5=7, 50000=2", 100035, NULL}, /* any order, spaces after the comma */
    {"10000=1 , 200=5", 11000, NULL},
    {"100=1000000", 100000000, NULL},
    {"", -1, "empty"},
    {"3000=1", -1, "3000 is not a denomination of this store (expected one of 50000, 20000"},
    {"2000=-3", -1, "the count is negative"},
    {"2000=3,2000=1", -1, "counted twice"},
    {"2000", -1, "expected VALUE=PIECES"},
    {"=3", -1, "expected VALUE=PIECES"},
    {"2000=", -1, "not a whole number"},
    {"2000=1.5", -1, "not a whole number"},
    {"20.00=1", -1, "expected VALUE=PIECES"},
    {"2000=3,", -1, "ends with a comma"},
    {"2000=3,,5=1", -1, "entry 2"},
    {"0=4", -1, "expected VALUE=PIECES"},
    {"-5=4", -1, "expected VALUE=PIECES"},
    {"100=1000001", -1, "more than 1000000 pieces"},
    {"100=99999999999999999999", -1, "more than 1000000 pieces"},
};

static void test_count_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *c = &count_cases[i];
		struct proto_error err = {0};
		struct cash_count out;
		int rc = cash_count_parse(c->text, EUR, NEUR, "count", &out, &err);

		if (c->total >= 0) {
			if (rc != 0)
				fail_msg("case %zu \"%s\": refused: %s", i, c->text, err.message);
			assert_int_equal(out.total, c->total);
			continue;
		}
		if (rc != -EINVAL)
			fail_msg("case %zu \"%s\": accepted", i, c->text);
		assert_string_equal(err.field, "count");
		assert_string_equal(err.code, "bad-field");
		if (strncmp(err.message, "count: ", 7) != 0 || !strstr(err.message, c->error))
			fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, c->text,
				 err.message, c->error);
	}
}

static void test_count_json(void **state)
{
	struct proto_error err;
	struct cash_count c, back;
	json_t *j;

	(void)state;
	assert_int_equal(cash_count_parse("5=7,50000=2", EUR, NEUR, "count", &c, &err), 0);
	j = cash_count_to_json(&c);
	assert_non_null(j);
	/* Largest first, whatever order it was typed in. */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "value")), 50000);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "count")), 7);
	assert_int_equal(cash_count_from_json(j, "count", &back, &err), 0);
	assert_int_equal(back.total, 100035);
	json_decref(j);

	j = json_loads("[{\"value\": 5, \"count\": 1}, {\"value\": 10, \"count\": 1}]", 0, NULL);
	assert_int_equal(cash_count_from_json(j, "count", &back, &err), -EINVAL);
	assert_string_equal(err.field, "count[1]");
	json_decref(j);
	j = json_loads("[{\"value\": 5, \"count\": -1}]", 0, NULL);
	assert_int_equal(cash_count_from_json(j, "count", &back, &err), -EINVAL);
	assert_string_equal(err.field, "count[0].count");
	json_decref(j);
	j = json_loads("[{\"value\": 5.0, \"count\": 1}]", 0, NULL);
	assert_int_equal(cash_count_from_json(j, "count", &back, &err), -EINVAL);
	assert_string_equal(err.field, "count[0].value");
	assert_non_null(strstr(err.message, "real number"));
	json_decref(j);
}

/* ---- totals and expected ---- */

static json_t *order(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);

	assert_non_null(o);
	return o;
}

/*
 * A shift, worked by hand. Float 100.00.
 *  sale A 12.50, cash: 20.00 handed over, 7.50 change         → drawer +12.50
 *  sale B 47.83: 30.00 by card, 17.85 in cash (cash rounding +0.02),
 *         20.00 handed over, 2.15 change                       → drawer +17.85
 *  refund 8.33 of a coffee, in cash                            → drawer  −8.33
 *  cash in 50.00, cash out 20.00, a payout of 15.00, a no-sale
 * expected = 100.00 + 12.50 + 17.85 − 8.33 + 50.00 − 20.00 − 15.00 = 137.02
 */
static void test_a_shift_by_hand(void **state)
{
	struct proto_error err;
	struct cash_totals t;
	int64_t expected;
	json_t *o, *j, *cash, *card;

	(void)state;
	cash_totals_init(&t);
	o = order("{\"total\": 1250, \"payments\": [{\"tender\": \"cash\", \"amount\": 1250, "
		  "\"tendered\": 2000, \"change\": 750}]}");
	assert_int_equal(cash_totals_add_order(&t, o, &err), 0);
	json_decref(o);
	o = order(
	    "{\"type\": \"sale\", \"total\": 4783, \"rounding\": 2, \"payments\": ["
	    "{\"tender\": \"card\", \"amount\": 3000, \"tendered\": 3000, \"change\": 0},"
	    "{\"tender\": \"cash\", \"amount\": 1785, \"tendered\": 2000, \"change\": 215}]}");
	assert_int_equal(cash_totals_add_order(&t, o, &err), 0);
	json_decref(o);
	o = order("{\"type\": \"refund\", \"total\": 833, \"payments\": [{\"tender\": \"cash\", "
		  "\"amount\": 833, \"tendered\": 833, \"change\": 0}]}");
	assert_int_equal(cash_totals_add_order(&t, o, &err), 0);
	json_decref(o);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_IN, 5000), 0);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_OUT, 2000), 0);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_PAYOUT, 1500), 0);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_NOSALE, 0), 0);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_NOSALE, 5), -EINVAL);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_IN, -5), -EINVAL);

	assert_int_equal(cash_expected(10000, &t, &expected), 0);
	assert_int_equal(expected, 13702);
	assert_int_equal(t.cash_sales, 3035);
	assert_int_equal(t.cash_refunds, 833);
	assert_int_equal(t.sales, 6033);
	assert_int_equal(t.sales_count, 2);
	assert_int_equal(t.refunds, 833);
	assert_int_equal(t.refunds_count, 1);
	assert_int_equal(t.no_sales, 1);

	j = cash_totals_to_json(&t);
	assert_non_null(j);
	cash = json_object_get(json_object_get(j, "tenders"), "cash");
	card = json_object_get(json_object_get(j, "tenders"), "card");
	assert_int_equal(json_integer_value(json_object_get(cash, "sales")), 3035);
	assert_int_equal(json_integer_value(json_object_get(cash, "refunds")), 833);
	assert_int_equal(json_integer_value(json_object_get(cash, "net")), 2202);
	assert_int_equal(json_integer_value(json_object_get(card, "net")), 3000);
	assert_int_equal(json_integer_value(json_object_get(j, "payouts")), 1500);
	assert_int_equal(json_integer_value(json_object_get(j, "noSales")), 1);
	json_decref(j);

	/* Counted 137.00: 0.02 short. Over a limit of 0.01, within 0.02. */
	assert_true(cash_over_limit(13700 - expected, 1));
	assert_false(cash_over_limit(13700 - expected, 2));
	assert_false(cash_over_limit(0, 0));
	assert_true(cash_over_limit(1, 0));
}

static void test_totals_refuse_bad_orders(void **state)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
	    {"{\"payments\": []}", "total"},
	    {"{\"total\": 10.5, \"payments\": []}", "total"},
	    {"{\"total\": 10}", "payments"},
	    {"{\"total\": 10, \"payments\": [{\"amount\": 10}]}", "payments[0]"},
	    {"{\"total\": 10, \"payments\": [{\"tender\": \"cash\", \"amount\": -10}]}",
	     "payments[0]"},
	    {"{\"total\": 10, \"payments\": [{\"tender\": \"cash\", \"amount\": 1}, "
	     "{\"tender\": \"cash\", \"amount\": \"9\"}]}",
	     "payments[1]"},
	};
	struct proto_error err;
	struct cash_totals t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = order(bad[i].text);

		cash_totals_init(&t);
		assert_int_equal(cash_totals_add_order(&t, o, &err), -EINVAL);
		assert_string_equal(err.field, bad[i].field);
		/* Nothing of a refused order is counted. */
		assert_int_equal(t.sales + t.sales_count + t.cash_sales + (int64_t)t.ntenders, 0);
		json_decref(o);
	}
}

/* ---- the session document ---- */

static const char closed_text[] =
    "{\"status\": \"closed\", \"openedAt\": 1700000000000, \"openedBy\": \"" STAFF "\","
    " \"float\": 10000, \"floatCount\": [{\"value\": 5000, \"count\": 2}],"
    " \"movements\": ["
    "  {\"kind\": \"in\", \"amount\": 5000, \"reason\": \"change from the bank\","
    "   \"at\": 1700000100000, \"by\": \"" STAFF "\", \"approver\": null},"
    "  {\"kind\": \"out\", \"amount\": 2000, \"reason\": \"to the safe\", \"at\": 1700000200000},"
    "  {\"kind\": \"payout\", \"amount\": 1500, \"reason\": \"window cleaner\","
    "   \"at\": 1700000300000},"
    "  {\"kind\": \"nosale\", \"amount\": 0, \"reason\": \"\", \"at\": 1700000400000}],"
    " \"closedAt\": 1700003600000, \"closedBy\": \"" STAFF "\", \"approver\": null,"
    " \"count\": [{\"value\": 10000, \"count\": 1}, {\"value\": 2000, \"count\": 1},"
    "  {\"value\": 1000, \"count\": 1}, {\"value\": 500, \"count\": 1},"
    "  {\"value\": 200, \"count\": 1}],"
    " \"counted\": 13700, \"expected\": 13702, \"difference\": -2,"
    " \"totals\": {\"sales\": 6033, \"salesCount\": 2, \"refunds\": 833, \"refundsCount\": 1,"
    "  \"cashSales\": 3035, \"cashRefunds\": 833, \"cashIn\": 5000, \"cashOut\": 2000,"
    "  \"payouts\": 1500, \"noSales\": 1, \"tenders\": {}},"
    " \"zNumber\": \"CORNER-T01-000004\", \"zSeq\": 4}";

static json_t *closed(void)
{
	json_t *d = json_loads(closed_text, 0, NULL);

	assert_non_null(d);
	return d;
}

static void test_session_check_accepts(void **state)
{
	struct proto_error err = {0};
	json_t *d = closed();

	(void)state;
	if (cash_session_check(d, &err) != 0)
		fail_msg("refused: %s", err.message);
	/* The same session while it was open: no close members. */
	json_object_set_new(d, "status", json_string("open"));
	for (const char *const *m =
		 (const char *const[]){"closedAt", "closedBy", "approver", "count", "counted",
				       "expected", "difference", "totals", "zNumber", "zSeq", NULL};
	     *m; m++)
		json_object_del(d, *m);
	if (cash_session_check(d, &err) != 0)
		fail_msg("refused open: %s", err.message);
	json_decref(d);
}

struct mutation {
	const char *path;  /* a top member, or "movements.N.member" */
	const char *value; /* JSON; NULL deletes */
	const char *field; /* the field the error names */
};

static const struct mutation mutations[] = {
    {"status", "\"shut\"", "status"},
    {"status", NULL, "status"},
    {"float", "-1", "float"},
    {"float", "100.0", "float"},
    {"float", NULL, "float"},
    {"floatCount", "[{\"value\": 5000, \"count\": 3}]", "floatCount"},
    {"openedAt", "5", "openedAt"},
    {"openedBy", "\"Ann\"", "openedBy"},
    {"movements", "{}", "movements"},
    {"movements.0.kind", "\"borrow\"", "movements[0].kind"},
    {"movements.0.amount", "0", "movements[0].amount"},
    {"movements.0.amount", "-5000", "movements[0].amount"},
    {"movements.0.reason", "\"\"", "movements[0].reason"},
    {"movements.0.reason", NULL, "movements[0].reason"},
    {"movements.0.reason", "\"a\\u0007b\"", "movements[0].reason"},
    {"movements.0.at", NULL, "movements[0].at"},
    {"movements.0.by", "\"nobody\"", "movements[0].by"},
    {"movements.3.amount", "100", "movements[3].amount"},
    {"count", "[{\"value\": 3, \"count\": -1}]", "count[0].count"},
    {"counted", "13701", "counted"},
    {"expected", "13700", "expected"},
    {"difference", "0", "difference"},
    {"closedAt", "1600000000000", "closedAt"},
    {"totals", NULL, "totals"},
    {"totals.cashIn", "4000", "totals.cashIn"},
    {"totals.noSales", "0", "totals.noSales"},
    {"totals.cashSales", "-1", "totals.cashSales"},
    {"zNumber", "\"\"", "zNumber"},
    {"zSeq", "0", "zSeq"},
    {"approver", "7", "approver"},
};

static void test_session_check_names_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		struct proto_error err = {0};
		json_t *d = closed(), *target = d, *v = NULL;
		char name[64];
		const char *dot = strrchr(m->path, '.');

		snprintf(name, sizeof(name), "%s", dot ? dot + 1 : m->path);
		if (strncmp(m->path, "movements.", 10) == 0)
			target = json_array_get(json_object_get(d, "movements"),
						(size_t)(m->path[10] - '0'));
		else if (strncmp(m->path, "totals.", 7) == 0)
			target = json_object_get(d, "totals");
		if (m->value) {
			v = json_loads(m->value, JSON_DECODE_ANY, NULL);
			assert_non_null(v);
			json_object_set_new(target, name, v);
		} else {
			json_object_del(target, name);
		}
		if (cash_session_check(d, &err) != -EINVAL)
			fail_msg("mutation %zu (%s): accepted", i, m->path);
		if (strcmp(err.field, m->field) != 0)
			fail_msg("mutation %zu (%s): named \"%s\" (%s), expected \"%s\"", i,
				 m->path, err.field, err.message, m->field);
		json_decref(d);
	}
	/* An open session with a close member. */
	{
		struct proto_error err;
		json_t *d = closed();

		json_object_set_new(d, "status", json_string("open"));
		assert_int_equal(cash_session_check(d, &err), -EINVAL);
		assert_string_equal(err.field, "closedAt");
		json_decref(d);
	}
}

/* ---- properties ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Any count of known denominations parses to Σ value × pieces, in any order. */
static void test_property_counts(void **state)
{
	(void)state;
	for (int round = 0; round < 300; round++) {
		char text[1024] = "";
		size_t used = 0, start = next_rand() % NEUR;
		int64_t want = 0;
		struct proto_error err;
		struct cash_count c;

		for (size_t k = 0; k < NEUR; k++) {
			size_t i = (start + k) % NEUR;
			int64_t pieces = (int64_t)(next_rand() % 1000);

			if (next_rand() % 3 == 0)
				continue;
			used +=
			    (size_t)snprintf(text + used, sizeof(text) - used, "%s%lld=%lld",
					     used ? "," : "", (long long)EUR[i], (long long)pieces);
			want += EUR[i] * pieces;
		}
		if (!used)
			continue;
		if (cash_count_parse(text, EUR, NEUR, "count", &c, &err) != 0)
			fail_msg("\"%s\": %s", text, err.message);
		assert_int_equal(c.total, want);
		for (size_t i = 1; i < c.n; i++)
			assert_true(c.value[i] < c.value[i - 1]);
	}
}

/*
 * Random shifts: expected is the float plus every cash payment of a sale,
 * minus every cash payment of a refund, plus the movements; each tender's
 * net is its sales minus its refunds; the sales' payments add up to the
 * sales (every tender counted once).
 */
static void test_property_shifts(void **state)
{
	static const char *const tenders[] = {"cash", "card", "other", "points"};

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct cash_totals t;
		struct proto_error err;
		int64_t float_amount = (int64_t)(next_rand() % 50000), drawer = float_amount;
		int64_t paid_sales = 0, expected;
		int norders = (int)(next_rand() % 30);
		json_t *j;

		cash_totals_init(&t);
		for (int k = 0; k < norders; k++) {
			int refund = next_rand() % 4 == 0, npays = 1 + (int)(next_rand() % 3);
			json_t *pays = json_array(), *o;
			int64_t total = 0;

			for (int p = 0; p < npays; p++) {
				const char *tender = tenders[next_rand() % 4];
				int64_t amount = (int64_t)(next_rand() % 10000);

				json_array_append_new(pays,
						      json_pack("{s:s, s:I}", "tender", tender,
								"amount", (json_int_t)amount));
				total += amount;
				if (strcmp(tender, "cash") == 0)
					drawer += refund ? -amount : amount;
			}
			if (!refund)
				paid_sales += total;
			o = json_pack("{s:s, s:I, s:o}", "type", refund ? "refund" : "sale",
				      "total", (json_int_t)total, "payments", pays);
			assert_int_equal(cash_totals_add_order(&t, o, &err), 0);
			json_decref(o);
		}
		for (int k = (int)(next_rand() % 6); k > 0; k--) {
			enum cash_move m = (enum cash_move)(next_rand() % 4);
			int64_t amount =
			    m == CASH_MOVE_NOSALE ? 0 : 1 + (int64_t)(next_rand() % 5000);

			assert_int_equal(cash_totals_add_move(&t, m, amount), 0);
			drawer += m == CASH_MOVE_IN ? amount : m == CASH_MOVE_NOSALE ? 0 : -amount;
		}
		assert_int_equal(cash_expected(float_amount, &t, &expected), 0);
		assert_int_equal(expected, drawer);
		assert_int_equal(t.sales, paid_sales);
		j = cash_totals_to_json(&t);
		assert_non_null(j);
		{
			const char *name;
			json_t *one;
			int64_t sum = 0;

			json_object_foreach(json_object_get(j, "tenders"), name, one)
			{
				assert_int_equal(
				    json_integer_value(json_object_get(one, "net")),
				    json_integer_value(json_object_get(one, "sales")) -
					json_integer_value(json_object_get(one, "refunds")));
				sum += json_integer_value(json_object_get(one, "sales"));
			}
			assert_int_equal(sum, paid_sales);
		}
		json_decref(j);
	}
}

static void test_overflow_is_refused(void **state)
{
	struct cash_totals t;
	int64_t e;

	(void)state;
	cash_totals_init(&t);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_IN, MONEY_MAX), 0);
	assert_int_equal(cash_totals_add_move(&t, CASH_MOVE_IN, 1), -ERANGE);
	assert_int_equal(t.cash_in, MONEY_MAX);
	assert_int_equal(cash_expected(1, &t, &e), -ERANGE);
}

static void test_moves(void **state)
{
	enum cash_move m;

	(void)state;
	assert_int_equal(cash_move_parse("payout", &m), 0);
	assert_int_equal(m, CASH_MOVE_PAYOUT);
	assert_string_equal(cash_move_permission(m), "cash.payout");
	assert_string_equal(cash_move_permission(CASH_MOVE_NOSALE), "drawer.open");
	assert_string_equal(cash_move_name(CASH_MOVE_OUT), "out");
	assert_int_equal(cash_move_parse("steal", &m), -EINVAL);
	assert_int_equal(cash_move_parse(NULL, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_count_table),
	    cmocka_unit_test(test_count_json),
	    cmocka_unit_test(test_a_shift_by_hand),
	    cmocka_unit_test(test_totals_refuse_bad_orders),
	    cmocka_unit_test(test_session_check_accepts),
	    cmocka_unit_test(test_session_check_names_the_field),
	    cmocka_unit_test(test_property_counts),
	    cmocka_unit_test(test_property_shifts),
	    cmocka_unit_test(test_overflow_is_refused),
	    cmocka_unit_test(test_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
