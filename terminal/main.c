// SPDX-License-Identifier: MIT
/* tillnet-term: a checkout's terminal. Dispatches to one command per file. */
#include "cash.h"
#include "cmd_receipt.h"
#include "config.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "stock.h"
#include "term.h"
#include "term_db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char usage[] =
    "usage: tillnet-term COMMAND [OPTIONS]\n"
    "\n"
    "A tillnet terminal: sells on its own database and syncs with the store's hub.\n"
    "\n"
    "commands:\n"
    "  enroll   join a store with a one-time code from 'tillnet-hub terminal add'\n"
    "  run      run the terminal: sync with the hub, serve the cashier UI on loopback\n"
    "  status   show the running terminal's connection state and outbox\n"
    "  sell     ring up a sale (works offline)\n"
    "  refund   refund a sale, all or some of its lines (works offline)\n"
    "  void     void an open order, or reverse a completed sale (works offline)\n"
    "  park     store a cart without payment\n"
    "  release  release a parked cart for another terminal to claim\n"
    "  claim    take over a cart another terminal released (needs the hub)\n"
    "  orders   export every order this terminal holds\n"
    "  journal  verify or list this terminal's fiscal journal\n"
    "  receipt  print a sale's receipt (again), or show it as text\n"
    "  stock    stock levels (offline), adjust a count, receive goods\n"
    "  signin   sign in with a staff PIN (works offline)\n"
    "  signout  sign out\n"
    "  customer add, edit, find or show customers and their loyalty points\n"
    "  cash     the drawer's session: open, in, out, payout, nosale, close (offline)\n"
    "  report   X report of the open cash session, Z report of a closed one\n"
    "\n"
    "Each command answers --help. tillnet-term --version prints the version.\n";

int term_load_config(const char *data_dir, struct term_config *cfg)
{
	char path[PATH_MAX], err[512];
	int rc;

	config_term_defaults(cfg);
	rc = fsutil_path(path, sizeof(path), data_dir, TERM_CONF);
	if (rc == 0)
		rc = config_term_load(path, cfg, err, sizeof(err));
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-term: %s holds no enrolled terminal (no %s): enroll with "
			"'tillnet-term enroll --data %s --code CODE'\n",
			data_dir, TERM_CONF, data_dir);
		return EX_CONFIG;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-term: %s\n", err);
		return EX_CONFIG;
	}
	return 0;
}

int term_open(const char *data_dir, struct term_config *cfg, sqlite3 **db)
{
	int ex = term_load_config(data_dir, cfg);

	*db = NULL;
	if (ex)
		return ex;
	if (term_db_open(data_dir, 0, db) < 0) {
		fprintf(stderr, "tillnet-term: cannot open %s/%s\n", data_dir, TERM_DB);
		return EX_CONFIG;
	}
	/* The journal numbers' prefix, where the code that sells finds it. */
	if (journal_remember_store_code(*db, cfg->store_code) < 0)
		fprintf(stderr, "tillnet-term: cannot keep the store code %s in %s/%s\n",
			cfg->store_code, data_dir, TERM_DB);
	return 0;
}

int main(int argc, char **argv)
{
	log_init("tillnet-term", 0);
	if (argc < 2) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tillnet-term %s\n", TILLNET_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "enroll") == 0)
		return cmd_enroll(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "sell") == 0)
		return cmd_sell(argc - 1, argv + 1);
	if (strcmp(argv[1], "park") == 0)
		return cmd_park(argc - 1, argv + 1);
	if (strcmp(argv[1], "refund") == 0)
		return cmd_refund(argc - 1, argv + 1);
	if (strcmp(argv[1], "void") == 0)
		return cmd_void(argc - 1, argv + 1);
	if (strcmp(argv[1], "release") == 0)
		return cmd_release(argc - 1, argv + 1);
	if (strcmp(argv[1], "claim") == 0)
		return cmd_claim(argc - 1, argv + 1);
	if (strcmp(argv[1], "orders") == 0)
		return cmd_orders(argc - 1, argv + 1);
	if (strcmp(argv[1], "journal") == 0)
		return cmd_journal(argc - 1, argv + 1);
	if (strcmp(argv[1], "receipt") == 0)
		return cmd_receipt(argc - 1, argv + 1);
	if (strcmp(argv[1], "stock") == 0)
		return cmd_stock(argc - 1, argv + 1);
	if (strcmp(argv[1], "signin") == 0)
		return cmd_signin(argc - 1, argv + 1);
	if (strcmp(argv[1], "signout") == 0)
		return cmd_signout(argc - 1, argv + 1);
	if (strcmp(argv[1], "customer") == 0)
		return cmd_customer(argc - 1, argv + 1);
	if (strcmp(argv[1], "cash") == 0)
		return cmd_cash(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "tillnet-term: unknown command \"%s\"\n\n%s", argv[1], usage);
	return EX_USAGE;
}
