// SPDX-License-Identifier: MIT
/* The hub's alerts: listed for the needs-attention list, resolved (see alerts_store.h). */
#include "alerts_store.h"
#include "audit.h"
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * One kind of alert: its table and the query that lists the open ones as
 * id, at, terminal's short code, order id, receipt, code, message, and a
 * detail object (JSON text).
 */
struct alert_kind {
	const char *kind;
	const char *table;
	const char *open;
};

/* clang-format off */
static const struct alert_kind kinds[] = {
    {"journal-broken", "journal_alerts", NULL /* listed by journal_store.c */},
    {"order-alert", "order_alerts",
     "SELECT a.id, a.at, t.short_code, a.order_id, o.receipt, a.code, a.message,"
     " json_object('terminalId', a.terminal_id, 'field', a.field, 'hubSeq', a.seq)"
     " FROM order_alerts a"
     " LEFT JOIN terminals t ON t.id = a.terminal_id"
     " LEFT JOIN orders o ON o.id = a.order_id"
     " WHERE a.resolved_at IS NULL ORDER BY a.id"},
    {"cash-alert", "cash_alerts",
     "SELECT a.id, a.at, t.short_code, NULL, s.z_number, a.code, a.message,"
     " json_object('terminalId', a.terminal_id, 'sessionId', a.session_id,"
     " 'expected', s.expected, 'hubExpected', s.hub_expected, 'counted', s.counted,"
     " 'difference', s.difference, 'hubSeq', a.seq)"
     " FROM cash_alerts a"
     " LEFT JOIN terminals t ON t.id = a.terminal_id"
     " LEFT JOIN cash_sessions s ON s.id = a.session_id"
     " WHERE a.resolved_at IS NULL ORDER BY a.id"},
    {"loyalty-alert", "loyalty_alerts",
     "SELECT a.id, a.at, t.short_code, a.order_id, o.receipt, a.code, a.message,"
     " json_object('terminalId', a.terminal_id, 'customerId', a.customer_id,"
     " 'customer', c.name, 'balance', a.balance, 'hubSeq', a.seq)"
     " FROM loyalty_alerts a"
     " LEFT JOIN terminals t ON t.id = a.terminal_id"
     " LEFT JOIN orders o ON o.id = a.order_id"
     " LEFT JOIN customers c ON c.id = a.customer_id"
     " WHERE a.resolved_at IS NULL ORDER BY a.id"},
    {"stock-alert", "stock_alerts",
     "SELECT a.id, a.at, t.short_code, m.order_id, o.receipt, a.code, a.message,"
     " json_object('sku', a.sku, 'level', a.level, 'moveId', a.move_id, 'hubSeq', a.seq)"
     " FROM stock_alerts a"
     " LEFT JOIN stock_moves m ON m.id = a.move_id"
     " LEFT JOIN terminals t ON t.id = m.origin"
     " LEFT JOIN orders o ON o.id = m.order_id"
     " WHERE a.resolved_at IS NULL ORDER BY a.id"},
};
/* clang-format on */

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct alert_kind *find_kind(const char *kind)
{
	for (size_t i = 0; kind && i < N_KINDS; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

int alerts_store_kind_known(const char *kind)
{
	return find_kind(kind) != NULL;
}

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? json_string((const char *)s) : json_null();
}

/* One row of an `open` query as an attention item. */
static json_t *item(const struct alert_kind *k, sqlite3_stmt *st)
{
	const char *detail_text = (const char *)sqlite3_column_text(st, 7);
	json_t *detail = detail_text ? json_loads(detail_text, 0, NULL) : NULL;
	char id[24];

	if (!detail)
		return NULL;
	snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
	return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:[s], s:o}", "kind", k->kind,
			 "id", id, "at", (json_int_t)sqlite3_column_int64(st, 1), "terminal",
			 text_or_null(st, 2), "orderId", text_or_null(st, 3), "receipt",
			 text_or_null(st, 4), "code", text_or_null(st, 5), "message",
			 text_or_null(st, 6), "actions", "resolve", "detail", detail);
}

int alerts_store_open_json(sqlite3 *db, json_t *items)
{
	for (size_t i = 0; i < N_KINDS; i++) {
		sqlite3_stmt *st = NULL;
		int rc;

		if (!kinds[i].open)
			continue;
		rc = db_prepare(db, kinds[i].open, &st);
		while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *it = item(&kinds[i], st);

			rc = it && json_array_append_new(items, it) == 0 ? 0 : SQLITE_NOMEM;
		}
		rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "read open alerts");
		sqlite3_finalize(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The open alert's code and message, for the audit entry; -ENOENT when none. */
static int load_open(sqlite3 *db, const struct alert_kind *k, int64_t id, json_t **detail)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof(sql),
		 "SELECT code, message FROM %s WHERE id = ? AND resolved_at IS NULL", k->table);
	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*detail = json_pack("{s:s, s:s, s:s}", "kind", k->kind, "code",
				    (const char *)sqlite3_column_text(st, 0), "message",
				    (const char *)sqlite3_column_text(st, 1));
		rc = *detail ? 0 : -ENOMEM;
	} else {
		rc = db_check(db, rc, "read an alert");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

static int mark_resolved(sqlite3 *db, const struct alert_kind *k, int64_t id, int64_t now)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof(sql), "UPDATE %s SET resolved_at = ? WHERE id = ?", k->table);
	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	rc = db_check(db, sqlite3_step(st), "resolve an alert");
	sqlite3_finalize(st);
	return rc;
}

int alerts_store_resolve(sqlite3 *db, const char *kind, int64_t id, const char *note,
			 const char *actor, int64_t now)
{
	const struct alert_kind *k = find_kind(kind);
	json_t *detail = NULL;
	char subject[48];
	int rc;

	if (!k)
		return -EINVAL;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = load_open(db, k, id, &detail);
	if (rc == 0)
		rc = json_object_set_new(detail, "note", json_string(note)) == 0 ? 0 : -ENOMEM;
	if (rc == 0)
		rc = mark_resolved(db, k, id, now);
	snprintf(subject, sizeof(subject), "%s/%lld", k->kind, (long long)id);
	if (rc == 0)
		rc = audit_append(db, actor, "alert.resolve", subject, detail, now);
	json_decref(detail);
	return db_end(db, rc);
}
