/* SPDX-License-Identifier: MIT */
/*
 * What a completed record means beyond itself, at the hub: a refund is
 * re-checked against its sale across terminals (refund_recheck.c), a sale
 * moves stock and earns a customer points, and so on. sync_apply calls
 * order_effects_apply once for each order.put it applies whose order is
 * completed, inside the push's transaction, after the order is written at
 * hub sequence `seq`. Each effect stands or flags; none refuses the op
 * (the sale happened). A negative errno is a database failure that undoes
 * the whole push.
 */
#ifndef TILLNET_ORDER_EFFECTS_H
#define TILLNET_ORDER_EFFECTS_H

#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

int order_effects_apply(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			int64_t seq, int64_t now);

#endif
