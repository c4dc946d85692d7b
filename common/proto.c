// SPDX-License-Identifier: MIT
/* The protocol codec (see proto.h and docs/protocol.md). */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The length of the UTF-8 character at `s` (1-4), or 0 where Jansson would refuse it. */
static size_t utf8_char_len(const unsigned char *s)
{
	uint32_t v;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, v = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, v = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

/*
 * A text cut to fit (by a buffer's size or a "%.40s") may end in half a
 * character, which no JSON encoder takes: the error would not be sent at
 * all. Each byte of a broken character becomes '?'.
 */
static void utf8_mend(char *text)
{
	unsigned char *p = (unsigned char *)text;

	while (*p) {
		size_t n = utf8_char_len(p);

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
}

/* `prefix` before a text in place, cut to fit `size`. */
static void prefix_text(char *text, size_t size, const char *prefix)
{
	size_t p = strlen(prefix), n = strnlen(text, size);

	if (p >= size)
		return;
	if (n + p >= size)
		n = size - p - 1;
	memmove(text + p, text, n);
	memcpy(text, prefix, p);
	text[n + p] = '\0';
	utf8_mend(text);
}

int proto_error_prefix(struct proto_error *err, const char *prefix)
{
	prefix_text(err->field, sizeof(err->field), prefix);
	prefix_text(err->message, sizeof(err->message), prefix);
	return -EINVAL;
}

int proto_error_set(struct proto_error *err, const char *code, const char *field, const char *fmt,
		    ...)
{
	va_list ap;

	snprintf(err->code, sizeof(err->code), "%s", code);
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	utf8_mend(err->code);
	utf8_mend(err->field);
	utf8_mend(err->message);
	return -EINVAL;
}

int proto_parse(const char *buf, size_t len, json_t **msg, const char **type,
		struct proto_error *err)
{
	json_error_t jerr;
	json_t *root, *t;

	*msg = NULL;
	*type = NULL;
	if (len > PROTO_FRAME_MAX)
		return proto_error_set(err, PROTO_ERR_TOO_BIG, NULL,
				       "message of %zu bytes is over the limit of %d bytes", len,
				       PROTO_FRAME_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return proto_error_set(err, PROTO_ERR_BAD_JSON, NULL,
				       "malformed JSON at line %d column %d: %s", jerr.line,
				       jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return proto_error_set(err, PROTO_ERR_BAD_JSON, NULL,
				       "a message must be a JSON object");
	}
	t = json_object_get(root, "type");
	if (!json_is_string(t)) {
		json_decref(root);
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, "type",
				       "type: expected a string naming the message type");
	}
	*msg = root;
	*type = json_string_value(t);
	return 0;
}

int proto_get_int(json_t *msg, const char *field, int64_t min, int64_t max, int64_t *out,
		  struct proto_error *err)
{
	json_t *v = json_object_get(msg, field);

	if (!v)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field, "%s: missing", field);
	if (!json_is_integer(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field, "%s: expected an integer",
				       field);
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field,
				       "%s: %lld is out of range (expected %lld to %lld)", field,
				       (long long)json_integer_value(v), (long long)min,
				       (long long)max);
	*out = json_integer_value(v);
	return 0;
}

int proto_get_text(json_t *msg, const char *field, int required, char *out, size_t outlen,
		   struct proto_error *err)
{
	json_t *v = json_object_get(msg, field);

	out[0] = '\0';
	if (!v && !required)
		return 0;
	if (!v)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field, "%s: missing", field);
	if (!json_is_string(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field, "%s: expected a string",
				       field);
	if (json_string_length(v) >= outlen ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, field,
				       "%s: expected at most %zu characters and no NUL", field,
				       outlen - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

#define CLOCK_MIN PROTO_CLOCK_MIN
#define CLOCK_MAX PROTO_CLOCK_MAX

int proto_hello_decode(json_t *msg, struct proto_hello *h, struct proto_error *err)
{
	int rc;

	memset(h, 0, sizeof(*h));
	rc = proto_get_int(msg, "protocolVersion", 0, INT32_MAX, &h->protocol_version, err);
	if (rc < 0)
		return rc;
	if (h->protocol_version != PROTO_VERSION) {
		proto_error_set(err, PROTO_ERR_VERSION, "protocolVersion",
				"protocolVersion: peer speaks %lld, this side speaks %d",
				(long long)h->protocol_version, PROTO_VERSION);
		return -EPROTONOSUPPORT;
	}
	rc = proto_get_text(msg, "terminalId", 1, h->terminal_id, sizeof(h->terminal_id), err);
	if (rc == 0)
		rc = proto_get_int(msg, "clock", CLOCK_MIN, CLOCK_MAX, &h->clock_ms, err);
	if (rc == 0)
		rc = proto_get_text(msg, "software", 0, h->software, sizeof(h->software), err);
	return rc;
}

int proto_welcome_decode(json_t *msg, struct proto_welcome *w, struct proto_error *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	rc = proto_get_int(msg, "protocolVersion", 0, INT32_MAX, &w->protocol_version, err);
	if (rc == 0)
		rc = proto_get_text(msg, "hubId", 1, w->hub_id, sizeof(w->hub_id), err);
	if (rc == 0)
		rc = proto_get_text(msg, "store", 1, w->store, sizeof(w->store), err);
	if (rc == 0)
		rc = proto_get_int(msg, "hubClock", CLOCK_MIN, CLOCK_MAX, &w->hub_clock_ms, err);
	if (rc == 0)
		rc = proto_get_int(msg, "clockOffset", -CLOCK_MAX, CLOCK_MAX, &w->clock_offset_ms,
				   err);
	if (rc == 0)
		rc = proto_get_text(msg, "shortCode", 1, w->short_code, sizeof(w->short_code), err);
	if (rc == 0)
		rc = proto_get_text(msg, "name", 1, w->name, sizeof(w->name), err);
	return rc;
}

int proto_error_decode(json_t *msg, struct proto_error *out, struct proto_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = proto_get_text(msg, "code", 1, out->code, sizeof(out->code), err);
	if (rc == 0)
		rc = proto_get_text(msg, "field", 0, out->field, sizeof(out->field), err);
	if (rc == 0)
		rc = proto_get_text(msg, "message", 1, out->message, sizeof(out->message), err);
	return rc;
}

char *proto_dump(json_t *obj)
{
	char *s = NULL;

	if (obj)
		s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return s;
}

char *proto_hello_encode(const struct proto_hello *h)
{
	return proto_dump(json_pack("{s:s, s:I, s:s, s:I, s:s}", "type", "hello", "protocolVersion",
				    (json_int_t)h->protocol_version, "terminalId", h->terminal_id,
				    "clock", (json_int_t)h->clock_ms, "software", h->software));
}

char *proto_welcome_encode(const struct proto_welcome *w)
{
	return proto_dump(
	    json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "type", "welcome",
		      "protocolVersion", (json_int_t)w->protocol_version, "hubId", w->hub_id,
		      "store", w->store, "hubClock", (json_int_t)w->hub_clock_ms, "clockOffset",
		      (json_int_t)w->clock_offset_ms, "shortCode", w->short_code, "name", w->name));
}

char *proto_error_encode(const struct proto_error *e)
{
	json_t *obj =
	    json_pack("{s:s, s:s, s:s}", "type", "error", "code", e->code, "message", e->message);

	if (obj && e->field[0])
		json_object_set_new(obj, "field", json_string(e->field));
	if (obj && strcmp(e->code, PROTO_ERR_VERSION) == 0)
		json_object_set_new(obj, "protocolVersion", json_integer(PROTO_VERSION));
	return proto_dump(obj);
}
