// SPDX-License-Identifier: MIT
/* Whole-request errors and their JSON body (see upref_error.h). */
#include "upref_error.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

int upref_error_set(struct upref_error *err, unsigned int status, const char *code,
		    const char *field, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

char *upref_error_body(const struct upref_error *err)
{
	json_t *inner, *outer;
	char *text;

	inner = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
	if (!inner)
		return NULL;
	if (err->field[0] && json_object_set_new(inner, "field", json_string(err->field)) < 0) {
		json_decref(inner);
		return NULL;
	}
	/* "o" steals inner: freeing outer frees both, and a failed pack frees it too. */
	outer = json_pack("{s:o}", "error", inner);
	if (!outer)
		return NULL;
	text = json_dumps(outer, JSON_COMPACT);
	json_decref(outer);
	return text;
}
