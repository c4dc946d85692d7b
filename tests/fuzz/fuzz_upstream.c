// SPDX-License-Identifier: MIT
/*
 * Fuzz target "upstream": what the back office answers the hub
 * (hub/upstream_proto.c). The whole input is a response body for
 * upstream_proto_results (a 200's per-record results) and
 * upstream_proto_error_message (any other status); its first line is also
 * tried as a Retry-After header value and as an [upstream] url.
 */
#include "fuzz.h"
#include "upstream_proto.h"

#include <stdlib.h>
#include <string.h>

#define NOW_MS 1700000000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upstream_result *results = NULL;
	size_t n = 0, skipped = 0, rest_len;
	char err[256], message[512], line[512];
	const uint8_t *rest;
	json_t *doc = NULL;
	int64_t delay;

	if (upstream_proto_results((const char *)data, size, &doc, &results, &n, &skipped, err,
				   sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!results[i].id || !results[i].result)
				abort(); /* a result kept must have both */
		upstream_proto_has_real(doc);
	}
	free(results);
	json_decref(doc);
	upstream_proto_error_message((const char *)data, size, 503, message, sizeof(message));
	fuzz_split(data, size, line, sizeof(line), &rest, &rest_len);
	if (upstream_proto_retry_after(line, NOW_MS, &delay) == 0 &&
	    (delay < 0 || delay > UPSTREAM_RETRY_AFTER_MAX_MS))
		abort();
	upstream_proto_check_url(line, err, sizeof(err));
	return 0;
}
