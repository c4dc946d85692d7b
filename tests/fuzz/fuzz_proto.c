// SPDX-License-Identifier: MIT
/*
 * Fuzz target "proto": one WebSocket text frame, as the hub or a terminal
 * receives it (common/proto.c, common/proto_sync.c). The frame is parsed,
 * then decoded by every decoder its type has on either side: hello,
 * welcome, error, push (each op, and the payload checks the hub runs on an
 * order.put and a journal.append), cursor and claim. What decodes is
 * encoded again and must decode to the same thing.
 */
#include "fuzz.h"
#include "journal.h"
#include "order.h"
#include "proto.h"
#include "proto_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_proto: %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Every sku is known but "unknown": both answers of the catalog are reached. */
static int sku_known(void *ctx, const char *sku)
{
	(void)ctx;
	return strcmp(sku, "unknown") != 0;
}

/* An error goes back to the peer: it must encode, and decode as it was. */
static void error_round_trip(const struct proto_error *e)
{
	struct proto_error back, err;
	const char *type;
	char *text = proto_error_encode(e);
	json_t *msg;

	CHECK(text);
	CHECK(proto_parse(text, strlen(text), &msg, &type, &err) == 0);
	CHECK(strcmp(type, "error") == 0);
	CHECK(proto_error_decode(msg, &back, &err) == 0);
	CHECK(strcmp(back.code, e->code) == 0 && strcmp(back.field, e->field) == 0);
	CHECK(strcmp(back.message, e->message) == 0);
	json_decref(msg);
	free(text);
}

static void hello(json_t *msg)
{
	struct proto_hello h, back;
	struct proto_error err;
	const char *type;
	json_t *again;
	char *text;

	if (proto_hello_decode(msg, &h, &err) < 0) {
		error_round_trip(&err);
		return;
	}
	text = proto_hello_encode(&h);
	CHECK(text);
	CHECK(proto_parse(text, strlen(text), &again, &type, &err) == 0);
	CHECK(proto_hello_decode(again, &back, &err) == 0);
	CHECK(memcmp(&h, &back, sizeof(h)) == 0);
	json_decref(again);
	free(text);
}

static void welcome(json_t *msg)
{
	struct proto_welcome w, back;
	struct proto_error err;
	const char *type;
	json_t *again;
	char *text;

	if (proto_welcome_decode(msg, &w, &err) < 0) {
		error_round_trip(&err);
		return;
	}
	text = proto_welcome_encode(&w);
	CHECK(text);
	CHECK(proto_parse(text, strlen(text), &again, &type, &err) == 0);
	CHECK(proto_welcome_decode(again, &back, &err) == 0);
	CHECK(memcmp(&w, &back, sizeof(w)) == 0);
	json_decref(again);
	free(text);
}

/* What the hub checks of a decoded op's payload before it touches hub.db. */
static void payload(const struct proto_op *op)
{
	struct journal_record r;
	struct proto_error err;
	char *body = NULL;

	if (strcmp(op->kind, PROTO_OP_ORDER_PUT) == 0) {
		if (order_check(op->payload, sku_known, NULL, &err) < 0)
			proto_error_prefix(&err, "ops[0].");
	} else if (strcmp(op->kind, PROTO_OP_JOURNAL_APPEND) == 0) {
		if (journal_payload_decode(op->payload, &r, &body, &err) == 0) {
			journal_amount_check(&r, json_object_get(op->payload, "record"), &err);
			journal_check_self(&r);
		}
		free(body);
	}
}

static void push(json_t *msg)
{
	struct proto_error err;
	struct proto_op op;
	json_t *ops, *v;
	size_t i;

	if (proto_push_decode(msg, &ops, &err) < 0) {
		error_round_trip(&err);
		return;
	}
	json_array_foreach(ops, i, v)
	{
		char *canonical = proto_op_canonical(v);

		CHECK(canonical);
		free(canonical);
		if (proto_op_decode(v, &op, &err) < 0) {
			proto_error_prefix(&err, "ops[0].");
			continue;
		}
		payload(&op);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_error err, e;
	struct proto_claim claim;
	const char *type;
	json_t *msg;
	int64_t seq;

	if (proto_parse((const char *)data, size, &msg, &type, &err) < 0) {
		error_round_trip(&err);
		return 0;
	}
	/*
	 * The hub answers a type it does not take with an error quoting it, cut
	 * to 40 bytes (hub/sync_server.c): that error must still encode.
	 */
	proto_error_set(&e, PROTO_ERR_UNKNOWN_TYPE, "type",
			"type: \"%.40s\" is not a message type of protocol %d", type,
			PROTO_VERSION);
	error_round_trip(&e);
	if (strcmp(type, "hello") == 0)
		hello(msg);
	else if (strcmp(type, "welcome") == 0)
		welcome(msg);
	else if (strcmp(type, "error") == 0 && proto_error_decode(msg, &e, &err) == 0)
		error_round_trip(&e);
	else if (strcmp(type, "push") == 0)
		push(msg);
	else if (strcmp(type, "cursor") == 0)
		proto_cursor_decode(msg, &seq, &err);
	else if (strcmp(type, "claim") == 0)
		proto_claim_decode(msg, &claim, &err);
	json_decref(msg);
	return 0;
}
