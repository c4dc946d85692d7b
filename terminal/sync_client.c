// SPDX-License-Identifier: MIT
/*
 * The terminal's sync connection (see sync_client.h).
 *
 * A note on reconnecting: lws reports the end of a connection through one of
 * CLIENT_CONNECTION_ERROR (never connected) or CLIENT_CLOSED (was connected);
 * both land in sync_lost, which records why and arms the one retry timer.
 * A new connection is only ever started from that timer, never from inside
 * an lws callback.
 */
#include "sync_client.h"
#include "backoff.h"
#include "db.h"
#include "log.h"
#include "lookups.h"
#include "mirror.h"
#include "outbox.h"
#include "proto.h"
#include "proto_sync.h"
#include "term_db.h"
#include "uuid.h"

#include "ws_lws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYNC_QUEUE_MAX		64
#define SYNC_PUSH_BYTES		(768 * 1024) /* op text in one push, at most */
#define SYNC_RESULTS_TIMEOUT_MS 30000	     /* a push unanswered this long: reconnect */
#define SYNC_POLL_MS		100	     /* how often term.db is checked for new work */
#define SYNC_CURSOR_REPORT_MS	500	     /* a streaming cursor is reported at most this often */
#define SYNC_SNAPSHOT_MAX	10000	     /* snapshot parts a terminal accepts */
/*
 * With TLS 1.3 a client finishes its handshake before the hub has checked its
 * certificate; when the hub then refuses it, lws 4.1 sometimes never reports
 * the connection's end. A connection with no welcome after this long is
 * killed from the watchdog timer.
 */
#define SYNC_WELCOME_TIMEOUT_MS 5000

struct sync_client {
	struct lws_context *context;
	struct lws *wsi;
	uv_timer_t retry;
	uv_timer_t watchdog;
	uv_timer_t poll;     /* term.db changed by another process: sales, claims */
	uv_timer_t drain_at; /* the head of the outbox is due again */
	int64_t data_version;
	char lease_holder[64];
	int lease_warned;
	int watchdog_fired;
	sqlite3 *db;
	char host[256];
	uint16_t port;
	char hub_url[300];
	char terminal_id[40];
	struct backoff backoff;
	int protocol_version;
	/* the state that status shows */
	const char *state;
	char last_error[512];
	char last_error_code[32];
	int64_t since, next_attempt_at, connected_at, clock_offset_ms;
	/* one connection's buffers */
	char *rx;
	size_t rx_len;
	char *tx[SYNC_QUEUE_MAX];
	size_t tx_head, tx_len;
	uint16_t close_code;
	char close_reason[128];
	int got_error;		/* the hub sent an error message on this connection */
	int drop;		/* close this connection from its next callback */
	int welcomed;		/* the session is up: push, cursor, claim */
	int64_t cursor_owed;	/* applied but not yet reported (0: none) */
	int64_t cursor_sent_at; /* ms: the last cursor message */
	json_t *inflight;	/* the ops of the push waiting for results */
	int64_t inflight_at;
	json_t *snapshot;	  /* snapshot parts received so far */
	char hub_cert_error[128]; /* why OpenSSL rejected the hub's certificate */
	int stopping;
};

/*
 * OpenSSL's verify callback reaches sync_callback with a stand-in wsi whose
 * context is not ours, so the one client of the process is found here.
 */
static struct sync_client *sync_client_current;

static void sync_set_state(struct sync_client *c, const char *state)
{
	struct term_sync_state s = {
	    .state = state,
	    .hub = c->hub_url,
	    .last_error = c->last_error[0] ? c->last_error : NULL,
	    .last_error_code = c->last_error_code[0] ? c->last_error_code : NULL,
	    .next_attempt_at = c->next_attempt_at,
	    .connected_at = c->connected_at,
	    .clock_offset_ms = c->clock_offset_ms,
	};

	c->state = state;
	c->since = db_now_ms();
	s.since = c->since;
	term_db_save_state(c->db, &s);
}

static void sync_set_error(struct sync_client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sync_set_error(struct sync_client *c, const char *code, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->last_error_code, sizeof(c->last_error_code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
}

static void sync_clear_connection(struct sync_client *c)
{
	if (c->inflight) {
		/* Lost with its push unanswered: the hub may have applied it, or not. */
		outbox_defer(c->db, c->inflight, db_now_ms(), "connection-lost",
			     "the connection ended before the hub answered; sent again on "
			     "reconnect",
			     0);
		json_decref(c->inflight);
		c->inflight = NULL;
	}
	json_decref(c->snapshot);
	c->snapshot = NULL;
	c->welcomed = 0;
	c->cursor_owed = 0; /* the next welcome sends the cursor term.db holds */
	c->wsi = NULL;
	free(c->rx);
	c->rx = NULL;
	c->rx_len = 0;
	while (c->tx_len > 0) {
		free(c->tx[c->tx_head]);
		c->tx_head = (c->tx_head + 1) % SYNC_QUEUE_MAX;
		c->tx_len--;
	}
	c->close_code = 0;
	c->close_reason[0] = '\0';
	c->got_error = 0;
	c->drop = 0;
	c->watchdog_fired = 0;
	c->hub_cert_error[0] = '\0';
	uv_timer_stop(&c->watchdog);
}

static void sync_connect(uv_timer_t *timer);

static void sync_lost(struct sync_client *c)
{
	uint32_t jitter = 0, delay;

	sync_clear_connection(c);
	if (c->stopping)
		return;
	random_bytes(&jitter, sizeof(jitter));
	delay = backoff_next(&c->backoff, jitter);
	c->next_attempt_at = db_now_ms() + delay;
	c->connected_at = 0;
	log_info("sync: %s; next attempt in %.1f s",
		 c->last_error[0] ? c->last_error : "disconnected", delay / 1000.0);
	sync_set_state(c, "waiting");
	uv_timer_start(&c->retry, sync_connect, delay, 0);
}

/* Turn what lws and OpenSSL say about a failed connection into words for a cashier. */
static void sync_explain_connect_error(struct sync_client *c, const char *why)
{
	if (!why)
		why = "unknown error";
	/*
	 * lws 4.1 gives no TLS alert detail (its SSL info callback crashes on
	 * client connections), so a refusal during the handshake reads "read
	 * failed" (or, on a loaded machine, "Closed before conn") after the TCP
	 * connect; a hub that is down reads "connect failed".
	 */
	if (c->hub_cert_error[0])
		why = c->hub_cert_error;
	if (c->hub_cert_error[0] || strstr(why, "verify") || strstr(why, "hostname"))
		sync_set_error(c, "hub-untrusted",
			       "the hub's certificate is not trusted: not from this store's CA or "
			       "not for %s (%s)",
			       c->host, why);
	else if (strstr(why, "read failed") || strstr(why, "alert") || strstr(why, "SSL") ||
		 strstr(why, "Closed before conn"))
		sync_set_error(
		    c, "handshake-failed",
		    "the hub ended the TLS handshake: it does not accept this terminal's "
		    "certificate (from another store, or unknown to the hub) (%s)",
		    why);
	else
		sync_set_error(c, "unreachable", "cannot reach the hub at %s (%s)", c->hub_url,
			       why);
}

static void sync_send(struct sync_client *c, char *text)
{
	if (!text)
		return;
	if (!c->wsi || c->tx_len == SYNC_QUEUE_MAX) {
		/* Only a hub that reads nothing fills this; the results timeout ends it. */
		log_warn("sync: send queue full, a message to the hub was not sent");
		free(text);
		return;
	}
	c->tx[(c->tx_head + c->tx_len) % SYNC_QUEUE_MAX] = text;
	c->tx_len++;
	lws_callback_on_writable(c->wsi);
}

static void sync_on_established(struct sync_client *c)
{
	struct proto_hello h = {0};

	h.protocol_version = c->protocol_version;
	snprintf(h.terminal_id, sizeof(h.terminal_id), "%s", c->terminal_id);
	h.clock_ms = db_now_ms();
	snprintf(h.software, sizeof(h.software), "tillnet-term %s", TILLNET_VERSION);
	sync_send(c, proto_hello_encode(&h));
}

static void sync_send_json(struct sync_client *c, json_t *msg)
{
	sync_send(c, proto_dump(msg));
}

static void sync_on_drain_at(uv_timer_t *timer);

/*
 * Send the next batch of the outbox, if the session is up, no push waits
 * for its results and this process holds the drain lease. Ops go in outbox
 * order; a batch stops before an op not due yet, and at PROTO_PUSH_MAX ops
 * or SYNC_PUSH_BYTES of text.
 */
static void sync_drain(struct sync_client *c)
{
	json_t *ops = NULL, *batch, *op;
	int64_t wait_ms, now = db_now_ms();
	char other[64];
	size_t i, bytes = 0;
	int rc;

	if (!c->welcomed || c->inflight || c->drop)
		return;
	if (outbox_next_batch(c->db, PROTO_PUSH_MAX, now, &ops, &wait_ms) < 0)
		return;
	if (json_array_size(ops) == 0) {
		json_decref(ops);
		if (wait_ms > 0)
			uv_timer_start(&c->drain_at, sync_on_drain_at, (uint64_t)wait_ms, 0);
		return;
	}
	rc = outbox_lease(c->db, c->lease_holder, now, other, sizeof(other));
	if (rc <= 0) {
		if (rc == 0 && !c->lease_warned)
			log_warn("sync: another process (%s) drains this outbox; waiting for its "
				 "lease to end",
				 other);
		c->lease_warned = rc == 0;
		json_decref(ops);
		uv_timer_start(&c->drain_at, sync_on_drain_at, 1000, 0);
		return;
	}
	c->lease_warned = 0;
	batch = json_array();
	json_array_foreach(ops, i, op)
	{
		char *text = json_dumps(op, JSON_COMPACT);
		size_t len = text ? strlen(text) : 0;

		free(text);
		if (i > 0 && bytes + len > SYNC_PUSH_BYTES)
			break;
		bytes += len;
		json_array_append(batch, op);
	}
	json_decref(ops);
	c->inflight = batch;
	c->inflight_at = now;
	log_debug("sync: pushing %zu ops (%zu bytes)", json_array_size(batch), bytes);
	sync_send_json(c, json_pack("{s:s, s:O}", "type", "push", "ops", batch));
}

static void sync_on_drain_at(uv_timer_t *timer)
{
	sync_drain(timer->data);
}

/*
 * Send the requests the CLI or the API left in term.db: claims of released
 * orders, lookups of sales by receipt. Each is sent once ('sent'); its
 * answer comes back as claimResult or lookupResult.
 */
static void sync_send_requests(struct sync_client *c, const char *select_sql,
			       const char *update_sql, const char *type, const char *member)
{
	sqlite3_stmt *st = NULL, *up = NULL;

	if (!c->welcomed || db_prepare(c->db, select_sql, &st) < 0)
		return;
	if (db_prepare(c->db, update_sql, &up) < 0) {
		sqlite3_finalize(st);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *request = (const char *)sqlite3_column_text(st, 0);

		sync_send_json(c, json_pack("{s:s, s:s, s:s}", "type", type, "requestId", request,
					    member, sqlite3_column_text(st, 1)));
		sqlite3_reset(up);
		sqlite3_bind_text(up, 1, request, -1, SQLITE_TRANSIENT);
		db_check(c->db, sqlite3_step(up), "mark a request sent");
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
}

static void sync_send_claims(struct sync_client *c)
{
	sync_send_requests(c, "SELECT request_id, order_id FROM claims WHERE state = 'pending'",
			   "UPDATE claims SET state = 'sent' WHERE request_id = ?", "claim",
			   "orderId");
	sync_send_requests(c, "SELECT request_id, receipt FROM lookups WHERE state = 'pending'",
			   "UPDATE lookups SET state = 'sent' WHERE request_id = ?", "lookup",
			   "receipt");
}

static void sync_send_cursor(struct sync_client *c, int64_t seq)
{
	c->cursor_owed = 0;
	c->cursor_sent_at = db_now_ms();
	sync_send_json(c, json_pack("{s:s, s:I}", "type", "cursor", "seq", (json_int_t)seq));
}

/*
 * After an events page the cursor only feeds the hub's status (where a
 * stream resumes is the cursor sent after welcome), so it is reported at
 * most every SYNC_CURSOR_REPORT_MS: one message per page cost the hub as
 * much as a sixth of its time per delivery. sync_on_poll sends what is owed.
 */
static void sync_report_cursor(struct sync_client *c, int64_t seq)
{
	if (seq)
		c->cursor_owed = seq;
	if (c->cursor_owed && c->welcomed &&
	    db_now_ms() - c->cursor_sent_at >= SYNC_CURSOR_REPORT_MS)
		sync_send_cursor(c, c->cursor_owed);
}

/* Every SYNC_POLL_MS: did another process (sell, claim) write to term.db? */
static void sync_on_poll(uv_timer_t *timer)
{
	struct sync_client *c = timer->data;
	sqlite3_stmt *st = NULL;
	int64_t version = 0;

	if (c->inflight && db_now_ms() - c->inflight_at > SYNC_RESULTS_TIMEOUT_MS && c->wsi) {
		sync_set_error(c, "closed", "the hub did not answer a push within %d s",
			       SYNC_RESULTS_TIMEOUT_MS / 1000);
		c->got_error = 1;
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	sync_report_cursor(c, 0);
	if (db_prepare(c->db, "PRAGMA data_version", &st) < 0)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (version == c->data_version)
		return;
	c->data_version = version;
	sync_drain(c);
	sync_send_claims(c);
}

void sync_client_kick(struct sync_client *c)
{
	if (!c)
		return;
	sync_drain(c);
	sync_send_claims(c);
}

static void sync_on_results(struct sync_client *c, json_t *msg)
{
	json_t *results = json_object_get(msg, "results");
	int settled, parked;

	if (!c->inflight || !json_is_array(results)) {
		log_warn("sync: results from the hub for no push");
		return;
	}
	if (outbox_settle(c->db, results, &settled, &parked) < 0) {
		/* Kept in the outbox: sent again, and answered "duplicate" then. */
		log_error("sync: cannot record the hub's results; the ops stay in the outbox");
	} else {
		log_debug("sync: %d ops settled, %d parked", settled, parked);
	}
	json_decref(c->inflight);
	c->inflight = NULL;
	sync_drain(c);
}

static void sync_on_events(struct sync_client *c, json_t *msg)
{
	json_t *events = json_object_get(msg, "events"), *up_to = json_object_get(msg, "upTo");
	int64_t cursor;

	if (!json_is_array(events) || !json_is_integer(up_to)) {
		log_warn("sync: the hub sent malformed events");
		return;
	}
	if (mirror_apply_events(c->db, c->terminal_id, events, json_integer_value(up_to), &cursor) <
	    0) {
		/* Not applied, cursor unchanged: a reconnect asks for these again. */
		log_error("sync: cannot apply events; reconnecting to get them again");
		c->drop = 1;
		return;
	}
	sync_report_cursor(c, cursor);
}

static void sync_on_snapshot(struct sync_client *c, json_t *msg)
{
	json_t *seq = json_object_get(msg, "seq");

	if (!c->snapshot)
		c->snapshot = json_array();
	if (!json_is_integer(seq) || json_array_size(c->snapshot) >= SYNC_SNAPSHOT_MAX) {
		log_warn("sync: the hub sent a malformed snapshot");
		c->drop = 1;
		return;
	}
	json_array_append(c->snapshot, msg);
	if (!json_is_true(json_object_get(msg, "last")))
		return;
	if (mirror_apply_snapshot(c->db, c->terminal_id, c->snapshot, json_integer_value(seq)) <
	    0) {
		log_error("sync: cannot apply the hub's snapshot; reconnecting");
		c->drop = 1;
	} else {
		log_info("sync: snapshot applied at event %lld",
			 (long long)json_integer_value(seq));
		sync_send_cursor(c, json_integer_value(seq));
	}
	json_decref(c->snapshot);
	c->snapshot = NULL;
}

static void sync_on_claim_result(struct sync_client *c, json_t *msg)
{
	if (mirror_apply_claim(c->db, c->terminal_id, msg) < 0)
		log_error("sync: cannot record the answer to a claim");
	else
		log_info("sync: claim of order %s: %s",
			 json_string_value(json_object_get(msg, "orderId")),
			 json_string_value(json_object_get(msg, "code")));
}

static void sync_on_lookup_result(struct sync_client *c, json_t *msg)
{
	if (lookups_apply_answer(c->db, c->terminal_id, msg) < 0)
		log_error("sync: cannot record the answer to a lookup");
	else
		log_info("sync: lookup of receipt %s: %s",
			 json_string_value(json_object_get(msg, "receipt")),
			 json_string_value(json_object_get(msg, "result")));
}

/* The session is up: resume the stream from our cursor, drain, send claims. */
static void sync_on_welcome(struct sync_client *c)
{
	int64_t cursor = 0;

	c->welcomed = 1;
	if (term_db_get_int(c->db, TERM_META_CURSOR, &cursor) < 0) {
		c->drop = 1;
		return;
	}
	sync_send_cursor(c, cursor);
	sync_drain(c);
	sync_send_claims(c);
}

static void sync_on_message(struct sync_client *c)
{
	struct proto_welcome w;
	struct proto_error err, e;
	const char *type;
	json_t *msg;

	if (proto_parse(c->rx, c->rx_len, &msg, &type, &err) < 0) {
		log_warn("sync: the hub sent a bad message: %s", err.message);
		return;
	}
	if (strcmp(type, "welcome") == 0) {
		if (proto_welcome_decode(msg, &w, &err) < 0) {
			log_warn("sync: the hub's welcome is malformed: %s", err.message);
		} else if (w.protocol_version != c->protocol_version) {
			sync_set_error(c, PROTO_ERR_VERSION,
				       "the hub speaks protocol %lld, this terminal speaks %d",
				       (long long)w.protocol_version, c->protocol_version);
			log_warn("sync: %s", c->last_error);
			c->got_error = 1;
			c->drop = 1;
		} else {
			uv_timer_stop(&c->watchdog);
			backoff_reset(&c->backoff);
			c->last_error[0] = '\0';
			c->last_error_code[0] = '\0';
			c->next_attempt_at = 0;
			c->connected_at = db_now_ms();
			c->clock_offset_ms = w.clock_offset_ms;
			sync_set_state(c, "connected");
			log_info(
			    "sync: connected to hub of \"%s\" at %s as %s (clock offset %+lld ms)",
			    w.store, c->hub_url, w.short_code, (long long)w.clock_offset_ms);
			if (w.clock_offset_ms > 60000 || w.clock_offset_ms < -60000)
				log_warn(
				    "sync: this terminal's clock is off by %+lld s from the hub's: "
				    "fix the clock",
				    (long long)(w.clock_offset_ms / 1000));
			sync_on_welcome(c);
		}
	} else if (strcmp(type, "results") == 0) {
		sync_on_results(c, msg);
	} else if (strcmp(type, "events") == 0) {
		sync_on_events(c, msg);
	} else if (strcmp(type, "snapshot") == 0) {
		sync_on_snapshot(c, msg);
	} else if (strcmp(type, "claimResult") == 0) {
		sync_on_claim_result(c, msg);
	} else if (strcmp(type, "lookupResult") == 0) {
		sync_on_lookup_result(c, msg);
	} else if (strcmp(type, "error") == 0) {
		if (proto_error_decode(msg, &e, &err) == 0) {
			if (strcmp(e.code, PROTO_ERR_VERSION) == 0)
				sync_set_error(c, e.code,
					       "the hub speaks another protocol version: %s",
					       e.message);
			else if (strcmp(e.code, PROTO_ERR_REVOKED) == 0)
				sync_set_error(c, e.code, "the hub refused this terminal: %s",
					       e.message);
			else
				sync_set_error(c, e.code, "the hub answered with an error: %s",
					       e.message);
			if (strcmp(e.code, PROTO_ERR_HUB_BUSY) == 0 && c->inflight) {
				/* The push was not stored: hold it back and try again. */
				outbox_defer(c->db, c->inflight, db_now_ms(), e.code, e.message, 1);
				json_decref(c->inflight);
				c->inflight = NULL;
				sync_drain(c);
			}
			/* Only errors the hub closes after explain the close that follows. */
			c->got_error = strcmp(e.code, PROTO_ERR_UNKNOWN_TYPE) != 0 &&
				       strcmp(e.code, PROTO_ERR_HUB_BUSY) != 0;
			log_warn("sync: hub error %s: %s", e.code, e.message);
		}
	}
	json_decref(msg);
}

static int sync_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct sync_client *c = sync_client_current;
	char *grown;
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!c->watchdog_fired)
			sync_explain_connect_error(c, in);
		sync_lost(c);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		sync_on_established(c);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		/* Note why, and leave the decision (refuse) to OpenSSL and lws. */
		if (!len && sync_client_current && !sync_client_current->hub_cert_error[0])
			snprintf(sync_client_current->hub_cert_error,
				 sizeof(sync_client_current->hub_cert_error), "%s",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(user)));
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* lws can drop a refused connection without reporting its end. */
		if (c && wsi == c->wsi) {
			if (!c->watchdog_fired)
				sync_explain_connect_error(c,
							   "SSL: the connection ended during the "
							   "handshake");
			sync_lost(c);
		}
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c->rx_len + len > PROTO_FRAME_MAX)
			return -1;
		grown = realloc(c->rx, c->rx_len + len + 1);
		if (!grown)
			return -1;
		c->rx = grown;
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			sync_on_message(c);
			free(c->rx);
			c->rx = NULL;
			c->rx_len = 0;
			if (c->drop)
				return -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->tx_len == 0)
			break;
		{
			char *text = c->tx[c->tx_head];
			size_t tlen = strlen(text);
			unsigned char *buf = malloc(LWS_PRE + tlen);

			c->tx_head = (c->tx_head + 1) % SYNC_QUEUE_MAX;
			c->tx_len--;
			if (!buf) {
				free(text);
				return -1;
			}
			memcpy(buf + LWS_PRE, text, tlen);
			free(text);
			n = lws_write(wsi, buf + LWS_PRE, tlen, LWS_WRITE_TEXT);
			free(buf);
			if (n < (int)tlen)
				return -1;
			if (c->tx_len > 0)
				lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *p = in;

			c->close_code = (uint16_t)(p[0] << 8 | p[1]);
			snprintf(c->close_reason, sizeof(c->close_reason), "%.*s", (int)(len - 2),
				 (const char *)p + 2);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (!c->got_error && !c->watchdog_fired) {
			if (c->close_code)
				sync_set_error(
				    c, "closed", "the hub closed the connection (code %u%s%s)",
				    c->close_code, c->close_reason[0] ? ": " : "", c->close_reason);
			else
				sync_set_error(c, "closed", "the connection to the hub was lost");
		}
		sync_lost(c);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols sync_client_protocols[] = {
    {"tillnet-sync", sync_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void sync_on_watchdog(uv_timer_t *timer)
{
	struct sync_client *c = timer->data;

	if (!c->wsi || strcmp(c->state, "connected") == 0)
		return;
	sync_set_error(c, "handshake-failed",
		       "no welcome from the hub within %d s of connecting: it may have refused "
		       "this terminal's certificate (from another store, or unknown to the hub)",
		       SYNC_WELCOME_TIMEOUT_MS / 1000);
	c->watchdog_fired = 1;
	/* Outside any lws callback: lws closes the connection and reports it. */
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void sync_connect(uv_timer_t *timer)
{
	struct sync_client *c = timer->data;
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = c->context;
	ci.address = c->host;
	ci.port = c->port;
	ci.ssl_connection = LCCSCF_USE_SSL;
	ci.path = "/";
	ci.host = c->host;
	ci.origin = c->host;
	ci.protocol = "tillnet-sync";
	ci.pwsi = &c->wsi;
	c->next_attempt_at = 0;
	sync_set_state(c, "connecting");
	uv_timer_start(&c->watchdog, sync_on_watchdog, SYNC_WELCOME_TIMEOUT_MS, 0);
	log_debug("sync: connecting to %s", c->hub_url);
	if (!lws_client_connect_via_info(&ci) && !uv_is_active((uv_handle_t *)&c->retry)) {
		/* lws gave up before it started and told no callback. */
		if (!c->last_error[0])
			sync_set_error(c, "unreachable", "cannot start a connection to %s",
				       c->hub_url);
		sync_lost(c);
	}
}

int sync_client_start(const struct sync_client_options *o, struct sync_client **out)
{
	struct lws_context_creation_info info;
	void *foreign_loops[1] = {o->loop};
	struct sync_client *c;
	const char *test_version = getenv("TILLNET_TEST_PROTOCOL_VERSION");

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->db = o->db;
	c->port = o->port;
	c->state = "stopped";
	snprintf(c->host, sizeof(c->host), "%s", o->host);
	snprintf(c->terminal_id, sizeof(c->terminal_id), "%s", o->terminal_id);
	snprintf(c->hub_url, sizeof(c->hub_url),
		 strchr(o->host, ':') ? "wss://[%s]:%u" : "wss://%s:%u", o->host, o->port);
	backoff_init(&c->backoff, SYNC_BACKOFF_BASE_MS, SYNC_BACKOFF_CAP_MS);
	/* For tests of the version check only (docs/protocol.md). */
	c->protocol_version = test_version ? (int)strtol(test_version, NULL, 10) : PROTO_VERSION;
	ws_lws_log_init();
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = sync_client_protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = foreign_loops;
	info.client_ssl_cert_filepath = o->cert_path;
	info.client_ssl_private_key_filepath = o->key_path;
	info.client_ssl_ca_filepath = o->ca_path;
	info.user = c;
	info.timeout_secs = 10;
	info.connect_timeout_secs = 10;
	/* Ping idle links so a vanished peer is noticed (docs/protocol.md). */
	info.retry_and_idle_policy = &ws_lws_idle_policy;
	sync_client_current = c;
	c->context = lws_create_context(&info);
	if (!c->context) {
		sync_client_current = NULL;
		log_error(
		    "sync: cannot set up the connection to the hub (certificates unreadable?)");
		free(c);
		return -EIO;
	}
	uv_timer_init(o->loop, &c->retry);
	uv_timer_init(o->loop, &c->watchdog);
	uv_timer_init(o->loop, &c->poll);
	uv_timer_init(o->loop, &c->drain_at);
	c->retry.data = c;
	c->watchdog.data = c;
	c->poll.data = c;
	c->drain_at.data = c;
	snprintf(c->lease_holder, sizeof(c->lease_holder), "tillnet-term run, pid %ld",
		 (long)getpid());
	uv_timer_start(&c->poll, sync_on_poll, SYNC_POLL_MS, SYNC_POLL_MS);
	uv_timer_start(&c->retry, sync_connect, 0, 0);
	*out = c;
	return 0;
}

json_t *sync_client_state_json(const struct sync_client *c)
{
	return json_pack(
	    "{s:s, s:s, s:s?, s:s?, s:I, s:o, s:o, s:o}", "state", c->state, "hub", c->hub_url,
	    "lastError", c->last_error[0] ? c->last_error : NULL, "lastErrorCode",
	    c->last_error_code[0] ? c->last_error_code : NULL, "since", (json_int_t)c->since,
	    "nextAttemptAt", c->next_attempt_at ? json_integer(c->next_attempt_at) : json_null(),
	    "connectedAt", c->connected_at ? json_integer(c->connected_at) : json_null(),
	    "clockOffsetMs", c->connected_at ? json_integer(c->clock_offset_ms) : json_null());
}

void sync_client_destroy(struct sync_client *c)
{
	if (!c)
		return;
	c->stopping = 1;
	uv_timer_stop(&c->retry);
	c->next_attempt_at = 0;
	c->connected_at = 0;
	sync_set_state(c, "stopped");
	lws_context_destroy(c->context);
	sync_clear_connection(c);
	outbox_lease_release(c->db, c->lease_holder);
	uv_close((uv_handle_t *)&c->retry, NULL);
	uv_close((uv_handle_t *)&c->watchdog, NULL);
	uv_close((uv_handle_t *)&c->poll, NULL);
	uv_close((uv_handle_t *)&c->drain_at, NULL);
}

void sync_client_free(struct sync_client *c)
{
	if (!c)
		return;
	lws_context_destroy(c->context);
	sync_client_current = NULL;
	free(c);
}
