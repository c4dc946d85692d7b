// SPDX-License-Identifier: MIT
/*
 * Building orders at the till (see order.h and docs/protocol.md, "The
 * order"). The hub's check of what terminals send is order_check.c.
 */
#include "order.h"
#include "order_json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
	if (!order_utf8_valid(text, len))
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
	return order_out_of_memory(err);
}

int64_t order_due(json_t *order)
{
	int64_t total = json_integer_value(json_object_get(order, "total"));
	int64_t due;

	if (__builtin_sub_overflow(total, order_payments_sum(json_object_get(order, "payments")),
				   &due))
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
		return order_out_of_memory(err);
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
	return order_out_of_memory(err);
}
