/* SPDX-License-Identifier: MIT */
/*
 * The hub's re-check of refunds across terminals (docs/pos.md, "Refunds"):
 * each terminal refunds at most what it knows is left of a sale, but two
 * terminals offline can together give back more. The refund stands (money
 * changed hands); the hub raises an alert for a manager.
 */
#ifndef TILLNET_REFUND_RECHECK_H
#define TILLNET_REFUND_RECHECK_H

#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

/*
 * refund_recheck: `op` (an order.put of a completed refund, just written as
 * event `seq`) against its sale and the other refunds of it in hub.db. An
 * over-refund, or a sale the hub does not know, is an order_alerts row and
 * an audit entry "refund.flagged". Runs in the push's transaction; a
 * negative errno only when the database failed.
 */
int refund_recheck(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now);

#endif
