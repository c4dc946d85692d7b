// SPDX-License-Identifier: MIT
/* Ringing up and releasing orders on the terminal (see sale.h). */
#include "sale.h"
#include "cash.h"
#include "customers.h"
#include "order_effects.h"
#include "db.h"
#include "journal.h"
#include "loyalty.h"
#include "money.h"
#include "order.h"
#include "orders.h"
#include "outbox.h"
#include "proto_sync.h"
#include "settings.h"
#include "term_db.h"
#include "uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct item {
	char sku[ORDER_SKU_MAX + 1];
	char name[ORDER_NAME_MAX + 1];
	int64_t price, tax_rate;
};

/*
 * A catalog item by SKU, else by barcode, an active item before a removed
 * one: 1 found, 2 found but removed from the catalog, 0 not, <0 error.
 */
static int find_item(sqlite3 *db, const char *code, struct item *it)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"SELECT sku, name, price, tax_rate, active, 0 FROM catalog WHERE sku = ?1 "
			"UNION ALL SELECT sku, name, price, tax_rate, active, 1 FROM catalog WHERE "
			"barcode = ?1 AND barcode != '' ORDER BY 5 DESC, 6 LIMIT 1",
			&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(it->sku, sizeof(it->sku), "%s", sqlite3_column_text(st, 0));
		snprintf(it->name, sizeof(it->name), "%s", sqlite3_column_text(st, 1));
		it->price = sqlite3_column_int64(st, 2);
		it->tax_rate = sqlite3_column_int64(st, 3);
		rc = sqlite3_column_int(st, 4) ? 1 : 2;
		sqlite3_finalize(st);
		return rc;
	}
	rc = db_check(db, rc, "look up the catalog");
	sqlite3_finalize(st);
	return rc;
}

static int catalog_size(sqlite3 *db, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	rc = db_prepare(db, "SELECT count(*) FROM catalog", &st);
	if (rc < 0)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* An op, with who made it (and who approved it) when staff sign in here. */
static json_t *op_new(const struct sale_who *who, const char *kind, const char *order_id,
		      int64_t rev, int64_t now, json_t *payload)
{
	uint8_t id[UUID_LEN];
	char op_id[UUID_TEXT_LEN];
	json_t *op;

	if (uuid_v7(id) < 0) {
		json_decref(payload);
		return NULL;
	}
	uuid_format(id, op_id);
	op = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o}", "opId", op_id, "kind", kind, "entity",
		       "order", "entityId", order_id, "rev", (json_int_t)rev, "at", (json_int_t)now,
		       "payload", payload);
	if (op && who->actor && json_object_set_new(op, "actor", json_string(who->actor)) < 0)
		goto fail;
	if (op && who->approver &&
	    json_object_set_new(op, "approver", json_string(who->approver)) < 0)
		goto fail;
	return op;
fail:
	json_decref(op);
	return NULL;
}

json_t *sale_op(const struct sale_who *who, const char *kind, const char *order_id, int64_t rev,
		int64_t now, json_t *payload)
{
	return op_new(who, kind, order_id, rev, now, payload);
}

/*
 * opts->redeem_points of the customer's points off the order, as an amount
 * order discount marked as paid with points (loyalty_points_discount_mark).
 * The balance is checked here for a quick answer, and again when the sale
 * is stored (customers_loyalty_fill, in its transaction).
 */
static int redeem_points(sqlite3 *db, json_t *order, const struct sale_opts *opts,
			 const struct store_settings *set, char *why, size_t whylen)
{
	struct pricing_discount d = {PRICING_DISCOUNT_AMOUNT, 0};
	struct customers_totals t;
	struct proto_error err;
	int64_t n = opts->redeem_points, base;
	char worth[MONEY_TEXT_MAX], most[MONEY_TEXT_MAX];
	int rc;

	if (opts->discount.kind != PRICING_DISCOUNT_NONE) {
		snprintf(why, whylen,
			 "redeemPoints: points are taken off as the order discount, so they "
			 "cannot be combined with another order discount (give one or the "
			 "other)");
		return -EINVAL;
	}
	if (!opts->customer) {
		snprintf(why, whylen,
			 "redeemPoints: the points are a customer's: name the customer "
			 "(customer, --customer)");
		return -EINVAL;
	}
	if (n < 1 || n > PROTO_INT_MAX || set->loyalty_point_value < 1 ||
	    set->loyalty_point_value > MONEY_MAX / n) {
		snprintf(why, whylen,
			 "redeemPoints: %lld is not a number of points this order can take "
			 "(expected a whole number from 1)",
			 (long long)n);
		return -EINVAL;
	}
	d.value = n * set->loyalty_point_value;
	/* What an order discount applies to: the lines after their own discounts, before tax. */
	base = json_integer_value(json_object_get(order, "total"));
	if (set->price_mode == PRICING_EXCLUSIVE)
		base -= json_integer_value(json_object_get(order, "taxTotal"));
	if (d.value > base) {
		money_format(d.value, worth, sizeof(worth));
		money_format(base, most, sizeof(most));
		snprintf(why, whylen,
			 "redeemPoints: %lld points are worth %s, more than the order comes to "
			 "(%s%s)",
			 (long long)n, worth, most,
			 set->price_mode == PRICING_EXCLUSIVE ? " before tax" : "");
		return -EINVAL;
	}
	rc = customers_totals(db, opts->customer, &t);
	if (rc == -ENOENT) {
		snprintf(why, whylen, "customer: %s is not a customer this terminal knows",
			 opts->customer);
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (n > t.points) {
		snprintf(why, whylen,
			 "redeemPoints: the customer has %lld points on this terminal, fewer "
			 "than the %lld asked",
			 (long long)t.points, (long long)n);
		return -EINVAL;
	}
	if (order_set_discount(order, -1, &d, MONEY_RATE_MAX, &err) < 0) {
		snprintf(why, whylen, "redeemPoints: %s", err.message);
		return -EINVAL;
	}
	return loyalty_points_discount_mark(order, n, set->loyalty_point_value) < 0 ? -ENOMEM : 0;
}

/* The discounts of a sale, priced; then authorize sees what the order needs. */
static int discount_order(sqlite3 *db, json_t *order, const struct sale_opts *opts,
			  const struct store_settings *set, const struct sale_line_req *lines,
			  int nlines, int *refused, char *why, size_t whylen)
{
	struct staff_needs needs;
	struct proto_error err;
	int rc;

	for (int i = 0; i < nlines; i++) {
		if (lines[i].discount.kind == PRICING_DISCOUNT_NONE)
			continue;
		if (order_set_discount(order, i, &lines[i].discount, MONEY_RATE_MAX, &err) < 0) {
			snprintf(why, whylen, "line %d (%s): %s", i + 1, lines[i].code,
				 err.message);
			return -EINVAL;
		}
	}
	if (opts && opts->discount.kind != PRICING_DISCOUNT_NONE &&
	    order_set_discount(order, -1, &opts->discount, MONEY_RATE_MAX, &err) < 0) {
		snprintf(why, whylen, "order discount: %s", err.message);
		return -EINVAL;
	}
	if (opts && opts->redeem_points) {
		rc = redeem_points(db, order, opts, set, why, whylen);
		if (rc < 0)
			return rc;
	}
	if (!opts || !opts->authorize)
		return 0;
	staff_op_needs(PROTO_OP_ORDER_PUT, order, &needs);
	rc = opts->authorize(opts->ctx, &needs);
	if (rc == 0)
		return 0;
	*refused = rc;
	snprintf(why, whylen, "not allowed for the person signed in");
	return -EPERM;
}

static int pay_order(json_t *order, const struct sale_pay_req *pays, int npays, int64_t cash_step,
		     char *why, size_t whylen)
{
	struct order_tender tenders[ORDER_PAYMENTS_MAX];
	struct proto_error err;

	if (npays > ORDER_PAYMENTS_MAX) {
		snprintf(why, whylen, "at most %d payments", ORDER_PAYMENTS_MAX);
		return -EINVAL;
	}
	for (int i = 0; i < npays; i++) {
		tenders[i].tender = pays[i].tender;
		tenders[i].tendered = pays[i].tendered;
		tenders[i].reference = pays[i].reference;
	}
	if (order_settle(order, tenders, npays, cash_step, &err) < 0) {
		snprintf(why, whylen, "%s", err.message);
		return -EINVAL;
	}
	if (order_due(order) != 0) {
		snprintf(why, whylen, "the payments leave %lld (minor units) of the total unpaid",
			 (long long)order_due(order));
		return -EINVAL;
	}
	return 0;
}

static int build_order(sqlite3 *db, const struct sale_opts *opts, const struct sale_line_req *lines,
		       int nlines, const struct sale_pay_req *pays, int npays, int park,
		       int64_t now, json_t **out, int *refused, char *why, size_t whylen)
{
	struct store_settings settings;
	struct proto_error err;
	struct item it;
	json_t *order = order_new(now);
	int64_t n;
	int rc = 0;

	*out = NULL;
	if (!order)
		return -ENOMEM;
	if (catalog_size(db, &n) == 0 && n == 0) {
		snprintf(why, whylen,
			 "this terminal has no catalog yet: run it with the hub reachable once so "
			 "that it receives the catalog");
		rc = -ENOENT;
		goto fail;
	}
	for (int i = 0; i < nlines; i++) {
		rc = find_item(db, lines[i].code, &it);
		if (rc == 0) {
			snprintf(why, whylen,
				 "line %d: \"%s\" is not a SKU or barcode in this "
				 "terminal's catalog",
				 i + 1, lines[i].code);
			rc = -ENOENT;
		}
		if (rc == 2) {
			snprintf(why, whylen,
				 "line %d: \"%s\" was removed from the catalog (%s): it cannot be "
				 "sold",
				 i + 1, lines[i].code, it.name);
			rc = -ENOENT;
		}
		if (rc < 0)
			goto fail;
		if (order_add_line(order, it.sku, it.name, lines[i].qty, it.price, it.tax_rate,
				   &err) < 0) {
			snprintf(why, whylen, "line %d (%s): %s", i + 1, lines[i].code,
				 err.message);
			rc = -EINVAL;
			goto fail;
		}
	}
	/* Priced as a whole (taxes per rate, the store's price mode), with any discounts. */
	rc = term_db_settings(db, &settings);
	if (rc < 0)
		goto fail;
	if ((settings.price_mode == PRICING_EXCLUSIVE
		 ? order_set_mode(order, settings.price_mode, MONEY_RATE_MAX, &err)
		 : order_price(order, MONEY_RATE_MAX, &err)) < 0) {
		snprintf(why, whylen, "%s", err.message);
		rc = -EINVAL;
		goto fail;
	}
	rc = discount_order(db, order, opts, &settings, lines, nlines, refused, why, whylen);
	if (rc < 0)
		goto fail;
	if (opts && opts->customer &&
	    json_object_set_new(order, "customer", json_string(opts->customer)) < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	if (park) {
		json_object_set_new(order, "status", json_string("parked"));
		*out = order;
		return 0;
	}
	rc = pay_order(order, pays, npays, settings.cash_step, why, whylen);
	if (rc < 0)
		goto fail;
	*out = order;
	return 0;
fail:
	json_decref(order);
	return rc;
}

/*
 * Is the stored order still what `sale_finish` read at revision rev − 1:
 * this terminal's, not released, neither completed nor voided? Inside the
 * transaction, so no other writer comes between.
 */
static int still_open(sqlite3 *db, const struct sale_who *who, const char *order_id, int64_t rev,
		      char *why, size_t whylen)
{
	char owner[40], status[16];
	int64_t stored;
	json_t *doc = NULL;
	int rc, released;

	rc = term_orders_load(db, order_id, &doc, owner, &stored, status, &released);
	json_decref(doc);
	if (rc < 0)
		return rc;
	if (strcmp(owner, who->terminal_id) != 0 || stored != rev - 1 || released ||
	    strcmp(status, "completed") == 0 || strcmp(status, "voided") == 0) {
		snprintf(why, whylen, "order %s changed meanwhile (it is %s%s); nothing was stored",
			 order_id, released ? "released" : status,
			 strcmp(owner, who->terminal_id) ? ", another terminal's" : "");
		return -EALREADY;
	}
	return 0;
}

/* sale_commit at revision `rev` (above 1: completing a stored cart, see sale_finish). */
static int commit_at(sqlite3 *db, const struct sale_who *who, json_t *order, const char *kind,
		     int64_t amount, int64_t rev, struct sale_result *out, char *why, size_t whylen)
{
	struct term_order_row row = {0};
	struct proto_error err;
	struct journal_next next;
	int64_t now = db_now_ms(), seq = 0;
	json_t *op = NULL, *p;
	size_t i;
	int rc;

	snprintf(why, whylen, "the terminal's database failed");
	/* IMMEDIATE: the journal's next number is read and taken with no one in between. */
	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0) {
		json_decref(order);
		return rc;
	}
	if (rev > 1) {
		rc = still_open(db, who, out->order_id, rev, why, whylen);
		if (rc < 0)
			goto rollback;
	}
	if (kind) {
		/* Its customer's points, against the balance as it is in this transaction. */
		rc = customers_loyalty_fill(db, order, why, whylen);
		if (rc == 0) /* the drawer's session, when one is open (terminal/cash.h) */
			rc = cash_mark_order(db, order);
		if (rc < 0)
			goto rollback;
		/* The receipt is the journal's next number (terminal/journal.h). */
		rc = journal_next(db, who->short_code, &next);
		if (rc < 0)
			goto rollback;
		seq = next.seq;
		snprintf(out->receipt, sizeof(out->receipt), "%s", next.number);
		if (order_complete(order, out->receipt, seq, now, &err) < 0) {
			snprintf(why, whylen, "%s", err.message);
			rc = -EINVAL;
			goto rollback;
		}
	}
	row.id = out->order_id;
	row.origin = who->terminal_id;
	row.owner = who->terminal_id;
	row.rev = rev;
	row.sync_state = "pending";
	row.doc = order;
	rc = term_orders_save(db, &row);
	if (rc < 0)
		goto rollback;
	op = op_new(who, PROTO_OP_ORDER_PUT, out->order_id, rev, now, json_incref(order));
	rc = op ? outbox_add(db, op, now) : -ENOMEM;
	json_decref(op);
	if (rc < 0)
		goto rollback;
	if (kind) {
		/* The record's journal row and its op, in this same transaction. */
		struct journal_entry e = {who->terminal_id, kind,	out->order_id, now,
					  amount,	    who->actor, who->approver};

		rc = journal_append(db, &next, &e, order, NULL);
		if (rc == 0)
			rc = term_order_effects(db, who->terminal_id, out->order_id, order);
		if (rc < 0)
			goto rollback;
	}
	rc = db_exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	out->receipt_seq = seq;
	out->total = json_integer_value(json_object_get(order, "total"));
	out->tax_total = json_integer_value(json_object_get(order, "taxTotal"));
	json_array_foreach(json_object_get(order, "payments"), i, p) out->change +=
	    json_integer_value(json_object_get(p, "change"));
	out->order = order;
	why[0] = '\0';
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
	json_decref(order);
	out->receipt[0] = '\0';
	return rc;
}

int sale_price(sqlite3 *db, const struct sale_opts *opts, const struct sale_line_req *lines,
	       int nlines, json_t **out, char *why, size_t whylen)
{
	struct sale_opts unchecked = {0};
	int refused = 0, rc;

	if (opts) {
		/* Priced (the points and the customer too), not authorized. */
		unchecked.discount = opts->discount;
		unchecked.customer = opts->customer;
		unchecked.redeem_points = opts->redeem_points;
	}
	snprintf(why, whylen, "the terminal's database failed");
	rc = build_order(db, &unchecked, lines, nlines, NULL, 0, 1, db_now_ms(), out, &refused, why,
			 whylen);
	if (rc == 0 && json_object_set_new(*out, "status", json_string("open")) < 0) {
		json_decref(*out);
		*out = NULL;
		rc = -ENOMEM;
	}
	return rc;
}

int sale_commit(sqlite3 *db, const struct sale_who *who, json_t *order, const char *kind,
		int64_t amount, struct sale_result *out, char *why, size_t whylen)
{
	return commit_at(db, who, order, kind, amount, 1, out, why, whylen);
}

/*
 * This terminal's stored cart `order_id`, to `verb` ("pay", "change"):
 * 0 with *order (the caller's) and *rev, or -ENOENT, -EPERM (another
 * terminal's, or released), -EALREADY (completed or voided), -EIO, `why`
 * saying which.
 */
static int load_cart(sqlite3 *db, const struct sale_who *who, const char *order_id,
		     const char *verb, json_t **order, int64_t *rev, char *why, size_t whylen)
{
	char owner[40], status[16];
	int rc, released;

	*order = NULL;
	rc = term_orders_load(db, order_id, order, owner, rev, status, &released);
	if (rc == -ENOENT)
		snprintf(why, whylen, "this terminal has no order %s", order_id);
	if (rc < 0)
		return rc;
	if (strcmp(owner, who->terminal_id) != 0 || released) {
		snprintf(why, whylen,
			 "order %s is %s: claim it first (tillnet-term claim), then %s it here",
			 order_id, released ? "released for any terminal" : "another terminal's",
			 verb);
		rc = -EPERM;
	} else if (strcmp(status, "completed") == 0 || strcmp(status, "voided") == 0) {
		snprintf(why, whylen, "order %s is %s already: only an open cart can be %s",
			 order_id, status, strcmp(verb, "pay") == 0 ? "paid" : "changed");
		rc = -EALREADY;
	}
	if (rc < 0) {
		json_decref(*order);
		*order = NULL;
	}
	return rc;
}

int sale_finish(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		const char *order_id, const struct sale_pay_req *pays, int npays,
		struct sale_result *out, char *why, size_t whylen)
{
	struct store_settings settings;
	struct staff_needs needs;
	json_t *order = NULL;
	int64_t rev;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(why, whylen, "the terminal's database failed");
	snprintf(out->order_id, sizeof(out->order_id), "%s", order_id);
	rc = load_cart(db, who, order_id, "pay", &order, &rev, why, whylen);
	if (rc < 0)
		return rc;
	if (opts && opts->authorize) {
		/* Its discounts were allowed when it was parked, maybe by someone else. */
		staff_op_needs(PROTO_OP_ORDER_PUT, order, &needs);
		rc = opts->authorize(opts->ctx, &needs);
		if (rc != 0) {
			out->refused = rc;
			snprintf(why, whylen, "not allowed for the person signed in");
			rc = -EPERM;
		}
	}
	if (rc == 0)
		rc = term_db_settings(db, &settings);
	if (rc == 0) {
		json_object_set_new(order, "status", json_string("open"));
		rc = pay_order(order, pays, npays, settings.cash_step, why, whylen);
	}
	if (rc < 0) {
		json_decref(order);
		return rc;
	}
	return commit_at(db, who, order, JOURNAL_KIND_SALE,
			 json_integer_value(json_object_get(order, "total")), rev + 1, out, why,
			 whylen);
}

int sale_edit(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
	      const char *order_id, const struct sale_line_req *lines, int nlines,
	      struct sale_result *out, char *why, size_t whylen)
{
	json_t *stored = NULL, *order = NULL;
	int64_t rev, created_at;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(why, whylen, "the terminal's database failed");
	snprintf(out->order_id, sizeof(out->order_id), "%s", order_id);
	rc = load_cart(db, who, order_id, "change", &stored, &rev, why, whylen);
	if (rc < 0)
		return rc;
	created_at = json_integer_value(json_object_get(stored, "createdAt"));
	json_decref(stored);
	/* A new cart in all but its id and start: priced and authorized before the transaction. */
	rc = build_order(db, opts, lines, nlines, NULL, 0, 1, created_at, &order, &out->refused,
			 why, whylen);
	if (rc < 0)
		return rc;
	/* commit_at checks, in its transaction, that the cart is still at `rev` and open. */
	return commit_at(db, who, order, NULL, 0, rev + 1, out, why, whylen);
}

int sale_ring_up(sqlite3 *db, const struct sale_who *who, const struct sale_opts *opts,
		 const struct sale_line_req *lines, int nlines, const struct sale_pay_req *pays,
		 int npays, int park, struct sale_result *out, char *why, size_t whylen)
{
	uint8_t id[UUID_LEN];
	json_t *order = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(why, whylen, "the terminal's database failed");
	rc = uuid_v7(id);
	if (rc < 0)
		return rc;
	uuid_format(id, out->order_id);
	/*
	 * Priced and authorized before the transaction: a manager's step-up
	 * checks a PIN (slow, and it writes the lockout counter itself).
	 */
	rc = build_order(db, opts, lines, nlines, pays, npays, park, db_now_ms(), &order,
			 &out->refused, why, whylen);
	if (rc < 0)
		return rc;
	return sale_commit(db, who, order, park ? NULL : JOURNAL_KIND_SALE,
			   json_integer_value(json_object_get(order, "total")), out, why, whylen);
}

int sale_release(sqlite3 *db, const struct sale_who *who, const char *order_id, char *why,
		 size_t whylen)
{
	struct term_order_row row = {0};
	char owner[40], status[16];
	int64_t rev, now = db_now_ms();
	json_t *doc = NULL, *op;
	int rc, released;

	rc = db_exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = term_orders_load(db, order_id, &doc, owner, &rev, status, &released);
	if (rc == -ENOENT)
		snprintf(why, whylen, "this terminal has no order %s", order_id);
	else if (rc < 0)
		snprintf(why, whylen, "cannot read order %s", order_id);
	else if (strcmp(owner, who->terminal_id) != 0) {
		snprintf(why, whylen, "order %s belongs to terminal %s, not this one", order_id,
			 owner);
		rc = -EPERM;
	} else if (strcmp(status, "completed") == 0 || strcmp(status, "voided") == 0 || released) {
		snprintf(why, whylen, "order %s is %s%s", order_id,
			 released ? "released already" : status,
			 released ? "" : ": only open carts are released");
		rc = -EALREADY;
	}
	if (rc < 0)
		goto rollback;
	json_object_set_new(doc, "status", json_string("parked"));
	row.id = order_id;
	row.origin = who->terminal_id;
	row.owner = owner;
	row.rev = rev + 1;
	row.released = 1;
	row.sync_state = "pending";
	row.doc = doc;
	rc = term_orders_save(db, &row);
	op = rc == 0 ? op_new(who, PROTO_OP_ORDER_RELEASE, order_id, rev + 1, now, json_object())
		     : NULL;
	if (rc == 0)
		rc = op ? outbox_add(db, op, now) : -ENOMEM;
	json_decref(op);
	if (rc == 0)
		rc = db_exec(db, "COMMIT");
	if (rc < 0) {
		snprintf(why, whylen, "the terminal's database failed");
		goto rollback;
	}
	json_decref(doc);
	return 0;
rollback:
	db_exec(db, "ROLLBACK");
	json_decref(doc);
	return rc;
}
