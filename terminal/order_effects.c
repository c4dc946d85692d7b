// SPDX-License-Identifier: MIT
/* The local effects of a completed record (see order_effects.h). */
#include "order_effects.h"

int term_order_effects(sqlite3 *db, const char *origin, const char *order_id, json_t *order)
{
	int rc = 0;

	/* One line per effect, each its own module. */
	(void)db;
	(void)origin;
	(void)order_id;
	(void)order;
	return rc;
}
