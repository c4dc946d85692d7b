// SPDX-License-Identifier: MIT
/*
 * tillnet-hub settings show|set: the store's settings from the hub's command
 * line (docs/pos.md, "Store settings"). A change is a new settings version,
 * audited as the Unix user who ran the command, and reaches every terminal
 * as a settings.put event (hub/settings_store.h).
 */
#include "audit.h"
#include "db.h"
#include "hub.h"
#include "hub_db.h"
#include "settings_store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char settings_usage[] =
    "usage: tillnet-hub settings show --data DIR [--json]\n"
    "       tillnet-hub settings set --data DIR NAME VALUE [NAME VALUE ...]\n"
    "\n"
    "The store's settings, which every terminal sells by, online or not:\n"
    "  priceMode            inclusive (shelf prices include tax) or exclusive\n"
    "  cashStep             cash totals are rounded to this, e.g. 0.05 (0.01: none)\n"
    "  denominations        the drawer's notes and coins, largest first: 50,20,10,...\n"
    "  cashDifferenceLimit  a cash count off by more needs a manager, e.g. 5\n"
    "  loyalty.spend        each whole amount of this spent earns ...\n"
    "  loyalty.points       ... this many points\n"
    "  loyalty.pointValue   what one point is worth when redeemed, e.g. 0.01\n"
    "  tiers.bronze         lifetime spend for Bronze; likewise tiers.silver and\n"
    "  tiers.gold           tiers.gold (below Bronze a customer is a Member)\n"
    "Amounts are in the store's currency as you write them (12.50). The\n"
    "currency itself is hub.conf's. All the pairs of one set are checked\n"
    "together and saved as one new version, or none is.\n";

static void print_text(json_t *doc)
{
	json_t *s = json_object_get(doc, "settings"), *d;
	const char *key;
	json_t *v;
	size_t i;

	printf("version %lld\n", (long long)json_integer_value(json_object_get(doc, "version")));
	printf("%-20s %s\n", "currency", json_string_value(json_object_get(s, "currency")));
	printf("%-20s %s\n", "priceMode", json_string_value(json_object_get(s, "priceMode")));
	printf("%-20s %lld\n", "cashStep",
	       (long long)json_integer_value(json_object_get(s, "cashStep")));
	printf("%-20s", "denominations");
	json_array_foreach(json_object_get(s, "denominations"), i, d)
	    printf("%s%lld", i ? "," : " ", (long long)json_integer_value(d));
	printf("\n%-20s %lld\n", "cashDifferenceLimit",
	       (long long)json_integer_value(json_object_get(s, "cashDifferenceLimit")));
	json_object_foreach(json_object_get(s, "loyalty"), key, v)
	    printf("loyalty.%-12s %lld\n", key, (long long)json_integer_value(v));
	json_object_foreach(json_object_get(s, "tiers"), key, v)
	    printf("tiers.%-14s %lld\n", key, (long long)json_integer_value(v));
	printf("(amounts in minor units of the currency)\n");
}

static int show(sqlite3 *db, int json)
{
	json_t *doc = NULL;

	if (settings_store_json(db, &doc) < 0) {
		fprintf(stderr, "tillnet-hub settings: cannot read the settings\n");
		return EX_SOFTWARE;
	}
	if (json) {
		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_text(doc);
	}
	json_decref(doc);
	return 0;
}

static int set(sqlite3 *db, int argc, char **argv)
{
	struct store_settings s;
	struct proto_error err;
	char actor[64];
	int64_t version;
	int changed, rc;

	if (argc == 0 || argc % 2) {
		fprintf(stderr, "tillnet-hub settings set: give NAME VALUE pairs\n\n%s",
			settings_usage);
		return EX_USAGE;
	}
	if (settings_store_load(db, &s) < 0) {
		fprintf(stderr, "tillnet-hub settings: cannot read the settings\n");
		return EX_SOFTWARE;
	}
	for (int i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "currency") == 0) {
			fprintf(stderr, "tillnet-hub settings set: currency: the store's currency "
					"is [store] currency in hub.conf, not a setting\n");
			return EX_DATAERR;
		}
		if (settings_set(&s, argv[i], argv[i + 1], &err) < 0) {
			fprintf(stderr, "tillnet-hub settings set: %s\n", err.message);
			return EX_DATAERR;
		}
	}
	audit_cli_actor(actor, sizeof(actor));
	rc = settings_store_save(db, &s, actor, db_now_ms(), &version, &changed);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub settings set: the settings were not saved (%s)\n",
			rc == -EBUSY ? "the database is busy: try again" : "database error");
		return rc == -EBUSY ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	if (changed)
		printf("settings version %lld saved; terminals get it when they are online\n",
		       (long long)version);
	else
		printf("nothing changed (settings version %lld)\n", (long long)version);
	return 0;
}

int cmd_settings(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sub, *data = NULL;
	sqlite3 *db = NULL;
	int c, json = 0, ex;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(settings_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	sub = argv[1];
	if (strcmp(sub, "show") != 0 && strcmp(sub, "set") != 0) {
		fprintf(stderr, "tillnet-hub settings: unknown subcommand \"%s\"\n\n%s", sub,
			settings_usage);
		return EX_USAGE;
	}
	optind = 2;
	/* "+": stop at the first NAME, so a VALUE such as -1 is not read as an option. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(settings_usage, stdout);
			return 0;
		} else {
			fputs(settings_usage, stderr);
			return EX_USAGE;
		}
	}
	if (!data) {
		fprintf(stderr, "tillnet-hub settings: --data DIR is required\n\n%s",
			settings_usage);
		return EX_USAGE;
	}
	if (strcmp(sub, "show") == 0 && optind != argc) {
		fputs(settings_usage, stderr);
		return EX_USAGE;
	}
	if (hub_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s (run tillnet-hub init first)\n",
			data, HUB_DB);
		return EX_CONFIG;
	}
	if (strcmp(sub, "show") == 0)
		ex = show(db, json);
	else
		ex = set(db, argc - optind, argv + optind);
	db_close(db);
	return ex;
}
