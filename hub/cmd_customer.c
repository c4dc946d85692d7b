// SPDX-License-Identifier: MIT
/*
 * tillnet-hub customer list | show: the store's customers as the hub holds
 * them, with their loyalty points, lifetime spend, tier, ledger and alerts
 * (docs/pos.md, "Customers and loyalty").
 */
#include "customer_store.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "money.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sysexits.h>

static const char customer_usage[] =
    "usage: tillnet-hub customer list --data DIR [--search TEXT] [--json]\n"
    "       tillnet-hub customer show --data DIR ID [--json]\n"
    "\n"
    "list: every customer (or those whose name contains TEXT, or whose phone,\n"
    "e-mail or card is TEXT) with their points, lifetime spend, tier and open\n"
    "alerts. show: one customer's points movements, newest first, and the\n"
    "alerts raised for them: \"negative-balance\" when terminals offline\n"
    "redeemed more points than the customer had.\n";

static const char *text(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : "-";
}

static void print_list(json_t *list)
{
	char spend[MONEY_TEXT_MAX];
	json_t *c;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("no customers\n");
		return;
	}
	printf("%-36s  %-24s %-16s %8s %12s %-7s %s\n", "id", "name", "phone", "points", "spend",
	       "tier", "alerts");
	json_array_foreach(list, i, c)
	{
		money_format(json_integer_value(json_object_get(c, "lifetimeSpend")), spend,
			     sizeof(spend));
		printf("%-36s  %-24s %-16s %8" JSON_INTEGER_FORMAT
		       " %12s %-7s %" JSON_INTEGER_FORMAT "\n",
		       text(c, "id"), text(c, "name"), text(c, "phone"),
		       json_integer_value(json_object_get(c, "points")), spend, text(c, "tier"),
		       json_integer_value(json_object_get(c, "openAlerts")));
	}
}

static void print_customer(json_t *c)
{
	char spend[MONEY_TEXT_MAX];
	json_t *e;
	size_t i;

	money_format(json_integer_value(json_object_get(c, "lifetimeSpend")), spend, sizeof(spend));
	printf("%s  %s\n", text(c, "name"), text(c, "id"));
	printf("  phone %s  email %s  card %s\n", text(c, "phone"), text(c, "email"),
	       text(c, "card"));
	printf("  points %" JSON_INTEGER_FORMAT "  lifetime spend %s  tier %s\n",
	       json_integer_value(json_object_get(c, "points")), spend, text(c, "tier"));
	json_array_foreach(json_object_get(c, "ledger"), i, e)
	{
		money_format(json_integer_value(json_object_get(e, "spend")), spend, sizeof(spend));
		printf("  %-24s %-5s %+6" JSON_INTEGER_FORMAT " points  spend %s\n",
		       text(e, "receipt"), text(e, "terminal"),
		       json_integer_value(json_object_get(e, "points")), spend);
	}
	json_array_foreach(json_object_get(c, "alerts"), i, e)
	    printf("  ALERT %s: %s\n", text(e, "code"), text(e, "message"));
}

int cmd_customer(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"search", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *search = NULL, *what;
	json_t *out = NULL;
	sqlite3 *db = NULL;
	int c, rc, as_json = 0, list;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "show") != 0)) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(customer_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	what = argv[1];
	list = strcmp(what, "list") == 0;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 's' && list) {
			search = optarg;
		} else if (c == 'j') {
			as_json = 1;
		} else if (c == 'h') {
			fputs(customer_usage, stdout);
			return 0;
		} else {
			fputs(customer_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!data || optind != argc - (list ? 0 : 1)) {
		fprintf(stderr, "tillnet-hub customer %s: --data%s required\n\n%s", what,
			list ? " is" : " and ID are", customer_usage);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	rc = list ? customer_store_list(db, search, &out)
		  : customer_store_get(db, argv[optind], &out);
	db_close(db);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub customer show: no customer \"%s\" (see 'tillnet-hub "
			"customer list')\n",
			argv[optind]);
		return EX_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub customer %s: cannot read %s/%s\n", what, data, HUB_DB);
		return EX_IOERR;
	}
	if (as_json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (list) {
		print_list(out);
	} else {
		print_customer(out);
	}
	json_decref(out);
	return 0;
}
