/* SPDX-License-Identifier: MIT */
/*
 * What the hub's sync server and the terminal's sync client share about
 * libwebsockets: where its log lines go and how idle links are watched.
 */
#ifndef TILLNET_WS_LWS_H
#define TILLNET_WS_LWS_H

#include <libwebsockets.h>

/* Ping a link idle for 15 s; hang up one idle for 45 s (docs/protocol.md). */
extern const lws_retry_bo_t ws_lws_idle_policy;

/* ws_lws_log_init: send lws's errors to our log, one line each. Call before creating a context. */
void ws_lws_log_init(void);

#endif
