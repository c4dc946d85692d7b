// SPDX-License-Identifier: MIT
/*
 * The upstream forwarder's decisions on the hub's libuv loop (see
 * upstream_fwd.h): what to send and when, and what an answer means. The
 * HTTP request itself is upstream_curl.c's; the token, upstream_token.c's.
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
#include "upstream_curl.h"
#include "upstream_proto.h"
#include "upstream_store.h"
#include "upstream_token.h"
#include "uuid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define UPSTREAM_TICK_MS	    100
#define UPSTREAM_CONNECT_TIMEOUT_MS 10000
#define UPSTREAM_BACKOFF_BASE_MS    1000
#define UPSTREAM_COLLECT_PAGES	    8 /* per tick: keeps one tick short */

struct upstream_fwd {
	uv_loop_t *loop;
	sqlite3 *db;
	struct hub_config cfg;
	char url[CONFIG_UPSTREAM_MAX + 16]; /* {base}/batch-sync */
	char token[UPSTREAM_TOKEN_MAX];
	int need_token;			      /* read the file or run the command before sending */
	struct upstream_token_run *token_run; /* the token command running; NULL: none */
	struct backoff backoff;
	uint64_t not_before; /* uv_now: no request before (backoff) */
	int auth_retried;    /* the last answer was a 401 and the token was read again */
	int stopping;
	uv_timer_t tick;
	struct upstream_curl *http; /* NULL: no upstream configured */
	/* The batch in flight (upstream_curl_busy), or being chosen. */
	struct upstream_batch batch;
	char batch_id[UUID_TEXT_LEN];
	char retry_after[64]; /* of the last answer, for transient() */
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
	if (cfg->upstream_token_command[0])
		return 0; /* not run here: see below */
	if (!cfg->upstream_token_file[0]) {
		snprintf(err, errlen,
			 "no upstream token: give --upstream-token-file or "
			 "--upstream-token-command ([upstream] token_file or token_command)");
		return -EINVAL;
	}
	/*
	 * A token file that cannot be read now would only fail later, less
	 * clearly. A token command is not run here: it may need the network
	 * (an identity server), and a hub must start offline; its failures
	 * show in status as lastErrorCode "token".
	 */
	if (upstream_token_read_file(cfg->upstream_token_file, token, sizeof(token), err, errlen) <
	    0)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ the token */

static void token_fetched(void *arg, int status, const char *token, const char *err);
static void transient(struct upstream_fwd *f, const char *code, const char *message);

/*
 * 1 when a request may go with the token held. A token to get (at start,
 * after a 401, after a failed attempt) is read from the file at once (a
 * local read), or asked of the command, whose answer comes back through
 * token_fetched: meanwhile nothing is sent and the loop goes on relaying.
 */
static int token_ready(struct upstream_fwd *f)
{
	char err[512];
	int rc;

	if (f->token_run)
		return 0;
	if (!f->need_token)
		return 1;
	if (f->cfg.upstream_token_command[0]) {
		rc = upstream_token_fetch(f->loop, f->cfg.upstream_token_command,
					  UPSTREAM_TOKEN_TIMEOUT_MS, token_fetched, f,
					  &f->token_run, err, sizeof(err));
		if (rc < 0)
			transient(f, "token", rc == -ENOMEM ? "out of memory" : err);
		return 0;
	}
	if (upstream_token_read_file(f->cfg.upstream_token_file, f->token, sizeof(f->token), err,
				     sizeof(err)) < 0) {
		transient(f, "token", err);
		return 0;
	}
	f->need_token = 0;
	return 1;
}

static void token_fetched(void *arg, int status, const char *token, const char *err)
{
	struct upstream_fwd *f = arg;

	f->token_run = NULL;
	if (status < 0) {
		transient(f, "token", err);
		return;
	}
	snprintf(f->token, sizeof(f->token), "%s", token);
	f->need_token = 0;
	log_debug("upstream: token read from the token command");
	if (!f->stopping)
		fwd_run(f);
}

/* ---------------------------------------------------------- one request */

static int request_start(struct upstream_fwd *f)
{
	struct upstream_curl_request req;
	const char **records;
	uint8_t raw[UUID_LEN];
	char *body = NULL;
	size_t len;
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
				 f->batch.n, &body, &len);
	free(records);
	if (rc < 0)
		return rc;
	rc = upstream_store_mark_sent(f->db, &f->batch, f->batch_id, db_now_ms());
	if (rc < 0) {
		free(body);
		return rc;
	}
	memset(&req, 0, sizeof(req));
	req.url = f->url;
	req.token = f->token;
	req.idempotency_key = f->batch_id;
	req.ca = f->cfg.upstream_ca;
	req.timeout_ms = (long)f->cfg.upstream_timeout_ms;
	req.connect_timeout_ms = UPSTREAM_CONNECT_TIMEOUT_MS;
	if (req.connect_timeout_ms > req.timeout_ms)
		req.connect_timeout_ms = req.timeout_ms;
	rc = upstream_curl_send(f->http, &req, body, len); /* takes the body */
	if (rc < 0)
		return rc;
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

static void settle_200(struct upstream_fwd *f, const struct upstream_curl_answer *a)
{
	struct upstream_result *res = NULL;
	size_t n = 0, skipped = 0, unanswered = 0;
	json_t *doc = NULL;
	char err[256];

	if (upstream_proto_results(a->body, a->body_len, &doc, &res, &n, &skipped, err,
				   sizeof(err)) < 0) {
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

/* The answer to the batch in flight (upstream_curl's callback). */
static void request_done(void *arg, const struct upstream_curl_answer *a)
{
	struct upstream_fwd *f = arg;
	char code[32], message[512];

	snprintf(f->retry_after, sizeof(f->retry_after), "%s", a->retry_after);
	if (a->error_code) {
		f->auth_retried = 0;
		transient(f, a->error_code, a->error);
		goto done;
	}
	snprintf(code, sizeof(code), "http-%ld", a->status);
	switch (upstream_proto_classify(a->status)) {
	case UPSTREAM_OK:
		f->auth_retried = 0;
		settle_200(f, a);
		break;
	case UPSTREAM_AUTH:
		if (!f->auth_retried) {
			/* The token expired or was replaced: get it again and go at once. */
			f->auth_retried = 1;
			f->need_token = 1;
			log_info("upstream: 401 Unauthorized: getting the token again");
			break;
		}
		f->auth_retried = 0;
		transient(f, code, "upstream refused the token twice (401)");
		break;
	case UPSTREAM_TRANSIENT:
		f->auth_retried = 0;
		upstream_proto_error_message(a->body, a->body_len, a->status, message,
					     sizeof(message));
		transient(f, code, message);
		break;
	case UPSTREAM_PARK:
		f->auth_retried = 0;
		upstream_proto_error_message(a->body, a->body_len, a->status, message,
					     sizeof(message));
		log_error("upstream: HTTP %ld for batch %s: %s: %zu records parked", a->status,
			  f->batch_id, message, f->batch.n);
		upstream_store_park_batch(f->db, &f->batch, code, message, db_now_ms());
		break;
	}
done:
	f->retry_after[0] = '\0';
	upstream_batch_clear(&f->batch);
	if (!f->stopping)
		fwd_run(f);
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
	if (!f->http || upstream_curl_busy(f->http) || f->stopping ||
	    uv_now(f->loop) < f->not_before)
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
	/* A batch is due: a token first (a command answers later, through token_fetched). */
	if (!token_ready(f)) {
		upstream_batch_clear(&f->batch);
		return;
	}
	rc = request_start(f);
	if (rc < 0) {
		upstream_batch_clear(&f->batch);
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
	size_t n;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->db = db;
	f->cfg = *cfg;
	f->need_token = 1;
	backoff_init(&f->backoff, UPSTREAM_BACKOFF_BASE_MS, cfg->upstream_backoff_max_ms);
	uv_timer_init(loop, &f->tick);
	f->tick.data = f;
	if (cfg->upstream_url[0]) {
		n = strlen(cfg->upstream_url);
		while (n > 0 && cfg->upstream_url[n - 1] == '/')
			n--;
		snprintf(f->url, sizeof(f->url), "%.*s/batch-sync", (int)n, cfg->upstream_url);
		if (upstream_curl_new(loop, request_done, f, &f->http) < 0)
			goto fail;
		log_info("upstream: forwarding to %s", f->url);
	} else {
		log_info("upstream: none configured; completed sales are kept pending");
	}
	if (upstream_store_started(db, cfg->upstream_url[0] ? cfg->upstream_url : NULL) < 0)
		goto fail;
	/* The token is got at start (a command on the loop), and again after a 401. */
	if (f->http)
		token_ready(f);
	uv_timer_start(&f->tick, on_tick, 0, UPSTREAM_TICK_MS);
	*out = f;
	return 0;
fail:
	upstream_fwd_stop(f);
	*out = f; /* its handles are closing: the caller runs the loop, then frees */
	return -EIO;
}

void upstream_fwd_stop(struct upstream_fwd *f)
{
	if (!f || f->stopping)
		return;
	f->stopping = 1;
	if (f->http && upstream_curl_busy(f->http))
		log_info("upstream: stopping with batch %s in flight: it goes again at the next "
			 "start",
			 f->batch_id);
	upstream_curl_close(f->http);
	upstream_batch_clear(&f->batch);
	upstream_token_cancel(f->token_run);
	f->token_run = NULL;
	uv_timer_stop(&f->tick);
	uv_close((uv_handle_t *)&f->tick, NULL);
	upstream_store_started(f->db, f->cfg.upstream_url[0] ? f->cfg.upstream_url : NULL);
}

void upstream_fwd_free(struct upstream_fwd *f)
{
	if (!f)
		return;
	upstream_curl_free(f->http);
	free(f);
}
