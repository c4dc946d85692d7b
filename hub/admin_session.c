// SPDX-License-Identifier: MIT
/* Sessions, CSRF and the permission gate of the admin routes (see admin_session.h). */
#include "admin_session.h"
#include "db.h"
#include "log.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int admin_token_new(char out[ADMIN_TOKEN_LEN + 1])
{
	uint8_t raw[33] = {0}; /* 32 random bytes and a zero to make 11 groups of 3 */
	size_t o = 0;

	if (random_bytes(raw, 32) < 0)
		return -EIO;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	/* 44 characters were written; the last stands only for the zero pad. */
	out[ADMIN_TOKEN_LEN] = '\0';
	memset(raw, 0, sizeof(raw));
	return 0;
}

int admin_session_id_hash(const char *id, uint8_t out[32])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, id, strlen(id), out) < 0)
		return -EIO;
	return 0;
}

static int token_form_ok(const char *s, size_t len)
{
	if (len != ADMIN_TOKEN_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!memchr(b64url, s[i], sizeof(b64url) - 1))
			return 0;
	return 1;
}

int admin_session_cookie_id(const struct http_request *req, char out[ADMIN_TOKEN_LEN + 1])
{
	static const char name[] = ADMIN_SESSION_COOKIE "=";
	const char *h = http_request_header(req, "Cookie");
	const char *p = h;

	out[0] = '\0';
	/* Cookies are "a=1; b=2": the name is at the start or after "; ". */
	while (p && *p) {
		size_t len;

		while (*p == ' ' || *p == ';')
			p++;
		len = strcspn(p, ";");
		if (strncmp(p, name, sizeof(name) - 1) == 0) {
			const char *v = p + sizeof(name) - 1;
			size_t vlen = len - (sizeof(name) - 1);

			while (vlen > 0 && v[vlen - 1] == ' ')
				vlen--;
			if (!token_form_ok(v, vlen))
				return -ENOENT;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += len;
	}
	return -ENOENT;
}

int admin_session_create(sqlite3 *db, const char *account_id, const char *address, int64_t now,
			 char id[ADMIN_TOKEN_LEN + 1], char csrf[ADMIN_TOKEN_LEN + 1])
{
	uint8_t hash[32];
	sqlite3_stmt *st = NULL;
	int rc;

	rc = admin_token_new(id);
	if (rc == 0)
		rc = admin_token_new(csrf);
	if (rc == 0)
		rc = admin_session_id_hash(id, hash);
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"INSERT INTO sessions(id_hash, account_id, csrf_token, created_at, "
			"last_seen_at, address) VALUES (?, ?, ?, ?, ?4, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, address, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "create a session");
	sqlite3_finalize(st);
	return rc;
}

static int session_delete_where(sqlite3 *db, const char *sql, const void *key, int key_len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, sql, &st);
	if (rc < 0)
		return rc;
	if (key_len >= 0)
		sqlite3_bind_blob(st, 1, key, key_len, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "delete sessions");
	sqlite3_finalize(st);
	return rc;
}

int admin_session_delete(sqlite3 *db, const uint8_t id_hash[32])
{
	return session_delete_where(db, "DELETE FROM sessions WHERE id_hash = ?", id_hash, 32);
}

int admin_session_delete_account(sqlite3 *db, const char *account_id)
{
	return session_delete_where(db, "DELETE FROM sessions WHERE account_id = ?", account_id,
				    -1);
}

/*
 * Host-only (no Domain), sent over HTTPS only, out of reach of scripts, not
 * on requests that other sites start. No Max-Age: it ends with the browser
 * session, and the hub ends it sooner (idle and absolute timeouts).
 */
#define COOKIE_FLAGS "; Secure; HttpOnly; SameSite=Strict; Path=/"

int admin_session_set_cookie(struct http_response *res, const char *id)
{
	return http_response_header(res, "Set-Cookie", ADMIN_SESSION_COOKIE "=%s" COOKIE_FLAGS, id);
}

int admin_session_clear_cookie(struct http_response *res)
{
	return http_response_header(res, "Set-Cookie",
				    ADMIN_SESSION_COOKIE "=" COOKIE_FLAGS "; Max-Age=0");
}

/* Is origin "https://HOST:PORT" (":PORT" left out for 443, IPv6 in brackets)? */
static int origin_is(const char *origin, const char *host, uint16_t port)
{
	int v6 = strchr(host, ':') != NULL;
	char want[300], portpart[8] = "";
	int n;

	if (!host[0])
		return 0;
	if (port != 443)
		snprintf(portpart, sizeof(portpart), ":%u", port);
	n = snprintf(want, sizeof(want), "https://%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "",
		     portpart);
	return n > 0 && (size_t)n < sizeof(want) && strcasecmp(origin, want) == 0;
}

/* Is the Host header "NAME:PORT" (or "[V6]:PORT") with our port, in plain characters? */
static int host_header_ok(const char *host, uint16_t port)
{
	const char *colon = strrchr(host, ':');
	char portpart[8];

	if (!host[0] || strlen(host) > 260 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
		strlen(host))
		return 0;
	if (port == 443 && (!colon || strchr(colon, ']')))
		return 1;
	snprintf(portpart, sizeof(portpart), ":%u", port);
	return colon && strcmp(colon, portpart) == 0 && colon > host;
}

int admin_origin_ok(const struct enroll_ctx *ctx, const struct http_request *req)
{
	const char *origin = http_request_header(req, "Origin");
	const char *host = http_request_header(req, "Host");
	char want[300];

	if (!origin)
		return 0;
	if (ctx->advertise && origin_is(origin, ctx->advertise, ctx->admin_port))
		return 1;
	/* A wildcard listen address is no address a browser can be at. */
	if (ctx->listen && strcmp(ctx->listen, "0.0.0.0") != 0 && strcmp(ctx->listen, "::") != 0 &&
	    origin_is(origin, ctx->listen, ctx->admin_port))
		return 1;
	if (host && host_header_ok(host, ctx->admin_port)) {
		snprintf(want, sizeof(want), "https://%s", host);
		return strcasecmp(origin, want) == 0;
	}
	return 0;
}

/* Compare without leaking where the first difference is. */
static int equal_ct(const char *a, const char *b, size_t len)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return diff == 0;
}

static int method_changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static void refuse_session(struct http_response *res, const char *code, const char *message)
{
	http_respond_error(res, 401, code, NULL, "%s", message);
	admin_session_clear_cookie(res);
}

/* The session row for `hash`: -ENOENT, or 0 with the account id and times. */
static int session_read(sqlite3 *db, const uint8_t hash[32], struct admin_who *who,
			int64_t *last_seen)
{
	sqlite3_stmt *st = NULL;
	char account_id[UUID_TEXT_LEN];
	int rc;

	rc = db_prepare(db,
			"SELECT account_id, csrf_token, created_at, last_seen_at FROM sessions "
			"WHERE id_hash = ?",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(account_id, sizeof(account_id), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		snprintf(who->csrf, sizeof(who->csrf), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		who->created_at = sqlite3_column_int64(st, 2);
		*last_seen = sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_check(db, rc, "read a session");
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = admin_account_get(db, account_id, &who->account);
	return rc;
}

static int session_touch(sqlite3 *db, const uint8_t hash[32], int64_t now)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "note a session's activity");
	sqlite3_finalize(st);
	return rc;
}

int admin_session_check(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res, int flags, struct admin_who *who)
{
	char id[ADMIN_TOKEN_LEN + 1];
	const char *token;
	int64_t now = db_now_ms(), last_seen = 0;
	int rc;

	memset(who, 0, sizeof(*who));
	if (admin_session_cookie_id(req, id) < 0) {
		http_respond_error(res, 401, "not-signed-in", NULL,
				   "sign in first (POST /api/v1/session)");
		return -EACCES;
	}
	rc = admin_session_id_hash(id, who->id_hash);
	if (rc == 0)
		rc = session_read(ctx->db, who->id_hash, who, &last_seen);
	if (rc == -ENOENT) {
		refuse_session(res, "not-signed-in", "sign in first (POST /api/v1/session)");
		return -EACCES;
	}
	if (rc < 0)
		goto internal;
	if (now - last_seen > ADMIN_SESSION_IDLE_MS ||
	    now - who->created_at > ADMIN_SESSION_MAX_MS || who->account.disabled) {
		if (admin_session_delete(ctx->db, who->id_hash) < 0)
			goto internal;
		log_info("admin: session of %s ended (%s)", who->account.username,
			 who->account.disabled ? "account disabled" : "timed out");
		refuse_session(res, "session-expired",
			       who->account.disabled
				   ? "your session has ended: this account is disabled"
				   : "your session has ended (after 30 minutes without activity "
				     "or 12 hours in all); sign in again");
		return -EACCES;
	}
	if (method_changes_state(req->method)) {
		token = http_request_header(req, "X-CSRF-Token");
		if (!token || strlen(token) != ADMIN_TOKEN_LEN ||
		    !equal_ct(token, who->csrf, ADMIN_TOKEN_LEN)) {
			http_respond_error(res, 403, "csrf", NULL,
					   "%s %s: the X-CSRF-Token header is missing or is not "
					   "this session's token",
					   req->method, req->url);
			return -EPERM;
		}
		if (!admin_origin_ok(ctx, req)) {
			http_respond_error(res, 403, "csrf", NULL,
					   "%s %s: the Origin header is missing or is not this "
					   "hub's own address",
					   req->method, req->url);
			return -EPERM;
		}
	}
	if (now - last_seen >= ADMIN_SESSION_TOUCH_MS &&
	    session_touch(ctx->db, who->id_hash, now) < 0)
		goto internal;
	if (who->account.must_change_password && !(flags & ADMIN_ALLOW_MUST_CHANGE)) {
		http_respond_error(res, 403, "password-change-required", NULL,
				   "change your password first (POST /api/v1/session/password)");
		return -EPERM;
	}
	return 0;
internal:
	http_respond_error(res, 500, "internal", NULL, "the hub could not read its database");
	return -EIO;
}

int admin_require(struct enroll_ctx *ctx, const struct http_request *req, struct http_response *res,
		  const char *perm, struct admin_who *who)
{
	int granted = 0, rc;

	rc = admin_session_check(ctx, req, res, 0, who);
	if (rc < 0 || !perm)
		return rc;
	if (!perm_known(perm)) {
		/* A route asking for a permission no role can hold: a bug, not the user's. */
		log_error("admin: %s %s asks for unknown permission \"%s\"", req->method, req->url,
			  perm);
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not check permissions");
		return -EINVAL;
	}
	rc = admin_role_grants(ctx->db, who->account.role, perm, &granted);
	if (rc < 0) {
		http_respond_error(res, 500, "internal", NULL, "the hub could not read its roles");
		return rc;
	}
	if (!granted) {
		http_respond_error(res, 403, "forbidden", NULL,
				   "%s %s: the role \"%s\" does not allow %s", req->method,
				   req->url, who->account.role, perm);
		return -EPERM;
	}
	return 0;
}
