/* SPDX-License-Identifier: MIT */
/*
 * A terminal asks for a sale it does not hold (docs/protocol.md, "lookup"):
 * a customer brings back something bought before the terminal was
 * enrolled, or while it was away long enough to get a snapshot (which
 * carries only open orders). The answer carries the completed sale with
 * that receipt number and every completed refund of it the hub holds, so
 * the terminal can refund within what is left.
 */
#ifndef TILLNET_SALE_LOOKUP_H
#define TILLNET_SALE_LOOKUP_H

#include <jansson.h>
#include <sqlite3.h>

#include "proto_sync.h"

/* sale_lookup_answer: the lookupResult message for `lookup`; caller decrefs. 0, -EIO, -ENOMEM. */
int sale_lookup_answer(sqlite3 *db, const struct proto_lookup *lookup, json_t **answer);

#endif
