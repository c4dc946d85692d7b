// SPDX-License-Identifier: MIT
/*
 * tillnet-hub journal verify|list: prove the terminals' fiscal journals the
 * hub received hold (docs/pos.md, "The journal"), or show them.
 */
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "journal_store.h"
#include "money.h"
#include "registry.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sysexits.h>

static const char journal_usage[] =
    "usage: tillnet-hub journal verify --data DIR [--terminal T] [--json]\n"
    "       tillnet-hub journal list --data DIR [--terminal T] [--json]\n"
    "\n"
    "verify: for each terminal (or only T, a short code like T01 or an id),\n"
    "recompute every record's SHA-256, check each record's link to the one\n"
    "before and the grand total's running sum, and name the seqs not received\n"
    "yet (\"missing 8-9\"). Exits 0 only when every journal checked is complete\n"
    "and holds, else 1.\n"
    "list: the records received, by terminal and seq.\n";

/* "8-9, 12": the missing runs. */
static void print_missing(json_t *missing)
{
	json_t *run;
	size_t i;

	json_array_foreach(missing, i, run)
	{
		json_int_t from = json_integer_value(json_array_get(run, 0)),
			   to = json_integer_value(json_array_get(run, 1));

		if (from == to)
			printf("%s%" JSON_INTEGER_FORMAT, i ? ", " : "", from);
		else
			printf("%s%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, i ? ", " : "",
			       from, to);
	}
}

static int print_report(json_t *report)
{
	char total[MONEY_TEXT_MAX];
	json_t *t, *b;
	size_t i, j;
	int ok = 1;

	if (json_array_size(report) == 0)
		printf("no journal records received yet\n");
	json_array_foreach(report, i, t)
	{
		json_t *missing = json_object_get(t, "missing"),
		       *broken = json_object_get(t, "broken");
		const char *code = json_string_value(json_object_get(t, "terminal"));

		money_format(json_integer_value(json_object_get(t, "grandTotal")), total,
			     sizeof(total));
		printf("%s: %" JSON_INTEGER_FORMAT " records, grand total %s", code,
		       json_integer_value(json_object_get(t, "records")), total);
		if (json_is_true(json_object_get(t, "verified"))) {
			printf(", chain verified\n");
			continue;
		}
		ok = 0;
		if (json_array_size(missing)) {
			printf(", missing ");
			print_missing(missing);
		}
		if (json_array_size(broken))
			printf(", chain NOT verified");
		printf("\n");
		json_array_foreach(broken, j, b)
		    printf("%s: %s\n", code, json_string_value(json_object_get(b, "message")));
	}
	return ok ? 0 : 1;
}

static void print_list(json_t *rows)
{
	char amount[MONEY_TEXT_MAX], grand[MONEY_TEXT_MAX];
	json_t *r;
	size_t i;

	printf("%-6s %-8s %-24s %-10s %12s %14s  %s\n", "term", "seq", "number", "kind", "amount",
	       "grand total", "hash");
	json_array_foreach(rows, i, r)
	{
		money_format(json_integer_value(json_object_get(r, "amount")), amount,
			     sizeof(amount));
		money_format(json_integer_value(json_object_get(r, "grandTotal")), grand,
			     sizeof(grand));
		printf("%-6s %-8" JSON_INTEGER_FORMAT " %-24s %-10s %12s %14s  %.16s…\n",
		       json_is_string(json_object_get(r, "terminal"))
			   ? json_string_value(json_object_get(r, "terminal"))
			   : "?",
		       json_integer_value(json_object_get(r, "seq")),
		       json_string_value(json_object_get(r, "number")),
		       json_string_value(json_object_get(r, "kind")), amount, grand,
		       json_string_value(json_object_get(r, "hash")));
	}
}

int cmd_journal(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"terminal", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *what, *which = NULL;
	struct registry_terminal t;
	json_t *out = NULL;
	sqlite3 *db = NULL;
	int c, rc, ex, as_json = 0;

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
		} else if (c == 't') {
			which = optarg;
		} else if (c == 'j') {
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
		fprintf(stderr, "tillnet-hub journal %s: --data is required\n\n%s", what,
			journal_usage);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	ex = EX_IOERR;
	rc = which ? registry_lookup(db, which, &t) : 0;
	if (rc == -ENOENT) {
		fprintf(
		    stderr,
		    "tillnet-hub journal %s: --terminal \"%s\" is no terminal of this store "
		    "(expected a short code like T01 or an id, see 'tillnet-hub terminal list')\n",
		    what, which);
		ex = EX_USAGE;
		goto out;
	}
	if (rc == 0 && strcmp(what, "verify") == 0)
		rc = journal_store_verify(db, which ? t.id : NULL, &out);
	else if (rc == 0)
		rc = journal_store_list(db, which ? t.id : NULL, &out);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub journal %s: cannot read %s/%s\n", what, data, HUB_DB);
		goto out;
	}
	if (as_json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	if (strcmp(what, "verify") == 0) {
		ex = as_json ? 0 : print_report(out);
		if (as_json) {
			json_t *v;
			size_t i;

			json_array_foreach(
			    out, i, v) if (!json_is_true(json_object_get(v, "verified"))) ex = 1;
		}
	} else {
		if (!as_json)
			print_list(out);
		ex = 0;
	}
out:
	json_decref(out);
	db_close(db);
	return ex;
}
