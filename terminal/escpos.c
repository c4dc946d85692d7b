// SPDX-License-Identifier: MIT
/* ESC/POS commands into a growable buffer (see escpos.h for the byte layout). */
#include "escpos.h"
#include "receipt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ESC 0x1B
#define GS  0x1D
#define LF  0x0A

void escpos_init(struct escpos *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : ESCPOS_MAX_DEFAULT;
}

void escpos_release(struct escpos *b)
{
	size_t max = b->max;

	free(b->data);
	escpos_init(b, max);
}

/* Room for `n` more bytes. */
static int reserve(struct escpos *b, size_t n)
{
	size_t cap;
	uint8_t *data;

	if (n > b->max - b->len)
		return -EMSGSIZE;
	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	data = realloc(b->data, cap);
	if (!data)
		return -ENOMEM;
	b->data = data;
	b->cap = cap;
	return 0;
}

static int put(struct escpos *b, const void *bytes, size_t n)
{
	int rc = reserve(b, n);

	if (rc < 0)
		return rc;
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
	return 0;
}

int escpos_reset(struct escpos *b)
{
	static const uint8_t cmd[] = {ESC, '@'};
	int rc = put(b, cmd, sizeof(cmd));

	if (rc == 0) {
		b->bold = 0;
		b->size = 0;
	}
	return rc;
}

int escpos_bold(struct escpos *b, int on)
{
	const uint8_t cmd[] = {ESC, 'E', on ? 1 : 0};
	int rc = put(b, cmd, sizeof(cmd));

	if (rc == 0)
		b->bold = on ? 1 : 0;
	return rc;
}

int escpos_size(struct escpos *b, int w, int h)
{
	uint8_t n;
	int rc;

	if (w < 1 || w > 8 || h < 1 || h > 8)
		return -EINVAL;
	n = (uint8_t)(((w - 1) << 4) | (h - 1));
	rc = put(b, (const uint8_t[]){GS, '!', n}, 3);
	if (rc == 0)
		b->size = n;
	return rc;
}

/* The length of the UTF-8 character starting at s (1 for a byte that starts none). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

int escpos_text(struct escpos *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len;
	int rc = 0;

	while (*p && rc == 0) {
		size_t n = utf8_len(p);
		uint8_t c = (n == 1 && *p >= 0x20 && *p < 0x7F) ? *p : '?';

		rc = put(b, &c, 1);
		p += n;
	}
	if (rc < 0)
		b->len = start;
	return rc;
}

int escpos_feed(struct escpos *b, int lines)
{
	size_t start = b->len;
	int rc = 0;

	for (int i = 0; i < lines && rc == 0; i++)
		rc = put(b, (const uint8_t[]){LF}, 1);
	if (rc < 0)
		b->len = start;
	return rc;
}

int escpos_cut(struct escpos *b)
{
	static const uint8_t cmd[] = {GS, 'V', 66, 0};

	return put(b, cmd, sizeof(cmd));
}

int escpos_kick(struct escpos *b)
{
	/* Pin 2 (m = 0), on for 25 × 2 ms, off for 250 × 2 ms. */
	static const uint8_t cmd[] = {ESC, 'p', 0, 25, 250};

	return put(b, cmd, sizeof(cmd));
}

/* GS ( k pL pH cn fn [params]: cn 49 is the QR code. */
static int qr_fn(struct escpos *b, uint8_t fn, const uint8_t *param, size_t n)
{
	size_t plen = n + 2;
	const uint8_t head[] = {GS, '(', 'k', (uint8_t)(plen & 0xFF), (uint8_t)(plen >> 8), 49, fn};
	int rc = put(b, head, sizeof(head));

	if (rc == 0 && n)
		rc = put(b, param, n);
	return rc;
}

int escpos_qr(struct escpos *b, const char *data, size_t len, int module)
{
	size_t start = b->len;
	uint8_t *store;
	int rc;

	if (len == 0 || len > ESCPOS_QR_MAX || module < 1 || module > 16)
		return -EINVAL;
	/* fn 80 takes m = 48 before the data. */
	store = malloc(len + 1);
	if (!store)
		return -ENOMEM;
	store[0] = 48;
	memcpy(store + 1, data, len);
	rc = qr_fn(b, 65, (const uint8_t[]){50, 0}, 2); /* model 2 */
	if (rc == 0)
		rc = qr_fn(b, 67, (const uint8_t[]){(uint8_t)module}, 1);
	if (rc == 0)
		rc = qr_fn(b, 69, (const uint8_t[]){49}, 1); /* level M */
	if (rc == 0)
		rc = qr_fn(b, 80, store, len + 1);
	if (rc == 0)
		rc = qr_fn(b, 81, (const uint8_t[]){48}, 1); /* print */
	free(store);
	if (rc < 0)
		b->len = start;
	return rc;
}

static int set_style(struct escpos *b, int bold, int size)
{
	int rc = 0;

	if (b->bold != bold)
		rc = escpos_bold(b, bold);
	if (rc == 0 && b->size != size)
		rc = put(b, (const uint8_t[]){GS, '!', (uint8_t)size}, 3);
	if (rc == 0)
		b->size = size;
	return rc;
}

int escpos_receipt(struct escpos *b, const struct receipt *r, int kick)
{
	int rc = escpos_reset(b);

	if (rc == 0 && kick)
		rc = escpos_kick(b);
	for (size_t i = 0; rc == 0 && i < r->nlines; i++) {
		const struct receipt_line *l = &r->lines[i];
		int big = l->style == RECEIPT_BIG && l->big;

		rc = set_style(b, l->style != RECEIPT_PLAIN, big ? 0x11 : 0);
		if (rc == 0)
			rc = escpos_text(b, big ? l->big : l->text);
		if (rc == 0)
			rc = escpos_feed(b, 1);
	}
	if (rc == 0)
		rc = set_style(b, 0, 0);
	if (rc == 0)
		rc = escpos_qr(b, r->verify, strlen(r->verify),
			       r->width >= RECEIPT_WIDTH_DEFAULT ? 6 : 4);
	if (rc == 0)
		rc = escpos_feed(b, 3);
	if (rc == 0)
		rc = escpos_cut(b);
	return rc;
}
