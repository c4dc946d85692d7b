// SPDX-License-Identifier: MIT
/*
 * tillnet-upstream-ref: a small stand-in for the business's back office, the
 * other end of the hub's forwarder. It speaks the upstream wire contract
 * (docs/upstream-api.md), keeps what it accepts in SQLite, and misbehaves on
 * demand so that tests and the demo can prove the forwarder copes.
 */
#include "upref_api.h"
#include "upref_http.h"
#include "upref_store.h"
#include "fsutil.h"
#include "log.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define UPREF_PROGRAM	"tillnet-upstream-ref"
#define UPREF_BODY_MAX	(8u * 1024 * 1024)
#define UPREF_TOKEN_MAX 4096
#define UPREF_PEM_MAX	(1024 * 1024)
#define UPREF_BASE_MAX	200

struct upref_args {
	const char *listen;
	long long port;
	const char *db;
	const char *token_file;
	char base[UPREF_BASE_MAX];
	const char *tls_cert;
	const char *tls_key;
	struct upref_control control; /* misbehaviour from the start */
	int verbose;
};

static void upref_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: " UPREF_PROGRAM " --port N --db FILE --token-file FILE [options]\n"
	    "\n"
	    "A reference upstream (back office) for tillnet's forwarder: POST {base}/batch-sync\n"
	    "as in docs/upstream-api.md, plus the test-only GET {base}/records, GET {base}/stats\n"
	    "and POST {base}/control. Runs until SIGTERM or SIGINT.\n"
	    "\n"
	    "  --listen ADDR             address to listen on (default 127.0.0.1)\n"
	    "  --port N                  TCP port (0: any free port; the ready line says which)\n"
	    "  --db FILE                 SQLite file of accepted records (created if missing)\n"
	    "  --token-file FILE         the bearer token to accept (surrounding space ignored)\n"
	    "  --base PATH               path prefix of every route, e.g. /tillnet (default none)\n"
	    "  --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key\n"
	    "  --fail503-for-ms N        answer batch requests 503 for the first N ms\n"
	    "  --random500-percent P     answer that share of batch requests 500 ...\n"
	    "  --seed S                  ... drawn from this seed (default 1)\n"
	    "  --delay-ms N              answer every batch request N ms late\n"
	    "  --verbose                 log libmicrohttpd's messages too\n"
	    "\n"
	    "When it listens it prints \"" UPREF_PROGRAM ": listening on URL\" on stderr.\n");
}

/* A whole decimal number in [min, max], or -EINVAL with a message for a person. */
static int upref_number(const char *opt, const char *text, long long min, long long max,
			long long *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max) {
		fprintf(stderr,
			UPREF_PROGRAM ": %s \"%s\" must be a whole number from %lld to %lld\n", opt,
			text, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "/tillnet/" -> "/tillnet", "/" -> "": routes are then BASE/batch-sync. */
static int upref_set_base(const char *text, char *out, size_t outlen)
{
	size_t n = strlen(text);

	while (n > 0 && text[n - 1] == '/')
		n--;
	if ((n > 0 && text[0] != '/') || n >= outlen || strcspn(text, " ?#") < n) {
		fprintf(stderr,
			UPREF_PROGRAM ": --base \"%s\" must be a path starting with '/', e.g. "
				      "/tillnet\n",
			text);
		return -EINVAL;
	}
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

static int upref_parse_args(int argc, char **argv, struct upref_args *a)
{
	enum {
		O_LISTEN = 1,
		O_PORT,
		O_DB,
		O_TOKEN,
		O_BASE,
		O_CERT,
		O_KEY,
		O_FAIL503,
		O_RANDOM500,
		O_SEED,
		O_DELAY,
		O_VERBOSE,
		O_HELP
	};
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"port", required_argument, NULL, O_PORT},
	    {"db", required_argument, NULL, O_DB},
	    {"token-file", required_argument, NULL, O_TOKEN},
	    {"base", required_argument, NULL, O_BASE},
	    {"tls-cert", required_argument, NULL, O_CERT},
	    {"tls-key", required_argument, NULL, O_KEY},
	    {"fail503-for-ms", required_argument, NULL, O_FAIL503},
	    {"random500-percent", required_argument, NULL, O_RANDOM500},
	    {"seed", required_argument, NULL, O_SEED},
	    {"delay-ms", required_argument, NULL, O_DELAY},
	    {"verbose", no_argument, NULL, O_VERBOSE},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0}};
	long long n = 0;
	int rc = 0;
	int c;

	a->listen = "127.0.0.1";
	a->port = -1;
	while (rc == 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			a->listen = optarg;
			break;
		case O_PORT:
			rc = upref_number("--port", optarg, 0, 65535, &a->port);
			break;
		case O_DB:
			a->db = optarg;
			break;
		case O_TOKEN:
			a->token_file = optarg;
			break;
		case O_BASE:
			rc = upref_set_base(optarg, a->base, sizeof(a->base));
			break;
		case O_CERT:
			a->tls_cert = optarg;
			break;
		case O_KEY:
			a->tls_key = optarg;
			break;
		case O_FAIL503:
			rc = upref_number("--fail503-for-ms", optarg, 0, UPREF_MAX_FAIL_MS, &n);
			a->control.has_fail503 = 1;
			a->control.fail503_ms = n;
			break;
		case O_RANDOM500:
			rc = upref_number("--random500-percent", optarg, 0, 100, &n);
			a->control.has_random500 = 1;
			a->control.random500 = (int)n;
			break;
		case O_SEED:
			rc = upref_number("--seed", optarg, 0, INT64_MAX, &n);
			a->control.has_seed = 1;
			a->control.seed = (uint64_t)n;
			break;
		case O_DELAY:
			rc = upref_number("--delay-ms", optarg, 0, UPREF_MAX_DELAY_MS, &n);
			a->control.has_delay = 1;
			a->control.delay_ms = n;
			break;
		case O_VERBOSE:
			a->verbose = 1;
			break;
		case O_HELP:
			upref_usage(stdout);
			exit(0);
		default:
			rc = -EINVAL;
		}
	}
	if (rc < 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, UPREF_PROGRAM ": unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (a->port < 0 || !a->db || !a->token_file) {
		fprintf(stderr, UPREF_PROGRAM ": --port, --db and --token-file are required "
					      "(--help for more)\n");
		return -EINVAL;
	}
	if (!a->tls_cert != !a->tls_key) {
		fprintf(stderr, UPREF_PROGRAM ": --tls-cert and --tls-key go together\n");
		return -EINVAL;
	}
	return 0;
}

/* The token: the file's text without surrounding white space; one word, not empty. */
static int upref_read_token(const char *path, char **out)
{
	char *text = NULL, *start, *end;
	int rc;

	*out = NULL;
	rc = fsutil_read(path, UPREF_TOKEN_MAX, &text, NULL);
	if (rc < 0) {
		fprintf(stderr, UPREF_PROGRAM ": cannot read the token file %s: %s\n", path,
			strerror(-rc));
		return rc;
	}
	start = text + strspn(text, " \t\r\n");
	end = start + strcspn(start, " \t\r\n");
	if (end == start || *(end + strspn(end, " \t\r\n"))) {
		fprintf(stderr,
			UPREF_PROGRAM ": the token file %s must hold one token (one word, no "
				      "spaces)\n",
			path);
		free(text);
		return -EINVAL;
	}
	*end = '\0';
	memmove(text, start, (size_t)(end - start) + 1);
	*out = text;
	return 0;
}

static int upref_read_pem(const char *what, const char *path, char **out)
{
	int rc = fsutil_read(path, UPREF_PEM_MAX, out, NULL);

	if (rc < 0)
		fprintf(stderr, UPREF_PROGRAM ": cannot read the TLS %s %s: %s\n", what, path,
			strerror(-rc));
	return rc;
}

/* SIGTERM and SIGINT arrive on a descriptor the loop polls, never in a handler. */
static int upref_signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A client that hangs up must cost its connection only. */
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

int main(int argc, char **argv)
{
	struct upref_args args = {0};
	struct upref_store *store = NULL;
	struct upref_api *api = NULL;
	struct upref_http *http = NULL;
	char *token = NULL, *cert = NULL, *key = NULL;
	struct timespec now;
	int exit_code = EX_SOFTWARE;
	int stop_fd = -1;
	int rc;

	log_init(UPREF_PROGRAM, 0);
	if (upref_parse_args(argc, argv, &args) < 0) {
		exit_code = EX_USAGE;
		goto done;
	}
	log_init(UPREF_PROGRAM, args.verbose);
	exit_code = EX_CONFIG;
	if (upref_read_token(args.token_file, &token) < 0)
		goto done;
	if (args.tls_cert && (upref_read_pem("certificate", args.tls_cert, &cert) < 0 ||
			      upref_read_pem("key", args.tls_key, &key) < 0))
		goto done;
	exit_code = EX_OSERR;
	stop_fd = upref_signal_fd();
	if (stop_fd < 0) {
		fprintf(stderr, UPREF_PROGRAM ": cannot watch signals: %s\n", strerror(-stop_fd));
		goto done;
	}
	exit_code = EX_CANTCREAT;
	if (upref_store_open(args.db, &store) < 0)
		goto done;
	exit_code = EX_OSERR;
	rc = upref_api_new(
	    &(struct upref_api_options){
		.base = args.base, .token = token, .body_max = UPREF_BODY_MAX, .store = store},
	    &api);
	if (rc < 0)
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &now);
	upref_control_apply(upref_api_faults(api), &args.control,
			    (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	exit_code = EX_UNAVAILABLE;
	rc = upref_http_start(&(struct upref_http_options){.listen = args.listen,
							   .port = (uint16_t)args.port,
							   .cert_pem = cert,
							   .key_pem = key,
							   .body_max = UPREF_BODY_MAX,
							   .api = api},
			      &http);
	if (rc < 0)
		goto done;
	/* The line tests and scripts wait for: the URL to configure as upstream. */
	fprintf(stderr, UPREF_PROGRAM ": listening on %s://%s%s%s:%u%s\n", cert ? "https" : "http",
		strchr(args.listen, ':') ? "[" : "", args.listen,
		strchr(args.listen, ':') ? "]" : "", upref_http_port(http), args.base);
	fflush(stderr);
	exit_code = upref_http_run(http, stop_fd) < 0 ? EX_OSERR : 0;
	if (exit_code == 0)
		log_info("stopping on a signal");
done:
	upref_http_stop(http);
	upref_api_free(api);
	upref_store_close(store);
	upref_control_release(&args.control);
	if (stop_fd >= 0)
		close(stop_fd);
	free(token);
	free(cert);
	free(key);
	return exit_code;
}
