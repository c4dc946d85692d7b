// SPDX-License-Identifier: MIT
/* Re-checking each op's actor and approver on arrival (see staff_check.h). */
#include "staff_check.h"
#include "audit.h"
#include "db.h"
#include "staff_rules.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int store_has_staff(sqlite3 *db, int *has)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_stmt(db, "SELECT 1 FROM staff WHERE active = 1 LIMIT 1", &st);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	rc = db_check(db, rc, "look for staff");
	db_done(st);
	return rc;
}

/*
 * Does staff member `id` cover `needs` as of device time `at`? The version
 * of their role, its patterns and its discount ceiling in force then: the
 * latest at or before `at`, or, when the device's clock says the op came
 * before the staff member existed (clocks lie), the first one. *known is 0
 * when there is no such (active) staff member; *missing names what their
 * role lacked.
 */
static int held_at(sqlite3 *db, const char *id, const struct staff_needs *needs, int64_t at,
		   int *known, int *granted, const char **missing)
{
	sqlite3_stmt *st = NULL;
	json_t *patterns = NULL;
	int rc;

	*known = *granted = 0;
	*missing = needs->n ? needs->perm[0] : "discount ceiling";
	rc = db_stmt(db,
		     "SELECT s.active, r.permissions, coalesce(r.discount_ceiling, (SELECT "
		     "discount_ceiling FROM roles WHERE name = s.role), 0) FROM staff_log s "
		     "LEFT JOIN role_log r ON r.rowid = (SELECT r2.rowid FROM role_log r2 WHERE "
		     "r2.name = s.role ORDER BY r2.at <= ?2 DESC, CASE WHEN r2.at <= ?2 THEN "
		     "-r2.at ELSE r2.at END LIMIT 1) WHERE s.staff_id = ?1 ORDER BY s.at <= ?2 "
		     "DESC, CASE WHEN s.at <= ?2 THEN -s.at ELSE s.at END LIMIT 1",
		     &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, at);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*known = sqlite3_column_int(st, 0) == 1;
		if (*known && sqlite3_column_text(st, 1)) {
			patterns = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
			*granted =
			    staff_allows(patterns, sqlite3_column_int64(st, 2), needs, missing);
			json_decref(patterns);
		}
		rc = SQLITE_DONE;
	}
	rc = db_check(db, rc, "read a staff member's role");
	db_done(st);
	return rc;
}

static int flag(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		const char *code, const char *perm, const char *message, int64_t now)
{
	sqlite3_stmt *st = NULL;
	json_t *detail;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO flags(op_id, terminal_id, entity_id, code, permission, actor, "
			"approver, message, seq, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, op->op_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, op->entity_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, code, -1, SQLITE_STATIC);
	if (perm)
		sqlite3_bind_text(st, 5, perm, -1, SQLITE_STATIC);
	if (op->actor[0])
		sqlite3_bind_text(st, 6, op->actor, -1, SQLITE_STATIC);
	if (op->approver[0])
		sqlite3_bind_text(st, 7, op->approver, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, message, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, seq);
	sqlite3_bind_int64(st, 10, now);
	rc = db_check(db, sqlite3_step(st), "flag an op");
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	detail = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:I}", "code", code, "terminal",
			   terminal_id, "kind", op->kind, "entityId", op->entity_id, "permission",
			   perm, "actor", op->actor[0] ? op->actor : NULL, "approver",
			   op->approver[0] ? op->approver : NULL, "seq", (json_int_t)seq);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, "op.flagged", op->op_id, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

int staff_check_op(sqlite3 *db, const char *terminal_id, const struct proto_op *op, int64_t seq,
		   int64_t now)
{
	struct staff_needs needs;
	const char *perm, *missing = NULL, *amissing = NULL;
	char message[256];
	int rc, has = 0, known = 0, granted = 0, aknown = 0, agranted = 0;
	json_t *detail;

	staff_op_needs(op->kind, op->payload, &needs);
	perm = needs.n ? needs.perm[0] : NULL;
	if (!op->actor[0]) {
		rc = store_has_staff(db, &has);
		if (rc < 0 || !has)
			return rc;
		return flag(db, terminal_id, op, seq, STAFF_FLAG_NO_ACTOR, perm,
			    "the op names no staff member, but the store has staff who sign in",
			    now);
	}
	rc = held_at(db, op->actor, &needs, op->at, &known, &granted, &missing);
	if (rc < 0)
		return rc;
	if (!known) {
		snprintf(message, sizeof(message),
			 "actor %s is not an active staff member of this store", op->actor);
		return flag(db, terminal_id, op, seq, STAFF_FLAG_UNKNOWN_ACTOR, perm, message, now);
	}
	if ((needs.n == 0 && needs.discount_bp == 0) || (granted && !needs.stepup))
		return 0;
	if (op->approver[0]) {
		rc = held_at(db, op->approver, &needs, op->at, &aknown, &agranted, &amissing);
		if (rc < 0)
			return rc;
	}
	/* A reversal needs a manager's PIN at the till even from a manager (docs/pos.md). */
	perm = granted ? needs.perm[0] : missing;
	if (!agranted && granted) {
		snprintf(message, sizeof(message),
			 "%s reverses a sale: it needs a manager's PIN at the till every time "
			 "(%s%s)",
			 op->kind, op->approver[0] ? "the approver lacked " : "no approver",
			 op->approver[0] ? perm : "");
		return flag(db, terminal_id, op, seq, STAFF_FLAG_NEEDS_MANAGER, perm, message, now);
	}
	if (!agranted) {
		if (strcmp(missing, "discount ceiling") == 0)
			snprintf(message, sizeof(message),
				 "%s gives a discount of %lld.%02lld %%: over the discount ceiling "
				 "of the actor's role%s",
				 op->kind, (long long)(needs.discount_bp / 100),
				 (long long)(needs.discount_bp % 100),
				 op->approver[0] ? " and of the approver's" : " (no approver)");
		else
			snprintf(message, sizeof(message),
				 "%s needs %s: neither the actor%s held it", op->kind, missing,
				 op->approver[0] ? " nor the approver" : " (no approver)");
		return flag(db, terminal_id, op, seq, STAFF_FLAG_NEEDS_MANAGER, missing, message,
			    now);
	}
	/* A manager stepped up offline: the audit log learns of it now. */
	detail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "terminal", terminal_id, "kind",
			   op->kind, "entityId", op->entity_id, "permission", perm, "actor",
			   op->actor, "seq", (json_int_t)seq);
	rc = detail ? audit_append(db, op->approver, "op.approved", op->op_id, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

int staff_flags_json(sqlite3 *db, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc;

	*out = NULL;
	if (!arr)
		return -ENOMEM;
	rc = db_prepare(
	    db,
	    "SELECT id, op_id, terminal_id, entity_id, code, permission, actor, approver, "
	    "message, seq, at FROM flags WHERE resolved_at IS NULL ORDER BY id",
	    &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_pack(
		    "{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:I, s:I}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "opId", sqlite3_column_text(st, 1),
		    "terminalId", sqlite3_column_text(st, 2), "entityId",
		    sqlite3_column_text(st, 3), "code", sqlite3_column_text(st, 4), "permission",
		    sqlite3_column_text(st, 5), "actor", sqlite3_column_text(st, 6), "approver",
		    sqlite3_column_text(st, 7), "message", sqlite3_column_text(st, 8), "seq",
		    (json_int_t)sqlite3_column_int64(st, 9), "at",
		    (json_int_t)sqlite3_column_int64(st, 10));

		rc = o && json_array_append_new(arr, o) == 0 ? 0 : -ENOMEM;
	}
	if (rc > 0)
		rc = db_check(db, rc, "read flags");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
