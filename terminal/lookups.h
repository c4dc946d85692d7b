/* SPDX-License-Identifier: MIT */
/*
 * Looking a sale up at the hub by its receipt number (docs/protocol.md,
 * "lookup"), for a refund of a sale this terminal does not hold: a request
 * is a row in term.db's lookups table, sent by the running terminal's sync
 * client when it is connected; the answer stores the sale and its refunds
 * as mirrored orders, so refunds.c finds them like any other. A terminal
 * that is offline cannot look up: the sale must then be on it already.
 */
#ifndef TILLNET_TERM_LOOKUPS_H
#define TILLNET_TERM_LOOKUPS_H

#include <jansson.h>
#include <sqlite3.h>

#include "uuid.h"

#define LOOKUP_WAIT_MS 10000 /* how long the CLI waits for the hub */

/* lookups_request: ask the hub for the sale with `receipt`; `request` gets the id. 0 or -EIO. */
int lookups_request(sqlite3 *db, const char *receipt, char request[UUID_TEXT_LEN]);

/* lookups_state: pending, sent, found, not-found or expired; -ENOENT, -EIO. */
int lookups_state(sqlite3 *db, const char *request, char state[16]);

/*
 * lookups_wait: lookups_request, then wait up to `wait_ms` for the answer
 * (the CLI's way; it sleeps). A request not even sent by then is withdrawn
 * ("expired": the terminal is not running or not connected). `state` gets
 * the outcome. 0 or -EIO.
 */
int lookups_wait(sqlite3 *db, const char *receipt, int wait_ms, char state[16]);

/*
 * lookups_apply_answer: store a lookupResult: the request's outcome, and
 * the sale and its refunds as mirrored orders where this terminal has no
 * newer copy. One transaction. 0 or a negative errno.
 */
int lookups_apply_answer(sqlite3 *db, const char *self, json_t *answer);

#endif
