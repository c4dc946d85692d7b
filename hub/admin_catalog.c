// SPDX-License-Identifier: MIT
/* The catalog over the admin API (see admin_catalog.h). */
#include "admin_catalog.h"
#include "admin_session.h"
#include "admin_util.h"
#include "catalog.h"
#include "catalog_store.h"
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_PATH "/api/v1/catalog"
#define ITEMS_PATH   CATALOG_PATH "/items"

/*
 * read_allowed: the catalog is read by whoever sells from it or edits it:
 * reports.view or catalog.edit. admin_require checks one permission, so
 * the second is tried only when the first was refused as forbidden.
 */
static int read_allowed(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res, struct admin_who *who)
{
	struct http_response first = {0};

	if (admin_require(ctx, req, &first, "reports.view", who) == 0)
		return 0;
	if (first.status != 403 || !first.body || !strstr(first.body, "\"forbidden\"")) {
		*res = first;
		return -EACCES;
	}
	free(first.body);
	return admin_require(ctx, req, res, "catalog.edit", who);
}

static void list_catalog(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res, const struct admin_who *who)
{
	enum catalog_store_filter filter = CATALOG_STORE_ALL;
	const char *active = http_request_query(req, "active");
	int64_t offset, limit, version, total;
	json_t *items;

	if (http_query_integer(req, "offset", 0, INT64_MAX, 0, res, &offset) < 0 ||
	    http_query_integer(req, "limit", 1, ADMIN_CATALOG_PAGE_MAX, 100, res, &limit) < 0)
		return;
	if (active && strcmp(active, "true") == 0) {
		filter = CATALOG_STORE_ACTIVE;
	} else if (active && strcmp(active, "false") == 0) {
		filter = CATALOG_STORE_REMOVED;
	} else if (active) {
		http_respond_error(res, 400, "bad-field", "active",
				   "active: expected true (items on sale) or false (removed "
				   "items); leave it out for all");
		return;
	}
	if (catalog_store_page(ctx->db, filter, offset, (int)limit, &items, &version, &total) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200,
		      json_pack("{s:I, s:I, s:I, s:o}", "version", (json_int_t)version, "total",
				(json_int_t)total, "offset", (json_int_t)offset, "items", items));
}

/* csv_append: `s` as one CSV value, quoted when it holds a comma or a quote. */
static void csv_append(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* tax_percent: basis points as the file writes them, "20", "7.5" (no % sign). */
static void tax_percent(int tax_rate, char *out, size_t outlen)
{
	size_t n;

	catalog_format_tax_rate(tax_rate, out, outlen);
	n = strlen(out);
	if (n && out[n - 1] == '%')
		out[n - 1] = '\0';
}

static void export_catalog(struct enroll_ctx *ctx, struct http_response *res)
{
	json_t *items = NULL, *item;
	int64_t version;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	if (catalog_store_snapshot(ctx->db, &items, &version) < 0) {
		admin_internal(res);
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		json_decref(items);
		admin_internal(res);
		return;
	}
	fputs("sku,name,barcode,price,tax_rate,active\n", f);
	json_array_foreach(items, i, item)
	{
		char tax[16];

		tax_percent((int)json_integer_value(json_object_get(item, "taxRate")), tax,
			    sizeof(tax));
		csv_append(f, json_string_value(json_object_get(item, "sku")));
		fputc(',', f);
		csv_append(f, json_string_value(json_object_get(item, "name")));
		fprintf(f, ",%s,%lld,%s,%s\n", json_string_value(json_object_get(item, "barcode")),
			(long long)json_integer_value(json_object_get(item, "price")), tax,
			json_is_false(json_object_get(item, "active")) ? "false" : "true");
	}
	json_decref(items);
	if (fclose(f) != 0) {
		free(text);
		admin_internal(res);
		return;
	}
	res->status = 200;
	res->body = text;
	res->body_len = len;
	res->content_type = "text/csv; charset=utf-8";
}

/*
 * answer_store: answer a failed catalog_store_* call (`rc` < 0), or after a
 * change tell the running hub to relay its catalog.put events now. Returns `rc`.
 */
static int answer_store(struct enroll_ctx *ctx, int rc, struct http_response *res,
			const struct catalog_import_result *r)
{
	if (rc == -EBUSY)
		http_respond_error(res, 503, "busy", NULL,
				   "the hub's database stayed busy; nothing was stored, try again");
	else if (rc < 0)
		admin_internal(res);
	else if (r->events > 0)
		admin_changed(ctx); /* relay the catalog.put events now */
	return rc;
}

/* store: catalog_store_import of a checked catalog by the signed-in account. */
static int store(struct enroll_ctx *ctx, const struct catalog *cat, const struct admin_who *who,
		 struct http_response *res, struct catalog_import_result *r)
{
	return answer_store(
	    ctx, catalog_store_import(ctx->db, cat, who->account.id, db_now_ms(), r), res, r);
}

static void import_catalog(struct enroll_ctx *ctx, const struct http_request *req,
			   struct http_response *res, const struct admin_who *who)
{
	struct catalog_import_result r;
	struct catalog *cat = NULL;
	json_t *errors;

	if (catalog_parse(req->body ? req->body : "", req->body_len, &cat) < 0) {
		admin_internal(res);
		return;
	}
	if (cat->n_errors > 0) {
		errors = json_array();
		for (size_t i = 0; errors && i < cat->n_errors && i < CATALOG_ERRORS_KEPT; i++)
			json_array_append_new(errors, json_pack("{s:I, s:s}", "line",
								(json_int_t)cat->errors[i].line,
								"message", cat->errors[i].text));
		admin_respond(res, 400,
			      json_pack("{s:{s:s, s:s, s:o, s:I}}", "error", "code", "bad-csv",
					"message", "the CSV text has errors; nothing was stored",
					"lines", errors, "more",
					(json_int_t)(cat->n_errors > CATALOG_ERRORS_KEPT
							 ? cat->n_errors - CATALOG_ERRORS_KEPT
							 : 0)));
		goto out;
	}
	if (store(ctx, cat, who, res, &r) < 0)
		goto out;
	admin_respond(res, 200,
		      json_pack("{s:I, s:I, s:I, s:I}", "version", (json_int_t)r.version, "added",
				(json_int_t)r.added, "changed", (json_int_t)r.changed, "unchanged",
				(json_int_t)r.unchanged));
out:
	catalog_free(cat);
}

/*
 * A note on one item. The item is written as a one-row CSV text and checked
 * by catalog_parse, so that an item from the API obeys exactly the rules of
 * an item from a file (docs/catalog.md); the JSON types are checked first,
 * here, so that a real price is refused before it could be rounded.
 */
static const char *const field_of_column[][2] = {
    {"sku", "sku"},	{"name", "name"},	 {"barcode", "barcode"},
    {"price", "price"}, {"tax_rate", "taxRate"}, {"active", "active"},
};

static void item_error(struct http_response *res, const char *text)
{
	for (size_t i = 0; i < sizeof(field_of_column) / sizeof(field_of_column[0]); i++) {
		size_t n = strlen(field_of_column[i][0]);

		if (strncmp(text, field_of_column[i][0], n) == 0 && text[n] == ' ') {
			http_respond_error(res, 400, "bad-field", field_of_column[i][1], "%s: %s",
					   field_of_column[i][1], text);
			return;
		}
	}
	http_respond_error(res, 400, "bad-field", NULL, "%s", text);
}

static void put_item(struct enroll_ctx *ctx, const struct http_request *req,
		     struct http_response *res, const struct admin_who *who)
{
	const char *sku, *name, *barcode, *active_text = "";
	struct catalog_import_result r;
	struct catalog *cat = NULL;
	int64_t price, tax_rate;
	char *csv = NULL, tax[16];
	size_t len = 0;
	json_t *body, *item = NULL, *active;
	FILE *f;

	body = http_body_object(req, res, "sku, name, barcode, price, taxRate and active");
	if (!body)
		return;
	if (http_body_string(body, "sku", 1, CATALOG_SKU_MAX, res, &sku) < 0 ||
	    http_body_string(body, "name", 1, CATALOG_NAME_MAX, res, &name) < 0 ||
	    http_body_string(body, "barcode", 0, CATALOG_BARCODE_MAX, res, &barcode) < 0 ||
	    http_body_integer(body, "price", 0, CATALOG_PRICE_MAX, res, &price) < 0 ||
	    http_body_integer(body, "taxRate", 0, CATALOG_TAX_MAX, res, &tax_rate) < 0)
		goto out;
	/* Absent: the item keeps its flag (a new one is active). */
	active = json_object_get(body, "active");
	if (active && !json_is_boolean(active)) {
		http_respond_error(res, 400, "bad-field", "active",
				   "active: expected true (on sale) or false (removed)");
		goto out;
	}
	if (active)
		active_text = json_is_true(active) ? "true" : "false";
	f = open_memstream(&csv, &len);
	if (!f) {
		admin_internal(res);
		goto out;
	}
	/* Every value quoted: the parser then reads it back exactly as given. */
	tax_percent((int)tax_rate, tax, sizeof(tax));
	fputs("sku,name,barcode,price,tax_rate,active\n\"", f);
	for (const char *const *v = (const char *const[]){sku, name, barcode, NULL}; *v; v++) {
		for (const char *p = *v; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputs("\",\"", f);
	}
	fprintf(f, "%lld\",\"%s\",\"%s\"\n", (long long)price, tax, active_text);
	if (fclose(f) != 0 || catalog_parse(csv, len, &cat) < 0) {
		admin_internal(res);
		goto out;
	}
	if (cat->n_errors > 0) {
		item_error(res, cat->errors[0].text);
		goto out;
	}
	if (store(ctx, cat, who, res, &r) < 0)
		goto out;
	if (catalog_store_get(ctx->db, sku, &item) < 0) {
		admin_internal(res);
		goto out;
	}
	admin_respond(res, r.added ? 201 : 200,
		      json_pack("{s:I, s:s, s:o}", "version", (json_int_t)r.version, "result",
				r.added	    ? "added"
				: r.changed ? "changed"
					    : "unchanged",
				"item", item));
out:
	catalog_free(cat);
	free(csv);
	json_decref(body);
}

/* remove_item: DELETE: the item stays, inactive (catalog_store.h, "A note on removal"). */
static void remove_item(struct enroll_ctx *ctx, const char *sku, const struct admin_who *who,
			struct http_response *res)
{
	struct catalog_import_result r;
	json_t *item = NULL;
	int rc = catalog_store_set_active(ctx->db, sku, 0, who->account.id, db_now_ms(), &r);

	if (rc == -ENOENT) {
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
		return;
	}
	if (answer_store(ctx, rc, res, &r) < 0)
		return;
	if (catalog_store_get(ctx->db, sku, &item) < 0) {
		admin_internal(res);
		return;
	}
	admin_respond(res, 200,
		      json_pack("{s:I, s:s, s:o}", "version", (json_int_t)r.version, "result",
				r.removed ? "removed" : "unchanged", "item", item));
}

static void get_item(struct enroll_ctx *ctx, const char *sku, struct http_response *res)
{
	json_t *item;
	int rc = catalog_store_get(ctx->db, sku, &item);

	if (rc == -ENOENT)
		http_respond_error(res, 404, "not-found", NULL, "the catalog has no sku \"%s\"",
				   sku);
	else if (rc < 0)
		admin_internal(res);
	else
		admin_respond(res, 200, item);
}

static int item_route(struct enroll_ctx *ctx, const struct http_request *req,
		      struct http_response *res)
{
	char sku[HTTP_SEGMENT_MAX + 1];
	struct admin_who who;
	const char *rest;
	int rc;

	rc = http_path_segment(req->url, ITEMS_PATH "/", sku, &rest);
	if (rc == 0)
		return 0;
	if (rc < 0 || *rest) {
		http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
				   req->url);
		return 1;
	}
	if (strcmp(req->method, "DELETE") == 0) {
		if (admin_require(ctx, req, res, "catalog.edit", &who) == 0)
			remove_item(ctx, sku, &who, res);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0) {
		admin_wrong_method(req, res, ITEMS_PATH "/{sku}", "GET or DELETE");
		return 1;
	}
	if (read_allowed(ctx, req, res, &who) < 0)
		return 1;
	get_item(ctx, sku, res);
	return 1;
}

int admin_catalog_route(struct enroll_ctx *ctx, const struct http_request *req,
			struct http_response *res)
{
	static const struct {
		const char *path, *method, *perm; /* perm NULL: a read */
		void (*fn)(struct enroll_ctx *, const struct http_request *, struct http_response *,
			   const struct admin_who *);
	} routes[] = {
	    {CATALOG_PATH, "GET", NULL, list_catalog},
	    {ITEMS_PATH, "POST", "catalog.edit", put_item},
	    {CATALOG_PATH "/import", "POST", "catalog.edit", import_catalog},
	    {CATALOG_PATH "/export", "GET", NULL, NULL},
	};
	struct admin_who who;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(req->url, routes[i].path) != 0)
			continue;
		if (strcmp(req->method, routes[i].method) != 0) {
			admin_wrong_method(req, res, routes[i].path, routes[i].method);
			return 1;
		}
		if (routes[i].perm ? admin_require(ctx, req, res, routes[i].perm, &who) < 0
				   : read_allowed(ctx, req, res, &who) < 0)
			return 1;
		if (routes[i].fn)
			routes[i].fn(ctx, req, res, &who);
		else
			export_catalog(ctx, res);
		return 1;
	}
	return item_route(ctx, req, res);
}
