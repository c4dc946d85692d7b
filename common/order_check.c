// SPDX-License-Identifier: MIT
/*
 * Checking an order.put payload from a terminal (see order.h and
 * docs/protocol.md, "The order").
 *
 * A note on the order of checks. order_check answers with the first fault
 * it finds, and it looks in three passes: first the shape of everything
 * (presence, JSON type, limits: bad-field), then the arithmetic (line totals,
 * tax, sums, change: bad-total), and last the catalog (unknown-sku). So the
 * same payload always earns the same answer, arithmetic is only done on
 * numbers known to be in range, and the catalog, the only lookup that costs
 * anything, is asked only about orders that are otherwise valid.
 */
#include "loyalty.h"
#include "order.h"
#include "order_json.h"
#include "pricing.h"
#include "proto_sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
				       order_json_kind(v));
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
				       order_json_kind(v));
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
	return proto_error_set(err, BAD_FIELD, path, "%s: %s; a completed or voided order needs %s",
			       path, v ? "null" : "missing", what);
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
				       max, items, order_json_kind(v));
	n = json_array_size(v);
	if (n < min || n > max)
		return proto_error_set(err, BAD_FIELD, path, "%s: has %zu %s; expected %zu to %zu",
				       path, n, items, min, max);
	return 0;
}

/* An optional integer member: missing is fine, present is checked. */
static int check_opt_int(json_t *obj, const char *key, const char *path, const char *what,
			 int64_t min, int64_t max, struct proto_error *err)
{
	json_t *v = json_object_get(obj, key);

	return v ? check_int(v, path, what, min, max, NULL, err) : 0;
}

/* A discount member's shape; its value's limits are pricing_compute's (pass 2). */
static int check_discount_shape(json_t *v, const char *path, struct proto_error *err)
{
	struct pricing_discount d;

	return order_read_discount(v, path, &d, err);
}

static int check_uuid(json_t *v, const char *path, struct proto_error *err)
{
	if (!json_is_string(v) || proto_uuid_check(json_string_value(v)) < 0)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected an order id (a lower-case UUID)", path);
	return 0;
}

/*
 * The members of the till's extras (docs/protocol.md, "The order"), all
 * optional: type and refundOf, priceMode, the order discount,
 * discountTotal, taxes, cashStep and rounding.
 */
static int check_extras(json_t *order, struct proto_error *err)
{
	json_t *type = json_object_get(order, "type"), *taxes, *item;
	enum pricing_mode mode;
	char path[PATH_LEN];
	size_t i;
	int rc;

	if (type && !order_string_is(type, "sale") && !order_string_is(type, "refund"))
		return proto_error_set(err, BAD_FIELD, "payload.type",
				       "payload.type: expected \"sale\" or \"refund\"");
	if (order_string_is(type, "refund")) {
		rc = check_uuid(json_object_get(order, "refundOf"), "payload.refundOf", err);
		if (rc < 0)
			return rc;
		if (json_object_get(order, "refundOfReceipt")) {
			rc = check_text(json_object_get(order, "refundOfReceipt"),
					"payload.refundOfReceipt", 1, ORDER_RECEIPT_MAX, NULL, err);
			if (rc < 0)
				return rc;
		}
	} else if (json_object_get(order, "refundOf")) {
		return proto_error_set(err, BAD_FIELD, "payload.refundOf",
				       "payload.refundOf: only a refund (type \"refund\") refers "
				       "to another order");
	}
	if (json_object_get(order, "reversal") &&
	    (!json_is_true(json_object_get(order, "reversal")) || !order_string_is(type, "refund")))
		return proto_error_set(err, BAD_FIELD, "payload.reversal",
				       "payload.reversal: expected true, on a refund (type "
				       "\"refund\") that reverses a whole sale");
	if (json_object_get(order, "customer")) {
		rc = check_uuid(json_object_get(order, "customer"), "payload.customer", err);
		if (rc < 0)
			return rc;
	}
	if (json_object_get(order, "cashSession") &&
	    (!json_is_string(json_object_get(order, "cashSession")) ||
	     proto_uuid_check(json_string_value(json_object_get(order, "cashSession"))) < 0))
		return proto_error_set(err, BAD_FIELD, "payload.cashSession",
				       "payload.cashSession: expected the id of the till's cash "
				       "session (a lower-case UUID)");
	rc = loyalty_check(order, err);
	if (rc < 0)
		return rc;
	if (order_read_mode(order, &mode, err) < 0)
		return proto_error_set(err, BAD_FIELD, "payload.priceMode",
				       "payload.priceMode: expected \"inclusive\" or "
				       "\"exclusive\"");
	rc = check_discount_shape(json_object_get(order, "discount"), "payload.discount", err);
	if (rc == 0)
		rc = check_opt_int(order, "discountTotal", "payload.discountTotal", WHAT_MONEY, 0,
				   MONEY_MAX, err);
	if (rc == 0)
		rc = check_opt_int(order, "cashStep", "payload.cashStep",
				   "an integer step in minor units", 1, PRICING_STEP_MAX, err);
	if (rc == 0)
		rc = check_opt_int(order, "rounding", "payload.rounding", WHAT_MONEY,
				   -PRICING_STEP_MAX, PRICING_STEP_MAX, err);
	if (rc < 0)
		return rc;
	taxes = json_object_get(order, "taxes");
	if (!taxes)
		return 0;
	rc = check_array(taxes, "payload.taxes", 0, PRICING_RATES_MAX, "tax rates", err);
	json_array_foreach(taxes, i, item)
	{
		static const char *const keys[] = {"rate", "base", "tax", "total"};

		if (rc < 0)
			return rc;
		if (!json_is_object(item)) {
			item_path(path, "taxes", i, NULL);
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected an object {rate, base, tax, total}",
					       path);
		}
		for (size_t k = 0; k < 4 && rc == 0; k++) {
			item_path(path, "taxes", i, keys[k]);
			rc = check_int(json_object_get(item, keys[k]), path,
				       k == 0 ? WHAT_RATE : WHAT_MONEY, 0,
				       k == 0 ? MONEY_RATE_MAX : MONEY_MAX, NULL, err);
		}
	}
	return rc;
}

#define STATUSES "\"open\", \"parked\", \"completed\" or \"voided\""

/*
 * The members of a voided order (docs/protocol.md, "Voids"): voidedAt
 * always, voidedBy and voidReason when known; no payments, never a
 * refund, never completed. Other orders carry none of them, but a
 * reversal (a refund that voids a sale) may give a voidReason.
 */
static int check_void(json_t *order, int voided, struct proto_error *err)
{
	static const char *const members[] = {"voidedAt", "voidedBy", "voidReason"};
	int reversal = json_is_true(json_object_get(order, "reversal"));
	json_t *v;
	int rc;

	if (!voided) {
		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
			char path[PATH_LEN];

			if (!json_object_get(order, members[i]))
				continue;
			snprintf(path, sizeof(path), "payload.%s", members[i]);
			if (reversal && strcmp(members[i], "voidReason") == 0) {
				rc = check_text(json_object_get(order, members[i]), path, 1,
						ORDER_VOID_REASON_MAX, NULL, err);
				if (rc < 0)
					return rc;
				continue;
			}
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: only a voided order (status \"voided\")%s has "
					       "one",
					       path, i == 2 ? " or a reversal" : "");
		}
		return 0;
	}
	v = json_object_get(order, "completedAt");
	if (v && !json_is_null(v))
		return proto_error_set(err, BAD_FIELD, "payload.completedAt",
				       "payload.completedAt: a voided order was never completed "
				       "(expected null)");
	v = json_object_get(order, "type");
	if (v && !order_string_is(v, "sale"))
		return proto_error_set(err, BAD_FIELD, "payload.type",
				       "payload.type: only a sale is voided (a refund is final "
				       "when it is made)");
	rc = check_int(json_object_get(order, "voidedAt"), "payload.voidedAt", WHAT_CLOCK,
		       ORDER_CLOCK_MIN, ORDER_CLOCK_MAX, NULL, err);
	if (rc < 0)
		return rc;
	v = json_object_get(order, "voidedBy");
	if (v && (!json_is_string(v) || proto_uuid_check(json_string_value(v)) < 0))
		return proto_error_set(err, BAD_FIELD, "payload.voidedBy",
				       "payload.voidedBy: expected a staff id (a lower-case UUID)");
	v = json_object_get(order, "voidReason");
	return v ? check_text(v, "payload.voidReason", 1, ORDER_VOID_REASON_MAX, NULL, err) : 0;
}

static int check_header(json_t *order, int *completed, int *voided, struct proto_error *err)
{
	json_t *status = json_object_get(order, "status");
	const char *s;
	json_t *v;
	int rc, numbered;

	if (!status)
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: missing; expected " STATUSES);
	if (!json_is_string(status))
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: expected " STATUSES ", not %s",
				       order_json_kind(status));
	s = json_string_value(status);
	*completed = order_string_is(status, "completed");
	*voided = order_string_is(status, "voided");
	if (!*completed && !*voided && !order_string_is(status, "open") &&
	    !order_string_is(status, "parked"))
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: expected " STATUSES ", not \"%.*s\"",
				       order_quote_len(s, 40), s);
	/* A voided order holds its void's journal number as a completed one holds its sale's. */
	numbered = *completed || *voided;

	v = json_object_get(order, "receipt");
	rc = check_null_until_completed(v, "payload.receipt", numbered,
					"a receipt number, a string of 1 to 40 bytes", err);
	if (rc > 0)
		rc = check_text(v, "payload.receipt", 1, ORDER_RECEIPT_MAX, NULL, err);
	if (rc < 0)
		return rc;
	v = json_object_get(order, "receiptSeq");
	rc = check_null_until_completed(v, "payload.receiptSeq", numbered, WHAT_SEQ, err);
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
	if (rc == 0)
		rc = check_extras(order, err);
	return rc < 0 ? rc : check_void(order, *voided, err);
}

/* Pass 1 for a line: every member present, of its type, within its limits. */
static int check_line_shape(json_t *line, size_t i, int refund, struct proto_error *err)
{
	char path[PATH_LEN];
	int64_t qty, price, line_total;
	int rc;

	if (!json_is_object(line)) {
		item_path(path, "lines", i, NULL);
		return proto_error_set(err, BAD_FIELD, path, "%s: expected a line object, not %s",
				       path, order_json_kind(line));
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
	rc = check_int(json_object_get(line, "tax"), path, WHAT_MONEY, 0, MONEY_MAX, NULL, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "discount");
	rc = check_discount_shape(json_object_get(line, "discount"), path, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "discountAmount");
	rc = check_opt_int(line, "discountAmount", path, WHAT_MONEY, 0, MONEY_MAX, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "orderShare");
	rc = check_opt_int(line, "orderShare", path, WHAT_MONEY, 0, MONEY_MAX, err);
	if (rc < 0)
		return rc;
	item_path(path, "lines", i, "refLine");
	if (refund && !json_object_get(line, "refLine"))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: missing; a refund line names the line of the sale it "
				       "refunds (0 for the first)",
				       path);
	return check_opt_int(line, "refLine", path, "a line index", 0, ORDER_LINES_MAX - 1, err);
}

/* Pass 1 for a payment. The relations between tendered and amount are limits of tendered. */
static int check_payment_shape(json_t *payment, size_t i, int rounded, struct proto_error *err)
{
	static const char tenders[] = "\"cash\", \"card\", \"other\" or \"points\"";
	enum pricing_tender tender;
	char path[PATH_LEN];
	int64_t amount, tendered;
	json_t *v;
	int cash, rc;

	if (!json_is_object(payment)) {
		item_path(path, "payments", i, NULL);
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected a payment object, not %s", path,
				       order_json_kind(payment));
	}
	item_path(path, "payments", i, "tender");
	v = json_object_get(payment, "tender");
	if (!v)
		return proto_error_set(err, BAD_FIELD, path, "%s: missing; expected %s", path,
				       tenders);
	if (!json_is_string(v))
		return proto_error_set(err, BAD_FIELD, path, "%s: expected %s, not %s", path,
				       tenders, order_json_kind(v));
	if (json_string_length(v) != strlen(json_string_value(v)) ||
	    order_tender_kind(json_string_value(v), &tender) < 0)
		return proto_error_set(err, BAD_FIELD, path, "%s: expected %s, not \"%.*s\"", path,
				       tenders, order_quote_len(json_string_value(v), 20),
				       json_string_value(v));
	cash = tender == PRICING_TENDER_CASH;
	item_path(path, "payments", i, "amount");
	/* Cash may cover 0 when cash rounding alone settled the order. */
	rc = check_int(json_object_get(payment, "amount"), path, WHAT_MONEY,
		       cash && rounded ? 0 : 1, MONEY_MAX, &amount, err);
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
		return proto_error_set(
		    err, BAD_FIELD, path,
		    "%s: %lld differs from the amount %lld; for a %s payment they "
		    "are equal",
		    path, (long long)tendered, (long long)amount, json_string_value(v));
	item_path(path, "payments", i, "change");
	rc = check_int(json_object_get(payment, "change"), path, WHAT_MONEY, 0, MONEY_MAX, NULL,
		       err);
	if (rc < 0)
		return rc;
	item_path(path, "payments", i, "reference");
	v = json_object_get(payment, "reference");
	if (tender == PRICING_TENDER_CASH || tender == PRICING_TENDER_POINTS) {
		if (v && !json_is_null(v))
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected null for a %s payment, not %s", path,
					       cash ? "cash" : "points", order_json_kind(v));
		return 0;
	}
	return check_text(v, path, 1, ORDER_REFERENCE_MAX, NULL, err);
}

static int differs(const char *path, const char *what, int64_t got, int64_t want,
		   struct proto_error *err)
{
	return proto_error_set(err, ORDER_ERR_BAD_TOTAL, path, "%s: %lld is not %s, which is %lld",
			       path, (long long)got, what, (long long)want);
}

static int64_t int_or_0(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/*
 * Pass 2 for a sale: price the lines again with pricing_compute (no
 * discount ceiling here: who may give how much is the staff re-check's,
 * staff_check.c) and compare every computed member.
 */
static int check_sale_prices(json_t *order, struct proto_error *err)
{
	json_t *lines = json_object_get(order, "lines"), *line, *taxes;
	struct pricing_order po = {0};
	struct pricing_line *pl;
	char path[PATH_LEN];
	size_t i, n = json_array_size(lines);
	int rc = 0;

	pl = calloc(n, sizeof(*pl));
	if (!pl)
		return order_out_of_memory(err);
	order_read_mode(order, &po.mode, err);
	order_read_discount(json_object_get(order, "discount"), "discount", &po.discount, err);
	po.ceiling = MONEY_RATE_MAX;
	json_array_foreach(lines, i, line)
	{
		pl[i].qty = int_or_0(line, "qty");
		pl[i].unit_price = int_or_0(line, "unitPrice");
		pl[i].tax_rate = int_or_0(line, "taxRate");
		snprintf(path, sizeof(path), "lines[%zu].discount", i);
		order_read_discount(json_object_get(line, "discount"), path, &pl[i].discount, err);
	}
	if (pricing_compute(&po, pl, (int)n, err) < 0) {
		rc = proto_error_prefix(err, "payload.");
		goto out;
	}
	json_array_foreach(lines, i, line)
	{
		static const char *const keys[] = {"lineTotal", "tax", "discountAmount",
						   "orderShare"};
		static const char *const what[] = {"the line's total after discounts (docs/pos.md)",
						   "the line's tax", "the line's own discount",
						   "the line's share of the order "
						   "discount"};
		int64_t want[] = {pl[i].total, pl[i].tax, pl[i].discount_amount, pl[i].order_share};

		for (int k = 0; k < 4; k++) {
			if (int_or_0(line, keys[k]) == want[k])
				continue;
			item_path(path, "lines", i, keys[k]);
			rc = differs(path, what[k], int_or_0(line, keys[k]), want[k], err);
			goto out;
		}
	}
	if (int_or_0(order, "total") != po.total)
		rc = differs("payload.total", "the sum of the lines' lineTotal",
			     int_or_0(order, "total"), po.total, err);
	else if (int_or_0(order, "taxTotal") != po.tax_total)
		rc = differs("payload.taxTotal", "the sum of the lines' tax",
			     int_or_0(order, "taxTotal"), po.tax_total, err);
	else if (int_or_0(order, "discountTotal") != po.discount_total)
		rc = differs("payload.discountTotal", "the sum of the lines' discounts",
			     int_or_0(order, "discountTotal"), po.discount_total, err);
	if (rc < 0)
		goto out;
	taxes = json_object_get(order, "taxes");
	if (taxes && json_array_size(taxes) != (size_t)po.ntaxes) {
		rc = proto_error_set(err, ORDER_ERR_BAD_TOTAL, "payload.taxes",
				     "payload.taxes: %zu rates listed, but the lines have %d",
				     json_array_size(taxes), po.ntaxes);
		goto out;
	}
	for (int t = 0; taxes && t < po.ntaxes; t++) {
		static const char *const keys[] = {"rate", "base", "tax", "total"};
		json_t *item = json_array_get(taxes, (size_t)t);
		int64_t want[] = {po.taxes[t].rate, po.taxes[t].base, po.taxes[t].tax,
				  po.taxes[t].total};

		for (int k = 0; k < 4; k++) {
			if (int_or_0(item, keys[k]) == want[k])
				continue;
			item_path(path, "taxes", (size_t)t, keys[k]);
			rc = differs(path, "what the lines at this rate (by rising rate) sum to",
				     int_or_0(item, keys[k]), want[k], err);
			goto out;
		}
	}
out:
	free(pl);
	return rc;
}

/* Pass 2 for a refund: each line within itself and the sums (the sale is compared at the hub). */
static int check_refund_sums(json_t *order, struct proto_error *err)
{
	json_t *lines = json_object_get(order, "lines"), *line;
	int64_t sum = 0, tax_sum = 0;
	char path[PATH_LEN];
	size_t i;

	json_array_foreach(lines, i, line)
	{
		if (int_or_0(line, "tax") > int_or_0(line, "lineTotal")) {
			item_path(path, "lines", i, "tax");
			return proto_error_set(err, ORDER_ERR_BAD_TOTAL, path,
					       "%s: a line's tax cannot exceed its lineTotal",
					       path);
		}
		sum += int_or_0(line, "lineTotal");
		tax_sum += int_or_0(line, "tax");
	}
	if (int_or_0(order, "total") != sum)
		return differs("payload.total", "the sum of the lines' lineTotal",
			       int_or_0(order, "total"), sum, err);
	if (int_or_0(order, "taxTotal") != tax_sum)
		return differs("payload.taxTotal", "the sum of the lines' tax",
			       int_or_0(order, "taxTotal"), tax_sum, err);
	return 0;
}

/*
 * Pass 2 for the payments: change is tendered - amount; a completed
 * order's payments are settled again with pricing_settle from what was
 * tendered, and every amount, change and the rounding must agree.
 */
static int check_payments(json_t *order, int completed, struct proto_error *err)
{
	json_t *payments = json_object_get(order, "payments"), *item;
	struct pricing_payment pays[ORDER_PAYMENTS_MAX];
	int64_t step = json_object_get(order, "cashStep") ? int_or_0(order, "cashStep") : 1;
	int64_t rounding = 0, total = int_or_0(order, "total");
	char path[PATH_LEN];
	size_t i, n = json_array_size(payments);

	json_array_foreach(payments, i, item)
	{
		int64_t amount = int_or_0(item, "amount"), tendered = int_or_0(item, "tendered");

		if (int_or_0(item, "change") != tendered - amount) {
			item_path(path, "payments", i, "change");
			return differs(path, "tendered - amount", int_or_0(item, "change"),
				       tendered - amount, err);
		}
		order_tender_kind(json_string_value(json_object_get(item, "tender")),
				  &pays[i].tender);
		pays[i].tendered = tendered;
	}
	if (!completed) {
		if (order_payments_sum(payments) > total + int_or_0(order, "rounding"))
			return proto_error_set(
			    err, ORDER_ERR_BAD_TOTAL, "payload.payments",
			    "payload.payments: they come to more than the total");
		return 0;
	}
	if (order_payments_sum(payments) != total + int_or_0(order, "rounding"))
		return proto_error_set(
		    err, ORDER_ERR_BAD_TOTAL, "payload.payments",
		    "payload.payments: the amounts come to %lld but the total "
		    "(with a cash rounding of %lld) is %lld; a completed order is "
		    "paid exactly",
		    (long long)order_payments_sum(payments), (long long)int_or_0(order, "rounding"),
		    (long long)(total + int_or_0(order, "rounding")));
	if (pricing_settle(total, step, pays, (int)n, &rounding, err) < 0) {
		snprintf(err->code, sizeof(err->code), "%s", ORDER_ERR_BAD_TOTAL);
		return proto_error_prefix(err, "payload.");
	}
	json_array_foreach(payments, i, item)
	{
		if (int_or_0(item, "amount") != pays[i].amount) {
			item_path(path, "payments", i, "amount");
			return differs(path,
				       "what this tender covers when the payments are taken "
				       "in order",
				       int_or_0(item, "amount"), pays[i].amount, err);
		}
	}
	if (int_or_0(order, "rounding") != rounding)
		return differs("payload.rounding", "the cash rounding of what was left to pay",
			       int_or_0(order, "rounding"), rounding, err);
	return 0;
}

/* Pass 2: every number agrees with what pricing.h computes from the others. */
static int check_arithmetic(json_t *order, int completed, struct proto_error *err)
{
	int rc;

	if (order_string_is(json_object_get(order, "type"), "refund"))
		rc = check_refund_sums(order, err);
	else
		rc = check_sale_prices(order, err);
	return rc < 0 ? rc : check_payments(order, completed, err);
}

int order_check(json_t *order, order_sku_known_fn known, void *ctx, struct proto_error *err)
{
	char path[PATH_LEN];
	json_t *lines, *payments, *item;
	int completed = 0, voided = 0, refund;
	size_t i;
	int rc;

	if (!json_is_object(order))
		return proto_error_set(err, BAD_FIELD, "payload",
				       "payload: expected an order object, not %s",
				       order ? order_json_kind(order) : "nothing");

	/* Pass 1: shape. */
	rc = check_header(order, &completed, &voided, err);
	if (rc < 0)
		return rc;
	refund = order_string_is(json_object_get(order, "type"), "refund");
	lines = json_object_get(order, "lines");
	rc = check_array(lines, "payload.lines", 1, ORDER_LINES_MAX, "lines", err);
	if (rc < 0)
		return rc;
	json_array_foreach(lines, i, item)
	{
		rc = check_line_shape(item, i, refund, err);
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
		rc = check_payment_shape(
		    item, i, json_integer_value(json_object_get(order, "rounding")) != 0, err);
		if (rc < 0)
			return rc;
	}
	if (completed && json_array_size(payments) == 0)
		return proto_error_set(err, BAD_FIELD, "payload.payments",
				       "payload.payments: a completed order needs at least one "
				       "payment");
	if (voided && json_array_size(payments) > 0)
		return proto_error_set(err, BAD_FIELD, "payload.payments",
				       "payload.payments: a voided order took no money (an order "
				       "that was paid is completed, then reversed)");

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
