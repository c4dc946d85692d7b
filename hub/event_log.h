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
#include <stddef.h>
#include <stdint.h>

#define EVENT_ORIGIN_HUB "hub"

/*
 * event_log_append: add `op` (an op object as in docs/protocol.md; not
 * consumed) made by `origin` (a terminal id or EVENT_ORIGIN_HUB) at hub time
 * `at`; *seq gets its sequence. Call inside a transaction.
 */
int event_log_append(sqlite3 *db, const char *origin, json_t *op, int64_t at, int64_t *seq);

/*
 * event_log_append_hub: a change the hub itself makes (a catalog version,
 * new settings, a stock movement): an op of `kind` on `entity`/`entity_id`
 * at revision `rev` with `payload` (consumed), under a fresh op id, made
 * at `at`; *seq (may be NULL) gets its sequence. Inside a transaction.
 */
int event_log_append_hub(sqlite3 *db, const char *kind, const char *entity, const char *entity_id,
			 int64_t rev, json_t *payload, int64_t at, int64_t *seq);

/* event_log_head: the last sequence (0 for an empty log). */
int event_log_head(sqlite3 *db, int64_t *seq);

/*
 * An `events` message (docs/protocol.md) being built as text, with
 * `headroom` unused bytes in front of it for the WebSocket framing: begin,
 * add each event's element text, end with its upTo; the text is then
 * buf + headroom, len bytes. The buffer is malloc'd; free(buf) when done.
 */
struct event_page {
	unsigned char *buf;
	size_t len, cap, headroom;
	int n; /* events added */
};

int event_page_begin(struct event_page *p, size_t headroom, size_t hint);
int event_page_add(struct event_page *p, const char *text, size_t len);
void event_page_end(struct event_page *p, int64_t upto);

/*
 * event_log_encode: the element text of one event,
 * {"seq":…,"origin":…,"at":…,"op":OP} with the stored op text as it is
 * (it was written by event_log_append: valid JSON). malloc'd; *len its length.
 */
char *event_log_encode(int64_t seq, const char *origin, int64_t at, const char *op, size_t *len);

/*
 * event_log_page: add to `page` the events after `after` up to `upto`
 * (inclusive) not made by `skip_origin` (NULL: none skipped), at most `max`
 * of them and until the page holds about `max_bytes`. *last gets the highest
 * sequence the page covers: the last event added, or `upto` when the page
 * holds everything up to it. 0, -ENOMEM or -EIO (logged).
 */
int event_log_page(sqlite3 *db, int64_t after, int64_t upto, const char *skip_origin, int max,
		   size_t max_bytes, struct event_page *page, int64_t *last);

/*
 * event_log_status_json: {"eventSeq": head, "terminals": [{"id", "shortCode",
 * "cursor", "cursorAt", "lag"}]}: each terminal's last reported cursor and
 * how many events (not its own) it still has to receive.
 */
int event_log_status_json(sqlite3 *db, json_t **out);

#endif
