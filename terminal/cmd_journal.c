// SPDX-License-Identifier: MIT
/*
 * tillnet-term journal verify|list: prove this terminal's fiscal journal
 * holds (every hash, every link, no gap, the grand total's running sum), or
 * show it (docs/pos.md, "The journal").
 */
#include "db.h"
#include "journal.h"
#include "money.h"
#include "term.h"
#include "term_db.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sysexits.h>

static const char journal_usage[] =
    "usage: tillnet-term journal verify --data DIR\n"
    "       tillnet-term journal list --data DIR [--json]\n"
    "\n"
    "verify: recompute every record's SHA-256 from its content, check that each\n"
    "holds the previous one's hash, that the numbers run 1, 2, ... without a gap\n"
    "and that the grand total is the running sum of the amounts. Exits 0 when\n"
    "all of it holds, 1 naming the first record that does not.\n"
    "list: every record, oldest first (--json: the records as the hub receives\n"
    "them).\n";

static int verify(sqlite3 *db)
{
	char why[512], total[MONEY_TEXT_MAX];
	int64_t count, grand;
	int rc = journal_verify(db, &count, &grand, why, sizeof(why));

	if (rc < 0) {
		fprintf(stderr, "tillnet-term journal verify: cannot read the journal\n");
		return EX_IOERR;
	}
	money_format(grand, total, sizeof(total));
	if (rc == 1) {
		printf("journal NOT verified: %s\n"
		       "(the %" PRId64 " records before it hold, grand total %s)\n",
		       why, count, total);
		return 1;
	}
	printf("journal verified: %" PRId64 " records, grand total %s\n", count, total);
	return 0;
}

static int list(sqlite3 *db, int as_json)
{
	json_t *rows = NULL, *r;
	size_t i;

	if (journal_list_json(db, &rows) < 0) {
		fprintf(stderr, "tillnet-term journal list: cannot read the journal\n");
		return EX_IOERR;
	}
	if (as_json) {
		json_dumpf(rows, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else {
		printf("%-8s %-24s %-10s %12s %14s  %s\n", "seq", "number", "kind", "amount",
		       "grand total", "hash");
		json_array_foreach(rows, i, r)
		{
			char amount[MONEY_TEXT_MAX], grand[MONEY_TEXT_MAX];

			money_format(json_integer_value(json_object_get(r, "amount")), amount,
				     sizeof(amount));
			money_format(json_integer_value(json_object_get(r, "grandTotal")), grand,
				     sizeof(grand));
			printf("%-8" JSON_INTEGER_FORMAT " %-24s %-10s %12s %14s  %.16s…\n",
			       json_integer_value(json_object_get(r, "seq")),
			       json_string_value(json_object_get(r, "number")),
			       json_string_value(json_object_get(r, "kind")), amount, grand,
			       json_string_value(json_object_get(r, "hash")));
		}
	}
	json_decref(rows);
	return 0;
}

int cmd_journal(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *what;
	sqlite3 *db = NULL;
	int c, ex, as_json = 0;

	if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "list") != 0)) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(journal_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	what = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'j' && strcmp(what, "list") == 0) {
			as_json = 1;
		} else if (c == 'h') {
			fputs(journal_usage, stdout);
			return 0;
		} else {
			fputs(journal_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !data) {
		fprintf(stderr, "tillnet-term journal %s: --data is required\n\n%s", what,
			journal_usage);
		return EX_USAGE;
	}
	if (term_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-term: cannot open %s/%s: is %s an enrolled terminal?\n",
			data, TERM_DB, data);
		return EX_CONFIG;
	}
	ex = strcmp(what, "verify") == 0 ? verify(db) : list(db, as_json);
	db_close(db);
	return ex;
}
