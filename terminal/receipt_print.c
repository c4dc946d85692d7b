// SPDX-License-Identifier: MIT
/* An order's receipt from term.db to a printer or to text (see receipt_print.h). */
#include "receipt_print.h"
#include "config.h"
#include "db.h"
#include "escpos.h"
#include "printer.h"
#include "receipt.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The order as a receipt needs it: its id, origin and document. */
struct receipt_order {
	char id[40];
	char origin[40];
	json_t *doc;
	int64_t prints; /* how many times its receipt was printed */
};

static int load_order(sqlite3 *db, const char *key, struct receipt_order *o, char *why,
		      size_t whylen)
{
	sqlite3_stmt *st = NULL;
	json_error_t jerr;
	int rc, step;

	memset(o, 0, sizeof(*o));
	snprintf(why, whylen, "the terminal's database failed");
	rc = db_prepare(
	    db,
	    "SELECT o.id, o.origin, o.status, o.doc, coalesce(p.prints, 0) FROM orders o "
	    "LEFT JOIN receipt_prints p ON p.order_id = o.id "
	    "WHERE o.id = ?1 OR o.receipt = ?1 LIMIT 1",
	    &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		snprintf(why, whylen, "no order or receipt \"%s\" on this terminal", key);
		rc = -ENOENT;
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_check(db, step, "find an order's receipt");
		goto out;
	}
	snprintf(o->id, sizeof(o->id), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(o->origin, sizeof(o->origin), "%s", (const char *)sqlite3_column_text(st, 1));
	if (strcmp((const char *)sqlite3_column_text(st, 2), "completed") != 0) {
		snprintf(why, whylen,
			 "order %s is %s: it has no receipt (only a completed sale has one)", o->id,
			 (const char *)sqlite3_column_text(st, 2));
		rc = -EINVAL;
		goto out;
	}
	o->doc = json_loads((const char *)sqlite3_column_text(st, 3), 0, &jerr);
	if (!o->doc) {
		snprintf(why, whylen, "order %s: its stored document is not JSON: %s", o->id,
			 jerr.text);
		rc = -EINVAL;
		goto out;
	}
	o->prints = sqlite3_column_int64(st, 4);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Lay out `o` as this terminal prints it. */
static int render(const struct term_config *cfg, const struct receipt_order *o, struct receipt **r,
		  char *why, size_t whylen)
{
	struct receipt_head head = {0};
	int own = strcmp(o->origin, cfg->terminal_id) == 0;
	int rc;

	head.store = cfg->store;
	/* Another terminal's sale: its receipt number says whose it is. */
	head.terminal = own ? cfg->name : NULL;
	head.short_code = own ? cfg->short_code : NULL;
	head.width = (int)cfg->printer_width;
	head.duplicate = o->prints;
	rc = receipt_render(o->doc, &head, r, why, whylen);
	if (rc == -EINVAL) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", why);
		snprintf(why, whylen, "order %s: %s", o->id, detail);
	}
	return rc;
}

static int has_cash(json_t *doc)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(doc, "payments"), i, p)
	{
		const char *tender = json_string_value(json_object_get(p, "tender"));

		if (tender && strcmp(tender, "cash") == 0)
			return 1;
	}
	return 0;
}

static int count_print(sqlite3 *db, const char *order_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = db_prepare(db,
			"INSERT INTO receipt_prints(order_id, prints) VALUES (?, 1) "
			"ON CONFLICT(order_id) DO UPDATE SET prints = prints + 1",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
		rc = db_check(db, sqlite3_step(st), "count a receipt print");
	}
	sqlite3_finalize(st);
	return rc;
}

int receipt_print_order(sqlite3 *db, const struct term_config *cfg, const char *order,
			const char *target, int kick, int64_t *prints, char *why, size_t whylen)
{
	struct receipt_order o;
	struct receipt *r = NULL;
	struct escpos bytes;
	int rc;

	escpos_init(&bytes, 0);
	if (!target || !target[0])
		target = cfg->printer_target;
	if (!target[0]) {
		snprintf(why, whylen,
			 "no printer: set [printer] target in term.conf (tcp:HOST:9100, "
			 "/dev/usb/lp0 or a file)");
		return -EINVAL;
	}
	rc = load_order(db, order, &o, why, whylen);
	if (rc < 0)
		return rc;
	rc = render(cfg, &o, &r, why, whylen);
	if (rc < 0)
		goto out;
	if (kick == RECEIPT_KICK_AUTO)
		kick = has_cash(o.doc);
	rc = escpos_receipt(&bytes, r, kick);
	if (rc < 0) {
		snprintf(why, whylen, "receipt %s is too big to print", order);
		goto out;
	}
	rc = printer_send(target, bytes.data, bytes.len, why, whylen);
	if (rc < 0) {
		rc = -EAGAIN;
		goto out;
	}
	rc = count_print(db, o.id);
	if (rc < 0) {
		snprintf(why, whylen,
			 "receipt %s printed, but the terminal's database could not count the "
			 "print: the next print may not say DUPLICATE",
			 order);
		goto out;
	}
	if (prints)
		*prints = o.prints + 1;
	why[0] = '\0';
out:
	escpos_release(&bytes);
	receipt_free(r);
	json_decref(o.doc);
	return rc;
}

int receipt_text_order(sqlite3 *db, const struct term_config *cfg, const char *order, char **text,
		       char *why, size_t whylen)
{
	struct receipt_order o;
	struct receipt *r = NULL;
	int rc;

	*text = NULL;
	rc = load_order(db, order, &o, why, whylen);
	if (rc < 0)
		return rc;
	rc = render(cfg, &o, &r, why, whylen);
	if (rc == 0) {
		*text = receipt_text(r);
		rc = *text ? 0 : -ENOMEM;
	}
	receipt_free(r);
	json_decref(o.doc);
	return rc;
}
