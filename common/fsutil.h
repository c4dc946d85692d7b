/* SPDX-License-Identifier: MIT */
/* Small file helpers: read a whole file with a ceiling, write one atomically. */
#ifndef TILLNET_FSUTIL_H
#define TILLNET_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * fsutil_read: read all of `path` (at most `max` bytes, else -EFBIG) into a
 * NUL-terminated buffer the caller frees with free(). `len` may be NULL.
 * Returns 0 or a negative errno (-ENOENT when it does not exist).
 */
int fsutil_read(const char *path, size_t max, char **out, size_t *len);

/*
 * fsutil_write: write `len` bytes to `path` through a temporary file, fsync and
 * rename, so a reader sees the old file or the new one whole. The file is
 * created with `mode` (keys: 0600). With `exclusive`, -EEXIST if it exists.
 */
int fsutil_write(const char *path, const void *data, size_t len, mode_t mode, bool exclusive);

/* fsutil_exists: true if `path` exists (any type). */
bool fsutil_exists(const char *path);

/* fsutil_path: join `dir` and `name` into `out`; -ENAMETOOLONG if it does not fit. */
int fsutil_path(char *out, size_t outlen, const char *dir, const char *name);

#endif
