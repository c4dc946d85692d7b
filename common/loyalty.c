// SPDX-License-Identifier: MIT
/* Customers and loyalty points, the pure part (see loyalty.h). */
#include "loyalty.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BAD_FIELD PROTO_ERR_BAD_FIELD
#define MAX_INT	  PROTO_INT_MAX

__extension__ typedef __int128 wide; /* points × money can pass 2^63 */

static int check_name(const char *name, struct proto_error *err)
{
	if (!name[0])
		return proto_error_set(err, BAD_FIELD, "name",
				       "name: empty (expected the customer's name, 1 to %d bytes)",
				       LOYALTY_NAME_MAX);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return proto_error_set(err, BAD_FIELD, "name",
					       "name: holds a control character (expected "
					       "printable text)");
	return 0;
}

static int check_phone(const char *phone, struct proto_error *err)
{
	size_t digits = 0, n = strlen(phone);
	int ok = 1;

	if (n == 0)
		return 0;
	for (const char *p = phone; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr(" +-()", *p))
			ok = 0;
	}
	if (!ok || n < 3 || digits < 3)
		return proto_error_set(err, BAD_FIELD, "phone",
				       "phone: \"%s\" is not a phone number (expected 3 to %d of "
				       "digits, spaces, + - ( ), e.g. +44 20 7946 0958)",
				       phone, LOYALTY_PHONE_MAX);
	return 0;
}

static int check_email(const char *email, struct proto_error *err)
{
	const char *at = strchr(email, '@');

	if (!email[0])
		return 0;
	for (const unsigned char *p = (const unsigned char *)email; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			at = NULL;
	if (!at || at == email || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
	    email[strlen(email) - 1] == '.')
		return proto_error_set(err, BAD_FIELD, "email",
				       "email: \"%s\" is not an e-mail address (expected "
				       "name@example.com)",
				       email);
	return 0;
}

static int check_card(const char *card, struct proto_error *err)
{
	for (const char *p = card; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return proto_error_set(err, BAD_FIELD, "card",
					       "card: \"%s\" is not a card number (expected 1 to "
					       "%d letters, digits, - or _)",
					       card, LOYALTY_CARD_MAX);
	return 0;
}

int loyalty_customer_check(const struct customer *c, struct proto_error *err)
{
	int rc = check_name(c->name, err);

	if (rc == 0)
		rc = check_phone(c->phone, err);
	if (rc == 0)
		rc = check_email(c->email, err);
	if (rc == 0)
		rc = check_card(c->card, err);
	if (rc == 0 && c->updated_at < c->created_at)
		rc = proto_error_set(err, BAD_FIELD, "updatedAt",
				     "updatedAt: %lld is before createdAt %lld",
				     (long long)c->updated_at, (long long)c->created_at);
	return rc;
}

/* An optional text member: absent or null is "". */
static int get_opt(json_t *j, const char *key, char *out, size_t len, struct proto_error *err)
{
	if (json_is_null(json_object_get(j, key))) {
		out[0] = '\0';
		return 0;
	}
	return proto_get_text(j, key, 0, out, len, err);
}

int loyalty_customer_decode(json_t *j, struct customer *c, struct proto_error *err)
{
	int rc;

	if (!json_is_object(j))
		return proto_error_set(err, BAD_FIELD, "", "expected a customer object");
	rc = proto_get_text(j, "name", 1, c->name, sizeof(c->name), err);
	if (rc == 0)
		rc = get_opt(j, "phone", c->phone, sizeof(c->phone), err);
	if (rc == 0)
		rc = get_opt(j, "email", c->email, sizeof(c->email), err);
	if (rc == 0)
		rc = get_opt(j, "card", c->card, sizeof(c->card), err);
	if (rc == 0)
		rc = proto_get_int(j, "createdAt", PROTO_CLOCK_MIN, PROTO_CLOCK_MAX, &c->created_at,
				   err);
	if (rc == 0)
		rc = proto_get_int(j, "updatedAt", PROTO_CLOCK_MIN, PROTO_CLOCK_MAX, &c->updated_at,
				   err);
	if (rc == 0)
		rc = loyalty_customer_check(c, err);
	return rc;
}

json_t *loyalty_customer_json(const struct customer *c)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "name", c->name, "phone", c->phone,
			 "email", c->email, "card", c->card, "createdAt", (json_int_t)c->created_at,
			 "updatedAt", (json_int_t)c->updated_at);
}

int loyalty_customer_wins(const struct customer *a, const char *a_writer, const struct customer *b,
			  const char *b_writer)
{
	if (a->updated_at != b->updated_at)
		return a->updated_at > b->updated_at;
	return strcmp(a_writer, b_writer) > 0;
}

int loyalty_text_matches(const struct customer *c, const char *text)
{
	size_t n = strlen(text);

	if (n == 0)
		return 0;
	if (strcmp(c->phone, text) == 0 || strcasecmp(c->email, text) == 0 ||
	    strcmp(c->card, text) == 0 || strcmp(c->id, text) == 0)
		return 1;
	for (const char *p = c->name; *p; p++)
		if (strncasecmp(p, text, n) == 0)
			return 1;
	return 0;
}

static int64_t sum_payments(json_t *order, int points)
{
	json_t *p;
	size_t i;
	int64_t sum = 0;

	json_array_foreach(json_object_get(order, "payments"), i, p)
	{
		const char *t = json_string_value(json_object_get(p, "tender"));
		int is_points = t && strcmp(t, "points") == 0;

		if (is_points == points)
			sum += json_integer_value(json_object_get(p, "amount"));
	}
	return sum;
}

int64_t loyalty_paid(json_t *order)
{
	return sum_payments(order, 0);
}

int64_t loyalty_points_paid(json_t *order)
{
	return sum_payments(order, 1);
}

static int is_refund(json_t *order)
{
	const char *t = json_string_value(json_object_get(order, "type"));

	return t && strcmp(t, "refund") == 0;
}

int loyalty_entry_of(json_t *order, struct loyalty_entry *e)
{
	json_t *l = json_object_get(order, "loyalty");

	memset(e, 0, sizeof(*e));
	if (!json_is_string(json_object_get(order, "customer")))
		return 0;
	e->earned = json_integer_value(json_object_get(l, "earned"));
	e->redeemed = json_integer_value(json_object_get(l, "redeemed"));
	e->spend = is_refund(order) ? -loyalty_paid(order) : loyalty_paid(order);
	return 1;
}

int loyalty_points_for(int64_t amount, int64_t point_value, int64_t *points, const char *field,
		       struct proto_error *err)
{
	*points = 0;
	if (point_value < 1)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: this store's points have no value (loyalty.pointValue "
				       "is %lld)",
				       field, (long long)point_value);
	if (amount % point_value != 0)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: %lld (minor units) is not a whole number of points "
				       "(a point is worth %lld; expected a multiple of it)",
				       field, (long long)amount, (long long)point_value);
	*points = amount / point_value;
	return 0;
}

int64_t loyalty_refund_takeback(int64_t earned, int64_t sale_total, int64_t refunded, int64_t taken)
{
	wide num;
	int64_t target;

	if (earned <= 0 || sale_total <= 0 || refunded <= 0)
		return 0;
	if (refunded >= sale_total) {
		target = earned;
	} else {
		/* Half away from zero, all positive: (2·e·r + t) / (2·t). */
		num = (wide)2 * earned * refunded + sale_total;
		target = (int64_t)(num / ((wide)2 * sale_total));
	}
	if (target > earned)
		target = earned;
	return target > taken ? target - taken : 0;
}

int loyalty_points_discount(json_t *order, int64_t *points, int64_t *point_value)
{
	json_t *d = json_object_get(order, "discount");
	const char *source = json_string_value(json_object_get(d, "source"));

	*points = 0;
	*point_value = 0;
	if (!json_is_object(d) || !source || strcmp(source, "points") != 0)
		return 0;
	*points = json_integer_value(json_object_get(d, "points"));
	*point_value = json_integer_value(json_object_get(d, "pointValue"));
	return 1;
}

int loyalty_points_discount_mark(json_t *order, int64_t points, int64_t point_value)
{
	json_t *d = json_object_get(order, "discount");
	const char *kind = json_string_value(json_object_get(d, "kind"));

	if (!json_is_object(d) || !kind || strcmp(kind, "amount") != 0 || points < 1 ||
	    point_value < 1 ||
	    (wide)points * point_value != (wide)json_integer_value(json_object_get(d, "value")))
		return -EINVAL;
	if (json_object_set_new(d, "source", json_string("points")) < 0 ||
	    json_object_set_new(d, "points", json_integer(points)) < 0 ||
	    json_object_set_new(d, "pointValue", json_integer(point_value)) < 0)
		return -ENOMEM;
	return 0;
}

int64_t loyalty_refund_points_back(int64_t points, int64_t sale_total, int64_t refunded,
				   int64_t sold_qty, int64_t refunded_qty, int64_t given)
{
	int64_t back;

	if (points <= 0)
		return 0;
	if (sold_qty > 0 && refunded_qty >= sold_qty)
		back = points - given; /* nothing of the sale is left: the rest goes back */
	else if (sale_total > 0)
		back = loyalty_refund_takeback(points, sale_total, refunded, given);
	else
		back = loyalty_refund_takeback(points, sold_qty, refunded_qty, given);
	return back > 0 ? back : 0;
}

/* An integer member of the points discount, 1 … PROTO_INT_MAX. */
static int discount_int(json_t *d, const char *key, int64_t *out, struct proto_error *err)
{
	json_t *v = json_object_get(d, key);
	char path[48];

	snprintf(path, sizeof(path), "payload.discount.%s", key);
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAX_INT)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected an integer from 1 to %lld on a discount paid "
				       "with points",
				       path, (long long)MAX_INT);
	*out = json_integer_value(v);
	return 0;
}

/* The order discount paid with points, and that no line discount claims a source. */
static int check_points_discount(json_t *order, int refund, struct proto_error *err)
{
	json_t *d = json_object_get(order, "discount"), *source = json_object_get(d, "source"),
	       *line, *redeemed;
	int64_t points, point_value, paid, want;
	char path[64];
	size_t i;

	json_array_foreach(json_object_get(order, "lines"), i, line)
	{
		if (!json_object_get(json_object_get(line, "discount"), "source"))
			continue;
		snprintf(path, sizeof(path), "payload.lines[%zu].discount.source", i);
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: a line discount has no source (points pay for the "
				       "order discount only)",
				       path);
	}
	if (!json_is_object(d) || !source)
		return 0;
	if (!json_is_string(source) || strcmp(json_string_value(source), "points") != 0)
		return proto_error_set(err, BAD_FIELD, "payload.discount.source",
				       "payload.discount.source: expected \"points\" (a discount "
				       "paid with the customer's points) or no source");
	if (refund)
		return proto_error_set(err, BAD_FIELD, "payload.discount.source",
				       "payload.discount.source: a refund has no order discount "
				       "of its own");
	if (!json_is_string(json_object_get(order, "customer")))
		return proto_error_set(err, BAD_FIELD, "payload.customer",
				       "payload.customer: missing; a discount paid with points "
				       "names the customer whose points they are");
	if (!json_is_string(json_object_get(d, "kind")) ||
	    strcmp(json_string_value(json_object_get(d, "kind")), "amount") != 0)
		return proto_error_set(err, BAD_FIELD, "payload.discount.kind",
				       "payload.discount.kind: expected \"amount\" on a discount "
				       "paid with points");
	if (discount_int(d, "points", &points, err) < 0 ||
	    discount_int(d, "pointValue", &point_value, err) < 0)
		return -EINVAL;
	if (!json_is_integer(json_object_get(d, "value")) ||
	    (wide)points * point_value != (wide)json_integer_value(json_object_get(d, "value")))
		return proto_error_set(err, BAD_FIELD, "payload.discount.value",
				       "payload.discount.value: expected exactly points × "
				       "pointValue (%lld × %lld) on a discount paid with points",
				       (long long)points, (long long)point_value);
	redeemed = json_object_get(json_object_get(order, "loyalty"), "redeemed");
	if (!redeemed)
		return 0; /* a cart: its points are counted when it is paid */
	paid = loyalty_points_paid(order);
	want = points + paid / point_value;
	if (paid % point_value != 0 || json_integer_value(redeemed) != want)
		return proto_error_set(err, BAD_FIELD, "payload.loyalty.redeemed",
				       "payload.loyalty.redeemed: %lld does not count the %lld "
				       "points of the discount and the points payments (expected "
				       "%lld)",
				       (long long)json_integer_value(redeemed), (long long)points,
				       (long long)want);
	return 0;
}

int loyalty_check(json_t *order, struct proto_error *err)
{
	json_t *l = json_object_get(order, "loyalty"), *v;
	static const char *const keys[] = {"earned", "redeemed"};
	int refund = is_refund(order);
	char path[48];

	if (!l)
		return check_points_discount(order, refund, err);
	if (!json_is_object(l))
		return proto_error_set(err, BAD_FIELD, "payload.loyalty",
				       "payload.loyalty: expected an object {\"earned\", "
				       "\"redeemed\"} of points");
	if (!json_is_string(json_object_get(order, "customer")))
		return proto_error_set(err, BAD_FIELD, "payload.customer",
				       "payload.customer: missing; an order with loyalty points "
				       "names its customer");
	for (size_t i = 0; i < 2; i++) {
		int64_t n;

		snprintf(path, sizeof(path), "payload.loyalty.%s", keys[i]);
		v = json_object_get(l, keys[i]);
		if (!json_is_integer(v))
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected an integer number of points", path);
		n = json_integer_value(v);
		if (refund ? (n > 0 || n < -MAX_INT) : (n < 0 || n > MAX_INT))
			return proto_error_set(
			    err, BAD_FIELD, path, "%s: %lld is out of range (expected %s)", path,
			    (long long)n, refund ? "0 or less on a refund" : "0 or more on a sale");
	}
	v = json_object_get(l, "discountPoints");
	if (v && (!refund || !json_is_integer(v) || json_integer_value(v) > 0 ||
		  json_integer_value(v) < json_integer_value(json_object_get(l, "redeemed"))))
		return proto_error_set(err, BAD_FIELD, "payload.loyalty.discountPoints",
				       "payload.loyalty.discountPoints: expected, on a refund, an "
				       "integer from payload.loyalty.redeemed to 0");
	v = json_object_get(l, "balance");
	if (v && (!json_is_integer(v) || json_integer_value(v) < -MAX_INT ||
		  json_integer_value(v) > MAX_INT))
		return proto_error_set(err, BAD_FIELD, "payload.loyalty.balance",
				       "payload.loyalty.balance: expected an integer number of "
				       "points");
	return check_points_discount(order, refund, err);
}
