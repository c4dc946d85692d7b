// SPDX-License-Identifier: MIT
/*
 * tillnet-hub orders export | order force-claim | conflicts: the store's
 * record of orders as the hub holds it, moving a dead terminal's open order,
 * and the ops the hub refused (with both versions, for a manager).
 */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "orders_store.h"
#include "registry.h"
#include "sync_apply.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char orders_usage[] =
    "usage: tillnet-hub orders export --data DIR [--format jsonl|csv]\n"
    "\n"
    "Every order the hub holds. jsonl (default): one JSON object per order with\n"
    "id, origin and owner (terminal id and short code), receipt, status, rev,\n"
    "lines, payments, total, taxTotal, createdAt and completedAt (device time),\n"
    "receivedAt and updatedAt (hub time) and seq (its last event). csv: one row\n"
    "per order with the same fields but lines and payments, amounts in minor\n"
    "units.\n";

/* --data DIR and the rest: a tiny getopt for the commands of this file. */
static int parse(int argc, char **argv, const char *usage, const char **data, const char **format,
		 const char **to, int *json)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},   {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd' && data) {
			*data = optarg;
		} else if (c == 'f' && format) {
			*format = optarg;
		} else if (c == 't' && to) {
			*to = optarg;
		} else if (c == 'j' && json) {
			*json = 1;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (!*data) {
		fprintf(stderr, "tillnet-hub: --data is required\n\n%s", usage);
		return EX_USAGE;
	}
	return 0;
}

int cmd_orders(int argc, char **argv)
{
	char actor[64];
	json_t *detail;
	const char *data = NULL, *format = "jsonl";
	sqlite3 *db = NULL;
	int ex, rc;

	if (argc < 2 || strcmp(argv[1], "export") != 0) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(orders_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	ex = parse(argc - 1, argv + 1, orders_usage, &data, &format, NULL, NULL);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (strcmp(format, "jsonl") != 0 && strcmp(format, "csv") != 0) {
		fprintf(stderr,
			"tillnet-hub orders export: --format \"%s\": expected jsonl or csv\n",
			format);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	/* The export is audited first: an export that fails half-way was still read. */
	audit_cli_actor(actor, sizeof(actor));
	detail = json_pack("{s:s}", "format", format);
	rc = detail ? audit_append(db, actor, "orders.export", "", detail, db_now_ms()) : -ENOMEM;
	json_decref(detail);
	if (rc == 0)
		rc = orders_store_export(db, stdout, strcmp(format, "csv") == 0);
	db_close(db);
	return rc < 0 ? EX_IOERR : 0;
}

int cmd_order(int argc, char **argv)
{
	static const char usage[] =
	    "usage: tillnet-hub order force-claim --data DIR ORDER --to TERMINAL\n"
	    "\n"
	    "Give an open order of a terminal that is gone for good to TERMINAL (its id\n"
	    "or short code, e.g. T02). The old owner's later changes to the order arrive\n"
	    "as conflicts, kept for a manager (tillnet-hub conflicts). Works whether or\n"
	    "not the hub runs; a running hub tells the terminals within a second.\n";
	struct registry_terminal t;
	const char *data = NULL, *to = NULL;
	char why[512], actor[64];
	sqlite3 *db = NULL;
	int ex, rc;

	if (argc < 2 || strcmp(argv[1], "force-claim") != 0) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	argc--;
	argv++;
	ex = parse(argc, argv, usage, &data, NULL, &to, NULL);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (!to || optind != argc - 1) {
		fprintf(stderr, "tillnet-hub order force-claim: ORDER and --to are required\n\n%s",
			usage);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	if (registry_lookup(db, to, &t) < 0 || t.revoked_at) {
		fprintf(stderr,
			"tillnet-hub order force-claim: --to \"%s\" is not an enrolled, "
			"unrevoked terminal (see tillnet-hub terminal list)\n",
			to);
		db_close(db);
		return EX_DATAERR;
	}
	audit_cli_actor(actor, sizeof(actor));
	rc = sync_apply_force_claim(db, argv[optind], t.id, actor, db_now_ms(), why, sizeof(why));
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub order force-claim: %s\n", why);
		return rc == -ENOENT || rc == -EALREADY ? EX_DATAERR : EX_IOERR;
	}
	printf("%s (%s \"%s\")\n", why, t.short_code, t.name);
	return 0;
}

int cmd_conflicts(int argc, char **argv)
{
	static const char usage[] =
	    "usage: tillnet-hub conflicts --data DIR [--json]\n"
	    "\n"
	    "The ops the hub refused, newest last: conflicts (not the owner, a stale\n"
	    "revision, an op id reused with other content, a completed order) and\n"
	    "rejections (a bad field, an unknown SKU, totals that do not add up), each\n"
	    "with the op as the terminal sent it and the version the hub kept.\n";
	const char *data = NULL;
	json_t *list = NULL;
	sqlite3 *db = NULL;
	int ex, json = 0, rc;

	ex = parse(argc, argv, usage, &data, NULL, NULL, &json);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	rc = orders_store_refused(db, &list);
	db_close(db);
	if (rc < 0) {
		json_decref(list);
		return EX_IOERR;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		size_t i;
		json_t *r;

		if (json_array_size(list) == 0)
			printf("no refused ops\n");
		json_array_foreach(list, i, r)
		{
			json_t *code = json_object_get(r, "terminalCode");

			printf("%s %s %s from %s on order %s: %s\n",
			       json_string_value(json_object_get(r, "result")),
			       json_string_value(json_object_get(r, "code")),
			       json_string_value(json_object_get(r, "opId"))
				   ? json_string_value(json_object_get(r, "opId"))
				   : "(no op id)",
			       json_is_string(code) ? json_string_value(code) : "?",
			       json_string_value(json_object_get(r, "orderId"))
				   ? json_string_value(json_object_get(r, "orderId"))
				   : "?",
			       json_string_value(json_object_get(r, "message")));
		}
	}
	json_decref(list);
	return 0;
}
