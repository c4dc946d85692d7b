// SPDX-License-Identifier: MIT
/*
 * tillnet-term void: void an open order, or reverse a completed sale
 * (docs/pos.md, "Voids"). Works offline: each is one transaction in term.db
 * with its journal row and outbox ops.
 */
#include "config.h"
#include "db.h"
#include "money.h"
#include "proto_sync.h"
#include "refunds.h"
#include "term.h"
#include "voids.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define VOID_PAYS_MAX 20

static const char void_usage[] =
    "usage: tillnet-term void --data DIR ORDER [--reason TEXT] [--approve-pin-file FILE|-]\n"
    "                         [--json]\n"
    "       tillnet-term void --data DIR RECEIPT --pay TENDER [--pay ...] [--reason TEXT]\n"
    "                         --approve-pin-file FILE|- [--json]\n"
    "\n"
    "Void an order. ORDER is the id of this terminal's open or parked order (one\n"
    "that took no money): it becomes \"voided\" and gets the next number of the\n"
    "terminal's journal. Needs order.void: when the signed-in person's role lacks\n"
    "it, a manager's PIN in FILE (- for stdin) approves. An order released for\n"
    "another terminal, another terminal's order or one voided already is refused.\n"
    "\n"
    "A completed sale is never changed: with --pay, RECEIPT (a sale's receipt\n"
    "number or order id, this terminal's or mirrored) is reversed by a new record\n"
    "that gives back everything not refunded yet, paid back with TENDER (cash,\n"
    "card:REF or other:REF) and journaled as a void. A reversal needs order.void\n"
    "and a manager's PIN every time (--approve-pin-file), even when a manager is\n"
    "signed in. --reason TEXT (1 to 200 bytes) is kept with the void.\n"
    "\n"
    "Exit codes: 0 voided; 65 unknown order, voided already, a sale with nothing\n"
    "left, or the wrong kind of order; 77 not allowed (no permission or PIN,\n"
    "another terminal's or a released order); 74 the database failed.\n";

/* Is `t` a sale a reversal can take? 0, or EX_DATAERR after saying why. */
static int reversible(const struct void_target *t, const char *ref)
{
	const char *why = NULL;

	if (strcmp(t->status, "voided") == 0)
		why = "was voided already";
	else if (strcmp(t->status, "completed") != 0)
		why = "is an open order that took no money: void it without --pay";
	else if (strcmp(t->type, "sale") != 0)
		why = "is a refund: a refund is final and is not reversed";
	if (!why)
		return 0;
	fprintf(stderr, "tillnet-term void: nothing was stored: %s %s\n", ref, why);
	return EX_DATAERR;
}

static void print_void(const struct sale_result *r, const char *ref, int reversal, int json)
{
	char total[MONEY_TEXT_MAX];

	if (json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:O}", "kind",
					reversal ? "reversal" : "void", "orderId", r->order_id,
					"receipt", r->receipt, "receiptSeq",
					(json_int_t)r->receipt_seq, "total", (json_int_t)r->total,
					"taxTotal", (json_int_t)r->tax_total, "order", r->order);

		if (out) {
			json_dumpf(out, stdout, JSON_COMPACT);
			putchar('\n');
		}
		json_decref(out);
		return;
	}
	money_format(r->total, total, sizeof(total));
	if (reversal)
		printf("reversal %s of %s  paid back %s\n", r->receipt, ref, total);
	else
		printf("voided order %s  void %s  (%s not charged)\n", r->order_id, r->receipt,
		       total);
}

int cmd_void(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"pay", required_argument, NULL, 'p'},
	    {"reason", required_argument, NULL, 'r'},
	    {"approve-pin-file", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sale_pay_req pays[VOID_PAYS_MAX];
	struct sale_result res = {0};
	struct sale_opts sopts = {0};
	struct term_config cfg;
	struct void_target t;
	struct term_till till;
	const char *data = NULL, *approve = NULL, *reason = NULL, *ref;
	char why[512];
	sqlite3 *db = NULL;
	int c, npays = 0, json = 0, ex, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'p') {
			if (npays == VOID_PAYS_MAX) {
				fprintf(stderr, "tillnet-term void: at most %d payments\n",
					VOID_PAYS_MAX);
				return EX_USAGE;
			}
			if (term_parse_pay(optarg, &pays[npays]) < 0)
				return EX_USAGE;
			npays++;
		} else if (c == 'r') {
			reason = optarg;
		} else if (c == 'a') {
			approve = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(void_usage, stdout);
			return 0;
		} else {
			fputs(void_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1 || !data) {
		fprintf(stderr,
			"tillnet-term void: --data and one ORDER or RECEIPT are required\n\n%s",
			void_usage);
		return EX_USAGE;
	}
	ref = argv[optind];
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	rc = void_find(db, ref, &t, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "tillnet-term void: nothing was stored: %s\n", why);
		ex = rc == -ENOENT ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	if (npays > 0) {
		ex = reversible(&t, ref);
		if (ex)
			goto out;
	}
	ex = term_till_begin(db, &cfg, approve, &till, &sopts);
	if (ex)
		goto out;
	if (npays > 0)
		rc = refund_reverse(db, &till.who, &sopts, t.id, pays, npays, reason, &res, why,
				    sizeof(why));
	else
		rc = void_order(db, &till.who, &sopts, t.id, reason, &res, why, sizeof(why));
	if (rc == -EPERM && res.refused) {
		ex = res.refused; /* term_authorize said why */
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-term void: nothing was stored: %s\n", why);
		ex = rc == -EPERM					 ? EX_NOPERM
		     : rc == -ENOENT || rc == -EINVAL || rc == -EALREADY ? EX_DATAERR
									 : EX_IOERR;
		goto out;
	}
	print_void(&res, t.receipt[0] ? t.receipt : ref, npays > 0, json);
	ex = 0;
out:
	json_decref(res.order);
	db_close(db);
	return ex;
}
