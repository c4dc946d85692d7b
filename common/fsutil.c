// SPDX-License-Identifier: MIT
/* File helpers shared by the hub and the terminal. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsutil_read(const char *path, size_t max, char **out, size_t *len)
{
	char *buf = NULL;
	size_t used = 0;
	ssize_t n;
	int fd;
	int rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(max + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto fail;
	}
	for (;;) {
		n = read(fd, buf + used, max + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			rc = -EFBIG;
			goto fail;
		}
	}
	buf[used] = '\0';
	close(fd);
	*out = buf;
	if (len)
		*len = used;
	return 0;
fail:
	free(buf);
	close(fd);
	return rc;
}

int fsutil_write(const char *path, const void *data, size_t len, mode_t mode, bool exclusive)
{
	char tmp[4096];
	const char *p = data;
	ssize_t n;
	int fd = -1;
	int rc;

	if (exclusive && fsutil_exists(path))
		return -EEXIST;
	rc = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (rc < 0 || (size_t)rc >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* open() honours the umask; the mode asked for is the mode we want. */
	if (fchmod(fd, mode) < 0) {
		rc = -errno;
		goto fail;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

bool fsutil_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int fsutil_path(char *out, size_t outlen, const char *dir, const char *name)
{
	int rc = snprintf(out, outlen, "%s/%s", dir, name);

	if (rc < 0 || (size_t)rc >= outlen)
		return -ENAMETOOLONG;
	return 0;
}
