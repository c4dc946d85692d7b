// SPDX-License-Identifier: MIT
/*
 * tillnet-term receipt: print a completed sale's receipt again (or for the
 * first time) to the printer, or show it as text. Works offline: it reads
 * term.db only, and counts each print so that a reprint says DUPLICATE.
 */
#include "cmd_receipt.h"
#include "config.h"
#include "db.h"
#include "receipt_print.h"
#include "term.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

static const char receipt_usage[] =
    "usage: tillnet-term receipt --data DIR RECEIPT [--printer TARGET] [--kick] [--text]\n"
    "\n"
    "Print the receipt of a completed sale, RECEIPT being its receipt number\n"
    "(T01-000042) or its order id. TARGET is tcp:HOST:PORT (a network printer's\n"
    "raw port, usually 9100), a device such as /dev/usb/lp0, or a file the ESC/POS\n"
    "bytes are appended to; without --printer, [printer] target in term.conf.\n"
    "--kick opens the cash drawer. Each print is counted: the second print of a\n"
    "receipt says DUPLICATE 1, the third DUPLICATE 2.\n"
    "--text: write the receipt as text to standard output instead (not counted).\n";

int cmd_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'}, {"printer", required_argument, NULL, 'p'},
	    {"text", no_argument, NULL, 't'},	    {"kick", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	const char *data = NULL, *target = NULL, *order;
	struct term_config cfg;
	char why[512], *text = NULL;
	sqlite3 *db = NULL;
	int64_t prints = 0;
	int c, as_text = 0, kick = 0, ex, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'p') {
			target = optarg;
		} else if (c == 't') {
			as_text = 1;
		} else if (c == 'k') {
			kick = 1;
		} else if (c == 'h') {
			fputs(receipt_usage, stdout);
			return 0;
		} else {
			fputs(receipt_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!data || optind != argc - 1) {
		fprintf(stderr, "tillnet-term receipt: --data and one RECEIPT are required\n\n%s",
			receipt_usage);
		return EX_USAGE;
	}
	order = argv[optind];
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	if (as_text) {
		rc = receipt_text_order(db, &cfg, order, &text, why, sizeof(why));
		if (rc == 0)
			fputs(text, stdout);
	} else if (!(target && target[0]) && !cfg.printer_target[0]) {
		snprintf(why, sizeof(why),
			 "no printer: pass --printer TARGET, set [printer] target in %s/%s, or "
			 "use --text",
			 data, TERM_CONF);
		fprintf(stderr, "tillnet-term receipt: %s\n", why);
		db_close(db);
		return EX_USAGE;
	} else {
		rc = receipt_print_order(db, &cfg, order, target, kick, &prints, why, sizeof(why));
		if (rc == 0) {
			if (prints > 1)
				printf("printed receipt %s to %s (DUPLICATE %lld)\n", order,
				       target && target[0] ? target : cfg.printer_target,
				       (long long)(prints - 1));
			else
				printf("printed receipt %s to %s\n", order,
				       target && target[0] ? target : cfg.printer_target);
		}
	}
	free(text);
	db_close(db);
	if (rc == 0)
		return 0;
	fprintf(stderr, "tillnet-term receipt: %s\n", why);
	return rc == -ENOENT || rc == -EINVAL ? EX_DATAERR
	       : rc == -EAGAIN		      ? EX_UNAVAILABLE
					      : EX_IOERR;
}
