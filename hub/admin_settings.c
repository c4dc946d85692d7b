// SPDX-License-Identifier: MIT
/* The store's settings over the admin API (see admin_settings.h). */
#include "admin_settings.h"
#include "admin_session.h"
#include "admin_util.h"
#include "db.h"
#include "settings_store.h"

#include <errno.h>
#include <string.h>

#define SETTINGS_PATH "/api/v1/settings"

static void respond_settings(struct enroll_ctx *ctx, struct http_response *res)
{
	json_t *doc = NULL;

	if (settings_store_json(ctx->db, &doc) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200, doc);
}

static void put_settings(struct enroll_ctx *ctx, const struct admin_who *who,
			 const struct http_request *req, struct http_response *res)
{
	struct store_settings s;
	struct proto_error err;
	json_t *body, *currency;
	int changed, rc;

	body = http_body_object(req, res, "the settings to change");
	if (!body)
		return;
	currency = json_object_get(body, "currency");
	if (settings_store_load(ctx->db, &s) < 0) {
		admin_internal(res);
	} else if (currency && (!json_is_string(currency) ||
				strcmp(json_string_value(currency), s.currency) != 0)) {
		http_respond_error(res, 400, "bad-field", "currency",
				   "currency: the store's currency is [store] currency in "
				   "hub.conf (%s), not a setting",
				   s.currency);
	} else if (settings_from_json(body, &s, &err) < 0) {
		http_respond_error(res, 400, "bad-field", err.field, "%s", err.message);
	} else {
		rc = settings_store_save(ctx->db, &s, who->account.id, db_now_ms(), NULL, &changed);
		if (rc == -EBUSY) {
			http_respond_error(res, 503, "busy", NULL,
					   "the hub's database is busy; try again");
		} else if (rc < 0) {
			admin_internal(res);
		} else {
			if (changed)
				admin_changed(ctx); /* terminals learn it now */
			respond_settings(ctx, res);
		}
	}
	json_decref(body);
}

int admin_settings_route(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res)
{
	struct admin_who who;
	int get = strcmp(req->method, "GET") == 0;

	if (strcmp(req->url, SETTINGS_PATH) != 0)
		return 0;
	if (!get && strcmp(req->method, "PUT") != 0) {
		admin_wrong_method(req, res, SETTINGS_PATH, "GET or PUT");
		return 1;
	}
	if (admin_require(ctx, req, res, get ? "reports.view" : "settings.edit", &who) < 0)
		return 1;
	if (get)
		respond_settings(ctx, res);
	else
		put_settings(ctx, &who, req, res);
	return 1;
}
