// SPDX-License-Identifier: MIT
/* Ops the bench pushes and the events it reads (see bench_wire.h). */
#include "bench_wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_EVENTS_MAX 1024 /* a page holds at most 200 (docs/protocol.md) */

int64_t bench_wire_round_div(int64_t n, int64_t d)
{
	int64_t q = n / d, r = n % d;

	/* C truncates toward zero; move away from zero when the rest is half or more. */
	if (2 * (r < 0 ? -r : r) >= d)
		q += n < 0 ? -1 : 1;
	return q;
}

int bench_wire_op(char *out, size_t cap, const struct bench_sale *s, const char *op_id,
		  const char *order_id)
{
	int64_t line_total = bench_wire_round_div(s->unit_price * s->qty, 1000);
	int64_t tax = bench_wire_round_div(line_total * s->tax_rate, 10000 + s->tax_rate);
	int n;

	n = snprintf(out, cap,
		     "{\"opId\":\"%.36s\",\"kind\":\"order.put\",\"entity\":\"order\","
		     "\"entityId\":\"%.36s\",\"rev\":1,\"at\":%lld,\"payload\":{"
		     "\"status\":\"completed\",\"receipt\":\"%s-%lld\",\"receiptSeq\":%lld,"
		     "\"createdAt\":%lld,\"completedAt\":%lld,\"lines\":[{\"sku\":\"%s\","
		     "\"name\":\"%s\",\"qty\":%lld,\"unitPrice\":%lld,\"taxRate\":%lld,"
		     "\"lineTotal\":%lld,\"tax\":%lld}],\"total\":%lld,\"taxTotal\":%lld,"
		     "\"payments\":[{\"tender\":\"cash\",\"amount\":%lld,\"tendered\":%lld,"
		     "\"change\":0,\"reference\":null}]}}",
		     op_id, order_id, (long long)s->now_ms, s->short_code,
		     (long long)s->receipt_seq, (long long)s->receipt_seq, (long long)s->now_ms,
		     (long long)s->now_ms, s->sku, s->item_name, (long long)s->qty,
		     (long long)s->unit_price, (long long)s->tax_rate, (long long)line_total,
		     (long long)tax, (long long)line_total, (long long)tax, (long long)line_total,
		     (long long)line_total);
	if (n < 0 || (size_t)n >= cap)
		return -EMSGSIZE;
	return n;
}

/* The value after a quoted key at `p` (just past its closing quote): skip blanks and ':'. */
static const char *wire_value(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p == end || *p != ':')
		return NULL;
	p++;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p < end ? p : NULL;
}

static int wire_int(const char *p, const char *end, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;

	for (; p < end && *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
		v = v * 10 + (*p - '0');
	if (!digits)
		return -EPROTO;
	*out = v;
	return 0;
}

/* The first value of key `key` (with its quotes) in text, or NULL. */
static const char *wire_find(const char *text, const char *end, const char *key)
{
	size_t klen = strlen(key);
	const char *p = memmem(text, (size_t)(end - text), key, klen);

	return p ? wire_value(p + klen, end) : NULL;
}

int bench_wire_scan_events(const char *text, size_t len, bench_wire_event_fn *fn, void *arg,
			   int64_t *up_to)
{
	static const char k_seq[] = "\"seq\"", k_op[] = "\"opId\"";
	const char *end = text + len, *p, *v;
	const char *op_ids[WIRE_EVENTS_MAX];
	int64_t seqs[WIRE_EVENTS_MAX];
	int n_ops = 0, n_seqs = 0;

	v = wire_find(text, end, "\"type\"");
	if (!v || (size_t)(end - v) < 8 || memcmp(v, "\"events\"", 8) != 0)
		return -ENOENT;
	v = wire_find(text, end, "\"upTo\"");
	if (!v || wire_int(v, end, up_to) < 0)
		return -EPROTO;
	/* Pair the i-th seq with the i-th opId, whatever order the members come in. */
	for (p = text; (p = memmem(p, (size_t)(end - p), k_seq, sizeof(k_seq) - 1));) {
		p += sizeof(k_seq) - 1;
		v = wire_value(p, end);
		if (v && n_seqs < WIRE_EVENTS_MAX && wire_int(v, end, &seqs[n_seqs]) == 0)
			n_seqs++;
	}
	for (p = text; (p = memmem(p, (size_t)(end - p), k_op, sizeof(k_op) - 1));) {
		p += sizeof(k_op) - 1;
		v = wire_value(p, end);
		if (v && *v == '"' && end - v >= 38 && v[37] == '"' && n_ops < WIRE_EVENTS_MAX)
			op_ids[n_ops++] = v + 1;
	}
	for (int i = 0; i < n_ops; i++)
		fn(arg, i < n_seqs ? seqs[i] : -1, op_ids[i]);
	return n_ops;
}
