// SPDX-License-Identifier: MIT
/*
 * tillnet-term signin | signout, and term_acting: who makes an op on this
 * terminal and, when the op needs more than their role grants, which
 * manager approves it (terminal/staff_auth.h). All offline, from term.db.
 */
#include "config.h"
#include "db.h"
#include "proto_sync.h"
#include "staff_auth.h"
#include "staff_rules.h"
#include "term.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

int term_read_pin(const char *path, char *out, size_t len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");

	if (!f) {
		fprintf(stderr, "tillnet-term: cannot read the PIN from %s: %s\n", path,
			strerror(errno));
		return EX_NOINPUT;
	}
	if (!fgets(out, (int)len, f))
		out[0] = '\0';
	if (f != stdin)
		fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
	if (staff_pin_valid(out) < 0) {
		fprintf(stderr, "tillnet-term: a PIN is %d to %d digits\n", STAFF_PIN_MIN,
			STAFF_PIN_MAX);
		return EX_DATAERR;
	}
	return 0;
}

/* Say why a PIN did not do it; an EX_* code. */
static int pin_refused(const char *what, int rc, int64_t retry_ms)
{
	if (rc == -EAGAIN) {
		fprintf(stderr,
			"tillnet-term: %s is locked after %d wrong PINs; try again in %lld s\n",
			what, STAFF_PIN_FAILURES_MAX, (long long)((retry_ms + 999) / 1000));
		return EX_TEMPFAIL;
	}
	if (rc == -EACCES) {
		fprintf(stderr, "tillnet-term: %s: wrong PIN\n", what);
		return EX_NOPERM;
	}
	if (rc == -ENOENT) {
		fprintf(stderr,
			"tillnet-term: %s: this terminal has no staff yet (they come from "
			"the hub: tillnet-hub staff add)\n",
			what);
		return EX_UNAVAILABLE;
	}
	fprintf(stderr, "tillnet-term: %s: the terminal's database failed\n", what);
	return EX_IOERR;
}

int term_authorize(sqlite3 *db, struct term_acting *acting, const struct staff_needs *needs,
		   const char *approve_pin_file)
{
	struct staff_auth_who approver;
	int64_t now = db_now_ms(), retry_ms = 0;
	const char *missing;
	char pin[64];
	int rc, granted = 0, ex;

	if (!acting->actor || (needs->n == 0 && needs->discount_bp == 0))
		return 0; /* no staff in this store, or nothing to allow */
	rc = staff_auth_allows(db, acting->who.id, needs, &granted, &missing);
	if (rc < 0)
		return EX_IOERR;
	if (granted && !needs->stepup)
		return 0;
	if (!approve_pin_file) {
		if (granted)
			fprintf(stderr,
				"tillnet-term: this needs a manager's PIN every time, even from a "
				"manager (%s): approve it with --approve-pin-file FILE|-\n",
				needs->n ? needs->perm[0] : "step-up");
		else if (strcmp(missing, "discount ceiling") == 0)
			fprintf(stderr,
				"tillnet-term: a discount of %lld.%02lld %% is over the discount "
				"ceiling of %s's role (%s): a manager approves it with "
				"--approve-pin-file FILE|-\n",
				(long long)(needs->discount_bp / 100),
				(long long)(needs->discount_bp % 100), acting->who.name,
				acting->who.role);
		else
			fprintf(stderr,
				"tillnet-term: %s's role (%s) does not allow this (%s): a manager "
				"approves it with --approve-pin-file FILE|-\n",
				acting->who.name, acting->who.role, missing);
		return EX_NOPERM;
	}
	ex = term_read_pin(approve_pin_file, pin, sizeof(pin));
	if (ex)
		return ex;
	rc = staff_auth_stepup(db, pin, needs, now, &approver, &retry_ms);
	memset(pin, 0, sizeof(pin));
	if (rc < 0)
		return pin_refused("manager approval", rc, retry_ms);
	snprintf(acting->approver_id, sizeof(acting->approver_id), "%s", approver.id);
	acting->approver = acting->approver_id;
	fprintf(stderr, "tillnet-term: approved by %s\n", approver.name);
	return 0;
}

static int till_authorize(void *ctx, const struct staff_needs *needs)
{
	struct term_till *t = ctx;
	int ex = term_authorize(t->db, &t->acting, needs, t->approve);

	if (ex == 0)
		t->who.approver = t->acting.approver;
	return ex;
}

int term_till_begin(sqlite3 *db, const struct term_config *cfg, const char *approve,
		    struct term_till *t, struct sale_opts *opts)
{
	int ex;

	memset(t, 0, sizeof(*t));
	t->db = db;
	t->approve = approve;
	ex = term_acting(db, PROTO_OP_ORDER_PUT, NULL, &t->acting);
	if (ex)
		return ex;
	t->who.terminal_id = cfg->terminal_id;
	t->who.short_code = cfg->short_code;
	t->who.actor = t->acting.actor;
	t->who.approver = t->acting.approver;
	opts->authorize = till_authorize;
	opts->ctx = t;
	return 0;
}

int term_acting(sqlite3 *db, const char *kind, const char *approve_pin_file,
		struct term_acting *out)
{
	struct staff_needs needs;
	int64_t now = db_now_ms();
	int rc, needed;

	memset(out, 0, sizeof(*out));
	rc = staff_auth_needed(db, &needed);
	if (rc < 0)
		return EX_IOERR;
	if (!needed)
		return 0; /* no staff in this store: nobody signs in */
	rc = staff_auth_current(db, now, &out->who);
	if (rc == -ENOENT) {
		fprintf(stderr, "tillnet-term: nobody is signed in at this terminal: sign in with "
				"'tillnet-term signin --data DIR --pin-file FILE|-'\n");
		return EX_NOPERM;
	}
	if (rc < 0)
		return EX_IOERR;
	out->actor = out->who.id;
	staff_op_needs(kind, NULL, &needs);
	return term_authorize(db, out, &needs, approve_pin_file);
}

static int signin_args(int argc, char **argv, const char *usage, const char **data,
		       const char **pin_file)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"pin-file", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd' && data) {
			*data = optarg;
		} else if (c == 'p' && pin_file) {
			*pin_file = optarg;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || !*data || (pin_file && !*pin_file)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	return 0;
}

int cmd_signin(int argc, char **argv)
{
	static const char usage[] =
	    "usage: tillnet-term signin --data DIR --pin-file FILE|-\n"
	    "\n"
	    "Sign in at this terminal with a PIN (the first line of FILE, - for stdin) for\n"
	    "12 hours or until signout. Checked offline against the staff the hub synced;\n"
	    "five wrong PINs in a row lock sign-in for 5 minutes.\n";
	struct staff_auth_who who;
	struct term_config cfg;
	const char *data = NULL, *pin_file = NULL;
	char pin[64];
	int64_t retry_ms = 0;
	sqlite3 *db = NULL;
	int ex, rc;

	ex = signin_args(argc, argv, usage, &data, &pin_file);
	if (ex)
		return ex < 0 ? 0 : ex;
	ex = term_read_pin(pin_file, pin, sizeof(pin));
	if (ex)
		return ex;
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	rc = staff_auth_signin(db, pin, db_now_ms(), &who, &retry_ms);
	memset(pin, 0, sizeof(pin));
	db_close(db);
	if (rc < 0)
		return pin_refused("sign-in", rc, retry_ms);
	printf("signed in: %s (%s) %s\n", who.name, who.role, who.id);
	return 0;
}

int cmd_signout(int argc, char **argv)
{
	static const char usage[] = "usage: tillnet-term signout --data DIR\n"
				    "\n"
				    "Sign out whoever is signed in at this terminal.\n";
	struct term_config cfg;
	const char *data = NULL;
	sqlite3 *db = NULL;
	int ex, rc;

	ex = signin_args(argc, argv, usage, &data, NULL);
	if (ex)
		return ex < 0 ? 0 : ex;
	ex = term_open(data, &cfg, &db);
	if (ex)
		return ex;
	rc = staff_auth_signout(db);
	db_close(db);
	if (rc < 0) {
		fprintf(stderr, "tillnet-term signout: the terminal's database failed\n");
		return EX_IOERR;
	}
	printf("signed out\n");
	return 0;
}
