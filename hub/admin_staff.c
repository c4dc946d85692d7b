// SPDX-License-Identifier: MIT
/* Staff and roles over the admin API (see admin_staff.h). */
#include "admin_staff.h"
#include "admin_session.h"
#include "db.h"
#include "staff_store.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#define STAFF_PREFIX "/api/v1/staff/"
#define ROLES_PREFIX "/api/v1/roles/"

static void respond_store_error(struct http_response *res, int rc, const char *why)
{
	const char *field = NULL;
	char name[32] = "";

	/* The store's sentences start with the field they blame: "pin: ...". */
	if (sscanf(why, "%31[a-zA-Z]:", name) == 1 && strchr(why, ':'))
		field = name;
	if (rc == -EINVAL)
		http_respond_error(res, 400, "bad-field", field, "%s", why);
	else if (rc == -EEXIST)
		http_respond_error(res, 409, "pin-taken", "pin", "%s", why);
	else if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "%s", why);
	else if (rc == -EPERM)
		http_respond_error(res, 403, "escalation", "permissions", "%s", why);
	else if (rc == -EBUSY)
		http_respond_error(res, 503, "busy", NULL, "the hub's database is busy; try again");
	else
		http_respond_error(res, 500, "internal", NULL, "the hub could not save the change");
}

static void respond(struct http_response *res, unsigned int status, const char *key, json_t *v)
{
	json_t *body = json_pack("{s:o}", key, v);

	http_respond_json(res, status, body ? json_dumps(body, JSON_COMPACT) : NULL);
	json_decref(body);
}

/* The request's JSON object, or NULL with a 400 sent. */
static json_t *body_object(const struct http_request *req, struct http_response *res)
{
	json_error_t jerr;
	json_t *body =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);

	if (!json_is_object(body)) {
		json_decref(body);
		http_respond_error(res, 400, "bad-json", NULL,
				   "the request body must be a JSON object");
		return NULL;
	}
	return body;
}

/* An optional string member; -EINVAL with a 400 sent when it is not a string. */
static int opt_text(json_t *body, const char *key, const char **out, struct http_response *res)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		http_respond_error(res, 400, "bad-field", key, "%s: expected a string", key);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

/* The editor's own patterns, for the no-escalation rule; NULL with a 500 sent. */
static json_t *held_by(struct enroll_ctx *e, const struct admin_who *who, struct http_response *res)
{
	json_t *held = NULL;

	if (admin_role_patterns(e->db, who->account.role, &held) < 0)
		http_respond_error(res, 500, "internal", NULL, "the hub could not read its roles");
	return held;
}

static void staff_write(struct enroll_ctx *e, const struct http_request *req,
			struct http_response *res, const char *id)
{
	struct admin_who who;
	struct staff_change ch = {NULL, NULL, NULL, -1};
	char out_id[UUID_TEXT_LEN], why[512] = "";
	json_t *body = NULL, *held = NULL, *active, *staff = NULL;
	int rc;

	if (admin_require(e, req, res, "staff.manage", &who) < 0)
		return;
	body = body_object(req, res);
	if (!body)
		return;
	if (opt_text(body, "name", &ch.name, res) < 0 ||
	    opt_text(body, "role", &ch.role, res) < 0 || opt_text(body, "pin", &ch.pin, res) < 0)
		goto out;
	active = json_object_get(body, "active");
	if (active && !json_is_boolean(active)) {
		http_respond_error(res, 400, "bad-field", "active",
				   "active: expected true or false");
		goto out;
	}
	if (active)
		ch.active = json_is_true(active);
	if (!id && (!ch.name || !ch.role || !ch.pin)) {
		http_respond_error(res, 400, "bad-field",
				   !ch.name   ? "name"
				   : !ch.role ? "role"
					      : "pin",
				   "%s: required for a new staff member",
				   !ch.name   ? "name"
				   : !ch.role ? "role"
					      : "pin");
		goto out;
	}
	held = held_by(e, &who, res);
	if (!held)
		goto out;
	if (id)
		rc = staff_store_set(e->db, id, &ch, held, who.account.id, db_now_ms(), out_id, why,
				     sizeof(why));
	else
		rc = staff_store_add(e->db, ch.name, ch.role, ch.pin, held, who.account.id,
				     db_now_ms(), out_id, why, sizeof(why));
	if (rc == 0)
		rc = staff_store_get(e->db, out_id, &staff);
	if (rc < 0)
		respond_store_error(res, rc, why);
	else
		respond(res, id ? 200 : 201, "staff", staff);
out:
	json_decref(held);
	json_decref(body);
}

static void role_write(struct enroll_ctx *e, const struct http_request *req,
		       struct http_response *res, const char *name)
{
	struct admin_who who;
	char why[512] = "";
	json_t *body = NULL, *held = NULL, *perms, *ceiling, *roles = NULL, *r, *found = NULL;
	size_t i;
	int rc;

	if (admin_require(e, req, res, "staff.manage", &who) < 0)
		return;
	body = body_object(req, res);
	if (!body)
		return;
	perms = json_object_get(body, "permissions");
	ceiling = json_object_get(body, "discountCeiling");
	if (perms && !json_is_array(perms)) {
		http_respond_error(res, 400, "bad-field", "permissions",
				   "permissions: expected an array of permission names");
		goto out;
	}
	if (ceiling && (!json_is_integer(ceiling) || json_integer_value(ceiling) < 0 ||
			json_integer_value(ceiling) > 100)) {
		http_respond_error(res, 400, "bad-field", "discountCeiling",
				   "discountCeiling: expected a percentage from 0 to 100");
		goto out;
	}
	held = held_by(e, &who, res);
	if (!held)
		goto out;
	rc = staff_role_set(e->db, name, perms, ceiling ? (int)json_integer_value(ceiling) : -1,
			    held, who.account.id, db_now_ms(), why, sizeof(why));
	if (rc == 0)
		rc = staff_role_list(e->db, &roles);
	json_array_foreach(roles, i, r) if (strcmp(json_string_value(json_object_get(r, "name")),
						   name) == 0) found = r;
	if (rc < 0)
		respond_store_error(res, rc, why);
	else
		respond(res, 200, "role", json_incref(found ? found : json_null()));
out:
	json_decref(roles);
	json_decref(held);
	json_decref(body);
}

static void list(struct enroll_ctx *e, const struct http_request *req, struct http_response *res,
		 int staff)
{
	struct admin_who who;
	json_t *all = NULL;

	if (admin_require(e, req, res, "staff.manage", &who) < 0)
		return;
	if ((staff ? staff_store_list(e->db, &all) : staff_role_list(e->db, &all)) < 0) {
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not read its database");
		return;
	}
	respond(res, 200, staff ? "staff" : "roles", all);
}

static void wrong_method(struct http_response *res, const struct http_request *req,
			 const char *allowed)
{
	http_respond_error(res, 405, "method-not-allowed", NULL, "%s %s: use %s", req->method,
			   req->url, allowed);
}

int admin_staff_route(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct enroll_ctx *e = ctx;
	const char *m = req->method;

	if (strcmp(req->url, "/api/v1/staff") == 0) {
		if (strcmp(m, "GET") == 0)
			list(e, req, res, 1);
		else if (strcmp(m, "POST") == 0)
			staff_write(e, req, res, NULL);
		else
			wrong_method(res, req, "GET or POST");
		return 1;
	}
	if (strncmp(req->url, STAFF_PREFIX, strlen(STAFF_PREFIX)) == 0 &&
	    req->url[strlen(STAFF_PREFIX)] && !strchr(req->url + strlen(STAFF_PREFIX), '/')) {
		if (strcmp(m, "PATCH") == 0)
			staff_write(e, req, res, req->url + strlen(STAFF_PREFIX));
		else
			wrong_method(res, req, "PATCH");
		return 1;
	}
	if (strcmp(req->url, "/api/v1/roles") == 0) {
		if (strcmp(m, "GET") == 0)
			list(e, req, res, 0);
		else
			wrong_method(res, req, "GET");
		return 1;
	}
	if (strncmp(req->url, ROLES_PREFIX, strlen(ROLES_PREFIX)) == 0 &&
	    req->url[strlen(ROLES_PREFIX)] && !strchr(req->url + strlen(ROLES_PREFIX), '/')) {
		if (strcmp(m, "PUT") == 0)
			role_write(e, req, res, req->url + strlen(ROLES_PREFIX));
		else
			wrong_method(res, req, "PUT");
		return 1;
	}
	return 0;
}
