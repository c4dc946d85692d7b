// SPDX-License-Identifier: MIT
/* Latency histogram, op table and /proc readings (see bench_stats.h). */
#include "bench_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void bench_hist_reset(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
	uint64_t us = ns / 1000, ms = ns / BENCH_MSEC;

	h->n++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (us < BENCH_HIST_FINE)
		h->fine[us]++;
	else if (ms < BENCH_HIST_COARSE)
		h->coarse[ms]++;
	else
		h->over++;
}

double bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->n == 0)
		return 0;
	/* The smallest value with at least q * n samples at or below it. */
	rank = (uint64_t)(q * (double)h->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->n)
		rank = h->n;
	for (uint32_t i = 0; i < BENCH_HIST_FINE; i++) {
		seen += h->fine[i];
		if (seen >= rank)
			return (i + 0.5) / 1000.0;
	}
	for (uint32_t i = 0; i < BENCH_HIST_COARSE; i++) {
		seen += h->coarse[i];
		if (seen >= rank)
			return i + 0.5;
	}
	return (double)h->max_ns / (double)BENCH_MSEC;
}

struct bench_track *bench_track_new(uint32_t cap)
{
	struct bench_track *t = calloc(1, sizeof(*t));
	uint32_t slots = 1;

	if (!t)
		return NULL;
	while (slots < 2 * cap)
		slots <<= 1;
	t->cap = cap;
	t->slot_mask = slots - 1;
	t->op_id = calloc(cap, sizeof(*t->op_id));
	t->origin = calloc(cap, sizeof(*t->origin));
	t->t_sent = calloc(cap, sizeof(*t->t_sent));
	t->expected = calloc(cap, sizeof(*t->expected));
	t->received = calloc(cap, sizeof(*t->received));
	t->worst_us = calloc(cap, sizeof(*t->worst_us));
	t->slot = calloc(slots, sizeof(*t->slot));
	if (!t->op_id || !t->origin || !t->t_sent || !t->expected || !t->received || !t->worst_us ||
	    !t->slot) {
		bench_track_free(t);
		return NULL;
	}
	return t;
}

void bench_track_free(struct bench_track *t)
{
	if (!t)
		return;
	free(t->op_id);
	free(t->origin);
	free(t->t_sent);
	free(t->expected);
	free(t->received);
	free(t->worst_us);
	free(t->slot);
	free(t);
}

void bench_track_reset(struct bench_track *t)
{
	memset(t->slot, 0, ((size_t)t->slot_mask + 1) * sizeof(*t->slot));
	t->n = 0;
	t->delivered = 0;
	t->outstanding = 0;
	t->t_last = 0;
	bench_hist_reset(&t->hist);
}

/* FNV-1a over the id's last 16 characters: UUIDv7 puts its random bits there. */
static uint32_t track_hash(const char *op_id)
{
	uint32_t h = 2166136261u;

	for (int i = 20; i < 36; i++)
		h = (h ^ (unsigned char)op_id[i]) * 16777619u;
	return h;
}

int bench_track_add(struct bench_track *t, const char *op_id, int origin, uint16_t expected,
		    uint32_t *index)
{
	uint32_t s;

	if (t->n == t->cap)
		return -ENOSPC;
	memcpy(t->op_id[t->n], op_id, 36);
	t->op_id[t->n][36] = '\0';
	t->origin[t->n] = (int16_t)origin;
	t->t_sent[t->n] = 0;
	t->expected[t->n] = expected;
	t->received[t->n] = 0;
	t->worst_us[t->n] = 0;
	for (s = track_hash(op_id) & t->slot_mask; t->slot[s]; s = (s + 1) & t->slot_mask)
		;
	t->slot[s] = t->n + 1;
	t->outstanding += expected;
	*index = t->n++;
	return 0;
}

int64_t bench_track_find(const struct bench_track *t, const char *op_id)
{
	for (uint32_t s = track_hash(op_id) & t->slot_mask; t->slot[s]; s = (s + 1) & t->slot_mask)
		if (memcmp(t->op_id[t->slot[s] - 1], op_id, 36) == 0)
			return t->slot[s] - 1;
	return -1;
}

void bench_track_deliver(struct bench_track *t, uint32_t index, uint64_t now)
{
	uint64_t ns = t->t_sent[index] && now > t->t_sent[index] ? now - t->t_sent[index] : 0;

	t->received[index]++;
	t->delivered++;
	t->outstanding--;
	t->t_last = now;
	if (!t->t_sent[index])
		return; /* cannot happen: the hub relays only what it received */
	bench_hist_add(&t->hist, ns);
	if (ns / 1000 > t->worst_us[index])
		t->worst_us[index] = ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
}

uint32_t bench_track_slow(const struct bench_track *t, double ms)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->n; i++)
		n += t->worst_us[i] > ms * 1000;
	return n;
}

static long status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int bench_proc_read(pid_t pid, struct bench_proc *p)
{
	char path[64], text[4096];
	unsigned long long utime = 0, stime = 0;
	struct timespec ts;
	const char *rp;
	size_t n;
	FILE *f;

	memset(p, 0, sizeof(*p));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->at = (uint64_t)ts.tv_sec * BENCH_SEC + (uint64_t)ts.tv_nsec;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* The command name may hold spaces and ')': fields count from the last ')'. */
	rp = strrchr(text, ')');
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			  &stime) != 2)
		return -EPROTO;
	p->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	p->rss_kb = status_kb(text, "VmRSS:");
	p->hwm_kb = status_kb(text, "VmHWM:");
	return 0;
}

double bench_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}
