/* SPDX-License-Identifier: MIT */
/*
 * Asking the hub for an order another terminal released (docs/protocol.md,
 * "claim"): a request is a row in term.db's claims table, which the running
 * terminal's sync client sends when it is connected and answers when the
 * hub does (terminal/mirror.c, mirror_apply_claim). The CLI waits for the
 * answer; the local API returns at once and is asked again.
 */
#ifndef TILLNET_TERM_CLAIMS_H
#define TILLNET_TERM_CLAIMS_H

#include <sqlite3.h>

#include "uuid.h"

struct claim_state {
	char order_id[40];
	char state[16]; /* pending, sent, claimed, refused, expired */
	char code[40];	/* the hub's code when refused */
	char message[512];
};

/* claims_request: ask for `order_id`; `request` gets the request's id. 0 or -EIO. */
int claims_request(sqlite3 *db, const char *order_id, char request[UUID_TEXT_LEN]);

/* claims_state: where request `request` stands. -ENOENT, -EIO. */
int claims_state(sqlite3 *db, const char *request, struct claim_state *out);

/* claims_withdraw: give up a request not sent yet; 1 when withdrawn (now expired), 0 if not. */
int claims_withdraw(sqlite3 *db, const char *request);

#endif
