/* SPDX-License-Identifier: MIT */
/*
 * Password and PIN hashes: argon2id (libargon2) at OWASP's recommended
 * minimum, m = 19 MiB, t = 2, p = 1, a 16-byte salt from getrandom(2), kept in
 * the PHC string form "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" so that
 * a hash carries its own parameters and can be checked after they change.
 * docs/security.md says why these parameters.
 *
 * One hash costs about 25 ms and 19 MiB on the hub's laptop. The functions
 * block for that long; callers on an event loop accept it knowingly (login
 * attempts are throttled, see hub/admin_throttle.h).
 */
#ifndef TILLNET_PASSWD_H
#define TILLNET_PASSWD_H

#include <stddef.h>

#define PASSWD_T_COST	2
#define PASSWD_M_COST	19456 /* KiB */
#define PASSWD_LANES	1
#define PASSWD_SALT_LEN 16
#define PASSWD_HASH_LEN 32
/* The PHC string of our parameters is 97 characters; room for longer ones. */
#define PASSWD_PHC_MAX 160

/* The rule for a person's password: at least 12 characters, at most 1024 bytes, no NUL. */
#define PASSWD_MIN_LEN 12
#define PASSWD_MAX_LEN 1024

/*
 * passwd_hash: hash `password` (len bytes) with a fresh salt into `out` as a
 * PHC string. 0, -EIO when the kernel gives no random bytes, -ENOMEM or
 * -EINVAL (libargon2's reason logged).
 */
int passwd_hash(const char *password, size_t len, char out[PASSWD_PHC_MAX]);

/*
 * passwd_verify: does `password` match the PHC string `phc`? 0 if it does,
 * -EACCES if it does not (compared in constant time by libargon2), -EINVAL
 * if `phc` is not an argon2id PHC string (logged).
 */
int passwd_verify(const char *phc, const char *password, size_t len);

/*
 * passwd_generate: a one-time password for a person to copy by hand: groups
 * of 5 characters joined by '-' from an alphabet with no look-alikes
 * (no 0/o, 1/l/i), e.g. "k7mx2-q9hfw-3ncr8-tbz4e": 20 random characters,
 * about 99 bits. `out` must hold PASSWD_GENERATED_LEN + 1 bytes. 0 or -EIO.
 */
#define PASSWD_GENERATED_LEN 23
int passwd_generate(char out[PASSWD_GENERATED_LEN + 1]);

/* passwd_acceptable: does `password` follow the rule above? 0 or -EINVAL. */
int passwd_acceptable(const char *password, size_t len);

#endif
