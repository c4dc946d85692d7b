/* SPDX-License-Identifier: MIT */
/*
 * Small helpers for JSON routes over http_mhd.h, shared by the hub's admin
 * API and the terminal's local API: reading a JSON body and its members
 * field by field, query numbers, one path segment, and answering with a
 * JSON value. Each helper that refuses fills `res` with the error
 * ({"error": {"code", "field", "message"}}) and returns NULL or a negative
 * errno, so a route just returns. Runs on the loop.
 */
#ifndef TILLNET_HTTP_JSON_H
#define TILLNET_HTTP_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http_mhd.h"

/* The longest path parameter accepted: a UUID is 36, a sku at most 64. */
#define HTTP_SEGMENT_MAX 64

/*
 * http_body_object: the request body as a JSON object (a repeated member
 * name is refused); 400 bad-json naming `what` otherwise. Caller decrefs.
 */
json_t *http_body_object(const struct http_request *req, struct http_response *res,
			 const char *what);

/*
 * http_body_string: member `field`, a string of `min` to `max` bytes with
 * no NUL; NULL when absent and `min` is 0 (then *out is ""). 400 bad-field
 * naming it otherwise (-EINVAL).
 */
int http_body_string(json_t *body, const char *field, size_t min, size_t max,
		     struct http_response *res, const char **out);

/*
 * http_body_integer: member `field`, a JSON integer in [min, max]. A real
 * (1.5, and also 1.0: money never travels as a real) is refused with a
 * sentence saying so. -EINVAL with 400 bad-field otherwise.
 */
int http_body_integer(json_t *body, const char *field, int64_t min, int64_t max,
		      struct http_response *res, int64_t *out);

/*
 * http_query_integer: query argument `name` in [min, max], `fallback` when
 * absent; 400 bad-field naming it otherwise (-EINVAL).
 */
int http_query_integer(const struct http_request *req, const char *name, int64_t min, int64_t max,
		       int64_t fallback, struct http_response *res, int64_t *out);

/*
 * http_path_segment: when `url` starts with `prefix`, copy the segment after
 * it (up to the next '/' or the end) into `out` and point *rest at what
 * follows ("" or "/..."). 1 on a match, 0 when `url` does not start with
 * `prefix`, -EINVAL when the segment is empty, longer than
 * HTTP_SEGMENT_MAX or holds a byte outside printable ASCII.
 */
int http_path_segment(const char *url, const char *prefix, char out[HTTP_SEGMENT_MAX + 1],
		      const char **rest);

/* http_is_uuid: is `s` a UUID in the 36-character lower- or upper-case text form? */
int http_is_uuid(const char *s);

/* http_respond_value: answer `status` with `body` (consumed; NULL answers 500 internal). */
void http_respond_value(struct http_response *res, unsigned int status, json_t *body);

#endif
