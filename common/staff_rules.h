/* SPDX-License-Identifier: MIT */
/*
 * Staff rules both programs decide the same way, online or not (DESIGN.md,
 * guarantee 7): what a PIN may look like, which permission an op needs (the
 * terminal asks for a manager's PIN for it, the hub re-checks it on
 * arrival), and that nobody grants a permission they do not hold. Pure: no
 * I/O (docs/security.md, "Staff and PINs").
 */
#ifndef TILLNET_STAFF_RULES_H
#define TILLNET_STAFF_RULES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STAFF_PIN_MIN	   4
#define STAFF_PIN_MAX	   8
#define STAFF_NAME_MAX	   64 /* bytes */
#define STAFF_PATTERNS_MAX 64 /* patterns in one role */

/* Wrong PINs in a row before sign-in or step-up locks on a terminal, and for how long. */
#define STAFF_PIN_FAILURES_MAX 5
#define STAFF_PIN_LOCK_MS      (5 * 60 * 1000)
/* A sign-in on a terminal lasts this long (a shift). */
#define STAFF_SIGNIN_MS (12 * 60 * 60 * 1000)

/* staff_pin_valid: 0 if `pin` is 4 to 8 ASCII digits, else -EINVAL. */
int staff_pin_valid(const char *pin);

/* staff_name_valid: 1 to STAFF_NAME_MAX bytes, no control characters. 0 or -EINVAL. */
int staff_name_valid(const char *name);

/*
 * staff_op_permission: the permission an op of `kind` needs beyond a
 * signed-in staff member, or NULL when it needs none. The one table of
 * actions and permissions (docs/security.md lists it).
 */
const char *staff_op_permission(const char *kind);

#define STAFF_NEEDS_MAX 4

/* What one op asks of the person who makes it. */
struct staff_needs {
	const char *perm[STAFF_NEEDS_MAX]; /* permissions, all needed */
	int n;
	int64_t discount_bp; /* the deepest discount in it, basis points; 0: none */
	int stepup;	     /* a manager's PIN every time, whatever the actor holds */
};

/*
 * staff_op_needs: what an op of `kind` with `payload` needs: the kind's
 * permission (staff_op_permission) and, for an order.put, what its content
 * asks: line discounts sale.discount.line, an order discount
 * sale.discount.order, a refund order.refund, a voided order order.void, a
 * reversal (a refund with "reversal": true) order.void and a step-up
 * every time (docs/pos.md, "Voids"); and the deepest discount on
 * any line, its own and its share of the order's together, as a share of
 * the line's gross (rounded up), which the role's discount ceiling must
 * cover. A payload that does not hold together asks nothing
 * more (the order check refuses it anyway).
 */
void staff_op_needs(const char *kind, json_t *payload, struct staff_needs *out);

/*
 * staff_allows: do `patterns` (a JSON array) and a discount ceiling of
 * `ceiling_percent` cover `needs`? 1 yes; 0 no, with *missing the first
 * permission lacking, or "discount ceiling" when only the ceiling is short.
 */
int staff_allows(json_t *patterns, int64_t ceiling_percent, const struct staff_needs *needs,
		 const char **missing);

/*
 * staff_patterns: the strings of a JSON array of patterns into `out` (at
 * most `max`, borrowed from `arr`); *n gets their count. -EINVAL when `arr`
 * is not an array of at most `max` strings.
 */
int staff_patterns(json_t *arr, const char **out, size_t max, size_t *n);

/*
 * staff_grants: does the JSON array of patterns `arr` grant `name`?
 * Anything that is not a valid list of patterns grants nothing.
 */
int staff_grants(json_t *arr, const char *name);

/*
 * staff_no_escalation: every permission that `wanted` (n patterns) grants,
 * `held` (m patterns, the editor's) must grant too. 0, or -EPERM with a
 * sentence naming the first permission that would be an escalation.
 */
int staff_no_escalation(const char *const *held, size_t m, const char *const *wanted, size_t n,
			char *err, size_t errlen);

#endif
