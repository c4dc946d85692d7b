// SPDX-License-Identifier: MIT
/*
 * Applying terminals' ops to hub.db (see sync_apply.h).
 *
 * A note on one push, one transaction: every op of a push is judged and
 * written inside one BEGIN IMMEDIATE ... COMMIT. A bad op is a verdict
 * (rejected, conflict), recorded like any other; only a failing database
 * undoes the push as a whole, and then the terminal sends it all again.
 * Nobody hears of an op before the COMMIT returns: the results are built
 * here and sent by the caller, and relay reads the committed log.
 */
#include "sync_apply.h"
#include "audit.h"
#include "catalog_store.h"
#include "customer_store.h"
#include "db.h"
#include "event_log.h"
#include "log.h"
#include "order.h"
#include "order_effects.h"
#include "settings_store.h"
#include "registry.h"
#include "staff_check.h"
#include "staff_store.h"
#include "stock_store.h"
#include "sync_kinds.h"
#include "sync_rules.h"
#include "uuid.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

struct stored_order {
	int exists;
	char owner[PROTO_ID_LEN];
	int64_t rev;
	char status[16];
	int released;
	char *doc; /* malloc'd */
};

static int load_order(sqlite3 *db, const char *id, struct stored_order *o)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	rc = db_stmt(db, "SELECT owner, rev, status, released, doc FROM orders WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->exists = 1;
		snprintf(o->owner, sizeof(o->owner), "%s", sqlite3_column_text(st, 0));
		o->rev = sqlite3_column_int64(st, 1);
		snprintf(o->status, sizeof(o->status), "%s", sqlite3_column_text(st, 2));
		o->released = sqlite3_column_int(st, 3);
		o->doc = strdup((const char *)sqlite3_column_text(st, 4));
		if (!o->doc)
			rc = SQLITE_NOMEM;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "read an order");
	db_done(st);
	return rc;
}

static int sku_known(void *ctx, const char *sku)
{
	return catalog_store_has(ctx, sku);
}

static json_t *result_new(json_t *op_id, const char *result, const char *code, const char *field,
			  const char *message)
{
	json_t *r = json_pack("{s:O?, s:s, s:s, s:s}", "opId", json_is_string(op_id) ? op_id : NULL,
			      "result", result, "code", code, "message", message);

	if (r && field && field[0])
		json_object_set_new(r, "field", json_string(field));
	return r;
}

/* Record a conflict or a rejection with the op as sent and the stored version. */
static int record_refusal(sqlite3 *db, const char *terminal_id, json_t *op, const char *result,
			  const char *code, const char *field, const char *message,
			  const char *stored, int64_t now)
{
	json_t *op_id = json_object_get(op, "opId"), *entity = json_object_get(op, "entityId");
	sqlite3_stmt *st = NULL;
	char *text = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	int rc;

	if (!text)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "INSERT INTO refused_ops(op_id, terminal_id, entity_id, result, code, field, "
	    "message, op, stored, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &st);
	if (rc == 0) {
		if (json_is_string(op_id))
			sqlite3_bind_text(st, 1, json_string_value(op_id), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
		if (json_is_string(entity))
			sqlite3_bind_text(st, 3, json_string_value(entity), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, result, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
		if (field && field[0])
			sqlite3_bind_text(st, 6, field, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, message, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, text, -1, SQLITE_STATIC);
		if (stored)
			sqlite3_bind_text(st, 9, stored, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, now);
		rc = db_check(db, sqlite3_step(st), "record a refused op");
	}
	sqlite3_finalize(st);
	free(text);
	return rc;
}

static int op_hash(json_t *op, uint8_t out[32])
{
	char *text = proto_op_canonical(op);
	int rc;

	if (!text)
		return -ENOMEM;
	rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), out) < 0 ? -EIO : 0;
	free(text);
	return rc;
}

/* 1 and the seq: the op id was applied before; *same says whether with the same content. */
static int find_op(sqlite3 *db, const char *op_id, const uint8_t hash[32], int *same, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	rc = db_stmt(db, "SELECT hash, seq FROM ops WHERE op_id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		found = 1;
		*same = sqlite3_column_bytes(st, 0) == 32 &&
			memcmp(sqlite3_column_blob(st, 0), hash, 32) == 0;
		*seq = sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "look up an op id");
	db_done(st);
	return rc < 0 ? rc : found;
}

static int record_op(sqlite3 *db, const char *op_id, const char *terminal_id,
		     const uint8_t hash[32], int64_t seq, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db,
		     "INSERT INTO ops(op_id, terminal_id, hash, seq, applied_at) VALUES (?, ?, ?, "
		     "?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, seq);
	sqlite3_bind_int64(st, 5, now);
	rc = db_check(db, sqlite3_step(st), "record an op");
	db_done(st);
	return rc;
}

static int64_t int_member(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* The receipt must not be another order's already (two terminals, one number). */
static int receipt_taken(sqlite3 *db, const char *order_id, json_t *payload, char *other,
			 size_t otherlen)
{
	json_t *receipt = json_object_get(payload, "receipt");
	sqlite3_stmt *st = NULL;
	int rc, taken = 0;

	if (!json_is_string(receipt))
		return 0;
	rc = db_stmt(db, "SELECT id FROM orders WHERE receipt = ? AND id != ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, json_string_value(receipt), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		taken = 1;
		snprintf(other, otherlen, "%s", sqlite3_column_text(st, 0));
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "check a receipt number");
	db_done(st);
	return rc < 0 ? rc : taken;
}

static int is_completed(json_t *payload)
{
	json_t *status = json_object_get(payload, "status");

	return json_is_string(status) && strcmp(json_string_value(status), "completed") == 0;
}

static int write_order(sqlite3 *db, const struct proto_op *op, const char *terminal_id,
		       const struct stored_order *stored, int64_t seq, int64_t now)
{
	json_t *p = op->payload;
	json_t *completed = json_object_get(p, "completedAt");
	sqlite3_stmt *st = NULL;
	char *doc = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	int rc;

	if (!doc)
		return -ENOMEM;
	if (stored->exists)
		rc = db_stmt(db,
			     "UPDATE orders SET rev = ?2, status = ?3, released = 0, receipt = ?4, "
			     "receipt_seq = ?5, total = ?6, tax_total = ?7, completed_at = ?8, "
			     "updated_at = ?9, seq = ?10, doc = ?11 WHERE id = ?1",
			     &st);
	else
		rc = db_stmt(db,
			     "INSERT INTO orders(id, rev, status, released, receipt, receipt_seq, "
			     "total, tax_total, completed_at, updated_at, seq, doc, origin, owner, "
			     "created_at, received_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8, "
			     "?9, ?10, ?11, ?12, ?12, ?13, ?9)",
			     &st);
	if (rc == 0) {
		json_t *receipt = json_object_get(p, "receipt");

		sqlite3_bind_text(st, 1, op->entity_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, op->rev);
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(p, "status")), -1,
				  SQLITE_STATIC);
		if (json_is_string(receipt)) {
			sqlite3_bind_text(st, 4, json_string_value(receipt), -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, int_member(p, "receiptSeq"));
		}
		sqlite3_bind_int64(st, 6, int_member(p, "total"));
		sqlite3_bind_int64(st, 7, int_member(p, "taxTotal"));
		if (json_is_integer(completed))
			sqlite3_bind_int64(st, 8, json_integer_value(completed));
		sqlite3_bind_int64(st, 9, now);
		sqlite3_bind_int64(st, 10, seq);
		sqlite3_bind_text(st, 11, doc, -1, SQLITE_STATIC);
		if (!stored->exists) {
			sqlite3_bind_text(st, 12, terminal_id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 13, int_member(p, "createdAt"));
		}
		rc = db_check(db, sqlite3_step(st), "write an order");
	}
	db_done(st);
	free(doc);
	return rc;
}

static int release_order(sqlite3 *db, const struct proto_op *op, const struct stored_order *stored,
			 int64_t seq, int64_t now)
{
	json_t *doc = json_loads(stored->doc, 0, NULL);
	sqlite3_stmt *st = NULL;
	char *text = NULL;
	int rc;

	if (!doc)
		return -EPROTO;
	json_object_set_new(doc, "status", json_string("parked"));
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	rc = db_stmt(db,
		     "UPDATE orders SET rev = ?, status = 'parked', released = 1, updated_at = ?, "
		     "seq = ?, doc = ? WHERE id = ?",
		     &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, op->rev);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int64(st, 3, seq);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, op->entity_id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "release an order");
	}
	db_done(st);
	free(text);
	return rc;
}

/*
 * An op of a record kind besides orders (sync_kinds.h): refused when its
 * opId was used for other content or its judge says no; else its event is
 * appended and the kind stores it. *rc gets a database failure.
 */
static json_t *apply_record(sqlite3 *db, const char *terminal_id, json_t *opj,
			    const struct proto_op *op, const struct sync_kind *kind, int found,
			    int64_t seq, const uint8_t hash[32], int64_t now, int *new_event,
			    int *rc)
{
	struct proto_error err;
	const char *result = PROTO_RESULT_REJECTED;
	char message[160];
	json_t *res;

	if (found) {
		snprintf(message, sizeof(message),
			 "opId: this op id was applied before with other content (event %lld); "
			 "the first stands",
			 (long long)seq);
		*rc = record_refusal(db, terminal_id, opj, PROTO_RESULT_CONFLICT,
				     PROTO_CODE_OP_ID_REUSED, "opId", message, NULL, now);
		return result_new(json_object_get(opj, "opId"), PROTO_RESULT_CONFLICT,
				  PROTO_CODE_OP_ID_REUSED, "opId", message);
	}
	*rc = kind->judge(db, terminal_id, op, &result, &err);
	if (*rc == -EINVAL) {
		*rc = record_refusal(db, terminal_id, opj, result, err.code, err.field, err.message,
				     NULL, now);
		return result_new(json_object_get(opj, "opId"), result, err.code, err.field,
				  err.message);
	}
	if (*rc < 0)
		return NULL;
	*rc = event_log_append(db, terminal_id, opj, now, &seq);
	if (*rc == 0)
		*rc = record_op(db, op->op_id, terminal_id, hash, seq, now);
	if (*rc == 0)
		*rc = kind->store(db, terminal_id, op, seq, now);
	if (*rc == 0)
		*rc = staff_check_op(db, terminal_id, op, seq, now);
	if (*rc < 0)
		return NULL;
	*new_event = 1;
	res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_APPLIED, PROTO_CODE_APPLIED,
			 NULL, "applied");
	if (res)
		json_object_set_new(res, "seq", json_integer(seq));
	return res;
}

/*
 * One op, inside the push's transaction. Returns its result object (NULL
 * when out of memory) with *new_event set when it was applied; a database
 * failure (*dberr) returns NULL and the caller undoes the whole push.
 */
static json_t *apply_op(sqlite3 *db, const char *terminal_id, json_t *opj, int64_t now,
			int *new_event, int *dberr)
{
	struct stored_order stored = {0};
	struct sync_stored_order judge_in;
	struct proto_error err;
	struct proto_op op;
	const char *code;
	char message[512], other[PROTO_ID_LEN];
	uint8_t hash[32];
	int64_t seq = 0;
	int rc, same = 0, found;
	const struct sync_kind *kind;
	json_t *res = NULL;
	enum sync_verdict v;

	*new_event = 0;
	*dberr = 0;
	if (proto_op_decode(opj, &op, &err) < 0) {
		res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_REJECTED, err.code,
				 err.field, err.message);
		rc = record_refusal(db, terminal_id, opj, PROTO_RESULT_REJECTED, err.code,
				    err.field, err.message, NULL, now);
		goto out;
	}
	rc = op_hash(opj, hash);
	if (rc == 0)
		rc = find_op(db, op.op_id, hash, &same, &seq);
	if (rc < 0)
		goto out;
	found = rc;
	if (found && same) {
		res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_DUPLICATE,
				 PROTO_CODE_SAME_OP, NULL, "this op was applied before");
		if (res)
			json_object_set_new(res, "seq", json_integer(seq));
		rc = 0;
		goto out;
	}
	kind = sync_kind_find(op.kind);
	if (kind) {
		res = apply_record(db, terminal_id, opj, &op, kind, found, seq, hash, now,
				   new_event, &rc);
		goto out;
	}
	rc = load_order(db, op.entity_id, &stored);
	if (rc < 0)
		goto out;
	if (found) {
		snprintf(message, sizeof(message),
			 "opId: this op id was applied before with other content (event %lld); "
			 "the first stands",
			 (long long)seq);
		res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_CONFLICT,
				 PROTO_CODE_OP_ID_REUSED, "opId", message);
		rc = record_refusal(db, terminal_id, opj, PROTO_RESULT_CONFLICT,
				    PROTO_CODE_OP_ID_REUSED, "opId", message, stored.doc, now);
		goto out;
	}
	if (strcmp(op.kind, PROTO_OP_ORDER_PUT) == 0) {
		rc = order_check(op.payload, sku_known, db, &err);
		if (rc == 0) {
			rc = receipt_taken(db, op.entity_id, op.payload, other, sizeof(other));
			if (rc < 0)
				goto out;
			if (rc == 1) {
				proto_error_set(
				    &err, PROTO_ERR_BAD_FIELD, "payload.receipt",
				    "payload.receipt: \"%s\" is already the receipt of "
				    "order %s",
				    json_string_value(json_object_get(op.payload, "receipt")),
				    other);
				rc = -EINVAL;
			}
		}
		if (rc < 0) {
			if (strcmp(err.code, PROTO_ERR_BAD_FIELD) != 0 &&
			    strcmp(err.code, PROTO_CODE_UNKNOWN_SKU) != 0 &&
			    strcmp(err.code, PROTO_CODE_BAD_TOTAL) != 0) {
				rc = -EIO; /* the catalog lookup failed */
				goto out;
			}
			res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_REJECTED,
					 err.code, err.field, err.message);
			rc = record_refusal(db, terminal_id, opj, PROTO_RESULT_REJECTED, err.code,
					    err.field, err.message, NULL, now);
			goto out;
		}
	}
	judge_in.exists = stored.exists;
	judge_in.owner = stored.owner;
	judge_in.rev = stored.rev;
	judge_in.completed = strcmp(stored.status, "completed") == 0;
	judge_in.voided = strcmp(stored.status, "voided") == 0;
	v = sync_rules_judge(op.kind, op.rev, terminal_id, &judge_in, &code, message,
			     sizeof(message));
	if (v != SYNC_APPLY) {
		const char *result =
		    v == SYNC_CONFLICT ? PROTO_RESULT_CONFLICT : PROTO_RESULT_REJECTED;
		const char *field = v == SYNC_CONFLICT ? NULL : "entityId";

		res = result_new(json_object_get(opj, "opId"), result, code, field, message);
		rc = record_refusal(db, terminal_id, opj, result, code, field, message, stored.doc,
				    now);
		goto out;
	}
	rc = event_log_append(db, terminal_id, opj, now, &seq);
	if (rc == 0)
		rc = record_op(db, op.op_id, terminal_id, hash, seq, now);
	if (rc == 0 && strcmp(op.kind, PROTO_OP_ORDER_PUT) == 0) {
		rc = write_order(db, &op, terminal_id, &stored, seq, now);
		if (rc == 0 && is_completed(op.payload))
			rc = order_effects_apply(db, terminal_id, &op, seq, now);
	} else if (rc == 0)
		rc = release_order(db, &op, &stored, seq, now);
	/* Applied either way (the sale stands); flagged when its actor lacked the right. */
	if (rc == 0)
		rc = staff_check_op(db, terminal_id, &op, seq, now);
	if (rc < 0)
		goto out;
	*new_event = 1;
	res = result_new(json_object_get(opj, "opId"), PROTO_RESULT_APPLIED, PROTO_CODE_APPLIED,
			 NULL, message);
	if (res)
		json_object_set_new(res, "seq", json_integer(seq));
out:
	free(stored.doc);
	if (rc < 0) {
		*dberr = rc;
		json_decref(res);
		*new_event = 0;
		return NULL;
	}
	return res;
}

int sync_apply_push(sqlite3 *db, const char *terminal_id, json_t *ops, int64_t now,
		    json_t **results, int *applied)
{
	json_t *arr = json_array(), *opj, *res;
	size_t i;
	int rc, dberr, new_event;

	*results = NULL;
	*applied = 0;
	if (!arr)
		return -ENOMEM;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto fail;
	json_array_foreach(ops, i, opj)
	{
		res = apply_op(db, terminal_id, opj, now, &new_event, &dberr);
		if (!res) {
			/*
			 * The database failed (full disk, I/O error): a verdict on
			 * this op cannot be kept, so the whole push is undone and
			 * the terminal sends it again later.
			 */
			rc = dberr < 0 ? dberr : -ENOMEM;
			goto rollback;
		}
		json_array_append_new(arr, res);
		*applied += new_event;
	}
	rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	*results = arr;
	return 0;
rollback:
	/* No partial push: the terminal keeps every op and sends them again later. */
	db_exec(db, "ROLLBACK");
fail:
	json_decref(arr);
	*applied = 0;
	return rc < 0 ? rc : -EIO;
}

static json_t *claim_answer(const struct proto_claim *claim, const char *result, const char *code,
			    const char *message, int64_t rev, const char *doc)
{
	json_t *order = doc ? json_loads(doc, 0, NULL) : NULL;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "type", "claimResult",
			 "requestId", claim->request_id, "orderId", claim->order_id, "result",
			 result, "code", code, "message", message, "rev", (json_int_t)rev, "order",
			 order ? order : json_null());
}

/* Change the owner and log it; inside the caller's transaction. */
static int change_owner(sqlite3 *db, const char *order_id, const struct stored_order *o,
			const char *owner, const char *origin, int forced, int64_t now)
{
	uint8_t id[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	sqlite3_stmt *st = NULL;
	json_t *op;
	int64_t seq;
	int rc;

	rc = uuid_v7(id);
	if (rc < 0)
		return rc;
	uuid_format(id, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:{s:s, s:s, s:b}}", "opId", op_id, "kind",
		       PROTO_OP_ORDER_CLAIM, "entity", "order", "entityId", order_id, "rev",
		       (json_int_t)o->rev, "at", (json_int_t)now, "payload", "owner", owner,
		       "previousOwner", o->owner, "forced", forced);
	if (!op)
		return -ENOMEM;
	rc = event_log_append(db, origin, op, now, &seq);
	json_decref(op);
	if (rc < 0)
		return rc;
	rc = db_stmt(db,
		     "UPDATE orders SET owner = ?, released = 0, updated_at = ?, seq = ? WHERE id "
		     "= ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, order_id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "change an order's owner");
	db_done(st);
	return rc;
}

int sync_apply_claim(sqlite3 *db, const char *terminal_id, const struct proto_claim *claim,
		     int64_t now, json_t **answer, int *applied)
{
	struct stored_order o;
	int rc;

	*answer = NULL;
	*applied = 0;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = load_order(db, claim->order_id, &o);
	if (rc < 0)
		goto rollback;
	if (!o.exists) {
		*answer = claim_answer(claim, "refused", PROTO_CODE_UNKNOWN_ORDER,
				       "the hub has no such order", 0, NULL);
	} else if (strcmp(o.status, "voided") == 0) {
		*answer =
		    claim_answer(claim, "refused", PROTO_CODE_ORDER_VOIDED,
				 "the order was voided: there is nothing to claim", o.rev, NULL);
	} else if (strcmp(o.owner, terminal_id) == 0) {
		*answer = claim_answer(claim, "refused", PROTO_CODE_OWN_ORDER,
				       "this terminal owns the order already", o.rev, o.doc);
	} else if (!o.released || strcmp(o.status, "completed") == 0) {
		*answer = claim_answer(claim, "refused", PROTO_CODE_NOT_RELEASED,
				       "the order is not released for another terminal (never "
				       "released, or claimed first by another)",
				       o.rev, NULL);
	} else {
		rc = change_owner(db, claim->order_id, &o, terminal_id, terminal_id, 0, now);
		if (rc < 0)
			goto rollback;
		*answer = claim_answer(claim, "claimed", PROTO_CODE_CLAIMED,
				       "the order is now this terminal's", o.rev, o.doc);
		*applied = 1;
	}
	rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	free(o.doc);
	return *answer ? 0 : -ENOMEM;
rollback:
	db_exec(db, "ROLLBACK");
	free(o.doc);
	json_decref(*answer);
	*answer = NULL;
	*applied = 0;
	return rc;
}

int sync_apply_force_claim(sqlite3 *db, const char *order_id, const char *to_terminal,
			   const char *actor, int64_t now, char *why, size_t whylen)
{
	struct stored_order o;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0) {
		snprintf(why, whylen, "the database is busy or unwritable");
		return rc;
	}
	rc = load_order(db, order_id, &o);
	if (rc < 0) {
		snprintf(why, whylen, "cannot read the order");
	} else if (!o.exists) {
		snprintf(why, whylen, "there is no order %s", order_id);
		rc = -ENOENT;
	} else if (strcmp(o.status, "completed") == 0 || strcmp(o.status, "voided") == 0) {
		snprintf(why, whylen, "order %s is %s: it has no owner to change", order_id,
			 o.status);
		rc = -EALREADY;
	} else if (strcmp(o.owner, to_terminal) == 0) {
		snprintf(why, whylen, "order %s belongs to that terminal already", order_id);
		rc = -EALREADY;
	} else {
		json_t *detail = json_pack("{s:s, s:s}", "from", o.owner, "to", to_terminal);

		rc = change_owner(db, order_id, &o, to_terminal, EVENT_ORIGIN_HUB, 1, now);
		if (rc == 0)
			rc = detail ? audit_append(db, actor, "order.claim.force", order_id, detail,
						   now)
				    : -ENOMEM;
		json_decref(detail);
		if (rc < 0)
			snprintf(why, whylen, "cannot write the new owner");
		else
			snprintf(why, whylen, "order %s moved from %s to %s", order_id, o.owner,
				 to_terminal);
	}
	free(o.doc);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

static json_t *snapshot_part(int64_t seq, int part, int64_t version)
{
	return json_pack("{s:s, s:I, s:i, s:b, s:I, s:[], s:[]}", "type", "snapshot", "seq",
			 (json_int_t)seq, "part", part, "last", 0, "catalogVersion",
			 (json_int_t)version, "catalog", "orders");
}

int sync_snapshot_add(json_t *parts, const char *member, size_t per_part, json_t *item)
{
	json_t *first = json_array_get(parts, 0), *part = NULL, *list = NULL;
	size_t i;

	if (!item || !first)
		goto fail;
	/* Members fill the parts in order: the first part with room is the one in use. */
	json_array_foreach(parts, i, part)
	{
		list = json_object_get(part, member);
		if (!list || json_array_size(list) < per_part)
			break;
	}
	if (i == json_array_size(parts)) {
		part = snapshot_part(json_integer_value(json_object_get(first, "seq")), (int)i + 1,
				     json_integer_value(json_object_get(first, "catalogVersion")));
		if (!part || json_array_append_new(parts, part) < 0)
			goto fail;
		list = NULL;
	}
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(part, member, list) < 0)
			goto fail;
	}
	/* json_array_append_new drops `item` when it fails. */
	return json_array_append_new(list, item) < 0 ? -ENOMEM : 0;
fail:
	json_decref(item);
	return -ENOMEM;
}

void sync_snapshot_seal(json_t *parts)
{
	size_t n = json_array_size(parts);

	for (size_t i = 0; i < n; i++)
		json_object_set_new(json_array_get(parts, i), "last", json_boolean(i + 1 == n));
}

int sync_snapshot(sqlite3 *db, const char *terminal_id, json_t **parts, int64_t *seq)
{
	json_t *items = NULL, *out = json_array(), *part = NULL, *item, *staff, *roles, *settings;
	sqlite3_stmt *st = NULL;
	int64_t version = 0, people = 0;
	size_t i;
	int rc, n = 0;

	*parts = NULL;
	if (!out)
		return -ENOMEM;
	rc = db_exec(db, "BEGIN");
	if (rc < 0)
		goto fail;
	rc = event_log_head(db, seq);
	if (rc == 0)
		rc = catalog_store_snapshot(db, &items, &version);
	if (rc == 0)
		rc = db_prepare(db,
				"SELECT id, owner, rev, released, doc FROM orders WHERE status != "
				"'completed' AND status != 'voided' ORDER BY seq",
				&st);
	if (rc < 0)
		goto end;
	json_array_foreach(items, i, item)
	{
		if (!part ||
		    json_array_size(json_object_get(part, "catalog")) >= SYNC_SNAPSHOT_ITEMS) {
			part = snapshot_part(*seq, ++n, version);
			json_array_append_new(out, part);
		}
		json_array_append(json_object_get(part, "catalog"), item);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);

		if (!part ||
		    json_array_size(json_object_get(part, "orders")) >= SYNC_SNAPSHOT_ORDERS) {
			part = snapshot_part(*seq, ++n, version);
			json_array_append_new(out, part);
		}
		json_array_append_new(
		    json_object_get(part, "orders"),
		    json_pack("{s:s, s:s, s:I, s:b, s:o}", "id", sqlite3_column_text(st, 0),
			      "owner", sqlite3_column_text(st, 1), "rev",
			      (json_int_t)sqlite3_column_int64(st, 2), "released",
			      sqlite3_column_int(st, 3), "order", doc ? doc : json_null()));
	}
	rc = db_check(db, rc, "read active orders");
	if (rc == 0 && !part) {
		part = snapshot_part(*seq, ++n, version);
		json_array_append_new(out, part);
	}
	/* Staff and roles are few: all of them ride in the first part. */
	if (rc == 0)
		rc = staff_store_snapshot(db, &staff, &roles, &people);
	if (rc == 0)
		rc = settings_store_json(db, &settings);
	if (rc == 0) {
		json_t *first = json_array_get(out, 0);

		json_object_set_new(first, "peopleVersion", json_integer(people));
		json_object_set_new(first, "staff", staff);
		json_object_set_new(first, "roles", roles);
		json_object_set_new(first, "settings", settings);
	}
	if (part)
		json_object_set_new(part, "last", json_true());
	/* Stock levels without the terminal's own movements, which it adds itself. */
	if (rc == 0)
		rc = stock_store_snapshot(db, terminal_id, out);
	/* Customers, with the points of the other terminals' sales (it counts its own). */
	if (rc == 0)
		rc = customer_store_snapshot(db, terminal_id, out);
end:
	sqlite3_finalize(st);
	json_decref(items);
	db_exec(db, "COMMIT");
	if (rc == 0) {
		*parts = out;
		return 0;
	}
fail:
	json_decref(out);
	return rc;
}
