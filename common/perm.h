/* SPDX-License-Identifier: MIT */
/*
 * Permissions in dot notation (`order.refund`, `cash.payout`) and the
 * patterns a role grants them with. Pure: no I/O, so the hub and (later) the
 * terminals decide the same way, online or not (DESIGN.md, guarantee 7).
 *
 * A note on patterns. A role holds patterns; a pattern is
 *   - a known permission name, granting exactly that name;
 *   - "*", granting every name;
 *   - "P.*", granting every name that starts with "P." at any depth:
 *     "order.*" grants order.void and order.claim.force, but not a name
 *     "order" (there is none: a prefix is never itself a permission).
 * P must be the dot-separated prefix of at least one known name, so a typo
 * ("ordr.*", "cash.payot") is an error that names it, never a silent no-op.
 * Matching is by whole segments: "order.*" does not grant "orders.x".
 */
#ifndef TILLNET_PERM_H
#define TILLNET_PERM_H

#include <stdbool.h>
#include <stddef.h>

/* The longest permission name or pattern accepted. */
#define PERM_NAME_MAX 64

/* Every permission the code knows, NULL-terminated (docs/security.md lists them). */
extern const char *const perm_names[];

/* perm_known: is `name` one of perm_names? */
bool perm_known(const char *name);

/* perm_pattern_valid: 0 if `pattern` is valid (see above), else -EINVAL. */
int perm_pattern_valid(const char *pattern);

/*
 * perm_list_valid: check each of `n` patterns; on the first invalid one
 * -EINVAL with a sentence naming it in `err`.
 */
int perm_list_valid(const char *const *patterns, size_t n, char *err, size_t errlen);

/* perm_match: does `pattern` grant `name`? (No validation: false for nonsense.) */
bool perm_match(const char *pattern, const char *name);

/* perm_granted: does any of `n` patterns grant `name`? */
bool perm_granted(const char *const *patterns, size_t n, const char *name);

/*
 * The built-in roles, as migration 5 of hub.db seeds them (hub/hub_db.c;
 * the two must agree, tests/integration/test_admin_session.py compares them).
 */
struct perm_role {
	const char *name;
	const char *const *patterns; /* NULL-terminated */
	int discount_ceiling;	     /* percent, 0-100 */
};

#define PERM_BUILTIN_ROLES 3
extern const struct perm_role perm_builtin_roles[PERM_BUILTIN_ROLES];

#endif
