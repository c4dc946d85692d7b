// SPDX-License-Identifier: MIT
/*
 * Laying out a receipt from an order document (see receipt.h): the header,
 * the lines, the totals, the payments and a footer, each line cut to the
 * roll's width. Long names wrap; an amount never does.
 */
#include "receipt.h"
#include "money.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECEIPT_LINES_MAX 8192 /* far above 500 order lines wrapped three times */

/* Columns in UTF-8 text: every byte that does not continue a character. */
static size_t cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* The bytes of the first `n` columns of `s` (never splitting a character). */
static size_t bytes_of_cols(const char *s, size_t n)
{
	size_t i = 0;

	while (s[i] && n > 0) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n--;
	}
	return i;
}

/* A copy of document text with control characters shown as '?'; NULL: out of memory. */
static char *clean_text(const char *s)
{
	char *out = strdup(s ? s : "");

	if (!out)
		return NULL;
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = '?';
	return out;
}

static int put_line(struct receipt *r, enum receipt_style style, char *text, char *big)
{
	if (!text || (style == RECEIPT_BIG && !big))
		goto nomem;
	if (r->nlines == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct receipt_line *lines;

		if (cap > RECEIPT_LINES_MAX)
			goto nomem;
		lines = realloc(r->lines, cap * sizeof(*lines));
		if (!lines)
			goto nomem;
		r->lines = lines;
		r->cap = cap;
	}
	r->lines[r->nlines].style = style;
	r->lines[r->nlines].text = text;
	r->lines[r->nlines].big = big;
	r->nlines++;
	return 0;
nomem:
	free(text);
	free(big);
	return -ENOMEM;
}

/*
 * `left`, spaces, `right` in exactly `width` columns; NULL when they do not
 * fit on one line (*nomem tells that case from running out of memory).
 */
static char *join_lr(const char *left, const char *right, size_t width, int *nomem)
{
	size_t lc = cols(left), rc = cols(right), lb = strlen(left), rb = strlen(right), gap;
	char *out;

	*nomem = 0;
	if (lc + rc + (lc && rc ? 1 : 0) > width)
		return NULL;
	gap = width - lc - rc;
	out = malloc(lb + gap + rb + 1);
	if (!out) {
		*nomem = 1;
		return NULL;
	}
	memcpy(out, left, lb);
	memset(out + lb, ' ', gap);
	memcpy(out + lb + gap, right, rb + 1);
	/* A left-only line keeps no trailing spaces. */
	if (rb == 0)
		out[lb] = '\0';
	return out;
}

static char *centered(const char *text, size_t width)
{
	size_t c = cols(text), b = strlen(text), pad = c < width ? (width - c) / 2 : 0;
	char *out = malloc(pad + b + 1);

	if (!out)
		return NULL;
	memset(out, ' ', pad);
	memcpy(out + pad, text, b + 1);
	return out;
}

/* How many bytes of `s` to put on a line of `width` columns: at a space when there is one. */
static size_t wrap_point(const char *s, size_t width)
{
	size_t fit = bytes_of_cols(s, width), cut;

	if (s[fit] == '\0' || s[fit] == ' ')
		return fit;
	for (cut = fit; cut > 0 && s[cut - 1] != ' '; cut--)
		;
	/* The line ends before the spaces; the caller skips them. */
	while (cut > 0 && s[cut - 1] == ' ')
		cut--;
	return cut > 0 ? cut : fit;
}

/*
 * emit_lr: `left` on the left, `right` right-aligned, on one line when they
 * fit; otherwise `left` wraps over as many lines as it takes and `right`
 * ends the last of them, or has a line of its own.
 */
static int emit_lr(struct receipt *r, enum receipt_style style, const char *left, const char *right)
{
	size_t width = (size_t)r->width;
	const char *rest = left;
	char *line, *chunk;
	int nomem, rc;

	line = join_lr(left, right, width, &nomem);
	if (line || nomem)
		return put_line(r, style, line, NULL);
	for (;;) {
		size_t n = wrap_point(rest, width);

		chunk = strndup(rest, n);
		if (!chunk)
			return -ENOMEM;
		rest += n;
		while (*rest == ' ')
			rest++;
		if (*rest == '\0') {
			line = join_lr(chunk, right, width, &nomem);
			if (line || nomem) {
				free(chunk);
				return put_line(r, style, line, NULL);
			}
			rc = put_line(r, style, chunk, NULL);
			if (rc < 0)
				return rc;
			line = join_lr("", right, width, &nomem);
			if (line || nomem)
				return put_line(r, style, line, NULL);
			/* Only text (a long receipt number) is wider than a roll: wrap it too. */
			return emit_lr(r, style, right, "");
		}
		rc = put_line(r, style, chunk, NULL);
		if (rc < 0)
			return rc;
	}
}

static int emit_center(struct receipt *r, enum receipt_style style, const char *text)
{
	size_t width = (size_t)r->width;
	const char *rest = text;
	int rc;

	do {
		size_t n = wrap_point(rest, width);
		char *chunk = strndup(rest, n);

		if (!chunk)
			return -ENOMEM;
		rc = put_line(r, style, centered(chunk, width), NULL);
		free(chunk);
		if (rc < 0)
			return rc;
		rest += n;
		while (*rest == ' ')
			rest++;
	} while (*rest);
	return 0;
}

/* A double-size line: when it does not fit half the width, a bold one instead. */
static int emit_big_lr(struct receipt *r, const char *left, const char *right)
{
	size_t half = (size_t)r->width / 2;
	char *text, *big;
	int nomem;

	big = join_lr(left, right, half, &nomem);
	if (nomem)
		return -ENOMEM;
	if (!big)
		return emit_lr(r, RECEIPT_BOLD, left, right);
	text = join_lr(left, right, (size_t)r->width, &nomem);
	return put_line(r, RECEIPT_BIG, text, big);
}

static int emit_big_center(struct receipt *r, const char *text)
{
	size_t half = (size_t)r->width / 2;

	if (cols(text) > half)
		return emit_center(r, RECEIPT_BOLD, text);
	return put_line(r, RECEIPT_BIG, centered(text, (size_t)r->width), centered(text, half));
}

static int emit_rule(struct receipt *r)
{
	char *line = malloc((size_t)r->width + 1);

	if (!line)
		return -ENOMEM;
	memset(line, '-', (size_t)r->width);
	line[r->width] = '\0';
	return put_line(r, RECEIPT_PLAIN, line, NULL);
}

/* ------------------------------------------------------------ the document */

static int get_int(const json_t *obj, const char *key, int64_t *v)
{
	json_t *m = json_object_get(obj, key);

	if (!json_is_integer(m))
		return 0;
	*v = json_integer_value(m);
	return 1;
}

/* An optional amount: 0 when absent. */
static int64_t opt_int(const json_t *obj, const char *key)
{
	int64_t v = 0;

	get_int(obj, key, &v);
	return v;
}

static const char *get_str(const json_t *obj, const char *key)
{
	json_t *m = json_object_get(obj, key);

	return json_is_string(m) && json_string_length(m) > 0 ? json_string_value(m) : NULL;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* An amount as the customer reads it: on a refund every sum is money going back. */
static void amount_text(const struct receipt *r, int64_t v, char *buf, size_t len)
{
	money_format(r->refund ? -abs64(v) : v, buf, len);
}

/* A discount: taken off a sale, given back on a refund. */
static void discount_text(const struct receipt *r, int64_t v, char *buf, size_t len)
{
	money_format(r->refund ? abs64(v) : -abs64(v), buf, len);
}

/* A tax rate in basis points as "20%", "7.5%", "5.25%". */
static void rate_text(int64_t bp, char *buf, size_t len)
{
	long long whole = (long long)(bp / 100), frac = (long long)(bp % 100);

	if (frac == 0)
		snprintf(buf, len, "%lld%%", whole);
	else if (frac % 10 == 0)
		snprintf(buf, len, "%lld.%lld%%", whole, frac / 10);
	else
		snprintf(buf, len, "%lld.%02lld%%", whole, frac);
}

int receipt_verify_text(const json_t *order, char *buf, size_t len)
{
	const char *receipt = get_str(order, "receipt");
	int64_t total, at;
	int n;

	if (!receipt || !get_int(order, "total", &total) || !get_int(order, "completedAt", &at))
		return -EINVAL;
	n = snprintf(buf, len, "TILLNET1|%s|%lld|%lld", receipt, (long long)total, (long long)at);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Check what a receipt needs, naming the first member that is not there. */
static int check_order(const json_t *order, char *why, size_t whylen)
{
	const char *status = get_str(order, "status");
	json_t *lines = json_object_get(order, "lines"), *pays = json_object_get(order, "payments");
	json_t *m;
	int64_t v;
	size_t i;

	if (!json_is_object(order)) {
		snprintf(why, whylen, "the order is not a JSON object");
		return -EINVAL;
	}
	if (!status || strcmp(status, "completed") != 0) {
		snprintf(why, whylen, "the order is %s: only a completed sale has a receipt",
			 status ? status : "without a status");
		return -EINVAL;
	}
	if (!get_str(order, "receipt")) {
		snprintf(why, whylen, "the order has no receipt number");
		return -EINVAL;
	}
	if (!get_int(order, "completedAt", &v) || !get_int(order, "total", &v)) {
		snprintf(why, whylen, "the order has no %s",
			 get_int(order, "total", &v) ? "completedAt" : "total");
		return -EINVAL;
	}
	if (!json_is_array(lines) || json_array_size(lines) == 0) {
		snprintf(why, whylen, "the order has no lines");
		return -EINVAL;
	}
	json_array_foreach(lines, i, m)
	{
		static const char *const need[] = {"qty", "unitPrice", "lineTotal"};

		for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if (!get_int(m, need[k], &v)) {
				snprintf(why, whylen, "lines[%zu].%s is missing or not an integer",
					 i, need[k]);
				return -EINVAL;
			}
	}
	if (!json_is_array(pays)) {
		snprintf(why, whylen, "the order has no payments");
		return -EINVAL;
	}
	json_array_foreach(pays, i, m)
	{
		if (!get_str(m, "tender") || !get_int(m, "amount", &v)) {
			snprintf(why, whylen, "payments[%zu] has no tender or amount", i);
			return -EINVAL;
		}
	}
	return 0;
}

static int render_header(struct receipt *r, const json_t *order, const struct receipt_head *head)
{
	char who[320], when[32], banner[96];
	const char *term = head->terminal && head->terminal[0] ? head->terminal : NULL;
	const char *code = head->short_code && head->short_code[0] ? head->short_code : NULL;
	time_t secs = (time_t)(opt_int(order, "completedAt") / 1000);
	struct tm tm;
	int rc = 0;

	if (head->store && head->store[0]) {
		char *store = clean_text(head->store);

		rc = store ? emit_big_center(r, store) : -ENOMEM;
		free(store);
		if (rc < 0)
			return rc;
	}
	if (term || code) {
		char *text;

		if (term && code)
			snprintf(who, sizeof(who), "%s (%s)", term, code);
		else
			snprintf(who, sizeof(who), "%s", term ? term : code);
		text = clean_text(who);
		rc = text ? emit_center(r, RECEIPT_PLAIN, text) : -ENOMEM;
		free(text);
		if (rc < 0)
			return rc;
	}
	if (r->refund) {
		const char *of = get_str(order, "refundOfReceipt");
		char *text;

		if (!of)
			of = get_str(order, "refundOf");
		snprintf(banner, sizeof(banner), of ? "REFUND of %s" : "REFUND", of);
		text = clean_text(banner);
		rc = text ? emit_center(r, RECEIPT_BOLD, text) : -ENOMEM;
		free(text);
		if (rc < 0)
			return rc;
	}
	if (head->duplicate > 0) {
		snprintf(banner, sizeof(banner), "*** DUPLICATE %lld ***",
			 (long long)head->duplicate);
		rc = emit_center(r, RECEIPT_BOLD, banner);
		if (rc < 0)
			return rc;
	}
	{
		char *receipt = clean_text(get_str(order, "receipt"));

		rc = receipt ? emit_lr(r, RECEIPT_PLAIN, "Receipt", receipt) : -ENOMEM;
		free(receipt);
		if (rc < 0)
			return rc;
	}
	if (!gmtime_r(&secs, &tm) || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	rc = emit_lr(r, RECEIPT_PLAIN, "Date", when);
	return rc < 0 ? rc : emit_rule(r);
}

static int render_lines(struct receipt *r, const json_t *lines)
{
	char amount[MONEY_TEXT_MAX], qty[MONEY_TEXT_MAX], price[MONEY_TEXT_MAX];
	char each[3 * MONEY_TEXT_MAX];
	json_t *line;
	size_t i;
	int rc;

	json_array_foreach(lines, i, line)
	{
		const char *name = get_str(line, "name");
		int64_t q = opt_int(line, "qty"), discount = opt_int(line, "discountAmount"),
			share = opt_int(line, "orderShare");
		char *text = clean_text(name ? name : get_str(line, "sku"));

		if (!text)
			return -ENOMEM;
		amount_text(r, opt_int(line, "lineTotal"), amount, sizeof(amount));
		if (q == MONEY_QTY_ONE) {
			rc = emit_lr(r, RECEIPT_PLAIN, text, amount);
		} else {
			money_qty_format(q, qty, sizeof(qty));
			money_format(opt_int(line, "unitPrice"), price, sizeof(price));
			snprintf(each, sizeof(each), "  %s x %s", qty, price);
			rc = emit_lr(r, RECEIPT_PLAIN, text, "");
			if (rc == 0)
				rc = emit_lr(r, RECEIPT_PLAIN, each, amount);
		}
		free(text);
		if (rc == 0 && discount != 0) {
			discount_text(r, discount, amount, sizeof(amount));
			rc = emit_lr(r, RECEIPT_PLAIN, "  Discount", amount);
		}
		if (rc == 0 && share != 0) {
			discount_text(r, share, amount, sizeof(amount));
			rc = emit_lr(r, RECEIPT_PLAIN, "  Order discount", amount);
		}
		if (rc < 0)
			return rc;
	}
	return emit_rule(r);
}

/* One "Tax 20% of 2.08 ... 0.42" line. */
static int emit_tax(struct receipt *r, int64_t rate, int64_t base, int64_t tax)
{
	char left[96], rate_s[48], base_s[MONEY_TEXT_MAX], tax_s[MONEY_TEXT_MAX];

	rate_text(rate, rate_s, sizeof(rate_s));
	/* The base says what the rate applied to: no sign, even on a refund. */
	money_format(abs64(base), base_s, sizeof(base_s));
	amount_text(r, tax, tax_s, sizeof(tax_s));
	snprintf(left, sizeof(left), "Tax %s of %s", rate_s, base_s);
	return emit_lr(r, RECEIPT_PLAIN, left, tax_s);
}

/*
 * The taxes per rate: the document's "taxes" when it has them, else summed
 * from the lines (a line's net is its lineTotal less its discounts), by
 * rising rate.
 */
static int render_taxes(struct receipt *r, const json_t *order)
{
	json_t *taxes = json_object_get(order, "taxes"), *lines = json_object_get(order, "lines");
	json_t *m;
	int64_t last = -1;
	size_t i;
	int rc;

	if (json_is_array(taxes)) {
		json_array_foreach(taxes, i, m)
		{
			rc = emit_tax(r, opt_int(m, "rate"), opt_int(m, "base"), opt_int(m, "tax"));
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	for (;;) {
		int64_t rate = -1, base = 0, tax = 0;

		json_array_foreach(lines, i, m)
		{
			int64_t lr = opt_int(m, "taxRate");

			if (lr > last && (rate < 0 || lr < rate))
				rate = lr;
		}
		if (rate < 0)
			return 0;
		json_array_foreach(lines, i, m)
		{
			if (opt_int(m, "taxRate") != rate)
				continue;
			tax += opt_int(m, "tax");
			base += opt_int(m, "lineTotal") - opt_int(m, "discountAmount") -
				opt_int(m, "orderShare") - opt_int(m, "tax");
		}
		rc = emit_tax(r, rate, base, tax);
		if (rc < 0)
			return rc;
		last = rate;
	}
}

/* The order discount paid with the customer's points: 1 with *points, else 0. */
static int points_discount(const json_t *order, int64_t *points)
{
	const json_t *d = json_object_get(order, "discount");
	const char *source = json_string_value(json_object_get(d, "source"));

	return source && strcmp(source, "points") == 0 && get_int(d, "points", points);
}

static int render_totals(struct receipt *r, const json_t *order)
{
	json_t *lines = json_object_get(order, "lines"), *m;
	char amount[MONEY_TEXT_MAX];
	int64_t subtotal = 0, discounts = 0, points, value;
	size_t i;
	int rc;

	json_array_foreach(lines, i, m)
	{
		subtotal += opt_int(m, "lineTotal");
		discounts += opt_int(m, "discountAmount") + opt_int(m, "orderShare");
	}
	get_int(order, "discountTotal", &discounts);
	amount_text(r, subtotal, amount, sizeof(amount));
	rc = emit_lr(r, RECEIPT_PLAIN, "Subtotal", amount);
	if (rc == 0 && discounts != 0) {
		discount_text(r, discounts, amount, sizeof(amount));
		rc = emit_lr(r, RECEIPT_PLAIN, "Discounts", amount);
	}
	if (rc == 0 && points_discount(order, &points) &&
	    get_int(json_object_get(order, "discount"), "value", &value)) {
		char left[48];

		snprintf(left, sizeof(left), "  %lld points", (long long)points);
		discount_text(r, value, amount, sizeof(amount));
		rc = emit_lr(r, RECEIPT_PLAIN, left, amount);
	}
	if (rc == 0)
		rc = render_taxes(r, order);
	if (rc < 0)
		return rc;
	amount_text(r, r->total, amount, sizeof(amount));
	return emit_big_lr(r, r->refund ? "REFUND" : "TOTAL", amount);
}

static const char *tender_name(const char *tender)
{
	static const char *const names[][2] = {
	    {"cash", "Cash"}, {"card", "Card"}, {"other", "Other"}, {"points", "Points"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(tender, names[i][0]) == 0)
			return names[i][1];
	return tender;
}

static int render_payments(struct receipt *r, const json_t *order)
{
	json_t *pays = json_object_get(order, "payments"), *p;
	char amount[MONEY_TEXT_MAX];
	int64_t rounding;
	size_t i;
	int rc = 0;

	json_array_foreach(pays, i, p)
	{
		const char *tender = get_str(p, "tender"), *ref = get_str(p, "reference");
		char *name = clean_text(tender_name(tender));
		int64_t v;

		if (!name)
			return -ENOMEM;
		amount_text(r, opt_int(p, "amount"), amount, sizeof(amount));
		rc = emit_lr(r, RECEIPT_PLAIN, name, amount);
		free(name);
		if (rc == 0 && !r->refund && strcmp(tender, "cash") == 0) {
			if (get_int(p, "tendered", &v)) {
				money_format(v, amount, sizeof(amount));
				rc = emit_lr(r, RECEIPT_PLAIN, "  Tendered", amount);
			}
			if (rc == 0 && get_int(p, "change", &v)) {
				money_format(v, amount, sizeof(amount));
				rc = emit_lr(r, RECEIPT_PLAIN, "  Change", amount);
			}
		}
		if (rc == 0 && ref) {
			char *text = clean_text(ref), *left;

			if (!text)
				return -ENOMEM;
			left = malloc(strlen(text) + 8);
			if (left) {
				snprintf(left, strlen(text) + 8, "  Ref %s", text);
				rc = emit_lr(r, RECEIPT_PLAIN, left, "");
			}
			free(text);
			free(left);
			if (!left)
				return -ENOMEM;
		}
		if (rc < 0)
			return rc;
	}
	if (get_int(order, "rounding", &rounding) && rounding != 0) {
		char text[MONEY_TEXT_MAX + 1];

		money_format(rounding, amount, sizeof(amount));
		snprintf(text, sizeof(text), "%s%s", rounding > 0 ? "+" : "", amount);
		rc = emit_lr(r, RECEIPT_PLAIN, "Rounding", text);
	}
	return rc;
}

/*
 * The customer's points when the order names one: earned and redeemed on a
 * sale, taken back and given back on a refund, and the balance after it as
 * the till knew it then (loyalty.balance), so a reprint shows the same.
 */
static int render_loyalty(struct receipt *r, const json_t *order)
{
	const json_t *l = json_object_get(order, "loyalty");
	char text[32];
	int64_t v;
	int rc;

	if (!get_str(order, "customer") || !json_is_object(l))
		return 0;
	snprintf(text, sizeof(text), "%lld", (long long)abs64(opt_int(l, "earned")));
	rc = emit_lr(r, RECEIPT_PLAIN, r->refund ? "Points taken back" : "Points earned", text);
	if (rc == 0) {
		snprintf(text, sizeof(text), "%lld", (long long)abs64(opt_int(l, "redeemed")));
		rc = emit_lr(r, RECEIPT_PLAIN, r->refund ? "Points given back" : "Points redeemed",
			     text);
	}
	if (rc == 0 && get_int(l, "balance", &v)) {
		snprintf(text, sizeof(text), "%lld", (long long)v);
		rc = emit_lr(r, RECEIPT_PLAIN, "Points balance", text);
	}
	return rc;
}

int receipt_render(const json_t *order, const struct receipt_head *head, struct receipt **out,
		   char *why, size_t whylen)
{
	const char *type = get_str(order, "type");
	struct receipt *r = NULL;
	char *footer = NULL;
	int rc;

	*out = NULL;
	snprintf(why, whylen, "out of memory");
	rc = check_order(order, why, whylen);
	if (rc < 0)
		return rc;
	if (head->width != 0 &&
	    (head->width < RECEIPT_WIDTH_MIN || head->width > RECEIPT_WIDTH_MAX)) {
		snprintf(why, whylen, "a receipt is %d to %d columns wide, not %d",
			 RECEIPT_WIDTH_MIN, RECEIPT_WIDTH_MAX, head->width);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->width = head->width ? head->width : RECEIPT_WIDTH_DEFAULT;
	r->refund = type && strcmp(type, "refund") == 0;
	get_int(order, "total", &r->total);
	rc = receipt_verify_text(order, r->verify, sizeof(r->verify));
	if (rc < 0) {
		snprintf(why, whylen, "the receipt number is too long for the QR code");
		goto fail;
	}
	rc = render_header(r, order, head);
	if (rc == 0)
		rc = render_lines(r, json_object_get(order, "lines"));
	if (rc == 0)
		rc = render_totals(r, order);
	if (rc == 0)
		rc = render_payments(r, order);
	if (rc == 0)
		rc = render_loyalty(r, order);
	if (rc == 0)
		rc = put_line(r, RECEIPT_PLAIN, strdup(""), NULL);
	if (rc == 0) {
		footer = clean_text(head->footer ? head->footer : "Thank you!");
		rc = footer ? emit_center(r, RECEIPT_PLAIN, footer) : -ENOMEM;
	}
	if (rc < 0)
		goto fail;
	free(footer);
	why[0] = '\0';
	*out = r;
	return 0;
fail:
	free(footer);
	receipt_free(r);
	return rc;
}

void receipt_free(struct receipt *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i].text);
		free(r->lines[i].big);
	}
	free(r->lines);
	free(r);
}

char *receipt_text(const struct receipt *r)
{
	size_t len = 1, at = 0;
	char *out;

	for (size_t i = 0; i < r->nlines; i++)
		len += strlen(r->lines[i].text) + 1;
	out = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < r->nlines; i++) {
		size_t n = strlen(r->lines[i].text);

		memcpy(out + at, r->lines[i].text, n);
		at += n;
		out[at++] = '\n';
	}
	out[at] = '\0';
	return out;
}
