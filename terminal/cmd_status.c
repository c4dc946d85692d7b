// SPDX-License-Identifier: MIT
/*
 * tillnet-term status: the running terminal's connection to the hub, read
 * from term.db (the daemon writes every state change there) and from the
 * lock on DATA/term.pid (docs/adr/0003).
 */
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "outbox.h"
#include "pidlock.h"
#include "term.h"
#include "term_db.h"

#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sysexits.h>

static const char status_usage[] =
    "usage: tillnet-term status --data DIR [--json]\n"
    "\n"
    "Whether the terminal on DIR runs, its connection to the hub (connecting,\n"
    "connected, waiting, stopped) and the last error, e.g. why the hub refused it.\n";

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	struct term_config cfg;
	char path[PATH_MAX];
	json_t *sync = NULL, *out = NULL, *progress = NULL;
	sqlite3 *db = NULL;
	pid_t holder = 0;
	int c, json = 0, ex;

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
		fprintf(stderr, "tillnet-term status: --data is required\n\n%s", status_usage);
		return EX_USAGE;
	}
	ex = term_load_config(data, &cfg);
	if (ex)
		return ex;
	if (fsutil_path(path, sizeof(path), data, TERM_PIDFILE) == 0)
		pidlock_holder(path, &holder);
	if (term_db_open(data, 0, &db) < 0 || term_db_state_json(db, &sync) < 0 ||
	    outbox_status_json(db, db_now_ms(), &progress) < 0) {
		fprintf(stderr, "tillnet-term status: cannot read %s/%s\n", data, TERM_DB);
		ex = EX_CONFIG;
		goto out;
	}
	/* A terminal that died without saying so is stopped, whatever the row says. */
	if (!holder) {
		json_object_set_new(sync, "state", json_string("stopped"));
		json_object_set_new(sync, "nextAttemptAt", json_null());
		json_object_set_new(sync, "connectedAt", json_null());
	}
	out = json_pack("{s:b, s:s, s:s, s:s, s:s, s:O}", "running", holder != 0, "terminalId",
			cfg.terminal_id, "shortCode", cfg.short_code, "name", cfg.name, "store",
			cfg.store, "sync", sync);
	if (!out) {
		ex = EX_SOFTWARE;
		goto out;
	}
	json_object_set_new(out, "pid", holder ? json_integer(holder) : json_null());
	json_object_set_new(out, "uiPort", json_integer(cfg.ui_port));
	json_object_update(out, progress);
	if (json) {
		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		json_t *err = json_object_get(sync, "lastError");

		printf("terminal %s \"%s\" of store \"%s\": %s\n", cfg.short_code, cfg.name,
		       cfg.store, holder ? "running" : "not running");
		printf("hub %s: %s\n",
		       json_string_value(json_object_get(sync, "hub"))
			   ? json_string_value(json_object_get(sync, "hub"))
			   : cfg.hub_host,
		       json_string_value(json_object_get(sync, "state")));
		if (json_is_string(err))
			printf("last error: %s\n", json_string_value(err));
		{
			json_t *ob = json_object_get(progress, "outbox");
			json_t *age = json_object_get(ob, "oldestPendingAgeMs");

			printf("outbox: %lld pending, %lld parked",
			       (long long)json_integer_value(json_object_get(ob, "pending")),
			       (long long)json_integer_value(json_object_get(ob, "parked")));
			if (json_is_integer(age))
				printf(" (oldest %lld s old)",
				       (long long)json_integer_value(age) / 1000);
			printf(
			    "\nhub cursor: event %lld; catalog version %lld; last receipt %lld\n",
			    (long long)json_integer_value(json_object_get(progress, "hubCursor")),
			    (long long)json_integer_value(
				json_object_get(progress, "catalogVersion")),
			    (long long)json_integer_value(json_object_get(progress, "receiptSeq")));
		}
	}
out:
	json_decref(out);
	json_decref(sync);
	json_decref(progress);
	db_close(db);
	return ex;
}
