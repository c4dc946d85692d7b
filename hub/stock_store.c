// SPDX-License-Identifier: MIT
/*
 * The stock ledger in hub.db (see stock_store.h).
 *
 * A note on "once per crossing". Each movement reads its sku's level just
 * before it is inserted, inside the same transaction, so the hub sees the
 * movements of a sku one at a time in the order it applies them. A
 * movement that takes the level from zero or above to below zero raises
 * the alert; further movements while it stays below raise nothing, and a
 * level that recovers and falls again raises a new one. Which movement
 * crosses depends on the order ops arrive in (two terminals offline), but
 * the level itself never does: it is a sum.
 */
#include "stock_store.h"
#include "audit.h"
#include "catalog_store.h"
#include "db.h"
#include "event_log.h"
#include "log.h"
#include "sync_apply.h"
#include "uuid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* One movement to insert. */
struct move_row {
	const char *id, *sku, *kind, *reason, *order_id, *origin, *actor;
	int64_t qty, seq, at;
};

static int level_of(sqlite3 *db, const char *sku, int64_t *level)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*level = 0;
	rc = db_stmt(db, "SELECT level FROM stock_levels WHERE sku = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*level = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "read a stock level");
	db_done(st);
	return rc;
}

/* The alert of a level that went below zero: its row, an audit entry and a log line. */
static int alert_negative(sqlite3 *db, const struct move_row *m, int64_t level, int64_t now)
{
	char text[MONEY_TEXT_MAX], moved[MONEY_TEXT_MAX], message[256];
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	money_qty_format(level, text, sizeof(text));
	money_qty_format(m->qty, moved, sizeof(moved));
	snprintf(message, sizeof(message), "%s: the level went below zero to %s (%s %s by %s)",
		 m->sku, text, m->kind, moved, m->origin);
	log_warn("stock: %s", message);
	rc = db_stmt(db,
		     "INSERT INTO stock_alerts(sku, code, level, move_id, message, seq, at) VALUES "
		     "(?, '" STOCK_ALERT_NEGATIVE "', ?, ?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, m->sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, level);
	sqlite3_bind_text(st, 3, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, m->seq);
	sqlite3_bind_int64(st, 6, now);
	rc = db_check(db, sqlite3_step(st), "raise a stock alert");
	db_done(st);
	if (rc < 0)
		return rc;
	detail = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s}", "code", STOCK_ALERT_NEGATIVE, "level",
			   (json_int_t)level, "moveId", m->id, "origin", m->origin, "seq",
			   (json_int_t)m->seq, "message", message);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, STOCK_AUDIT_NEGATIVE, m->sku, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

/* Insert one movement; flag it when it takes its level below zero. *after gets the level. */
static int insert_move(sqlite3 *db, const struct move_row *m, int64_t now, int64_t *after)
{
	sqlite3_stmt *st = NULL;
	int64_t before;
	int rc;

	rc = level_of(db, m->sku, &before);
	if (rc < 0)
		return rc;
	rc = db_stmt(db,
		     "INSERT INTO stock_moves(id, sku, qty, kind, reason, order_id, origin, actor, "
		     "hub_seq, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, m->qty);
	sqlite3_bind_text(st, 4, m->kind, -1, SQLITE_STATIC);
	if (m->reason && m->reason[0])
		sqlite3_bind_text(st, 5, m->reason, -1, SQLITE_STATIC);
	if (m->order_id)
		sqlite3_bind_text(st, 6, m->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->origin, -1, SQLITE_STATIC);
	if (m->actor && m->actor[0])
		sqlite3_bind_text(st, 8, m->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, m->seq);
	sqlite3_bind_int64(st, 10, m->at);
	sqlite3_bind_int64(st, 11, now);
	rc = db_check(db, sqlite3_step(st), "store a stock movement");
	db_done(st);
	if (rc == 0)
		rc =
		    db_stmt(db,
			    "INSERT INTO stock_levels(sku, level) VALUES (?1, ?2) ON CONFLICT(sku) "
			    "DO UPDATE SET level = level + ?2",
			    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, m->sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, m->qty);
	rc = db_check(db, sqlite3_step(st), "store a stock level");
	db_done(st);
	if (rc < 0)
		return rc;
	*after = before + m->qty;
	if (stock_crosses_zero(before, *after))
		rc = alert_negative(db, m, *after, now);
	return rc;
}

int stock_store_order(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		      int64_t now)
{
	json_t *completed = json_object_get(op->payload, "completedAt");
	int sign = stock_order_sign(op->payload);
	struct move_row m = {0};
	const char *sku;
	char id[PROTO_ID_LEN + 8];
	int64_t qty, after;
	int rc = 0;

	if (sign == 0)
		return 0;
	m.kind = sign < 0 ? STOCK_KIND_SALE : STOCK_KIND_REFUND;
	m.order_id = op->entity_id;
	m.origin = terminal_id;
	m.actor = op->actor;
	m.seq = seq;
	m.at = json_is_integer(completed) ? json_integer_value(completed) : op->at;
	for (size_t i = 0; rc == 0; i++) {
		rc = stock_order_line(op->payload, i, &sku, &qty);
		if (rc == -ENOENT)
			return 0;
		if (rc < 0) {
			rc = 0; /* order_check refuses such a line before this runs */
			continue;
		}
		snprintf(id, sizeof(id), "%s:%zu", op->entity_id, i);
		m.id = id;
		m.sku = sku;
		m.qty = qty;
		rc = insert_move(db, &m, now, &after);
	}
	return rc;
}

/* 1 when a movement with this id is stored, 0 when not, or a negative errno. */
static int move_exists(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "SELECT 1 FROM stock_moves WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 1 : db_check(db, rc, "look up a stock movement");
	db_done(st);
	return rc;
}

/* The checks a movement made by hand passes, wherever it is made; err's fields unprefixed. */
static int check_move(sqlite3 *db, json_t *payload, struct stock_move *m, const char **code,
		      struct proto_error *err)
{
	int rc;

	*code = PROTO_ERR_BAD_FIELD;
	rc = stock_move_decode(payload, m, err);
	if (rc < 0)
		return rc;
	rc = catalog_store_has(db, m->sku);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		*code = PROTO_CODE_UNKNOWN_SKU;
		return proto_error_set(err, PROTO_CODE_UNKNOWN_SKU, "sku",
				       "sku: \"%s\" is not in the catalog (expected a sku of an "
				       "item, see 'tillnet-hub catalog list')",
				       m->sku);
	}
	return 0;
}

int stock_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
		      const char **result, struct proto_error *err)
{
	struct stock_move m;
	const char *code;
	int rc;

	(void)terminal_id;
	*result = PROTO_RESULT_REJECTED;
	if (op->rev != 1)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "rev",
				       "rev: %" PRId64
				       " (expected 1: a stock movement is made once "
				       "and never changed)",
				       op->rev);
	rc = check_move(db, op->payload, &m, &code, err);
	if (rc == -EINVAL)
		return proto_error_prefix(err, "payload.");
	if (rc < 0)
		return rc;
	rc = move_exists(db, op->entity_id);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*result = PROTO_RESULT_CONFLICT;
		return proto_error_set(err, STOCK_CODE_MOVE_TAKEN, "entityId",
				       "entityId: stock movement %s is here already under another "
				       "op id; the first stands",
				       op->entity_id);
	}
	return 0;
}

int stock_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		    int64_t now)
{
	struct proto_error err;
	struct stock_move m;
	struct move_row row = {0};
	int64_t after;

	if (stock_move_decode(op->payload, &m, &err) < 0)
		return -EPROTO; /* the judge passed it: cannot happen */
	row.id = op->entity_id;
	row.sku = m.sku;
	row.qty = m.qty;
	row.kind = m.kind;
	row.reason = m.reason;
	row.origin = terminal_id;
	row.actor = op->actor;
	row.seq = seq;
	row.at = op->at;
	return insert_move(db, &row, now, &after);
}

/* finish: commit after `rc` 0, else roll back; a busy database is -EBUSY. */
static int finish(sqlite3 *db, int rc)
{
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

static int begin(sqlite3 *db)
{
	int rc = db_exec(db, "BEGIN IMMEDIATE");

	if (rc < 0 && sqlite3_errcode(db) == SQLITE_BUSY)
		return -EBUSY;
	return rc;
}

int stock_store_hub_move(sqlite3 *db, json_t *payload, const char *actor, int64_t now,
			 char *move_id, int64_t *level, struct proto_error *err)
{
	struct stock_move m;
	struct move_row row = {0};
	const char *code;
	uint8_t raw[UUID_LEN];
	json_t *detail = NULL;
	int rc;

	move_id[0] = '\0';
	rc = begin(db);
	if (rc < 0) {
		proto_error_set(err, "unexpected", NULL, "the hub's database is busy");
		return rc;
	}
	rc = check_move(db, payload, &m, &code, err);
	if (rc == 0)
		rc = uuid_v7(raw);
	if (rc < 0)
		goto out;
	uuid_format(raw, move_id);
	row.id = move_id;
	row.sku = m.sku;
	row.qty = m.qty;
	row.kind = m.kind;
	row.reason = m.reason;
	row.origin = EVENT_ORIGIN_HUB;
	row.actor = actor;
	row.at = now;
	rc = event_log_append_hub(db, PROTO_OP_STOCK_MOVE, "stock", move_id, 1, stock_move_json(&m),
				  now, &row.seq);
	if (rc == 0)
		rc = insert_move(db, &row, now, level);
	if (rc == 0) {
		detail =
		    json_pack("{s:s, s:I, s:s, s:I}", "moveId", move_id, "qty", (json_int_t)m.qty,
			      "reason", m.reason, "level", (json_int_t)*level);
		rc = detail ? audit_append(db, actor,
					   strcmp(m.kind, STOCK_KIND_ADJUST) == 0
					       ? STOCK_AUDIT_ADJUST
					       : STOCK_AUDIT_RECEIVE,
					   m.sku, detail, now)
			    : -ENOMEM;
		json_decref(detail);
	}
out:
	rc = finish(db, rc);
	if (rc < 0 && rc != -EINVAL) {
		proto_error_set(err, "unexpected", NULL, "the hub's database failed");
		move_id[0] = '\0';
	}
	return rc;
}

int stock_store_set_threshold(sqlite3 *db, const char *sku, int set, int64_t threshold,
			      const char *actor, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *payload, *detail;
	int rc;

	rc = begin(db);
	if (rc < 0)
		return rc;
	rc = catalog_store_has(db, sku);
	if (rc == 0)
		rc = -ENOENT;
	if (rc < 0)
		return finish(db, rc);
	rc = set ? db_stmt(
		       db,
		       "INSERT INTO stock_thresholds(sku, threshold, updated_at) VALUES (?1, ?2, "
		       "?3) ON CONFLICT(sku) DO UPDATE SET threshold = ?2, updated_at = ?3",
		       &st)
		 : db_stmt(db, "DELETE FROM stock_thresholds WHERE sku = ?1", &st);
	if (rc < 0)
		return finish(db, rc);
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	if (set) {
		sqlite3_bind_int64(st, 2, threshold);
		sqlite3_bind_int64(st, 3, now);
	}
	rc = db_check(db, sqlite3_step(st), "store a stock threshold");
	db_done(st);
	payload = json_pack("{s:s, s:o}", "sku", sku, "threshold",
			    set ? json_integer(threshold) : json_null());
	detail = json_pack("{s:o}", "threshold", set ? json_integer(threshold) : json_null());
	if (rc == 0)
		rc = payload && detail
			 ? audit_append(db, actor, STOCK_AUDIT_THRESHOLD, sku, detail, now)
			 : -ENOMEM;
	json_decref(detail);
	/* The payload is consumed, also on failure. */
	if (rc == 0)
		rc = event_log_append_hub(db, PROTO_OP_STOCK_THRESHOLD, "stock", sku, 1, payload,
					  now, NULL);
	else
		json_decref(payload);
	return finish(db, rc);
}

/* The fields of a level, from a row of sku, name, level, threshold (NULL: none). */
static json_t *level_json(sqlite3_stmt *st)
{
	int has = sqlite3_column_type(st, 3) != SQLITE_NULL;
	int64_t level = sqlite3_column_int64(st, 2), threshold = sqlite3_column_int64(st, 3);
	struct stock_state s = stock_state_of(level, has, threshold);

	return json_pack("{s:s, s:s, s:I, s:o, s:b, s:b}", "sku", sqlite3_column_text(st, 0),
			 "name", sqlite3_column_text(st, 1), "level", (json_int_t)level,
			 "threshold", has ? json_integer(threshold) : json_null(), "low", s.low,
			 "negative", s.negative);
}

#define LEVELS_SQL                                                                                 \
	"SELECT c.sku, c.name, COALESCE(m.level, 0), t.threshold FROM catalog c LEFT JOIN "        \
	"stock_levels m ON m.sku = c.sku LEFT JOIN stock_thresholds t ON t.sku = c.sku "

int stock_store_levels(sqlite3 *db, int low_only, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *item;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db, LEVELS_SQL "WHERE c.active = 1 OR COALESCE(m.level, 0) != 0 ORDER BY c.sku", &st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		item = level_json(st);
		if (!item) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (low_only && !json_is_true(json_object_get(item, "low")) &&
		    !json_is_true(json_object_get(item, "negative")))
			json_decref(item);
		else
			json_array_append_new(arr, item);
	}
	rc = db_check(db, rc, "read stock levels");
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return rc;
}

static json_t *col_text(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
		   ? json_null()
		   : json_string((const char *)sqlite3_column_text(st, col));
}

static int read_movements(sqlite3 *db, const char *sku, int64_t offset, int limit, json_t *arr)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db,
	    "SELECT m.id, m.kind, m.qty, m.reason, m.order_id, o.receipt, m.origin, t.short_code, "
	    "m.actor, m.hub_seq, m.at, m.received_at, SUM(m.qty) OVER (ORDER BY m.hub_seq, m.id "
	    "ROWS UNBOUNDED PRECEDING) FROM stock_moves m LEFT JOIN terminals t ON t.id = "
	    "m.origin LEFT JOIN orders o ON o.id = m.order_id WHERE m.sku = ? ORDER BY "
	    "m.hub_seq, m.id LIMIT ? OFFSET ?",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *m = json_pack(
		    "{s:s, s:s, s:I, s:o, s:o, s:o, s:s, s:o, s:o, s:I, s:I, s:I, s:I}", "id",
		    sqlite3_column_text(st, 0), "kind", sqlite3_column_text(st, 1), "qty",
		    (json_int_t)sqlite3_column_int64(st, 2), "reason", col_text(st, 3), "orderId",
		    col_text(st, 4), "receipt", col_text(st, 5), "origin",
		    sqlite3_column_text(st, 6), "terminal", col_text(st, 7), "actor",
		    col_text(st, 8), "hubSeq", (json_int_t)sqlite3_column_int64(st, 9), "at",
		    (json_int_t)sqlite3_column_int64(st, 10), "receivedAt",
		    (json_int_t)sqlite3_column_int64(st, 11), "levelAfter",
		    (json_int_t)sqlite3_column_int64(st, 12));

		if (!m || json_array_append_new(arr, m) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	rc = db_check(db, rc, "read stock movements");
	sqlite3_finalize(st);
	return rc;
}

int stock_store_item(sqlite3 *db, const char *sku, int64_t offset, int limit, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *item = NULL, *moves = json_array();
	int64_t total = 0;
	int rc;

	*out = NULL;
	if (!moves)
		return -ENOMEM;
	rc = db_exec(db, "SAVEPOINT stock_item");
	if (rc < 0)
		goto fail;
	rc = db_prepare(db, LEVELS_SQL "WHERE c.sku = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			item = level_json(st);
			rc = item ? SQLITE_DONE : SQLITE_NOMEM;
		}
		rc = db_check(db, rc, "read a stock level");
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc == 0 && !item)
		rc = -ENOENT;
	if (rc == 0)
		rc = db_prepare(db, "SELECT count(*) FROM stock_moves WHERE sku = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			total = sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		}
		rc = db_check(db, rc, "count stock movements");
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = read_movements(db, sku, offset, limit, moves);
	db_exec(db, "RELEASE stock_item");
	if (rc < 0)
		goto fail;
	json_object_set_new(item, "total", json_integer(total));
	json_object_set_new(item, "movements", moves);
	*out = item;
	return 0;
fail:
	json_decref(item);
	json_decref(moves);
	return rc;
}

int stock_store_snapshot(sqlite3 *db, const char *terminal_id, json_t *parts)
{
	sqlite3_stmt *st = NULL;
	json_t *part = json_array_get(parts, 0), *stock = json_array();
	int rc;

	if (!part || !stock || json_object_set_new(part, "stock", stock) < 0)
		return -ENOMEM;
	rc =
	    db_prepare(db,
		       "SELECT k.sku, COALESCE(l.level, 0) - COALESCE((SELECT SUM(m.qty) FROM "
		       "stock_moves m WHERE m.origin = ?1 AND m.sku = k.sku), 0), t.threshold FROM "
		       "(SELECT sku FROM stock_levels UNION SELECT sku FROM stock_thresholds) k "
		       "LEFT JOIN stock_levels l ON l.sku = k.sku LEFT JOIN stock_thresholds t ON "
		       "t.sku = k.sku ORDER BY k.sku",
		       &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *e = json_pack("{s:s, s:I}", "sku", sqlite3_column_text(st, 0), "level",
				      (json_int_t)sqlite3_column_int64(st, 1));

		if (e && sqlite3_column_type(st, 2) != SQLITE_NULL)
			json_object_set_new(e, "threshold",
					    json_integer(sqlite3_column_int64(st, 2)));
		if (sync_snapshot_add(parts, "stock", STOCK_SNAPSHOT_PER_PART, e) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	rc = db_check(db, rc, "read stock levels for a snapshot");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	sync_snapshot_seal(parts);
	return 0;
}
