/* SPDX-License-Identifier: MIT */
/*
 * The catalog in hub.db: importing a parsed CSV as a new catalog version with
 * its catalog.put events, and reading the catalog for terminals and people.
 * Functions run on the caller's thread with the caller's connection.
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
	size_t changed;	 /* name, barcode, price or tax rate differ */
	size_t unchanged;
	size_t events; /* catalog.put events appended (0 when nothing changed) */
};

/*
 * catalog_store_import: store `cat` (from catalog_parse, with no errors; else
 * -EINVAL) in one transaction that the function opens (BEGIN IMMEDIATE: the
 * caller must have none open). New and changed items get the next catalog
 * version (meta 'catalog_version') and are announced in catalog.put events
 * made at `now` (ms), at most CATALOG_STORE_EVENT_ITEMS items each. Items the
 * file does not list stay: a terminal may still sell them. When nothing
 * changed, nothing is written and res->version is the current version.
 * Returns 0, -EBUSY (another writer held the database past the busy
 * timeout), -EPROTO (a meta value this program cannot read), -ENOMEM or -EIO;
 * SQLite's messages are logged.
 */
int catalog_store_import(sqlite3 *db, const struct catalog *cat, int64_t now,
			 struct catalog_import_result *res);

/* catalog_store_version: the current catalog version, 0 before the first import. */
int catalog_store_version(sqlite3 *db, int64_t *version);

/* catalog_store_has: 1 if the catalog holds `sku`, 0 if not, or a negative errno. */
int catalog_store_has(sqlite3 *db, const char *sku);

/*
 * catalog_store_snapshot: the whole catalog, ordered by sku, as a JSON array
 * of items in the wire form (docs/protocol.md: sku, name, barcode,
 * price, taxRate) and the catalog version it is, read consistently (inside a
 * savepoint, so it may run inside the caller's transaction). The caller
 * json_decref's *items. 0 or a negative errno; *items is NULL on failure.
 */
int catalog_store_snapshot(sqlite3 *db, json_t **items, int64_t *version);

/*
 * catalog_store_page: items `offset` .. `offset + limit - 1` in sku order
 * (the wire form, as catalog_store_snapshot), the catalog version and how
 * many items it holds, read consistently. The caller json_decref's *items.
 * 0 or a negative errno.
 */
int catalog_store_page(sqlite3 *db, int64_t offset, int limit, json_t **items, int64_t *version,
		       int64_t *total);

/*
 * catalog_store_get: one item in the wire form plus "version" (the catalog
 * version it last changed in) and "updatedAt" (ms). -ENOENT when the
 * catalog has no such sku. The caller json_decref's *item.
 */
int catalog_store_get(sqlite3 *db, const char *sku, json_t **item);

#endif
