/* SPDX-License-Identifier: MIT */
/*
 * The catalog in hub.db: importing a parsed CSV as a new catalog version with
 * its catalog.put events, removing and reactivating items, and reading the
 * catalog for terminals and people. Functions run on the caller's thread with
 * the caller's connection.
 *
 * A note on removal. An item is never deleted: orders that sold it point at
 * its sku, and a terminal that has not heard of the removal yet may still
 * sell it offline (that sale stands: the hub accepts a line for any sku its
 * catalog holds, active or not). Removing an item clears its `active` flag
 * in a new catalog version, and terminals refuse to ring it up once the
 * catalog.put event reaches them.
 */
#ifndef TILLNET_CATALOG_STORE_H
#define TILLNET_CATALOG_STORE_H

#include "catalog.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

/* Items in one catalog.put event at most; more changes make more events. */
#define CATALOG_STORE_EVENT_ITEMS 500

struct catalog_import_result {
	int64_t version; /* the catalog version after the import */
	size_t added;	 /* skus the catalog did not have */
	size_t changed;	 /* name, barcode, price, tax rate or active differ */
	size_t unchanged;
	size_t removed;	    /* of the changed: active before, not now */
	size_t reactivated; /* of the changed: removed before, active now */
	size_t events;	    /* catalog.put events appended (0 when nothing changed) */
};

/*
 * catalog_store_import: store `cat` (from catalog_parse, with no errors; else
 * -EINVAL) in one transaction that the function opens (BEGIN IMMEDIATE: the
 * caller must have none open). New and changed items get the next catalog
 * version (meta 'catalog_version') and are announced in catalog.put events
 * made at `now` (ms), at most CATALOG_STORE_EVENT_ITEMS items each. Items the
 * file does not list stay: a terminal may still sell them. An item whose
 * `active` is CATALOG_ACTIVE_KEEP keeps its flag (new items are active); each
 * item the import removes or reactivates is audited (catalog.remove,
 * catalog.reactivate) with `actor` in the same transaction. When nothing
 * changed, nothing is written and res->version is the current version.
 * Returns 0, -EBUSY (another writer held the database past the busy
 * timeout), -EPROTO (a meta value this program cannot read), -ENOMEM or -EIO;
 * SQLite's messages are logged.
 */
int catalog_store_import(sqlite3 *db, const struct catalog *cat, const char *actor, int64_t now,
			 struct catalog_import_result *res);

/*
 * catalog_store_set_active: remove (`active` 0) or reactivate (1) the item
 * `sku`, as catalog_store_import of that one item with its other fields as
 * stored: a new version, a catalog.put event, an audit entry by `actor`.
 * An item already so is left alone (res->unchanged is 1, nothing written).
 * -ENOENT when the catalog has no such sku; else as catalog_store_import.
 */
int catalog_store_set_active(sqlite3 *db, const char *sku, int active, const char *actor,
			     int64_t now, struct catalog_import_result *res);

/* catalog_store_version: the current catalog version, 0 before the first import. */
int catalog_store_version(sqlite3 *db, int64_t *version);

/*
 * catalog_store_has: 1 if the catalog holds `sku`, removed or not, 0 if
 * not, or a negative errno. A sale of a removed item that a terminal made
 * before it heard of the removal is accepted (see the note above).
 */
int catalog_store_has(sqlite3 *db, const char *sku);

/*
 * catalog_store_snapshot: the whole catalog, ordered by sku, as a JSON array
 * of items in the wire form (docs/protocol.md: sku, name, barcode,
 * price, taxRate, and "active": false for a removed item), removed items
 * included, and the catalog version it is, read consistently (inside a
 * savepoint, so it may run inside the caller's transaction). The caller
 * json_decref's *items. 0 or a negative errno; *items is NULL on failure.
 */
int catalog_store_snapshot(sqlite3 *db, json_t **items, int64_t *version);

/* The items catalog_store_page lists. */
enum catalog_store_filter { CATALOG_STORE_ALL, CATALOG_STORE_ACTIVE, CATALOG_STORE_REMOVED };

/*
 * catalog_store_page: items `offset` .. `offset + limit - 1` in sku order
 * among those `filter` selects (the wire form, as catalog_store_snapshot,
 * with "active" on every item),
 * the catalog version and how many items the filter selects, read
 * consistently. The caller json_decref's *items. 0 or a negative errno.
 */
int catalog_store_page(sqlite3 *db, enum catalog_store_filter filter, int64_t offset, int limit,
		       json_t **items, int64_t *version, int64_t *total);

/*
 * catalog_store_get: one item in the wire form plus "active" (always),
 * "version" (the catalog version it last changed in) and "updatedAt" (ms).
 * -ENOENT when the catalog has no such sku. The caller json_decref's *item.
 */
int catalog_store_get(sqlite3 *db, const char *sku, json_t **item);

#endif
