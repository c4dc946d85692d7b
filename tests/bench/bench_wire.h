/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's side of the sync messages (docs/protocol.md): the
 * order.put ops it pushes, written straight into a buffer, and a scanner that
 * reads the opIds, sequences and upTo of an events message without building a
 * JSON tree, so that the generator spends its CPU on the wire, not on parsing.
 * No I/O here.
 */
#ifndef TILLNET_BENCH_WIRE_H
#define TILLNET_BENCH_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The one-line completed cash sale every op carries. */
struct bench_sale {
	const char *short_code; /* the terminal's, for the receipt number */
	int64_t receipt_seq;
	int64_t now_ms; /* at, createdAt and completedAt */
	const char *sku, *item_name;
	int64_t qty, unit_price, tax_rate; /* thousandths, minor units, basis points */
};

/*
 * bench_wire_round_div: n / d rounded half away from zero (d > 0), the
 * rounding rule of line totals and tax.
 */
int64_t bench_wire_round_div(int64_t n, int64_t d);

/*
 * bench_wire_op: write one order.put op (JSON, no NUL counted) for `sale`
 * with ids `op_id` and `order_id` (36 characters each) into out[0..cap).
 * Returns its length, or -EMSGSIZE if it does not fit.
 */
int bench_wire_op(char *out, size_t cap, const struct bench_sale *sale, const char *op_id,
		  const char *order_id);

/* A callback for each event of an events message: its seq (-1 if not found) and opId. */
typedef void bench_wire_event_fn(void *arg, int64_t seq, const char *op_id);

/*
 * bench_wire_scan_events: if `text` is an events message, call `fn` for each
 * op in it (in order), set *up_to and return the number of events; return
 * -ENOENT if it is not an events message, -EPROTO if it is one without a
 * readable upTo.
 *
 * It relies on what the bench itself pushed: no string in an op holds the
 * text "opId" or "upTo" in quotes, so each quoted key it finds is a key.
 */
int bench_wire_scan_events(const char *text, size_t len, bench_wire_event_fn *fn, void *arg,
			   int64_t *up_to);

#endif
