/* SPDX-License-Identifier: MIT */
/*
 * Terminal enrollment on the hub: making one-time codes (`terminal add`) and
 * answering a terminal's enrollment request (POST /api/v1/enroll): check the
 * code's secret, that it is unused and not expired, check the CSR, sign it,
 * and record the terminal, all or nothing.
 */
#ifndef TILLNET_ENROLL_H
#define TILLNET_ENROLL_H

#include <sqlite3.h>
#include <stdint.h>

#include "enroll_code.h"
#include "http_mhd.h"

struct hub_config;

struct enroll_ctx {
	sqlite3 *db;
	const char *ca_key_pem;
	const char *ca_cert_pem;
	const char *store;
	const char *hub_id;
	uint16_t sync_port;
	uint16_t admin_port;
	/*
	 * The addresses the hub is reached at ([hub] advertise and listen):
	 * the admin routes accept https://ADDRESS:ADMIN_PORT as a request's
	 * Origin (hub/admin_session.h).
	 */
	const char *advertise;
	const char *listen;
	/* The whole configuration, for GET /api/v1/status (hub/admin_status.c). */
	const struct hub_config *cfg;
	/*
	 * Called after an admin route wrote to hub.db through `db`: the
	 * running hub's PRAGMA data_version watch only sees other processes'
	 * writes, so revocations, catalog events and upstream retries made
	 * here are announced this way. NULL: nobody to tell.
	 */
	void (*changed)(void *arg);
	void *changed_arg;
};

/*
 * enroll_new_code: a code for a new terminal called `name`, valid 15 minutes,
 * pointing at host:port. Fills `code_text`, `terminal_id`, `expires_at` (ms).
 */
int enroll_new_code(sqlite3 *db, const char *name, const char *host, uint16_t port,
		    const char *ca_cert_pem, char code_text[ENROLL_CODE_MAX], char terminal_id[40],
		    int64_t *expires_at);

/* enroll_handle: answer POST /api/v1/enroll with `req->body`. Runs on the loop. */
void enroll_handle(struct enroll_ctx *ctx, const struct http_request *req,
		   struct http_response *res);

#endif
