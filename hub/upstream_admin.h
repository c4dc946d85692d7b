/* SPDX-License-Identifier: MIT */
/*
 * What people see and do about the upstream queue in hub.db: the counts for
 * status, the parked records, and the actions retry, void and
 * accept-conflict, each written with its audit entry in one transaction.
 * Run from the CLI's own process; the running hub notices within a second.
 */
#ifndef TILLNET_UPSTREAM_ADMIN_H
#define TILLNET_UPSTREAM_ADMIN_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/*
 * upstream_admin_status_json: {"url", "pending", "inflight", "parked",
 * "forwarded", "voided", "acceptedConflict", "lastSuccessAt", "lastError",
 * "lastErrorCode", "lastErrorAt", "nextAttemptAt", "oldestPendingAgeMs"}.
 * `running`: the hub runs (else nothing is in flight and the url is
 * `conf_url`, "" meaning null). Caller json_decref's.
 */
int upstream_admin_status_json(sqlite3 *db, int running, const char *conf_url, int64_t now,
			       json_t **out);

/*
 * upstream_admin_parked: the parked records, oldest first, as an array of
 * {"id", "kind", "terminal", "receipt", "hubSeq", "result", "code",
 * "message", "ref", "attempts", "parkedAt", "dependents"}. Caller decrefs.
 */
int upstream_admin_parked(sqlite3 *db, json_t **out);

/*
 * upstream_admin_retry: parked -> pending for `id`, or for every parked
 * record when `id` is NULL; *count gets how many. -ENOENT: no such parked
 * record.
 */
int upstream_admin_retry(sqlite3 *db, const char *id, const char *actor, int64_t now, int *count);

/*
 * upstream_admin_void: settle parked record `id` as voided and queue a
 * "void" record (new id into `void_id`, 37 bytes) whose payload names the
 * original: {"voidOf", "voidOfKind", "reason", "receipt"}. -ENOENT: no such
 * parked record.
 */
int upstream_admin_void(sqlite3 *db, const char *id, const char *reason, const char *actor,
			int64_t now, char *void_id);

/*
 * upstream_admin_accept_conflict: settle parked record `id`, which upstream
 * answered "conflict", as accepted-conflict: upstream's version stands and
 * records that depend on it may go. -ENOENT: no such parked record;
 * -EINVAL: it was parked for another reason.
 */
int upstream_admin_accept_conflict(sqlite3 *db, const char *id, const char *actor, int64_t now);

#endif
