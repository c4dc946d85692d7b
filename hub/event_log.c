// SPDX-License-Identifier: MIT
/* The hub's event log (see event_log.h). */
#include "event_log.h"
#include "db.h"
#include "uuid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int event_log_append(sqlite3 *db, const char *origin, json_t *op, int64_t at, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	json_t *kind = json_object_get(op, "kind"), *entity = json_object_get(op, "entityId");
	char *text;
	int rc;

	text = json_dumps(op, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return -ENOMEM;
	rc = db_stmt(
	    db, "INSERT INTO events(origin, kind, entity_id, op, at) VALUES (?, ?, ?, ?, ?)", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_is_string(kind) ? json_string_value(kind) : "", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, json_is_string(entity) ? json_string_value(entity) : "",
				  -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, at);
		rc = db_check(db, sqlite3_step(st), "append an event");
	}
	db_done(st);
	free(text);
	if (rc == 0)
		*seq = sqlite3_last_insert_rowid(db);
	return rc;
}

int event_log_append_hub(sqlite3 *db, const char *kind, const char *entity, const char *entity_id,
			 int64_t rev, json_t *payload, int64_t at, int64_t *seq)
{
	uint8_t raw[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	int64_t ignored;
	json_t *op;
	int rc;

	rc = uuid_v7(raw);
	if (rc < 0) {
		json_decref(payload);
		return rc;
	}
	uuid_format(raw, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "opId", op_id, "kind", kind, "entity",
		       entity, "entityId", entity_id, "rev", (json_int_t)rev, "at", (json_int_t)at,
		       "payload", payload);
	if (!op)
		return -ENOMEM;
	rc = event_log_append(db, EVENT_ORIGIN_HUB, op, at, seq ? seq : &ignored);
	json_decref(op);
	return rc;
}

int event_log_head(sqlite3 *db, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*seq = 0;
	rc = db_stmt(db, "SELECT coalesce(max(seq), 0) FROM events", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	rc = db_check(db, rc, "read the event log's head");
	db_done(st);
	return rc;
}

/* A name we wrote (a terminal id, "hub") needs no escaping. */
static int plain_name(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* Decimal digits of v at p; returns the count. printf was a tenth of a drain's CPU. */
static size_t put_i64(char *p, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		p[i++] = '-';
	while (n)
		p[i++] = tmp[--n];
	return i;
}

char *event_log_encode(int64_t seq, const char *origin, int64_t at, const char *op, size_t *len)
{
	static const char k_seq[] = "{\"seq\":", k_origin[] = ",\"origin\":", k_at[] = ",\"at\":",
			  k_op[] = ",\"op\":";
	size_t olen = strlen(op), qlen, n = 0;
	char *quoted = NULL, *text;

	if (plain_name(origin)) {
		qlen = strlen(origin) + 2;
	} else {
		json_t *j = json_string(origin);

		quoted = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_decref(j);
		if (!quoted)
			return NULL;
		qlen = strlen(quoted);
	}
	text = malloc(sizeof(k_seq) + sizeof(k_origin) + sizeof(k_at) + sizeof(k_op) + qlen + olen +
		      2 * 24 + 2);
	if (!text) {
		free(quoted);
		return NULL;
	}
#define PUT(s, l)                                                                                  \
	do {                                                                                       \
		memcpy(text + n, (s), (l));                                                        \
		n += (l);                                                                          \
	} while (0)
	PUT(k_seq, sizeof(k_seq) - 1);
	n += put_i64(text + n, seq);
	PUT(k_origin, sizeof(k_origin) - 1);
	if (quoted) {
		PUT(quoted, qlen);
	} else {
		text[n++] = '"';
		PUT(origin, qlen - 2);
		text[n++] = '"';
	}
	PUT(k_at, sizeof(k_at) - 1);
	n += put_i64(text + n, at);
	PUT(k_op, sizeof(k_op) - 1);
	PUT(op, olen);
#undef PUT
	text[n++] = '}';
	text[n] = '\0';
	free(quoted);
	*len = n;
	return text;
}

static const char page_head[] = "{\"type\":\"events\",\"events\":[";

int event_page_begin(struct event_page *p, size_t headroom, size_t hint)
{
	memset(p, 0, sizeof(*p));
	p->cap = headroom + sizeof(page_head) + hint + 48;
	p->buf = malloc(p->cap);
	if (!p->buf)
		return -ENOMEM;
	p->headroom = headroom;
	memcpy(p->buf + headroom, page_head, sizeof(page_head) - 1);
	p->len = sizeof(page_head) - 1;
	return 0;
}

int event_page_add(struct event_page *p, const char *text, size_t len)
{
	size_t need = p->headroom + p->len + len + 1 + 48;

	if (need > p->cap) {
		size_t cap = p->cap * 2 > need ? p->cap * 2 : need;
		unsigned char *grown = realloc(p->buf, cap);

		if (!grown)
			return -ENOMEM;
		p->buf = grown;
		p->cap = cap;
	}
	if (p->n++ > 0)
		p->buf[p->headroom + p->len++] = ',';
	memcpy(p->buf + p->headroom + p->len, text, len);
	p->len += len;
	return 0;
}

void event_page_end(struct event_page *p, int64_t upto)
{
	/* event_page_add always leaves 48 bytes for this. */
	p->len += (size_t)snprintf((char *)p->buf + p->headroom + p->len, 48,
				   "],\"upTo\":%" PRId64 "}", upto);
}

int event_log_page(sqlite3 *db, int64_t after, int64_t upto, const char *skip_origin, int max,
		   size_t max_bytes, struct event_page *page, int64_t *last)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	*last = after;
	rc = db_stmt(db,
		     "SELECT seq, origin, at, op FROM events WHERE seq > ? AND seq <= ? "
		     "AND origin IS NOT ? ORDER BY seq LIMIT ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	if (skip_origin)
		sqlite3_bind_text(st, 3, skip_origin, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len;
		char *text = event_log_encode(
		    sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_int64(st, 2), (const char *)sqlite3_column_text(st, 3), &len);

		if (!text || event_page_add(page, text, len) < 0) {
			free(text);
			rc = -ENOMEM;
			break;
		}
		free(text);
		*last = sqlite3_column_int64(st, 0);
		if (++n >= max || page->len >= max_bytes)
			break;
	}
	if (rc == SQLITE_DONE) {
		*last = upto;
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		rc = 0;
	} else if (rc > 0) {
		rc = db_check(db, rc, "read the event log");
	}
	db_done(st);
	return rc;
}

int event_log_status_json(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *terminals;
	int64_t head;
	int rc;

	*out = NULL;
	rc = event_log_head(db, &head);
	if (rc < 0)
		return rc;
	/* Lag: the events after its cursor that it still has to receive (not its own). */
	rc = db_prepare(db,
			"SELECT t.id, t.short_code, c.seq, c.updated_at, (SELECT count(*) FROM "
			"events e WHERE e.seq > coalesce(c.seq, 0) AND e.origin != t.id) FROM "
			"terminals t LEFT JOIN cursors c ON c.terminal_id = t.id ORDER BY "
			"t.short_code",
			&st);
	if (rc < 0)
		return rc;
	terminals = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int known = sqlite3_column_type(st, 2) != SQLITE_NULL;

		json_array_append_new(
		    terminals,
		    json_pack("{s:s, s:s, s:o, s:o, s:I}", "id", sqlite3_column_text(st, 0),
			      "shortCode", sqlite3_column_text(st, 1), "cursor",
			      known ? json_integer(sqlite3_column_int64(st, 2)) : json_null(),
			      "cursorAt",
			      known ? json_integer(sqlite3_column_int64(st, 3)) : json_null(),
			      "lag", (json_int_t)sqlite3_column_int64(st, 4)));
	}
	rc = db_check(db, rc, "read terminals' cursors");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(terminals);
		return rc;
	}
	*out = json_pack("{s:I, s:o}", "eventSeq", (json_int_t)head, "terminals", terminals);
	return *out ? 0 : -ENOMEM;
}
