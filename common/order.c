// SPDX-License-Identifier: MIT
/*
 * Building orders at the till (see order.h and docs/protocol.md, "The
 * order"). The hub's check of what terminals send is order_check.c.
 */
#include "order.h"
#include "order_json.h"
#include "proto_sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_int(json_t *obj, const char *key, int64_t v);

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
	if (strcmp(json_string_value(status), "voided") == 0)
		return proto_error_set(err, BAD_FIELD, "status",
				       "status: the order is voided and cannot change");
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
	int64_t rounding = json_integer_value(json_object_get(order, "rounding"));
	int64_t due;

	if (__builtin_add_overflow(total, rounding, &total) ||
	    __builtin_sub_overflow(total, order_payments_sum(json_object_get(order, "payments")),
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
				       "payments: they come to %lld but %lld is due; a "
				       "completed order is paid exactly",
				       (long long)order_payments_sum(parts.payments),
				       (long long)(order_payments_sum(parts.payments) + due));

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

/* --- Voiding an open order ---------------------------------------------------------------- */

int order_void(json_t *order, const char *number, int64_t seq, int64_t at, const char *by,
	       const char *reason, struct proto_error *err)
{
	struct order_parts parts;
	json_t *work;
	int rc;

	rc = order_parts_get(order, &parts, err);
	if (rc < 0) {
		if (strcmp(err->field, "status") == 0 &&
		    order_string_is(json_object_get(order, "status"), "completed"))
			return proto_error_set(err, BAD_FIELD, "status",
					       "status: the order is a completed sale: it is "
					       "reversed with a new record, never voided");
		return rc;
	}
	if (json_array_size(parts.payments) > 0)
		return proto_error_set(
		    err, BAD_FIELD, "payments",
		    "payments: the order has taken %lld (minor units) in %zu payment(s): give the "
		    "money back and remove the payments before voiding it, or complete the sale "
		    "and reverse it",
		    (long long)order_payments_sum(parts.payments), json_array_size(parts.payments));
	rc = arg_text(number, "receipt", 1, ORDER_RECEIPT_MAX, err);
	if (rc == 0)
		rc = arg_int(seq, "receiptSeq", 1, ORDER_SEQ_MAX, err);
	if (rc == 0)
		rc = arg_int(at, "voidedAt", ORDER_CLOCK_MIN, ORDER_CLOCK_MAX, err);
	if (rc == 0 && by && proto_uuid_check(by) < 0)
		rc = proto_error_set(err, BAD_FIELD, "voidedBy",
				     "voidedBy: expected a staff id (a lower-case UUID)");
	if (rc == 0 && reason)
		rc = arg_text(reason, "voidReason", 1, ORDER_VOID_REASON_MAX, err);
	if (rc < 0)
		return rc;

	/* Built on a copy, so that the order changes all at once or not at all. */
	work = json_deep_copy(order);
	if (!work || json_object_set_new(work, "status", json_string("voided")) < 0 ||
	    json_object_set_new(work, "receipt", json_string(number)) < 0 ||
	    set_int(work, "receiptSeq", seq) < 0 || set_int(work, "voidedAt", at) < 0 ||
	    (by && json_object_set_new(work, "voidedBy", json_string(by)) < 0) ||
	    (reason && json_object_set_new(work, "voidReason", json_string(reason)) < 0))
		goto oom;
	json_object_clear(order);
	if (json_object_update(order, work) < 0)
		goto oom;
	json_decref(work);
	return 0;
oom:
	json_decref(work);
	return order_out_of_memory(err);
}

int order_set_void_reason(json_t *order, const char *reason, struct proto_error *err)
{
	int rc = arg_text(reason, "voidReason", 1, ORDER_VOID_REASON_MAX, err);

	if (rc < 0)
		return rc;
	if (json_object_set_new(order, "voidReason", json_string(reason)) < 0)
		return order_out_of_memory(err);
	return 0;
}

/* --- Discounts, tax modes, tenders ------------------------------------------------------- */

int order_read_discount(json_t *v, const char *path, struct pricing_discount *out,
			struct proto_error *err)
{
	json_t *kind, *value;

	out->kind = PRICING_DISCOUNT_NONE;
	out->value = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return proto_error_set(
		    err, BAD_FIELD, path,
		    "%s: expected null or an object {\"kind\", \"value\"}, not %s", path,
		    order_json_kind(v));
	kind = json_object_get(v, "kind");
	value = json_object_get(v, "value");
	if (order_string_is(kind, "percent"))
		out->kind = PRICING_DISCOUNT_PERCENT;
	else if (order_string_is(kind, "amount"))
		out->kind = PRICING_DISCOUNT_AMOUNT;
	else
		return proto_error_set(err, BAD_FIELD, path,
				       "%s.kind: expected \"percent\" or \"amount\"", path);
	if (!json_is_integer(value))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s.value: expected an integer (basis points for a percent, "
				       "minor units for an amount), not %s",
				       path, value ? order_json_kind(value) : "nothing");
	out->value = json_integer_value(value);
	return 0;
}

int order_read_mode(json_t *order, enum pricing_mode *mode, struct proto_error *err)
{
	json_t *v = json_object_get(order, "priceMode");

	*mode = PRICING_INCLUSIVE;
	if (!v || order_string_is(v, "inclusive"))
		return 0;
	if (order_string_is(v, "exclusive")) {
		*mode = PRICING_EXCLUSIVE;
		return 0;
	}
	return proto_error_set(err, BAD_FIELD, "priceMode",
			       "priceMode: expected \"inclusive\" or \"exclusive\"");
}

static json_t *discount_json(const struct pricing_discount *d)
{
	if (d->kind == PRICING_DISCOUNT_NONE)
		return json_null();
	return json_pack("{s:s, s:I}", "kind",
			 d->kind == PRICING_DISCOUNT_PERCENT ? "percent" : "amount", "value",
			 (json_int_t)d->value);
}

static int set_int(json_t *obj, const char *key, int64_t v)
{
	return json_object_set_new(obj, key, json_integer(v));
}

/* Price the (working copy of the) order in place; see order_price. */
static int price_in_place(json_t *order, int64_t ceiling, struct proto_error *err)
{
	json_t *lines = json_object_get(order, "lines"), *line, *taxes;
	struct pricing_line *pl;
	struct pricing_order po = {0};
	char path[PATH_LEN];
	int any_discount, rc = 0;
	size_t i, n = json_array_size(lines);

	if (n == 0 || n > ORDER_LINES_MAX)
		return proto_error_set(err, BAD_FIELD, "lines", "lines: expected 1 to %d lines",
				       ORDER_LINES_MAX);
	pl = calloc(n, sizeof(*pl));
	if (!pl)
		return order_out_of_memory(err);
	rc = order_read_mode(order, &po.mode, err);
	if (rc == 0)
		rc = order_read_discount(json_object_get(order, "discount"), "discount",
					 &po.discount, err);
	po.ceiling = ceiling;
	any_discount = po.discount.kind != PRICING_DISCOUNT_NONE;
	json_array_foreach(lines, i, line)
	{
		if (rc < 0)
			break;
		pl[i].qty = json_integer_value(json_object_get(line, "qty"));
		pl[i].unit_price = json_integer_value(json_object_get(line, "unitPrice"));
		pl[i].tax_rate = json_integer_value(json_object_get(line, "taxRate"));
		snprintf(path, sizeof(path), "lines[%zu].discount", i);
		rc = order_read_discount(json_object_get(line, "discount"), path, &pl[i].discount,
					 err);
		any_discount |= pl[i].discount.kind != PRICING_DISCOUNT_NONE;
	}
	if (rc == 0)
		rc = pricing_compute(&po, pl, (int)n, err);
	if (rc < 0)
		goto out;
	rc = -ENOMEM;
	json_array_foreach(lines, i, line)
	{
		if (set_int(line, "lineTotal", pl[i].total) < 0 ||
		    set_int(line, "tax", pl[i].tax) < 0)
			goto oom;
		if (any_discount) {
			if (set_int(line, "discountAmount", pl[i].discount_amount) < 0 ||
			    set_int(line, "orderShare", pl[i].order_share) < 0)
				goto oom;
		} else {
			json_object_del(line, "discountAmount");
			json_object_del(line, "orderShare");
		}
	}
	taxes = json_array();
	if (!taxes || json_object_set_new(order, "taxes", taxes) < 0)
		goto oom;
	for (int t = 0; t < po.ntaxes; t++)
		if (json_array_append_new(taxes, json_pack("{s:I, s:I, s:I, s:I}", "rate",
							   (json_int_t)po.taxes[t].rate, "base",
							   (json_int_t)po.taxes[t].base, "tax",
							   (json_int_t)po.taxes[t].tax, "total",
							   (json_int_t)po.taxes[t].total)) < 0)
			goto oom;
	if (set_int(order, "total", po.total) < 0 || set_int(order, "taxTotal", po.tax_total) < 0)
		goto oom;
	if (any_discount) {
		if (set_int(order, "discountTotal", po.discount_total) < 0)
			goto oom;
	} else {
		json_object_del(order, "discountTotal");
	}
	if (json_object_set_new(order, "payments", json_array()) < 0)
		goto oom;
	json_object_del(order, "rounding");
	json_object_del(order, "cashStep");
	rc = 0;
	goto out;
oom:
	rc = order_out_of_memory(err);
out:
	free(pl);
	return rc;
}

/* Run `change` on a copy of the open order; on success the order takes the copy's members. */
static int on_copy(json_t *order,
		   int (*change)(json_t *work, const void *arg, int64_t ceiling,
				 struct proto_error *err),
		   const void *arg, int64_t ceiling, struct proto_error *err)
{
	struct order_parts parts;
	json_t *work;
	int rc;

	rc = order_parts_get(order, &parts, err);
	if (rc < 0)
		return rc;
	work = json_deep_copy(order);
	if (!work)
		return order_out_of_memory(err);
	rc = change(work, arg, ceiling, err);
	if (rc == 0) {
		json_object_clear(order);
		if (json_object_update(order, work) < 0)
			rc = order_out_of_memory(err);
	}
	json_decref(work);
	return rc;
}

static int change_price(json_t *work, const void *arg, int64_t ceiling, struct proto_error *err)
{
	(void)arg;
	return price_in_place(work, ceiling, err);
}

int order_price(json_t *order, int64_t ceiling, struct proto_error *err)
{
	return on_copy(order, change_price, NULL, ceiling, err);
}

struct discount_arg {
	int line;
	const struct pricing_discount *d;
};

static int change_discount(json_t *work, const void *arg, int64_t ceiling, struct proto_error *err)
{
	const struct discount_arg *a = arg;
	json_t *target = work, *d;

	if (a->line >= 0) {
		target = json_array_get(json_object_get(work, "lines"), (size_t)a->line);
		if (!target)
			return proto_error_set(err, BAD_FIELD, "lines",
					       "lines: there is no line %d in this order",
					       a->line + 1);
	}
	d = discount_json(a->d);
	if (!d || json_object_set_new(target, "discount", d) < 0)
		return order_out_of_memory(err);
	if (a->d->kind == PRICING_DISCOUNT_NONE)
		json_object_del(target, "discount");
	return price_in_place(work, ceiling, err);
}

int order_set_discount(json_t *order, int line, const struct pricing_discount *d, int64_t ceiling,
		       struct proto_error *err)
{
	struct discount_arg a = {line, d};

	return on_copy(order, change_discount, &a, ceiling, err);
}

static int change_mode(json_t *work, const void *arg, int64_t ceiling, struct proto_error *err)
{
	const enum pricing_mode *mode = arg;

	if (json_object_set_new(
		work, "priceMode",
		json_string(*mode == PRICING_EXCLUSIVE ? "exclusive" : "inclusive")) < 0)
		return order_out_of_memory(err);
	return price_in_place(work, ceiling, err);
}

int order_set_mode(json_t *order, enum pricing_mode mode, int64_t ceiling, struct proto_error *err)
{
	return on_copy(order, change_mode, &mode, ceiling, err);
}

int order_tender_kind(const char *name, enum pricing_tender *out)
{
	static const char *const names[] = {"cash", "card", "other", "points"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name && strcmp(name, names[i]) == 0) {
			*out = (enum pricing_tender)i;
			return 0;
		}
	return -EINVAL;
}

struct settle_arg {
	const struct order_tender *t;
	int n;
	int64_t step;
};

static int change_settle(json_t *work, const void *arg, int64_t ceiling, struct proto_error *err)
{
	const struct settle_arg *a = arg;
	struct pricing_payment pays[ORDER_PAYMENTS_MAX];
	int64_t total = json_integer_value(json_object_get(work, "total")), paid = 0, rounding;
	json_t *payments;
	char path[PATH_LEN];
	int rc;

	(void)ceiling;
	if (a->n < 1 || a->n > ORDER_PAYMENTS_MAX)
		return proto_error_set(err, BAD_FIELD, "payments",
				       "payments: expected 1 to %d payments", ORDER_PAYMENTS_MAX);
	if (a->step < 1 || a->step > PRICING_STEP_MAX)
		return proto_error_set(err, BAD_FIELD, "cashStep",
				       "cashStep: %lld is out of range; expected 1 to %d",
				       (long long)a->step, PRICING_STEP_MAX);
	for (int i = 0; i < a->n; i++) {
		const struct order_tender *t = &a->t[i];
		int64_t left = total - paid, cash_due;

		snprintf(path, sizeof(path), "payments[%d].tender", i);
		if (order_tender_kind(t->tender, &pays[i].tender) < 0)
			return proto_error_set(
			    err, BAD_FIELD, path,
			    "%s: expected \"cash\", \"card\", \"other\" or \"points\"", path);
		snprintf(path, sizeof(path), "payments[%d].reference", i);
		if (pays[i].tender == PRICING_TENDER_CARD ||
		    pays[i].tender == PRICING_TENDER_OTHER) {
			rc = arg_reference(t->reference, path, err);
			if (rc < 0)
				return rc;
		} else if (t->reference) {
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: a %s payment has no reference (expected null)",
					       path, t->tender);
		}
		cash_due = pricing_cash_round(left, a->step);
		pays[i].tendered = t->tendered;
		if (t->tendered == 0)
			pays[i].tendered = pays[i].tender == PRICING_TENDER_CASH ? cash_due : left;
		if (pays[i].tender != PRICING_TENDER_CASH)
			paid += pays[i].tendered;
		else
			paid += pays[i].tendered >= cash_due ? cash_due : pays[i].tendered;
	}
	rc = pricing_settle(total, a->step, pays, a->n, &rounding, err);
	if (rc < 0)
		return rc;
	payments = json_array();
	if (!payments || json_object_set_new(work, "payments", payments) < 0)
		return order_out_of_memory(err);
	for (int i = 0; i < a->n; i++) {
		json_t *p =
		    json_pack("{s:s, s:I, s:I, s:I}", "tender", a->t[i].tender, "amount",
			      (json_int_t)pays[i].amount, "tendered", (json_int_t)pays[i].tendered,
			      "change", (json_int_t)pays[i].change);

		if (!p ||
		    json_object_set_new(p, "reference",
					a->t[i].reference ? json_string(a->t[i].reference)
							  : json_null()) < 0 ||
		    json_array_append_new(payments, p) < 0)
			return order_out_of_memory(err);
	}
	if (a->step > 1) {
		if (set_int(work, "cashStep", a->step) < 0 ||
		    set_int(work, "rounding", rounding) < 0)
			return order_out_of_memory(err);
	} else {
		json_object_del(work, "cashStep");
		json_object_del(work, "rounding");
	}
	return 0;
}

int order_settle(json_t *order, const struct order_tender *tenders, int n, int64_t cash_step,
		 struct proto_error *err)
{
	struct settle_arg a = {tenders, n, cash_step};

	return on_copy(order, change_settle, &a, 0, err);
}
