// SPDX-License-Identifier: MIT
/*
 * tillnet-hub init: create a store in a data folder: hub.conf, hub.db, the
 * store CA, the hub's server certificate and the owner's admin account. It
 * never touches an existing store, and removes what it wrote if it fails
 * half-way.
 */
#include "admin_account.h"
#include "config.h"
#include "db.h"
#include "fsutil.h"
#include "hub.h"
#include "hub_db.h"
#include "journal.h"
#include "pki.h"
#include "uuid.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define INIT_SANS_MAX 64

static const char init_usage[] =
    "usage: tillnet-hub init --data DIR --store NAME [--currency ISO4217]\n"
    "                        [--store-code CODE]\n"
    "                        [--san NAME_OR_IP ...] [--advertise HOST]\n"
    "                        [--sync-port N] [--admin-port N]\n"
    "                        [--owner NAME] [--owner-password-file FILE]\n"
    "\n"
    "Create a store in DIR: the store CA (ECDSA P-256), the hub's server\n"
    "certificate, hub.db and hub.conf. The certificate names the host name,\n"
    "localhost, 127.0.0.1, ::1, this machine's LAN addresses and each --san.\n"
    "--advertise is the address put in enrollment codes (default: the first\n"
    "LAN address, else 127.0.0.1). Refuses to touch an existing store.\n"
    "\n"
    "Also creates the owner's admin account (user name \"owner\" unless --owner)\n"
    "and prints its one-time password, or takes the password from the first\n"
    "line of --owner-password-file (at least 12 characters; then nothing is\n"
    "printed). Either way the first sign-in must change it.\n"
    "\n"
    "--store-code: 2 to 8 of A-Z 0-9 that start every receipt and journal number\n"
    "(CODE-T01-000001); default: the store name's first 6 letters and digits.\n";

/* Who the owner account is and the password it starts with. */
struct init_owner {
	const char *name;
	const char *password_file;
	char *password; /* from the file (malloc'd), or generated */
	char generated[PASSWD_GENERATED_LEN + 1];
};

struct san_list {
	char *names[INIT_SANS_MAX];
	size_t n;
};

static int san_add(struct san_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->names[i], name) == 0)
			return 0;
	if (l->n == INIT_SANS_MAX)
		return -ENOSPC;
	l->names[l->n] = strdup(name);
	if (!l->names[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void san_free(struct san_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
}

/* This machine's LAN addresses: up, not loopback, not IPv6 link-local. */
static void san_add_interfaces(struct san_list *l, char *first_lan, size_t first_len)
{
	struct ifaddrs *ifs, *i;
	char text[INET6_ADDRSTRLEN];

	if (getifaddrs(&ifs) < 0)
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, text,
				  sizeof(text));
			if (!first_lan[0])
				snprintf(first_lan, first_len, "%s", text);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct in6_addr *a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			inet_ntop(AF_INET6, a, text, sizeof(text));
		} else {
			continue;
		}
		san_add(l, text);
	}
	freeifaddrs(ifs);
}

struct init_files {
	const char *names[6];
	size_t n;
};

static int write_store_file(const char *dir, const char *name, const char *text, mode_t mode,
			    struct init_files *written)
{
	char path[PATH_MAX];
	int rc;

	rc = fsutil_path(path, sizeof(path), dir, name);
	if (rc == 0)
		rc = fsutil_write(path, text, strlen(text), mode, true);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub: cannot write %s: %s\n", path, strerror(-rc));
		return rc;
	}
	written->names[written->n++] = name;
	return 0;
}

static void remove_written(const char *dir, const struct init_files *written)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < written->n; i++)
		if (fsutil_path(path, sizeof(path), dir, written->names[i]) == 0)
			unlink(path);
}

static int store_meta(const char *dir, const struct hub_config *cfg)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc;

	rc = hub_db_open(dir, 1, &db);
	if (rc < 0)
		return rc;
	rc = db_prepare(db,
			"INSERT INTO meta(key, value) VALUES ('store', ?1), ('currency', ?2), "
			"('hub_id', ?3), ('store_code', ?4)",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, cfg->store, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cfg->currency, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cfg->hub_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, cfg->store_code, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "store meta");
	}
	sqlite3_finalize(st);
	db_close(db);
	return rc;
}

/*
 * The owner's first password: the first line of the file (a trailing new
 * line is not part of it), or a generated one. EX_* on failure, printed.
 */
static int owner_password(struct init_owner *o)
{
	size_t len;
	int rc;

	if (!o->password_file) {
		if (passwd_generate(o->generated) < 0) {
			fprintf(stderr, "tillnet-hub init: no random bytes from the kernel\n");
			return EX_OSERR;
		}
		return 0;
	}
	rc = fsutil_read(o->password_file, PASSWD_MAX_LEN + 2, &o->password, &len);
	if (rc < 0) {
		fprintf(stderr, "tillnet-hub init: --owner-password-file %s: %s\n",
			o->password_file, rc == -EFBIG ? "longer than a password" : strerror(-rc));
		return EX_NOINPUT;
	}
	if (len > 0 && o->password[len - 1] == '\n')
		o->password[--len] = '\0';
	if (len > 0 && o->password[len - 1] == '\r')
		o->password[--len] = '\0';
	if (passwd_acceptable(o->password, len) < 0 || strchr(o->password, '\n')) {
		fprintf(stderr,
			"tillnet-hub init: --owner-password-file %s: expected one line of %d to "
			"%d characters\n",
			o->password_file, PASSWD_MIN_LEN, PASSWD_MAX_LEN);
		return EX_DATAERR;
	}
	return 0;
}

static int store_owner(const char *dir, const struct init_owner *o)
{
	const char *password = o->password ? o->password : o->generated;
	char id[UUID_TEXT_LEN];
	sqlite3 *db = NULL;
	int rc;

	rc = hub_db_open(dir, 0, &db);
	if (rc == 0)
		rc = admin_account_create(db, o->name, ADMIN_OWNER_ROLE, password, strlen(password),
					  1, db_now_ms(), id);
	db_close(db);
	return rc;
}

static int parse_init_args(int argc, char **argv, const char **data, struct hub_config *cfg,
			   struct san_list *sans, struct init_owner *owner)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"store", required_argument, NULL, 's'},
	    {"currency", required_argument, NULL, 'c'},
	    {"store-code", required_argument, NULL, 'C'},
	    {"san", required_argument, NULL, 'n'},
	    {"advertise", required_argument, NULL, 'a'},
	    {"sync-port", required_argument, NULL, 'p'},
	    {"admin-port", required_argument, NULL, 'P'},
	    {"owner", required_argument, NULL, 'o'},
	    {"owner-password-file", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*data = optarg;
			break;
		case 's':
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof(cfg->store) ||
			    config_check_text(optarg) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --store: expected 1 to %zu "
					"characters, no control characters or ';'\n",
					sizeof(cfg->store) - 1);
				return EX_USAGE;
			}
			snprintf(cfg->store, sizeof(cfg->store), "%s", optarg);
			break;
		case 'c':
			if (strlen(optarg) != 3 || !isupper((unsigned char)optarg[0]) ||
			    !isupper((unsigned char)optarg[1]) ||
			    !isupper((unsigned char)optarg[2])) {
				fprintf(stderr,
					"tillnet-hub init: --currency \"%s\" is not an ISO "
					"4217 code (expected three capital letters, e.g. EUR)\n",
					optarg);
				return EX_USAGE;
			}
			memcpy(cfg->currency, optarg, 4);
			break;
		case 'C':
			if (journal_store_code_check(optarg) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --store-code \"%s\" is not a store "
					"code (expected 2 to 8 of A-Z 0-9, e.g. CORNER)\n",
					optarg);
				return EX_USAGE;
			}
			snprintf(cfg->store_code, sizeof(cfg->store_code), "%s", optarg);
			break;
		case 'n':
			if (strlen(optarg) == 0 || strlen(optarg) > 253 ||
			    san_add(sans, optarg) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --san \"%s\": expected a host "
					"name or address (at most %d of them)\n",
					optarg, INIT_SANS_MAX);
				return EX_USAGE;
			}
			break;
		case 'a':
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof(cfg->advertise) ||
			    config_check_text(optarg) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --advertise: expected a host "
					"name or address of at most %zu characters\n",
					sizeof(cfg->advertise) - 1);
				return EX_USAGE;
			}
			snprintf(cfg->advertise, sizeof(cfg->advertise), "%s", optarg);
			break;
		case 'p':
		case 'P':
			if (config_parse_port(optarg,
					      c == 'p' ? &cfg->sync_port : &cfg->admin_port) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --%s \"%s\" is not a port "
					"(expected 1-65535)\n",
					c == 'p' ? "sync-port" : "admin-port", optarg);
				return EX_USAGE;
			}
			break;
		case 'o':
			if (admin_username_valid(optarg) < 0) {
				fprintf(stderr,
					"tillnet-hub init: --owner \"%s\": expected 1 to %d of "
					"A-Z a-z 0-9 . _ -, starting with a letter or digit\n",
					optarg, ADMIN_USERNAME_MAX);
				return EX_USAGE;
			}
			owner->name = optarg;
			break;
		case 'w':
			owner->password_file = optarg;
			break;
		case 'h':
			fputs(init_usage, stdout);
			return -1;
		default:
			fputs(init_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || !*data || !cfg->store[0]) {
		fprintf(stderr, "tillnet-hub init: --data and --store are required\n\n%s",
			init_usage);
		return EX_USAGE;
	}
	return 0;
}

int cmd_init(int argc, char **argv)
{
	static const char *const store_files[] = {HUB_DB,      HUB_CONF, HUB_CA_KEY,
						  HUB_CA_CERT, HUB_CERT, HUB_KEY};
	char *ca_key = NULL, *ca_cert = NULL, *key = NULL, *cert = NULL;
	char hostname[256] = "", first_lan[INET6_ADDRSTRLEN] = "", path[PATH_MAX];
	struct init_files written = {{0}, 0};
	struct san_list sans = {{0}, 0};
	struct init_owner owner = {.name = "owner"};
	uint8_t fp[PKI_FP_LEN], id[UUID_LEN];
	char fp_text[PKI_FP_TEXT_LEN];
	const char *data = NULL;
	struct hub_config cfg;
	int rc, ex = EX_SOFTWARE;

	config_hub_defaults(&cfg);
	rc = parse_init_args(argc, argv, &data, &cfg, &sans, &owner);
	if (rc != 0) {
		san_free(&sans);
		return rc < 0 ? 0 : rc;
	}
	if (!cfg.store_code[0])
		journal_store_code_derive(cfg.store, cfg.store_code);
	ex = owner_password(&owner);
	if (ex)
		goto out;
	ex = EX_SOFTWARE;
	for (size_t i = 0; i < sizeof(store_files) / sizeof(store_files[0]); i++) {
		if (fsutil_path(path, sizeof(path), data, store_files[i]) == 0 &&
		    fsutil_exists(path)) {
			fprintf(stderr,
				"tillnet-hub init: %s already holds a store (%s exists); "
				"refusing to touch it\n",
				data, store_files[i]);
			ex = EX_CANTCREAT;
			goto out;
		}
	}
	if (mkdir(data, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "tillnet-hub init: cannot create %s: %s\n", data, strerror(errno));
		ex = EX_CANTCREAT;
		goto out;
	}
	if (gethostname(hostname, sizeof(hostname) - 1) == 0 && hostname[0])
		san_add(&sans, hostname);
	san_add(&sans, "localhost");
	san_add(&sans, "127.0.0.1");
	san_add(&sans, "::1");
	san_add_interfaces(&sans, first_lan, sizeof(first_lan));
	if (!cfg.advertise[0])
		snprintf(cfg.advertise, sizeof(cfg.advertise), "%s",
			 first_lan[0] ? first_lan : "127.0.0.1");
	san_add(&sans, cfg.advertise);
	if (uuid_v7(id) < 0)
		goto out;
	uuid_format(id, cfg.hub_id);

	if (pki_ca_create(cfg.store, time(NULL), &ca_key, &ca_cert) < 0 ||
	    pki_server_create(ca_key, ca_cert, hostname[0] ? hostname : "tillnet-hub",
			      (const char *const *)sans.names, sans.n, time(NULL), &key,
			      &cert) < 0 ||
	    pki_fingerprint(ca_cert, fp) < 0) {
		fprintf(stderr, "tillnet-hub init: could not create the store's certificates\n");
		goto out;
	}
	ex = EX_CANTCREAT;
	if (write_store_file(data, HUB_CA_KEY, ca_key, 0600, &written) < 0 ||
	    write_store_file(data, HUB_CA_CERT, ca_cert, 0644, &written) < 0 ||
	    write_store_file(data, HUB_KEY, key, 0600, &written) < 0 ||
	    write_store_file(data, HUB_CERT, cert, 0644, &written) < 0)
		goto undo;
	if (fsutil_path(path, sizeof(path), data, HUB_CONF) < 0 ||
	    config_hub_save(path, &cfg) < 0) {
		fprintf(stderr, "tillnet-hub init: cannot write %s\n", path);
		goto undo;
	}
	written.names[written.n++] = HUB_CONF;
	written.names[written.n++] = HUB_DB;
	if (store_meta(data, &cfg) < 0 || store_owner(data, &owner) < 0) {
		fprintf(stderr, "tillnet-hub init: cannot create %s/%s\n", data, HUB_DB);
		goto undo;
	}
	pki_fingerprint_format(fp, fp_text);
	printf("Created store \"%s\" (%s) in %s\n", cfg.store, cfg.currency, data);
	printf("  hub id:          %s\n", cfg.hub_id);
	printf("  store code:      %s (receipts and journal numbers: %s-T01-000001, ...)\n",
	       cfg.store_code, cfg.store_code);
	printf("  store CA:        %s/%s\n", data, HUB_CA_CERT);
	printf("  CA fingerprint:  %s\n", fp_text);
	printf("  hub certificate: %s/%s, names:", data, HUB_CERT);
	for (size_t i = 0; i < sans.n; i++)
		printf(" %s", sans.names[i]);
	printf("\n  terminals reach: %s (sync port %u, admin port %u)\n", cfg.advertise,
	       cfg.sync_port, cfg.admin_port);
	if (owner.password)
		printf("  owner account:   %s, password from %s (change it at the first "
		       "sign-in)\n",
		       owner.name, owner.password_file);
	else
		printf("  owner account:   %s, one-time password: %s\n"
		       "                   (shown only this once; the first sign-in at "
		       "https://%s:%u/ must change it)\n",
		       owner.name, owner.generated, cfg.advertise, cfg.admin_port);
	printf("Next: tillnet-hub run --data %s, then tillnet-hub terminal add --data %s "
	       "--name NAME\n",
	       data, data);
	ex = 0;
	goto out;
undo:
	remove_written(data, &written);
	if (fsutil_path(path, sizeof(path), data, "hub.db-wal") == 0)
		unlink(path);
	if (fsutil_path(path, sizeof(path), data, "hub.db-shm") == 0)
		unlink(path);
out:
	free(ca_key);
	free(ca_cert);
	free(key);
	free(cert);
	san_free(&sans);
	if (owner.password)
		explicit_bzero(owner.password, strlen(owner.password));
	free(owner.password);
	explicit_bzero(owner.generated, sizeof(owner.generated));
	return ex;
}
