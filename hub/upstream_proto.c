// SPDX-License-Identifier: MIT
/* The upstream wire contract, pure (see upstream_proto.h and docs/upstream.md). */
#include "upstream_proto.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum upstream_outcome upstream_proto_classify(long status)
{
	if (status == 200)
		return UPSTREAM_OK;
	if (status == 401)
		return UPSTREAM_AUTH;
	/* No answer at all, a timeout, a throttle or the server's own trouble. */
	if (status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599))
		return UPSTREAM_TRANSIENT;
	/* Any other 4xx is upstream's deterministic "no" to the whole batch. */
	if (status >= 400 && status <= 499)
		return UPSTREAM_PARK;
	/*
	 * 1xx, other 2xx, 3xx (redirects are not followed): not the contract.
	 * Sending the same batch again cannot lose anything, parking could.
	 */
	return UPSTREAM_TRANSIENT;
}

int upstream_proto_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms)
{
	struct tm tm;
	const char *end;
	int64_t ms;

	while (value && isspace((unsigned char)*value))
		value++;
	if (!value || !*value)
		return -EINVAL;
	if (isdigit((unsigned char)value[0])) {
		char *stop;
		unsigned long long secs;

		errno = 0;
		secs = strtoull(value, &stop, 10);
		while (isspace((unsigned char)*stop))
			stop++;
		if (*stop)
			return -EINVAL;
		if (errno == ERANGE || secs > UPSTREAM_RETRY_AFTER_MAX_MS / 1000)
			secs = UPSTREAM_RETRY_AFTER_MAX_MS / 1000;
		*delay_ms = (int64_t)secs * 1000;
		return 0;
	}
	/* IMF-fixdate, the form RFC 9110 says senders use: "Sun, 06 Nov 1994 08:49:37 GMT". */
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	ms = (int64_t)timegm(&tm) * 1000 - now_ms;
	if (ms < 0)
		ms = 0;
	if (ms > UPSTREAM_RETRY_AFTER_MAX_MS)
		ms = UPSTREAM_RETRY_AFTER_MAX_MS;
	*delay_ms = ms;
	return 0;
}

void upstream_proto_error_message(const char *body, size_t len, long status, char *buf,
				  size_t buflen)
{
	json_t *doc = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *msg = json_object_get(json_object_get(doc, "error"), "message");

	if (json_is_string(msg))
		snprintf(buf, buflen, "%s", json_string_value(msg));
	else
		snprintf(buf, buflen, "upstream answered HTTP %ld", status);
	json_decref(doc);
}

static char *json_quote(const char *s)
{
	json_t *j = json_string(s);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return text;
}

int upstream_proto_body(const char *store_id, const char *hub_id, const char *batch_id,
			int64_t sent_at, const char *const *records, size_t n, char **out,
			size_t *out_len)
{
	char *store = json_quote(store_id), *hub = json_quote(hub_id),
	     *batch = json_quote(batch_id);
	char *buf = NULL, *p;
	size_t cap, used;
	int rc = -ENOMEM, k;

	*out = NULL;
	if (!store || !hub || !batch)
		goto out;
	cap = strlen(store) + strlen(hub) + strlen(batch) + 128;
	for (size_t i = 0; i < n; i++)
		cap += strlen(records[i]) + 1;
	buf = malloc(cap);
	if (!buf)
		goto out;
	k = snprintf(buf, cap,
		     "{\"apiVersion\":1,\"storeId\":%s,\"hubId\":%s,\"batchId\":%s,"
		     "\"sentAt\":%lld,\"records\":[",
		     store, hub, batch, (long long)sent_at);
	if (k < 0 || (size_t)k >= cap)
		goto out;
	used = (size_t)k;
	p = buf + used;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(records[i]);

		if (i > 0)
			*p++ = ',';
		memcpy(p, records[i], l);
		p += l;
	}
	memcpy(p, "]}", 3);
	*out_len = (size_t)(p - buf) + 2;
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(store);
	free(hub);
	free(batch);
	free(buf);
	return rc;
}

static const char *str_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int upstream_proto_results(const char *body, size_t len, json_t **doc,
			   struct upstream_result **results, size_t *n, size_t *skipped, char *err,
			   size_t errlen)
{
	static const char *const known[] = {"accepted", "duplicate", "rejected", "conflict"};
	json_error_t jerr;
	json_t *root, *arr, *item;
	struct upstream_result *res;
	size_t i, count = 0;

	*doc = NULL;
	*results = NULL;
	*n = 0;
	*skipped = 0;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "upstream's answer is not JSON: %s", jerr.text);
		return -EPROTO;
	}
	arr = json_object_get(root, "results");
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "upstream's answer has no \"results\" array");
		json_decref(root);
		return -EPROTO;
	}
	res = calloc(json_array_size(arr) + 1, sizeof(*res));
	if (!res) {
		json_decref(root);
		return -ENOMEM;
	}
	json_array_foreach(arr, i, item)
	{
		const char *id = str_member(item, "id"), *result = str_member(item, "result");
		int ok = 0;

		for (size_t k = 0; result && k < sizeof(known) / sizeof(known[0]); k++)
			ok |= strcmp(result, known[k]) == 0;
		if (!id || !ok || strlen(id) >= UPSTREAM_ID_MAX) {
			(*skipped)++;
			continue;
		}
		res[count++] =
		    (struct upstream_result){id, result, str_member(item, "code"),
					     str_member(item, "message"), str_member(item, "ref")};
	}
	*doc = root;
	*results = res;
	*n = count;
	return 0;
}

static int host_is_loopback(const char *host, size_t len)
{
	char text[64];
	struct in_addr v4;
	struct in6_addr v6;

	if (len == 0 || len >= sizeof(text))
		return 0;
	memcpy(text, host, len);
	text[len] = '\0';
	if (strcasecmp(text, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, text, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (text[0] == '[' && text[len - 1] == ']') {
		text[len - 1] = '\0';
		if (inet_pton(AF_INET6, text + 1, &v6) == 1)
			return IN6_IS_ADDR_LOOPBACK(&v6);
	}
	return 0;
}

int upstream_proto_check_url(const char *url, char *err, size_t errlen)
{
	const char *authority, *host, *end;
	size_t alen, hlen;
	int https;

	if (strncasecmp(url, "https://", 8) == 0)
		https = 1;
	else if (strncasecmp(url, "http://", 7) == 0)
		https = 0;
	else {
		snprintf(err, errlen,
			 "upstream URL \"%s\" is not an https:// URL "
			 "(e.g. https://erp.example.com/tillnet)",
			 url);
		return -EINVAL;
	}
	authority = url + (https ? 8 : 7);
	alen = strcspn(authority, "/?#");
	if (memchr(authority, '@', alen)) {
		snprintf(err, errlen,
			 "upstream URL \"%s\" holds a user name: give the token with "
			 "--upstream-token-file instead",
			 url);
		return -EINVAL;
	}
	host = authority;
	if (host[0] == '[') {
		end = memchr(host, ']', alen);
		hlen = end ? (size_t)(end - host) + 1 : alen;
	} else {
		end = memchr(host, ':', alen);
		hlen = end ? (size_t)(end - host) : alen;
	}
	if (hlen == 0) {
		snprintf(err, errlen, "upstream URL \"%s\" has no host", url);
		return -EINVAL;
	}
	/* Plain HTTP would put the token and every sale on the wire in clear. */
	if (!https && !host_is_loopback(host, hlen)) {
		snprintf(err, errlen,
			 "upstream URL \"%s\": plain http:// is only allowed to this machine "
			 "(127.0.0.1, ::1, localhost); use https://",
			 url);
		return -EINVAL;
	}
	return 0;
}

int upstream_proto_has_real(const json_t *json)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_real(json))
		return 1;
	if (json_is_object(json)) {
		json_object_foreach((json_t *)json, key, v)
		{
			if (upstream_proto_has_real(v))
				return 1;
		}
	} else if (json_is_array(json)) {
		json_array_foreach(json, i, v)
		{
			if (upstream_proto_has_real(v))
				return 1;
		}
	}
	return 0;
}
