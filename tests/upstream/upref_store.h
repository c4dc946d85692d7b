/* SPDX-License-Identifier: MIT */
/*
 * The reference upstream's records in SQLite (WAL): one row per record id,
 * with its content hash, the record JSON, the batch it came in and when.
 * Its reference is "UP-<seq>", seq being the row's AUTOINCREMENT key, which
 * SQLite never hands out twice. The caller groups a batch's writes
 * in one transaction (begin, find/insert..., commit or rollback).
 */
#ifndef UPREF_STORE_H
#define UPREF_STORE_H

#include <jansson.h>
#include <stdint.h>

#define UPREF_HASH_TEXT_LEN 65 /* SHA-256 in hex and a NUL */
#define UPREF_REF_LEN	    32

struct upref_store;

/* What one accepted record leaves behind. Strings are borrowed. */
struct upref_stored {
	const char *id;
	const char *kind;
	const char *terminal;
	const char *receipt; /* may be NULL */
	int has_total;
	int64_t total;	  /* payload.total, summed per terminal for sales in /stats */
	const char *text; /* the canonical record JSON */
	const char *hash;
	const char *batch_id;
	int64_t received_at; /* ms since the epoch */
};

/* upref_store_open: open or create `path`. 0 or -EIO (logged). */
int upref_store_open(const char *path, struct upref_store **out);

/* upref_store_close: NULL is a no-op. */
void upref_store_close(struct upref_store *s);

int upref_store_begin(struct upref_store *s);
int upref_store_commit(struct upref_store *s);
/* upref_store_rollback: after a failure; its own failure is only logged. */
void upref_store_rollback(struct upref_store *s);

/*
 * upref_store_find: the stored record with `id`: *found 1 with its hash and
 * reference, or *found 0. 0 or -EIO.
 */
int upref_store_find(struct upref_store *s, const char *id, int *found,
		     char hash[UPREF_HASH_TEXT_LEN], char ref[UPREF_REF_LEN]);

/* upref_store_insert: store a new record; `ref` gets its reference. 0 or -EIO. */
int upref_store_insert(struct upref_store *s, const struct upref_stored *rec,
		       char ref[UPREF_REF_LEN]);

/* upref_store_list: {"records": [...]} in arrival order; caller decrefs. 0, -EIO or -ENOMEM. */
int upref_store_list(struct upref_store *s, json_t **out);

/*
 * upref_store_totals: the number of records and {"<terminal>": sum of
 * payload.total of its sales}; caller decrefs. 0, -EIO or -ENOMEM.
 */
int upref_store_totals(struct upref_store *s, int64_t *records, json_t **totals);

/* upref_content_hash: SHA-256 of `text` in lower-case hex. 0 or -EIO. */
int upref_content_hash(const char *text, char out[UPREF_HASH_TEXT_LEN]);

#endif
