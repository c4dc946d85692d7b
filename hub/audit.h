/* SPDX-License-Identifier: MIT */
/*
 * The audit log in hub.db: who did what, when, append-only (the table's
 * triggers refuse UPDATE and DELETE). Write an entry in the same transaction
 * as the change it records, so that neither exists without the other.
 */
#ifndef TILLNET_AUDIT_H
#define TILLNET_AUDIT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The actor of the hub's own actions. */
#define AUDIT_ACTOR_HUB "hub"

/*
 * audit_append: record `action` (dot notation, e.g. "order.claim.force") by
 * `actor` on `subject` ("" for none) at `at` (ms), with `detail` (an object,
 * not consumed; NULL for {}). 0, -ENOMEM or -EIO (logged).
 */
int audit_append(sqlite3 *db, const char *actor, const char *action, const char *subject,
		 json_t *detail, int64_t at);

/*
 * audit_cli_actor: the actor for a command run at the hub by this process's
 * user: "cli:NAME" (or "cli:uid N" when the user has no name).
 */
void audit_cli_actor(char *buf, size_t len);

/*
 * audit_list: the entries after `after_seq`, oldest first, at most `limit`,
 * as an array of {seq, at, actor, action, subject, detail}. Caller decrefs.
 */
int audit_list(sqlite3 *db, int64_t after_seq, int limit, json_t **out);

#endif
