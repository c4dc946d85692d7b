// SPDX-License-Identifier: MIT
/* The hub fixture of the HTTP fuzz targets (see fuzz_hub.h). */
#include "fuzz_hub.h"
#include "admin_account.h"
#include "admin_http.h"
#include "admin_session.h"
#include "config.h"
#include "db.h"
#include "enroll.h"
#include "hub_db.h"
#include "pki.h"
#include "registry.h"

#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HOST	   "hub.test"
#define ADMIN_PORT 8443
#define QUERY_MAX  8

/* What a request carries besides its method, path and body. */
struct fake_conn {
	const char *cookie, *csrf, *origin, *host;
	char query[1024];
	const char *names[QUERY_MAX], *values[QUERY_MAX];
	int n_query;
};

static struct {
	int ready;
	unsigned char *image; /* hub.db, serialized */
	sqlite3_int64 image_len;
	struct hub_config cfg;
	struct enroll_ctx ctx;
	char *ca_key, *ca_cert;
	char cookie[64 + ADMIN_TOKEN_LEN], csrf[ADMIN_TOKEN_LEN + 1];
} hub;

/*
 * libmicrohttpd's lookup, replaced in the fuzz programs: http_mhd.c asks it
 * for headers and query arguments, and here it answers from the fake_conn
 * the request points at.
 */
const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
					const char *key)
{
	const struct fake_conn *c = (const struct fake_conn *)connection;

	if (!c || !key)
		return NULL;
	if (kind == MHD_HEADER_KIND) {
		if (strcasecmp(key, "Cookie") == 0)
			return c->cookie;
		if (strcasecmp(key, "X-CSRF-Token") == 0)
			return c->csrf;
		if (strcasecmp(key, "Origin") == 0)
			return c->origin;
		if (strcasecmp(key, "Host") == 0)
			return c->host;
		return NULL;
	}
	if (kind == MHD_GET_ARGUMENT_KIND)
		for (int i = 0; i < c->n_query; i++)
			if (strcmp(c->names[i], key) == 0)
				return c->values[i];
	return NULL;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_hub: cannot build the fixture: %s\n", what);
	abort();
}

static void must(int rc, const char *what)
{
	if (rc < 0)
		fail(what);
}

/* Split "path?a=1&b" into the path (returned in `path`) and the query arguments. */
static void parse_target(const char *target, char *path, size_t pathlen, struct fake_conn *c)
{
	const char *q = strchr(target, '?');
	size_t n = q ? (size_t)(q - target) : strlen(target);
	char *p, *next;

	snprintf(path, pathlen, "%.*s", (int)n, target);
	c->n_query = 0;
	if (!q)
		return;
	snprintf(c->query, sizeof(c->query), "%s", q + 1);
	for (p = c->query; p && *p && c->n_query < QUERY_MAX; p = next) {
		char *eq;

		next = strchr(p, '&');
		if (next)
			*next++ = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq++ = '\0';
		c->names[c->n_query] = p;
		c->values[c->n_query] = eq ? eq : "";
		c->n_query++;
	}
}

static unsigned int handle(sqlite3 *db, const char *method, const char *target, const char *body,
			   size_t len, int signed_in)
{
	struct http_response res = {0};
	struct http_request req = {0};
	struct fake_conn conn = {0};
	char path[1024], origin[64];
	unsigned int status;

	parse_target(target, path, sizeof(path), &conn);
	snprintf(origin, sizeof(origin), "https://%s:%d", HOST, ADMIN_PORT);
	conn.host = HOST ":8443";
	conn.origin = origin;
	if (signed_in) {
		conn.cookie = hub.cookie;
		conn.csrf = hub.csrf;
	}
	req.method = method;
	req.url = path;
	req.body = body;
	req.body_len = len;
	snprintf(req.peer, sizeof(req.peer), "192.0.2.7");
	req.conn = (struct MHD_Connection *)&conn;
	hub.ctx.db = db;
	admin_http_handle(&hub.ctx, &req, &res);
	status = res.status;
	/* TILLNET_FUZZ_VERBOSE=1: what the hub answered, to see how far a seed gets. */
	if (getenv("TILLNET_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_hub: %s %s: %u %.*s\n", method, target, status,
			(int)(res.body_len < 300 ? res.body_len : 300), res.body ? res.body : "");
	free(res.body);
	return status;
}

/* A request of the fixture's own set-up, which must succeed. */
static void setup_request(sqlite3 *db, const char *method, const char *target, const char *body)
{
	unsigned int status = handle(db, method, target, body, strlen(body), 1);

	if (status < 200 || status > 299) {
		fprintf(stderr, "fuzz_hub: %s %s answered %u\n", method, target, status);
		fail("a set-up request");
	}
}

static void build(void)
{
	char dir[] = "/tmp/tillnet-fuzz-hub-XXXXXX", path[128], id[UUID_TEXT_LEN];
	char sid[ADMIN_TOKEN_LEN + 1];
	uint8_t secret[16], hash[32];
	struct registry_terminal till = {0};
	int64_t now = db_now_ms();
	sqlite3 *db = NULL;

	if (!mkdtemp(dir))
		fail("a temporary folder");
	config_hub_defaults(&hub.cfg);
	snprintf(hub.cfg.store, sizeof(hub.cfg.store), "Fuzz Shop");
	snprintf(hub.cfg.store_code, sizeof(hub.cfg.store_code), "FUZZ");
	snprintf(hub.cfg.hub_id, sizeof(hub.cfg.hub_id), "01890a5d-ac96-774b-bcce-b302099a0001");
	snprintf(hub.cfg.advertise, sizeof(hub.cfg.advertise), HOST);
	must(pki_ca_create(hub.cfg.store, time(NULL), &hub.ca_key, &hub.ca_cert), "the store CA");
	must(hub_db_open(dir, 1, &db), "hub.db");
	must(db_meta_set_text(db, "store", hub.cfg.store), "meta");
	must(db_meta_set_text(db, "currency", hub.cfg.currency), "meta");
	must(db_meta_set_text(db, "hub_id", hub.cfg.hub_id), "meta");
	must(db_meta_set_text(db, "store_code", hub.cfg.store_code), "meta");
	must(admin_account_create(db, "owner", ADMIN_OWNER_ROLE, "fuzz owner password", 19, 0, now,
				  id),
	     "the owner");
	must(admin_session_create(db, id, "192.0.2.7", now, sid, hub.csrf), "a session");
	snprintf(hub.cookie, sizeof(hub.cookie), "%s=%s", ADMIN_SESSION_COOKIE, sid);
	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0x11 * i);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, sizeof(secret), hash) < 0)
		fail("sha-256");
	/* The till of the sync target, enrolled first (T01); then the code for the enroll target.
	 */
	must(registry_add_code(db, FUZZ_HUB_TILL_ID, "Till 1", hash, now), "a code");
	snprintf(till.id, sizeof(till.id), FUZZ_HUB_TILL_ID);
	snprintf(till.name, sizeof(till.name), "Till 1");
	snprintf(till.cert_serial, sizeof(till.cert_serial), "01");
	must(registry_enroll(db, &till, now), "a till");
	must(registry_add_code(db, FUZZ_HUB_TERMINAL_ID, "Till 2", hash, now), "a code");

	hub.ctx.ca_key_pem = hub.ca_key;
	hub.ctx.ca_cert_pem = hub.ca_cert;
	hub.ctx.store = hub.cfg.store;
	hub.ctx.hub_id = hub.cfg.hub_id;
	hub.ctx.sync_port = hub.cfg.sync_port;
	hub.ctx.admin_port = ADMIN_PORT;
	hub.ctx.advertise = hub.cfg.advertise;
	hub.ctx.listen = hub.cfg.listen;
	hub.ctx.cfg = &hub.cfg;
	setup_request(db, "POST", "/api/v1/catalog/import",
		      "sku,name,barcode,price,tax_rate\n"
		      "COF,Coffee,4006381333931,250,20\n"
		      "CRO,Croissant,,180,7\n"
		      "WAT,Water,,100,0\n");
	setup_request(db, "POST", "/api/v1/staff",
		      "{\"name\": \"Ann\", \"role\": \"cashier\", \"pin\": \"2468\"}");
	setup_request(db, "POST", "/api/v1/accounts",
		      "{\"username\": \"clerk\", \"role\": \"cashier\"}");

	/* An in-memory copy cannot be in WAL mode. */
	must(db_exec(db, "PRAGMA journal_mode = DELETE"), "journal mode");
	hub.image = sqlite3_serialize(db, "main", &hub.image_len, 0);
	if (!hub.image)
		fail("serialize");
	db_close(db);
	snprintf(path, sizeof(path), "%s/hub.db", dir);
	unlink(path);
	rmdir(dir);
	hub.ready = 1;
}

sqlite3 *fuzz_hub_db(void)
{
	unsigned char *copy;
	sqlite3 *db = NULL;
	char sql[256];
	int64_t now;

	if (!hub.ready)
		build();
	copy = sqlite3_malloc64((sqlite3_uint64)hub.image_len);
	if (!copy || sqlite3_open(":memory:", &db) != SQLITE_OK)
		fail("an in-memory database");
	memcpy(copy, hub.image, (size_t)hub.image_len);
	if (sqlite3_deserialize(db, "main", copy, hub.image_len, hub.image_len,
				SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) !=
	    SQLITE_OK)
		fail("deserialize");
	/* The session and the code stay fresh however long the fuzzer runs. */
	now = db_now_ms();
	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; UPDATE sessions SET created_at = %lld, "
		 "last_seen_at = %lld; UPDATE enroll_codes SET created_at = %lld, "
		 "expires_at = %lld WHERE used_at IS NULL",
		 (long long)now, (long long)now, (long long)now, (long long)now + 600000);
	must(db_exec(db, sql), "refresh");
	return db;
}

unsigned int fuzz_hub_request(const char *method, const char *target, const char *body, size_t len,
			      int signed_in)
{
	sqlite3 *db = fuzz_hub_db();
	unsigned int status;
	char *text;

	text = malloc(len + 1);
	if (!text)
		fail("memory");
	if (len)
		memcpy(text, body, len);
	text[len] = '\0';
	status = handle(db, method, target, text, len, signed_in);
	free(text);
	db_close(db);
	return status;
}
