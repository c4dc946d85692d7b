// SPDX-License-Identifier: MIT
/* Misbehaviours on demand (see upref_faults.h). */
#include "upref_faults.h"
#include "upref_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void upref_rule_free(struct upref_rule *r)
{
	free(r->field);
	free(r->code);
	free(r->message);
	json_decref(r->equals);
	memset(r, 0, sizeof(*r));
}

void upref_faults_init(struct upref_faults *f)
{
	memset(f, 0, sizeof(*f));
	f->rng = UPREF_DEFAULT_SEED;
}

void upref_faults_clear(struct upref_faults *f)
{
	upref_rule_free(&f->reject);
	upref_rule_free(&f->conflict);
	upref_faults_init(f);
}

/*
 * splitmix64: a tiny generator whose sequence is the same on every machine
 * and libc, so that "seed 42, 20 %" fails the same requests in every run.
 */
static uint64_t upref_next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

enum upref_fault upref_faults_next(struct upref_faults *f, int64_t now_ms)
{
	if (f->fail401_once) {
		f->fail401_once = 0;
		return UPREF_FAULT_401;
	}
	if (now_ms < f->fail503_until_ms)
		return UPREF_FAULT_503;
	if (now_ms < f->fail429_until_ms)
		return UPREF_FAULT_429;
	if (f->random500_percent > 0 &&
	    upref_next_random(&f->rng) % 100 < (uint64_t)f->random500_percent)
		return UPREF_FAULT_500;
	return UPREF_FAULT_NONE;
}

int upref_faults_take_drop(struct upref_faults *f)
{
	if (f->drop_next <= 0)
		return 0;
	f->drop_next--;
	return 1;
}

int upref_rule_match(const struct upref_rule *rule, json_t *record)
{
	json_t *v;

	if (!rule->field)
		return 0;
	v = upref_json_path(record, rule->field);
	return v && json_equal(v, rule->equals);
}

/* An integer member in [min, max]; *has is 0 when the member is absent. */
static int upref_control_int(json_t *body, const char *name, int64_t min, int64_t max, int *has,
			     int64_t *out, struct upref_error *err)
{
	json_t *v = json_object_get(body, name);

	*has = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return upref_error_set(err, 400, "bad-field", name,
				       "%s must be an integer from %lld to %lld", name,
				       (long long)min, (long long)max);
	*has = 1;
	*out = json_integer_value(v);
	return 0;
}

static int upref_strdup_to(const char *s, char **out)
{
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* "reject" / "conflict": null, or {"field", "equals", "code", "message"?}. */
static int upref_control_rule(json_t *body, const char *name, int *has, struct upref_rule *r,
			      struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];
	json_t *v = json_object_get(body, name);
	json_t *path, *equals, *code, *message;
	const char *key;
	json_t *member;
	int rc;

	*has = 0;
	if (!v)
		return 0;
	*has = 1;
	if (json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return upref_error_set(err, 400, "bad-field", name,
				       "%s must be null or {\"field\", \"equals\", \"code\", "
				       "\"message\"}",
				       name);
	json_object_foreach(v, key, member)
	{
		if (strcmp(key, "field") && strcmp(key, "equals") && strcmp(key, "code") &&
		    strcmp(key, "message")) {
			snprintf(field, sizeof(field), "%s.%s", name, key);
			return upref_error_set(err, 400, "unknown-field", field,
					       "%s is not a rule member (field, equals, code, "
					       "message)",
					       field);
		}
	}
	path = json_object_get(v, "field");
	equals = json_object_get(v, "equals");
	code = json_object_get(v, "code");
	message = json_object_get(v, "message");
	snprintf(field, sizeof(field), "%s.field", name);
	if (!json_is_string(path) || !json_string_length(path))
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must be a dot path into the record, e.g. "
				       "\"payload.total\"",
				       field);
	snprintf(field, sizeof(field), "%s.equals", name);
	if (!json_is_string(equals) && !json_is_integer(equals))
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must be a string or an integer", field);
	snprintf(field, sizeof(field), "%s.code", name);
	if (!json_is_string(code) || !json_string_length(code))
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must be a non-empty string", field);
	snprintf(field, sizeof(field), "%s.message", name);
	if (message && !json_is_string(message))
		return upref_error_set(err, 400, "bad-field", field, "%s must be a string", field);
	rc = upref_strdup_to(json_string_value(path), &r->field);
	if (rc == 0)
		rc = upref_strdup_to(json_string_value(code), &r->code);
	if (rc == 0)
		rc = upref_strdup_to(message ? json_string_value(message)
					     : "refused by the reference upstream's test rule",
				     &r->message);
	if (rc < 0)
		return rc;
	r->equals = json_deep_copy(equals);
	return r->equals ? 0 : -ENOMEM;
}

static const char *const upref_control_names[] = {
    "fail503ForMs", "fail401Once", "token", "random500Percent", "seed",	     "reject", "conflict",
    "delayMs",	    "dropNext",	   "reset", "fail429ForMs",	"retryAfter"};

static int upref_control_check_names(json_t *body, struct upref_error *err)
{
	const char *key;
	json_t *v;
	size_t i, n = sizeof(upref_control_names) / sizeof(upref_control_names[0]);

	json_object_foreach(body, key, v)
	{
		for (i = 0; i < n; i++)
			if (!strcmp(key, upref_control_names[i]))
				break;
		/* A typo must not pass silently: the test would test nothing. */
		if (i == n)
			return upref_error_set(err, 400, "unknown-field", key,
					       "%s is not a control field", key);
	}
	return 0;
}

static int upref_control_bool(json_t *body, const char *name, int *has, int *out,
			      struct upref_error *err)
{
	json_t *v = json_object_get(body, name);

	*has = 0;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return upref_error_set(err, 400, "bad-field", name, "%s must be true or false",
				       name);
	*has = 1;
	*out = json_is_true(v);
	return 0;
}

/*
 * "retryAfter": the Retry-After text the 429s carry, sent as it is, so that
 * a test can give seconds ("3") or an HTTP date; printable ASCII only, since
 * it goes into a header.
 */
static int upref_control_retry_after(json_t *body, struct upref_control *c, struct upref_error *err)
{
	json_t *v = json_object_get(body, "retryAfter");
	const char *t;

	if (!v)
		return 0;
	t = json_string_value(v);
	if (!t || !t[0] || strlen(t) >= sizeof(c->retry_after))
		goto bad;
	for (const char *p = t; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			goto bad;
	c->has_retry_after = 1;
	snprintf(c->retry_after, sizeof(c->retry_after), "%s", t);
	return 0;
bad:
	return upref_error_set(err, 400, "bad-field", "retryAfter",
			       "retryAfter must be a header value of 1 to %d printable characters, "
			       "e.g. \"3\" or an HTTP date",
			       UPREF_RETRY_AFTER_MAX - 1);
}

int upref_control_parse(const char *body, size_t len, struct upref_control *c,
			struct upref_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	int64_t n = 0;
	int has = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		rc = upref_error_set(err, 400, "bad-json", NULL,
				     "the body must be a JSON object%s%s", root ? "" : ": ",
				     root ? "" : jerr.text);
		goto fail;
	}
	rc = upref_control_check_names(root, err);
	if (rc == 0)
		rc = upref_control_bool(root, "reset", &has, &c->reset, err);
	if (rc == 0)
		rc = upref_control_int(root, "fail503ForMs", 0, UPREF_MAX_FAIL_MS, &c->has_fail503,
				       &c->fail503_ms, err);
	if (rc == 0)
		rc = upref_control_int(root, "fail429ForMs", 0, UPREF_MAX_FAIL_MS, &c->has_fail429,
				       &c->fail429_ms, err);
	if (rc == 0)
		rc = upref_control_retry_after(root, c, err);
	if (rc == 0)
		rc = upref_control_bool(root, "fail401Once", &c->has_fail401, &c->fail401, err);
	if (rc == 0)
		rc =
		    upref_control_int(root, "random500Percent", 0, 100, &c->has_random500, &n, err);
	c->random500 = (int)n;
	if (rc == 0)
		rc = upref_control_int(root, "seed", 0, INT64_MAX, &c->has_seed, &n, err);
	c->seed = (uint64_t)n;
	if (rc == 0)
		rc = upref_control_rule(root, "reject", &c->has_reject, &c->reject, err);
	if (rc == 0)
		rc = upref_control_rule(root, "conflict", &c->has_conflict, &c->conflict, err);
	if (rc == 0)
		rc = upref_control_int(root, "delayMs", 0, UPREF_MAX_DELAY_MS, &c->has_delay,
				       &c->delay_ms, err);
	if (rc == 0)
		rc = upref_control_int(root, "dropNext", 0, 1000000, &c->has_drop, &c->drop_next,
				       err);
	if (rc < 0)
		goto fail;
	v = json_object_get(root, "token");
	if (v) {
		const char *t = json_string_value(v);

		if (!t || !t[0] || strcspn(t, " \t\r\n") != strlen(t)) {
			rc = upref_error_set(err, 400, "bad-field", "token",
					     "token must be a non-empty string without spaces");
			goto fail;
		}
		rc = upref_strdup_to(t, &c->token);
		if (rc < 0)
			goto fail;
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	upref_control_release(c);
	return rc;
}

void upref_control_apply(struct upref_faults *f, struct upref_control *c, int64_t now_ms)
{
	if (c->reset)
		upref_faults_clear(f);
	if (c->has_fail503)
		f->fail503_until_ms = c->fail503_ms ? now_ms + c->fail503_ms : 0;
	if (c->has_fail429)
		f->fail429_until_ms = c->fail429_ms ? now_ms + c->fail429_ms : 0;
	if (c->has_retry_after)
		snprintf(f->retry_after, sizeof(f->retry_after), "%s", c->retry_after);
	if (c->has_fail401)
		f->fail401_once = c->fail401;
	/* A new share starts a new sequence, so that a test can count on it. */
	if (c->has_random500) {
		f->random500_percent = c->random500;
		f->rng = UPREF_DEFAULT_SEED;
	}
	if (c->has_seed)
		f->rng = c->seed;
	if (c->has_reject) {
		upref_rule_free(&f->reject);
		f->reject = c->reject;
		memset(&c->reject, 0, sizeof(c->reject));
	}
	if (c->has_conflict) {
		upref_rule_free(&f->conflict);
		f->conflict = c->conflict;
		memset(&c->conflict, 0, sizeof(c->conflict));
	}
	if (c->has_delay)
		f->delay_ms = c->delay_ms;
	if (c->has_drop)
		f->drop_next = c->drop_next;
}

void upref_control_release(struct upref_control *c)
{
	free(c->token);
	c->token = NULL;
	upref_rule_free(&c->reject);
	upref_rule_free(&c->conflict);
}

static json_t *upref_rule_describe(const struct upref_rule *r)
{
	if (!r->field)
		return json_null();
	return json_pack("{s:s, s:O, s:s, s:s}", "field", r->field, "equals", r->equals, "code",
			 r->code, "message", r->message);
}

json_t *upref_faults_describe(const struct upref_faults *f, int64_t now_ms)
{
	int64_t left = f->fail503_until_ms > now_ms ? f->fail503_until_ms - now_ms : 0;
	int64_t left429 = f->fail429_until_ms > now_ms ? f->fail429_until_ms - now_ms : 0;

	/* "o" steals the rules' objects, also when the pack fails. */
	return json_pack("{s:I, s:I, s:s, s:b, s:i, s:o, s:o, s:I, s:I}", "fail503ForMs",
			 (json_int_t)left, "fail429ForMs", (json_int_t)left429, "retryAfter",
			 f->retry_after[0] ? f->retry_after : "1", "fail401Once", f->fail401_once,
			 "random500Percent", f->random500_percent, "reject",
			 upref_rule_describe(&f->reject), "conflict",
			 upref_rule_describe(&f->conflict), "delayMs", (json_int_t)f->delay_ms,
			 "dropNext", (json_int_t)f->drop_next);
}
