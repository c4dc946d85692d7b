/* SPDX-License-Identifier: MIT */
/*
 * Cash sessions on the terminal, all offline (docs/pos.md, "Cash
 * sessions"): at most one open session per terminal; every change (open,
 * a movement, the close) is one transaction in term.db with a cash.put op
 * carrying the whole session (docs/protocol.md, "The cash session"), and
 * the close also appends the journal record whose number is the Z
 * report's. Sales and refunds made while a session is open carry its id
 * (sale_commit calls cash_current), which is how both sides find a
 * session's orders. Runs on the caller's thread.
 */
#ifndef TILLNET_TERM_CASH_H
#define TILLNET_TERM_CASH_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* By path: this header's own name would find itself first. */
#include "../common/cash.h"

#define CASH_ENTITY "cash-session"

/* Who makes a change here (the ops' actor and approver). */
struct cash_who {
	const char *terminal_id;
	const char *short_code; /* the Z report's journal number */
	const char *actor;	/* NULL when the store has no staff */
	const char *approver;	/* NULL when nobody stepped up */
};

/* cash_current: the open session's id into `id` (≥ 37 bytes): 1, 0 (none open) or -EIO. */
int cash_current(sqlite3 *db, char *id, size_t len);

/*
 * cash_mark_order: give a completed order (a sale or a refund, before it is
 * stored and journaled) the open session's id as its `cashSession`; no
 * session open: nothing. Inside the order's transaction. 0, -ENOMEM, -EIO.
 */
int cash_mark_order(sqlite3 *db, json_t *order);

/*
 * cash_open: open a session with `float_amount` in the drawer (`count`, when
 * given, is how it was counted; its total is the float). -EALREADY when one
 * is open already (`why` names it), -EIO; the new id into `id` (≥ 37 bytes).
 */
int cash_open(sqlite3 *db, const struct cash_who *who, int64_t float_amount,
	      const struct cash_count *count, char *id, char *why, size_t whylen);

/*
 * cash_move: record a movement in the open session (amount > 0, a reason of
 * 1 … CASH_REASON_MAX bytes; a no-sale: amount 0, reason may be empty).
 * -ENOENT (no open session), -EINVAL (amount or reason: `why` names it),
 * -EIO.
 */
int cash_move(sqlite3 *db, const struct cash_who *who, enum cash_move m, int64_t amount,
	      const char *reason, char *why, size_t whylen);

/*
 * cash_tally: what session `id` holds now: its float, the totals of its
 * completed orders on this terminal and its movements, and the expected
 * cash. -ENOENT (no such session), -EPROTO (a stored order does not read:
 * `why`), -ERANGE, -EIO.
 */
int cash_tally(sqlite3 *db, const char *id, int64_t *float_amount, struct cash_totals *t,
	       int64_t *expected, char *why, size_t whylen);

/*
 * cash_close: close the open session with `count`. The difference (counted
 * − expected) over `limit` needs `approved` (the caller had a manager step
 * up, or the person closing may approve); else -EPERM with `why`. Journals
 * the close (kind cash-close, amount 0) and queues the cash.put and the
 * journal.append, all in one transaction. *doc gets the closed session's
 * document (caller json_decref's). -ENOENT (none open), -EPERM, -EIO.
 */
int cash_close(sqlite3 *db, const struct cash_who *who, const struct cash_count *count,
	       int64_t limit, int approved, json_t **doc, char *why, size_t whylen);

/*
 * cash_doc: session `id`'s document as cash.put carries it (caller
 * json_decref's). `id` NULL: the open one. -ENOENT, -EIO, -ENOMEM.
 */
int cash_doc(sqlite3 *db, const char *id, json_t **doc);

/*
 * cash_find: a session by id, or by its Z number: its id into `id`. NULL
 * `ref`: the last closed session. 1 found, 0 not, -EIO.
 */
int cash_find(sqlite3 *db, const char *ref, char *id, size_t len);

/* cmd_cash / cmd_report: tillnet-term cash … and report x|z (terminal/cmd_cash.c). */
int cmd_cash(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
