// SPDX-License-Identifier: MIT
/*
 * The catalog CSV parser (see catalog.h, docs/catalog.md). libcsv splits the
 * text into fields; this file knows the columns and checks every value.
 *
 * A note on line numbers: libcsv does not count lines, and one record may
 * span several when a quoted value holds a line break. So the text is fed to
 * libcsv one physical line at a time; the parser can only end a record at a
 * line break, that is at the end of a piece, and a record starts in the first
 * piece after the previous record that holds anything but blanks. That piece's
 * line is the record's line in every message.
 */
#include "catalog.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The columns, in the order docs/catalog.md lists them; the required ones first. */
enum catalog_column {
	COL_SKU,
	COL_NAME,
	COL_BARCODE,
	COL_PRICE,
	COL_TAX_RATE,
	COL_ACTIVE, /* optional */
	COL_COUNT
};

#define COL_UNKNOWN  (-1)
#define COL_REQUIRED COL_ACTIVE

static const char *const column_names[COL_COUNT] = {"sku",   "name",	 "barcode",
						    "price", "tax_rate", "active"};

#define COLUMNS_HINT "the first line must name the columns sku,name,barcode,price,tax_rate"

/* More fields than this in one record are counted, not kept. */
#define FIELDS_MAX 32
/* How much of a value an error message shows. */
#define SHOW_MAX 40

struct field {
	char *text; /* not NUL-terminated: values may hold any byte */
	size_t len;
	size_t cap;
};

/* Skus seen so far and the line of each, to name both lines of a duplicate. */
struct sku_seen {
	char *sku;
	long line;
};

struct parse_state {
	struct catalog *cat;
	long line;	  /* the physical line being fed */
	long record_line; /* where the current record started */
	int between;	  /* no record has started since the last one ended */
	int stop;	  /* an error after which the rest cannot be read */
	int have_header;
	int n_columns;
	int column_of[FIELDS_MAX]; /* field index -> enum catalog_column or COL_UNKNOWN */
	int field_of[COL_COUNT];   /* column -> field index, -1 when missing */
	struct field fields[FIELDS_MAX];
	size_t n_fields; /* in the current record, all counted */
	size_t n_rows;	 /* data rows read */
	struct sku_seen *seen;
	size_t seen_cap, seen_used;
	int oom;
};

static void add_error(struct parse_state *st, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_error(struct parse_state *st, long line, const char *fmt, ...)
{
	struct catalog *cat = st->cat;
	va_list ap;

	if (cat->n_errors < CATALOG_ERRORS_KEPT) {
		struct catalog_error *e = &cat->errors[cat->n_errors];

		e->line = line;
		va_start(ap, fmt);
		vsnprintf(e->text, sizeof(e->text), fmt, ap);
		va_end(ap);
	}
	cat->n_errors++;
}

/*
 * show: a value as an error message quotes it: at most SHOW_MAX bytes (cut
 * between UTF-8 characters, "..." after), quotes and backslashes escaped,
 * control bytes as \xNN so that the message stays on one line.
 */
static const char *show(const char *v, size_t len, char *out, size_t outlen)
{
	size_t o = 0, i;
	size_t n = len > SHOW_MAX ? SHOW_MAX : len;

	/* Do not cut a UTF-8 character in two. */
	while (n < len && n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
		n--;
	for (i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7F) {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (i < len && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* utf8_check: 0 if valid UTF-8 with no control character, -EILSEQ, or -EINVAL for a control. */
static int utf8_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		uint32_t cp;
		int more;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7F)
				return -EINVAL;
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			cp = c & 0x1F;
			more = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			cp = c & 0x0F;
			more = 2;
		} else if (c >= 0xF0 && c <= 0xF4) {
			cp = c & 0x07;
			more = 3;
		} else {
			return -EILSEQ;
		}
		if (end - p <= more)
			return -EILSEQ;
		for (int i = 1; i <= more; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return -EILSEQ;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		/* Overlong forms, surrogates and beyond U+10FFFF. */
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return -EILSEQ;
		if (cp >= 0x80 && cp <= 0x9F) /* C1 controls */
			return -EINVAL;
		p += more + 1;
	}
	return 0;
}

static int check_sku(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	char shown[SHOW_MAX * 4 + 8];

	if (f->len == 0) {
		add_error(st, st->record_line, "sku is empty (every item needs one)");
		return -EINVAL;
	}
	if (f->len > CATALOG_SKU_MAX) {
		add_error(st, st->record_line, "sku \"%s\" is longer than %d bytes",
			  show(f->text, f->len, shown, sizeof(shown)), CATALOG_SKU_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->text[i];

		if (c <= 0x20 || c >= 0x7F) {
			add_error(st, st->record_line,
				  "sku \"%s\" may only hold printable ASCII characters, no spaces",
				  show(f->text, f->len, shown, sizeof(shown)));
			return -EINVAL;
		}
	}
	memcpy(item->sku, f->text, f->len);
	item->sku[f->len] = '\0';
	return 0;
}

static int check_name(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	char shown[SHOW_MAX * 4 + 8];
	int rc;

	if (f->len == 0) {
		add_error(st, st->record_line, "name is empty (every item needs one)");
		return -EINVAL;
	}
	if (f->len > CATALOG_NAME_MAX) {
		add_error(st, st->record_line, "name \"%s\" is longer than %d bytes",
			  show(f->text, f->len, shown, sizeof(shown)), CATALOG_NAME_MAX);
		return -EINVAL;
	}
	rc = utf8_check(f->text, f->len);
	if (rc == -EILSEQ) {
		add_error(st, st->record_line,
			  "name \"%s\" is not valid UTF-8 (save the file as UTF-8)",
			  show(f->text, f->len, shown, sizeof(shown)));
		return rc;
	}
	if (rc < 0) {
		add_error(st, st->record_line,
			  "name \"%s\" holds a control character (a line break or a tab?)",
			  show(f->text, f->len, shown, sizeof(shown)));
		return rc;
	}
	memcpy(item->name, f->text, f->len);
	item->name[f->len] = '\0';
	return 0;
}

static int check_barcode(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	char shown[SHOW_MAX * 4 + 8];

	if (f->len > CATALOG_BARCODE_MAX) {
		add_error(st, st->record_line, "barcode \"%s\" is longer than %d characters",
			  show(f->text, f->len, shown, sizeof(shown)), CATALOG_BARCODE_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->text[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
			add_error(st, st->record_line,
				  "barcode \"%s\" may only hold digits and letters (or be empty)",
				  show(f->text, f->len, shown, sizeof(shown)));
			return -EINVAL;
		}
	}
	memcpy(item->barcode, f->text, f->len);
	item->barcode[f->len] = '\0';
	return 0;
}

/* Digits only, by hand: no locale, no floats, no strtol's leniency (signs, blanks). */
static int check_price(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	char shown[SHOW_MAX * 4 + 8];
	int64_t v = 0;
	size_t i;

	if (f->len == 0) {
		add_error(st, st->record_line,
			  "price is empty (expected a number in minor units, e.g. 1250 for 12.50)");
		return -EINVAL;
	}
	show(f->text, f->len, shown, sizeof(shown));
	if (f->text[0] == '-' && f->len > 1 && f->text[1] >= '0' && f->text[1] <= '9') {
		add_error(st, st->record_line, "price \"%s\" is below zero", shown);
		return -EINVAL;
	}
	for (i = 0; i < f->len; i++) {
		if (f->text[i] < '0' || f->text[i] > '9') {
			add_error(
			    st, st->record_line,
			    "price \"%s\" is not a number in minor units (expected e.g. 1250)",
			    shown);
			return -EINVAL;
		}
	}
	for (i = 0; i < f->len; i++) {
		v = v * 10 + (f->text[i] - '0');
		if (v > CATALOG_PRICE_MAX)
			break;
	}
	if (v > CATALOG_PRICE_MAX) {
		add_error(st, st->record_line, "price \"%s\" is too large (at most %lld)", shown,
			  (long long)CATALOG_PRICE_MAX);
		return -EINVAL;
	}
	item->price = v;
	return 0;
}

/*
 * active: true or false as people and spreadsheets write them (true/false,
 * yes/no, 1/0, any case); empty leaves the item as it is.
 */
static int check_active(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	static const char *const words[][2] = {{"true", "false"}, {"yes", "no"}, {"1", "0"}};
	char shown[SHOW_MAX * 4 + 8];

	item->active = CATALOG_ACTIVE_KEEP;
	if (f->len == 0)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (int v = 0; v < 2; v++) {
			if (f->len == strlen(words[i][v]) &&
			    strncasecmp(f->text, words[i][v], f->len) == 0) {
				item->active = v == 0;
				return 0;
			}
		}
	}
	add_error(st, st->record_line,
		  "active \"%s\" is not true or false (expected true, false, yes, no, 1 or 0; "
		  "empty keeps the item as it is)",
		  show(f->text, f->len, shown, sizeof(shown)));
	return -EINVAL;
}

/* A percent with at most two decimals, "20" or "7.55", into basis points. */
static int check_tax_rate(struct parse_state *st, const struct field *f, struct catalog_item *item)
{
	char shown[SHOW_MAX * 4 + 8];
	const char *p = f->text, *end = f->text + f->len;
	int whole = 0, frac = 0, decimals = 0, digits = 0;

	if (f->len == 0) {
		add_error(st, st->record_line,
			  "tax_rate is empty (expected a percent such as 20 or 7.5)");
		return -EINVAL;
	}
	show(f->text, f->len, shown, sizeof(shown));
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole <= CATALOG_TAX_MAX / 100)
			whole = whole * 10 + (*p - '0');
	}
	if (p < end && *p == '.' && digits > 0) {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, decimals++) {
			if (decimals < 2)
				frac = frac * 10 + (*p - '0');
		}
		if (decimals == 0)
			p--; /* "7." is not a percent */
	}
	if (digits == 0 || p != end) {
		add_error(st, st->record_line,
			  "tax_rate \"%s\" is not a percent (expected e.g. 20 or 7.5)", shown);
		return -EINVAL;
	}
	if (decimals > 2) {
		add_error(st, st->record_line,
			  "tax_rate \"%s\" has more than 2 decimals (expected e.g. 20 or 7.55)",
			  shown);
		return -EINVAL;
	}
	if (decimals == 1)
		frac *= 10;
	if (whole > CATALOG_TAX_MAX / 100 || whole * 100 + frac > CATALOG_TAX_MAX) {
		add_error(st, st->record_line, "tax_rate \"%s\" is above 100 (it is a percent)",
			  shown);
		return -EINVAL;
	}
	item->tax_rate = whole * 100 + frac;
	return 0;
}

static uint64_t sku_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* seen_slot: the slot of `sku`, or the empty slot where it would go. */
static struct sku_seen *seen_slot(struct sku_seen *slots, size_t cap, const char *sku)
{
	size_t i = (size_t)sku_hash(sku) & (cap - 1);

	while (slots[i].sku && strcmp(slots[i].sku, sku) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int seen_grow(struct parse_state *st)
{
	size_t cap = st->seen_cap ? st->seen_cap * 2 : 1024;
	struct sku_seen *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < st->seen_cap; i++) {
		if (st->seen[i].sku)
			*seen_slot(slots, cap, st->seen[i].sku) = st->seen[i];
	}
	free(st->seen);
	st->seen = slots;
	st->seen_cap = cap;
	return 0;
}

/* check_duplicate: -EEXIST (reported) if `sku` was on an earlier line; else remember it. */
static int check_duplicate(struct parse_state *st, const char *sku)
{
	struct sku_seen *slot;

	if ((st->seen_used + 1) * 2 > st->seen_cap && seen_grow(st) < 0) {
		st->oom = 1;
		return -ENOMEM;
	}
	slot = seen_slot(st->seen, st->seen_cap, sku);
	if (slot->sku) {
		add_error(st, st->record_line,
			  "sku \"%s\" appears twice: on line %ld and on line %ld", sku, slot->line,
			  st->record_line);
		return -EEXIST;
	}
	slot->sku = strdup(sku);
	if (!slot->sku) {
		st->oom = 1;
		return -ENOMEM;
	}
	slot->line = st->record_line;
	st->seen_used++;
	return 0;
}

static void read_header(struct parse_state *st)
{
	char shown[SHOW_MAX * 4 + 8];
	long line = st->record_line;

	st->have_header = 1;
	if (st->n_fields > FIELDS_MAX) {
		add_error(st, line, "the header has %zu columns; %s", st->n_fields, COLUMNS_HINT);
		st->stop = 1;
		return;
	}
	st->n_columns = (int)st->n_fields;
	for (int c = 0; c < COL_COUNT; c++)
		st->field_of[c] = -1;
	for (int i = 0; i < st->n_columns; i++) {
		const struct field *f = &st->fields[i];
		int col = COL_UNKNOWN;

		for (int c = 0; c < COL_COUNT; c++) {
			if (f->len == strlen(column_names[c]) &&
			    strncasecmp(f->text, column_names[c], f->len) == 0)
				col = c;
		}
		st->column_of[i] = col;
		if (col == COL_UNKNOWN) {
			add_error(st, line,
				  "unknown column \"%s\" (the columns are sku, name, barcode, "
				  "price, tax_rate and the optional active)",
				  show(f->text, f->len, shown, sizeof(shown)));
		} else if (st->field_of[col] >= 0) {
			add_error(st, line, "column \"%s\" appears twice in the header",
				  column_names[col]);
			st->stop = 1;
		} else {
			st->field_of[col] = i;
		}
	}
	for (int c = 0; c < COL_REQUIRED; c++) {
		if (st->field_of[c] < 0)
			add_error(st, line, "missing column \"%s\": %s (any order)",
				  column_names[c], COLUMNS_HINT);
	}
}

static void read_row(struct parse_state *st)
{
	struct catalog *cat = st->cat;
	struct catalog_item item = {.line = st->record_line, .active = CATALOG_ACTIVE_KEEP};
	int bad = 0;

	if (++st->n_rows > CATALOG_ITEMS_MAX) {
		add_error(st, st->record_line, "more than %d items: split the file",
			  CATALOG_ITEMS_MAX);
		st->stop = 1;
		return;
	}
	if (st->n_fields != (size_t)st->n_columns) {
		add_error(st, st->record_line,
			  "%zu values, but the header names %d columns (a value with a comma "
			  "needs \"quotes\")",
			  st->n_fields, st->n_columns);
		return;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		const struct field *f;
		int rc = 0;

		if (st->field_of[c] < 0) {
			if (c < COL_REQUIRED)
				bad = 1;
			continue;
		}
		f = &st->fields[st->field_of[c]];
		switch (c) {
		case COL_SKU:
			rc = check_sku(st, f, &item);
			if (rc == 0)
				rc = check_duplicate(st, item.sku);
			break;
		case COL_NAME:
			rc = check_name(st, f, &item);
			break;
		case COL_BARCODE:
			rc = check_barcode(st, f, &item);
			break;
		case COL_PRICE:
			rc = check_price(st, f, &item);
			break;
		case COL_ACTIVE:
			rc = check_active(st, f, &item);
			break;
		default:
			rc = check_tax_rate(st, f, &item);
			break;
		}
		if (rc < 0)
			bad = 1;
	}
	if (bad)
		return;
	if (cat->n_items == cat->items_cap) {
		size_t cap = cat->items_cap ? cat->items_cap * 2 : 256;
		struct catalog_item *items;

		if (cap > CATALOG_ITEMS_MAX)
			cap = CATALOG_ITEMS_MAX;
		items = realloc(cat->items, cap * sizeof(*items));
		if (!items) {
			st->oom = 1;
			return;
		}
		cat->items = items;
		cat->items_cap = cap;
	}
	cat->items[cat->n_items++] = item;
}

/* libcsv's end-of-field callback: keep a copy, the buffer is libcsv's. */
static void on_field(void *text, size_t len, void *data)
{
	struct parse_state *st = data;
	struct field *f;

	if (st->n_fields >= FIELDS_MAX || st->oom) {
		st->n_fields++;
		return;
	}
	f = &st->fields[st->n_fields++];
	if (len > f->cap) {
		char *grown = realloc(f->text, len);

		if (!grown) {
			st->oom = 1;
			f->len = 0;
			return;
		}
		f->text = grown;
		f->cap = len;
	}
	if (len)
		memcpy(f->text, text, len);
	f->len = len;
}

/* libcsv's end-of-record callback. */
static void on_record(int c, void *data)
{
	struct parse_state *st = data;
	int blank = 1;

	st->between = 1;
	/* Spreadsheets export empty rows as ",,,,": skip them like empty lines. */
	for (size_t i = 0; i < st->n_fields && i < FIELDS_MAX; i++) {
		if (st->fields[i].len)
			blank = 0;
	}
	if (st->n_fields > FIELDS_MAX)
		blank = 0;
	if (!blank && !st->stop && !st->oom) {
		if (st->have_header)
			read_row(st);
		else
			read_header(st);
	}
	st->n_fields = 0;
}

static int is_blank(char c)
{
	return c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

static void parse_text(struct parse_state *st, struct csv_parser *csv, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	st->line = 1;
	st->between = 1;
	while (p < end && !st->stop && !st->oom) {
		const char *q = p;

		while (q < end && *q != '\n' && *q != '\r')
			q++;
		if (q < end)
			q++; /* the line break ends this piece */
		if (st->between) {
			for (const char *r = p; r < q; r++) {
				if (!is_blank(*r)) {
					st->record_line = st->line;
					st->between = 0;
					break;
				}
			}
		}
		if (csv_parse(csv, p, (size_t)(q - p), on_field, on_record, st) !=
		    (size_t)(q - p)) {
			if (csv_error(csv) == CSV_ENOMEM) {
				st->oom = 1;
			} else {
				add_error(
				    st, st->line,
				    "bad quoting: a quoted value must end with \" before the "
				    "next comma or the end of the line, and a \" inside it is "
				    "written \"\"");
				st->stop = 1;
			}
			return;
		}
		/* CRLF or LF end a line; a lone CR too (old Mac files). */
		if (q[-1] == '\n' || (q[-1] == '\r' && (q == end || *q != '\n')))
			st->line++;
		p = q;
	}
	if (st->stop || st->oom)
		return;
	if (csv_fini(csv, on_field, on_record, st) != 0) {
		add_error(st, st->record_line,
			  "a quoted value that starts on this line never ends (a \" is missing)");
		return;
	}
	if (!st->have_header)
		add_error(st, 0, "the file is empty: %s", COLUMNS_HINT);
}

int catalog_parse(const char *text, size_t len, struct catalog **out)
{
	struct parse_state st = {0};
	struct csv_parser csv;
	struct catalog *cat;
	int rc = 0;

	*out = NULL;
	if (len > CATALOG_FILE_MAX)
		return -EFBIG;
	cat = calloc(1, sizeof(*cat));
	if (!cat)
		return -ENOMEM;
	if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		free(cat);
		return -ENOMEM;
	}
	st.cat = cat;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	parse_text(&st, &csv, text, len);
	if (st.oom)
		rc = -ENOMEM;
	csv_free(&csv);
	for (size_t i = 0; i < FIELDS_MAX; i++)
		free(st.fields[i].text);
	for (size_t i = 0; i < st.seen_cap; i++)
		free(st.seen[i].sku);
	free(st.seen);
	if (rc < 0) {
		catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

void catalog_free(struct catalog *cat)
{
	if (!cat)
		return;
	free(cat->items);
	free(cat);
}

void catalog_format_price(int64_t price, char *out, size_t outlen)
{
	const char *sign = price < 0 ? "-" : "";
	uint64_t v = price < 0 ? (uint64_t)0 - (uint64_t)price : (uint64_t)price;

	snprintf(out, outlen, "%s%llu.%02llu", sign, (unsigned long long)(v / 100),
		 (unsigned long long)(v % 100));
}

void catalog_format_tax_rate(int tax_rate, char *out, size_t outlen)
{
	int whole = tax_rate / 100, frac = tax_rate % 100;

	if (frac == 0)
		snprintf(out, outlen, "%d%%", whole);
	else if (frac % 10 == 0)
		snprintf(out, outlen, "%d.%d%%", whole, frac / 10);
	else
		snprintf(out, outlen, "%d.%02d%%", whole, frac);
}
