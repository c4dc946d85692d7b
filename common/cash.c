// SPDX-License-Identifier: MIT
/* Cash sessions' pure core: counts, totals, expected cash, the document's check (see cash.h). */
#include "cash.h"
#include "money.h"
#include "proto_sync.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_FIELD PROTO_ERR_BAD_FIELD
#define PATH_LEN  64

static const struct {
	const char *name, *permission;
} moves[] = {
    [CASH_MOVE_IN] = {"in", "cash.in"},
    [CASH_MOVE_OUT] = {"out", "cash.out"},
    [CASH_MOVE_PAYOUT] = {"payout", "cash.payout"},
    [CASH_MOVE_NOSALE] = {"nosale", "drawer.open"},
};

const char *cash_move_name(enum cash_move m)
{
	return (unsigned)m < sizeof(moves) / sizeof(moves[0]) ? moves[m].name : "?";
}

const char *cash_move_permission(enum cash_move m)
{
	return (unsigned)m < sizeof(moves) / sizeof(moves[0]) ? moves[m].permission : NULL;
}

int cash_move_parse(const char *name, enum cash_move *m)
{
	for (size_t i = 0; name && i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (strcmp(name, moves[i].name) == 0) {
			*m = (enum cash_move)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* *acc += v, staying within ±MONEY_MAX. */
static int add(int64_t *acc, int64_t v)
{
	int64_t r;

	if (__builtin_add_overflow(*acc, v, &r) || r > MONEY_MAX || r < -MONEY_MAX)
		return -ERANGE;
	*acc = r;
	return 0;
}

/* A whole number of decimal digits, no sign: 0 with *out, or -EINVAL / -ERANGE. */
static int parse_digits(const char *s, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 19)
		return len ? -ERANGE : -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (max - (s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "50000, 20000, …, 1": the store's denominations for an error message. */
static void denoms_text(const int64_t *denoms, size_t n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(out + used, len - used, "%s%" PRId64, i ? ", " : "", denoms[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* One entry "VALUE=PIECES" (entry number k, 1-based) into *value and *pieces. */
static int parse_entry(const char *s, size_t len, int k, const char *field, int64_t *value,
		       int64_t *pieces, struct proto_error *err)
{
	const char *eq = memchr(s, '=', len);
	size_t vlen = eq ? (size_t)(eq - s) : 0, plen = eq ? len - vlen - 1 : 0;
	int rc;

	if (!eq || parse_digits(s, vlen, MONEY_MAX, value) < 0 || *value == 0)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: entry %d \"%.*s\": expected VALUE=PIECES, a "
				       "denomination in minor units and how many (e.g. 2000=3)",
				       field, k, (int)(len > 40 ? 40 : len), s);
	if (plen > 0 && eq[1] == '-')
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: entry %d \"%.*s\": the count is negative (expected a "
				       "number of pieces, 0 or more)",
				       field, k, (int)(len > 40 ? 40 : len), s);
	rc = parse_digits(eq + 1, plen, CASH_PIECES_MAX, pieces);
	if (rc == -ERANGE)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: entry %d \"%.*s\": more than %d pieces of one "
				       "denomination",
				       field, k, (int)(len > 40 ? 40 : len), s, CASH_PIECES_MAX);
	if (rc < 0)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: entry %d \"%.*s\": the count is not a whole number of "
				       "pieces (expected e.g. 2000=3)",
				       field, k, (int)(len > 40 ? 40 : len), s);
	return 0;
}

int cash_count_parse(const char *text, const int64_t *denoms, size_t n, const char *field,
		     struct cash_count *out, struct proto_error *err)
{
	int64_t pieces[SETTINGS_DENOM_MAX];
	int given[SETTINGS_DENOM_MAX] = {0};
	const char *p = text, *end;
	char list[256];
	int k = 0;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: empty (expected VALUE=PIECES for each denomination "
				       "counted, e.g. 50000=2,2000=3,5=7)",
				       field);
	if (strlen(text) > CASH_COUNT_TEXT_MAX)
		return proto_error_set(err, BAD_FIELD, field, "%s: longer than %d characters",
				       field, CASH_COUNT_TEXT_MAX);
	if (n > SETTINGS_DENOM_MAX)
		n = SETTINGS_DENOM_MAX;
	while (*p) {
		int64_t value, count;
		size_t i, len;

		k++;
		while (*p == ' ')
			p++;
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (parse_entry(p, len, k, field, &value, &count, err) < 0)
			return -EINVAL;
		for (i = 0; i < n && denoms[i] != value; i++)
			;
		if (i == n) {
			denoms_text(denoms, n, list, sizeof(list));
			return proto_error_set(
			    err, BAD_FIELD, field,
			    "%s: entry %d: %" PRId64
			    " is not a denomination of this store (expected one of "
			    "%s, in minor units)",
			    field, k, value, list);
		}
		if (given[i])
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: entry %d: %" PRId64
					       " is counted twice (give each denomination once)",
					       field, k, value);
		given[i] = 1;
		pieces[i] = count;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: ends with a comma (expected another "
					       "VALUE=PIECES after it)",
					       field);
	}
	for (size_t i = 0; i < n; i++) {
		int64_t part;

		if (!given[i])
			continue;
		if (__builtin_mul_overflow(denoms[i], pieces[i], &part) ||
		    add(&out->total, part) < 0)
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: the total is beyond what an amount can hold",
					       field);
		out->value[out->n] = denoms[i];
		out->pieces[out->n] = pieces[i];
		out->n++;
	}
	return 0;
}

json_t *cash_count_to_json(const struct cash_count *c)
{
	json_t *arr = json_array(), *e;

	for (size_t i = 0; arr && i < c->n; i++) {
		e = json_pack("{s:I, s:I}", "value", (json_int_t)c->value[i], "count",
			      (json_int_t)c->pieces[i]);
		if (!e || json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int get_int(json_t *obj, const char *name, const char *path, int64_t min, int64_t max,
		   int64_t *out, struct proto_error *err);

int cash_count_from_json(json_t *arr, const char *field, struct cash_count *out,
			 struct proto_error *err)
{
	char path[PATH_LEN], member[PATH_LEN + 8];
	json_t *e;
	size_t i;
	int64_t part;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(arr) || json_array_size(arr) > SETTINGS_DENOM_MAX)
		return proto_error_set(err, BAD_FIELD, field,
				       "%s: expected an array of up to %d {\"value\", \"count\"}",
				       field, SETTINGS_DENOM_MAX);
	json_array_foreach(arr, i, e)
	{
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!json_is_object(e))
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected {\"value\", \"count\"}", path);
		snprintf(member, sizeof(member), "%s.value", path);
		if (get_int(e, "value", member, 1, MONEY_MAX, &out->value[i], err) < 0)
			return -EINVAL;
		snprintf(member, sizeof(member), "%s.count", path);
		if (get_int(e, "count", member, 0, CASH_PIECES_MAX, &out->pieces[i], err) < 0)
			return -EINVAL;
		if (i > 0 && out->value[i] >= out->value[i - 1])
			return proto_error_set(err, BAD_FIELD, path,
					       "%s.value: %" PRId64 " does not come after %" PRId64
					       " (expected each denomination once, largest first)",
					       path, out->value[i], out->value[i - 1]);
		if (__builtin_mul_overflow(out->value[i], out->pieces[i], &part) ||
		    add(&out->total, part) < 0)
			return proto_error_set(err, BAD_FIELD, field,
					       "%s: the total is beyond what an amount can hold",
					       field);
		out->n++;
	}
	return 0;
}

void cash_totals_init(struct cash_totals *t)
{
	memset(t, 0, sizeof(*t));
}

static struct cash_tender *tender_slot(struct cash_totals *t, const char *name)
{
	for (size_t i = 0; i < t->ntenders; i++)
		if (strcmp(t->tenders[i].name, name) == 0)
			return &t->tenders[i];
	if (t->ntenders == CASH_TENDERS_MAX)
		return NULL;
	snprintf(t->tenders[t->ntenders].name, CASH_TENDER_NAME, "%s", name);
	return &t->tenders[t->ntenders++];
}

int cash_totals_add_order(struct cash_totals *t, json_t *order, struct proto_error *err)
{
	const char *type = json_string_value(json_object_get(order, "type"));
	json_t *total = json_object_get(order, "total"), *pays = json_object_get(order, "payments"),
	       *p;
	struct cash_totals next = *t;
	int sale = !type || strcmp(type, "sale") == 0;
	struct cash_tender *slot;
	char path[PATH_LEN];
	size_t i;

	if (!json_is_integer(total) || json_integer_value(total) < 0)
		return proto_error_set(err, BAD_FIELD, "total",
				       "total: expected an amount in minor units, 0 or more");
	if (!json_is_array(pays))
		return proto_error_set(err, BAD_FIELD, "payments", "payments: expected an array");
	if (add(sale ? &next.sales : &next.refunds, json_integer_value(total)) < 0)
		return -ERANGE;
	(*(sale ? &next.sales_count : &next.refunds_count))++;
	json_array_foreach(pays, i, p)
	{
		const char *tender = json_string_value(json_object_get(p, "tender"));
		json_t *amount = json_object_get(p, "amount");

		snprintf(path, sizeof(path), "payments[%zu]", i);
		if (!tender || !*tender || strlen(tender) >= CASH_TENDER_NAME)
			return proto_error_set(err, BAD_FIELD, path,
					       "%s.tender: expected a tender's name", path);
		/* amount is what the tender kept: for cash, tendered − change. */
		if (!json_is_integer(amount) || json_integer_value(amount) < 0)
			return proto_error_set(err, BAD_FIELD, path,
					       "%s.amount: expected an amount in minor units, 0 or "
					       "more",
					       path);
		slot = tender_slot(&next, tender);
		if (!slot) {
			proto_error_set(err, BAD_FIELD, path,
					"%s.tender: more than %d tenders in one session", path,
					CASH_TENDERS_MAX);
			return -ENOSPC;
		}
		if (add(sale ? &slot->sales : &slot->refunds, json_integer_value(amount)) < 0)
			return -ERANGE;
		if (strcmp(tender, "cash") == 0 && add(sale ? &next.cash_sales : &next.cash_refunds,
						       json_integer_value(amount)) < 0)
			return -ERANGE;
	}
	*t = next;
	return 0;
}

int cash_totals_add_move(struct cash_totals *t, enum cash_move m, int64_t amount)
{
	if (amount < 0 || (m == CASH_MOVE_NOSALE && amount != 0))
		return -EINVAL;
	switch (m) {
	case CASH_MOVE_IN:
		return add(&t->cash_in, amount);
	case CASH_MOVE_OUT:
		return add(&t->cash_out, amount);
	case CASH_MOVE_PAYOUT:
		return add(&t->payouts, amount);
	case CASH_MOVE_NOSALE:
		t->no_sales++;
		return 0;
	}
	return -EINVAL;
}

int cash_expected(int64_t float_amount, const struct cash_totals *t, int64_t *out)
{
	int64_t e = float_amount;

	if (add(&e, t->cash_sales) < 0 || add(&e, -t->cash_refunds) < 0 ||
	    add(&e, t->cash_in) < 0 || add(&e, -t->cash_out) < 0 || add(&e, -t->payouts) < 0)
		return -ERANGE;
	*out = e;
	return 0;
}

json_t *cash_totals_to_json(const struct cash_totals *t)
{
	json_t *tenders = json_object(), *one;

	for (size_t i = 0; tenders && i < t->ntenders; i++) {
		const struct cash_tender *c = &t->tenders[i];

		one = json_pack("{s:I, s:I, s:I}", "sales", (json_int_t)c->sales, "refunds",
				(json_int_t)c->refunds, "net", (json_int_t)(c->sales - c->refunds));
		if (!one || json_object_set_new(tenders, c->name, one) < 0) {
			json_decref(tenders);
			return NULL;
		}
	}
	if (!tenders)
		return NULL;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "sales",
			 (json_int_t)t->sales, "salesCount", (json_int_t)t->sales_count, "refunds",
			 (json_int_t)t->refunds, "refundsCount", (json_int_t)t->refunds_count,
			 "cashSales", (json_int_t)t->cash_sales, "cashRefunds",
			 (json_int_t)t->cash_refunds, "cashIn", (json_int_t)t->cash_in, "cashOut",
			 (json_int_t)t->cash_out, "payouts", (json_int_t)t->payouts, "noSales",
			 (json_int_t)t->no_sales, "tenders", tenders);
}

int cash_over_limit(int64_t difference, int64_t limit)
{
	return difference > limit || difference < -limit;
}

/* ---- the session document ---- */

/* A member that is absent or null. */
static int is_unset(json_t *doc, const char *name)
{
	json_t *v = json_object_get(doc, name);

	return !v || json_is_null(v);
}

/* An optional staff id: absent, null or a lower-case UUID. */
static int check_who(json_t *obj, const char *name, const char *path, struct proto_error *err)
{
	json_t *v = json_object_get(obj, name);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || proto_uuid_check(json_string_value(v)) < 0)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected a staff id (a lower-case UUID) or null", path);
	return 0;
}

/* An integer member within [min, max], named by `path`. */
static int get_int(json_t *obj, const char *name, const char *path, int64_t min, int64_t max,
		   int64_t *out, struct proto_error *err)
{
	json_t *v = json_object_get(obj, name);

	if (!v)
		return proto_error_set(err, BAD_FIELD, path, "%s: missing", path);
	if (!json_is_integer(v))
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected an integer (money in minor units, times in "
				       "ms), not %s",
				       path, json_is_real(v) ? "a real number" : "this type");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: %" JSON_INTEGER_FORMAT
				       " is out of range (expected %" PRId64 " to %" PRId64 ")",
				       path, json_integer_value(v), min, max);
	*out = json_integer_value(v);
	return 0;
}

/* A reason: a string of at most CASH_REASON_MAX bytes without control characters. */
static int check_reason(json_t *v, int required, const char *path, struct proto_error *err)
{
	const char *s = json_string_value(v);

	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: missing (a cash movement says why)", path);
	}
	if (!s || strlen(s) > CASH_REASON_MAX)
		return proto_error_set(err, BAD_FIELD, path,
				       "%s: expected a text of at most %d bytes", path,
				       CASH_REASON_MAX);
	if (required && !*s)
		return proto_error_set(err, BAD_FIELD, path, "%s: empty (a cash movement says why)",
				       path);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: contains a control character", path);
	return 0;
}

/* The movements, summed into `t`. */
static int check_movements(json_t *arr, struct cash_totals *t, struct proto_error *err)
{
	char path[PATH_LEN], member[PATH_LEN + 16];
	enum cash_move m;
	int64_t amount, at;
	json_t *mv;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) > CASH_MOVEMENTS_MAX)
		return proto_error_set(err, BAD_FIELD, "movements",
				       "movements: expected an array of up to %d movements",
				       CASH_MOVEMENTS_MAX);
	json_array_foreach(arr, i, mv)
	{
		snprintf(path, sizeof(path), "movements[%zu]", i);
		if (!json_is_object(mv))
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: expected {\"kind\", \"amount\", \"reason\", "
					       "\"at\"}",
					       path);
		snprintf(member, sizeof(member), "%s.kind", path);
		if (cash_move_parse(json_string_value(json_object_get(mv, "kind")), &m) < 0)
			return proto_error_set(err, BAD_FIELD, member,
					       "%s: expected \"in\", \"out\", \"payout\" or "
					       "\"nosale\"",
					       member);
		snprintf(member, sizeof(member), "%s.amount", path);
		if (get_int(mv, "amount", member, m == CASH_MOVE_NOSALE ? 0 : 1,
			    m == CASH_MOVE_NOSALE ? 0 : MONEY_MAX, &amount, err) < 0)
			return -EINVAL;
		snprintf(member, sizeof(member), "%s.reason", path);
		if (check_reason(json_object_get(mv, "reason"), m != CASH_MOVE_NOSALE, member,
				 err) < 0)
			return -EINVAL;
		snprintf(member, sizeof(member), "%s.at", path);
		if (get_int(mv, "at", member, PROTO_CLOCK_MIN, PROTO_CLOCK_MAX, &at, err) < 0)
			return -EINVAL;
		snprintf(member, sizeof(member), "%s.by", path);
		if (check_who(mv, "by", member, err) < 0)
			return -EINVAL;
		snprintf(member, sizeof(member), "%s.approver", path);
		if (check_who(mv, "approver", member, err) < 0)
			return -EINVAL;
		if (cash_totals_add_move(t, m, amount) < 0)
			return proto_error_set(err, BAD_FIELD, "movements",
					       "movements: their sum is beyond what an amount can "
					       "hold");
	}
	return 0;
}

/* The totals of a closed session: integers ≥ 0, tenders an object, movements as summed. */
static int check_totals(json_t *totals, const struct cash_totals *moved, struct proto_error *err)
{
	static const char *const names[] = {"sales",	 "salesCount",	"refunds", "refundsCount",
					    "cashSales", "cashRefunds", "cashIn",  "cashOut",
					    "payouts",	 "noSales"};
	const int64_t want[] = {-1,
				-1,
				-1,
				-1,
				-1,
				-1,
				moved->cash_in,
				moved->cash_out,
				moved->payouts,
				moved->no_sales};
	char path[PATH_LEN];
	int64_t v;

	if (!json_is_object(totals))
		return proto_error_set(err, BAD_FIELD, "totals",
				       "totals: expected the session's totals (an object)");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "totals.%s", names[i]);
		if (get_int(totals, names[i], path, 0, MONEY_MAX, &v, err) < 0)
			return -EINVAL;
		if (want[i] >= 0 && v != want[i])
			return proto_error_set(err, BAD_FIELD, path,
					       "%s: %" PRId64
					       " is not what the movements add up to "
					       "(%" PRId64 ")",
					       path, v, want[i]);
	}
	if (!json_is_object(json_object_get(totals, "tenders")))
		return proto_error_set(err, BAD_FIELD, "totals.tenders",
				       "totals.tenders: expected an object of tenders");
	return 0;
}

static const char *const close_members[] = {"closedAt", "closedBy", "approver",	  "count",
					    "counted",	"expected", "difference", "totals",
					    "zNumber",	"zSeq"};

static int check_close(json_t *doc, int64_t float_amount, int64_t opened_at,
		       const struct cash_totals *moved, struct proto_error *err)
{
	struct cash_count count;
	struct cash_totals t = *moved;
	json_t *totals = json_object_get(doc, "totals"), *z = json_object_get(doc, "zNumber");
	int64_t closed_at, counted, expected, difference, zseq, want;

	if (get_int(doc, "closedAt", "closedAt", opened_at, PROTO_CLOCK_MAX, &closed_at, err) < 0 ||
	    check_who(doc, "closedBy", "closedBy", err) < 0 ||
	    check_who(doc, "approver", "approver", err) < 0 ||
	    cash_count_from_json(json_object_get(doc, "count"), "count", &count, err) < 0 ||
	    get_int(doc, "counted", "counted", 0, MONEY_MAX, &counted, err) < 0 ||
	    get_int(doc, "expected", "expected", -MONEY_MAX, MONEY_MAX, &expected, err) < 0 ||
	    get_int(doc, "difference", "difference", -2 * MONEY_MAX, 2 * MONEY_MAX, &difference,
		    err) < 0 ||
	    check_totals(totals, moved, err) < 0)
		return -EINVAL;
	if (counted != count.total)
		return proto_error_set(err, BAD_FIELD, "counted",
				       "counted: %" PRId64
				       " is not what the count adds up to (%" PRId64 ")",
				       counted, count.total);
	t.cash_sales = json_integer_value(json_object_get(totals, "cashSales"));
	t.cash_refunds = json_integer_value(json_object_get(totals, "cashRefunds"));
	if (cash_expected(float_amount, &t, &want) < 0 || expected != want)
		return proto_error_set(err, BAD_FIELD, "expected",
				       "expected: %" PRId64 " is not float + cash sales − cash "
				       "refunds + cash in − cash out − payouts (%" PRId64 ")",
				       expected, want);
	if (difference != counted - expected)
		return proto_error_set(err, BAD_FIELD, "difference",
				       "difference: %" PRId64 " is not counted − expected (%" PRId64
				       ")",
				       difference, counted - expected);
	if (!json_is_string(z) || !json_string_length(z) ||
	    json_string_length(z) > CASH_Z_NUMBER_MAX)
		return proto_error_set(err, BAD_FIELD, "zNumber",
				       "zNumber: expected the Z report's journal number (1 to %d "
				       "bytes)",
				       CASH_Z_NUMBER_MAX);
	return get_int(doc, "zSeq", "zSeq", 1, PROTO_INT_MAX - 1, &zseq, err);
}

int cash_session_check(json_t *doc, struct proto_error *err)
{
	const char *status = json_string_value(json_object_get(doc, "status"));
	struct cash_totals moved;
	struct cash_count count;
	int64_t opened_at, float_amount;
	json_t *fc;

	cash_totals_init(&moved);
	if (!json_is_object(doc))
		return proto_error_set(err, BAD_FIELD, "", "expected a cash session (an object)");
	if (!status || (strcmp(status, "open") != 0 && strcmp(status, "closed") != 0))
		return proto_error_set(err, BAD_FIELD, "status",
				       "status: expected \"open\" or \"closed\"");
	if (get_int(doc, "openedAt", "openedAt", PROTO_CLOCK_MIN, PROTO_CLOCK_MAX, &opened_at,
		    err) < 0 ||
	    check_who(doc, "openedBy", "openedBy", err) < 0 ||
	    get_int(doc, "float", "float", 0, MONEY_MAX, &float_amount, err) < 0)
		return -EINVAL;
	fc = json_object_get(doc, "floatCount");
	if (fc && !json_is_null(fc)) {
		if (cash_count_from_json(fc, "floatCount", &count, err) < 0)
			return -EINVAL;
		if (count.total != float_amount)
			return proto_error_set(err, BAD_FIELD, "floatCount",
					       "floatCount: adds up to %" PRId64
					       ", not the float %" PRId64,
					       count.total, float_amount);
	}
	if (check_movements(json_object_get(doc, "movements"), &moved, err) < 0)
		return -EINVAL;
	if (strcmp(status, "closed") == 0)
		return check_close(doc, float_amount, opened_at, &moved, err);
	for (size_t i = 0; i < sizeof(close_members) / sizeof(close_members[0]); i++)
		if (!is_unset(doc, close_members[i]))
			return proto_error_set(err, BAD_FIELD, close_members[i],
					       "%s: an open session has no close yet (expected it "
					       "absent or null)",
					       close_members[i]);
	return 0;
}
