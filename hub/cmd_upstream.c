// SPDX-License-Identifier: MIT
/*
 * tillnet-hub upstream: the records upstream refused (parked) and what the
 * admin does about them: retry, void, accept-conflict. Each action is
 * audited in the same transaction; a running hub picks it up within about a
 * second (docs/upstream.md).
 */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "upstream_admin.h"
#include "uuid.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char usage[] =
    "usage: tillnet-hub upstream parked --data DIR [--json]\n"
    "       tillnet-hub upstream retry --data DIR (RECORD | --all)\n"
    "       tillnet-hub upstream void --data DIR RECORD --reason TEXT\n"
    "       tillnet-hub upstream accept-conflict --data DIR RECORD\n"
    "\n"
    "parked           the records upstream refused, with its code and message\n"
    "retry            send a parked record (or all) again, once the cause is fixed\n"
    "void             give a parked record up: it is settled as voided, and a\n"
    "                 \"void\" record naming it goes upstream instead\n"
    "accept-conflict  upstream's version of a record in conflict stands\n"
    "Each action is written to the audit log (docs/upstream.md).\n";

static void print_parked(json_t *list)
{
	json_t *r;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no parked records\n");
		return;
	}
	json_array_foreach(list, i, r)
	{
		json_t *receipt = json_object_get(r, "receipt");

		printf("%s  %s %s %s: %s %s: %s\n", json_string_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "kind")),
		       json_string_value(json_object_get(r, "terminal")),
		       json_is_string(receipt) ? json_string_value(receipt) : "-",
		       json_string_value(json_object_get(r, "result")),
		       json_string_value(json_object_get(r, "code")),
		       json_string_value(json_object_get(r, "message")));
	}
}

/* Tell a person what went wrong with RECORD; the sysexits code. */
static int action_error(const char *verb, const char *id, int rc)
{
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub upstream %s: no parked record %s (see 'tillnet-hub upstream "
			"parked')\n",
			verb, id);
		return EX_DATAERR;
	}
	if (rc == -EINVAL) {
		fprintf(stderr,
			"tillnet-hub upstream %s: record %s was not parked for a conflict: "
			"retry it or void it\n",
			verb, id);
		return EX_DATAERR;
	}
	fprintf(stderr, "tillnet-hub upstream %s: cannot change hub.db (%s)\n", verb,
		strerror(-rc));
	return EX_IOERR;
}

static int run_action(sqlite3 *db, const char *verb, const char *id, int all, const char *reason,
		      int json)
{
	char actor[128], void_id[UUID_TEXT_LEN];
	json_t *list = NULL;
	int rc, count = 0;

	audit_cli_actor(actor, sizeof(actor));
	if (strcmp(verb, "parked") == 0) {
		rc = upstream_admin_parked(db, &list);
		if (rc < 0)
			return action_error(verb, "", rc);
		if (json) {
			json_dumpf(list, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			print_parked(list);
		}
		json_decref(list);
		return 0;
	}
	if (strcmp(verb, "retry") == 0) {
		rc = upstream_admin_retry(db, all ? NULL : id, actor, db_now_ms(), &count);
		if (rc < 0)
			return action_error(verb, id, rc);
		printf("%d record%s queued for upstream again\n", count, count == 1 ? "" : "s");
		return 0;
	}
	if (strcmp(verb, "void") == 0) {
		rc = upstream_admin_void(db, id, reason, actor, db_now_ms(), void_id);
		if (rc < 0)
			return action_error(verb, id, rc);
		printf("record %s voided; void record %s queued for upstream\n", id, void_id);
		return 0;
	}
	rc = upstream_admin_accept_conflict(db, id, actor, db_now_ms());
	if (rc < 0)
		return action_error(verb, id, rc);
	printf("record %s settled with upstream's version\n", id);
	return 0;
}

int cmd_upstream(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
	    {"all", no_argument, NULL, 'a'},	    {"reason", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *reason = NULL, *verb, *id = NULL;
	int c, json = 0, all = 0, ex;
	sqlite3 *db = NULL;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	verb = argv[1];
	if (strcmp(verb, "parked") != 0 && strcmp(verb, "retry") != 0 &&
	    strcmp(verb, "void") != 0 && strcmp(verb, "accept-conflict") != 0) {
		fprintf(stderr, "tillnet-hub upstream: unknown action \"%s\"\n\n%s", verb, usage);
		return EX_USAGE;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'a') {
			all = 1;
		} else if (c == 'r') {
			reason = optarg;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind + 1 < argc)
		id = argv[optind + 1];
	if (!data || optind + 1 + (id ? 1 : 0) != argc) {
		fprintf(stderr, "tillnet-hub upstream %s: --data DIR%s is required\n\n%s", verb,
			strcmp(verb, "parked") == 0 ? "" : " and one RECORD", usage);
		return EX_USAGE;
	}
	if ((strcmp(verb, "parked") == 0 && id) || (strcmp(verb, "retry") == 0 && !id == !all) ||
	    (strcmp(verb, "retry") != 0 && strcmp(verb, "parked") != 0 && !id) ||
	    (strcmp(verb, "void") == 0 && (!reason || !reason[0]))) {
		fprintf(stderr, "tillnet-hub upstream %s: %s\n\n%s", verb,
			strcmp(verb, "parked") == 0  ? "takes no RECORD"
			: strcmp(verb, "retry") == 0 ? "give one RECORD or --all"
			: strcmp(verb, "void") == 0  ? "give one RECORD and --reason TEXT"
						     : "give one RECORD",
			usage);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	ex = run_action(db, verb, id, all, reason, json);
	db_close(db);
	return ex;
}
