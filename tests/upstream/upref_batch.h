/* SPDX-License-Identifier: MIT */
/*
 * Reading a POST /batch-sync body: every field of the batch and of each
 * record checked against the wire contract (docs/upstream-api.md), with the
 * offending field named in the error. Pure: Jansson only, no I/O.
 */
#ifndef UPREF_BATCH_H
#define UPREF_BATCH_H

#include "upref_error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define UPREF_API_VERSION 1
#define UPREF_MAX_RECORDS 1000

struct upref_record {
	json_t *json;		/* the whole record, borrowed from the batch */
	const char *id;		/* the idempotency key */
	const char *kind;	/* "sale", "refund", ... */
	const char *terminal;	/* short code, e.g. "T01" */
	const char *receipt;	/* NULL when the record has none */
	const char *depends_on; /* NULL when it depends on nothing */
	int has_total;		/* payload.total is an integer */
	int64_t total;
	/* The dot path of a money "total" sent as a real, "" when there is none. */
	char real_money_path[UPREF_FIELD_MAX];
};

struct upref_batch {
	json_t *root;
	const char *batch_id;
	size_t n;
	struct upref_record *records;
};

/*
 * upref_batch_parse: parse and check `body` (`len` bytes). On success *out
 * is a batch the caller frees with upref_batch_free. On a bad body returns
 * -EINVAL with `err` filled (400, or 413 for too many records); -ENOMEM if
 * memory ran out.
 */
int upref_batch_parse(const char *body, size_t len, struct upref_batch **out,
		      struct upref_error *err);

void upref_batch_free(struct upref_batch *b);

/*
 * upref_record_canonical: the record as compact JSON with sorted keys, the
 * text whose hash decides "same content". Caller frees; NULL if out of memory.
 */
char *upref_record_canonical(const struct upref_record *r);

/*
 * upref_json_path: the value at a dot path ("payload.total") under `root`;
 * an array is indexed as "payload.lines[0].sku" or "payload.lines.0.sku".
 * NULL when absent or the path is longer than UPREF_FIELD_MAX. Borrowed.
 */
json_t *upref_json_path(json_t *root, const char *path);

#endif
