/* SPDX-License-Identifier: MIT */
/*
 * The hub's upstream forwarder: collects completed records from the event
 * log into hub.db's queue and sends them to the back office in batches
 * (through upstream_curl.h, on the hub's libuv loop; docs/upstream.md,
 * docs/adr/0001). Every function runs on that loop.
 */
#ifndef TILLNET_UPSTREAM_FWD_H
#define TILLNET_UPSTREAM_FWD_H

#include <sqlite3.h>
#include <stddef.h>
#include <uv.h>

struct hub_config;
struct upstream_fwd;

/* The run command's --upstream* flags; NULL: as hub.conf says. */
struct upstream_flags {
	const char *url;
	const char *token_file;
	const char *token_command;
	const char *ca;
};

/*
 * upstream_fwd_configure: put `flags` over cfg's [upstream] and check the
 * result: an http:// URL only to a loopback host, a token source when there
 * is a URL, a readable token. -EINVAL with a sentence in `err` (a startup
 * error: EX_CONFIG).
 */
int upstream_fwd_configure(struct hub_config *cfg, const struct upstream_flags *flags, char *err,
			   size_t errlen);

/*
 * upstream_fwd_start: start collecting (always) and forwarding (when cfg
 * has a URL) on `loop` with `db` (the hub's handle; not owned). `cfg` is
 * copied. -ENOMEM, or -EIO with *out set all the same: stop and free it
 * as on success.
 */
int upstream_fwd_start(uv_loop_t *loop, sqlite3 *db, const struct hub_config *cfg,
		       struct upstream_fwd **out);

/*
 * upstream_fwd_poke: another process changed hub.db (e.g. `tillnet-hub
 * upstream retry`): look at the queue now rather than at the next tick.
 */
void upstream_fwd_poke(struct upstream_fwd *f);

/*
 * upstream_fwd_stop: abandon the request in flight (its records stay
 * pending and go again at the next start) and close the handles; then let
 * the loop run until they are closed and call upstream_fwd_free. NULL is a
 * no-op.
 */
void upstream_fwd_stop(struct upstream_fwd *f);
void upstream_fwd_free(struct upstream_fwd *f);

#endif
