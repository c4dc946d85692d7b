// SPDX-License-Identifier: MIT
/*
 * tillnet-hub catalog import|list|remove|reactivate: the store's catalog
 * from a CSV file, and taking an item off sale (docs/catalog.md). Works
 * whether or not the hub runs: both write hub.db through SQLite, which
 * serialises them.
 */
#include "audit.h"
#include "catalog.h"
#include "catalog_store.h"
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "hub.h"
#include "hub_db.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char catalog_usage[] =
    "usage: tillnet-hub catalog import --data DIR FILE.csv\n"
    "       tillnet-hub catalog list --data DIR [--json]\n"
    "       tillnet-hub catalog remove --data DIR SKU\n"
    "       tillnet-hub catalog reactivate --data DIR SKU\n"
    "\n"
    "import      add and update items from a CSV file with the columns\n"
    "            sku,name,barcode,price,tax_rate and optionally active (price in minor\n"
    "            units: 1250 for 12.50; tax_rate in percent: 20 or 7.5; active true or\n"
    "            false). The whole file is checked first: with any error nothing is\n"
    "            stored. Changed items make a new catalog version that the terminals\n"
    "            receive; items missing from the file stay.\n"
    "list        the catalog and its version; --json prints {\"version\", \"items\"}.\n"
    "remove      take an item off sale: terminals refuse to sell it once they hear of\n"
    "            it. It stays in the catalog, inactive, for the orders that sold it.\n"
    "reactivate  put a removed item on sale again.\n"
    "\n"
    "The file format is in docs/catalog.md.\n";

struct catalog_args {
	const char *data;
	const char *file;
	int json;
};

static int parse_args(int argc, char **argv, struct catalog_args *a)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->data = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'h':
			fputs(catalog_usage, stdout);
			return -1;
		default:
			fputs(catalog_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "tillnet-hub catalog: one file at a time\n\n%s", catalog_usage);
		return EX_USAGE;
	}
	if (!a->data) {
		fprintf(stderr, "tillnet-hub catalog: --data is required\n\n%s", catalog_usage);
		return EX_USAGE;
	}
	return 0;
}

/* open_db: DATA/hub.db of a store whose hub.conf was read; prints why not. */
static int open_db(const char *data, sqlite3 **db)
{
	if (hub_db_open(data, 0, db) < 0) {
		fprintf(stderr, "tillnet-hub: cannot open %s/%s\n", data, HUB_DB);
		return EX_CONFIG;
	}
	return 0;
}

/* read_catalog: read and check FILE; prints what is wrong and returns EX_* on failure. */
static int read_catalog(const char *file, struct catalog **cat)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*cat = NULL;
	rc = fsutil_read(file, CATALOG_FILE_MAX, &text, &len);
	if (rc == -EFBIG) {
		fprintf(stderr,
			"tillnet-hub catalog import: %s is larger than %u MiB: split it into "
			"several files\n",
			file, CATALOG_FILE_MAX >> 20);
		return EX_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub catalog import: cannot read %s: %s\n", file,
			strerror(-rc));
		return rc == -ENOENT || rc == -EACCES || rc == -EISDIR ? EX_NOINPUT : EX_IOERR;
	}
	rc = catalog_parse(text, len, cat);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub catalog import: cannot check %s: %s\n", file,
			strerror(-rc));
		return EX_SOFTWARE;
	}
	if ((*cat)->n_errors == 0)
		return 0;
	for (size_t i = 0; i < (*cat)->n_errors && i < CATALOG_ERRORS_KEPT; i++) {
		const struct catalog_error *e = &(*cat)->errors[i];

		if (e->line > 0)
			fprintf(stderr, "%s line %ld: %s\n", file, e->line, e->text);
		else
			fprintf(stderr, "%s: %s\n", file, e->text);
	}
	if ((*cat)->n_errors > CATALOG_ERRORS_KEPT)
		fprintf(stderr, "%s: and %zu more\n", file, (*cat)->n_errors - CATALOG_ERRORS_KEPT);
	fprintf(stderr, "tillnet-hub catalog import: %s has %zu error%s; nothing was stored\n",
		file, (*cat)->n_errors, (*cat)->n_errors == 1 ? "" : "s");
	catalog_free(*cat);
	*cat = NULL;
	return EX_DATAERR;
}

static int catalog_import(const struct catalog_args *a)
{
	struct catalog_import_result res;
	struct catalog *cat = NULL;
	struct hub_config cfg;
	sqlite3 *db = NULL;
	char actor[64];
	int rc, ex;

	if (!a->file) {
		fprintf(stderr, "tillnet-hub catalog import: which file? Give the CSV file to "
				"import (format in docs/catalog.md)\n");
		return EX_USAGE;
	}
	/* Is DIR a store at all, before a long file is read and checked? */
	ex = hub_load_config(a->data, &cfg);
	if (!ex)
		ex = read_catalog(a->file, &cat);
	if (!ex)
		ex = open_db(a->data, &db);
	if (ex)
		goto out;
	audit_cli_actor(actor, sizeof(actor));
	rc = catalog_store_import(db, cat, actor, db_now_ms(), &res);
	if (rc == -EBUSY) {
		fprintf(stderr,
			"tillnet-hub catalog import: %s/%s stayed busy; nothing was "
			"stored, try again\n",
			a->data, HUB_DB);
		ex = EX_TEMPFAIL;
	} else if (rc < 0) {
		fprintf(stderr,
			"tillnet-hub catalog import: could not store the catalog in %s/%s "
			"(%s); nothing was stored\n",
			a->data, HUB_DB, strerror(-rc));
		ex = EX_SOFTWARE;
	} else if (res.added + res.changed == 0) {
		printf("catalog unchanged at version %lld\n", (long long)res.version);
	} else {
		printf("catalog version %lld: %zu added, %zu changed, %zu unchanged",
		       (long long)res.version, res.added, res.changed, res.unchanged);
		if (res.removed + res.reactivated > 0)
			printf(" (of the changed: %zu removed, %zu reactivated)", res.removed,
			       res.reactivated);
		putchar('\n');
	}
out:
	catalog_free(cat);
	db_close(db);
	return ex;
}

static int catalog_list(const struct catalog_args *a)
{
	json_t *items = NULL, *item;
	struct hub_config cfg;
	int64_t version = 0;
	sqlite3 *db = NULL;
	size_t i;
	int ex;

	ex = hub_load_config(a->data, &cfg);
	if (!ex)
		ex = open_db(a->data, &db);
	if (ex)
		return ex;
	if (catalog_store_snapshot(db, &items, &version) < 0) {
		fprintf(stderr, "tillnet-hub catalog list: cannot read the catalog in %s/%s\n",
			a->data, HUB_DB);
		ex = EX_SOFTWARE;
		goto out;
	}
	if (a->json) {
		json_t *out =
		    json_pack("{s:I, s:O}", "version", (json_int_t)version, "items", items);

		json_dumpf(out, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(out);
		goto out;
	}
	if (json_array_size(items) == 0) {
		printf("(no catalog yet: import one with 'tillnet-hub catalog import --data %s "
		       "FILE.csv')\n",
		       a->data);
		goto out;
	}
	printf("catalog version %lld, %zu items\n\n", (long long)version, json_array_size(items));
	printf("%-20s %-32s %12s %7s %s\n", "SKU", "NAME", "PRICE", "TAX", "BARCODE");
	json_array_foreach(items, i, item)
	{
		const char *barcode = json_string_value(json_object_get(item, "barcode"));
		char price[32], tax[16];

		catalog_format_price(json_integer_value(json_object_get(item, "price")), price,
				     sizeof(price));
		catalog_format_tax_rate((int)json_integer_value(json_object_get(item, "taxRate")),
					tax, sizeof(tax));
		/* A removed item is marked at the end of its line; the others read as before. */
		printf("%-20s %-32s %12s %7s %s%s\n",
		       json_string_value(json_object_get(item, "sku")),
		       json_string_value(json_object_get(item, "name")), price, tax,
		       barcode && *barcode ? barcode : "-",
		       json_is_false(json_object_get(item, "active")) ? "  (removed: not on sale)"
								      : "");
	}
out:
	json_decref(items);
	db_close(db);
	return ex;
}

/* catalog_set_active: remove (0) or reactivate (1) the item a->file names. */
static int catalog_set_active(const struct catalog_args *a, const char *sub, int active)
{
	struct catalog_import_result res;
	struct hub_config cfg;
	sqlite3 *db = NULL;
	char actor[64];
	int rc, ex;

	if (!a->file) {
		fprintf(stderr, "tillnet-hub catalog %s: which item? Give its SKU\n\n%s", sub,
			catalog_usage);
		return EX_USAGE;
	}
	ex = hub_load_config(a->data, &cfg);
	if (!ex)
		ex = open_db(a->data, &db);
	if (ex)
		return ex;
	audit_cli_actor(actor, sizeof(actor));
	rc = catalog_store_set_active(db, a->file, active, actor, db_now_ms(), &res);
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-hub catalog %s: the catalog has no sku \"%s\" (tillnet-hub "
			"catalog list --data %s)\n",
			sub, a->file, a->data);
		ex = EX_DATAERR;
	} else if (rc == -EBUSY) {
		fprintf(stderr, "tillnet-hub catalog %s: %s/%s stayed busy; try again\n", sub,
			a->data, HUB_DB);
		ex = EX_TEMPFAIL;
	} else if (rc < 0) {
		fprintf(stderr, "tillnet-hub catalog %s: could not change %s/%s (%s)\n", sub,
			a->data, HUB_DB, strerror(-rc));
		ex = EX_SOFTWARE;
	} else if (res.changed == 0) {
		printf("%s is already %s; catalog unchanged at version %lld\n", a->file,
		       active ? "on sale" : "removed", (long long)res.version);
	} else {
		printf("catalog version %lld: %s %s; terminals %s once they receive it\n",
		       (long long)res.version, a->file, active ? "reactivated" : "removed",
		       active ? "sell it again" : "refuse to sell it");
	}
	db_close(db);
	return ex;
}

int cmd_catalog(int argc, char **argv)
{
	struct catalog_args a = {0};
	const char *sub;
	int rc;

	if (argc < 2) {
		fputs(catalog_usage, stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(catalog_usage, stdout);
		return 0;
	}
	rc = parse_args(argc - 1, argv + 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (strcmp(sub, "import") == 0)
		return catalog_import(&a);
	if (strcmp(sub, "list") == 0) {
		if (a.file) {
			fprintf(stderr, "tillnet-hub catalog list: takes no file\n\n%s",
				catalog_usage);
			return EX_USAGE;
		}
		return catalog_list(&a);
	}
	if (strcmp(sub, "remove") == 0 || strcmp(sub, "reactivate") == 0)
		return catalog_set_active(&a, sub, strcmp(sub, "reactivate") == 0);
	fprintf(stderr, "tillnet-hub catalog: unknown subcommand \"%s\"\n\n%s", sub, catalog_usage);
	return EX_USAGE;
}
