// SPDX-License-Identifier: MIT
/* The local effects of a completed record (see order_effects.h). */
#include "order_effects.h"
#include "customers.h"
#include "stock.h"

int term_order_effects(sqlite3 *db, const char *origin, const char *order_id, json_t *order)
{
	int rc;

	/* One line per effect, each its own module. */
	rc = customers_order_effect(db, origin, order_id, order);
	if (rc == 0)
		rc = term_stock_order(db, origin, order_id, order);
	return rc;
}
