/* SPDX-License-Identifier: MIT */
/*
 * The session routes of the admin API (docs/openapi.yaml): sign in
 * (POST /api/v1/session), who am I (GET), sign out (DELETE) and change the
 * password (POST /api/v1/session/password). Sign-ins are throttled
 * (admin_throttle.h) and audited. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_LOGIN_H
#define TILLNET_ADMIN_LOGIN_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_login_session: /api/v1/session, any method (405 but POST, GET, DELETE). */
void admin_login_session(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res);

/* admin_login_password: /api/v1/session/password, any method (405 but POST). */
void admin_login_password(struct enroll_ctx *ctx, const struct http_request *req,
			  struct http_response *res);

#endif
