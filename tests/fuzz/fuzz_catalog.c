// SPDX-License-Identifier: MIT
/*
 * Fuzz target "catalog": a catalog CSV file as the owner uploads it
 * (hub/catalog.c, catalog_parse), and every item and error it gives read
 * back the way the import report prints them.
 */
#include "catalog.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog *cat = NULL;
	char price[32], rate[32];

	if (catalog_parse((const char *)data, size, &cat) < 0)
		return 0;
	for (size_t i = 0; i < cat->n_items; i++) {
		const struct catalog_item *it = &cat->items[i];

		if (strlen(it->sku) == 0 || strlen(it->sku) > CATALOG_SKU_MAX || it->price < 0 ||
		    it->price > CATALOG_PRICE_MAX || it->tax_rate < 0 ||
		    it->tax_rate > CATALOG_TAX_MAX)
			abort(); /* an item out of its limits must have been an error */
		catalog_format_price(it->price, price, sizeof(price));
		catalog_format_tax_rate(it->tax_rate, rate, sizeof(rate));
	}
	for (size_t i = 0; i < cat->n_errors && i < CATALOG_ERRORS_KEPT; i++)
		if (!memchr(cat->errors[i].text, '\0', sizeof(cat->errors[i].text)))
			abort();
	catalog_free(cat);
	return 0;
}
