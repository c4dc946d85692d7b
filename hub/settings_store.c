// SPDX-License-Identifier: MIT
/* The store's settings in hub.db (see settings_store.h). */
#include "settings_store.h"
#include "audit.h"
#include "db.h"
#include "event_log.h"
#include "log.h"
#include "proto_sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The newest stored text ("" before the first change) and its version. */
static int load_row(sqlite3 *db, char **text, int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*text = NULL;
	*version = 0;
	rc = db_stmt(db, "SELECT version, doc FROM settings ORDER BY version DESC LIMIT 1", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		*text = strdup((const char *)sqlite3_column_text(st, 1));
		rc = *text ? SQLITE_DONE : SQLITE_NOMEM;
	}
	rc = db_check(db, rc, "read the store's settings");
	db_done(st);
	return rc;
}

int settings_store_version(sqlite3 *db, int64_t *version)
{
	char *text;
	int rc = load_row(db, &text, version);

	free(text);
	return rc;
}

int settings_store_load(sqlite3 *db, struct store_settings *out)
{
	struct proto_error err;
	char currency[8], *text;
	int64_t version;
	int rc;

	rc = db_meta_get_text(db, "currency", currency, sizeof(currency));
	if (rc == 0)
		rc = load_row(db, &text, &version);
	if (rc < 0)
		return rc;
	rc = settings_from_text(text, currency, out, &err);
	free(text);
	if (rc < 0) {
		log_error("hub.db: settings version %lld do not read: %s", (long long)version,
			  err.message);
		return -EPROTO;
	}
	/* The currency is hub.conf's, whatever an old row says. */
	snprintf(out->currency, sizeof(out->currency), "%.3s", currency);
	return 0;
}

/* {"name": [before, after]} for each top-level member that differs. */
static json_t *changes(json_t *before, json_t *after)
{
	json_t *out = json_object(), *v;
	const char *key;

	json_object_foreach(after, key, v)
	{
		json_t *old = json_object_get(before, key);

		if (out && !json_equal(old, v))
			json_object_set_new(out, key, json_pack("[OO]", old, v));
	}
	return out;
}

static int insert_row(sqlite3 *db, int64_t version, const char *text, const char *actor,
		      int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "INSERT INTO settings(version, doc, actor, at) VALUES (?, ?, ?, ?)", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = db_check(db, sqlite3_step(st), "store the settings");
	db_done(st);
	return rc;
}

int settings_store_save(sqlite3 *db, const struct store_settings *s, const char *actor, int64_t now,
			int64_t *version, int *changed)
{
	struct store_settings cur, next = *s;
	json_t *before = NULL, *after = NULL, *detail = NULL, *payload;
	int64_t v = 0;
	char *text = NULL;
	int rc;

	*changed = 0;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = settings_store_load(db, &cur);
	if (rc == 0)
		rc = settings_store_version(db, &v);
	if (rc < 0)
		goto out;
	memcpy(next.currency, cur.currency, sizeof(next.currency));
	before = settings_to_json(&cur);
	after = settings_to_json(&next);
	if (!before || !after) {
		rc = -ENOMEM;
		goto out;
	}
	if (v > 0 && json_equal(before, after))
		goto out; /* nothing to do */
	v++;
	text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
	detail =
	    json_pack("{s:I, s:o}", "version", (json_int_t)v, "changed", changes(before, after));
	payload = json_pack("{s:I, s:O}", "version", (json_int_t)v, "settings", after);
	if (!text || !detail || !payload) {
		json_decref(payload);
		rc = -ENOMEM;
		goto out;
	}
	rc = insert_row(db, v, text, actor, now);
	if (rc == 0)
		rc = event_log_append_hub(db, PROTO_OP_SETTINGS_PUT, "settings", "store", v,
					  payload, now, NULL);
	else
		json_decref(payload);
	if (rc == 0)
		rc = audit_append(db, actor, "settings.change", "", detail, now);
	if (rc == 0)
		*changed = 1;
out:
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	else if (version)
		*version = v;
	free(text);
	json_decref(before);
	json_decref(after);
	json_decref(detail);
	return rc;
}

int settings_store_json(sqlite3 *db, json_t **out)
{
	struct store_settings s;
	int64_t v;
	int rc;

	*out = NULL;
	rc = settings_store_load(db, &s);
	if (rc == 0)
		rc = settings_store_version(db, &v);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:I, s:o}", "version", (json_int_t)v, "settings", settings_to_json(&s));
	return *out ? 0 : -ENOMEM;
}
