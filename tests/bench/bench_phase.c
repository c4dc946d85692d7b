// SPDX-License-Identifier: MIT
/*
 * The benchmark's phases (see bench_phase.h). Each is a plain sequence of
 * steps on the one loop: every wait turns the loop (UV_RUN_ONCE) until its
 * condition holds or its time is up, so every phase is bounded in time.
 */
#include "bench_phase.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_SETTLE_NS	    (120 * BENCH_SEC)
#define BENCH_KNEE_STEPS    12
#define BENCH_KNEE_P99_MS   10.0
#define BENCH_STEADY_P99_MS 2.0

struct range {
	int first, n;
};

static double ns_to_ms(uint64_t ns)
{
	return (double)(ns / 1000) / 1000.0;
}

static double round3(double x)
{
	return (double)(long long)(x * 1000.0 + (x < 0 ? -0.5 : 0.5)) / 1000.0;
}

/* Turn the loop once, then reconnect what should be up and hang up on what hangs. */
static void bench_step(struct bench *b)
{
	uint64_t now;

	uv_run(&b->loop, UV_RUN_ONCE);
	now = bench_now();
	for (int i = 0; i < b->n_terms; i++) {
		struct bench_term *t = &b->terms[i];

		if (t->state == BENCH_OFF && t->want_up && now >= t->reconnect_at) {
			bench_term_connect(t);
		} else if ((t->state == BENCH_CONNECTING || t->state == BENCH_OPEN) && t->wsi &&
			   !t->closing && now - t->t_connect > BENCH_WELCOME_NS) {
			/* No welcome in time: give up on this attempt (counted as failed). */
			bench_term_hang_up(t, 0);
			t->t_connect = now;
		}
	}
}

typedef int bench_cond_fn(struct bench *b, const struct range *r);

static int bench_wait(struct bench *b, bench_cond_fn *cond, const struct range *r,
		      uint64_t timeout_ns)
{
	uint64_t end = bench_now() + timeout_ns;

	while (!cond(b, r)) {
		if (bench_now() >= end)
			return -ETIMEDOUT;
		bench_step(b);
	}
	return 0;
}

static int cond_pushes_done(struct bench *b, const struct range *r)
{
	for (int i = 0; i < b->n_terms; i++)
		if (b->terms[i].state == BENCH_READY && b->terms[i].pushes_out > 0)
			return 0;
	return 1;
}

/* Every terminal of the range is connected and has seen every event not its own. */
static int cond_caught_up(struct bench *b, const struct range *r)
{
	if (!cond_pushes_done(b, r))
		return 0;
	for (int i = r->first; i < r->first + r->n; i++)
		if (!bench_term_caught_up(&b->terms[i]))
			return 0;
	return 1;
}

static int cond_all_off(struct bench *b, const struct range *r)
{
	for (int i = r->first; i < r->first + r->n; i++)
		if (b->terms[i].state != BENCH_OFF)
			return 0;
	return 1;
}

static int cond_track_done(struct bench *b, const struct range *r)
{
	return b->track->outstanding == 0 && cond_pushes_done(b, r);
}

/* Connect the range (those not up yet) and wait until all are caught up. */
static int bench_up(struct bench *b, int first, int n, uint64_t timeout_ns)
{
	struct range r = {first, n};

	for (int i = first; i < first + n; i++) {
		b->terms[i].want_up = 1;
		b->terms[i].reconnect_at = 0;
	}
	return bench_wait(b, cond_caught_up, &r, timeout_ns);
}

static int bench_down(struct bench *b, int first, int n)
{
	struct range r = {first, n};

	for (int i = first; i < first + n; i++) {
		b->terms[i].want_up = 0;
		bench_term_hang_up(&b->terms[i], 1);
	}
	return bench_wait(b, cond_all_off, &r, 10 * BENCH_SEC);
}

static int bench_ready_count(const struct bench *b, int first, int n)
{
	int ready = 0;

	for (int i = first; i < first + n; i++)
		ready += b->terms[i].state == BENCH_READY;
	return ready;
}

void bench_phase_sample(const struct bench *b, pid_t pid, struct bench_sample *s)
{
	s->hub_ok = pid > 0 && bench_proc_read(pid, &s->hub) == 0;
	s->self_cpu = bench_self_cpu();
	s->at = bench_now();
}

void bench_phase_sample_json(json_t *o, const struct bench_sample *a, const struct bench_sample *z)
{
	double wall = (double)(z->at - a->at) / 1e9;

	if (wall <= 0)
		wall = 1e-9;
	if (a->hub_ok && z->hub_ok) {
		json_object_set_new(o, "hubCpuS", json_real(round3(z->hub.cpu_s - a->hub.cpu_s)));
		json_object_set_new(
		    o, "hubCpuPct",
		    json_real(round3(100.0 * (z->hub.cpu_s - a->hub.cpu_s) / wall)));
		json_object_set_new(o, "hubRssKb", json_integer(z->hub.rss_kb));
		json_object_set_new(o, "hubPeakRssKb", json_integer(z->hub.hwm_kb));
	}
	json_object_set_new(o, "benchCpuPct",
			    json_real(round3(100.0 * (z->self_cpu - a->self_cpu) / wall)));
	json_object_set_new(o, "wallS", json_real(round3(wall)));
}

json_t *bench_phase_counts_json(const struct bench_counts *a, const struct bench_counts *z)
{
	json_t *o = json_object();

#define COUNT(name, field)                                                                         \
	if (z->field - a->field)                                                                   \
	json_object_set_new(o, name, json_integer((json_int_t)(z->field - a->field)))
	COUNT("applied", applied);
	COUNT("duplicate", duplicate);
	COUNT("conflict", conflict);
	COUNT("rejected", rejected);
	COUNT("deliveries", deliveries);
	COUNT("pages", pages);
	COUNT("snapshotParts", snapshots);
	COUNT("hubErrors", hub_errors);
	COUNT("drops", drops);
	COUNT("connectFailures", conn_fails);
	COUNT("notSentQueueFull", tx_full);
	COUNT("tooBig", rx_too_big);
	COUNT("unreadable", bad_msgs);
	COUNT("staleEvents", stale);
	COUNT("ownOpsEchoed", echoed);
	COUNT("unmatchedOpIds", unmatched);
	COUNT("extraDeliveries", extra);
#undef COUNT
	return o;
}

static json_t *phase_error(json_t *o, const char *text)
{
	fprintf(stderr, "tillnet-bench: %s\n", text);
	json_object_set_new(o, "error", json_string(text));
	return o;
}

/*
 * One paced run: `rate` single-op pushes per second spread round-robin over
 * terminals [0, n) for `seconds`; then up to `grace` seconds for the last
 * deliveries. Latency: from the lws_write of the push to the events message
 * holding the op, on every other terminal.
 */
static json_t *bench_paced(struct bench *b, const struct bench_opts *o, int n, double rate,
			   double seconds, double grace)
{
	struct bench_counts c0 = b->counts;
	struct bench_sample s0, s1;
	struct range all = {0, n};
	uint64_t t0, end, now, target_ops, due, sent = 0, skipped = 0, k = 0;
	struct bench_track *track = b->tracker;
	json_t *out = json_object(), *lat;
	double span;
	int done;

	bench_track_reset(track);
	target_ops = (uint64_t)(rate * seconds);
	if (target_ops > track->cap)
		return phase_error(out, "rate: more ops than the bench can track");
	b->track = track;
	bench_phase_sample(b, o->hub_pid, &s0);
	t0 = bench_now();
	end = t0 + (uint64_t)(seconds * 1e9);
	for (now = t0; now < end; now = bench_now()) {
		int ready = bench_ready_count(b, 0, n);

		due = (uint64_t)((double)(now - t0) * rate / 1e9);
		if (due > target_ops)
			due = target_ops;
		while (sent + skipped < due) {
			struct bench_term *t = &b->terms[k++ % (uint64_t)n];

			if (t->state == BENCH_READY &&
			    bench_msg_push(t, 1, 1, (uint16_t)(ready - 1)) == 0)
				sent++;
			else
				skipped++;
		}
		bench_step(b);
	}
	done = bench_wait(b, cond_track_done, &all, (uint64_t)(grace * 1e9)) == 0;
	bench_phase_sample(b, o->hub_pid, &s1);
	b->track = NULL;
	span = track->t_last > t0 ? (double)(track->t_last - t0) / 1e9 : seconds;
	if (span < seconds)
		span = seconds;
	json_object_set_new(out, "terminals", json_integer(n));
	json_object_set_new(out, "opsPerS", json_real(rate));
	json_object_set_new(out, "seconds", json_real(seconds));
	json_object_set_new(out, "opsSent", json_integer((json_int_t)sent));
	json_object_set_new(out, "opsNotSent", json_integer((json_int_t)skipped));
	json_object_set_new(out, "deliveries", json_integer((json_int_t)track->delivered));
	json_object_set_new(out, "deliveriesMissing", json_integer((json_int_t)track->outstanding));
	json_object_set_new(out, "deliveriesPerS",
			    json_real(round3((double)track->delivered / span)));
	json_object_set_new(out, "keptUp", json_boolean(done && skipped == 0));
	json_object_set_new(out, "opsSlowerThan10Ms",
			    json_integer(bench_track_slow(track, BENCH_KNEE_P99_MS)));
	lat = json_pack("{s:f, s:f, s:f, s:f, s:f}", "p50",
			round3(bench_hist_quantile(&track->hist, 0.50)), "p99",
			round3(bench_hist_quantile(&track->hist, 0.99)), "p999",
			round3(bench_hist_quantile(&track->hist, 0.999)), "max",
			round3(ns_to_ms(track->hist.max_ns)), "mean",
			round3(track->hist.n ? ns_to_ms(track->hist.sum_ns / track->hist.n) : 0));
	json_object_set_new(out, "latencyMs", lat);
	bench_phase_sample_json(out, &s0, &s1);
	/* What one delivery costs the hub: its CPU over the step, per event relayed. */
	if (s0.hub_ok && s1.hub_ok && track->delivered)
		json_object_set_new(out, "hubCpuUsPerDelivery",
				    json_real(round3((s1.hub.cpu_s - s0.hub.cpu_s) * 1e6 /
						     (double)track->delivered)));
	json_object_set_new(out, "counts", bench_phase_counts_json(&c0, &b->counts));
	return out;
}

json_t *bench_phase_steady(struct bench *b, const struct bench_opts *o)
{
	json_t *out;

	if (bench_up(b, 0, o->terms, BENCH_SETTLE_NS) < 0)
		return phase_error(json_object(), "steady: terminals did not connect in time");
	out = bench_paced(b, o, o->terms, o->steady_rate, o->steady_seconds, 5);
	json_object_set_new(out, "targetP99Ms", json_real(BENCH_STEADY_P99_MS));
	return out;
}

/* One knee step: 1 if the hub kept up and p99 held; the step goes into `steps`. */
static int knee_step(struct bench *b, const struct bench_opts *o, double rate, json_t *steps,
		     const char **why)
{
	json_t *step;
	double p99;

	if (bench_up(b, 0, o->terms, 30 * BENCH_SEC) < 0) {
		*why = "terminals did not catch up between steps";
		return -1;
	}
	fprintf(stderr, "tillnet-bench: knee: %.0f ops/s\n", rate);
	step = bench_paced(b, o, o->terms, rate, o->knee_seconds, 3);
	json_array_append_new(steps, step);
	p99 = json_real_value(json_object_get(json_object_get(step, "latencyMs"), "p99"));
	if (!json_is_true(json_object_get(step, "keptUp")) ||
	    json_object_get(json_object_get(step, "counts"), "drops")) {
		*why = "the hub did not keep up (deliveries missing 3 s after the step, "
		       "connections lost or ops not sent)";
		return 0;
	}
	if (p99 > BENCH_KNEE_P99_MS) {
		*why = "p99 over 10 ms";
		return 0;
	}
	return 1;
}

/*
 * Double the rate until a step fails, then halve the gap between the last
 * good rate and the failed one twice, so the knee is known to within a
 * quarter of the last doubling.
 */
json_t *bench_phase_knee(struct bench *b, const struct bench_opts *o)
{
	json_t *out = json_object(), *steps = json_array();
	double good = 0, bad = 0, rate, best = 0;
	const char *why = "reached --knee-max", *last_why = NULL;
	int i, rc = 1;

	json_object_set_new(out, "steps", steps);
	for (i = 0, rate = o->knee_start; i < BENCH_KNEE_STEPS && rate <= o->knee_max;
	     i++, rate *= 2) {
		rc = knee_step(b, o, rate, steps, &why);
		if (rc <= 0)
			break;
		good = rate;
	}
	if (rc == 0) {
		bad = rate;
		last_why = why;
		for (i = 0; i < 2 && good > 0 && rc >= 0; i++) {
			rate = (good + bad) / 2;
			rc = knee_step(b, o, rate, steps, &why);
			if (rc > 0)
				good = rate;
			else if (rc == 0)
				bad = rate;
		}
		why = last_why;
	}
	for (size_t k = 0; k < json_array_size(steps); k++) {
		json_t *st = json_array_get(steps, k);
		double r = json_real_value(json_object_get(st, "opsPerS"));

		if (r == good)
			best = json_real_value(json_object_get(st, "deliveriesPerS"));
	}
	json_object_set_new(out, "stoppedBecause", json_string(why));
	json_object_set_new(out, "bestOpsPerS", json_real(good));
	json_object_set_new(out, "bestDeliveriesPerS", json_real(round3(best)));
	json_object_set_new(out, "firstFailedOpsPerS", bad > 0 ? json_real(bad) : json_null());
	json_object_set_new(out, "targetDeliveriesPerS", json_integer(20000));
	return out;
}

/* Each terminal pushes 500 ops, waits for results, pushes again, for `seconds`. */
json_t *bench_phase_drain(struct bench *b, const struct bench_opts *o)
{
	struct bench_counts c0;
	struct bench_sample s0, s1;
	struct range all = {0, o->terms};
	json_t *out = json_object();
	uint64_t t0, end, acked0, pushes = 0, t_settled;
	double span;
	int settled;

	if (bench_up(b, 0, o->terms, BENCH_SETTLE_NS) < 0)
		return phase_error(out, "drain: terminals did not connect in time");
	c0 = b->counts;
	bench_phase_sample(b, o->hub_pid, &s0);
	acked0 = b->acked;
	t0 = bench_now();
	end = t0 + (uint64_t)(o->drain_seconds * 1e9);
	while (bench_now() < end) {
		for (int i = 0; i < o->terms; i++) {
			struct bench_term *t = &b->terms[i];

			if (t->state == BENCH_READY && t->pushes_out == 0 &&
			    bench_msg_push(t, BENCH_BATCH_MAX, 0, 0) == 0)
				pushes++;
		}
		bench_step(b);
	}
	if (bench_wait(b, cond_pushes_done, &all, 60 * BENCH_SEC) < 0)
		json_object_set_new(out, "error",
				    json_string("results missing 60 s after the last push"));
	span = b->t_last_ack > t0 ? (double)(b->t_last_ack - t0) / 1e9 : o->drain_seconds;
	bench_phase_sample(b, o->hub_pid, &s1);
	settled = bench_wait(b, cond_caught_up, &all, BENCH_SETTLE_NS) == 0;
	t_settled = bench_now();
	json_object_set_new(out, "terminals", json_integer(o->terms));
	json_object_set_new(out, "opsPerPush", json_integer(BENCH_BATCH_MAX));
	json_object_set_new(out, "pushes", json_integer((json_int_t)pushes));
	json_object_set_new(out, "ackedOps", json_integer((json_int_t)(b->acked - acked0)));
	json_object_set_new(out, "ackedOpsPerS",
			    json_real(round3((double)(b->acked - acked0) / span)));
	json_object_set_new(out, "targetAckedOpsPerS", json_integer(20000));
	/* The relay of those ops to the other terminals goes on after the last result. */
	json_object_set_new(out, "relayDoneS",
			    settled ? json_real(round3((double)(t_settled - t0) / 1e9))
				    : json_null());
	json_object_set_new(out, "relayDeliveriesPerS",
			    settled
				? json_real(round3((double)(b->counts.deliveries - c0.deliveries) /
						   ((double)(t_settled - t0) / 1e9)))
				: json_null());
	bench_phase_sample_json(out, &s0, &s1);
	json_object_set_new(out, "counts", bench_phase_counts_json(&c0, &b->counts));
	return out;
}

/* Push `total` ops from terminals [first, first + n), 500 per push, one push in flight each. */
static int bench_push_many(struct bench *b, int first, int n, long total, uint64_t timeout_ns)
{
	struct range r = {first, n};
	uint64_t end = bench_now() + timeout_ns;
	long pushed = 0;

	while (pushed < total) {
		if (bench_now() >= end)
			return -ETIMEDOUT;
		for (int i = first; i < first + n && pushed < total; i++) {
			struct bench_term *t = &b->terms[i];
			int batch = total - pushed < BENCH_BATCH_MAX ? (int)(total - pushed)
								     : BENCH_BATCH_MAX;

			if (t->state == BENCH_READY && t->pushes_out == 0 &&
			    bench_msg_push(t, batch, 0, 0) == 0)
				pushed += batch;
		}
		bench_step(b);
	}
	return bench_wait(b, cond_pushes_done, &r, timeout_ns);
}

json_t *bench_phase_catchup(struct bench *b, const struct bench_opts *o)
{
	struct bench_counts c0;
	struct bench_sample s0, s1;
	json_t *out = json_object();
	struct bench_term *t = &b->terms[0];
	struct range others = {1, o->terms - 1}, me = {0, 1};
	int64_t missed;
	uint64_t t_settle;

	if (bench_up(b, 0, o->terms, BENCH_SETTLE_NS) < 0)
		return phase_error(out, "catchup: terminals did not connect in time");
	if (bench_down(b, 0, 1) < 0)
		return phase_error(out, "catchup: terminal 0 did not disconnect");
	fprintf(stderr, "tillnet-bench: catchup: pushing %ld ops while terminal 0 is away\n",
		o->catchup_ops);
	if (bench_push_many(b, 1, o->terms - 1, o->catchup_ops, BENCH_SETTLE_NS) < 0)
		return phase_error(out, "catchup: the hub did not answer the pushes in time");
	t_settle = bench_now();
	if (bench_wait(b, cond_caught_up, &others, BENCH_SETTLE_NS) < 0)
		return phase_error(out, "catchup: the other terminals did not catch up");
	json_object_set_new(out, "othersRelayS",
			    json_real(round3((double)(bench_now() - t_settle) / 1e9)));
	missed = bench_term_target(t) - t->cursor;
	c0 = b->counts;
	bench_phase_sample(b, o->hub_pid, &s0);
	t->want_up = 1;
	t->reconnect_at = 0;
	if (bench_wait(b, cond_caught_up, &me, 60 * BENCH_SEC) < 0)
		phase_error(out, "catchup: terminal 0 did not catch up within 60 s");
	bench_phase_sample(b, o->hub_pid, &s1);
	json_object_set_new(out, "terminals", json_integer(o->terms));
	json_object_set_new(out, "eventsMissed", json_integer(missed));
	json_object_set_new(out, "pages", json_integer(t->pages));
	json_object_set_new(out, "eventsReceived", json_integer(t->page_events));
	if (t->t_caught && t->t_cursor) {
		json_object_set_new(out, "catchupMs",
				    json_real(round3(ns_to_ms(t->t_caught - t->t_cursor))));
		json_object_set_new(out, "connectToWelcomeMs",
				    json_real(round3(ns_to_ms(t->t_welcome - t->t_connect))));
		json_object_set_new(out, "eventsPerS",
				    json_real(round3((double)t->page_events * 1e9 /
						     (double)(t->t_caught - t->t_cursor + 1))));
	}
	json_object_set_new(out, "targetMs", json_integer(1000));
	bench_phase_sample_json(out, &s0, &s1);
	json_object_set_new(out, "counts", bench_phase_counts_json(&c0, &b->counts));
	return out;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Terminals [0, n) are caught up. Disconnect them all; if `backlog`,
 * terminal 0 first pushes that many ops while the others are away. Then
 * reconnect all at once and time until every one has its welcome and has
 * read up to the head.
 */
static json_t *storm_once(struct bench *b, const struct bench_opts *o, int n, long backlog)
{
	struct bench_counts c0;
	struct bench_sample s0, s1;
	json_t *out = json_object();
	struct range all = {0, n};
	uint64_t *welcome = NULL, t0, last_welcome = 0, last_caught = 0;
	int ok;

	if (bench_down(b, 1, n - 1) < 0)
		return phase_error(out, "storm: terminals did not disconnect");
	if (backlog > 0 && bench_push_many(b, 0, 1, backlog, BENCH_SETTLE_NS) < 0)
		return phase_error(out, "storm: the hub did not answer the backlog in time");
	if (bench_down(b, 0, 1) < 0)
		return phase_error(out, "storm: terminal 0 did not disconnect");
	welcome = calloc((size_t)n, sizeof(*welcome));
	if (!welcome)
		return phase_error(out, "storm: out of memory");
	c0 = b->counts;
	bench_phase_sample(b, o->hub_pid, &s0);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		b->terms[i].want_up = 1;
		bench_term_connect(&b->terms[i]);
	}
	ok = bench_wait(b, cond_caught_up, &all, 30 * BENCH_SEC) == 0;
	bench_phase_sample(b, o->hub_pid, &s1);
	for (int i = 0; i < n; i++) {
		const struct bench_term *t = &b->terms[i];

		welcome[i] = t->t_welcome > t0 ? t->t_welcome - t0 : UINT64_MAX;
		if (t->t_welcome > last_welcome)
			last_welcome = t->t_welcome;
		if (t->t_caught > last_caught)
			last_caught = t->t_caught;
	}
	qsort(welcome, (size_t)n, sizeof(*welcome), cmp_u64);
	json_object_set_new(out, "terminals", json_integer(n));
	json_object_set_new(out, "backlogEvents", json_integer(backlog));
	json_object_set_new(out, "allCaughtUp", json_boolean(ok));
	json_object_set_new(out, "stormMs",
			    ok ? json_real(round3(ns_to_ms(last_caught - t0))) : json_null());
	json_object_set_new(out, "allWelcomedMs",
			    ok ? json_real(round3(ns_to_ms(last_welcome - t0))) : json_null());
	if (welcome[n / 2] != UINT64_MAX)
		json_object_set_new(out, "welcomeP50Ms",
				    json_real(round3(ns_to_ms(welcome[n / 2]))));
	bench_phase_sample_json(out, &s0, &s1);
	json_object_set_new(out, "counts", bench_phase_counts_json(&c0, &b->counts));
	free(welcome);
	return out;
}

json_t *bench_phase_storm(struct bench *b, const struct bench_opts *o)
{
	int n = o->storm_terms < b->n_terms ? o->storm_terms : b->n_terms;
	json_t *out;

	fprintf(stderr, "tillnet-bench: storm: connecting %d terminals (setup)\n", n);
	if (n < 2 || bench_up(b, 0, n, BENCH_SETTLE_NS) < 0)
		return phase_error(json_object(), "storm: terminals did not connect in time");
	out = storm_once(b, o, n, 0);
	json_object_set_new(out, "targetMs", json_integer(3000));
	if (o->storm_backlog > 0 && !json_object_get(out, "error"))
		json_object_set_new(out, "withBacklog", storm_once(b, o, n, o->storm_backlog));
	return out;
}
