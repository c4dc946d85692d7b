// SPDX-License-Identifier: MIT
/*
 * curl's multi-socket interface on the hub's libuv loop, for the upstream
 * forwarder (see upstream_curl.h): curl says which sockets to watch and when
 * to wake it; uv_poll_t and a uv_timer_t do the watching.
 */
#include "upstream_curl.h"
#include "log.h"
#include "upstream_proto.h"
#include "upstream_token.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct upstream_curl {
	uv_loop_t *loop;
	upstream_curl_done_cb *done;
	void *arg;
	int curl_ready; /* curl_global_init succeeded */
	uv_timer_t timer;
	CURLM *multi;
	/* The request in flight (easy != NULL). */
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char *resp;
	size_t resp_len, resp_cap;
	int resp_over;
	char retry_after[64];
	char err[CURL_ERROR_SIZE];
};

struct curl_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct upstream_curl *c;
};

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void check_done(struct upstream_curl *c);

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct curl_sock *s = h->data;
	struct upstream_curl *c = s->c;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, s->fd, flags, &running);
	check_done(c);
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct upstream_curl *c = userp;
	struct curl_sock *s = socketp;
	int events = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		if (uv_poll_init_socket(c->loop, &s->poll, fd) < 0) {
			free(s);
			return -1;
		}
		s->fd = fd;
		s->c = c;
		s->poll.data = s;
		curl_multi_assign(c->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&s->poll, events, on_poll);
	return 0;
}

static void on_curl_timeout(uv_timer_t *t)
{
	struct upstream_curl *c = t->data;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct upstream_curl *c = userp;

	(void)m;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_curl *c = userp;
	size_t n = size * nmemb, cap;
	char *grown;

	if (c->resp_len + n > UPSTREAM_RESPONSE_MAX) {
		c->resp_over = 1;
		return 0; /* curl stops: an answer this big is not one we can read */
	}
	if (c->resp_len + n + 1 > c->resp_cap) {
		cap = c->resp_cap ? c->resp_cap : 4096;
		while (cap < c->resp_len + n + 1)
			cap *= 2;
		grown = realloc(c->resp, cap);
		if (!grown)
			return 0;
		c->resp = grown;
		c->resp_cap = cap;
	}
	memcpy(c->resp + c->resp_len, data, n);
	c->resp_len += n;
	c->resp[c->resp_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_curl *c = userp;
	size_t n = size * nmemb, v;

	if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		v = n - 12;
		if (v >= sizeof(c->retry_after))
			v = sizeof(c->retry_after) - 1;
		memcpy(c->retry_after, data + 12, v);
		c->retry_after[v] = '\0';
		c->retry_after[strcspn(c->retry_after, "\r\n")] = '\0';
	}
	return n;
}

static void request_clear(struct upstream_curl *c)
{
	if (c->easy) {
		curl_multi_remove_handle(c->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
	}
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	free(c->body);
	c->body = NULL;
	free(c->resp);
	c->resp = NULL;
	c->resp_len = c->resp_cap = 0;
	c->resp_over = 0;
	c->retry_after[0] = '\0';
	c->err[0] = '\0';
}

static void request_done(struct upstream_curl *c, CURLcode cc)
{
	struct upstream_curl_answer a;
	char retry_after[sizeof(c->retry_after)], err[CURL_ERROR_SIZE];
	char *resp = c->resp;

	memset(&a, 0, sizeof(a));
	if (cc == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &a.status);
	if (cc != CURLE_OK || c->resp_over) {
		a.error_code = c->resp_over			? "bad-answer"
			       : cc == CURLE_OPERATION_TIMEDOUT ? "timeout"
								: "unreachable";
		snprintf(err, sizeof(err), "%s",
			 c->resp_over ? "upstream's answer is too large"
			 : c->err[0]  ? c->err
				      : curl_easy_strerror(cc));
		a.error = err;
	}
	snprintf(retry_after, sizeof(retry_after), "%s", c->retry_after);
	a.retry_after = retry_after;
	a.body = resp ? resp : "";
	a.body_len = c->resp_len;
	/* Cleared first, so that the callback may send the next request. */
	c->resp = NULL;
	request_clear(c);
	c->done(c->arg, &a);
	free(resp);
}

static void check_done(struct upstream_curl *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE || msg->easy_handle != c->easy)
			continue;
		request_done(c, msg->data.result);
	}
}

static int add_header(struct upstream_curl *c, const char *name, const char *value)
{
	char line[UPSTREAM_TOKEN_MAX + 64];
	struct curl_slist *l;

	/* "Expect:" with no value stops curl waiting for a 100 Continue. */
	snprintf(line, sizeof(line), "%s:%s%s", name, value[0] ? " " : "", value);
	l = curl_slist_append(c->headers, line);
	if (!l)
		return -ENOMEM;
	c->headers = l;
	return 0;
}

int upstream_curl_send(struct upstream_curl *c, const struct upstream_curl_request *req, char *body,
		       size_t len)
{
	char auth[UPSTREAM_TOKEN_MAX + 16];
	CURL *e;

	if (c->easy) {
		free(body);
		return -EBUSY;
	}
	c->body = body;
	snprintf(auth, sizeof(auth), "Bearer %s", req->token);
	if (add_header(c, "Authorization", auth) < 0 ||
	    add_header(c, "Idempotency-Key", req->idempotency_key) < 0 ||
	    add_header(c, "Content-Type", "application/json") < 0 ||
	    add_header(c, "Expect", "") < 0)
		goto fail;
	e = curl_easy_init();
	if (!e)
		goto fail;
	c->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->err);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca && req->ca[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, req->ca);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto fail;
	return 0;
fail:
	request_clear(c);
	return -ENOMEM;
}

int upstream_curl_busy(const struct upstream_curl *c)
{
	return c->easy != NULL;
}

int upstream_curl_new(uv_loop_t *loop, upstream_curl_done_cb *done, void *arg,
		      struct upstream_curl **out)
{
	struct upstream_curl *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->done = done;
	c->arg = arg;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	*out = c; /* from here on, close and free it as on success */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("upstream: curl_global_init failed");
		return -EIO;
	}
	c->curl_ready = 1;
	c->multi = curl_multi_init();
	if (!c->multi)
		return -ENOMEM;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return 0;
}

void upstream_curl_close(struct upstream_curl *c)
{
	if (!c)
		return;
	request_clear(c);
	if (c->multi) {
		curl_multi_cleanup(c->multi);
		c->multi = NULL;
	}
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, NULL);
}

void upstream_curl_free(struct upstream_curl *c)
{
	if (!c)
		return;
	if (c->curl_ready)
		curl_global_cleanup();
	free(c);
}
