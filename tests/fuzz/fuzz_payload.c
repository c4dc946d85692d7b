// SPDX-License-Identifier: MIT
/*
 * Fuzz target "payload": what a terminal puts inside an op, and the money
 * text a person types. The first line of the input says which parser gets
 * the rest:
 *   order     an order.put payload: order_check (common/order_check.c)
 *   refund    {"sale", "earlier": [...], "refund"}: each must pass
 *             order_check, as at the hub; then refund_check and refund_build
 *             of what is left (common/refund.c)
 *   journal   a journal.append payload, or an array of them in seq order:
 *             journal_payload_decode, journal_amount_check and the chain
 *             check (common/journal.c)
 *   discount  text: pricing_discount_parse, money_parse, money_qty_parse,
 *             money_rate_parse (common/pricing.c, common/money.c)
 */
#include "fuzz.h"
#include "journal.h"
#include "money.h"
#include "order.h"
#include "pricing.h"
#include "refund.h"

#include <stdlib.h>
#include <string.h>

#define EARLIER_MAX 16

static int sku_known(void *ctx, const char *sku)
{
	(void)ctx;
	return strcmp(sku, "unknown") != 0;
}

static void order(json_t *doc)
{
	struct proto_error err;

	order_check(doc, sku_known, NULL, &err);
}

static int valid(json_t *doc)
{
	struct proto_error err;

	return json_is_object(doc) && order_check(doc, NULL, NULL, &err) == 0;
}

static void refund(json_t *doc)
{
	json_t *sale = json_object_get(doc, "sale"), *refund = json_object_get(doc, "refund");
	json_t *list = json_object_get(doc, "earlier"), *earlier[EARLIER_MAX], *built = NULL;
	struct proto_error err;
	int n = 0;

	if (!valid(sale) || json_array_size(list) > EARLIER_MAX)
		return;
	for (size_t i = 0; i < json_array_size(list); i++) {
		earlier[n] = json_array_get(list, i);
		if (!valid(earlier[n]))
			return;
		n++;
	}
	if (valid(refund))
		refund_check(sale, earlier, n, refund, &err);
	if (refund_build(sale, "01890a5d-ac96-774b-bcce-b302099a8057", earlier, n, NULL, 0,
			 1700000000000LL, &built, &err) == 0 &&
	    refund_check(sale, earlier, n, built, &err) != 0)
		abort(); /* what refund_build makes, refund_check must accept */
	json_decref(built);
}

static void journal(json_t *doc)
{
	struct journal_chain chain;
	struct journal_record r;
	struct proto_error err;
	json_t *one = json_is_array(doc) ? NULL : doc;
	size_t n = one ? 1 : json_array_size(doc);

	journal_chain_init(&chain);
	for (size_t i = 0; i < n; i++) {
		json_t *payload = one ? one : json_array_get(doc, i);
		char *body = NULL, text[256];
		int fault;

		if (journal_payload_decode(payload, &r, &body, &err) == 0) {
			journal_amount_check(&r, json_object_get(payload, "record"), &err);
			fault = journal_chain_add(&chain, &r);
			if (fault > 0)
				journal_fault_text(fault, chain.has_last ? &chain.last : NULL, &r,
						   text, sizeof(text));
		}
		free(body);
	}
}

static void discount(const char *text)
{
	struct pricing_discount d;
	int64_t v;

	pricing_discount_parse(text, &d);
	money_parse(text, &v);
	money_qty_parse(text, &v);
	money_rate_parse(text, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rest;
	size_t rest_len;
	char mode[16], *text;
	json_t *doc;

	fuzz_split(data, size, mode, sizeof(mode), &rest, &rest_len);
	if (strcmp(mode, "discount") == 0) {
		text = fuzz_text(rest, rest_len);
		discount(text);
		free(text);
		return 0;
	}
	doc = json_loadb((const char *)rest, rest_len, JSON_REJECT_DUPLICATES, NULL);
	if (!doc)
		return 0;
	if (strcmp(mode, "order") == 0)
		order(doc);
	else if (strcmp(mode, "refund") == 0)
		refund(doc);
	else if (strcmp(mode, "journal") == 0)
		journal(doc);
	json_decref(doc);
	return 0;
}
