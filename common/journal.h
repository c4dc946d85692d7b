/* SPDX-License-Identifier: MIT */
/*
 * The fiscal journal's core (docs/protocol.md, "The journal record"): every
 * completed record a terminal makes (a sale, a refund, a void, a cash
 * session's close) gets the terminal's next gap-free number, the previous
 * record's SHA-256 and its own, and moves the terminal's grand total. This
 * module builds the exact text that is hashed, the number, the op's payload,
 * and checks a record and its link to the one before. No I/O: the terminal
 * (terminal/journal.c) and the hub (hub/journal_store.c) keep the rows.
 *
 * A note on what the hash covers: the text starts with a version line and
 * holds every member of the record, each on its own line, the record's
 * document last (JSON, compact, members sorted). Changing any of them,
 * the amount, the document or the link to the previous record, changes the
 * hash; a record whose stored hash no longer matches was edited.
 */
#ifndef TILLNET_JOURNAL_H
#define TILLNET_JOURNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define JOURNAL_TEXT_VERSION   "tillnet-journal-v1"
#define JOURNAL_HASH_LEN       65 /* 64 lower-case hex digits and a NUL */
#define JOURNAL_NUMBER_MAX     41 /* a number is at most 40 bytes, like a receipt */
#define JOURNAL_KIND_MAX       16
#define JOURNAL_SEQ_MAX	       (((int64_t)1 << 53) - 1)
#define JOURNAL_AMOUNT_MAX     (((int64_t)1 << 53) - 1) /* |amount| and |grandTotal| */
#define JOURNAL_GENESIS_HASH   "0000000000000000000000000000000000000000000000000000000000000000"
#define JOURNAL_STORE_CODE_MIN 2
#define JOURNAL_STORE_CODE_MAX 8

/* The kinds of record. */
#define JOURNAL_KIND_SALE	"sale"
#define JOURNAL_KIND_REFUND	"refund"
#define JOURNAL_KIND_VOID	"void"
#define JOURNAL_KIND_CASH_CLOSE "cash-close"

struct journal_record {
	int64_t seq; /* 1, 2, … without gaps, per terminal */
	char number[JOURNAL_NUMBER_MAX];
	char kind[JOURNAL_KIND_MAX];
	char record_id[40]; /* the record's id (a UUID: the order's, the session's) */
	int64_t at;	    /* device time of the record, ms */
	int64_t amount;	    /* the signed effect on the grand total, minor units */
	int64_t grand_total;
	char prev_hash[JOURNAL_HASH_LEN];
	char hash[JOURNAL_HASH_LEN];
	const char *body; /* the record's JSON, compact and sorted; borrowed */
};

/* What is wrong with a record (positive, so that 0 is "nothing"). */
enum journal_fault {
	JOURNAL_OK = 0,
	JOURNAL_FAULT_HASH,	   /* its hash does not match its content */
	JOURNAL_FAULT_PREV_HASH,   /* prevHash is not the previous record's hash */
	JOURNAL_FAULT_SEQ,	   /* its seq does not follow the previous one (or 1 first) */
	JOURNAL_FAULT_GRAND_TOTAL, /* grandTotal is not the previous one plus amount */
	JOURNAL_FAULT_NUMBER,	   /* its number does not end in its seq */
};

/*
 * journal_store_code_check: 2 to 8 of A-Z 0-9. 0 or -EINVAL.
 * journal_store_code_derive: the code a store gets from its name: its ASCII
 * letters and digits, upper-cased, the first 6; "SHOP" when fewer than 2.
 */
int journal_store_code_check(const char *code);
void journal_store_code_derive(const char *store_name, char out[JOURNAL_STORE_CODE_MAX + 1]);

/*
 * journal_number: "<store_code>-<short_code>-<seq>", seq zero-padded to at
 * least 6 digits: "CORNER-T01-000042". -EINVAL for a bad store code, an
 * empty short code or a seq outside 1 … JOURNAL_SEQ_MAX; -ENAMETOOLONG when
 * it is over 40 bytes or does not fit `len`.
 */
int journal_number(const char *store_code, const char *short_code, int64_t seq, char *out,
		   size_t len);

/* journal_kind_valid: 1 for sale, refund, void and cash-close, else 0. */
int journal_kind_valid(const char *kind);

/* journal_body: the text of `record` the hash covers (compact, sorted); free() it. NULL: ENOMEM. */
char *journal_body(json_t *record);

/*
 * journal_text: the exact text that is hashed:
 * "tillnet-journal-v1\n<seq>\n<number>\n<kind>\n<recordId>\n<at>\n<amount>\n
 * <grandTotal>\n<prevHash>\n<body>" (integers in decimal, a '-' when
 * negative; no new line after the body). The caller frees it; NULL: ENOMEM.
 */
char *journal_text(const struct journal_record *r);

/* journal_hash: SHA-256 of journal_text(r), lower-case hex. 0, -ENOMEM or -EIO. */
int journal_hash(const struct journal_record *r, char out[JOURNAL_HASH_LEN]);

/*
 * journal_check_self: the record on its own: its hash matches its content
 * and its number ends in its seq. JOURNAL_OK, a JOURNAL_FAULT_*, or a
 * negative errno when the hash could not be computed.
 */
int journal_check_self(const struct journal_record *r);

/*
 * journal_check_link: does `r` follow `prev` (NULL: `r` must be the first
 * record, seq 1, prevHash the 64 zeros)? Its seq is the next, its prevHash
 * is prev's hash and its grand total is prev's plus its amount (within
 * ±JOURNAL_AMOUNT_MAX). JOURNAL_OK or the first JOURNAL_FAULT_* found.
 */
int journal_check_link(const struct journal_record *prev, const struct journal_record *r);

/*
 * journal_fault_text: a sentence naming the record and what is wrong:
 * "record 7 (CORNER-T01-000007): its hash does not match its content".
 * `prev` (may be NULL) adds the expected values to link faults.
 */
void journal_fault_text(int fault, const struct journal_record *prev,
			const struct journal_record *r, char *out, size_t len);

/*
 * A walk along a terminal's journal from seq 1 (tillnet-term journal
 * verify, the unit tests): journal_chain_add checks a record alone and its
 * link to the last one added; on JOURNAL_OK it becomes the last. A negative
 * errno when the hash could not be computed.
 */
struct journal_chain {
	int64_t count;
	int has_last;
	struct journal_record last; /* without its body */
};

void journal_chain_init(struct journal_chain *c);
int journal_chain_add(struct journal_chain *c, const struct journal_record *r);

/*
 * journal_payload: the payload of a journal.append op (docs/protocol.md):
 * {seq, number, kind, recordId, at, amount, grandTotal, prevHash, hash,
 * record}. `record` is not consumed. The caller json_decref's; NULL: ENOMEM.
 */
json_t *journal_payload(const struct journal_record *r, json_t *record);

/*
 * journal_payload_decode: a journal.append payload into `r`, every member
 * typed and within its limits (errors are bad-field naming e.g.
 * "payload.amount"); *body gets journal_body of its record (the caller
 * frees it; r->body points at it). -EINVAL or -ENOMEM (err says which).
 */
int journal_payload_decode(json_t *payload, struct journal_record *r, char **body,
			   struct proto_error *err);

/*
 * journal_amount_check: does the amount fit the kind and the record? A sale
 * moves the grand total by the order's total; a refund, and a void that
 * reverses a sale (record.reversal true), by minus the record's total; the
 * void of an open cart and a cash session's close by 0. -EINVAL (bad-field
 * payload.amount, or payload.record.total when the total is missing).
 */
int journal_amount_check(const struct journal_record *r, json_t *record, struct proto_error *err);

#endif
