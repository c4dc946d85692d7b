// SPDX-License-Identifier: MIT
/*
 * tillnet-hub status: what the running hub is doing. The running hub keeps
 * each terminal's presence in hub.db and holds DATA/hub.pid locked, so status
 * reads both without talking to the process (docs/adr/0003).
 */
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "hub.h"
#include "hub_db.h"
#include "hub_status.h"
#include "pidlock.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char status_usage[] =
    "usage: tillnet-hub status --data DIR [--json]\n"
    "\n"
    "Whether the hub on DIR runs, and each terminal: online, last seen, address,\n"
    "clock offset, and the upstream queue. --json prints one JSON object\n"
    "(docs/architecture.md, docs/upstream.md).\n";

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *fp_text;
	char path[PATH_MAX];
	struct hub_config cfg;
	/* Borrowed from `out`. */
	json_t *terminals, *sync, *upstream, *out = NULL, *t;
	sqlite3 *db = NULL;
	char *ca = NULL;
	pid_t holder = 0;
	int json = 0, c, ex;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(status_usage, stdout);
			return 0;
		} else {
			fputs(status_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !data) {
		fprintf(stderr, "tillnet-hub status: --data is required\n\n%s", status_usage);
		return EX_USAGE;
	}
	ex = hub_load_config(data, &cfg);
	if (!ex)
		ex = hub_read_file(data, HUB_CA_CERT, &ca);
	if (ex)
		goto out;
	if (fsutil_path(path, sizeof(path), data, HUB_PIDFILE) == 0)
		pidlock_holder(path, &holder);
	if (hub_db_open(data, 0, &db) < 0 ||
	    hub_status_json(db, &cfg, ca, (long)holder, db_now_ms(), &out) < 0) {
		fprintf(stderr, "tillnet-hub status: cannot read %s/%s\n", data, HUB_DB);
		ex = EX_CONFIG;
		goto out;
	}
	terminals = json_object_get(out, "terminals");
	sync = json_object_get(out, "sync");
	upstream = json_object_get(out, "upstream");
	fp_text = json_string_value(json_object_get(out, "caFingerprint"));
	if (json) {
		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		goto out;
	}
	printf("hub for store \"%s\": %s", cfg.store, holder ? "running" : "not running");
	if (holder)
		printf(" (pid %ld), sync port %u, admin port %u", (long)holder, cfg.sync_port,
		       cfg.admin_port);
	printf("\nCA fingerprint: %s\nevent log: %lld events\n", fp_text,
	       (long long)json_integer_value(json_object_get(sync, "eventSeq")));
	printf("upstream: %s; %lld pending, %lld in flight, %lld parked, %lld forwarded\n",
	       json_is_string(json_object_get(upstream, "url"))
		   ? json_string_value(json_object_get(upstream, "url"))
		   : "none configured",
	       (long long)json_integer_value(json_object_get(upstream, "pending")),
	       (long long)json_integer_value(json_object_get(upstream, "inflight")),
	       (long long)json_integer_value(json_object_get(upstream, "parked")),
	       (long long)json_integer_value(json_object_get(upstream, "forwarded")));
	if (json_is_string(json_object_get(upstream, "lastError")))
		printf("  last upstream error: %s\n",
		       json_string_value(json_object_get(upstream, "lastError")));
	json_array_foreach(terminals, i, t)
	{
		json_t *addr = json_object_get(t, "address");
		json_t *lag = NULL, *off = json_object_get(t, "clockOffsetMs"), *st;
		size_t j;

		json_array_foreach(json_object_get(sync, "terminals"), j, st)
		{
			if (json_equal(json_object_get(st, "id"), json_object_get(t, "id")))
				lag = json_object_get(st, "lag");
		}
		printf("  %-4s %-20s %s%s%s, %lld events behind",
		       json_string_value(json_object_get(t, "shortCode")),
		       json_string_value(json_object_get(t, "name")),
		       json_is_integer(json_object_get(t, "revokedAt")) ? "revoked"
		       : json_is_true(json_object_get(t, "online"))	? "online"
									: "offline",
		       json_is_string(addr) ? " from " : "",
		       json_is_string(addr) ? json_string_value(addr) : "",
		       (long long)json_integer_value(lag));
		if (json_is_integer(off))
			printf(", clock %+lld ms", (long long)json_integer_value(off));
		putchar('\n');
	}
out:
	json_decref(out);
	db_close(db);
	free(ca);
	return ex;
}
