// SPDX-License-Identifier: MIT
/* The terminals' cash sessions in hub.db (see cash_store.h). */
#include "cash_store.h"
#include "audit.h"
#include "cash.h"
#include "db.h"
#include "log.h"
#include "money.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stored session's owner, rev and status: 1 found, 0 not, or a negative errno. */
static int load_head(sqlite3 *db, const char *id, char owner[PROTO_ID_LEN], int64_t *rev,
		     int *closed)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	rc = db_stmt(db, "SELECT terminal_id, rev, status FROM cash_sessions WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(owner, PROTO_ID_LEN, "%s", sqlite3_column_text(st, 0));
		*rev = sqlite3_column_int64(st, 1);
		*closed = strcmp((const char *)sqlite3_column_text(st, 2), "closed") == 0;
		found = 1;
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "read a cash session");
	db_done(st);
	return rc < 0 ? rc : found;
}

int cash_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
		     const char **result, struct proto_error *err)
{
	char owner[PROTO_ID_LEN];
	int64_t rev = 0;
	int rc, closed = 0;

	*result = PROTO_RESULT_REJECTED;
	if (cash_session_check(op->payload, err) < 0)
		return proto_error_prefix(err, "payload.");
	rc = load_head(db, op->entity_id, owner, &rev, &closed);
	if (rc <= 0)
		return rc; /* a new session: this terminal's */
	*result = PROTO_RESULT_CONFLICT;
	if (strcmp(owner, terminal_id) != 0)
		return proto_error_set(err, PROTO_CODE_NOT_OWNER, "entityId",
				       "entityId: cash session %s belongs to terminal %s; a "
				       "terminal writes its own sessions only",
				       op->entity_id, owner);
	if (op->rev <= rev)
		return proto_error_set(err, PROTO_CODE_STALE_REVISION, "rev",
				       "rev: %" PRId64 " is not above the stored revision %" PRId64,
				       op->rev, rev);
	if (closed)
		return proto_error_set(err, CASH_CODE_SESSION_CLOSED, "entityId",
				       "entityId: cash session %s is closed and cannot change",
				       op->entity_id);
	return 0;
}

/* An alert: its row, an audit entry (actor hub, subject the session) and a log line. */
static int alert(sqlite3 *db, const char *terminal_id, const char *session_id, const char *code,
		 const char *message, int64_t seq, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	log_warn("cash: terminal %s: session %s: %s: %s", terminal_id, session_id, code, message);
	rc = db_stmt(db,
		     "INSERT INTO cash_alerts(session_id, terminal_id, code, message, seq, at) "
		     "VALUES (?, ?, ?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, seq);
	sqlite3_bind_int64(st, 6, now);
	rc = db_check(db, sqlite3_step(st), "record a cash alert");
	db_done(st);
	if (rc < 0)
		return rc;
	detail = json_pack("{s:s, s:s, s:s}", "terminalId", terminal_id, "code", code, "message",
			   message);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, CASH_AUDIT_ALERT, session_id, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

/*
 * The hub's own tally of a session: the completed orders it holds with this
 * cashSession and the document's movements. An order that does not add up
 * is left out (and logged): the comparison then shows it.
 */
static int tally(sqlite3 *db, const char *id, json_t *doc, struct cash_totals *t)
{
	struct proto_error err;
	sqlite3_stmt *st = NULL;
	enum cash_move m;
	json_t *order, *mv;
	size_t i;
	int rc;

	cash_totals_init(t);
	rc = db_stmt(db,
		     "SELECT id, doc FROM orders WHERE json_extract(doc, '$.cashSession') = ? AND "
		     "status = 'completed' ORDER BY seq",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		order = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
		if (!order || cash_totals_add_order(t, order, &err) < 0)
			log_warn("cash: session %s: order %s left out of the tally: %s", id,
				 sqlite3_column_text(st, 0), order ? err.message : "not JSON");
		json_decref(order);
	}
	rc = db_check(db, rc, "read a cash session's orders");
	db_done(st);
	json_array_foreach(json_object_get(doc, "movements"), i, mv)
	{
		/* The judge checked every movement. */
		if (rc == 0 &&
		    cash_move_parse(json_string_value(json_object_get(mv, "kind")), &m) == 0)
			cash_totals_add_move(t, m,
					     json_integer_value(json_object_get(mv, "amount")));
	}
	return rc;
}

static int64_t member(json_t *obj, const char *name)
{
	return json_integer_value(json_object_get(obj, name));
}

/* A close: the hub's tally against the terminal's; a difference is an alert. */
static int check_close(sqlite3 *db, const char *terminal_id, const char *id, json_t *doc,
		       int64_t seq, int64_t now, int64_t *hub_expected, char **hub_totals)
{
	struct cash_totals t;
	char message[512], mine[MONEY_TEXT_MAX], theirs[MONEY_TEXT_MAX];
	json_t *totals;
	int rc;

	*hub_totals = NULL;
	rc = tally(db, id, doc, &t);
	if (rc < 0)
		return rc;
	if (cash_expected(member(doc, "float"), &t, hub_expected) < 0)
		*hub_expected = 0;
	totals = cash_totals_to_json(&t);
	if (!totals)
		return -ENOMEM;
	*hub_totals = json_dumps(totals, JSON_COMPACT | JSON_SORT_KEYS);
	if (!*hub_totals) {
		json_decref(totals);
		return -ENOMEM;
	}
	if (*hub_expected != member(doc, "expected")) {
		money_format(*hub_expected, mine, sizeof(mine));
		money_format(member(doc, "expected"), theirs, sizeof(theirs));
		snprintf(message, sizeof(message),
			 "session %s (%s): the terminal expected %s in the drawer, the orders "
			 "the hub holds for it make %s (an order missing or parked?)",
			 id, json_string_value(json_object_get(doc, "zNumber")), theirs, mine);
		rc = alert(db, terminal_id, id, CASH_ALERT_EXPECTED, message, seq, now);
	} else if (!json_equal(totals, json_object_get(doc, "totals"))) {
		snprintf(message, sizeof(message),
			 "session %s (%s): the terminal's totals are not those of the orders the "
			 "hub holds for it (same cash, other tenders or counts)",
			 id, json_string_value(json_object_get(doc, "zNumber")));
		rc = alert(db, terminal_id, id, CASH_ALERT_TOTALS, message, seq, now);
	}
	json_decref(totals);
	return rc;
}

static void bind_int_or_null(sqlite3_stmt *st, int col, json_t *v)
{
	if (json_is_integer(v))
		sqlite3_bind_int64(st, col, json_integer_value(v));
	else
		sqlite3_bind_null(st, col);
}

int cash_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now)
{
	json_t *doc = op->payload;
	int closed = strcmp(json_string_value(json_object_get(doc, "status")), "closed") == 0;
	char *text = NULL, *hub_totals = NULL;
	int64_t hub_expected = 0;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (closed)
		rc = check_close(db, terminal_id, op->entity_id, doc, seq, now, &hub_expected,
				 &hub_totals);
	if (rc < 0)
		goto out;
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	rc =
	    db_stmt(db,
		    "INSERT INTO cash_sessions(id, terminal_id, rev, status, opened_at, closed_at, "
		    "float_amount, expected, counted, difference, hub_expected, hub_totals, "
		    "z_number, doc, seq, received_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16) "
		    "ON CONFLICT(id) DO UPDATE SET rev = ?3, status = ?4, closed_at = ?6, "
		    "expected = ?8, counted = ?9, difference = ?10, hub_expected = ?11, "
		    "hub_totals = ?12, z_number = ?13, doc = ?14, seq = ?15, updated_at = ?16",
		    &st);
	if (rc < 0)
		goto out;
	sqlite3_bind_text(st, 1, op->entity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, op->rev);
	sqlite3_bind_text(st, 4, closed ? "closed" : "open", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, member(doc, "openedAt"));
	bind_int_or_null(st, 6, json_object_get(doc, "closedAt"));
	sqlite3_bind_int64(st, 7, member(doc, "float"));
	bind_int_or_null(st, 8, json_object_get(doc, "expected"));
	bind_int_or_null(st, 9, json_object_get(doc, "counted"));
	bind_int_or_null(st, 10, json_object_get(doc, "difference"));
	if (closed)
		sqlite3_bind_int64(st, 11, hub_expected);
	sqlite3_bind_text(st, 12, hub_totals, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, json_string_value(json_object_get(doc, "zNumber")), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 14, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, seq);
	sqlite3_bind_int64(st, 16, now);
	rc = db_check(db, sqlite3_step(st), "store a cash session");
	db_done(st);
out:
	free(text);
	free(hub_totals);
	return rc;
}

#define LIST_COLUMNS                                                                               \
	"s.id, s.terminal_id, t.short_code, s.status, s.opened_at, s.closed_at, s.float_amount, "  \
	"s.expected, s.counted, s.difference, s.hub_expected, s.z_number, s.rev, "                 \
	"(SELECT count(*) FROM cash_alerts a WHERE a.session_id = s.id), s.doc, s.hub_totals"

static json_t *col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

static json_t *row_summary(sqlite3_stmt *st)
{
	static const char *const names[] = {"id",	"terminalId", "terminal",    "status",
					    "openedAt", "closedAt",   "float",	     "expected",
					    "counted",	"difference", "hubExpected", "zNumber",
					    "rev",	"alerts"};
	json_t *o = json_object();

	for (size_t i = 0; o && i < sizeof(names) / sizeof(names[0]); i++) {
		if (json_object_set_new(o, names[i], col(st, (int)i)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int cash_store_list(sqlite3 *db, const char *terminal_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *o;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(db,
			"SELECT " LIST_COLUMNS " FROM cash_sessions s LEFT JOIN terminals t ON "
			"t.id = s.terminal_id WHERE ?1 IS NULL OR s.terminal_id = ?1 "
			"ORDER BY s.opened_at DESC, s.id",
			&st);
	if (rc == 0 && terminal_id)
		sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = row_summary(st);
		rc = o && json_array_append_new(arr, o) == 0 ? 0 : SQLITE_NOMEM;
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "list cash sessions");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static int alert_list(sqlite3 *db, const char *id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *a;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db, "SELECT code, message, at FROM cash_alerts WHERE session_id = ? ORDER BY id", &st);
	if (rc == 0)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = json_pack("{s:s, s:s, s:I}", "code", sqlite3_column_text(st, 0), "message",
			      sqlite3_column_text(st, 1), "at",
			      (json_int_t)sqlite3_column_int64(st, 2));
		rc = a && json_array_append_new(arr, a) == 0 ? 0 : SQLITE_NOMEM;
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "read cash alerts");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int cash_store_get(sqlite3 *db, const char *id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL, *alerts = NULL;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT " LIST_COLUMNS " FROM cash_sessions s LEFT JOIN terminals t ON "
			"t.id = s.terminal_id WHERE s.id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return -ENOENT;
	}
	if (rc == SQLITE_ROW) {
		o = row_summary(st);
		if (o) {
			json_object_set_new(
			    o, "session",
			    json_loads((const char *)sqlite3_column_text(st, 14), 0, NULL));
			json_object_set_new(
			    o, "hubTotals",
			    sqlite3_column_type(st, 15) == SQLITE_NULL
				? json_null()
				: json_loads((const char *)sqlite3_column_text(st, 15), 0, NULL));
		}
		rc =
		    o && json_is_object(json_object_get(o, "session")) ? SQLITE_DONE : SQLITE_NOMEM;
	}
	rc = db_check(db, rc, "read a cash session");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = alert_list(db, id, &alerts);
	if (rc == 0)
		rc = json_object_set_new(o, "alertList", alerts) < 0 ? -ENOMEM : 0;
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}
