// SPDX-License-Identifier: MIT
/* The printer adapter: a TCP raw port, a device or a file (see printer.h). */
#include "printer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PRINTER_HOST_MAX 256

/* "HOST:PORT", "[V6]:PORT", "HOST" into host and port text. */
static int split_target(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon, *end;

	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			return -EINVAL;
		colon = end[1] == ':' ? end + 1 : NULL;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		end = colon ? colon : spec + strlen(spec);
	}
	if (end == spec || (size_t)(end - spec) >= hostlen)
		return -EINVAL;
	memcpy(host, spec, (size_t)(end - spec));
	host[end - spec] = '\0';
	if (colon && (!colon[1] || strlen(colon + 1) >= portlen ||
		      strspn(colon + 1, "0123456789") != strlen(colon + 1)))
		return -EINVAL;
	snprintf(port, portlen, "%s", colon ? colon + 1 : "9100");
	return 0;
}

/* Wait for `events` on fd, at most PRINTER_TIMEOUT_MS: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	int n;

	do
		n = poll(&p, 1, PRINTER_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* A connected non-blocking socket to one address, or -errno. */
static int connect_one(const struct addrinfo *ai)
{
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	int rc, err = 0;
	socklen_t errlen = sizeof(err);

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	rc = wait_fd(fd, POLLOUT);
	if (rc < 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0) {
		rc = -errno;
		goto fail;
	}
	if (err) {
		rc = -err;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

/* Write everything, waiting up to the timeout each time the peer stalls. */
static int write_all(int fd, const void *data, size_t len, int is_socket)
{
	const unsigned char *p = data;
	ssize_t n;
	int rc;

	while (len > 0) {
		n = is_socket ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(fd, POLLOUT);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_tcp(const char *target, const void *data, size_t len, char *why, size_t whylen)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char host[PRINTER_HOST_MAX], port[8];
	int fd = -1, rc, gai;

	if (split_target(target + 4, host, sizeof(host), port, sizeof(port)) < 0) {
		snprintf(why, whylen,
			 "printer %s: expected tcp:HOST:PORT (e.g. tcp:192.168.1.50:9100)", target);
		return -EINVAL;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		snprintf(why, whylen, "printer %s: cannot resolve %s: %s", target, host,
			 gai_strerror(gai));
		return -EHOSTUNREACH;
	}
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai);
		if (fd >= 0)
			break;
		rc = fd;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(why, whylen, "printer %s: cannot connect: %s", target, strerror(-rc));
		return rc;
	}
	rc = write_all(fd, data, len, 1);
	if (rc < 0) {
		snprintf(why, whylen, "printer %s: cannot send the receipt: %s", target,
			 strerror(-rc));
		close(fd);
		return rc;
	}
	/* The printer may read after we close: that is what a raw port expects. */
	if (close(fd) < 0) {
		rc = -errno;
		snprintf(why, whylen, "printer %s: %s", target, strerror(-rc));
		return rc;
	}
	return 0;
}

static int send_path(const char *target, const void *data, size_t len, char *why, size_t whylen)
{
	int device = strncmp(target, "/dev/", 5) == 0;
	/* A device opens non-blocking so that a printer out of paper cannot hang us. */
	int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (device ? O_NONBLOCK : O_CREAT | O_APPEND);
	int fd, rc;

	do
		fd = open(target, flags, 0644);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, whylen, "printer %s: cannot open: %s", target, strerror(-rc));
		return rc;
	}
	rc = write_all(fd, data, len, 0);
	if (rc < 0) {
		snprintf(why, whylen, "printer %s: cannot write: %s", target, strerror(-rc));
		close(fd);
		return rc;
	}
	if (close(fd) < 0) {
		rc = -errno;
		snprintf(why, whylen, "printer %s: cannot write: %s", target, strerror(-rc));
		return rc;
	}
	return 0;
}

int printer_send(const char *target, const void *data, size_t len, char *why, size_t whylen)
{
	if (!target || !target[0]) {
		snprintf(why, whylen, "no printer: set [printer] target in term.conf");
		return -EINVAL;
	}
	if (strncmp(target, "tcp:", 4) == 0)
		return send_tcp(target, data, len, why, whylen);
	return send_path(target, data, len, why, whylen);
}
