/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the sync core's pure parts: terminal authority
 * (common/sync_rules.c) one rule at a time, and the sync message decoders
 * (common/proto_sync.c) refusing what a terminal must not send, each with
 * the code and field the terminal is told.
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

#include "proto_sync.h"
#include "sync_rules.h"

#define T1 "01a1fcbe-0ddb-7fea-ad13-27ba653ac118"
#define T2 "01a1fcbe-0e23-780c-aecc-ea98a94064a8"

struct judge_case {
	const char *kind;
	int64_t rev;
	const char *pusher;
	struct sync_stored_order stored;
	enum sync_verdict verdict;
	const char *code;
};

static void test_judge_table(void **state)
{
	static const struct judge_case cases[] = {
	    /* a new order: the pusher creates it and owns it */
	    {PROTO_OP_ORDER_PUT, 1, T1, {0, NULL, 0, 0, 0}, SYNC_APPLY, PROTO_CODE_APPLIED},
	    {PROTO_OP_ORDER_PUT, 7, T1, {0, NULL, 0, 0, 0}, SYNC_APPLY, PROTO_CODE_APPLIED},
	    /* releasing what the hub does not have */
	    {PROTO_OP_ORDER_RELEASE,
	     2,
	     T1,
	     {0, NULL, 0, 0, 0},
	     SYNC_REJECT,
	     PROTO_CODE_UNKNOWN_ORDER},
	    /* the owner moves forward */
	    {PROTO_OP_ORDER_PUT, 2, T1, {1, T1, 1, 0, 0}, SYNC_APPLY, PROTO_CODE_APPLIED},
	    {PROTO_OP_ORDER_RELEASE, 5, T1, {1, T1, 4, 0, 0}, SYNC_APPLY, PROTO_CODE_APPLIED},
	    /* only the owner writes */
	    {PROTO_OP_ORDER_PUT, 9, T2, {1, T1, 1, 0, 0}, SYNC_CONFLICT, PROTO_CODE_NOT_OWNER},
	    {PROTO_OP_ORDER_RELEASE, 9, T2, {1, T1, 1, 0, 0}, SYNC_CONFLICT, PROTO_CODE_NOT_OWNER},
	    /* not-owner wins over a stale revision and a completed order */
	    {PROTO_OP_ORDER_PUT, 1, T2, {1, T1, 3, 1, 0}, SYNC_CONFLICT, PROTO_CODE_NOT_OWNER},
	    /* a revision not above the stored one */
	    {PROTO_OP_ORDER_PUT, 3, T1, {1, T1, 3, 0, 0}, SYNC_CONFLICT, PROTO_CODE_STALE_REVISION},
	    {PROTO_OP_ORDER_PUT, 2, T1, {1, T1, 3, 0, 0}, SYNC_CONFLICT, PROTO_CODE_STALE_REVISION},
	    {PROTO_OP_ORDER_RELEASE,
	     1,
	     T1,
	     {1, T1, 1, 0, 0},
	     SYNC_CONFLICT,
	     PROTO_CODE_STALE_REVISION},
	    /* completed orders never change, whatever the revision */
	    {PROTO_OP_ORDER_PUT,
	     4,
	     T1,
	     {1, T1, 3, 1, 0},
	     SYNC_CONFLICT,
	     PROTO_CODE_ORDER_COMPLETED},
	    {PROTO_OP_ORDER_RELEASE,
	     4,
	     T1,
	     {1, T1, 3, 1, 0},
	     SYNC_CONFLICT,
	     PROTO_CODE_ORDER_COMPLETED},
	    /* voided orders are as final as completed ones (docs/pos.md, "Voids") */
	    {PROTO_OP_ORDER_PUT, 4, T1, {1, T1, 3, 0, 1}, SYNC_CONFLICT, PROTO_CODE_ORDER_VOIDED},
	    {PROTO_OP_ORDER_RELEASE,
	     4,
	     T1,
	     {1, T1, 3, 0, 1},
	     SYNC_CONFLICT,
	     PROTO_CODE_ORDER_VOIDED},
	    {PROTO_OP_ORDER_PUT, 4, T2, {1, T1, 3, 0, 1}, SYNC_CONFLICT, PROTO_CODE_NOT_OWNER},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct judge_case *c = &cases[i];
		const char *code = NULL;
		char message[256] = "";
		enum sync_verdict v;

		v = sync_rules_judge(c->kind, c->rev, c->pusher, &c->stored, &code, message,
				     sizeof(message));
		if (v != c->verdict || strcmp(code, c->code) != 0)
			fail_msg("case %zu: verdict %d code %s, expected %d %s", i, v, code,
				 c->verdict, c->code);
		assert_true(message[0] != '\0');
	}
}

static json_t *op_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:{}}", "opId",
			 "01a1fcbe-165c-7db7-99b5-87f0f10b8856", "kind", "order.put", "entity",
			 "order", "entityId", "01a1fcbe-1654-726a-8c2e-12a7842682b6", "rev", 1,
			 "at", (json_int_t)1795241678420LL, "payload");
}

static void test_op_decode_ok(void **state)
{
	struct proto_error err = {0};
	struct proto_op op;
	json_t *j = op_json();

	(void)state;
	assert_int_equal(proto_op_decode(j, &op, &err), 0);
	assert_string_equal(op.kind, "order.put");
	assert_int_equal(op.rev, 1);
	assert_non_null(op.payload);
	json_decref(j);
}

/* One mutation of a good op per case, and the field the hub names. */
static void test_op_decode_refusals(void **state)
{
	static const struct {
		const char *key;
		const char *value_json; /* NULL: delete the member */
		const char *field;
	} cases[] = {
	    {"opId", NULL, "opId"},
	    {"opId", "\"not-a-uuid\"", "opId"},
	    {"opId", "42", "opId"},
	    {"kind", "\"order.delete\"", "kind"},
	    {"kind", "\"order.claim\"", "kind"},
	    {"entity", "\"catalog\"", "entity"},
	    {"entityId", "\"x\"", "entityId"},
	    {"rev", "0", "rev"},
	    {"rev", "-1", "rev"},
	    {"rev", "1.5", "rev"},
	    {"rev", "9007199254740993", "rev"},
	    {"rev", "\"2\"", "rev"},
	    {"at", "12", "at"},
	    {"at", NULL, "at"},
	    {"payload", "[]", "payload"},
	    {"payload", NULL, "payload"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proto_error err = {0};
		struct proto_op op;
		json_t *j = op_json();

		if (cases[i].value_json)
			json_object_set_new(j, cases[i].key,
					    json_loads(cases[i].value_json, JSON_DECODE_ANY, NULL));
		else
			json_object_del(j, cases[i].key);
		if (proto_op_decode(j, &op, &err) != -EINVAL ||
		    strcmp(err.code, PROTO_ERR_BAD_FIELD) != 0 ||
		    strcmp(err.field, cases[i].field) != 0)
			fail_msg("case %zu (%s=%s): got %s %s", i, cases[i].key,
				 cases[i].value_json ? cases[i].value_json : "(none)", err.code,
				 err.field);
		json_decref(j);
	}
}

static void test_push_limits(void **state)
{
	struct proto_error err = {0};
	json_t *msg = json_pack("{s:s, s:[]}", "type", "push", "ops"), *ops = NULL;

	(void)state;
	assert_int_equal(proto_push_decode(msg, &ops, &err), -EINVAL);
	assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(err.field, "ops");
	for (int i = 0; i < PROTO_PUSH_MAX; i++)
		json_array_append_new(json_object_get(msg, "ops"), json_object());
	assert_int_equal(proto_push_decode(msg, &ops, &err), 0);
	assert_int_equal(json_array_size(ops), PROTO_PUSH_MAX);
	json_array_append_new(json_object_get(msg, "ops"), json_object());
	assert_int_equal(proto_push_decode(msg, &ops, &err), -EINVAL);
	assert_string_equal(err.code, PROTO_ERR_TOO_MANY_OPS);
	json_object_set_new(msg, "ops", json_string("x"));
	assert_int_equal(proto_push_decode(msg, &ops, &err), -EINVAL);
	assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
	json_decref(msg);
}

static void test_canonical_ignores_op_id_time_and_member_order(void **state)
{
	json_t *a = op_json(), *b = op_json();
	char *ta, *tb;

	(void)state;
	json_object_set_new(b, "opId", json_string("01a1fcbe-0000-7000-8000-000000000000"));
	json_object_set_new(b, "at", json_integer(1795241679999LL));
	ta = proto_op_canonical(a);
	tb = proto_op_canonical(b);
	assert_string_equal(ta, tb);
	free(tb);
	json_object_set_new(json_object_get(b, "payload"), "total", json_integer(1));
	tb = proto_op_canonical(b);
	assert_string_not_equal(ta, tb);
	free(ta);
	free(tb);
	json_decref(a);
	json_decref(b);
}

static void test_cursor_and_claim(void **state)
{
	struct proto_error err = {0};
	struct proto_claim claim;
	int64_t seq = -1;
	json_t *m;

	(void)state;
	m = json_pack("{s:s, s:i}", "type", "cursor", "seq", 0);
	assert_int_equal(proto_cursor_decode(m, &seq, &err), 0);
	assert_int_equal(seq, 0);
	json_object_set_new(m, "seq", json_real(3.0));
	assert_int_equal(proto_cursor_decode(m, &seq, &err), -EINVAL);
	assert_string_equal(err.field, "seq");
	json_object_set_new(m, "seq", json_integer(-1));
	assert_int_equal(proto_cursor_decode(m, &seq, &err), -EINVAL);
	json_decref(m);
	m = json_pack("{s:s, s:s, s:s}", "type", "claim", "requestId",
		      "01a1fcbe-165c-7db7-99b5-87f0f10b8856", "orderId", "nope");
	assert_int_equal(proto_claim_decode(m, &claim, &err), -EINVAL);
	assert_string_equal(err.field, "orderId");
	json_object_set_new(m, "orderId", json_string("01a1fcbe-1654-726a-8c2e-12a7842682b6"));
	assert_int_equal(proto_claim_decode(m, &claim, &err), 0);
	assert_string_equal(claim.order_id, "01a1fcbe-1654-726a-8c2e-12a7842682b6");
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_judge_table),
	    cmocka_unit_test(test_op_decode_ok),
	    cmocka_unit_test(test_op_decode_refusals),
	    cmocka_unit_test(test_push_limits),
	    cmocka_unit_test(test_canonical_ignores_op_id_time_and_member_order),
	    cmocka_unit_test(test_cursor_and_claim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
