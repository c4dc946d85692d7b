// SPDX-License-Identifier: MIT
/*
 * tillnet-term cash open|in|out|payout|nosale|close|status and report x|z:
 * the drawer's session from the command line (docs/pos.md, "Cash
 * sessions"), all offline, on the core in terminal/cash.h. Each change is
 * one transaction in term.db with its outbox op; the close also journals
 * the Z report.
 */
#include "cash.h"
#include "config.h"
#include "db.h"
#include "escpos.h"
#include "money.h"
#include "printer.h"
#include "proto_sync.h"
#include "settings.h"
#include "term.h"
#include "term_db.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

static const char cash_usage[] =
    "usage: tillnet-term cash open --data DIR (--float AMOUNT | --count COUNT)\n"
    "       tillnet-term cash in|out|payout AMOUNT --data DIR --reason TEXT\n"
    "       tillnet-term cash nosale --data DIR [--reason TEXT]\n"
    "       tillnet-term cash close --data DIR --count COUNT\n"
    "       tillnet-term cash status --data DIR\n"
    "       (each also takes [--approve-pin-file FILE|-] [--json])\n"
    "\n"
    "The cash drawer's session on this terminal, offline (docs/pos.md, \"Cash\n"
    "sessions\"). One session is open at a time; sales and refunds made while it\n"
    "is open belong to it.\n"
    "  open     start a session with the float in the drawer: an amount (100.00)\n"
    "           or a count of it (needs cash.open)\n"
    "  in       cash put in the drawer, with a reason (cash.in)\n"
    "  out      cash taken out, to the safe or the bank (cash.out)\n"
    "  payout   cash paid to someone from the drawer (cash.payout)\n"
    "  nosale   open the drawer without a sale (drawer.open)\n"
    "  close    count the drawer and close the session (cash.close): prints the\n"
    "           Z report, journaled with its own number. A difference between\n"
    "           counted and expected above the store's limit needs a manager's\n"
    "           PIN (--approve-pin-file), even when a manager closes.\n"
    "  status   the open session and the cash expected in the drawer now\n"
    "COUNT is VALUE=PIECES for each denomination counted, VALUE in minor units\n"
    "as the store's settings list them: 50000=2,2000=3,5=7 is two 500.00 notes,\n"
    "three 20.00 notes and seven 0.05 coins. With a printer in term.conf,\n"
    "in, out, payout and nosale open the drawer (ESC/POS kick).\n"
    "When the signed-in person's role lacks the permission, a manager's PIN in\n"
    "FILE (- for stdin) approves.\n";

static const char report_usage[] =
    "usage: tillnet-term report x --data DIR [--json]\n"
    "       tillnet-term report z --data DIR [SESSION] [--json]\n"
    "\n"
    "x: the open cash session so far (sales, refunds, each tender, cash in and\n"
    "out, payouts, the cash expected in the drawer); changes nothing.\n"
    "z: the Z report of a closed session: SESSION is its id or its Z number\n"
    "(CORNER-T01-000042); without it, the last one closed. Works offline.\n";

struct cash_args {
	const char *data, *reason, *approve, *count, *float_text, *amount, *session;
	int json, have_reason;
};

/* "-5" would read as an option: say what is wrong with it instead. */
static int negative_amount(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *prev = argv[i - 1];

		if (argv[i][0] != '-' || !isdigit((unsigned char)argv[i][1]) ||
		    strcmp(prev, "--reason") == 0 || strcmp(prev, "--count") == 0)
			continue;
		fprintf(stderr,
			"tillnet-term: %s: \"%s\" is negative (expected an amount, e.g. 20.00); "
			"nothing was stored\n",
			strcmp(prev, "--float") == 0 ? "float" : "amount", argv[i]);
		return EX_DATAERR;
	}
	return 0;
}

static int parse_args(int argc, char **argv, const char *usage, struct cash_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"reason", required_argument, NULL, 'r'},
	    {"approve-pin-file", required_argument, NULL, 'a'},
	    {"count", required_argument, NULL, 'c'},
	    {"float", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, ex = negative_amount(argc, argv);

	if (ex)
		return ex;
	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			a->data = optarg;
		} else if (c == 'r') {
			a->reason = optarg;
			a->have_reason = 1;
		} else if (c == 'a') {
			a->approve = optarg;
		} else if (c == 'c') {
			a->count = optarg;
		} else if (c == 'f') {
			a->float_text = optarg;
		} else if (c == 'j') {
			a->json = 1;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc)
		a->amount = a->session = argv[optind++];
	if (optind < argc || !a->data) {
		fprintf(stderr, "tillnet-term: %s\n\n%s",
			a->data ? "too many arguments" : "--data is required", usage);
		return EX_USAGE;
	}
	return 0;
}

static int parse_amount(const char *field, const char *text, int64_t *out)
{
	int rc = money_parse(text, out);

	if (rc < 0)
		fprintf(stderr,
			"tillnet-term: %s: \"%s\" is not an amount (expected e.g. 20.00, digits "
			"with at most two decimals); nothing was stored\n",
			field, text);
	return rc < 0 ? EX_DATAERR : 0;
}

static int parse_count(const struct store_settings *s, const char *text, struct cash_count *c)
{
	struct proto_error err;

	if (cash_count_parse(text, s->denominations, s->ndenominations, "count", c, &err) < 0) {
		fprintf(stderr, "tillnet-term: %s; nothing was stored\n", err.message);
		return EX_DATAERR;
	}
	return 0;
}

/* The person acting, then the permission `perm` (and a step-up when asked). */
static int authorize(sqlite3 *db, struct term_acting *acting, const char *perm, const char *perm2,
		     int stepup, const char *approve)
{
	struct staff_needs needs = {0};
	int ex = term_acting(db, PROTO_OP_CASH_PUT, NULL, acting);

	if (ex)
		return ex;
	needs.perm[needs.n++] = perm;
	if (perm2)
		needs.perm[needs.n++] = perm2;
	needs.stepup = stepup;
	return term_authorize(db, acting, &needs, approve);
}

static void print_json(json_t *out)
{
	json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(out);
}

static const char *when(int64_t ms, char *buf, size_t len)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "%lld ms", (long long)ms);
	return buf;
}

/* A staff member's name, or their id when this terminal does not know them. */
static void staff_name(sqlite3 *db, json_t *id, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;

	snprintf(out, len, "%s", json_is_string(id) ? json_string_value(id) : "-");
	if (!json_is_string(id) || db_prepare(db, "SELECT name FROM staff WHERE id = ?", &st) < 0)
		return;
	sqlite3_bind_text(st, 1, json_string_value(id), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void line(const char *label, int64_t amount)
{
	char text[MONEY_TEXT_MAX];

	money_format(amount, text, sizeof(text));
	printf("%-28s %14s\n", label, text);
}

static int64_t member(json_t *obj, const char *name)
{
	return json_integer_value(json_object_get(obj, name));
}

/* The X or Z report as text: `doc` the session, `totals` and `expected` as of now. */
static void print_report(sqlite3 *db, const char *id, json_t *doc, json_t *totals, int64_t expected,
			 int z)
{
	char at[40], who[80], label[64], sales[MONEY_TEXT_MAX], refunds[MONEY_TEXT_MAX],
	    net[MONEY_TEXT_MAX];
	const char *tender;
	json_t *one;

	if (z)
		printf("Z REPORT %s\n", json_string_value(json_object_get(doc, "zNumber")));
	else
		printf("X REPORT (the session stays open)\n");
	printf("session  %s\n", id);
	staff_name(db, json_object_get(doc, "openedBy"), who, sizeof(who));
	printf("opened   %s by %s\n", when(member(doc, "openedAt"), at, sizeof(at)), who);
	if (z) {
		staff_name(db, json_object_get(doc, "closedBy"), who, sizeof(who));
		printf("closed   %s by %s\n", when(member(doc, "closedAt"), at, sizeof(at)), who);
	} else {
		printf("at       %s\n", when(db_now_ms(), at, sizeof(at)));
	}
	line("float", member(doc, "float"));
	snprintf(label, sizeof(label), "sales (%lld)", (long long)member(totals, "salesCount"));
	line(label, member(totals, "sales"));
	snprintf(label, sizeof(label), "refunds (%lld)", (long long)member(totals, "refundsCount"));
	line(label, -member(totals, "refunds"));
	printf("%-10s %14s %14s %14s\n", "tender", "sales", "refunds", "net");
	json_object_foreach(json_object_get(totals, "tenders"), tender, one)
	{
		money_format(member(one, "sales"), sales, sizeof(sales));
		money_format(member(one, "refunds"), refunds, sizeof(refunds));
		money_format(member(one, "net"), net, sizeof(net));
		printf("%-10s %14s %14s %14s\n", tender, sales, refunds, net);
	}
	line("cash in", member(totals, "cashIn"));
	line("cash out", -member(totals, "cashOut"));
	line("payouts", -member(totals, "payouts"));
	printf("%-28s %14lld\n", "no-sale openings", (long long)member(totals, "noSales"));
	line("expected in drawer", expected);
	if (!z)
		return;
	line("counted", member(doc, "counted"));
	line("difference", member(doc, "difference"));
	if (json_is_string(json_object_get(doc, "approver"))) {
		staff_name(db, json_object_get(doc, "approver"), who, sizeof(who));
		printf("difference approved by %s\n", who);
	}
}

/* The open session as it stands: {id, session, totals, expected}; *out NULL when none is open. */
static int current_state(sqlite3 *db, json_t **out, int64_t *expected)
{
	struct cash_totals t;
	char id[PROTO_ID_LEN], why[256];
	int64_t float_amount;
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	rc = cash_current(db, id, sizeof(id));
	if (rc <= 0)
		return rc;
	rc = cash_tally(db, id, &float_amount, &t, expected, why, sizeof(why));
	if (rc == 0)
		rc = cash_doc(db, id, &doc);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term: cash session %s: %s\n", id,
			why[0] ? why : "cannot be read");
		return rc;
	}
	*out = json_pack("{s:s, s:o, s:o, s:I}", "id", id, "session", doc, "totals",
			 cash_totals_to_json(&t), "expected", (json_int_t)*expected);
	return *out ? 0 : -ENOMEM;
}

/* ESC @ and the drawer kick to the configured printer; a failure is only a warning. */
static void kick_drawer(const struct term_config *cfg)
{
	struct escpos b;
	char why[512];

	if (!cfg->printer_target[0])
		return;
	escpos_init(&b, 64);
	if (escpos_reset(&b) < 0 || escpos_kick(&b) < 0 ||
	    printer_send(cfg->printer_target, b.data, b.len, why, sizeof(why)) < 0)
		fprintf(stderr, "tillnet-term: recorded, but the drawer did not open: %s\n",
			b.len ? why : "out of memory");
	escpos_release(&b);
}

static int fail(int rc, const char *why)
{
	fprintf(stderr, "tillnet-term: nothing was stored: %s\n", why);
	return rc == -EINVAL || rc == -ENOENT || rc == -EALREADY ? EX_DATAERR
	       : rc == -EPERM					 ? EX_NOPERM
								 : EX_IOERR;
}

static int do_open(sqlite3 *db, const struct term_config *cfg, const struct cash_args *a)
{
	struct store_settings s;
	struct cash_count count;
	struct term_acting acting;
	struct cash_who who;
	char id[PROTO_ID_LEN], why[512], text[MONEY_TEXT_MAX];
	int64_t float_amount = 0;
	json_t *doc;
	int ex, rc;

	if (!a->float_text == !a->count) {
		fprintf(stderr, "tillnet-term cash open: give the float as --float AMOUNT or "
				"--count COUNT (one of them)\n");
		return EX_USAGE;
	}
	if (term_db_settings(db, &s) < 0) {
		fprintf(stderr, "tillnet-term: cannot read the store's settings\n");
		return EX_IOERR;
	}
	ex = a->count ? parse_count(&s, a->count, &count)
		      : parse_amount("float", a->float_text, &float_amount);
	if (ex)
		return ex;
	if (a->count)
		float_amount = count.total;
	ex = authorize(db, &acting, "cash.open", NULL, 0, a->approve);
	if (ex)
		return ex;
	who = (struct cash_who){cfg->terminal_id, cfg->short_code, acting.actor, acting.approver};
	rc = cash_open(db, &who, float_amount, a->count ? &count : NULL, id, why, sizeof(why));
	if (rc < 0)
		return fail(rc, why);
	if (a->json) {
		if (cash_doc(db, id, &doc) < 0)
			return EX_IOERR;
		print_json(json_pack("{s:s, s:o}", "id", id, "session", doc));
		return 0;
	}
	money_format(float_amount, text, sizeof(text));
	printf("cash session %s open, float %s\n", id, text);
	return 0;
}

static int do_move(sqlite3 *db, const struct term_config *cfg, const struct cash_args *a,
		   enum cash_move m)
{
	struct term_acting acting;
	struct cash_who who;
	char why[512], text[MONEY_TEXT_MAX], exp[MONEY_TEXT_MAX];
	int64_t amount = 0, expected;
	json_t *state;
	int ex, rc;

	if (m != CASH_MOVE_NOSALE && !a->amount) {
		fprintf(stderr, "tillnet-term cash %s: the AMOUNT is required\n\n%s",
			cash_move_name(m), cash_usage);
		return EX_USAGE;
	}
	if (m == CASH_MOVE_NOSALE && a->amount) {
		fprintf(stderr, "tillnet-term cash nosale: takes no amount (a no-sale moves no "
				"money)\n");
		return EX_USAGE;
	}
	if (m != CASH_MOVE_NOSALE) {
		ex = parse_amount("amount", a->amount, &amount);
		if (ex)
			return ex;
		if (amount == 0) {
			fprintf(stderr, "tillnet-term: amount: 0 (expected an amount above 0, e.g. "
					"20.00); nothing was stored\n");
			return EX_DATAERR;
		}
		if (!a->have_reason || !a->reason[0]) {
			fprintf(stderr, "tillnet-term: reason: missing (say why the cash moves: "
					"--reason TEXT); nothing was stored\n");
			return EX_DATAERR;
		}
	}
	ex = authorize(db, &acting, cash_move_permission(m), NULL, 0, a->approve);
	if (ex)
		return ex;
	who = (struct cash_who){cfg->terminal_id, cfg->short_code, acting.actor, acting.approver};
	rc = cash_move(db, &who, m, amount, a->reason, why, sizeof(why));
	if (rc < 0)
		return fail(rc, why);
	kick_drawer(cfg);
	if (current_state(db, &state, &expected) < 0 || !state)
		return EX_IOERR;
	if (a->json) {
		print_json(state);
		return 0;
	}
	json_decref(state);
	money_format(amount, text, sizeof(text));
	money_format(expected, exp, sizeof(exp));
	if (m == CASH_MOVE_NOSALE)
		printf("no sale: drawer opened; expected in drawer %s\n", exp);
	else
		printf("cash %s %s (%s); expected in drawer %s\n", cash_move_name(m), text,
		       a->reason, exp);
	return 0;
}

static int do_close(sqlite3 *db, const struct term_config *cfg, const struct cash_args *a)
{
	struct store_settings s;
	struct cash_count count;
	struct cash_totals t;
	struct term_acting acting;
	struct cash_who who;
	char id[PROTO_ID_LEN], why[512];
	int64_t float_amount, expected;
	int ex, rc, over;
	json_t *doc = NULL;

	if (!a->count) {
		fprintf(stderr, "tillnet-term cash close: --count COUNT is required (e.g. "
				"--count 5000=2,2000=3)\n");
		return EX_USAGE;
	}
	if (term_db_settings(db, &s) < 0) {
		fprintf(stderr, "tillnet-term: cannot read the store's settings\n");
		return EX_IOERR;
	}
	ex = parse_count(&s, a->count, &count);
	if (ex)
		return ex;
	rc = cash_current(db, id, sizeof(id));
	if (rc == 0) {
		fprintf(stderr, "tillnet-term: nothing was stored: no cash session is open on this "
				"terminal (tillnet-term cash open --float AMOUNT)\n");
		return EX_DATAERR;
	}
	rc = rc < 0 ? rc : cash_tally(db, id, &float_amount, &t, &expected, why, sizeof(why));
	if (rc < 0)
		return fail(rc, rc == -EIO ? "the terminal's database failed" : why);
	/* Over the limit: a manager's PIN, every time (docs/pos.md). */
	over = cash_over_limit(count.total - expected, s.cash_difference_limit);
	if (over) {
		char diff[MONEY_TEXT_MAX], lim[MONEY_TEXT_MAX];

		money_format(count.total - expected, diff, sizeof(diff));
		money_format(s.cash_difference_limit, lim, sizeof(lim));
		fprintf(stderr,
			"tillnet-term: counted minus expected is %s, over the limit of %s: a "
			"manager approves it\n",
			diff, lim);
	}
	ex = authorize(db, &acting, "cash.close", over ? "cash.out" : NULL, over, a->approve);
	if (ex)
		return ex;
	who = (struct cash_who){cfg->terminal_id, cfg->short_code, acting.actor, acting.approver};
	/* Approved for the difference seen here: one a sale made meanwhile pushes over is refused.
	 */
	rc = cash_close(db, &who, &count, s.cash_difference_limit, over, &doc, why, sizeof(why));
	if (rc < 0)
		return fail(rc, why);
	if (a->json)
		print_json(json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:o}", "id", id, "zNumber",
				     json_object_get(doc, "zNumber"), "zSeq",
				     json_object_get(doc, "zSeq"), "expected",
				     json_object_get(doc, "expected"), "counted",
				     json_object_get(doc, "counted"), "difference",
				     json_object_get(doc, "difference"), "session", doc));
	else {
		print_report(db, id, doc, json_object_get(doc, "totals"), member(doc, "expected"),
			     1);
		json_decref(doc);
	}
	return 0;
}

static int do_status(sqlite3 *db, const struct cash_args *a)
{
	char exp[MONEY_TEXT_MAX], at[40];
	int64_t expected = 0;
	json_t *state;
	int rc = current_state(db, &state, &expected);

	if (rc < 0)
		return EX_IOERR;
	if (a->json) {
		print_json(state ? state : json_pack("{s:n}", "id"));
		return 0;
	}
	if (!state) {
		printf("no cash session open\n");
		return 0;
	}
	money_format(expected, exp, sizeof(exp));
	printf("cash session %s open since %s; expected in drawer %s\n",
	       json_string_value(json_object_get(state, "id")),
	       when(member(json_object_get(state, "session"), "openedAt"), at, sizeof(at)), exp);
	json_decref(state);
	return 0;
}

int cmd_cash(int argc, char **argv)
{
	struct term_config cfg;
	struct cash_args a;
	const char *what;
	enum cash_move m;
	sqlite3 *db = NULL;
	int ex;

	if (argc < 2 || argv[1][0] == '-') {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(cash_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	what = argv[1];
	if (strcmp(what, "open") != 0 && strcmp(what, "close") != 0 &&
	    strcmp(what, "status") != 0 && cash_move_parse(what, &m) < 0) {
		fprintf(stderr, "tillnet-term cash: unknown command \"%s\"\n\n%s", what,
			cash_usage);
		return EX_USAGE;
	}
	ex = parse_args(argc - 1, argv + 1, cash_usage, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (a.amount && (strcmp(what, "open") == 0 || strcmp(what, "close") == 0 ||
			 strcmp(what, "status") == 0)) {
		fprintf(stderr, "tillnet-term cash %s: unexpected argument \"%s\"\n\n%s", what,
			a.amount, cash_usage);
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex)
		goto out;
	if (strcmp(what, "open") == 0)
		ex = do_open(db, &cfg, &a);
	else if (strcmp(what, "close") == 0)
		ex = do_close(db, &cfg, &a);
	else if (strcmp(what, "status") == 0)
		ex = do_status(db, &a);
	else
		ex = do_move(db, &cfg, &a, m);
out:
	db_close(db);
	return ex;
}

static int report_x(sqlite3 *db, const struct cash_args *a)
{
	int64_t expected;
	json_t *state;

	if (current_state(db, &state, &expected) < 0)
		return EX_IOERR;
	if (!state) {
		fprintf(stderr, "tillnet-term report x: no cash session is open on this terminal "
				"(report z shows a closed one)\n");
		return EX_DATAERR;
	}
	if (a->json) {
		json_object_set_new(state, "report", json_string("X"));
		json_object_set_new(state, "at", json_integer(db_now_ms()));
		print_json(state);
		return 0;
	}
	print_report(db, json_string_value(json_object_get(state, "id")),
		     json_object_get(state, "session"), json_object_get(state, "totals"), expected,
		     0);
	json_decref(state);
	return 0;
}

static int report_z(sqlite3 *db, const struct cash_args *a)
{
	char id[PROTO_ID_LEN];
	json_t *doc = NULL;
	int found = cash_find(db, a->session, id, sizeof(id)), rc = found;

	if (found == 1)
		rc = cash_doc(db, id, &doc);
	if (rc < 0)
		return EX_IOERR;
	if (!found || strcmp(json_string_value(json_object_get(doc, "status")), "closed") != 0) {
		if (a->session && found)
			fprintf(stderr,
				"tillnet-term report z: session %s is still open (report x shows "
				"it so far)\n",
				a->session);
		else if (a->session)
			fprintf(stderr,
				"tillnet-term report z: no cash session \"%s\" on this terminal "
				"(expected its id or its Z number)\n",
				a->session);
		else
			fprintf(stderr, "tillnet-term report z: no cash session was closed on "
					"this terminal yet\n");
		json_decref(doc);
		return EX_DATAERR;
	}
	if (a->json) {
		print_json(json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "report", "Z",
				     "id", id, "zNumber", json_object_get(doc, "zNumber"), "zSeq",
				     json_object_get(doc, "zSeq"), "expected",
				     json_object_get(doc, "expected"), "counted",
				     json_object_get(doc, "counted"), "difference",
				     json_object_get(doc, "difference"), "totals",
				     json_object_get(doc, "totals"), "session", doc));
		return 0;
	}
	print_report(db, id, doc, json_object_get(doc, "totals"), member(doc, "expected"), 1);
	json_decref(doc);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct term_config cfg;
	struct cash_args a;
	sqlite3 *db = NULL;
	int ex, z;

	if (argc < 2 || (strcmp(argv[1], "x") != 0 && strcmp(argv[1], "z") != 0)) {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fputs(report_usage, help ? stdout : stderr);
		return help ? 0 : EX_USAGE;
	}
	z = strcmp(argv[1], "z") == 0;
	ex = parse_args(argc - 1, argv + 1, report_usage, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (!z && a.session) {
		fprintf(stderr, "tillnet-term report x: takes no SESSION\n\n%s", report_usage);
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex == 0)
		ex = z ? report_z(db, &a) : report_x(db, &a);
	db_close(db);
	return ex;
}
