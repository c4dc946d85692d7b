// SPDX-License-Identifier: MIT
/*
 * Fuzz target "enroll": the body of a terminal's enrollment request, POST
 * /api/v1/enroll (hub/enroll.c), to a hub holding one unused code
 * (fuzz_hub.h: its terminal id and secret), so that a body with the right
 * pair reaches the CSR check and signing.
 */
#include "fuzz.h"
#include "fuzz_hub.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int status =
	    fuzz_hub_request("POST", "/api/v1/enroll", (const char *)data, size, 0);

	if (status < 200 || status > 599)
		abort();
	return 0;
}
