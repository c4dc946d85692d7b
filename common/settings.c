// SPDX-License-Identifier: MIT
/* The store's settings: defaults, JSON in and out, one setting by name (see settings.h). */
#include "settings.h"
#include "money.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Notes and coins in use, in minor units, largest first. */
static const struct {
	const char *currency;
	int64_t d[SETTINGS_DENOM_MAX];
} known[] = {
    {"EUR", {50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1}},
    {"USD", {10000, 5000, 2000, 1000, 500, 200, 100, 25, 10, 5, 1}},
    {"GBP", {5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1}},
    {"CHF", {100000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5}},
    {"", {50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1}},
};

void settings_defaults(struct store_settings *s, const char *currency)
{
	size_t i, n = sizeof(known) / sizeof(known[0]);

	memset(s, 0, sizeof(*s));
	snprintf(s->currency, sizeof(s->currency), "%s", currency ? currency : "");
	for (i = 0; i + 1 < n; i++)
		if (currency && strcmp(known[i].currency, currency) == 0)
			break;
	while (s->ndenominations < SETTINGS_DENOM_MAX && known[i].d[s->ndenominations] > 0) {
		s->denominations[s->ndenominations] = known[i].d[s->ndenominations];
		s->ndenominations++;
	}
	s->price_mode = PRICING_INCLUSIVE;
	s->cash_step = 1;
	s->cash_difference_limit = 500;
	s->loyalty_spend = 100;
	s->loyalty_points = 1;
	s->loyalty_point_value = 1;
	s->tier_bronze = 10000;
	s->tier_silver = 50000;
	s->tier_gold = 100000;
}

static int bad(struct proto_error *err, const char *field, const char *expected)
{
	return proto_error_set(err, PROTO_ERR_BAD_FIELD, field, "%s: expected %s", field, expected);
}

/* An integer member `name` of `obj` in [min, max], when present. */
static int get_int(const json_t *obj, const char *name, const char *field, int64_t min, int64_t max,
		   const char *expected, int64_t *out, struct proto_error *err)
{
	json_t *v = json_object_get(obj, name);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(err, field, expected);
	*out = json_integer_value(v);
	return 0;
}

/* Are the members of `obj` all in `names` (NULL-terminated)? */
static int only(const json_t *obj, const char *const *names, const char *prefix,
		struct proto_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v)
	{
		size_t i;

		for (i = 0; names[i]; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (!names[i]) {
			char field[64];

			snprintf(field, sizeof(field), "%s%s", prefix, key);
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, field,
					       "%s: not a store setting (see docs/pos.md, "
					       "\"Store settings\")",
					       field);
		}
	}
	return 0;
}

static int get_denominations(const json_t *j, struct store_settings *s, struct proto_error *err)
{
	json_t *arr = json_object_get(j, "denominations"), *v;
	char field[48];
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > SETTINGS_DENOM_MAX)
		return bad(err, "denominations",
			   "an array of 1 … 24 notes and coins in minor units, largest first");
	json_array_foreach(arr, i, v)
	{
		snprintf(field, sizeof(field), "denominations[%zu]", i);
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    json_integer_value(v) > MONEY_MAX)
			return bad(err, field, "a note or coin's value in minor units, above 0");
		if (i > 0 && json_integer_value(v) >= s->denominations[i - 1])
			return bad(err, field,
				   "a value below the one before it (largest first, each once)");
		s->denominations[i] = json_integer_value(v);
	}
	s->ndenominations = json_array_size(arr);
	return 0;
}

static int check_tiers(const struct store_settings *s, struct proto_error *err)
{
	if (s->tier_silver < s->tier_bronze)
		return bad(err, "tiers.silver", "a threshold at or above tiers.bronze");
	if (s->tier_gold < s->tier_silver)
		return bad(err, "tiers.gold", "a threshold at or above tiers.silver");
	return 0;
}

int settings_from_json(const json_t *j, struct store_settings *out, struct proto_error *err)
{
	static const char *const top[] = {
	    "currency", "priceMode", "cashStep", "denominations", "cashDifferenceLimit",
	    "loyalty",	"tiers",     NULL};
	static const char *const loyalty[] = {"spend", "points", "pointValue", NULL};
	static const char *const tiers[] = {"bronze", "silver", "gold", NULL};
	struct store_settings s = *out;
	json_t *v, *l, *t;
	int rc;

	if (!json_is_object(j))
		return bad(err, "settings", "an object");
	rc = only(j, top, "", err);
	if (rc < 0)
		return rc;
	v = json_object_get(j, "currency");
	if (v) {
		const char *c = json_string_value(v);

		if (!c || strlen(c) != 3 || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
			return bad(err, "currency", "an ISO 4217 code such as \"EUR\"");
		memcpy(s.currency, c, 4);
	}
	v = json_object_get(j, "priceMode");
	if (v) {
		const char *m = json_string_value(v);

		if (m && strcmp(m, "inclusive") == 0)
			s.price_mode = PRICING_INCLUSIVE;
		else if (m && strcmp(m, "exclusive") == 0)
			s.price_mode = PRICING_EXCLUSIVE;
		else
			return bad(err, "priceMode",
				   "\"inclusive\" (prices include tax) or \"exclusive\" (tax "
				   "added on top)");
	}
	rc = get_int(j, "cashStep", "cashStep", 1, PRICING_STEP_MAX,
		     "the cash rounding step in minor units, 1 (none) … 100000", &s.cash_step, err);
	if (rc == 0)
		rc = get_int(j, "cashDifferenceLimit", "cashDifferenceLimit", 0, SETTINGS_LIMIT_MAX,
			     "minor units, 0 … 100000000", &s.cash_difference_limit, err);
	if (rc == 0)
		rc = get_denominations(j, &s, err);
	if (rc < 0)
		return rc;
	l = json_object_get(j, "loyalty");
	if (l) {
		if (!json_is_object(l))
			return bad(err, "loyalty", "an object {spend, points, pointValue}");
		rc = only(l, loyalty, "loyalty.", err);
		if (rc == 0)
			rc = get_int(l, "spend", "loyalty.spend", 0, SETTINGS_SPEND_MAX,
				     "the minor units that earn points, 0 (earning off) … "
				     "100000000000",
				     &s.loyalty_spend, err);
		if (rc == 0)
			rc = get_int(l, "points", "loyalty.points", 1, SETTINGS_POINTS_MAX,
				     "the points each step earns, 1 … 1000000", &s.loyalty_points,
				     err);
		if (rc == 0)
			rc = get_int(l, "pointValue", "loyalty.pointValue", 1, MONEY_MAX,
				     "what a point is worth in minor units, at least 1",
				     &s.loyalty_point_value, err);
		if (rc < 0)
			return rc;
	}
	t = json_object_get(j, "tiers");
	if (t) {
		if (!json_is_object(t))
			return bad(err, "tiers", "an object {bronze, silver, gold}");
		rc = only(t, tiers, "tiers.", err);
		if (rc == 0)
			rc = get_int(t, "bronze", "tiers.bronze", 0, SETTINGS_SPEND_MAX,
				     "lifetime spend in minor units, 0 … 100000000000",
				     &s.tier_bronze, err);
		if (rc == 0)
			rc = get_int(t, "silver", "tiers.silver", 0, SETTINGS_SPEND_MAX,
				     "lifetime spend in minor units, 0 … 100000000000",
				     &s.tier_silver, err);
		if (rc == 0)
			rc = get_int(t, "gold", "tiers.gold", 0, SETTINGS_SPEND_MAX,
				     "lifetime spend in minor units, 0 … 100000000000",
				     &s.tier_gold, err);
		if (rc < 0)
			return rc;
	}
	rc = check_tiers(&s, err);
	if (rc < 0)
		return rc;
	*out = s;
	return 0;
}

int settings_from_text(const char *text, const char *currency, struct store_settings *out,
		       struct proto_error *err)
{
	json_error_t jerr;
	json_t *j;
	int rc;

	settings_defaults(out, currency);
	if (!text || !*text)
		return 0;
	j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return proto_error_set(err, PROTO_ERR_BAD_JSON, "settings",
				       "settings: not JSON (%s)", jerr.text);
	rc = settings_from_json(j, out, err);
	json_decref(j);
	return rc;
}

json_t *settings_to_json(const struct store_settings *s)
{
	json_t *d = json_array();

	for (size_t i = 0; d && i < s->ndenominations; i++)
		json_array_append_new(d, json_integer(s->denominations[i]));
	return json_pack("{s:s, s:s, s:I, s:o?, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}",
			 "currency", s->currency, "priceMode",
			 s->price_mode == PRICING_EXCLUSIVE ? "exclusive" : "inclusive", "cashStep",
			 (json_int_t)s->cash_step, "denominations", d, "cashDifferenceLimit",
			 (json_int_t)s->cash_difference_limit, "loyalty", "spend",
			 (json_int_t)s->loyalty_spend, "points", (json_int_t)s->loyalty_points,
			 "pointValue", (json_int_t)s->loyalty_point_value, "tiers", "bronze",
			 (json_int_t)s->tier_bronze, "silver", (json_int_t)s->tier_silver, "gold",
			 (json_int_t)s->tier_gold);
}

/* Settings given in money, as a person writes it ("0.05", "12.50"). */
static const char *const money_names[] = {
    "cashStep",	    "cashDifferenceLimit", "loyalty.spend", "loyalty.pointValue",
    "tiers.bronze", "tiers.silver",	   "tiers.gold",    NULL,
};

static int is_money(const char *name)
{
	for (size_t i = 0; money_names[i]; i++)
		if (strcmp(money_names[i], name) == 0)
			return 1;
	return 0;
}

/* "a,b,c" of amounts as a JSON array of minor units. */
static json_t *parse_denominations(const char *value, struct proto_error *err)
{
	json_t *arr = json_array();
	char *copy = strdup(value), *save = NULL, *tok;
	size_t i = 0;

	if (!arr || !copy) {
		json_decref(arr);
		free(copy);
		proto_error_set(err, PROTO_ERR_BAD_FIELD, "denominations", "out of memory");
		return NULL;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
		int64_t v;

		if (money_parse(tok, &v) < 0 || v <= 0) {
			char field[48];

			snprintf(field, sizeof(field), "denominations[%zu]", i);
			proto_error_set(err, PROTO_ERR_BAD_FIELD, field,
					"%s: \"%s\" is not an amount such as 0.05 or 20", field,
					tok);
			json_decref(arr);
			free(copy);
			return NULL;
		}
		json_array_append_new(arr, json_integer(v));
	}
	free(copy);
	return arr;
}

int settings_set(struct store_settings *s, const char *name, const char *value,
		 struct proto_error *err)
{
	const char *dot = strchr(name, '.');
	json_t *v = NULL, *doc;
	char head[32];
	int64_t n;
	int rc;

	if (strcmp(name, "priceMode") == 0 || strcmp(name, "currency") == 0) {
		v = json_string(value);
	} else if (strcmp(name, "denominations") == 0) {
		v = parse_denominations(value, err);
		if (!v)
			return -EINVAL;
	} else if (is_money(name)) {
		if (money_parse(value, &n) < 0)
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, name,
					       "%s: \"%s\" is not an amount such as 0.05 or 100",
					       name, value);
		v = json_integer(n);
	} else if (strcmp(name, "loyalty.points") == 0) {
		char *end;
		long long p = strtoll(value, &end, 10);

		if (end == value || *end)
			return proto_error_set(err, PROTO_ERR_BAD_FIELD, name,
					       "%s: \"%s\" is not a whole number of points", name,
					       value);
		v = json_integer(p);
	} else {
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, name,
				       "%s: not a store setting (expected priceMode, cashStep, "
				       "denominations, cashDifferenceLimit, loyalty.spend, "
				       "loyalty.points, loyalty.pointValue, tiers.bronze, "
				       "tiers.silver or tiers.gold)",
				       name);
	}
	if (dot) {
		snprintf(head, sizeof(head), "%.*s", (int)(dot - name), name);
		doc = json_pack("{s:{s:o}}", head, dot + 1, v);
	} else {
		doc = json_pack("{s:o}", name, v);
	}
	if (!doc)
		return proto_error_set(err, PROTO_ERR_BAD_FIELD, name, "out of memory");
	rc = settings_from_json(doc, s, err);
	json_decref(doc);
	return rc;
}

const char *settings_tier(const struct store_settings *s, int64_t lifetime_spend)
{
	if (lifetime_spend >= s->tier_gold)
		return "Gold";
	if (lifetime_spend >= s->tier_silver)
		return "Silver";
	if (lifetime_spend >= s->tier_bronze)
		return "Bronze";
	return "Member";
}

int64_t settings_points_earned(const struct store_settings *s, int64_t paid)
{
	if (s->loyalty_spend <= 0 || paid <= 0)
		return 0;
	if (paid / s->loyalty_spend > INT64_MAX / s->loyalty_points)
		return INT64_MAX;
	return paid / s->loyalty_spend * s->loyalty_points;
}
