/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the upstream queue (hub/upstream_store.c, upstream_admin.c)
 * on a real hub.db in a fresh folder under /tmp: collecting sales from the
 * event log (once, whatever happens to the cursor), dependencies, settle
 * rules, and the admin's retry, void and accept-conflict. No sockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "hub_db.h"
#include "upstream_admin.h"
#include "upstream_store.h"

#define T1  "0190aaaa-0000-7000-8000-000000000001"
#define T2  "0190aaaa-0000-7000-8000-000000000002"
#define NOW 1800000000000LL

struct fixture {
	char dir[64];
	sqlite3 *db;
};

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tillnet-test-upstream-XXXXXX");
	if (!mkdtemp(f->dir) || hub_db_open(f->dir, 1, &f->db) < 0)
		return -1;
	exec(f->db, "INSERT INTO terminals(id, name, short_code, cert_serial, enrolled_at) VALUES "
		    "('" T1 "', 'Till 1', 'T01', 's1', 1), ('" T2 "', 'Till 2', 'T02', 's2', 1)");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
	char path[128];

	db_close(f->db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* An event as sync_apply writes it: an order.put of `status` by `origin`. */
static void add_event(sqlite3 *db, const char *origin, const char *kind, const char *order_id,
		      const char *status, int seq, int64_t total)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO events(origin, kind, entity_id, op, at) VALUES ('%s', '%s', '%s', "
		 "'{\"entity\":\"order\",\"entityId\":\"%s\",\"kind\":\"%s\",\"payload\":"
		 "{\"status\":\"%s\",\"receipt\":\"T01-%06d\",\"receiptSeq\":%d,"
		 "\"completedAt\":%lld,\"total\":%lld,\"lines\":[]},\"rev\":1}', %lld)",
		 origin, kind, order_id, order_id, kind, status, seq, seq, (long long)NOW - 5,
		 (long long)total, (long long)NOW);
	exec(db, sql);
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *one_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void collect_all(sqlite3 *db, int *added)
{
	int more = 1, n;

	*added = 0;
	while (more) {
		assert_int_equal(upstream_store_collect(db, 2, NOW, &n, &more), 0);
		*added += n;
	}
}

static void test_collect_completed_sales_once(void **state)
{
	struct fixture *f = *state;
	char *rec;
	int added;

	add_event(f->db, T1, "order.put", "a0000000-0000-7000-8000-000000000001", "open", 1, 250);
	add_event(f->db, T1, "order.put", "a0000000-0000-7000-8000-000000000001", "completed", 1,
		  250);
	add_event(f->db, T2, "order.release", "a0000000-0000-7000-8000-000000000002", "parked", 0,
		  0);
	add_event(f->db, T2, "order.put", "a0000000-0000-7000-8000-000000000003", "completed", 7,
		  1999);
	add_event(f->db, "hub", "catalog.put", "catalog", "", 0, 0);
	collect_all(f->db, &added);
	assert_int_equal(added, 2);
	assert_int_equal(one_int(f->db, "SELECT cursor FROM upstream_state"), 5);
	rec = one_text(f->db, "SELECT record FROM upstream_records WHERE id LIKE '%0003'");
	assert_non_null(rec);
	assert_non_null(strstr(rec, "\"terminal\":\"T02\""));
	assert_non_null(strstr(rec, "\"terminalId\":\"" T2 "\""));
	assert_non_null(strstr(rec, "\"kind\":\"sale\""));
	assert_non_null(strstr(rec, "\"sequence\":7"));
	assert_non_null(strstr(rec, "\"hubSeq\":4"));
	assert_non_null(strstr(rec, "\"deviceAt\":1799999999995"));
	assert_non_null(strstr(rec, "\"total\":1999"));
	assert_non_null(strstr(rec, "\"dependsOn\":null"));
	free(rec);
	/* Nothing new: nothing queued. A cursor reset by hand: still nothing twice. */
	collect_all(f->db, &added);
	assert_int_equal(added, 0);
	exec(f->db, "UPDATE upstream_state SET cursor = 0");
	collect_all(f->db, &added);
	assert_int_equal(added, 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records"), 2);
	assert_int_equal(one_int(f->db, "SELECT cursor FROM upstream_state"), 5);
}

/* A voided order is not a sale: it never goes upstream (docs/pos.md, "Voids"). */
static void test_voided_orders_are_not_collected(void **state)
{
	struct fixture *f = *state;
	int added;

	add_event(f->db, T1, "order.put", "a0000000-0000-7000-8000-000000000004", "parked", 0, 300);
	add_event(f->db, T1, "order.put", "a0000000-0000-7000-8000-000000000004", "voided", 3, 300);
	collect_all(f->db, &added);
	assert_int_equal(added, 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records"), 0);
	assert_int_equal(one_int(f->db, "SELECT cursor FROM upstream_state"), 2);
}

static void add_record(sqlite3 *db, const char *id, const char *kind, const char *depends_on)
{
	json_t *payload = json_pack("{s:s, s:i}", "status", "completed", "total", 500);
	struct upstream_new_record r = {id,  kind, T1, "T01",	   NULL,   0,
					NOW, NOW,  1,  depends_on, payload};
	int added;

	assert_int_equal(upstream_store_add(db, &r, NOW, &added), 0);
	assert_int_equal(added, 1);
	json_decref(payload);
}

static void batch_ids(sqlite3 *db, char *out, size_t len)
{
	struct upstream_batch b;

	assert_int_equal(upstream_store_next_batch(db, 10, &b), 0);
	out[0] = '\0';
	for (size_t i = 0; i < b.n; i++) {
		strncat(out, b.items[i].id, len - strlen(out) - 1);
		strncat(out, " ", len - strlen(out) - 1);
	}
	upstream_batch_clear(&b);
}

static void settle(sqlite3 *db, const char *id, const char *result, const char *code)
{
	struct upstream_batch b;
	struct upstream_batch_item item = {{0}, NULL};
	struct upstream_result r = {id, result, code, "because", "UP-1"};
	size_t unanswered;

	snprintf(item.id, sizeof(item.id), "%s", id);
	b = (struct upstream_batch){1, &item, 0};
	assert_int_equal(upstream_store_settle(db, &b, &r, 1, NOW, &unanswered), 0);
	assert_int_equal(unanswered, 0);
}

static void test_dependents_wait_for_their_record(void **state)
{
	struct fixture *f = *state;
	char ids[512];
	int count;

	add_record(f->db, "sale-1", "sale", NULL);
	add_record(f->db, "refund-1", "refund", "sale-1");
	add_record(f->db, "sale-2", "sale", NULL);
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "sale-1 sale-2 ");
	/* Parked: its refund waits, the other sale goes on. */
	settle(f->db, "sale-1", "rejected", "bad-receipt");
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "sale-2 ");
	assert_int_equal(upstream_admin_retry(f->db, "sale-1", "cli:test", NOW, &count), 0);
	assert_int_equal(count, 1);
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "sale-1 sale-2 ");
	settle(f->db, "sale-1", "accepted", NULL);
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "refund-1 sale-2 ");
	/* A conflict accepted by the admin lets its dependents go too. */
	add_record(f->db, "sale-3", "sale", NULL);
	add_record(f->db, "refund-3", "refund", "sale-3");
	settle(f->db, "sale-3", "conflict", "id-reused");
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "refund-1 sale-2 ");
	assert_int_equal(upstream_admin_accept_conflict(f->db, "sale-3", "cli:test", NOW), 0);
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "refund-1 sale-2 refund-3 ");
	/* A dependency that does not exist (yet) holds its record back. */
	add_record(f->db, "refund-9", "refund", "sale-9");
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "refund-1 sale-2 refund-3 ");
}

static void test_settle_rules(void **state)
{
	struct fixture *f = *state;
	struct upstream_batch b;
	struct upstream_result res[] = {
	    {"r2", "duplicate", NULL, NULL, "UP-7"},
	    {"r1", "accepted", NULL, NULL, "UP-8"},
	    {"stranger", "accepted", NULL, NULL, "UP-9"},
	};
	size_t unanswered;
	char *ref;

	add_record(f->db, "r1", "sale", NULL);
	add_record(f->db, "r2", "sale", NULL);
	add_record(f->db, "r3", "sale", NULL);
	assert_int_equal(upstream_store_next_batch(f->db, 10, &b), 0);
	assert_int_equal(b.n, 3);
	assert_int_equal(upstream_store_mark_sent(f->db, &b, "batch-1", NOW), 0);
	assert_int_equal(one_int(f->db, "SELECT inflight FROM upstream_state"), 3);
	assert_int_equal(upstream_store_settle(f->db, &b, res, 3, NOW, &unanswered), 0);
	upstream_batch_clear(&b);
	/* Accepted and duplicate settle with upstream's ref; no answer: still pending. */
	assert_int_equal(unanswered, 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records WHERE state = "
					"'forwarded'"),
			 2);
	ref = one_text(f->db, "SELECT upstream_ref FROM upstream_records WHERE id = 'r2'");
	assert_string_equal(ref, "UP-7");
	free(ref);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records WHERE id = 'r3' "
					"AND state = 'pending' AND attempts = 1"),
			 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records WHERE id = "
					"'stranger'"),
			 0);
	assert_int_equal(one_int(f->db, "SELECT inflight FROM upstream_state"), 0);
	/* A late answer never changes a settled record. */
	settle(f->db, "r1", "rejected", "late");
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records WHERE id = 'r1' "
					"AND state = 'forwarded'"),
			 1);
	/* A whole-batch 4xx parks what was sent, with the code and message. */
	assert_int_equal(upstream_store_next_batch(f->db, 10, &b), 0);
	assert_int_equal(upstream_store_park_batch(f->db, &b, "http-422", "bad batch", NOW), 0);
	upstream_batch_clear(&b);
	ref = one_text(f->db, "SELECT last_error_code || ' ' || last_error FROM upstream_records "
			      "WHERE id = 'r3' AND state = 'parked'");
	assert_string_equal(ref, "http-422 bad batch");
	free(ref);
	/* accept-conflict is for conflicts only. */
	assert_int_equal(upstream_admin_accept_conflict(f->db, "r3", "cli:test", NOW), -EINVAL);
	assert_int_equal(upstream_admin_accept_conflict(f->db, "r1", "cli:test", NOW), -ENOENT);
}

static void test_void_and_audit(void **state)
{
	struct fixture *f = *state;
	char void_id[40], other[40], sql[256], *rec;
	json_t *status = NULL, *parked = NULL;
	int count;

	add_record(f->db, "v1", "sale", NULL);
	add_record(f->db, "v2", "sale", NULL);
	settle(f->db, "v1", "rejected", "bad-total");
	settle(f->db, "v2", "rejected", "bad-total");
	assert_int_equal(upstream_admin_parked(f->db, &parked), 0);
	assert_int_equal(json_array_size(parked), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(parked, 0), "code")),
			    "bad-total");
	json_decref(parked);
	assert_int_equal(upstream_admin_void(f->db, "v1", "never paid", "cli:test", NOW, void_id),
			 0);
	assert_int_equal(upstream_admin_void(f->db, "v1", "again", "cli:test", NOW, other),
			 -ENOENT);
	snprintf(sql, sizeof(sql),
		 "SELECT record FROM upstream_records WHERE id = '%s' AND kind = 'void' AND state "
		 "= 'pending'",
		 void_id);
	rec = one_text(f->db, sql);
	assert_non_null(rec);
	assert_non_null(strstr(rec, "\"voidOf\":\"v1\""));
	assert_non_null(strstr(rec, "\"reason\":\"never paid\""));
	free(rec);
	assert_int_equal(upstream_admin_retry(f->db, NULL, "cli:test", NOW, &count), 0);
	assert_int_equal(count, 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM audit WHERE actor = 'cli:test' AND "
					"action IN ('upstream.void', 'upstream.retry')"),
			 2);
	assert_int_equal(upstream_admin_status_json(f->db, 1, NULL, NOW + 100, &status), 0);
	assert_int_equal(json_integer_value(json_object_get(status, "voided")), 1);
	assert_int_equal(json_integer_value(json_object_get(status, "pending")), 2);
	assert_int_equal(json_integer_value(json_object_get(status, "parked")), 0);
	assert_int_equal(json_integer_value(json_object_get(status, "oldestPendingAgeMs")), 100);
	json_decref(status);
}

static void test_a_real_number_is_parked_not_sent(void **state)
{
	struct fixture *f = *state;
	json_t *payload = json_pack("{s:s, s:f}", "status", "completed", "total", 2.5);
	struct upstream_new_record r = {"real-1", "sale", T1, "T01", NULL,   0,
					NOW,	  NOW,	  1,  NULL,  payload};
	char ids[64];
	int added;

	assert_int_equal(upstream_store_add(f->db, &r, NOW, &added), 0);
	json_decref(payload);
	assert_int_equal(added, 1);
	batch_ids(f->db, ids, sizeof(ids));
	assert_string_equal(ids, "");
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM upstream_records WHERE state = "
					"'parked' AND last_error_code = 'bad-record'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_collect_completed_sales_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_voided_orders_are_not_collected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dependents_wait_for_their_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settle_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_void_and_audit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_real_number_is_parked_not_sent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
