/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/journal.c: the exact text that is hashed and its
 * SHA-256 (digests computed independently with Python's hashlib), numbers
 * and store codes, the op's payload and its checks, and a chain walk that
 * catches a changed amount, body, prevHash, a gap and a wrong grand total.
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

#include "journal.h"

#define RECORD_ID "01890a5d-ac96-774b-bcce-b302099a8057"
#define AT	  1700000000000LL

static void fill_record(struct journal_record *r, int64_t seq, int64_t amount, int64_t grand,
			const char *prev, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	assert_int_equal(journal_number("CORNER", "T01", seq, r->number, sizeof(r->number)), 0);
	snprintf(r->kind, sizeof(r->kind), "%s", JOURNAL_KIND_SALE);
	snprintf(r->record_id, sizeof(r->record_id), "%s", RECORD_ID);
	r->at = AT + seq;
	r->amount = amount;
	r->grand_total = grand;
	snprintf(r->prev_hash, sizeof(r->prev_hash), "%s", prev);
	r->body = body;
	assert_int_equal(journal_hash(r, r->hash), 0);
}

static void test_text_is_exact(void **state)
{
	struct journal_record r = {0};
	char *text;
	char hash[JOURNAL_HASH_LEN];

	(void)state;
	r.seq = 42;
	snprintf(r.number, sizeof(r.number), "CORNER-T01-000042");
	snprintf(r.kind, sizeof(r.kind), "sale");
	snprintf(r.record_id, sizeof(r.record_id), RECORD_ID);
	r.at = AT;
	r.amount = 1250;
	r.grand_total = 5000;
	for (int i = 0; i < 64; i += 2)
		memcpy(r.prev_hash + i, "ab", 2);
	r.prev_hash[64] = '\0';
	r.body = "{\"status\":\"completed\",\"total\":1250}";
	text = journal_text(&r);
	assert_non_null(text);
	assert_string_equal(text, "tillnet-journal-v1\n42\nCORNER-T01-000042\nsale\n" RECORD_ID
				  "\n1700000000000\n1250\n5000\n"
				  "abababababababababababababababababababababababababababababababab"
				  "\n{\"status\":\"completed\",\"total\":1250}");
	free(text);
	assert_int_equal(journal_hash(&r, hash), 0);
	assert_string_equal(hash,
			    "45b9384ff44e0e637f5329f10475c62ebbc1580dd40d9d8fdad21731cb46e78f");

	/* Negative numbers carry a '-'; the first record's prevHash is 64 zeros. */
	r.seq = 3;
	snprintf(r.number, sizeof(r.number), "SHOP-T02-000003");
	snprintf(r.kind, sizeof(r.kind), "refund");
	r.amount = -700;
	r.grand_total = -200;
	snprintf(r.prev_hash, sizeof(r.prev_hash), "%s", JOURNAL_GENESIS_HASH);
	r.body = "{}";
	assert_int_equal(journal_hash(&r, hash), 0);
	assert_string_equal(hash,
			    "2bd4fb43b09d2c93275281743957721480392a263c3c466ea5a3acf519fbfc81");
}

static void test_body_is_compact_and_sorted(void **state)
{
	json_t *rec =
	    json_pack("{s:i, s:s, s:[i, i]}", "total", 1250, "status", "completed", "lines", 1, 2);
	char *body = journal_body(rec);

	(void)state;
	assert_string_equal(body, "{\"lines\":[1,2],\"status\":\"completed\",\"total\":1250}");
	free(body);
	json_decref(rec);
}

static void test_number_format(void **state)
{
	char out[JOURNAL_NUMBER_MAX];

	(void)state;
	assert_int_equal(journal_number("CORNER", "T01", 42, out, sizeof(out)), 0);
	assert_string_equal(out, "CORNER-T01-000042");
	assert_int_equal(journal_number("AB", "T12", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "AB-T12-000001");
	/* More than six digits: never cut, just longer. */
	assert_int_equal(journal_number("SHOP", "T01", 12345678, out, sizeof(out)), 0);
	assert_string_equal(out, "SHOP-T01-12345678");
	assert_int_equal(journal_number("SHOP", "T01", 0, out, sizeof(out)), -EINVAL);
	assert_int_equal(journal_number("SHOP", "T01", JOURNAL_SEQ_MAX + 1, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(journal_number("shop", "T01", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(journal_number("S", "T01", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(journal_number("ABCDEFGHI", "T01", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(journal_number("SHOP", "", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(
	    journal_number("ABCDEFGH", "T0123456789ABCDEFGHIJKLMNOP", 1, out, sizeof(out)),
	    -ENAMETOOLONG);
	assert_int_equal(journal_number("SHOP", "T01", 1, out, 8), -ENAMETOOLONG);
}

static void test_store_codes(void **state)
{
	static const struct {
		const char *name, *code;
	} cases[] = {
	    {"Corner Shop", "CORNER"},
	    {"ab", "AB"},
	    {"Café 24/7", "CAF247"},
	    {"", "SHOP"},
	    {"A", "SHOP"},
	    {"€ ! ?", "SHOP"},
	    {"x1", "X1"},
	    {"Bäckerei Müller", "BCKERE"},
	};
	char code[JOURNAL_STORE_CODE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		journal_store_code_derive(cases[i].name, code);
		assert_string_equal(code, cases[i].code);
		assert_int_equal(journal_store_code_check(code), 0);
	}
	assert_int_equal(journal_store_code_check("CORNER12"), 0);
	assert_int_equal(journal_store_code_check("CORNER123"), -EINVAL);
	assert_int_equal(journal_store_code_check("Corner"), -EINVAL);
	assert_int_equal(journal_store_code_check("CO-RN"), -EINVAL);
	assert_int_equal(journal_store_code_check(""), -EINVAL);
}

/* Five linked records: seq 1 … 5, amounts 100, 200, …, grand totals 100, 300, … */
#define CHAIN 5
static const char *const bodies[CHAIN] = {"{\"total\":100}", "{\"total\":200}", "{\"total\":300}",
					  "{\"total\":400}", "{\"total\":500}"};

static void make_chain(struct journal_record *r)
{
	int64_t grand = 0;

	for (int i = 0; i < CHAIN; i++) {
		grand += 100 * (i + 1);
		fill_record(&r[i], i + 1, 100 * (i + 1), grand,
			    i ? r[i - 1].hash : JOURNAL_GENESIS_HASH, bodies[i]);
	}
}

/* Walk the chain; the index of the first fault and the fault, or -1 and 0. */
static int walk(const struct journal_record *r, int n, int *fault)
{
	struct journal_chain c;

	journal_chain_init(&c);
	for (int i = 0; i < n; i++) {
		*fault = journal_chain_add(&c, &r[i]);
		if (*fault != JOURNAL_OK)
			return i;
	}
	assert_int_equal(c.count, n);
	return -1;
}

static void test_chain_verifies(void **state)
{
	struct journal_record r[CHAIN];
	int fault;

	(void)state;
	make_chain(r);
	assert_int_equal(walk(r, CHAIN, &fault), -1);
	assert_int_equal(fault, JOURNAL_OK);
}

static void test_chain_catches_a_changed_amount(void **state)
{
	struct journal_record r[CHAIN];
	int fault;

	(void)state;
	make_chain(r);
	r[2].amount = 301; /* the stored hash no longer matches */
	assert_int_equal(walk(r, CHAIN, &fault), 2);
	assert_int_equal(fault, JOURNAL_FAULT_HASH);
}

static void test_chain_catches_a_changed_body(void **state)
{
	struct journal_record r[CHAIN];
	int fault;

	(void)state;
	make_chain(r);
	r[3].body = "{\"total\":40}";
	assert_int_equal(walk(r, CHAIN, &fault), 3);
	assert_int_equal(fault, JOURNAL_FAULT_HASH);
}

static void test_chain_catches_a_changed_prev_hash(void **state)
{
	struct journal_record r[CHAIN];
	char why[256];
	int fault;

	(void)state;
	make_chain(r);
	/* Rehashed after the edit, so only the link betrays it. */
	r[1].prev_hash[0] = r[1].prev_hash[0] == 'a' ? 'b' : 'a';
	assert_int_equal(journal_hash(&r[1], r[1].hash), 0);
	assert_int_equal(walk(r, CHAIN, &fault), 1);
	assert_int_equal(fault, JOURNAL_FAULT_PREV_HASH);
	journal_fault_text(fault, &r[0], &r[1], why, sizeof(why));
	assert_non_null(strstr(why, "record 2 (CORNER-T01-000002): "));
	assert_non_null(strstr(why, "chain is broken"));
	/* The first record's prevHash must be the 64 zeros. */
	make_chain(r);
	r[0].prev_hash[63] = '1';
	assert_int_equal(journal_hash(&r[0], r[0].hash), 0);
	assert_int_equal(walk(r, 1, &fault), 0);
	assert_int_equal(fault, JOURNAL_FAULT_PREV_HASH);
}

static void test_chain_catches_a_gap(void **state)
{
	struct journal_record r[CHAIN], without[CHAIN - 1];
	char why[256];
	int fault;

	(void)state;
	make_chain(r);
	memcpy(without, r, 2 * sizeof(r[0]));
	memcpy(without + 2, r + 3, 2 * sizeof(r[0])); /* seq 3 is missing */
	assert_int_equal(walk(without, CHAIN - 1, &fault), 2);
	assert_int_equal(fault, JOURNAL_FAULT_SEQ);
	journal_fault_text(fault, &without[1], &without[2], why, sizeof(why));
	assert_string_equal(why, "record 4 (CORNER-T01-000004): expected seq 3 here (records are "
				 "numbered 1, 2, … without gaps)");
	/* A journal that does not start at 1. */
	assert_int_equal(walk(r + 1, CHAIN - 1, &fault), 0);
	assert_int_equal(fault, JOURNAL_FAULT_SEQ);
}

static void test_chain_catches_a_wrong_grand_total(void **state)
{
	struct journal_record r[CHAIN];
	int fault;

	(void)state;
	make_chain(r);
	/* Amount and grand total both changed and rehashed: the running sum betrays it. */
	r[4].grand_total += 1;
	assert_int_equal(journal_hash(&r[4], r[4].hash), 0);
	assert_int_equal(walk(r, CHAIN, &fault), 4);
	assert_int_equal(fault, JOURNAL_FAULT_GRAND_TOTAL);
}

static void test_check_self_catches_a_number_without_its_seq(void **state)
{
	struct journal_record r[CHAIN];

	(void)state;
	make_chain(r);
	snprintf(r[0].number, sizeof(r[0].number), "CORNER-T01-000002");
	assert_int_equal(journal_hash(&r[0], r[0].hash), 0);
	assert_int_equal(journal_check_self(&r[0]), JOURNAL_FAULT_NUMBER);
	assert_int_equal(journal_check_self(&r[1]), JOURNAL_OK);
}

static void test_payload_round_trip(void **state)
{
	struct journal_record r[CHAIN], back;
	struct proto_error err;
	json_t *record = json_pack("{s:i}", "total", 300), *p;
	char *body = NULL;

	(void)state;
	make_chain(r);
	p = journal_payload(&r[2], record);
	assert_non_null(p);
	assert_int_equal(journal_payload_decode(p, &back, &body, &err), 0);
	assert_int_equal(back.seq, 3);
	assert_string_equal(back.number, r[2].number);
	assert_string_equal(back.body, bodies[2]);
	assert_string_equal(back.hash, r[2].hash);
	assert_int_equal(journal_check_self(&back), JOURNAL_OK);
	assert_int_equal(journal_amount_check(&back, record, &err), 0);
	free(body);
	json_decref(p);
	json_decref(record);
}

static void test_payload_errors_name_the_field(void **state)
{
	static const struct {
		const char *key, *value, *field;
	} cases[] = {
	    {"seq", "0", "payload.seq"},
	    {"seq", "1.0", "payload.seq"},
	    {"number", "\"\"", "payload.number"},
	    {"kind", "\"gift\"", "payload.kind"},
	    {"recordId", "\"not-a-uuid\"", "payload.recordId"},
	    {"at", "5", "payload.at"},
	    {"amount", "12.5", "payload.amount"},
	    {"amount", "\"100\"", "payload.amount"},
	    {"amount", "9007199254740993", "payload.amount"},
	    {"grandTotal", "null", "payload.grandTotal"},
	    {"prevHash", "\"ABC\"", "payload.prevHash"},
	    {"hash", "42", "payload.hash"},
	    {"record", "[]", "payload.record"},
	};
	struct journal_record r[CHAIN], back;
	struct proto_error err;
	json_t *record = json_pack("{s:i}", "total", 100);

	(void)state;
	make_chain(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *p = journal_payload(&r[0], record);
		char *body = NULL;

		json_object_set_new(p, cases[i].key,
				    json_loads(cases[i].value, JSON_DECODE_ANY, NULL));
		assert_int_equal(journal_payload_decode(p, &back, &body, &err), -EINVAL);
		assert_string_equal(err.field, cases[i].field);
		assert_string_equal(err.code, "bad-field");
		assert_non_null(strstr(err.message, cases[i].field));
		assert_null(body);
		json_decref(p);
	}
	json_decref(record);
	/* A real where money is expected is called one. */
	{
		json_t *empty = json_object(), *p = journal_payload(&r[0], empty);
		char *body = NULL;

		json_decref(empty);
		json_object_set_new(p, "amount", json_real(1.5));
		assert_int_equal(journal_payload_decode(p, &back, &body, &err), -EINVAL);
		assert_non_null(strstr(err.message, "not a real number"));
		json_decref(p);
	}
}

static void test_amount_fits_the_kind(void **state)
{
	struct journal_record r[CHAIN];
	struct proto_error err;
	json_t *record = json_pack("{s:i}", "total", 100);

	(void)state;
	make_chain(r);
	assert_int_equal(journal_amount_check(&r[0], record, &err), 0);
	r[0].amount = 0;
	assert_int_equal(journal_amount_check(&r[0], record, &err), -EINVAL);
	assert_string_equal(err.field, "payload.amount");
	snprintf(r[0].kind, sizeof(r[0].kind), "cash-close");
	assert_int_equal(journal_amount_check(&r[0], record, &err), 0);
	r[0].amount = 5;
	assert_int_equal(journal_amount_check(&r[0], record, &err), -EINVAL);
	snprintf(r[0].kind, sizeof(r[0].kind), "refund");
	assert_int_equal(journal_amount_check(&r[0], record, &err), -EINVAL);
	r[0].amount = -100;
	assert_int_equal(journal_amount_check(&r[0], record, &err), 0);
	r[0].amount = -99; /* a refund takes exactly its own total off */
	assert_int_equal(journal_amount_check(&r[0], record, &err), -EINVAL);
	assert_string_equal(err.field, "payload.amount");
	json_decref(record);
}

/* A void: 0 for an open cart; minus its total for the reversal of a sale. */
static void test_void_amount_fits_what_it_voids(void **state)
{
	struct journal_record r[CHAIN];
	struct proto_error err;
	json_t *cart = json_pack("{s:s, s:i}", "status", "voided", "total", 250);
	json_t *reversal = json_pack("{s:b, s:i}", "reversal", 1, "total", 250);
	json_t *no_total = json_pack("{s:b}", "reversal", 1);

	(void)state;
	make_chain(r);
	snprintf(r[0].kind, sizeof(r[0].kind), "void");
	r[0].amount = 0;
	assert_int_equal(journal_amount_check(&r[0], cart, &err), 0);
	r[0].amount = -250; /* a voided cart sold nothing: it takes nothing off */
	assert_int_equal(journal_amount_check(&r[0], cart, &err), -EINVAL);
	assert_string_equal(err.field, "payload.amount");
	assert_int_equal(journal_amount_check(&r[0], reversal, &err), 0);
	r[0].amount = 0; /* a reversal takes the whole sale off */
	assert_int_equal(journal_amount_check(&r[0], reversal, &err), -EINVAL);
	assert_string_equal(err.field, "payload.amount");
	assert_int_equal(journal_amount_check(&r[0], no_total, &err), -EINVAL);
	assert_string_equal(err.field, "payload.record.total");
	json_decref(cart);
	json_decref(reversal);
	json_decref(no_total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_is_exact),
	    cmocka_unit_test(test_body_is_compact_and_sorted),
	    cmocka_unit_test(test_number_format),
	    cmocka_unit_test(test_store_codes),
	    cmocka_unit_test(test_chain_verifies),
	    cmocka_unit_test(test_chain_catches_a_changed_amount),
	    cmocka_unit_test(test_chain_catches_a_changed_body),
	    cmocka_unit_test(test_chain_catches_a_changed_prev_hash),
	    cmocka_unit_test(test_chain_catches_a_gap),
	    cmocka_unit_test(test_chain_catches_a_wrong_grand_total),
	    cmocka_unit_test(test_check_self_catches_a_number_without_its_seq),
	    cmocka_unit_test(test_payload_round_trip),
	    cmocka_unit_test(test_payload_errors_name_the_field),
	    cmocka_unit_test(test_amount_fits_the_kind),
	    cmocka_unit_test(test_void_amount_fits_what_it_voids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
