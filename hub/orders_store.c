// SPDX-License-Identifier: MIT
/* Orders and refused ops as hub.db holds them (see orders_store.h). */
#include "orders_store.h"
#include "db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The columns row_json reads, in its order; `o` is orders, ot/wt the terminals. */
#define ORDER_COLUMNS                                                                              \
	"o.id, o.origin, ot.short_code, o.owner, wt.short_code, o.receipt, o.receipt_seq, "        \
	"o.status, o.released, o.rev, o.total, o.tax_total, o.created_at, o.completed_at, "        \
	"o.received_at, o.updated_at, o.seq, o.doc "
#define ORDER_FROM                                                                                 \
	"FROM orders o LEFT JOIN terminals ot ON ot.id = o.origin LEFT JOIN terminals wt ON "      \
	"wt.id = o.owner "
#define ORDER_CSV_COLUMNS 17

static json_t *col_int_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL
		   ? json_null()
		   : json_integer(sqlite3_column_int64(st, col));
}

static void csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* row_json: the order of a row of ORDER_COLUMNS; NULL when out of memory. */
static json_t *row_json(sqlite3_stmt *st)
{
	json_t *doc = json_loads((const char *)sqlite3_column_text(st, 17), 0, NULL);
	json_t *row = json_pack(
	    "{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:o, s:s, s:b, s:I, s:O?, s:O?, s:I, s:I, "
	    "s:I, s:o, s:I, s:I, s:I}",
	    "id", sqlite3_column_text(st, 0), "origin", sqlite3_column_text(st, 1), "originCode",
	    sqlite3_column_text(st, 2), "owner", sqlite3_column_text(st, 3), "ownerCode",
	    sqlite3_column_text(st, 4), "receipt", sqlite3_column_text(st, 5), "receiptSeq",
	    col_int_or_null(st, 6), "status", sqlite3_column_text(st, 7), "released",
	    sqlite3_column_int(st, 8), "rev", (json_int_t)sqlite3_column_int64(st, 9), "lines",
	    doc ? json_object_get(doc, "lines") : NULL, "payments",
	    doc ? json_object_get(doc, "payments") : NULL, "total",
	    (json_int_t)sqlite3_column_int64(st, 10), "taxTotal",
	    (json_int_t)sqlite3_column_int64(st, 11), "createdAt",
	    (json_int_t)sqlite3_column_int64(st, 12), "completedAt", col_int_or_null(st, 13),
	    "receivedAt", (json_int_t)sqlite3_column_int64(st, 14), "updatedAt",
	    (json_int_t)sqlite3_column_int64(st, 15), "seq",
	    (json_int_t)sqlite3_column_int64(st, 16));

	json_decref(doc);
	return row;
}

int orders_store_export(sqlite3 *db, FILE *out, int csv)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"SELECT " ORDER_COLUMNS ORDER_FROM
			"ORDER BY o.origin, o.receipt_seq, o.created_at, o.id",
			&st);
	if (rc < 0)
		return rc;
	if (csv)
		fputs("id,origin,origin_code,owner,owner_code,receipt,receipt_seq,status,released,"
		      "rev,total,tax_total,created_at,completed_at,received_at,updated_at,seq\n",
		      out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (csv) {
			for (int i = 0; i < ORDER_CSV_COLUMNS; i++) {
				if (i)
					fputc(',', out);
				csv_field(out, (const char *)sqlite3_column_text(st, i));
			}
			fputc('\n', out);
			continue;
		}
		json_t *row = row_json(st);
		char *line = row ? json_dumps(row, JSON_COMPACT) : NULL;

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

/* The WHERE clause of a filter; each NULL member matches everything. */
#define ORDER_WHERE                                                                                \
	"WHERE (?1 IS NULL OR o.origin = ?1) AND (?2 IS NULL OR o.status = ?2) AND "               \
	"(?3 IS NULL OR o.receipt = ?3) AND (?4 IS NULL OR o.created_at >= ?4) AND "               \
	"(?5 IS NULL OR o.created_at < ?5) "

static void bind_filter(sqlite3_stmt *st, const struct orders_filter *f)
{
	if (f->terminal_id)
		sqlite3_bind_text(st, 1, f->terminal_id, -1, SQLITE_STATIC);
	if (f->status)
		sqlite3_bind_text(st, 2, f->status, -1, SQLITE_STATIC);
	if (f->receipt)
		sqlite3_bind_text(st, 3, f->receipt, -1, SQLITE_STATIC);
	if (f->from)
		sqlite3_bind_int64(st, 4, f->from);
	if (f->to)
		sqlite3_bind_int64(st, 5, f->to);
}

int orders_store_list(sqlite3 *db, const struct orders_filter *f, json_t **orders, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	json_t *list = NULL, *row;
	int rc;

	*orders = NULL;
	*total = 0;
	rc = db_prepare(db, "SELECT count(*) FROM orders o " ORDER_WHERE, &st);
	if (rc < 0)
		return rc;
	bind_filter(st, f);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "count orders");
	sqlite3_finalize(st);
	st = NULL;
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"SELECT " ORDER_COLUMNS ORDER_FROM ORDER_WHERE
			"ORDER BY o.created_at, o.id LIMIT ?6 OFFSET ?7",
			&st);
	if (rc < 0)
		return rc;
	bind_filter(st, f);
	sqlite3_bind_int(st, 6, f->limit);
	sqlite3_bind_int64(st, 7, f->offset);
	list = json_array();
	if (!list) {
		rc = -ENOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = row_json(st);
		if (!row || json_array_append_new(list, row) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = db_check(db, rc, "list orders");
out:
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*orders = list;
	return 0;
}

/* upstream_json: the order's upstream record, or null when it has none. */
static int upstream_json(sqlite3 *db, const char *id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	rc = db_prepare(
	    db,
	    "SELECT state, last_error_code, last_error, upstream_ref FROM upstream_records "
	    "WHERE id = ? AND kind != 'void'",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_pack("{s:s, s:s?, s:s?, s:s?}", "state", sqlite3_column_text(st, 0),
				 "code", sqlite3_column_text(st, 1), "message",
				 sqlite3_column_text(st, 2), "ref", sqlite3_column_text(st, 3));
	else if (rc == SQLITE_DONE)
		*out = json_null();
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "read an upstream record");
	sqlite3_finalize(st);
	if (rc == 0 && !*out)
		rc = -ENOMEM;
	return rc;
}

int orders_store_get(sqlite3 *db, const char *id, json_t **order)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL, *up = NULL;
	int rc;

	*order = NULL;
	rc = db_prepare(db, "SELECT " ORDER_COLUMNS ORDER_FROM "WHERE o.id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = -ENOENT;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = db_check(db, rc, "read an order");
		goto out;
	}
	o = row_json(st);
	rc = o ? upstream_json(db, id, &up) : -ENOMEM;
	if (rc == 0 && json_object_set_new(o, "upstream", up) < 0)
		rc = -ENOMEM;
out:
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*order = o;
	return 0;
}

int orders_store_refused(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT r.op_id, r.terminal_id, t.short_code, r.entity_id, r.result, "
			"r.code, r.field, r.message, r.op, r.stored, r.at FROM refused_ops r LEFT "
			"JOIN terminals t ON t.id = r.terminal_id ORDER BY r.id",
			&st);
	if (rc < 0)
		return rc;
	list = json_array();
	while (list && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *stored = (const char *)sqlite3_column_text(st, 9);
		json_t *op =
		    json_loads((const char *)sqlite3_column_text(st, 8), JSON_DECODE_ANY, NULL);
		json_t *r = json_pack(
		    "{s:s?, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s, s:o, s:o, s:I}", "opId",
		    sqlite3_column_text(st, 0), "terminalId", sqlite3_column_text(st, 1),
		    "terminalCode", sqlite3_column_text(st, 2), "orderId",
		    sqlite3_column_text(st, 3), "result", sqlite3_column_text(st, 4), "code",
		    sqlite3_column_text(st, 5), "field", sqlite3_column_text(st, 6), "message",
		    sqlite3_column_text(st, 7), "op", op ? op : json_null(), "stored",
		    stored ? json_loads(stored, 0, NULL) : json_null(), "at",
		    (json_int_t)sqlite3_column_int64(st, 10));

		if (!r || json_array_append_new(list, r) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = list ? db_check(db, rc, "list refused ops") : -ENOMEM;
out:
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}
