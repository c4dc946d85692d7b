// SPDX-License-Identifier: MIT
/*
 * The terminals' fiscal journals in hub.db (see journal_store.h).
 *
 * A note on when a link is checked: a record's link to the one before it
 * can only be checked when both are here. Records normally arrive in order,
 * and then each one checks its link back when it arrives. When one was
 * held back (parked, then retried), the records after it arrive first; the
 * late one then checks its link back and the next record's link to it. So
 * every link is checked exactly once, by whichever of its two records
 * arrives second, and a fault is raised once.
 */
#include "journal_store.h"
#include "audit.h"
#include "db.h"
#include "journal.h"
#include "log.h"
#include "registry.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define META_STORE_CODE "store_code"

int journal_store_set_code(sqlite3 *db, const char *code)
{
	if (journal_store_code_check(code) < 0)
		return -EINVAL;
	return db_meta_set_text(db, META_STORE_CODE, code);
}

int journal_store_code(sqlite3 *db, char *out, size_t len)
{
	char store[256], code[JOURNAL_STORE_CODE_MAX + 1];
	int rc = db_meta_get_text(db, META_STORE_CODE, out, len);

	if (rc < 0 || out[0])
		return rc;
	rc = db_meta_get_text(db, "store", store, sizeof(store));
	if (rc < 0)
		return rc;
	journal_store_code_derive(store, code);
	snprintf(out, len, "%s", code);
	return 0;
}

/* One stored record: 1 found (its body malloc'd in *body), 0 not, or a negative errno. */
static int load_row(sqlite3 *db, const char *terminal_id, int64_t seq, struct journal_record *r,
		    char **body)
{
	sqlite3_stmt *st = NULL;
	int rc, found = 0;

	*body = NULL;
	memset(r, 0, sizeof(*r));
	rc = db_stmt(db,
		     "SELECT seq, number, kind, record_id, at, amount, grand_total, body, "
		     "prev_hash, hash FROM journal WHERE terminal_id = ? AND seq = ?",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		found = 1;
		r->seq = sqlite3_column_int64(st, 0);
		snprintf(r->number, sizeof(r->number), "%s", sqlite3_column_text(st, 1));
		snprintf(r->kind, sizeof(r->kind), "%s", sqlite3_column_text(st, 2));
		snprintf(r->record_id, sizeof(r->record_id), "%s", sqlite3_column_text(st, 3));
		r->at = sqlite3_column_int64(st, 4);
		r->amount = sqlite3_column_int64(st, 5);
		r->grand_total = sqlite3_column_int64(st, 6);
		*body = strdup((const char *)sqlite3_column_text(st, 7));
		snprintf(r->prev_hash, sizeof(r->prev_hash), "%s", sqlite3_column_text(st, 8));
		snprintf(r->hash, sizeof(r->hash), "%s", sqlite3_column_text(st, 9));
		r->body = *body;
		rc = *body ? SQLITE_DONE : SQLITE_NOMEM;
	}
	rc = db_check(db, rc, "read a journal record");
	db_done(st);
	if (rc < 0) {
		free(*body);
		*body = NULL;
		return rc;
	}
	return found;
}

int journal_store_judge(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
			const char **result, struct proto_error *err)
{
	struct registry_terminal t;
	struct journal_record r, stored;
	char code[16], number[JOURNAL_NUMBER_MAX], *body = NULL, *stored_body = NULL;
	int rc;

	*result = PROTO_RESULT_REJECTED;
	rc = journal_payload_decode(op->payload, &r, &body, err);
	if (rc < 0)
		return rc; /* -EINVAL: rejected; -ENOMEM undoes the push */
	if (strcmp(op->entity_id, terminal_id) != 0) {
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "entityId",
				     "entityId: %s is not this terminal's id (expected %s: a "
				     "terminal appends to its own journal only)",
				     op->entity_id, terminal_id);
		goto out;
	}
	if (op->rev != r.seq) {
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "rev",
				     "rev: %" PRId64 " is not payload.seq %" PRId64
				     " (expected a journal op's rev to be its seq)",
				     op->rev, r.seq);
		goto out;
	}
	rc = journal_store_code(db, code, sizeof(code));
	if (rc == 0)
		rc = registry_find(db, terminal_id, &t);
	if (rc == -ENOENT) {
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "entityId",
				     "entityId: terminal %s is not enrolled here", terminal_id);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (journal_number(code, t.short_code, r.seq, number, sizeof(number)) < 0 ||
	    strcmp(number, r.number) != 0) {
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.number",
				     "payload.number: \"%s\" is not this terminal's number for "
				     "seq %" PRId64 " (expected %s)",
				     r.number, r.seq, number[0] ? number : "a store code it knows");
		goto out;
	}
	rc = journal_amount_check(&r, json_object_get(op->payload, "record"), err);
	if (rc < 0)
		goto out;
	rc = load_row(db, terminal_id, r.seq, &stored, &stored_body);
	if (rc == 1) {
		*result = PROTO_RESULT_CONFLICT;
		rc = proto_error_set(err, JOURNAL_CODE_SEQ_TAKEN, "payload.seq",
				     "payload.seq: record %" PRId64
				     " of this terminal is here already (%s)%s; the first stands",
				     r.seq, stored.number,
				     strcmp(stored.hash, r.hash) == 0
					 ? ", the same record under another op id"
					 : " with other content");
	}
out:
	free(stored_body);
	free(body);
	return rc > 0 ? 0 : rc;
}

static int insert_row(sqlite3 *db, const char *terminal_id, const struct journal_record *r,
		      int64_t seq, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db,
		     "INSERT INTO journal(terminal_id, seq, number, kind, record_id, at, amount, "
		     "grand_total, body, prev_hash, hash, hub_seq, received_at) VALUES (?, ?, ?, "
		     "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->seq);
	sqlite3_bind_text(st, 3, r->number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->at);
	sqlite3_bind_int64(st, 7, r->amount);
	sqlite3_bind_int64(st, 8, r->grand_total);
	sqlite3_bind_text(st, 9, r->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, r->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, seq);
	sqlite3_bind_int64(st, 13, now);
	rc = db_check(db, sqlite3_step(st), "store a journal record");
	db_done(st);
	return rc;
}

/* An alert: its row, an audit entry (actor hub, subject the number) and a log line. */
static int alert(sqlite3 *db, const char *terminal_id, const struct journal_record *r,
		 const char *code, const char *message, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	log_warn("journal: terminal %s: %s: %s", terminal_id, code, message);
	rc = db_stmt(db,
		     "INSERT INTO journal_alerts(terminal_id, seq, code, message, at) VALUES (?, "
		     "?, ?, ?, ?)",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->seq);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = db_check(db, sqlite3_step(st), "record a journal alert");
	db_done(st);
	if (rc < 0)
		return rc;
	detail =
	    json_pack("{s:s, s:I, s:s, s:s, s:s}", "terminalId", terminal_id, "seq",
		      (json_int_t)r->seq, "number", r->number, "code", code, "message", message);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, JOURNAL_AUDIT_ALERT, r->number, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

/* A sale's document names its receipt: it must be this record's number and seq. */
static int body_matches(const struct journal_record *r, json_t *record, char *why, size_t len)
{
	json_t *receipt = json_object_get(record, "receipt"),
	       *seq = json_object_get(record, "receiptSeq");

	if (json_is_string(receipt) && strcmp(json_string_value(receipt), r->number) != 0) {
		snprintf(why, len, "record %" PRId64 " (%s): its document's receipt is \"%s\"",
			 r->seq, r->number, json_string_value(receipt));
		return 0;
	}
	if (json_is_integer(seq) && json_integer_value(seq) != r->seq) {
		snprintf(why, len,
			 "record %" PRId64
			 " (%s): its document's receiptSeq is %" JSON_INTEGER_FORMAT,
			 r->seq, r->number, json_integer_value(seq));
		return 0;
	}
	return 1;
}

int journal_store_put(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		      int64_t now)
{
	struct journal_record r, other;
	struct proto_error err;
	char *body = NULL, *other_body = NULL, why[512];
	int rc, fault;

	rc = journal_payload_decode(op->payload, &r, &body, &err);
	if (rc < 0)
		return rc == -EINVAL ? -EPROTO : rc; /* the judge passed it: cannot happen */
	rc = insert_row(db, terminal_id, &r, seq, now);
	if (rc < 0)
		goto out;
	fault = journal_check_self(&r);
	if (fault < 0) {
		rc = fault;
		goto out;
	}
	if (fault != JOURNAL_OK) {
		journal_fault_text(fault, NULL, &r, why, sizeof(why));
		rc = alert(db, terminal_id, &r,
			   fault == JOURNAL_FAULT_HASH ? JOURNAL_ALERT_HASH_MISMATCH
						       : JOURNAL_ALERT_SEQ_MISMATCH,
			   why, now);
	}
	if (rc == 0 && !body_matches(&r, json_object_get(op->payload, "record"), why, sizeof(why)))
		rc = alert(db, terminal_id, &r, JOURNAL_ALERT_SEQ_MISMATCH, why, now);
	if (rc < 0)
		goto out;
	/* The link back: to the record before, or to the start for the first. */
	rc = r.seq == 1 ? 0 : load_row(db, terminal_id, r.seq - 1, &other, &other_body);
	if (rc < 0)
		goto out;
	if (r.seq == 1 || rc == 1) {
		fault = journal_check_link(r.seq == 1 ? NULL : &other, &r);
		rc = 0;
		if (fault != JOURNAL_OK) {
			journal_fault_text(fault, r.seq == 1 ? NULL : &other, &r, why, sizeof(why));
			rc = alert(db, terminal_id, &r, JOURNAL_ALERT_CHAIN_BROKEN, why, now);
		}
	}
	free(other_body);
	other_body = NULL;
	if (rc < 0)
		goto out;
	/* The link forward, when the next record came first. */
	rc = load_row(db, terminal_id, r.seq + 1, &other, &other_body);
	if (rc == 1) {
		fault = journal_check_link(&r, &other);
		rc = 0;
		if (fault != JOURNAL_OK) {
			journal_fault_text(fault, &r, &other, why, sizeof(why));
			rc = alert(db, terminal_id, &other, JOURNAL_ALERT_CHAIN_BROKEN, why, now);
		}
	}
out:
	free(other_body);
	free(body);
	return rc < 0 ? rc : 0;
}

int journal_store_alerts_json(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *a;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(db,
			"SELECT a.id, a.terminal_id, t.short_code, a.seq, j.number, j.record_id, "
			"a.code, a.message, a.at FROM journal_alerts a "
			"LEFT JOIN terminals t ON t.id = a.terminal_id "
			"LEFT JOIN journal j ON j.terminal_id = a.terminal_id AND j.seq = a.seq "
			"WHERE a.resolved_at IS NULL ORDER BY a.id",
			&st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		a = json_pack(
		    "{s:I, s:s, s:s?, s:I, s:s?, s:s?, s:s, s:s, s:I}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "terminalId",
		    sqlite3_column_text(st, 1), "terminalCode", sqlite3_column_text(st, 2), "seq",
		    (json_int_t)sqlite3_column_int64(st, 3), "number", sqlite3_column_text(st, 4),
		    "recordId", sqlite3_column_text(st, 5), "code", sqlite3_column_text(st, 6),
		    "message", sqlite3_column_text(st, 7), "at",
		    (json_int_t)sqlite3_column_int64(st, 8));
		rc = a && json_array_append_new(arr, a) == 0 ? 0 : SQLITE_NOMEM;
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "read journal alerts");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int journal_store_gaps_json(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *g;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	/* A gap ends just before a seq whose predecessor received is not seq - 1. */
	rc = db_prepare(db,
			"SELECT g.terminal_id, t.short_code, g.prev + 1, g.seq - 1, g.highest FROM "
			"(SELECT terminal_id, seq, lag(seq, 1, 0) OVER w AS prev, max(seq) OVER "
			"(PARTITION BY terminal_id) AS highest FROM journal "
			"WINDOW w AS (PARTITION BY terminal_id ORDER BY seq)) g "
			"LEFT JOIN terminals t ON t.id = g.terminal_id WHERE g.seq > g.prev + 1 "
			"ORDER BY g.terminal_id, g.seq",
			&st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		g = json_pack("{s:s, s:s?, s:I, s:I, s:I}", "terminalId",
			      sqlite3_column_text(st, 0), "terminalCode",
			      sqlite3_column_text(st, 1), "from",
			      (json_int_t)sqlite3_column_int64(st, 2), "to",
			      (json_int_t)sqlite3_column_int64(st, 3), "highest",
			      (json_int_t)sqlite3_column_int64(st, 4));
		rc = g && json_array_append_new(arr, g) == 0 ? 0 : SQLITE_NOMEM;
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "read journal gaps");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

#define ROW_COLUMNS                                                                                \
	"seq, number, kind, record_id, at, amount, grand_total, body, prev_hash, hash, hub_seq, "  \
	"received_at"

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

static int add_broken(json_t *broken, const struct journal_record *r, int fault,
		      const struct journal_record *prev)
{
	char why[512];

	journal_fault_text(fault, prev, r, why, sizeof(why));
	return json_array_append_new(broken, json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)r->seq,
						       "number", r->number, "message", why));
}

/* One terminal's journal, walked from its lowest seq. */
static int verify_terminal(sqlite3 *db, const char *terminal_id, json_t **out)
{
	struct registry_terminal t;
	struct journal_record r, prev = {0};
	sqlite3_stmt *st = NULL;
	json_t *missing = json_array(), *broken = json_array();
	int64_t expected = 1, count = 0;
	int rc, fault, have_prev = 0;

	*out = NULL;
	if (!missing || !broken) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = db_prepare(
	    db, "SELECT " ROW_COLUMNS " FROM journal WHERE terminal_id = ? ORDER BY seq", &st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_record(st, &r);
		count++;
		if (r.seq > expected) {
			json_array_append_new(missing, json_pack("[I, I]", (json_int_t)expected,
								 (json_int_t)(r.seq - 1)));
			have_prev = 0; /* no link across a gap */
		}
		fault = journal_check_self(&r);
		if (fault < 0) {
			rc = fault;
			goto fail;
		}
		if (fault != JOURNAL_OK)
			add_broken(broken, &r, fault, NULL);
		else if (have_prev || r.seq == 1) {
			fault = journal_check_link(have_prev ? &prev : NULL, &r);
			if (fault != JOURNAL_OK)
				add_broken(broken, &r, fault, have_prev ? &prev : NULL);
		}
		prev = r;
		prev.body = NULL;
		have_prev = 1;
		expected = r.seq + 1;
	}
	rc = db_check(db, rc, "read a terminal's journal");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (registry_find(db, terminal_id, &t) < 0)
		snprintf(t.short_code, sizeof(t.short_code), "%s", terminal_id);
	*out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:b}", "terminalId", terminal_id,
			 "terminal", t.short_code, "records", (json_int_t)count, "grandTotal",
			 (json_int_t)(count ? prev.grand_total : 0), "highest",
			 (json_int_t)(expected - 1), "missing", missing, "broken", broken,
			 "verified", json_array_size(missing) == 0 && json_array_size(broken) == 0);
	return *out ? 0 : -ENOMEM;
fail:
	sqlite3_finalize(st);
	json_decref(missing);
	json_decref(broken);
	return rc;
}

int journal_store_verify(sqlite3 *db, const char *terminal_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *one;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	if (terminal_id) {
		rc = verify_terminal(db, terminal_id, &one);
		if (rc == 0)
			json_array_append_new(arr, one);
		goto done;
	}
	rc = db_prepare(db, "SELECT DISTINCT terminal_id FROM journal ORDER BY terminal_id", &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = verify_terminal(db, (const char *)sqlite3_column_text(st, 0), &one);
		if (rc == 0)
			json_array_append_new(arr, one);
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "list journals");
	sqlite3_finalize(st);
done:
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int journal_store_list(sqlite3 *db, const char *terminal_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	struct journal_record r;
	json_t *arr = json_array(), *rec, *p;
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "SELECT " ROW_COLUMNS ", j.terminal_id, t.short_code FROM journal j "
	    "LEFT JOIN terminals t ON t.id = j.terminal_id "
	    "WHERE ?1 IS NULL OR j.terminal_id = ?1 ORDER BY t.short_code, j.terminal_id, "
	    "j.seq",
	    &st);
	if (rc == 0 && terminal_id)
		sqlite3_bind_text(st, 1, terminal_id, -1, SQLITE_STATIC);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_record(st, &r);
		rec = json_loads(r.body, JSON_DECODE_ANY, NULL);
		p = journal_payload(&r, rec ? rec : json_null());
		json_decref(rec);
		if (p) {
			json_object_set_new(p, "terminalId",
					    json_string((const char *)sqlite3_column_text(st, 12)));
			json_object_set_new(
			    p, "terminal",
			    sqlite3_column_type(st, 13) == SQLITE_NULL
				? json_null()
				: json_string((const char *)sqlite3_column_text(st, 13)));
			json_object_set_new(p, "hubSeq",
					    json_integer(sqlite3_column_int64(st, 10)));
			json_object_set_new(p, "receivedAt",
					    json_integer(sqlite3_column_int64(st, 11)));
		}
		rc = p && json_array_append_new(arr, p) == 0 ? 0 : SQLITE_NOMEM;
	}
	rc = rc < 0 ? rc : db_check(db, rc == 0 ? SQLITE_DONE : rc, "read the journal");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
