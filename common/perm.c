// SPDX-License-Identifier: MIT
/* Dot-notation permissions and the patterns roles grant (see perm.h). */
#include "perm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *const perm_names[] = {
    "sale.discount.line", "sale.discount.order", "order.void",	   "order.refund",
    "order.claim.force",  "cash.open",		 "cash.close",	   "cash.in",
    "cash.out",		  "cash.payout",	 "drawer.open",	   "catalog.edit",
    "staff.manage",	  "terminals.manage",	 "reports.view",   "upstream.resolve",
    "audit.view",	  "settings.edit",	 "alerts.resolve", NULL,
};

bool perm_known(const char *name)
{
	for (size_t i = 0; perm_names[i]; i++)
		if (strcmp(perm_names[i], name) == 0)
			return true;
	return false;
}

/* Is `prefix` (plen bytes, no trailing dot) followed by '.' in a known name? */
static bool perm_prefix_known(const char *prefix, size_t plen)
{
	for (size_t i = 0; perm_names[i]; i++)
		if (strncmp(perm_names[i], prefix, plen) == 0 && perm_names[i][plen] == '.')
			return true;
	return false;
}

int perm_pattern_valid(const char *pattern)
{
	size_t len = strlen(pattern);

	if (len == 0 || len > PERM_NAME_MAX)
		return -EINVAL;
	if (strcmp(pattern, "*") == 0 || perm_known(pattern))
		return 0;
	if (len > 2 && strcmp(pattern + len - 2, ".*") == 0 && perm_prefix_known(pattern, len - 2))
		return 0;
	return -EINVAL;
}

int perm_list_valid(const char *const *patterns, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (perm_pattern_valid(patterns[i]) == 0)
			continue;
		snprintf(err, errlen,
			 "\"%.*s\" is not a permission (expected a name such as \"order.refund\", "
			 "a prefix with \".*\" such as \"order.*\", or \"*\")",
			 PERM_NAME_MAX, patterns[i]);
		return -EINVAL;
	}
	return 0;
}

bool perm_match(const char *pattern, const char *name)
{
	size_t len = strlen(pattern);

	if (strcmp(pattern, "*") == 0)
		return true;
	if (len >= 2 && strcmp(pattern + len - 2, ".*") == 0)
		/* "a.*": the name starts with "a." and has something after it. */
		return strncmp(name, pattern, len - 1) == 0 && name[len - 1] != '\0';
	return strcmp(pattern, name) == 0;
}

bool perm_granted(const char *const *patterns, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (perm_match(patterns[i], name))
			return true;
	return false;
}

static const char *const perm_owner[] = {"*", NULL};
static const char *const perm_manager[] = {
    "order.*",	    "sale.discount.*",	"cash.*",	"drawer.open",	    "catalog.edit",
    "staff.manage", "terminals.manage", "reports.view", "upstream.resolve", NULL,
};
static const char *const perm_cashier[] = {
    "sale.discount.line", "cash.open", "cash.close", "cash.in", NULL,
};

const struct perm_role perm_builtin_roles[PERM_BUILTIN_ROLES] = {
    {"owner", perm_owner, 100},
    {"manager", perm_manager, 50},
    {"cashier", perm_cashier, 10},
};
