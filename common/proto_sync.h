/* SPDX-License-Identifier: MIT */
/*
 * The sync messages of protocol v1 (docs/protocol.md, "Sync messages"):
 * decoders for what a terminal sends (push, cursor, claim) and the op, the
 * unit of every write. Like proto.h: no I/O, every field checked, failures
 * name the field.
 */
#ifndef TILLNET_PROTO_SYNC_H
#define TILLNET_PROTO_SYNC_H

#include "proto.h"

#define PROTO_PUSH_MAX	 500 /* ops in one push */
#define PROTO_EVENTS_MAX 200 /* events in one events message */
#define PROTO_ID_LEN	 37  /* a UUID as text, with its NUL */

/* Op kinds. */
#define PROTO_OP_ORDER_PUT	 "order.put"
#define PROTO_OP_ORDER_RELEASE	 "order.release"
#define PROTO_OP_ORDER_CLAIM	 "order.claim"
#define PROTO_OP_CATALOG_PUT	 "catalog.put"
#define PROTO_OP_STAFF_PUT	 "staff.put"
#define PROTO_OP_ROLE_PUT	 "role.put"
#define PROTO_OP_JOURNAL_APPEND	 "journal.append"
#define PROTO_OP_STOCK_MOVE	 "stock.move"
#define PROTO_OP_STOCK_THRESHOLD "stock.threshold"
#define PROTO_OP_SETTINGS_PUT	 "settings.put" /* hub-made only */
#define PROTO_OP_CUSTOMER_PUT	 "customer.put"
#define PROTO_OP_CASH_PUT	 "cash.put"

/* Results of an op, and their codes. */
#define PROTO_RESULT_APPLIED   "applied"
#define PROTO_RESULT_DUPLICATE "duplicate"
#define PROTO_RESULT_CONFLICT  "conflict"
#define PROTO_RESULT_REJECTED  "rejected"

#define PROTO_CODE_APPLIED	   "applied"
#define PROTO_CODE_SAME_OP	   "same-op"
#define PROTO_CODE_OP_ID_REUSED	   "op-id-reused"
#define PROTO_CODE_NOT_OWNER	   "not-owner"
#define PROTO_CODE_STALE_REVISION  "stale-revision"
#define PROTO_CODE_ORDER_COMPLETED "order-completed"
#define PROTO_CODE_ORDER_VOIDED	   "order-voided"
#define PROTO_CODE_UNKNOWN_ORDER   "unknown-order"
#define PROTO_CODE_UNKNOWN_SKU	   "unknown-sku"
#define PROTO_CODE_BAD_TOTAL	   "bad-total"
#define PROTO_CODE_CLAIMED	   "claimed"
#define PROTO_CODE_NOT_RELEASED	   "not-released"
#define PROTO_CODE_OWN_ORDER	   "own-order"

struct proto_op {
	char op_id[PROTO_ID_LEN];
	char kind[24];
	char entity[16];
	char entity_id[PROTO_ID_LEN];
	int64_t rev;
	int64_t at;
	json_t *payload;	     /* borrowed from the op object */
	char actor[PROTO_ID_LEN];    /* the staff member who made it; "" when absent */
	char approver[PROTO_ID_LEN]; /* the manager who stepped up; "" when absent */
};

struct proto_claim {
	char request_id[PROTO_ID_LEN];
	char order_id[PROTO_ID_LEN];
};

#define PROTO_RECEIPT_MAX 48 /* a receipt number, NUL included */

struct proto_lookup {
	char request_id[PROTO_ID_LEN];
	char receipt[PROTO_RECEIPT_MAX];
};

/*
 * proto_push_decode: *ops gets the push's array (borrowed from msg): 1 to
 * PROTO_PUSH_MAX members. An array that is missing, empty or of another type
 * is bad-field; one over the limit is too-many-ops. The ops themselves are
 * judged one by one with proto_op_decode.
 */
int proto_push_decode(json_t *msg, json_t **ops, struct proto_error *err);

/*
 * proto_op_decode: an op a terminal pushed: opId and entityId UUIDs, kind
 * order.put or order.release, entity "order", rev 1 .. 2^53, at a clock,
 * payload an object; actor and approver, when present, staff ids (UUIDs),
 * and an approver only with an actor. Field names in errors are the op's
 * own ("rev").
 */
int proto_op_decode(json_t *op, struct proto_op *out, struct proto_error *err);

/*
 * proto_op_canonical: the text that says whether two ops with one opId are
 * the same: kind, entity, entityId, rev, payload, actor and approver, members
 * sorted, compact.
 * The caller frees it; NULL when out of memory.
 */
char *proto_op_canonical(json_t *op);

/* proto_cursor_decode: seq 0 .. 2^53. */
int proto_cursor_decode(json_t *msg, int64_t *seq, struct proto_error *err);

/* proto_claim_decode: requestId and orderId, both UUIDs. */
int proto_claim_decode(json_t *msg, struct proto_claim *claim, struct proto_error *err);

/* proto_lookup_decode: requestId a UUID, receipt 1 … 47 printable ASCII bytes. */
int proto_lookup_decode(json_t *msg, struct proto_lookup *lookup, struct proto_error *err);

/* proto_uuid_check: `text` is a UUID in the 36-character form, lower case. */
int proto_uuid_check(const char *text);

#endif
