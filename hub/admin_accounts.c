// SPDX-License-Identifier: MIT
/* Admin accounts over the admin API (see admin_accounts.h). */
#include "admin_accounts.h"
#include "admin_account.h"
#include "admin_session.h"
#include "admin_util.h"
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ACCOUNTS_PATH "/api/v1/accounts"

/* The answer to a failed admin_account_* call; `why` starts with the field at fault. */
static void respond_error(struct http_response *res, int rc, const char *why)
{
	const char *field = NULL;

	if (strncmp(why, "username:", 9) == 0)
		field = "username";
	else if (strncmp(why, "role:", 5) == 0)
		field = "role";
	switch (rc) {
	case -EINVAL:
		http_respond_error(res, 400, "bad-field", field, "%s", why);
		break;
	case -EEXIST:
		http_respond_error(res, 409, "username-taken", "username", "%s", why);
		break;
	case -ENOENT:
		http_respond_error(res, 404, "not-found", NULL, "%s", why);
		break;
	case -EPERM:
		http_respond_error(res, 403, "escalation", field, "%s", why);
		break;
	case -ECANCELED:
		http_respond_error(res, 409, "last-owner", NULL, "%s", why);
		break;
	case -EBUSY:
		http_respond_error(res, 503, "busy", NULL, "the hub's database is busy; try again");
		break;
	default:
		admin_internal(res);
	}
}

/* The editor's own role patterns, for the no-escalation rule; NULL with a 500 sent. */
static json_t *held_by(struct enroll_ctx *ctx, const struct admin_who *who,
		       struct http_response *res)
{
	json_t *held = NULL;

	if (admin_role_patterns(ctx->db, who->account.role, &held) < 0)
		admin_internal(res);
	return held;
}

/* respond_account: `status` with {"account": ..., "oneTimePassword"?: ...}. */
static void respond_account(struct enroll_ctx *ctx, struct http_response *res, unsigned int status,
			    const char *username, const char *password)
{
	json_t *account = NULL, *body;

	if (admin_account_describe(ctx->db, username, &account) < 0) {
		admin_internal(res);
		return;
	}
	body = json_pack("{s:o}", "account", account);
	if (body && password &&
	    json_object_set_new(body, "oneTimePassword", json_string(password)) < 0) {
		json_decref(body);
		body = NULL;
	}
	admin_respond(res, status, body);
}

static void list_accounts(struct enroll_ctx *ctx, struct http_response *res)
{
	json_t *list;

	if (admin_account_list(ctx->db, &list) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200, json_pack("{s:o}", "accounts", list));
}

static void add_account(struct enroll_ctx *ctx, const struct admin_who *who,
			const struct http_request *req, struct http_response *res)
{
	char id[UUID_TEXT_LEN], password[PASSWD_GENERATED_LEN + 1], why[512] = "";
	const char *username, *role;
	json_t *body, *held = NULL;
	int rc;

	body = http_body_object(req, res, "username and role");
	if (!body)
		return;
	if (http_body_string(body, "username", 1, ADMIN_USERNAME_MAX, res, &username) < 0 ||
	    http_body_string(body, "role", 1, PERM_NAME_MAX, res, &role) < 0)
		goto out;
	held = held_by(ctx, who, res);
	if (!held)
		goto out;
	rc = admin_account_add(ctx->db, username, role, held, who->account.id, db_now_ms(), id,
			       password, why, sizeof(why));
	if (rc < 0)
		respond_error(res, rc, why);
	else
		respond_account(ctx, res, 201, username, password);
	explicit_bzero(password, sizeof(password));
out:
	json_decref(held);
	json_decref(body);
}

static void change_account(struct enroll_ctx *ctx, const struct admin_who *who,
			   const char *username, const struct http_request *req,
			   struct http_response *res)
{
	struct admin_account_change ch = {NULL, -1};
	json_t *body, *held = NULL, *role, *active;
	char why[512] = "";
	int rc;

	body = http_body_object(req, res, "role and/or active");
	if (!body)
		return;
	role = json_object_get(body, "role");
	active = json_object_get(body, "active");
	if (role && http_body_string(body, "role", 1, PERM_NAME_MAX, res, &ch.role) < 0)
		goto out;
	if (active && !json_is_boolean(active)) {
		http_respond_error(res, 400, "bad-field", "active",
				   "active: expected true (may sign in) or false (disabled)");
		goto out;
	}
	if (active)
		ch.active = json_is_true(active);
	held = held_by(ctx, who, res);
	if (!held)
		goto out;
	rc = admin_account_update(ctx->db, username, &ch, held, who->account.id, db_now_ms(), why,
				  sizeof(why));
	if (rc < 0)
		respond_error(res, rc, why);
	else
		respond_account(ctx, res, 200, username, NULL);
out:
	json_decref(held);
	json_decref(body);
}

static void reset_password(struct enroll_ctx *ctx, const struct admin_who *who,
			   const char *username, struct http_response *res)
{
	char password[PASSWD_GENERATED_LEN + 1], why[512] = "";
	json_t *held;
	int rc;

	held = held_by(ctx, who, res);
	if (!held)
		return;
	rc = admin_account_reset_password(ctx->db, username, held, who->account.id, db_now_ms(),
					  password, why, sizeof(why));
	if (rc < 0)
		respond_error(res, rc, why);
	else
		respond_account(ctx, res, 200, username, password);
	explicit_bzero(password, sizeof(password));
	json_decref(held);
}

int admin_accounts_route(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res)
{
	char username[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest, *path;
	int rc, reset;

	if (strcmp(req->url, ACCOUNTS_PATH) == 0) {
		int get = strcmp(req->method, "GET") == 0;

		if (!get && strcmp(req->method, "POST") != 0) {
			admin_wrong_method(req, res, ACCOUNTS_PATH, "GET or POST");
			return 1;
		}
		if (admin_require(ctx, req, res, "staff.manage", &who) < 0)
			return 1;
		if (get)
			list_accounts(ctx, res);
		else
			add_account(ctx, &who, req, res);
		return 1;
	}
	rc = http_path_segment(req->url, ACCOUNTS_PATH "/", username, &rest);
	if (rc == 0)
		return 0;
	reset = rc > 0 && strcmp(rest, "/password-reset") == 0;
	if (rc < 0 || (*rest && !reset)) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	path = reset ? ACCOUNTS_PATH "/{username}/password-reset" : ACCOUNTS_PATH "/{username}";
	if (strcmp(req->method, reset ? "POST" : "PATCH") != 0) {
		admin_wrong_method(req, res, path, reset ? "POST" : "PATCH");
		return 1;
	}
	if (admin_require(ctx, req, res, "staff.manage", &who) < 0)
		return 1;
	if (admin_username_valid(username) < 0)
		http_respond_error(res, 404, "not-found", NULL, "there is no account \"%s\"",
				   username);
	else if (reset)
		reset_password(ctx, &who, username, res);
	else
		change_account(ctx, &who, username, req, res);
	return 1;
}
