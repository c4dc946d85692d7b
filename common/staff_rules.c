// SPDX-License-Identifier: MIT
/* Staff rules shared by the hub and the terminals (see staff_rules.h). */
#include "staff_rules.h"
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
};

const char *staff_op_permission(const char *kind)
{
	for (size_t i = 0; i < sizeof(op_permissions) / sizeof(op_permissions[0]); i++)
		if (strcmp(op_permissions[i].kind, kind) == 0)
			return op_permissions[i].permission;
	return NULL;
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
