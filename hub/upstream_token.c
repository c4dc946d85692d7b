// SPDX-License-Identifier: MIT
/*
 * Reading upstream's bearer token (see upstream_token.h).
 *
 * A note on the command: it used to run with popen(), which blocked the
 * hub's loop, and with it the relay between terminals, for as long as the
 * command took (an OAuth client waiting on a slow identity server). It now
 * runs under uv_spawn in a process group of its own, its stdout read through
 * a uv_pipe; a timer kills the group when it takes too long, so that a
 * grandchild holding the pipe open cannot keep the run alive either.
 */
#include "upstream_token.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct upstream_token_run {
	uv_process_t proc;
	uv_pipe_t out;
	uv_timer_t timer;
	upstream_token_cb *cb;
	void *arg;
	char *command;
	char buf[UPSTREAM_TOKEN_MAX + 1]; /* the start of stdout; the rest is read and dropped */
	size_t len;
	int64_t exit_status;
	int term_signal;
	int exited, eof, timed_out, cancelled, finished;
	int open_handles; /* the run is freed when the last one has closed */
	unsigned int timeout_ms;
};

/*
 * The first line of buf[0..n), trimmed, into `token`; -EINVAL when it is
 * empty, or when no line end came within the limit (`complete` 0: a token
 * we could only have cut short).
 */
static int first_line(const char *buf, size_t n, int complete, char *token, size_t len)
{
	size_t end = 0;

	while (end < n && buf[end] != '\n' && buf[end] != '\r')
		end++;
	if (end == n && !complete)
		return -EINVAL;
	while (end > 0 && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	if (end == 0 || end >= len)
		return -EINVAL;
	memcpy(token, buf, end);
	token[end] = '\0';
	return 0;
}

int upstream_token_read_file(const char *file, char *token, size_t len, char *err, size_t errlen)
{
	char buf[UPSTREAM_TOKEN_MAX + 1];
	size_t n;
	FILE *f;
	int rc;

	token[0] = '\0';
	f = fopen(file, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read the upstream token file %s: %s", file,
			 strerror(errno));
		return rc;
	}
	n = fread(buf, 1, sizeof(buf), f);
	/* Shorter than the buffer: the whole file, so a last line without its end is whole. */
	rc = first_line(buf, n, n < sizeof(buf), token, len);
	fclose(f);
	if (rc < 0) {
		token[0] = '\0';
		snprintf(err, errlen,
			 "the upstream token file %s holds no token on its first line (or one "
			 "longer than %d characters)",
			 file, UPSTREAM_TOKEN_MAX - 1);
	}
	return rc;
}

static void run_closed(uv_handle_t *h)
{
	struct upstream_token_run *r = h->data;

	if (--r->open_handles > 0)
		return;
	free(r->command);
	free(r);
}

static void run_close(struct upstream_token_run *r)
{
	uv_close((uv_handle_t *)&r->proc, run_closed);
	uv_close((uv_handle_t *)&r->out, run_closed);
	uv_close((uv_handle_t *)&r->timer, run_closed);
}

/* The command has told all it will: hand the token (or why not) over, then close. */
static void run_finish(struct upstream_token_run *r)
{
	char token[UPSTREAM_TOKEN_MAX], err[512 + UPSTREAM_TOKEN_MAX];
	int rc = 0;

	r->finished = 1;
	uv_timer_stop(&r->timer);
	uv_read_stop((uv_stream_t *)&r->out);
	token[0] = '\0';
	err[0] = '\0';
	if (r->timed_out) {
		rc = -ETIMEDOUT;
		snprintf(err, sizeof(err),
			 "the upstream token command \"%s\" took longer than %u ms and was killed",
			 r->command, r->timeout_ms);
	} else if (r->term_signal) {
		rc = -EIO;
		snprintf(err, sizeof(err),
			 "the upstream token command \"%s\" was killed by signal %d", r->command,
			 r->term_signal);
	} else if (r->exit_status != 0) {
		rc = -EIO;
		snprintf(err, sizeof(err),
			 "the upstream token command \"%s\" failed (exit status %lld)", r->command,
			 (long long)r->exit_status);
	} else if (first_line(r->buf, r->len, r->eof, token, sizeof(token)) < 0) {
		rc = -EINVAL;
		snprintf(err, sizeof(err),
			 "the upstream token command \"%s\" printed no token on its first line",
			 r->command);
	}
	run_close(r);
	if (!r->cancelled)
		r->cb(r->arg, rc, token, err);
}

/* Done when the command has exited and its output has ended (or its first line is in). */
static void run_check(struct upstream_token_run *r)
{
	if (r->finished || !r->exited)
		return;
	if (r->eof || r->timed_out || memchr(r->buf, '\n', r->len))
		run_finish(r);
}

static void on_exit_cb(uv_process_t *p, int64_t exit_status, int term_signal)
{
	struct upstream_token_run *r = p->data;

	r->exited = 1;
	r->exit_status = exit_status;
	r->term_signal = r->timed_out ? 0 : term_signal;
	run_check(r);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct upstream_token_run *r = h->data;
	static char drop[1024];

	(void)suggested;
	/* Past the limit: read into a scratch buffer so the command is not stopped by SIGPIPE. */
	if (r->len < UPSTREAM_TOKEN_MAX)
		*buf = uv_buf_init(r->buf + r->len, (unsigned int)(UPSTREAM_TOKEN_MAX - r->len));
	else
		*buf = uv_buf_init(drop, sizeof(drop));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct upstream_token_run *r = s->data;

	if (n > 0 && buf->base == r->buf + r->len)
		r->len += (size_t)n;
	if (n < 0) {
		/* UV_EOF or a read error: either way no more output will come. */
		r->eof = 1;
		uv_read_stop(s);
	}
	r->buf[r->len] = '\0';
	run_check(r);
}

static void on_timeout(uv_timer_t *t)
{
	struct upstream_token_run *r = t->data;

	r->timed_out = 1;
	/* The whole group: sh and whatever it started. */
	uv_kill(-r->proc.pid, SIGKILL);
	run_check(r);
}

int upstream_token_fetch(uv_loop_t *loop, const char *command, unsigned int timeout_ms,
			 upstream_token_cb *cb, void *arg, struct upstream_token_run **out,
			 char *err, size_t errlen)
{
	struct upstream_token_run *r;
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	char *argv[4];
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->command = strdup(command);
	if (!r->command) {
		free(r);
		return -ENOMEM;
	}
	r->cb = cb;
	r->arg = arg;
	r->timeout_ms = timeout_ms;
	r->proc.data = r->out.data = r->timer.data = r;
	uv_pipe_init(loop, &r->out, 0);
	uv_timer_init(loop, &r->timer);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = r->command;
	argv[3] = NULL;
	memset(&opt, 0, sizeof(opt));
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE; /* /dev/null: the hub's stdin is not the command's to read */
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&r->out;
	stdio[2].flags = UV_INHERIT_FD; /* its complaints go to the hub's log */
	stdio[2].data.fd = 2;
	opt.file = "/bin/sh";
	opt.args = argv;
	opt.exit_cb = on_exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	/* A process group of its own, so that a timeout can kill all of it. */
	opt.flags = UV_PROCESS_DETACHED;
	rc = uv_spawn(loop, &r->proc, &opt);
	if (rc < 0) {
		snprintf(err, errlen, "cannot run the upstream token command \"%s\": %s", command,
			 uv_strerror(rc));
		/* The process handle is initialised even when the spawn fails: close all. */
		r->open_handles = 3;
		run_close(r);
		return rc;
	}
	r->open_handles = 3;
	rc = uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read);
	if (rc < 0)
		r->eof = 1; /* no output to wait for: the exit decides */
	uv_timer_start(&r->timer, on_timeout, timeout_ms, 0);
	*out = r;
	return 0;
}

void upstream_token_cancel(struct upstream_token_run *r)
{
	if (!r || r->finished)
		return;
	r->cancelled = 1;
	r->finished = 1;
	if (!r->exited)
		uv_kill(-r->proc.pid, SIGKILL);
	uv_timer_stop(&r->timer);
	run_close(r);
}
