/* SPDX-License-Identifier: MIT */
/*
 * The store's private PKI on GnuTLS: creating the CA, the hub's server
 * certificate and terminal CSRs, signing those CSRs, and checking what was
 * issued. This is the adapter where GnuTLS error codes become errno values.
 */
#include "pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#define PKI_SERIAL_LEN	 16
#define PKI_KEY_ID_MAX	 64
#define PKI_BACKDATE	 (60 * 60) /* clocks on tills are rarely exact */
#define PKI_DAY		 (24 * 60 * 60)
#define PKI_FP_PREFIX	 "sha256:"
#define PKI_CA_CN_PREFIX "tillnet store CA: "
#define PKI_KEY_BITS	 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)
#define PKI_VERIFY_NOTIME                                                                          \
	(GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS)

/* What kind of certificate is issued: how long for, and what it may do. */
struct pki_profile {
	int days;
	unsigned int is_ca;
	unsigned int key_usage;
	const char *purpose; /* extended key usage OID, or NULL */
};

static const struct pki_profile pki_ca_profile = {
    PKI_CA_DAYS, 1, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN, NULL};
static const struct pki_profile pki_server_profile = {
    PKI_SERVER_DAYS, 0, GNUTLS_KEY_DIGITAL_SIGNATURE, GNUTLS_KP_TLS_WWW_SERVER};
static const struct pki_profile pki_client_profile = {
    PKI_CLIENT_DAYS, 0, GNUTLS_KEY_DIGITAL_SIGNATURE, GNUTLS_KP_TLS_WWW_CLIENT};

static void pki_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		*out++ = digits[in[i] >> 4];
		*out++ = digits[in[i] & 0xf];
	}
	*out = '\0';
}

/* A GnuTLS failure that is not the caller's input: log it here, once. */
static int pki_lib_fail(const char *what, int rc)
{
	fprintf(stderr, "pki: %s: %s\n", what, gnutls_strerror(rc));
	return rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO;
}

static __attribute__((format(printf, 3, 4))) void pki_set_err(char *err, size_t errlen,
							      const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy `in` for quoting in a message, with control bytes and quotes as '?'. */
static void pki_quote(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '?' : (char)c;
	}
	out[i] = '\0';
}

static int pki_cn_ok(const char *cn)
{
	return cn && cn[0] && strlen(cn) < PKI_CN_MAX;
}

/* View a NUL-terminated PEM string as a datum; GnuTLS does not write to it. */
static int pki_datum(const char *pem, gnutls_datum_t *d)
{
	size_t len;

	if (!pem)
		return -EINVAL;
	len = strlen(pem);
	if (len == 0 || len > UINT_MAX)
		return -EINVAL;
	d->data = (unsigned char *)pem;
	d->size = (unsigned int)len;
	return 0;
}

/* Move a GnuTLS-allocated datum into a malloc'd NUL-terminated string. */
static int pki_pem_take(gnutls_datum_t *d, char **out)
{
	char *s;

	s = malloc((size_t)d->size + 1);
	if (s) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	d->data = NULL;
	if (!s)
		return -ENOMEM;
	*out = s;
	return 0;
}

/* The first certificate in `pem`; -EINVAL if there is none. */
static int pki_crt_load(const char *pem, gnutls_x509_crt_t *out)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t d;
	int rc;

	rc = pki_datum(pem, &d);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_crt_init(&crt);
	if (rc < 0)
		return pki_lib_fail("certificate init", rc);
	rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		gnutls_x509_crt_deinit(crt);
		return rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	*out = crt;
	return 0;
}

static int pki_key_new(gnutls_x509_privkey_t *out)
{
	gnutls_x509_privkey_t key = NULL;
	int rc;

	rc = gnutls_x509_privkey_init(&key);
	if (rc < 0)
		return pki_lib_fail("private key init", rc);
	rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, PKI_KEY_BITS, 0);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(key);
		return pki_lib_fail("generate ECDSA P-256 key", rc);
	}
	*out = key;
	return 0;
}

/* PKCS#8 without a password ("BEGIN PRIVATE KEY"), which OpenSSL reads too. */
static int pki_key_export(gnutls_x509_privkey_t key, char **out)
{
	gnutls_datum_t d = {NULL, 0};
	int rc;

	rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
					       &d);
	if (rc < 0)
		return pki_lib_fail("export private key", rc);
	return pki_pem_take(&d, out);
}

/*
 * The CA's key and certificate, and a check that they belong together, so
 * that a mix-up of files is reported here and not as a chain that never
 * verifies.
 */
static int pki_ca_load(const char *key_pem, const char *cert_pem, gnutls_x509_privkey_t *key_out,
		       gnutls_x509_crt_t *crt_out, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char key_id[PKI_KEY_ID_MAX], crt_id[PKI_KEY_ID_MAX];
	size_t key_id_len = sizeof(key_id), crt_id_len = sizeof(crt_id);
	gnutls_datum_t d;
	int rc;

	rc = gnutls_x509_privkey_init(&key);
	if (rc < 0) {
		rc = pki_lib_fail("private key init", rc);
		goto fail;
	}
	/* PKCS#8 or the older SEC1 form; an encrypted key is refused, as no password is given. */
	rc = pki_datum(key_pem, &d);
	if (rc >= 0)
		rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		rc = -EINVAL;
		pki_set_err(err, errlen, "ca: the CA private key is not a PEM private key");
		goto fail;
	}
	rc = pki_crt_load(cert_pem, &crt);
	if (rc < 0) {
		pki_set_err(err, errlen, "ca: the CA certificate is not a PEM certificate");
		goto fail;
	}
	rc = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, key_id, &key_id_len);
	if (rc >= 0)
		rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, crt_id, &crt_id_len);
	if (rc < 0 || key_id_len != crt_id_len || memcmp(key_id, crt_id, key_id_len) != 0) {
		rc = -EINVAL;
		pki_set_err(err, errlen,
			    "ca: the CA private key does not match the CA certificate");
		goto fail;
	}
	*key_out = key;
	*crt_out = crt;
	return 0;
fail:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

/* The serial as lower-case hex without leading zero bytes; -EINVAL if it is too long. */
static int pki_serial_hex(gnutls_x509_crt_t crt, char out[PKI_SERIAL_HEX_LEN])
{
	unsigned char serial[64];
	size_t len = sizeof(serial), skip = 0;
	int rc;

	rc = gnutls_x509_crt_get_serial(crt, serial, &len);
	if (rc < 0 || len == 0)
		return -EINVAL;
	while (len - skip > 1 && serial[skip] == 0)
		skip++;
	if (len - skip > PKI_SERIAL_LEN)
		return -EINVAL;
	pki_hex_encode(serial + skip, len - skip, out);
	return 0;
}

/*
 * Everything but the key and the SANs: version 3, a random serial, validity
 * from an hour before `now`, subject CN, key identifiers and the usage of
 * profile `p`. The public key must already be set on `crt`. `issuer` is NULL
 * for the self-signed CA.
 */
static int pki_crt_fill(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer, const char *cn, time_t now,
			const struct pki_profile *p)
{
	unsigned char serial[PKI_SERIAL_LEN], id[PKI_KEY_ID_MAX];
	size_t id_len = sizeof(id);
	unsigned int critical;
	int rc;

	/*
	 * Top bit clear keeps the DER integer positive; a zero first byte
	 * would be dropped in DER and make the serial shorter than 32 hex
	 * digits, so draw again (1 time in 128).
	 */
	do {
		rc = gnutls_rnd(GNUTLS_RND_RANDOM, serial, sizeof(serial));
		serial[0] &= 0x7f;
	} while (rc >= 0 && serial[0] == 0);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	if (rc >= 0)
		rc = gnutls_x509_crt_set_version(crt, 3);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_activation_time(crt, now - PKI_BACKDATE);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)p->days * PKI_DAY);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						   (unsigned int)strlen(cn));
	if (rc >= 0)
		rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &id_len);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_subject_key_id(crt, id, id_len);
	/* The authority key id is the issuer's subject key id, if it has one. */
	if (rc >= 0 && issuer) {
		id_len = sizeof(id);
		rc = gnutls_x509_crt_get_subject_key_id(issuer, id, &id_len, &critical);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
			rc = 0;
			id_len = 0;
		}
	}
	if (rc >= 0 && id_len > 0)
		rc = gnutls_x509_crt_set_authority_key_id(crt, id, id_len);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_basic_constraints(crt, p->is_ca, p->is_ca ? 0 : -1);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_key_usage(crt, p->key_usage);
	if (rc >= 0 && p->purpose)
		rc = gnutls_x509_crt_set_key_purpose_oid(crt, p->purpose, 0);
	return rc < 0 ? pki_lib_fail("build certificate", rc) : 0;
}

/* One subjectAltName: an IP address if it parses as one, a DNS name otherwise. */
static int pki_crt_add_san(gnutls_x509_crt_t crt, const char *name)
{
	unsigned char ip[16];
	int rc;

	if (!name || !name[0])
		return -EINVAL;
	if (inet_pton(AF_INET, name, ip) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
							  GNUTLS_FSAN_APPEND);
	else if (inet_pton(AF_INET6, name, ip) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
							  GNUTLS_FSAN_APPEND);
	else
		rc = gnutls_x509_crt_set_subject_alt_name(
		    crt, GNUTLS_SAN_DNSNAME, name, (unsigned int)strlen(name), GNUTLS_FSAN_APPEND);
	/* GnuTLS refuses a DNS name it cannot encode; that is the caller's input. */
	if (rc == GNUTLS_E_MEMORY_ERROR)
		return -ENOMEM;
	return rc < 0 ? -EINVAL : 0;
}

static int pki_crt_sign_export(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
			       gnutls_x509_privkey_t issuer_key, char **out)
{
	gnutls_datum_t d = {NULL, 0};
	int rc;

	rc = gnutls_x509_crt_sign2(crt, issuer, issuer_key, GNUTLS_DIG_SHA256, 0);
	if (rc < 0)
		return pki_lib_fail("sign certificate", rc);
	rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d);
	if (rc < 0)
		return pki_lib_fail("export certificate", rc);
	return pki_pem_take(&d, out);
}

/*
 * A new key and a certificate for it with profile `p`, signed by `issuer`
 * with `issuer_key`, or self-signed when `issuer` is NULL: the CA and the
 * hub's server certificate are both made here.
 */
static int pki_issue_with_new_key(gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
				  const char *cn, const char *const *sans, size_t n_sans,
				  time_t now, const struct pki_profile *p, char **key_pem,
				  char **cert_pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	char *key_out = NULL, *cert_out = NULL;
	size_t i;
	int rc;

	rc = pki_key_new(&key);
	if (rc < 0)
		goto fail;
	rc = gnutls_x509_crt_init(&crt);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_key(crt, key);
	if (rc < 0) {
		rc = pki_lib_fail("new certificate", rc);
		goto fail;
	}
	rc = pki_crt_fill(crt, issuer, cn, now, p);
	for (i = 0; rc >= 0 && i < n_sans; i++)
		rc = pki_crt_add_san(crt, sans[i]);
	if (rc >= 0)
		rc = pki_crt_sign_export(crt, issuer ? issuer : crt, issuer ? issuer_key : key,
					 &cert_out);
	if (rc >= 0)
		rc = pki_key_export(key, &key_out);
	if (rc < 0)
		goto fail;

	*key_pem = key_out;
	*cert_pem = cert_out;
	key_out = NULL;
	cert_out = NULL;
	rc = 0;
fail:
	free(key_out);
	free(cert_out);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

int pki_ca_create(const char *store_name, time_t now, char **key_pem, char **cert_pem)
{
	char cn[PKI_CN_MAX];
	int n;

	if (!key_pem || !cert_pem)
		return -EINVAL;
	*key_pem = NULL;
	*cert_pem = NULL;
	if (!store_name || !store_name[0])
		return -EINVAL;
	n = snprintf(cn, sizeof(cn), "%s%s", PKI_CA_CN_PREFIX, store_name);
	if (n < 0 || (size_t)n >= sizeof(cn))
		return -EINVAL;
	return pki_issue_with_new_key(NULL, NULL, cn, NULL, 0, now, &pki_ca_profile, key_pem,
				      cert_pem);
}

int pki_server_create(const char *ca_key_pem, const char *ca_cert_pem, const char *cn,
		      const char *const *sans, size_t n_sans, time_t now, char **key_pem,
		      char **cert_pem)
{
	gnutls_x509_privkey_t ca_key = NULL;
	gnutls_x509_crt_t ca_crt = NULL;
	int rc;

	if (!key_pem || !cert_pem)
		return -EINVAL;
	*key_pem = NULL;
	*cert_pem = NULL;
	if (!pki_cn_ok(cn) || (n_sans > 0 && !sans))
		return -EINVAL;

	rc = pki_ca_load(ca_key_pem, ca_cert_pem, &ca_key, &ca_crt, NULL, 0);
	if (rc < 0)
		return rc;
	rc = pki_issue_with_new_key(ca_crt, ca_key, cn, sans, n_sans, now, &pki_server_profile,
				    key_pem, cert_pem);
	gnutls_x509_crt_deinit(ca_crt);
	gnutls_x509_privkey_deinit(ca_key);
	return rc;
}

int pki_csr_create(const char *cn, char **key_pem, char **csr_pem)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t d = {NULL, 0};
	char *key_out = NULL, *csr_out = NULL;
	int rc;

	if (!key_pem || !csr_pem)
		return -EINVAL;
	*key_pem = NULL;
	*csr_pem = NULL;
	if (!pki_cn_ok(cn))
		return -EINVAL;

	rc = pki_key_new(&key);
	if (rc < 0)
		goto fail;
	rc = gnutls_x509_crq_init(&crq);
	if (rc >= 0)
		rc = gnutls_x509_crq_set_version(crq, 1);
	if (rc >= 0)
		rc = gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						   (unsigned int)strlen(cn));
	if (rc >= 0)
		rc = gnutls_x509_crq_set_key(crq, key);
	if (rc >= 0)
		rc = gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0);
	if (rc >= 0)
		rc = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, &d);
	if (rc < 0) {
		rc = pki_lib_fail("build request", rc);
		goto fail;
	}
	rc = pki_pem_take(&d, &csr_out);
	if (rc >= 0)
		rc = pki_key_export(key, &key_out);
	if (rc < 0)
		goto fail;

	*key_pem = key_out;
	*csr_pem = csr_out;
	key_out = NULL;
	csr_out = NULL;
	rc = 0;
fail:
	free(key_out);
	free(csr_out);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

/* The request's subject CN must be exactly `expect_cn`. */
static int pki_csr_check_cn(gnutls_x509_crq_t crq, const char *expect_cn, char *err, size_t errlen)
{
	char cn[PKI_CN_MAX], shown[PKI_CN_MAX];
	size_t cn_len = sizeof(cn);
	int rc;

	rc = gnutls_x509_crq_get_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
	if (rc < 0) {
		pki_set_err(
		    err, errlen,
		    "csr: the request has no subject CN of at most %d bytes (expected \"%s\")",
		    PKI_CN_MAX - 1, expect_cn);
		return -EINVAL;
	}
	if (cn_len != strlen(expect_cn) || memcmp(cn, expect_cn, cn_len) != 0) {
		pki_quote(cn, shown, sizeof(shown));
		pki_set_err(err, errlen,
			    "csr: subject CN \"%s\" is not the terminal this code enrolls "
			    "(expected \"%s\")",
			    shown, expect_cn);
		return -EINVAL;
	}
	return 0;
}

/*
 * The checks on a terminal's request that do not need the CA: it parses, its
 * self-signature holds, its key is P-256 and its CN is `expect_cn`. On
 * success the request's public key is in `*pub_out`.
 */
static int pki_csr_check(const char *csr_pem, const char *expect_cn, gnutls_pubkey_t *pub_out,
			 char *err, size_t errlen)
{
	gnutls_x509_crq_t crq = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	gnutls_datum_t d;
	int rc;

	rc = gnutls_x509_crq_init(&crq);
	if (rc >= 0)
		rc = gnutls_pubkey_init(&pub);
	if (rc < 0) {
		rc = pki_lib_fail("request init", rc);
		goto fail;
	}
	rc = pki_datum(csr_pem, &d);
	if (rc >= 0)
		rc = gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		rc = -EINVAL;
		pki_set_err(err, errlen,
			    "csr: not a PEM certificate request (BEGIN CERTIFICATE REQUEST)");
		goto fail;
	}
	rc = gnutls_x509_crq_verify(crq, 0);
	if (rc < 0) {
		rc = -EINVAL;
		pki_set_err(err, errlen,
			    "csr: the request's signature does not verify "
			    "(it was altered, or not signed by its own key)");
		goto fail;
	}
	rc = gnutls_pubkey_import_x509_crq(pub, crq, 0);
	if (rc >= 0 && gnutls_pubkey_get_pk_algorithm(pub, NULL) == GNUTLS_PK_ECDSA)
		rc = gnutls_pubkey_export_ecc_raw2(pub, &curve, NULL, NULL, 0);
	if (rc < 0 || curve != GNUTLS_ECC_CURVE_SECP256R1) {
		rc = -EINVAL;
		pki_set_err(err, errlen, "csr: the key is not an ECDSA P-256 key");
		goto fail;
	}
	rc = pki_csr_check_cn(crq, expect_cn, err, errlen);
	if (rc < 0)
		goto fail;
	*pub_out = pub;
	pub = NULL;
fail:
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	return rc;
}

int pki_csr_sign(const char *ca_key_pem, const char *ca_cert_pem, const char *csr_pem,
		 const char *expect_cn, time_t now, char **cert_pem,
		 char serial_hex[PKI_SERIAL_HEX_LEN], char *err, size_t errlen)
{
	gnutls_x509_privkey_t ca_key = NULL;
	gnutls_x509_crt_t ca_crt = NULL, crt = NULL;
	gnutls_pubkey_t pub = NULL;
	char *cert_out = NULL;
	char serial[PKI_SERIAL_HEX_LEN];
	int rc;

	if (err && errlen > 0)
		err[0] = '\0';
	if (!cert_pem || !serial_hex) {
		pki_set_err(err, errlen, "pki_csr_sign: no place for the result");
		return -EINVAL;
	}
	*cert_pem = NULL;
	if (!pki_cn_ok(expect_cn)) {
		pki_set_err(err, errlen, "csr: the expected terminal CN is empty or too long");
		return -EINVAL;
	}

	rc = pki_ca_load(ca_key_pem, ca_cert_pem, &ca_key, &ca_crt, err, errlen);
	if (rc < 0)
		goto fail;
	rc = pki_csr_check(csr_pem, expect_cn, &pub, err, errlen);
	if (rc < 0)
		goto fail;
	/*
	 * Only the key is taken from the request; the subject is ours, so
	 * nothing else a terminal puts in its request reaches the certificate.
	 */
	rc = gnutls_x509_crt_init(&crt);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_pubkey(crt, pub);
	if (rc < 0) {
		rc = pki_lib_fail("new client certificate", rc);
		goto fail;
	}
	rc = pki_crt_fill(crt, ca_crt, expect_cn, now, &pki_client_profile);
	if (rc >= 0)
		rc = pki_crt_sign_export(crt, ca_crt, ca_key, &cert_out);
	if (rc >= 0)
		rc = pki_serial_hex(crt, serial);
	if (rc < 0)
		goto fail;

	memcpy(serial_hex, serial, sizeof(serial));
	*cert_pem = cert_out;
	cert_out = NULL;
fail:
	if (rc < 0 && rc != -EINVAL)
		pki_set_err(err, errlen, "csr: signing failed (%s)", strerror(-rc));
	free(cert_out);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (ca_crt)
		gnutls_x509_crt_deinit(ca_crt);
	if (ca_key)
		gnutls_x509_privkey_deinit(ca_key);
	return rc;
}

int pki_fingerprint(const char *cert_pem, uint8_t fp[PKI_FP_LEN])
{
	gnutls_x509_crt_t crt = NULL;
	size_t len = PKI_FP_LEN;
	int rc;

	if (!fp)
		return -EINVAL;
	rc = pki_crt_load(cert_pem, &crt);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &len);
	gnutls_x509_crt_deinit(crt);
	return rc < 0 ? pki_lib_fail("certificate fingerprint", rc) : 0;
}

void pki_fingerprint_format(const uint8_t fp[PKI_FP_LEN], char out[PKI_FP_TEXT_LEN])
{
	if (!out)
		return;
	out[0] = '\0';
	if (!fp)
		return;
	memcpy(out, PKI_FP_PREFIX, sizeof(PKI_FP_PREFIX) - 1);
	pki_hex_encode(fp, PKI_FP_LEN, out + sizeof(PKI_FP_PREFIX) - 1);
}

static int pki_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pki_fingerprint_parse(const char *text, uint8_t fp[PKI_FP_LEN])
{
	const size_t plen = sizeof(PKI_FP_PREFIX) - 1;
	uint8_t out[PKI_FP_LEN];
	size_t i;

	if (!text || !fp)
		return -EINVAL;
	if (strncmp(text, PKI_FP_PREFIX, plen) != 0 || strlen(text) != plen + 2 * PKI_FP_LEN)
		return -EINVAL;
	text += plen;
	for (i = 0; i < PKI_FP_LEN; i++) {
		int hi = pki_hex_digit(text[2 * i]);
		int lo = pki_hex_digit(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(fp, out, sizeof(out));
	return 0;
}

int pki_cert_info(const char *cert_pem, char cn[PKI_CN_MAX], char serial_hex[PKI_SERIAL_HEX_LEN])
{
	gnutls_x509_crt_t crt = NULL;
	char name[PKI_CN_MAX], serial[PKI_SERIAL_HEX_LEN];
	size_t name_len = sizeof(name);
	int rc;

	rc = pki_crt_load(cert_pem, &crt);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &name_len);
	if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
		name[0] = '\0';
		rc = 0;
	}
	if (rc >= 0)
		rc = pki_serial_hex(crt, serial);
	gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		return -EINVAL;
	if (cn)
		memcpy(cn, name, strlen(name) + 1);
	if (serial_hex)
		memcpy(serial_hex, serial, strlen(serial) + 1);
	return 0;
}

/* Is `now` inside the validity of `crt`? Says which end it is outside of. */
static int pki_check_time(gnutls_x509_crt_t crt, const char *which, time_t now, char *err,
			  size_t errlen)
{
	time_t start = gnutls_x509_crt_get_activation_time(crt);
	time_t end = gnutls_x509_crt_get_expiration_time(crt);
	char when[64];
	struct tm tm;

	if (start == (time_t)-1 || end == (time_t)-1) {
		pki_set_err(err, errlen, "%s: the validity dates do not parse", which);
		return -EINVAL;
	}
	if (now >= start && now <= end)
		return 0;
	if (!gmtime_r(now < start ? &start : &end, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		when[0] = '\0';
	if (now < start)
		pki_set_err(err, errlen, "%s: not valid until %s (check the clock)", which, when);
	else
		pki_set_err(err, errlen, "%s: expired on %s", which, when);
	return -EINVAL;
}

/* Is `crt` for `hostname`? An IP literal must match an IP SAN. */
static int pki_check_name(gnutls_x509_crt_t crt, const char *hostname)
{
	unsigned char ip[16];

	if (inet_pton(AF_INET, hostname, ip) == 1)
		return gnutls_x509_crt_check_ip(crt, ip, 4, 0) ? 0 : -EINVAL;
	if (inet_pton(AF_INET6, hostname, ip) == 1)
		return gnutls_x509_crt_check_ip(crt, ip, 16, 0) ? 0 : -EINVAL;
	return gnutls_x509_crt_check_hostname2(crt, hostname, 0) ? 0 : -EINVAL;
}

int pki_verify(const char *ca_cert_pem, const char *cert_pem, const char *hostname, time_t now,
	       char *err, size_t errlen)
{
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_datum_t why = {NULL, 0};
	unsigned int status = 0;
	char shown[256];
	int rc;

	if (err && errlen > 0)
		err[0] = '\0';
	rc = pki_crt_load(ca_cert_pem, &ca);
	if (rc < 0) {
		pki_set_err(err, errlen, "ca: the CA certificate is not a PEM certificate");
		goto fail;
	}
	rc = pki_crt_load(cert_pem, &crt);
	if (rc < 0) {
		pki_set_err(err, errlen, "certificate: not a PEM certificate");
		goto fail;
	}

	/*
	 * GnuTLS checks validity against the wall clock only, so its time
	 * checks are off and the dates are compared with `now` below.
	 */
	rc = gnutls_x509_crt_verify(crt, &ca, 1, PKI_VERIFY_NOTIME, &status);
	if (rc < 0) {
		rc = pki_lib_fail("verify certificate", rc);
		goto fail;
	}
	if (status != 0) {
		rc = gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		pki_set_err(err, errlen, "certificate: does not chain to this store's CA (%s)",
			    rc < 0 ? "no detail" : (const char *)why.data);
		rc = -EINVAL;
		goto fail;
	}
	rc = pki_check_time(ca, "ca", now, err, errlen);
	if (rc < 0)
		goto fail;
	rc = pki_check_time(crt, "certificate", now, err, errlen);
	if (rc < 0)
		goto fail;
	if (hostname) {
		rc = hostname[0] ? pki_check_name(crt, hostname) : -EINVAL;
		if (rc < 0) {
			pki_quote(hostname, shown, sizeof(shown));
			pki_set_err(err, errlen, "certificate: not issued for \"%s\"", shown);
			goto fail;
		}
	}
	rc = 0;
fail:
	gnutls_free(why.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	return rc;
}
