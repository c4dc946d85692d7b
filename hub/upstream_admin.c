// SPDX-License-Identifier: MIT
/* Status and the admin's actions on the upstream queue (see upstream_admin.h). */
#include "upstream_admin.h"
#include "audit.h"
#include "db.h"
#include "upstream_store.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *col_text(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_string((const char *)sqlite3_column_text(st, i));
}

static json_t *col_int(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, i));
}

static int count_states(sqlite3 *db, json_t *out)
{
	static const struct {
		const char *state, *key;
	} keys[] = {{"pending", "pending"},
		    {"parked", "parked"},
		    {"forwarded", "forwarded"},
		    {"voided", "voided"},
		    {"accepted-conflict", "acceptedConflict"}};
	sqlite3_stmt *st = NULL;
	int rc;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(out, keys[i].key, json_integer(0));
	rc = db_prepare(db, "SELECT state, count(*) FROM upstream_records GROUP BY state", &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp((const char *)sqlite3_column_text(st, 0), keys[i].state) == 0)
				json_object_set_new(out, keys[i].key,
						    json_integer(sqlite3_column_int64(st, 1)));
	}
	rc = db_check(db, rc, "count upstream records");
	sqlite3_finalize(st);
	return rc;
}

int upstream_admin_status_json(sqlite3 *db, int running, const char *conf_url, int64_t now,
			       json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *o = json_object();
	int rc;

	*out = NULL;
	if (!o)
		return -ENOMEM;
	rc = count_states(db, o);
	if (rc < 0)
		goto fail;
	rc =
	    db_prepare(db,
		       "SELECT url, inflight, last_success_at, last_error, last_error_code, "
		       "last_error_at, next_attempt_at, (SELECT min(created_at) FROM "
		       "upstream_records WHERE state = 'pending') FROM upstream_state WHERE id = 1",
		       &st);
	if (rc < 0)
		goto fail;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = db_check(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "read upstream state");
		goto fail;
	}
	/* A stopped hub has nothing in flight, whatever its last row says. */
	if (running)
		json_object_set_new(o, "url", col_text(st, 0));
	else
		json_object_set_new(o, "url",
				    conf_url && conf_url[0] ? json_string(conf_url) : json_null());
	json_object_set_new(o, "inflight", json_integer(running ? sqlite3_column_int64(st, 1) : 0));
	json_object_set_new(o, "lastSuccessAt", col_int(st, 2));
	json_object_set_new(o, "lastError", col_text(st, 3));
	json_object_set_new(o, "lastErrorCode", col_text(st, 4));
	json_object_set_new(o, "lastErrorAt", col_int(st, 5));
	json_object_set_new(o, "nextAttemptAt", running ? col_int(st, 6) : json_null());
	json_object_set_new(o, "oldestPendingAgeMs",
			    sqlite3_column_type(st, 7) == SQLITE_NULL
				? json_null()
				: json_integer(now - sqlite3_column_int64(st, 7)));
	sqlite3_finalize(st);
	*out = o;
	return 0;
fail:
	sqlite3_finalize(st);
	json_decref(o);
	return rc;
}

int upstream_admin_parked(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	int rc;

	*out = NULL;
	if (!list)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "SELECT r.id, r.kind, json_extract(r.record, '$.terminal'), "
	    "json_extract(r.record, '$.receipt'), r.hub_seq, r.last_result, r.last_error_code, "
	    "r.last_error, r.upstream_ref, r.attempts, r.settled_at, (SELECT count(*) FROM "
	    "upstream_records d WHERE d.depends_on = r.id AND d.state = 'pending') FROM "
	    "upstream_records r WHERE r.state = 'parked' ORDER BY r.queue_seq",
	    &st);
	if (rc < 0)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();

		if (!o || json_array_append_new(list, o) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
		json_object_set_new(o, "id", col_text(st, 0));
		json_object_set_new(o, "kind", col_text(st, 1));
		json_object_set_new(o, "terminal", col_text(st, 2));
		json_object_set_new(o, "receipt", col_text(st, 3));
		json_object_set_new(o, "hubSeq", col_int(st, 4));
		json_object_set_new(o, "result", col_text(st, 5));
		json_object_set_new(o, "code", col_text(st, 6));
		json_object_set_new(o, "message", col_text(st, 7));
		json_object_set_new(o, "ref", col_text(st, 8));
		json_object_set_new(o, "attempts", col_int(st, 9));
		json_object_set_new(o, "parkedAt", col_int(st, 10));
		json_object_set_new(o, "dependents", col_int(st, 11));
	}
	rc = db_check(db, rc, "list parked upstream records");
	if (rc < 0)
		goto fail;
	sqlite3_finalize(st);
	*out = list;
	return 0;
fail:
	sqlite3_finalize(st);
	json_decref(list);
	return rc;
}

/* The parked record `id`: its kind, last result and code, and its JSON. */
struct parked {
	char kind[32], result[16], code[64];
	json_t *record;
};

static int load_parked(sqlite3 *db, const char *id, struct parked *p)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = db_prepare(db,
			"SELECT kind, coalesce(last_result, ''), coalesce(last_error_code, ''), "
			"record FROM upstream_records WHERE id = ? AND state = 'parked'",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(p->kind, sizeof(p->kind), "%s", sqlite3_column_text(st, 0));
		snprintf(p->result, sizeof(p->result), "%s", sqlite3_column_text(st, 1));
		snprintf(p->code, sizeof(p->code), "%s", sqlite3_column_text(st, 2));
		p->record = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
		rc = p->record ? 0 : -EPROTO;
	} else {
		rc = db_check(db, rc, "read a parked upstream record");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

static int set_state(sqlite3 *db, const char *id, const char *from, const char *to, int64_t now,
		     int *changed)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* Back to pending forgets the verdict; settled keeps it, for the record. */
	rc = db_prepare(db,
			strcmp(to, "pending") == 0
			    ? "UPDATE upstream_records SET state = ?1, settled_at = NULL, "
			      "last_result = NULL, last_error_code = NULL, last_error = NULL "
			      "WHERE (?2 IS NULL OR id = ?2) AND state = ?3"
			    : "UPDATE upstream_records SET state = ?1, settled_at = ?4 "
			      "WHERE id = ?2 AND state = ?3",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	if (id)
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
	if (strcmp(to, "pending") != 0)
		sqlite3_bind_int64(st, 4, now);
	rc = db_check(db, sqlite3_step(st), "change an upstream record's state");
	sqlite3_finalize(st);
	*changed = rc == 0 ? sqlite3_changes(db) : 0;
	return rc;
}

int upstream_admin_retry(sqlite3 *db, const char *id, const char *actor, int64_t now, int *count)
{
	struct parked p = {0};
	json_t *detail = NULL;
	int rc, held;

	*count = 0;
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	if (id) {
		rc = load_parked(db, id, &p);
		if (rc < 0)
			goto out;
		detail = json_pack("{s:s, s:s}", "result", p.result, "code", p.code);
	}
	rc = set_state(db, id, "parked", "pending", now, count);
	/* What depends on a voided record goes back to parked at once. */
	if (rc == 0)
		rc = upstream_store_hold_orphans(db, now, &held);
	if (rc == 0 && !id)
		detail = json_pack("{s:i}", "records", *count);
	if (rc == 0 && (id || *count > 0))
		rc = audit_append(db, actor, "upstream.retry", id ? id : "all", detail, now);
out:
	json_decref(detail);
	json_decref(p.record);
	return db_end(db, rc);
}

int upstream_admin_void(sqlite3 *db, const char *id, const char *reason, const char *actor,
			int64_t now, char *void_id)
{
	struct parked p = {0};
	uint8_t raw[UUID_LEN];
	json_t *payload = NULL, *detail = NULL, *rec;
	int rc, changed, held, added = 0;

	rc = uuid_v7(raw);
	if (rc < 0)
		return rc;
	uuid_format(raw, void_id);
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = load_parked(db, id, &p);
	if (rc < 0)
		goto out;
	rec = p.record;
	payload = json_pack("{s:s, s:s, s:s, s:O?}", "voidOf", id, "voidOfKind", p.kind, "reason",
			    reason, "receipt", json_object_get(rec, "receipt"));
	detail = json_pack("{s:s, s:s, s:s, s:s}", "reason", reason, "voidRecord", void_id,
			   "result", p.result, "code", p.code);
	if (!payload || !detail) {
		rc = -ENOMEM;
		goto out;
	}
	rc = set_state(db, id, "parked", "voided", now, &changed);
	if (rc == 0)
		rc = upstream_store_hold_orphans(db, now, &held);
	if (rc < 0)
		goto out;
	/*
	 * The void goes upstream on its own: what it voids was never accepted
	 * there, so it depends on nothing.
	 */
	struct upstream_new_record r = {
	    .id = void_id,
	    .kind = "void",
	    .terminal_id = json_string_value(json_object_get(rec, "terminalId")),
	    .terminal = json_string_value(json_object_get(rec, "terminal")),
	    .receipt = json_string_value(json_object_get(rec, "receipt")),
	    .sequence = 0,
	    .device_at = now,
	    .hub_at = now,
	    .hub_seq = json_integer_value(json_object_get(rec, "hubSeq")),
	    .depends_on = NULL,
	    .payload = payload,
	};
	if (!r.terminal_id || !r.terminal) {
		rc = -EPROTO;
		goto out;
	}
	rc = upstream_store_add(db, &r, now, &added);
	if (rc == 0)
		rc = audit_append(db, actor, "upstream.void", id, detail, now);
out:
	json_decref(payload);
	json_decref(detail);
	json_decref(p.record);
	return db_end(db, rc);
}

int upstream_admin_accept_conflict(sqlite3 *db, const char *id, const char *actor, int64_t now)
{
	struct parked p = {0};
	json_t *detail = NULL;
	int rc, changed;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = load_parked(db, id, &p);
	if (rc < 0)
		goto out;
	if (strcmp(p.result, "conflict") != 0) {
		rc = -EINVAL;
		goto out;
	}
	rc = set_state(db, id, "parked", "accepted-conflict", now, &changed);
	detail = json_pack("{s:s}", "code", p.code);
	if (rc == 0)
		rc = audit_append(db, actor, "upstream.accept-conflict", id, detail, now);
out:
	json_decref(detail);
	json_decref(p.record);
	return db_end(db, rc);
}
