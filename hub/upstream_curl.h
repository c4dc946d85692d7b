/* SPDX-License-Identifier: MIT */
/*
 * The forwarder's HTTP client: one POST at a time to upstream, on curl's
 * multi-socket interface driven by the hub's libuv loop (docs/adr/0001).
 * It knows nothing of batches or records: it sends a body and hands back
 * the answer. Every function runs on that loop.
 */
#ifndef TILLNET_UPSTREAM_CURL_H
#define TILLNET_UPSTREAM_CURL_H

#include <stddef.h>
#include <uv.h>

struct upstream_curl;

/* What to send. Strings are copied or used only during upstream_curl_send. */
struct upstream_curl_request {
	const char *url;
	const char *token;	     /* Authorization: Bearer <token> */
	const char *idempotency_key; /* the batch id */
	const char *ca;		     /* a PEM file of CAs; NULL or "": the system's */
	long timeout_ms;	     /* the whole request */
	long connect_timeout_ms;
};

/* How a request ended: an HTTP answer (`error_code` NULL), or not. */
struct upstream_curl_answer {
	const char *error_code; /* "unreachable", "timeout", "bad-answer"; NULL: `status` holds */
	const char *error;	/* curl's sentence for it, e.g. the certificate problem */
	long status;
	const char *body; /* NUL-terminated; "" when none */
	size_t body_len;
	const char *retry_after; /* the Retry-After header's value; "" when none */
};

/*
 * Called once per request with its answer, after the request is cleared, so
 * that the callback may send the next one. `a` lives only during the call.
 */
typedef void upstream_curl_done_cb(void *arg, const struct upstream_curl_answer *a);

/* upstream_curl_new: -ENOMEM or -EIO (curl would not start). Free as on success. */
int upstream_curl_new(uv_loop_t *loop, upstream_curl_done_cb *done, void *arg,
		      struct upstream_curl **out);

/*
 * upstream_curl_send: POST `body` (JSON; takes ownership of it, also on
 * failure) as `req` says. -EBUSY while a request is in flight, -ENOMEM.
 * Redirects are not followed; https is verified (peer and host name);
 * answers over UPSTREAM_RESPONSE_MAX are "bad-answer".
 */
int upstream_curl_send(struct upstream_curl *c, const struct upstream_curl_request *req, char *body,
		       size_t len);

/* upstream_curl_busy: 1 while a request is in flight. */
int upstream_curl_busy(const struct upstream_curl *c);

/*
 * upstream_curl_close: abandon the request in flight (no callback) and close
 * the loop's handles; let the loop run until they are closed, then call
 * upstream_curl_free. NULL is a no-op.
 */
void upstream_curl_close(struct upstream_curl *c);
void upstream_curl_free(struct upstream_curl *c);

#endif
