/* SPDX-License-Identifier: MIT */
/*
 * Small helpers the admin JSON routes share (hub/admin_*.c): reading a JSON
 * body and its members field by field, query numbers, one path segment, and
 * answering with a JSON value. Each helper that refuses fills `res` with the
 * error (docs/openapi.yaml, Error) and returns NULL or a negative errno, so a
 * route just returns. Runs on the loop.
 */
#ifndef TILLNET_ADMIN_UTIL_H
#define TILLNET_ADMIN_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http_mhd.h"

/* The longest path parameter accepted: a UUID is 36, a sku at most 64. */
#define ADMIN_SEGMENT_MAX 64

/*
 * admin_body_object: the request body as a JSON object (a repeated member
 * name is refused); 400 bad-json naming `what` otherwise. Caller decrefs.
 */
json_t *admin_body_object(const struct http_request *req, struct http_response *res,
			  const char *what);

/*
 * admin_body_string: member `field`, a string of `min` to `max` bytes with
 * no NUL; NULL when absent and `min` is 0 (then *out is ""). 400 bad-field
 * naming it otherwise (-EINVAL).
 */
int admin_body_string(json_t *body, const char *field, size_t min, size_t max,
		      struct http_response *res, const char **out);

/*
 * admin_body_integer: member `field`, a JSON integer in [min, max]. A real
 * (1.5, and also 1.0: money never travels as a real) is refused with a
 * sentence saying so. -EINVAL with 400 bad-field otherwise.
 */
int admin_body_integer(json_t *body, const char *field, int64_t min, int64_t max,
		       struct http_response *res, int64_t *out);

/*
 * admin_query_integer: query argument `name` in [min, max], `fallback` when
 * absent; 400 bad-field naming it otherwise (-EINVAL).
 */
int admin_query_integer(const struct http_request *req, const char *name, int64_t min, int64_t max,
			int64_t fallback, struct http_response *res, int64_t *out);

/*
 * admin_path_segment: when `url` starts with `prefix`, copy the segment after
 * it (up to the next '/' or the end) into `out` and point *rest at what
 * follows ("" or "/..."). 1 on a match, 0 when `url` does not start with
 * `prefix`, -EINVAL when the segment is empty, longer than
 * ADMIN_SEGMENT_MAX or holds a byte outside printable ASCII.
 */
int admin_path_segment(const char *url, const char *prefix, char out[ADMIN_SEGMENT_MAX + 1],
		       const char **rest);

/* admin_is_uuid: is `s` a UUID in the 36-character lower- or upper-case text form? */
int admin_is_uuid(const char *s);

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
