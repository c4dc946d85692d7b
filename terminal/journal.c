// SPDX-License-Identifier: MIT
/* The terminal's fiscal journal in term.db (see journal.h). */
#include "journal.h"
#include "db.h"
#include "outbox.h"
#include "proto_sync.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int journal_remember_store_code(sqlite3 *db, const char *code)
{
	char have[16];
	int rc;

	if (journal_store_code_check(code) < 0)
		return -EINVAL;
	rc = db_meta_get_text(db, TERM_META_STORE_CODE, have, sizeof(have));
	if (rc < 0 || strcmp(have, code) == 0)
		return rc;
	return db_meta_set_text(db, TERM_META_STORE_CODE, code);
}

/* The last row's seq, hash and grand total; seq 0 and the 64 zeros when there is none. */
static int last_row(sqlite3 *db, int64_t *seq, char hash[JOURNAL_HASH_LEN], int64_t *grand)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*seq = 0;
	*grand = 0;
	snprintf(hash, JOURNAL_HASH_LEN, "%s", JOURNAL_GENESIS_HASH);
	rc = db_prepare(db, "SELECT seq, hash, grand_total FROM journal ORDER BY seq DESC LIMIT 1",
			&st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, JOURNAL_HASH_LEN, "%s", sqlite3_column_text(st, 1));
		*grand = sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "read the journal's last record");
	sqlite3_finalize(st);
	return rc;
}

int journal_next(sqlite3 *db, const char *short_code, struct journal_next *next)
{
	char code[16], hash[JOURNAL_HASH_LEN];
	int64_t seq, grand;
	int rc;

	memset(next, 0, sizeof(*next));
	rc = db_meta_get_text(db, TERM_META_STORE_CODE, code, sizeof(code));
	if (rc == 0 && !code[0])
		rc = -ENOENT;
	if (rc == 0)
		rc = last_row(db, &seq, hash, &grand);
	if (rc < 0)
		return rc;
	next->seq = seq + 1;
	return journal_number(code, short_code, next->seq, next->number, sizeof(next->number));
}

static int insert_row(sqlite3 *db, const struct journal_record *r)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc =
	    db_prepare(db,
		       "INSERT INTO journal(seq, number, kind, record_id, at, amount, grand_total, "
		       "body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_text(st, 2, r->number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->at);
	sqlite3_bind_int64(st, 6, r->amount);
	sqlite3_bind_int64(st, 7, r->grand_total);
	sqlite3_bind_text(st, 8, r->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->hash, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "write a journal record");
	sqlite3_finalize(st);
	return rc;
}

/* The journal.append op: entity "journal", the terminal's id, rev = seq. */
static json_t *append_op(const struct journal_record *r, const struct journal_entry *e,
			 json_t *record)
{
	uint8_t id[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	json_t *payload, *op;

	if (uuid_v7(id) < 0)
		return NULL;
	uuid_format(id, op_id);
	payload = journal_payload(r, record);
	if (!payload)
		return NULL;
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "opId", op_id, "kind",
		       PROTO_OP_JOURNAL_APPEND, "entity", "journal", "entityId", e->terminal_id,
		       "rev", (json_int_t)r->seq, "at", (json_int_t)r->at, "payload", payload);
	if (op && e->actor && json_object_set_new(op, "actor", json_string(e->actor)) < 0)
		goto fail;
	if (op && e->approver && json_object_set_new(op, "approver", json_string(e->approver)) < 0)
		goto fail;
	return op;
fail:
	json_decref(op);
	return NULL;
}

int journal_append(sqlite3 *db, const struct journal_next *next, const struct journal_entry *e,
		   json_t *record, struct journal_record *out)
{
	struct journal_record r = {0};
	int64_t last, before;
	char *body = NULL;
	json_t *op = NULL;
	int rc;

	rc = last_row(db, &last, r.prev_hash, &before);
	if (rc < 0)
		return rc;
	if (next->seq != last + 1)
		return -ESTALE;
	if (e->amount > JOURNAL_AMOUNT_MAX - before || e->amount < -JOURNAL_AMOUNT_MAX - before)
		return -ERANGE;
	r.seq = next->seq;
	snprintf(r.number, sizeof(r.number), "%s", next->number);
	snprintf(r.kind, sizeof(r.kind), "%s", e->kind);
	snprintf(r.record_id, sizeof(r.record_id), "%s", e->record_id);
	r.at = e->at;
	r.amount = e->amount;
	r.grand_total = before + e->amount;
	body = journal_body(record);
	if (!body)
		return -ENOMEM;
	r.body = body;
	rc = journal_hash(&r, r.hash);
	if (rc == 0)
		rc = insert_row(db, &r);
	if (rc == 0) {
		op = append_op(&r, e, record);
		rc = op ? outbox_add(db, op, e->at) : -ENOMEM;
	}
	/* status's receiptSeq: the last number this terminal gave. */
	if (rc == 0)
		rc = term_db_set_int(db, TERM_META_RECEIPT_SEQ, r.seq);
	json_decref(op);
	free(body);
	if (rc == 0 && out) {
		*out = r;
		out->body = NULL;
	}
	return rc;
}

static void row_record(sqlite3_stmt *st, struct journal_record *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	snprintf(r->number, sizeof(r->number), "%s", sqlite3_column_text(st, 1));
	snprintf(r->kind, sizeof(r->kind), "%s", sqlite3_column_text(st, 2));
	snprintf(r->record_id, sizeof(r->record_id), "%s", sqlite3_column_text(st, 3));
	r->at = sqlite3_column_int64(st, 4);
	r->amount = sqlite3_column_int64(st, 5);
	r->grand_total = sqlite3_column_int64(st, 6);
	r->body = (const char *)sqlite3_column_text(st, 7);
	snprintf(r->prev_hash, sizeof(r->prev_hash), "%s", sqlite3_column_text(st, 8));
	snprintf(r->hash, sizeof(r->hash), "%s", sqlite3_column_text(st, 9));
}

#define ROW_COLUMNS "seq, number, kind, record_id, at, amount, grand_total, body, prev_hash, hash"

int journal_verify(sqlite3 *db, int64_t *count, int64_t *grand_total, char *why, size_t whylen)
{
	struct journal_chain chain;
	struct journal_record r, prev;
	sqlite3_stmt *st = NULL;
	int rc, fault = JOURNAL_OK;

	*count = 0;
	*grand_total = 0;
	why[0] = '\0';
	journal_chain_init(&chain);
	rc = db_prepare(db, "SELECT " ROW_COLUMNS " FROM journal ORDER BY seq", &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_record(st, &r);
		prev = chain.last;
		fault = journal_chain_add(&chain, &r);
		if (fault != JOURNAL_OK)
			break;
	}
	if (fault != JOURNAL_OK) {
		if (fault > 0)
			journal_fault_text(fault, chain.has_last ? &prev : NULL, &r, why, whylen);
		rc = fault > 0 ? 1 : fault;
	} else {
		rc = db_check(db, rc, "read the journal");
	}
	sqlite3_finalize(st);
	*count = chain.count;
	*grand_total = chain.has_last ? chain.last.grand_total : 0;
	return rc;
}

int journal_list_json(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	struct journal_record r;
	json_t *arr = json_array(), *rec, *p;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(db, "SELECT " ROW_COLUMNS " FROM journal ORDER BY seq", &st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_record(st, &r);
		rec = json_loads(r.body, JSON_DECODE_ANY, NULL);
		p = journal_payload(&r, rec ? rec : json_null());
		json_decref(rec);
		if (!p || json_array_append_new(arr, p) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	rc = db_check(db, rc, "read the journal");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	*out = arr;
	return 0;
fail:
	sqlite3_finalize(st);
	json_decref(arr);
	return rc;
}
