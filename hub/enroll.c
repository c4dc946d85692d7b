// SPDX-License-Identifier: MIT
/* Enrollment codes and requests (see enroll.h; the trust model is in docs/security.md). */
#include "enroll.h"
#include "config.h"
#include "db.h"
#include "journal.h"
#include "journal_store.h"
#include "log.h"
#include "pki.h"
#include "registry.h"
#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENROLL_CSR_MAX 8192

static int secret_hash(const uint8_t secret[ENROLL_SECRET_LEN], uint8_t out[32])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, ENROLL_SECRET_LEN, out) < 0)
		return -EIO;
	return 0;
}

/* Compare without leaking where the first difference is. */
static int equal_ct(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

int enroll_new_code(sqlite3 *db, const char *name, const char *host, uint16_t port,
		    const char *ca_cert_pem, char code_text[ENROLL_CODE_MAX], char terminal_id[40],
		    int64_t *expires_at)
{
	struct enroll_code code = {0};
	uint8_t hash[32];
	int64_t now = db_now_ms();
	int rc;

	if (strlen(host) > ENROLL_HOST_MAX)
		return -EINVAL;
	memcpy(code.host, host, strlen(host) + 1);
	code.port = port;
	rc = uuid_v7(code.terminal_id);
	if (rc == 0)
		rc = random_bytes(code.secret, sizeof(code.secret));
	if (rc == 0)
		rc = pki_fingerprint(ca_cert_pem, code.ca_fingerprint);
	if (rc == 0)
		rc = secret_hash(code.secret, hash);
	if (rc < 0)
		return rc;
	uuid_format(code.terminal_id, terminal_id);
	rc = enroll_code_encode(&code, code_text, ENROLL_CODE_MAX);
	if (rc == 0)
		rc = registry_add_code(db, terminal_id, name, hash, now);
	*expires_at = now + REGISTRY_CODE_TTL_MS;
	memset(&code, 0, sizeof(code));
	return rc;
}

static int hex_decode(const char *hex, uint8_t *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int v;

		if (!isxdigit((unsigned char)hex[2 * i]) ||
		    !isxdigit((unsigned char)hex[2 * i + 1]) || sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* A required string field of at most `max` characters, else a 400 naming it. */
static const char *field_text(json_t *body, const char *field, size_t max,
			      struct http_response *res)
{
	json_t *v = json_object_get(body, field);

	if (!v) {
		http_respond_error(res, 400, "bad-field", field, "%s: missing", field);
		return NULL;
	}
	if (!json_is_string(v)) {
		http_respond_error(res, 400, "bad-field", field, "%s: expected a string", field);
		return NULL;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_respond_error(res, 400, "bad-field", field,
				   "%s: expected 1 to %zu characters and no NUL", field, max);
		return NULL;
	}
	return json_string_value(v);
}

/* The store code terminals number their journals with: hub.conf's, else the store name's. */
static void store_code(const struct enroll_ctx *ctx, char out[JOURNAL_STORE_CODE_MAX + 1])
{
	if (ctx->cfg && journal_store_code_check(ctx->cfg->store_code) == 0)
		snprintf(out, JOURNAL_STORE_CODE_MAX + 1, "%s", ctx->cfg->store_code);
	else
		journal_store_code_derive(ctx->store, out);
}

static void enroll_answer(struct enroll_ctx *ctx, const struct registry_terminal *t,
			  const char *cert_pem, struct http_response *res)
{
	char code[JOURNAL_STORE_CODE_MAX + 1];
	json_t *ok;

	store_code(ctx, code);
	ok =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "terminalId", t->id,
		      "shortCode", t->short_code, "name", t->name, "store", ctx->store, "storeCode",
		      code, "hubId", ctx->hub_id, "certificate", cert_pem, "ca", ctx->ca_cert_pem,
		      "syncPort", (int)ctx->sync_port, "adminPort", (int)ctx->admin_port);

	http_respond_json(res, 200, ok ? json_dumps(ok, JSON_COMPACT) : NULL);
	json_decref(ok);
}

static void refuse_used_code(struct http_response *res)
{
	http_respond_error(res, 403, "code-used", NULL,
			   "this enrollment code was already used; make a new one with "
			   "'tillnet-hub terminal add'");
}

void enroll_handle(struct enroll_ctx *ctx, const struct http_request *req,
		   struct http_response *res)
{
	const char *id, *secret_hex, *csr;
	struct registry_terminal t = {0};
	struct registry_code code;
	uint8_t secret[ENROLL_SECRET_LEN], hash[32];
	char serial[PKI_SERIAL_HEX_LEN], err[512];
	char *cert_pem = NULL;
	json_error_t jerr;
	json_t *body;
	int64_t now = db_now_ms();
	int rc;

	body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body || !json_is_object(body)) {
		http_respond_error(res, 400, "bad-json", NULL,
				   "request body: expected a JSON object with terminalId, secret "
				   "and csr (%s)",
				   body ? "got another JSON value" : jerr.text);
		goto out;
	}
	id = field_text(body, "terminalId", 36, res);
	secret_hex = id ? field_text(body, "secret", 2 * ENROLL_SECRET_LEN, res) : NULL;
	csr = secret_hex ? field_text(body, "csr", ENROLL_CSR_MAX, res) : NULL;
	if (!csr)
		goto out;
	if (hex_decode(secret_hex, secret, sizeof(secret)) < 0) {
		http_respond_error(res, 400, "bad-field", "secret",
				   "secret: expected %d hexadecimal digits", 2 * ENROLL_SECRET_LEN);
		goto out;
	}
	rc = registry_get_code(ctx->db, id, &code);
	if (rc == 0)
		rc = secret_hash(secret, hash);
	if (rc == -ENOENT || (rc == 0 && !equal_ct(hash, code.secret_hash, sizeof(hash)))) {
		log_warn("enroll: refused a request from %s: unknown code", req->peer);
		http_respond_error(res, 403, "code-invalid", NULL,
				   "this enrollment code is not valid for this hub: check that "
				   "it was copied whole, or make a new one with 'tillnet-hub "
				   "terminal add'");
		goto out;
	}
	if (rc < 0) {
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not read its database");
		goto out;
	}
	if (code.used_at) {
		log_warn("enroll: refused a request from %s: code for %s already used", req->peer,
			 id);
		refuse_used_code(res);
		goto out;
	}
	if (now > code.expires_at) {
		log_warn("enroll: refused a request from %s: code for %s expired", req->peer, id);
		http_respond_error(res, 403, "code-expired", NULL,
				   "this enrollment code expired (codes are valid for 15 minutes); "
				   "make a new one with 'tillnet-hub terminal add'");
		goto out;
	}
	rc = pki_csr_sign(ctx->ca_key_pem, ctx->ca_cert_pem, csr, id, time(NULL), &cert_pem, serial,
			  err, sizeof(err));
	if (rc == -EINVAL) {
		http_respond_error(res, 400, "bad-field", "csr", "%s", err);
		goto out;
	}
	if (rc < 0) {
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not sign the request");
		goto out;
	}
	snprintf(t.id, sizeof(t.id), "%s", id);
	snprintf(t.name, sizeof(t.name), "%s", code.name);
	snprintf(t.cert_serial, sizeof(t.cert_serial), "%s", serial);
	rc = registry_enroll(ctx->db, &t, now);
	if (rc == -EALREADY) {
		refuse_used_code(res);
		goto out;
	}
	if (rc < 0) {
		http_respond_error(res, 500, "internal", NULL,
				   "the hub could not record the terminal");
		goto out;
	}
	log_info("enroll: terminal %s \"%s\" (%s) enrolled from %s, certificate serial %s",
		 t.short_code, t.name, t.id, req->peer, t.cert_serial);
	{
		/* What the hub checks journal numbers against: the code this terminal is told. */
		char prefix[JOURNAL_STORE_CODE_MAX + 1];

		store_code(ctx, prefix);
		if (journal_store_set_code(ctx->db, prefix) < 0)
			log_warn("enroll: cannot keep store code %s in hub.db", prefix);
	}
	enroll_answer(ctx, &t, cert_pem, res);
out:
	memset(secret, 0, sizeof(secret));
	free(cert_pem);
	json_decref(body);
}
