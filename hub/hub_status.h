/* SPDX-License-Identifier: MIT */
/*
 * What `tillnet-hub status --json` and GET /api/v1/status show: the store,
 * the hub's ports and CA fingerprint, each terminal with its presence,
 * cursor and lag, the event log head, and the upstream queue
 * (docs/architecture.md, "Status"). Built from hub.db on the caller's thread.
 */
#ifndef TILLNET_HUB_STATUS_H
#define TILLNET_HUB_STATUS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

struct hub_config;

/*
 * hub_status_json: the status object. `pid` is the running hub's process id,
 * 0 when it does not run; `ca_pem` the store CA (its fingerprint is shown).
 * 0, -ENOMEM, or a negative errno from reading hub.db
 * (logged). Caller json_decref's *out.
 */
int hub_status_json(sqlite3 *db, const struct hub_config *cfg, const char *ca_pem, long pid,
		    int64_t now, json_t **out);

#endif
