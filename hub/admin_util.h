/* SPDX-License-Identifier: MIT */
/*
 * Small helpers the admin JSON routes share (hub/admin_*.c) besides the
 * body and path readers of common/http_json.h: answering with a JSON value
 * or a hub error, and telling the running hub it changed. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_UTIL_H
#define TILLNET_ADMIN_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http_json.h"
#include "http_mhd.h"

/* admin_respond: answer `status` with `body` (consumed; NULL answers 500 internal). */
void admin_respond(struct http_response *res, unsigned int status, json_t *body);

/* admin_internal: 500 internal, "the hub could not read/write its database". */
void admin_internal(struct http_response *res);

/* admin_wrong_method: 405 method-not-allowed, saying which methods `path` takes. */
void admin_wrong_method(const struct http_request *req, struct http_response *res, const char *path,
			const char *methods);

/* admin_not_found: 404 not-found for `what` (e.g. "no terminal \"T09\""). */
void admin_not_found(struct http_response *res, const char *what);

/* admin_changed: tell the running hub that this request wrote to hub.db (enroll.h). */
struct enroll_ctx;
void admin_changed(struct enroll_ctx *ctx);

#endif
