// SPDX-License-Identifier: MIT
/* Customers and their loyalty points on the terminal (see customers.h). */
#include "customers.h"
#include "db.h"
#include "money.h"
#include "outbox.h"
#include "proto_sync.h"
#include "settings.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CUSTOMER_COLS "id, name, phone, email, card, created_at, updated_at, writer, rev"
#define REFUNDS_MAX   200

static void read_row(sqlite3_stmt *st, struct customer *c, char *writer, size_t wlen, int64_t *rev)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", sqlite3_column_text(st, 0));
	snprintf(c->name, sizeof(c->name), "%s", sqlite3_column_text(st, 1));
	snprintf(c->phone, sizeof(c->phone), "%s", sqlite3_column_text(st, 2));
	snprintf(c->email, sizeof(c->email), "%s", sqlite3_column_text(st, 3));
	snprintf(c->card, sizeof(c->card), "%s", sqlite3_column_text(st, 4));
	c->created_at = sqlite3_column_int64(st, 5);
	c->updated_at = sqlite3_column_int64(st, 6);
	if (writer)
		snprintf(writer, wlen, "%s", sqlite3_column_text(st, 7));
	if (rev)
		*rev = sqlite3_column_int64(st, 8);
}

/* One customer with its writer and rev: 0, -ENOENT or -EIO. */
static int load_full(sqlite3 *db, const char *id, struct customer *c, char *writer, size_t wlen,
		     int64_t *rev)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db, "SELECT " CUSTOMER_COLS " FROM customers WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_row(st, c, writer, wlen, rev);
		rc = 0;
	} else {
		rc = db_check(db, rc, "read a customer");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

int customers_load(sqlite3 *db, const char *id, struct customer *c)
{
	return load_full(db, id, c, NULL, 0, NULL);
}

/* Insert or replace the row, keeping its base (the snapshot's). */
static int write_row(sqlite3 *db, const struct customer *c, const char *writer, int64_t rev)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO customers(" CUSTOMER_COLS
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
			"name = excluded.name, phone = excluded.phone, email = excluded.email, "
			"card = excluded.card, created_at = excluded.created_at, updated_at = "
			"excluded.updated_at, writer = excluded.writer, rev = excluded.rev",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->card, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->created_at);
	sqlite3_bind_int64(st, 7, c->updated_at);
	sqlite3_bind_text(st, 8, writer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, rev);
	rc = db_check(db, sqlite3_step(st), "store a customer");
	sqlite3_finalize(st);
	return rc;
}

/* Another customer holding `card`: 1 (its id in other), 0, or -EIO. */
static int card_taken(sqlite3 *db, const char *card, const char *self_id, char other[40])
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!card[0])
		return 0;
	rc = db_prepare(db, "SELECT id FROM customers WHERE card = ? AND id != ? LIMIT 1", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, card, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, self_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(other, 40, "%s", sqlite3_column_text(st, 0));
		rc = 1;
	} else {
		rc = db_check(db, rc, "look up a card");
	}
	sqlite3_finalize(st);
	return rc;
}

static json_t *customer_op(const struct customer *c, const char *actor, int64_t rev, int64_t now)
{
	uint8_t id[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	json_t *payload = loyalty_customer_json(c), *op;

	if (!payload || uuid_v7(id) < 0) {
		json_decref(payload);
		return NULL;
	}
	uuid_format(id, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "opId", op_id, "kind",
		       PROTO_OP_CUSTOMER_PUT, "entity", "customer", "entityId", c->id, "rev",
		       (json_int_t)rev, "at", (json_int_t)now, "payload", payload);
	if (op && actor && json_object_set_new(op, "actor", json_string(actor)) < 0) {
		json_decref(op);
		return NULL;
	}
	return op;
}

int customers_save_own(sqlite3 *db, const char *self, const char *actor, const struct customer *c,
		       int create, char *why, size_t whylen)
{
	struct proto_error err;
	struct customer old;
	char other[40];
	int64_t rev = 0, now = db_now_ms();
	json_t *op = NULL;
	int rc;

	snprintf(why, whylen, "the terminal's database failed");
	if (loyalty_customer_check(c, &err) < 0) {
		snprintf(why, whylen, "%s", err.message);
		return -EINVAL;
	}
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = load_full(db, c->id, &old, NULL, 0, &rev);
	if (rc == 0 && create) {
		snprintf(why, whylen, "customer %s exists already", c->id);
		rc = -EEXIST;
	} else if (rc == -ENOENT && !create) {
		snprintf(why, whylen, "no customer %s on this terminal", c->id);
	} else if (rc == -ENOENT) {
		rc = 0;
	}
	if (rc < 0)
		goto rollback;
	rc = card_taken(db, c->card, c->id, other);
	if (rc == 1) {
		snprintf(why, whylen, "card: \"%s\" is already the card of customer %s", c->card,
			 other);
		rc = -EEXIST;
	}
	if (rc < 0)
		goto rollback;
	rc = write_row(db, c, self, rev + 1);
	op = rc == 0 ? customer_op(c, actor, rev + 1, now) : NULL;
	if (rc == 0)
		rc = op ? outbox_add(db, op, now) : -ENOMEM;
	json_decref(op);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		snprintf(why, whylen, "the terminal's database failed");
		goto rollback;
	}
	why[0] = '\0';
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
	return rc;
}

/* The digits of a phone number, for comparing "+44 20 7946" with "442079 46". */
static void digits_of(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < len; p++)
		if (*p >= '0' && *p <= '9')
			out[n++] = *p;
	out[n] = '\0';
}

/*
 * Every customer `text` finds, by the rule of loyalty_text_matches (a
 * phone compared by its digits), at most `limit`, into `out` (n found).
 * `exact`: only an id, card, phone or e-mail that is `text`, not a name.
 */
static int search(sqlite3 *db, const char *text, int exact, struct customer *out, int limit, int *n)
{
	sqlite3_stmt *st = NULL;
	struct customer c;
	char want[LOYALTY_PHONE_MAX + 1], have[LOYALTY_PHONE_MAX + 1];
	int rc, hit;

	*n = 0;
	digits_of(text, want, sizeof(want));
	rc = db_prepare(db, "SELECT " CUSTOMER_COLS " FROM customers ORDER BY name, id", &st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
		read_row(st, &c, NULL, 0, NULL);
		digits_of(c.phone, have, sizeof(have));
		hit = strlen(want) >= 3 && strcmp(want, have) == 0 &&
		      strspn(text, "0123456789 +-()") == strlen(text);
		if (exact)
			hit = hit || strcmp(c.id, text) == 0 || strcmp(c.card, text) == 0 ||
			      (c.email[0] && strcasecmp(c.email, text) == 0);
		else
			hit = hit || loyalty_text_matches(&c, text);
		if (hit)
			out[(*n)++] = c;
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "search the customers");
	sqlite3_finalize(st);
	return rc;
}

int customers_resolve(sqlite3 *db, const char *text, struct customer *c, char *why, size_t whylen)
{
	struct customer found[2];
	int rc, n;

	rc = search(db, text, 1, found, 2, &n);
	if (rc < 0) {
		snprintf(why, whylen, "the terminal's database failed");
		return rc;
	}
	if (n == 0) {
		snprintf(why, whylen,
			 "customer: \"%s\" is not a customer id, card, phone or e-mail this "
			 "terminal knows (tillnet-term customer find)",
			 text);
		return -ENOENT;
	}
	if (n > 1) {
		snprintf(why, whylen,
			 "customer: \"%s\" names several customers (%s, %s, ...): give the "
			 "customer's id",
			 text, found[0].id, found[1].id);
		return -EINVAL;
	}
	*c = found[0];
	return 0;
}

int customers_totals(sqlite3 *db, const char *id, struct customers_totals *t)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_prepare(
	    db,
	    "SELECT c.base_points + coalesce((SELECT sum(earned - redeemed) FROM loyalty_ledger "
	    "WHERE customer_id = ?1), 0), c.base_spend + coalesce((SELECT sum(spend) FROM "
	    "loyalty_ledger WHERE customer_id = ?1), 0) FROM customers c WHERE c.id = ?1",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->points = sqlite3_column_int64(st, 0);
		t->lifetime_spend = sqlite3_column_int64(st, 1);
		rc = 0;
	} else {
		rc = db_check(db, rc, "add up a customer's points");
		if (rc == 0)
			rc = -ENOENT;
	}
	sqlite3_finalize(st);
	return rc;
}

/* A customer as the CLI shows it: the record, points, spend and tier. */
static json_t *customer_json(sqlite3 *db, const struct customer *c, const struct store_settings *s,
			     int *rc)
{
	struct customers_totals t;
	json_t *j;

	*rc = customers_totals(db, c->id, &t);
	if (*rc < 0)
		return NULL;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s}", "id", c->id, "name",
		      c->name, "phone", c->phone, "email", c->email, "card", c->card, "createdAt",
		      (json_int_t)c->created_at, "updatedAt", (json_int_t)c->updated_at, "points",
		      (json_int_t)t.points, "lifetimeSpend", (json_int_t)t.lifetime_spend, "tier",
		      settings_tier(s, t.lifetime_spend));
	if (!j)
		*rc = -ENOMEM;
	return j;
}

int customers_find_json(sqlite3 *db, const char *text, int limit, json_t **out)
{
	struct store_settings s;
	struct customer *found;
	json_t *arr = json_array();
	int rc, n = 0;

	*out = NULL;
	found = calloc((size_t)limit, sizeof(*found));
	rc = found && arr ? term_db_settings(db, &s) : -ENOMEM;
	if (rc == 0)
		rc = search(db, text, 0, found, limit, &n);
	for (int i = 0; rc == 0 && i < n; i++) {
		json_t *j = customer_json(db, &found[i], &s, &rc);

		if (j)
			json_array_append_new(arr, j);
	}
	free(found);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int customers_show_json(sqlite3 *db, const char *id, int recent, json_t **out)
{
	struct store_settings s;
	struct customer c;
	sqlite3_stmt *st = NULL;
	json_t *j = NULL, *ledger = json_array();
	int rc;

	*out = NULL;
	rc = ledger ? term_db_settings(db, &s) : -ENOMEM;
	if (rc == 0)
		rc = customers_load(db, id, &c);
	if (rc == 0)
		j = customer_json(db, &c, &s, &rc);
	if (rc == 0)
		rc =
		    db_prepare(db,
			       "SELECT order_id, receipt, origin, earned, redeemed, spend, at FROM "
			       "loyalty_ledger WHERE customer_id = ? ORDER BY at DESC, order_id "
			       "LIMIT ?",
			       &st);
	if (rc < 0)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, recent);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *receipt = (const char *)sqlite3_column_text(st, 1);
		int64_t earned = sqlite3_column_int64(st, 3),
			redeemed = sqlite3_column_int64(st, 4);

		json_array_append_new(
		    ledger,
		    json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I}", "orderId",
			      sqlite3_column_text(st, 0), "receipt", receipt, "terminal",
			      sqlite3_column_text(st, 2), "earned", (json_int_t)earned, "redeemed",
			      (json_int_t)redeemed, "points", (json_int_t)(earned - redeemed),
			      "spend", (json_int_t)sqlite3_column_int64(st, 5), "at",
			      (json_int_t)sqlite3_column_int64(st, 6)));
	}
	rc = db_check(db, rc, "read a customer's ledger");
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	json_object_set_new(j, "ledger", ledger);
	*out = j;
	return 0;
fail:
	json_decref(ledger);
	json_decref(j);
	return rc;
}

/* A refund's sale and what its earlier refunds took back and refunded. */
struct sale_so_far {
	json_t *sale; /* the sale's document */
	int64_t refunded, taken;
	int64_t given;	      /* points of its points discount given back */
	int64_t refunded_qty; /* thousandths, over all lines */
};

/* The thousandths of all the lines of an order. */
static int64_t lines_qty(json_t *order)
{
	json_t *line;
	int64_t sum = 0;
	size_t i;

	json_array_foreach(json_object_get(order, "lines"), i, line) sum +=
	    json_integer_value(json_object_get(line, "qty"));
	return sum;
}

static int load_sale_so_far(sqlite3 *db, const char *sale_id, struct sale_so_far *s)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = db_prepare(db,
			"SELECT doc, 0 FROM orders WHERE id = ?1 UNION ALL SELECT doc, 1 FROM "
			"orders WHERE status = 'completed' AND json_extract(doc, '$.type') = "
			"'refund' AND json_extract(doc, '$.refundOf') = ?1",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, sale_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);

		if (!doc) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (sqlite3_column_int(st, 1) == 0) {
			json_decref(s->sale);
			s->sale = doc;
			continue;
		}
		s->refunded += json_integer_value(json_object_get(doc, "total"));
		s->taken -=
		    json_integer_value(json_object_get(json_object_get(doc, "loyalty"), "earned"));
		s->given -= json_integer_value(
		    json_object_get(json_object_get(doc, "loyalty"), "discountPoints"));
		s->refunded_qty += lines_qty(doc);
		json_decref(doc);
	}
	rc = db_check(db, rc == SQLITE_ROW ? SQLITE_DONE : rc, "read a sale's refunds");
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(s->sale);
		s->sale = NULL;
	}
	return rc;
}

static int fill_refund(sqlite3 *db, json_t *order, const struct store_settings *set, char *why,
		       size_t whylen)
{
	const char *sale_id = json_string_value(json_object_get(order, "refundOf"));
	struct customers_totals t;
	struct proto_error err;
	struct sale_so_far s;
	json_t *customer, *loyalty;
	int64_t back = 0, taken, points, point_value, given = 0;
	int rc;

	if (!sale_id)
		return 0;
	rc = load_sale_so_far(db, sale_id, &s);
	if (rc < 0)
		return rc;
	customer = json_object_get(s.sale, "customer");
	if (!json_is_string(customer)) {
		json_decref(s.sale);
		if (loyalty_points_paid(order) == 0)
			return 0;
		snprintf(why, whylen,
			 "payments: the sale named no customer, so nothing can be paid back in "
			 "points");
		return -EINVAL;
	}
	if (loyalty_points_for(loyalty_points_paid(order), set->loyalty_point_value, &back,
			       "payments (points)", &err) < 0) {
		json_decref(s.sale);
		snprintf(why, whylen, "%s", err.message);
		return -EINVAL;
	}
	taken = loyalty_refund_takeback(
	    json_integer_value(json_object_get(json_object_get(s.sale, "loyalty"), "earned")),
	    json_integer_value(json_object_get(s.sale, "total")),
	    s.refunded + json_integer_value(json_object_get(order, "total")), s.taken);
	/* A discount paid with points gives them back in proportion too. */
	if (loyalty_points_discount(s.sale, &points, &point_value))
		given = loyalty_refund_points_back(
		    points, json_integer_value(json_object_get(s.sale, "total")),
		    s.refunded + json_integer_value(json_object_get(order, "total")),
		    lines_qty(s.sale), s.refunded_qty + lines_qty(order), s.given);
	loyalty = json_pack("{s:I, s:I}", "earned", (json_int_t)-taken, "redeemed",
			    (json_int_t)(-(back + given)));
	rc = loyalty ? json_object_set(order, "customer", customer) : -1;
	if (rc == 0 && given > 0)
		rc = json_object_set_new(loyalty, "discountPoints", json_integer(-given));
	/* The balance after it, as this terminal knows the customer (when it does). */
	if (rc == 0 && customers_totals(db, json_string_value(customer), &t) == 0)
		rc = json_object_set_new(loyalty, "balance",
					 json_integer(t.points + back + given - taken));
	json_decref(s.sale);
	if (rc == 0)
		return json_object_set_new(order, "loyalty", loyalty) < 0 ? -ENOMEM : 0;
	json_decref(loyalty);
	return -ENOMEM;
}

int customers_loyalty_fill(sqlite3 *db, json_t *order, char *why, size_t whylen)
{
	const char *id = json_string_value(json_object_get(order, "customer")),
		   *type = json_string_value(json_object_get(order, "type"));
	struct store_settings set;
	struct customers_totals t;
	struct proto_error err;
	int64_t redeemed = 0, earned, discount_points = 0, point_value;
	char balance[MONEY_TEXT_MAX];
	int rc;

	rc = term_db_settings(db, &set);
	if (rc < 0)
		return rc;
	if (type && strcmp(type, "refund") == 0)
		return fill_refund(db, order, &set, why, whylen);
	if (loyalty_points_discount(order, &discount_points, &point_value) &&
	    point_value != set.loyalty_point_value) {
		snprintf(why, whylen,
			 "redeemPoints: the store's point value changed since the points were "
			 "taken off (a point was worth %lld, now %lld minor units): ring it up "
			 "again",
			 (long long)point_value, (long long)set.loyalty_point_value);
		return -EINVAL;
	}
	if (!id) {
		if (loyalty_points_paid(order) == 0 && discount_points == 0)
			return 0;
		snprintf(why, whylen,
			 "%s: points need the customer whose points they are (--customer)",
			 discount_points ? "redeemPoints" : "payments");
		return -EINVAL;
	}
	rc = customers_totals(db, id, &t);
	if (rc == -ENOENT)
		snprintf(why, whylen, "customer: %s is not a customer this terminal knows", id);
	if (rc < 0)
		return rc == -ENOENT ? -EINVAL : rc;
	if (loyalty_points_for(loyalty_points_paid(order), set.loyalty_point_value, &redeemed,
			       "payments (points)", &err) < 0) {
		snprintf(why, whylen, "%s", err.message);
		return -EINVAL;
	}
	if (redeemed + discount_points > t.points) {
		money_format(t.points * set.loyalty_point_value, balance, sizeof(balance));
		if (redeemed == 0)
			snprintf(why, whylen,
				 "redeemPoints: the customer has %lld points on this terminal "
				 "(worth %s), fewer than the %lld asked",
				 (long long)t.points, balance, (long long)discount_points);
		else
			snprintf(why, whylen,
				 "payments (points): the customer has %lld points (worth %s), "
				 "fewer than the %lld this payment redeems%s",
				 (long long)t.points, balance, (long long)redeemed,
				 discount_points ? " besides the points taken off" : "");
		return -EINVAL;
	}
	redeemed += discount_points;
	earned = settings_points_earned(&set, loyalty_paid(order));
	rc = json_object_set_new(order, "loyalty",
				 json_pack("{s:I, s:I, s:I}", "earned", (json_int_t)earned,
					   "redeemed", (json_int_t)redeemed, "balance",
					   (json_int_t)(t.points - redeemed + earned)));
	return rc < 0 ? -ENOMEM : 0;
}

int customers_order_effect(sqlite3 *db, const char *origin, const char *order_id, json_t *order)
{
	struct loyalty_entry e;
	sqlite3_stmt *st = NULL;
	json_t *receipt = json_object_get(order, "receipt");
	int rc;

	if (!loyalty_entry_of(order, &e))
		return 0;
	rc = db_prepare(db,
			"INSERT OR IGNORE INTO loyalty_ledger(order_id, customer_id, origin, "
			"receipt, earned, redeemed, spend, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, json_string_value(json_object_get(order, "customer")), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 3, origin, -1, SQLITE_STATIC);
	if (json_is_string(receipt))
		sqlite3_bind_text(st, 4, json_string_value(receipt), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e.earned);
	sqlite3_bind_int64(st, 6, e.redeemed);
	sqlite3_bind_int64(st, 7, e.spend);
	sqlite3_bind_int64(st, 8, json_integer_value(json_object_get(order, "completedAt")));
	rc = db_check(db, sqlite3_step(st), "record loyalty points");
	sqlite3_finalize(st);
	return rc;
}

/* Merge one version from elsewhere: stored only when it wins over ours. */
static int merge(sqlite3 *db, const char *id, json_t *payload, const char *writer, int64_t rev)
{
	struct customer in, ours;
	struct proto_error err;
	char our_writer[40];
	int64_t our_rev = 0;
	int rc;

	memset(&in, 0, sizeof(in));
	if (proto_uuid_check(id) < 0 || loyalty_customer_decode(payload, &in, &err) < 0)
		return 0; /* the hub checked it; a bad one is not ours to fix */
	snprintf(in.id, sizeof(in.id), "%s", id);
	rc = load_full(db, id, &ours, our_writer, sizeof(our_writer), &our_rev);
	if (rc == 0 && !loyalty_customer_wins(&in, writer, &ours, our_writer))
		return 0;
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return write_row(db, &in, writer, rev > our_rev ? rev : our_rev);
}

int customers_apply_event(sqlite3 *db, const char *writer, json_t *op)
{
	return merge(db, json_string_value(json_object_get(op, "entityId")),
		     json_object_get(op, "payload"), writer,
		     json_integer_value(json_object_get(op, "rev")));
}

int customers_snapshot_begin(sqlite3 *db, const char *self)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_exec(db, "UPDATE customers SET base_points = 0, base_spend = 0");
	if (rc == 0)
		rc = db_prepare(db, "DELETE FROM loyalty_ledger WHERE origin != ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, self, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "drop mirrored loyalty entries");
	sqlite3_finalize(st);
	return rc;
}

int customers_snapshot_put(sqlite3 *db, const char *self, json_t *item)
{
	const char *id = json_string_value(json_object_get(item, "id")),
		   *writer = json_string_value(json_object_get(item, "writer"));
	sqlite3_stmt *st = NULL;
	int rc;

	(void)self; /* the hub left this terminal's own entries out of the sums */
	if (!id || !writer)
		return 0;
	rc = merge(db, id, item, writer, 1);
	if (rc == 0)
		rc = db_prepare(
		    db, "UPDATE customers SET base_points = ?, base_spend = ? WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(item, "otherPoints")));
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(item, "otherSpend")));
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = db_check(db, sqlite3_step(st), "store a customer's points");
	sqlite3_finalize(st);
	return rc;
}
