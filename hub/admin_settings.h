/* SPDX-License-Identifier: MIT */
/*
 * The admin API's settings route (docs/openapi.yaml): GET /api/v1/settings
 * (reports.view) and PUT /api/v1/settings (settings.edit), the store's
 * settings of hub/settings_store.h. A PUT names only what it changes; the
 * whole is checked together and saved as one new version or not at all.
 * Runs on the loop.
 */
#ifndef TILLNET_ADMIN_SETTINGS_H
#define TILLNET_ADMIN_SETTINGS_H

#include "enroll.h"
#include "http_mhd.h"

/* admin_settings_route: 1 when `req` was this route (`res` filled), else 0. */
int admin_settings_route(struct enroll_ctx *ctx, const struct http_request *req,
			 struct http_response *res);

#endif
