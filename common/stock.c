// SPDX-License-Identifier: MIT
/* Stock movements and levels (see stock.h). */
#include "stock.h"

#include <errno.h>
#include <string.h>

/* Not blank: at least one byte that is not a space. */
static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return 0;
	return 1;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int stock_move_decode(json_t *payload, struct stock_move *out, struct proto_error *err)
{
	json_t *qty, *reason;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(payload))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "",
				       "expected an object with sku, qty, kind and reason");
	rc = proto_get_text(payload, "sku", 1, out->sku, sizeof(out->sku), err);
	if (rc < 0)
		return rc;
	if (!out->sku[0])
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "sku",
				       "sku: empty (expected a sku of the catalog)");
	qty = json_object_get(payload, "qty");
	if (json_is_real(qty))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "qty",
				       "qty: expected an integer in thousandths of a unit (1000 is "
				       "one), not a real number");
	rc = proto_get_int(payload, "qty", -STOCK_QTY_MAX, STOCK_QTY_MAX, &out->qty, err);
	if (rc < 0)
		return rc;
	if (out->qty == 0)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "qty",
				       "qty: 0 moves nothing (expected a quantity in thousandths, "
				       "not 0)");
	rc = proto_get_text(payload, "kind", 1, out->kind, sizeof(out->kind), err);
	if (rc < 0)
		return rc;
	if (strcmp(out->kind, STOCK_KIND_ADJUST) != 0 && strcmp(out->kind, STOCK_KIND_RECEIVE) != 0)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "kind",
				       "kind: \"%s\" is not a movement made by hand (expected "
				       "adjust or receive; sales and refunds move stock by "
				       "themselves)",
				       out->kind);
	reason = json_object_get(payload, "reason");
	if (reason && !json_is_null(reason)) {
		rc = proto_get_text(payload, "reason", 0, out->reason, sizeof(out->reason), err);
		if (rc < 0)
			return rc;
		if (has_control(out->reason))
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "reason",
					       "reason: control characters are not allowed");
	}
	if (strcmp(out->kind, STOCK_KIND_ADJUST) == 0 && blank(out->reason))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "reason",
				       "reason: an adjustment needs a reason (e.g. \"broken\", "
				       "\"stock count\")");
	if (strcmp(out->kind, STOCK_KIND_RECEIVE) == 0 && out->qty < 0)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "qty",
				       "qty: receiving adds stock (expected a quantity above 0; "
				       "take stock out with an adjustment and a reason)");
	return 0;
}

json_t *stock_move_json(const struct stock_move *m)
{
	json_t *p =
	    json_pack("{s:s, s:I, s:s}", "sku", m->sku, "qty", (json_int_t)m->qty, "kind", m->kind);

	if (p && m->reason[0] && json_object_set_new(p, "reason", json_string(m->reason)) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

int stock_order_sign(json_t *order)
{
	const char *type = json_string_value(json_object_get(order, "type"));

	if (!type || strcmp(type, "sale") == 0)
		return -1;
	if (strcmp(type, "refund") == 0)
		return 1;
	return 0;
}

int stock_order_line(json_t *order, size_t i, const char **sku, int64_t *qty)
{
	json_t *lines = json_object_get(order, "lines"), *line, *q;

	*sku = NULL;
	*qty = 0;
	if (i >= json_array_size(lines))
		return -ENOENT;
	line = json_array_get(lines, i);
	*sku = json_string_value(json_object_get(line, "sku"));
	q = json_object_get(line, "qty");
	if (!*sku || !**sku || !json_is_integer(q) || json_integer_value(q) < 1 ||
	    json_integer_value(q) > STOCK_QTY_MAX)
		return -EINVAL;
	*qty = json_integer_value(q) * stock_order_sign(order);
	return 0;
}

int stock_qty_parse(const char *text, int64_t *out)
{
	int64_t qty;
	int sign = 1, rc;

	if (!text)
		return -EINVAL;
	if (*text == '-' || *text == '+')
		sign = *text++ == '-' ? -1 : 1;
	rc = money_qty_parse(text, &qty);
	if (rc < 0)
		return rc;
	*out = sign * qty;
	return 0;
}

int stock_threshold_parse(const char *text, int *set, int64_t *out)
{
	int rc;

	*set = 0;
	*out = 0;
	if (!text)
		return -EINVAL;
	if (strcmp(text, "none") == 0)
		return 0;
	rc = money_qty_parse(text, out);
	/* -ERANGE for well-formed text is zero or too much: "0", "0.0" are zero. */
	if (rc == -ERANGE && strspn(text, "0.") == strlen(text)) {
		*out = 0;
		rc = 0;
	}
	if (rc == 0)
		*set = 1;
	return rc;
}

struct stock_state stock_state_of(int64_t level, int has_threshold, int64_t threshold)
{
	struct stock_state s;

	s.negative = level < 0;
	s.low = has_threshold && level <= threshold;
	return s;
}

int stock_crosses_zero(int64_t before, int64_t after)
{
	return before >= 0 && after < 0;
}
