// SPDX-License-Identifier: MIT
/*
 * Orders as JSON objects (see order.h and docs/protocol.md, "The
 * order"): the builders a terminal uses at the till, and the check the hub
 * runs on every order.put payload.
 *
 * A note on the order of checks. order_check answers with the first fault
 * it finds, and it looks in three passes: first the shape of everything
 * (presence, JSON type, limits: bad-field), then the arithmetic (line totals,
 * tax, sums, change: bad-total), and last the catalog (unknown-sku). So the
 * same payload always earns the same answer, arithmetic is only done on
 * numbers known to be in range, and the catalog, the only lookup that costs
 * anything, is asked only about orders that are otherwise valid.
 */
#include "order.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BAD_FIELD PROTO_ERR_BAD_FIELD
#define PATH_LEN  sizeof(((struct proto_error *)0)->field)

/* What each kind of integer member holds, for messages. */
#define WHAT_MONEY "an integer in minor units"
#define WHAT_QTY   "an integer in thousandths of a unit"
#define WHAT_RATE  "an integer in basis points"
#define WHAT_CLOCK "an integer clock in ms since the epoch"
#define WHAT_SEQ   "an integer receipt sequence number"

static const char *json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown JSON value";
}

/* Is `v` the string `s` exactly (a NUL inside would fool strcmp)? */
static int string_is(json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
	       memcmp(json_string_value(v), s, json_string_length(v)) == 0;
}

/*
 * How much of an untrusted string to quote in a message: at most `max`
 * bytes, cut at a character boundary, since the message travels as JSON and
 * must stay valid UTF-8.
 */
static int quote_len(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return (int)len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

static int out_of_memory(struct proto_error *err)
{
	proto_error_set(err, PROTO_ERR_UNEXPECTED, NULL, "out of memory while building the order");
	return -ENOMEM;
}

/*
 * Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF),
 * what jansson demands of every string. Checked here so that a refusal names
 * the argument instead of looking like a failed allocation.
 */
static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p++, min;
		int more;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return 0;
		}
		if (end - p < more)
			return 0;
		for (; more > 0; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	}
	return 1;
}

/* Sum of the payments' amounts; non-integers count as 0, and it saturates. */
static int64_t payments_sum(json_t *payments)
{
	int64_t sum = 0;
	size_t i;
	json_t *p;

	json_array_foreach(payments, i, p)
	{
		if (__builtin_add_overflow(sum, json_integer_value(json_object_get(p, "amount")),
					   &sum))
			return INT64_MAX;
	}
	return sum;
}

/* --- Building an order at the till ------------------------------------------------------- */

/* The members every builder reads, from an order that is still open. */
struct order_parts {
	json_t *lines;
	json_t *payments;
	int64_t total;
	int64_t tax_total;
};

static int order_parts_get(json_t *order, struct order_parts *parts, struct proto_error *err)
{
	json_t *status = json_object_get(order, "status");
	json_t *total = json_object_get(order, "total");
	json_t *tax_total = json_object_get(order, "taxTotal");

	if (!json_is_object(order))
		return proto_error_set(err, BAD_FIELD, NULL, "the order is not a JSON object");
	if (!json_is_string(status))
		return proto_error_set(err, BAD_FIELD, "status", "status: expected a string");
	if (strcmp(json_string_value(status), "completed") == 0)
		return proto_error_set(err, BAD_FIELD, "status",
				       "status: the order is completed and cannot change");
	parts->lines = json_object_get(order, "lines");
	parts->payments = json_object_get(order, "payments");
	if (!json_is_array(parts->lines))
		return proto_error_set(err, BAD_FIELD, "lines", "lines: expected an array");
	if (!json_is_array(parts->payments))
		return proto_error_set(err, BAD_FIELD, "payments", "payments: expected an array");
	if (!json_is_integer(total))
		return proto_error_set(err, BAD_FIELD, "total", "total: expected %s", WHAT_MONEY);
	if (!json_is_integer(tax_total))
		return proto_error_set(err, BAD_FIELD, "taxTotal", "taxTotal: expected %s",
				       WHAT_MONEY);
	parts->total = json_integer_value(total);
	parts->tax_total = json_integer_value(tax_total);
	return 0;
}

/* An argument string of min … max bytes of UTF-8; `path` names it. */
static int arg_text(const char *text, const char *path, size_t min, size_t max,
		    struct proto_error *err)
{
	size_t len;

	if (!text)
		return proto_error_set(err, BAD_FIELD, path, "%s: missing; expected a string",
				       path);
	len = strlen(text);
	if (len < min || len > max)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %zu bytes is out of range; expected %zu to %zu bytes",
				       path, len, min, max);
	if (!utf8_valid(text, len))
		return proto_error_set(err, BAD_FIELD, path, "%s: is not valid UTF-8 text", path);
	return 0;
}

static int arg_int(int64_t value, const char *path, int64_t min, int64_t max,
		   struct proto_error *err)
{
	if (value < min || value > max)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %lld is out of range; expected %lld to %lld", path,
				       (long long)value, (long long)min, (long long)max);
	return 0;
}

json_t *order_new(int64_t created_at)
{
	return json_pack("{s:s, s:n, s:n, s:I, s:n, s:[], s:I, s:I, s:[]}", "status", "open",
			 "receipt", "receiptSeq", "createdAt", (json_int_t)created_at,
			 "completedAt", "lines", "total", (json_int_t)0, "taxTotal", (json_int_t)0,
			 "payments");
}

int order_add_line(json_t *order, const char *sku, const char *name, int64_t qty,
		   int64_t unit_price, int64_t tax_rate, struct proto_error *err)
{
	struct order_parts parts;
	json_t *line = NULL, *total = NULL, *tax_total = NULL;
	int64_t line_total, tax;
	char path[PATH_LEN];
	size_t n;
	int rc;

	rc = order_parts_get(order, &parts, err);
	if (rc < 0)
		return rc;
	n = json_array_size(parts.lines);
	if (n >= ORDER_LINES_MAX)
		return proto_error_set(err, BAD_FIELD, "lines",
				       "lines: an order holds at most %d lines", ORDER_LINES_MAX);
	snprintf(path, sizeof(path), "lines[%zu].sku", n);
	rc = arg_text(sku, path, 1, ORDER_SKU_MAX, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "lines[%zu].name", n);
	rc = arg_text(name, path, 0, ORDER_NAME_MAX, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "lines[%zu].qty", n);
	rc = arg_int(qty, path, 1, MONEY_QTY_MAX, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "lines[%zu].unitPrice", n);
	rc = arg_int(unit_price, path, 0, MONEY_MAX, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "lines[%zu].taxRate", n);
	rc = arg_int(tax_rate, path, 0, MONEY_RATE_MAX, err);
	if (rc < 0)
		return rc;
	if (money_line_total(unit_price, qty, &line_total) < 0) {
		snprintf(path, sizeof(path), "lines[%zu].lineTotal", n);
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: unitPrice %lld times qty %lld comes to more than the "
				       "largest amount, %lld",
				       path, (long long)unit_price, (long long)qty,
				       (long long)MONEY_MAX);
	}
	tax = money_tax_included(line_total, tax_rate);
	if (parts.total < 0 || parts.total > MONEY_MAX - line_total)
		return proto_error_set(
		    err, BAD_FIELD, "total",
		    "total: adding %lld to %lld goes over the largest amount, %lld",
		    (long long)line_total, (long long)parts.total, (long long)MONEY_MAX);
	if (parts.tax_total < 0 || parts.tax_total > MONEY_MAX - tax)
		return proto_error_set(
		    err, BAD_FIELD, "taxTotal",
		    "taxTotal: adding %lld to %lld goes over the largest amount, "
		    "%lld",
		    (long long)tax, (long long)parts.tax_total, (long long)MONEY_MAX);

	/* Everything that can fail is made first; then the order changes all at once. */
	line = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "sku", sku, "name", name, "qty",
			 (json_int_t)qty, "unitPrice", (json_int_t)unit_price, "taxRate",
			 (json_int_t)tax_rate, "lineTotal", (json_int_t)line_total, "tax",
			 (json_int_t)tax);
	total = json_integer(parts.total + line_total);
	tax_total = json_integer(parts.tax_total + tax);
	if (!line || !total || !tax_total)
		goto fail;
	if (json_array_append_new(parts.lines, line) < 0) {
		line = NULL; /* append_new has released it */
		goto fail;
	}
	/* Both keys exist (order_parts_get saw them): replacing a value cannot fail. */
	json_object_set_new(order, "total", total);
	json_object_set_new(order, "taxTotal", tax_total);
	return 0;

fail:
	json_decref(line);
	json_decref(total);
	json_decref(tax_total);
	return out_of_memory(err);
}

int64_t order_due(json_t *order)
{
	int64_t total = json_integer_value(json_object_get(order, "total"));
	int64_t due;

	if (__builtin_sub_overflow(total, payments_sum(json_object_get(order, "payments")), &due))
		return INT64_MIN;
	return due;
}

/* A card reference: 1 … 64 bytes of printable ASCII (what a card terminal prints). */
static int arg_reference(const char *reference, const char *path, struct proto_error *err)
{
	int rc = arg_text(reference, path, 1, ORDER_REFERENCE_MAX, err);

	if (rc < 0)
		return rc;
	for (const char *p = reference; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected printable ASCII characters only",
					       path);
	}
	return 0;
}

int order_add_payment(json_t *order, const char *tender, int64_t tendered, const char *reference,
		      struct proto_error *err)
{
	struct order_parts parts;
	json_t *payment;
	int64_t due, amount;
	char path[PATH_LEN];
	size_t n;
	int rc;

	rc = order_parts_get(order, &parts, err);
	if (rc < 0)
		return rc;
	n = json_array_size(parts.payments);
	if (n >= ORDER_PAYMENTS_MAX)
		return proto_error_set(err, BAD_FIELD, "payments",
				       "payments: an order holds at most %d payments",
				       ORDER_PAYMENTS_MAX);
	due = order_due(order);
	if (due <= 0)
		return proto_error_set(
		    err, ORDER_ERR_BAD_TOTAL, "payments",
		    "payments: nothing is due (total %lld, paid %lld); no further "
		    "payment is taken",
		    (long long)parts.total, (long long)(parts.total - due));
	snprintf(path, sizeof(path), "payments[%zu].tender", n);
	if (!tender || (strcmp(tender, "cash") != 0 && strcmp(tender, "card") != 0))
		return proto_error_set(err, BAD_FIELD, path, "%s: expected \"cash\" or \"card\"",
				       path);
	if (strcmp(tender, "cash") == 0) {
		snprintf(path, sizeof(path), "payments[%zu].tendered", n);
		rc = arg_int(tendered, path, 1, MONEY_MAX, err);
		if (rc < 0)
			return rc;
		snprintf(path, sizeof(path), "payments[%zu].reference", n);
		if (reference)
			return proto_error_set(
			    err, BAD_FIELD, path,
			    "%s: a cash payment has no reference (expected null)", path);
		amount = tendered < due ? tendered : due;
		payment = json_pack("{s:s, s:I, s:I, s:I, s:n}", "tender", "cash", "amount",
				    (json_int_t)amount, "tendered", (json_int_t)tendered, "change",
				    (json_int_t)(tendered - amount), "reference");
	} else {
		snprintf(path, sizeof(path), "payments[%zu].reference", n);
		rc = arg_reference(reference, path, err);
		if (rc < 0)
			return rc;
		payment = json_pack("{s:s, s:I, s:I, s:I, s:s}", "tender", "card", "amount",
				    (json_int_t)due, "tendered", (json_int_t)due, "change",
				    (json_int_t)0, "reference", reference);
	}
	if (!payment || json_array_append_new(parts.payments, payment) < 0)
		return out_of_memory(err);
	return 0;
}

int order_complete(json_t *order, const char *receipt, int64_t receipt_seq, int64_t completed_at,
		   struct proto_error *err)
{
	struct order_parts parts;
	json_t *status = NULL, *number = NULL, *seq = NULL, *at = NULL;
	int64_t due;
	int rc;

	rc = order_parts_get(order, &parts, err);
	if (rc < 0)
		return rc;
	if (json_array_size(parts.lines) == 0)
		return proto_error_set(err, BAD_FIELD, "lines",
				       "lines: an order needs at least one line to be completed");
	rc = arg_text(receipt, "receipt", 1, ORDER_RECEIPT_MAX, err);
	if (rc == 0)
		rc = arg_int(receipt_seq, "receiptSeq", 1, ORDER_SEQ_MAX, err);
	if (rc == 0)
		rc = arg_int(completed_at, "completedAt", ORDER_CLOCK_MIN, ORDER_CLOCK_MAX, err);
	if (rc < 0)
		return rc;
	due = order_due(order);
	if (due != 0)
		return proto_error_set(err, ORDER_ERR_BAD_TOTAL, "payments",
				       "payments: they come to %lld but the total is %lld; a "
				       "completed order is paid exactly",
				       (long long)(parts.total - due), (long long)parts.total);

	status = json_string("completed");
	number = json_string(receipt);
	seq = json_integer(receipt_seq);
	at = json_integer(completed_at);
	if (!status || !number || !seq || !at)
		goto fail;
	/* For an order made by order_new these keys exist and replacing cannot fail. */
	rc = json_object_set_new(order, "receipt", number);
	number = NULL;
	if (rc == 0)
		rc = json_object_set_new(order, "receiptSeq", seq);
	seq = NULL;
	if (rc == 0)
		rc = json_object_set_new(order, "completedAt", at);
	at = NULL;
	if (rc == 0)
		rc = json_object_set_new(order, "status", status);
	status = NULL;
	if (rc < 0)
		goto fail;
	return 0;

fail:
	json_decref(status);
	json_decref(number);
	json_decref(seq);
	json_decref(at);
	return out_of_memory(err);
}

/* --- Checking an order from a terminal --------------------------------------------------- */

static void item_path(char *buf, const char *array, size_t i, const char *member)
{
	if (member)
		snprintf(buf, PATH_LEN, "payload.%s[%zu].%s", array, i, member);
	else
		snprintf(buf, PATH_LEN, "payload.%s[%zu]", array, i);
}

/* An integer member `v` of `what` within [min, max]. */
static int check_int(json_t *v, const char *path, const char *what, int64_t min, int64_t max,
		     int64_t *out, struct proto_error *err)
{
	int64_t n;

	if (!v)
		return proto_error_set(err, BAD_FIELD, path, "%s: missing; expected %s", path,
				       what);
	if (!json_is_integer(v))
		return proto_error_set(err, BAD_FIELD, path, "%s: expected %s, not %s", path, what,
				       json_kind(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %lld is out of range; expected %s from %lld to %lld",
				       path, (long long)n, what, (long long)min, (long long)max);
	if (out)
		*out = n;
	return 0;
}

/* A string member of min … max bytes with no NUL inside. */
static int check_text(json_t *v, const char *path, size_t min, size_t max, const char **out,
		      struct proto_error *err)
{
	char what[48];
	size_t len;

	if (min == 0)
		snprintf(what, sizeof(what), "a string of at most %zu bytes", max);
	else
		snprintf(what, sizeof(what), "a string of %zu to %zu bytes", min, max);
	if (!v)
		return proto_error_set(err, BAD_FIELD, path, "%s: missing; expected %s", path,
				       what);
	if (!json_is_string(v))
		return proto_error_set(err, BAD_FIELD, path, "%s: expected %s, not %s", path, what,
				       json_kind(v));
	len = json_string_length(v);
	if (strlen(json_string_value(v)) != len)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected %s, and this one has a NUL character inside",
				       path, what);
	if (len < min || len > max)
		return proto_error_set(err, BAD_FIELD, path, "%s: expected %s, not %zu bytes", path,
				       what, len);
	if (out)
		*out = json_string_value(v);
	return 0;
}

/*
 * Members that are null until the order is completed: missing or null is
 * fine before, not after; a value present is checked either way. `what`
 * says what a completed order needs there.
 */
static int check_null_until_completed(json_t *v, const char *path, int completed, const char *what,
				      struct proto_error *err)
{
	if (v && !json_is_null(v))
		return 1; /* the caller checks the value */
	if (!completed)
		return 0;
	return proto_error_set(err, BAD_FIELD, path, "%s: %s; a completed order needs %s", path,
			       v ? "null" : "missing", what);
}

static int check_array(json_t *v, const char *path, size_t min, size_t max, const char *items,
		       struct proto_error *err)
{
	size_t n;

	if (!v)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: missing; expected an array of %zu to %zu %s", path, min,
				       max, items);
	if (!json_is_array(v))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected an array of %zu to %zu %s, not %s", path, min,
				       max, items, json_kind(v));
	n = json_array_size(v);
	if (n < min || n > max)
		return proto_error_set(err, BAD_FIELD, path, "%s: has %zu %s; expected %zu to %zu",
				       path, n, items, min, max);
	return 0;
}

static int check_header(json_t *order, int *completed, struct proto_error *err)
{
	json_t *status = json_object_get(order, "status");
	const char *s;
	json_t *v;
	int rc;

	if (!status)
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: missing; expected \"open\", \"parked\" or "
				       "\"completed\"");
	if (!json_is_string(status))
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: expected \"open\", \"parked\" or "
				       "\"completed\", not %s",
				       json_kind(status));
	s = json_string_value(status);
	if (string_is(status, "completed"))
		*completed = 1;
	else if (string_is(status, "open") || string_is(status, "parked"))
		*completed = 0;
	else
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: expected \"open\", \"parked\" or "
				       "\"completed\", not \"%.*s\"",
				       quote_len(s, 40), s);

	v = json_object_get(order, "receipt");
	rc = check_null_until_completed(v, "payload.receipt", *completed,
					"a receipt number, a string of 1 to 40 bytes", err);
	if (rc > 0)
		rc = check_text(v, "payload.receipt", 1, ORDER_RECEIPT_MAX, NULL, err);
	if (rc < 0)
		return rc;
	v = json_object_get(order, "receiptSeq");
	rc = check_null_until_completed(v, "payload.receiptSeq", *completed, WHAT_SEQ, err);
	if (rc > 0)
		rc = check_int(v, "payload.receiptSeq", WHAT_SEQ, 1, ORDER_SEQ_MAX, NULL, err);
	if (rc < 0)
		return rc;
	rc = check_int(json_object_get(order, "createdAt"), "payload.createdAt", WHAT_CLOCK,
		       ORDER_CLOCK_MIN, ORDER_CLOCK_MAX, NULL, err);
	if (rc < 0)
		return rc;
	v = json_object_get(order, "completedAt");
	rc = check_null_until_completed(v, "payload.completedAt", *completed, WHAT_CLOCK, err);
	if (rc > 0)
		rc = check_int(v, "payload.completedAt", WHAT_CLOCK, ORDER_CLOCK_MIN,
			       ORDER_CLOCK_MAX, NULL, err);
	return rc < 0 ? rc : 0;
}

/* Pass 1 for a line: every member present, of its type, within its limits. */
static int check_line_shape(json_t *line, size_t i, struct proto_error *err)
{
	char path[PATH_LEN];
	int64_t qty, price, line_total;
	int rc;

	if (!json_is_object(line)) {
		item_path(path, "lines", i, NULL);
		return proto_error_set(err, BAD_FIELD, path, "%s: expected a line object, not %s",
				       path, json_kind(line));
	}
	item_path(path, "lines", i, "sku");
	rc = check_text(json_object_get(line, "sku"), path, 1, ORDER_SKU_MAX, NULL, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "name");
	rc = check_text(json_object_get(line, "name"), path, 0, ORDER_NAME_MAX, NULL, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "qty");
	rc = check_int(json_object_get(line, "qty"), path, WHAT_QTY, 1, MONEY_QTY_MAX, &qty, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "unitPrice");
	rc = check_int(json_object_get(line, "unitPrice"), path, WHAT_MONEY, 0, MONEY_MAX, &price,
		       err);
	if (rc < 0)
		return rc;
	if (money_line_total(price, qty, &line_total) < 0)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %lld times qty %lld comes to more than the largest "
				       "amount, %lld",
				       path, (long long)price, (long long)qty,
				       (long long)MONEY_MAX);
	item_path(path, "lines", i, "taxRate");
	rc = check_int(json_object_get(line, "taxRate"), path, WHAT_RATE, 0, MONEY_RATE_MAX, NULL,
		       err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "lineTotal");
	rc = check_int(json_object_get(line, "lineTotal"), path, WHAT_MONEY, 0, MONEY_MAX, NULL,
		       err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "tax");
	return check_int(json_object_get(line, "tax"), path, WHAT_MONEY, 0, MONEY_MAX, NULL, err);
}

/* Pass 1 for a payment. The relations between tendered and amount are limits of tendered. */
static int check_payment_shape(json_t *payment, size_t i, struct proto_error *err)
{
	char path[PATH_LEN];
	int64_t amount, tendered;
	json_t *v;
	int cash, rc;

	if (!json_is_object(payment)) {
		item_path(path, "payments", i, NULL);
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected a payment object, not %s", path,
				       json_kind(payment));
	}
	item_path(path, "payments", i, "tender");
	v = json_object_get(payment, "tender");
	if (!v)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: missing; expected \"cash\" or \"card\"", path);
	if (!json_is_string(v))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected \"cash\" or \"card\", not %s", path,
				       json_kind(v));
	if (!string_is(v, "cash") && !string_is(v, "card"))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected \"cash\" or \"card\", not \"%.*s\"", path,
				       quote_len(json_string_value(v), 20), json_string_value(v));
	cash = string_is(v, "cash");
	item_path(path, "payments", i, "amount");
	rc = check_int(json_object_get(payment, "amount"), path, WHAT_MONEY, 1, MONEY_MAX, &amount,
		       err);
	if (rc < 0)
		return rc;
	item_path(path, "payments", i, "tendered");
	rc = check_int(json_object_get(payment, "tendered"), path, WHAT_MONEY, 1, MONEY_MAX,
		       &tendered, err);
	if (rc < 0)
		return rc;
	if (cash && tendered < amount)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %lld is less than the amount %lld; cash tendered must "
				       "cover the amount",
				       path, (long long)tendered, (long long)amount);
	if (!cash && tendered != amount)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %lld differs from the amount %lld; for a card they are "
				       "equal",
				       path, (long long)tendered, (long long)amount);
	item_path(path, "payments", i, "change");
	rc = check_int(json_object_get(payment, "change"), path, WHAT_MONEY, 0, MONEY_MAX, NULL,
		       err);
	if (rc < 0)
		return rc;
	item_path(path, "payments", i, "reference");
	v = json_object_get(payment, "reference");
	if (cash) {
		if (v && !json_is_null(v))
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected null for a cash payment, not %s", path,
					       json_kind(v));
		return 0;
	}
	return check_text(v, path, 1, ORDER_REFERENCE_MAX, NULL, err);
}

/* Pass 2: every number agrees with what money.h computes from the others. */
static int check_arithmetic(json_t *order, int completed, struct proto_error *err)
{
	json_t *lines = json_object_get(order, "lines");
	json_t *payments = json_object_get(order, "payments");
	int64_t total = json_integer_value(json_object_get(order, "total"));
	int64_t tax_total = json_integer_value(json_object_get(order, "taxTotal"));
	int64_t sum = 0, tax_sum = 0, paid;
	char path[PATH_LEN];
	json_t *item;
	size_t i;

	/* Pass 1 bounded every value: at most 500 lines of MONEY_MAX, no overflow. */
	json_array_foreach(lines, i, item)
	{
		int64_t qty = json_integer_value(json_object_get(item, "qty"));
		int64_t price = json_integer_value(json_object_get(item, "unitPrice"));
		int64_t rate = json_integer_value(json_object_get(item, "taxRate"));
		int64_t line_total = json_integer_value(json_object_get(item, "lineTotal"));
		int64_t tax = json_integer_value(json_object_get(item, "tax"));
		int64_t want;

		money_line_total(price, qty, &want); /* in range: checked in pass 1 */
		if (line_total != want) {
			item_path(path, "lines", i, "lineTotal");
			return proto_error_set(err, ORDER_ERR_BAD_TOTAL, path,
					       "%s: %lld is not unitPrice times qty / 1000 rounded "
					       "half away from zero, which is %lld",
					       path, (long long)line_total, (long long)want);
		}
		want = money_tax_included(line_total, rate);
		if (tax != want) {
			item_path(path, "lines", i, "tax");
			return proto_error_set(err, ORDER_ERR_BAD_TOTAL, path,
					       "%s: %lld is not the tax included in lineTotal %lld "
					       "at %lld basis points, which is %lld",
					       path, (long long)tax, (long long)line_total,
					       (long long)rate, (long long)want);
		}
		sum += line_total;
		tax_sum += tax;
	}
	if (total != sum)
		return proto_error_set(
		    err, ORDER_ERR_BAD_TOTAL, "payload.total",
		    "payload.total: %lld is not the sum of the lines' lineTotal, "
		    "which is %lld",
		    (long long)total, (long long)sum);
	if (tax_total != tax_sum)
		return proto_error_set(err, ORDER_ERR_BAD_TOTAL, "payload.taxTotal",
				       "payload.taxTotal: %lld is not the sum of the lines' tax, "
				       "which is %lld",
				       (long long)tax_total, (long long)tax_sum);
	json_array_foreach(payments, i, item)
	{
		int64_t amount = json_integer_value(json_object_get(item, "amount"));
		int64_t tendered = json_integer_value(json_object_get(item, "tendered"));
		int64_t change = json_integer_value(json_object_get(item, "change"));

		if (change != tendered - amount) {
			item_path(path, "payments", i, "change");
			return proto_error_set(err, ORDER_ERR_BAD_TOTAL, path,
					       "%s: %lld is not tendered - amount, which is %lld",
					       path, (long long)change,
					       (long long)(tendered - amount));
		}
	}
	paid = payments_sum(payments);
	if (completed && paid != total)
		return proto_error_set(err, ORDER_ERR_BAD_TOTAL, "payload.payments",
				       "payload.payments: the amounts come to %lld but the total "
				       "is %lld; a completed order is paid exactly",
				       (long long)paid, (long long)total);
	return 0;
}

int order_check(json_t *order, order_sku_known_fn known, void *ctx, struct proto_error *err)
{
	char path[PATH_LEN];
	json_t *lines, *payments, *item;
	int completed = 0;
	size_t i;
	int rc;

	if (!json_is_object(order))
		return proto_error_set(err, BAD_FIELD, "payload",
				       "payload: expected an order object, not %s",
				       order ? json_kind(order) : "nothing");

	/* Pass 1: shape. */
	rc = check_header(order, &completed, err);
	if (rc < 0)
		return rc;
	lines = json_object_get(order, "lines");
	rc = check_array(lines, "payload.lines", 1, ORDER_LINES_MAX, "lines", err);
	if (rc < 0)
		return rc;
	json_array_foreach(lines, i, item)
	{
		rc = check_line_shape(item, i, err);
		if (rc < 0)
			return rc;
	}
	rc = check_int(json_object_get(order, "total"), "payload.total", WHAT_MONEY, 0, MONEY_MAX,
		       NULL, err);
	if (rc < 0)
		return rc;
	rc = check_int(json_object_get(order, "taxTotal"), "payload.taxTotal", WHAT_MONEY, 0,
		       MONEY_MAX, NULL, err);
	if (rc < 0)
		return rc;
	payments = json_object_get(order, "payments");
	rc = check_array(payments, "payload.payments", 0, ORDER_PAYMENTS_MAX, "payments", err);
	if (rc < 0)
		return rc;
	json_array_foreach(payments, i, item)
	{
		rc = check_payment_shape(item, i, err);
		if (rc < 0)
			return rc;
	}
	if (completed && json_array_size(payments) == 0)
		return proto_error_set(err, BAD_FIELD, "payload.payments",
				       "payload.payments: a completed order needs at least one "
				       "payment");

	/* Pass 2: arithmetic. */
	rc = check_arithmetic(order, completed, err);
	if (rc < 0 || !known)
		return rc;

	/* Pass 3: the catalog. */
	json_array_foreach(lines, i, item)
	{
		const char *sku = json_string_value(json_object_get(item, "sku"));

		item_path(path, "lines", i, "sku");
		rc = known(ctx, sku);
		if (rc < 0) {
			proto_error_set(err, PROTO_ERR_UNEXPECTED, path,
					"%s: the catalog could not be asked about \"%s\": %s", path,
					sku, strerror(-rc));
			return rc;
		}
		if (rc == 0)
			return proto_error_set(err, ORDER_ERR_UNKNOWN_SKU, path,
					       "%s: \"%s\" is not in the hub's catalog", path, sku);
	}
	return 0;
}
