/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's figures: a latency histogram with a fixed size, the table
 * of ops sent in a latency phase (found again by opId when their events
 * arrive), and the hub's CPU time and memory read from /proc. No sockets.
 */
#ifndef TILLNET_BENCH_STATS_H
#define TILLNET_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_SEC  1000000000ull
#define BENCH_MSEC 1000000ull

/*
 * A note on the histogram: 1 µs buckets up to 100 ms, then 1 ms buckets up
 * to 100 s, then one overflow bucket. Percentiles below 100 ms are exact to
 * the microsecond, and its size does not grow with the number of samples.
 */
#define BENCH_HIST_FINE	  100000 /* µs */
#define BENCH_HIST_COARSE 100000 /* ms, up to 100 s */

struct bench_hist {
	uint64_t n;
	uint64_t max_ns;
	uint64_t sum_ns;
	uint32_t fine[BENCH_HIST_FINE];
	uint32_t coarse[BENCH_HIST_COARSE];
	uint32_t over;
};

void bench_hist_reset(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t ns);
/* bench_hist_quantile: the q-quantile (0 < q <= 1) in ms; 0 with no samples. */
double bench_hist_quantile(const struct bench_hist *h, double q);

/* The ops of one latency phase or step. */
struct bench_track {
	uint32_t n, cap;
	char (*op_id)[37];
	int16_t *origin;    /* terminal index */
	uint64_t *t_sent;   /* ns, 0 = not written yet */
	uint16_t *expected; /* deliveries the op should get */
	uint16_t *received; /* deliveries it got */
	uint32_t *worst_us; /* its slowest delivery so far */
	uint32_t *slot;	    /* open addressing by opId: index + 1, 0 = empty */
	uint32_t slot_mask;
	uint64_t delivered;   /* sum of received */
	uint64_t outstanding; /* sum of expected - received, over ops not over-delivered */
	uint64_t t_last;      /* ns of the last delivery */
	struct bench_hist hist;
};

/* bench_track_slow: ops whose slowest delivery took more than `ms`. */
uint32_t bench_track_slow(const struct bench_track *t, double ms);

/* bench_track_new: room for `cap` ops; NULL when out of memory. Free with bench_track_free. */
struct bench_track *bench_track_new(uint32_t cap);
void bench_track_free(struct bench_track *t);
/* bench_track_reset: forget every op and sample (keeps the room). */
void bench_track_reset(struct bench_track *t);
/* bench_track_add: a new op; *index gets its index. -ENOSPC when full. */
int bench_track_add(struct bench_track *t, const char *op_id, int origin, uint16_t expected,
		    uint32_t *index);
/* bench_track_find: the index of `op_id` (36 characters), or -1. */
int64_t bench_track_find(const struct bench_track *t, const char *op_id);
/* bench_track_deliver: op `index` reached one more terminal at `now` (ns). */
void bench_track_deliver(struct bench_track *t, uint32_t index, uint64_t now);

/* What /proc says about the hub process. */
struct bench_proc {
	double cpu_s; /* utime + stime */
	long rss_kb;  /* VmRSS */
	long hwm_kb;  /* VmHWM: peak RSS */
	uint64_t at;  /* CLOCK_MONOTONIC ns of the reading */
};

/* bench_proc_read: read /proc/PID/stat and /proc/PID/status; -errno if the process is gone. */
int bench_proc_read(pid_t pid, struct bench_proc *p);
/* bench_self_cpu: this process's user + system CPU seconds. */
double bench_self_cpu(void);

#endif
