/* SPDX-License-Identifier: MIT */
/*
 * The store's settings in hub.db (common/settings.h): every version kept in
 * `settings`, the newest in force; a change is one transaction with its
 * settings.put event (so terminals learn it, online or on their next
 * connect) and its audit entry. Before the first change the store runs on
 * the defaults of its currency (meta 'currency').
 */
#ifndef TILLNET_SETTINGS_STORE_H
#define TILLNET_SETTINGS_STORE_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "settings.h"

/* settings_store_load: the settings in force. 0, -EIO, or -EPROTO (a stored row that does not
 * read). */
int settings_store_load(sqlite3 *db, struct store_settings *out);

/* settings_store_version: the version in force, 0 before the first change. */
int settings_store_version(sqlite3 *db, int64_t *version);

/*
 * settings_store_save: make `s` the settings in force (its currency is
 * always the store's), as a new version by `actor` at `now`, in a
 * transaction of its own (BEGIN IMMEDIATE: the caller must have none
 * open), with a settings.put event and a settings.change audit entry
 * naming what changed. When nothing changed nothing is written and
 * *changed is 0. *version (may be NULL) gets the version in force.
 * 0, -EBUSY, -EIO, -ENOMEM.
 */
int settings_store_save(sqlite3 *db, const struct store_settings *s, const char *actor, int64_t now,
			int64_t *version, int *changed);

/*
 * settings_store_json: {"version": N, "settings": {...}} for the admin API,
 * the snapshot and the CLI; caller decrefs.
 */
int settings_store_json(sqlite3 *db, json_t **out);

#endif
