// SPDX-License-Identifier: MIT
/* The table of record ops besides orders (see sync_kinds.h). */
#include "sync_kinds.h"
#include "cash_store.h"
#include "customer_store.h"
#include "journal_store.h"
#include "stock_store.h"

#include <string.h>

static const struct sync_kind kinds[] = {
    /* {PROTO_OP_..., judge, store}: one row per kind */
    {PROTO_OP_JOURNAL_APPEND, journal_store_judge, journal_store_put},
    {PROTO_OP_STOCK_MOVE, stock_store_judge, stock_store_put},
    {PROTO_OP_CUSTOMER_PUT, customer_store_judge, customer_store_put},
    {PROTO_OP_CASH_PUT, cash_store_judge, cash_store_put},
    {NULL, NULL, NULL},
};

const struct sync_kind *sync_kind_find(const char *kind)
{
	for (const struct sync_kind *k = kinds; k->kind; k++)
		if (strcmp(k->kind, kind) == 0)
			return k;
	return NULL;
}
