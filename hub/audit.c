// SPDX-License-Identifier: MIT
/* The hub's audit log (see audit.h). */
#include "audit.h"
#include "db.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int audit_append(sqlite3 *db, const char *actor, const char *action, const char *subject,
		 json_t *detail, int64_t at)
{
	sqlite3_stmt *st = NULL;
	char *text;
	int rc;

	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (detail && !text)
		return -ENOMEM;
	rc = db_prepare(db,
			"INSERT INTO audit(at, actor, action, subject, detail) "
			"VALUES (?, ?, ?, ?, coalesce(?, '{}'))",
			&st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, at);
		sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, subject ? subject : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "append to the audit log");
	}
	sqlite3_finalize(st);
	free(text);
	return rc;
}

void audit_cli_actor(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw && pw->pw_name && pw->pw_name[0])
		snprintf(buf, len, "cli:%s", pw->pw_name);
	else
		snprintf(buf, len, "cli:uid %ld", (long)geteuid());
}

int audit_list(sqlite3 *db, int64_t after_seq, int limit, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list;
	int rc;

	*out = NULL;
	rc = db_prepare(db,
			"SELECT seq, at, actor, action, subject, detail FROM audit "
			"WHERE seq > ? ORDER BY seq LIMIT ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, after_seq);
	sqlite3_bind_int(st, 2, limit);
	list = json_array();
	while (list && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *detail = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);

		json_array_append_new(list,
				      json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "seq",
						(json_int_t)sqlite3_column_int64(st, 0), "at",
						(json_int_t)sqlite3_column_int64(st, 1), "actor",
						(const char *)sqlite3_column_text(st, 2), "action",
						(const char *)sqlite3_column_text(st, 3), "subject",
						(const char *)sqlite3_column_text(st, 4), "detail",
						detail ? detail : json_object()));
	}
	rc = list ? db_check(db, rc, "read the audit log") : -ENOMEM;
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}
