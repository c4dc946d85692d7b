/* SPDX-License-Identifier: MIT */
/*
 * What a completed record means beyond itself on this terminal: its stock
 * movements, the points its customer earned or spent, ... kept locally so
 * the till knows them offline. term_order_effects is called once per
 * completed order, inside the transaction that stores it: by sale_commit
 * for this terminal's own records, and by the mirror for another
 * terminal's record when it first arrives completed. `origin` is the
 * terminal that made it. 0, or a negative errno that undoes the
 * transaction.
 */
#ifndef TILLNET_TERM_ORDER_EFFECTS_H
#define TILLNET_TERM_ORDER_EFFECTS_H

#include <jansson.h>
#include <sqlite3.h>

int term_order_effects(sqlite3 *db, const char *origin, const char *order_id, json_t *order);

#endif
