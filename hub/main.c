// SPDX-License-Identifier: MIT
/* tillnet-hub: the store's hub. Dispatches to one command per file. */
#include "config.h"
#include "fsutil.h"
#include "hub.h"
#include "journal_store.h"
#include "log.h"
#include "cash_store.h"
#include "stock_store.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char usage[] =
    "usage: tillnet-hub COMMAND [OPTIONS]\n"
    "\n"
    "The hub of a tillnet store: relays terminals' events, keeps the store's\n"
    "record, serves the admin page and enrolls terminals.\n"
    "\n"
    "commands:\n"
    "  init       create a store: database, store CA and hub certificate\n"
    "  run        run the hub (WSS for terminals, HTTPS for enrollment and admin)\n"
    "  status     show the running hub's state\n"
    "  terminal   add (enrollment code), list and revoke terminals\n"
    "  orders     export every order the hub holds (jsonl or csv)\n"
    "  order      force-claim: move an open order of a dead terminal\n"
    "  conflicts  the ops the hub refused, with both versions\n"
    "  audit      the audit log: who did what, when\n"
    "  journal    verify or list the terminals' fiscal journals\n"
    "  cash       list the terminals' cash sessions, or show one with its difference\n"
    "  customer   list customers, or show one's loyalty points and alerts\n"
    "  upstream   records the back office refused: list, retry, void, accept\n"
    "  catalog    import the catalog from a CSV file, list, remove, reactivate\n"
    "  stock      stock levels and movements: adjust, receive, thresholds\n"
    "  staff      add, change and list the staff who sign in on terminals\n"
    "  role       list roles, set their permissions and discount ceilings\n"
    "  account    add, change, list admin accounts; reset their passwords\n"
    "  settings   show and set the store's settings (price mode, cash, loyalty)\n"
    "\n"
    "Each command answers --help. tillnet-hub --version prints the version.\n";

int hub_read_file(const char *data_dir, const char *name, char **out)
{
	char path[PATH_MAX];
	int rc;

	rc = fsutil_path(path, sizeof(path), data_dir, name);
	if (rc == 0)
		rc = fsutil_read(path, 1 << 20, out, NULL);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub: %s is missing: is %s a store made by "
			"'tillnet-hub init'?\n",
			path, data_dir);
		return EX_CONFIG;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub: cannot read %s: %s\n", path, strerror(-rc));
		return EX_IOERR;
	}
	return 0;
}

int hub_load_config(const char *data_dir, struct hub_config *cfg)
{
	char path[PATH_MAX], err[512];
	int rc;

	config_hub_defaults(cfg);
	rc = fsutil_path(path, sizeof(path), data_dir, HUB_CONF);
	if (rc == 0)
		rc = config_hub_load(path, cfg, err, sizeof(err));
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub: %s has no store (no %s): create one with "
			"'tillnet-hub init --data %s --store NAME'\n",
			data_dir, HUB_CONF, data_dir);
		return EX_CONFIG;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub: %s\n", err);
		return EX_CONFIG;
	}
	return 0;
}

int main(int argc, char **argv)
{
	log_init("tillnet-hub", 0);
	if (argc < 2) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tillnet-hub %s\n", TILLNET_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "terminal") == 0)
		return cmd_terminal(argc - 1, argv + 1);
	if (strcmp(argv[1], "catalog") == 0)
		return cmd_catalog(argc - 1, argv + 1);
	if (strcmp(argv[1], "stock") == 0)
		return cmd_stock(argc - 1, argv + 1);
	if (strcmp(argv[1], "orders") == 0)
		return cmd_orders(argc - 1, argv + 1);
	if (strcmp(argv[1], "order") == 0)
		return cmd_order(argc - 1, argv + 1);
	if (strcmp(argv[1], "conflicts") == 0)
		return cmd_conflicts(argc - 1, argv + 1);
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	if (strcmp(argv[1], "journal") == 0)
		return cmd_journal(argc - 1, argv + 1);
	if (strcmp(argv[1], "cash") == 0)
		return cmd_cash(argc - 1, argv + 1);
	if (strcmp(argv[1], "customer") == 0)
		return cmd_customer(argc - 1, argv + 1);
	if (strcmp(argv[1], "upstream") == 0)
		return cmd_upstream(argc - 1, argv + 1);
	if (strcmp(argv[1], "staff") == 0)
		return cmd_staff(argc - 1, argv + 1);
	if (strcmp(argv[1], "role") == 0)
		return cmd_role(argc - 1, argv + 1);
	if (strcmp(argv[1], "account") == 0)
		return cmd_account(argc - 1, argv + 1);
	if (strcmp(argv[1], "settings") == 0)
		return cmd_settings(argc - 1, argv + 1);
	fprintf(stderr, "tillnet-hub: unknown command \"%s\"\n\n%s", argv[1], usage);
	return EX_USAGE;
}
