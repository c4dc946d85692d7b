// SPDX-License-Identifier: MIT
/* SHA-256 in hex with GnuTLS (see sha256.h). */
#include "sha256.h"
#include "log.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdint.h>

int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t digest[32];
	int rc;

	rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, digest);
	if (rc < 0) {
		log_error("sha256: %s", gnutls_strerror(rc));
		out[0] = '\0';
		return -EIO;
	}
	for (size_t i = 0; i < sizeof(digest); i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	out[64] = '\0';
	return 0;
}
