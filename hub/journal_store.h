/* SPDX-License-Identifier: MIT */
/*
 * The terminals' fiscal journals in hub.db (docs/pos.md, "The journal";
 * docs/protocol.md, "journal.append"). Each journal.append op a terminal
 * pushes is judged here (sync_kinds.h) and its record stored per terminal
 * and seq. Records may arrive with gaps (an op parked on the way); each one
 * is checked against its own hash and against its neighbours when they are
 * here. What does not hold is stored anyway, as evidence, and raises an
 * alert: a journal_alerts row, an audit entry and a needs-attention item.
 * Gaps are never stored: they are computed from the seqs received.
 */
#ifndef TILLNET_JOURNAL_STORE_H
#define TILLNET_JOURNAL_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

/* The conflict code of a second record for a (terminal, seq) the hub holds. */
#define JOURNAL_CODE_SEQ_TAKEN "seq-taken"

/* Alert codes (journal_alerts.code). */
#define JOURNAL_ALERT_CHAIN_BROKEN  "chain-broken"
#define JOURNAL_ALERT_HASH_MISMATCH "hash-mismatch"
#define JOURNAL_ALERT_SEQ_MISMATCH  "seq-mismatch"

/* The audit action of an alert (actor "hub", subject the record's number). */
#define JOURNAL_AUDIT_ALERT "journal.alert"

/*
 * journal_store_set_code / journal_store_code: the store code journal
 * numbers start with, kept in hub.db's meta ("store_code"; written by
 * `tillnet-hub init` and at every enrollment from hub.conf). A hub.db
 * without one derives it from meta "store", as a config without [store]
 * code does. `out` holds at least 9 bytes.
 */
int journal_store_set_code(sqlite3 *db, const char *code);
int journal_store_code(sqlite3 *db, char *out, size_t len);

/*
 * journal_store_judge: the sync_kind judge of journal.append: payload
 * members typed and in their limits (rejected, bad-field "payload.amount"
 * …), entityId the pushing terminal's id, rev equal to payload.seq, the
 * number the store code, the terminal's short code and the seq, the amount
 * fitting the kind; a record for a (terminal, seq) already stored is a
 * conflict (seq-taken). See sync_kinds.h for the return values.
 */
int journal_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			const char **result, struct proto_error *err);

/*
 * journal_store_put: the sync_kind store of journal.append: insert the
 * record with its event's hub sequence `seq`, then check its hash, its link
 * to the previous record and the next one's link to it (when they are
 * here); each fault is an alert. Inside the push's transaction.
 */
int journal_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		      int64_t now);

/*
 * journal_store_alerts_json: the open alerts, oldest first: {id, terminalId,
 * terminalCode, seq, number, recordId, code, message, at}. Caller decrefs.
 */
int journal_store_alerts_json(sqlite3 *db, json_t **out);

/*
 * journal_store_gaps_json: every run of seqs missing between 1 and the
 * highest seq received, per terminal: {terminalId, terminalCode, from, to,
 * highest}. Caller decrefs.
 */
int journal_store_gaps_json(sqlite3 *db, json_t **out);

/*
 * journal_store_verify: recompute every stored record of `terminal_id`
 * (NULL: every terminal with a journal): per terminal {terminalId,
 * terminal, records, grandTotal (of the highest seq), highest, missing:
 * [[from, to] …], broken: [{seq, number, message}], verified (complete and
 * every hash and link holds)}. Caller decrefs.
 */
int journal_store_verify(sqlite3 *db, const char *terminal_id, json_t **out);

/* journal_store_list: the records of `terminal_id` (NULL: all), by terminal and seq. */
int journal_store_list(sqlite3 *db, const char *terminal_id, json_t **out);

/* cmd_journal: tillnet-hub journal verify|list (hub/cmd_journal.c). */
int cmd_journal(int argc, char **argv);

#endif
