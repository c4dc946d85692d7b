/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/order.c: the builders a terminal uses make exactly the
 * order of docs/protocol.md, and order_check, what the hub runs on
 * every order.put, refuses each way a payload can be wrong with the code and
 * field the terminal will be told. A property loop builds a few hundred
 * pseudo-random orders and checks that each is accepted and adds up.
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

#include "order.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define CREATED	  1767225600123LL /* 2026-01-01T00:00:00.123Z */
#define COMPLETED 1767225900000LL

#define BAD_FIELD   PROTO_ERR_BAD_FIELD
#define BAD_TOTAL   ORDER_ERR_BAD_TOTAL
#define UNKNOWN_SKU ORDER_ERR_UNKNOWN_SKU

/* Strings of a given byte length, for the limits. */
#define X10  "xxxxxxxxxx"
#define X40  X10 X10 X10 X10
#define X64  X40 X10 X10 "xxxx"
#define X128 X64 X64

/* Fail the test with the error when a call that must succeed does not; the call passes ERR. */
#define ERR (&must_err_)
#define MUST(call)                                                                                 \
	do {                                                                                       \
		struct proto_error must_err_ = {0};                                                \
		int must_rc_ = (call);                                                             \
		if (must_rc_ != 0)                                                                 \
			fail_msg("%s: rc %d, %s %s: %s", #call, must_rc_, must_err_.code,          \
				 must_err_.field, must_err_.message);                              \
	} while (0)

/* The catalog the hub knows in these tests; ctx counts the questions asked. */
static int catalog_known(void *ctx, const char *sku)
{
	static const char *const skus[] = {"SKU-COFFEE", "SKU-BEANS", "SKU-BAG", X64};

	if (ctx)
		(*(int *)ctx)++;
	for (size_t i = 0; i < N(skus); i++) {
		if (strcmp(sku, skus[i]) == 0)
			return 1;
	}
	return 0;
}

static int catalog_down(void *ctx, const char *sku)
{
	return -EIO;
}

/*
 * The completed order every mutation case starts from. Three lines, 2459 in
 * all with 176 of tax, paid 1000 in cash and 1459 by card:
 *   2 x 2.50 at 20 %   = 5.00,  tax 0.83 (83.33)
 *   1.5 x 12.99 at 5 % = 19.49, tax 0.93 (19.485 -> 19.49; 92.81 -> 93)
 *   1 x 0.10 at 0 %    = 0.10,  tax 0
 */
static json_t *valid_order(void)
{
	json_t *o = order_new(CREATED);

	assert_non_null(o);
	MUST(order_add_line(o, "SKU-COFFEE", "Coffee", 2000, 250, 2000, ERR));
	MUST(order_add_line(o, "SKU-BEANS", "Beans 1kg", 1500, 1299, 500, ERR));
	MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, ERR));
	MUST(order_add_payment(o, "cash", 1000, NULL, ERR));
	MUST(order_add_payment(o, "card", 0, "A1B2C3", ERR));
	MUST(order_complete(o, "T01-000042", 42, COMPLETED, ERR));
	return o;
}

static const char valid_order_json[] =
    "{\"status\":\"completed\",\"receipt\":\"T01-000042\",\"receiptSeq\":42,"
    "\"createdAt\":1767225600123,\"completedAt\":1767225900000,"
    "\"lines\":["
    "{\"sku\":\"SKU-COFFEE\",\"name\":\"Coffee\",\"qty\":2000,\"unitPrice\":250,"
    "\"taxRate\":2000,\"lineTotal\":500,\"tax\":83},"
    "{\"sku\":\"SKU-BEANS\",\"name\":\"Beans 1kg\",\"qty\":1500,\"unitPrice\":1299,"
    "\"taxRate\":500,\"lineTotal\":1949,\"tax\":93},"
    "{\"sku\":\"SKU-BAG\",\"name\":\"Bag\",\"qty\":1000,\"unitPrice\":10,"
    "\"taxRate\":0,\"lineTotal\":10,\"tax\":0}],"
    "\"total\":2459,\"taxTotal\":176,"
    "\"payments\":["
    "{\"tender\":\"cash\",\"amount\":1000,\"tendered\":1000,\"change\":0,\"reference\":null},"
    "{\"tender\":\"card\",\"amount\":1459,\"tendered\":1459,\"change\":0,"
    "\"reference\":\"A1B2C3\"}]}";

/*
 * Change one member of `root`, named by a path as in error fields without
 * "payload.": "lines[1].qty", "payments[0]", "note". `json` is the new value
 * as JSON text (NUL escapes allowed), or NULL to delete the member.
 */
static void mutate(json_t *root, const char *path, const char *json)
{
	struct {
		char key[32];
		long index; /* >= 0: an array element, not a key */
	} steps[8];
	size_t n = 0;
	const char *p = path;
	json_t *cur = root;

	while (*p) {
		size_t len = strcspn(p, ".[");

		assert_true(n + 2 <= N(steps) && len < sizeof(steps[0].key));
		if (len > 0) {
			memcpy(steps[n].key, p, len);
			steps[n].key[len] = '\0';
			steps[n++].index = -1;
		}
		p += len;
		if (*p == '[') {
			char *end;

			steps[n].key[0] = '\0';
			steps[n++].index = strtol(p + 1, &end, 10);
			assert_int_equal(*end, ']');
			p = end + 1;
		}
		if (*p == '.')
			p++;
	}
	assert_true(n > 0);
	for (size_t i = 0; i + 1 < n; i++) {
		cur = steps[i].index >= 0 ? json_array_get(cur, (size_t)steps[i].index)
					  : json_object_get(cur, steps[i].key);
		if (!cur)
			fail_msg("mutate %s: no such member", path);
	}
	if (!json) {
		int rc = steps[n - 1].index >= 0
			     ? json_array_remove(cur, (size_t)steps[n - 1].index)
			     : json_object_del(cur, steps[n - 1].key);

		if (rc != 0)
			fail_msg("mutate %s: nothing to delete", path);
	} else {
		json_error_t jerr;
		json_t *value = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		int rc;

		if (!value)
			fail_msg("mutate %s: bad JSON %s: %s", path, json, jerr.text);
		rc = steps[n - 1].index >= 0
			 ? json_array_set_new(cur, (size_t)steps[n - 1].index, value)
			 : json_object_set_new(cur, steps[n - 1].key, value);
		if (rc != 0)
			fail_msg("mutate %s: cannot set", path);
	}
}

#define DEL   NULL
#define VALID NULL, NULL, NULL /* code, field, needle of a case that passes */

struct mutation_case {
	const char *path[4]; /* up to four changes, in order */
	const char *json[4]; /* DEL deletes */
	const char *code;    /* NULL: the order is still valid */
	const char *field;
	const char *needle; /* when not NULL, the message contains it */
};

/* Messages travel as JSON strings: they must be UTF-8. */
static int is_utf8(const char *text)
{
	json_t *s = json_string(text);
	int ok = s != NULL;

	json_decref(s);
	return ok;
}

/* The order after each case's changes, checked against the test catalog. */
static void run_cases(const struct mutation_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct mutation_case *c = &cases[i];
		struct proto_error err = {0};
		json_t *o = valid_order();
		int rc;

		for (size_t k = 0; k < N(c->path) && c->path[k]; k++)
			mutate(o, c->path[k], c->json[k]);
		rc = order_check(o, catalog_known, NULL, &err);
		if (!c->code) {
			if (rc != 0)
				fail_msg("case %zu (%s = %s): refused: %s %s: %s", i, c->path[0],
					 c->json[0] ? c->json[0] : "deleted", err.code, err.field,
					 err.message);
		} else if (rc != -EINVAL || strcmp(err.code, c->code) != 0 ||
			   strcmp(err.field, c->field) != 0) {
			fail_msg("case %zu (%s = %s): rc %d %s %s (%s); want %s %s", i, c->path[0],
				 c->json[0] ? c->json[0] : "deleted", rc, err.code, err.field,
				 err.message, c->code, c->field);
		} else if (strncmp(err.message, c->field, strlen(c->field)) != 0 ||
			   err.message[strlen(c->field)] != ':') {
			fail_msg("case %zu: message \"%s\" does not start with the field", i,
				 err.message);
		} else if (!is_utf8(err.message)) {
			fail_msg("case %zu: message is not UTF-8 text, it cannot be sent", i);
		} else if (c->needle && !strstr(err.message, c->needle)) {
			fail_msg("case %zu: message \"%s\" does not mention \"%s\"", i, err.message,
				 c->needle);
		}
		json_decref(o);
	}
}

static void test_builders_make_the_spec_order(void **state)
{
	json_t *o = valid_order(), *want;
	json_error_t jerr;

	want = json_loads(valid_order_json, 0, &jerr);
	assert_non_null(want);
	if (!json_equal(o, want)) {
		char *got = json_dumps(o, JSON_COMPACT);

		fail_msg("built %s", got);
	}
	json_decref(want);
	json_decref(o);
}

static void test_new_order(void **state)
{
	json_t *o = order_new(CREATED), *want;
	struct proto_error err = {0};
	json_error_t jerr;

	assert_non_null(o);
	want = json_loads("{\"status\":\"open\",\"receipt\":null,\"receiptSeq\":null,"
			  "\"createdAt\":1767225600123,\"completedAt\":null,\"lines\":[],"
			  "\"total\":0,\"taxTotal\":0,\"payments\":[]}",
			  0, &jerr);
	assert_non_null(want);
	assert_true(json_equal(o, want));
	assert_int_equal(order_due(o), 0);
	/* The spec wants a line in every order that is pushed. */
	assert_int_equal(order_check(o, NULL, NULL, &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "payload.lines");
	json_decref(want);
	json_decref(o);
}

static void test_valid_order_passes(void **state)
{
	struct proto_error err = {0};
	json_t *o = valid_order();
	int asked = 0;

	assert_int_equal(order_check(o, NULL, NULL, &err), 0);
	assert_int_equal(order_check(o, catalog_known, &asked, &err), 0);
	assert_int_equal(asked, 3); /* one question per line */
	json_decref(o);
}

static void test_check_accepts(void **state)
{
	static const struct mutation_case cases[] = {
	    /* Members the spec does not know are ignored. */
	    {{"note", "lines[0].memo", "payments[0].extra"}, {"\"hello\"", "5", "{}"}, VALID},
	    {{"kind"}, {"[1.5, null]"}, VALID},
	    /* A cash payment's reference may be left out as well as null. */
	    {{"payments[0].reference"}, {DEL}, VALID},
	    /* Cash with change, when it settles the order (docs/pos.md). */
	    {{"payments[1].tender", "payments[1].tendered", "payments[1].change",
	      "payments[1].reference"},
	     {"\"cash\"", "2000", "541", "null"},
	     VALID},
	    /* Limits, at the limit. */
	    {{"lines[2].name"}, {"\"\""}, VALID},
	    {{"lines[2].name"}, {"\"" X128 "\""}, VALID},
	    {{"lines[2].name"}, {"\"Caf\\u00e9 cr\\u00e8me \\u2615\""}, VALID},
	    {{"lines[2].sku"}, {"\"" X64 "\""}, VALID},
	    {{"receipt"}, {"\"" X40 "\""}, VALID},
	    {{"receipt"}, {"\"x\""}, VALID},
	    {{"receiptSeq"}, {"1"}, VALID},
	    {{"receiptSeq"}, {"9007199254740991"}, VALID},
	    {{"createdAt"}, {"946684800000"}, VALID},
	    {{"completedAt"}, {"7258118400000"}, VALID},
	    {{"payments[1].reference"}, {"\"" X64 "\""}, VALID},
	    {{"payments[1].reference"}, {"\"x\""}, VALID},
	    /* Not completed: receipt, receiptSeq and completedAt null or absent. */
	    {{"status", "receipt", "receiptSeq", "completedAt"},
	     {"\"open\"", "null", "null", "null"},
	     VALID},
	    {{"status", "receipt", "receiptSeq", "completedAt"},
	     {"\"parked\"", DEL, DEL, DEL},
	     VALID},
	    /* Not completed, partly paid or not at all. */
	    {{"status", "payments[1]"}, {"\"open\"", DEL}, VALID},
	    {{"status", "payments"}, {"\"parked\"", "[]"}, VALID},
	    /* A free line. */
	    {{"status", "lines[2]", "total", "payments"},
	     {"\"open\"",
	      "{\"sku\": \"SKU-BAG\", \"name\": \"Bag\", \"qty\": 1000, \"unitPrice\": 0, "
	      "\"taxRate\": 0, \"lineTotal\": 0, \"tax\": 0}",
	      "2449", "[]"},
	     VALID},
	    /* The largest quantity; the highest rate. */
	    {{"status", "lines[2].qty", "lines[2].lineTotal", "total"},
	     {"\"open\"", "1000000000", "10000000", "10002449"},
	     VALID},
	    {{"lines[0].taxRate", "lines[0].tax", "taxTotal"}, {"10000", "250", "343"}, VALID},
	};

	run_cases(cases, N(cases));
}

static void test_check_missing_members(void **state)
{
	static const struct mutation_case cases[] = {
	    {{"status"}, {DEL}, BAD_FIELD, "payload.status", "missing"},
	    {{"receipt"}, {DEL}, BAD_FIELD, "payload.receipt", "missing"},
	    {{"receiptSeq"}, {DEL}, BAD_FIELD, "payload.receiptSeq", "missing"},
	    {{"createdAt"}, {DEL}, BAD_FIELD, "payload.createdAt", "missing"},
	    {{"completedAt"}, {DEL}, BAD_FIELD, "payload.completedAt", "missing"},
	    {{"lines"}, {DEL}, BAD_FIELD, "payload.lines", "missing"},
	    {{"total"}, {DEL}, BAD_FIELD, "payload.total", "missing"},
	    {{"taxTotal"}, {DEL}, BAD_FIELD, "payload.taxTotal", "missing"},
	    {{"payments"}, {DEL}, BAD_FIELD, "payload.payments", "missing"},
	    {{"lines[1].sku"}, {DEL}, BAD_FIELD, "payload.lines[1].sku", "missing"},
	    {{"lines[1].name"}, {DEL}, BAD_FIELD, "payload.lines[1].name", "missing"},
	    {{"lines[1].qty"}, {DEL}, BAD_FIELD, "payload.lines[1].qty", "missing"},
	    {{"lines[1].unitPrice"}, {DEL}, BAD_FIELD, "payload.lines[1].unitPrice", "missing"},
	    {{"lines[1].taxRate"}, {DEL}, BAD_FIELD, "payload.lines[1].taxRate", "missing"},
	    {{"lines[1].lineTotal"}, {DEL}, BAD_FIELD, "payload.lines[1].lineTotal", "missing"},
	    {{"lines[1].tax"}, {DEL}, BAD_FIELD, "payload.lines[1].tax", "missing"},
	    {{"payments[0].tender"}, {DEL}, BAD_FIELD, "payload.payments[0].tender", "missing"},
	    {{"payments[0].amount"}, {DEL}, BAD_FIELD, "payload.payments[0].amount", "missing"},
	    {{"payments[0].tendered"}, {DEL}, BAD_FIELD, "payload.payments[0].tendered", "missing"},
	    {{"payments[0].change"}, {DEL}, BAD_FIELD, "payload.payments[0].change", "missing"},
	    {{"payments[1].reference"},
	     {DEL},
	     BAD_FIELD,
	     "payload.payments[1].reference",
	     "missing"},
	    /* Null where a completed order needs a value. */
	    {{"receipt"}, {"null"}, BAD_FIELD, "payload.receipt", "completed"},
	    {{"receiptSeq"}, {"null"}, BAD_FIELD, "payload.receiptSeq", "completed"},
	    {{"completedAt"}, {"null"}, BAD_FIELD, "payload.completedAt", "completed"},
	};

	run_cases(cases, N(cases));
}

static void test_check_wrong_types(void **state)
{
	static const struct mutation_case cases[] = {
	    {{"status"}, {"1"}, BAD_FIELD, "payload.status", "not an integer"},
	    {{"status"}, {"null"}, BAD_FIELD, "payload.status", NULL},
	    {{"status"}, {"[\"open\"]"}, BAD_FIELD, "payload.status", NULL},
	    {{"receipt"}, {"42"}, BAD_FIELD, "payload.receipt", "string"},
	    {{"receipt"}, {"{}"}, BAD_FIELD, "payload.receipt", NULL},
	    {{"receiptSeq"}, {"\"42\""}, BAD_FIELD, "payload.receiptSeq", "not a string"},
	    {{"receiptSeq"}, {"42.0"}, BAD_FIELD, "payload.receiptSeq", "not a real number"},
	    {{"receiptSeq"}, {"true"}, BAD_FIELD, "payload.receiptSeq", "not a boolean"},
	    {{"createdAt"},
	     {"1767225600123.0"},
	     BAD_FIELD,
	     "payload.createdAt",
	     "not a real number"},
	    {{"createdAt"}, {"null"}, BAD_FIELD, "payload.createdAt", NULL},
	    {{"completedAt"}, {"\"2026-01-01\""}, BAD_FIELD, "payload.completedAt", NULL},
	    {{"lines"}, {"{}"}, BAD_FIELD, "payload.lines", "not an object"},
	    {{"lines"}, {"\"x\""}, BAD_FIELD, "payload.lines", NULL},
	    {{"lines"}, {"null"}, BAD_FIELD, "payload.lines", NULL},
	    {{"lines[0]"}, {"5"}, BAD_FIELD, "payload.lines[0]", "line object"},
	    {{"lines[1]"}, {"[]"}, BAD_FIELD, "payload.lines[1]", NULL},
	    {{"lines[2]"}, {"null"}, BAD_FIELD, "payload.lines[2]", NULL},
	    {{"lines[0].sku"}, {"7"}, BAD_FIELD, "payload.lines[0].sku", NULL},
	    {{"lines[0].sku"}, {"null"}, BAD_FIELD, "payload.lines[0].sku", NULL},
	    {{"lines[0].name"}, {"5"}, BAD_FIELD, "payload.lines[0].name", NULL},
	    {{"lines[0].name"}, {"null"}, BAD_FIELD, "payload.lines[0].name", NULL},
	    {{"lines[0].qty"},
	     {"2000.0"},
	     BAD_FIELD,
	     "payload.lines[0].qty",
	     "expected an integer in thousandths of a unit, not a real number"},
	    {{"lines[0].qty"}, {"\"2\""}, BAD_FIELD, "payload.lines[0].qty", NULL},
	    {{"lines[0].unitPrice"},
	     {"250.0"},
	     BAD_FIELD,
	     "payload.lines[0].unitPrice",
	     "payload.lines[0].unitPrice: expected an integer in minor units, not a real number"},
	    {{"lines[0].unitPrice"},
	     {"2.5"},
	     BAD_FIELD,
	     "payload.lines[0].unitPrice",
	     "not a real number"},
	    {{"lines[0].unitPrice"}, {"\"2.50\""}, BAD_FIELD, "payload.lines[0].unitPrice", NULL},
	    {{"lines[0].taxRate"},
	     {"20.0"},
	     BAD_FIELD,
	     "payload.lines[0].taxRate",
	     "not a real number"},
	    {{"lines[0].taxRate"}, {"\"20%\""}, BAD_FIELD, "payload.lines[0].taxRate", NULL},
	    {{"lines[0].lineTotal"},
	     {"500.0"},
	     BAD_FIELD,
	     "payload.lines[0].lineTotal",
	     "not a real number"},
	    {{"lines[0].lineTotal"}, {"null"}, BAD_FIELD, "payload.lines[0].lineTotal", NULL},
	    {{"lines[0].tax"}, {"\"83\""}, BAD_FIELD, "payload.lines[0].tax", NULL},
	    {{"lines[0].tax"}, {"83.0"}, BAD_FIELD, "payload.lines[0].tax", "not a real number"},
	    {{"total"}, {"2459.0"}, BAD_FIELD, "payload.total", "not a real number"},
	    {{"total"}, {"\"2459\""}, BAD_FIELD, "payload.total", NULL},
	    {{"taxTotal"}, {"176.0"}, BAD_FIELD, "payload.taxTotal", "not a real number"},
	    {{"taxTotal"}, {"false"}, BAD_FIELD, "payload.taxTotal", NULL},
	    {{"payments"}, {"{}"}, BAD_FIELD, "payload.payments", NULL},
	    {{"payments"}, {"\"cash\""}, BAD_FIELD, "payload.payments", NULL},
	    {{"payments[0]"}, {"\"cash\""}, BAD_FIELD, "payload.payments[0]", "payment object"},
	    {{"payments[1]"}, {"null"}, BAD_FIELD, "payload.payments[1]", NULL},
	    {{"payments[0].tender"}, {"1"}, BAD_FIELD, "payload.payments[0].tender", NULL},
	    {{"payments[0].tender"}, {"null"}, BAD_FIELD, "payload.payments[0].tender", NULL},
	    {{"payments[0].amount"},
	     {"1000.0"},
	     BAD_FIELD,
	     "payload.payments[0].amount",
	     "not a real number"},
	    {{"payments[0].amount"}, {"\"1000\""}, BAD_FIELD, "payload.payments[0].amount", NULL},
	    {{"payments[0].tendered"},
	     {"1000.5"},
	     BAD_FIELD,
	     "payload.payments[0].tendered",
	     "not a real number"},
	    {{"payments[0].change"},
	     {"0.0"},
	     BAD_FIELD,
	     "payload.payments[0].change",
	     "not a real number"},
	    {{"payments[0].reference"}, {"5"}, BAD_FIELD, "payload.payments[0].reference", NULL},
	    {{"payments[1].reference"}, {"null"}, BAD_FIELD, "payload.payments[1].reference", NULL},
	    {{"payments[1].reference"},
	     {"123456"},
	     BAD_FIELD,
	     "payload.payments[1].reference",
	     NULL},
	};

	run_cases(cases, N(cases));
}

static void test_check_limits(void **state)
{
	static const struct mutation_case cases[] = {
	    {{"status"}, {"\"closed\""}, BAD_FIELD, "payload.status", "\"closed\""},
	    {{"status"}, {"\"Completed\""}, BAD_FIELD, "payload.status", NULL},
	    {{"status"}, {"\"\""}, BAD_FIELD, "payload.status", NULL},
	    /* Quoted in the message, but never cut inside a character. */
	    {{"status"},
	     {"\"" X10 X10 X10 "xxxxxxxxx\u20ac\""},
	     BAD_FIELD,
	     "payload.status",
	     "not \"" X10 X10 X10 "xxxxxxxxx\""},
	    {{"status"}, {"\"completed\\u0000\""}, BAD_FIELD, "payload.status", NULL},
	    {{"receipt"}, {"\"\""}, BAD_FIELD, "payload.receipt", NULL},
	    {{"receipt"}, {"\"" X40 "x\""}, BAD_FIELD, "payload.receipt", "41 bytes"},
	    {{"receipt"}, {"\"T01\\u0000-1\""}, BAD_FIELD, "payload.receipt", "NUL"},
	    {{"receiptSeq"}, {"0"}, BAD_FIELD, "payload.receiptSeq", "out of range"},
	    {{"receiptSeq"}, {"-1"}, BAD_FIELD, "payload.receiptSeq", NULL},
	    {{"receiptSeq"}, {"9007199254740992"}, BAD_FIELD, "payload.receiptSeq", NULL},
	    {{"createdAt"}, {"946684799999"}, BAD_FIELD, "payload.createdAt", "out of range"},
	    {{"createdAt"}, {"7258118400001"}, BAD_FIELD, "payload.createdAt", NULL},
	    {{"createdAt"}, {"1767225600"}, BAD_FIELD, "payload.createdAt", NULL}, /* seconds */
	    {{"completedAt"}, {"0"}, BAD_FIELD, "payload.completedAt", NULL},
	    {{"completedAt"}, {"7258118400001"}, BAD_FIELD, "payload.completedAt", NULL},
	    {{"lines"}, {"[]"}, BAD_FIELD, "payload.lines", NULL},
	    {{"lines[0].sku"}, {"\"\""}, BAD_FIELD, "payload.lines[0].sku", NULL},
	    {{"lines[0].sku"}, {"\"" X64 "x\""}, BAD_FIELD, "payload.lines[0].sku", "65 bytes"},
	    {{"lines[0].sku"},
	     {"\"SKU-COFFEE\\u0000x\""},
	     BAD_FIELD,
	     "payload.lines[0].sku",
	     "NUL"},
	    {{"lines[0].name"},
	     {"\"" X128 "x\""},
	     BAD_FIELD,
	     "payload.lines[0].name",
	     "at most 128 bytes"},
	    /* 43 characters, but 129 bytes of UTF-8. */
	    {{"lines[0].name"},
	     {"\"\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac"
	      "\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac"
	      "\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac"
	      "\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac"
	      "\\u20ac\\u20ac\\u20ac\""},
	     BAD_FIELD,
	     "payload.lines[0].name",
	     "129 bytes"},
	    {{"lines[0].name"}, {"\"Co\\u0000ffee\""}, BAD_FIELD, "payload.lines[0].name", NULL},
	    {{"lines[0].qty"}, {"0"}, BAD_FIELD, "payload.lines[0].qty", "out of range"},
	    {{"lines[0].qty"}, {"-2000"}, BAD_FIELD, "payload.lines[0].qty", NULL},
	    {{"lines[0].qty"}, {"1000000001"}, BAD_FIELD, "payload.lines[0].qty", NULL},
	    {{"lines[0].unitPrice"}, {"-1"}, BAD_FIELD, "payload.lines[0].unitPrice", NULL},
	    {{"lines[0].unitPrice"},
	     {"9007199254740993"},
	     BAD_FIELD,
	     "payload.lines[0].unitPrice",
	     NULL},
	    /* Each in range, but the line total is not. */
	    {{"lines[0].unitPrice"},
	     {"9007199254740992"},
	     BAD_FIELD,
	     "payload.lines[0].unitPrice",
	     "largest amount"},
	    {{"lines[0].taxRate"}, {"-1"}, BAD_FIELD, "payload.lines[0].taxRate", NULL},
	    {{"lines[0].taxRate"},
	     {"10001"},
	     BAD_FIELD,
	     "payload.lines[0].taxRate",
	     "basis points"},
	    {{"lines[0].lineTotal"}, {"-500"}, BAD_FIELD, "payload.lines[0].lineTotal", NULL},
	    {{"lines[0].lineTotal"},
	     {"9007199254740993"},
	     BAD_FIELD,
	     "payload.lines[0].lineTotal",
	     NULL},
	    {{"lines[0].tax"}, {"-83"}, BAD_FIELD, "payload.lines[0].tax", NULL},
	    {{"total"}, {"-1"}, BAD_FIELD, "payload.total", NULL},
	    {{"total"}, {"9007199254740993"}, BAD_FIELD, "payload.total", NULL},
	    {{"taxTotal"}, {"-176"}, BAD_FIELD, "payload.taxTotal", NULL},
	    {{"payments"}, {"[]"}, BAD_FIELD, "payload.payments", "at least one payment"},
	    {{"payments[0].tender"},
	     {"\"cheque\""},
	     BAD_FIELD,
	     "payload.payments[0].tender",
	     "\"cheque\""},
	    {{"payments[0].tender"}, {"\"CASH\""}, BAD_FIELD, "payload.payments[0].tender", NULL},
	    {{"payments[0].tender"},
	     {"\"" X10 "xxxxxxxxx\u00e9\""},
	     BAD_FIELD,
	     "payload.payments[0].tender",
	     "not \"" X10 "xxxxxxxxx\""},
	    {{"payments[0].tender"}, {"\"\""}, BAD_FIELD, "payload.payments[0].tender", NULL},
	    {{"payments[0].tender"},
	     {"\"cash\\u0000\""},
	     BAD_FIELD,
	     "payload.payments[0].tender",
	     NULL},
	    {{"payments[0].amount"}, {"0"}, BAD_FIELD, "payload.payments[0].amount", NULL},
	    {{"payments[0].amount"}, {"-1000"}, BAD_FIELD, "payload.payments[0].amount", NULL},
	    {{"payments[0].amount"},
	     {"9007199254740993"},
	     BAD_FIELD,
	     "payload.payments[0].amount",
	     NULL},
	    {{"payments[0].tendered"}, {"0"}, BAD_FIELD, "payload.payments[0].tendered", NULL},
	    /* Cash handed over must cover the amount; a card pays exactly. */
	    {{"payments[0].tendered"},
	     {"999"},
	     BAD_FIELD,
	     "payload.payments[0].tendered",
	     "less than the amount"},
	    {{"payments[1].tendered", "payments[1].change"},
	     {"1460", "1"},
	     BAD_FIELD,
	     "payload.payments[1].tendered",
	     NULL},
	    {{"payments[0].change"}, {"-1"}, BAD_FIELD, "payload.payments[0].change", NULL},
	    {{"payments[0].reference"},
	     {"\"R1\""},
	     BAD_FIELD,
	     "payload.payments[0].reference",
	     "cash"},
	    {{"payments[1].reference"}, {"\"\""}, BAD_FIELD, "payload.payments[1].reference", NULL},
	    {{"payments[1].reference"},
	     {"\"" X64 "x\""},
	     BAD_FIELD,
	     "payload.payments[1].reference",
	     NULL},
	    {{"payments[1].reference"},
	     {"\"A1\\u0000\""},
	     BAD_FIELD,
	     "payload.payments[1].reference",
	     NULL},
	};

	run_cases(cases, N(cases));
}

static void test_check_totals(void **state)
{
	static const struct mutation_case cases[] = {
	    {{"lines[0].lineTotal"}, {"501"}, BAD_TOTAL, "payload.lines[0].lineTotal", "500"},
	    {{"lines[0].lineTotal"}, {"499"}, BAD_TOTAL, "payload.lines[0].lineTotal", NULL},
	    /* 1948.5 rounds away from zero: 1948 is what truncation would give. */
	    {{"lines[1].lineTotal"}, {"1948"}, BAD_TOTAL, "payload.lines[1].lineTotal", "1949"},
	    {{"lines[0].qty"}, {"3000"}, BAD_TOTAL, "payload.lines[0].lineTotal", NULL},
	    {{"lines[0].unitPrice"}, {"251"}, BAD_TOTAL, "payload.lines[0].lineTotal", NULL},
	    {{"lines[0].tax"}, {"84"}, BAD_TOTAL, "payload.lines[0].tax", "83"},
	    /* 92.81 rounds to 93. */
	    {{"lines[1].tax"}, {"92"}, BAD_TOTAL, "payload.lines[1].tax", "93"},
	    {{"lines[2].tax"}, {"1"}, BAD_TOTAL, "payload.lines[2].tax", NULL},
	    {{"lines[0].taxRate"}, {"2100"}, BAD_TOTAL, "payload.lines[0].tax", NULL},
	    /* A line whose own numbers agree, but the total did not follow. */
	    {{"lines[0].qty", "lines[0].lineTotal", "lines[0].tax"},
	     {"3000", "750", "125"},
	     BAD_TOTAL,
	     "payload.total",
	     "2709"},
	    {{"lines[2]"}, {DEL}, BAD_TOTAL, "payload.total", "2449"},
	    {{"total"}, {"2460"}, BAD_TOTAL, "payload.total", "2459"},
	    {{"total"}, {"2458"}, BAD_TOTAL, "payload.total", NULL},
	    {{"total"}, {"0"}, BAD_TOTAL, "payload.total", NULL},
	    {{"taxTotal"}, {"175"}, BAD_TOTAL, "payload.taxTotal", "176"},
	    {{"taxTotal"}, {"0"}, BAD_TOTAL, "payload.taxTotal", NULL},
	    {{"payments[0].change"}, {"1"}, BAD_TOTAL, "payload.payments[0].change", NULL},
	    {{"payments[0].tendered"}, {"1100"}, BAD_TOTAL, "payload.payments[0].change", "100"},
	    {{"payments[1].change"}, {"5"}, BAD_TOTAL, "payload.payments[1].change", NULL},
	    /* A completed order is paid exactly: not less, not more. */
	    {{"payments[1]"}, {DEL}, BAD_TOTAL, "payload.payments", "1000"},
	    {{"payments[1].amount", "payments[1].tendered"},
	     {"1458", "1458"},
	     BAD_TOTAL,
	     "payload.payments",
	     "2458"},
	    {{"payments[0].amount", "payments[0].tendered"},
	     {"1001", "1001"},
	     BAD_TOTAL,
	     "payload.payments",
	     "2460"},
	    /* Shape before arithmetic, arithmetic before the catalog. */
	    {{"lines[0].lineTotal", "payments[1].reference"},
	     {"501", DEL},
	     BAD_FIELD,
	     "payload.payments[1].reference",
	     NULL},
	    {{"total", "createdAt"}, {"1", DEL}, BAD_FIELD, "payload.createdAt", NULL},
	    {{"lines[0].sku", "total"}, {"\"SKU-GONE\"", "1"}, BAD_TOTAL, "payload.total", NULL},
	};

	run_cases(cases, N(cases));
}

static void test_check_unknown_sku(void **state)
{
	static const struct mutation_case cases[] = {
	    {{"lines[2].sku"},
	     {"\"SKU-GONE\""},
	     UNKNOWN_SKU,
	     "payload.lines[2].sku",
	     "\"SKU-GONE\""},
	    {{"lines[0].sku"}, {"\"sku-coffee\""}, UNKNOWN_SKU, "payload.lines[0].sku", NULL},
	    {{"lines[1].sku", "lines[2].sku"},
	     {"\"A\"", "\"B\""},
	     UNKNOWN_SKU,
	     "payload.lines[1].sku",
	     NULL},
	};
	struct proto_error err = {0};
	json_t *o = valid_order();
	int asked = 0;

	run_cases(cases, N(cases));

	/* Without a catalog, skus are not judged. */
	mutate(o, "lines[2].sku", "\"SKU-GONE\"");
	assert_int_equal(order_check(o, NULL, NULL, &err), 0);

	/* A catalog that is not asked when the order is refused anyway. */
	mutate(o, "total", "1");
	assert_int_equal(order_check(o, catalog_known, &asked, &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);
	assert_int_equal(asked, 0);

	/* A catalog that cannot answer: its error, not a rejection. */
	mutate(o, "total", "2459");
	assert_int_equal(order_check(o, catalog_down, NULL, &err), -EIO);
	assert_string_equal(err.code, PROTO_ERR_UNEXPECTED);
	assert_string_equal(err.field, "payload.lines[0].sku");
	json_decref(o);
}

static void test_check_not_an_order(void **state)
{
	json_t *values[] = {NULL, json_array(), json_string("order"), json_integer(1), json_null()};
	struct proto_error err;

	for (size_t i = 0; i < N(values); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(order_check(values[i], catalog_known, NULL, &err), -EINVAL);
		assert_string_equal(err.code, BAD_FIELD);
		assert_string_equal(err.field, "payload");
		json_decref(values[i]);
	}
}

/* 500 lines is the most an order holds, by the builders and by the check. */
static void test_too_many_lines(void **state)
{
	struct proto_error err = {0};
	json_t *o = order_new(CREATED), *before;
	char total[32];

	assert_non_null(o);
	for (int i = 0; i < ORDER_LINES_MAX; i++)
		MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, ERR));
	assert_int_equal(order_check(o, catalog_known, NULL, &err), 0);

	before = json_deep_copy(o);
	assert_int_equal(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "lines");
	assert_true(json_equal(o, before));

	/* A 501st line sent anyway, with the total to match. */
	json_array_append(json_object_get(o, "lines"),
			  json_array_get(json_object_get(o, "lines"), 0));
	snprintf(total, sizeof(total), "%d", (ORDER_LINES_MAX + 1) * 10);
	mutate(o, "total", total);
	assert_int_equal(order_check(o, catalog_known, NULL, &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "payload.lines");
	assert_non_null(strstr(err.message, "501"));
	json_decref(before);
	json_decref(o);
}

/* 20 payments is the most an order holds. */
static void test_too_many_payments(void **state)
{
	struct proto_error err = {0};
	json_t *o = order_new(CREATED), *payments;

	assert_non_null(o);
	MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 21, 0, ERR));
	for (int i = 0; i < ORDER_PAYMENTS_MAX; i++)
		MUST(order_add_payment(o, "cash", 1, NULL, ERR));
	assert_int_equal(order_due(o), 1);
	assert_int_equal(order_check(o, NULL, NULL, &err), 0);
	assert_int_equal(order_add_payment(o, "card", 0, "LAST", &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "payments");

	payments = json_object_get(o, "payments");
	json_array_append(payments, json_array_get(payments, 0));
	assert_int_equal(order_check(o, NULL, NULL, &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "payload.payments");
	json_decref(o);
}

struct add_line_case {
	const char *sku, *name;
	int64_t qty, unit_price, tax_rate;
	const char *field;
};

static void test_add_line_refuses(void **state)
{
	static const struct add_line_case cases[] = {
	    {NULL, "Bag", 1000, 10, 0, "lines[1].sku"},
	    {"", "Bag", 1000, 10, 0, "lines[1].sku"},
	    {X64 "x", "Bag", 1000, 10, 0, "lines[1].sku"},
	    {"SKU-\xff", "Bag", 1000, 10, 0, "lines[1].sku"},	      /* not UTF-8 */
	    {"SKU-\xc0\xaf", "Bag", 1000, 10, 0, "lines[1].sku"},     /* overlong */
	    {"SKU-\xed\xa0\x80", "Bag", 1000, 10, 0, "lines[1].sku"}, /* a surrogate */
	    {"SKU-\xe2\x82", "Bag", 1000, 10, 0, "lines[1].sku"},     /* cut short */
	    {"SKU-BAG", NULL, 1000, 10, 0, "lines[1].name"},
	    {"SKU-BAG", X128 "x", 1000, 10, 0, "lines[1].name"},
	    {"SKU-BAG", "Caf\xe9", 1000, 10, 0, "lines[1].name"}, /* Latin-1 */
	    {"SKU-BAG", "Bag", 0, 10, 0, "lines[1].qty"},
	    {"SKU-BAG", "Bag", -1000, 10, 0, "lines[1].qty"},
	    {"SKU-BAG", "Bag", MONEY_QTY_MAX + 1, 10, 0, "lines[1].qty"},
	    {"SKU-BAG", "Bag", 1000, -1, 0, "lines[1].unitPrice"},
	    {"SKU-BAG", "Bag", 1000, MONEY_MAX + 1, 0, "lines[1].unitPrice"},
	    {"SKU-BAG", "Bag", 1000, 10, -1, "lines[1].taxRate"},
	    {"SKU-BAG", "Bag", 1000, 10, 10001, "lines[1].taxRate"},
	    {"SKU-BAG", "Bag", 2000, MONEY_MAX, 0, "lines[1].lineTotal"},
	    /* The line fits; the order total would not. */
	    {"SKU-BAG", "Bag", 1000, MONEY_MAX, 0, "total"},
	};

	for (size_t i = 0; i < N(cases); i++) {
		const struct add_line_case *c = &cases[i];
		struct proto_error err = {0};
		json_t *o = order_new(CREATED), *before;
		int rc;

		assert_non_null(o);
		MUST(order_add_line(o, "SKU-COFFEE", "Coffee", 1000, 250, 2000, ERR));
		before = json_deep_copy(o);
		rc = order_add_line(o, c->sku, c->name, c->qty, c->unit_price, c->tax_rate, &err);
		if (rc != -EINVAL || strcmp(err.code, BAD_FIELD) != 0 ||
		    strcmp(err.field, c->field) != 0)
			fail_msg("case %zu: rc %d %s %s (%s); want bad-field %s", i, rc, err.code,
				 err.field, err.message, c->field);
		assert_true(strncmp(err.message, err.field, strlen(err.field)) == 0);
		if (!json_equal(o, before))
			fail_msg("case %zu: the order changed", i);
		json_decref(before);
		json_decref(o);
	}
}

static void test_add_line_sums(void **state)
{
	json_t *o = order_new(CREATED), *line;

	assert_non_null(o);
	/* 0.333 kg at 12.99 (4.32567 -> 4.33) at 7.5 % (30.21 -> 30). */
	MUST(order_add_line(o, "SKU-BEANS", "Beans", 333, 1299, 750, ERR));
	line = json_array_get(json_object_get(o, "lines"), 0);
	assert_int_equal(json_integer_value(json_object_get(line, "lineTotal")), 433);
	assert_int_equal(json_integer_value(json_object_get(line, "tax")), 30);
	/* A free line, and one at 100 %. */
	MUST(order_add_line(o, "SKU-BAG", "", 1000, 0, 2000, ERR));
	MUST(order_add_line(o, "SKU-BAG", "Bag", 3000, 1, 10000, ERR));
	assert_int_equal(json_integer_value(json_object_get(o, "total")), 433 + 0 + 3);
	assert_int_equal(json_integer_value(json_object_get(o, "taxTotal")), 30 + 0 + 2);
	assert_int_equal(order_due(o), 436);
	json_decref(o);
}

/* The builders read the order they are given; one that was tampered with is refused. */
static void test_builders_refuse_a_broken_order(void **state)
{
	static const struct {
		const char *path, *json, *field;
	} cases[] = {
	    {"status", DEL, "status"},
	    {"status", "1", "status"},
	    {"lines", DEL, "lines"},
	    {"lines", "{}", "lines"},
	    {"payments", "null", "payments"},
	    {"total", DEL, "total"},
	    {"total", "10.0", "total"},
	    {"total", "-1", "total"},
	    {"total", "9007199254740990", "total"},
	    {"taxTotal", "\"0\"", "taxTotal"},
	    {"taxTotal", "9007199254740990", "taxTotal"},
	};
	struct proto_error err = {0};
	json_t *o;

	for (size_t i = 0; i < N(cases); i++) {
		json_t *before;

		o = order_new(CREATED);
		assert_non_null(o);
		MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, ERR));
		mutate(o, cases[i].path, cases[i].json);
		before = json_deep_copy(o);
		/* 12.00 at 20 %: a line with tax, so taxTotal is added to. */
		if (order_add_line(o, "SKU-COFFEE", "Coffee", 1000, 1200, 2000, &err) != -EINVAL ||
		    strcmp(err.code, BAD_FIELD) != 0 || strcmp(err.field, cases[i].field) != 0)
			fail_msg("case %zu (%s): %s %s (%s); want bad-field %s", i, cases[i].path,
				 err.code, err.field, err.message, cases[i].field);
		assert_true(json_equal(o, before));
		json_decref(before);
		json_decref(o);
	}
	o = json_array();
	assert_int_equal(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, &err), -EINVAL);
	assert_int_equal(order_add_payment(o, "cash", 10, NULL, &err), -EINVAL);
	assert_int_equal(order_complete(o, "T01-000001", 1, COMPLETED, &err), -EINVAL);
	assert_int_equal(order_due(o), 0);
	json_decref(o);
}

struct payment_case {
	const char *tender;
	int64_t tendered;
	const char *reference;
	const char *code, *field;
};

static void test_add_payment_refuses(void **state)
{
	static const struct payment_case cases[] = {
	    {NULL, 100, NULL, BAD_FIELD, "payments[1].tender"},
	    {"cheque", 100, NULL, BAD_FIELD, "payments[1].tender"},
	    {"Cash", 100, NULL, BAD_FIELD, "payments[1].tender"},
	    {"cash", 0, NULL, BAD_FIELD, "payments[1].tendered"},
	    {"cash", -100, NULL, BAD_FIELD, "payments[1].tendered"},
	    {"cash", MONEY_MAX + 1, NULL, BAD_FIELD, "payments[1].tendered"},
	    {"cash", 100, "R1", BAD_FIELD, "payments[1].reference"},
	    {"card", 0, NULL, BAD_FIELD, "payments[1].reference"},
	    {"card", 0, "", BAD_FIELD, "payments[1].reference"},
	    {"card", 0, X64 "x", BAD_FIELD, "payments[1].reference"},
	    {"card", 0, "A1\tB2", BAD_FIELD, "payments[1].reference"},
	    {"card", 0, "A1\x7f", BAD_FIELD, "payments[1].reference"},
	    {"card", 0, "caf\xc3\xa9", BAD_FIELD, "payments[1].reference"}, /* not ASCII */
	};

	for (size_t i = 0; i < N(cases); i++) {
		const struct payment_case *c = &cases[i];
		struct proto_error err = {0};
		json_t *o = order_new(CREATED), *before;
		int rc;

		assert_non_null(o);
		MUST(order_add_line(o, "SKU-COFFEE", "Coffee", 2000, 250, 2000, ERR));
		MUST(order_add_payment(o, "cash", 100, NULL, ERR));
		before = json_deep_copy(o);
		rc = order_add_payment(o, c->tender, c->tendered, c->reference, &err);
		if (rc != -EINVAL || strcmp(err.code, c->code) != 0 ||
		    strcmp(err.field, c->field) != 0)
			fail_msg("case %zu: rc %d %s %s (%s); want %s %s", i, rc, err.code,
				 err.field, err.message, c->code, c->field);
		if (!json_equal(o, before))
			fail_msg("case %zu: the order changed", i);
		json_decref(before);
		json_decref(o);
	}
}

static void test_add_payment_amounts(void **state)
{
	struct proto_error err = {0};
	json_t *o = order_new(CREATED), *p;

	assert_non_null(o);
	/* Nothing to pay yet. */
	assert_int_equal(order_add_payment(o, "cash", 100, NULL, &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);
	assert_string_equal(err.field, "payments");

	MUST(order_add_line(o, "SKU-BEANS", "Beans 1kg", 1500, 1299, 500, ERR));
	assert_int_equal(order_due(o), 1949);

	/* Cash short of the total: all of it goes to the order, no change. */
	MUST(order_add_payment(o, "cash", 949, NULL, ERR));
	p = json_array_get(json_object_get(o, "payments"), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "amount")), 949);
	assert_int_equal(json_integer_value(json_object_get(p, "tendered")), 949);
	assert_int_equal(json_integer_value(json_object_get(p, "change")), 0);
	assert_true(json_is_null(json_object_get(p, "reference")));
	assert_int_equal(order_due(o), 1000);

	/* Cash over what is due: the amount is what is due, the rest is change. */
	MUST(order_add_payment(o, "cash", 2000, NULL, ERR));
	p = json_array_get(json_object_get(o, "payments"), 1);
	assert_int_equal(json_integer_value(json_object_get(p, "amount")), 1000);
	assert_int_equal(json_integer_value(json_object_get(p, "tendered")), 2000);
	assert_int_equal(json_integer_value(json_object_get(p, "change")), 1000);
	assert_int_equal(order_due(o), 0);

	/* Paid in full: no further payment of any kind. */
	assert_int_equal(order_add_payment(o, "card", 0, "A1", &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);
	assert_string_equal(err.field, "payments");
	assert_int_equal(order_add_payment(o, "cash", 5, NULL, &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);
	MUST(order_complete(o, "T01-000001", 1, COMPLETED, ERR));
	assert_int_equal(order_check(o, catalog_known, NULL, &err), 0);
	json_decref(o);

	/* A card pays exactly what is due, whatever tendered says. */
	o = order_new(CREATED);
	assert_non_null(o);
	MUST(order_add_line(o, "SKU-COFFEE", "Coffee", 2000, 250, 2000, ERR));
	MUST(order_add_payment(o, "card", 99999, "AUTH 0042/X", ERR));
	p = json_array_get(json_object_get(o, "payments"), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "amount")), 500);
	assert_int_equal(json_integer_value(json_object_get(p, "tendered")), 500);
	assert_int_equal(json_integer_value(json_object_get(p, "change")), 0);
	assert_string_equal(json_string_value(json_object_get(p, "reference")), "AUTH 0042/X");
	assert_int_equal(order_due(o), 0);
	json_decref(o);
}

struct complete_case {
	const char *receipt;
	int64_t receipt_seq, completed_at;
	const char *field;
};

static void test_complete(void **state)
{
	static const struct complete_case cases[] = {
	    {NULL, 1, COMPLETED, "receipt"},
	    {"", 1, COMPLETED, "receipt"},
	    {X40 "x", 1, COMPLETED, "receipt"},
	    {"T01-\xff", 1, COMPLETED, "receipt"},
	    {"T01-000001", 0, COMPLETED, "receiptSeq"},
	    {"T01-000001", -1, COMPLETED, "receiptSeq"},
	    {"T01-000001", ORDER_SEQ_MAX + 1, COMPLETED, "receiptSeq"},
	    {"T01-000001", 1, ORDER_CLOCK_MIN - 1, "completedAt"},
	    {"T01-000001", 1, ORDER_CLOCK_MAX + 1, "completedAt"},
	};
	struct proto_error err = {0};
	json_t *o, *before;

	for (size_t i = 0; i < N(cases); i++) {
		const struct complete_case *c = &cases[i];

		o = order_new(CREATED);
		assert_non_null(o);
		MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, ERR));
		MUST(order_add_payment(o, "cash", 10, NULL, ERR));
		before = json_deep_copy(o);
		if (order_complete(o, c->receipt, c->receipt_seq, c->completed_at, &err) !=
			-EINVAL ||
		    strcmp(err.code, BAD_FIELD) != 0 || strcmp(err.field, c->field) != 0)
			fail_msg("case %zu: %s %s (%s); want bad-field %s", i, err.code, err.field,
				 err.message, c->field);
		assert_true(json_equal(o, before));
		json_decref(before);
		json_decref(o);
	}

	/* No lines. */
	o = order_new(CREATED);
	assert_non_null(o);
	assert_int_equal(order_complete(o, "T01-000001", 1, COMPLETED, &err), -EINVAL);
	assert_string_equal(err.code, BAD_FIELD);
	assert_string_equal(err.field, "lines");

	/* Not paid, then part paid. */
	MUST(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, ERR));
	assert_int_equal(order_complete(o, "T01-000001", 1, COMPLETED, &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);
	assert_string_equal(err.field, "payments");
	MUST(order_add_payment(o, "cash", 4, NULL, ERR));
	assert_int_equal(order_complete(o, "T01-000001", 1, COMPLETED, &err), -EINVAL);
	assert_string_equal(err.code, BAD_TOTAL);

	/* Paid: completed, with its receipt; then nothing changes it. */
	MUST(order_add_payment(o, "cash", 6, NULL, ERR));
	MUST(order_complete(o, "T01-000001", 1, COMPLETED, ERR));
	assert_string_equal(json_string_value(json_object_get(o, "status")), "completed");
	assert_string_equal(json_string_value(json_object_get(o, "receipt")), "T01-000001");
	assert_int_equal(json_integer_value(json_object_get(o, "receiptSeq")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "completedAt")), COMPLETED);
	assert_int_equal(order_check(o, catalog_known, NULL, &err), 0);
	before = json_deep_copy(o);
	assert_int_equal(order_complete(o, "T01-000002", 2, COMPLETED, &err), -EINVAL);
	assert_string_equal(err.field, "status");
	assert_int_equal(order_add_line(o, "SKU-BAG", "Bag", 1000, 10, 0, &err), -EINVAL);
	assert_string_equal(err.field, "status");
	assert_int_equal(order_add_payment(o, "cash", 10, NULL, &err), -EINVAL);
	assert_string_equal(err.field, "status");
	assert_true(json_equal(o, before));
	json_decref(before);
	json_decref(o);
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

/* A pseudo-random order as a till would make it: lines, then payments until paid. */
static json_t *random_order(uint64_t *seed)
{
	static const char *const skus[] = {"SKU-COFFEE", "SKU-BEANS", "SKU-BAG"};
	static const int64_t rates[] = {0, 500, 550, 700, 750, 1000, 2000, 2100, 10000};
	static const int64_t qtys[] = {1000, 2000, 500, 250, 1, 333, 1125, 999999, 1000000000};
	int lines = (int)random_below(seed, 40) + 1;
	json_t *o = order_new(CREATED + random_below(seed, 1000000000));

	assert_non_null(o);
	for (int i = 0; i < lines; i++) {
		int64_t qty = random_below(seed, 2) ? qtys[random_below(seed, N(qtys))]
						    : random_below(seed, 20000) + 1;
		int64_t price = random_below(seed, 4) ? random_below(seed, 10000)
						      : random_below(seed, 100000000);

		MUST(order_add_line(o, skus[random_below(seed, N(skus))], "Item", qty, price,
				    rates[random_below(seed, N(rates))], ERR));
	}
	while (order_due(o) > 0) {
		int64_t due = order_due(o);
		size_t paid = json_array_size(json_object_get(o, "payments"));

		if (paid + 1 == ORDER_PAYMENTS_MAX || random_below(seed, 4) == 0)
			MUST(order_add_payment(o, "card", 0, "AUTH-1", ERR));
		else
			MUST(order_add_payment(o, "cash", random_below(seed, due * 2) + 1, NULL,
					       ERR));
	}
	return o;
}

static void test_random_orders(void **state)
{
	uint64_t seed = 42;

	for (int n = 0; n < 400; n++) {
		struct proto_error err = {0};
		json_t *o = random_order(&seed), *item;
		int64_t sum = 0, tax_sum = 0, paid = 0;
		size_t i;

		/* Paid, but still open: valid. Then completed: valid. */
		if (order_check(o, catalog_known, NULL, &err) != 0)
			fail_msg("order %d (open): %s %s: %s", n, err.code, err.field, err.message);
		MUST(order_complete(o, "T01-000001", n + 1, COMPLETED, ERR));
		if (order_check(o, catalog_known, NULL, &err) != 0)
			fail_msg("order %d: %s %s: %s", n, err.code, err.field, err.message);

		json_array_foreach(json_object_get(o, "lines"), i, item)
		{
			int64_t line_total = json_integer_value(json_object_get(item, "lineTotal"));
			int64_t tax = json_integer_value(json_object_get(item, "tax"));

			assert_true(line_total >= 0 && tax >= 0 && tax <= line_total);
			sum += line_total;
			tax_sum += tax;
		}
		assert_int_equal(json_integer_value(json_object_get(o, "total")), sum);
		assert_int_equal(json_integer_value(json_object_get(o, "taxTotal")), tax_sum);
		json_array_foreach(json_object_get(o, "payments"), i, item)
		{
			int64_t amount = json_integer_value(json_object_get(item, "amount"));
			int64_t tendered = json_integer_value(json_object_get(item, "tendered"));
			int64_t change = json_integer_value(json_object_get(item, "change"));

			assert_true(amount > 0);
			assert_true(change >= 0);
			assert_int_equal(change, tendered - amount);
			paid += amount;
		}
		assert_int_equal(paid, sum);
		assert_int_equal(order_due(o), 0);

		/* And one cent off anywhere in a line is caught. */
		i = (size_t)random_below(&seed,
					 (int64_t)json_array_size(json_object_get(o, "lines")));
		item = json_array_get(json_object_get(o, "lines"), i);
		json_integer_set(
		    json_object_get(item, random_below(&seed, 2) ? "tax" : "lineTotal"),
		    json_integer_value(json_object_get(item, "lineTotal")) + 1);
		assert_int_equal(order_check(o, NULL, NULL, &err), -EINVAL);
		assert_string_equal(err.code, BAD_TOTAL);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builders_make_the_spec_order),
	    cmocka_unit_test(test_new_order),
	    cmocka_unit_test(test_valid_order_passes),
	    cmocka_unit_test(test_check_accepts),
	    cmocka_unit_test(test_check_missing_members),
	    cmocka_unit_test(test_check_wrong_types),
	    cmocka_unit_test(test_check_limits),
	    cmocka_unit_test(test_check_totals),
	    cmocka_unit_test(test_check_unknown_sku),
	    cmocka_unit_test(test_check_not_an_order),
	    cmocka_unit_test(test_too_many_lines),
	    cmocka_unit_test(test_too_many_payments),
	    cmocka_unit_test(test_add_line_refuses),
	    cmocka_unit_test(test_add_line_sums),
	    cmocka_unit_test(test_builders_refuse_a_broken_order),
	    cmocka_unit_test(test_add_payment_refuses),
	    cmocka_unit_test(test_add_payment_amounts),
	    cmocka_unit_test(test_complete),
	    cmocka_unit_test(test_random_orders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
