// SPDX-License-Identifier: MIT
/*
 * tillnet-term enroll: join a store with a one-time code from the hub. The
 * private key is made here and never leaves the terminal.
 */
#include "config.h"
#include "enroll_client.h"
#include "fsutil.h"
#include "pki.h"
#include "term.h"
#include "term_db.h"
#include "db.h"
#include "uuid.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

static const char enroll_usage[] =
    "usage: tillnet-term enroll --data DIR --code CODE [--ui-port N]\n"
    "\n"
    "Join the store whose hub made CODE ('tillnet-hub terminal add'): check the\n"
    "hub's CA against the fingerprint in the code, make this terminal's key,\n"
    "and get its certificate. DIR must not hold an enrolled terminal yet.\n";

static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	int rc = fsutil_path(path, sizeof(path), dir, name);

	if (rc == 0)
		rc = fsutil_write(path, text, strlen(text), mode, false);
	if (rc < 0)
		fprintf(stderr, "tillnet-term enroll: cannot write %s: %s\n", path, strerror(-rc));
	return rc;
}

/* Copy a value into a config field, or -EINVAL if it would not fit or not read back. */
static int copy_text(char *dst, size_t dstlen, const char *src)
{
	size_t len = strlen(src);

	if (len >= dstlen || config_check_text(src) < 0)
		return -EINVAL;
	memcpy(dst, src, len + 1);
	return 0;
}

int cmd_enroll(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"code", required_argument, NULL, 'c'},
	    {"ui-port", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[1024], ca_path[PATH_MAX], path[PATH_MAX], id[UUID_TEXT_LEN];
	const char *data = NULL, *code_text = NULL;
	struct enroll_reply reply = {0};
	struct enroll_code code;
	struct term_config cfg;
	char *key = NULL, *csr = NULL;
	uint16_t ui_port = 0;
	sqlite3 *db = NULL;
	int c, ex = EX_SOFTWARE;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			data = optarg;
		} else if (c == 'c') {
			code_text = optarg;
		} else if (c == 'u') {
			if (config_parse_port(optarg, &ui_port) < 0) {
				fprintf(stderr,
					"tillnet-term enroll: --ui-port \"%s\" is not a port "
					"(expected 1-65535)\n",
					optarg);
				return EX_USAGE;
			}
		} else if (c == 'h') {
			fputs(enroll_usage, stdout);
			return 0;
		} else {
			fputs(enroll_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !data || !code_text) {
		fprintf(stderr, "tillnet-term enroll: --data and --code are required\n\n%s",
			enroll_usage);
		return EX_USAGE;
	}
	if (enroll_code_decode(code_text, &code, err, sizeof(err)) < 0) {
		fprintf(stderr, "tillnet-term enroll: %s\n", err);
		return EX_DATAERR;
	}
	if (fsutil_path(path, sizeof(path), data, TERM_CONF) < 0 ||
	    fsutil_path(ca_path, sizeof(ca_path), data, TERM_CA_CERT) < 0)
		return EX_USAGE;
	if (fsutil_exists(path)) {
		fprintf(stderr,
			"tillnet-term enroll: %s already holds an enrolled terminal (%s "
			"exists); use another data folder\n",
			data, TERM_CONF);
		return EX_CANTCREAT;
	}
	if (mkdir(data, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "tillnet-term enroll: cannot create %s: %s\n", data,
			strerror(errno));
		return EX_CANTCREAT;
	}
	uuid_format(code.terminal_id, id);
	if (pki_csr_create(id, &key, &csr) < 0) {
		fprintf(stderr, "tillnet-term enroll: cannot make this terminal's key\n");
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ex = enroll_client_run(&code, csr, ca_path, &reply, err, sizeof(err));
	curl_global_cleanup();
	if (ex) {
		fprintf(stderr, "tillnet-term enroll: %s\n", err);
		unlink(ca_path);
		goto out;
	}
	config_term_defaults(&cfg);
	ex = EX_PROTOCOL;
	if (copy_text(cfg.terminal_id, sizeof(cfg.terminal_id), reply.terminal_id) < 0 ||
	    copy_text(cfg.name, sizeof(cfg.name), reply.name) < 0 ||
	    copy_text(cfg.short_code, sizeof(cfg.short_code), reply.short_code) < 0 ||
	    copy_text(cfg.store, sizeof(cfg.store), reply.store) < 0 ||
	    copy_text(cfg.store_code, sizeof(cfg.store_code), reply.store_code) < 0 ||
	    copy_text(cfg.hub_host, sizeof(cfg.hub_host), code.host) < 0) {
		fprintf(stderr, "tillnet-term enroll: the hub's answer holds a name, store or "
				"address this terminal cannot store (too long, or a ';' or control "
				"character)\n");
		unlink(ca_path);
		goto out;
	}
	cfg.hub_admin_port = code.port;
	cfg.hub_sync_port = (uint16_t)reply.sync_port;
	if (ui_port)
		cfg.ui_port = ui_port;
	ex = EX_CANTCREAT;
	if (write_file(data, TERM_KEY, key, 0600) < 0 ||
	    write_file(data, TERM_CERT, reply.cert_pem, 0644) < 0)
		goto out;
	if (term_db_open(data, 1, &db) < 0) {
		fprintf(stderr, "tillnet-term enroll: cannot create %s/%s\n", data, TERM_DB);
		goto out;
	}
	/* term.conf last: its presence means "enrolled". */
	if (config_term_save(path, &cfg) < 0) {
		fprintf(stderr, "tillnet-term enroll: cannot write %s\n", path);
		goto out;
	}
	printf("Enrolled as terminal %s \"%s\" of store \"%s\" (id %s).\n"
	       "Hub: %s, sync port %u. Start it with: tillnet-term run --data %s\n",
	       cfg.short_code, cfg.name, cfg.store, cfg.terminal_id, cfg.hub_host,
	       cfg.hub_sync_port, data);
	ex = 0;
out:
	db_close(db);
	enroll_reply_free(&reply);
	if (key)
		memset(key, 0, strlen(key));
	free(key);
	free(csr);
	return ex;
}
