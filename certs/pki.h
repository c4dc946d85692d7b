/* SPDX-License-Identifier: MIT */
/*
 * The store's private PKI on GnuTLS: the store CA, the hub's server
 * certificate, terminal keys and CSRs, and signing those CSRs into client
 * certificates. Everything goes in and out as PEM text so that callers never
 * include a GnuTLS header.
 *
 * All keys are ECDSA P-256. Serial numbers are 16 random bytes with the top
 * bit clear, written as lower-case hex (32 characters).
 *
 * Functions return 0 or a negative errno: -EINVAL for input that does not
 * parse or does not hold (with a sentence for a person in `err` where the
 * function takes one), -ENOMEM, -EIO for a GnuTLS failure (logged here).
 * Output strings are allocated here; the caller frees them with free().
 * Any thread may call these functions.
 */
#ifndef TILLNET_PKI_H
#define TILLNET_PKI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PKI_FP_LEN	   32 /* SHA-256 */
#define PKI_FP_TEXT_LEN	   72 /* "sha256:" + 64 hex + NUL */
#define PKI_SERIAL_HEX_LEN 33 /* 32 hex + NUL */
#define PKI_CN_MAX	   128

/* How long what we issue stays valid, in days. */
#define PKI_CA_DAYS	(20 * 365)
#define PKI_SERVER_DAYS (5 * 365)
#define PKI_CLIENT_DAYS (5 * 365)

/*
 * pki_ca_create: a new store CA: key and self-signed certificate with
 * CN "tillnet store CA: <store_name>", basicConstraints CA:TRUE (path length
 * 0), key usage certSign|cRLSign, valid from `now` - 1 hour for PKI_CA_DAYS.
 */
int pki_ca_create(const char *store_name, time_t now, char **key_pem, char **cert_pem);

/*
 * pki_server_create: a new key and a server certificate signed by the CA.
 * CN = `cn`; subjectAltName holds each of `sans`: an entry that parses as an
 * IPv4 or IPv6 address becomes an IP SAN, anything else a DNS SAN.
 * Extended key usage serverAuth; key usage digitalSignature.
 */
int pki_server_create(const char *ca_key_pem, const char *ca_cert_pem, const char *cn,
		      const char *const *sans, size_t n_sans, time_t now, char **key_pem,
		      char **cert_pem);

/*
 * pki_csr_create: on the terminal: a new private key (it never leaves the
 * terminal) and a PKCS#10 request for it with CN = `cn`.
 */
int pki_csr_create(const char *cn, char **key_pem, char **csr_pem);

/*
 * pki_csr_sign: on the hub: check a terminal's CSR and sign it into a client
 * certificate. The CSR must parse, carry a valid self-signature, hold an EC
 * P-256 key, and have CN equal to `expect_cn`; otherwise -EINVAL with a
 * sentence in `err` naming what was wrong (e.g. `csr: subject CN "x" is not
 * the terminal this code enrolls (expected "y")`). The certificate has
 * CN = `expect_cn`, EKU clientAuth, key usage digitalSignature, a fresh random
 * serial (written to `serial_hex`), validity `now` - 1 hour for
 * PKI_CLIENT_DAYS.
 */
int pki_csr_sign(const char *ca_key_pem, const char *ca_cert_pem, const char *csr_pem,
		 const char *expect_cn, time_t now, char **cert_pem,
		 char serial_hex[PKI_SERIAL_HEX_LEN], char *err, size_t errlen);

/* pki_fingerprint: SHA-256 of the DER of the first certificate in `cert_pem`. */
int pki_fingerprint(const char *cert_pem, uint8_t fp[PKI_FP_LEN]);

/* pki_fingerprint_format: "sha256:" and 64 lower-case hex digits. */
void pki_fingerprint_format(const uint8_t fp[PKI_FP_LEN], char out[PKI_FP_TEXT_LEN]);

/* pki_fingerprint_parse: the reverse; upper or lower case hex; -EINVAL otherwise. */
int pki_fingerprint_parse(const char *text, uint8_t fp[PKI_FP_LEN]);

/*
 * pki_cert_info: the subject CN and the serial (hex) of the first certificate
 * in `cert_pem`. Either out-parameter may be NULL. A certificate without a
 * CN gives ""; one whose serial is longer than 16 bytes gives -EINVAL.
 */
int pki_cert_info(const char *cert_pem, char cn[PKI_CN_MAX], char serial_hex[PKI_SERIAL_HEX_LEN]);

/*
 * pki_verify: does `cert_pem` chain to `ca_cert_pem` and hold at `now`?
 * With `hostname` non-NULL also check that the certificate is for that name
 * or address: an IPv4/IPv6 literal must match an IP SAN, a name a DNS SAN
 * (or, GnuTLS's rule, the CN of a serverAuth certificate that has no DNS
 * SAN; so a client certificate never matches a hostname). -EINVAL with a
 * sentence in `err` if not.
 */
int pki_verify(const char *ca_cert_pem, const char *cert_pem, const char *hostname, time_t now,
	       char *err, size_t errlen);

#endif
