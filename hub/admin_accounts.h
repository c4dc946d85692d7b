/* SPDX-License-Identifier: MIT */
/*
 * The admin API's account routes (docs/openapi.yaml, docs/security.md
 * "People: admin accounts"): GET and POST /api/v1/accounts, PATCH
 * /api/v1/accounts/{username} and POST
 * /api/v1/accounts/{username}/password-reset, all behind staff.manage and
 * the no-escalation rule of admin_account.h. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_ACCOUNTS_H
#define TILLNET_ADMIN_ACCOUNTS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_accounts_route: 1 when `req` was one of these routes (`res` filled), else 0. */
int admin_accounts_route(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res);

#endif
