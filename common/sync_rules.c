// SPDX-License-Identifier: MIT
/* Terminal authority (see sync_rules.h). */
#include "sync_rules.h"
#include "proto_sync.h"

#include <stdio.h>
#include <string.h>

enum sync_verdict sync_rules_judge(const char *kind, int64_t rev, const char *pusher,
				   const struct sync_stored_order *stored, const char **code,
				   char *message, size_t len)
{
	if (!stored->exists) {
		if (strcmp(kind, PROTO_OP_ORDER_PUT) == 0) {
			*code = PROTO_CODE_APPLIED;
			snprintf(message, len, "new order");
			return SYNC_APPLY;
		}
		*code = PROTO_CODE_UNKNOWN_ORDER;
		snprintf(message, len, "entityId: the hub has no such order to release");
		return SYNC_REJECT;
	}
	if (strcmp(stored->owner, pusher) != 0) {
		*code = PROTO_CODE_NOT_OWNER;
		snprintf(message, len, "the order belongs to terminal %s; only its owner writes it",
			 stored->owner);
		return SYNC_CONFLICT;
	}
	if (rev <= stored->rev) {
		*code = PROTO_CODE_STALE_REVISION;
		snprintf(message, len, "rev %lld is not above the stored revision %lld",
			 (long long)rev, (long long)stored->rev);
		return SYNC_CONFLICT;
	}
	if (stored->completed) {
		*code = PROTO_CODE_ORDER_COMPLETED;
		snprintf(message, len,
			 "the order is completed and cannot change (refunds and voids are new "
			 "records)");
		return SYNC_CONFLICT;
	}
	if (stored->voided) {
		*code = PROTO_CODE_ORDER_VOIDED;
		snprintf(message, len,
			 "the order was voided and cannot change (a voided order is final; ring "
			 "up a new one)");
		return SYNC_CONFLICT;
	}
	*code = PROTO_CODE_APPLIED;
	snprintf(message, len, "order updated to rev %lld", (long long)rev);
	return SYNC_APPLY;
}
