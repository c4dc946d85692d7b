/* SPDX-License-Identifier: MIT */
/*
 * The recent end of the event log, kept encoded in memory for the relay.
 *
 * Every connected terminal reads the same new events; without this cache each
 * one ran its own query and parsed and re-encoded every op (measured: about a
 * third of the hub's time per delivery). Here each event is read from hub.db
 * and encoded once, as the text of one element of an `events` message, and a
 * page for a terminal is those texts joined. Events are never changed once
 * committed, so the cache needs no invalidation: it only grows at the head
 * and forgets at the tail. A reader whose cursor is older than the tail uses
 * event_log_page (hub.db) instead.
 */
#ifndef TILLNET_EVENT_CACHE_H
#define TILLNET_EVENT_CACHE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "event_log.h"

struct event_cache;

/* event_cache_new: a cache of the last `cap` events, empty and starting at `head`. */
struct event_cache *event_cache_new(size_t cap, int64_t head);
void event_cache_free(struct event_cache *c);

/*
 * event_cache_extend: read the committed events after the cache's head up to
 * `head` from hub.db. 0, or -EIO/-ENOMEM (logged; the cache is unchanged
 * past the last event read).
 */
int event_cache_extend(struct event_cache *c, sqlite3 *db, int64_t head);

/*
 * event_cache_page: begin `page` (with page->headroom bytes in front; see
 * event_page_begin) and fill it with the events after `after` not made by
 * `skip_origin`, at most `max` of them and about `max_bytes` of text; *last
 * is the highest sequence the page covers (its upTo). -ERANGE (nothing
 * begun) when `after` is older than the cache's tail or past its head;
 * -ENOMEM.
 */
int event_cache_page(const struct event_cache *c, int64_t after, const char *skip_origin, int max,
		     size_t max_bytes, struct event_page *page, int64_t *last);

/* event_cache_head: the last sequence the cache has read up to. */
int64_t event_cache_head(const struct event_cache *c);

#endif
