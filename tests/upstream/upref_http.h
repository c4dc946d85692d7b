/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd for the reference upstream: one thread, MHD in external
 * epoll mode watched by poll(2) together with a stop descriptor. Request
 * bodies are read here with a ceiling; upref_api decides the answers. A
 * delayed answer suspends its connection and resumes it when due, so a slow
 * batch-sync never holds up other requests; a dropped answer sends part of
 * its body and then closes the connection.
 */
#ifndef UPREF_HTTP_H
#define UPREF_HTTP_H

#include "upref_api.h"

#include <stddef.h>
#include <stdint.h>

struct upref_http_options {
	const char *listen;   /* an IPv4 or IPv6 address */
	uint16_t port;	      /* 0: any free port (see upref_http_port) */
	const char *cert_pem; /* both NULL: plain HTTP; kept alive by the caller until stop */
	const char *key_pem;
	size_t body_max;
	struct upref_api *api; /* borrowed */
};

struct upref_http;

/* upref_http_start: listen now. 0, -EINVAL (bad address), -ENOMEM or -EIO (logged). */
int upref_http_start(const struct upref_http_options *o, struct upref_http **out);

/* upref_http_port: the port it listens on. */
uint16_t upref_http_port(const struct upref_http *h);

/*
 * upref_http_run: serve until `stop_fd` becomes readable (a signalfd for
 * SIGTERM and SIGINT). 0, or -EIO when polling itself fails.
 */
int upref_http_run(struct upref_http *h, int stop_fd);

/* upref_http_stop: close every connection and the listener; NULL is a no-op. */
void upref_http_stop(struct upref_http *h);

#endif
