/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/enroll_code.c: the one-time enrollment code, checked
 * against the layout enroll_code.h documents, both through the encoder and
 * through codes built by hand here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enroll_code.h"

#define PREFIX "TN1-"
/* Room for any code, whatever ENROLL_CODE_MAX says: base32 of 327 bytes is 524 characters. */
#define BIG_TEXT 1024
#define RAW_MAX	 (2 + ENROLL_HOST_MAX + 2 + 16 + ENROLL_SECRET_LEN + 32 + 4)

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* A code with distinct, recognisable bytes in every field. */
static void code_fill(struct enroll_code *c, const char *host, uint16_t port)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->host, sizeof(c->host), "%s", host);
	c->port = port;
	for (int i = 0; i < 16; i++)
		c->terminal_id[i] = (uint8_t)(0x10 + i);
	for (int i = 0; i < ENROLL_SECRET_LEN; i++)
		c->secret[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 32; i++)
		c->ca_fingerprint[i] = (uint8_t)(0x40 + 7 * i);
}

static void assert_code_equal(const struct enroll_code *a, const struct enroll_code *b)
{
	assert_string_equal(a->host, b->host);
	assert_int_equal(a->port, b->port);
	assert_memory_equal(a->terminal_id, b->terminal_id, 16);
	assert_memory_equal(a->secret, b->secret, ENROLL_SECRET_LEN);
	assert_memory_equal(a->ca_fingerprint, b->ca_fingerprint, 32);
}

/* "TN1-", then only A-Z and 2-7 (the QR code's alphanumeric mode holds all of them). */
static void assert_code_text(const char *text)
{
	assert_int_equal(strncmp(text, PREFIX, strlen(PREFIX)), 0);
	assert_true(strlen(text) > strlen(PREFIX));
	for (const char *p = text + strlen(PREFIX); *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '2' && *p <= '7')))
			fail_msg("character '%c' (0x%02x) in \"%s\"", *p, (unsigned char)*p, text);
	}
}

/* Encode into a buffer of `outlen`, check the text, decode it back and compare. */
static void round_trip(const char *host, uint16_t port, size_t outlen)
{
	struct enroll_code in, out;
	char text[BIG_TEXT];
	char err[256] = "";

	int rc;

	assert_true(outlen <= sizeof(text));
	code_fill(&in, host, port);
	rc = enroll_code_encode(&in, text, outlen);
	if (rc != 0)
		fail_msg("encode of a %zu-character host into %zu bytes: %s", strlen(host), outlen,
			 strerror(-rc));
	assert_code_text(text);
	memset(&out, 0xee, sizeof(out));
	if (enroll_code_decode(text, &out, err, sizeof(err)) != 0)
		fail_msg("decode of \"%s\": %s", text, err);
	assert_code_equal(&in, &out);
}

/* The raw bytes enroll_code.h lays out, built here without the encoder. */
static size_t raw_build(uint8_t *raw, uint8_t version, const char *host, size_t hostlen,
			uint16_t port, const struct enroll_code *c)
{
	size_t n = 0;
	uint32_t crc;

	raw[n++] = version;
	raw[n++] = (uint8_t)hostlen;
	memcpy(raw + n, host, hostlen);
	n += hostlen;
	raw[n++] = (uint8_t)(port >> 8);
	raw[n++] = (uint8_t)(port & 0xff);
	memcpy(raw + n, c->terminal_id, 16);
	n += 16;
	memcpy(raw + n, c->secret, ENROLL_SECRET_LEN);
	n += ENROLL_SECRET_LEN;
	memcpy(raw + n, c->ca_fingerprint, 32);
	n += 32;
	crc = crc32_ieee(raw, n);
	raw[n++] = (uint8_t)(crc >> 24);
	raw[n++] = (uint8_t)(crc >> 16);
	raw[n++] = (uint8_t)(crc >> 8);
	raw[n++] = (uint8_t)crc;
	return n;
}

/* "TN1-" and RFC 4648 base32 without padding, written independently of the code under test. */
static void text_build(const uint8_t *raw, size_t len, char *out, size_t outlen)
{
	size_t bits = len * 8, o = strlen(PREFIX);

	assert_true(o + (bits + 4) / 5 < outlen);
	memcpy(out, PREFIX, o);
	for (size_t b = 0; b < bits; b += 5) {
		unsigned v = 0;

		for (size_t k = b; k < b + 5; k++) {
			unsigned bit = k < bits ? (raw[k / 8] >> (7 - k % 8)) & 1u : 0u;

			v = (v << 1) | bit;
		}
		out[o++] = b32[v];
	}
	out[o] = '\0';
}

static void assert_decode_fails(const char *text, const char *needle)
{
	struct enroll_code out;
	char err[256] = "";

	if (enroll_code_decode(text, &out, err, sizeof(err)) != -EINVAL)
		fail_msg("\"%s\" was accepted", text ? text : "(NULL)");
	if (needle && !strstr(err, needle))
		fail_msg("error for \"%s\" is \"%s\", expected it to mention \"%s\"",
			 text ? text : "(NULL)", err, needle);
}

static void encode_default(char *text, size_t len)
{
	struct enroll_code c;

	code_fill(&c, "192.168.1.10", 8443);
	assert_int_equal(enroll_code_encode(&c, text, len), 0);
}

static void test_round_trip_ipv4(void **state)
{
	round_trip("192.168.1.10", 8443, ENROLL_CODE_MAX);
	round_trip("10.0.0.1", 1, ENROLL_CODE_MAX);
}

static void test_round_trip_ipv6(void **state)
{
	round_trip("fd00::1", 8443, ENROLL_CODE_MAX);
	round_trip("[fd00::1]", 443, ENROLL_CODE_MAX);
}

static void test_round_trip_port_65535(void **state)
{
	round_trip("hub.shop.lan", 65535, ENROLL_CODE_MAX);
}

static void test_round_trip_every_host_length(void **state)
{
	char host[ENROLL_HOST_MAX + 1];

	/* Every length, so every tail of the base32 (0-4 spare bits) is covered. */
	for (size_t len = 1; len <= ENROLL_HOST_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			host[i] = "abcdefghij.-0123456789"[i % 22];
		host[len] = '\0';
		round_trip(host, 8443, BIG_TEXT);
	}
}

/*
 * ENROLL_CODE_MAX is "text, with NUL": the hub encodes into a buffer of that size
 * (hub/enroll.c), so a code for any host the format allows must fit in it.
 */
static void test_longest_host_fits_code_max(void **state)
{
	char host[ENROLL_HOST_MAX + 1];

	memset(host, 'h', ENROLL_HOST_MAX);
	host[ENROLL_HOST_MAX] = '\0';
	round_trip(host, 65535, ENROLL_CODE_MAX);
}

static void test_decode_lower_case_and_white_space(void **state)
{
	struct enroll_code in, out;
	char text[ENROLL_CODE_MAX], padded[ENROLL_CODE_MAX + 16];
	char err[256] = "";

	code_fill(&in, "192.168.1.10", 8443);
	assert_int_equal(enroll_code_encode(&in, text, sizeof(text)), 0);
	for (char *p = text; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	assert_int_equal(strncmp(text, "tn1-", 4), 0);
	snprintf(padded, sizeof(padded), " \t\r\n%s \r\n\t ", text);
	if (enroll_code_decode(padded, &out, err, sizeof(err)) != 0)
		fail_msg("decode of \"%s\": %s", padded, err);
	assert_code_equal(&in, &out);
}

static void test_decode_rejects_null_and_empty(void **state)
{
	assert_decode_fails(NULL, NULL);
	assert_decode_fails("", NULL);
	assert_decode_fails(" \t\n", NULL);
	assert_decode_fails("TN1-", NULL);
}

static void test_decode_rejects_wrong_prefix(void **state)
{
	char text[ENROLL_CODE_MAX], other[ENROLL_CODE_MAX];

	encode_default(text, sizeof(text));
	snprintf(other, sizeof(other), "TN2-%s", text + 4);
	assert_decode_fails(other, "TN1-");
	snprintf(other, sizeof(other), "TN1%s", text + 4);
	assert_decode_fails(other, NULL);
	assert_decode_fails(text + 4, "TN1-");
	assert_decode_fails("TN", "TN1-");
}

static void test_decode_rejects_character_outside_alphabet(void **state)
{
	char text[ENROLL_CODE_MAX];
	const char bad[] = {'0', '1', '8', '9', '=', '-', '!', ' ', '\x80', '\xff'};

	for (size_t i = 0; i < sizeof(bad); i++) {
		encode_default(text, sizeof(text));
		text[20] = bad[i];
		assert_decode_fails(text, "character");
	}
}

static void test_decode_rejects_truncated(void **state)
{
	char text[ENROLL_CODE_MAX];
	size_t len;

	encode_default(text, sizeof(text));
	len = strlen(text);
	for (size_t cut = 1; cut < len - strlen(PREFIX); cut++) {
		text[len - cut] = '\0';
		assert_decode_fails(text, NULL);
	}
	encode_default(text, sizeof(text));
	text[len - 1] = '\0';
	assert_decode_fails(text, "cut short");
}

static void test_decode_rejects_changed_character(void **state)
{
	char text[ENROLL_CODE_MAX];
	size_t len;

	encode_default(text, sizeof(text));
	len = strlen(text);
	/* In the middle of the fingerprint: only the checksum can tell. */
	text[60] = text[60] == 'A' ? 'B' : 'A';
	assert_decode_fails(text, "damaged");

	/* Any one slip anywhere, to any other letter. The last character is left out:
	 * its low bits are base32 padding and carry nothing. */
	for (size_t i = strlen(PREFIX); i < len - 1; i++) {
		for (size_t k = 1; k < 32; k += 5) {
			char keep;

			encode_default(text, sizeof(text));
			keep = text[i];
			text[i] = b32[((size_t)(strchr(b32, keep) - b32) + k) % 32];
			assert_decode_fails(text, NULL);
		}
	}
}

static void test_decode_rejects_extra_character(void **state)
{
	struct enroll_code c, out;
	char host[32], text[ENROLL_CODE_MAX + 1], accepted[128] = "";
	char err[256];
	size_t len, used = 0;

	/* Host lengths 1-10 give raw lengths of every remainder mod 5. */
	for (size_t hostlen = 1; hostlen <= 10; hostlen++) {
		memset(host, 'a', hostlen);
		host[hostlen] = '\0';
		code_fill(&c, host, 8443);
		assert_int_equal(enroll_code_encode(&c, text, ENROLL_CODE_MAX), 0);
		len = strlen(text);
		text[len] = 'A';
		text[len + 1] = '\0';
		if (enroll_code_decode(text, &out, err, sizeof(err)) == 0)
			used += (size_t)snprintf(accepted + used, sizeof(accepted) - used, " %zu",
						 hostlen);
	}
	if (used)
		fail_msg("a code with an extra character was accepted for host lengths%s",
			 accepted);
}

static void test_encode_rejects(void **state)
{
	struct enroll_code c;
	char text[BIG_TEXT];

	code_fill(&c, "", 8443);
	assert_int_equal(enroll_code_encode(&c, text, sizeof(text)), -EINVAL);

	code_fill(&c, "192.168.1.10", 0);
	assert_int_equal(enroll_code_encode(&c, text, sizeof(text)), -EINVAL);

	/*
	 * A host of more than 255 characters cannot be NUL-terminated in its array;
	 * with no NUL there, strlen runs on through the next fields (all non-zero
	 * up to the fingerprint's last byte), still inside the struct.
	 */
	memset(&c, 'a', sizeof(c));
	c.ca_fingerprint[31] = 0;
	assert_true(strlen(c.host) > ENROLL_HOST_MAX);
	assert_int_equal(enroll_code_encode(&c, text, sizeof(text)), -EINVAL);
}

static void test_encode_small_buffer(void **state)
{
	struct enroll_code c;
	char text[BIG_TEXT];
	size_t need;

	code_fill(&c, "192.168.1.10", 8443);
	assert_int_equal(enroll_code_encode(&c, text, sizeof(text)), 0);
	need = strlen(text) + 1;
	assert_int_equal(enroll_code_encode(&c, text, need), 0);
	/* One byte short, or hardly any room: an error, and no write past the end (ASan). */
	assert_true(enroll_code_encode(&c, text, need - 1) < 0);
	assert_true(enroll_code_encode(&c, text, 5) < 0);
	assert_true(enroll_code_encode(&c, text, 1) < 0);
}

static void test_crc32_check_value(void **state)
{
	assert_int_equal(crc32_ieee((const uint8_t *)"123456789", 9), 0xCBF43926u);
	assert_int_equal(crc32_ieee((const uint8_t *)"", 0), 0);
	assert_int_equal(crc32_ieee((const uint8_t *)"a", 1), 0xE8B7BE43u);
}

static void test_encoder_follows_documented_layout(void **state)
{
	struct enroll_code c;
	uint8_t raw[RAW_MAX];
	char mine[BIG_TEXT], theirs[BIG_TEXT];
	size_t n;

	code_fill(&c, "fd00::1", 0x20fb);
	n = raw_build(raw, 1, c.host, strlen(c.host), c.port, &c);
	text_build(raw, n, mine, sizeof(mine));
	assert_int_equal(enroll_code_encode(&c, theirs, sizeof(theirs)), 0);
	assert_string_equal(theirs, mine);
}

/*
 * The CRC only catches slips, it is no seal: a code whose fingerprint was changed
 * and its CRC recomputed decodes, and decode hands back the changed fingerprint
 * (the terminal then finds it does not match the hub's CA).
 */
static void test_decode_returns_what_is_encoded(void **state)
{
	struct enroll_code c, forged, out;
	uint8_t raw[RAW_MAX];
	char text[BIG_TEXT];
	char err[256] = "";
	size_t n;

	code_fill(&c, "192.168.1.10", 8443);
	forged = c;
	for (int i = 0; i < 32; i++)
		forged.ca_fingerprint[i] ^= 0x5a;
	n = raw_build(raw, 1, forged.host, strlen(forged.host), forged.port, &forged);
	text_build(raw, n, text, sizeof(text));
	if (enroll_code_decode(text, &out, err, sizeof(err)) != 0)
		fail_msg("decode of \"%s\": %s", text, err);
	assert_code_equal(&forged, &out);
	assert_memory_not_equal(out.ca_fingerprint, c.ca_fingerprint, 32);
}

static void test_decode_rejects_bad_contents(void **state)
{
	struct enroll_code c;
	uint8_t raw[RAW_MAX];
	char text[BIG_TEXT];
	size_t n;

	code_fill(&c, "192.168.1.10", 8443);

	n = raw_build(raw, 2, c.host, strlen(c.host), c.port, &c);
	text_build(raw, n, text, sizeof(text));
	assert_decode_fails(text, "version 2");

	n = raw_build(raw, 1, "", 0, c.port, &c);
	text_build(raw, n, text, sizeof(text));
	assert_decode_fails(text, NULL);

	n = raw_build(raw, 1, c.host, strlen(c.host), 0, &c);
	text_build(raw, n, text, sizeof(text));
	assert_decode_fails(text, "port 0");

	n = raw_build(raw, 1, "hub\0evil", 8, c.port, &c);
	text_build(raw, n, text, sizeof(text));
	assert_decode_fails(text, "address");

	n = raw_build(raw, 1, "hub shop", 8, c.port, &c);
	text_build(raw, n, text, sizeof(text));
	assert_decode_fails(text, "address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_ipv4),
	    cmocka_unit_test(test_round_trip_ipv6),
	    cmocka_unit_test(test_round_trip_port_65535),
	    cmocka_unit_test(test_round_trip_every_host_length),
	    cmocka_unit_test(test_longest_host_fits_code_max),
	    cmocka_unit_test(test_decode_lower_case_and_white_space),
	    cmocka_unit_test(test_decode_rejects_null_and_empty),
	    cmocka_unit_test(test_decode_rejects_wrong_prefix),
	    cmocka_unit_test(test_decode_rejects_character_outside_alphabet),
	    cmocka_unit_test(test_decode_rejects_truncated),
	    cmocka_unit_test(test_decode_rejects_changed_character),
	    cmocka_unit_test(test_decode_rejects_extra_character),
	    cmocka_unit_test(test_encode_rejects),
	    cmocka_unit_test(test_encode_small_buffer),
	    cmocka_unit_test(test_crc32_check_value),
	    cmocka_unit_test(test_encoder_follows_documented_layout),
	    cmocka_unit_test(test_decode_returns_what_is_encoded),
	    cmocka_unit_test(test_decode_rejects_bad_contents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
