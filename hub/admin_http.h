/* SPDX-License-Identifier: MIT */
/*
 * The hub's HTTPS routes (libmicrohttpd + GnuTLS, docs/openapi.yaml):
 * GET /api/v1/ca and POST /api/v1/enroll (unauthenticated, by design), the
 * session routes /api/v1/session[/password] (admin_login.h); every later
 * admin route starts with admin_require (admin_session.h).
 */
#ifndef TILLNET_ADMIN_HTTP_H
#define TILLNET_ADMIN_HTTP_H

#include "enroll.h"
#include "http_mhd.h"

#define ADMIN_BODY_MAX (64 * 1024)

/* admin_http_handle: the router; `ctx` is a struct enroll_ctx. */
void admin_http_handle(void *ctx, const struct http_request *req, struct http_response *res);

#endif
