// SPDX-License-Identifier: MIT
/* tillnet-term orders export: every order this terminal holds, one JSON object per line. */
#include "db.h"
#include "orders.h"
#include "term.h"
#include "term_db.h"

#include <getopt.h>
#include <string.h>
#include <sysexits.h>

static const char orders_usage[] =
    "usage: tillnet-term orders export --data DIR [--format jsonl]\n"
    "\n"
    "Every order this terminal holds (its own and those mirrored from the other\n"
    "terminals), one JSON object per line: id, origin, owner, receipt, status,\n"
    "lines, payments, total, taxTotal, createdAt (device), hubSeq, hubAt (hub)\n"
    "and syncState (pending, synced, parked, mirror).\n";

int cmd_orders(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL;
	sqlite3 *db = NULL;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "export") != 0) {
		fputs(orders_usage, argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : EX_USAGE;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'f') {
			if (strcmp(optarg, "jsonl") != 0) {
				fprintf(stderr,
					"tillnet-term orders export: --format \"%s\": only jsonl\n",
					optarg);
				return EX_USAGE;
			}
		} else if (c == 'h') {
			fputs(orders_usage, stdout);
			return 0;
		} else {
			fputs(orders_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !data) {
		fprintf(stderr, "tillnet-term orders export: --data is required\n\n%s",
			orders_usage);
		return EX_USAGE;
	}
	if (term_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-term: cannot open %s/%s\n", data, TERM_DB);
		return EX_CONFIG;
	}
	rc = term_orders_export(db, stdout);
	db_close(db);
	return rc < 0 ? EX_IOERR : 0;
}
