// SPDX-License-Identifier: MIT
/* tillnet-hub terminal add|list|revoke: the registry from the command line. */
#include "audit.h"
#include "config.h"
#include "db.h"
#include "enroll.h"
#include "fsutil.h"
#include "hub.h"
#include "hub_db.h"
#include "pidlock.h"
#include "pki.h"
#include "registry.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

static const char terminal_usage[] =
    "usage: tillnet-hub terminal add --data DIR --name NAME [--address HOST] [--json]\n"
    "       tillnet-hub terminal list --data DIR [--json]\n"
    "       tillnet-hub terminal revoke --data DIR ID_OR_SHORT_CODE\n"
    "\n"
    "add     print a one-time enrollment code (and its QR code) for a new terminal,\n"
    "        valid 15 minutes; type it into 'tillnet-term enroll --code CODE'.\n"
    "        --address is the hub address put in the code (default: hub.conf's\n"
    "        advertise); it must be one of the names in the hub's certificate.\n"
    "list    the enrolled terminals, whether they are online and since when.\n"
    "revoke  refuse this terminal from now on; a connected one is cut off.\n";

/* Draw the QR code with half blocks: two rows of modules per line of text. */
static void print_qr(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 0);
	const int quiet = 2;

	if (!qr) {
		fprintf(stderr, "tillnet-hub: could not draw the QR code\n");
		return;
	}
	for (int y = -quiet; y < qr->width + quiet; y += 2) {
		for (int x = -quiet; x < qr->width + quiet; x++) {
			int top = 0, bottom = 0;

			if (x >= 0 && x < qr->width && y >= 0 && y < qr->width)
				top = qr->data[y * qr->width + x] & 1;
			if (x >= 0 && x < qr->width && y + 1 >= 0 && y + 1 < qr->width)
				bottom = qr->data[(y + 1) * qr->width + x] & 1;
			/* Light modules are drawn, dark ones left to the background. */
			fputs(!top && !bottom ? "\u2588"
			      : !top	      ? "\u2580"
			      : !bottom	      ? "\u2584"
					      : " ",
			      stdout);
		}
		putchar('\n');
	}
	QRcode_free(qr);
}

static void format_time(int64_t ms, char *out, size_t outlen)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		snprintf(out, outlen, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}

struct terminal_args {
	const char *data;
	const char *name;
	const char *address;
	int json;
	const char *target;
};

static int parse_args(int argc, char **argv, struct terminal_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},    {"name", required_argument, NULL, 'n'},
	    {"address", required_argument, NULL, 'a'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'a':
			a->address = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'h':
			fputs(terminal_usage, stdout);
			return -1;
		default:
			fputs(terminal_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc)
		a->target = argv[optind++];
	if (optind < argc || !a->data) {
		fprintf(stderr, "tillnet-hub terminal: --data is required\n\n%s", terminal_usage);
		return EX_USAGE;
	}
	return 0;
}

static int open_db(const char *data, sqlite3 **db)
{
	struct hub_config cfg;
	int ex = hub_load_config(data, &cfg);

	if (ex)
		return ex;
	if (hub_db_open(data, 0, db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	return 0;
}

/* The code and its audit entry ("terminal.add" by the CLI's user) in one transaction. */
static int terminal_add_audited(sqlite3 *db, const char *name, const char *host, uint16_t port,
				const char *ca, char code[ENROLL_CODE_MAX], char id[40],
				int64_t *expires_at)
{
	char actor[64];
	json_t *detail;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = enroll_new_code(db, name, host, port, ca, code, id, expires_at);
	if (rc == 0) {
		audit_cli_actor(actor, sizeof(actor));
		detail =
		    json_pack("{s:s, s:I}", "name", name, "expiresAt", (json_int_t)*expires_at);
		rc = detail ? audit_append(db, actor, "terminal.add", id, detail, db_now_ms())
			    : -ENOMEM;
		json_decref(detail);
	}
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

static int terminal_add(struct terminal_args *a)
{
	char code[ENROLL_CODE_MAX], id[40], err[256], expires[32];
	char *ca = NULL, *cert = NULL;
	struct hub_config cfg;
	const char *host;
	sqlite3 *db = NULL;
	int64_t expires_at;
	int ex;

	if (registry_check_name(a->name, err, sizeof(err)) < 0) {
		fprintf(stderr, "tillnet-hub terminal add: --%s\n", err);
		return EX_USAGE;
	}
	ex = hub_load_config(a->data, &cfg);
	if (!ex)
		ex = hub_read_file(a->data, HUB_CA_CERT, &ca);
	if (!ex)
		ex = hub_read_file(a->data, HUB_CERT, &cert);
	if (ex)
		goto out;
	host = a->address ? a->address : cfg.advertise;
	if (strlen(host) >= CONFIG_TEXT_MAX || config_check_text(host) < 0) {
		fprintf(stderr,
			"tillnet-hub terminal add: --address: expected a host name or "
			"address of at most %d characters\n",
			CONFIG_TEXT_MAX - 1);
		ex = EX_USAGE;
		goto out;
	}
	if (pki_verify(ca, cert, host, time(NULL), err, sizeof(err)) < 0) {
		fprintf(stderr,
			"tillnet-hub terminal add: the hub's certificate is not valid for "
			"\"%s\", so a terminal could not trust it there (%s); pick one of "
			"its names with --address\n",
			host, err);
		ex = EX_USAGE;
		goto out;
	}
	ex = open_db(a->data, &db);
	if (ex)
		goto out;
	if (terminal_add_audited(db, a->name, host, cfg.admin_port, ca, code, id, &expires_at) <
	    0) {
		fprintf(stderr, "tillnet-hub terminal add: could not make an enrollment code\n");
		ex = EX_SOFTWARE;
		goto out;
	}
	format_time(expires_at, expires, sizeof(expires));
	if (a->json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:I}", "terminalId", id, "name", a->name,
					"code", code, "expiresAt", (json_int_t)expires_at);

		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(out);
	} else {
		printf("Enrollment code for terminal \"%s\" (valid until %s, single use):\n\n"
		       "  %s\n\n",
		       a->name, expires, code);
		print_qr(code);
		printf("\nOn the terminal: tillnet-term enroll --data DIR --code %s\n", code);
	}
out:
	db_close(db);
	free(ca);
	free(cert);
	return ex;
}

static int terminal_list(struct terminal_args *a)
{
	char path[PATH_MAX], enrolled[32], seen[32];
	sqlite3 *db = NULL;
	json_t *list = NULL, *t;
	pid_t holder = 0;
	size_t i;
	int ex;

	ex = open_db(a->data, &db);
	if (ex)
		return ex;
	if (fsutil_path(path, sizeof(path), a->data, HUB_PIDFILE) == 0)
		pidlock_holder(path, &holder);
	if (registry_list(db, holder != 0, &list) < 0) {
		ex = EX_SOFTWARE;
		goto out;
	}
	if (a->json) {
		json_dumpf(list, stdout, JSON_COMPACT);
		putchar('\n');
		goto out;
	}
	printf("%-6s %-36s %-20s %-19s %-8s %-19s %s\n", "SHORT", "ID", "NAME", "ENROLLED", "STATE",
	       "LAST SEEN", "ADDRESS");
	json_array_foreach(list, i, t)
	{
		json_t *addr = json_object_get(t, "address");

		format_time(json_integer_value(json_object_get(t, "enrolledAt")), enrolled,
			    sizeof(enrolled));
		format_time(json_integer_value(json_object_get(t, "lastSeen")), seen, sizeof(seen));
		printf("%-6s %-36s %-20s %-19s %-8s %-19s %s\n",
		       json_string_value(json_object_get(t, "shortCode")),
		       json_string_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "name")), enrolled,
		       json_is_integer(json_object_get(t, "revokedAt")) ? "revoked"
		       : json_is_true(json_object_get(t, "online"))	? "online"
									: "offline",
		       seen, json_is_string(addr) ? json_string_value(addr) : "-");
	}
	if (json_array_size(list) == 0)
		printf("(no terminals yet: add one with 'tillnet-hub terminal add --data %s "
		       "--name NAME')\n",
		       a->data);
out:
	json_decref(list);
	db_close(db);
	return ex;
}

static int terminal_revoke(struct terminal_args *a)
{
	struct registry_terminal t;
	char actor[64];
	sqlite3 *db = NULL;
	int rc, ex;

	if (!a->target) {
		fprintf(stderr, "tillnet-hub terminal revoke: which terminal? Give its id or short "
				"code (see 'tillnet-hub terminal list')\n");
		return EX_USAGE;
	}
	ex = open_db(a->data, &db);
	if (ex)
		return ex;
	audit_cli_actor(actor, sizeof(actor));
	rc = registry_revoke(db, a->target, actor, db_now_ms(), &t);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub terminal revoke: no terminal \"%s\" (see "
			"'tillnet-hub terminal list')\n",
			a->target);
		ex = EX_DATAERR;
	} else if (rc == -EALREADY) {
		fprintf(stderr, "tillnet-hub terminal revoke: %s \"%s\" was already revoked\n",
			t.short_code, t.name);
		ex = EX_DATAERR;
	} else if (rc < 0) {
		ex = EX_SOFTWARE;
	} else {
		printf("Revoked terminal %s \"%s\" (%s): the hub refuses its certificate from now "
		       "on.\n",
		       t.short_code, t.name, t.id);
	}
	db_close(db);
	return ex;
}

int cmd_terminal(int argc, char **argv)
{
	struct terminal_args a = {0};
	const char *sub;
	int rc;

	if (argc < 2) {
		fputs(terminal_usage, stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(terminal_usage, stdout);
		return 0;
	}
	rc = parse_args(argc - 1, argv + 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (strcmp(sub, "add") == 0) {
		if (!a.name || a.target) {
			fprintf(stderr, "tillnet-hub terminal add: --name is required\n");
			return EX_USAGE;
		}
		return terminal_add(&a);
	}
	if (strcmp(sub, "list") == 0 && !a.target)
		return terminal_list(&a);
	if (strcmp(sub, "revoke") == 0)
		return terminal_revoke(&a);
	fprintf(stderr, "tillnet-hub terminal: unknown subcommand \"%s\"\n\n%s", sub,
		terminal_usage);
	return EX_USAGE;
}
