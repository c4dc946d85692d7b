/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for terminal/escpos.c: the exact bytes of each command (the QR
 * code's five GS ( k blocks for a known text, the drawer kick, the cut),
 * text made printable, the buffer's ceiling, and a whole receipt decoded
 * back command by command.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "escpos.h"
#include "receipt.h"

#define VERIFY "TILLNET1|T01-000042|678|1795269780000"

static void assert_bytes(const struct escpos *b, const uint8_t *want, size_t n)
{
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

static void test_qr_bytes(void **state)
{
	/* 37 bytes of data: the store block's length is 37 + 3 = 40 (pL 0x28, pH 0). */
	static const uint8_t want[] = {
	    0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, /* model 2 */
	    0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06,	  /* module 6 dots */
	    0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31,	  /* level M */
	    0x1D, 0x28, 0x6B, 0x28, 0x00, 0x31, 0x50, 0x30,	  /* store, then the data */
	    'T',  'I',	'L',  'L',  'N',  'E',	'T',  '1',  '|',  'T', '0', '1',
	    '-',  '0',	'0',  '0',  '0',  '4',	'2',  '|',  '6',  '7', '8', '|',
	    '1',  '7',	'9',  '5',  '2',  '6',	'9',  '7',  '8',  '0', '0', '0',
	    '0',  0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30, /* print */
	};
	struct escpos b;

	(void)state;
	escpos_init(&b, 0);
	assert_int_equal(escpos_qr(&b, VERIFY, strlen(VERIFY), 6), 0);
	assert_bytes(&b, want, sizeof(want));
	escpos_release(&b);
}

static void test_qr_long_data_uses_ph(void **state)
{
	char data[300];
	struct escpos b;

	(void)state;
	memset(data, 'A', sizeof(data));
	escpos_init(&b, 0);
	assert_int_equal(escpos_qr(&b, data, sizeof(data), 4), 0);
	/* The store block starts after 9 + 8 + 8 bytes: 303 = 0x12F. */
	assert_int_equal(b.data[25 + 3], 0x2F);
	assert_int_equal(b.data[25 + 4], 0x01);
	assert_int_equal(b.data[25 + 7], 0x30);
	assert_int_equal(b.len, 25 + 8 + 300 + 8);
	/* Too much data for a level M symbol, or none, or a bad module size. */
	assert_int_equal(escpos_qr(&b, data, 0, 4), -EINVAL);
	assert_int_equal(escpos_qr(&b, data, 2332, 4), -EINVAL);
	assert_int_equal(escpos_qr(&b, data, 10, 0), -EINVAL);
	assert_int_equal(b.len, 25 + 8 + 300 + 8);
	escpos_release(&b);
}

static void test_kick_cut_reset_styles(void **state)
{
	static const uint8_t want[] = {
	    0x1B, 0x40,			  /* ESC @ */
	    0x1B, 0x70, 0x00, 0x19, 0xFA, /* ESC p 0 25 250 */
	    0x1B, 0x45, 0x01,		  /* ESC E 1 */
	    0x1D, 0x21, 0x11,		  /* GS ! double width and height */
	    0x1D, 0x21, 0x00,		  /* GS ! normal */
	    0x1B, 0x45, 0x00,		  /* ESC E 0 */
	    0x0A, 0x0A,			  /* LF LF */
	    0x1D, 0x56, 0x42, 0x00,	  /* GS V 66 0 */
	};
	struct escpos b;

	(void)state;
	escpos_init(&b, 0);
	assert_int_equal(escpos_reset(&b), 0);
	assert_int_equal(escpos_kick(&b), 0);
	assert_int_equal(escpos_bold(&b, 1), 0);
	assert_int_equal(escpos_size(&b, 2, 2), 0);
	assert_int_equal(escpos_size(&b, 1, 1), 0);
	assert_int_equal(escpos_bold(&b, 0), 0);
	assert_int_equal(escpos_feed(&b, 2), 0);
	assert_int_equal(escpos_cut(&b), 0);
	assert_bytes(&b, want, sizeof(want));
	assert_int_equal(escpos_size(&b, 0, 1), -EINVAL);
	assert_int_equal(escpos_size(&b, 9, 1), -EINVAL);
	escpos_release(&b);
}

static void test_text_is_made_printable(void **state)
{
	struct escpos b;

	(void)state;
	escpos_init(&b, 0);
	/* Two- three- and four-byte characters are one '?' each; ESC, LF, DEL and
	 * a byte that starts no character are '?' too, so no text can be a command. */
	assert_int_equal(escpos_text(&b, "Caf\xC3\xA9 \xE2\x82\xAC"
					 "5 \xF0\x9F\x8D\xB0!"),
			 0);
	assert_int_equal(escpos_text(&b, "|\x1B@\x1D"
					 "V\n\x7F\xFF\xC3|"),
			 0);
	assert_bytes(&b, (const uint8_t *)"Caf? ?5 ?!|?@?V????|", 20);
	escpos_release(&b);
}

static void test_ceiling(void **state)
{
	struct escpos b;

	(void)state;
	escpos_init(&b, 16);
	assert_int_equal(escpos_text(&b, "0123456789"), 0);
	assert_int_equal(escpos_text(&b, "0123456789"), -EMSGSIZE);
	assert_int_equal(b.len, 10);
	assert_int_equal(escpos_qr(&b, "x", 1, 4), -EMSGSIZE);
	assert_int_equal(b.len, 10);
	assert_int_equal(escpos_cut(&b), 0);
	assert_int_equal(b.len, 14);
	escpos_release(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 16);
}

/* ------------------------------------------------- a receipt, decoded back */

struct decoded {
	char lines[64][80];
	int big[64], bold[64];
	int nlines;
	char qr[128];
	int model, module, level, printed, cut, kick, resets;
};

/* Walk the command stream as a printer would; fail on any byte it does not know. */
static void decode(const uint8_t *p, size_t n, struct decoded *d)
{
	size_t i = 0, col = 0;
	int bold = 0, size = 0;

	memset(d, 0, sizeof(*d));
	while (i < n) {
		if (p[i] == 0x1B && p[i + 1] == '@') {
			d->resets++;
			bold = size = 0;
			i += 2;
		} else if (p[i] == 0x1B && p[i + 1] == 'E') {
			bold = p[i + 2];
			i += 3;
		} else if (p[i] == 0x1B && p[i + 1] == 'p') {
			assert_int_equal(p[i + 2], 0);
			assert_int_equal(p[i + 3], 25);
			assert_int_equal(p[i + 4], 250);
			d->kick++;
			i += 5;
		} else if (p[i] == 0x1D && p[i + 1] == '!') {
			size = p[i + 2];
			i += 3;
		} else if (p[i] == 0x1D && p[i + 1] == 'V') {
			assert_int_equal(p[i + 2], 66);
			d->cut++;
			i += 4;
		} else if (p[i] == 0x1D && p[i + 1] == '(' && p[i + 2] == 'k') {
			size_t len = p[i + 3] | (size_t)p[i + 4] << 8;
			const uint8_t *a = p + i + 5;

			assert_int_equal(a[0], 49);
			if (a[1] == 65)
				d->model = a[2];
			else if (a[1] == 67)
				d->module = a[2];
			else if (a[1] == 69)
				d->level = a[2];
			else if (a[1] == 80)
				memcpy(d->qr, a + 3, len - 3);
			else if (a[1] == 81)
				d->printed++;
			else
				fail_msg("unknown GS ( k function %d", a[1]);
			i += 5 + len;
		} else if (p[i] == 0x0A) {
			assert_true(d->nlines < 63);
			d->big[d->nlines] = size;
			d->bold[d->nlines] = bold;
			d->nlines++;
			col = 0;
			i++;
		} else {
			assert_true(p[i] >= 0x20 && p[i] < 0x7F);
			assert_true(col < 79);
			d->lines[d->nlines][col++] = (char)p[i];
			i++;
		}
	}
}

static void test_receipt_stream(void **state)
{
	json_t *order = json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:[{s:s, s:s, s:I, s:I, s:I, s:I, s:I}], s:I, s:I,"
	    " s:[{s:s, s:I, s:I, s:I}]}",
	    "status", "completed", "receipt", "T01-000042", "receiptSeq", (json_int_t)42,
	    "createdAt", (json_int_t)1795269780000, "completedAt", (json_int_t)1795269780000,
	    "lines", "sku", "COF", "name", "Caf\xC3\xA9", "qty", (json_int_t)1000, "unitPrice",
	    (json_int_t)678, "taxRate", (json_int_t)2000, "lineTotal", (json_int_t)678, "tax",
	    (json_int_t)113, "total", (json_int_t)678, "taxTotal", (json_int_t)113, "payments",
	    "tender", "cash", "amount", (json_int_t)678, "tendered", (json_int_t)1000, "change",
	    (json_int_t)322);
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 42, 0};
	struct receipt *r = NULL;
	struct decoded d;
	struct escpos b;
	char why[128];
	int total_line = -1;

	(void)state;
	assert_non_null(order);
	assert_int_equal(receipt_render(order, &head, &r, why, sizeof(why)), 0);
	escpos_init(&b, 0);
	assert_int_equal(escpos_receipt(&b, r, 1), 0);
	assert_int_equal(b.data[0], 0x1B);
	assert_int_equal(b.data[1], '@');
	decode(b.data, b.len, &d);
	assert_int_equal(d.resets, 1);
	assert_int_equal(d.kick, 1);
	assert_int_equal(d.cut, 1);
	assert_int_equal(d.model, 50);
	assert_int_equal(d.module, 6);
	assert_int_equal(d.level, 49);
	assert_int_equal(d.printed, 1);
	assert_string_equal(d.qr, VERIFY);
	/* Every line of the receipt, then three feeds before the cut. */
	assert_int_equal(d.nlines, (int)r->nlines + 3);
	for (size_t i = 0; i < r->nlines; i++) {
		if (r->lines[i].style == RECEIPT_BIG) {
			assert_string_equal(d.lines[i], r->lines[i].big);
			assert_int_equal(d.big[i], 0x11);
			assert_int_equal(d.bold[i], 1);
		} else {
			assert_int_equal(d.big[i], 0);
			assert_int_equal(d.bold[i], r->lines[i].style == RECEIPT_BOLD);
		}
		if (strncmp(d.lines[i], "TOTAL", 5) == 0)
			total_line = (int)i;
	}
	/* The store name and the total are double size, at half the width. */
	assert_string_equal(d.lines[0], "     Corner Shop");
	assert_int_equal(d.big[0], 0x11);
	assert_true(total_line > 0);
	assert_string_equal(d.lines[total_line], "TOTAL            6.78");
	assert_int_equal(d.big[total_line], 0x11);
	/* "é" is one '?' and the columns stay aligned. */
	assert_string_equal(d.lines[5], "Caf?                                  6.78");
	escpos_release(&b);

	/* Without --kick there is no ESC p. */
	assert_int_equal(escpos_receipt(&b, r, 0), 0);
	decode(b.data, b.len, &d);
	assert_int_equal(d.kick, 0);
	assert_int_equal(d.cut, 1);
	escpos_release(&b);
	receipt_free(r);
	json_decref(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_qr_bytes),
	    cmocka_unit_test(test_qr_long_data_uses_ph),
	    cmocka_unit_test(test_kick_cut_reset_styles),
	    cmocka_unit_test(test_text_is_made_printable),
	    cmocka_unit_test(test_ceiling),
	    cmocka_unit_test(test_receipt_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
