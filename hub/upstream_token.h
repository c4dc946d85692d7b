/* SPDX-License-Identifier: MIT */
/*
 * The bearer token for upstream: the first line of a file, or of what a
 * command prints (for tokens that expire, e.g. an OAuth client). Read at
 * start and again after a 401. A command runs as a child process watched by
 * the hub's libuv loop, so that a slow one never stalls the relay.
 */
#ifndef TILLNET_UPSTREAM_TOKEN_H
#define TILLNET_UPSTREAM_TOKEN_H

#include <stddef.h>
#include <uv.h>

#define UPSTREAM_TOKEN_MAX	  4096
#define UPSTREAM_TOKEN_TIMEOUT_MS 10000 /* a token command that takes longer is killed */

/*
 * upstream_token_read_file: the first line of `file`, without its line end
 * or trailing blanks, into `token`. A missing file is -ENOENT (or another
 * negative errno), an empty first line or one longer than `len` -EINVAL;
 * each with a sentence in `err`. Blocks on the file only: a local read.
 */
int upstream_token_read_file(const char *file, char *token, size_t len, char *err, size_t errlen);

/*
 * Called on the loop when a token command has finished: `status` 0 with the
 * first line in `token`, or a negative errno with a sentence naming the
 * command in `err` (failed, killed, timed out, printed no token). Both
 * strings live only during the call. The run is over and freed by then.
 */
typedef void upstream_token_cb(void *arg, int status, const char *token, const char *err);

struct upstream_token_run;

/*
 * upstream_token_fetch: start `command` with /bin/sh -c on `loop`, its stdout
 * through a pipe, its stderr to the hub's. It is killed (its whole process
 * group) after `timeout_ms`. `cb` runs exactly once unless the run is
 * cancelled. 0 with *out set, or a negative errno (and `err`) when the
 * command cannot start; then `cb` never runs. Loop thread only.
 */
int upstream_token_fetch(uv_loop_t *loop, const char *command, unsigned int timeout_ms,
			 upstream_token_cb *cb, void *arg, struct upstream_token_run **out,
			 char *err, size_t errlen);

/*
 * upstream_token_cancel: kill the command and forget the run: `cb` never
 * runs; the handles close on the loop and free the run. NULL is a no-op.
 */
void upstream_token_cancel(struct upstream_token_run *r);

#endif
