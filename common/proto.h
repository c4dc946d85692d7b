/* SPDX-License-Identifier: MIT */
/*
 * The terminal<->hub protocol codec: JSON text frames, camelCase, one message
 * per frame, each an object with a "type". docs/protocol.md is the spec; this
 * file and that page change together. No I/O here: frames in, structs out.
 *
 * Decoders never trust the peer: every field is checked for presence, type
 * and length, and a failure fills a struct proto_error naming the field.
 */
#ifndef TILLNET_PROTO_H
#define TILLNET_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION	1
#define PROTO_FRAME_MAX (1024 * 1024) /* bytes in one message */

/* WebSocket close codes of our own (4000-4999 are for applications). */
#define PROTO_CLOSE_BAD_MESSAGE 4400 /* malformed frame or message */
#define PROTO_CLOSE_REFUSED	4403 /* terminal revoked or unknown */
#define PROTO_CLOSE_NO_HELLO	4408 /* no hello in time */
#define PROTO_CLOSE_VERSION	4426 /* protocol versions differ */

/* Error codes carried in "error" messages (docs/protocol.md). */
#define PROTO_ERR_BAD_JSON     "bad-json"
#define PROTO_ERR_BAD_FIELD    "bad-field"
#define PROTO_ERR_UNKNOWN_TYPE "unknown-type"
#define PROTO_ERR_TOO_BIG      "too-big"
#define PROTO_ERR_VERSION      "protocol-version"
#define PROTO_ERR_REFUSED      "terminal-refused"
#define PROTO_ERR_REVOKED      "terminal-revoked"
#define PROTO_ERR_UNEXPECTED   "unexpected"
#define PROTO_ERR_TOO_MANY_OPS "too-many-ops"
#define PROTO_ERR_HUB_BUSY     "hub-unavailable"
#define PROTO_ERR_NO_HELLO     "no-hello"

/* A clock in ms since the epoch: 2000-01-01 to 2200-01-01 is "sane". */
#define PROTO_CLOCK_MIN 946684800000LL
#define PROTO_CLOCK_MAX 7258118400000LL
#define PROTO_INT_MAX	((int64_t)1 << 53) /* integers stay exact in every JSON reader */

struct proto_error {
	char code[32];
	char field[64];
	char message[512];
};

struct proto_hello {
	int64_t protocol_version;
	char terminal_id[40];
	int64_t clock_ms; /* the terminal's wall clock, ms since the epoch */
	char software[64];
};

struct proto_welcome {
	int64_t protocol_version;
	char hub_id[40];
	char store[256];
	int64_t hub_clock_ms;
	int64_t clock_offset_ms; /* terminal clock minus hub clock, as the hub saw it */
	char short_code[16];
	char name[256];
};

/*
 * proto_parse: one frame into a JSON object and its type. The caller owns
 * *msg (json_decref). Errors: bad-json, bad-field ("type"), too-big.
 * Integers are read as json integers; a real number is kept as a real so
 * field decoders can refuse it.
 */
int proto_parse(const char *buf, size_t len, json_t **msg, const char **type,
		struct proto_error *err);

/*
 * proto_hello_decode: the hello message. A protocolVersion other than
 * PROTO_VERSION is -EPROTONOSUPPORT with code protocol-version; the version
 * is still filled in so both sides can say which they speak.
 */
int proto_hello_decode(json_t *msg, struct proto_hello *hello, struct proto_error *err);
int proto_welcome_decode(json_t *msg, struct proto_welcome *welcome, struct proto_error *err);
int proto_error_decode(json_t *msg, struct proto_error *out, struct proto_error *err);

/* Encoders return a new compact JSON string the caller frees with free(), or NULL. */
char *proto_hello_encode(const struct proto_hello *hello);
char *proto_welcome_encode(const struct proto_welcome *welcome);
char *proto_error_encode(const struct proto_error *error);

/*
 * Field readers for decoders: proto_get_int wants a JSON integer within
 * [min, max] (a real is refused); proto_get_text a string shorter than
 * outlen with no NUL (optional when !required: out is then ""). Errors are
 * bad-field naming `field`.
 */
int proto_get_int(json_t *msg, const char *field, int64_t min, int64_t max, int64_t *out,
		  struct proto_error *err);
int proto_get_text(json_t *msg, const char *field, int required, char *out, size_t outlen,
		   struct proto_error *err);

/* proto_dump: compact JSON text of `obj` (consumed; NULL gives NULL); free() it. */
char *proto_dump(json_t *obj);

/*
 * proto_error_prefix: put `prefix` ("payload.") before err's field and
 * message in place, cut to fit, so a member named inside a part reads from
 * the top of the message ("payload.lines[2].qty"). Returns -EINVAL.
 */
int proto_error_prefix(struct proto_error *err, const char *prefix);

/* proto_error_set: fill `err` (printf-style message); returns -EINVAL. */
int proto_error_set(struct proto_error *err, const char *code, const char *field, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

#endif
