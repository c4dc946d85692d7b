/* SPDX-License-Identifier: MIT */
/*
 * The upstream queue in hub.db (tables upstream_records and upstream_state,
 * docs/upstream.md): collecting records from the event log, choosing the
 * next batch, settling records from upstream's answers. Functions run on the
 * caller's thread (the hub's loop, or a CLI process) and open their own
 * transactions unless they say otherwise.
 */
#ifndef TILLNET_UPSTREAM_STORE_H
#define TILLNET_UPSTREAM_STORE_H

#include "upstream_proto.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Events the collector reads in one transaction. */
#define UPSTREAM_COLLECT_PAGE 500

/* A record to queue (upstream_store_add). Strings are not kept. */
struct upstream_new_record {
	const char *id;
	const char *kind; /* "sale", "void", ... */
	const char *terminal_id;
	const char *terminal; /* short code */
	const char *receipt;  /* NULL: null */
	int64_t sequence;     /* 0: null */
	int64_t device_at;
	int64_t hub_at;
	int64_t hub_seq;
	const char *depends_on; /* NULL: none */
	json_t *payload;	/* not consumed */
};

/*
 * upstream_store_add: queue a record as 'pending', its JSON built now, once.
 * A record id already queued is left as it is (*added 0). A payload holding
 * a real number is queued 'parked' (code "bad-record"): money never travels
 * as a real. Call inside a transaction.
 */
int upstream_store_add(sqlite3 *db, const struct upstream_new_record *r, int64_t now, int *added);

/*
 * upstream_store_collect: read at most `max_events` events after the
 * collector's cursor and queue a "sale" for each order.put of a completed
 * order, moving the cursor in the same transaction. *added gets the records
 * queued, *more 1 when events remain after this page.
 */
int upstream_store_collect(sqlite3 *db, int max_events, int64_t now, int *added, int *more);

/*
 * upstream_store_hold_orphans: park every pending record whose dependency
 * was voided (a refund of a sale the admin gave up): it can never go, and
 * waiting would hide it. Result "held", code "depends-on-voided", so that it
 * shows among the parked records and can be voided in turn. *held gets the
 * count. Call inside a transaction.
 */
int upstream_store_hold_orphans(sqlite3 *db, int64_t now, int *held);

/* One record of a batch. */
struct upstream_batch_item {
	char id[UPSTREAM_ID_MAX];
	char *record; /* the JSON as sent */
};

struct upstream_batch {
	size_t n;
	struct upstream_batch_item *items;
	int64_t oldest_created_at; /* of items[0]; 0 when n is 0 */
};

/*
 * upstream_store_next_batch: the first `max` pending records, in queue
 * order, whose dependency (if any) is forwarded or accepted-conflict. Free
 * with upstream_batch_clear.
 */
int upstream_store_next_batch(sqlite3 *db, size_t max, struct upstream_batch *b);
void upstream_batch_clear(struct upstream_batch *b);

/*
 * upstream_store_mark_sent: the batch is on its way: attempts + 1 for each
 * record; upstream_state shows it in flight (`batch_id`, count). The
 * records stay 'pending': in flight lives only until an answer or a crash.
 */
int upstream_store_mark_sent(sqlite3 *db, const struct upstream_batch *b, const char *batch_id,
			     int64_t now);

/*
 * upstream_store_settle: apply a 200's results to the batch in one
 * transaction: accepted/duplicate -> forwarded (with the ref),
 * rejected/conflict -> parked (code, message, ref). Only records still
 * 'pending' change. A record of the batch without a result stays pending
 * (counted in *unanswered); a result for an id not in the batch is logged
 * and ignored. Records last_success_at and clears in flight.
 */
int upstream_store_settle(sqlite3 *db, const struct upstream_batch *b,
			  const struct upstream_result *res, size_t n, int64_t now,
			  size_t *unanswered);

/*
 * upstream_store_park_batch: park every record of the batch with `code`
 * (e.g. "http-422") and `message`, in one transaction; clears in flight.
 */
int upstream_store_park_batch(sqlite3 *db, const struct upstream_batch *b, const char *code,
			      const char *message, int64_t now);

/*
 * upstream_store_note_error: a transient failure: remember it for status
 * (code, message, when, the next attempt) and clear in flight.
 */
int upstream_store_note_error(sqlite3 *db, const char *code, const char *message, int64_t now,
			      int64_t next_attempt_at);

/*
 * upstream_store_started: the running hub's forwarder starts (or stops,
 * url NULL): nothing is in flight; status shows `url`.
 */
int upstream_store_started(sqlite3 *db, const char *url);

#endif
