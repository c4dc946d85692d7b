/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for certs/pki.c: the store CA, the hub's server certificate,
 * terminal CSRs and their signing, fingerprints, and verification, all
 * through the PEM-only interface in pki.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"

#define KEY_PEM_HEAD "-----BEGIN PRIVATE KEY-----"

/* Not NULL, so a test sees whether a failing call cleared its out-parameter. */
static char not_set[] = "not set";

/* One CA and one server certificate, made once for the tests that only read them. */
struct pki_fixture {
	time_t now;
	char *ca_key;
	char *ca_cert;
	char *srv_key;
	char *srv_cert;
};

static const char *const server_sans[] = {"localhost", "127.0.0.1", "::1", "hub.shop.lan"};

static int fixture_setup(void **state)
{
	struct pki_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f; /* from here on, teardown frees what was made */
	f->now = time(NULL);
	if (pki_ca_create("Corner Shop", f->now, &f->ca_key, &f->ca_cert) != 0)
		return -1;
	if (pki_server_create(f->ca_key, f->ca_cert, "localhost", server_sans, 4, f->now,
			      &f->srv_key, &f->srv_cert) != 0)
		return -1;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct pki_fixture *f = *state;

	if (f) {
		free(f->ca_key);
		free(f->ca_cert);
		free(f->srv_key);
		free(f->srv_cert);
		free(f);
	}
	return 0;
}

static int is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Flip one base64 character near the end of the body, which lies in the
 * ECDSA signature's `s` value: the DER still parses, the signature does not.
 */
static void tamper_signature(char *pem)
{
	char *c = strstr(pem, "-----END");
	int n = 0;

	assert_non_null(c);
	while (n < 10) {
		c--;
		if (*c != '\n' && *c != '=')
			n++;
	}
	*c = (*c == 'A') ? 'B' : 'A';
}

static void test_ca_create(void **state)
{
	struct pki_fixture *f = *state;
	char cn[PKI_CN_MAX], serial[PKI_SERIAL_HEX_LEN];

	assert_non_null(strstr(f->ca_key, KEY_PEM_HEAD));
	assert_int_equal(strncmp(f->ca_key, KEY_PEM_HEAD, strlen(KEY_PEM_HEAD)), 0);
	assert_int_equal(strncmp(f->ca_cert, "-----BEGIN CERTIFICATE-----", 27), 0);
	assert_int_equal(pki_cert_info(f->ca_cert, cn, serial), 0);
	assert_string_equal(cn, "tillnet store CA: Corner Shop");
	assert_int_equal(strlen(serial), 32);
	/* The CA is self-signed and is its own trust anchor. */
	assert_int_equal(pki_verify(f->ca_cert, f->ca_cert, NULL, f->now, NULL, 0), 0);
}

static void test_fingerprint_stable_and_formatted(void **state)
{
	struct pki_fixture *f = *state;
	uint8_t a[PKI_FP_LEN], b[PKI_FP_LEN], c[PKI_FP_LEN];
	char text[PKI_FP_TEXT_LEN];

	assert_int_equal(pki_fingerprint(f->ca_cert, a), 0);
	assert_int_equal(pki_fingerprint(f->ca_cert, b), 0);
	assert_memory_equal(a, b, PKI_FP_LEN);
	assert_int_equal(pki_fingerprint(f->srv_cert, c), 0);
	assert_memory_not_equal(a, c, PKI_FP_LEN);

	pki_fingerprint_format(a, text);
	assert_int_equal(strlen(text), 7 + 64);
	assert_int_equal(strncmp(text, "sha256:", 7), 0);
	assert_true(is_lower_hex(text + 7, 64));
}

static void test_fingerprint_format_known(void **state)
{
	uint8_t fp[PKI_FP_LEN];
	char text[PKI_FP_TEXT_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < PKI_FP_LEN; i++)
		fp[i] = (uint8_t)(i * 8 + 7);
	pki_fingerprint_format(fp, text);
	assert_string_equal(text, "sha256:070f171f272f373f474f575f676f777f"
				  "878f979fa7afb7bfc7cfd7dfe7eff7ff");
}

static void test_fingerprint_round_trip(void **state)
{
	struct pki_fixture *f = *state;
	uint8_t fp[PKI_FP_LEN], back[PKI_FP_LEN];
	char text[PKI_FP_TEXT_LEN];
	size_t i;

	assert_int_equal(pki_fingerprint(f->srv_cert, fp), 0);
	pki_fingerprint_format(fp, text);
	memset(back, 0, sizeof(back));
	assert_int_equal(pki_fingerprint_parse(text, back), 0);
	assert_memory_equal(fp, back, PKI_FP_LEN);

	/* Upper-case hex is accepted too. */
	for (i = 7; text[i]; i++)
		if (text[i] >= 'a' && text[i] <= 'f')
			text[i] = (char)(text[i] - 'a' + 'A');
	memset(back, 0, sizeof(back));
	assert_int_equal(pki_fingerprint_parse(text, back), 0);
	assert_memory_equal(fp, back, PKI_FP_LEN);
}

static void test_fingerprint_parse_rejects(void **state)
{
	const char *good = "sha256:00112233445566778899aabbccddeeff"
			   "00112233445566778899aabbccddeeff";
	char text[PKI_FP_TEXT_LEN + 8];
	uint8_t fp[PKI_FP_LEN];

	(void)state;
	assert_int_equal(pki_fingerprint_parse(good, fp), 0);
	assert_int_equal(fp[0], 0x00);
	assert_int_equal(fp[15], 0xff);

	/* Wrong prefix. */
	memcpy(text, good, strlen(good) + 1);
	memcpy(text, "sha1:::", 7);
	assert_int_equal(pki_fingerprint_parse(text, fp), -EINVAL);
	assert_int_equal(pki_fingerprint_parse(good + 7, fp), -EINVAL);
	/* Short by one digit. */
	memcpy(text, good, strlen(good) + 1);
	text[strlen(text) - 1] = '\0';
	assert_int_equal(pki_fingerprint_parse(text, fp), -EINVAL);
	/* Long by one digit. */
	memcpy(text, good, strlen(good) + 1);
	memcpy(text + strlen(good), "0", 2);
	assert_int_equal(pki_fingerprint_parse(text, fp), -EINVAL);
	/* Not hex. */
	memcpy(text, good, strlen(good) + 1);
	text[20] = 'g';
	assert_int_equal(pki_fingerprint_parse(text, fp), -EINVAL);
	text[20] = ' ';
	assert_int_equal(pki_fingerprint_parse(text, fp), -EINVAL);
	assert_int_equal(pki_fingerprint_parse("", fp), -EINVAL);
	assert_int_equal(pki_fingerprint_parse(NULL, fp), -EINVAL);
	assert_int_equal(pki_fingerprint_parse(good, NULL), -EINVAL);
}

static void test_server_cert_names(void **state)
{
	struct pki_fixture *f = *state;
	char err[256];
	char cn[PKI_CN_MAX];

	assert_int_equal(strncmp(f->srv_key, KEY_PEM_HEAD, strlen(KEY_PEM_HEAD)), 0);
	assert_int_equal(pki_cert_info(f->srv_cert, cn, NULL), 0);
	assert_string_equal(cn, "localhost");

	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, NULL, f->now, err, sizeof(err)), 0);
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "localhost", f->now, err, sizeof(err)),
			 0);
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "127.0.0.1", f->now, err, sizeof(err)),
			 0);
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "::1", f->now, err, sizeof(err)), 0);
	assert_int_equal(
	    pki_verify(f->ca_cert, f->srv_cert, "hub.shop.lan", f->now, err, sizeof(err)), 0);

	err[0] = '\0';
	assert_int_equal(
	    pki_verify(f->ca_cert, f->srv_cert, "evil.example", f->now, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "evil.example"));
	/* An address not in the IP SANs, and a name that is not an address SAN. */
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "127.0.0.2", f->now, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "", f->now, err, sizeof(err)),
			 -EINVAL);
}

static void test_server_cert_foreign_ca(void **state)
{
	struct pki_fixture *f = *state;
	char *other_key = NULL, *other_cert = NULL;
	char err[256];

	assert_int_equal(pki_ca_create("Other Shop", f->now, &other_key, &other_cert), 0);
	err[0] = '\0';
	assert_int_equal(pki_verify(other_cert, f->srv_cert, "localhost", f->now, err, sizeof(err)),
			 -EINVAL);
	assert_true(strlen(err) > 0);
	assert_int_equal(pki_verify(other_cert, f->srv_cert, NULL, f->now, NULL, 0), -EINVAL);
	/* Trust does not run backwards: the CA does not verify under the server cert. */
	assert_int_equal(pki_verify(f->srv_cert, f->ca_cert, NULL, f->now, NULL, 0), -EINVAL);
	free(other_key);
	free(other_cert);
}

static void test_server_create_rejects(void **state)
{
	struct pki_fixture *f = *state;
	const char *const bad_sans[] = {"localhost", ""};
	char *key = not_set, *cert = not_set;
	char *other_key = NULL, *other_cert = NULL;

	assert_int_equal(
	    pki_server_create(f->ca_key, f->ca_cert, "", server_sans, 1, f->now, &key, &cert),
	    -EINVAL);
	assert_null(key);
	assert_null(cert);
	assert_int_equal(
	    pki_server_create(f->ca_key, f->ca_cert, "hub", NULL, 2, f->now, &key, &cert), -EINVAL);
	assert_int_equal(
	    pki_server_create(f->ca_key, f->ca_cert, "hub", bad_sans, 2, f->now, &key, &cert),
	    -EINVAL);
	assert_int_equal(
	    pki_server_create("garbage", f->ca_cert, "hub", server_sans, 1, f->now, &key, &cert),
	    -EINVAL);
	assert_int_equal(
	    pki_server_create(f->ca_key, NULL, "hub", server_sans, 1, f->now, &key, &cert),
	    -EINVAL);
	/* A CA key that does not belong to the CA certificate. */
	assert_int_equal(pki_ca_create("Other Shop", f->now, &other_key, &other_cert), 0);
	assert_int_equal(
	    pki_server_create(other_key, f->ca_cert, "hub", server_sans, 1, f->now, &key, &cert),
	    -EINVAL);
	assert_null(key);
	assert_null(cert);
	free(other_key);
	free(other_cert);
}

static void test_csr_sign_ok(void **state)
{
	struct pki_fixture *f = *state;
	char *key = NULL, *csr = NULL, *cert = NULL;
	char serial[PKI_SERIAL_HEX_LEN], info_serial[PKI_SERIAL_HEX_LEN], cn[PKI_CN_MAX];
	char err[256];

	assert_int_equal(pki_csr_create("till-07", &key, &csr), 0);
	assert_int_equal(strncmp(key, KEY_PEM_HEAD, strlen(KEY_PEM_HEAD)), 0);
	assert_int_equal(strncmp(csr, "-----BEGIN NEW CERTIFICATE REQUEST-----", 39) == 0 ||
			     strncmp(csr, "-----BEGIN CERTIFICATE REQUEST-----", 35) == 0,
			 1);

	err[0] = '\0';
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-07", f->now, &cert, serial,
				      err, sizeof(err)),
			 0);
	assert_non_null(cert);
	assert_int_equal(strlen(serial), 32);
	assert_true(is_lower_hex(serial, 32));
	assert_int_equal(pki_cert_info(cert, cn, info_serial), 0);
	assert_string_equal(cn, "till-07");
	assert_string_equal(info_serial, serial);
	assert_int_equal(pki_verify(f->ca_cert, cert, NULL, f->now, err, sizeof(err)), 0);
	/* A client certificate names a terminal, not a host: its CN is no hostname. */
	assert_int_equal(pki_verify(f->ca_cert, cert, "till-07", f->now, err, sizeof(err)),
			 -EINVAL);
	/* The client cert is valid for the whole term, and not after. */
	assert_int_equal(pki_verify(f->ca_cert, cert, NULL,
				    f->now + (time_t)PKI_CLIENT_DAYS * 86400 - 60, NULL, 0),
			 0);

	free(key);
	free(csr);
	free(cert);
}

static void test_csr_sign_wrong_cn(void **state)
{
	struct pki_fixture *f = *state;
	char *key = NULL, *csr = NULL, *cert = not_set;
	char serial[PKI_SERIAL_HEX_LEN], err[256];

	assert_int_equal(pki_csr_create("till-07", &key, &csr), 0);
	err[0] = '\0';
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-08", f->now, &cert, serial,
				      err, sizeof(err)),
			 -EINVAL);
	assert_null(cert);
	assert_non_null(strstr(err, "CN"));
	assert_non_null(strstr(err, "\"till-07\""));
	assert_non_null(strstr(err, "\"till-08\""));
	/* A short err buffer is truncated, not overrun (ASan would say). */
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-08", f->now, &cert, serial, err, 8),
	    -EINVAL);
	assert_int_equal(strlen(err), 7);
	free(key);
	free(csr);
}

static void test_csr_sign_tampered(void **state)
{
	struct pki_fixture *f = *state;
	char *key = NULL, *csr = NULL, *cert = NULL;
	char serial[PKI_SERIAL_HEX_LEN], err[256];

	assert_int_equal(pki_csr_create("till-07", &key, &csr), 0);
	tamper_signature(csr);
	err[0] = '\0';
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-07", f->now, &cert, serial,
				      err, sizeof(err)),
			 -EINVAL);
	assert_null(cert);
	assert_non_null(strstr(err, "signature"));
	free(key);
	free(csr);
}

/* A valid, self-signed request for CN "till-09" on a P-384 key (made by OpenSSL). */
static const char p384_csr[] = "-----BEGIN CERTIFICATE REQUEST-----\n"
			       "MIIBCjCBkQIBADASMRAwDgYDVQQDDAd0aWxsLTA5MHYwEAYHKoZIzj0CAQYFK4EE\n"
			       "ACIDYgAEtcr95VzMDjFIDECQHVlUkxU50RNHS6cEzjFHKYBH8VmzvTrm87an7GVl\n"
			       "RuGJ3/61WODJe04zdAAQfAntmZ0t6U782RdSmR5EjHadLBstocGb94Uw+W4KCBJQ\n"
			       "0CMPAnRtoAAwCgYIKoZIzj0EAwIDaAAwZQIxAIAK48D6dV6QS4p3mSGg9t9GJm7o\n"
			       "yhpgHxJuOC4lA4A4a8b8ReuPYZi7Y4nVFeq98QIwHbJrMFPXFpPGdrPBk/yRGhwb\n"
			       "nfmX1eInvznmfaSbEt5LnhhUhUon/+XR6EdzKSJR\n"
			       "-----END CERTIFICATE REQUEST-----\n";

static void test_csr_sign_wrong_curve(void **state)
{
	struct pki_fixture *f = *state;
	char *cert = NULL;
	char serial[PKI_SERIAL_HEX_LEN], err[256];

	err[0] = '\0';
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, p384_csr, "till-09", f->now, &cert,
				      serial, err, sizeof(err)),
			 -EINVAL);
	assert_null(cert);
	assert_non_null(strstr(err, "P-256"));
}

static void test_garbage_inputs(void **state)
{
	struct pki_fixture *f = *state;
	const char *garbage = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
			      "-----END CERTIFICATE-----\n";
	char *key = NULL, *csr = NULL, *cert = NULL;
	char serial[PKI_SERIAL_HEX_LEN], cn[PKI_CN_MAX], err[256];
	uint8_t fp[PKI_FP_LEN];

	assert_int_equal(pki_fingerprint(NULL, fp), -EINVAL);
	assert_int_equal(pki_fingerprint("", fp), -EINVAL);
	assert_int_equal(pki_fingerprint("hello", fp), -EINVAL);
	assert_int_equal(pki_fingerprint(garbage, fp), -EINVAL);
	assert_int_equal(pki_fingerprint(f->ca_key, fp), -EINVAL);
	assert_int_equal(pki_cert_info(NULL, cn, serial), -EINVAL);
	assert_int_equal(pki_cert_info(garbage, cn, serial), -EINVAL);

	assert_int_equal(pki_verify(NULL, f->srv_cert, NULL, f->now, err, sizeof(err)), -EINVAL);
	assert_int_equal(pki_verify(f->ca_cert, NULL, NULL, f->now, err, sizeof(err)), -EINVAL);
	assert_int_equal(pki_verify(f->ca_cert, garbage, "localhost", f->now, err, sizeof(err)),
			 -EINVAL);
	assert_true(strlen(err) > 0);

	assert_int_equal(pki_ca_create(NULL, f->now, &key, &cert), -EINVAL);
	assert_int_equal(pki_ca_create("", f->now, &key, &cert), -EINVAL);
	assert_int_equal(pki_ca_create("shop", f->now, NULL, &cert), -EINVAL);
	assert_int_equal(pki_csr_create(NULL, &key, &csr), -EINVAL);
	assert_int_equal(pki_csr_create("", &key, &csr), -EINVAL);
	assert_int_equal(pki_csr_create("t", NULL, &csr), -EINVAL);

	assert_int_equal(pki_csr_create("till-07", &key, &csr), 0);
	err[0] = '\0';
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, NULL, "till-07", f->now, &cert, serial,
				      err, sizeof(err)),
			 -EINVAL);
	assert_true(strlen(err) > 0);
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, "garbage", "till-07", f->now, &cert,
				      serial, err, sizeof(err)),
			 -EINVAL);
	/* A certificate where a request belongs. */
	assert_int_equal(pki_csr_sign(f->ca_key, f->ca_cert, f->srv_cert, "till-07", f->now, &cert,
				      serial, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
	    pki_csr_sign(NULL, f->ca_cert, csr, "till-07", f->now, &cert, serial, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "ca:"));
	assert_int_equal(pki_csr_sign(f->ca_key, "garbage", csr, "till-07", f->now, &cert, serial,
				      err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, NULL, f->now, &cert, serial, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-07", f->now, NULL, serial, NULL, 0),
	    -EINVAL);
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-07", f->now, &cert, NULL, NULL, 0),
	    -EINVAL);
	assert_null(cert);
	free(key);
	free(csr);
}

static void test_serials_differ(void **state)
{
	struct pki_fixture *f = *state;
	char *key = NULL, *csr = NULL, *cert1 = NULL, *cert2 = NULL;
	char s1[PKI_SERIAL_HEX_LEN], s2[PKI_SERIAL_HEX_LEN];
	uint8_t fp1[PKI_FP_LEN], fp2[PKI_FP_LEN];

	assert_int_equal(pki_csr_create("till-09", &key, &csr), 0);
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-09", f->now, &cert1, s1, NULL, 0), 0);
	assert_int_equal(
	    pki_csr_sign(f->ca_key, f->ca_cert, csr, "till-09", f->now, &cert2, s2, NULL, 0), 0);
	assert_string_not_equal(s1, s2);
	assert_int_equal(pki_fingerprint(cert1, fp1), 0);
	assert_int_equal(pki_fingerprint(cert2, fp2), 0);
	assert_memory_not_equal(fp1, fp2, PKI_FP_LEN);
	free(key);
	free(csr);
	free(cert1);
	free(cert2);
}

static void test_verify_time(void **state)
{
	struct pki_fixture *f = *state;
	time_t after = f->now + (time_t)PKI_SERVER_DAYS * 86400 + 86400;
	char err[256];

	/* Backdated by an hour for clock skew, and not more. */
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "localhost", f->now - 1800, NULL, 0),
			 0);
	err[0] = '\0';
	assert_int_equal(
	    pki_verify(f->ca_cert, f->srv_cert, "localhost", f->now - 7200, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "not valid until"));

	err[0] = '\0';
	assert_int_equal(pki_verify(f->ca_cert, f->srv_cert, "localhost", after, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "expired"));
	/* The CA itself outlives the server certificate. */
	assert_int_equal(pki_verify(f->ca_cert, f->ca_cert, NULL, after, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ca_create),
	    cmocka_unit_test(test_fingerprint_stable_and_formatted),
	    cmocka_unit_test(test_fingerprint_format_known),
	    cmocka_unit_test(test_fingerprint_round_trip),
	    cmocka_unit_test(test_fingerprint_parse_rejects),
	    cmocka_unit_test(test_server_cert_names),
	    cmocka_unit_test(test_server_cert_foreign_ca),
	    cmocka_unit_test(test_server_create_rejects),
	    cmocka_unit_test(test_csr_sign_ok),
	    cmocka_unit_test(test_csr_sign_wrong_cn),
	    cmocka_unit_test(test_csr_sign_tampered),
	    cmocka_unit_test(test_csr_sign_wrong_curve),
	    cmocka_unit_test(test_garbage_inputs),
	    cmocka_unit_test(test_serials_differ),
	    cmocka_unit_test(test_verify_time),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
