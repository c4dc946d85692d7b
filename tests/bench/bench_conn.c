// SPDX-License-Identifier: MIT
/*
 * The bench's libwebsockets side: one client context on the bench's libuv
 * loop and one client vhost per simulated terminal, so that each connection
 * presents that terminal's own certificate, exactly as tillnet-term does
 * (terminal/sync_client.c: subprotocol tillnet-sync, path "/", one lws_write
 * per writeable callback from a bounded queue).
 *
 * A note on ending connections: lws reports the end of a client connection
 * through CLIENT_CONNECTION_ERROR (never opened) or CLIENT_CLOSED (was open),
 * and, for some refusals during the TLS handshake, only through WSI_DESTROY;
 * all three land in conn_lost. New connections are started from the bench's
 * main loop, never from inside an lws callback.
 */
#include "bench.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "proto.h"
#include "ws_lws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONN_RX_CHUNK 65536
#define CONN_RETRY_NS (250 * BENCH_MSEC)
#define CONN_SERV_BUF 65536

unsigned char *bench_frame_alloc(size_t len)
{
	return malloc(LWS_PRE + len + 1);
}

char *bench_frame_text(unsigned char *buf)
{
	return (char *)buf + LWS_PRE;
}

size_t bench_term_tx_room(const struct bench_term *t)
{
	return BENCH_TX_MAX - t->tx_len;
}

static void conn_clear(struct bench_term *t)
{
	t->wsi = NULL;
	free(t->rx);
	t->rx = NULL;
	t->rx_len = 0;
	t->rx_cap = 0;
	while (t->tx_len > 0) {
		free(t->tx[t->tx_head].buf);
		t->tx_head = (t->tx_head + 1) % BENCH_TX_MAX;
		t->tx_len--;
	}
	t->pushes_out = 0;
	t->cursor_pending = 0;
	t->cursor_first = 0;
	t->hang_up = 0;
}

static void conn_lost(struct bench_term *t, const char *why)
{
	struct bench *b = t->bench;

	if (t->state == BENCH_OFF)
		return;
	if (!t->closing) {
		if (t->state == BENCH_READY)
			b->counts.drops++;
		else
			b->counts.conn_fails++;
		if (b->counts.first_codes++ < 20)
			log_warn("bench: terminal %d (%s): connection %s: %s", t->index,
				 t->short_code[0] ? t->short_code : "?",
				 t->state == BENCH_READY ? "lost" : "failed", why ? why : "?");
	}
	t->state = BENCH_OFF;
	t->closing = 0;
	t->reconnect_at = bench_now() + CONN_RETRY_NS;
	conn_clear(t);
}

int bench_term_send(struct bench_term *t, unsigned char *buf, size_t len, uint32_t op_first,
		    uint32_t op_count)
{
	struct bench_frame *f;

	if (!t->wsi || t->tx_len == BENCH_TX_MAX) {
		free(buf);
		t->bench->counts.tx_full++;
		return -ENOBUFS;
	}
	f = &t->tx[(t->tx_head + t->tx_len) % BENCH_TX_MAX];
	f->buf = buf;
	f->len = len;
	f->op_first = op_first;
	f->op_count = op_count;
	t->tx_len++;
	lws_callback_on_writable(t->wsi);
	return 0;
}

/* The pending cursor, ahead of queued pushes: it is small and paces the hub's pages. */
static int conn_write_cursor(struct bench_term *t, struct lws *wsi)
{
	unsigned char buf[LWS_PRE + 64];
	int len, n;

	len = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
		       "{\"type\":\"cursor\",\"seq\":%lld}", (long long)t->cursor);
	if (t->cursor_first)
		t->t_cursor = bench_now();
	t->cursor_pending = 0;
	t->cursor_first = 0;
	n = lws_write(wsi, buf + LWS_PRE, (size_t)len, LWS_WRITE_TEXT);
	if (n < len)
		return -1;
	if (t->tx_len > 0)
		lws_callback_on_writable(wsi);
	return 0;
}

static int conn_writeable(struct bench_term *t, struct lws *wsi)
{
	struct bench_track *track = t->bench->track;
	struct bench_frame *f;
	uint64_t now;
	int n;

	if (t->hang_up)
		return -1;
	if (t->cursor_pending && t->state == BENCH_READY)
		return conn_write_cursor(t, wsi);
	if (t->tx_len == 0)
		return 0;
	f = &t->tx[t->tx_head];
	now = bench_now();
	if (track)
		for (uint32_t i = f->op_first; i < f->op_first + f->op_count && i < track->n; i++)
			track->t_sent[i] = now;
	n = lws_write(wsi, f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
	free(f->buf);
	f->buf = NULL;
	t->tx_head = (t->tx_head + 1) % BENCH_TX_MAX;
	t->tx_len--;
	if (n < (int)f->len)
		return -1;
	if (t->tx_len > 0 || t->cursor_pending)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Gather a message's fragments, up to the protocol's 1 MiB. */
static int conn_receive(struct bench_term *t, struct lws *wsi, const void *in, size_t len)
{
	if (t->rx_len + len > PROTO_FRAME_MAX) {
		t->bench->counts.rx_too_big++;
		return -1;
	}
	if (t->rx_len + len + 1 > t->rx_cap) {
		size_t cap = t->rx_cap ? t->rx_cap : CONN_RX_CHUNK;
		char *grown;

		while (cap < t->rx_len + len + 1)
			cap *= 2;
		grown = realloc(t->rx, cap);
		if (!grown)
			return -1;
		t->rx = grown;
		t->rx_cap = cap;
	}
	memcpy(t->rx + t->rx_len, in, len);
	t->rx_len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) > 0)
		return 0;
	t->rx[t->rx_len] = '\0';
	bench_msg_handle(t, t->rx, t->rx_len, bench_now());
	t->rx_len = 0;
	/* Keep one chunk for the next message; give back what a big page took. */
	if (t->rx_cap > CONN_RX_CHUNK) {
		free(t->rx);
		t->rx = NULL;
		t->rx_cap = 0;
	}
	return 0;
}

/* The terminal of `wsi` when lws gives no user pointer (early connection errors). */
static struct bench_term *conn_find(struct lws *wsi)
{
	struct bench *b = lws_context_user(lws_get_context(wsi));

	for (int i = 0; b && i < b->n_terms; i++)
		if (b->terms[i].wsi == wsi)
			return &b->terms[i];
	return NULL;
}

static int conn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct bench_term *t = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (!t)
			t = conn_find(wsi);
		if (t)
			conn_lost(t, in ? (const char *)in : "connection error");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		t->state = BENCH_OPEN;
		bench_msg_send_hello(t);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return conn_receive(t, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return conn_writeable(t, wsi);
	case LWS_CALLBACK_CLIENT_CLOSED:
		conn_lost(t, "closed by the hub");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (!t)
			t = conn_find(wsi);
		if (t && t->wsi == wsi)
			conn_lost(t, "ended during the handshake");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols conn_protocols[] = {
    {"tillnet-sync", conn_callback, 0, CONN_RX_CHUNK, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

void bench_term_connect(struct bench_term *t)
{
	struct bench *b = t->bench;
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = b->context;
	ci.vhost = t->vhost;
	ci.address = b->host;
	ci.port = b->port;
	ci.ssl_connection = LCCSCF_USE_SSL;
	ci.path = "/";
	ci.host = b->host;
	ci.origin = b->host;
	ci.protocol = "tillnet-sync";
	ci.userdata = t;
	ci.pwsi = &t->wsi;
	t->state = BENCH_CONNECTING;
	t->closing = 0;
	t->hang_up = 0;
	t->t_connect = bench_now();
	t->t_welcome = t->t_cursor = t->t_caught = 0;
	t->pages = t->page_events = 0;
	if (!lws_client_connect_via_info(&ci) && t->state == BENCH_CONNECTING) {
		/* lws gave up before it started and told no callback. */
		t->wsi = NULL;
		conn_lost(t, "lws could not start the connection");
	}
}

void bench_term_hang_up(struct bench_term *t, int on_purpose)
{
	if (!t->wsi || t->state == BENCH_OFF)
		return;
	t->closing |= on_purpose;
	t->hang_up = 1;
	/*
	 * An open connection hangs up from its next writeable callback. Not
	 * with lws_set_timeout(LWS_TO_KILL_ASYNC): on a foreign libuv loop,
	 * lws 4.1 runs its timers from an idle handle that only I/O on its
	 * sockets starts, so a kill asked for from outside a callback waits
	 * until some connection does I/O (a ping, 15 s later, when all are idle).
	 * A connection still in its TLS handshake has I/O under way.
	 */
	if (t->state == BENCH_OPEN || t->state == BENCH_READY)
		lws_callback_on_writable(t->wsi);
	else
		lws_set_timeout(t->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static int conn_vhost(struct bench *b, struct bench_term *t)
{
	char conf[PATH_MAX], ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], err[512], name[32];
	struct lws_context_creation_info info;
	struct term_config cfg;

	if (fsutil_path(conf, sizeof(conf), t->dir, "term.conf") < 0 ||
	    fsutil_path(ca, sizeof(ca), t->dir, "ca.crt") < 0 ||
	    fsutil_path(cert, sizeof(cert), t->dir, "terminal.crt") < 0 ||
	    fsutil_path(key, sizeof(key), t->dir, "terminal.key") < 0)
		return -ENAMETOOLONG;
	config_term_defaults(&cfg);
	if (config_term_load(conf, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tillnet-bench: %s: %s\n", t->dir,
			err[0] ? err : "no term.conf: is it an enrolled terminal's data folder?");
		return -EINVAL;
	}
	snprintf(t->terminal_id, sizeof(t->terminal_id), "%s", cfg.terminal_id);
	snprintf(t->short_code, sizeof(t->short_code), "%s", cfg.short_code);
	snprintf(name, sizeof(name), "term%d", t->index);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = conn_protocols;
	info.vhost_name = name;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_cert_filepath = cert;
	info.client_ssl_private_key_filepath = key;
	info.client_ssl_ca_filepath = ca;
	info.timeout_secs = 10;
	info.retry_and_idle_policy = &ws_lws_idle_policy;
	t->vhost = lws_create_vhost(b->context, &info);
	if (!t->vhost) {
		fprintf(stderr,
			"tillnet-bench: %s: cannot load the terminal's certificate, key or CA\n",
			t->dir);
		return -EIO;
	}
	return 0;
}

int bench_conn_init(struct bench *b)
{
	struct lws_context_creation_info info;
	void *foreign_loops[1] = {&b->loop};

	ws_lws_log_init();
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_LIBUV |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.foreign_loops = foreign_loops;
	info.user = b;
	info.pt_serv_buf_size = CONN_SERV_BUF;
	info.connect_timeout_secs = 10;
	info.timeout_secs = 10;
	b->context = lws_create_context(&info);
	if (!b->context) {
		fprintf(stderr, "tillnet-bench: cannot create the libwebsockets context\n");
		return -EIO;
	}
	for (int i = 0; i < b->n_terms; i++)
		if (conn_vhost(b, &b->terms[i]) < 0)
			return -EIO;
	return 0;
}

void bench_conn_destroy(struct bench *b)
{
	for (int i = 0; i < b->n_terms; i++)
		b->terms[i].closing = 1;
	if (b->context)
		lws_context_destroy(b->context);
}

void bench_conn_free(struct bench *b)
{
	/* With a foreign loop, lws 4.1 finishes a context on a second destroy. */
	if (b->context)
		lws_context_destroy(b->context);
	b->context = NULL;
	for (int i = 0; i < b->n_terms; i++)
		conn_clear(&b->terms[i]);
}
