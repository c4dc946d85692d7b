// SPDX-License-Identifier: MIT
/* Reading JSON request bodies, query numbers and path segments (see http_json.h). */
#include "http_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

json_t *http_body_object(const struct http_request *req, struct http_response *res,
			 const char *what)
{
	json_error_t jerr;
	json_t *body =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);

	if (!body || !json_is_object(body)) {
		http_respond_error(res, 400, "bad-json", NULL,
				   "request body: expected a JSON object with %s (%s)", what,
				   body ? "got another JSON value" : jerr.text);
		json_decref(body);
		return NULL;
	}
	return body;
}

int http_body_string(json_t *body, const char *field, size_t min, size_t max,
		     struct http_response *res, const char **out)
{
	json_t *v = json_object_get(body, field);

	*out = "";
	if (!v && min == 0)
		return 0;
	if (!v || !json_is_string(v)) {
		http_respond_error(res, 400, "bad-field", field, "%s: %s", field,
				   v ? "expected a string" : "missing");
		return -EINVAL;
	}
	if (json_string_length(v) < min || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_respond_error(res, 400, "bad-field", field,
				   "%s: expected %zu to %zu bytes and no NUL", field, min, max);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

int http_body_integer(json_t *body, const char *field, int64_t min, int64_t max,
		      struct http_response *res, int64_t *out)
{
	json_t *v = json_object_get(body, field);

	*out = 0;
	if (v && json_is_real(v)) {
		/* Jansson reads 1.0 as a real too: money and rates are whole numbers. */
		http_respond_error(res, 400, "bad-field", field,
				   "%s: expected a whole number (no decimal point or exponent; "
				   "money is in minor units, e.g. 1250 for 12.50)",
				   field);
		return -EINVAL;
	}
	if (!v || !json_is_integer(v)) {
		http_respond_error(res, 400, "bad-field", field, "%s: %s", field,
				   v ? "expected a whole number" : "missing");
		return -EINVAL;
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		http_respond_error(res, 400, "bad-field", field, "%s: expected %lld to %lld", field,
				   (long long)min, (long long)max);
		return -EINVAL;
	}
	*out = json_integer_value(v);
	return 0;
}

int http_query_integer(const struct http_request *req, const char *name, int64_t min, int64_t max,
		       int64_t fallback, struct http_response *res, int64_t *out)
{
	const char *text = http_request_query(req, name);
	long long v;
	char *end;

	*out = fallback;
	if (!text)
		return 0;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		http_respond_error(res, 400, "bad-field", name,
				   "%s: expected a number from %lld to %lld", name, (long long)min,
				   (long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int http_path_segment(const char *url, const char *prefix, char out[HTTP_SEGMENT_MAX + 1],
		      const char **rest)
{
	size_t plen = strlen(prefix), n = 0;
	const char *p;

	if (strncmp(url, prefix, plen) != 0)
		return 0;
	for (p = url + plen; *p && *p != '/'; p++) {
		if (n == HTTP_SEGMENT_MAX || (unsigned char)*p <= ' ' || (unsigned char)*p > '~')
			return -EINVAL;
		out[n++] = *p;
	}
	out[n] = '\0';
	*rest = p;
	return n ? 1 : -EINVAL;
}

int http_is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!strchr(hex, s[i])) {
			return 0;
		}
	}
	return 1;
}

void http_respond_value(struct http_response *res, unsigned int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!text) {
		http_respond_error(res, 500, "internal", NULL, "out of memory");
		return;
	}
	http_respond_json(res, status, text);
}
