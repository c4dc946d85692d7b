/* SPDX-License-Identifier: MIT */
/* GET /api/v1/audit: the audit log, a page at a time (docs/openapi.yaml). Runs on the loop. */
#ifndef TILLNET_ADMIN_AUDIT_H
#define TILLNET_ADMIN_AUDIT_H

#include "enroll.h"
#include "http_mhd.h"

#define ADMIN_AUDIT_PAGE_MAX 500

/* admin_audit_route: /api/v1/audit, any method (405 but GET); needs audit.view. */
void admin_audit_route(struct enroll_ctx *ctx, const struct http_request *req,
		       struct http_response *res);

#endif
