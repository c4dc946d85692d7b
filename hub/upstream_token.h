/* SPDX-License-Identifier: MIT */
/*
 * The bearer token for upstream: the first line of a file, or of what a
 * command prints (for tokens that expire, e.g. an OAuth client). Read at
 * start and again after a 401.
 */
#ifndef TILLNET_UPSTREAM_TOKEN_H
#define TILLNET_UPSTREAM_TOKEN_H

#include <stddef.h>

#define UPSTREAM_TOKEN_MAX 4096

/*
 * upstream_token_get: run `command` (via /bin/sh -c; it blocks the caller
 * until the command ends, so it must be quick) when it is non-empty, else
 * read `file`; put the first line, without its line end, in `token`. An
 * empty line, a failing command or an unreadable file is -EINVAL, -EIO or
 * -ENOENT with a sentence in `err`.
 */
int upstream_token_get(const char *file, const char *command, char *token, size_t len, char *err,
		       size_t errlen);

#endif
