// SPDX-License-Identifier: MIT
/*
 * The WSS listener for terminals (see sync_server.h).
 *
 * A note on the send path: libwebsockets 4.1 allows one lws_write per
 * writeable callback, so each connection keeps a small bounded queue of
 * frames; sync_conn_send appends and asks for a writeable callback, which
 * writes one frame and asks again while frames remain. A connection marked
 * for closing sends what is queued (its error message), then its close frame.
 */
#include "sync_server.h"
#include "sale_lookup.h"
#include "db.h"
#include "event_cache.h"
#include "event_log.h"
#include "log.h"
#include "proto.h"
#include "proto_sync.h"
#include "registry.h"
#include "sync_apply.h"

#include "ws_lws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_QUEUE_MAX	     64
#define SYNC_HELLO_TIMEOUT_S 10
#define SYNC_PAGE_BYTES	     (512 * 1024) /* op text in one events message, about */
#define SYNC_CURSOR_SAVE_MS  1000	  /* how often a terminal's cursor is written */
#define SYNC_CACHE_EVENTS    4096	  /* recent events kept encoded for the relay */

struct sync_frame {
	unsigned char *buf; /* LWS_PRE bytes of headroom, then the text */
	size_t len;
};

struct sync_conn {
	struct lws *wsi;
	struct sync_conn *next;
	char terminal_id[40];
	char short_code[16];
	char name[REGISTRY_NAME_MAX + 1];
	char address[64];
	int hello_done;
	int64_t opened_at;    /* ms: the WebSocket opened (hello is due within 10 s) */
	int closing;	      /* the close frame is on its way: write nothing more */
	int streaming;	      /* the first cursor arrived: events flow */
	int64_t sent_seq;     /* the stream has covered the log up to here */
	int64_t cursor;	      /* the last cursor the terminal reported */
	int64_t cursor_saved; /* ...and the last one written to hub.db */
	json_t *snapshot;     /* parts still to send (sent before any event) */
	size_t snapshot_next;
	uint16_t close_code; /* non-zero: close once the queue is sent */
	char close_reason[100];
	char *rx;
	size_t rx_len;
	int rx_too_big;
	struct sync_frame queue[SYNC_QUEUE_MAX];
	size_t q_head, q_len;
};

struct sync_server {
	struct lws_context *context;
	sqlite3 *db;
	const char *store;
	const char *hub_id;
	struct sync_conn *conns;
	int64_t head; /* the event log's last sequence */
	struct event_cache *cache;
	int64_t cursors_saved_at; /* ms: the last sync_save_cursors */
};

/*
 * OpenSSL's verify callback reaches us with no lws context (lws-callbacks.h),
 * so the one server of the process is found here.
 */
static struct sync_server *sync_current;

/* Queue a frame: `buf` (taken) holds LWS_PRE bytes of headroom, then `len` bytes of text. */
static void sync_conn_queue(struct sync_conn *c, unsigned char *buf, size_t len)
{
	struct sync_frame *f;

	if (c->q_len == SYNC_QUEUE_MAX) {
		/* A peer that reads nothing while we queue 64 frames is stuck: cut it off. */
		log_warn("sync: %s: send queue full, closing", c->short_code);
		free(buf);
		c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
		lws_callback_on_writable(c->wsi);
		return;
	}
	f = &c->queue[(c->q_head + c->q_len) % SYNC_QUEUE_MAX];
	f->buf = buf;
	f->len = len;
	c->q_len++;
	lws_callback_on_writable(c->wsi);
}

/* Queue `text` (malloc'd, taken; NULL is a no-op). */
static void sync_conn_send(struct sync_conn *c, char *text)
{
	unsigned char *buf;
	size_t len;

	if (!text)
		return;
	len = strlen(text);
	buf = malloc(LWS_PRE + len);
	if (buf) {
		memcpy(buf + LWS_PRE, text, len);
		sync_conn_queue(c, buf, len);
	}
	free(text);
}

/* Send an error message, then close with `code`. */
static void sync_conn_refuse(struct sync_conn *c, uint16_t code, const struct proto_error *err)
{
	sync_conn_send(c, proto_error_encode(err));
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", err->code);
	lws_callback_on_writable(c->wsi);
}

static void sync_conn_free(struct sync_server *s, struct sync_conn *c)
{
	struct sync_conn **p;

	for (p = &s->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	while (c->q_len > 0) {
		free(c->queue[c->q_head].buf);
		c->q_head = (c->q_head + 1) % SYNC_QUEUE_MAX;
		c->q_len--;
	}
	free(c->rx);
	c->rx = NULL;
	json_decref(c->snapshot);
	c->snapshot = NULL;
}

/* Serials compare as numbers: hex, any case, leading zeros ignored. */
static int serial_equal(const char *a, const char *b)
{
	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	return strcasecmp(a, b) == 0;
}

/*
 * The client certificate, at the TLS handshake: the chain is checked by
 * OpenSSL (preverify_ok: a foreign CA fails here); the leaf must also be a
 * certificate the registry issued, by serial. A revoked one passes this step
 * and is refused at the session handshake (sync_conn_established) so that
 * the terminal can be told why: lws 4.1 gives its clients no TLS alert detail.
 */
static int sync_verify_client(X509_STORE_CTX *ctx, int preverify_ok)
{
	struct registry_terminal t;
	char cn[128] = "", serial[80] = "";
	const ASN1_INTEGER *sn;
	X509 *cert;
	int rc;

	if (!preverify_ok) {
		log_warn("sync: refused a client certificate at the TLS handshake: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		return 1;
	}
	if (X509_STORE_CTX_get_error_depth(ctx) != 0)
		return 0;
	cert = X509_STORE_CTX_get_current_cert(ctx);
	if (!cert || !sync_current)
		return 1;
	X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
	sn = X509_get0_serialNumber(cert);
	for (int i = 0; sn && i < ASN1_STRING_length(sn) && i < 39; i++)
		snprintf(serial + 2 * i, 3, "%02x", ASN1_STRING_get0_data(sn)[i]);
	rc = registry_find(sync_current->db, cn, &t);
	if (rc < 0 || !serial_equal(serial, t.cert_serial)) {
		log_warn("sync: refused certificate CN=%s serial %s at the TLS handshake: not "
			 "issued to a terminal of this store",
			 cn, serial);
		X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REJECTED);
		return 1;
	}
	return 0;
}

static void sync_refuse_revoked(struct sync_conn *c, const struct registry_terminal *t)
{
	struct proto_error err;

	log_warn("sync: refused terminal %s \"%s\" from %s: it is revoked", t->short_code, t->name,
		 c->address);
	proto_error_set(
	    &err, PROTO_ERR_REVOKED, NULL,
	    "terminal %s \"%s\" is revoked on this hub; enroll it again with a new code",
	    t->short_code, t->name);
	sync_conn_refuse(c, PROTO_CLOSE_REFUSED, &err);
}

static void sync_conn_established(struct sync_server *s, struct sync_conn *c, struct lws *wsi)
{
	union lws_tls_cert_info_results info;
	struct registry_terminal t;
	struct proto_error err;

	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	lws_get_peer_simple(wsi, c->address, sizeof(c->address));
	memset(&info, 0, sizeof(info));
	if (lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, &info,
				   sizeof(info.ns.name) - 1) < 0 ||
	    registry_find(s->db, info.ns.name, &t) < 0) {
		proto_error_set(&err, PROTO_ERR_REFUSED, NULL,
				"this terminal's certificate is not accepted by this hub");
		sync_conn_refuse(c, PROTO_CLOSE_REFUSED, &err);
		return;
	}
	snprintf(c->terminal_id, sizeof(c->terminal_id), "%s", t.id);
	snprintf(c->short_code, sizeof(c->short_code), "%s", t.short_code);
	snprintf(c->name, sizeof(c->name), "%s", t.name);
	if (t.revoked_at) {
		sync_refuse_revoked(c, &t);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	c->opened_at = db_now_ms();
	log_debug("sync: %s connected from %s, waiting for hello", c->short_code, c->address);
}

static void sync_on_hello(struct sync_server *s, struct sync_conn *c, json_t *msg)
{
	struct proto_welcome w = {0};
	struct proto_hello h;
	struct proto_error err;
	int64_t now = db_now_ms();
	int rc;

	rc = proto_hello_decode(msg, &h, &err);
	if (rc == -EPROTONOSUPPORT) {
		log_warn("sync: %s \"%s\" speaks protocol %lld, this hub speaks %d: refused",
			 c->short_code, c->name, (long long)h.protocol_version, PROTO_VERSION);
		sync_conn_refuse(c, PROTO_CLOSE_VERSION, &err);
		return;
	}
	if (rc < 0) {
		log_warn("sync: %s sent a bad hello: %s", c->short_code, err.message);
		sync_conn_refuse(c, PROTO_CLOSE_BAD_MESSAGE, &err);
		return;
	}
	if (strcmp(h.terminal_id, c->terminal_id) != 0) {
		proto_error_set(&err, PROTO_ERR_BAD_FIELD, "terminalId",
				"terminalId: \"%s\" is not the terminal of this certificate",
				h.terminal_id);
		sync_conn_refuse(c, PROTO_CLOSE_BAD_MESSAGE, &err);
		return;
	}
	c->hello_done = 1;
	w.protocol_version = PROTO_VERSION;
	snprintf(w.hub_id, sizeof(w.hub_id), "%s", s->hub_id);
	snprintf(w.store, sizeof(w.store), "%s", s->store);
	w.hub_clock_ms = now;
	w.clock_offset_ms = h.clock_ms - now;
	snprintf(w.short_code, sizeof(w.short_code), "%s", c->short_code);
	snprintf(w.name, sizeof(w.name), "%s", c->name);
	registry_presence_online(s->db, c->terminal_id, c->address, now, w.clock_offset_ms,
				 h.software);
	log_info("sync: terminal %s \"%s\" online from %s (%s, clock offset %+lld ms)",
		 c->short_code, c->name, c->address, h.software[0] ? h.software : "?",
		 (long long)w.clock_offset_ms);
	if (w.clock_offset_ms > 60000 || w.clock_offset_ms < -60000)
		log_warn("sync: terminal %s's clock is off by %+lld s", c->short_code,
			 (long long)(w.clock_offset_ms / 1000));
	sync_conn_send(c, proto_welcome_encode(&w));
}

/* Ask every streaming connection but `except` to send what the log has for it. */
static void sync_wake(struct sync_server *s, const struct sync_conn *except)
{
	for (struct sync_conn *c = s->conns; c; c = c->next)
		if (c != except && c->streaming && !c->close_code)
			lws_callback_on_writable(c->wsi);
}

/* Write a terminal's last cursor to hub.db (in the caller's transaction, if any). */
static int sync_write_cursor(struct sync_server *s, struct sync_conn *c, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_stmt(s->db,
		    "INSERT INTO cursors(terminal_id, seq, updated_at) VALUES (?, ?, ?) "
		    "ON CONFLICT(terminal_id) DO UPDATE SET seq = excluded.seq, "
		    "updated_at = excluded.updated_at",
		    &st) < 0)
		return -EIO;
	sqlite3_bind_text(st, 1, c->terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->cursor);
	sqlite3_bind_int64(st, 3, now);
	rc = db_check(s->db, sqlite3_step(st), "save a terminal's cursor");
	db_done(st);
	return rc;
}

static void sync_save_cursor(struct sync_server *s, struct sync_conn *c, int64_t now)
{
	if (c->cursor != c->cursor_saved && sync_write_cursor(s, c, now) == 0)
		c->cursor_saved = c->cursor;
}

/*
 * Every changed cursor in one transaction: a commit is an fsync, and one per
 * terminal per second stalled the loop with 50 terminals connected.
 */
static void sync_save_cursors(struct sync_server *s, int64_t now)
{
	struct sync_conn *c;
	int n = 0;

	for (c = s->conns; c; c = c->next) {
		if (!c->streaming || c->cursor == c->cursor_saved)
			continue;
		if (n == 0 && db_exec(s->db, "BEGIN IMMEDIATE") < 0)
			return; /* logged; the next tick tries again */
		if (sync_write_cursor(s, c, now) < 0) {
			db_exec(s->db, "ROLLBACK");
			return;
		}
		n++;
	}
	if (n == 0)
		return;
	if (db_exec(s->db, "COMMIT") < 0) {
		db_exec(s->db, "ROLLBACK");
		return;
	}
	for (c = s->conns; c; c = c->next)
		if (c->streaming)
			c->cursor_saved = c->cursor;
}

static void sync_on_push(struct sync_server *s, struct sync_conn *c, json_t *msg)
{
	struct proto_error err;
	json_t *ops, *results;
	int applied, rc;

	if (proto_push_decode(msg, &ops, &err) < 0) {
		log_warn("sync: %s sent a bad push: %s", c->short_code, err.message);
		sync_conn_refuse(c, PROTO_CLOSE_BAD_MESSAGE, &err);
		return;
	}
	rc = sync_apply_push(s->db, c->terminal_id, ops, db_now_ms(), &results, &applied);
	if (rc < 0) {
		/* Nothing was stored; the terminal keeps its ops and tries again. */
		proto_error_set(&err, PROTO_ERR_HUB_BUSY, NULL,
				"the hub could not store this push (database: %s); send it again "
				"later",
				strerror(-rc));
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	sync_conn_send(c,
		       proto_dump(json_pack("{s:s, s:o}", "type", "results", "results", results)));
	if (applied > 0) {
		event_log_head(s->db, &s->head);
		sync_wake(s, c);
	}
}

/* Read the log's head; if another process moved it, wake every stream. */
static void sync_refresh_head(struct sync_server *s)
{
	int64_t head;

	if (event_log_head(s->db, &head) == 0 && head != s->head) {
		s->head = head;
		sync_wake(s, NULL);
	}
}

static void sync_on_cursor(struct sync_server *s, struct sync_conn *c, json_t *msg)
{
	struct proto_error err;
	int64_t seq, snap_seq;
	json_t *parts;

	if (proto_cursor_decode(msg, &seq, &err) < 0) {
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	c->cursor = seq;
	if (c->streaming)
		return; /* sync_server_tick writes it to hub.db */
	sync_refresh_head(s);
	if (seq == 0 || seq > s->head) {
		if (sync_snapshot(s->db, c->terminal_id, &parts, &snap_seq) < 0) {
			proto_error_set(&err, PROTO_ERR_HUB_BUSY, NULL,
					"the hub could not read its snapshot; send cursor again "
					"later");
			sync_conn_send(c, proto_error_encode(&err));
			return;
		}
		log_info("sync: %s gets a snapshot at event %lld (%zu parts)%s", c->short_code,
			 (long long)snap_seq, json_array_size(parts),
			 seq > s->head ? ": its cursor is ahead of this hub's log" : "");
		c->snapshot = parts;
		c->snapshot_next = 0;
		c->sent_seq = snap_seq;
	} else {
		c->sent_seq = seq;
	}
	c->streaming = 1;
	sync_save_cursor(s, c, db_now_ms());
	lws_callback_on_writable(c->wsi);
}

static void sync_on_claim(struct sync_server *s, struct sync_conn *c, json_t *msg)
{
	struct proto_claim claim;
	struct proto_error err;
	json_t *answer;
	int applied;

	if (proto_claim_decode(msg, &claim, &err) < 0) {
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	if (sync_apply_claim(s->db, c->terminal_id, &claim, db_now_ms(), &answer, &applied) < 0) {
		proto_error_set(&err, PROTO_ERR_HUB_BUSY, NULL,
				"the hub could not answer this claim; try again");
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	log_info("sync: %s claims order %s: %s", c->short_code, claim.order_id,
		 json_string_value(json_object_get(answer, "code")));
	sync_conn_send(c, proto_dump(answer));
	if (applied) {
		event_log_head(s->db, &s->head);
		sync_wake(s, c);
	}
}

static void sync_on_lookup(struct sync_server *s, struct sync_conn *c, json_t *msg)
{
	struct proto_lookup lookup;
	struct proto_error err;
	json_t *answer;

	if (proto_lookup_decode(msg, &lookup, &err) < 0) {
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	if (sale_lookup_answer(s->db, &lookup, &answer) < 0) {
		proto_error_set(&err, PROTO_ERR_HUB_BUSY, NULL,
				"the hub could not look this sale up; try again");
		sync_conn_send(c, proto_error_encode(&err));
		return;
	}
	log_info("sync: %s looks up receipt %s: %s", c->short_code, lookup.receipt,
		 json_string_value(json_object_get(answer, "result")));
	sync_conn_send(c, proto_dump(answer));
}

static void sync_on_message(struct sync_server *s, struct sync_conn *c)
{
	struct proto_error err;
	const char *type;
	json_t *msg;

	if (proto_parse(c->rx, c->rx_len, &msg, &type, &err) < 0) {
		log_warn("sync: %s sent a bad message: %s", c->short_code, err.message);
		sync_conn_refuse(c, PROTO_CLOSE_BAD_MESSAGE, &err);
		return;
	}
	if (!c->hello_done && strcmp(type, "hello") != 0) {
		proto_error_set(&err, PROTO_ERR_UNEXPECTED, "type",
				"type: the first message must be hello, not \"%.40s\"", type);
		sync_conn_refuse(c, PROTO_CLOSE_BAD_MESSAGE, &err);
	} else if (strcmp(type, "hello") == 0) {
		if (c->hello_done) {
			proto_error_set(&err, PROTO_ERR_UNEXPECTED, "type",
					"type: hello was already received");
			sync_conn_send(c, proto_error_encode(&err));
		} else {
			sync_on_hello(s, c, msg);
		}
	} else if (strcmp(type, "push") == 0) {
		sync_on_push(s, c, msg);
	} else if (strcmp(type, "cursor") == 0) {
		sync_on_cursor(s, c, msg);
	} else if (strcmp(type, "claim") == 0) {
		sync_on_claim(s, c, msg);
	} else if (strcmp(type, "lookup") == 0) {
		sync_on_lookup(s, c, msg);
	} else {
		/* Unknown types fail alone; the connection stays (docs/protocol.md). */
		proto_error_set(&err, PROTO_ERR_UNKNOWN_TYPE, "type",
				"type: \"%.40s\" is not a message type of protocol %d", type,
				PROTO_VERSION);
		sync_conn_send(c, proto_error_encode(&err));
	}
	json_decref(msg);
}

/* Gather a message's fragments, up to PROTO_FRAME_MAX. */
static void sync_on_receive(struct sync_server *s, struct sync_conn *c, const void *in, size_t len)
{
	struct proto_error err;

	if (c->close_code)
		return;
	if (!c->rx_too_big && c->rx_len + len > PROTO_FRAME_MAX) {
		c->rx_too_big = 1;
		free(c->rx);
		c->rx = NULL;
	}
	if (!c->rx_too_big) {
		char *grown = realloc(c->rx, c->rx_len + len + 1);

		if (!grown) {
			c->close_code = LWS_CLOSE_STATUS_UNEXPECTED_CONDITION;
			lws_callback_on_writable(c->wsi);
			return;
		}
		c->rx = grown;
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
	}
	if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi) > 0)
		return;
	if (c->rx_too_big) {
		proto_error_set(&err, PROTO_ERR_TOO_BIG, NULL,
				"message is over the limit of %d bytes", PROTO_FRAME_MAX);
		log_warn("sync: %s sent a message over %d bytes", c->short_code, PROTO_FRAME_MAX);
		sync_conn_refuse(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, &err);
	} else {
		sync_on_message(s, c);
	}
	free(c->rx);
	c->rx = NULL;
	c->rx_len = 0;
	c->rx_too_big = 0;
}

/*
 * Queue what the stream owes this connection: the next snapshot part, else
 * the next page of the log after sent_seq (its own events left out). Called
 * when the queue is empty, so a slow reader never makes the queue grow.
 */
static void sync_fill(struct sync_server *s, struct sync_conn *c)
{
	struct event_page page;
	int64_t last;
	int rc;

	if (c->snapshot) {
		sync_conn_send(
		    c, json_dumps(json_array_get(c->snapshot, c->snapshot_next), JSON_COMPACT));
		if (++c->snapshot_next >= json_array_size(c->snapshot)) {
			json_decref(c->snapshot);
			c->snapshot = NULL;
		}
		return;
	}
	while (c->sent_seq < s->head && c->q_len == 0) {
		if (event_cache_head(s->cache) < s->head)
			event_cache_extend(s->cache, s->db, s->head); /* logged; hub.db serves */
		/*
		 * Sent even when empty: the page may have held only this
		 * terminal's own events, and its cursor must move past them.
		 */
		page.headroom = LWS_PRE;
		rc = event_cache_page(s->cache, c->sent_seq, c->terminal_id, PROTO_EVENTS_MAX,
				      SYNC_PAGE_BYTES, &page, &last);
		if (rc == 0 && last <= c->sent_seq) {
			free(page.buf); /* the cache is behind the head: read hub.db */
			rc = -ERANGE;
		}
		if (rc == -ERANGE) {
			/* Older than the cache (a terminal catching up): read hub.db. */
			rc = event_page_begin(&page, LWS_PRE, SYNC_PAGE_BYTES / 8);
			if (rc == 0)
				rc =
				    event_log_page(s->db, c->sent_seq, s->head, c->terminal_id,
						   PROTO_EVENTS_MAX, SYNC_PAGE_BYTES, &page, &last);
			if (rc < 0)
				free(page.buf);
			else
				event_page_end(&page, last);
		}
		if (rc < 0)
			return; /* logged; the next wake-up tries again */
		c->sent_seq = last;
		sync_conn_queue(c, page.buf, page.len);
	}
}

static int sync_on_writeable(struct sync_server *s, struct sync_conn *c)
{
	struct sync_frame *f;
	int n;

	if (c->closing)
		return 0; /* lws calls once more while it closes */
	if (c->q_len == 0 && c->streaming && !c->close_code)
		sync_fill(s, c);

	if (c->q_len > 0) {
		f = &c->queue[c->q_head];
		n = lws_write(c->wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
		free(f->buf);
		f->buf = NULL;
		c->q_head = (c->q_head + 1) % SYNC_QUEUE_MAX;
		c->q_len--;
		if (n < (int)f->len)
			return -1;
		if (c->q_len > 0 || c->close_code || c->snapshot ||
		    (c->streaming && c->sent_seq < s->head))
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_code) {
		/*
		 * Nothing was written in this callback, so lws has no output of
		 * its own pending: close from a timer, not from here. Debian's
		 * lws 4.1 is a _DEBUG build that, on a libuv loop, closes a wsi
		 * twice when a socket callback returns -1, and the second close
		 * kills the connection before the close frame is written.
		 */
		c->closing = 1;
		lws_set_timer_usecs(c->wsi, 1);
	}
	return 0;
}

/* The timer armed above: from here lws sends the close frame, then waits for the peer's. */
static int sync_on_close_timer(struct sync_conn *c)
{
	lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
			 (unsigned char *)c->close_reason, strlen(c->close_reason));
	return -1;
}

static int sync_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct sync_server *s = sync_current;
	struct sync_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		return sync_verify_client(user, (int)len);
	case LWS_CALLBACK_ESTABLISHED:
		sync_conn_established(s, c, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		sync_on_receive(s, c, in, len);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return sync_on_writeable(s, c);
	case LWS_CALLBACK_TIMER:
		return c->closing ? sync_on_close_timer(c) : 0;
	case LWS_CALLBACK_CLOSED:
		if (c->streaming)
			sync_save_cursor(s, c, db_now_ms());
		if (c->hello_done) {
			registry_presence_offline(s->db, c->terminal_id, db_now_ms());
			log_info("sync: terminal %s \"%s\" offline", c->short_code, c->name);
		}
		sync_conn_free(s, c);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols sync_protocols[] = {
    {"tillnet-sync", sync_callback, sizeof(struct sync_conn), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int sync_server_start(const struct sync_server_options *o, struct sync_server **out)
{
	struct lws_context_creation_info info;
	void *foreign_loops[1] = {o->loop};
	struct sync_server *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->db = o->db;
	s->store = o->store;
	s->hub_id = o->hub_id;
	sync_current = s;
	ws_lws_log_init();
	memset(&info, 0, sizeof(info));
	info.port = o->port;
	info.iface = o->listen;
	info.protocols = sync_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_LIBUV |
		       LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	info.foreign_loops = foreign_loops;
	info.ssl_cert_filepath = o->cert_path;
	info.ssl_private_key_filepath = o->key_path;
	info.ssl_ca_filepath = o->ca_path;
	info.timeout_secs = 20;
	/* Ping idle links so a vanished peer is noticed (docs/protocol.md). */
	info.retry_and_idle_policy = &ws_lws_idle_policy;
	s->context = lws_create_context(&info);
	if (!s->context) {
		log_error("sync: cannot listen on %s port %u (in use, or certificates unreadable?)",
			  o->listen, o->port);
		sync_current = NULL;
		free(s);
		return -EIO;
	}
	event_log_head(s->db, &s->head);
	s->cache = event_cache_new(SYNC_CACHE_EVENTS, s->head);
	if (!s->cache) {
		lws_context_destroy(s->context);
		sync_current = NULL;
		free(s);
		return -ENOMEM;
	}
	log_info("sync: listening for terminals on wss://%s:%u", o->listen, o->port);
	*out = s;
	return 0;
}

void sync_server_log_changed(struct sync_server *s)
{
	sync_refresh_head(s);
}

void sync_server_tick(struct sync_server *s)
{
	struct proto_error err;
	int64_t now = db_now_ms();

	for (struct sync_conn *c = s->conns; c; c = c->next) {
		if (c->close_code)
			continue;
		if (!c->hello_done && now - c->opened_at >= SYNC_HELLO_TIMEOUT_S * 1000) {
			log_warn("sync: %s from %s sent no hello within %d s: closing",
				 c->short_code, c->address, SYNC_HELLO_TIMEOUT_S);
			proto_error_set(&err, PROTO_ERR_NO_HELLO, NULL,
					"no hello within %d s of the upgrade",
					SYNC_HELLO_TIMEOUT_S);
			sync_conn_refuse(c, PROTO_CLOSE_NO_HELLO, &err);
		}
	}
	if (now - s->cursors_saved_at >= SYNC_CURSOR_SAVE_MS) {
		sync_save_cursors(s, now);
		s->cursors_saved_at = now;
	}
}

void sync_server_enforce_revocations(struct sync_server *s)
{
	struct registry_terminal t;

	for (struct sync_conn *c = s->conns; c; c = c->next) {
		if (c->close_code || registry_find(s->db, c->terminal_id, &t) < 0 || !t.revoked_at)
			continue;
		sync_refuse_revoked(c, &t);
	}
}

int sync_server_online(const struct sync_server *s)
{
	int n = 0;

	for (const struct sync_conn *c = s->conns; c; c = c->next)
		n += c->hello_done;
	return n;
}

void sync_server_destroy(struct sync_server *s)
{
	if (s)
		lws_context_destroy(s->context);
}

void sync_server_free(struct sync_server *s)
{
	if (!s)
		return;
	lws_context_destroy(s->context);
	sync_current = NULL;
	event_cache_free(s->cache);
	free(s);
}
