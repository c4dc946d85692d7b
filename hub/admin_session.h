/* SPDX-License-Identifier: MIT */
/*
 * People's sessions on the hub's admin port (docs/security.md, "Sessions"):
 * a session id of 256 random bits in a cookie, kept in hub.db only as its
 * SHA-256; a CSRF token per session; idle and absolute timeouts checked
 * against the hub's clock on every request; and admin_require, the one call
 * every admin route makes before it does anything. Runs on the loop.
 *
 * A note on CSRF. The cookie is SameSite=Strict, which already keeps other
 * sites' pages from sending it; as a second, independent guard every
 * state-changing request (any method but GET and HEAD) must carry the
 * session's token in X-CSRF-Token, which only the hub's own page can read,
 * and an Origin that is the hub's own: https://HOST:PORT where PORT is the
 * admin port and HOST is [hub] advertise, [hub] listen (unless it is a
 * wildcard address), or the Host header the request came with. The last is
 * safe to trust because the connection is TLS with the store's certificate:
 * a page on another name could not have reached this hub over HTTPS.
 */
#ifndef TILLNET_ADMIN_SESSION_H
#define TILLNET_ADMIN_SESSION_H

#include <stdint.h>

#include "admin_account.h"
#include "enroll.h"
#include "http_mhd.h"

#define ADMIN_SESSION_COOKIE  "tillnet_session"
#define ADMIN_SESSION_IDLE_MS (30 * 60 * 1000)
#define ADMIN_SESSION_MAX_MS  (12 * 60 * 60 * 1000)
/* last_seen_at is written at most this often, not on every request. */
#define ADMIN_SESSION_TOUCH_MS (60 * 1000)
/* A session id or CSRF token: 32 random bytes in base64url, no padding. */
#define ADMIN_TOKEN_LEN 43

/* The signed-in person behind a request. */
struct admin_who {
	struct admin_account account;
	char csrf[ADMIN_TOKEN_LEN + 1];
	uint8_t id_hash[32];
	int64_t created_at;
};

/* admin_token_new: 32 random bytes as base64url text. 0 or -EIO. */
int admin_token_new(char out[ADMIN_TOKEN_LEN + 1]);

/*
 * admin_session_id_hash: the SHA-256 under which a session id is stored.
 * 0 or -EIO.
 */
int admin_session_id_hash(const char *id, uint8_t out[32]);

/*
 * admin_session_cookie_id: the session id from the request's Cookie header
 * into `out`; -ENOENT if there is none or it is not of our form.
 */
int admin_session_cookie_id(const struct http_request *req, char out[ADMIN_TOKEN_LEN + 1]);

/*
 * admin_session_create: a new session for `account_id` from `address`:
 * fills the id (for the cookie only) and the CSRF token. Call inside the
 * caller's transaction. 0 or -EIO.
 */
int admin_session_create(sqlite3 *db, const char *account_id, const char *address, int64_t now,
			 char id[ADMIN_TOKEN_LEN + 1], char csrf[ADMIN_TOKEN_LEN + 1]);

/* admin_session_delete: delete the session with this id hash (none is fine). 0 or -EIO. */
int admin_session_delete(sqlite3 *db, const uint8_t id_hash[32]);

/* admin_session_delete_account: delete every session of an account. 0 or -EIO. */
int admin_session_delete_account(sqlite3 *db, const char *account_id);

/*
 * admin_session_set_cookie / admin_session_clear_cookie: the Set-Cookie
 * header that hands a session id to the browser, or tells it to forget it.
 */
int admin_session_set_cookie(struct http_response *res, const char *id);
int admin_session_clear_cookie(struct http_response *res);

/* admin_origin_ok: is the request's Origin the hub's own (rule above)? */
int admin_origin_ok(const struct enroll_ctx *ctx, const struct http_request *req);

/* Flags for admin_session_check. */
#define ADMIN_ALLOW_MUST_CHANGE 1 /* the session routes: whoami, logout, password */

/*
 * admin_session_check: the session of the request (401 not-signed-in or
 * session-expired), the CSRF token and Origin for a state-changing method
 * (403 csrf), and unless ADMIN_ALLOW_MUST_CHANGE, that the password need not
 * be changed first (403 password-change-required). 0 with `who` filled, or a
 * negative errno with `res` filled with the error.
 */
int admin_session_check(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res, int flags, struct admin_who *who);

/*
 * admin_require: admin_session_check, then that the account's role grants
 * `perm` (a name from common/perm.h; NULL for "any signed-in account"):
 * 403 forbidden otherwise. Every admin route starts with
 *
 *	if (admin_require(ctx, req, res, "catalog.edit", &who) < 0)
 *		return;
 */
int admin_require(struct enroll_ctx *ctx, const struct http_request *req, struct http_response *res,
		  const char *perm, struct admin_who *who);

#endif
