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
#include "order.h"
#include "order_json.h"

#include <errno.h>
#include <stdio.h>
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
				       max, items, order_json_kind(v));
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
				       order_json_kind(status));
	s = json_string_value(status);
	if (order_string_is(status, "completed"))
		*completed = 1;
	else if (order_string_is(status, "open") || order_string_is(status, "parked"))
		*completed = 0;
	else
		return proto_error_set(err, BAD_FIELD, "payload.status",
				       "payload.status: expected \"open\", \"parked\" or "
				       "\"completed\", not \"%.*s\"",
				       order_quote_len(s, 40), s);

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
				       order_json_kind(payment));
	}
	item_path(path, "payments", i, "tender");
	v = json_object_get(payment, "tender");
	if (!v)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: missing; expected \"cash\" or \"card\"", path);
	if (!json_is_string(v))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected \"cash\" or \"card\", not %s", path,
				       order_json_kind(v));
	if (!order_string_is(v, "cash") && !order_string_is(v, "card"))
		return proto_error_set(
		    err, BAD_FIELD, path, "%s: expected \"cash\" or \"card\", not \"%.*s\"", path,
		    order_quote_len(json_string_value(v), 20), json_string_value(v));
	cash = order_string_is(v, "cash");
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
					       order_json_kind(v));
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
	paid = order_payments_sum(payments);
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
				       order ? order_json_kind(order) : "nothing");

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
