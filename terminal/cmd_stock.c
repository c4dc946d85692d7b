// SPDX-License-Identifier: MIT
/*
 * tillnet-term stock [SKU] | adjust | receive: stock levels as this
 * terminal knows them, and movements made here, offline (docs/pos.md,
 * "Stock"). Each movement is one transaction in term.db with its outbox op.
 */
#include "config.h"
#include "db.h"
#include "money.h"
#include "proto_sync.h"
#include "stock.h"
#include "term.h"

#include <errno.h>
#include <string.h>
#include <sysexits.h>

static const char stock_usage[] =
    "usage: tillnet-term stock --data DIR [SKU] [--low] [--json]\n"
    "       tillnet-term stock adjust --data DIR SKU QTY --reason TEXT\n"
    "                          [--approve-pin-file FILE|-] [--json]\n"
    "       tillnet-term stock receive --data DIR SKU QTY [--reason TEXT]\n"
    "                          [--approve-pin-file FILE|-] [--json]\n"
    "\n"
    "Stock levels as this terminal knows them, offline: the hub's levels at the\n"
    "last snapshot, this terminal's own sales, refunds and movements, and the\n"
    "others' as they arrive. A level may be below zero (NEGATIVE); low means at\n"
    "or below the threshold set at the hub. With SKU: that item and the\n"
    "movements this terminal holds for it. --low: only items low or negative.\n"
    "\n"
    "adjust: correct a level by QTY (+ or -, e.g. -2 or 1.5) with a reason\n"
    "(\"broken\", \"stock count\"). receive: add QTY received (a delivery).\n"
    "Both need catalog.edit: when the signed-in person's role lacks it, a\n"
    "manager's PIN in FILE (- for stdin) approves. The movement and its op are\n"
    "stored in one transaction and reach the hub when it is online.\n";

struct stock_args {
	const char *what, *data, *reason, *approve, *pos[2];
	int npos, low, json, has_reason;
};

/* Option `name` at argv[*i] ("--name V" or "--name=V"): 1 with *out set, else 0. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] == '\0' && *i + 1 < argc) {
		*out = argv[++*i];
		return 1;
	}
	return 0;
}

/* Options by hand, not getopt: a negative quantity ("-2") is an argument, not an option. */
static int parse_args(int argc, char **argv, struct stock_args *a)
{
	int i = 1;

	memset(a, 0, sizeof(*a));
	a->what = "show";
	if (argc > 1 && (strcmp(argv[1], "adjust") == 0 || strcmp(argv[1], "receive") == 0))
		a->what = argv[i++];
	for (; i < argc; i++) {
		const char *arg = argv[i];

		if (option_value(argc, argv, &i, "--data", &a->data) ||
		    option_value(argc, argv, &i, "--approve-pin-file", &a->approve)) {
			continue;
		} else if (option_value(argc, argv, &i, "--reason", &a->reason)) {
			a->has_reason = 1;
		} else if (strcmp(arg, "--low") == 0) {
			a->low = 1;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = 1;
		} else if (strcmp(arg, "--help") == 0) {
			fputs(stock_usage, stdout);
			return -1;
		} else if (arg[0] == '-' && arg[1] == '-') {
			fprintf(stderr, "tillnet-term stock: unknown option %s\n\n%s", arg,
				stock_usage);
			return EX_USAGE;
		} else if (a->npos < 2) {
			a->pos[a->npos++] = arg;
		} else {
			fprintf(stderr, "tillnet-term stock: too many arguments\n\n%s",
				stock_usage);
			return EX_USAGE;
		}
	}
	if (!a->data) {
		fprintf(stderr, "tillnet-term stock: --data is required\n\n%s", stock_usage);
		return EX_USAGE;
	}
	if (strcmp(a->what, "show") == 0 && (a->npos > 1 || a->has_reason || a->approve)) {
		fprintf(stderr, "tillnet-term stock: expected at most one SKU to show\n\n%s",
			stock_usage);
		return EX_USAGE;
	}
	if (strcmp(a->what, "show") != 0 && a->npos != 2) {
		fprintf(stderr, "tillnet-term stock %s: expected SKU and QTY\n\n%s", a->what,
			stock_usage);
		return EX_USAGE;
	}
	return 0;
}

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
	return json_is_true(json_object_get(item, "low")) ? "low" : "ok";
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

static void print_movements(int64_t base, json_t *moves)
{
	char text[MONEY_TEXT_MAX];
	json_t *m;
	size_t i;

	money_qty_format(base, text, sizeof(text));
	printf("\nfrom the hub at the last snapshot: %s\n", text);
	json_array_foreach(moves, i, m)
	{
		const char *reason = json_string_value(json_object_get(m, "reason"));

		qty_text(json_object_get(m, "qty"), text, sizeof(text));
		printf("%-8s %10s  %s\n", json_string_value(json_object_get(m, "kind")), text,
		       reason ? reason : "");
	}
}

static int show(sqlite3 *db, const struct stock_args *a)
{
	const char *sku = a->npos ? a->pos[0] : NULL;
	json_t *levels = NULL, *moves = NULL;
	int64_t base = 0;
	int rc, ex = EX_IOERR;

	rc = term_stock_levels(db, sku, a->low, &levels);
	if (rc == 0 && sku && json_array_size(levels) == 0) {
		fprintf(stderr,
			"tillnet-term stock: sku \"%s\" is not in this terminal's catalog\n", sku);
		ex = EX_DATAERR;
		goto out;
	}
	if (rc == 0 && sku)
		rc = term_stock_movements(db, sku, &base, &moves);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term stock: the terminal's database failed\n");
		goto out;
	}
	if (a->json && sku) {
		json_t *item = json_array_get(levels, 0);

		json_object_set_new(item, "base", json_integer(base));
		json_object_set(item, "movements", moves);
		json_dumpf(item, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (a->json) {
		json_dumpf(levels, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_levels(levels);
		if (sku)
			print_movements(base, moves);
	}
	ex = 0;
out:
	json_decref(levels);
	json_decref(moves);
	return ex;
}

static int move(sqlite3 *db, const struct term_config *cfg, const struct stock_args *a)
{
	struct term_acting acting;
	struct proto_error err;
	struct sale_who who = {0};
	char id[40], text[MONEY_TEXT_MAX];
	int64_t qty, level;
	json_t *payload;
	int ex, rc;

	if (stock_qty_parse(a->pos[1], &qty) < 0) {
		fprintf(stderr,
			"tillnet-term stock %s: nothing was stored: qty: \"%s\" is not a quantity "
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
	/* Checked before anyone is asked for a PIN: bad input fails the same for all. */
	rc = stock_move_decode(payload, &(struct stock_move){0}, &err);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term stock %s: nothing was stored: %s\n", a->what,
			err.message);
		json_decref(payload);
		return EX_DATAERR;
	}
	ex = term_acting(db, PROTO_OP_STOCK_MOVE, a->approve, &acting);
	if (ex) {
		json_decref(payload);
		return ex;
	}
	who.terminal_id = cfg->terminal_id;
	who.short_code = cfg->short_code;
	who.actor = acting.actor;
	who.approver = acting.approver;
	rc = term_stock_move(db, &who, payload, db_now_ms(), id, &level, &err);
	json_decref(payload);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term stock %s: nothing was stored: %s\n", a->what,
			err.message);
		return rc == -EINVAL ? EX_DATAERR : EX_IOERR;
	}
	money_qty_format(level, text, sizeof(text));
	if (a->json) {
		json_t *out = json_pack("{s:s, s:s, s:I}", "moveId", id, "sku", a->pos[0], "level",
					(json_int_t)level);

		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(out);
	} else
		printf("%s %s: level now %s (movement %s)\n", a->what, a->pos[0], text, id);
	return 0;
}

int cmd_stock(int argc, char **argv)
{
	struct stock_args a;
	struct term_config cfg;
	sqlite3 *db = NULL;
	int ex;

	ex = parse_args(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (a.has_reason && strcmp(a.what, "show") == 0) {
		fprintf(stderr, "tillnet-term stock: --reason is for adjust and receive\n");
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex)
		return ex;
	ex = strcmp(a.what, "show") == 0 ? show(db, &a) : move(db, &cfg, &a);
	db_close(db);
	return ex;
}
