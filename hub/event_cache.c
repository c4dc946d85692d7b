// SPDX-License-Identifier: MIT
/* The encoded recent events (see event_cache.h). */
#include "event_cache.h"
#include "db.h"
#include "event_log.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_READ_ROWS 500 /* rows per query while catching up with the log */

struct cached_event {
	int64_t seq; /* 0: an empty slot */
	char origin[40];
	char *text; /* {"seq":…,"origin":…,"at":…,"op":…} */
	size_t len;
};

/*
 * The ring holds the events with lo < seq <= hi, event s in slot s % cap.
 * A slot whose seq differs from the one asked for is a gap in the log (none
 * are expected, but AUTOINCREMENT does not promise their absence).
 */
struct event_cache {
	size_t cap;
	int64_t lo, hi;
	struct cached_event *ring;
};

struct event_cache *event_cache_new(size_t cap, int64_t head)
{
	struct event_cache *c = calloc(1, sizeof(*c));

	if (!c || cap == 0)
		goto fail;
	c->ring = calloc(cap, sizeof(*c->ring));
	if (!c->ring)
		goto fail;
	c->cap = cap;
	c->lo = c->hi = head;
	return c;
fail:
	free(c);
	return NULL;
}

void event_cache_free(struct event_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		free(c->ring[i].text);
	free(c->ring);
	free(c);
}

int64_t event_cache_head(const struct event_cache *c)
{
	return c->hi;
}

static int cache_add(struct event_cache *c, int64_t seq, const char *origin, int64_t at,
		     const char *op)
{
	struct cached_event *e = &c->ring[(size_t)(seq % (int64_t)c->cap)];
	size_t len = 0;
	char *text = event_log_encode(seq, origin, at, op, &len);

	if (!text)
		return -ENOMEM;
	free(e->text);
	e->seq = seq;
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
	e->text = text;
	e->len = len;
	c->hi = seq;
	if (c->hi - c->lo > (int64_t)c->cap)
		c->lo = c->hi - (int64_t)c->cap;
	return 0;
}

int event_cache_extend(struct event_cache *c, sqlite3 *db, int64_t head)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, rows;

	if (head - c->hi > (int64_t)c->cap) {
		/* Too far behind to keep it all: start over at the part that fits. */
		c->lo = c->hi = head - (int64_t)c->cap;
	}
	while (c->hi < head && rc == 0) {
		rc = db_stmt(db,
			     "SELECT seq, origin, at, op FROM events WHERE seq > ? AND seq <= ? "
			     "ORDER BY seq LIMIT ?",
			     &st);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(st, 1, c->hi);
		sqlite3_bind_int64(st, 2, head);
		sqlite3_bind_int(st, 3, CACHE_READ_ROWS);
		rows = 0;
		while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			rows++;
			rc = cache_add(c, sqlite3_column_int64(st, 0),
				       (const char *)sqlite3_column_text(st, 1),
				       sqlite3_column_int64(st, 2),
				       (const char *)sqlite3_column_text(st, 3));
		}
		if (rc == SQLITE_DONE)
			rc = 0;
		else if (rc > 0)
			rc = db_check(db, rc, "read new events");
		db_done(st);
		if (rc == 0 && rows < CACHE_READ_ROWS)
			c->hi = head; /* the rest of the range is a gap: nothing to wait for */
	}
	if (rc == -ENOMEM)
		log_error("sync: out of memory while caching events");
	return rc;
}

int event_cache_page(const struct event_cache *c, int64_t after, const char *skip_origin, int max,
		     size_t max_bytes, struct event_page *page, int64_t *last)
{
	int64_t seq, upto = c->hi;
	size_t size = 0;
	int n = 0;

	if (after < c->lo || after > c->hi)
		return -ERANGE;
	/* First pass: which events, and how many bytes, so that the page is one malloc. */
	for (seq = after + 1; seq <= c->hi; seq++) {
		const struct cached_event *e = &c->ring[(size_t)(seq % (int64_t)c->cap)];

		if (e->seq != seq || (skip_origin && strcmp(e->origin, skip_origin) == 0))
			continue;
		if (n == max || (n > 0 && size + e->len + 1 > max_bytes)) {
			upto = seq - 1;
			break;
		}
		size += e->len + 1;
		n++;
	}
	if (event_page_begin(page, page->headroom, size) < 0)
		return -ENOMEM;
	for (seq = after + 1; seq <= upto; seq++) {
		const struct cached_event *e = &c->ring[(size_t)(seq % (int64_t)c->cap)];

		if (e->seq != seq || (skip_origin && strcmp(e->origin, skip_origin) == 0))
			continue;
		event_page_add(page, e->text, e->len); /* cannot fail: the size was reserved */
	}
	event_page_end(page, upto);
	*last = upto;
	return 0;
}
