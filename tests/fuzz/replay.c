// SPDX-License-Identifier: MIT
/*
 * Replay a fuzz target's inputs without libFuzzer: every file named on the
 * command line, or in a folder named there, goes to LLVMFuzzerTestOneInput
 * once, in name order, and passes when it returns (a crash, a sanitizer
 * report or a leak fails the run). TAP output, one case per file, so the
 * seed corpus and every kept crash input are unit test cases in every build.
 * A folder that does not exist holds no cases.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_FILES_MAX 4096

static char *files[REPLAY_FILES_MAX];
static int n_files;

static int add(const char *path)
{
	if (n_files == REPLAY_FILES_MAX) {
		fprintf(stderr, "replay: more than %d inputs\n", REPLAY_FILES_MAX);
		return -ENOSPC;
	}
	files[n_files] = strdup(path);
	if (!files[n_files])
		return -ENOMEM;
	n_files++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int n, rc = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (rc == 0 && names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				rc = add(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *bigger;
	size_t cap = 0, n = 0, got;

	if (!f)
		return -errno;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int rc = 0;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc = add_dir(argv[i]);
		else if (stat(argv[i], &st) == 0)
			rc = add(argv[i]);
		if (rc < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(-rc));
			return 1;
		}
	}
	qsort(files, (size_t)n_files, sizeof(files[0]), by_name);
	printf("1..%d\n", n_files);
	fflush(stdout);
	for (int i = 0; i < n_files; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		int rc = read_all(files[i], &data, &len);

		if (rc < 0) {
			printf("not ok %d - %s: %s\n", i + 1, files[i], strerror(-rc));
			failed = 1;
		} else {
			/* A finding aborts here, before the "ok" line. */
			LLVMFuzzerTestOneInput(data, len);
			printf("ok %d - %s\n", i + 1, files[i]);
		}
		fflush(stdout);
		free(data);
		free(files[i]);
	}
	return failed;
}
