/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's phases: steady, knee, drain, catchup and storm
 * (docs/benchmarks.md). Each runs on the bench's loop, returns its figures
 * as a new JSON object (the caller json_decref's it; it holds "error" when
 * the phase could not run) and leaves the terminals connected or not as it
 * found useful: the next phase connects what it needs.
 */
#ifndef TILLNET_BENCH_PHASE_H
#define TILLNET_BENCH_PHASE_H

#include "bench.h"

#include <jansson.h>
#include <sys/types.h>

struct bench_opts {
	const char *terminals_dir;
	const char *phases;
	pid_t hub_pid;
	int terms;
	double steady_rate, steady_seconds;
	double knee_start, knee_max, knee_seconds;
	double drain_seconds;
	long catchup_ops;
	int storm_terms;
	long storm_backlog;
};

json_t *bench_phase_steady(struct bench *b, const struct bench_opts *o);
json_t *bench_phase_knee(struct bench *b, const struct bench_opts *o);
json_t *bench_phase_drain(struct bench *b, const struct bench_opts *o);
json_t *bench_phase_catchup(struct bench *b, const struct bench_opts *o);
json_t *bench_phase_storm(struct bench *b, const struct bench_opts *o);

/* The hub's CPU and memory, and the bench's own CPU, over one phase. */
struct bench_sample {
	struct bench_proc hub;
	int hub_ok;
	double self_cpu;
	uint64_t at;
};

/* bench_phase_sample: read the hub's /proc figures (if pid > 0) and the bench's own CPU. */
void bench_phase_sample(const struct bench *b, pid_t pid, struct bench_sample *s);
/* bench_phase_sample_json: add the CPU and memory figures between two samples to `o`. */
void bench_phase_sample_json(json_t *o, const struct bench_sample *a, const struct bench_sample *z);
/* bench_phase_counts_json: the counters that moved from `a` to `z`, as a new object. */
json_t *bench_phase_counts_json(const struct bench_counts *a, const struct bench_counts *z);

#endif
