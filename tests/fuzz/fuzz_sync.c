// SPDX-License-Identifier: MIT
/*
 * Fuzz target "sync": one frame from an enrolled till (T01 of the fixture in
 * fuzz_hub.h) after its welcome, answered by the hub's own code on a fresh
 * hub.db: a push is judged and applied op by op (hub/sync_apply.c with
 * hub/sync_kinds.c: orders, releases, journal records, refund re-checks, in
 * one transaction), a claim is answered, a cursor gets the snapshot. Every
 * answer must be a message the hub can send.
 */
#include "db.h"
#include "fuzz.h"
#include "fuzz_hub.h"
#include "proto.h"
#include "proto_sync.h"
#include "sync_apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_MS 1700000010000LL

/* What the hub would send: it must encode. */
static void send(json_t *msg)
{
	char *text = proto_dump(msg);

	if (!text)
		abort();
	if (getenv("TILLNET_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_sync: %.300s\n", text);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_claim claim;
	struct proto_error err;
	json_t *msg, *ops, *answer = NULL;
	const char *type;
	sqlite3 *db;
	int64_t seq;
	int applied;

	if (proto_parse((const char *)data, size, &msg, &type, &err) < 0)
		return 0;
	db = fuzz_hub_db();
	/*
	 * On a sound in-memory hub.db a failure is a finding: the hub would
	 * answer "hub-unavailable" and the till would send the same again forever.
	 */
	if (strcmp(type, "push") == 0 && proto_push_decode(msg, &ops, &err) == 0) {
		if (sync_apply_push(db, FUZZ_HUB_TILL_ID, ops, NOW_MS, &answer, &applied) < 0)
			abort();
		/* One definite answer per op, in order: the till settles its outbox by them. */
		if (json_array_size(answer) != json_array_size(ops))
			abort();
		send(json_pack("{s:s, s:o}", "type", "results", "results", answer));
	} else if (strcmp(type, "claim") == 0 && proto_claim_decode(msg, &claim, &err) == 0) {
		if (sync_apply_claim(db, FUZZ_HUB_TILL_ID, &claim, NOW_MS, &answer, &applied) < 0)
			abort();
		send(answer);
	} else if (strcmp(type, "cursor") == 0 && proto_cursor_decode(msg, &seq, &err) == 0) {
		if (sync_snapshot(db, FUZZ_HUB_TILL_ID, &answer, &seq) < 0)
			abort();
		send(answer);
	}
	db_close(db);
	json_decref(msg);
	return 0;
}
