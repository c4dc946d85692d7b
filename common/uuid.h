/* SPDX-License-Identifier: MIT */
/* UUIDv7 ids (RFC 9562): time-ordered, 74 random bits; text form 8-4-4-4-12. */
#ifndef TILLNET_UUID_H
#define TILLNET_UUID_H

#include <stddef.h>
#include <stdint.h>

#define UUID_LEN      16
#define UUID_TEXT_LEN 37

/* uuid_v7: a new id from the wall clock in ms and the kernel's random source. */
int uuid_v7(uint8_t out[UUID_LEN]);
void uuid_format(const uint8_t id[UUID_LEN], char out[UUID_TEXT_LEN]);
/* uuid_parse: the 36-character text form, either case; -EINVAL otherwise. */
int uuid_parse(const char *text, uint8_t out[UUID_LEN]);

/* random_bytes: fill `buf` from getrandom(2); 0 or a negative errno. */
int random_bytes(void *buf, size_t len);

#endif
