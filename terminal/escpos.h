/* SPDX-License-Identifier: MIT */
/*
 * ESC/POS bytes for a thermal receipt printer, built into a growable buffer
 * with a ceiling. Pure: no I/O; printer.h sends the bytes.
 *
 * The byte layout of a receipt (escpos_receipt), in order:
 *
 *   1B 40                      ESC @      initialise the printer
 *   1B 70 00 19 FA             ESC p      drawer kick, pin 2, 50 ms on, 500 ms off
 *                                         (only when asked: a cash sale)
 *   for each line of the receipt (receipt.h):
 *     1B 45 n                  ESC E n    emphasis on (1) / off (0), when it changes
 *     1D 21 n                  GS ! n     character size: 0x00 normal, 0x11 double
 *                                         width and height, when it changes
 *     text 0A                             printable ASCII only, then LF
 *   1B 45 00  1D 21 00                    back to plain (when not already)
 *   1D 28 6B 04 00 31 41 32 00 GS ( k     QR model 2
 *   1D 28 6B 03 00 31 43 m     GS ( k     module size m dots
 *   1D 28 6B 03 00 31 45 31    GS ( k     error correction M
 *   1D 28 6B pL pH 31 50 30 d… GS ( k     store the data d (pL + 256 pH = len + 3)
 *   1D 28 6B 03 00 31 51 30    GS ( k     print the stored symbol
 *   0A 0A 0A                              feed past the QR code
 *   1D 56 42 00                GS V B 0   feed to the cutter, partial cut
 *
 * No code page is selected: text outside printable ASCII is printed as '?',
 * one '?' per UTF-8 character so the columns of receipt.h stay aligned (an
 * invalid byte is one '?' too). Control bytes never reach the printer from
 * text: they are '?' as well.
 */
#ifndef TILLNET_ESCPOS_H
#define TILLNET_ESCPOS_H

#include <stddef.h>
#include <stdint.h>

struct receipt;

#define ESCPOS_MAX_DEFAULT (1024 * 1024) /* a receipt of 500 lines is ~40 KiB */
#define ESCPOS_QR_MAX	   2331		 /* bytes a model 2 symbol holds at level M */

struct escpos {
	uint8_t *data;
	size_t len, cap;
	size_t max;	/* growing past this is -EMSGSIZE */
	int bold, size; /* the printer's state as sent so far */
};

/* escpos_init: an empty buffer that may grow to `max` bytes (0: ESCPOS_MAX_DEFAULT). */
void escpos_init(struct escpos *b, size_t max);

/* escpos_release: free the bytes; the buffer is empty again (max kept). */
void escpos_release(struct escpos *b);

/*
 * Each command below appends its bytes and returns 0, -ENOMEM, or
 * -EMSGSIZE past the ceiling; on failure the buffer is unchanged.
 */
int escpos_reset(struct escpos *b);		  /* ESC @ */
int escpos_bold(struct escpos *b, int on);	  /* ESC E n */
int escpos_size(struct escpos *b, int w, int h);  /* GS ! n, w and h 1 … 8 */
int escpos_text(struct escpos *b, const char *s); /* the text, made printable (above) */
int escpos_feed(struct escpos *b, int lines);	  /* LF × lines */
int escpos_cut(struct escpos *b);		  /* GS V 66 0 */
int escpos_kick(struct escpos *b);		  /* ESC p 0 25 250 */

/*
 * escpos_qr: the five GS ( k commands that print `data` (1 … ESCPOS_QR_MAX
 * bytes, else -EINVAL) as a model 2 QR code of `module` dots (1 … 16) at
 * error correction level M.
 */
int escpos_qr(struct escpos *b, const char *data, size_t len, int module);

/*
 * escpos_receipt: the whole receipt `r` in the layout above; `kick` adds the
 * drawer kick. Appends to `b`; on failure `b` may hold part of it.
 */
int escpos_receipt(struct escpos *b, const struct receipt *r, int kick);

#endif
