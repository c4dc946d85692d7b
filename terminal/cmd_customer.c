// SPDX-License-Identifier: MIT
/*
 * tillnet-term customer add | edit | find | show: the store's customers and
 * their loyalty points, from this terminal's own database (works offline;
 * an add or edit reaches the hub and the other terminals through the
 * outbox). terminal/customers.h does the work.
 */
#include "config.h"
#include "customers.h"
#include "db.h"
#include "money.h"
#include "proto_sync.h"
#include "term.h"
#include "uuid.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define FIND_MAX   50
#define RECENT_MAX 10

static const char customer_usage[] =
    "usage: tillnet-term customer add --data DIR --name NAME [--phone P] [--email E]\n"
    "                                 [--card C] [--json]\n"
    "       tillnet-term customer edit --data DIR CUSTOMER [--name NAME] [--phone P]\n"
    "                                 [--email E] [--card C] [--json]\n"
    "       tillnet-term customer find --data DIR TEXT [--json]\n"
    "       tillnet-term customer show --data DIR CUSTOMER [--json]\n"
    "\n"
    "add: a new customer, printing its id. NAME is required; the phone number\n"
    "(digits, spaces, + - ( )), e-mail address and loyalty card number are\n"
    "optional; a card belongs to one customer. edit: change some of them (an\n"
    "empty value clears a phone, e-mail or card); when two terminals edit the\n"
    "same customer, the later edit wins everywhere. CUSTOMER is the customer's\n"
    "id, card number, phone number or e-mail address.\n"
    "find: the customers whose name contains TEXT (any case) or whose phone,\n"
    "e-mail, card or id is TEXT.\n"
    "show: one customer's points (what they are worth), lifetime spend, tier and\n"
    "latest points movements.\n"
    "All work offline, on what this terminal knows: its own customers and sales\n"
    "and those the hub has passed on. Use a customer at the till with\n"
    "'tillnet-term sell --customer CUSTOMER' (--pay points=AMOUNT redeems).\n";

struct customer_args {
	const char *data, *name, *phone, *email, *card;
	int json;
};

static int parse_args(int argc, char **argv, struct customer_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},  {"name", required_argument, NULL, 'n'},
	    {"phone", required_argument, NULL, 'p'}, {"email", required_argument, NULL, 'e'},
	    {"card", required_argument, NULL, 'c'},  {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			a->data = optarg;
		else if (c == 'n')
			a->name = optarg;
		else if (c == 'p')
			a->phone = optarg;
		else if (c == 'e')
			a->email = optarg;
		else if (c == 'c')
			a->card = optarg;
		else if (c == 'j')
			a->json = 1;
		else if (c == 'h') {
			fputs(customer_usage, stdout);
			return -1;
		} else {
			fputs(customer_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!a->data) {
		fprintf(stderr, "tillnet-term customer: --data is required\n\n%s", customer_usage);
		return EX_USAGE;
	}
	return 0;
}

/* One text option into its field: too long is a usage error naming it. */
static int set_field(const char *opt, const char *value, char *out, size_t len)
{
	if (!value)
		return 0;
	if (strlen(value) >= len) {
		fprintf(stderr, "tillnet-term customer: --%s: at most %zu bytes\n", opt, len - 1);
		return EX_DATAERR;
	}
	snprintf(out, len, "%s", value);
	return 0;
}

static int print_customer(sqlite3 *db, const char *id, int json)
{
	char spend[MONEY_TEXT_MAX], amount[MONEY_TEXT_MAX];
	json_t *j, *e;
	size_t i;

	if (customers_show_json(db, id, RECENT_MAX, &j) < 0) {
		fprintf(stderr, "tillnet-term customer: cannot read customer %s\n", id);
		return EX_IOERR;
	}
	if (json) {
		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
		return 0;
	}
	money_format(json_integer_value(json_object_get(j, "lifetimeSpend")), spend, sizeof(spend));
	printf("%s  %s\n", json_string_value(json_object_get(j, "name")), id);
	printf("  phone %s  email %s  card %s\n",
	       *json_string_value(json_object_get(j, "phone"))
		   ? json_string_value(json_object_get(j, "phone"))
		   : "-",
	       *json_string_value(json_object_get(j, "email"))
		   ? json_string_value(json_object_get(j, "email"))
		   : "-",
	       *json_string_value(json_object_get(j, "card"))
		   ? json_string_value(json_object_get(j, "card"))
		   : "-");
	printf("  points %" JSON_INTEGER_FORMAT "  lifetime spend %s  tier %s\n",
	       json_integer_value(json_object_get(j, "points")), spend,
	       json_string_value(json_object_get(j, "tier")));
	json_array_foreach(json_object_get(j, "ledger"), i, e)
	{
		money_format(json_integer_value(json_object_get(e, "spend")), amount,
			     sizeof(amount));
		printf("  %-24s %+6" JSON_INTEGER_FORMAT " points  spend %s\n",
		       json_is_string(json_object_get(e, "receipt"))
			   ? json_string_value(json_object_get(e, "receipt"))
			   : json_string_value(json_object_get(e, "orderId")),
		       json_integer_value(json_object_get(e, "points")), amount);
	}
	json_decref(j);
	return 0;
}

static int save(int argc, char **argv, int create)
{
	struct customer_args a;
	struct term_acting acting;
	struct term_config cfg;
	struct customer c;
	uint8_t id[UUID_LEN];
	char why[512];
	sqlite3 *db = NULL;
	int ex, rc;

	ex = parse_args(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (create ? optind != argc || !a.name : optind != argc - 1) {
		fprintf(stderr, "tillnet-term customer %s: %s\n\n%s", create ? "add" : "edit",
			create ? "--name is required" : "expected one CUSTOMER", customer_usage);
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex)
		return ex;
	memset(&c, 0, sizeof(c));
	if (create) {
		rc = uuid_v7(id);
		if (rc < 0) {
			ex = EX_OSERR;
			goto out;
		}
		uuid_format(id, c.id);
		c.created_at = db_now_ms();
	} else {
		rc = customers_resolve(db, argv[optind], &c, why, sizeof(why));
		if (rc < 0) {
			fprintf(stderr, "tillnet-term customer edit: %s\n", why);
			ex = rc == -EIO ? EX_IOERR : EX_DATAERR;
			goto out;
		}
	}
	c.updated_at = db_now_ms();
	if (c.updated_at < c.created_at)
		c.updated_at = c.created_at; /* the clock went back since it was made */
	ex = set_field("name", a.name, c.name, sizeof(c.name));
	if (!ex)
		ex = set_field("phone", a.phone, c.phone, sizeof(c.phone));
	if (!ex)
		ex = set_field("email", a.email, c.email, sizeof(c.email));
	if (!ex)
		ex = set_field("card", a.card, c.card, sizeof(c.card));
	if (!ex)
		ex = term_acting(db, PROTO_OP_CUSTOMER_PUT, NULL, &acting);
	if (ex)
		goto out;
	rc = customers_save_own(db, cfg.terminal_id, acting.actor, &c, create, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "tillnet-term customer %s: nothing was stored: %s\n",
			create ? "add" : "edit", why);
		ex = rc == -EINVAL || rc == -EEXIST || rc == -ENOENT ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	if (a.json)
		ex = print_customer(db, c.id, 1);
	else
		printf("%s customer %s (%s)\n", create ? "added" : "changed", c.id, c.name);
out:
	db_close(db);
	return ex;
}

static int find(int argc, char **argv)
{
	struct customer_args a;
	struct term_config cfg;
	sqlite3 *db = NULL;
	json_t *found = NULL, *j;
	size_t i;
	int ex;

	ex = parse_args(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (optind != argc - 1 || !argv[optind][0]) {
		fprintf(stderr, "tillnet-term customer find: expected one TEXT\n\n%s",
			customer_usage);
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex)
		return ex;
	if (customers_find_json(db, argv[optind], FIND_MAX, &found) < 0) {
		fprintf(stderr, "tillnet-term customer find: cannot read %s/%s\n", a.data, TERM_DB);
		db_close(db);
		return EX_IOERR;
	}
	if (a.json) {
		json_dumpf(found, stdout, JSON_COMPACT);
		putchar('\n');
	} else if (json_array_size(found) == 0) {
		printf("no customer matches \"%s\"\n", argv[optind]);
	}
	json_array_foreach(found, i, j)
	{
		if (a.json)
			break;
		printf("%s  %-30s %-16s %-8s %" JSON_INTEGER_FORMAT " points\n",
		       json_string_value(json_object_get(j, "id")),
		       json_string_value(json_object_get(j, "name")),
		       json_string_value(json_object_get(j, "phone")),
		       json_string_value(json_object_get(j, "tier")),
		       json_integer_value(json_object_get(j, "points")));
	}
	json_decref(found);
	db_close(db);
	return 0;
}

static int show(int argc, char **argv)
{
	struct customer_args a;
	struct term_config cfg;
	struct customer c;
	char why[512];
	sqlite3 *db = NULL;
	int ex, rc;

	ex = parse_args(argc, argv, &a);
	if (ex)
		return ex < 0 ? 0 : ex;
	if (optind != argc - 1) {
		fprintf(stderr, "tillnet-term customer show: expected one CUSTOMER\n\n%s",
			customer_usage);
		return EX_USAGE;
	}
	ex = term_open(a.data, &cfg, &db);
	if (ex)
		return ex;
	rc = customers_resolve(db, argv[optind], &c, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "tillnet-term customer show: %s\n", why);
		ex = rc == -EIO ? EX_IOERR : EX_DATAERR;
	} else {
		ex = print_customer(db, c.id, a.json);
	}
	db_close(db);
	return ex;
}

int cmd_customer(int argc, char **argv)
{
	const char *what = argc >= 2 ? argv[1] : "";

	if (strcmp(what, "add") == 0 || strcmp(what, "edit") == 0)
		return save(argc - 1, argv + 1, strcmp(what, "add") == 0);
	if (strcmp(what, "find") == 0)
		return find(argc - 1, argv + 1);
	if (strcmp(what, "show") == 0)
		return show(argc - 1, argv + 1);
	if (strcmp(what, "--help") == 0 || strcmp(what, "-h") == 0) {
		fputs(customer_usage, stdout);
		return 0;
	}
	fputs(customer_usage, stderr);
	return EX_USAGE;
}
