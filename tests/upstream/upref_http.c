// SPDX-License-Identifier: MIT
/* libmicrohttpd in a poll(2) loop, with delayed and dropped answers (see upref_http.h). */
#include "upref_http.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UPREF_BODY_FIRST_CAP 16384
#define UPREF_MAX_POLL_MS    1000 /* look around at least once a second */

static const char upref_oom_body[] =
    "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

/* One request on a connection, from its first header to its completion. */
struct upref_exchange {
	struct upref_http *h;
	struct MHD_Connection *conn;
	char *body;
	size_t len, cap;
	int too_big;
	int ready; /* res is decided and waits for due_ms */
	struct upref_response res;
	int64_t due_ms;
	int waiting; /* suspended, in h's waiting list */
	struct upref_exchange *prev, *next;
};

struct upref_http {
	struct MHD_Daemon *daemon;
	int epoll_fd;
	uint16_t port;
	size_t body_max;
	struct upref_api *api;
	struct upref_exchange *waiting; /* suspended connections, in no order */
};

/* A dropped answer: its body, of which only the first `cut` bytes go out. */
struct upref_partial {
	char *body;
	size_t cut;
};

static int64_t upref_clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void upref_wait_add(struct upref_http *h, struct upref_exchange *x)
{
	x->prev = NULL;
	x->next = h->waiting;
	if (h->waiting)
		h->waiting->prev = x;
	h->waiting = x;
	x->waiting = 1;
}

static void upref_wait_remove(struct upref_http *h, struct upref_exchange *x)
{
	if (!x->waiting)
		return;
	if (x->prev)
		x->prev->next = x->next;
	else
		h->waiting = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	x->waiting = 0;
}

static ssize_t upref_partial_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct upref_partial *p = cls;
	size_t n;

	/*
	 * MHD asks for more only once what it had is sent, so the client has
	 * the first part when the error closes the connection.
	 */
	if (pos >= p->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = p->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, p->body + pos, n);
	return (ssize_t)n;
}

static void upref_partial_free(void *cls)
{
	struct upref_partial *p = cls;

	free(p->body);
	free(p);
}

/* The MHD response for `res`; takes its body. NULL if out of memory. */
static struct MHD_Response *upref_make_response(struct upref_response *res)
{
	struct upref_partial *p;
	struct MHD_Response *r;
	size_t len = strlen(res->body);

	if (!res->drop) {
		r = MHD_create_response_from_buffer(len, res->body, MHD_RESPMEM_MUST_FREE);
		if (r)
			res->body = NULL;
		return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->body = res->body;
	p->cut = len / 2 ? len / 2 : 1;
	/* Content-Length says the whole body: the client sees it cut short. */
	r = MHD_create_response_from_callback(len, 4096, upref_partial_read, p, upref_partial_free);
	if (!r) {
		free(p);
		return NULL;
	}
	res->body = NULL;
	return r;
}

static enum MHD_Result upref_queue(struct upref_exchange *x)
{
	struct upref_response *res = &x->res;
	struct MHD_Response *r = NULL;
	enum MHD_Result ok;

	if (res->body)
		r = upref_make_response(res);
	if (!r) {
		log_error("http: out of memory making an answer");
		res->status = 500;
		r = MHD_create_response_from_buffer(strlen(upref_oom_body), (void *)upref_oom_body,
						    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
	}
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
		MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	if (res->retry_after[0]) {
		if (MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, res->retry_after) !=
		    MHD_YES) {
			MHD_destroy_response(r);
			return MHD_NO;
		}
	}
	if (res->bearer_challenge &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				    "Bearer realm=\"tillnet-upstream-ref\"") != MHD_YES) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ok = MHD_queue_response(x->conn, res->status, r);
	MHD_destroy_response(r);
	return ok;
}

/* Keep the body, up to the ceiling; past it, read on but keep nothing. */
static int upref_take_body(struct upref_exchange *x, const char *data, size_t n)
{
	size_t cap;
	char *grown;

	if (x->too_big || n > x->h->body_max - x->len) {
		x->too_big = 1;
		return 0;
	}
	if (x->len + n > x->cap) {
		cap = x->cap ? x->cap : UPREF_BODY_FIRST_CAP;
		while (cap < x->len + n)
			cap *= 2;
		if (cap > x->h->body_max)
			cap = x->h->body_max;
		grown = realloc(x->body, cap);
		if (!grown)
			return -ENOMEM;
		x->body = grown;
		x->cap = cap;
	}
	memcpy(x->body + x->len, data, n);
	x->len += n;
	return 0;
}

static enum MHD_Result upref_on_request(void *cls, struct MHD_Connection *conn, const char *url,
					const char *method, const char *version,
					const char *upload_data, size_t *upload_data_size,
					void **con_cls)
{
	struct upref_http *h = cls;
	struct upref_exchange *x = *con_cls;
	struct upref_request req = {0};

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return MHD_NO;
		x->h = h;
		x->conn = conn;
		*con_cls = x;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (upref_take_body(x, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (x->ready) /* back from a delay: the answer was decided before it */
		return upref_queue(x);
	req.method = method;
	req.path = url;
	req.authorization =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	req.content_type =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	req.body = x->body ? x->body : "";
	req.body_len = x->len;
	req.body_too_big = x->too_big;
	req.mono_ms = upref_clock_ms(CLOCK_MONOTONIC);
	req.wall_ms = upref_clock_ms(CLOCK_REALTIME);
	upref_api_handle(h->api, &req, &x->res);
	/* The body is no longer needed, and a delayed answer may wait minutes. */
	free(x->body);
	x->body = NULL;
	x->len = x->cap = 0;
	if (x->res.delay_ms > 0) {
		x->ready = 1;
		x->due_ms = req.mono_ms + x->res.delay_ms;
		upref_wait_add(h, x);
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	return upref_queue(x);
}

static void upref_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			       enum MHD_RequestTerminationCode toe)
{
	struct upref_http *h = cls;
	struct upref_exchange *x = *con_cls;

	if (!x)
		return;
	upref_wait_remove(h, x);
	free(x->body);
	free(x->res.body);
	free(x);
	*con_cls = NULL;
}

static void upref_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("http: %s", line);
}

int upref_http_start(const struct upref_http_options *o, struct upref_http **out)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct upref_http *h;

	*out = NULL;
	if (inet_pton(AF_INET, o->listen, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
	} else if (inet_pton(AF_INET6, o->listen, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("--listen \"%s\" is not an IPv4 or IPv6 address (e.g. 127.0.0.1)",
			  o->listen);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->body_max = o->body_max;
	h->api = o->api;
	if (o->cert_pem)
		h->daemon = MHD_start_daemon(
		    flags | MHD_USE_TLS, 0, NULL, NULL, upref_on_request, h, MHD_OPTION_SOCK_ADDR,
		    &ss, MHD_OPTION_NOTIFY_COMPLETED, upref_on_completed, h,
		    MHD_OPTION_EXTERNAL_LOGGER, upref_on_mhd_log, h, MHD_OPTION_CONNECTION_TIMEOUT,
		    30u, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_HTTPS_MEM_CERT, o->cert_pem,
		    MHD_OPTION_HTTPS_MEM_KEY, o->key_pem, MHD_OPTION_END);
	else
		h->daemon = MHD_start_daemon(
		    flags, 0, NULL, NULL, upref_on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
		    MHD_OPTION_NOTIFY_COMPLETED, upref_on_completed, h, MHD_OPTION_EXTERNAL_LOGGER,
		    upref_on_mhd_log, h, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
	if (!h->daemon) {
		log_error("cannot listen on %s port %u (in use, no permission, or a bad "
			  "certificate or key?)",
			  o->listen, o->port);
		free(h);
		return -EIO;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		log_error("libmicrohttpd gave no epoll descriptor");
		MHD_stop_daemon(h->daemon);
		free(h);
		return -EIO;
	}
	h->epoll_fd = info->epoll_fd;
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info && info->port ? info->port : o->port;
	*out = h;
	return 0;
}

uint16_t upref_http_port(const struct upref_http *h)
{
	return h->port;
}

/* How long poll may sleep: until MHD's next timeout or the next delayed answer. */
static int upref_poll_timeout(struct upref_http *h, int64_t now_ms)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms = 0;
	int64_t ms = UPREF_MAX_POLL_MS;

	if (MHD_get_timeout(h->daemon, &mhd_ms) == MHD_YES && (int64_t)mhd_ms < ms)
		ms = (int64_t)mhd_ms;
	for (struct upref_exchange *x = h->waiting; x; x = x->next)
		if (x->due_ms - now_ms < ms)
			ms = x->due_ms - now_ms;
	return ms < 0 ? 0 : (int)ms;
}

/* Resume the connections whose answer is due (every one when `all`); 1 if any. */
static int upref_resume_due(struct upref_http *h, int64_t now_ms, int all)
{
	struct upref_exchange *x = h->waiting, *next;
	int resumed = 0;

	for (; x; x = next) {
		next = x->next;
		if (!all && x->due_ms > now_ms)
			continue;
		upref_wait_remove(h, x);
		MHD_resume_connection(x->conn);
		resumed = 1;
	}
	return resumed;
}

int upref_http_run(struct upref_http *h, int stop_fd)
{
	struct pollfd fds[2];
	int rc;

	for (;;) {
		fds[0] = (struct pollfd){.fd = h->epoll_fd, .events = POLLIN};
		fds[1] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
		rc = poll(fds, 2, upref_poll_timeout(h, upref_clock_ms(CLOCK_MONOTONIC)));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			log_error("poll: %s", strerror(errno));
			return -EIO;
		}
		if (fds[1].revents)
			return 0;
		if (MHD_run(h->daemon) != MHD_YES)
			log_warn("http: MHD_run failed");
		/* MHD sees a resumed connection on its next run: run it at once. */
		if (upref_resume_due(h, upref_clock_ms(CLOCK_MONOTONIC), 0) &&
		    MHD_run(h->daemon) != MHD_YES)
			log_warn("http: MHD_run failed");
	}
}

void upref_http_stop(struct upref_http *h)
{
	if (!h)
		return;
	/* MHD must not be stopped with suspended connections (microhttpd.h). */
	upref_resume_due(h, 0, 1);
	MHD_stop_daemon(h->daemon);
	free(h);
}
