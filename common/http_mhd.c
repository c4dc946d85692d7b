// SPDX-License-Identifier: MIT
/* libmicrohttpd in a libuv loop, with capped request bodies (see http_mhd.h). */
#include "http_mhd.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_server {
	struct MHD_Daemon *daemon;
	uv_poll_t poll;
	uv_timer_t timer;
	int open_handles;
	size_t body_max;
	http_handler_fn handler;
	void *ctx;
};

/* Per request: the body read so far. */
struct http_body {
	char *data;
	size_t len;
	int too_big;
};

static void http_rearm(struct http_server *s);

static void http_service(struct http_server *s)
{
	if (MHD_run(s->daemon) != MHD_YES)
		log_warn("http: MHD_run failed");
	http_rearm(s);
}

static void http_on_poll(uv_poll_t *poll, int status, int events)
{
	http_service(poll->data);
}

static void http_on_timer(uv_timer_t *timer)
{
	http_service(timer->data);
}

static void http_rearm(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;

	if (MHD_get_timeout(s->daemon, &ms) != MHD_YES)
		ms = 1000; /* nothing due: look again in a second anyway */
	uv_timer_start(&s->timer, http_on_timer, (uint64_t)ms, 0);
}

const char *http_request_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int http_response_header(struct http_response *res, const char *name, const char *fmt, ...)
{
	struct http_header *h;
	va_list ap;
	int n;

	if (res->n_headers == HTTP_RESPONSE_HEADERS_MAX)
		return -ENOSPC;
	h = &res->headers[res->n_headers];
	va_start(ap, fmt);
	n = vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(h->value))
		return -EMSGSIZE;
	h->name = name;
	res->n_headers++;
	return 0;
}

const char *http_request_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_respond_empty(struct http_response *res, unsigned int status)
{
	/* An empty string, not NULL: NULL means the handler ran out of memory. */
	http_respond_json(res, status, strdup(""));
	res->content_type = NULL;
}

void http_respond_json(struct http_response *res, unsigned int status, char *body)
{
	free(res->body);
	res->status = status;
	res->body = body;
	res->body_len = body ? strlen(body) : 0;
	res->content_type = "application/json";
}

void http_respond_error(struct http_response *res, unsigned int status, const char *code,
			const char *field, const char *fmt, ...)
{
	char message[1024];
	json_t *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (err && field)
		json_object_set_new(err, "field", json_string(field));
	/* "o" steals err: freeing the outer object frees both. */
	err = err ? json_pack("{s:o}", "error", err) : NULL;
	http_respond_json(res, status, err ? json_dumps(err, JSON_COMPACT) : NULL);
	json_decref(err);
}

static void peer_text(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outlen, "?");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)outlen);
}

static enum MHD_Result http_queue(struct MHD_Connection *conn, struct http_response *res)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	if (!res->body) {
		res->status = 500;
		res->body =
		    strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		res->body_len = res->body ? strlen(res->body) : 0;
		res->content_type = "application/json";
	}
	r = MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(res->body);
		return MHD_NO;
	}
	ok = MHD_YES;
	if (res->content_type)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	if (ok == MHD_YES)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (ok == MHD_YES)
		ok = MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < res->n_headers && ok == MHD_YES; i++)
		ok = MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
	if (ok != MHD_YES) {
		/* A header MHD refused (a new line in it, or no memory): no answer at all. */
		log_warn("http: could not set the response headers");
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ok = MHD_queue_response(conn, res->status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct http_server *s = cls;
	struct http_body *b = *con_cls;
	struct http_response res = {0};
	struct http_request req = {0};

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (b->too_big || b->len + n > s->body_max) {
			b->too_big = 1;
			return MHD_YES;
		}
		char *grown = realloc(b->data, b->len + n + 1);

		if (!grown)
			return MHD_NO;
		b->data = grown;
		memcpy(b->data + b->len, upload_data, n);
		b->len += n;
		b->data[b->len] = '\0';
		return MHD_YES;
	}
	if (b->too_big) {
		http_respond_error(&res, 413, "too-big", NULL,
				   "request body is over the limit of %zu bytes", s->body_max);
		return http_queue(conn, &res);
	}
	req.method = method;
	req.url = url;
	req.body = b->data ? b->data : "";
	req.body_len = b->len;
	req.conn = conn;
	peer_text(conn, req.peer, sizeof(req.peer));
	s->handler(s->ctx, &req, &res);
	if (!res.content_type && res.body_len > 0)
		res.content_type = "application/json";
	return http_queue(conn, &res);
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_body *b = *con_cls;

	if (b) {
		free(b->data);
		free(b);
		*con_cls = NULL;
	}
}

static void http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("http: %s", line);
}

int http_server_start(uv_loop_t *loop, const struct http_server_options *o,
		      struct http_server **out)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct http_server *s;

	*out = NULL;
	if (inet_pton(AF_INET, o->listen, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, o->listen, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("http: listen address \"%s\" is not an IPv4 or IPv6 address", o->listen);
		return -EINVAL;
	}
	if (o->cert_pem)
		flags |= MHD_USE_TLS;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->body_max = o->body_max;
	s->handler = o->handler;
	s->ctx = o->ctx;
	if (o->cert_pem)
		s->daemon = MHD_start_daemon(
		    flags, 0, NULL, NULL, http_on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
		    MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, s, MHD_OPTION_EXTERNAL_LOGGER,
		    http_on_mhd_log, s, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_HTTPS_MEM_CERT, o->cert_pem,
		    MHD_OPTION_HTTPS_MEM_KEY, o->key_pem, MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_on_request, s,
					     MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_NOTIFY_COMPLETED,
					     http_on_completed, s, MHD_OPTION_EXTERNAL_LOGGER,
					     http_on_mhd_log, s, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
					     MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
	if (!s->daemon) {
		log_error("http: cannot listen on %s port %u (in use, or no permission?)",
			  o->listen, o->port);
		free(s);
		return -EIO;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || uv_poll_init(loop, &s->poll, info->epoll_fd) != 0 ||
	    uv_timer_init(loop, &s->timer) != 0) {
		log_error("http: cannot attach the server to the event loop");
		MHD_stop_daemon(s->daemon);
		free(s);
		return -EIO;
	}
	s->poll.data = s;
	s->timer.data = s;
	s->open_handles = 2;
	uv_poll_start(&s->poll, UV_READABLE, http_on_poll);
	http_rearm(s);
	*out = s;
	return 0;
}

static void http_on_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;

	if (--s->open_handles == 0)
		free(s);
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	uv_poll_stop(&s->poll);
	uv_timer_stop(&s->timer);
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	uv_close((uv_handle_t *)&s->poll, http_on_closed);
	uv_close((uv_handle_t *)&s->timer, http_on_closed);
}
