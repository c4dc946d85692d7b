// SPDX-License-Identifier: MIT
/* Enrollment over HTTPS with libcurl (see enroll_client.h, docs/security.md). */
#include "enroll_client.h"
#include "journal.h"
#include "fsutil.h"
#include "pki.h"
#include "uuid.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define REPLY_MAX (256 * 1024)

struct reply_buf {
	char *data;
	size_t len;
	int too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct reply_buf *b = user;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > REPLY_MAX) {
		b->too_big = 1;
		return 0;
	}
	grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* One request. `ca_path` NULL: no verification (only to fetch the CA to pin). */
static int https_request(const char *url, const char *ca_path, const char *post,
			 struct reply_buf *b, long *status, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	if (!curl) {
		snprintf(err, errlen, "cannot start an HTTPS client");
		return EX_SOFTWARE;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	if (ca_path) {
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca_path);
		curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	} else {
		/* Safe only because the answer is pinned by its fingerprint next. */
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (post) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
	}
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "cannot reach the hub at %s: %s", url,
			 b->too_big    ? "the answer is too large"
			 : curl_err[0] ? curl_err
				       : curl_easy_strerror(rc));
		return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE
			   ? EX_NOPERM
			   : EX_UNAVAILABLE;
	}
	return 0;
}

static int fetch_and_pin_ca(const struct enroll_code *code, const char *base, const char *ca_path,
			    char **ca_pem, char *err, size_t errlen)
{
	char url[512], got[PKI_FP_TEXT_LEN], want[PKI_FP_TEXT_LEN];
	struct reply_buf b = {0};
	uint8_t fp[PKI_FP_LEN];
	long status = 0;
	int ex;

	snprintf(url, sizeof(url), "%s/api/v1/ca", base);
	ex = https_request(url, NULL, NULL, &b, &status, err, errlen);
	if (ex)
		goto fail;
	ex = EX_PROTOCOL;
	if (status != 200 || !b.data || pki_fingerprint(b.data, fp) < 0) {
		snprintf(err, errlen,
			 "%s did not answer with a CA certificate (HTTP %ld): is it a "
			 "tillnet hub?",
			 url, status);
		goto fail;
	}
	pki_fingerprint_format(fp, got);
	pki_fingerprint_format(code->ca_fingerprint, want);
	if (strcmp(got, want) != 0) {
		snprintf(err, errlen,
			 "the hub at %s presents CA %s, but the enrollment code "
			 "expects %s: refusing (wrong hub, a damaged code, or someone in "
			 "between)",
			 base, got, want);
		ex = EX_NOPERM;
		goto fail;
	}
	if (fsutil_write(ca_path, b.data, b.len, 0644, false) < 0) {
		snprintf(err, errlen, "cannot write %s", ca_path);
		ex = EX_CANTCREAT;
		goto fail;
	}
	*ca_pem = b.data;
	return 0;
fail:
	free(b.data);
	return ex;
}

static const char *json_text(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "";
}

int enroll_client_run(const struct enroll_code *code, const char *csr_pem, const char *ca_path,
		      struct enroll_reply *r, char *err, size_t errlen)
{
	char base[400], url[512], id[UUID_TEXT_LEN], secret[2 * ENROLL_SECRET_LEN + 1],
	    cn[PKI_CN_MAX];
	struct reply_buf b = {0};
	json_t *req = NULL, *ans = NULL;
	char *body = NULL;
	long status = 0;
	int ex;

	memset(r, 0, sizeof(*r));
	/* An IPv6 literal needs brackets in a URL. */
	snprintf(base, sizeof(base), strchr(code->host, ':') ? "https://[%s]:%u" : "https://%s:%u",
		 code->host, code->port);
	ex = fetch_and_pin_ca(code, base, ca_path, &r->ca_pem, err, errlen);
	if (ex)
		return ex;
	uuid_format(code->terminal_id, id);
	for (int i = 0; i < ENROLL_SECRET_LEN; i++)
		snprintf(secret + 2 * i, 3, "%02x", code->secret[i]);
	req = json_pack("{s:s, s:s, s:s}", "terminalId", id, "secret", secret, "csr", csr_pem);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	memset(secret, 0, sizeof(secret));
	if (!body) {
		ex = EX_SOFTWARE;
		goto out;
	}
	snprintf(url, sizeof(url), "%s/api/v1/enroll", base);
	ex = https_request(url, ca_path, body, &b, &status, err, errlen);
	if (ex)
		goto out;
	ans = b.data ? json_loads(b.data, 0, NULL) : NULL;
	if (status != 200) {
		json_t *e = json_object_get(ans, "error");

		snprintf(err, errlen, "the hub refused enrollment (HTTP %ld): %s", status,
			 e ? json_text(e, "message") : "no reason given");
		ex = status == 403 ? EX_NOPERM : EX_PROTOCOL;
		goto out;
	}
	ex = EX_PROTOCOL;
	if (!ans || !json_is_string(json_object_get(ans, "certificate"))) {
		snprintf(err, errlen, "the hub's answer holds no certificate");
		goto out;
	}
	r->cert_pem = strdup(json_text(ans, "certificate"));
	snprintf(r->terminal_id, sizeof(r->terminal_id), "%s", json_text(ans, "terminalId"));
	snprintf(r->short_code, sizeof(r->short_code), "%s", json_text(ans, "shortCode"));
	snprintf(r->name, sizeof(r->name), "%s", json_text(ans, "name"));
	snprintf(r->store, sizeof(r->store), "%s", json_text(ans, "store"));
	/* A hub from before the journal sends no storeCode: derive it as the hub would. */
	if (json_is_string(json_object_get(ans, "storeCode")))
		snprintf(r->store_code, sizeof(r->store_code), "%s", json_text(ans, "storeCode"));
	else
		journal_store_code_derive(r->store, r->store_code);
	if (journal_store_code_check(r->store_code) < 0) {
		snprintf(err, errlen,
			 "the hub's answer holds storeCode \"%.16s\", which is not a store code "
			 "(expected 2 to 8 of A-Z 0-9)",
			 r->store_code);
		goto out;
	}
	r->sync_port = (unsigned int)json_integer_value(json_object_get(ans, "syncPort"));
	/* Trust nothing in the answer we cannot check. */
	if (!r->cert_pem || pki_verify(r->ca_pem, r->cert_pem, NULL, time(NULL), err, errlen) < 0 ||
	    pki_cert_info(r->cert_pem, cn, NULL) < 0 || strcmp(cn, id) != 0 ||
	    strcmp(r->terminal_id, id) != 0 || r->sync_port < 1 || r->sync_port > 65535 ||
	    !r->short_code[0]) {
		snprintf(err, errlen,
			 "the hub's answer does not hold a valid certificate for this "
			 "terminal");
		goto out;
	}
	ex = 0;
out:
	if (ex)
		enroll_reply_free(r);
	json_decref(ans);
	json_decref(req);
	free(body);
	free(b.data);
	return ex;
}

void enroll_reply_free(struct enroll_reply *r)
{
	free(r->ca_pem);
	free(r->cert_pem);
	r->ca_pem = NULL;
	r->cert_pem = NULL;
}
