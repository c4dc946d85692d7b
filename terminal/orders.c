// SPDX-License-Identifier: MIT
/* Orders in term.db (see orders.h). */
#include "orders.h"
#include "db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int64_t member_int(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static void bind_opt_text(sqlite3_stmt *st, int col, json_t *v)
{
	if (json_is_string(v))
		sqlite3_bind_text(st, col, json_string_value(v), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, col);
}

static void bind_opt_int(sqlite3_stmt *st, int col, json_t *v)
{
	if (json_is_integer(v))
		sqlite3_bind_int64(st, col, json_integer_value(v));
	else
		sqlite3_bind_null(st, col);
}

static int save_lines(sqlite3 *db, const char *id, json_t *doc)
{
	sqlite3_stmt *st = NULL;
	json_t *line;
	size_t i;
	int rc;

	rc =
	    db_prepare(db,
		       "INSERT INTO order_lines(order_id, n, sku, name, qty, unit_price, tax_rate, "
		       "line_total, tax) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st);
	json_array_foreach(json_object_get(doc, "lines"), i, line)
	{
		if (rc < 0)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		bind_opt_text(st, 3, json_object_get(line, "sku"));
		bind_opt_text(st, 4, json_object_get(line, "name"));
		sqlite3_bind_int64(st, 5, member_int(line, "qty"));
		sqlite3_bind_int64(st, 6, member_int(line, "unitPrice"));
		sqlite3_bind_int64(st, 7, member_int(line, "taxRate"));
		sqlite3_bind_int64(st, 8, member_int(line, "lineTotal"));
		sqlite3_bind_int64(st, 9, member_int(line, "tax"));
		rc = db_check(db, sqlite3_step(st), "save an order line");
	}
	sqlite3_finalize(st);
	return rc;
}

static int save_payments(sqlite3 *db, const char *id, json_t *doc)
{
	sqlite3_stmt *st = NULL;
	json_t *p;
	size_t i;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO payments(order_id, n, tender, amount, tendered, change, "
			"reference) VALUES (?, ?, ?, ?, ?, ?, ?)",
			&st);
	json_array_foreach(json_object_get(doc, "payments"), i, p)
	{
		if (rc < 0)
			break;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		bind_opt_text(st, 3, json_object_get(p, "tender"));
		sqlite3_bind_int64(st, 4, member_int(p, "amount"));
		sqlite3_bind_int64(st, 5, member_int(p, "tendered"));
		sqlite3_bind_int64(st, 6, member_int(p, "change"));
		bind_opt_text(st, 7, json_object_get(p, "reference"));
		rc = db_check(db, sqlite3_step(st), "save a payment");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run `sql`, a DELETE with one parameter, for order `id`. */
static int delete_rows(sqlite3 *db, const char *sql, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(db, sql, &st);

	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "replace an order's lines and payments");
	}
	sqlite3_finalize(st);
	return rc;
}

int term_orders_save(sqlite3 *db, const struct term_order_row *o)
{
	sqlite3_stmt *st = NULL;
	char *text;
	int rc;

	text = json_dumps(o->doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "INSERT INTO orders(id, origin, owner, rev, status, released, receipt, receipt_seq, "
	    "total, tax_total, created_at, completed_at, hub_seq, hub_at, sync_state, doc) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
	    "ON CONFLICT(id) DO UPDATE SET owner = ?3, rev = ?4, status = ?5, released = ?6, "
	    "receipt = ?7, receipt_seq = ?8, total = ?9, tax_total = ?10, completed_at = ?12, "
	    "hub_seq = coalesce(?13, hub_seq), hub_at = coalesce(?14, hub_at), sync_state = ?15, "
	    "doc = ?16",
	    &st);
	if (rc == 0) {
		json_t *d = o->doc;

		sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, o->origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->owner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, o->rev);
		bind_opt_text(st, 5, json_object_get(d, "status"));
		sqlite3_bind_int(st, 6, o->released);
		bind_opt_text(st, 7, json_object_get(d, "receipt"));
		bind_opt_int(st, 8, json_object_get(d, "receiptSeq"));
		sqlite3_bind_int64(st, 9, member_int(d, "total"));
		sqlite3_bind_int64(st, 10, member_int(d, "taxTotal"));
		sqlite3_bind_int64(st, 11, member_int(d, "createdAt"));
		bind_opt_int(st, 12, json_object_get(d, "completedAt"));
		if (o->hub_seq)
			sqlite3_bind_int64(st, 13, o->hub_seq);
		if (o->hub_at)
			sqlite3_bind_int64(st, 14, o->hub_at);
		sqlite3_bind_text(st, 15, o->sync_state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 16, text, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "save an order");
	}
	sqlite3_finalize(st);
	free(text);
	if (rc == 0)
		rc = delete_rows(db, "DELETE FROM order_lines WHERE order_id = ?", o->id);
	if (rc == 0)
		rc = delete_rows(db, "DELETE FROM payments WHERE order_id = ?", o->id);
	if (rc == 0)
		rc = save_lines(db, o->id, o->doc);
	if (rc == 0)
		rc = save_payments(db, o->id, o->doc);
	return rc;
}

int term_orders_load(sqlite3 *db, const char *id, json_t **doc, char owner[40], int64_t *rev,
		     char status[16], int *released)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*doc = NULL;
	rc = db_prepare(db, "SELECT doc, owner, rev, status, released FROM orders WHERE id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		snprintf(owner, 40, "%s", sqlite3_column_text(st, 1));
		*rev = sqlite3_column_int64(st, 2);
		snprintf(status, 16, "%s", sqlite3_column_text(st, 3));
		*released = sqlite3_column_int(st, 4);
		rc = *doc ? 0 : -EPROTO;
	} else {
		rc = db_check(db, rc, "read an order");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

int term_orders_set_sync(sqlite3 *db, const char *id, const char *state, int64_t hub_seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db, "UPDATE orders SET sync_state = ?, hub_seq = coalesce(?, hub_seq) WHERE id = ?",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (hub_seq)
		sqlite3_bind_int64(st, 2, hub_seq);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "set an order's sync state");
	sqlite3_finalize(st);
	return rc;
}

int term_orders_export(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db,
	    "SELECT id, origin, owner, rev, status, released, receipt, total, tax_total, "
	    "created_at, completed_at, hub_seq, hub_at, sync_state, doc FROM orders "
	    "ORDER BY created_at, id",
	    &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(st, 14), 0, NULL);
		json_t *row;
		char *line;

		row = json_pack(
		    "{s:s, s:s, s:s, s:I, s:s, s:b, s:s?, s:O?, s:O?, s:I, s:I, s:I, s:I, s:s}",
		    "id", sqlite3_column_text(st, 0), "origin", sqlite3_column_text(st, 1), "owner",
		    sqlite3_column_text(st, 2), "rev", (json_int_t)sqlite3_column_int64(st, 3),
		    "status", sqlite3_column_text(st, 4), "released", sqlite3_column_int(st, 5),
		    "receipt", sqlite3_column_text(st, 6), "lines",
		    doc ? json_object_get(doc, "lines") : NULL, "payments",
		    doc ? json_object_get(doc, "payments") : NULL, "total",
		    (json_int_t)sqlite3_column_int64(st, 7), "taxTotal",
		    (json_int_t)sqlite3_column_int64(st, 8), "createdAt",
		    (json_int_t)sqlite3_column_int64(st, 9), "completedAt",
		    (json_int_t)sqlite3_column_int64(st, 10), "syncState",
		    sqlite3_column_text(st, 13));
		json_decref(doc);
		if (!row) {
			rc = -ENOMEM;
			break;
		}
		if (sqlite3_column_type(st, 10) == SQLITE_NULL)
			json_object_set_new(row, "completedAt", json_null());
		json_object_set_new(row, "hubSeq",
				    sqlite3_column_type(st, 11) == SQLITE_NULL
					? json_null()
					: json_integer(sqlite3_column_int64(st, 11)));
		json_object_set_new(row, "hubAt",
				    sqlite3_column_type(st, 12) == SQLITE_NULL
					? json_null()
					: json_integer(sqlite3_column_int64(st, 12)));
		line = json_dumps(row, JSON_COMPACT);
		json_decref(row);
		if (!line) {
			rc = -ENOMEM;
			break;
		}
		fprintf(out, "%s\n", line);
		free(line);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = db_check(db, rc, "export orders");
	sqlite3_finalize(st);
	return rc;
}
