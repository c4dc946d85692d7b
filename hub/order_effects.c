// SPDX-License-Identifier: MIT
/* The effects of a completed record at the hub (see order_effects.h). */
#include "order_effects.h"
#include "customer_store.h"
#include "refund_recheck.h"
#include "stock_store.h"

#include <string.h>

static int is_type(json_t *payload, const char *type)
{
	const char *t = json_string_value(json_object_get(payload, "type"));

	return strcmp(t ? t : "sale", type) == 0;
}

int order_effects_apply(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			int64_t seq, int64_t now)
{
	int rc = 0;

	/* One line per effect, each its own module. */
	if (is_type(op->payload, "refund"))
		rc = refund_recheck(db, terminal_id, op, seq, now);
	if (rc == 0)
		rc = stock_store_order(db, terminal_id, op, seq, now);
	if (rc == 0)
		rc = customer_store_order(db, terminal_id, op, seq, now);
	return rc;
}
