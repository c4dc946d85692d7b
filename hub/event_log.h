/* SPDX-License-Identifier: MIT */
/*
 * The store's event log in hub.db: every applied op and every hub-made change
 * (claims, catalog versions) gets the next hub sequence. Terminals read it
 * from their cursor, in order. Functions run on the caller's thread, inside
 * the caller's transaction where one is open.
 */
#ifndef TILLNET_EVENT_LOG_H
#define TILLNET_EVENT_LOG_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define EVENT_ORIGIN_HUB "hub"

/*
 * event_log_append: add `op` (an op object as in docs/protocol.md; not
 * consumed) made by `origin` (a terminal id or EVENT_ORIGIN_HUB) at hub time
 * `at`; *seq gets its sequence. Call inside a transaction.
 */
int event_log_append(sqlite3 *db, const char *origin, json_t *op, int64_t at, int64_t *seq);

/* event_log_head: the last sequence (0 for an empty log). */
int event_log_head(sqlite3 *db, int64_t *seq);

/*
 * event_log_page: the events after `after` up to `upto` (inclusive) not made
 * by `skip_origin` (NULL: none skipped), at most `max` of them and about
 * `max_bytes` of op text, as a JSON array of {seq, origin, at, op}. *last
 * gets the highest sequence the page covers: the last event returned, or
 * `upto` when the page holds everything up to it. Caller json_decref's.
 */
int event_log_page(sqlite3 *db, int64_t after, int64_t upto, const char *skip_origin, int max,
		   size_t max_bytes, json_t **events, int64_t *last);

/*
 * event_log_status_json: {"eventSeq": head, "terminals": [{"id", "shortCode",
 * "cursor", "cursorAt", "lag"}]}: each terminal's last reported cursor and
 * how many events (not its own) it still has to receive.
 */
int event_log_status_json(sqlite3 *db, json_t **out);

#endif
