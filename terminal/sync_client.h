/* SPDX-License-Identifier: MIT */
/*
 * The terminal's connection to the hub: WSS with this terminal's client
 * certificate, the hub checked against the store CA and its name. It says
 * hello, and reconnects by itself with exponential backoff and jitter
 * (0.5 s doubling to a 30 s cap). Each state change is one log line and a
 * row in term.db that `tillnet-term status` reads.
 */
#ifndef TILLNET_SYNC_CLIENT_H
#define TILLNET_SYNC_CLIENT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <uv.h>

#define SYNC_BACKOFF_BASE_MS 500
#define SYNC_BACKOFF_CAP_MS  30000

struct sync_client_options {
	uv_loop_t *loop;
	sqlite3 *db;
	const char *host;
	uint16_t port;
	const char *ca_path;
	const char *cert_path;
	const char *key_path;
	const char *terminal_id;
};

struct sync_client;

/* sync_client_start: connect now (and again whenever the link drops). */
int sync_client_start(const struct sync_client_options *opts, struct sync_client **out);

/* sync_client_state_json: the current state, as status prints it; caller json_decref's. */
json_t *sync_client_state_json(const struct sync_client *c);

/*
 * sync_client_kick: this process wrote ops or a claim to term.db on its own
 * handle (the local API), which PRAGMA data_version does not report: send
 * what is owed now. NULL is a no-op.
 */
void sync_client_kick(struct sync_client *c);

/*
 * sync_client_destroy: record "stopped", close the connection and the timer.
 * The loop must then run until the handles are closed, and sync_client_free
 * finish: lws completes a context on a foreign libuv loop only on a second
 * lws_context_destroy. NULL is a no-op for both.
 */
void sync_client_destroy(struct sync_client *c);
void sync_client_free(struct sync_client *c);

#endif
