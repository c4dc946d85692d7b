// SPDX-License-Identifier: MIT
/* tillnet-hub audit: print the audit log, oldest first. */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define AUDIT_PAGE 1000

static const char usage[] =
    "usage: tillnet-hub audit --data DIR [--json]\n"
    "\n"
    "The audit log, oldest first: time (UTC), actor, action, subject and detail.\n"
    "--json prints one array of {seq, at, actor, action, subject, detail}.\n";

static void print_entry(json_t *e)
{
	time_t t = (time_t)(json_integer_value(json_object_get(e, "at")) / 1000);
	char when[32], *detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	printf("%" JSON_INTEGER_FORMAT "\t%s\t%s\t%s\t%s\t%s\n",
	       json_integer_value(json_object_get(e, "seq")), when,
	       json_string_value(json_object_get(e, "actor")),
	       json_string_value(json_object_get(e, "action")),
	       json_string_value(json_object_get(e, "subject")), detail ? detail : "{}");
	free(detail);
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	json_t *all = json_array(), *page = NULL, *e;
	int64_t after = 0;
	sqlite3 *db = NULL;
	int c, json = 0, rc = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(usage, stdout);
			json_decref(all);
			return 0;
		} else {
			fputs(usage, stderr);
			json_decref(all);
			return EX_USAGE;
		}
	}
	if (!data || optind != argc) {
		fprintf(stderr, "tillnet-hub audit: --data is required\n\n%s", usage);
		json_decref(all);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		json_decref(all);
		return EX_CONFIG;
	}
	/* Page through so that a long log is never one query's worth of memory twice. */
	while (all && (rc = audit_list(db, after, AUDIT_PAGE, &page)) == 0 &&
	       json_array_size(page) > 0) {
		json_array_foreach(page, i, e)
		{
			after = json_integer_value(json_object_get(e, "seq"));
			if (json)
				json_array_append(all, e);
			else
				print_entry(e);
		}
		json_decref(page);
		page = NULL;
	}
	json_decref(page);
	db_close(db);
	if (rc < 0 || !all) {
		json_decref(all);
		fprintf(stderr, "tillnet-hub audit: cannot read the audit log\n");
		return EX_IOERR;
	}
	if (json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	json_decref(all);
	return 0;
}
