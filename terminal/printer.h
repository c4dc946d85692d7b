/* SPDX-License-Identifier: MIT */
/*
 * Sending a receipt's bytes to a printer: a network printer's raw port
 * ("tcp:HOST:PORT", usually 9100), a device (/dev/usb/lp0), or a file. One
 * attempt, bounded in time: the cashier decides whether to try again.
 */
#ifndef TILLNET_PRINTER_H
#define TILLNET_PRINTER_H

#include <stddef.h>

#define PRINTER_TIMEOUT_MS 5000 /* to connect, and for each write to make progress */
#define PRINTER_PORT	   9100 /* "tcp:HOST" without a port */

/*
 * printer_send: write all `len` bytes of `data` to `target`:
 *  - "tcp:HOST:PORT" (HOST a name, an IPv4 address or [IPv6]): connect
 *    within PRINTER_TIMEOUT_MS, write everything, close;
 *  - a path under /dev/: opened for writing as it is (never created);
 *  - any other path: a file, created when missing (0644), appended to.
 * Blocks the calling thread for at most a few timeouts; never retries.
 * Returns 0 or a negative errno (-ETIMEDOUT, -ECONNREFUSED, -ENOENT, …)
 * with a sentence in `why` that names the target and the reason, e.g.
 * `printer tcp:10.0.0.9:9100: cannot connect: Connection refused`.
 * SIGPIPE is not raised by a printer that hangs up.
 */
int printer_send(const char *target, const void *data, size_t len, char *why, size_t whylen);

#endif
