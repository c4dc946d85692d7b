// SPDX-License-Identifier: MIT
/* Reading upstream's bearer token (see upstream_token.h). */
#include "upstream_token.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* The first line of `f`, trimmed; -EINVAL when it is empty or too long. */
static int first_line(FILE *f, char *token, size_t len)
{
	size_t n;

	if (!fgets(token, (int)len, f))
		return -EINVAL;
	n = strcspn(token, "\r\n");
	if (token[n] == '\0' && n == len - 1)
		return -EINVAL; /* no line end within the limit: not a token we can trust */
	while (n > 0 && (token[n - 1] == ' ' || token[n - 1] == '\t'))
		n--;
	token[n] = '\0';
	return n > 0 ? 0 : -EINVAL;
}

int upstream_token_get(const char *file, const char *command, char *token, size_t len, char *err,
		       size_t errlen)
{
	FILE *f;
	int rc, status;

	token[0] = '\0';
	if (command && command[0]) {
		fflush(NULL);
		f = popen(command, "re");
		if (!f) {
			rc = -errno;
			snprintf(err, errlen, "cannot run the upstream token command \"%s\": %s",
				 command, strerror(errno));
			return rc;
		}
		rc = first_line(f, token, len);
		/* Read the rest, so that the command is not killed by SIGPIPE. */
		while (fgetc(f) != EOF)
			;
		status = pclose(f);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			snprintf(err, errlen,
				 "the upstream token command \"%s\" failed (status %d)", command,
				 status);
			token[0] = '\0';
			return -EIO;
		}
		if (rc < 0)
			snprintf(err, errlen,
				 "the upstream token command \"%s\" printed no token on its first "
				 "line",
				 command);
		return rc;
	}
	if (!file || !file[0]) {
		snprintf(err, errlen,
			 "no upstream token: give --upstream-token-file or "
			 "--upstream-token-command ([upstream] token_file or token_command)");
		return -EINVAL;
	}
	f = fopen(file, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read the upstream token file %s: %s", file,
			 strerror(errno));
		return rc;
	}
	rc = first_line(f, token, len);
	fclose(f);
	if (rc < 0) {
		token[0] = '\0';
		snprintf(err, errlen, "the upstream token file %s holds no token on its first line",
			 file);
	}
	return rc;
}
