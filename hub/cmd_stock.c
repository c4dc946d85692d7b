// SPDX-License-Identifier: MIT
/*
 * tillnet-hub stock list|show|adjust|receive|threshold: the store's stock
 * ledger at the hub (docs/pos.md, "Stock"). Works whether or not the hub
 * runs: a running hub relays the movements it finds in hub.db.
 */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "money.h"
#include "stock_store.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>

static const char stock_usage[] =
    "usage: tillnet-hub stock list --data DIR [--low] [--json]\n"
    "       tillnet-hub stock show --data DIR SKU [--json]\n"
    "       tillnet-hub stock adjust --data DIR SKU QTY --reason TEXT [--json]\n"
    "       tillnet-hub stock receive --data DIR SKU QTY [--reason TEXT] [--json]\n"
    "       tillnet-hub stock threshold --data DIR SKU QTY|none\n"
    "\n"
    "Stock is a ledger of movements: sales take out, refunds put back,\n"
    "adjustments correct the count (with a reason), receiving adds. A level is\n"
    "the sum of a sku's movements; it may go below zero, and the hub then raises\n"
    "an alert (audit log: stock.negative). QTY is in units with up to 3 decimals\n"
    "(0.25 for a weighed item); an adjustment's QTY may be negative (-2).\n"
    "\n"
    "list       every item on sale with its level, threshold and state (low:\n"
    "           at or below its threshold; negative: below zero). --low: only\n"
    "           those low or negative.\n"
    "show       one sku's level and every movement, oldest first, with the level\n"
    "           after each.\n"
    "adjust     correct a level by QTY (+ or -), with a reason (\"broken\",\n"
    "           \"stock count\"). Terminals receive the movement.\n"
    "receive    add QTY received (a delivery); a reason is optional.\n"
    "threshold  mark SKU low at or below QTY (0 or more); none removes it.\n";

struct stock_args {
	const char *what, *data, *reason, *pos[2];
	int npos, low, json, has_reason;
};

/*
 * Options by hand, not getopt: a negative quantity ("-2") is an argument,
 * not an option.
 */
static int parse_args(int argc, char **argv, struct stock_args *a)
{
	memset(a, 0, sizeof(*a));
	a->what = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];

		if ((strcmp(arg, "--data") == 0 || strcmp(arg, "--reason") == 0) && i + 1 < argc) {
			if (arg[2] == 'd') {
				a->data = argv[++i];
			} else {
				a->reason = argv[++i];
				a->has_reason = 1;
			}
		} else if (strncmp(arg, "--data=", 7) == 0) {
			a->data = arg + 7;
		} else if (strncmp(arg, "--reason=", 9) == 0) {
			a->reason = arg + 9;
			a->has_reason = 1;
		} else if (strcmp(arg, "--low") == 0) {
			a->low = 1;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(arg, "--help") == 0) {
			fputs(stock_usage, stdout);
			return -1;
		} else if (arg[0] == '-' && arg[1] == '-') {
			fprintf(stderr, "tillnet-hub stock: unknown option %s\n\n%s", arg,
				stock_usage);
			return EX_USAGE;
		} else if (a->npos < 2) {
			a->pos[a->npos++] = arg;
		} else {
			fprintf(stderr, "tillnet-hub stock %s: too many arguments\n\n%s", a->what,
				stock_usage);
			return EX_USAGE;
		}
	}
	if (!a->data) {
		fprintf(stderr, "tillnet-hub stock %s: --data is required\n\n%s", a->what,
			stock_usage);
		return EX_USAGE;
	}
	return 0;
}

/* "12", "-0.25", "none". */
static void qty_text(json_t *v, char *out, size_t len)
{
	if (json_is_integer(v))
		money_qty_format(json_integer_value(v), out, len);
	else
		snprintf(out, len, "none");
}

static const char *state_text(json_t *item)
{
	if (json_is_true(json_object_get(item, "negative")))
		return "NEGATIVE";
	if (json_is_true(json_object_get(item, "low")))
		return "low";
	return "ok";
}

static void print_levels(json_t *items)
{
	char level[MONEY_TEXT_MAX], threshold[MONEY_TEXT_MAX];
	json_t *item;
	size_t i;

	printf("%-16s %12s %10s  %-8s  %s\n", "sku", "level", "threshold", "state", "name");
	json_array_foreach(items, i, item)
	{
		qty_text(json_object_get(item, "level"), level, sizeof(level));
		qty_text(json_object_get(item, "threshold"), threshold, sizeof(threshold));
		printf("%-16s %12s %10s  %-8s  %s\n",
		       json_string_value(json_object_get(item, "sku")), level, threshold,
		       state_text(item), json_string_value(json_object_get(item, "name")));
	}
}

static void print_item(json_t *item)
{
	char level[MONEY_TEXT_MAX], threshold[MONEY_TEXT_MAX], qty[MONEY_TEXT_MAX],
	    after[MONEY_TEXT_MAX];
	json_t *m;
	size_t i;

	qty_text(json_object_get(item, "level"), level, sizeof(level));
	qty_text(json_object_get(item, "threshold"), threshold, sizeof(threshold));
	printf("%s  %s\nlevel %s  threshold %s  %s\n\n",
	       json_string_value(json_object_get(item, "sku")),
	       json_string_value(json_object_get(item, "name")), level, threshold,
	       state_text(item));
	printf("%-8s %-8s %10s %10s  %-6s %s\n", "hub seq", "kind", "qty", "after", "from",
	       "reason / receipt");
	json_array_foreach(json_object_get(item, "movements"), i, m)
	{
		const char *terminal = json_string_value(json_object_get(m, "terminal")),
			   *reason = json_string_value(json_object_get(m, "reason")),
			   *receipt = json_string_value(json_object_get(m, "receipt"));

		qty_text(json_object_get(m, "qty"), qty, sizeof(qty));
		qty_text(json_object_get(m, "levelAfter"), after, sizeof(after));
		printf("%-8" JSON_INTEGER_FORMAT " %-8s %10s %10s  %-6s %s\n",
		       json_integer_value(json_object_get(m, "hubSeq")),
		       json_string_value(json_object_get(m, "kind")), qty, after,
		       terminal ? terminal : json_string_value(json_object_get(m, "origin")),
		       reason	 ? reason
		       : receipt ? receipt
				 : "");
	}
}

static int show(sqlite3 *db, const struct stock_args *a)
{
	json_t *out = NULL;
	int rc;

	if (strcmp(a->what, "list") == 0) {
		if (a->npos) {
			fprintf(stderr, "tillnet-hub stock list: no SKU here (see stock show)\n");
			return EX_USAGE;
		}
		rc = stock_store_levels(db, a->low, &out);
	} else {
		if (a->npos != 1) {
			fprintf(stderr, "tillnet-hub stock show: expected one SKU\n\n%s",
				stock_usage);
			return EX_USAGE;
		}
		rc = stock_store_item(db, a->pos[0], 0, INT32_MAX, &out);
	}
	if (rc == -ENOENT) {
		fprintf(stderr, "tillnet-hub stock show: sku \"%s\" is not in the catalog\n",
			a->pos[0]);
		return EX_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub stock %s: cannot read %s\n", a->what, HUB_DB);
		return EX_IOERR;
	}
	if (a->json) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (strcmp(a->what, "list") == 0) {
		print_levels(out);
	} else {
		print_item(out);
	}
	json_decref(out);
	return 0;
}

static int move(sqlite3 *db, const struct stock_args *a)
{
	char actor[64], id[40], text[MONEY_TEXT_MAX];
	struct proto_error err;
	int64_t qty, level;
	json_t *payload;
	int rc;

	if (a->npos != 2) {
		fprintf(stderr, "tillnet-hub stock %s: expected SKU and QTY\n\n%s", a->what,
			stock_usage);
		return EX_USAGE;
	}
	rc = stock_qty_parse(a->pos[1], &qty);
	if (rc < 0) {
		fprintf(stderr,
			"tillnet-hub stock %s: nothing was stored: qty: \"%s\" is not a quantity "
			"(expected units with up to 3 decimals, not 0, at most 1000000%s)\n",
			a->what, a->pos[1],
			strcmp(a->what, "adjust") == 0 ? ", e.g. -2 or 1.5" : "");
		return EX_DATAERR;
	}
	payload =
	    json_pack("{s:s, s:I, s:s}", "sku", a->pos[0], "qty", (json_int_t)qty, "kind", a->what);
	if (payload && a->has_reason)
		json_object_set_new(payload, "reason", json_string(a->reason));
	if (!payload)
		return EX_SOFTWARE;
	audit_cli_actor(actor, sizeof(actor));
	rc = stock_store_hub_move(db, payload, actor, db_now_ms(), id, &level, &err);
	json_decref(payload);
	if (rc == -EINVAL) {
		fprintf(stderr, "tillnet-hub stock %s: nothing was stored: %s\n", a->what,
			err.message);
		return EX_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub stock %s: nothing was stored: %s\n", a->what,
			err.message);
		return rc == -EBUSY ? EX_TEMPFAIL : EX_IOERR;
	}
	money_qty_format(level, text, sizeof(text));
	if (a->json)
		printf("{\"moveId\": \"%s\", \"level\": %lld}\n", id, (long long)level);
	else
		printf("%s %s: level now %s (movement %s)\n", a->what, a->pos[0], text, id);
	return 0;
}

static int threshold(sqlite3 *db, const struct stock_args *a)
{
	char actor[64];
	int64_t value;
	int set, rc;

	if (a->npos != 2) {
		fprintf(stderr, "tillnet-hub stock threshold: expected SKU and QTY (or none)\n\n%s",
			stock_usage);
		return EX_USAGE;
	}
	if (stock_threshold_parse(a->pos[1], &set, &value) < 0) {
		fprintf(stderr,
			"tillnet-hub stock threshold: nothing was stored: threshold: \"%s\" is not "
			"a quantity (expected 0 or more units with up to 3 decimals, or none)\n",
			a->pos[1]);
		return EX_DATAERR;
	}
	audit_cli_actor(actor, sizeof(actor));
	rc = stock_store_set_threshold(db, a->pos[0], set, value, actor, db_now_ms());
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub stock threshold: nothing was stored: sku: \"%s\" is not in "
			"the catalog\n",
			a->pos[0]);
		return EX_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub stock threshold: nothing was stored: the hub's "
				"database failed\n");
		return rc == -EBUSY ? EX_TEMPFAIL : EX_IOERR;
	}
	if (set)
		printf("threshold %s: low at or below %s\n", a->pos[0], a->pos[1]);
	else
		printf("threshold %s: none\n", a->pos[0]);
	return 0;
}

int cmd_stock(int argc, char **argv)
{
	static const char *const whats[] = {"list", "show", "adjust", "receive", "threshold"};
	struct stock_args a;
	sqlite3 *db = NULL;
	size_t i;
	int ex;

	for (i = 0; argc >= 2 && i < sizeof(whats) / sizeof(whats[0]); i++)
		if (strcmp(argv[1], whats[i]) == 0)
			break;
	if (argc < 2 || i == sizeof(whats) / sizeof(whats[0])) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(stock_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	ex = parse_args(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (a.has_reason && strcmp(a.what, "adjust") != 0 && strcmp(a.what, "receive") != 0) {
		fprintf(stderr, "tillnet-hub stock %s: --reason is for adjust and receive\n",
			a.what);
		return EX_USAGE;
	}
	if (hub_db_open(a.data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", a.data, HUB_DB);
		return EX_CONFIG;
	}
	if (strcmp(a.what, "list") == 0 || strcmp(a.what, "show") == 0)
		ex = show(db, &a);
	else if (strcmp(a.what, "threshold") == 0)
		ex = threshold(db, &a);
	else
		ex = move(db, &a);
	db_close(db);
	return ex;
}
