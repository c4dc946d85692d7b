// SPDX-License-Identifier: MIT
/* Sync message decoders (see proto_sync.h and docs/protocol.md). */
#include "proto_sync.h"
#include "uuid.h"

#include <errno.h>
#include <string.h>

int proto_uuid_check(const char *text)
{
	uint8_t id[UUID_LEN];

	/* One spelling per id: upper case would make the same id two keys. */
	for (const char *p = text; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			return -EINVAL;
	return strlen(text) == 36 ? uuid_parse(text, id) : -EINVAL;
}

static int get_uuid(json_t *msg, const char *field, char out[PROTO_ID_LEN], struct proto_error *err)
{
	int rc = proto_get_text(msg, field, 1, out, PROTO_ID_LEN, err);

	if (rc == 0 && proto_uuid_check(out) < 0)
		return proto_error_set(
		    err, PROTO_ERR_BAD_FIELD, field,
		    "%s: \"%s\" is not a UUID (expected 8-4-4-4-12 lower-case hex digits)", field,
		    out);
	return rc;
}

int proto_push_decode(json_t *msg, json_t **ops, struct proto_error *err)
{
	json_t *v = json_object_get(msg, "ops");

	*ops = NULL;
	if (!json_is_array(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "ops",
				       "ops: expected an array of 1 to %d ops", PROTO_PUSH_MAX);
	if (json_array_size(v) == 0)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "ops",
				       "ops: empty (expected 1 to %d ops)", PROTO_PUSH_MAX);
	if (json_array_size(v) > PROTO_PUSH_MAX)
		return proto_error_set(err, PROTO_ERR_TOO_MANY_OPS, "ops",
				       "ops: %zu ops in one push (at most %d)", json_array_size(v),
				       PROTO_PUSH_MAX);
	*ops = v;
	return 0;
}

/* The ops a terminal may push: kind and the entity it writes. */
static const struct {
	const char *kind, *entity;
} terminal_ops[] = {
    {PROTO_OP_ORDER_PUT, "order"},	  {PROTO_OP_ORDER_RELEASE, "order"},
    {PROTO_OP_JOURNAL_APPEND, "journal"}, {PROTO_OP_STOCK_MOVE, "stock"},
    {PROTO_OP_CUSTOMER_PUT, "customer"},  {PROTO_OP_CASH_PUT, "cash-session"},
};

static int check_kind(const char *kind, const char *entity, struct proto_error *err)
{
	size_t i, n = sizeof(terminal_ops) / sizeof(terminal_ops[0]);

	for (i = 0; i < n; i++)
		if (strcmp(kind, terminal_ops[i].kind) == 0)
			break;
	if (i == n)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "kind",
				       "kind: \"%s\" is not an op a terminal may push (expected "
				       "one of the kinds in docs/protocol.md, \"The op\")",
				       kind);
	if (strcmp(entity, terminal_ops[i].entity) != 0)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "entity",
				       "entity: \"%s\" is not what %s writes (expected %s)", entity,
				       kind, terminal_ops[i].entity);
	return 0;
}

int proto_op_decode(json_t *op, struct proto_op *out, struct proto_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(op))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "op",
				       "op: expected an object with opId, kind, entity, entityId, "
				       "rev, at and payload");
	rc = get_uuid(op, "opId", out->op_id, err);
	if (rc == 0)
		rc = proto_get_text(op, "kind", 1, out->kind, sizeof(out->kind), err);
	if (rc == 0)
		rc = proto_get_text(op, "entity", 1, out->entity, sizeof(out->entity), err);
	if (rc == 0)
		rc = check_kind(out->kind, out->entity, err);
	if (rc == 0)
		rc = get_uuid(op, "entityId", out->entity_id, err);
	if (rc == 0)
		rc = proto_get_int(op, "rev", 1, PROTO_INT_MAX, &out->rev, err);
	if (rc == 0)
		rc = proto_get_int(op, "at", PROTO_CLOCK_MIN, PROTO_CLOCK_MAX, &out->at, err);
	if (rc == 0) {
		out->payload = json_object_get(op, "payload");
		if (!json_is_object(out->payload))
			rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload",
					     "payload: expected an object");
	}
	/* Optional: ops from before staff existed, and the benchmark's, have neither. */
	if (rc == 0 && json_object_get(op, "actor"))
		rc = get_uuid(op, "actor", out->actor, err);
	if (rc == 0 && json_object_get(op, "approver")) {
		rc = get_uuid(op, "approver", out->approver, err);
		if (rc == 0 && !out->actor[0])
			rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "approver",
					     "approver: an op with an approver needs an actor");
	}
	return rc;
}

char *proto_op_canonical(json_t *op)
{
	static const char *const keys[] = {"kind",    "entity", "entityId", "rev",
					   "payload", "actor",	"approver"};
	json_t *c = json_object();
	char *text;

	if (!c)
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(op, keys[i]);

		if (v)
			json_object_set(c, keys[i], v);
	}
	text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	return text;
}

int proto_cursor_decode(json_t *msg, int64_t *seq, struct proto_error *err)
{
	return proto_get_int(msg, "seq", 0, PROTO_INT_MAX, seq, err);
}

int proto_lookup_decode(json_t *msg, struct proto_lookup *lookup, struct proto_error *err)
{
	const char *r = json_string_value(json_object_get(msg, "receipt"));
	int rc;

	memset(lookup, 0, sizeof(*lookup));
	rc = get_uuid(msg, "requestId", lookup->request_id, err);
	if (rc < 0)
		return rc;
	if (!r || !*r || strlen(r) >= sizeof(lookup->receipt))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "receipt",
				       "receipt: expected a receipt number of 1 to %d bytes",
				       PROTO_RECEIPT_MAX - 1);
	for (const char *p = r; *p; p++)
		if (*p < '!' || *p > '~')
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "receipt",
					       "receipt: expected printable ASCII, no spaces");
	memcpy(lookup->receipt, r, strlen(r) + 1);
	return 0;
}

int proto_claim_decode(json_t *msg, struct proto_claim *claim, struct proto_error *err)
{
	int rc;

	memset(claim, 0, sizeof(*claim));
	rc = get_uuid(msg, "requestId", claim->request_id, err);
	if (rc == 0)
		rc = get_uuid(msg, "orderId", claim->order_id, err);
	return rc;
}
