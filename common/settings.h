/* SPDX-License-Identifier: MIT */
/*
 * The store's settings: what the owner decides once for every till (price
 * mode, cash rounding, the drawer's denominations and the difference a
 * close may show, the loyalty rule and tiers). The hub owns them
 * (hub/settings_store.c) and sends them to terminals in `settings.put`
 * events and in the snapshot; a terminal keeps the last it heard in
 * term.db and sells by them offline (docs/pos.md, "Store settings").
 *
 * Pure: JSON in and out, no I/O. The JSON form (docs/protocol.md):
 *   {"currency":"EUR","priceMode":"inclusive","cashStep":5,
 *    "denominations":[50000,20000,...,1],"cashDifferenceLimit":500,
 *    "loyalty":{"spend":100,"points":1,"pointValue":1},
 *    "tiers":{"bronze":10000,"silver":50000,"gold":100000}}
 * Every member is optional on input (a missing one keeps its value); the
 * output always has them all.
 */
#ifndef TILLNET_SETTINGS_H
#define TILLNET_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pricing.h"
#include "proto.h"

#define SETTINGS_DENOM_MAX  24
#define SETTINGS_LIMIT_MAX  100000000	   /* the largest cash difference limit, minor units */
#define SETTINGS_POINTS_MAX 1000000	   /* the most points one rule step earns */
#define SETTINGS_SPEND_MAX  100000000000LL /* the largest tier threshold or spend step */

struct store_settings {
	char currency[4]; /* ISO 4217, from hub.conf: informational on terminals */
	enum pricing_mode price_mode;
	int64_t cash_step; /* minor units, 1 … PRICING_STEP_MAX; 1 = no rounding */
	int64_t denominations[SETTINGS_DENOM_MAX]; /* minor units, strictly descending, > 0 */
	size_t ndenominations;
	int64_t cash_difference_limit; /* |counted − expected| above this needs a manager */
	/*
	 * Loyalty: `points` points for each whole `spend` minor units paid (not
	 * in points); spend 0 turns earning off. A point redeems for
	 * `point_value` minor units.
	 */
	int64_t loyalty_spend, loyalty_points, loyalty_point_value;
	/* Tiers by lifetime spend (minor units), bronze ≤ silver ≤ gold; below bronze: Member. */
	int64_t tier_bronze, tier_silver, tier_gold;
};

/*
 * settings_defaults: the settings of a new store in `currency` (its usual
 * notes and coins when known, else a generic 1-2-5 series): inclusive
 * prices, no cash rounding, limit 500, 1 point per 100 spent worth 1,
 * tiers 100.00 / 500.00 / 1000.00 (in minor units ×100).
 */
void settings_defaults(struct store_settings *s, const char *currency);

/*
 * settings_from_json: apply the members of `j` (an object) to `s`, checked
 * together: on failure `s` is unchanged and err names the first bad field
 * ("cashStep", "denominations[3]", "tiers.silver") with what was expected.
 * Unknown members are refused (a typo must not pass silently).
 * Returns 0 or -EINVAL.
 */
int settings_from_json(const json_t *j, struct store_settings *s, struct proto_error *err);

/*
 * settings_from_text: the settings stored as JSON text (settings_to_json
 * dumped): the defaults of `currency` with `text` applied over them; NULL
 * or "" gives the defaults. -EINVAL (err says why) on text that does not
 * parse or check.
 */
int settings_from_text(const char *text, const char *currency, struct store_settings *out,
		       struct proto_error *err);

/* settings_to_json: the whole settings as JSON (every member); NULL when out of memory. */
json_t *settings_to_json(const struct store_settings *s);

/*
 * settings_set: apply one setting by its dotted name and text value, as
 * `tillnet-hub settings set NAME VALUE` takes it: "priceMode" exclusive,
 * "cashStep" 5, "denominations" 50000,20000,…, "loyalty.spend" 100,
 * "tiers.gold" 100000. Checked as settings_from_json; 0 or -EINVAL.
 */
int settings_set(struct store_settings *s, const char *name, const char *value,
		 struct proto_error *err);

/* settings_tier: "Member", "Bronze", "Silver" or "Gold" for a lifetime spend. */
const char *settings_tier(const struct store_settings *s, int64_t lifetime_spend);

/*
 * settings_points_earned: the points a payment of `paid` minor units earns
 * (0 when earning is off or paid ≤ 0): floor(paid / spend) × points.
 */
int64_t settings_points_earned(const struct store_settings *s, int64_t paid);

#endif
