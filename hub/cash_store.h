/* SPDX-License-Identifier: MIT */
/*
 * The terminals' cash sessions in hub.db (docs/pos.md, "Cash sessions";
 * docs/protocol.md, "The cash session"). Each cash.put op a terminal pushes
 * is judged here (sync_kinds.h) and the session's newest revision kept;
 * none is ever deleted. When a close arrives, the hub works the session's
 * cash out again from the orders it holds with that cashSession (they came
 * first: the outbox is FIFO) and the movements in the document; a result
 * other than the terminal's is kept and raises an alert (a cash_alerts row,
 * an audit entry), never a refusal: the drawer was counted.
 */
#ifndef TILLNET_CASH_STORE_H
#define TILLNET_CASH_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

/* The conflict code of a change to a session closed already. */
#define CASH_CODE_SESSION_CLOSED "session-closed"

/* Alert codes (cash_alerts.code) and the audit action of one (actor "hub"). */
#define CASH_ALERT_EXPECTED "expected-mismatch"
#define CASH_ALERT_TOTALS   "totals-mismatch"
#define CASH_AUDIT_ALERT    "cash.alert"

/*
 * cash_store_judge: the sync_kind judge of cash.put: the payload checked
 * by cash_session_check (rejected, bad-field "payload.movements[1].amount"
 * …); another terminal's session is a conflict (not-owner), a rev not above
 * the stored one too (stale-revision), and any change to a closed session
 * (session-closed). See sync_kinds.h for the return values.
 */
int cash_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
		     const char **result, struct proto_error *err);

/*
 * cash_store_put: the sync_kind store of cash.put: the session's row at
 * event `seq`; for a close, the hub's own tally and any alert. Inside the
 * push's transaction.
 */
int cash_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now);

/*
 * cash_store_list: every session (only `terminal_id`'s when not NULL),
 * newest first: {id, terminalId, terminal, status, openedAt, closedAt,
 * float, expected, counted, difference, hubExpected, zNumber, rev,
 * alerts}. Caller decrefs.
 */
int cash_store_list(sqlite3 *db, const char *terminal_id, json_t **out);

/*
 * cash_store_get: one session: its list entry plus "session" (the
 * terminal's document), "hubTotals" (the hub's tally of a closed one, else
 * null) and "alertList" [{code, message, at}]. -ENOENT, -EIO, -ENOMEM.
 */
int cash_store_get(sqlite3 *db, const char *id, json_t **out);

/* cmd_cash: tillnet-hub cash list|show (hub/cmd_cash.c). */
int cmd_cash(int argc, char **argv);

#endif
