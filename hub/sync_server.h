/* SPDX-License-Identifier: MIT */
/*
 * The hub's WSS listener for terminals (libwebsockets on the hub's libuv
 * loop). Mutual TLS: a terminal must present a certificate from the store CA
 * whose serial the registry knows and has not revoked; anything else fails
 * the TLS handshake. Then the terminal says hello (docs/protocol.md).
 */
#ifndef TILLNET_SYNC_SERVER_H
#define TILLNET_SYNC_SERVER_H

#include <sqlite3.h>
#include <stdint.h>
#include <uv.h>

struct sync_server_options {
	uv_loop_t *loop;
	sqlite3 *db;
	const char *listen;
	uint16_t port;
	const char *cert_path; /* hub.crt */
	const char *key_path;  /* hub.key */
	const char *ca_path;   /* ca.crt: the only CA terminals' certificates may chain to */
	const char *store;
	const char *hub_id;
};

struct sync_server;

/* sync_server_start: listen now. One per process. 0 or -EIO (logged). */
int sync_server_start(const struct sync_server_options *opts, struct sync_server **out);

/*
 * sync_server_tick: the server's housekeeping, called a few times a second:
 * close connections that sent no hello in time (4408), write terminals'
 * cursors to hub.db.
 */
void sync_server_tick(struct sync_server *s);

/* sync_server_enforce_revocations: cut off connected terminals revoked since they connected. */
void sync_server_enforce_revocations(struct sync_server *s);

/*
 * sync_server_log_changed: another process (the CLI: catalog import,
 * force-claim) may have added events; send them to whoever waits for them.
 */
void sync_server_log_changed(struct sync_server *s);

/* sync_server_online: how many terminals have said hello and are connected. */
int sync_server_online(const struct sync_server *s);

/*
 * sync_server_destroy: close every connection and the listener. The loop
 * must then run until lws has closed its handles, and sync_server_free
 * finish the job: lws completes a context on a foreign libuv loop only on a
 * second lws_context_destroy. NULL is a no-op for both.
 */
void sync_server_destroy(struct sync_server *s);
void sync_server_free(struct sync_server *s);

#endif
