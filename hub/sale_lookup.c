// SPDX-License-Identifier: MIT
/* Answering a terminal's lookup of a sale by receipt number (see sale_lookup.h). */
#include "sale_lookup.h"
#include "db.h"

#include <errno.h>

/* {"id", "owner", "rev", "order"} of the current row. */
static json_t *row_json(sqlite3_stmt *st)
{
	json_t *doc = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);

	if (!doc)
		return NULL;
	return json_pack("{s:s, s:s, s:I, s:o}", "id", sqlite3_column_text(st, 0), "owner",
			 sqlite3_column_text(st, 1), "rev", (json_int_t)sqlite3_column_int64(st, 2),
			 "order", doc);
}

static int find_sale(sqlite3 *db, const char *receipt, json_t **sale)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*sale = NULL;
	rc = db_stmt(db,
		     "SELECT id, owner, rev, doc FROM orders WHERE receipt = ? AND status = "
		     "'completed' AND coalesce(json_extract(doc, '$.type'), 'sale') = 'sale'",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, receipt, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*sale = row_json(st);
		rc = *sale ? SQLITE_DONE : SQLITE_NOMEM;
	}
	rc = db_check(db, rc, "look up a sale");
	db_done(st);
	return rc;
}

static int find_refunds(sqlite3 *db, const char *sale_id, json_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db,
		     "SELECT id, owner, rev, doc FROM orders WHERE status = 'completed' AND "
		     "json_extract(doc, '$.type') = 'refund' AND "
		     "json_extract(doc, '$.refundOf') = ?1 ORDER BY seq",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sale_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(out, row_json(st)) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	rc = db_check(db, rc, "look up a sale's refunds");
	db_done(st);
	return rc;
}

int sale_lookup_answer(sqlite3 *db, const struct proto_lookup *lookup, json_t **answer)
{
	json_t *sale = NULL, *refunds = json_array();
	int rc;

	*answer = NULL;
	if (!refunds)
		return -ENOMEM;
	rc = find_sale(db, lookup->receipt, &sale);
	if (rc == 0 && sale)
		rc = find_refunds(db, json_string_value(json_object_get(sale, "id")), refunds);
	if (rc < 0) {
		json_decref(sale);
		json_decref(refunds);
		return rc;
	}
	*answer = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "type", "lookupResult", "requestId",
			    lookup->request_id, "receipt", lookup->receipt, "result",
			    sale ? "found" : "not-found", "sale", sale ? sale : json_null(),
			    "refunds", refunds);
	return *answer ? 0 : -ENOMEM;
}
