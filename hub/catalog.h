/* SPDX-License-Identifier: MIT */
/*
 * The store's catalog as a CSV file (docs/catalog.md): parse and validate the
 * whole text into items and a list of errors for a person. No I/O here; the
 * SQLite side is catalog_store.h.
 */
#ifndef TILLNET_CATALOG_H
#define TILLNET_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#define CATALOG_SKU_MAX	    64
#define CATALOG_NAME_MAX    128
#define CATALOG_BARCODE_MAX 64
#define CATALOG_PRICE_MAX   9007199254740992LL /* 2^53 */
#define CATALOG_TAX_MAX	    10000	       /* basis points: 100 % */
#define CATALOG_FILE_MAX    (16u << 20)
#define CATALOG_ITEMS_MAX   100000
/* Errors kept with their text; the rest are only counted. */
#define CATALOG_ERRORS_KEPT 50
#define CATALOG_ERROR_LEN   256

/* An item's `active` when the file does not say (no column, or an empty value). */
#define CATALOG_ACTIVE_KEEP (-1)

/* One item: the fields of a row, in the units the wire uses. */
struct catalog_item {
	char sku[CATALOG_SKU_MAX + 1];
	char name[CATALOG_NAME_MAX + 1];
	char barcode[CATALOG_BARCODE_MAX + 1]; /* "" when the row has none */
	int64_t price;			       /* minor units, tax included */
	int tax_rate;			       /* basis points: 2000 = 20 % */
	/*
	 * 1 sellable, 0 removed (kept for the sales that point at it), or
	 * CATALOG_ACTIVE_KEEP: as stored, and active when new.
	 */
	int active;
	long line; /* where the row starts in the file */
};

struct catalog_error {
	long line; /* 0: about the file as a whole */
	/* What is wrong and how to fix it, e.g. `price "12,50" is not a number ...`. */
	char text[CATALOG_ERROR_LEN];
};

struct catalog {
	struct catalog_item *items; /* in file order */
	size_t n_items;
	size_t items_cap;
	/* The first CATALOG_ERRORS_KEPT errors, in file order. */
	struct catalog_error errors[CATALOG_ERRORS_KEPT];
	size_t n_errors; /* all errors found; more than kept when above the limit */
};

/*
 * catalog_parse: read `len` bytes of CSV text (a UTF-8 BOM at the start is
 * skipped) into a new catalog. Problems with the content are not a failure:
 * they are in (*out)->errors, and a catalog with n_errors > 0 must not be
 * stored. The whole text is checked so that every error is found at once.
 * Returns 0, -ENOMEM, or -EFBIG when `len` is above CATALOG_FILE_MAX. The
 * caller frees *out with catalog_free.
 */
int catalog_parse(const char *text, size_t len, struct catalog **out);

/* catalog_free: free a catalog from catalog_parse; NULL is a no-op. */
void catalog_free(struct catalog *cat);

/*
 * catalog_format_price: minor units as the shop reads them, "12.50". The
 * store's currency has two decimals (a price is at most 2^53).
 */
void catalog_format_price(int64_t price, char *out, size_t outlen);

/* catalog_format_tax_rate: basis points as a percent, "20%", "7.5%", "7.55%". */
void catalog_format_tax_rate(int tax_rate, char *out, size_t outlen);

#endif
