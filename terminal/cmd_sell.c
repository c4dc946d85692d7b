// SPDX-License-Identifier: MIT
/*
 * tillnet-term sell | park | release | claim: ring up from the command line
 * (the cashier UI comes later and calls the same core, sale.h). sell, park
 * and release work whether or not the daemon runs: each is one transaction
 * in term.db with its outbox op. claim needs the daemon, which is online
 * with the hub: the CLI leaves the request in term.db and waits for the
 * daemon to bring the hub's answer back.
 */
#include "config.h"
#include "db.h"
#include "money.h"
#include "proto_sync.h"
#include "sale.h"
#include "term.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define SELL_LINES_MAX 500
#define SELL_PAYS_MAX  20
#define CLAIM_WAIT_MS  10000

static const char sell_usage[] =
    "usage: tillnet-term sell --data DIR --line SKU:QTY [--line ...]\n"
    "                         --pay cash[:AMOUNT]|card:REF [--pay ...] [--json]\n"
    "       tillnet-term park --data DIR --line SKU:QTY [--line ...] [--json]\n"
    "\n"
    "sell: ring up a sale from this terminal's catalog and take payment. SKU may\n"
    "also be a barcode; QTY is a number of units with up to 3 decimals (0.25 for\n"
    "a weighed item). cash:AMOUNT is what the customer hands over (e.g. 20 or\n"
    "20.00; without it, the exact amount); card:REF covers what is due. The sale,\n"
    "its lines, payments and outbox entry are committed in one transaction before\n"
    "the receipt number and total are printed. Works offline.\n"
    "park: store the lines as a parked cart (no payment), printing its order id.\n";

static int parse_line(const char *arg, struct sale_line_req *line)
{
	const char *colon = strrchr(arg, ':');

	if (!colon || colon == arg) {
		fprintf(stderr,
			"tillnet-term: --line \"%s\": expected SKU:QTY (e.g. COFFEE:2 or "
			"APPLES:0.25)\n",
			arg);
		return -EINVAL;
	}
	if (money_qty_parse(colon + 1, &line->qty) < 0) {
		fprintf(
		    stderr,
		    "tillnet-term: --line \"%s\": quantity \"%s\" is not a number of units above "
		    "0 with at most 3 decimals\n",
		    arg, colon + 1);
		return -EINVAL;
	}
	line->code = strndup(arg, (size_t)(colon - arg));
	return line->code ? 0 : -ENOMEM;
}

static int parse_pay(const char *arg, struct sale_pay_req *pay)
{
	memset(pay, 0, sizeof(*pay));
	if (strcmp(arg, "cash") == 0) {
		pay->tender = "cash";
		return 0;
	}
	if (strncmp(arg, "cash:", 5) == 0) {
		pay->tender = "cash";
		if (money_parse(arg + 5, &pay->tendered) < 0 || pay->tendered <= 0) {
			fprintf(stderr,
				"tillnet-term: --pay \"%s\": cash amount \"%s\" is not an amount "
				"above 0 (e.g. 20 or 20.50)\n",
				arg, arg + 5);
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(arg, "card:", 5) == 0 && arg[5]) {
		pay->tender = "card";
		pay->reference = arg + 5;
		return 0;
	}
	fprintf(stderr,
		"tillnet-term: --pay \"%s\": expected cash, cash:AMOUNT or card:REF (the card "
		"payment's reference)\n",
		arg);
	return -EINVAL;
}

static void print_sale(const struct sale_result *r, int park, int json)
{
	char total[32], tax[32], change[32];

	if (json) {
		json_t *out =
		    json_pack("{s:s, s:s?, s:o, s:I, s:I, s:I, s:O}", "orderId", r->order_id,
			      "receipt", park ? NULL : r->receipt, "receiptSeq",
			      park ? json_null() : json_integer(r->receipt_seq), "total",
			      (json_int_t)r->total, "taxTotal", (json_int_t)r->tax_total, "change",
			      (json_int_t)r->change, "order", r->order);

		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(out);
		return;
	}
	money_format(r->total, total, sizeof(total));
	money_format(r->tax_total, tax, sizeof(tax));
	money_format(r->change, change, sizeof(change));
	if (park)
		printf("parked order %s  total %s\n", r->order_id, total);
	else
		printf("receipt %s  total %s (tax %s)  change %s\n", r->receipt, total, tax,
		       change);
}

static int ring_up(int argc, char **argv, int park)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"line", required_argument, NULL, 'l'},
	    {"pay", required_argument, NULL, 'p'},  {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	struct sale_line_req lines[SELL_LINES_MAX];
	struct sale_pay_req pays[SELL_PAYS_MAX];
	struct sale_result res = {0};
	struct term_acting acting;
	struct term_config cfg;
	struct sale_who who;
	const char *data = NULL;
	char why[512];
	sqlite3 *db = NULL;
	int c, nlines = 0, npays = 0, json = 0, ex = EX_USAGE, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'l') {
			if (nlines == SELL_LINES_MAX) {
				fprintf(stderr, "tillnet-term: at most %d lines\n", SELL_LINES_MAX);
				goto out;
			}
			if (parse_line(optarg, &lines[nlines]) < 0)
				goto out;
			nlines++;
		} else if (c == 'p' && !park) {
			if (npays == SELL_PAYS_MAX) {
				fprintf(stderr, "tillnet-term: at most %d payments\n",
					SELL_PAYS_MAX);
				goto out;
			}
			if (parse_pay(optarg, &pays[npays]) < 0)
				goto out;
			npays++;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(sell_usage, stdout);
			ex = 0;
			goto out;
		} else {
			fputs(sell_usage, stderr);
			goto out;
		}
	}
	if (optind < argc || !data || nlines == 0 || (!park && npays == 0)) {
		fprintf(stderr, "tillnet-term %s: --data, --line%s are required\n\n%s",
			park ? "park" : "sell", park ? "" : " and --pay", sell_usage);
		goto out;
	}
	ex = term_open(data, &cfg, &db);
	if (ex)
		goto out;
	ex = term_acting(db, PROTO_OP_ORDER_PUT, NULL, &acting);
	if (ex)
		goto out;
	who.terminal_id = cfg.terminal_id;
	who.short_code = cfg.short_code;
	who.actor = acting.actor;
	who.approver = acting.approver;
	rc = sale_ring_up(db, &who, lines, nlines, pays, npays, park, &res, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "tillnet-term: nothing was stored: %s\n", why);
		ex = rc == -ENOENT   ? (strstr(why, "no catalog") ? EX_UNAVAILABLE : EX_DATAERR)
		     : rc == -EINVAL ? EX_DATAERR
				     : EX_IOERR;
		goto out;
	}
	print_sale(&res, park, json);
	ex = 0;
out:
	json_decref(res.order);
	db_close(db);
	for (int i = 0; i < nlines; i++)
		free((char *)lines[i].code);
	return ex;
}

int cmd_sell(int argc, char **argv)
{
	return ring_up(argc, argv, 0);
}

int cmd_park(int argc, char **argv)
{
	return ring_up(argc, argv, 1);
}

/* --data DIR ORDER: the two arguments release and claim take. */
static int order_args(int argc, char **argv, const char *usage, const char **data,
		      const char **order, const char **approve)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"approve-pin-file", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			*data = optarg;
		} else if (c == 'a' && approve) {
			*approve = optarg;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (!*data || optind != argc - 1 || proto_uuid_check(argv[optind]) < 0) {
		fprintf(stderr, "%s", usage);
		return EX_USAGE;
	}
	*order = argv[optind];
	return 0;
}

int cmd_release(int argc, char **argv)
{
	static const char usage[] =
	    "usage: tillnet-term release --data DIR [--approve-pin-file FILE|-] ORDER\n"
	    "\n"
	    "Release this terminal's parked order ORDER (its id) so that another\n"
	    "terminal may claim it. Works offline: it takes effect at the hub when the\n"
	    "outbox drains. Needs order.void (docs/security.md): when the signed-in\n"
	    "person's role lacks it, a manager's PIN in FILE (- for stdin) approves.\n";
	struct term_acting acting;
	struct term_config cfg;
	struct sale_who who;
	const char *data = NULL, *order = NULL, *approve = NULL;
	char why[512];
	sqlite3 *db = NULL;
	int ex, rc;

	ex = order_args(argc, argv, usage, &data, &order, &approve);
	if (ex)
		return ex < 0 ? 0 : ex;
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	ex = term_acting(db, PROTO_OP_ORDER_RELEASE, approve, &acting);
	if (ex) {
		db_close(db);
		return ex;
	}
	who.terminal_id = cfg.terminal_id;
	who.short_code = cfg.short_code;
	who.actor = acting.actor;
	who.approver = acting.approver;
	rc = sale_release(db, &who, order, why, sizeof(why));
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term release: %s\n", why);
		return rc == -ENOENT ? EX_DATAERR : rc == -EIO ? EX_IOERR : EX_UNAVAILABLE;
	}
	printf("released order %s\n", order);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int cmd_claim(int argc, char **argv)
{
	static const char usage[] =
	    "usage: tillnet-term claim --data DIR ORDER\n"
	    "\n"
	    "Take over an order another terminal released. Needs the terminal running\n"
	    "(tillnet-term run) and connected to the hub, which decides: the first\n"
	    "claim wins. Waits up to 10 s for the answer.\n";
	const char *data = NULL, *order = NULL;
	char request[UUID_TEXT_LEN], state[16] = "pending", code[40] = "", message[512] = "";
	uint8_t id[UUID_LEN];
	struct term_config cfg;
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int ex, rc;

	ex = order_args(argc, argv, usage, &data, &order, NULL);
	if (ex)
		return ex < 0 ? 0 : ex;
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	uuid_v7(id);
	uuid_format(id, request);
	rc = db_prepare(
	    db,
	    "INSERT INTO claims(request_id, order_id, state, requested_at) VALUES (?, ?, "
	    "'pending', ?)",
	    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, order, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, db_now_ms());
		rc = db_check(db, sqlite3_step(st), "ask for a claim");
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = db_prepare(db, "SELECT state, code, message FROM claims WHERE request_id = ?",
				&st);
	for (int waited = 0; rc == 0 && waited <= 2 * CLAIM_WAIT_MS; waited += 100) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(state, sizeof(state), "%s", sqlite3_column_text(st, 0));
			snprintf(code, sizeof(code), "%s",
				 sqlite3_column_text(st, 1)
				     ? (const char *)sqlite3_column_text(st, 1)
				     : "");
			snprintf(message, sizeof(message), "%s",
				 sqlite3_column_text(st, 2)
				     ? (const char *)sqlite3_column_text(st, 2)
				     : "");
		}
		if (strcmp(state, "claimed") == 0 || strcmp(state, "refused") == 0)
			break;
		/* Not even sent after 10 s: the daemon is not connected. Withdraw it. */
		if (waited >= CLAIM_WAIT_MS && strcmp(state, "pending") == 0) {
			sqlite3_stmt *ex_st = NULL;

			if (db_prepare(
				db,
				"UPDATE claims SET state = 'expired' WHERE request_id = ? AND "
				"state = 'pending'",
				&ex_st) == 0) {
				sqlite3_bind_text(ex_st, 1, request, -1, SQLITE_STATIC);
				sqlite3_step(ex_st);
				if (sqlite3_changes(db) == 1)
					snprintf(state, sizeof(state), "expired");
			}
			sqlite3_finalize(ex_st);
			if (strcmp(state, "expired") == 0)
				break;
		}
		sleep_ms(100);
	}
	sqlite3_finalize(st);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term claim: cannot write to %s/%s\n", data, TERM_DB);
		return EX_IOERR;
	}
	if (strcmp(state, "claimed") == 0) {
		printf("claimed order %s: it is now this terminal's\n", order);
		return 0;
	}
	if (strcmp(state, "refused") == 0) {
		fprintf(stderr, "tillnet-term claim: the hub refused (%s): %s\n", code, message);
		return EX_UNAVAILABLE;
	}
	fprintf(stderr,
		"tillnet-term claim: no answer from the hub: the terminal must be running and "
		"connected (tillnet-term status); the claim was withdrawn\n");
	return EX_TEMPFAIL;
}
