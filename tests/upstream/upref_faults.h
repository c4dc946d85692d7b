/* SPDX-License-Identifier: MIT */
/*
 * The misbehaviours the reference upstream can be told to show (POST
 * {base}/control and the command line): 503 or 429 for a while, one 401, a seeded
 * share of 500s, rules that reject or conflict records, a delay, dropped
 * answers. Pure: no I/O; the caller passes the monotonic time.
 */
#ifndef UPREF_FAULTS_H
#define UPREF_FAULTS_H

#include "upref_error.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define UPREF_DEFAULT_SEED    1
#define UPREF_MAX_DELAY_MS    600000 /* ten minutes: longer is a typo */
#define UPREF_MAX_FAIL_MS     86400000
#define UPREF_RETRY_AFTER_MAX 64 /* a Retry-After value: seconds or an HTTP date */

/* Records whose value at dot path `field` equals `equals` get `code`. */
struct upref_rule {
	char *field; /* NULL: no rule */
	json_t *equals;
	char *code;
	char *message;
};

struct upref_faults {
	int64_t fail503_until_ms; /* monotonic ms; batch requests before it get 503 */
	int64_t fail429_until_ms; /* monotonic ms; batch requests before it get 429 */
	char retry_after[UPREF_RETRY_AFTER_MAX]; /* sent with 429: "" is "1" */
	int fail401_once;
	int random500_percent;
	uint64_t rng;
	struct upref_rule reject;
	struct upref_rule conflict;
	int64_t delay_ms;
	int64_t drop_next;
};

/* One POST /control body, checked; applied only when every field is good. */
struct upref_control {
	int reset;
	int has_fail503, has_fail401, has_random500, has_seed, has_reject, has_conflict;
	int has_delay, has_drop, has_fail429, has_retry_after;
	int64_t fail503_ms;
	int64_t fail429_ms;
	char retry_after[UPREF_RETRY_AFTER_MAX];
	int fail401;
	char *token; /* NULL when not changed */
	int random500;
	uint64_t seed;
	struct upref_rule reject, conflict; /* field NULL with has_*: clear the rule */
	int64_t delay_ms;
	int64_t drop_next;
};

enum upref_fault {
	UPREF_FAULT_NONE,
	UPREF_FAULT_401,
	UPREF_FAULT_503,
	UPREF_FAULT_429,
	UPREF_FAULT_500
};

/* upref_faults_init: behaving well. upref_faults_clear frees the rules and behaves well again. */
void upref_faults_init(struct upref_faults *f);
void upref_faults_clear(struct upref_faults *f);

/*
 * upref_faults_next: the whole-request fault the next batch request gets,
 * in this order: the one 401, then 503 while it lasts, then 429 while it
 * lasts (Retry-After: the `retryAfter` text, verbatim), then a seeded draw
 * for 500. Consumes the one 401 and a draw.
 */
enum upref_fault upref_faults_next(struct upref_faults *f, int64_t now_ms);

/* upref_faults_take_drop: 1 if this answer must be dropped (and counts it down). */
int upref_faults_take_drop(struct upref_faults *f);

/* upref_rule_match: 1 if `rule` is set and the record's value at its path equals it. */
int upref_rule_match(const struct upref_rule *rule, json_t *record);

/*
 * upref_control_parse: check a control body into `c` (zeroed first). -EINVAL
 * with `err` naming the field, or -ENOMEM. Release `c` with upref_control_release.
 */
int upref_control_parse(const char *body, size_t len, struct upref_control *c,
			struct upref_error *err);

/* upref_control_apply: make `c` current (reset first when asked); takes its rules. */
void upref_control_apply(struct upref_faults *f, struct upref_control *c, int64_t now_ms);

void upref_control_release(struct upref_control *c);

/* upref_faults_describe: the current settings as a control body would set them; caller decrefs. */
json_t *upref_faults_describe(const struct upref_faults *f, int64_t now_ms);

#endif
