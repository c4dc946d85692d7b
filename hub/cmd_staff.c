// SPDX-License-Identifier: MIT
/*
 * tillnet-hub staff | role: the store's staff (name, role, PIN, active) and
 * roles (permissions, discount ceiling) from the hub's command line. Each
 * change is one transaction with its event for the terminals and its audit
 * entry (hub/staff_store.h). A PIN is read from a file or stdin, never from
 * the command line, where ps(1) would show it.
 */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "staff_rules.h"
#include "staff_store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char staff_usage[] =
    "usage: tillnet-hub staff add --data DIR --name NAME --role ROLE --pin-file FILE|-\n"
    "       tillnet-hub staff set --data DIR ID|NAME [--name NAME] [--role ROLE]\n"
    "                             [--pin-file FILE|-] [--active 0|1]\n"
    "       tillnet-hub staff list --data DIR [--json]\n"
    "\n"
    "The people who sell at the terminals. A PIN is 4 to 8 digits, read from the first\n"
    "line of FILE (- for stdin); it signs its owner in on a terminal, offline too, so\n"
    "no two active staff members share one. Changes reach the terminals as they sync.\n";

static const char role_usage[] =
    "usage: tillnet-hub role list --data DIR [--json]\n"
    "       tillnet-hub role set --data DIR NAME [--permissions A,B,...] [--ceiling N]\n"
    "\n"
    "Roles grant permissions (docs/security.md: names like order.void, patterns like\n"
    "order.* or *) and a discount ceiling in percent (0-100). set creates a role that\n"
    "does not exist (then both --permissions and --ceiling are needed).\n";

/* The first line of `path` (- for stdin), without its line end. */
static int read_pin(const char *path, char *out, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (!f) {
		fprintf(stderr, "tillnet-hub: cannot read the PIN from %s: %s\n", path,
			strerror(errno));
		return EX_NOINPUT;
	}
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (staff_pin_valid(out) < 0) {
		fprintf(stderr, "tillnet-hub: the PIN in %s must be %d to %d digits\n",
			strcmp(path, "-") == 0 ? "stdin" : path, STAFF_PIN_MIN, STAFF_PIN_MAX);
		return EX_DATAERR;
	}
	return 0;
}

static int exit_code(int rc)
{
	switch (rc) {
	case -EINVAL:
	case -EEXIST:
		return EX_DATAERR;
	case -ENOENT:
		return EX_DATAERR;
	case -EPERM:
		return EX_NOPERM;
	case -EBUSY:
		return EX_TEMPFAIL;
	default:
		return EX_IOERR;
	}
}

static int open_db(const char *data, sqlite3 **db)
{
	if (!data) {
		fprintf(stderr, "tillnet-hub: --data DIR is required\n");
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s (run tillnet-hub init first)\n",
			data, HUB_DB);
		return EX_CONFIG;
	}
	return 0;
}

static void print_list(json_t *list, int json, int staff)
{
	json_t *o;
	size_t i;

	if (json) {
		json_dumpf(list, stdout, JSON_COMPACT);
		putchar('\n');
		return;
	}
	json_array_foreach(list, i, o)
	{
		if (staff) {
			printf("%s\t%s\t%s\t%s\n", json_string_value(json_object_get(o, "id")),
			       json_string_value(json_object_get(o, "name")),
			       json_string_value(json_object_get(o, "role")),
			       json_is_true(json_object_get(o, "active")) ? "active" : "inactive");
		} else {
			char *perms = json_dumps(json_object_get(o, "permissions"), JSON_COMPACT);

			printf(
			    "%s\t%s\t%lld%%\n", json_string_value(json_object_get(o, "name")),
			    perms ? perms : "?",
			    (long long)json_integer_value(json_object_get(o, "discountCeiling")));
			free(perms);
		}
	}
}

struct people_args {
	const char *data, *name, *role, *pin_file, *permissions;
	int active, ceiling, json;
};

static int parse(int argc, char **argv, const char *usage, struct people_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"name", required_argument, NULL, 'n'},
	    {"role", required_argument, NULL, 'r'},
	    {"pin-file", required_argument, NULL, 'p'},
	    {"active", required_argument, NULL, 'a'},
	    {"json", no_argument, NULL, 'j'},
	    {"permissions", required_argument, NULL, 'P'},
	    {"ceiling", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(a, 0, sizeof(*a));
	a->active = a->ceiling = -1;
	optind = 2; /* after the subcommand */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			a->data = optarg;
		} else if (c == 'n') {
			a->name = optarg;
		} else if (c == 'r') {
			a->role = optarg;
		} else if (c == 'p') {
			a->pin_file = optarg;
		} else if (c == 'P') {
			a->permissions = optarg;
		} else if (c == 'j') {
			a->json = 1;
		} else if (c == 'a' && (strcmp(optarg, "0") == 0 || strcmp(optarg, "1") == 0)) {
			a->active = optarg[0] - '0';
		} else if (c == 'c') {
			errno = 0;
			a->ceiling = (int)strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || a->ceiling < 0 || a->ceiling > 100) {
				fprintf(stderr,
					"tillnet-hub: --ceiling \"%s\": expected a "
					"percentage from 0 to 100\n",
					optarg);
				return EX_USAGE;
			}
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	return 0;
}

static int staff_cmd(int argc, char **argv, const char *sub)
{
	struct people_args a;
	char pin[64], id[UUID_TEXT_LEN], why[512], actor[64];
	sqlite3 *db = NULL;
	json_t *list = NULL;
	int ex, rc;

	ex = parse(argc, argv, staff_usage, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "set") != 0) {
		fprintf(stderr, "tillnet-hub staff: unknown subcommand \"%s\"\n\n%s", sub,
			staff_usage);
		return EX_USAGE;
	}
	if ((strcmp(sub, "set") == 0) != (optind == argc - 1) ||
	    (strcmp(sub, "add") == 0 && (!a.name || !a.role || !a.pin_file))) {
		fputs(staff_usage, stderr);
		return EX_USAGE;
	}
	if (a.pin_file) {
		ex = read_pin(a.pin_file, pin, sizeof(pin));
		if (ex)
			return ex;
	}
	ex = open_db(a.data, &db);
	if (ex)
		return ex;
	audit_cli_actor(actor, sizeof(actor));
	if (strcmp(sub, "list") == 0) {
		rc = staff_store_list(db, &list);
		if (rc == 0)
			print_list(list, a.json, 1);
		json_decref(list);
		snprintf(why, sizeof(why), "cannot read the staff");
	} else if (strcmp(sub, "add") == 0) {
		rc = staff_store_add(db, a.name, a.role, pin, NULL, actor, db_now_ms(), id, why,
				     sizeof(why));
		if (rc == 0)
			printf("%s\n", id);
	} else {
		struct staff_change ch = {a.name, a.role, a.pin_file ? pin : NULL, a.active};

		rc = staff_store_set(db, argv[optind], &ch, NULL, actor, db_now_ms(), id, why,
				     sizeof(why));
		if (rc == 0)
			printf("%s\n", id);
	}
	memset(pin, 0, sizeof(pin));
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub staff %s: %s\n", sub, why);
		return exit_code(rc);
	}
	return 0;
}

/* "a,b,c" as a JSON array of strings. */
static json_t *split_permissions(const char *text)
{
	json_t *arr = json_array();
	const char *p = text;

	while (arr && *p) {
		size_t n = strcspn(p, ",");

		if (n > 0 && json_array_append_new(arr, json_stringn(p, n)) < 0) {
			json_decref(arr);
			return NULL;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return arr;
}

static int role_cmd(int argc, char **argv, const char *sub)
{
	struct people_args a;
	char why[512], actor[64];
	json_t *list = NULL, *perms = NULL;
	sqlite3 *db = NULL;
	int ex, rc;

	ex = parse(argc, argv, role_usage, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if ((strcmp(sub, "list") != 0 && strcmp(sub, "set") != 0) ||
	    (strcmp(sub, "set") == 0) != (optind == argc - 1)) {
		fputs(role_usage, stderr);
		return EX_USAGE;
	}
	ex = open_db(a.data, &db);
	if (ex)
		return ex;
	audit_cli_actor(actor, sizeof(actor));
	if (strcmp(sub, "list") == 0) {
		rc = staff_role_list(db, &list);
		if (rc == 0)
			print_list(list, a.json, 0);
		json_decref(list);
		snprintf(why, sizeof(why), "cannot read the roles");
	} else {
		perms = a.permissions ? split_permissions(a.permissions) : NULL;
		rc = a.permissions && !perms
			 ? -ENOMEM
			 : staff_role_set(db, argv[optind], perms, a.ceiling, NULL, actor,
					  db_now_ms(), why, sizeof(why));
		if (rc == 0)
			printf("role %s saved\n", argv[optind]);
	}
	json_decref(perms);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub role %s: %s\n", sub, why);
		return exit_code(rc);
	}
	return 0;
}

int cmd_staff(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(staff_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	return staff_cmd(argc, argv, argv[1]);
}

int cmd_role(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(role_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	return role_cmd(argc, argv, argv[1]);
}
