// SPDX-License-Identifier: MIT
/*
 * What a simulated terminal says and how it reads the hub's answers
 * (docs/protocol.md): hello when the WebSocket opens, cursor after
 * welcome and after events pages (at most one per 500 ms), pushes of
 * order.put ops; results, snapshot, events and error from the hub. Events
 * pages are read with the scanner of bench_wire.c; the rarer messages with
 * the project's codec.
 */
#include "bench.h"
#include "bench_wire.h"
#include "log.h"
#include "proto.h"
#include "uuid.h"

#include <errno.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MSG_LOG_MAX 20 /* hub errors and refused ops written to stderr, at most */

uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_SEC + (uint64_t)ts.tv_nsec;
}

int64_t bench_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void bench_head_update(struct bench *b, int64_t seq, int origin)
{
	/* Invariant: head_other is the highest sequence of any origin but head_origin. */
	if (seq > b->head_seq) {
		if (origin != b->head_origin) {
			if (b->head_seq > b->head_other)
				b->head_other = b->head_seq;
			b->head_origin = origin;
		}
		b->head_seq = seq;
	} else if (origin != b->head_origin && seq > b->head_other) {
		b->head_other = seq;
	}
}

int64_t bench_term_target(const struct bench_term *t)
{
	const struct bench *b = t->bench;

	return b->head_origin == t->index ? b->head_other : b->head_seq;
}

int bench_term_caught_up(const struct bench_term *t)
{
	return t->state == BENCH_READY && t->cursor >= bench_term_target(t);
}

static int msg_send_text(struct bench_term *t, const char *text, size_t len)
{
	unsigned char *buf = bench_frame_alloc(len);

	if (!buf)
		return -ENOMEM;
	memcpy(bench_frame_text(buf), text, len);
	return bench_term_send(t, buf, len, 0, 0);
}

int bench_msg_send_hello(struct bench_term *t)
{
	struct proto_hello h = {0};
	char *text;
	int rc;

	h.protocol_version = PROTO_VERSION;
	snprintf(h.terminal_id, sizeof(h.terminal_id), "%s", t->terminal_id);
	h.clock_ms = bench_wall_ms();
	snprintf(h.software, sizeof(h.software), "tillnet-bench %s", TILLNET_VERSION);
	text = proto_hello_encode(&h);
	if (!text)
		return -ENOMEM;
	rc = msg_send_text(t, text, strlen(text));
	free(text);
	return rc;
}

/* As tillnet-term does: after an events page, a cursor at most every 500 ms. */
#define MSG_CURSOR_REPORT_NS (500 * 1000000ull)

int bench_msg_send_cursor(struct bench_term *t, int first)
{
	uint64_t now = bench_now();

	/* Cursors are not queued: the latest one goes out at the next writeable callback. */
	if (!t->wsi)
		return -ENOTCONN;
	if (!first && now - t->t_cursor_sent < MSG_CURSOR_REPORT_NS) {
		t->cursor_owed = 1;
		return 0;
	}
	t->cursor_owed = 0;
	t->t_cursor_sent = now;
	t->cursor_pending = 1;
	t->cursor_first |= first;
	lws_callback_on_writable(t->wsi);
	return 0;
}

void bench_msg_cursor_due(struct bench_term *t, uint64_t now)
{
	if (t->cursor_owed && t->state == BENCH_READY &&
	    now - t->t_cursor_sent >= MSG_CURSOR_REPORT_NS)
		bench_msg_send_cursor(t, 0);
}

int bench_msg_push(struct bench_term *t, int n, int track, uint16_t recipients)
{
	static const char head[] = "{\"type\":\"push\",\"ops\":[";
	struct bench *b = t->bench;
	struct bench_sale sale = {
	    .short_code = t->short_code,
	    .sku = b->sku,
	    .item_name = b->item_name,
	    .qty = 1000,
	    .unit_price = b->unit_price,
	    .tax_rate = b->tax_rate,
	};
	size_t cap = sizeof(head) + 2 + (size_t)n * (BENCH_OP_MAX + 1), len;
	uint8_t raw[UUID_LEN];
	char op_id[UUID_TEXT_LEN], order_id[UUID_TEXT_LEN];
	uint32_t op_first = 0, op_count = 0, idx;
	unsigned char *buf;
	char *text;
	int w;

	if (n < 1 || n > BENCH_BATCH_MAX)
		return -EINVAL;
	if (!t->wsi || bench_term_tx_room(t) == 0) {
		b->counts.tx_full++;
		return -ENOBUFS;
	}
	buf = bench_frame_alloc(cap);
	if (!buf)
		return -ENOMEM;
	text = bench_frame_text(buf);
	memcpy(text, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	sale.now_ms = bench_wall_ms();
	for (int i = 0; i < n; i++) {
		if (uuid_v7(raw) < 0)
			goto fail;
		uuid_format(raw, op_id);
		if (uuid_v7(raw) < 0)
			goto fail;
		uuid_format(raw, order_id);
		sale.receipt_seq = ++t->receipt_seq;
		if (i > 0)
			text[len++] = ',';
		w = bench_wire_op(text + len, cap - len, &sale, op_id, order_id);
		if (w < 0)
			goto fail;
		len += (size_t)w;
		if (track && b->track &&
		    bench_track_add(b->track, op_id, t->index, recipients, &idx) == 0) {
			if (op_count == 0)
				op_first = idx;
			op_count++;
		}
	}
	text[len++] = ']';
	text[len++] = '}';
	if (bench_term_send(t, buf, len, op_first, op_count) < 0)
		return -ENOBUFS;
	t->pushes_out++;
	return 0;
fail:
	free(buf);
	return -EIO;
}

static void msg_check_caught_up(struct bench_term *t, uint64_t now)
{
	if (!t->t_caught && bench_term_caught_up(t))
		t->t_caught = now;
}

struct msg_page {
	struct bench_term *t;
	uint64_t now;
	int64_t prev_seq;
};

static void msg_on_event(void *arg, int64_t seq, const char *op_id)
{
	struct msg_page *pg = arg;
	struct bench_term *t = pg->t;
	struct bench *b = t->bench;
	struct bench_track *track = b->track;
	int64_t idx;

	if (seq >= 0 && (seq <= t->cursor || seq <= pg->prev_seq))
		b->counts.stale++;
	pg->prev_seq = seq;
	if (!track)
		return;
	idx = bench_track_find(track, op_id);
	if (idx < 0) {
		b->counts.unmatched++;
		return;
	}
	if (track->origin[idx] == t->index) {
		b->counts.echoed++;
		return;
	}
	if (track->received[idx] >= track->expected[idx]) {
		b->counts.extra++;
		return;
	}
	bench_track_deliver(track, (uint32_t)idx, pg->now);
}

static void msg_on_welcome(struct bench_term *t, json_t *msg, uint64_t now)
{
	struct proto_welcome w;
	struct proto_error err;

	if (proto_welcome_decode(msg, &w, &err) < 0) {
		t->bench->counts.bad_msgs++;
		log_warn("bench: terminal %d: the hub's welcome is malformed: %s", t->index,
			 err.message);
		return;
	}
	snprintf(t->short_code, sizeof(t->short_code), "%s", w.short_code);
	t->state = BENCH_READY;
	t->t_welcome = now;
	bench_msg_send_cursor(t, 1);
	msg_check_caught_up(t, now);
}

static void msg_on_results(struct bench_term *t, json_t *msg, uint64_t now)
{
	struct bench *b = t->bench;
	json_t *results = json_object_get(msg, "results"), *r;
	size_t i;

	if (t->pushes_out > 0)
		t->pushes_out--;
	if (!json_is_array(results)) {
		b->counts.bad_msgs++;
		return;
	}
	json_array_foreach(results, i, r)
	{
		const char *result = json_string_value(json_object_get(r, "result"));
		json_t *seq = json_object_get(r, "seq");

		if (!result) {
			b->counts.bad_msgs++;
			continue;
		}
		if (strcmp(result, "applied") == 0 || strcmp(result, "duplicate") == 0) {
			if (result[0] == 'a')
				b->counts.applied++;
			else
				b->counts.duplicate++;
			b->acked++;
			b->t_last_ack = now;
			if (json_is_integer(seq))
				bench_head_update(b, json_integer_value(seq), t->index);
			continue;
		}
		if (strcmp(result, "conflict") == 0)
			b->counts.conflict++;
		else
			b->counts.rejected++;
		if (b->counts.first_codes++ < MSG_LOG_MAX)
			log_warn("bench: terminal %d: op %s %s: %s (%s) %s", t->index,
				 json_string_value(json_object_get(r, "opId")), result,
				 json_string_value(json_object_get(r, "code")),
				 json_string_value(json_object_get(r, "field")),
				 json_string_value(json_object_get(r, "message")));
	}
}

static void msg_on_snapshot(struct bench_term *t, json_t *msg, uint64_t now)
{
	json_t *seq = json_object_get(msg, "seq");

	t->bench->counts.snapshots++;
	if (!json_is_integer(seq)) {
		t->bench->counts.bad_msgs++;
		return;
	}
	bench_head_update(t->bench, json_integer_value(seq), -1);
	if (json_is_true(json_object_get(msg, "last"))) {
		t->cursor = json_integer_value(seq);
		msg_check_caught_up(t, now);
	}
}

static void msg_on_error(struct bench_term *t, json_t *msg)
{
	struct bench *b = t->bench;

	b->counts.hub_errors++;
	if (b->counts.first_codes++ < MSG_LOG_MAX)
		log_warn("bench: terminal %d: hub error %s: %s", t->index,
			 json_string_value(json_object_get(msg, "code")),
			 json_string_value(json_object_get(msg, "message")));
}

void bench_msg_handle(struct bench_term *t, const char *text, size_t len, uint64_t now)
{
	struct msg_page page = {t, now, -1};
	struct bench *b = t->bench;
	struct proto_error err;
	const char *type;
	int64_t up_to = 0;
	json_t *msg;
	int n;

	n = bench_wire_scan_events(text, len, msg_on_event, &page, &up_to);
	if (n >= 0) {
		b->counts.pages++;
		b->counts.deliveries += (uint64_t)n;
		t->pages++;
		t->page_events += (uint32_t)n;
		if (up_to > t->cursor)
			t->cursor = up_to;
		bench_msg_send_cursor(t, 0);
		msg_check_caught_up(t, now);
		return;
	}
	if (n == -EPROTO || proto_parse(text, len, &msg, &type, &err) < 0) {
		b->counts.bad_msgs++;
		return;
	}
	if (strcmp(type, "welcome") == 0)
		msg_on_welcome(t, msg, now);
	else if (strcmp(type, "results") == 0)
		msg_on_results(t, msg, now);
	else if (strcmp(type, "snapshot") == 0)
		msg_on_snapshot(t, msg, now);
	else if (strcmp(type, "error") == 0)
		msg_on_error(t, msg);
	json_decref(msg);
}
