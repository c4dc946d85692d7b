// SPDX-License-Identifier: MIT
/*
 * The upstream forwarder on curl's multi-socket interface and the hub's
 * libuv loop (see upstream_fwd.h).
 *
 * A note on the one request: at most one batch is in flight. A tick timer
 * collects new records from the event log and, when nothing is in flight
 * and no backoff runs, sends the next batch once it is full or its oldest
 * record has waited batch_interval. The records of a batch stay 'pending'
 * in hub.db until an answer settles them, so a crash, a stop or a dropped
 * answer only means the same record ids go again, which upstream answers
 * "duplicate" (docs/upstream.md).
 */
#include "upstream_fwd.h"
#include "backoff.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "upstream_proto.h"
#include "upstream_store.h"
#include "upstream_token.h"
#include "uuid.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UPSTREAM_TICK_MS	    100
#define UPSTREAM_TIMEOUT_MS	    30000
#define UPSTREAM_CONNECT_TIMEOUT_MS 10000
#define UPSTREAM_BACKOFF_BASE_MS    1000
#define UPSTREAM_COLLECT_PAGES	    8 /* per tick: keeps one tick short */

struct upstream_fwd {
	uv_loop_t *loop;
	sqlite3 *db;
	struct hub_config cfg;
	char url[CONFIG_UPSTREAM_MAX + 16]; /* {base}/batch-sync */
	char token[UPSTREAM_TOKEN_MAX];
	struct backoff backoff;
	uint64_t not_before; /* uv_now: no request before (backoff) */
	int auth_retried;    /* the last answer was a 401 and the token was re-read */
	int stopping;
	int curl_ready; /* curl_global_init succeeded */
	uv_timer_t tick, curl_timer;
	CURLM *multi;
	/* The request in flight (easy != NULL). */
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	struct upstream_batch batch;
	char batch_id[UUID_TEXT_LEN];
	char *resp;
	size_t resp_len, resp_cap;
	int resp_over;
	char retry_after[64];
	char curl_err[CURL_ERROR_SIZE];
};

struct fwd_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct upstream_fwd *f;
};

static void fwd_run(struct upstream_fwd *f);

static void override(char *dst, size_t len, const char *flag)
{
	if (flag)
		snprintf(dst, len, "%s", flag);
}

int upstream_fwd_configure(struct hub_config *cfg, const struct upstream_flags *fl, char *err,
			   size_t errlen)
{
	char token[UPSTREAM_TOKEN_MAX];
	const char *const given[] = {fl->url, fl->token_file, fl->token_command, fl->ca};

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i] && strlen(given[i]) >= CONFIG_UPSTREAM_MAX) {
			snprintf(err, errlen,
				 "--upstream: \"%.40s...\" is too long (at most %d "
				 "characters)",
				 given[i], CONFIG_UPSTREAM_MAX - 1);
			return -EINVAL;
		}
	override(cfg->upstream_url, sizeof(cfg->upstream_url), fl->url);
	override(cfg->upstream_token_file, sizeof(cfg->upstream_token_file), fl->token_file);
	override(cfg->upstream_token_command, sizeof(cfg->upstream_token_command),
		 fl->token_command);
	override(cfg->upstream_ca, sizeof(cfg->upstream_ca), fl->ca);
	if (!cfg->upstream_url[0])
		return 0;
	if (upstream_proto_check_url(cfg->upstream_url, err, errlen) < 0)
		return -EINVAL;
	/* A token that cannot be read now would only fail later, less clearly. */
	if (upstream_token_get(cfg->upstream_token_file, cfg->upstream_token_command, token,
			       sizeof(token), err, errlen) < 0)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------ curl on the libuv loop */

static void sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static void check_done(struct upstream_fwd *f);

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct fwd_sock *s = h->data;
	struct upstream_fwd *f = s->f;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, s->fd, flags, &running);
	check_done(f);
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct upstream_fwd *f = userp;
	struct fwd_sock *s = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(f->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		if (uv_poll_init_socket(f->loop, &s->poll, fd) < 0) {
			free(s);
			return -1;
		}
		s->fd = fd;
		s->f = f;
		s->poll.data = s;
		curl_multi_assign(f->multi, fd, s);
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
	struct upstream_fwd *f = t->data;
	int running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct upstream_fwd *f = userp;

	if (timeout_ms < 0)
		uv_timer_stop(&f->curl_timer);
	else
		uv_timer_start(&f->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_fwd *f = userp;
	size_t n = size * nmemb, cap;
	char *grown;

	if (f->resp_len + n > UPSTREAM_RESPONSE_MAX) {
		f->resp_over = 1;
		return 0; /* curl stops: an answer this big is not one we can read */
	}
	if (f->resp_len + n + 1 > f->resp_cap) {
		cap = f->resp_cap ? f->resp_cap : 4096;
		while (cap < f->resp_len + n + 1)
			cap *= 2;
		grown = realloc(f->resp, cap);
		if (!grown)
			return 0;
		f->resp = grown;
		f->resp_cap = cap;
	}
	memcpy(f->resp + f->resp_len, data, n);
	f->resp_len += n;
	f->resp[f->resp_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_fwd *f = userp;
	size_t n = size * nmemb, v;

	if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		v = n - 12;
		if (v >= sizeof(f->retry_after))
			v = sizeof(f->retry_after) - 1;
		memcpy(f->retry_after, data + 12, v);
		f->retry_after[v] = '\0';
		f->retry_after[strcspn(f->retry_after, "\r\n")] = '\0';
	}
	return n;
}

/* ---------------------------------------------------------- one request */

static void request_clear(struct upstream_fwd *f)
{
	if (f->easy) {
		curl_multi_remove_handle(f->multi, f->easy);
		curl_easy_cleanup(f->easy);
		f->easy = NULL;
	}
	curl_slist_free_all(f->headers);
	f->headers = NULL;
	free(f->body);
	f->body = NULL;
	free(f->resp);
	f->resp = NULL;
	f->resp_len = f->resp_cap = 0;
	f->resp_over = 0;
	f->retry_after[0] = '\0';
	f->curl_err[0] = '\0';
	upstream_batch_clear(&f->batch);
}

static int add_header(struct upstream_fwd *f, const char *name, const char *value)
{
	char line[UPSTREAM_TOKEN_MAX + 64];
	struct curl_slist *l;

	/* "Expect:" with no value stops curl waiting for a 100 Continue. */
	snprintf(line, sizeof(line), "%s:%s%s", name, value[0] ? " " : "", value);
	l = curl_slist_append(f->headers, line);
	if (!l)
		return -ENOMEM;
	f->headers = l;
	return 0;
}

static int request_start(struct upstream_fwd *f)
{
	char auth[UPSTREAM_TOKEN_MAX + 16];
	const char **records;
	uint8_t raw[UUID_LEN];
	size_t len;
	CURL *e;
	int rc;

	rc = uuid_v7(raw);
	if (rc < 0)
		return rc;
	uuid_format(raw, f->batch_id);
	records = calloc(f->batch.n, sizeof(*records));
	if (!records)
		return -ENOMEM;
	for (size_t i = 0; i < f->batch.n; i++)
		records[i] = f->batch.items[i].record;
	rc = upstream_proto_body(f->cfg.store, f->cfg.hub_id, f->batch_id, db_now_ms(), records,
				 f->batch.n, &f->body, &len);
	free(records);
	if (rc < 0)
		return rc;
	snprintf(auth, sizeof(auth), "Bearer %s", f->token);
	if (add_header(f, "Authorization", auth) < 0 ||
	    add_header(f, "Idempotency-Key", f->batch_id) < 0 ||
	    add_header(f, "Content-Type", "application/json") < 0 ||
	    add_header(f, "Expect", "") < 0)
		return -ENOMEM;
	e = curl_easy_init();
	if (!e)
		return -ENOMEM;
	f->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, f->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, f->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, f->curl_err);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)UPSTREAM_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)UPSTREAM_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (f->cfg.upstream_ca[0])
		curl_easy_setopt(e, CURLOPT_CAINFO, f->cfg.upstream_ca);
	rc = upstream_store_mark_sent(f->db, &f->batch, f->batch_id, db_now_ms());
	if (rc < 0)
		return rc;
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
		return -ENOMEM;
	log_debug("upstream: batch %s of %zu records sent", f->batch_id, f->batch.n);
	return 0;
}

/* A transient failure: the records stay pending; wait, longer each time. */
static void transient(struct upstream_fwd *f, const char *code, const char *message)
{
	uint32_t random = 0;
	int64_t delay, asked;

	random_bytes(&random, sizeof(random));
	delay = backoff_next(&f->backoff, random);
	/* Upstream's Retry-After is a floor: never sooner than it asked. */
	if (f->retry_after[0] &&
	    upstream_proto_retry_after(f->retry_after, db_now_ms(), &asked) == 0 && asked > delay)
		delay = asked;
	f->not_before = uv_now(f->loop) + (uint64_t)delay;
	log_warn("upstream: %s (%s): next attempt in %.1f s", message, code, (double)delay / 1000);
	upstream_store_note_error(f->db, code, message, db_now_ms(), db_now_ms() + delay);
}

static void settle_200(struct upstream_fwd *f)
{
	struct upstream_result *res = NULL;
	size_t n = 0, skipped = 0, unanswered = 0;
	json_t *doc = NULL;
	char err[256];

	if (upstream_proto_results(f->resp ? f->resp : "", f->resp_len, &doc, &res, &n, &skipped,
				   err, sizeof(err)) < 0) {
		transient(f, "bad-answer", err);
		return;
	}
	if (skipped)
		log_warn("upstream: %zu results of batch %s were unreadable", skipped, f->batch_id);
	if (upstream_store_settle(f->db, &f->batch, res, n, db_now_ms(), &unanswered) < 0) {
		transient(f, "hub-db", "cannot record upstream's answer in hub.db");
	} else if (unanswered) {
		snprintf(err, sizeof(err), "upstream answered %zu of %zu records",
			 f->batch.n - unanswered, f->batch.n);
		transient(f, "missing-results", err);
	} else {
		log_debug("upstream: batch %s settled", f->batch_id);
		backoff_reset(&f->backoff);
	}
	free(res);
	json_decref(doc);
}

static void request_done(struct upstream_fwd *f, CURLcode cc)
{
	char code[32], message[512];
	long status = 0;

	if (cc == CURLE_OK)
		curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK || f->resp_over) {
		f->auth_retried = 0;
		snprintf(message, sizeof(message), "%s",
			 f->resp_over	  ? "upstream's answer is too large"
			 : f->curl_err[0] ? f->curl_err
					  : curl_easy_strerror(cc));
		transient(f,
			  f->resp_over			   ? "bad-answer"
			  : cc == CURLE_OPERATION_TIMEDOUT ? "timeout"
							   : "unreachable",
			  message);
		return;
	}
	snprintf(code, sizeof(code), "http-%ld", status);
	switch (upstream_proto_classify(status)) {
	case UPSTREAM_OK:
		f->auth_retried = 0;
		settle_200(f);
		break;
	case UPSTREAM_AUTH:
		if (!f->auth_retried) {
			/* The token expired or was replaced: read it again and go at once. */
			f->auth_retried = 1;
			if (upstream_token_get(f->cfg.upstream_token_file,
					       f->cfg.upstream_token_command, f->token,
					       sizeof(f->token), message, sizeof(message)) < 0)
				log_error("upstream: %s", message);
			log_info("upstream: 401 Unauthorized: token read again, sending again");
			break;
		}
		f->auth_retried = 0;
		transient(f, code, "upstream refused the token twice (401)");
		break;
	case UPSTREAM_TRANSIENT:
		f->auth_retried = 0;
		upstream_proto_error_message(f->resp, f->resp_len, status, message,
					     sizeof(message));
		transient(f, code, message);
		break;
	case UPSTREAM_PARK:
		f->auth_retried = 0;
		upstream_proto_error_message(f->resp, f->resp_len, status, message,
					     sizeof(message));
		log_error("upstream: HTTP %ld for batch %s: %s: %zu records parked", status,
			  f->batch_id, message, f->batch.n);
		upstream_store_park_batch(f->db, &f->batch, code, message, db_now_ms());
		break;
	}
}

static void check_done(struct upstream_fwd *f)
{
	CURLMsg *msg;
	int left, done = 0;

	while ((msg = curl_multi_info_read(f->multi, &left))) {
		if (msg->msg != CURLMSG_DONE || msg->easy_handle != f->easy)
			continue;
		request_done(f, msg->data.result);
		done = 1;
	}
	if (done) {
		request_clear(f);
		if (!f->stopping)
			fwd_run(f);
	}
}

/* ------------------------------------------------------------ the queue */

static void fwd_run(struct upstream_fwd *f)
{
	int added, more = 1, rc;

	for (int i = 0; i < UPSTREAM_COLLECT_PAGES && more; i++) {
		if (upstream_store_collect(f->db, UPSTREAM_COLLECT_PAGE, db_now_ms(), &added,
					   &more) < 0)
			break; /* logged; the next tick tries again */
		if (added)
			log_debug("upstream: %d records queued", added);
	}
	if (!f->multi || f->easy || f->stopping || uv_now(f->loop) < f->not_before)
		return;
	if (upstream_store_next_batch(f->db, f->cfg.upstream_batch_max, &f->batch) < 0)
		return;
	/* Not full yet: wait until its oldest record has waited batch_interval. */
	if (f->batch.n == 0 || (f->batch.n < f->cfg.upstream_batch_max &&
				db_now_ms() - f->batch.oldest_created_at <
				    (int64_t)f->cfg.upstream_batch_interval_ms)) {
		upstream_batch_clear(&f->batch);
		return;
	}
	rc = request_start(f);
	if (rc < 0) {
		request_clear(f);
		transient(f, "hub", "cannot start a request to upstream");
	}
}

static void on_tick(uv_timer_t *t)
{
	fwd_run(t->data);
}

void upstream_fwd_poke(struct upstream_fwd *f)
{
	if (f && !f->stopping)
		fwd_run(f);
}

int upstream_fwd_start(uv_loop_t *loop, sqlite3 *db, const struct hub_config *cfg,
		       struct upstream_fwd **out)
{
	struct upstream_fwd *f;
	char err[512];
	size_t n;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->db = db;
	f->cfg = *cfg;
	backoff_init(&f->backoff, UPSTREAM_BACKOFF_BASE_MS, cfg->upstream_backoff_max_ms);
	uv_timer_init(loop, &f->tick);
	uv_timer_init(loop, &f->curl_timer);
	f->tick.data = f->curl_timer.data = f;
	if (cfg->upstream_url[0]) {
		n = strlen(cfg->upstream_url);
		while (n > 0 && cfg->upstream_url[n - 1] == '/')
			n--;
		snprintf(f->url, sizeof(f->url), "%.*s/batch-sync", (int)n, cfg->upstream_url);
		if (upstream_token_get(cfg->upstream_token_file, cfg->upstream_token_command,
				       f->token, sizeof(f->token), err, sizeof(err)) < 0)
			log_error("upstream: %s", err); /* upstream's 401 will tell */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			goto fail;
		f->curl_ready = 1;
		f->multi = curl_multi_init();
		if (!f->multi)
			goto fail;
		curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
		curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
		curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
		curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
		log_info("upstream: forwarding to %s", f->url);
	} else {
		log_info("upstream: none configured; completed sales are kept pending");
	}
	if (upstream_store_started(db, cfg->upstream_url[0] ? cfg->upstream_url : NULL) < 0)
		goto fail;
	uv_timer_start(&f->tick, on_tick, 0, UPSTREAM_TICK_MS);
	*out = f;
	return 0;
fail:
	upstream_fwd_stop(f);
	*out = f; /* its timers are closing: the caller runs the loop, then frees */
	return -EIO;
}

void upstream_fwd_stop(struct upstream_fwd *f)
{
	if (!f || f->stopping)
		return;
	f->stopping = 1;
	if (f->easy)
		log_info("upstream: stopping with batch %s in flight: it goes again at the next "
			 "start",
			 f->batch_id);
	request_clear(f);
	if (f->multi) {
		curl_multi_cleanup(f->multi);
		f->multi = NULL;
	}
	uv_timer_stop(&f->tick);
	uv_timer_stop(&f->curl_timer);
	uv_close((uv_handle_t *)&f->tick, NULL);
	uv_close((uv_handle_t *)&f->curl_timer, NULL);
	upstream_store_started(f->db, f->cfg.upstream_url[0] ? f->cfg.upstream_url : NULL);
}

void upstream_fwd_free(struct upstream_fwd *f)
{
	if (!f)
		return;
	if (f->curl_ready)
		curl_global_cleanup();
	free(f);
}
