/* SPDX-License-Identifier: MIT */
/*
 * Orders in term.db: this terminal's own and the mirror of the others',
 * each stored as the order document (docs/protocol.md, "The order") and as
 * rows (orders, order_lines, payments) for lookups and exports. Functions
 * run inside the caller's transaction where one is open.
 */
#ifndef TILLNET_TERM_ORDERS_H
#define TILLNET_TERM_ORDERS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

struct term_order_row {
	const char *id;
	const char *origin; /* the terminal that created it */
	const char *owner;  /* the terminal that may write it */
	int64_t rev;
	int released;
	const char *sync_state; /* pending, synced, parked, mirror */
	int64_t hub_seq;	/* 0: not known to the hub yet */
	int64_t hub_at;
	json_t *doc; /* the order document, not consumed */
};

/* term_orders_save: insert or replace the order and its lines and payments. */
int term_orders_save(sqlite3 *db, const struct term_order_row *o);

/*
 * term_orders_load: the order `id`: its doc (caller json_decref's), owner and
 * rev. -ENOENT if this terminal does not know it.
 */
int term_orders_load(sqlite3 *db, const char *id, json_t **doc, char owner[40], int64_t *rev,
		     char status[16], int *released);

/* term_orders_set_sync: the order's sync state (and hub sequence when not 0). */
int term_orders_set_sync(sqlite3 *db, const char *id, const char *state, int64_t hub_seq);

/*
 * term_orders_export: every order as one JSON object per line (jsonl):
 * id, origin, owner, receipt, status, lines, payments, total, taxTotal,
 * createdAt (device), hubAt (hub), hubSeq, syncState.
 */
int term_orders_export(sqlite3 *db, FILE *out);

#endif
