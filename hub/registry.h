/* SPDX-License-Identifier: MIT */
/*
 * The hub's registry of terminals in hub.db: enrollment codes waiting to be
 * used, enrolled terminals with their certificate serial and revocation, and
 * each terminal's presence (online, address, last seen, clock offset).
 * All functions run short statements on the caller's thread.
 */
#ifndef TILLNET_REGISTRY_H
#define TILLNET_REGISTRY_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define REGISTRY_CODE_TTL_MS (15 * 60 * 1000)
#define REGISTRY_NAME_MAX    64

struct registry_code {
	char terminal_id[40];
	char name[REGISTRY_NAME_MAX + 1];
	uint8_t secret_hash[32];
	int64_t expires_at;
	int64_t used_at; /* 0: not used */
};

struct registry_terminal {
	char id[40];
	char name[REGISTRY_NAME_MAX + 1];
	char short_code[16];
	char cert_serial[40];
	int64_t enrolled_at;
	int64_t revoked_at; /* 0: not revoked */
};

/* registry_check_name: a terminal name is 1-64 printable characters. */
int registry_check_name(const char *name, char *err, size_t errlen);

/* registry_add_code: remember a new code for `terminal_id`. */
int registry_add_code(sqlite3 *db, const char *terminal_id, const char *name,
		      const uint8_t secret_hash[32], int64_t now);

/* registry_get_code: -ENOENT if there is no code for this terminal id. */
int registry_get_code(sqlite3 *db, const char *terminal_id, struct registry_code *code);

/*
 * registry_enroll: in one transaction, mark the code used (it must still be
 * unused: -EALREADY otherwise), give the terminal the next short code
 * (T01, T02, ...) and record it. `t` carries id, name and serial in and gets
 * short_code and enrolled_at out.
 */
int registry_enroll(sqlite3 *db, struct registry_terminal *t, int64_t now);

/* registry_find: by id; -ENOENT if unknown. */
int registry_find(sqlite3 *db, const char *id, struct registry_terminal *t);

/* registry_lookup: by id or short code (T01, any case); -ENOENT if unknown. */
int registry_lookup(sqlite3 *db, const char *id_or_short_code, struct registry_terminal *t);

/*
 * registry_revoke: mark the terminal revoked and audit it ("terminal.revoke"
 * by `actor`) in one transaction. -ENOENT if unknown, -EALREADY if already
 * revoked (t is filled in both of those and on success).
 */
int registry_revoke(sqlite3 *db, const char *id_or_short_code, const char *actor, int64_t now,
		    struct registry_terminal *t);

/* registry_list: a JSON array of terminals with presence; caller json_decref's. */
int registry_list(sqlite3 *db, int hub_running, json_t **out);

/* Presence, written by the running hub. */
int registry_presence_reset(sqlite3 *db);
int registry_presence_online(sqlite3 *db, const char *id, const char *address, int64_t now,
			     int64_t clock_offset_ms, const char *software);
int registry_presence_offline(sqlite3 *db, const char *id, int64_t now);

#endif
