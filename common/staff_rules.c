// SPDX-License-Identifier: MIT
/* Staff rules shared by the hub and the terminals (see staff_rules.h). */
#include "staff_rules.h"
#include "loyalty.h"
#include "money.h"
#include "perm.h"
#include "proto_sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int staff_pin_valid(const char *pin)
{
	size_t len = strlen(pin);

	if (len < STAFF_PIN_MIN || len > STAFF_PIN_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return -EINVAL;
	return 0;
}

int staff_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > STAFF_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return -EINVAL;
	return 0;
}

/*
 * A note on the table. Of the actions a terminal has today (sell, park,
 * release), only release lets a customer's order leave this till unpaid;
 * until carts can be voided and sales refunded (the POS domain's issue), it
 * is the one action gated like a void. New op kinds add their row here and
 * the terminal and the hub follow.
 */
static const struct {
	const char *kind;
	const char *permission;
} op_permissions[] = {
    {PROTO_OP_ORDER_PUT, NULL},
    {PROTO_OP_ORDER_RELEASE, "order.void"},
    {PROTO_OP_STOCK_MOVE, "catalog.edit"}, /* stock counts are the catalog's */
};

const char *staff_op_permission(const char *kind)
{
	for (size_t i = 0; i < sizeof(op_permissions) / sizeof(op_permissions[0]); i++)
		if (strcmp(op_permissions[i].kind, kind) == 0)
			return op_permissions[i].permission;
	return NULL;
}

__extension__ typedef __int128 wide; /* discount × 10000 can pass 2^63 */

/* discount × 10000 / base, rounded up: 5.01 off 10.00 is 5010, not 5009.99. */
static int64_t share_bp(int64_t discount, int64_t base)
{
	if (discount <= 0 || base <= 0)
		return 0;
	if (discount >= base)
		return MONEY_RATE_MAX;
	return (int64_t)(((wide)discount * MONEY_RATE_MAX + base - 1) / base);
}

static void need(struct staff_needs *out, const char *perm)
{
	for (int i = 0; i < out->n; i++)
		if (strcmp(out->perm[i], perm) == 0)
			return;
	if (out->n < STAFF_NEEDS_MAX)
		out->perm[out->n++] = perm;
}

static int64_t member(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

void staff_op_needs(const char *kind, json_t *payload, struct staff_needs *out)
{
	const char *perm = staff_op_permission(kind);
	json_t *lines, *line;
	int64_t points, point_value;
	size_t i;
	int by_points;

	memset(out, 0, sizeof(*out));
	if (perm)
		need(out, perm);
	if (strcmp(kind, PROTO_OP_ORDER_PUT) != 0 || !json_is_object(payload))
		return;
	if (json_is_true(json_object_get(payload, "reversal"))) {
		/* Voiding a completed sale: a manager approves at the till, every time. */
		need(out, "order.void");
		out->stepup = 1;
	} else if (json_is_string(json_object_get(payload, "type")) &&
		   strcmp(json_string_value(json_object_get(payload, "type")), "refund") == 0) {
		need(out, "order.refund");
	}
	if (json_is_string(json_object_get(payload, "status")) &&
	    strcmp(json_string_value(json_object_get(payload, "status")), "voided") == 0)
		need(out, "order.void");
	/* Points are the customer's own money: no discount permission, no ceiling. */
	by_points = loyalty_points_discount(payload, &points, &point_value);
	if (json_is_object(json_object_get(payload, "discount")) && !by_points)
		need(out, "sale.discount.order");
	lines = json_object_get(payload, "lines");
	json_array_foreach(lines, i, line)
	{
		int64_t gross,
		    off = member(line, "discountAmount") +
			  (by_points ? 0 : member(line, "orderShare")),
		    bp;

		if (json_is_object(json_object_get(line, "discount")))
			need(out, "sale.discount.line");
		/* Stacked: a line's own discount and its share of the order's count together. */
		if (money_line_total(member(line, "unitPrice"), member(line, "qty"), &gross) < 0)
			continue;
		bp = share_bp(off, gross);
		if (bp > out->discount_bp)
			out->discount_bp = bp;
	}
}

int staff_allows(json_t *patterns, int64_t ceiling_percent, const struct staff_needs *needs,
		 const char **missing)
{
	for (int i = 0; i < needs->n; i++)
		if (!staff_grants(patterns, needs->perm[i])) {
			*missing = needs->perm[i];
			return 0;
		}
	if (needs->discount_bp > ceiling_percent * 100) {
		*missing = "discount ceiling";
		return 0;
	}
	*missing = NULL;
	return 1;
}

int staff_patterns(json_t *arr, const char **out, size_t max, size_t *n)
{
	json_t *v;
	size_t i;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return -EINVAL;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			return -EINVAL;
		out[i] = json_string_value(v);
	}
	*n = json_array_size(arr);
	return 0;
}

int staff_grants(json_t *arr, const char *name)
{
	const char *p[STAFF_PATTERNS_MAX];
	size_t n;

	if (staff_patterns(arr, p, STAFF_PATTERNS_MAX, &n) < 0)
		return 0;
	return perm_granted(p, n, name);
}

int staff_no_escalation(const char *const *held, size_t m, const char *const *wanted, size_t n,
			char *err, size_t errlen)
{
	/* Compare what the patterns grant, name by name: "order.*" vs "order.void" etc. */
	for (size_t i = 0; perm_names[i]; i++) {
		if (perm_granted(wanted, n, perm_names[i]) &&
		    !perm_granted(held, m, perm_names[i])) {
			snprintf(err, errlen,
				 "%s: you may not grant a permission your own role does not hold",
				 perm_names[i]);
			return -EPERM;
		}
	}
	return 0;
}
