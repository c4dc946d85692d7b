/* SPDX-License-Identifier: MIT */
/*
 * A lock file that says "a process runs on this data folder": taken with an
 * fcntl write lock, so it is released by the kernel when the process dies,
 * even by kill -9, and `status` can ask who holds it.
 */
#ifndef TILLNET_PIDLOCK_H
#define TILLNET_PIDLOCK_H

#include <sys/types.h>

/*
 * pidlock_take: lock `path` for this process and write our pid in it. The
 * descriptor stays open for the life of the process (*fd). -EBUSY with
 * *holder set if another process holds it.
 */
int pidlock_take(const char *path, int *fd, pid_t *holder);

/* pidlock_holder: the pid holding `path`, or 0 if nobody does. */
int pidlock_holder(const char *path, pid_t *holder);

#endif
