// SPDX-License-Identifier: MIT
/* The reference upstream's routes and the batch-sync rules (see upref_api.h). */
#include "upref_api.h"
#include "upref_batch.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UPREF_HTTP_STATUS_MAX 600

enum upref_result { UPREF_ACCEPTED, UPREF_DUPLICATE, UPREF_REJECTED, UPREF_CONFLICT, UPREF_N };

static const char *const upref_result_names[UPREF_N] = {"accepted", "duplicate", "rejected",
							"conflict"};

struct upref_api {
	char *base;
	char *token;
	size_t body_max;
	struct upref_store *store;
	struct upref_faults faults;
	/* Counters since the program started (GET stats). */
	int64_t requests;
	int64_t batches;
	int64_t dropped;
	int64_t by_result[UPREF_N];
	int64_t by_status[UPREF_HTTP_STATUS_MAX];
};

int upref_api_new(const struct upref_api_options *o, struct upref_api **out)
{
	struct upref_api *api;

	*out = NULL;
	api = calloc(1, sizeof(*api));
	if (!api)
		return -ENOMEM;
	api->base = strdup(o->base);
	api->token = strdup(o->token);
	if (!api->base || !api->token) {
		upref_api_free(api);
		return -ENOMEM;
	}
	api->body_max = o->body_max;
	api->store = o->store;
	upref_faults_init(&api->faults);
	*out = api;
	return 0;
}

void upref_api_free(struct upref_api *api)
{
	if (!api)
		return;
	upref_faults_clear(&api->faults);
	free(api->base);
	free(api->token);
	free(api);
}

struct upref_faults *upref_api_faults(struct upref_api *api)
{
	return &api->faults;
}

static void upref_respond(struct upref_response *res, unsigned int status, json_t *body)
{
	res->status = status;
	res->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
}

static void upref_respond_error(struct upref_response *res, const struct upref_error *err)
{
	res->status = err->status;
	res->body = upref_error_body(err);
}

__attribute__((format(printf, 4, 5))) static void
upref_fail(struct upref_response *res, unsigned int status, const char *code, const char *fmt, ...)
{
	struct upref_error err = {.status = status, .code = code};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	upref_respond_error(res, &err);
}

/* Both strings compared in full whatever the first difference, so timing says nothing. */
static int upref_same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

static int upref_authorized(const struct upref_api *api, const char *header)
{
	if (!header || strncasecmp(header, "Bearer ", 7))
		return 0;
	header += 7;
	while (*header == ' ')
		header++;
	return upref_same_secret(header, api->token);
}

/* One record's result, and the row it leaves when accepted. */
static int upref_settle_record(struct upref_api *api, const struct upref_batch *b,
			       const struct upref_record *r, int64_t wall_ms, json_t *results,
			       enum upref_result *outcome)
{
	char hash[UPREF_HASH_TEXT_LEN], old_hash[UPREF_HASH_TEXT_LEN];
	char ref[UPREF_REF_LEN];
	struct upref_stored row = {0};
	const struct upref_rule *rule = NULL;
	char message[UPREF_MESSAGE_MAX];
	json_t *result = NULL;
	char *text;
	int found = 0;
	int rc;

	text = upref_record_canonical(r);
	if (!text)
		return -ENOMEM;
	rc = upref_content_hash(text, hash);
	if (rc == 0)
		rc = upref_store_find(api->store, r->id, &found, old_hash, ref);
	if (rc < 0)
		goto done;
	/* Idempotency first: what was settled stays settled, whatever the rules say now. */
	if (found && !strcmp(hash, old_hash)) {
		*outcome = UPREF_DUPLICATE;
		result =
		    json_pack("{s:s, s:s, s:s}", "id", r->id, "result", "duplicate", "ref", ref);
	} else if (found) {
		*outcome = UPREF_CONFLICT;
		result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "result", "conflict",
				   "code", "id-reused", "message",
				   "this record id was accepted before with other content; "
				   "the first version stays",
				   "ref", ref);
	} else if (r->real_money_path[0]) {
		*outcome = UPREF_REJECTED;
		snprintf(message, sizeof(message),
			 "%s is a real; money is an integer in minor units (e.g. 1250)",
			 r->real_money_path);
		result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "result", "rejected",
				   "code", "money-not-integer", "message", message, "field",
				   r->real_money_path);
	} else if (upref_rule_match(&api->faults.reject, r->json)) {
		*outcome = UPREF_REJECTED;
		rule = &api->faults.reject;
	} else if (upref_rule_match(&api->faults.conflict, r->json)) {
		*outcome = UPREF_CONFLICT;
		rule = &api->faults.conflict;
	} else {
		if (r->depends_on) {
			rc = upref_store_find(api->store, r->depends_on, &found, old_hash, ref);
			if (rc < 0)
				goto done;
		}
		if (r->depends_on && !found) {
			/* The hub sends a refund or a void only once its sale is settled. */
			*outcome = UPREF_REJECTED;
			snprintf(message, sizeof(message),
				 "dependsOn %s is not a record this upstream holds: send it first",
				 r->depends_on);
			result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", r->id, "result",
					   "rejected", "code", "unknown-dependency", "message",
					   message, "field", "dependsOn");
		} else {
			row.id = r->id;
			row.kind = r->kind;
			row.terminal = r->terminal;
			row.receipt = r->receipt;
			row.has_total = r->has_total;
			row.total = r->total;
			row.text = text;
			row.hash = hash;
			row.batch_id = b->batch_id;
			row.received_at = wall_ms;
			rc = upref_store_insert(api->store, &row, ref);
			if (rc < 0)
				goto done;
			*outcome = UPREF_ACCEPTED;
			result = json_pack("{s:s, s:s, s:s}", "id", r->id, "result", "accepted",
					   "ref", ref);
		}
	}
	if (rule)
		result = json_pack("{s:s, s:s, s:s, s:s}", "id", r->id, "result",
				   upref_result_names[*outcome], "code", rule->code, "message",
				   rule->message);
	if (!result || json_array_append_new(results, result) < 0)
		rc = -ENOMEM;
done:
	free(text);
	return rc;
}

/* All records of a batch in one transaction: all stored, or none. */
static int upref_store_batch(struct upref_api *api, const struct upref_batch *b, int64_t wall_ms,
			     json_t *results, int64_t counts[UPREF_N])
{
	enum upref_result outcome = UPREF_ACCEPTED;
	int rc;

	rc = upref_store_begin(api->store);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < b->n; i++) {
		rc = upref_settle_record(api, b, &b->records[i], wall_ms, results, &outcome);
		if (rc < 0)
			goto fail;
		counts[outcome]++;
	}
	rc = upref_store_commit(api->store);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	upref_store_rollback(api->store);
	return rc;
}

static void upref_batch_sync(struct upref_api *api, const struct upref_request *req,
			     struct upref_response *res)
{
	int64_t counts[UPREF_N] = {0};
	struct upref_batch *b = NULL;
	struct upref_error err;
	json_t *results;
	int rc;

	if (!upref_authorized(api, req->authorization)) {
		res->bearer_challenge = 1;
		upref_fail(res, 401, "unauthorized",
			   "the bearer token is missing or wrong: get a new one");
		return;
	}
	switch (upref_faults_next(&api->faults, req->mono_ms)) {
	case UPREF_FAULT_401:
		res->bearer_challenge = 1;
		upref_fail(res, 401, "token-expired",
			   "the token has expired (fail401Once): get a new one and retry");
		return;
	case UPREF_FAULT_503:
		snprintf(res->retry_after, sizeof(res->retry_after), "1");
		upref_fail(res, 503, "unavailable",
			   "upstream is unavailable for a while (fail503ForMs): retry later");
		return;
	case UPREF_FAULT_429:
		snprintf(res->retry_after, sizeof(res->retry_after), "%s",
			 api->faults.retry_after[0] ? api->faults.retry_after : "1");
		upref_fail(res, 429, "too-many-requests",
			   "too many requests (fail429ForMs): retry after %s", res->retry_after);
		return;
	case UPREF_FAULT_500:
		upref_fail(res, 500, "internal",
			   "a random failure (random500Percent): retry later");
		return;
	case UPREF_FAULT_NONE:
		break;
	}
	if (!req->content_type || strncasecmp(req->content_type, "application/json", 16)) {
		upref_fail(res, 415, "unsupported-media-type",
			   "Content-Type is \"%s\"; send application/json",
			   req->content_type ? req->content_type : "");
		return;
	}
	if (req->body_too_big) {
		upref_error_set(&err, 413, "too-big", NULL,
				"the body is over the limit of %zu bytes: send fewer records",
				api->body_max);
		upref_respond_error(res, &err);
		return;
	}
	rc = upref_batch_parse(req->body, req->body_len, &b, &err);
	if (rc == -EINVAL) {
		upref_respond_error(res, &err);
		return;
	}
	if (rc < 0) {
		upref_fail(res, 500, "internal", "out of memory");
		return;
	}
	if (!req->idempotency_key || strcmp(req->idempotency_key, b->batch_id)) {
		upref_error_set(&err, 400, "bad-header", "Idempotency-Key",
				"Idempotency-Key \"%s\" must equal batchId \"%s\"",
				req->idempotency_key ? req->idempotency_key : "", b->batch_id);
		upref_respond_error(res, &err);
		goto done;
	}
	results = json_array();
	rc = results ? upref_store_batch(api, b, req->wall_ms, results, counts) : -ENOMEM;
	if (rc < 0) {
		json_decref(results);
		upref_fail(res, 500, "internal",
			   "the upstream database failed; nothing of this batch was stored");
		goto done;
	}
	api->batches++;
	for (int i = 0; i < UPREF_N; i++)
		api->by_result[i] += counts[i];
	upref_respond(res, 200,
		      json_pack("{s:s, s:o}", "batchId", b->batch_id, "results", results));
	res->drop = res->body && upref_faults_take_drop(&api->faults);
	if (res->drop)
		api->dropped++;
	log_info("batch %s: %zu records, %lld accepted, %lld duplicate, %lld rejected, "
		 "%lld conflict%s",
		 b->batch_id, b->n, (long long)counts[UPREF_ACCEPTED],
		 (long long)counts[UPREF_DUPLICATE], (long long)counts[UPREF_REJECTED],
		 (long long)counts[UPREF_CONFLICT], res->drop ? "; dropping the answer" : "");
done:
	upref_batch_free(b);
}

static void upref_stats(struct upref_api *api, struct upref_response *res)
{
	json_t *by_result = json_object(), *http = json_object(), *totals = NULL;
	char status[8];
	int64_t records = 0;
	int rc = by_result && http ? 0 : -ENOMEM;

	for (int i = 0; rc == 0 && i < UPREF_N; i++)
		if (json_object_set_new(by_result, upref_result_names[i],
					json_integer(api->by_result[i])) < 0)
			rc = -ENOMEM;
	for (int i = 0; rc == 0 && i < UPREF_HTTP_STATUS_MAX; i++) {
		if (!api->by_status[i])
			continue;
		snprintf(status, sizeof(status), "%d", i);
		if (json_object_set_new(http, status, json_integer(api->by_status[i])) < 0)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = upref_store_totals(api->store, &records, &totals);
	if (rc < 0) {
		json_decref(by_result);
		json_decref(http);
		upref_fail(res, 500, "internal", "cannot read the statistics");
		return;
	}
	upref_respond(res, 200,
		      json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "records",
				(json_int_t)records, "batches", (json_int_t)api->batches,
				"requests", (json_int_t)api->requests, "dropped",
				(json_int_t)api->dropped, "byResult", by_result, "http", http,
				"totals", totals));
}

static void upref_records(struct upref_api *api, struct upref_response *res)
{
	json_t *list = NULL;

	if (upref_store_list(api->store, &list) < 0) {
		upref_fail(res, 500, "internal", "cannot read the records");
		return;
	}
	upref_respond(res, 200, list);
}

static void upref_control(struct upref_api *api, const struct upref_request *req,
			  struct upref_response *res)
{
	struct upref_control c;
	struct upref_error err;
	json_t *now;
	char *text;
	int rc;

	if (req->body_too_big) {
		upref_fail(res, 413, "too-big", "the control body is too big");
		return;
	}
	rc = upref_control_parse(req->body, req->body_len, &c, &err);
	if (rc == -EINVAL) {
		upref_respond_error(res, &err);
		return;
	}
	if (rc < 0) {
		upref_fail(res, 500, "internal", "out of memory");
		return;
	}
	if (c.token) {
		free(api->token);
		api->token = c.token; /* taken */
		c.token = NULL;
	}
	upref_control_apply(&api->faults, &c, req->mono_ms);
	upref_control_release(&c);
	now = upref_faults_describe(&api->faults, req->mono_ms);
	text = now ? json_dumps(now, JSON_COMPACT) : NULL;
	/* The settings, never the body: it may hold the new token. */
	log_info("control: now %s%s", text ? text : "?", c.reset ? " (after a reset)" : "");
	free(text);
	upref_respond(res, 200, now ? json_pack("{s:o}", "control", now) : NULL);
}

/* The route under the base path, or NULL when the path is not under it. */
static const char *upref_route(const struct upref_api *api, const char *path)
{
	size_t n = strlen(api->base);

	if (strncmp(path, api->base, n))
		return NULL;
	return path + n;
}

static void upref_method_not_allowed(struct upref_response *res, const char *method)
{
	upref_fail(res, 405, "method-not-allowed", "%s is not allowed on this path", method);
}

void upref_api_handle(struct upref_api *api, const struct upref_request *req,
		      struct upref_response *res)
{
	const char *route = upref_route(api, req->path);
	int is_get = !strcmp(req->method, "GET"), is_post = !strcmp(req->method, "POST");

	if (route && !strcmp(route, "/batch-sync")) {
		api->requests++;
		if (is_post)
			upref_batch_sync(api, req, res);
		else
			upref_method_not_allowed(res, req->method);
		/* Every answer to the sync route is late by the same delay, errors too. */
		res->delay_ms = api->faults.delay_ms;
		if (res->status < UPREF_HTTP_STATUS_MAX)
			api->by_status[res->status]++;
		return;
	}
	if (!route ||
	    (strcmp(route, "/records") && strcmp(route, "/stats") && strcmp(route, "/control"))) {
		upref_fail(res, 404, "not-found", "%s is not a route of this upstream", req->path);
		return;
	}
	if (!upref_authorized(api, req->authorization)) {
		res->bearer_challenge = 1;
		upref_fail(res, 401, "unauthorized", "the bearer token is missing or wrong");
		return;
	}
	if (!strcmp(route, "/control") && is_post)
		upref_control(api, req, res);
	else if (!strcmp(route, "/records") && is_get)
		upref_records(api, res);
	else if (!strcmp(route, "/stats") && is_get)
		upref_stats(api, res);
	else
		upref_method_not_allowed(res, req->method);
}
