/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/proto.c: hello, welcome and error messages encoded and
 * read back, and the parser and decoders refusing what a peer must not send,
 * each with the error code and field the other side will be told.
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

#include "proto.h"

#define TERMINAL_ID "7d1e4b2a-9c3f-4e8d-b5a6-1f2e3d4c5b6a"
#define CLOCK	    1767225600123LL /* 2026-01-01T00:00:00.123Z */

/* Parse `text`, which must succeed with type `want_type`; the caller decrefs. */
static json_t *parse_ok(const char *text, const char *want_type)
{
	struct proto_error err = {0};
	const char *type = NULL;
	json_t *msg = NULL;

	if (proto_parse(text, strlen(text), &msg, &type, &err) != 0)
		fail_msg("parse of %s: %s %s: %s", text, err.code, err.field, err.message);
	assert_non_null(msg);
	assert_string_equal(type, want_type);
	return msg;
}

/* Parse `len` bytes of `buf`, which must fail with `code` and `field`. */
static void parse_fails(const char *buf, size_t len, const char *code, const char *field)
{
	struct proto_error err = {0};
	const char *type = "not set";
	json_t *msg = (json_t *)&err;

	assert_int_equal(proto_parse(buf, len, &msg, &type, &err), -EINVAL);
	assert_null(msg);
	assert_null(type);
	assert_string_equal(err.code, code);
	assert_string_equal(err.field, field);
	assert_true(err.message[0] != '\0');
}

static void parse_text_fails(const char *text, const char *code, const char *field)
{
	parse_fails(text, strlen(text), code, field);
}

/* Decode a hello written out as JSON text; returns what proto_hello_decode returned. */
static int hello_from_text(const char *text, struct proto_hello *h, struct proto_error *err)
{
	json_t *msg = parse_ok(text, "hello");
	int rc;

	memset(err, 0, sizeof(*err));
	rc = proto_hello_decode(msg, h, err);
	json_decref(msg);
	return rc;
}

/* Decode a hello frame that must fail with bad-field naming `field` (and mentioning `needle`). */
static void hello_expect_bad_field(const char *text, const char *field, const char *needle)
{
	struct proto_hello h;
	struct proto_error err;

	assert_int_equal(hello_from_text(text, &h, &err), -EINVAL);
	assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(err.field, field);
	if (needle && !strstr(err.message, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
}

static void test_hello_round_trip(void **state)
{
	struct proto_hello in = {0}, out;
	struct proto_error err = {0};
	json_t *msg;
	char *text;

	in.protocol_version = PROTO_VERSION;
	snprintf(in.terminal_id, sizeof(in.terminal_id), "%s", TERMINAL_ID);
	in.clock_ms = CLOCK;
	snprintf(in.software, sizeof(in.software), "tillnet-term 0.1.0");
	text = proto_hello_encode(&in);
	assert_non_null(text);
	assert_null(strchr(text, '\n'));
	msg = parse_ok(text, "hello");
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(proto_hello_decode(msg, &out, &err), 0);
	assert_int_equal(out.protocol_version, PROTO_VERSION);
	assert_string_equal(out.terminal_id, in.terminal_id);
	assert_int_equal(out.clock_ms, CLOCK);
	assert_string_equal(out.software, in.software);
	json_decref(msg);
	free(text);
}

static void test_welcome_round_trip(void **state)
{
	struct proto_welcome in = {0}, out;
	struct proto_error err = {0};
	json_t *msg;
	char *text;

	in.protocol_version = PROTO_VERSION;
	snprintf(in.hub_id, sizeof(in.hub_id), "0f3c2a9e-5b1d-4c8e-9a7f-2d6b8e1c4f30");
	snprintf(in.store, sizeof(in.store), "Café \"Corner\" Shop\\1");
	in.hub_clock_ms = CLOCK;
	in.clock_offset_ms = -1500;
	snprintf(in.short_code, sizeof(in.short_code), "T2");
	memset(in.name, 'n', sizeof(in.name) - 1); /* the longest name that fits */
	text = proto_welcome_encode(&in);
	assert_non_null(text);
	msg = parse_ok(text, "welcome");
	memset(&out, 0x5a, sizeof(out));
	assert_int_equal(proto_welcome_decode(msg, &out, &err), 0);
	assert_int_equal(out.protocol_version, PROTO_VERSION);
	assert_string_equal(out.hub_id, in.hub_id);
	assert_string_equal(out.store, in.store);
	assert_int_equal(out.hub_clock_ms, CLOCK);
	assert_int_equal(out.clock_offset_ms, -1500);
	assert_string_equal(out.short_code, in.short_code);
	assert_string_equal(out.name, in.name);
	json_decref(msg);
	free(text);
}

static void test_error_round_trip(void **state)
{
	struct proto_error in, out, err = {0};
	json_t *msg;
	char *text;

	proto_error_set(&in, PROTO_ERR_BAD_FIELD, "terminalId", "terminalId: missing");
	text = proto_error_encode(&in);
	assert_non_null(text);
	msg = parse_ok(text, "error");
	assert_int_equal(proto_error_decode(msg, &out, &err), 0);
	assert_string_equal(out.code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(out.field, "terminalId");
	assert_string_equal(out.message, "terminalId: missing");
	json_decref(msg);
	free(text);

	/* No field: none is sent, and none comes back. */
	proto_error_set(&in, PROTO_ERR_BAD_JSON, NULL, "malformed JSON");
	text = proto_error_encode(&in);
	assert_non_null(text);
	assert_null(strstr(text, "\"field\""));
	msg = parse_ok(text, "error");
	assert_int_equal(proto_error_decode(msg, &out, &err), 0);
	assert_string_equal(out.code, PROTO_ERR_BAD_JSON);
	assert_string_equal(out.field, "");
	assert_string_equal(out.message, "malformed JSON");
	json_decref(msg);
	free(text);
}

static void test_error_set(void **state)
{
	struct proto_error e;
	char longer[600];

	assert_int_equal(proto_error_set(&e, PROTO_ERR_UNKNOWN_TYPE, NULL, "type \"%s\"", "x"),
			 -EINVAL);
	assert_string_equal(e.code, PROTO_ERR_UNKNOWN_TYPE);
	assert_string_equal(e.field, "");
	assert_string_equal(e.message, "type \"x\"");

	/* Too long for message: cut, still terminated. */
	memset(longer, 'm', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	proto_error_set(&e, PROTO_ERR_UNEXPECTED, "f", "%s", longer);
	assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
}

static void test_version_error_names_our_version(void **state)
{
	struct proto_error in;
	json_t *msg, *v;
	char *text;

	proto_error_set(&in, PROTO_ERR_VERSION, "protocolVersion",
			"protocolVersion: peer speaks 2, this side speaks %d", PROTO_VERSION);
	text = proto_error_encode(&in);
	assert_non_null(text);
	msg = parse_ok(text, "error");
	v = json_object_get(msg, "protocolVersion");
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), PROTO_VERSION);
	json_decref(msg);
	free(text);

	/* Other errors carry no version. */
	proto_error_set(&in, PROTO_ERR_BAD_FIELD, "clock", "clock: missing");
	text = proto_error_encode(&in);
	assert_non_null(text);
	msg = parse_ok(text, "error");
	assert_null(json_object_get(msg, "protocolVersion"));
	json_decref(msg);
	free(text);
}

static void test_parse_rejects_bad_json(void **state)
{
	static const char *const bad[] = {"", "{", "hello", "{type:1}", "{\"type\":'hello'}"};
	static const char *const cut[] = {"{\"type\":\"hello\"", "{\"type\":\"hello\",}",
					  "{\"type\":\"hello\"} {}"};
	const char nul_inside[] = "{\"type\":\"hello\"}\0{}";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_text_fails(bad[i], PROTO_ERR_BAD_JSON, "");
	/* Cut short, a trailing comma, and two objects in one frame. */
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		parse_text_fails(cut[i], PROTO_ERR_BAD_JSON, "");
	/* The length given is what counts, not a NUL inside the buffer. */
	parse_fails(nul_inside, sizeof(nul_inside) - 1, PROTO_ERR_BAD_JSON, "");
	/* Invalid UTF-8. */
	parse_text_fails("{\"type\":\"h\xff\"}", PROTO_ERR_BAD_JSON, "");
}

static void test_parse_rejects_non_object(void **state)
{
	parse_text_fails("[{\"type\":\"hello\"}]", PROTO_ERR_BAD_JSON, "");
	parse_text_fails("\"hello\"", PROTO_ERR_BAD_JSON, "");
	parse_text_fails("42", PROTO_ERR_BAD_JSON, "");
	parse_text_fails("null", PROTO_ERR_BAD_JSON, "");
}

static void test_parse_rejects_bad_type(void **state)
{
	parse_text_fails("{}", PROTO_ERR_BAD_FIELD, "type");
	parse_text_fails("{\"protocolVersion\":1}", PROTO_ERR_BAD_FIELD, "type");
	parse_text_fails("{\"type\":1}", PROTO_ERR_BAD_FIELD, "type");
	parse_text_fails("{\"type\":null}", PROTO_ERR_BAD_FIELD, "type");
	parse_text_fails("{\"type\":[\"hello\"]}", PROTO_ERR_BAD_FIELD, "type");
	parse_text_fails("{\"Type\":\"hello\"}", PROTO_ERR_BAD_FIELD, "type");
}

static void test_parse_rejects_duplicate_keys(void **state)
{
	parse_text_fails("{\"type\":\"hello\",\"type\":\"welcome\"}", PROTO_ERR_BAD_JSON, "");
	parse_text_fails("{\"type\":\"hello\",\"clock\":1,\"clock\":2}", PROTO_ERR_BAD_JSON, "");
}

static void test_parse_size_limit(void **state)
{
	const char head[] = "{\"type\":\"hello\",\"pad\":\"";
	const char tail[] = "\"}";
	char *buf = malloc(PROTO_FRAME_MAX + 1);
	struct proto_error err = {0};
	const char *type;
	json_t *msg;

	assert_non_null(buf);
	/* A valid object of exactly PROTO_FRAME_MAX bytes is taken. */
	memset(buf, 'p', PROTO_FRAME_MAX + 1);
	memcpy(buf, head, strlen(head));
	memcpy(buf + PROTO_FRAME_MAX - strlen(tail), tail, strlen(tail));
	assert_int_equal(proto_parse(buf, PROTO_FRAME_MAX, &msg, &type, &err), 0);
	assert_string_equal(type, "hello");
	json_decref(msg);

	/* One byte more is too big, though it is valid JSON. */
	buf[PROTO_FRAME_MAX - strlen(tail)] = 'p';
	memcpy(buf + PROTO_FRAME_MAX + 1 - strlen(tail), tail, strlen(tail));
	parse_fails(buf, PROTO_FRAME_MAX + 1, PROTO_ERR_TOO_BIG, "");
	free(buf);
}

static void test_hello_version_mismatch(void **state)
{
	struct proto_hello h;
	struct proto_error err;

	assert_int_equal(hello_from_text("{\"type\":\"hello\",\"protocolVersion\":2,\"terminalId\":"
					 "\"" TERMINAL_ID "\",\"clock\":1767225600123}",
					 &h, &err),
			 -EPROTONOSUPPORT);
	assert_string_equal(err.code, PROTO_ERR_VERSION);
	assert_string_equal(err.field, "protocolVersion");
	assert_int_equal(h.protocol_version, 2);

	/* Even a hello that says nothing else is answered with the version. */
	assert_int_equal(hello_from_text("{\"type\":\"hello\",\"protocolVersion\":0}", &h, &err),
			 -EPROTONOSUPPORT);
	assert_string_equal(err.code, PROTO_ERR_VERSION);
	assert_int_equal(h.protocol_version, 0);
}

static void test_hello_version_must_be_integer(void **state)
{
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1.0,\"terminalId\":\"t\","
			       "\"clock\":1767225600123}",
			       "protocolVersion", "integer");
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":\"1\",\"terminalId\":\"t\","
			       "\"clock\":1767225600123}",
			       "protocolVersion", NULL);
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":true,\"terminalId\":\"t\","
			       "\"clock\":1767225600123}",
			       "protocolVersion", NULL);
	hello_expect_bad_field("{\"type\":\"hello\",\"terminalId\":\"t\",\"clock\":1767225600123}",
			       "protocolVersion", "missing");
}

static void test_hello_terminal_id(void **state)
{
	struct proto_hello h;
	struct proto_error err;
	char text[256], id[64];

	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"clock\":1767225600123}",
			       "terminalId", "missing");
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":7,"
			       "\"clock\":1767225600123}",
			       "terminalId", NULL);
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":null,"
			       "\"clock\":1767225600123}",
			       "terminalId", NULL);

	/* 39 characters fit, 40 do not. */
	memset(id, 'i', 39);
	id[39] = '\0';
	snprintf(text, sizeof(text),
		 "{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"%s\","
		 "\"clock\":1767225600123}",
		 id);
	assert_int_equal(hello_from_text(text, &h, &err), 0);
	assert_string_equal(h.terminal_id, id);
	memset(id, 'i', 40);
	id[40] = '\0';
	snprintf(text, sizeof(text),
		 "{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"%s\","
		 "\"clock\":1767225600123}",
		 id);
	hello_expect_bad_field(text, "terminalId", NULL);
}

/* A NUL inside a string would cut the id short where C reads it: refused at either step. */
static void test_hello_terminal_id_with_nul(void **state)
{
	const char text[] =
	    "{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"a\\u0000b\","
	    "\"clock\":1767225600123}";
	struct proto_error err = {0};
	struct proto_hello h;
	const char *type;
	json_t *msg;

	/* The frame as it arrives. */
	assert_int_equal(proto_parse(text, strlen(text), &msg, &type, &err), -EINVAL);
	assert_null(msg);

	/* And a decoder handed such a string anyway. */
	msg = json_pack("{s:s, s:i, s:s%, s:I}", "type", "hello", "protocolVersion", 1,
			"terminalId", "a\0b", (size_t)3, "clock", (json_int_t)CLOCK);
	assert_non_null(msg);
	memset(&err, 0, sizeof(err));
	assert_int_equal(proto_hello_decode(msg, &h, &err), -EINVAL);
	assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(err.field, "terminalId");
	json_decref(msg);
}

static void test_hello_clock(void **state)
{
	/* Out of the sane range, or not an integer. */
	static const char *const bad[] = {
	    "5",
	    "0",
	    "-1",
	    "99999999999999999",
	    "1767225600123.0",
	    "null",
	    "true",
	    "\"1767225600123\"",
	};
	struct proto_hello h;
	struct proto_error err;
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"t\","
			 "\"clock\":%s}",
			 bad[i]);
		hello_expect_bad_field(text, "clock", NULL);
	}
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"t\","
			       "\"clock\":1.5}",
			       "clock", "integer");
	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"t\"}",
			       "clock", "missing");

	/* 2000-01-01 and 2200-01-01 themselves are sane. */
	assert_int_equal(hello_from_text("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":"
					 "\"t\",\"clock\":946684800000}",
					 &h, &err),
			 0);
	assert_int_equal(h.clock_ms, 946684800000LL);
	assert_int_equal(hello_from_text("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":"
					 "\"t\",\"clock\":7258118400000}",
					 &h, &err),
			 0);
}

static void test_hello_software_optional(void **state)
{
	struct proto_hello h;
	struct proto_error err;
	char text[256], sw[80];

	assert_int_equal(hello_from_text("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":"
					 "\"t\",\"clock\":1767225600123}",
					 &h, &err),
			 0);
	assert_string_equal(h.software, "");
	assert_string_equal(h.terminal_id, "t");

	hello_expect_bad_field("{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"t\","
			       "\"clock\":1767225600123,\"software\":3}",
			       "software", NULL);
	memset(sw, 's', 64);
	sw[64] = '\0';
	snprintf(text, sizeof(text),
		 "{\"type\":\"hello\",\"protocolVersion\":1,\"terminalId\":\"t\","
		 "\"clock\":1767225600123,\"software\":\"%s\"}",
		 sw);
	hello_expect_bad_field(text, "software", NULL);
}

static void test_welcome_missing_fields(void **state)
{
	static const char *const fields[] = {
	    "protocolVersion", "hubId", "store", "hubClock", "clockOffset", "shortCode", "name",
	};
	struct proto_welcome in = {0}, out;

	in.protocol_version = PROTO_VERSION;
	snprintf(in.hub_id, sizeof(in.hub_id), "h");
	snprintf(in.store, sizeof(in.store), "s");
	in.hub_clock_ms = CLOCK;
	snprintf(in.short_code, sizeof(in.short_code), "T1");
	snprintf(in.name, sizeof(in.name), "Till 1");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct proto_error err = {0};
		char *text = proto_welcome_encode(&in);
		json_t *msg;

		assert_non_null(text);
		msg = parse_ok(text, "welcome");
		free(text);
		assert_int_equal(json_object_del(msg, fields[i]), 0);
		assert_int_equal(proto_welcome_decode(msg, &out, &err), -EINVAL);
		assert_string_equal(err.code, PROTO_ERR_BAD_FIELD);
		assert_string_equal(err.field, fields[i]);
		json_decref(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello_round_trip),
	    cmocka_unit_test(test_welcome_round_trip),
	    cmocka_unit_test(test_error_round_trip),
	    cmocka_unit_test(test_error_set),
	    cmocka_unit_test(test_version_error_names_our_version),
	    cmocka_unit_test(test_parse_rejects_bad_json),
	    cmocka_unit_test(test_parse_rejects_non_object),
	    cmocka_unit_test(test_parse_rejects_bad_type),
	    cmocka_unit_test(test_parse_rejects_duplicate_keys),
	    cmocka_unit_test(test_parse_size_limit),
	    cmocka_unit_test(test_hello_version_mismatch),
	    cmocka_unit_test(test_hello_version_must_be_integer),
	    cmocka_unit_test(test_hello_terminal_id),
	    cmocka_unit_test(test_hello_terminal_id_with_nul),
	    cmocka_unit_test(test_hello_clock),
	    cmocka_unit_test(test_hello_software_optional),
	    cmocka_unit_test(test_welcome_missing_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
