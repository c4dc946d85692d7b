// SPDX-License-Identifier: MIT
/*
 * tillnet-term run: one libuv loop owns the sync connection to the hub and
 * the cashier UI's JSON API on 127.0.0.1 (terminal/api.h). SIGINT/SIGTERM
 * stop it cleanly.
 */
#include "api.h"
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "http_mhd.h"
#include "log.h"
#include "outbox.h"
#include "pidlock.h"
#include "sync_client.h"
#include "term.h"
#include "term_db.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define UI_BODY_MAX (64 * 1024)

static const char run_usage[] =
    "usage: tillnet-term run --data DIR [--ui-port N] [--verbose]\n"
    "\n"
    "Run the terminal: keep a connection to the hub (reconnecting by itself) and\n"
    "serve the cashier UI and its JSON API on http://127.0.0.1:N (default from\n"
    "term.conf: 8080). Stops cleanly on SIGINT or SIGTERM.\n";

struct term_run {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct sync_client *sync;
	struct http_server *ui;
	struct term_config cfg;
	sqlite3 *db;
	struct term_api api;
};

static void on_signal(uv_signal_t *sig, int signum)
{
	log_info("term: %s received, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	uv_stop(sig->loop);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"ui-port", required_argument, NULL, 'u'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char ca_path[PATH_MAX], cert_path[PATH_MAX], key_path[PATH_MAX], pid_path[PATH_MAX];
	const char *data = NULL;
	uint16_t ui_port = 0;
	struct term_run r;
	sqlite3 *db = NULL;
	int c, verbose = 0, lock_fd = -1, ex, rc;
	pid_t holder;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'u') {
			if (config_parse_port(optarg, &ui_port) < 0) {
				fprintf(stderr,
					"tillnet-term run: --ui-port \"%s\" is not a port "
					"(expected 1-65535)\n",
					optarg);
				return EX_USAGE;
			}
		} else if (c == 'v') {
			verbose = 1;
		} else if (c == 'h') {
			fputs(run_usage, stdout);
			return 0;
		} else {
			fputs(run_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !data) {
		fprintf(stderr, "tillnet-term run: --data is required\n\n%s", run_usage);
		return EX_USAGE;
	}
	log_init("tillnet-term", verbose);
	ex = term_load_config(data, &r.cfg);
	if (ex)
		return ex;
	if (ui_port)
		r.cfg.ui_port = ui_port;
	if (fsutil_path(pid_path, sizeof(pid_path), data, TERM_PIDFILE) < 0 ||
	    fsutil_path(ca_path, sizeof(ca_path), data, TERM_CA_CERT) < 0 ||
	    fsutil_path(cert_path, sizeof(cert_path), data, TERM_CERT) < 0 ||
	    fsutil_path(key_path, sizeof(key_path), data, TERM_KEY) < 0)
		return EX_USAGE;
	rc = pidlock_take(pid_path, &lock_fd, &holder);
	if (rc == -EBUSY) {
		fprintf(stderr, "tillnet-term run: a terminal (pid %ld) already runs on %s\n",
			(long)holder, data);
		return EX_TEMPFAIL;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-term run: cannot lock %s: %s\n", pid_path, strerror(-rc));
		return EX_CANTCREAT;
	}
	if (term_db_open(data, 0, &db) < 0) {
		fprintf(stderr, "tillnet-term run: cannot open %s/%s\n", data, TERM_DB);
		ex = EX_CONFIG;
		goto out;
	}
	r.db = db;
	uv_loop_init(&r.loop);
	struct sync_client_options so = {&r.loop, db,	     r.cfg.hub_host, r.cfg.hub_sync_port,
					 ca_path, cert_path, key_path,	     r.cfg.terminal_id};
	struct http_server_options ho = {"127.0.0.1", r.cfg.ui_port,   NULL,  NULL,
					 UI_BODY_MAX, term_api_handle, &r.api};

	ex = EX_UNAVAILABLE;
	if (sync_client_start(&so, &r.sync) < 0)
		goto stop;
	r.api = (struct term_api){db, &r.cfg, r.sync};
	if (http_server_start(&r.loop, &ho, &r.ui) < 0)
		goto stop;
	log_info("term: %s \"%s\" running; cashier UI on http://127.0.0.1:%u", r.cfg.short_code,
		 r.cfg.name, r.cfg.ui_port);
	uv_signal_init(&r.loop, &r.sigint);
	uv_signal_init(&r.loop, &r.sigterm);
	uv_signal_start(&r.sigint, on_signal, SIGINT);
	uv_signal_start(&r.sigterm, on_signal, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	uv_run(&r.loop, UV_RUN_DEFAULT);

	uv_close((uv_handle_t *)&r.sigint, NULL);
	uv_close((uv_handle_t *)&r.sigterm, NULL);
	ex = 0;
stop:
	http_server_stop(r.ui);
	sync_client_destroy(r.sync);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	sync_client_free(r.sync);
	rc = uv_loop_close(&r.loop);
	if (rc != 0)
		log_warn("term: event loop closed with handles still open: %s", uv_strerror(rc));
	log_info("term: stopped");
out:
	db_close(db);
	if (lock_fd >= 0)
		close(lock_fd);
	return ex;
}
