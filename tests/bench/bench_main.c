// SPDX-License-Identifier: MIT
/*
 * tillnet-bench: play N terminals against a running hub and print one JSON
 * object of figures (docs/benchmarks.md). This file reads the options and
 * the terminals' folders, sets up the loop and runs the phases in order
 * (bench_phase.c).
 */
#include "bench_phase.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define BENCH_TICK_MS	1
#define BENCH_TRACK_OPS (1u << 20)

static const char bench_usage[] =
    "usage: tillnet-bench --terminals DIR --port N [--host ADDR] [--hub-pid PID]\n"
    "                     [--phases LIST] [--quick] [options]\n"
    "\n"
    "Play the enrolled terminals in DIR (one data folder each, as made by\n"
    "'tillnet-term enroll', taken in name order) against the hub's WSS port and\n"
    "print one JSON object of figures on stdout. LIST is a comma-separated\n"
    "subset of steady,knee,drain,catchup,storm (default: all).\n"
    "\n"
    "options (defaults in brackets; --quick makes every phase short):\n"
    "  --terms N            terminals of steady, knee, drain and catchup [50]\n"
    "  --steady-rate R      ops/s in total [100]      --steady-seconds S [10]\n"
    "  --knee-start R       first step, ops/s [100]   --knee-max R [51200]\n"
    "  --knee-seconds S     per step [5]\n"
    "  --drain-seconds S    [5]                       --catchup-ops K [10000]\n"
    "  --storm-terms N      [200]\n"
    "  --storm-backlog M    a second storm with M events pushed while they are\n"
    "                       away [1000]; 0: no second storm\n"
    "  --sku SKU --item-name NAME --price MINOR --tax-rate BP\n"
    "                       the catalog item every sale sells [BENCH-1, Bench item, 1000, 0]\n";

static void bench_on_tick(uv_timer_t *timer)
{
	/* The tick wakes the loop so the bench can pace its ops, and sends owed cursors. */
	struct bench *b = timer->data;
	uint64_t now = bench_now();

	for (int i = 0; i < b->n_terms; i++)
		bench_msg_cursor_due(&b->terms[i], now);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The enrolled terminals' data folders in `dir`, in name order. */
static int bench_find_terms(struct bench *b, const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, name_cmp), rc = 0;

	if (n < 0) {
		fprintf(stderr, "tillnet-bench: cannot read %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	b->terms = calloc(BENCH_TERMS_MAX, sizeof(*b->terms));
	if (!b->terms)
		rc = -ENOMEM;
	for (int i = 0; i < n; i++) {
		char conf[PATH_MAX + 16];
		struct stat st;
		struct bench_term *t;

		if (rc == 0 && names[i]->d_name[0] != '.' && b->n_terms < BENCH_TERMS_MAX) {
			snprintf(conf, sizeof(conf), "%s/%s/term.conf", dir, names[i]->d_name);
			if (stat(conf, &st) == 0) {
				t = &b->terms[b->n_terms];
				t->bench = b;
				t->index = b->n_terms++;
				snprintf(t->dir, sizeof(t->dir), "%s/%s", dir, names[i]->d_name);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int parse_num(const char *flag, const char *text, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || v < lo || v > hi) {
		fprintf(stderr, "tillnet-bench: %s \"%s\" is not a number from %g to %g\n", flag,
			text, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Text that goes into the ops as is: no quote, backslash or control character. */
static int check_plain(const char *flag, const char *text)
{
	size_t len = strlen(text);

	for (const char *p = text; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			len = 0;
	if (len == 0 || len > 64) {
		fprintf(stderr,
			"tillnet-bench: %s \"%s\": expected 1-64 characters without quotes, "
			"backslashes or control characters\n",
			flag, text);
		return -EINVAL;
	}
	return 0;
}

static int bench_parse(int argc, char **argv, struct bench *b, struct bench_opts *o)
{
	static const struct option opts[] = {
	    {"terminals", required_argument, NULL, 'T'},
	    {"host", required_argument, NULL, 'H'},
	    {"port", required_argument, NULL, 'p'},
	    {"hub-pid", required_argument, NULL, 'P'},
	    {"phases", required_argument, NULL, 'f'},
	    {"quick", no_argument, NULL, 'q'},
	    {"terms", required_argument, NULL, 'n'},
	    {"steady-rate", required_argument, NULL, 1},
	    {"steady-seconds", required_argument, NULL, 2},
	    {"knee-start", required_argument, NULL, 3},
	    {"knee-max", required_argument, NULL, 4},
	    {"knee-seconds", required_argument, NULL, 5},
	    {"drain-seconds", required_argument, NULL, 6},
	    {"catchup-ops", required_argument, NULL, 7},
	    {"storm-terms", required_argument, NULL, 8},
	    {"storm-backlog", required_argument, NULL, 9},
	    {"sku", required_argument, NULL, 10},
	    {"item-name", required_argument, NULL, 11},
	    {"price", required_argument, NULL, 12},
	    {"tax-rate", required_argument, NULL, 13},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	double v = 0, port = 0;
	int c, rc = 0;

	while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->terminals_dir = optarg;
			break;
		case 'H':
			b->host = optarg;
			break;
		case 'p':
			rc = parse_num("--port", optarg, 1, 65535, &port);
			b->port = (uint16_t)port;
			break;
		case 'P':
			rc = parse_num("--hub-pid", optarg, 1, 1e9, &v);
			o->hub_pid = (pid_t)v;
			break;
		case 'f':
			o->phases = optarg;
			break;
		case 'q':
			o->terms = 10;
			o->steady_seconds = 2;
			o->knee_max = 1600;
			o->knee_seconds = 1;
			o->drain_seconds = 1;
			o->catchup_ops = 1000;
			o->storm_terms = 20;
			o->storm_backlog = 200;
			break;
		case 'n':
			rc = parse_num("--terms", optarg, 2, BENCH_TERMS_MAX, &v);
			o->terms = (int)v;
			break;
		case 1:
			rc = parse_num("--steady-rate", optarg, 1, 100000, &o->steady_rate);
			break;
		case 2:
			rc = parse_num("--steady-seconds", optarg, 0.1, 3600, &o->steady_seconds);
			break;
		case 3:
			rc = parse_num("--knee-start", optarg, 1, 1e6, &o->knee_start);
			break;
		case 4:
			rc = parse_num("--knee-max", optarg, 1, 1e6, &o->knee_max);
			break;
		case 5:
			rc = parse_num("--knee-seconds", optarg, 0.1, 600, &o->knee_seconds);
			break;
		case 6:
			rc = parse_num("--drain-seconds", optarg, 0.1, 600, &o->drain_seconds);
			break;
		case 7:
			rc = parse_num("--catchup-ops", optarg, 1, 1e7, &v);
			o->catchup_ops = (long)v;
			break;
		case 8:
			rc = parse_num("--storm-terms", optarg, 1, BENCH_TERMS_MAX, &v);
			o->storm_terms = (int)v;
			break;
		case 9:
			rc = parse_num("--storm-backlog", optarg, 0, 1e7, &v);
			o->storm_backlog = (long)v;
			break;
		case 10:
			b->sku = optarg;
			rc = check_plain("--sku", optarg);
			break;
		case 11:
			b->item_name = optarg;
			rc = check_plain("--item-name", optarg);
			break;
		case 12:
			rc = parse_num("--price", optarg, 0, 1e12, &v);
			b->unit_price = (int64_t)v;
			break;
		case 13:
			rc = parse_num("--tax-rate", optarg, 0, 10000, &v);
			b->tax_rate = (int64_t)v;
			break;
		case 'h':
			fputs(bench_usage, stdout);
			return -1;
		default:
			fputs(bench_usage, stderr);
			return EX_USAGE;
		}
	}
	if (rc)
		return EX_USAGE;
	if (optind < argc || !o->terminals_dir || !b->port) {
		fprintf(stderr, "tillnet-bench: --terminals and --port are required\n\n%s",
			bench_usage);
		return EX_USAGE;
	}
	return 0;
}

static int phase_wanted(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && strncmp(p, name, len) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int check_phases(const char *list)
{
	static const char *const known[] = {"steady", "knee", "drain", "catchup", "storm"};

	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int found = 0;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			found |= strlen(known[i]) == n && strncmp(p, known[i], n) == 0;
		if (!found) {
			fprintf(stderr,
				"tillnet-bench: --phases: \"%.*s\" is not a phase (expected "
				"steady, knee, drain, catchup or storm)\n",
				(int)n, p);
			return -EINVAL;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
	    .phases = "steady,knee,drain,catchup,storm",
	    .terms = 50,
	    .steady_rate = 100,
	    .steady_seconds = 10,
	    .knee_start = 100,
	    .knee_max = 51200,
	    .knee_seconds = 5,
	    .drain_seconds = 5,
	    .catchup_ops = 10000,
	    .storm_terms = 200,
	    .storm_backlog = 1000,
	};
	struct bench *b = calloc(1, sizeof(*b));
	struct bench_sample s0, s1;
	json_t *out = NULL;
	int64_t base;
	int ex, failed = 0;

	if (!b)
		return EX_OSERR;
	b->host = "127.0.0.1";
	b->sku = "BENCH-1";
	b->item_name = "Bench item";
	b->unit_price = 1000;
	b->head_origin = -2;
	log_init("tillnet-bench", 0);
	ex = bench_parse(argc, argv, b, &o);
	if (ex) {
		free(b);
		return ex < 0 ? 0 : ex;
	}
	if (check_phases(o.phases) < 0) {
		free(b);
		return EX_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (bench_find_terms(b, o.terminals_dir) < 0) {
		ex = EX_NOINPUT;
		goto out;
	}
	if (o.terms > b->n_terms) {
		fprintf(stderr, "tillnet-bench: --terms %d, but %s holds %d enrolled terminals\n",
			o.terms, o.terminals_dir, b->n_terms);
		ex = EX_USAGE;
		goto out;
	}
	/* Receipt numbers never repeat for a terminal across runs (docs/protocol.md). */
	base = bench_wall_ms() * 1000;
	for (int i = 0; i < b->n_terms; i++)
		b->terms[i].receipt_seq = base;
	b->tracker = bench_track_new(BENCH_TRACK_OPS);
	uv_loop_init(&b->loop);
	uv_timer_init(&b->loop, &b->tick);
	b->tick.data = b;
	uv_timer_start(&b->tick, bench_on_tick, BENCH_TICK_MS, BENCH_TICK_MS);
	if (!b->tracker || bench_conn_init(b) < 0) {
		ex = EX_SOFTWARE;
		goto stop;
	}
	out = json_object();
	json_object_set_new(out, "host", json_string(b->host));
	json_object_set_new(out, "port", json_integer(b->port));
	json_object_set_new(out, "terminalsAvailable", json_integer(b->n_terms));
	json_object_set_new(out, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	bench_phase_sample(b, o.hub_pid, &s0);
	if (o.hub_pid > 0 && !s0.hub_ok)
		fprintf(stderr, "tillnet-bench: cannot read /proc/%ld: no hub figures\n",
			(long)o.hub_pid);
	{
		struct {
			const char *name;
			json_t *(*run)(struct bench *, const struct bench_opts *);
		} phases[] = {
		    {"steady", bench_phase_steady}, {"knee", bench_phase_knee},
		    {"drain", bench_phase_drain},   {"catchup", bench_phase_catchup},
		    {"storm", bench_phase_storm},
		};

		for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
			json_t *r;

			if (!phase_wanted(o.phases, phases[i].name))
				continue;
			fprintf(stderr, "tillnet-bench: phase %s\n", phases[i].name);
			r = phases[i].run(b, &o);
			failed |= json_object_get(r, "error") != NULL;
			json_object_set_new(out, phases[i].name, r);
		}
	}
	bench_phase_sample(b, o.hub_pid, &s1);
	{
		json_t *run = json_object();

		bench_phase_sample_json(run, &s0, &s1);
		json_object_set_new(out, "run", run);
	}
	json_object_set_new(out, "counts",
			    bench_phase_counts_json(&(struct bench_counts){0}, &b->counts));
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
	putchar('\n');
	fflush(stdout);
	ex = failed ? EX_SOFTWARE : 0;
stop:
	for (int i = 0; i < b->n_terms; i++)
		b->terms[i].want_up = 0;
	bench_conn_destroy(b);
	uv_close((uv_handle_t *)&b->tick, NULL);
	uv_run(&b->loop, UV_RUN_DEFAULT);
	bench_conn_free(b);
	if (uv_loop_close(&b->loop) != 0)
		fprintf(stderr, "tillnet-bench: the loop closed with handles still open\n");
out:
	json_decref(out);
	bench_track_free(b->tracker);
	free(b->terms);
	free(b);
	return ex;
}
