// SPDX-License-Identifier: MIT
/* Sign in, who am I, sign out, change password (see admin_login.h). */
#include "admin_login.h"
#include "admin_session.h"
#include "admin_throttle.h"
#include "audit.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

/* The actor of a sign-in that failed: nobody is known yet. */
#define ACTOR_ANONYMOUS "anonymous"

/*
 * An argon2id hash of 32 random bytes nobody kept: a user name that does not
 * exist is checked against it, so that it costs the same time as a wrong
 * password and the answer's timing does not tell them apart.
 */
static const char dummy_phc[] = "$argon2id$v=19$m=19456,t=2,p=1$R4DtWlmYqIH4yUJWhTJ73Q$"
				"2a1VK5av/QCnhEz30AQY9vEaRx/8YqzdjSkQlGSbKZ0";

static const char login_failed_message[] = "wrong user name or password";

/* A required string member of at most `max` bytes, else a 400 naming it. */
static const char *body_text(json_t *body, const char *field, size_t max, struct http_response *res)
{
	json_t *v = json_object_get(body, field);

	if (!v || !json_is_string(v)) {
		http_respond_error(res, 400, "bad-field", field, "%s: %s", field,
				   v ? "expected a string" : "missing");
		return NULL;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_respond_error(res, 400, "bad-field", field,
				   "%s: expected 1 to %zu bytes and no NUL", field, max);
		return NULL;
	}
	return json_string_value(v);
}

static json_t *body_object(const struct http_request *req, struct http_response *res,
			   const char *what)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);

	if (!body || !json_is_object(body)) {
		http_respond_error(res, 400, "bad-json", NULL,
				   "request body: expected a JSON object with %s (%s)", what,
				   body ? "got another JSON value" : jerr.text);
		json_decref(body);
		return NULL;
	}
	return body;
}

/* {"account", "csrfToken", "mustChangePassword"}: the answer of every session route. */
static void session_answer(struct enroll_ctx *ctx, const struct admin_account *a, const char *csrf,
			   struct http_response *res)
{
	json_t *account = admin_account_json(ctx->db, a);
	json_t *ok;

	if (!account) {
		http_respond_error(res, 500, "internal", NULL, "the hub could not read its roles");
		return;
	}
	ok = json_pack("{s:o, s:s, s:b}", "account", account, "csrfToken", csrf,
		       "mustChangePassword", a->must_change_password);
	http_respond_json(res, 200, ok ? json_dumps(ok, JSON_COMPACT) : NULL);
	json_decref(ok);
}

static void too_many(struct http_response *res, int64_t wait_ms)
{
	int64_t seconds = (wait_ms + 999) / 1000;

	http_respond_error(res, 429, "too-many-attempts", NULL,
			   "too many failed sign-ins; try again in %lld s", (long long)seconds);
	http_response_header(res, "Retry-After", "%lld", (long long)seconds);
}

/* The longer wait of the account's and the address's locks (0: none); -EIO. */
static int throttle_wait(sqlite3 *db, const char *key, const char *address, int64_t now,
			 int64_t *wait_ms)
{
	int64_t by_account = 0, by_address = 0;
	int rc;

	rc = admin_throttle_wait(db, ADMIN_THROTTLE_ACCOUNT, key, now, &by_account);
	if (rc == 0)
		rc = admin_throttle_wait(db, ADMIN_THROTTLE_ADDRESS, address, now, &by_address);
	*wait_ms = by_account > by_address ? by_account : by_address;
	return rc;
}

/* Count one failure for `kind`/`key`; audit the lock it starts, if any. */
static int count_failure(sqlite3 *db, const char *kind, const char *key, const char *address,
			 int64_t now)
{
	int64_t failures, locked_ms;
	json_t *detail;
	int rc;

	rc = admin_throttle_fail(db, kind, key, now, &failures, &locked_ms);
	if (rc < 0 || locked_ms == 0)
		return rc;
	log_warn("admin: %lld failed sign-ins in a row for %s %s; refusing it for %lld s",
		 (long long)failures, kind, key, (long long)(locked_ms / 1000));
	detail =
	    json_pack("{s:s, s:s, s:I, s:I, s:s}", "kind", kind, "key", key, "failures",
		      (json_int_t)failures, "lockedMs", (json_int_t)locked_ms, "address", address);
	rc = detail ? audit_append(db, AUDIT_ACTOR_HUB, "session.login.throttled", key, detail, now)
		    : -ENOMEM;
	json_decref(detail);
	return rc;
}

/*
 * A failed sign-in: count it for the name tried and the address, audit it
 * with the reason (for the owner's eyes; the answer is the same for all).
 */
static int record_failure(sqlite3 *db, const char *username, const char *key, const char *address,
			  const char *reason, int64_t now)
{
	json_t *detail;
	int rc;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = count_failure(db, ADMIN_THROTTLE_ACCOUNT, key, address, now);
	if (rc == 0)
		rc = count_failure(db, ADMIN_THROTTLE_ADDRESS, address, address, now);
	detail = json_pack("{s:s, s:s, s:s}", "username", username, "address", address, "reason",
			   reason);
	if (rc == 0)
		rc = detail ? audit_append(db, ACTOR_ANONYMOUS, "session.login.failed", "", detail,
					   now)
			    : -ENOMEM;
	json_decref(detail);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0)
		db_exec(db, "ROLLBACK");
	return rc;
}

/* Audit `action` by the account itself, with its name and the address. */
static int audit_account(sqlite3 *db, const struct admin_account *a, const char *action,
			 const char *address, int64_t now)
{
	json_t *detail = json_pack("{s:s, s:s}", "username", a->username, "address", address);
	int rc = detail ? audit_append(db, a->id, action, a->id, detail, now) : -ENOMEM;

	json_decref(detail);
	return rc;
}

/*
 * A new session for `a` in one transaction with what goes with it: the
 * session the browser came with is destroyed (a new id on every sign-in),
 * the account's failures are forgotten, the sign-in is audited.
 */
static int start_session(struct enroll_ctx *ctx, const struct http_request *req,
			 const struct admin_account *a, const char *key, int64_t now,
			 char id[ADMIN_TOKEN_LEN + 1], char csrf[ADMIN_TOKEN_LEN + 1])
{
	char old_id[ADMIN_TOKEN_LEN + 1];
	uint8_t old_hash[32];
	int rc;

	rc = db_exec(ctx->db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	if (admin_session_cookie_id(req, old_id) == 0) {
		rc = admin_session_id_hash(old_id, old_hash);
		if (rc == 0)
			rc = admin_session_delete(ctx->db, old_hash);
	}
	if (rc == 0)
		rc = admin_throttle_reset(ctx->db, ADMIN_THROTTLE_ACCOUNT, key);
	if (rc == 0)
		rc = admin_session_create(ctx->db, a->id, req->peer, now, id, csrf);
	if (rc == 0)
		rc = audit_account(ctx->db, a, "session.login", req->peer, now);
	if (rc == 0)
		rc = db_exec(ctx->db, "COMMIT");
	if (rc < 0)
		db_exec(ctx->db, "ROLLBACK");
	return rc;
}

static void login(struct enroll_ctx *ctx, const struct http_request *req, struct http_response *res)
{
	char key[65], id[ADMIN_TOKEN_LEN + 1], csrf[ADMIN_TOKEN_LEN + 1];
	const char *username, *password, *reason = NULL;
	struct admin_account a;
	int64_t now = db_now_ms(), wait_ms;
	json_t *body;
	int rc;

	/* Login CSRF: another site must not sign a browser in to its account. */
	if (!admin_origin_ok(ctx, req)) {
		http_respond_error(res, 403, "csrf", NULL,
				   "POST /api/v1/session: the Origin header is missing or is not "
				   "this hub's own address");
		return;
	}
	body = body_object(req, res, "username and password");
	if (!body)
		return;
	username = body_text(body, "username", 64, res);
	password = username ? body_text(body, "password", PASSWD_MAX_LEN, res) : NULL;
	if (!password)
		goto out;
	admin_throttle_key(username, key);
	if (throttle_wait(ctx->db, key, req->peer, now, &wait_ms) < 0)
		goto internal;
	if (wait_ms > 0) {
		too_many(res, wait_ms);
		goto out;
	}
	rc = admin_account_find(ctx->db, username, &a);
	if (rc == -ENOENT) {
		passwd_verify(dummy_phc, password, strlen(password));
		reason = "unknown-user";
	} else if (rc < 0) {
		goto internal;
	} else {
		rc = passwd_verify(a.password, password, strlen(password));
		if (rc == -EACCES)
			reason = "wrong-password";
		else if (rc < 0)
			goto internal;
		else if (a.disabled)
			reason = "disabled";
	}
	if (reason) {
		log_info("admin: failed sign-in as \"%s\" from %s (%s)", username, req->peer,
			 reason);
		if (record_failure(ctx->db, username, key, req->peer, reason, now) < 0)
			goto internal;
		http_respond_error(res, 401, "login-failed", NULL, "%s", login_failed_message);
		goto out;
	}
	if (start_session(ctx, req, &a, key, now, id, csrf) < 0)
		goto internal;
	log_info("admin: %s signed in from %s", a.username, req->peer);
	session_answer(ctx, &a, csrf, res);
	if (res->status == 200)
		admin_session_set_cookie(res, id);
	goto out;
internal:
	http_respond_error(res, 500, "internal", NULL, "the hub could not read its database");
out:
	json_decref(body);
}

static void logout(struct enroll_ctx *ctx, const struct http_request *req,
		   struct http_response *res)
{
	struct admin_who who;
	int64_t now = db_now_ms();
	int rc;

	if (admin_session_check(ctx, req, res, ADMIN_ALLOW_MUST_CHANGE, &who) < 0)
		return;
	rc = db_exec(ctx->db, "BEGIN IMMEDIATE");
	if (rc == 0)
		rc = admin_session_delete(ctx->db, who.id_hash);
	if (rc == 0)
		rc = audit_account(ctx->db, &who.account, "session.logout", req->peer, now);
	if (rc == 0)
		rc = db_exec(ctx->db, "COMMIT");
	if (rc < 0) {
		db_exec(ctx->db, "ROLLBACK");
		http_respond_error(res, 500, "internal", NULL, "the hub could not end the session");
		return;
	}
	log_info("admin: %s signed out", who.account.username);
	http_respond_empty(res, 204);
	admin_session_clear_cookie(res);
}

void admin_login_session(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res)
{
	struct admin_who who;

	if (strcmp(req->method, "POST") == 0) {
		login(ctx, req, res);
	} else if (strcmp(req->method, "DELETE") == 0) {
		logout(ctx, req, res);
	} else if (strcmp(req->method, "GET") == 0) {
		if (admin_session_check(ctx, req, res, ADMIN_ALLOW_MUST_CHANGE, &who) == 0)
			session_answer(ctx, &who.account, who.csrf, res);
	} else {
		http_respond_error(res, 405, "method-not-allowed", NULL,
				   "%s /api/v1/session: use POST to sign in, GET to see who is "
				   "signed in, DELETE to sign out",
				   req->method);
	}
}

/* The new password in one transaction: every session of the account ends, one starts. */
static int replace_password(struct enroll_ctx *ctx, const struct http_request *req,
			    struct admin_who *who, const char *phc, int64_t now,
			    char id[ADMIN_TOKEN_LEN + 1], char csrf[ADMIN_TOKEN_LEN + 1])
{
	char key[65];
	int rc;

	admin_throttle_key(who->account.username, key);
	rc = db_exec(ctx->db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = admin_account_set_password(ctx->db, who->account.id, phc, now);
	if (rc == 0)
		rc = admin_session_delete_account(ctx->db, who->account.id);
	if (rc == 0)
		rc = admin_session_create(ctx->db, who->account.id, req->peer, now, id, csrf);
	if (rc == 0)
		rc = admin_throttle_reset(ctx->db, ADMIN_THROTTLE_ACCOUNT, key);
	if (rc == 0)
		rc = audit_account(ctx->db, &who->account, "session.password.changed", req->peer,
				   now);
	if (rc == 0)
		rc = db_exec(ctx->db, "COMMIT");
	if (rc < 0)
		db_exec(ctx->db, "ROLLBACK");
	return rc;
}

void admin_login_password(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res)
{
	char key[65], phc[PASSWD_PHC_MAX], id[ADMIN_TOKEN_LEN + 1], csrf[ADMIN_TOKEN_LEN + 1];
	const char *current, *next;
	struct admin_who who;
	int64_t now = db_now_ms(), wait_ms;
	json_t *body;
	int rc;

	if (strcmp(req->method, "POST") != 0) {
		http_respond_error(res, 405, "method-not-allowed", NULL,
				   "%s /api/v1/session/password: use POST", req->method);
		return;
	}
	if (admin_session_check(ctx, req, res, ADMIN_ALLOW_MUST_CHANGE, &who) < 0)
		return;
	body = body_object(req, res, "currentPassword and newPassword");
	if (!body)
		return;
	current = body_text(body, "currentPassword", PASSWD_MAX_LEN, res);
	next = current ? body_text(body, "newPassword", PASSWD_MAX_LEN, res) : NULL;
	if (!next)
		goto out;
	if (passwd_acceptable(next, strlen(next)) < 0) {
		http_respond_error(res, 400, "bad-field", "newPassword",
				   "newPassword: expected at least %d characters", PASSWD_MIN_LEN);
		goto out;
	}
	if (strcmp(next, current) == 0 || strcasecmp(next, who.account.username) == 0) {
		http_respond_error(res, 400, "bad-field", "newPassword",
				   "newPassword: must differ from the current password and the "
				   "user name");
		goto out;
	}
	/* A wrong current password counts like a failed sign-in: a stolen session cannot guess. */
	admin_throttle_key(who.account.username, key);
	if (throttle_wait(ctx->db, key, req->peer, now, &wait_ms) < 0)
		goto internal;
	if (wait_ms > 0) {
		too_many(res, wait_ms);
		goto out;
	}
	rc = passwd_verify(who.account.password, current, strlen(current));
	if (rc == -EACCES) {
		if (record_failure(ctx->db, who.account.username, key, req->peer,
				   "wrong-current-password", now) < 0)
			goto internal;
		http_respond_error(res, 403, "wrong-password", "currentPassword",
				   "currentPassword: this is not your current password");
		goto out;
	}
	if (rc < 0 || passwd_hash(next, strlen(next), phc) < 0 ||
	    replace_password(ctx, req, &who, phc, now, id, csrf) < 0)
		goto internal;
	log_info("admin: %s changed their password", who.account.username);
	who.account.must_change_password = 0;
	session_answer(ctx, &who.account, csrf, res);
	if (res->status == 200)
		admin_session_set_cookie(res, id);
	goto out;
internal:
	http_respond_error(res, 500, "internal", NULL, "the hub could not change the password");
out:
	json_decref(body);
}
