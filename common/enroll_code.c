// SPDX-License-Identifier: MIT
/* Encoding and decoding the enrollment code (format in enroll_code.h). */
#include "enroll_code.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ENROLL_PREFIX  "TN1-"
#define ENROLL_VERSION 1
#define ENROLL_RAW_MAX (2 + ENROLL_HOST_MAX + 2 + 16 + ENROLL_SECRET_LEN + 32 + 4)

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint32_t crc32_ieee(const uint8_t *data, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= data[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static int b32_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			if (o + 1 >= outlen)
				return -ENOSPC;
			out[o++] = b32_alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		if (o + 1 >= outlen)
			return -ENOSPC;
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
	}
	out[o] = '\0';
	return 0;
}

/* Returns the number of bytes decoded, or -EINVAL at the first bad character. */
static int b32_decode(const char *in, size_t len, uint8_t *out, size_t outlen)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b32_alphabet, toupper((unsigned char)in[i]));

		if (!p || !*p)
			return -EINVAL;
		acc = (acc << 5) | (uint32_t)(p - b32_alphabet);
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return -EINVAL;
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return (int)o;
}

int enroll_code_encode(const struct enroll_code *code, char *out, size_t outlen)
{
	uint8_t raw[ENROLL_RAW_MAX];
	size_t hostlen = strlen(code->host);
	size_t n = 0;
	uint32_t crc;

	if (hostlen == 0 || hostlen > ENROLL_HOST_MAX || code->port == 0)
		return -EINVAL;
	if (outlen < sizeof(ENROLL_PREFIX))
		return -ENOSPC;
	raw[n++] = ENROLL_VERSION;
	raw[n++] = (uint8_t)hostlen;
	memcpy(raw + n, code->host, hostlen);
	n += hostlen;
	raw[n++] = (uint8_t)(code->port >> 8);
	raw[n++] = (uint8_t)(code->port & 0xff);
	memcpy(raw + n, code->terminal_id, 16);
	n += 16;
	memcpy(raw + n, code->secret, ENROLL_SECRET_LEN);
	n += ENROLL_SECRET_LEN;
	memcpy(raw + n, code->ca_fingerprint, 32);
	n += 32;
	crc = crc32_ieee(raw, n);
	for (int i = 3; i >= 0; i--)
		raw[n++] = (uint8_t)(crc >> (8 * i));
	memcpy(out, ENROLL_PREFIX, sizeof(ENROLL_PREFIX));
	return b32_encode(raw, n, out + strlen(ENROLL_PREFIX), outlen - strlen(ENROLL_PREFIX));
}

int enroll_code_decode(const char *text, struct enroll_code *code, char *err, size_t errlen)
{
	uint8_t raw[ENROLL_RAW_MAX];
	size_t len, hostlen, pos;
	uint32_t crc, want;
	int n;

	if (!text) {
		snprintf(err, errlen, "enrollment code is empty");
		return -EINVAL;
	}
	while (isspace((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (len < 4 || strncasecmp(text, ENROLL_PREFIX, 4) != 0) {
		snprintf(err, errlen, "enrollment code must start with \"%s\"", ENROLL_PREFIX);
		return -EINVAL;
	}
	n = b32_decode(text + 4, len - 4, raw, sizeof(raw));
	if (n < 0) {
		snprintf(err, errlen,
			 "enrollment code has a character outside A-Z and 2-7, "
			 "or is too long: copy it again whole");
		return -EINVAL;
	}
	if (n < 2 + 1 + 2 + 16 + ENROLL_SECRET_LEN + 32 + 4 || raw[1] == 0 ||
	    (size_t)n != 2u + raw[1] + 2 + 16 + ENROLL_SECRET_LEN + 32 + 4) {
		snprintf(err, errlen,
			 "enrollment code is cut short or too long: copy it again whole");
		return -EINVAL;
	}
	/* Base32 of n bytes is exactly ceil(8n/5) characters: no more, no fewer. */
	if (len - 4 != ((size_t)n * 8 + 4) / 5) {
		snprintf(err, errlen,
			 "enrollment code is cut short or too long: copy it again whole");
		return -EINVAL;
	}
	crc = crc32_ieee(raw, (size_t)n - 4);
	want = (uint32_t)raw[n - 4] << 24 | (uint32_t)raw[n - 3] << 16 | (uint32_t)raw[n - 2] << 8 |
	       raw[n - 1];
	if (crc != want) {
		snprintf(err, errlen,
			 "enrollment code is damaged (checksum mismatch): "
			 "copy it again whole");
		return -EINVAL;
	}
	if (raw[0] != ENROLL_VERSION) {
		snprintf(err, errlen,
			 "enrollment code version %u is not known to this terminal "
			 "(expected %u)",
			 raw[0], ENROLL_VERSION);
		return -EINVAL;
	}
	hostlen = raw[1];
	memset(code, 0, sizeof(*code));
	memcpy(code->host, raw + 2, hostlen);
	for (size_t i = 0; i < hostlen; i++) {
		if (!isgraph((unsigned char)code->host[i])) {
			snprintf(err, errlen, "enrollment code holds an invalid hub address");
			return -EINVAL;
		}
	}
	pos = 2 + hostlen;
	code->port = (uint16_t)(raw[pos] << 8 | raw[pos + 1]);
	pos += 2;
	if (code->port == 0) {
		snprintf(err, errlen, "enrollment code holds hub port 0");
		return -EINVAL;
	}
	memcpy(code->terminal_id, raw + pos, 16);
	pos += 16;
	memcpy(code->secret, raw + pos, ENROLL_SECRET_LEN);
	pos += ENROLL_SECRET_LEN;
	memcpy(code->ca_fingerprint, raw + pos, 32);
	return 0;
}
