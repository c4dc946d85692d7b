// SPDX-License-Identifier: MIT
/*
 * Fuzz target "admin": one request to the hub's admin API, signed in as the
 * owner (hub/admin_*.c: catalog items and import, staff and roles,
 * accounts, sign-in and password change, attention, orders, terminals).
 * The input's first line is "METHOD /path?query"; the rest is the body.
 * A first line starting with "anon " sends the request without a session.
 */
#include "fuzz.h"
#include "fuzz_hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], method[16];
	const uint8_t *body;
	const char *target, *start;
	size_t body_len;
	int signed_in = 1;
	unsigned int status;

	fuzz_split(data, size, line, sizeof(line), &body, &body_len);
	start = line;
	if (strncmp(start, "anon ", 5) == 0) {
		signed_in = 0;
		start += 5;
	}
	target = strchr(start, ' ');
	if (!target || (size_t)(target - start) >= sizeof(method))
		return 0;
	snprintf(method, sizeof(method), "%.*s", (int)(target - start), start);
	status = fuzz_hub_request(method, target + 1, (const char *)body, body_len, signed_in);
	if (status < 200 || status > 599)
		abort(); /* every request gets an answer */
	return 0;
}
