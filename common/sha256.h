/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 as lower-case hex, for the fiscal journal (common/journal.h). An
 * adapter: GnuTLS does the hashing in sha256.c, so that the journal's core
 * includes no library header. Any thread may call it.
 */
#ifndef TILLNET_SHA256_H
#define TILLNET_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

/* sha256_hex: the digest of `len` bytes at `data` into `out`. 0, or -EIO (logged). */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
