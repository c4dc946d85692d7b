/* SPDX-License-Identifier: MIT */
/*
 * An HTTP(S) server on libmicrohttpd that lives in a libuv loop: MHD runs in
 * external epoll mode with no thread of its own; its epoll descriptor is
 * watched by a uv_poll_t, MHD_run is called on readiness and its timeout is
 * kept on a uv_timer_t (DESIGN.md, "One loop per process").
 *
 * Request bodies are read here, never by MHD's POST processor, into a buffer
 * with a ceiling: a body over it is answered 413 without reaching the handler.
 * The handler sees a whole request and fills in a response; it runs on the
 * loop and must not block.
 */
#ifndef TILLNET_HTTP_MHD_H
#define TILLNET_HTTP_MHD_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct MHD_Connection;

struct http_request {
	const char *method;
	const char *url;
	const char *body; /* NUL-terminated; body_len bytes */
	size_t body_len;
	char peer[64]; /* the client's address */
	struct MHD_Connection *conn;
};

/*
 * A few headers a handler adds to its response (Set-Cookie, Retry-After),
 * held in the response itself so a handler allocates nothing for them.
 */
#define HTTP_RESPONSE_HEADERS_MAX 4
#define HTTP_HEADER_VALUE_MAX	  256

struct http_header {
	const char *name; /* a constant string: not copied, not freed */
	char value[HTTP_HEADER_VALUE_MAX];
};

struct http_response {
	unsigned int status;
	char *body; /* malloc'd; the server frees it */
	size_t body_len;
	const char *content_type;
	struct http_header headers[HTTP_RESPONSE_HEADERS_MAX];
	size_t n_headers;
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *res);

struct http_server_options {
	const char *listen; /* IPv4 or IPv6 literal */
	uint16_t port;
	const char *cert_pem; /* with key_pem: HTTPS; both NULL: plain HTTP */
	const char *key_pem;
	size_t body_max;
	http_handler_fn handler;
	void *ctx;
};

struct http_server;

/* http_server_start: listen now; 0, -EINVAL for a bad address, -EIO (logged). */
int http_server_start(uv_loop_t *loop, const struct http_server_options *opts,
		      struct http_server **out);

/*
 * http_server_stop: stop the handles, stop the daemon, free once the loop has
 * closed the handles. NULL is a no-op. Call from the loop thread.
 */
void http_server_stop(struct http_server *s);

/* http_request_header: a request header's value, or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);

/* http_request_query: a query string argument's value (decoded), or NULL. */
const char *http_request_query(const struct http_request *req, const char *name);

/*
 * http_response_header: add the header `name` (a constant string) with the
 * value printed from `fmt`. -ENOSPC when HTTP_RESPONSE_HEADERS_MAX are set,
 * -EMSGSIZE when the value is longer than HTTP_HEADER_VALUE_MAX - 1 (then
 * nothing is added).
 */
int http_response_header(struct http_response *res, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* http_respond_empty: a response with no body (e.g. 204 No Content). */
void http_respond_empty(struct http_response *res, unsigned int status);

/* http_respond_json: take `body` (malloc'd JSON text) as the response. */
void http_respond_json(struct http_response *res, unsigned int status, char *body);

/*
 * http_respond_error: a JSON error {"error":{"code","field","message"}};
 * `field` may be NULL.
 */
void http_respond_error(struct http_response *res, unsigned int status, const char *code,
			const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
