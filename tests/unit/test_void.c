/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for voids (docs/pos.md, "Voids"): order_void turns an open
 * order that took no money into a numbered voided one and refuses the
 * rest; order_check accepts exactly the voided orders and reversals the
 * protocol describes; a voided order is final for the sync rules; and the
 * staff rules ask order.void for both, and a step-up every time for a
 * reversal.
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
#include "proto_sync.h"
#include "staff_rules.h"
#include "sync_rules.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define CREATED 1767225600123LL
#define VOIDED	1767225900000LL
#define STAFF	"01a1fcbe-0ddb-7fea-ad13-27ba653ac118"
#define T1	"01a1fcbe-0e23-780c-aecc-ea98a94064a8"
#define T2	"01a1fcbe-1654-726a-8c2e-12a7842682b6"
#define SALE_ID "01a1fcbe-165c-7db7-99b5-87f0f10b8856"
#define NUMBER	"CORNER-T01-000007"

#define MUST(call)                                                                                 \
	do {                                                                                       \
		int must_rc_ = (call);                                                             \
		if (must_rc_ != 0)                                                                 \
			fail_msg("%s: rc %d, %s %s: %s", #call, must_rc_, err.code, err.field,     \
				 err.message);                                                     \
	} while (0)

/* A parked cart of two coffees at 2.50 (20 % tax included): 5.00, 0.83 of tax. */
static json_t *parked_cart(void)
{
	struct proto_error err = {0};
	json_t *o = order_new(CREATED);

	assert_non_null(o);
	MUST(order_add_line(o, "SKU-COFFEE", "Coffee", 2000, 250, 2000, &err));
	MUST(order_price(o, 10000, &err));
	json_object_set_new(o, "status", json_string("parked"));
	return o;
}

static json_t *voided_cart(void)
{
	struct proto_error err = {0};
	json_t *o = parked_cart();

	MUST(order_void(o, NUMBER, 7, VOIDED, STAFF, "customer left", &err));
	return o;
}

static void test_void_builds_the_spec_order(void **state)
{
	struct proto_error err = {0};
	json_t *o = voided_cart();

	(void)state;
	assert_string_equal(json_string_value(json_object_get(o, "status")), "voided");
	assert_string_equal(json_string_value(json_object_get(o, "receipt")), NUMBER);
	assert_int_equal(json_integer_value(json_object_get(o, "receiptSeq")), 7);
	assert_int_equal(json_integer_value(json_object_get(o, "voidedAt")), VOIDED);
	assert_string_equal(json_string_value(json_object_get(o, "voidedBy")), STAFF);
	assert_string_equal(json_string_value(json_object_get(o, "voidReason")), "customer left");
	assert_true(json_is_null(json_object_get(o, "completedAt")));
	/* The lines and money stay as they were: the record shows what was not sold. */
	assert_int_equal(json_integer_value(json_object_get(o, "total")), 500);
	assert_int_equal(json_array_size(json_object_get(o, "lines")), 1);
	/* What the terminal makes, the hub accepts. */
	MUST(order_check(o, NULL, NULL, &err));
	json_decref(o);
}

static void test_void_without_staff_or_reason(void **state)
{
	struct proto_error err = {0};
	json_t *o = parked_cart();

	(void)state;
	MUST(order_void(o, NUMBER, 7, VOIDED, NULL, NULL, &err));
	assert_null(json_object_get(o, "voidedBy"));
	assert_null(json_object_get(o, "voidReason"));
	MUST(order_check(o, NULL, NULL, &err));
	json_decref(o);
}

/* Each refusal leaves the order exactly as it was. */
static void test_void_refusals(void **state)
{
	static char long_reason[ORDER_VOID_REASON_MAX + 2];
	static const struct {
		const char *status; /* the order's status before */
		int paid;	    /* take a cash payment first */
		const char *number;
		int64_t seq, at;
		const char *by, *reason;
		const char *field, *needle;
	} cases[] = {
	    {"completed", 0, NUMBER, 7, VOIDED, NULL, NULL, "status", "reversed"},
	    {"voided", 0, NUMBER, 7, VOIDED, NULL, NULL, "status", "voided"},
	    {"open", 1, NUMBER, 7, VOIDED, NULL, NULL, "payments", "give the money back"},
	    {"open", 0, "", 7, VOIDED, NULL, NULL, "receipt", "bytes"},
	    {"open", 0, NUMBER, 0, VOIDED, NULL, NULL, "receiptSeq", "out of range"},
	    {"open", 0, NUMBER, 7, 12, NULL, NULL, "voidedAt", "out of range"},
	    {"open", 0, NUMBER, 7, VOIDED, "Ann", NULL, "voidedBy", "UUID"},
	    {"open", 0, NUMBER, 7, VOIDED, NULL, "", "voidReason", "bytes"},
	    {"open", 0, NUMBER, 7, VOIDED, NULL, long_reason, "voidReason", "bytes"},
	    {"open", 0, NUMBER, 7, VOIDED, NULL, "\xff\xfe", "voidReason", "UTF-8"},
	};
	(void)state;
	memset(long_reason, 'x', ORDER_VOID_REASON_MAX + 1);
	for (size_t i = 0; i < N(cases); i++) {
		struct proto_error err = {0};
		json_t *o = parked_cart(), *before;
		int rc;

		json_object_set_new(o, "status", json_string(cases[i].status));
		if (cases[i].paid) {
			json_object_set_new(o, "status", json_string("open"));
			MUST(order_add_payment(o, "cash", 200, NULL, &err));
		}
		before = json_deep_copy(o);
		rc = order_void(o, cases[i].number, cases[i].seq, cases[i].at, cases[i].by,
				cases[i].reason, &err);
		if (rc != -EINVAL || strcmp(err.code, PROTO_ERR_BAD_FIELD) != 0 ||
		    strcmp(err.field, cases[i].field) != 0 || !strstr(err.message, cases[i].needle))
			fail_msg("case %zu: rc %d %s %s: %s; want %s mentioning \"%s\"", i, rc,
				 err.code, err.field, err.message, cases[i].field, cases[i].needle);
		if (!json_equal(o, before))
			fail_msg("case %zu: the order changed although it was refused", i);
		json_decref(before);
		json_decref(o);
	}
}

/* A voided order is final for the builders too. */
static void test_voided_order_cannot_change(void **state)
{
	struct proto_error err = {0};
	json_t *o = voided_cart();

	(void)state;
	assert_int_equal(order_add_line(o, "SKU-COFFEE", "Coffee", 1000, 250, 2000, &err), -EINVAL);
	assert_string_equal(err.field, "status");
	assert_int_equal(order_add_payment(o, "cash", 500, NULL, &err), -EINVAL);
	assert_string_equal(err.field, "status");
	json_decref(o);
}

/* A completed refund of the whole sale, with "reversal": true. */
static json_t *reversal(void)
{
	struct proto_error err = {0};
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:b, s:n, s:n, s:I, s:n, s:[{s:s, s:s, s:I, "
	    "s:I, s:I, s:I, s:I, s:i}], s:I, s:I, s:[]}",
	    "type", "refund", "refundOf", SALE_ID, "refundOfReceipt", "CORNER-T01-000001", "status",
	    "open", "reversal", 1, "receipt", "receiptSeq", "createdAt", (json_int_t)CREATED,
	    "completedAt", "lines", "sku", "SKU-COFFEE", "name", "Coffee", "qty", (json_int_t)2000,
	    "unitPrice", (json_int_t)250, "taxRate", (json_int_t)2000, "lineTotal", (json_int_t)500,
	    "tax", (json_int_t)83, "refLine", 0, "total", (json_int_t)500, "taxTotal",
	    (json_int_t)83, "payments");
	struct order_tender cash = {"cash", 0, NULL};

	assert_non_null(o);
	MUST(order_settle(o, &cash, 1, 1, &err));
	MUST(order_complete(o, NUMBER, 7, VOIDED, &err));
	return o;
}

struct check_case {
	json_t *(*make)(void);
	const char *key;
	const char *json;  /* NULL: delete the member */
	const char *field; /* NULL: still valid */
};

static void test_check_voided_and_reversals(void **state)
{
	static const struct check_case cases[] = {
	    {voided_cart, NULL, NULL, NULL},
	    {voided_cart, "voidedBy", NULL, NULL},
	    {voided_cart, "voidReason", NULL, NULL},
	    {voided_cart, "voidedAt", NULL, "payload.voidedAt"},
	    {voided_cart, "voidedAt", "1.5", "payload.voidedAt"},
	    {voided_cart, "receipt", "null", "payload.receipt"},
	    {voided_cart, "receiptSeq", NULL, "payload.receiptSeq"},
	    {voided_cart, "completedAt", "1767225900000", "payload.completedAt"},
	    {voided_cart, "voidedBy", "\"Ann\"", "payload.voidedBy"},
	    {voided_cart, "voidReason", "\"\"", "payload.voidReason"},
	    {voided_cart, "voidReason", "42", "payload.voidReason"},
	    {voided_cart, "type", "\"refund\"", "payload.refundOf"},
	    {voided_cart, "payments",
	     "[{\"tender\":\"cash\",\"amount\":500,\"tendered\":500,\"change\":0,"
	     "\"reference\":null}]",
	     "payload.payments"},
	    {voided_cart, "status", "\"void\"", "payload.status"},
	    {parked_cart, "voidedAt", "1767225900000", "payload.voidedAt"},
	    {parked_cart, "voidReason", "\"why\"", "payload.voidReason"},
	    {reversal, NULL, NULL, NULL},
	    {reversal, "voidReason", "\"wrong card\"", NULL},
	    {reversal, "voidReason", "\"\"", "payload.voidReason"},
	    {reversal, "voidedAt", "1767225900000", "payload.voidedAt"},
	    {reversal, "reversal", "false", "payload.reversal"},
	    {reversal, "reversal", "1", "payload.reversal"},
	    {parked_cart, "reversal", "true", "payload.reversal"},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		struct proto_error err = {0};
		json_t *o = cases[i].make();
		int rc;

		if (cases[i].key && cases[i].json)
			json_object_set_new(o, cases[i].key,
					    json_loads(cases[i].json, JSON_DECODE_ANY, NULL));
		else if (cases[i].key)
			json_object_del(o, cases[i].key);
		rc = order_check(o, NULL, NULL, &err);
		if (!cases[i].field && rc != 0)
			fail_msg("case %zu (%s): refused: %s %s", i, cases[i].key, err.field,
				 err.message);
		if (cases[i].field &&
		    (rc != -EINVAL || strcmp(err.code, PROTO_ERR_BAD_FIELD) != 0 ||
		     strcmp(err.field, cases[i].field) != 0))
			fail_msg("case %zu (%s): rc %d %s %s: %s; want %s", i, cases[i].key, rc,
				 err.code, err.field, err.message, cases[i].field);
		json_decref(o);
	}
}

static void test_voided_is_final_for_the_owner_too(void **state)
{
	static const struct {
		const char *kind;
		int64_t rev;
		const char *pusher;
		struct sync_stored_order stored;
		enum sync_verdict verdict;
		const char *code;
	} cases[] = {
	    {PROTO_OP_ORDER_PUT, 3, T1, {1, T1, 2, 0, 1}, SYNC_CONFLICT, PROTO_CODE_ORDER_VOIDED},
	    {PROTO_OP_ORDER_RELEASE,
	     3,
	     T1,
	     {1, T1, 2, 0, 1},
	     SYNC_CONFLICT,
	     PROTO_CODE_ORDER_VOIDED},
	    /* only the owner writes, voided or not; a stale revision stays stale */
	    {PROTO_OP_ORDER_PUT, 3, T2, {1, T1, 2, 0, 1}, SYNC_CONFLICT, PROTO_CODE_NOT_OWNER},
	    {PROTO_OP_ORDER_PUT, 2, T1, {1, T1, 2, 0, 1}, SYNC_CONFLICT, PROTO_CODE_STALE_REVISION},
	    /* voiding an open order is an ordinary update by its owner */
	    {PROTO_OP_ORDER_PUT, 2, T1, {1, T1, 1, 0, 0}, SYNC_APPLY, PROTO_CODE_APPLIED},
	};
	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		const char *code = NULL;
		char message[256] = "";
		enum sync_verdict v =
		    sync_rules_judge(cases[i].kind, cases[i].rev, cases[i].pusher, &cases[i].stored,
				     &code, message, sizeof(message));

		if (v != cases[i].verdict || strcmp(code, cases[i].code) != 0)
			fail_msg("case %zu: %d %s, want %d %s", i, v, code, cases[i].verdict,
				 cases[i].code);
		if (v == SYNC_CONFLICT && strcmp(code, PROTO_CODE_ORDER_VOIDED) == 0 &&
		    !strstr(message, "voided"))
			fail_msg("case %zu: message \"%s\" does not say it was voided", i, message);
	}
}

static int needs_has(const struct staff_needs *n, const char *perm)
{
	for (int i = 0; i < n->n; i++)
		if (strcmp(n->perm[i], perm) == 0)
			return 1;
	return 0;
}

static void test_staff_needs(void **state)
{
	struct staff_needs needs;
	json_t *v = voided_cart(), *r = reversal(), *refund = reversal(), *cart = parked_cart();

	(void)state;
	json_object_del(refund, "reversal");
	staff_op_needs(PROTO_OP_ORDER_PUT, v, &needs);
	assert_true(needs_has(&needs, "order.void"));
	assert_false(needs.stepup);
	staff_op_needs(PROTO_OP_ORDER_PUT, r, &needs);
	assert_true(needs_has(&needs, "order.void"));
	assert_false(needs_has(&needs, "order.refund"));
	assert_true(needs.stepup);
	staff_op_needs(PROTO_OP_ORDER_PUT, refund, &needs);
	assert_true(needs_has(&needs, "order.refund"));
	assert_false(needs_has(&needs, "order.void"));
	assert_false(needs.stepup);
	staff_op_needs(PROTO_OP_ORDER_PUT, cart, &needs);
	assert_int_equal(needs.n, 0);
	assert_false(needs.stepup);
	json_decref(v);
	json_decref(r);
	json_decref(refund);
	json_decref(cart);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_void_builds_the_spec_order),
	    cmocka_unit_test(test_void_without_staff_or_reason),
	    cmocka_unit_test(test_void_refusals),
	    cmocka_unit_test(test_voided_order_cannot_change),
	    cmocka_unit_test(test_check_voided_and_reversals),
	    cmocka_unit_test(test_voided_is_final_for_the_owner_too),
	    cmocka_unit_test(test_staff_needs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
