// SPDX-License-Identifier: MIT
/* Customers and their loyalty points in hub.db (see customer_store.h). */
#include "customer_store.h"
#include "audit.h"
#include "db.h"
#include "log.h"
#include "loyalty.h"
#include "settings_store.h"
#include "sync_apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CUSTOMER_COLS "id, name, phone, email, card, created_at, updated_at, writer"
#define LEDGER_SHOWN  100

static void read_row(sqlite3_stmt *st, struct customer *c, char writer[40])
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", sqlite3_column_text(st, 0));
	snprintf(c->name, sizeof(c->name), "%s", sqlite3_column_text(st, 1));
	snprintf(c->phone, sizeof(c->phone), "%s", sqlite3_column_text(st, 2));
	snprintf(c->email, sizeof(c->email), "%s", sqlite3_column_text(st, 3));
	snprintf(c->card, sizeof(c->card), "%s", sqlite3_column_text(st, 4));
	c->created_at = sqlite3_column_int64(st, 5);
	c->updated_at = sqlite3_column_int64(st, 6);
	snprintf(writer, 40, "%s", sqlite3_column_text(st, 7));
}

/* One stored customer: 1 found, 0 not, or a negative errno. */
static int load(sqlite3 *db, const char *id, struct customer *c, char writer[40])
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "SELECT " CUSTOMER_COLS " FROM customers WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, c, writer);
		rc = 1;
	} else {
		rc = db_check(db, rc, "read a customer");
	}
	db_done(st);
	return rc;
}

int customer_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			 const char **result, struct proto_error *err)
{
	struct customer c;

	(void)db;
	(void)terminal_id;
	*result = PROTO_RESULT_REJECTED;
	memset(&c, 0, sizeof(c));
	if (loyalty_customer_decode(op->payload, &c, err) < 0)
		return proto_error_prefix(err, "payload.");
	return 0;
}

int customer_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		       int64_t now)
{
	struct customer in, stored;
	struct proto_error err;
	sqlite3_stmt *st = NULL;
	char writer[40];
	int rc;

	memset(&in, 0, sizeof(in));
	if (loyalty_customer_decode(op->payload, &in, &err) < 0)
		return -EPROTO; /* judged a moment ago */
	snprintf(in.id, sizeof(in.id), "%s", op->entity_id);
	rc = load(db, op->entity_id, &stored, writer);
	if (rc < 0)
		return rc;
	/* An older edit arrives late: the event stands (the terminals judge it alike), ours stays.
	 */
	if (rc == 1 && !loyalty_customer_wins(&in, terminal_id, &stored, writer))
		return 0;
	rc = db_stmt(db,
		     "INSERT OR REPLACE INTO customers(" CUSTOMER_COLS
		     ", seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, in.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in.phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in.email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in.card, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, in.created_at);
	sqlite3_bind_int64(st, 7, in.updated_at);
	sqlite3_bind_text(st, 8, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, seq);
	sqlite3_bind_int64(st, 10, now);
	rc = db_check(db, sqlite3_step(st), "store a customer");
	db_done(st);
	return rc;
}

/* The balance and lifetime spend of customer `id` (0 and 0 without entries). */
static int totals(sqlite3 *db, const char *id, int64_t *points, int64_t *spend)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*points = *spend = 0;
	rc = db_stmt(db,
		     "SELECT coalesce(sum(earned - redeemed), 0), coalesce(sum(spend), 0) FROM "
		     "loyalty_ledger WHERE customer_id = ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*points = sqlite3_column_int64(st, 0);
		*spend = sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "add up a customer's points");
	db_done(st);
	return rc;
}

static int alert(sqlite3 *db, const char *customer_id, const char *terminal_id,
		 const struct proto_op *op, const char *code, int64_t balance, const char *message,
		 int64_t seq, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	log_warn("loyalty: customer %s: %s: %s", customer_id, code, message);
	rc =
	    db_stmt(db,
		    "INSERT INTO loyalty_alerts(customer_id, order_id, terminal_id, code, balance, "
		    "message, seq, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, op->entity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, balance);
	sqlite3_bind_text(st, 6, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, seq);
	sqlite3_bind_int64(st, 8, now);
	rc = db_check(db, sqlite3_step(st), "raise a loyalty alert");
	db_done(st);
	if (rc < 0)
		return rc;
	detail =
	    json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I}", "code", code, "customerId",
		      customer_id, "orderId", op->entity_id, "terminal", terminal_id, "balance",
		      (json_int_t)balance, "message", message, "seq", (json_int_t)seq);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, CUSTOMER_AUDIT_FLAGGED, customer_id, detail,
				   now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

int customer_store_order(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			 int64_t seq, int64_t now)
{
	const char *customer_id = json_string_value(json_object_get(op->payload, "customer"));
	json_t *receipt = json_object_get(op->payload, "receipt");
	struct loyalty_entry e;
	struct customer c;
	sqlite3_stmt *st = NULL;
	char writer[40], message[600];
	int64_t points, spend;
	int rc, known;

	if (!loyalty_entry_of(op->payload, &e))
		return 0;
	rc = db_stmt(db,
		     "INSERT OR IGNORE INTO loyalty_ledger(order_id, customer_id, terminal_id, "
		     "receipt, earned, redeemed, spend, seq, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
		     "?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op->entity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, customer_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, terminal_id, -1, SQLITE_STATIC);
	if (json_is_string(receipt))
		sqlite3_bind_text(st, 4, json_string_value(receipt), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e.earned);
	sqlite3_bind_int64(st, 6, e.redeemed);
	sqlite3_bind_int64(st, 7, e.spend);
	sqlite3_bind_int64(st, 8, seq);
	sqlite3_bind_int64(st, 9, now);
	rc = db_check(db, sqlite3_step(st), "record loyalty points");
	db_done(st);
	if (rc == 0 && sqlite3_changes(db) == 0)
		return 0; /* this order's entry is here already */
	if (rc == 0)
		rc = load(db, customer_id, &c, writer);
	if (rc < 0)
		return rc;
	known = rc;
	rc = totals(db, customer_id, &points, &spend);
	if (rc < 0)
		return rc;
	if (!known) {
		snprintf(message, sizeof(message),
			 "order %s (%s) names customer %s, whom the hub does not know (yet)",
			 op->entity_id, json_is_string(receipt) ? json_string_value(receipt) : "-",
			 customer_id);
		return alert(db, customer_id, terminal_id, op, "unknown-customer", points, message,
			     seq, now);
	}
	/* Only a redemption can drive a balance below zero; a refund's takeback does not count. */
	if (points < 0 && e.redeemed > 0) {
		snprintf(message, sizeof(message),
			 "%s's points are at %lld after %s redeemed %lld (order %s, %s): more "
			 "points were redeemed than the customer had, by terminals offline",
			 c.name, (long long)points, terminal_id, (long long)e.redeemed,
			 op->entity_id,
			 json_is_string(receipt) ? json_string_value(receipt) : "no receipt");
		return alert(db, customer_id, terminal_id, op, "negative-balance", points, message,
			     seq, now);
	}
	return 0;
}

static json_t *customer_json(const struct customer *c, const char *writer)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id", c->id, "name", c->name,
			 "phone", c->phone, "email", c->email, "card", c->card, "createdAt",
			 (json_int_t)c->created_at, "updatedAt", (json_int_t)c->updated_at,
			 "writer", writer);
}

int customer_store_snapshot(sqlite3 *db, const char *terminal_id, json_t *parts)
{
	sqlite3_stmt *st = NULL;
	struct customer c;
	char writer[40];
	json_t *part = json_array_get(parts, 0), *list = json_array();
	int rc;

	if (!part || !list || json_object_set_new(part, "customers", list) < 0)
		return -ENOMEM;
	rc = db_prepare(db,
			"SELECT " CUSTOMER_COLS ", coalesce(sum(l.earned - l.redeemed), 0), "
			"coalesce(sum(l.spend), 0) FROM customers c LEFT JOIN loyalty_ledger l ON "
			"l.customer_id = c.id AND l.terminal_id != ?1 GROUP BY c.id ORDER BY c.id",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *e;

		read_row(st, &c, writer);
		e = customer_json(&c, writer);
		if (e) {
			json_object_set_new(e, "otherPoints",
					    json_integer(sqlite3_column_int64(st, 8)));
			json_object_set_new(e, "otherSpend",
					    json_integer(sqlite3_column_int64(st, 9)));
		}
		if (sync_snapshot_add(parts, "customers", SYNC_SNAPSHOT_ORDERS, e) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	rc = db_check(db, rc, "read customers for a snapshot");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	sync_snapshot_seal(parts);
	return 0;
}

/* The summary columns every listing shows, after CUSTOMER_COLS. */
#define SUMMARY_COLS                                                                               \
	", (SELECT coalesce(sum(earned - redeemed), 0) FROM loyalty_ledger l WHERE "               \
	"l.customer_id = c.id), (SELECT coalesce(sum(spend), 0) FROM loyalty_ledger l WHERE "      \
	"l.customer_id = c.id), (SELECT count(*) FROM loyalty_alerts a WHERE a.customer_id = "     \
	"c.id AND a.resolved_at IS NULL)"

static json_t *summary_json(sqlite3_stmt *st, const struct store_settings *s, struct customer *c)
{
	char writer[40];
	json_t *j;

	read_row(st, c, writer);
	j = customer_json(c, writer);
	if (j) {
		int64_t spend = sqlite3_column_int64(st, 9);

		json_object_set_new(j, "points", json_integer(sqlite3_column_int64(st, 8)));
		json_object_set_new(j, "lifetimeSpend", json_integer(spend));
		json_object_set_new(j, "tier", json_string(settings_tier(s, spend)));
		json_object_set_new(j, "openAlerts", json_integer(sqlite3_column_int64(st, 10)));
	}
	return j;
}

int customer_store_list(sqlite3 *db, const char *q, json_t **out)
{
	struct store_settings s;
	struct customer c;
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	rc = arr ? settings_store_load(db, &s) : -ENOMEM;
	if (rc == 0)
		rc = db_prepare(db,
				"SELECT " CUSTOMER_COLS SUMMARY_COLS " FROM customers c ORDER BY "
				"name COLLATE NOCASE, id",
				&st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && json_array_size(arr) < CUSTOMER_LIST_MAX) {
		json_t *j = summary_json(st, &s, &c);

		if (!j) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (q && !loyalty_text_matches(&c, q)) {
			json_decref(j);
			continue;
		}
		json_array_append_new(arr, j);
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "list customers");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static int ledger_json(sqlite3 *db, const char *id, json_t *arr)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc =
	    db_prepare(db,
		       "SELECT l.order_id, l.receipt, coalesce(t.short_code, l.terminal_id), "
		       "l.earned, l.redeemed, l.spend, l.seq, l.at FROM loyalty_ledger l LEFT JOIN "
		       "terminals t ON t.id = l.terminal_id WHERE l.customer_id = ? ORDER BY l.seq "
		       "DESC LIMIT ?",
		       &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, LEDGER_SHOWN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t earned = sqlite3_column_int64(st, 3),
			redeemed = sqlite3_column_int64(st, 4);

		json_array_append_new(
		    arr,
		    json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "orderId",
			      sqlite3_column_text(st, 0), "receipt", sqlite3_column_text(st, 1),
			      "terminal", sqlite3_column_text(st, 2), "earned", (json_int_t)earned,
			      "redeemed", (json_int_t)redeemed, "points",
			      (json_int_t)(earned - redeemed), "spend",
			      (json_int_t)sqlite3_column_int64(st, 5), "seq",
			      (json_int_t)sqlite3_column_int64(st, 6), "receivedAt",
			      (json_int_t)sqlite3_column_int64(st, 7)));
	}
	rc = db_check(db, rc, "read a customer's ledger");
	sqlite3_finalize(st);
	return rc;
}

static int alerts_json(sqlite3 *db, const char *id, json_t *arr)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"SELECT a.id, a.code, a.order_id, coalesce(t.short_code, a.terminal_id), "
			"a.balance, a.message, a.seq, a.at, a.resolved_at FROM loyalty_alerts a "
			"LEFT JOIN terminals t ON t.id = a.terminal_id WHERE a.customer_id = ? "
			"ORDER BY a.id",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *a = json_pack(
		    "{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:I}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "code", sqlite3_column_text(st, 1),
		    "orderId", sqlite3_column_text(st, 2), "terminal", sqlite3_column_text(st, 3),
		    "balance", (json_int_t)sqlite3_column_int64(st, 4), "message",
		    sqlite3_column_text(st, 5), "seq", (json_int_t)sqlite3_column_int64(st, 6),
		    "at", (json_int_t)sqlite3_column_int64(st, 7));

		if (a)
			json_object_set_new(a, "resolvedAt",
					    sqlite3_column_type(st, 8) == SQLITE_NULL
						? json_null()
						: json_integer(sqlite3_column_int64(st, 8)));
		json_array_append_new(arr, a);
	}
	rc = db_check(db, rc, "read a customer's alerts");
	sqlite3_finalize(st);
	return rc;
}

int customer_store_get(sqlite3 *db, const char *id, json_t **out)
{
	struct store_settings s;
	struct customer c;
	sqlite3_stmt *st = NULL;
	json_t *j = NULL, *ledger = json_array(), *alerts = json_array();
	int rc;

	*out = NULL;
	rc = ledger && alerts ? settings_store_load(db, &s) : -ENOMEM;
	if (rc == 0)
		rc = db_prepare(
		    db, "SELECT " CUSTOMER_COLS SUMMARY_COLS " FROM customers c WHERE id = ?", &st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		j = summary_json(st, &s, &c);
		rc = j ? SQLITE_DONE : SQLITE_NOMEM;
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		rc = -ENOENT;
		goto fail;
	}
	rc = db_check(db, rc, "read a customer");
	sqlite3_finalize(st);
	if (rc == 0)
		rc = ledger_json(db, id, ledger);
	if (rc == 0)
		rc = alerts_json(db, id, alerts);
	if (rc < 0)
		goto fail;
	json_object_set_new(j, "ledger", ledger);
	json_object_set_new(j, "alerts", alerts);
	*out = j;
	return 0;
fail:
	json_decref(j);
	json_decref(ledger);
	json_decref(alerts);
	return rc;
}
