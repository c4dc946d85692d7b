/* SPDX-License-Identifier: MIT */
/*
 * The reference upstream's routes, under a base path: POST batch-sync (the
 * wire contract, docs/upstream-api.md) and the test-only GET records, GET
 * stats and POST control. Takes a request already read by the HTTP adapter
 * and decides the answer, including whether to delay or drop it; no sockets
 * here. Single-threaded: one caller at a time.
 */
#ifndef UPREF_API_H
#define UPREF_API_H

#include "upref_faults.h"
#include "upref_store.h"

#include <stddef.h>
#include <stdint.h>

struct upref_request {
	const char *method;
	const char *path;	   /* without the query string */
	const char *authorization; /* header values; NULL when absent */
	const char *idempotency_key;
	const char *content_type;
	const char *body; /* not NUL-terminated necessarily; body_len bytes */
	size_t body_len;
	int body_too_big; /* the body went over the cap and was dropped */
	int64_t mono_ms;  /* monotonic clock, for the faults' timers */
	int64_t wall_ms;  /* ms since the epoch, for receivedAt */
};

struct upref_response {
	unsigned int status;
	char *body; /* JSON text the adapter frees; NULL: out of memory */
	char retry_after[UPREF_RETRY_AFTER_MAX]; /* a Retry-After header's value; "": none */
	int bearer_challenge;			 /* add WWW-Authenticate: Bearer */
	int64_t delay_ms;			 /* answer this much later */
	int drop; /* send part of the body, then close the connection */
};

struct upref_api_options {
	const char *base; /* "" or "/tillnet": no trailing slash */
	const char *token;
	size_t body_max;
	struct upref_store *store; /* borrowed; outlives the api */
};

struct upref_api;

/* upref_api_new: 0 or -ENOMEM. Free with upref_api_free (NULL is a no-op). */
int upref_api_new(const struct upref_api_options *o, struct upref_api **out);
void upref_api_free(struct upref_api *api);

/* upref_api_faults: the misbehaviour settings, for the command line to set up. */
struct upref_faults *upref_api_faults(struct upref_api *api);

/* upref_api_handle: answer one request into `res` (zeroed by the caller). */
void upref_api_handle(struct upref_api *api, const struct upref_request *req,
		      struct upref_response *res);

#endif
