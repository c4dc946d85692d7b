/* SPDX-License-Identifier: MIT */
/*
 * A whole-request error of the reference upstream: the HTTP status and the
 * {"error": {"code", "message", "field"?}} body it turns into.
 */
#ifndef UPREF_ERROR_H
#define UPREF_ERROR_H

#define UPREF_FIELD_MAX	  128
#define UPREF_MESSAGE_MAX 512

struct upref_error {
	unsigned int status;
	const char *code; /* static text */
	char field[UPREF_FIELD_MAX];
	char message[UPREF_MESSAGE_MAX];
};

/*
 * upref_error_set: fill `err` and return -EINVAL, so that parsers can
 * `return upref_error_set(...)`. `field` may be NULL.
 */
int upref_error_set(struct upref_error *err, unsigned int status, const char *code,
		    const char *field, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* upref_error_body: the JSON text of the error body; caller frees. NULL if out of memory. */
char *upref_error_body(const struct upref_error *err);

#endif
