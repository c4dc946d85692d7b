/* SPDX-License-Identifier: MIT */
/*
 * Record ops besides orders (docs/protocol.md, "The op"): each kind a
 * terminal may push for an entity other than "order" has a judge and a
 * store, called by sync_apply inside the push's transaction.
 *
 * judge: 0 to apply; -EINVAL to refuse, with *result set to
 * PROTO_RESULT_REJECTED or PROTO_RESULT_CONFLICT and err naming the field
 * (the op is recorded as refused, the push goes on); any other negative
 * errno is a database failure that undoes the whole push.
 * store: write what the applied op means, its event at hub sequence `seq`
 * already appended; a negative errno undoes the push.
 */
#ifndef TILLNET_SYNC_KINDS_H
#define TILLNET_SYNC_KINDS_H

#include <sqlite3.h>
#include <stdint.h>

#include "proto_sync.h"

struct sync_kind {
	const char *kind;
	int (*judge)(sqlite3 *db, const char *terminal_id, const struct proto_op *op,
		     const char **result, struct proto_error *err);
	int (*store)(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		     int64_t now);
};

/* sync_kind_find: the handler of `kind`, or NULL (an order op, or unknown). */
const struct sync_kind *sync_kind_find(const char *kind);

#endif
