// SPDX-License-Identifier: MIT
/* Applying the hub's events and snapshots to term.db (see mirror.h). */
#include "mirror.h"
#include "customers.h"
#include "db.h"
#include "log.h"
#include "order_effects.h"
#include "orders.h"
#include "proto_sync.h"
#include "stock.h"
#include "term_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static int64_t num(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* One catalog item; one without "active" (from a hub before removal existed) is active. */
static int put_item(sqlite3 *db, json_t *item)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT OR REPLACE INTO catalog(sku, name, barcode, price, tax_rate, "
			"active) VALUES (?, ?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, str(item, "sku"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, str(item, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, str(item, "barcode"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, num(item, "price"));
	sqlite3_bind_int64(st, 5, num(item, "taxRate"));
	sqlite3_bind_int(st, 6, !json_is_false(json_object_get(item, "active")));
	rc = db_check(db, sqlite3_step(st), "store a catalog item");
	sqlite3_finalize(st);
	return rc;
}

static int put_catalog(sqlite3 *db, json_t *payload)
{
	json_t *item;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(payload, "items"), i, item)
	{
		rc = put_item(db, item);
		if (rc < 0)
			return rc;
	}
	return term_db_set_int(db, TERM_META_CATALOG_VERSION, num(payload, "version"));
}

/* Another terminal's version of an order, newer than ours: take it. */
static int put_order(sqlite3 *db, const char *writer, json_t *op, int64_t seq, int64_t at,
		     int released)
{
	struct term_order_row row = {0};
	char owner[40], status[16];
	int64_t rev = 0;
	json_t *doc = NULL;
	int rc, rc2, was_released;

	rc = term_orders_load(db, str(op, "entityId"), &doc, owner, &rev, status, &was_released);
	json_decref(doc);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 && num(op, "rev") <= rev)
		return 0;
	row.id = str(op, "entityId");
	row.origin = writer;
	row.owner = writer;
	row.rev = num(op, "rev");
	row.released = released;
	row.sync_state = "mirror";
	row.hub_seq = seq;
	row.hub_at = at;
	row.doc = json_object_get(op, "payload");
	rc2 = term_orders_save(db, &row);
	/* Its effects once, when it first arrives completed (a completed record is final). */
	if (rc2 == 0 && strcmp(rc == 0 ? status : "", "completed") != 0 &&
	    strcmp(str(row.doc, "status"), "completed") == 0)
		rc2 = term_order_effects(db, writer, row.id, row.doc);
	return rc2;
}

static int release_order(sqlite3 *db, json_t *op, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE orders SET released = 1, status = 'parked', rev = ?, hub_seq = ?, "
			"doc = json_set(doc, '$.status', 'parked') WHERE id = ? AND rev < ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, num(op, "rev"));
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, str(op, "entityId"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, num(op, "rev"));
	rc = db_check(db, sqlite3_step(st), "release a mirrored order");
	sqlite3_finalize(st);
	return rc;
}

static int set_owner(sqlite3 *db, const char *self, json_t *op, int64_t seq)
{
	json_t *payload = json_object_get(op, "payload");
	const char *owner = str(payload, "owner");
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"UPDATE orders SET owner = ?, released = 0, hub_seq = ?, sync_state = CASE "
			"WHEN ? THEN sync_state ELSE 'mirror' END WHERE id = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int(st, 3, strcmp(owner, self) == 0);
	sqlite3_bind_text(st, 4, str(op, "entityId"), -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "change an order's owner");
	sqlite3_finalize(st);
	if (rc == 0 && strcmp(str(payload, "previousOwner"), self) == 0)
		log_warn("sync: order %s now belongs to %s%s; this terminal's further changes to "
			 "it will be refused",
			 str(op, "entityId"), owner,
			 json_is_true(json_object_get(payload, "forced")) ? " (forced at the hub)"
									  : "");
	return rc;
}

static int put_staff(sqlite3 *db, json_t *s)
{
	sqlite3_stmt *st = NULL;
	json_t *pin = json_object_get(s, "pin");
	int rc;

	rc =
	    db_prepare(db,
		       "INSERT OR REPLACE INTO staff(id, name, role, pin, active) VALUES (?, ?, ?, "
		       "?, ?)",
		       &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, str(s, "id"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, str(s, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, str(s, "role"), -1, SQLITE_STATIC);
	if (json_is_string(pin))
		sqlite3_bind_text(st, 4, json_string_value(pin), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, json_is_true(json_object_get(s, "active")));
	rc = db_check(db, sqlite3_step(st), "store a staff member");
	sqlite3_finalize(st);
	return rc;
}

static int put_role(sqlite3 *db, json_t *r)
{
	sqlite3_stmt *st = NULL;
	char *perms = json_dumps(json_object_get(r, "permissions"), JSON_COMPACT | JSON_ENCODE_ANY);
	int rc;

	if (!perms)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "INSERT OR REPLACE INTO roles(name, permissions, discount_ceiling) VALUES (?, "
	    "?, ?)",
	    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, str(r, "name"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, perms, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, num(r, "discountCeiling"));
		rc = db_check(db, sqlite3_step(st), "store a role");
	}
	sqlite3_finalize(st);
	free(perms);
	return rc;
}

/* staff.put / role.put: one staff member or role, and the people version. */
static int put_people(sqlite3 *db, json_t *payload, int staff)
{
	int rc = staff ? put_staff(db, json_object_get(payload, "staff"))
		       : put_role(db, json_object_get(payload, "role"));

	if (rc == 0)
		rc = term_db_set_int(db, TERM_META_PEOPLE_VERSION, num(payload, "version"));
	return rc;
}

/* A snapshot's staff and roles (its first part) replace the copies. */
static int replace_people(sqlite3 *db, json_t *part)
{
	json_t *v;
	size_t i;
	int rc;

	if (!json_is_array(json_object_get(part, "staff")))
		return 0; /* a hub from before staff existed, or a later part */
	rc = db_exec(db, "DELETE FROM staff; DELETE FROM roles");
	json_array_foreach(json_object_get(part, "staff"), i, v) if (rc == 0) rc = put_staff(db, v);
	json_array_foreach(json_object_get(part, "roles"), i, v) if (rc == 0) rc = put_role(db, v);
	if (rc == 0)
		rc = term_db_set_int(db, TERM_META_PEOPLE_VERSION, num(part, "peopleVersion"));
	return rc;
}

static int apply_event(sqlite3 *db, const char *self, json_t *ev)
{
	json_t *op = json_object_get(ev, "op");
	const char *kind = str(op, "kind"), *origin = str(ev, "origin");
	int64_t seq = num(ev, "seq"), at = num(ev, "at");

	if (strcmp(kind, PROTO_OP_CATALOG_PUT) == 0)
		return put_catalog(db, json_object_get(op, "payload"));
	if (strcmp(kind, PROTO_OP_SETTINGS_PUT) == 0)
		return term_db_put_settings(db, json_object_get(op, "payload"));
	if (strcmp(kind, PROTO_OP_STAFF_PUT) == 0 || strcmp(kind, PROTO_OP_ROLE_PUT) == 0)
		return put_people(db, json_object_get(op, "payload"),
				  strcmp(kind, PROTO_OP_STAFF_PUT) == 0);
	if (strcmp(kind, PROTO_OP_ORDER_CLAIM) == 0)
		return set_owner(db, self, op, seq);
	if (strcmp(origin, self) == 0)
		return 0; /* our own op: we have it */
	if (strcmp(kind, PROTO_OP_JOURNAL_APPEND) == 0)
		return 0; /* another terminal's journal: the hub keeps it, a terminal has no use */
	if (strcmp(kind, PROTO_OP_CASH_PUT) == 0)
		return 0; /* another terminal's drawer: the hub keeps its sessions */
	if (strcmp(kind, PROTO_OP_ORDER_PUT) == 0)
		return put_order(db, origin, op, seq, at, 0);
	if (strcmp(kind, PROTO_OP_ORDER_RELEASE) == 0)
		return release_order(db, op, seq);
	if (strcmp(kind, PROTO_OP_CUSTOMER_PUT) == 0)
		return customers_apply_event(db, origin, op);
	if (strcmp(kind, PROTO_OP_STOCK_MOVE) == 0 || strcmp(kind, PROTO_OP_STOCK_THRESHOLD) == 0)
		return term_stock_apply_event(db, origin, op, seq);
	log_warn("sync: event %lld has an op kind this terminal does not know: \"%s\"",
		 (long long)seq, kind);
	return 0;
}

int mirror_apply_events(sqlite3 *db, const char *self, json_t *events, int64_t up_to,
			int64_t *cursor)
{
	json_t *ev;
	size_t i;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = term_db_get_int(db, TERM_META_CURSOR, cursor);
	json_array_foreach(events, i, ev)
	{
		if (rc < 0)
			break;
		if (num(ev, "seq") <= *cursor)
			continue;
		rc = apply_event(db, self, ev);
	}
	if (rc == 0 && up_to > *cursor) {
		rc = term_db_set_int(db, TERM_META_CURSOR, up_to);
		*cursor = up_to;
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int mirror_apply_snapshot(sqlite3 *db, const char *self, json_t *parts, int64_t seq)
{
	json_t *part, *item, *o;
	size_t i, j;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = db_exec(db, "DELETE FROM catalog");
	if (rc == 0)
		rc = customers_snapshot_begin(db, self);
	json_array_foreach(parts, i, part)
	{
		json_array_foreach(json_object_get(part, "customers"), j, item)
		{
			if (rc == 0)
				rc = customers_snapshot_put(db, self, item);
		}
		if (rc == 0)
			rc = replace_people(db, part);
		if (rc == 0 && json_is_object(json_object_get(part, "settings")))
			rc = term_db_put_settings(db, json_object_get(part, "settings"));
		json_array_foreach(json_object_get(part, "catalog"), j, item)
		{
			if (rc == 0)
				rc = put_item(db, item);
		}
		json_array_foreach(json_object_get(part, "orders"), j, o)
		{
			struct term_order_row row = {0};

			if (rc < 0 || strcmp(str(o, "owner"), self) == 0)
				continue; /* our own orders: ours is the truth */
			row.id = str(o, "id");
			row.origin = str(o, "owner");
			row.owner = str(o, "owner");
			row.rev = num(o, "rev");
			row.released = json_is_true(json_object_get(o, "released"));
			row.sync_state = "mirror";
			row.hub_seq = seq;
			row.doc = json_object_get(o, "order");
			if (json_is_object(row.doc))
				rc = term_orders_save(db, &row);
		}
		if (rc == 0 && json_is_true(json_object_get(part, "last")))
			rc = term_db_set_int(db, TERM_META_CATALOG_VERSION,
					     num(part, "catalogVersion"));
	}
	if (rc == 0)
		rc = term_stock_apply_snapshot(db, self, parts);
	if (rc == 0)
		rc = term_db_set_int(db, TERM_META_CURSOR, seq);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

int mirror_apply_claim(sqlite3 *db, const char *self, json_t *answer)
{
	const char *result = str(answer, "result");
	json_t *order = json_object_get(answer, "order");
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"UPDATE claims SET state = ?, code = ?, message = ?, answered_at = ? WHERE "
			"request_id = ?",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, strcmp(result, "claimed") == 0 ? "claimed" : "refused", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, str(answer, "code"), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, str(answer, "message"), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, db_now_ms());
		sqlite3_bind_text(st, 5, str(answer, "requestId"), -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "record a claim's answer");
	}
	sqlite3_finalize(st);
	if (rc == 0 && strcmp(result, "claimed") == 0 && json_is_object(order)) {
		struct term_order_row row = {0};

		row.id = str(answer, "orderId");
		row.origin = self; /* kept as it was when the order is known here */
		row.owner = self;
		row.rev = num(answer, "rev");
		row.sync_state = "synced";
		row.doc = order;
		rc = term_orders_save(db, &row);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}
