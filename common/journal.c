// SPDX-License-Identifier: MIT
/* The fiscal journal's core: the hashed text, numbers, checks (see journal.h). */
#include "journal.h"
#include "sha256.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK_MIN 946684800000LL  /* 2000-01-01, as every clock in the protocol */
#define CLOCK_MAX 7258118400000LL /* 2200-01-01 */

int journal_store_code_check(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n < JOURNAL_STORE_CODE_MIN || n > JOURNAL_STORE_CODE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!(code[i] >= 'A' && code[i] <= 'Z') && !(code[i] >= '0' && code[i] <= '9'))
			return -EINVAL;
	return 0;
}

void journal_store_code_derive(const char *store_name, char out[JOURNAL_STORE_CODE_MAX + 1])
{
	size_t n = 0;

	for (const char *s = store_name; s && *s && n < 6; s++) {
		unsigned char c = (unsigned char)*s;

		/* ASCII only: isalnum would take a locale's letters. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	if (n < JOURNAL_STORE_CODE_MIN)
		memcpy(out, "SHOP", sizeof("SHOP"));
}

int journal_number(const char *store_code, const char *short_code, int64_t seq, char *out,
		   size_t len)
{
	int n;

	if (len)
		out[0] = '\0';
	if (journal_store_code_check(store_code) < 0 || !short_code || !short_code[0] || seq < 1 ||
	    seq > JOURNAL_SEQ_MAX)
		return -EINVAL;
	n = snprintf(out, len, "%s-%s-%06" PRId64, store_code, short_code, seq);
	if (n < 0 || (size_t)n >= len || n > JOURNAL_NUMBER_MAX - 1) {
		if (len)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int journal_kind_valid(const char *kind)
{
	static const char *const kinds[] = {JOURNAL_KIND_SALE, JOURNAL_KIND_REFUND,
					    JOURNAL_KIND_VOID, JOURNAL_KIND_CASH_CLOSE};

	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

char *journal_body(json_t *record)
{
	return json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
}

char *journal_text(const struct journal_record *r)
{
	const char *body = r->body ? r->body : "";
	size_t len;
	char *text;
	int n;

	/* The fixed part is at most ~330 bytes: numbers, short texts and two hashes. */
	len = strlen(body) + 512;
	text = malloc(len);
	if (!text)
		return NULL;
	n = snprintf(text, len,
		     JOURNAL_TEXT_VERSION "\n%" PRId64 "\n%s\n%s\n%s\n%" PRId64 "\n%" PRId64
					  "\n%" PRId64 "\n%s\n%s",
		     r->seq, r->number, r->kind, r->record_id, r->at, r->amount, r->grand_total,
		     r->prev_hash, body);
	if (n < 0 || (size_t)n >= len) {
		free(text);
		return NULL;
	}
	return text;
}

int journal_hash(const struct journal_record *r, char out[JOURNAL_HASH_LEN])
{
	char *text = journal_text(r);
	int rc;

	out[0] = '\0';
	if (!text)
		return -ENOMEM;
	rc = sha256_hex(text, strlen(text), out);
	free(text);
	return rc;
}

/* Does the number end in "-<seq>" with at least 6 digits, as journal_number writes it? */
static int number_matches_seq(const struct journal_record *r)
{
	char tail[32];
	size_t n = strlen(r->number), t;

	snprintf(tail, sizeof(tail), "-%06" PRId64, r->seq);
	t = strlen(tail);
	return n > t && strcmp(r->number + n - t, tail) == 0;
}

int journal_check_self(const struct journal_record *r)
{
	char hash[JOURNAL_HASH_LEN];
	int rc = journal_hash(r, hash);

	if (rc < 0)
		return rc;
	if (strcmp(hash, r->hash) != 0)
		return JOURNAL_FAULT_HASH;
	if (!number_matches_seq(r))
		return JOURNAL_FAULT_NUMBER;
	return JOURNAL_OK;
}

int journal_check_link(const struct journal_record *prev, const struct journal_record *r)
{
	int64_t before = prev ? prev->grand_total : 0;

	if (r->seq != (prev ? prev->seq + 1 : 1))
		return JOURNAL_FAULT_SEQ;
	if (strcmp(r->prev_hash, prev ? prev->hash : JOURNAL_GENESIS_HASH) != 0)
		return JOURNAL_FAULT_PREV_HASH;
	/* Both are within ±2^53, so the sum cannot overflow an int64_t. */
	if (before < -JOURNAL_AMOUNT_MAX || before > JOURNAL_AMOUNT_MAX ||
	    r->amount < -JOURNAL_AMOUNT_MAX || r->amount > JOURNAL_AMOUNT_MAX ||
	    r->grand_total != before + r->amount)
		return JOURNAL_FAULT_GRAND_TOTAL;
	return JOURNAL_OK;
}

void journal_fault_text(int fault, const struct journal_record *prev,
			const struct journal_record *r, char *out, size_t len)
{
	int n = snprintf(out, len, "record %" PRId64 " (%s): ", r->seq, r->number);

	if (n < 0 || (size_t)n >= len)
		return;
	out += n;
	len -= (size_t)n;
	switch (fault) {
	case JOURNAL_FAULT_HASH:
		snprintf(out, len,
			 "its hash does not match its content (edited after it was "
			 "written?)");
		break;
	case JOURNAL_FAULT_PREV_HASH:
		if (prev)
			snprintf(out, len,
				 "its prevHash %.12s… is not the hash of record %" PRId64
				 " (%.12s…): the chain is broken",
				 r->prev_hash, prev->seq, prev->hash);
		else
			snprintf(out, len,
				 "its prevHash %.12s… is not 64 zeros, as the first record's "
				 "must be",
				 r->prev_hash);
		break;
	case JOURNAL_FAULT_SEQ:
		snprintf(out, len,
			 "expected seq %" PRId64 " here (records are numbered 1, 2, … "
			 "without gaps)",
			 prev ? prev->seq + 1 : 1);
		break;
	case JOURNAL_FAULT_GRAND_TOTAL:
		snprintf(out, len,
			 "its grand total %" PRId64 " is not the previous %" PRId64
			 " plus its amount %" PRId64,
			 r->grand_total, prev ? prev->grand_total : 0, r->amount);
		break;
	case JOURNAL_FAULT_NUMBER:
		snprintf(out, len, "its number does not end in its seq %06" PRId64, r->seq);
		break;
	default:
		snprintf(out, len, "cannot be checked (error %d)", fault);
		break;
	}
}

void journal_chain_init(struct journal_chain *c)
{
	memset(c, 0, sizeof(*c));
}

int journal_chain_add(struct journal_chain *c, const struct journal_record *r)
{
	int rc = journal_check_self(r);

	if (rc == JOURNAL_OK)
		rc = journal_check_link(c->has_last ? &c->last : NULL, r);
	if (rc != JOURNAL_OK)
		return rc;
	c->last = *r;
	c->last.body = NULL;
	c->has_last = 1;
	c->count++;
	return JOURNAL_OK;
}

json_t *journal_payload(const struct journal_record *r, json_t *record)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:O}", "seq",
			 (json_int_t)r->seq, "number", r->number, "kind", r->kind, "recordId",
			 r->record_id, "at", (json_int_t)r->at, "amount", (json_int_t)r->amount,
			 "grandTotal", (json_int_t)r->grand_total, "prevHash", r->prev_hash, "hash",
			 r->hash, "record", record);
}

/* An integer member of the payload in [min, max]; a real is named as such (money rule). */
static int get_int(json_t *p, const char *key, int64_t min, int64_t max, const char *what,
		   int64_t *out, struct proto_error *err)
{
	json_t *v = json_object_get(p, key);

	if (!v)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key, "%s: missing (expected %s)",
				       key, what);
	if (json_is_real(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key,
				       "%s: expected %s, not a real number", key, what);
	if (!json_is_integer(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key, "%s: expected %s", key, what);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key,
				       "%s: %" JSON_INTEGER_FORMAT
				       " is out of range (expected %s, %" PRId64 " to %" PRId64 ")",
				       key, json_integer_value(v), what, min, max);
	*out = json_integer_value(v);
	return 0;
}

/* A string member: 1 … len-1 bytes, no NUL. */
static int get_text(json_t *p, const char *key, const char *what, char *out, size_t len,
		    struct proto_error *err)
{
	json_t *v = json_object_get(p, key);

	if (!json_is_string(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key, "%s: %s (expected %s)", key,
				       v ? "not a string" : "missing", what);
	if (json_string_length(v) == 0 || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, key,
				       "%s: expected %s of 1 to %zu bytes and no NUL", key, what,
				       len - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int is_hash(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (const char *c = s; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return 0;
	return 1;
}

static int is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
			return 0;
		}
	}
	return 1;
}

int journal_payload_decode(json_t *payload, struct journal_record *r, char **body,
			   struct proto_error *err)
{
	json_t *record;
	int rc;

	memset(r, 0, sizeof(*r));
	*body = NULL;
	if (!json_is_object(payload))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload",
				       "payload: expected an object (a journal record)");
	rc = get_int(payload, "seq", 1, JOURNAL_SEQ_MAX, "an integer journal sequence", &r->seq,
		     err);
	if (rc == 0)
		rc = get_text(payload, "number", "a journal number like CORNER-T01-000042",
			      r->number, sizeof(r->number), err);
	if (rc == 0)
		rc = get_text(payload, "kind", "sale, refund, void or cash-close", r->kind,
			      sizeof(r->kind), err);
	if (rc == 0 && !journal_kind_valid(r->kind))
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "kind",
				     "kind: \"%s\" is not a journal kind (expected sale, refund, "
				     "void or cash-close)",
				     r->kind);
	if (rc == 0)
		rc = get_text(payload, "recordId", "a UUID", r->record_id, sizeof(r->record_id),
			      err);
	if (rc == 0 && !is_uuid(r->record_id))
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "recordId",
				     "recordId: expected a UUID in lower case, 36 characters");
	if (rc == 0)
		rc = get_int(payload, "at", CLOCK_MIN, CLOCK_MAX,
			     "an integer clock in ms since the epoch", &r->at, err);
	if (rc == 0)
		rc = get_int(payload, "amount", -JOURNAL_AMOUNT_MAX, JOURNAL_AMOUNT_MAX,
			     "an integer in minor units", &r->amount, err);
	if (rc == 0)
		rc = get_int(payload, "grandTotal", -JOURNAL_AMOUNT_MAX, JOURNAL_AMOUNT_MAX,
			     "an integer in minor units", &r->grand_total, err);
	if (rc == 0)
		rc = get_text(payload, "prevHash", "64 lower-case hex digits", r->prev_hash,
			      sizeof(r->prev_hash), err);
	if (rc == 0 && !is_hash(r->prev_hash))
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "prevHash",
				     "prevHash: expected 64 lower-case hex digits (SHA-256)");
	if (rc == 0)
		rc = get_text(payload, "hash", "64 lower-case hex digits", r->hash, sizeof(r->hash),
			      err);
	if (rc == 0 && !is_hash(r->hash))
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "hash",
				     "hash: expected 64 lower-case hex digits (SHA-256)");
	record = json_object_get(payload, "record");
	if (rc == 0 && !json_is_object(record))
		rc = proto_error_set(err, PROTO_ERR_BAD_FIELD, "record",
				     "record: expected an object (the record's document)");
	if (rc < 0) {
		proto_error_prefix(err, "payload.");
		return rc;
	}
	*body = journal_body(record);
	if (!*body) {
		proto_error_set(err, "unexpected", "payload", "out of memory");
		return -ENOMEM;
	}
	r->body = *body;
	return 0;
}

/* A void record that reverses a completed sale: a refund-shaped record marked reversal. */
static int is_reversal(const struct journal_record *r, json_t *record)
{
	return strcmp(r->kind, JOURNAL_KIND_VOID) == 0 &&
	       json_is_true(json_object_get(record, "reversal"));
}

int journal_amount_check(const struct journal_record *r, json_t *record, struct proto_error *err)
{
	json_t *total = json_object_get(record, "total");

	if (strcmp(r->kind, JOURNAL_KIND_SALE) == 0) {
		if (!json_is_integer(total))
			return proto_error_set(
			    err, PROTO_ERR_BAD_FIELD, "payload.record.total",
			    "payload.record.total: expected the sale's total, an "
			    "integer in minor units");
		if (json_integer_value(total) != r->amount)
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.amount",
					       "payload.amount: %" PRId64
					       " is not the sale's total %" JSON_INTEGER_FORMAT
					       " (a sale adds its total to the grand total)",
					       r->amount, json_integer_value(total));
	} else if (strcmp(r->kind, JOURNAL_KIND_CASH_CLOSE) == 0) {
		if (r->amount != 0)
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.amount",
					       "payload.amount: %" PRId64
					       " for a cash session's close (expected 0: it moves "
					       "no sales)",
					       r->amount);
	} else if (strcmp(r->kind, JOURNAL_KIND_REFUND) == 0 || is_reversal(r, record)) {
		/* A refund, or a reversal of a sale, takes its total off the grand total. */
		if (!json_is_integer(total) || json_integer_value(total) < 0)
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.record.total",
					       "payload.record.total: expected the %s's total, an "
					       "integer ≥ 0 in minor units",
					       r->kind);
		if (r->amount != -json_integer_value(total))
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.amount",
					       "payload.amount: %" PRId64
					       " is not minus the %s's total %" JSON_INTEGER_FORMAT
					       " (it takes its total off the grand total)",
					       r->amount, r->kind, json_integer_value(total));
	} else if (r->amount != 0) {
		/* A void of an open cart: nothing was sold, nothing moves. */
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "payload.amount",
				       "payload.amount: %" PRId64
				       " for a %s of a cart (expected 0: nothing was sold)",
				       r->amount, r->kind);
	}
	return 0;
}
