// SPDX-License-Identifier: MIT
/*
 * tillnet-hub account add|list|set|reset-password: the hub's admin accounts
 * from its command line (docs/security.md, "People: admin accounts"). A new
 * or reset password is generated, printed once, and must be changed at the
 * first sign-in. Each change is one transaction with its audit entry, by
 * the Unix user who ran the command (hub/admin_account.h).
 */
#include "admin_account.h"
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* Declared here for hub/main.c, as the other commands are in hub.h. */
int cmd_account(int argc, char **argv);

static const char account_usage[] =
    "usage: tillnet-hub account add --data DIR --role ROLE USERNAME\n"
    "       tillnet-hub account list --data DIR [--json]\n"
    "       tillnet-hub account set --data DIR USERNAME [--role ROLE] [--active 0|1]\n"
    "       tillnet-hub account reset-password --data DIR USERNAME\n"
    "\n"
    "The people who sign in to the hub's admin page. A user name is 1 to 32 of\n"
    "a-z 0-9 . _ - (compared without case); ROLE is a role's name (tillnet-hub role\n"
    "list). add and reset-password print a one-time password, shown only then,\n"
    "which must be changed at the first sign-in. --active 0 disables an account\n"
    "and ends its sessions. The last active owner can be neither disabled nor\n"
    "given another role.\n";

struct account_args {
	const char *data, *role;
	int active, json;
};

static int parse(int argc, char **argv, struct account_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},   {"role", required_argument, NULL, 'r'},
	    {"active", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->active = -1;
	optind = 2; /* after the subcommand */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			a->data = optarg;
		} else if (c == 'r') {
			a->role = optarg;
		} else if (c == 'j') {
			a->json = 1;
		} else if (c == 'a' && (strcmp(optarg, "0") == 0 || strcmp(optarg, "1") == 0)) {
			a->active = optarg[0] - '0';
		} else if (c == 'h') {
			fputs(account_usage, stdout);
			return -1;
		} else {
			if (c == 'a')
				fprintf(stderr, "tillnet-hub account: --active takes 0 or 1\n\n");
			fputs(account_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!a->data) {
		fprintf(stderr, "tillnet-hub account: --data DIR is required\n\n%s", account_usage);
		return EX_USAGE;
	}
	return 0;
}

static int exit_code(int rc)
{
	switch (rc) {
	case -EINVAL:
	case -EEXIST:
	case -ENOENT:
	case -ECANCELED:
		return EX_DATAERR;
	case -EBUSY:
		return EX_TEMPFAIL;
	default:
		return EX_SOFTWARE;
	}
}

static void print_list(json_t *list, int json)
{
	json_t *o;
	size_t i;

	if (json) {
		json_dumpf(list, stdout, JSON_COMPACT);
		putchar('\n');
		return;
	}
	printf("%-32s %-16s %-9s %s\n", "USERNAME", "ROLE", "STATE", "PASSWORD");
	json_array_foreach(list, i, o)
	{
		printf("%-32s %-16s %-9s %s\n", json_string_value(json_object_get(o, "username")),
		       json_string_value(json_object_get(o, "role")),
		       json_is_true(json_object_get(o, "active")) ? "active" : "disabled",
		       json_is_true(json_object_get(o, "mustChangePassword")) ? "must change"
									      : "set");
	}
}

static void print_password(const char *username, const char *password)
{
	printf("one-time password for %s: %s\n"
	       "It is shown only now. %s must change it at the first sign-in.\n",
	       username, password, username);
}

int cmd_account(int argc, char **argv)
{
	char id[UUID_TEXT_LEN], password[PASSWD_GENERATED_LEN + 1], why[512] = "", actor[64];
	struct account_args a;
	const char *sub, *username = NULL;
	sqlite3 *db = NULL;
	json_t *list = NULL;
	int ex, rc, list_cmd;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(account_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	sub = argv[1];
	list_cmd = strcmp(sub, "list") == 0;
	if (!list_cmd && strcmp(sub, "add") != 0 && strcmp(sub, "set") != 0 &&
	    strcmp(sub, "reset-password") != 0) {
		fprintf(stderr, "tillnet-hub account: unknown subcommand \"%s\"\n\n%s", sub,
			account_usage);
		return EX_USAGE;
	}
	ex = parse(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (list_cmd != (optind == argc) || optind < argc - 1 ||
	    (strcmp(sub, "add") == 0 && !a.role)) {
		fputs(account_usage, stderr);
		return EX_USAGE;
	}
	if (!list_cmd)
		username = argv[optind];
	if (hub_db_open(a.data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s (run tillnet-hub init first)\n",
			a.data, HUB_DB);
		return EX_CONFIG;
	}
	audit_cli_actor(actor, sizeof(actor));
	if (list_cmd) {
		rc = admin_account_list(db, &list);
		if (rc == 0)
			print_list(list, a.json);
		json_decref(list);
		snprintf(why, sizeof(why), "cannot read the accounts");
	} else if (strcmp(sub, "add") == 0) {
		rc = admin_account_add(db, username, a.role, NULL, actor, db_now_ms(), id, password,
				       why, sizeof(why));
		if (rc == 0) {
			printf("account %s created (role %s)\n", username, a.role);
			print_password(username, password);
		}
	} else if (strcmp(sub, "set") == 0) {
		struct admin_account_change ch = {a.role, a.active};

		rc = admin_account_update(db, username, &ch, NULL, actor, db_now_ms(), why,
					  sizeof(why));
		if (rc == 0)
			printf("account %s saved\n", username);
	} else {
		rc = admin_account_reset_password(db, username, NULL, actor, db_now_ms(), password,
						  why, sizeof(why));
		if (rc == 0)
			print_password(username, password);
	}
	explicit_bzero(password, sizeof(password));
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub account %s: %s\n", sub, why);
		return exit_code(rc);
	}
	return 0;
}
