// SPDX-License-Identifier: MIT
/*
 * Fuzz target "config": a hub.conf and a term.conf (common/config.c). The
 * loaders read a file with inih, so each input is written to one in a
 * folder of our own (under $TMPDIR) and both loaders read it.
 */
#include "config.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[4096], path[4200];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub_config hub;
	struct term_config term;
	char err[512];
	FILE *f;

	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/tillnet-fuzz-config-XXXXXX", tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/hub.conf", dir);
		atexit(remove_dir);
	}
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	config_hub_defaults(&hub);
	config_hub_load(path, &hub, err, sizeof(err));
	config_term_defaults(&term);
	config_term_load(path, &term, err, sizeof(err));
	return 0;
}
