// SPDX-License-Identifier: MIT
/* Stock on the terminal (see stock.h). */
#include "stock.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "proto_sync.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct move_row {
	const char *id, *sku, *kind, *reason, *order_id, *origin;
	int64_t qty, at, hub_seq; /* hub_seq 0: not known here */
};

/* Store a movement once: a second one with the same id changes nothing. */
static int insert_move(sqlite3 *db, const struct move_row *m)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT OR IGNORE INTO stock_moves(id, sku, qty, kind, reason, order_id, "
			"origin, at, hub_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
	sqlite3_bind_int64(st, 8, m->at);
	if (m->hub_seq)
		sqlite3_bind_int64(st, 9, m->hub_seq);
	rc = db_check(db, sqlite3_step(st), "store a stock movement");
	sqlite3_finalize(st);
	return rc;
}

int term_stock_order(sqlite3 *db, const char *origin, const char *order_id, json_t *order)
{
	json_t *completed = json_object_get(order, "completedAt");
	int sign = stock_order_sign(order);
	struct move_row m = {0};
	char id[64];
	int rc = 0;

	if (sign == 0)
		return 0;
	m.kind = sign < 0 ? STOCK_KIND_SALE : STOCK_KIND_REFUND;
	m.order_id = order_id;
	m.origin = origin;
	m.at = json_is_integer(completed) ? json_integer_value(completed) : db_now_ms();
	for (size_t i = 0; rc == 0; i++) {
		rc = stock_order_line(order, i, &m.sku, &m.qty);
		if (rc == -ENOENT)
			return 0;
		if (rc < 0) {
			rc = 0; /* the order check refuses such a line before it is stored */
			continue;
		}
		snprintf(id, sizeof(id), "%s:%zu", order_id, i);
		m.id = id;
		rc = insert_move(db, &m);
	}
	return rc;
}

static int put_threshold(sqlite3 *db, json_t *payload)
{
	const char *sku = json_string_value(json_object_get(payload, "sku"));
	json_t *threshold = json_object_get(payload, "threshold");
	sqlite3_stmt *st = NULL;
	int rc;

	if (!sku || (!json_is_integer(threshold) && !json_is_null(threshold))) {
		log_warn("sync: a stock.threshold event without a sku or threshold: skipped");
		return 0;
	}
	rc = db_prepare(db,
			"INSERT INTO stock_base(sku, threshold) VALUES (?1, ?2) ON CONFLICT(sku) "
			"DO UPDATE SET threshold = ?2",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	if (json_is_integer(threshold))
		sqlite3_bind_int64(st, 2, json_integer_value(threshold));
	rc = db_check(db, sqlite3_step(st), "store a stock threshold");
	sqlite3_finalize(st);
	return rc;
}

int term_stock_apply_event(sqlite3 *db, const char *origin, json_t *op, int64_t seq)
{
	const char *kind = json_string_value(json_object_get(op, "kind"));
	json_t *payload = json_object_get(op, "payload");
	struct proto_error err;
	struct stock_move m;
	struct move_row row = {0};

	if (kind && strcmp(kind, PROTO_OP_STOCK_THRESHOLD) == 0)
		return put_threshold(db, payload);
	if (!kind || strcmp(kind, PROTO_OP_STOCK_MOVE) != 0)
		return 0;
	if (stock_move_decode(payload, &m, &err) < 0) {
		log_warn("sync: stock movement event %lld does not read: %s: skipped",
			 (long long)seq, err.message);
		return 0;
	}
	row.id = json_string_value(json_object_get(op, "entityId"));
	row.sku = m.sku;
	row.qty = m.qty;
	row.kind = m.kind;
	row.reason = m.reason;
	row.origin = origin;
	row.at = json_integer_value(json_object_get(op, "at"));
	row.hub_seq = seq;
	return row.id ? insert_move(db, &row) : 0;
}

int term_stock_apply_snapshot(sqlite3 *db, const char *self, json_t *parts)
{
	sqlite3_stmt *st = NULL;
	json_t *part, *e;
	size_t i, j;
	int rc;

	if (!json_is_array(json_object_get(json_array_get(parts, 0), "stock")))
		return 0; /* a hub from before stock: keep what we have */
	rc = db_exec(db, "DELETE FROM stock_base");
	if (rc == 0)
		rc = db_prepare(db, "DELETE FROM stock_moves WHERE origin != ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, self, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "drop mirrored stock movements");
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc == 0)
		rc = db_prepare(db,
				"INSERT OR REPLACE INTO stock_base(sku, level, threshold) VALUES "
				"(?, ?, ?)",
				&st);
	json_array_foreach(parts, i, part)
	{
		json_array_foreach(json_object_get(part, "stock"), j, e)
		{
			json_t *threshold = json_object_get(e, "threshold");

			if (rc < 0 || !json_is_string(json_object_get(e, "sku")))
				continue;
			sqlite3_bind_text(st, 1, json_string_value(json_object_get(e, "sku")), -1,
					  SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(e, "level")));
			if (json_is_integer(threshold))
				sqlite3_bind_int64(st, 3, json_integer_value(threshold));
			else
				sqlite3_bind_null(st, 3);
			rc = db_check(db, sqlite3_step(st), "store a stock level");
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int sku_known(sqlite3 *db, const char *sku)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT 1 FROM catalog WHERE sku = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 1 : db_check(db, rc, "look up a sku");
	sqlite3_finalize(st);
	return rc;
}

static json_t *op_new(const struct sale_who *who, const char *move_id, int64_t now, json_t *payload)
{
	uint8_t raw[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	json_t *op;

	if (uuid_v7(raw) < 0)
		return NULL;
	uuid_format(raw, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:O}", "opId", op_id, "kind",
		       PROTO_OP_STOCK_MOVE, "entity", "stock", "entityId", move_id, "rev", 1, "at",
		       (json_int_t)now, "payload", payload);
	if (op && who->actor && json_object_set_new(op, "actor", json_string(who->actor)) < 0)
		goto fail;
	if (op && who->approver &&
	    json_object_set_new(op, "approver", json_string(who->approver)) < 0)
		goto fail;
	return op;
fail:
	json_decref(op);
	return NULL;
}

int term_stock_move(sqlite3 *db, const struct sale_who *who, json_t *payload, int64_t now,
		    char *move_id, int64_t *level, struct proto_error *err)
{
	struct stock_move m;
	struct move_row row = {0};
	uint8_t raw[UUID_LEN];
	json_t *clean = NULL, *op = NULL, *levels = NULL;
	int rc;

	move_id[0] = '\0';
	*level = 0;
	rc = stock_move_decode(payload, &m, err);
	if (rc < 0)
		return rc;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto fail;
	rc = sku_known(db, m.sku);
	if (rc == 0) {
		rc = proto_error_set(err, PROTO_CODE_UNKNOWN_SKU, "sku",
				     "sku: \"%s\" is not in this terminal's catalog", m.sku);
		goto rollback;
	}
	if (rc == 1)
		rc = uuid_v7(raw);
	if (rc < 0)
		goto rollback;
	uuid_format(raw, move_id);
	row.id = move_id;
	row.sku = m.sku;
	row.qty = m.qty;
	row.kind = m.kind;
	row.reason = m.reason;
	row.origin = who->terminal_id;
	row.at = now;
	rc = insert_move(db, &row);
	/* The op carries the payload as checked, in its own words. */
	clean = rc == 0 ? stock_move_json(&m) : NULL;
	op = clean ? op_new(who, move_id, now, clean) : NULL;
	if (rc == 0)
		rc = op ? outbox_add(db, op, now) : -ENOMEM;
	if (rc == 0)
		rc = term_stock_levels(db, m.sku, 0, &levels);
	if (rc < 0)
		goto rollback;
	*level = json_integer_value(json_object_get(json_array_get(levels, 0), "level"));
	rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	json_decref(levels);
	json_decref(op);
	json_decref(clean);
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
fail:
	json_decref(levels);
	json_decref(op);
	json_decref(clean);
	move_id[0] = '\0';
	if (rc != -EINVAL)
		proto_error_set(err, "unexpected", NULL, "the terminal's database failed");
	return rc == -EINVAL ? rc : -EIO;
}

int term_stock_levels(sqlite3 *db, const char *sku, int low_only, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "SELECT c.sku, c.name, COALESCE(b.level, 0) + COALESCE(m.moved, 0) AS level, "
	    "b.threshold FROM catalog c LEFT JOIN stock_base b ON b.sku = c.sku LEFT "
	    "JOIN (SELECT sku, SUM(qty) AS moved FROM stock_moves GROUP BY sku) m ON "
	    "m.sku = c.sku WHERE (?1 IS NULL AND (c.active = 1 OR level != 0)) OR c.sku "
	    "= ?1 ORDER BY c.sku",
	    &st);
	if (rc < 0)
		goto fail;
	if (sku)
		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int has = sqlite3_column_type(st, 3) != SQLITE_NULL;
		int64_t level = sqlite3_column_int64(st, 2),
			threshold = sqlite3_column_int64(st, 3);
		struct stock_state s = stock_state_of(level, has, threshold);
		json_t *item;

		if (low_only && !s.low && !s.negative)
			continue;
		item =
		    json_pack("{s:s, s:s, s:I, s:o, s:b, s:b}", "sku", sqlite3_column_text(st, 0),
			      "name", sqlite3_column_text(st, 1), "level", (json_int_t)level,
			      "threshold", has ? json_integer(threshold) : json_null(), "low",
			      s.low, "negative", s.negative);
		if (!item || json_array_append_new(arr, item) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
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

int term_stock_movements(sqlite3 *db, const char *sku, int64_t *base, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	*base = 0;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(db, "SELECT level FROM stock_base WHERE sku = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*base = sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		}
		rc = db_check(db, rc, "read a stock base");
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc == 0)
		rc = db_prepare(db,
				"SELECT id, kind, qty, reason, order_id, origin, at, hub_seq FROM "
				"stock_moves WHERE sku = ? ORDER BY rowid",
				&st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *m =
		    json_pack("{s:s, s:s, s:I, s:o, s:o, s:s, s:I, s:o}", "id",
			      sqlite3_column_text(st, 0), "kind", sqlite3_column_text(st, 1), "qty",
			      (json_int_t)sqlite3_column_int64(st, 2), "reason", col_text(st, 3),
			      "orderId", col_text(st, 4), "origin", sqlite3_column_text(st, 5),
			      "at", (json_int_t)sqlite3_column_int64(st, 6), "hubSeq",
			      sqlite3_column_type(st, 7) == SQLITE_NULL
				  ? json_null()
				  : json_integer(sqlite3_column_int64(st, 7)));

		if (!m || json_array_append_new(arr, m) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	rc = db_check(db, rc, "read stock movements");
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	*out = arr;
	return 0;
fail:
	json_decref(arr);
	return rc;
}
