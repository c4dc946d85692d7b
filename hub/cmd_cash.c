// SPDX-License-Identifier: MIT
/*
 * tillnet-hub cash list|show: the terminals' cash sessions as the hub
 * received them, with each close's difference and the hub's own tally
 * (docs/pos.md, "Cash sessions").
 */
#include "cash_store.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "money.h"
#include "registry.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sysexits.h>

static const char cash_usage[] =
    "usage: tillnet-hub cash list --data DIR [--terminal T] [--json]\n"
    "       tillnet-hub cash show --data DIR SESSION [--json]\n"
    "\n"
    "list: every cash session the terminals sent (or only T's, a short code like\n"
    "T01 or an id), newest first: open or closed, the float, and for a closed\n"
    "one the cash expected, counted and the difference, its Z number, and\n"
    "whether the hub's own tally of its orders agreed (alerts).\n"
    "show: one session (its id): the terminal's whole document (movements with\n"
    "their reasons, the count by denomination, totals per tender), the hub's\n"
    "tally and any alerts.\n";

static void amount(char *buf, json_t *v)
{
	if (json_is_integer(v))
		money_format(json_integer_value(v), buf, MONEY_TEXT_MAX);
	else
		snprintf(buf, MONEY_TEXT_MAX, "-");
}

static void print_list(json_t *rows)
{
	char fl[MONEY_TEXT_MAX], exp[MONEY_TEXT_MAX], cnt[MONEY_TEXT_MAX], diff[MONEY_TEXT_MAX];
	json_t *r;
	size_t i;

	if (json_array_size(rows) == 0) {
		printf("no cash sessions received yet\n");
		return;
	}
	printf("%-36s %-5s %-6s %10s %10s %10s %10s  %-20s %s\n", "session", "term", "status",
	       "float", "expected", "counted", "diff", "z number", "alerts");
	json_array_foreach(rows, i, r)
	{
		amount(fl, json_object_get(r, "float"));
		amount(exp, json_object_get(r, "expected"));
		amount(cnt, json_object_get(r, "counted"));
		amount(diff, json_object_get(r, "difference"));
		printf("%-36s %-5s %-6s %10s %10s %10s %10s  %-20s %" JSON_INTEGER_FORMAT "\n",
		       json_string_value(json_object_get(r, "id")),
		       json_is_string(json_object_get(r, "terminal"))
			   ? json_string_value(json_object_get(r, "terminal"))
			   : "?",
		       json_string_value(json_object_get(r, "status")), fl, exp, cnt, diff,
		       json_is_string(json_object_get(r, "zNumber"))
			   ? json_string_value(json_object_get(r, "zNumber"))
			   : "-",
		       json_integer_value(json_object_get(r, "alerts")));
	}
}

static void print_one(json_t *s)
{
	json_t *doc = json_object_get(s, "session"), *mv, *a;
	char buf[MONEY_TEXT_MAX], hub[MONEY_TEXT_MAX];
	size_t i;

	printf("session     %s (terminal %s), %s, rev %" JSON_INTEGER_FORMAT "\n",
	       json_string_value(json_object_get(s, "id")),
	       json_is_string(json_object_get(s, "terminal"))
		   ? json_string_value(json_object_get(s, "terminal"))
		   : "?",
	       json_string_value(json_object_get(s, "status")),
	       json_integer_value(json_object_get(s, "rev")));
	amount(buf, json_object_get(s, "float"));
	printf("float       %s\n", buf);
	json_array_foreach(json_object_get(doc, "movements"), i, mv)
	{
		amount(buf, json_object_get(mv, "amount"));
		printf("  %-7s %10s  %s\n", json_string_value(json_object_get(mv, "kind")), buf,
		       json_string_value(json_object_get(mv, "reason")));
	}
	if (strcmp(json_string_value(json_object_get(s, "status")), "closed") != 0)
		return;
	amount(buf, json_object_get(s, "expected"));
	amount(hub, json_object_get(s, "hubExpected"));
	printf("expected    %s (the hub's tally: %s)\n", buf, hub);
	amount(buf, json_object_get(s, "counted"));
	printf("counted     %s\n", buf);
	amount(buf, json_object_get(s, "difference"));
	printf("difference  %s\n", buf);
	printf("z number    %s\n", json_string_value(json_object_get(s, "zNumber")));
	json_array_foreach(json_object_get(s, "alertList"), i, a)
	    printf("ALERT %s: %s\n", json_string_value(json_object_get(a, "code")),
		   json_string_value(json_object_get(a, "message")));
}

int cmd_cash(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"terminal", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *what, *which = NULL, *id = NULL;
	struct registry_terminal t;
	json_t *out = NULL;
	sqlite3 *db = NULL;
	int c, rc, ex, as_json = 0, list;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0)) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(cash_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	what = argv[1];
	list = strcmp(what, "list") == 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 't' && list) {
			which = optarg;
		} else if (c == 'j') {
			as_json = 1;
		} else if (c == 'h') {
			fputs(cash_usage, stdout);
			return 0;
		} else {
			fputs(cash_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!list && optind < argc)
		id = argv[optind++];
	if (optind < argc || !data || (!list && !id)) {
		fprintf(stderr, "tillnet-hub cash %s: --data%s required\n\n%s", what,
			list ? " is" : " and SESSION are", cash_usage);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	ex = EX_IOERR;
	rc = which ? registry_lookup(db, which, &t) : 0;
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub cash list: --terminal \"%s\" is no terminal of this store "
			"(expected a short code like T01 or an id)\n",
			which);
		ex = EX_USAGE;
		goto out;
	}
	if (rc == 0)
		rc = list ? cash_store_list(db, which ? t.id : NULL, &out)
			  : cash_store_get(db, id, &out);
	if (rc == -ENOENT) {
		fprintf(stderr, "tillnet-hub cash show: the hub holds no cash session \"%s\"\n",
			id);
		ex = EX_DATAERR;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub cash %s: cannot read %s/%s\n", what, data, HUB_DB);
		goto out;
	}
	if (as_json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	} else if (list) {
		print_list(out);
	} else {
		print_one(out);
	}
	ex = 0;
out:
	json_decref(out);
	db_close(db);
	return ex;
}
