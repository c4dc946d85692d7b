// SPDX-License-Identifier: MIT
/*
 * The catalog in hub.db (see catalog_store.h): table catalog, meta key
 * 'catalog_version', and the catalog.put events terminals learn it from.
 */
#include "catalog_store.h"
#include "audit.h"
#include "db.h"
#include "event_log.h"
#include "log.h"
#include "uuid.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_VERSION_KEY "catalog_version"

/* What an item of the file is to the stored catalog. */
enum item_change { ITEM_UNCHANGED, ITEM_ADDED, ITEM_CHANGED };

struct item_state {
	enum item_change change;
	int active;	/* as it will be stored */
	int was_active; /* as it was; -1 for a new item */
};

/*
 * The wire form of an item (docs/protocol.md, "A catalog item"). "active"
 * is written only when false: absent means true, as from hubs before
 * removal existed, so a catalog with nothing removed travels as before.
 * People's views (the admin API) always show it: `explicit`.
 */
static json_t *item_json(const char *sku, const char *name, const char *barcode, int64_t price,
			 int tax_rate, int active, int explicit)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:i}", "sku", sku, "name", name, "barcode",
			      barcode, "price", (json_int_t)price, "taxRate", tax_rate);

	if (o && (!active || explicit) &&
	    json_object_set_new(o, "active", json_boolean(active)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The version is integer text; anything else was not written by tillnet. */
static int parse_version(const char *text, int64_t *version)
{
	int64_t v = 0;
	const char *p = text;

	if (!*p)
		return -EPROTO;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return -EPROTO;
		v = v * 10 + (*p - '0');
	}
	*version = v;
	return 0;
}

int catalog_store_version(sqlite3 *db, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	rc = db_prepare(db, "SELECT value FROM meta WHERE key = '" CATALOG_VERSION_KEY "'", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);

		if (parse_version(text ? text : "", version) < 0) {
			log_error("hub.db: meta %s is \"%s\", not a version number",
				  CATALOG_VERSION_KEY, text ? text : "");
			rc = -EPROTO;
			goto out;
		}
	}
	rc = db_check(db, rc, "read the catalog version");
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * classify: compare each item of the file with the stored one. An item
 * that does not say whether it is active keeps its flag (new ones: active).
 */
static int classify(sqlite3 *db, const struct catalog *cat, struct item_state *state,
		    struct catalog_import_result *res)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(
	    db, "SELECT name, barcode, price, tax_rate, active FROM catalog WHERE sku = ?", &st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cat->n_items; i++) {
		const struct catalog_item *item = &cat->items[i];
		struct item_state *s = &state[i];

		sqlite3_bind_text(st, 1, item->sku, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE) {
			s->change = ITEM_ADDED;
			s->was_active = -1;
			s->active = item->active == CATALOG_ACTIVE_KEEP ? 1 : item->active;
			res->added++;
		} else if (rc == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);
			const char *barcode = (const char *)sqlite3_column_text(st, 1);

			s->was_active = sqlite3_column_int(st, 4) != 0;
			s->active =
			    item->active == CATALOG_ACTIVE_KEEP ? s->was_active : item->active;
			if (!name || strcmp(name, item->name) != 0 || !barcode ||
			    strcmp(barcode, item->barcode) != 0 ||
			    sqlite3_column_int64(st, 2) != item->price ||
			    sqlite3_column_int64(st, 3) != item->tax_rate ||
			    s->active != s->was_active) {
				s->change = ITEM_CHANGED;
				res->changed++;
				if (s->active && !s->was_active)
					res->reactivated++;
				else if (!s->active && s->was_active)
					res->removed++;
			} else {
				s->change = ITEM_UNCHANGED;
				res->unchanged++;
			}
		} else {
			rc = db_check(db, rc, "read the catalog");
			goto out;
		}
		sqlite3_reset(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int write_items(sqlite3 *db, const struct catalog *cat, const struct item_state *state,
		       int64_t version, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO catalog(sku, name, barcode, price, tax_rate, version, "
			"updated_at, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sku) DO "
			"UPDATE SET name = excluded.name, barcode = excluded.barcode, "
			"price = excluded.price, tax_rate = excluded.tax_rate, "
			"version = excluded.version, updated_at = excluded.updated_at, "
			"active = excluded.active",
			&st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cat->n_items && rc == 0; i++) {
		const struct catalog_item *item = &cat->items[i];

		if (state[i].change == ITEM_UNCHANGED)
			continue;
		sqlite3_bind_text(st, 1, item->sku, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, item->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, item->barcode, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, item->price);
		sqlite3_bind_int(st, 5, item->tax_rate);
		sqlite3_bind_int64(st, 6, version);
		sqlite3_bind_int64(st, 7, now);
		sqlite3_bind_int(st, 8, state[i].active);
		rc = db_check(db, sqlite3_step(st), "store a catalog item");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

/* append_event: one catalog.put event for `items` (consumed). */
static int append_event(sqlite3 *db, json_t *items, int64_t version, int64_t now)
{
	json_t *payload = json_pack("{s:I, s:o}", "version", (json_int_t)version, "items", items);

	if (!payload)
		return -ENOMEM;
	return event_log_append_hub(db, "catalog.put", "catalog", "catalog", version, payload, now,
				    NULL);
}

/* append_events: the new and changed items, in file order, in events of at most 500. */
static int append_events(sqlite3 *db, const struct catalog *cat, const struct item_state *state,
			 int64_t version, int64_t now, size_t *events)
{
	json_t *items = NULL;
	int rc = 0;

	for (size_t i = 0; i < cat->n_items; i++) {
		const struct catalog_item *item = &cat->items[i];

		if (state[i].change == ITEM_UNCHANGED)
			continue;
		if (!items)
			items = json_array();
		if (!items ||
		    json_array_append_new(items, item_json(item->sku, item->name, item->barcode,
							   item->price, item->tax_rate,
							   state[i].active, 0)) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
		if (json_array_size(items) == CATALOG_STORE_EVENT_ITEMS) {
			rc = append_event(db, items, version, now);
			items = NULL;
			if (rc < 0)
				goto fail;
			(*events)++;
		}
	}
	if (items) {
		rc = append_event(db, items, version, now);
		items = NULL;
		if (rc < 0)
			goto fail;
		(*events)++;
	}
	return 0;
fail:
	json_decref(items);
	return rc;
}

static int write_version(sqlite3 *db, int64_t version)
{
	sqlite3_stmt *st = NULL;
	char text[24];
	int rc;

	rc = db_prepare(db,
			"INSERT INTO meta(key, value) VALUES ('" CATALOG_VERSION_KEY "', ?) "
			"ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			&st);
	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "%lld", (long long)version);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "store the catalog version");
	sqlite3_finalize(st);
	return rc;
}

/* audit_activity: catalog.remove / catalog.reactivate for each item whose flag changed. */
static int audit_activity(sqlite3 *db, const struct catalog *cat, const struct item_state *state,
			  const char *actor, int64_t version, int64_t now)
{
	int rc = 0;

	for (size_t i = 0; i < cat->n_items && rc == 0; i++) {
		const struct item_state *s = &state[i];
		json_t *detail;

		if (s->change != ITEM_CHANGED || s->active == s->was_active)
			continue;
		detail = json_pack("{s:s, s:I}", "name", cat->items[i].name, "version",
				   (json_int_t)version);
		rc = detail ? audit_append(db, actor ? actor : AUDIT_ACTOR_HUB,
					   s->active ? "catalog.reactivate" : "catalog.remove",
					   cat->items[i].sku, detail, now)
			    : -ENOMEM;
		json_decref(detail);
	}
	return rc;
}

/* import_in: catalog_store_import's work, inside the caller's transaction. */
static int import_in(sqlite3 *db, const struct catalog *cat, const char *actor, int64_t now,
		     struct catalog_import_result *res)
{
	struct item_state *state;
	int64_t version = 0;
	int rc;

	state = calloc(cat->n_items ? cat->n_items : 1, sizeof(*state));
	if (!state)
		return -ENOMEM;
	rc = catalog_store_version(db, &version);
	if (rc == 0)
		rc = classify(db, cat, state, res);
	if (rc < 0 || res->added + res->changed == 0)
		goto out; /* nothing changed: no new version, no event */
	version++;
	rc = write_items(db, cat, state, version, now);
	if (rc == 0)
		rc = append_events(db, cat, state, version, now, &res->events);
	if (rc == 0)
		rc = write_version(db, version);
	if (rc == 0)
		rc = audit_activity(db, cat, state, actor, version, now);
out:
	res->version = version;
	free(state);
	return rc;
}

/* finish: commit after `rc` 0, else roll back (and then no event was made). */
static int finish(sqlite3 *db, int rc, struct catalog_import_result *res)
{
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		db_exec(db, "ROLLBACK");
		res->events = 0;
	}
	return rc;
}

int catalog_store_import(sqlite3 *db, const struct catalog *cat, const char *actor, int64_t now,
			 struct catalog_import_result *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if (cat->n_errors > 0)
		return -EINVAL;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	return finish(db, import_in(db, cat, actor, now, res), res);
}

/* read_item: the stored item `sku` as a row of a file gives it. 0, -ENOENT or -EIO. */
static int read_item(sqlite3 *db, const char *sku, struct catalog_item *item)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(item, 0, sizeof(*item));
	rc = db_prepare(db, "SELECT sku, name, barcode, price, tax_rate FROM catalog WHERE sku = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(item->sku, sizeof(item->sku), "%s", sqlite3_column_text(st, 0));
		snprintf(item->name, sizeof(item->name), "%s", sqlite3_column_text(st, 1));
		snprintf(item->barcode, sizeof(item->barcode), "%s", sqlite3_column_text(st, 2));
		item->price = sqlite3_column_int64(st, 3);
		item->tax_rate = sqlite3_column_int(st, 4);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read a catalog item");
	}
	sqlite3_finalize(st);
	return rc;
}

int catalog_store_set_active(sqlite3 *db, const char *sku, int active, const char *actor,
			     int64_t now, struct catalog_import_result *res)
{
	struct catalog_item item;
	struct catalog *cat;
	int rc;

	memset(res, 0, sizeof(*res));
	/* On the heap: a catalog carries room for its error messages. */
	cat = calloc(1, sizeof(*cat));
	if (!cat)
		return -ENOMEM;
	cat->items = &item;
	cat->n_items = cat->items_cap = 1;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto out;
	rc = read_item(db, sku, &item);
	item.active = active ? 1 : 0;
	if (rc == 0)
		rc = import_in(db, cat, actor, now, res);
	rc = finish(db, rc, res);
out:
	free(cat);
	return rc;
}

int catalog_store_has(sqlite3 *db, const char *sku)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "SELECT 1 FROM catalog WHERE sku = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = 1;
	else if (rc == SQLITE_DONE)
		rc = 0;
	else
		rc = db_check(db, rc, "look up a sku");
	db_done(st);
	return rc;
}

/* read_items: `limit` items from `offset` in sku order (-1: all of them). */
static int read_items(sqlite3 *db, enum catalog_store_filter filter, int explicit, json_t *items,
		      int64_t offset, int limit)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"SELECT sku, name, barcode, price, tax_rate, active FROM catalog WHERE "
			"?3 = 0 OR active = (?3 = 1) ORDER BY sku LIMIT ?1 OFFSET ?2",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(st, 1, limit);
	sqlite3_bind_int64(st, 2, offset);
	sqlite3_bind_int(st, 3, (int)filter);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sku = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *barcode = (const char *)sqlite3_column_text(st, 2);
		json_t *item;

		item = item_json(sku ? sku : "", name ? name : "", barcode ? barcode : "",
				 sqlite3_column_int64(st, 3), sqlite3_column_int(st, 4),
				 sqlite3_column_int(st, 5) != 0, explicit);
		if (!item) {
			/* Only a row not written by catalog_store_import: not UTF-8. */
			log_error("hub.db: catalog item \"%s\" is not valid UTF-8", sku ? sku : "");
			rc = -EPROTO;
			goto out;
		}
		if (json_array_append_new(items, item) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = db_check(db, rc, "read the catalog");
out:
	sqlite3_finalize(st);
	return rc;
}

int catalog_store_snapshot(sqlite3 *db, json_t **items, int64_t *version)
{
	json_t *arr;
	int rc;

	*items = NULL;
	*version = 0;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	/* A savepoint reads version and items from one state, in a transaction or not. */
	rc = db_exec(db, "SAVEPOINT catalog_snapshot");
	if (rc < 0)
		goto fail;
	rc = catalog_store_version(db, version);
	if (rc == 0)
		rc = read_items(db, CATALOG_STORE_ALL, 0, arr, 0, -1);
	if (rc < 0) {
		db_exec(db, "ROLLBACK TO catalog_snapshot");
		db_exec(db, "RELEASE catalog_snapshot");
		goto fail;
	}
	rc = db_exec(db, "RELEASE catalog_snapshot");
	if (rc < 0)
		goto fail;
	*items = arr;
	return 0;
fail:
	*version = 0;
	json_decref(arr);
	return rc;
}

static int count_items(sqlite3 *db, enum catalog_store_filter filter, int64_t *total)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT count(*) FROM catalog WHERE ?1 = 0 OR active = (?1 = 1)", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int(st, 1, (int)filter);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*total = sqlite3_column_int64(st, 0);
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "count the catalog");
	sqlite3_finalize(st);
	return rc;
}

int catalog_store_page(sqlite3 *db, enum catalog_store_filter filter, int64_t offset, int limit,
		       json_t **items, int64_t *version, int64_t *total)
{
	json_t *arr;
	int rc;

	*items = NULL;
	*version = 0;
	*total = 0;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	rc = db_exec(db, "SAVEPOINT catalog_page");
	if (rc < 0)
		goto fail;
	rc = catalog_store_version(db, version);
	if (rc == 0)
		rc = count_items(db, filter, total);
	if (rc == 0)
		rc = read_items(db, filter, 1, arr, offset, limit);
	if (rc < 0)
		db_exec(db, "ROLLBACK TO catalog_page");
	if (db_exec(db, "RELEASE catalog_page") < 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		goto fail;
	*items = arr;
	return 0;
fail:
	json_decref(arr);
	return rc;
}

int catalog_store_get(sqlite3 *db, const char *sku, json_t **item)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	int rc;

	*item = NULL;
	rc = db_prepare(db,
			"SELECT sku, name, barcode, price, tax_rate, version, updated_at, active "
			"FROM catalog WHERE sku = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = -ENOENT;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = db_check(db, rc, "read a catalog item");
		goto out;
	}
	o = item_json((const char *)sqlite3_column_text(st, 0),
		      (const char *)sqlite3_column_text(st, 1),
		      (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
		      sqlite3_column_int(st, 4), sqlite3_column_int(st, 7) != 0, 1);
	if (!o ||
	    json_object_set_new(o, "version", json_integer(sqlite3_column_int64(st, 5))) < 0 ||
	    json_object_set_new(o, "updatedAt", json_integer(sqlite3_column_int64(st, 6))) < 0) {
		json_decref(o);
		o = NULL;
		rc = -ENOMEM;
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	*item = o;
	return rc;
}
