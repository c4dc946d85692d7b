/* SPDX-License-Identifier: MIT */
/*
 * tillnet-bench: a load generator that plays many terminals against a running
 * hub over the real WSS channel, each with its own client certificate, all in
 * one process on one libuv loop. This header holds what its files share: the
 * simulated terminals, the counters and the op tracker.
 *
 * Everything here runs on the one loop thread; nothing is locked.
 */
#ifndef TILLNET_BENCH_H
#define TILLNET_BENCH_H

#include "bench_stats.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define BENCH_TERMS_MAX	 1024
#define BENCH_TX_MAX	 64		  /* frames queued per connection */
#define BENCH_BATCH_MAX	 500		  /* ops per push (docs/protocol.md) */
#define BENCH_OP_MAX	 1024		  /* bytes of one op's JSON */
#define BENCH_WELCOME_NS (10 * BENCH_SEC) /* no welcome by then: the bench hangs up */

enum bench_term_state {
	BENCH_OFF,	  /* no connection */
	BENCH_CONNECTING, /* TCP, TLS and the upgrade in progress */
	BENCH_OPEN,	  /* WebSocket open, hello sent */
	BENCH_READY,	  /* welcome received, cursor sent */
};

struct bench_frame {
	unsigned char *buf; /* LWS_PRE bytes of headroom, then the text */
	size_t len;
	uint32_t op_first; /* tracked ops in this push: [op_first, op_first + op_count) */
	uint32_t op_count;
};

struct bench;

struct bench_term {
	struct bench *bench;
	int index;
	char dir[PATH_MAX];
	char terminal_id[40];
	char short_code[16]; /* from welcome */
	struct lws_vhost *vhost;
	struct lws *wsi;
	enum bench_term_state state;
	int want_up;	/* reconnect after a loss */
	int closing;	/* the bench hung up on purpose */
	int hang_up;	/* end the connection at its next writeable callback */
	int64_t cursor; /* last sequence seen: snapshot seq or events upTo */
	int64_t receipt_seq;
	int pushes_out;			  /* pushes sent without results yet */
	int cursor_pending, cursor_first; /* send the cursor at the next writeable callback */
	int cursor_owed;		  /* reported later: at most one cursor per 500 ms */
	uint64_t t_cursor_sent;		  /* CLOCK_MONOTONIC ns of the last cursor */
	uint64_t t_connect, t_welcome, t_cursor, t_caught; /* CLOCK_MONOTONIC ns, 0 = not yet */
	uint64_t reconnect_at;
	uint32_t pages, page_events; /* events pages and events since the last connect */
	char *rx;
	size_t rx_len, rx_cap;
	struct bench_frame tx[BENCH_TX_MAX];
	size_t tx_head, tx_len;
};

/* What the hub answered and sent, counted over the whole run. */
struct bench_counts {
	uint64_t applied, duplicate, conflict, rejected; /* results entries */
	uint64_t deliveries;				 /* events received by any terminal */
	uint64_t pages;					 /* events messages */
	uint64_t snapshots;				 /* snapshot parts */
	uint64_t hub_errors;				 /* error messages from the hub */
	uint64_t drops;	      /* connections lost that the bench did not close */
	uint64_t conn_fails;  /* connection attempts that never got a welcome */
	uint64_t tx_full;     /* frames not sent: a connection's queue was full */
	uint64_t rx_too_big;  /* hub messages over the 1 MiB limit */
	uint64_t bad_msgs;    /* hub messages the bench could not read */
	uint64_t stale;	      /* events at or below the receiver's cursor */
	uint64_t echoed;      /* a terminal's own op sent back to it */
	uint64_t unmatched;   /* tracked phase: an opId the bench never sent */
	uint64_t extra;	      /* tracked phase: more deliveries of an op than recipients */
	uint64_t first_codes; /* how many rejection/error codes were logged */
};

struct bench {
	uv_loop_t loop;
	uv_timer_t tick;
	struct lws_context *context;
	const char *host;
	uint16_t port;
	struct bench_term *terms;
	int n_terms;
	struct bench_counts counts;
	/* the hub's head as the bench knows it, see bench_head_update */
	int64_t head_seq, head_other;
	int head_origin;
	/* ops of the latency phases: `track` is `tracker` during them, NULL outside */
	struct bench_track *tracker, *track;
	/* results received, for the drain phase's acked ops/s */
	uint64_t acked;
	uint64_t t_last_ack;
	/* the order every op carries */
	const char *sku, *item_name;
	int64_t unit_price, tax_rate;
};

/* bench_now: CLOCK_MONOTONIC in ns. */
uint64_t bench_now(void);
/* bench_wall_ms: the wall clock in ms since the epoch. */
int64_t bench_wall_ms(void);

/* bench_conn.c: the libwebsockets side. */

/*
 * bench_conn_init: the lws context on b->loop and one client vhost per
 * terminal (its certificate, key and store CA from its data folder).
 * 0, or -EIO with a message on stderr.
 */
int bench_conn_init(struct bench *b);
/* bench_conn_destroy: first step of the lws shutdown (then drain the loop, then _free). */
void bench_conn_destroy(struct bench *b);
void bench_conn_free(struct bench *b);

/* bench_term_connect: start a connection; the terminal goes BENCH_CONNECTING or stays OFF. */
void bench_term_connect(struct bench_term *t);
/*
 * bench_term_hang_up: end the connection, from outside any lws callback.
 * `on_purpose`: the bench meant it (not counted as a failure).
 */
void bench_term_hang_up(struct bench_term *t, int on_purpose);
/*
 * bench_term_send: queue one text frame (takes ownership of `text`, made
 * with bench_frame_alloc). Ops [op_first, op_first + op_count) of the
 * tracker get their send time when the frame is written. -ENOBUFS when the
 * queue is full (the frame is freed and counted).
 */
int bench_term_send(struct bench_term *t, unsigned char *buf, size_t len, uint32_t op_first,
		    uint32_t op_count);
/* bench_frame_alloc: a buffer of LWS_PRE + len bytes; write the text at bench_frame_text(). */
unsigned char *bench_frame_alloc(size_t len);
char *bench_frame_text(unsigned char *buf);
/* bench_term_tx_room: frames that can still be queued. */
size_t bench_term_tx_room(const struct bench_term *t);

/* bench_msg.c: what the bench does with the hub's messages. */

/* bench_msg_handle: one whole message received by `t` at `now` (ns). */
void bench_msg_handle(struct bench_term *t, const char *text, size_t len, uint64_t now);
/*
 * bench_msg_send_cursor: send {"type":"cursor","seq":t->cursor} at the next
 * writeable callback (only the latest is sent). `first`: it opens the event
 * stream after welcome, and its send time is kept in t->t_cursor.
 */
int bench_msg_send_cursor(struct bench_term *t, int first);

/* bench_msg_cursor_due: send an owed cursor whose 500 ms are up (from the tick). */
void bench_msg_cursor_due(struct bench_term *t, uint64_t now);
/* bench_msg_send_hello: queue the hello message. */
int bench_msg_send_hello(struct bench_term *t);
/*
 * bench_msg_push: queue one push of `n` new order.put ops made by `t`
 * (1 <= n <= BENCH_BATCH_MAX). With `track`, the ops go into b->track for the
 * latency figures, expecting `recipients` deliveries each.
 */
int bench_msg_push(struct bench_term *t, int n, int track, uint16_t recipients);

/*
 * bench_head_update: a sequence the hub assigned to an op of `origin` (a
 * terminal index, or -1 for the hub). The bench keeps the head and the
 * highest sequence of any other origin, so it knows how far each terminal
 * must read to be caught up (its own events never come back to it).
 */
void bench_head_update(struct bench *b, int64_t seq, int origin);
/* bench_term_target: the sequence `t` must reach to have seen every event not its own. */
int64_t bench_term_target(const struct bench_term *t);
/* bench_term_caught_up: ready and at or past its target. */
int bench_term_caught_up(const struct bench_term *t);

#endif
