// SPDX-License-Identifier: MIT
/* Small JSON helpers of the order code (see order_json.h). */
#include "order_json.h"

#include <errno.h>
#include <string.h>

const char *order_json_kind(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown JSON value";
}

/* Is `v` the string `s` exactly (a NUL inside would fool strcmp)? */
int order_string_is(json_t *v, const char *s)
{
	return json_is_string(v) && json_string_length(v) == strlen(s) &&
	       memcmp(json_string_value(v), s, json_string_length(v)) == 0;
}

/*
 * How much of an untrusted string to quote in a message: at most `max`
 * bytes, cut at a character boundary, since the message travels as JSON and
 * must stay valid UTF-8.
 */
int order_quote_len(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return (int)len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

int order_out_of_memory(struct proto_error *err)
{
	proto_error_set(err, PROTO_ERR_UNEXPECTED, NULL, "out of memory while building the order");
	return -ENOMEM;
}

/*
 * Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF),
 * what jansson demands of every string. Checked here so that a refusal names
 * the argument instead of looking like a failed allocation.
 */
int order_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p++, min;
		int more;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return 0;
		}
		if (end - p < more)
			return 0;
		for (; more > 0; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	}
	return 1;
}

/* Sum of the payments' amounts; non-integers count as 0, and it saturates. */
int64_t order_payments_sum(json_t *payments)
{
	int64_t sum = 0;
	size_t i;
	json_t *p;

	json_array_foreach(payments, i, p)
	{
		if (__builtin_add_overflow(sum, json_integer_value(json_object_get(p, "amount")),
					   &sum))
			return INT64_MAX;
	}
	return sum;
}
