// SPDX-License-Identifier: MIT
/*
 * tillnet-term sell | park | release | claim: ring up from the command line
 * (the cashier UI comes later and calls the same core, sale.h). sell, park
 * and release work whether or not the daemon runs: each is one transaction
 * in term.db with its outbox op. claim needs the daemon, which is online
 * with the hub: the CLI leaves the request in term.db and waits for the
 * daemon to bring the hub's answer back.
 */
#include "claims.h"
#include "config.h"
#include "customers.h"
#include "db.h"
#include "lookups.h"
#include "money.h"
#include "pricing.h"
#include "proto_sync.h"
#include "receipt_print.h"
#include "refunds.h"
#include "sale.h"
#include "term.h"
#include "term_db.h"
#include "uuid.h"

#include <ctype.h>
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
    "usage: tillnet-term sell --data DIR --line SKU:QTY[/DISCOUNT] [--line ...]\n"
    "                         [--order-discount DISCOUNT] --pay TENDER [--pay ...]\n"
    "                         [--customer CUSTOMER [--redeem-points N]]\n"
    "                         [--approve-pin-file FILE|-] [--print] [--json]\n"
    "       tillnet-term sell --data DIR --order ORDER --pay TENDER [--pay ...]\n"
    "                         [--approve-pin-file FILE|-] [--print] [--json]\n"
    "       tillnet-term park --data DIR [--order ORDER] --line SKU:QTY[/DISCOUNT] [--line ...]\n"
    "                         [--order-discount DISCOUNT] [--customer CUSTOMER\n"
    "                         [--redeem-points N]] [--approve-pin-file FILE|-] [--json]\n"
    "\n"
    "sell: ring up a sale from this terminal's catalog and take payment. SKU may\n"
    "also be a barcode; QTY is a number of units with up to 3 decimals (0.25 for\n"
    "a weighed item). DISCOUNT is a percentage (10%, 12.5%) or an amount (2.50),\n"
    "on the line after /, or on the whole order with --order-discount; a discount\n"
    "needs sale.discount.line or sale.discount.order and must fit the role's\n"
    "discount ceiling, else a manager's PIN in FILE (- for stdin) approves.\n"
    "TENDER is cash (the exact amount), cash=AMOUNT (what the customer hands\n"
    "over; change is given), card:REF or other:REF (covering what is left), or\n"
    "card=AMOUNT:REF / other=AMOUNT:REF for part of it (split tender); the\n"
    "old forms cash:AMOUNT and card:REF still work. points=AMOUNT (or points,\n"
    "for what is left) pays with the customer's loyalty points, AMOUNT in money\n"
    "(a whole number of points at the store's point value; never more than the\n"
    "customer's balance). --customer names the customer (id, card, phone or\n"
    "e-mail, see 'tillnet-term customer'): the sale earns points by the store's\n"
    "rule on what is paid other than in points. --redeem-points N takes N of\n"
    "the customer's points (a whole number, N x the store's point value) off the\n"
    "order as its order discount, which lowers the tax; it needs --customer, no\n"
    "more points than the customer has here, no more than the order comes to,\n"
    "and no --order-discount; the discount ceiling does not apply (the points\n"
    "are the customer's). The sale, its lines,\n"
    "payments and outbox entry are committed in one transaction before the\n"
    "receipt number and total are printed. Works offline. --print then prints\n"
    "the receipt to term.conf's [printer] target, opening the drawer for cash.\n"
    "park: store the lines as a parked cart (no payment), printing its order id.\n"
    "park --order: change this terminal's parked (or claimed) cart ORDER: its\n"
    "lines, order discount, points and customer become those given, priced\n"
    "again from the catalog and settings as they are now and allowed like a new\n"
    "cart; it is stored at its next revision and reaches the hub like any cart.\n"
    "A completed, voided, released or another terminal's order is refused.\n"
    "sell --order: pay a parked cart of this terminal, or one claimed from\n"
    "another ('tillnet-term claim'), as it was parked.\n";

static int parse_discount(const char *arg, const char *text, struct pricing_discount *d)
{
	int rc = pricing_discount_parse(text, d);

	if (rc < 0)
		fprintf(stderr,
			"tillnet-term: \"%s\": discount \"%s\" is not a percentage above 0 and "
			"at most 100 (10%%, 12.5%%) or an amount above 0 (2.50)\n",
			arg, text);
	return rc;
}

/* --redeem-points N: a whole number of points, 1 or more. */
static int parse_points(const char *arg, int64_t *points)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(arg, &end, 10);
	if (end == arg || *end || errno || n < 1 || n > PROTO_INT_MAX ||
	    !isdigit((unsigned char)*arg)) {
		fprintf(stderr,
			"tillnet-term: --redeem-points \"%s\": expected a whole number of points, "
			"1 or more (e.g. 200)\n",
			arg);
		return -EINVAL;
	}
	*points = n;
	return 0;
}

static int parse_line(const char *arg, struct sale_line_req *line)
{
	const char *slash = strchr(arg, '/'), *colon;
	char *head = strndup(arg, slash ? (size_t)(slash - arg) : strlen(arg));
	int rc = -EINVAL;

	memset(line, 0, sizeof(*line));
	if (!head)
		return -ENOMEM;
	colon = strrchr(head, ':');
	if (!colon || colon == head) {
		fprintf(stderr,
			"tillnet-term: --line \"%s\": expected SKU:QTY or SKU:QTY/DISCOUNT (e.g. "
			"COFFEE:2, APPLES:0.25 or COFFEE:2/10%%)\n",
			arg);
		goto out;
	}
	if (money_qty_parse(colon + 1, &line->qty) < 0) {
		fprintf(
		    stderr,
		    "tillnet-term: --line \"%s\": quantity \"%s\" is not a number of units above "
		    "0 with at most 3 decimals\n",
		    arg, colon + 1);
		goto out;
	}
	if (slash && parse_discount(arg, slash + 1, &line->discount) < 0)
		goto out;
	line->code = strndup(head, (size_t)(colon - head));
	rc = line->code ? 0 : -ENOMEM;
out:
	free(head);
	return rc;
}

/* TENDER[=AMOUNT][:REF], and the older cash:AMOUNT. */
static int parse_pay(const char *arg, struct sale_pay_req *pay)
{
	static const char *const tenders[] = {"cash", "card", "other", "points"};
	const char *p = arg, *ref = NULL;
	char amount[32] = "";
	size_t n;
	int no_ref;

	memset(pay, 0, sizeof(*pay));
	for (size_t i = 0; i < sizeof(tenders) / sizeof(tenders[0]); i++) {
		n = strlen(tenders[i]);
		if (strncmp(arg, tenders[i], n) == 0 && strchr("=:", arg[n]) && arg[n] != 0) {
			pay->tender = tenders[i];
			p = arg + n;
			break;
		}
		if (strcmp(arg, tenders[i]) == 0) {
			pay->tender = tenders[i];
			p = arg + n;
			break;
		}
	}
	if (pay->tender && *p == '=') {
		n = strcspn(p + 1, ":");
		if (n >= sizeof(amount))
			goto bad;
		memcpy(amount, p + 1, n);
		amount[n] = '\0';
		p += 1 + n;
	}
	if (pay->tender && *p == ':')
		ref = p + 1;
	else if (pay->tender && *p)
		goto bad;
	if (!pay->tender)
		goto bad;
	if (strcmp(pay->tender, "cash") == 0 && ref && !amount[0]) {
		snprintf(amount, sizeof(amount), "%s", ref); /* the older cash:AMOUNT */
		ref = NULL;
	}
	if (amount[0] && (money_parse(amount, &pay->tendered) < 0 || pay->tendered <= 0)) {
		fprintf(stderr,
			"tillnet-term: --pay \"%s\": amount \"%s\" is not an amount above 0 (e.g. "
			"20 or 20.50)\n",
			arg, amount);
		return -EINVAL;
	}
	no_ref = strcmp(pay->tender, "cash") == 0 || strcmp(pay->tender, "points") == 0;
	if (no_ref ? ref != NULL : !ref || !*ref) {
		if (no_ref)
			fprintf(stderr,
				"tillnet-term: --pay \"%s\": a %s payment has no reference\n", arg,
				pay->tender);
		else
			fprintf(stderr,
				"tillnet-term: --pay \"%s\": a card or other payment needs its "
				"reference after ':' (card:AUTH123)\n",
				arg);
		return -EINVAL;
	}
	pay->reference = ref;
	return 0;
bad:
	fprintf(stderr,
		"tillnet-term: --pay \"%s\": expected cash, cash=AMOUNT, card:REF, "
		"card=AMOUNT:REF, other:REF, other=AMOUNT:REF, points or points=AMOUNT\n",
		arg);
	return -EINVAL;
}

int term_parse_pay(const char *arg, struct sale_pay_req *pay)
{
	return parse_pay(arg, pay);
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
	    {"data", required_argument, NULL, 'd'},
	    {"line", required_argument, NULL, 'l'},
	    {"pay", required_argument, NULL, 'p'},
	    {"order-discount", required_argument, NULL, 'o'},
	    {"approve-pin-file", required_argument, NULL, 'a'},
	    {"print", no_argument, NULL, 'P'},
	    {"customer", required_argument, NULL, 'C'},
	    {"order", required_argument, NULL, 'O'},
	    {"redeem-points", required_argument, NULL, 'R'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sale_line_req lines[SELL_LINES_MAX];
	struct customer customer;
	const char *customer_ref = NULL, *order_id = NULL;
	struct sale_pay_req pays[SELL_PAYS_MAX];
	struct sale_result res = {0};
	struct sale_opts sopts = {0};
	struct term_config cfg;
	struct term_till till;
	const char *data = NULL, *approve = NULL;
	char why[512];
	sqlite3 *db = NULL;
	int c, nlines = 0, npays = 0, json = 0, print = 0, ex = EX_USAGE, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'P' && !park) {
			print = 1;
		} else if (c == 'C') {
			customer_ref = optarg;
		} else if (c == 'O') {
			order_id = optarg;
		} else if (c == 'R') {
			if (parse_points(optarg, &sopts.redeem_points) < 0)
				goto out;
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
		} else if (c == 'o') {
			if (parse_discount("--order-discount", optarg, &sopts.discount) < 0)
				goto out;
		} else if (c == 'a') {
			approve = optarg;
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
	if (order_id && !park &&
	    (nlines > 0 || customer_ref || sopts.discount.kind || sopts.redeem_points)) {
		fprintf(stderr,
			"tillnet-term sell: --order pays a stored cart as it is: no --line, "
			"--order-discount, --customer or --redeem-points with it (change it "
			"first with tillnet-term park --order)\n");
		goto out;
	}
	if (order_id && park && proto_uuid_check(order_id) < 0) {
		fprintf(stderr,
			"tillnet-term park: --order \"%s\": expected an order id (a UUID)\n",
			order_id);
		goto out;
	}
	if (optind < argc || !data || (nlines == 0 && !order_id) || (!park && npays == 0)) {
		fprintf(stderr, "tillnet-term %s: --data, --line%s are required\n\n%s",
			park ? "park" : "sell", park ? "" : " and --pay", sell_usage);
		goto out;
	}
	ex = term_open(data, &cfg, &db);
	if (ex)
		goto out;
	ex = term_till_begin(db, &cfg, approve, &till, &sopts);
	if (ex)
		goto out;
	if (customer_ref) {
		rc = customers_resolve(db, customer_ref, &customer, why, sizeof(why));
		if (rc < 0) {
			fprintf(stderr, "tillnet-term: nothing was stored: %s\n", why);
			ex = rc == -EIO ? EX_IOERR : EX_DATAERR;
			goto out;
		}
		sopts.customer = customer.id;
	}
	if (order_id && park)
		rc = sale_edit(db, &till.who, &sopts, order_id, lines, nlines, &res, why,
			       sizeof(why));
	else if (order_id)
		rc = sale_finish(db, &till.who, &sopts, order_id, pays, npays, &res, why,
				 sizeof(why));
	else
		rc = sale_ring_up(db, &till.who, &sopts, lines, nlines, pays, npays, park, &res,
				  why, sizeof(why));
	if (rc == -EPERM && res.refused) {
		ex = res.refused; /* term_authorize said why */
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-term: nothing was stored: %s\n", why);
		ex = rc == -ENOENT ? (strstr(why, "no catalog") ? EX_UNAVAILABLE : EX_DATAERR)
		     : rc == -EINVAL || rc == -EPERM || rc == -EALREADY ? EX_DATAERR
									: EX_IOERR;
		goto out;
	}
	print_sale(&res, park, json);
	ex = 0;
	/* The sale is stored whatever the printer does: a failure is a warning, then a reprint. */
	if (print && receipt_print_order(db, &cfg, res.order_id, NULL, RECEIPT_KICK_AUTO, NULL, why,
					 sizeof(why)) < 0)
		fprintf(stderr,
			"tillnet-term: the sale is stored, but its receipt did not print: %s "
			"(print it with: tillnet-term receipt --data %s %s)\n",
			why, data, res.receipt);
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

static const char refund_usage[] =
    "usage: tillnet-term refund --data DIR SALE [--line N:QTY ...] --pay TENDER [--pay ...]\n"
    "                           [--approve-pin-file FILE|-] [--json]\n"
    "\n"
    "Refund a sale: SALE is its receipt number (or order id), one of this\n"
    "terminal's own sales or one mirrored from another terminal. --line N:QTY\n"
    "gives back QTY units of the receipt's line N (1 for the first); without\n"
    "--line, everything not refunded yet goes back. Never more than was sold\n"
    "minus earlier refunds. TENDER pays it back: cash, card:REF, other:REF or\n"
    "points (back to the sale's customer). A refund of a sale that named a\n"
    "customer takes back the points it earned, in proportion.\n"
    "Needs order.refund: when the signed-in person's role lacks it, a manager's\n"
    "PIN in FILE (- for stdin) approves. A refund is a new record with its own\n"
    "receipt number; the sale is never changed. Works offline.\n";

static int parse_refund_line(const char *arg, struct refund_req *req)
{
	const char *colon = strchr(arg, ':');
	char *end;
	long n;

	n = strtol(arg, &end, 10);
	if (end == arg || end != colon || n < 1 || n > 500 ||
	    money_qty_parse(colon + 1, &req->qty) < 0) {
		fprintf(stderr,
			"tillnet-term refund: --line \"%s\": expected N:QTY, the receipt's line "
			"number (1 to 500) and a quantity above 0 (e.g. 2:1 or 1:0.25)\n",
			arg);
		return -EINVAL;
	}
	req->line = (int)n - 1;
	return 0;
}

/*
 * A sale this terminal does not hold, asked of the hub when the running
 * terminal is connected: 1 when the hub found it (stored here now), else 0
 * with `why` saying what was tried.
 */
static int lookup_at_hub(sqlite3 *db, const char *receipt, char *why, size_t whylen)
{
	char state[16] = "";
	size_t len = strlen(why);

	if (!term_db_connected(db)) {
		snprintf(why + len, whylen - len,
			 "; the hub could not be asked (this terminal is not connected to it)");
		return 0;
	}
	fprintf(stderr, "tillnet-term refund: %s is not here; asking the hub\n", receipt);
	if (lookups_wait(db, receipt, LOOKUP_WAIT_MS, state) < 0 || strcmp(state, "found") != 0) {
		snprintf(why + len, whylen - len, "; %s",
			 strcmp(state, "not-found") == 0 ? "the hub has no such sale either"
							 : "the hub did not answer in time");
		return 0;
	}
	return 1;
}

int cmd_refund(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"line", required_argument, NULL, 'l'},
	    {"pay", required_argument, NULL, 'p'},
	    {"approve-pin-file", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct refund_req reqs[SELL_LINES_MAX];
	struct sale_pay_req pays[SELL_PAYS_MAX];
	struct sale_result res = {0};
	struct sale_opts sopts = {0};
	struct term_config cfg;
	struct term_till till;
	const char *data = NULL, *approve = NULL;
	char why[512];
	sqlite3 *db = NULL;
	int c, n = 0, npays = 0, json = 0, ex = EX_USAGE, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'l') {
			if (n == SELL_LINES_MAX || parse_refund_line(optarg, &reqs[n]) < 0)
				return EX_USAGE;
			n++;
		} else if (c == 'p') {
			if (npays == SELL_PAYS_MAX || parse_pay(optarg, &pays[npays]) < 0)
				return EX_USAGE;
			npays++;
		} else if (c == 'a') {
			approve = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(refund_usage, stdout);
			return 0;
		} else {
			fputs(refund_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1 || !data || npays == 0) {
		fprintf(stderr, "tillnet-term refund: --data, SALE and --pay are required\n\n%s",
			refund_usage);
		return EX_USAGE;
	}
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	ex = term_till_begin(db, &cfg, approve, &till, &sopts);
	if (ex)
		goto out;
	rc = refund_make(db, &till.who, &sopts, argv[optind], reqs, n, pays, npays, &res, why,
			 sizeof(why));
	if (rc == -ENOENT && lookup_at_hub(db, argv[optind], why, sizeof(why)) == 1)
		rc = refund_make(db, &till.who, &sopts, argv[optind], reqs, n, pays, npays, &res,
				 why, sizeof(why));
	if (rc == -EPERM) {
		ex = res.refused;
		goto out;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-term refund: nothing was stored: %s\n", why);
		ex = rc == -ENOENT || rc == -EINVAL ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	if (json) {
		print_sale(&res, 0, 1);
	} else {
		char total[MONEY_TEXT_MAX];

		money_format(res.total, total, sizeof(total));
		printf("refund %s of %s  total %s\n", res.receipt, argv[optind], total);
	}
	ex = 0;
out:
	json_decref(res.order);
	db_close(db);
	return ex;
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
	struct claim_state cs = {.state = "pending"};
	char request[UUID_TEXT_LEN];
	struct term_config cfg;
	sqlite3 *db = NULL;
	int ex, rc;

	ex = order_args(argc, argv, usage, &data, &order, NULL);
	if (ex)
		return ex < 0 ? 0 : ex;
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	rc = claims_request(db, order, request);
	for (int waited = 0; rc == 0 && waited <= 2 * CLAIM_WAIT_MS; waited += 100) {
		rc = claims_state(db, request, &cs);
		if (rc < 0 || strcmp(cs.state, "claimed") == 0 || strcmp(cs.state, "refused") == 0)
			break;
		/* Not even sent after 10 s: the daemon is not connected. Withdraw it. */
		if (waited >= CLAIM_WAIT_MS && strcmp(cs.state, "pending") == 0) {
			rc = claims_withdraw(db, request);
			if (rc == 1) {
				snprintf(cs.state, sizeof(cs.state), "expired");
				rc = 0;
				break;
			}
		}
		sleep_ms(100);
	}
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term claim: cannot write to %s/%s\n", data, TERM_DB);
		return EX_IOERR;
	}
	if (strcmp(cs.state, "claimed") == 0) {
		printf("claimed order %s: it is now this terminal's\n", order);
		return 0;
	}
	if (strcmp(cs.state, "refused") == 0) {
		fprintf(stderr, "tillnet-term claim: the hub refused (%s): %s\n", cs.code,
			cs.message);
		return EX_UNAVAILABLE;
	}
	fprintf(stderr,
		"tillnet-term claim: no answer from the hub: the terminal must be running and "
		"connected (tillnet-term status); the claim was withdrawn\n");
	return EX_TEMPFAIL;
}
