/* SPDX-License-Identifier: MIT */
/*
 * What the order builders (order.c) and the order check (order_check.c)
 * share: names for messages and small JSON helpers. Internal to common/.
 */
#ifndef TILLNET_ORDER_JSON_H
#define TILLNET_ORDER_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pricing.h"
#include "proto.h"

#define BAD_FIELD PROTO_ERR_BAD_FIELD
#define PATH_LEN  sizeof(((struct proto_error *)0)->field)

/* What each kind of integer member holds, for messages. */
#define WHAT_MONEY "an integer in minor units"
#define WHAT_QTY   "an integer in thousandths of a unit"
#define WHAT_RATE  "an integer in basis points"
#define WHAT_CLOCK "an integer clock in ms since the epoch"
#define WHAT_SEQ   "an integer receipt sequence number"

/* "an object", "a real number", …: what a JSON value is, for messages. */
const char *order_json_kind(json_t *v);

/* Is `v` the string `s` exactly (a NUL inside would fool strcmp)? */
int order_string_is(json_t *v, const char *s);

/* How many bytes of `s` to quote: at most `max`, cut at a character boundary. */
int order_quote_len(const char *s, size_t max);

/* Fill err with "unexpected", out of memory; returns -ENOMEM. */
int order_out_of_memory(struct proto_error *err);

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
int order_utf8_valid(const char *s, size_t len);

/* Sum of the payments' amounts; non-integers count as 0, and it saturates. */
int64_t order_payments_sum(json_t *payments);

/*
 * order_read_discount: a discount member ({"kind", "value"}, or null or
 * missing for none) named `path`; the value's limits are pricing_compute's.
 */
int order_read_discount(json_t *v, const char *path, struct pricing_discount *out,
			struct proto_error *err);

/* order_read_mode: the order's priceMode (missing: inclusive). */
int order_read_mode(json_t *order, enum pricing_mode *mode, struct proto_error *err);

/* order_tender_kind: "cash", "card", "other", "points"; -EINVAL for others. */
int order_tender_kind(const char *name, enum pricing_tender *out);

#endif
