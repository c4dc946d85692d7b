// SPDX-License-Identifier: MIT
/* Refunds against a sale (see refund.h). */
#include "refund.h"
#include "order.h"
#include "order_json.h"
#include "pricing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t member(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* What each line of `sale` sold, less what the `earlier` refunds gave back. */
static int sold_lines(json_t *sale, json_t *const *earlier, int nearlier, struct pricing_sold **out,
		      size_t *n, struct proto_error *err)
{
	json_t *lines = json_object_get(sale, "lines"), *line,
	       *type = json_object_get(sale, "type");
	struct pricing_sold *sold;
	size_t i;

	if (!json_is_object(sale) ||
	    !order_string_is(json_object_get(sale, "status"), "completed") ||
	    (type && !order_string_is(type, "sale")))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "refundOf",
				       "refundOf: only a completed sale can be refunded");
	*n = json_array_size(lines);
	if (*n == 0 || *n > ORDER_LINES_MAX)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "refundOf",
				       "refundOf: the sale has no lines to refund");
	sold = calloc(*n, sizeof(*sold));
	if (!sold)
		return order_out_of_memory(err);
	json_array_foreach(lines, i, line)
	{
		sold[i].qty = member(line, "qty");
		sold[i].total = member(line, "lineTotal");
		sold[i].tax = member(line, "tax");
	}
	for (int r = 0; r < nearlier; r++) {
		json_array_foreach(json_object_get(earlier[r], "lines"), i, line)
		{
			int64_t k = member(line, "refLine");

			if (k < 0 || (size_t)k >= *n)
				continue;
			sold[k].refunded_qty += member(line, "qty");
			sold[k].refunded_total += member(line, "lineTotal");
			sold[k].refunded_tax += member(line, "tax");
		}
	}
	*out = sold;
	return 0;
}

/* A pricing_refund_line error, renamed for line `i` of the request or the payload. */
static int refund_line(struct pricing_sold *sold, int64_t qty, const char *path, int64_t *total,
		       int64_t *tax, struct proto_error *err)
{
	struct proto_error why;

	if (pricing_refund_line(sold, qty, total, tax, &why) == 0) {
		sold->refunded_qty += qty;
		sold->refunded_total += *total;
		sold->refunded_tax += *tax;
		return 0;
	}
	return proto_error_set(err, PROTO_ERR_BAD_FIELD, path,
			       "%s: %lld thousandths is more than is left to refund of this line "
			       "(%lld sold, %lld refunded already)",
			       path, (long long)qty, (long long)sold->qty,
			       (long long)sold->refunded_qty);
}

static json_t *refund_doc(json_t *sale, const char *sale_id, int64_t created_at)
{
	json_t *doc = order_new(created_at), *receipt = json_object_get(sale, "receipt");

	if (!doc)
		return NULL;
	if (json_object_set_new(doc, "type", json_string("refund")) < 0 ||
	    json_object_set_new(doc, "refundOf", json_string(sale_id)) < 0 ||
	    (json_is_string(receipt) && json_object_set(doc, "refundOfReceipt", receipt) < 0) ||
	    (json_object_get(sale, "priceMode") &&
	     json_object_set(doc, "priceMode", json_object_get(sale, "priceMode")) < 0)) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int refund_build(json_t *sale, const char *sale_id, json_t *const *earlier, int nearlier,
		 const struct refund_req *reqs, int n, int64_t created_at, json_t **out,
		 struct proto_error *err)
{
	struct pricing_sold *sold = NULL;
	json_t *doc = NULL, *lines, *src;
	int64_t total = 0, tax_total = 0;
	char path[48];
	size_t nsold, count;
	int rc;

	*out = NULL;
	rc = sold_lines(sale, earlier, nearlier, &sold, &nsold, err);
	if (rc < 0)
		return rc;
	doc = refund_doc(sale, sale_id, created_at);
	if (!doc) {
		rc = order_out_of_memory(err);
		goto out;
	}
	lines = json_object_get(doc, "lines");
	count = n > 0 ? (size_t)n : nsold;
	for (size_t i = 0; i < count; i++) {
		int k = n > 0 ? reqs[i].line : (int)i;
		int64_t qty, lt, tx;
		json_t *line;

		snprintf(path, sizeof(path), "lines[%zu].line", i);
		if (k < 0 || (size_t)k >= nsold) {
			rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, path,
					     "%s: the sale has no line %d (it has %zu)", path,
					     k + 1, nsold);
			goto out;
		}
		for (size_t j = 0; n > 0 && j < i; j++)
			if (reqs[j].line == k) {
				rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, path,
						     "%s: line %d is asked for twice", path, k + 1);
				goto out;
			}
		qty = n > 0 ? reqs[i].qty : sold[k].qty - sold[k].refunded_qty;
		if (n == 0 && qty <= 0)
			continue; /* all of it went back before */
		snprintf(path, sizeof(path), "lines[%zu].qty", i);
		rc = refund_line(&sold[k], qty, path, &lt, &tx, err);
		if (rc < 0)
			goto out;
		src = json_array_get(json_object_get(sale, "lines"), (size_t)k);
		line = json_pack(
		    "{s:O, s:O, s:I, s:O, s:O, s:I, s:I, s:i}", "sku", json_object_get(src, "sku"),
		    "name", json_object_get(src, "name"), "qty", (json_int_t)qty, "unitPrice",
		    json_object_get(src, "unitPrice"), "taxRate", json_object_get(src, "taxRate"),
		    "lineTotal", (json_int_t)lt, "tax", (json_int_t)tx, "refLine", k);
		if (!line || json_array_append_new(lines, line) < 0) {
			rc = order_out_of_memory(err);
			goto out;
		}
		total += lt;
		tax_total += tx;
	}
	if (json_array_size(lines) == 0) {
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "lines",
				     "lines: everything this sale sold has been refunded already");
		goto out;
	}
	json_object_set_new(doc, "total", json_integer(total));
	json_object_set_new(doc, "taxTotal", json_integer(tax_total));
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	free(sold);
	return rc;
}

int refund_check(json_t *sale, json_t *const *earlier, int nearlier, json_t *refund,
		 struct proto_error *err)
{
	struct pricing_sold *sold = NULL;
	json_t *line, *src;
	char path[64];
	size_t nsold, i;
	int rc;

	rc = sold_lines(sale, earlier, nearlier, &sold, &nsold, err);
	if (rc < 0) {
		snprintf(err->field, sizeof(err->field), "payload.refundOf");
		return rc;
	}
	json_array_foreach(json_object_get(refund, "lines"), i, line)
	{
		int64_t k = member(line, "refLine"), lt, tx;

		snprintf(path, sizeof(path), "payload.lines[%zu].refLine", i);
		if (k < 0 || (size_t)k >= nsold) {
			rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, path,
					     "%s: the sale has no line %lld", path, (long long)k);
			break;
		}
		src = json_array_get(json_object_get(sale, "lines"), (size_t)k);
		snprintf(path, sizeof(path), "payload.lines[%zu]", i);
		if (!json_equal(json_object_get(src, "sku"), json_object_get(line, "sku")) ||
		    member(src, "unitPrice") != member(line, "unitPrice") ||
		    member(src, "taxRate") != member(line, "taxRate")) {
			rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, path,
					     "%s: sku, unitPrice and taxRate must be those of the "
					     "sale's line %lld",
					     path, (long long)k);
			break;
		}
		snprintf(path, sizeof(path), "payload.lines[%zu].qty", i);
		rc = refund_line(&sold[k], member(line, "qty"), path, &lt, &tx, err);
		if (rc < 0)
			break;
		snprintf(path, sizeof(path), "payload.lines[%zu].lineTotal", i);
		if (lt != member(line, "lineTotal") || tx != member(line, "tax")) {
			rc = proto_error_set(err, ORDER_ERR_BAD_TOTAL, path,
					     "%s: %lld (tax %lld) is not the sale line's share for "
					     "this quantity, %lld (tax %lld)",
					     path, (long long)member(line, "lineTotal"),
					     (long long)member(line, "tax"), (long long)lt,
					     (long long)tx);
			break;
		}
	}
	free(sold);
	return rc;
}
