/* SPDX-License-Identifier: MIT */
/*
 * Reading the store's orders and the ops the hub refused from hub.db, for
 * `tillnet-hub orders export`, `tillnet-hub conflicts` and the admin API
 * (GET /api/v1/orders, /api/v1/attention). One order's JSON form is the
 * export's, so the CLI and the API never disagree. Runs on the caller's
 * thread with the caller's connection; nothing here writes.
 */
#ifndef TILLNET_ORDERS_STORE_H
#define TILLNET_ORDERS_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* The most orders one page of orders_store_list holds. */
#define ORDERS_STORE_PAGE_MAX 500

/*
 * What orders_store_list selects; NULL or 0 members do not filter. Times are
 * the device's createdAt (the time on the receipt), in ms, `from` inclusive
 * and `to` exclusive.
 */
struct orders_filter {
	const char *terminal_id; /* the origin terminal (an id, not a short code) */
	const char *status;	 /* "completed", "open", "parked", ... */
	const char *receipt;	 /* exactly this receipt number */
	int64_t from, to;
	int64_t offset;
	int limit; /* 1 .. ORDERS_STORE_PAGE_MAX */
};

/*
 * orders_store_export: every order, ordered by origin and receipt sequence,
 * to `out` as JSON lines (the order objects below) or, with `csv`, as CSV
 * rows without lines and payments. 0, -ENOMEM, -EIO.
 */
int orders_store_export(sqlite3 *db, FILE *out, int csv);

/*
 * orders_store_list: a page of orders matching `f`, oldest createdAt first,
 * as an array of the export's objects (with lines and payments), and how
 * many match in all. Caller json_decref's *orders. 0, -ENOMEM, -EIO.
 */
int orders_store_list(sqlite3 *db, const struct orders_filter *f, json_t **orders, int64_t *total);

/*
 * orders_store_get: one order by id as the export's object plus "upstream":
 * {"state", "code", "message", "ref"} of its upstream record, or null when
 * it has none. -ENOENT when the hub holds no such order.
 */
int orders_store_get(sqlite3 *db, const char *id, json_t **order);

/*
 * orders_store_refused: the ops the hub refused (conflicts and rejections),
 * oldest first, as {"opId", "terminalId", "terminalCode", "orderId",
 * "result", "code", "field", "message", "op", "stored", "at"}. Caller
 * json_decref's. 0, -ENOMEM, -EIO.
 */
int orders_store_refused(sqlite3 *db, json_t **out);

#endif
