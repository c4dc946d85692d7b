/* SPDX-License-Identifier: MIT */
/*
 * The one-time enrollment code: one copy-pasteable string (and QR code) that
 * carries everything a terminal needs to join the store safely: the hub's
 * address and admin port, the terminal id it will be, a 128-bit secret, and
 * the SHA-256 fingerprint of the store CA it must find there.
 *
 * A note on the format (docs/security.md has it for people):
 *   "TN1-" then base32 (RFC 4648 alphabet, upper case, no padding) of
 *   version(1)=1 | hostlen(1) | host | port(2, big-endian) | terminal id(16)
 *   | secret(16) | CA fingerprint(32) | CRC-32 of all before it (4, big-endian)
 * Upper-case letters and digits keep the QR code in its dense alphanumeric
 * mode. The CRC only catches typing and copying slips; the security comes from
 * the secret and the fingerprint.
 */
#ifndef TILLNET_ENROLL_CODE_H
#define TILLNET_ENROLL_CODE_H

#include <stddef.h>
#include <stdint.h>

#define ENROLL_HOST_MAX	  255
#define ENROLL_SECRET_LEN 16
#define ENROLL_CODE_MAX	  640 /* text, with NUL: "TN1-" + base32 of 329 bytes */

struct enroll_code {
	char host[ENROLL_HOST_MAX + 1];
	uint16_t port;
	uint8_t terminal_id[16];
	uint8_t secret[ENROLL_SECRET_LEN];
	uint8_t ca_fingerprint[32];
};

/* enroll_code_encode: -EINVAL for an empty or too long host or port 0. */
int enroll_code_encode(const struct enroll_code *code, char *out, size_t outlen);

/*
 * enroll_code_decode: parse a code (surrounding white space ignored, base32
 * in either case). -EINVAL with a sentence in `err` saying what is wrong.
 */
int enroll_code_decode(const char *text, struct enroll_code *code, char *err, size_t errlen);

/* crc32_ieee: the CRC-32 of zlib and PNG. */
uint32_t crc32_ieee(const uint8_t *data, size_t len);

#endif
