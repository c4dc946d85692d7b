// SPDX-License-Identifier: MIT
/*
 * tillnet-hub run: one libuv loop owns the WSS listener for terminals, the
 * HTTPS listener for enrollment (and later the admin page), signals and
 * timers. SIGINT/SIGTERM stop it cleanly: listeners first, then the loop
 * drains and closes (DESIGN.md, "One loop per process").
 */
#include "admin_http.h"
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "hub.h"
#include "hub_db.h"
#include "log.h"
#include "pidlock.h"
#include "registry.h"
#include "sync_server.h"
#include "upstream_fwd.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define RUN_WATCH_MS 250

static const char run_usage[] =
    "usage: tillnet-hub run --data DIR [--listen ADDR] [--sync-port N]\n"
    "                       [--admin-port N] [--verbose]\n"
    "                       [--upstream URL --upstream-token-file F]\n"
    "                       [--upstream-token-command CMD] [--upstream-ca FILE]\n"
    "\n"
    "Run the hub: WSS for terminals on the sync port (default 7443) and HTTPS\n"
    "for enrollment on the admin port (default 8443), on ADDR (default from\n"
    "hub.conf: 0.0.0.0). Stops cleanly on SIGINT or SIGTERM.\n"
    "--upstream forwards completed sales to the back office at URL (https://, or\n"
    "http:// to this machine only), as hub.conf's [upstream] does (docs/upstream.md).\n"
    "The token is read from F, or is the first line CMD prints, run when a token is\n"
    "needed (at start and after a 401), never blocking the hub.\n";

struct hub_run {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t watch;
	sqlite3 *db;
	int64_t data_version;
	struct sync_server *sync;
	struct upstream_fwd *upstream;
	struct http_server *admin;
};

static void on_signal(uv_signal_t *sig, int signum)
{
	log_info("hub: %s received, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	uv_stop(sig->loop);
}

/*
 * Another process committed to hub.db (terminal revoke, catalog import,
 * force-claim): act on it.
 */
static void on_watch(uv_timer_t *timer)
{
	struct hub_run *r = timer->data;
	sqlite3_stmt *st = NULL;
	int64_t version = 0;

	sync_server_tick(r->sync);
	if (db_prepare(r->db, "PRAGMA data_version", &st) < 0)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (version != r->data_version) {
		r->data_version = version;
		sync_server_enforce_revocations(r->sync);
		sync_server_log_changed(r->sync);
		upstream_fwd_poke(r->upstream);
	}
}

/* An admin route wrote to hub.db on our own connection: act as on_watch does. */
static void on_admin_change(void *arg)
{
	struct hub_run *r = arg;

	sync_server_enforce_revocations(r->sync);
	sync_server_log_changed(r->sync);
	upstream_fwd_poke(r->upstream);
}

static int parse_run_args(int argc, char **argv, const char **data, const char **listen,
			  uint16_t *sync_port, uint16_t *admin_port, int *verbose,
			  struct upstream_flags *up)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"listen", required_argument, NULL, 'l'},
	    {"sync-port", required_argument, NULL, 'p'},
	    {"admin-port", required_argument, NULL, 'P'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"upstream", required_argument, NULL, 'U'},
	    {"upstream-token-file", required_argument, NULL, 'T'},
	    {"upstream-token-command", required_argument, NULL, 'C'},
	    {"upstream-ca", required_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*data = optarg;
			break;
		case 'l':
			*listen = optarg;
			break;
		case 'p':
		case 'P':
			if (config_parse_port(optarg, c == 'p' ? sync_port : admin_port) < 0) {
				fprintf(stderr,
					"tillnet-hub run: --%s \"%s\" is not a port "
					"(expected 1-65535)\n",
					c == 'p' ? "sync-port" : "admin-port", optarg);
				return EX_USAGE;
			}
			break;
		case 'v':
			*verbose = 1;
			break;
		case 'U':
			up->url = optarg;
			break;
		case 'T':
			up->token_file = optarg;
			break;
		case 'C':
			up->token_command = optarg;
			break;
		case 'A':
			up->ca = optarg;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return -1;
		default:
			fputs(run_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !*data) {
		fprintf(stderr, "tillnet-hub run: --data is required\n\n%s", run_usage);
		return EX_USAGE;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	char ca_path[PATH_MAX], cert_path[PATH_MAX], key_path[PATH_MAX], pid_path[PATH_MAX];
	char *ca = NULL, *ca_key = NULL, *cert = NULL, *key = NULL;
	const char *data = NULL, *listen = NULL;
	uint16_t sync_port = 0, admin_port = 0;
	struct hub_run r;
	struct hub_config cfg;
	struct enroll_ctx enroll;
	struct upstream_flags up = {NULL, NULL, NULL, NULL};
	char up_err[512];
	int verbose = 0, lock_fd = -1, ex, rc;
	pid_t holder;

	memset(&r, 0, sizeof(r));
	ex = parse_run_args(argc, argv, &data, &listen, &sync_port, &admin_port, &verbose, &up);
	if (ex)
		return ex < 0 ? 0 : ex;
	log_init("tillnet-hub", verbose);
	ex = hub_load_config(data, &cfg);
	if (ex)
		return ex;
	if (listen)
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", listen);
	if (sync_port)
		cfg.sync_port = sync_port;
	if (admin_port)
		cfg.admin_port = admin_port;
	if (upstream_fwd_configure(&cfg, &up, up_err, sizeof(up_err)) < 0) {
		fprintf(stderr, "tillnet-hub run: %s\n", up_err);
		return EX_CONFIG;
	}
	if (fsutil_path(pid_path, sizeof(pid_path), data, HUB_PIDFILE) < 0 ||
	    fsutil_path(ca_path, sizeof(ca_path), data, HUB_CA_CERT) < 0 ||
	    fsutil_path(cert_path, sizeof(cert_path), data, HUB_CERT) < 0 ||
	    fsutil_path(key_path, sizeof(key_path), data, HUB_KEY) < 0)
		return EX_USAGE;
	rc = pidlock_take(pid_path, &lock_fd, &holder);
	if (rc == -EBUSY) {
		fprintf(stderr, "tillnet-hub run: a hub (pid %ld) already runs on %s\n",
			(long)holder, data);
		return EX_TEMPFAIL;
	}
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub run: cannot lock %s: %s\n", pid_path, strerror(-rc));
		return EX_CANTCREAT;
	}
	ex = hub_read_file(data, HUB_CA_CERT, &ca);
	if (!ex)
		ex = hub_read_file(data, HUB_CA_KEY, &ca_key);
	if (!ex)
		ex = hub_read_file(data, HUB_CERT, &cert);
	if (!ex)
		ex = hub_read_file(data, HUB_KEY, &key);
	if (ex)
		goto out;
	ex = EX_CONFIG;
	if (hub_db_open(data, 0, &r.db) < 0 || registry_presence_reset(r.db) < 0) {
		fprintf(stderr, "tillnet-hub run: cannot open %s/%s\n", data, HUB_DB);
		goto out;
	}
	uv_loop_init(&r.loop);
	enroll = (struct enroll_ctx){
	    r.db,	    ca_key,	   ca,	       cfg.store, cfg.hub_id,	   cfg.sync_port,
	    cfg.admin_port, cfg.advertise, cfg.listen, &cfg,	  on_admin_change, &r};
	struct sync_server_options so = {&r.loop,  r.db,    cfg.listen, cfg.sync_port, cert_path,
					 key_path, ca_path, cfg.store,	cfg.hub_id};
	struct http_server_options ho = {cfg.listen,	 cfg.admin_port,    cert,   key,
					 ADMIN_BODY_MAX, admin_http_handle, &enroll};

	ex = EX_UNAVAILABLE;
	if (sync_server_start(&so, &r.sync) < 0 || http_server_start(&r.loop, &ho, &r.admin) < 0 ||
	    upstream_fwd_start(&r.loop, r.db, &cfg, &r.upstream) < 0)
		goto stop;
	log_info("hub: store \"%s\" running; enrollment and admin on https://%s:%u", cfg.store,
		 cfg.listen, cfg.admin_port);
	uv_signal_init(&r.loop, &r.sigint);
	uv_signal_init(&r.loop, &r.sigterm);
	uv_signal_start(&r.sigint, on_signal, SIGINT);
	uv_signal_start(&r.sigterm, on_signal, SIGTERM);
	uv_timer_init(&r.loop, &r.watch);
	r.watch.data = &r;
	uv_timer_start(&r.watch, on_watch, RUN_WATCH_MS, RUN_WATCH_MS);
	signal(SIGPIPE, SIG_IGN);

	uv_run(&r.loop, UV_RUN_DEFAULT);

	uv_close((uv_handle_t *)&r.sigint, NULL);
	uv_close((uv_handle_t *)&r.sigterm, NULL);
	uv_close((uv_handle_t *)&r.watch, NULL);
	ex = 0;
stop:
	upstream_fwd_stop(r.upstream);
	http_server_stop(r.admin);
	sync_server_destroy(r.sync);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	sync_server_free(r.sync);
	upstream_fwd_free(r.upstream);
	rc = uv_loop_close(&r.loop);
	if (rc != 0)
		log_warn("hub: event loop closed with handles still open: %s", uv_strerror(rc));
	registry_presence_reset(r.db);
	log_info("hub: stopped");
out:
	db_close(r.db);
	free(ca);
	free(ca_key);
	free(cert);
	free(key);
	if (lock_fd >= 0)
		close(lock_fd);
	return ex;
}
