// SPDX-License-Identifier: MIT
/* Routing the hub's HTTPS requests (see admin_http.h). */
#include "admin_http.h"
#include "admin_accounts.h"
#include "admin_attention.h"
#include "admin_audit.h"
#include "admin_cash.h"
#include "admin_catalog.h"
#include "admin_customers.h"
#include "admin_login.h"
#include "admin_orders.h"
#include "admin_settings.h"
#include "admin_staff.h"
#include "admin_status.h"
#include "admin_stock.h"
#include "admin_terminals.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

void admin_http_handle(void *ctx, const struct http_request *req, struct http_response *res)
{
	struct enroll_ctx *e = ctx;

	if (strcmp(req->url, "/api/v1/enroll") == 0) {
		if (strcmp(req->method, "POST") != 0) {
			http_respond_error(res, 405, "method-not-allowed", NULL,
					   "%s /api/v1/enroll: use POST", req->method);
			return;
		}
		enroll_handle(e, req, res);
		return;
	}
	if (strcmp(req->url, "/api/v1/session") == 0) {
		admin_login_session(e, req, res);
		return;
	}
	if (strcmp(req->url, "/api/v1/audit") == 0) {
		admin_audit_route(e, req, res);
		return;
	}
	if (admin_staff_route(e, req, res))
		return;
	if (admin_accounts_route(e, req, res) || admin_terminals_route(e, req, res) ||
	    admin_catalog_route(e, req, res) || admin_orders_route(e, req, res) ||
	    admin_customers_route(e, req, res) || admin_attention_route(e, req, res) ||
	    admin_status_route(e, req, res) || admin_stock_route(e, req, res) ||
	    admin_cash_route(e, req, res) || admin_settings_route(e, req, res))
		return;
	if (strcmp(req->url, "/api/v1/session/password") == 0) {
		admin_login_password(e, req, res);
		return;
	}
	if (strcmp(req->url, "/api/v1/ca") == 0 && strcmp(req->method, "GET") != 0) {
		http_respond_error(res, 405, "method-not-allowed", NULL, "%s /api/v1/ca: use GET",
				   req->method);
		return;
	}
	if (strcmp(req->url, "/api/v1/ca") == 0) {
		res->status = 200;
		res->body = strdup(e->ca_cert_pem);
		res->body_len = res->body ? strlen(res->body) : 0;
		res->content_type = "application/x-pem-file";
		return;
	}
	http_respond_error(res, 404, "not-found", NULL, "%s %s: no such route", req->method,
			   req->url);
}
