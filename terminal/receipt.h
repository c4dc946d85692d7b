/* SPDX-License-Identifier: MIT */
/*
 * A receipt: an order document (docs/protocol.md, "The order") laid out as
 * lines of text for a paper roll of a given width, each line with a style
 * the printer layer (escpos.h) turns into emphasis or double size. Pure: no
 * I/O, no SQLite; any thread may call it on its own receipt.
 *
 * A note on columns: a column is one UTF-8 character (code point), so a
 * name with "é" takes as many columns on screen as on paper, where escpos.h
 * prints each character outside ASCII as one '?'. Control characters in
 * the document's text are shown as '?' too, so that no name can smuggle a
 * printer command into the byte stream.
 */
#ifndef TILLNET_RECEIPT_H
#define TILLNET_RECEIPT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RECEIPT_WIDTH_DEFAULT 42 /* an 80 mm roll in font A */
#define RECEIPT_WIDTH_MIN     24
#define RECEIPT_WIDTH_MAX     64
#define RECEIPT_VERIFY_MAX    128 /* a buffer this big holds any verification text */

enum receipt_style {
	RECEIPT_PLAIN = 0,
	RECEIPT_BOLD, /* emphasised: headings, the duplicate banner */
	RECEIPT_BIG,  /* bold, double width and height: the store name and the total */
};

struct receipt_line {
	enum receipt_style style;
	char *text; /* laid out to `width` columns (no trailing new line) */
	char *big;  /* RECEIPT_BIG only: the same laid out to width / 2 columns, or NULL */
};

/* What the order document does not say: who printed it, and how. */
struct receipt_head {
	const char *store;	/* the store's name; NULL or "" leaves the line out */
	const char *terminal;	/* the terminal's name; NULL or "" leaves it out */
	const char *short_code; /* the terminal's short code, e.g. "T01"; may be NULL */
	const char *footer;	/* NULL: "Thank you!" */
	int width;		/* columns, RECEIPT_WIDTH_MIN … MAX; 0: the default */
	int64_t duplicate;	/* 0: the original; n > 0: a reprint, "DUPLICATE n" */
};

struct receipt {
	int width;
	struct receipt_line *lines;
	size_t nlines, cap;
	/* "TILLNET1|<receipt>|<total>|<completedAt>": what the QR code holds */
	char verify[RECEIPT_VERIFY_MAX];
	int64_t total; /* the order's total, minor units */
	int refund;    /* 1 for an order of type "refund" */
};

/*
 * receipt_render: lay out the completed order `order` (not changed, not
 * consumed) with `head`. Members the spec makes optional (type, refundOf,
 * refundOfReceipt, discountAmount, orderShare, discountTotal, taxes,
 * rounding, a payment's reference) are shown when present.
 * Errors: -EINVAL when `order` is not a completed order with a receipt
 * number, lines and the members a receipt needs (`why` says which), or a
 * width outside RECEIPT_WIDTH_MIN … MAX; -ENOMEM. On success *out is the
 * caller's: free it with receipt_free.
 */
int receipt_render(const json_t *order, const struct receipt_head *head, struct receipt **out,
		   char *why, size_t whylen);

/* receipt_free: NULL is a no-op. */
void receipt_free(struct receipt *r);

/*
 * receipt_text: the receipt as UTF-8 text, one '\n' after each line, for a
 * screen or an e-mail. NULL when memory ran out; the caller free()s it.
 */
char *receipt_text(const struct receipt *r);

/*
 * receipt_verify_text: the text the receipt's QR code holds,
 * "TILLNET1|<receipt>|<total in minor units>|<completedAt in ms>", into buf.
 * -EINVAL when `order` lacks one of them, -ENAMETOOLONG when buf is short.
 */
int receipt_verify_text(const json_t *order, char *buf, size_t len);

#endif
