/* SPDX-License-Identifier: MIT */
/*
 * The admin API's staff and roles routes (docs/openapi.yaml):
 * /api/v1/staff (GET, POST), /api/v1/staff/{id} (PATCH), /api/v1/roles
 * (GET) and /api/v1/roles/{name} (PUT), all behind staff.manage, none
 * granting what the editor's own role does not hold. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_STAFF_H
#define TILLNET_ADMIN_STAFF_H

#include "http_mhd.h"

/* admin_staff_route: 1 when `req` was one of these routes (`res` filled), else 0. */
int admin_staff_route(void *ctx, const struct http_request *req, struct http_response *res);

#endif
