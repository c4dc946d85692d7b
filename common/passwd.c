// SPDX-License-Identifier: MIT
/* argon2id password and PIN hashes in PHC form (see passwd.h). */
#include "passwd.h"
#include "log.h"
#include "uuid.h"

#include <argon2.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

int passwd_hash(const char *password, size_t len, char out[PASSWD_PHC_MAX])
{
	uint8_t salt[PASSWD_SALT_LEN];
	int rc;

	out[0] = '\0';
	if (random_bytes(salt, sizeof(salt)) < 0)
		return -EIO;
	rc = argon2id_hash_encoded(PASSWD_T_COST, PASSWD_M_COST, PASSWD_LANES, password, len, salt,
				   sizeof(salt), PASSWD_HASH_LEN, out, PASSWD_PHC_MAX);
	if (rc != ARGON2_OK) {
		log_error("passwd: cannot hash: %s", argon2_error_message(rc));
		out[0] = '\0';
		return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? -ENOMEM : -EINVAL;
	}
	return 0;
}

int passwd_verify(const char *phc, const char *password, size_t len)
{
	int rc;

	/*
	 * Only our own kind of hash: a PHC string for argon2i or argon2d would
	 * be refused by argon2id_verify too, but say so clearly in the log.
	 */
	if (strncmp(phc, "$argon2id$", 10) != 0) {
		log_error("passwd: a stored hash is not an argon2id PHC string");
		return -EINVAL;
	}
	rc = argon2id_verify(phc, password, len);
	if (rc == ARGON2_OK)
		return 0;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return -EACCES;
	log_error("passwd: cannot check against a stored hash: %s", argon2_error_message(rc));
	return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? -ENOMEM : -EINVAL;
}

/* 31 characters: digits and lower-case letters without 0, 1, i, l, o. */
static const char passwd_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

int passwd_generate(char out[PASSWD_GENERATED_LEN + 1])
{
	const size_t n = sizeof(passwd_alphabet) - 1;
	/* Bytes at or above the largest multiple of n are dropped: no bias. */
	const unsigned int limit = 256 - 256 % n;
	uint8_t pool[64];
	size_t used = sizeof(pool), pos = 0;

	while (pos < PASSWD_GENERATED_LEN) {
		if (pos % 6 == 5) {
			out[pos++] = '-';
			continue;
		}
		if (used == sizeof(pool)) {
			if (random_bytes(pool, sizeof(pool)) < 0)
				return -EIO;
			used = 0;
		}
		if (pool[used] < limit)
			out[pos++] = passwd_alphabet[pool[used] % n];
		used++;
	}
	out[pos] = '\0';
	memset(pool, 0, sizeof(pool));
	return 0;
}

int passwd_acceptable(const char *password, size_t len)
{
	size_t chars = 0;

	if (len > PASSWD_MAX_LEN || memchr(password, '\0', len))
		return -EINVAL;
	/* Count characters, not bytes: UTF-8 continuation bytes are 10xxxxxx. */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)password[i] & 0xC0) != 0x80)
			chars++;
	return chars < PASSWD_MIN_LEN ? -EINVAL : 0;
}
