/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hub/upstream_proto.c, the pure side of the upstream wire
 * contract: what each HTTP status means, Retry-After, the URL rule (plain
 * http:// to loopback only), reading results and building a batch body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "upstream_proto.h"

static void test_classify(void **state)
{
	assert_int_equal(upstream_proto_classify(200), UPSTREAM_OK);
	assert_int_equal(upstream_proto_classify(401), UPSTREAM_AUTH);
	assert_int_equal(upstream_proto_classify(0), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(408), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(429), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(500), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(503), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(599), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(302), UPSTREAM_TRANSIENT);
	assert_int_equal(upstream_proto_classify(400), UPSTREAM_PARK);
	assert_int_equal(upstream_proto_classify(403), UPSTREAM_PARK);
	assert_int_equal(upstream_proto_classify(413), UPSTREAM_PARK);
	assert_int_equal(upstream_proto_classify(422), UPSTREAM_PARK);
}

static void test_retry_after(void **state)
{
	/* 2026-01-01T00:00:00Z */
	const int64_t now = 1767225600000LL;
	int64_t ms = -1;

	assert_int_equal(upstream_proto_retry_after(" 3", now, &ms), 0);
	assert_int_equal(ms, 3000);
	assert_int_equal(upstream_proto_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now, &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(upstream_proto_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now, &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(upstream_proto_retry_after("99999999999999999999", now, &ms), 0);
	assert_int_equal(ms, UPSTREAM_RETRY_AFTER_MAX_MS);
	assert_int_equal(upstream_proto_retry_after("-1", now, &ms), -EINVAL);
	assert_int_equal(upstream_proto_retry_after("3s", now, &ms), -EINVAL);
	assert_int_equal(upstream_proto_retry_after("", now, &ms), -EINVAL);
	assert_int_equal(upstream_proto_retry_after("tomorrow", now, &ms), -EINVAL);
}

static void test_url_rule(void **state)
{
	char err[256];

	assert_int_equal(upstream_proto_check_url("https://erp.example.com/t", err, sizeof(err)),
			 0);
	assert_int_equal(upstream_proto_check_url("http://127.0.0.1:8080/t", err, sizeof(err)), 0);
	assert_int_equal(upstream_proto_check_url("http://127.9.9.9/t", err, sizeof(err)), 0);
	assert_int_equal(upstream_proto_check_url("http://[::1]:80/t", err, sizeof(err)), 0);
	assert_int_equal(upstream_proto_check_url("http://LocalHost/t", err, sizeof(err)), 0);
	assert_int_equal(upstream_proto_check_url("http://192.168.1.2/t", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "only allowed to this machine"));
	assert_int_equal(upstream_proto_check_url("http://127.0.0.1.evil.com/", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(upstream_proto_check_url("http://localhost.evil.com/", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(upstream_proto_check_url("http://[::2]/", err, sizeof(err)), -EINVAL);
	assert_int_equal(upstream_proto_check_url("http://a@127.0.0.1/", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(upstream_proto_check_url("ftp://127.0.0.1/", err, sizeof(err)), -EINVAL);
	assert_int_equal(upstream_proto_check_url("https:///x", err, sizeof(err)), -EINVAL);
}

static void test_results(void **state)
{
	const char body[] = "{\"batchId\":\"b\",\"results\":[{\"id\":\"a\",\"result\":\"accepted\","
			    "\"ref\":\"UP-1\"},{\"id\":\"b\",\"result\":\"maybe\"},{\"result\":"
			    "\"accepted\"},{\"id\":\"c\",\"result\":\"rejected\",\"code\":\"x\","
			    "\"message\":\"m\"}]}";
	struct upstream_result *res;
	size_t n, skipped;
	json_t *doc;
	char err[128];

	assert_int_equal(
	    upstream_proto_results(body, strlen(body), &doc, &res, &n, &skipped, err, sizeof(err)),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 2);
	assert_string_equal(res[0].ref, "UP-1");
	assert_string_equal(res[1].code, "x");
	assert_null(res[1].ref);
	free(res);
	json_decref(doc);
	assert_int_equal(
	    upstream_proto_results("{\"resu", 6, &doc, &res, &n, &skipped, err, sizeof(err)),
	    -EPROTO);
	assert_int_equal(
	    upstream_proto_results("{}", 2, &doc, &res, &n, &skipped, err, sizeof(err)), -EPROTO);
}

static void test_body_keeps_records_verbatim(void **state)
{
	const char *recs[] = {"{\"id\":\"a\",\"total\":1999}", "{\"id\":\"b\"}"};
	char *body;
	size_t len;
	json_t *doc;

	assert_int_equal(upstream_proto_body("Shop \"1\"", "h", "b1", 42, recs, 2, &body, &len), 0);
	assert_int_equal(len, strlen(body));
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "storeId")), "Shop \"1\"");
	assert_int_equal(json_integer_value(json_object_get(doc, "apiVersion")), 1);
	assert_int_equal(json_array_size(json_object_get(doc, "records")), 2);
	assert_false(upstream_proto_has_real(doc));
	json_decref(doc);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_retry_after),
	    cmocka_unit_test(test_url_rule),
	    cmocka_unit_test(test_results),
	    cmocka_unit_test(test_body_keeps_records_verbatim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
