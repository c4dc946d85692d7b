/* SPDX-License-Identifier: MIT */
/*
 * The hub's side of the upstream wire contract (docs/upstream.md), pure: no
 * socket, no disk. Classifies whole-request outcomes, reads Retry-After and
 * the per-record results, builds the batch body, checks the upstream URL.
 */
#ifndef TILLNET_UPSTREAM_PROTO_H
#define TILLNET_UPSTREAM_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The most a response body may hold; more is "unreadable" (transient). */
#define UPSTREAM_RESPONSE_MAX (4u << 20)
/* A Retry-After longer than this is cut to it. */
#define UPSTREAM_RETRY_AFTER_MAX_MS (3600 * 1000)
#define UPSTREAM_ID_MAX		    64

/* What a whole request's outcome means for its records. */
enum upstream_outcome {
	UPSTREAM_OK,	    /* 200: settle each record from its result */
	UPSTREAM_AUTH,	    /* 401: get a new token, retry */
	UPSTREAM_TRANSIENT, /* 408, 429, 5xx, transport errors: back off, send again */
	UPSTREAM_PARK,	    /* any other status: park every record of the batch */
};

/* upstream_proto_classify: the outcome of HTTP status `status` (0: no answer). */
enum upstream_outcome upstream_proto_classify(long status);

/*
 * upstream_proto_retry_after: the delay a Retry-After value asks for, in ms,
 * from `now_ms`: delta-seconds or an HTTP-date (RFC 9110), capped at
 * UPSTREAM_RETRY_AFTER_MAX_MS; a date in the past is 0. -EINVAL for
 * anything else.
 */
int upstream_proto_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms);

/*
 * upstream_proto_error_message: the message of an error body
 * {"error": {"code", "message"}} into `buf`, or "upstream answered HTTP
 * <status>" when the body has none.
 */
void upstream_proto_error_message(const char *body, size_t len, long status, char *buf,
				  size_t buflen);

/*
 * upstream_proto_body: the request body for a batch: the header fields and
 * the `n` records given as JSON texts (each an object, copied verbatim so
 * that no number is re-encoded). Caller frees *out; -ENOMEM.
 */
int upstream_proto_body(const char *store_id, const char *hub_id, const char *batch_id,
			int64_t sent_at, const char *const *records, size_t n, char **out,
			size_t *out_len);

/* One record's answer, as read from a 200 body. Strings point into the json. */
struct upstream_result {
	const char *id;
	const char *result; /* "accepted", "duplicate", "rejected" or "conflict" */
	const char *code;   /* NULL when absent */
	const char *message;
	const char *ref;
};

/*
 * upstream_proto_results: parse a 200 body. *doc gets the parsed document
 * (caller json_decref's; the results point into it), *results an array of
 * *n results (caller frees). Results that are not an object with a string
 * id and a known result are skipped, and counted in *skipped. -EPROTO
 * (with a sentence in `err`) when the body is not JSON with a results
 * array; -ENOMEM.
 */
int upstream_proto_results(const char *body, size_t len, json_t **doc,
			   struct upstream_result **results, size_t *n, size_t *skipped, char *err,
			   size_t errlen);

/*
 * upstream_proto_check_url: may the hub send to `url`? https:// anywhere,
 * http:// only to a loopback host (127.0.0.0/8, ::1, localhost); no user
 * name or password in it. -EINVAL with a sentence in `err` otherwise.
 */
int upstream_proto_check_url(const char *url, char *err, size_t errlen);

/* upstream_proto_has_real: does `json` hold a real number anywhere? */
int upstream_proto_has_real(const json_t *json);

#endif
