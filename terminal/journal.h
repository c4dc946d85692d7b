/* SPDX-License-Identifier: MIT */
/*
 * The terminal's fiscal journal in term.db (docs/pos.md, "The journal"):
 * one row per completed record, numbered 1, 2, … without gaps, each
 * holding the previous row's SHA-256 and its own (common/journal.h), and
 * the terminal's perpetual grand total. A row is written in the same
 * transaction as its record, together with a journal.append op for the hub.
 *
 * The number's prefix is the store code from term.conf, which term_open
 * (terminal/main.c) keeps in term.db's meta table as "store_code" so that
 * the code that writes a record needs nothing but the database.
 */
#ifndef TILLNET_TERM_JOURNAL_H
#define TILLNET_TERM_JOURNAL_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* By path: this header's own name would find itself first. */
#include "../common/journal.h"

#define TERM_META_STORE_CODE "store_code"

/* The next number, given before the record is final (its receipt). */
struct journal_next {
	int64_t seq;
	char number[JOURNAL_NUMBER_MAX];
};

/* What the caller knows of a record it is about to append. */
struct journal_entry {
	const char *terminal_id;
	const char *kind;      /* JOURNAL_KIND_* */
	const char *record_id; /* the order's id (a UUID) */
	int64_t at;	       /* device time of the record */
	int64_t amount;	       /* the signed effect on the grand total */
	const char *actor;     /* copied from the record's op; NULL when none */
	const char *approver;  /* likewise */
};

/*
 * journal_remember_store_code: keep `code` (term.conf's store code) in
 * term.db's meta; writes only when it differs. 0, -EINVAL (not a store
 * code) or -EIO.
 */
int journal_remember_store_code(sqlite3 *db, const char *code);

/*
 * journal_next: the next seq and number of this terminal (`short_code`)
 * without writing anything; call it inside the transaction that appends.
 * -ENOENT when term.db holds no store code yet, -EIO.
 */
int journal_next(sqlite3 *db, const char *short_code, struct journal_next *next);

/*
 * journal_append: in the caller's open transaction, write the journal row
 * for `record` (the final document; not consumed) with `next`'s seq and
 * number, the previous row's hash and the grand total moved by e->amount,
 * and queue its journal.append op in the outbox. `out` (may be NULL) gets
 * the row (its body is NULL). -ESTALE if `next` is no longer the next seq,
 * -ERANGE if the grand total would leave ±2^53, -ENOMEM, -EIO.
 */
int journal_append(sqlite3 *db, const struct journal_next *next, const struct journal_entry *e,
		   json_t *record, struct journal_record *out);

/*
 * journal_verify: walk every row from seq 1: each row's hash against its
 * content, the prevHash links, seq continuity and the grand total's running
 * sum. 0 with *count and *grand_total when the journal holds; 1 with a
 * sentence in `why` naming the first bad record; a negative errno when the
 * database cannot be read.
 */
int journal_verify(sqlite3 *db, int64_t *count, int64_t *grand_total, char *why, size_t whylen);

/* journal_list_json: every row, oldest first, as an array of payload-shaped objects. */
int journal_list_json(sqlite3 *db, json_t **out);

/* cmd_journal: tillnet-term journal verify|list (terminal/cmd_journal.c). */
int cmd_journal(int argc, char **argv);

#endif
