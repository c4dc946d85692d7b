/* SPDX-License-Identifier: MIT */
/* The terminal's commands and the names of its files in its data folder. */
#ifndef TILLNET_TERM_H
#define TILLNET_TERM_H

#include <sqlite3.h>
#include <stddef.h>

#include "sale.h"
#include "staff_auth.h"

#define TERM_DB	     "term.db"
#define TERM_CONF    "term.conf"
#define TERM_CA_CERT "ca.crt"
#define TERM_CERT    "terminal.crt"
#define TERM_KEY     "terminal.key"
#define TERM_PIDFILE "term.pid"

int cmd_enroll(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sell(int argc, char **argv);
int cmd_park(int argc, char **argv);
int cmd_refund(int argc, char **argv);
int cmd_void(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_claim(int argc, char **argv);
int cmd_orders(int argc, char **argv);
int cmd_signin(int argc, char **argv);
int cmd_signout(int argc, char **argv);
int cmd_customer(int argc, char **argv);

struct term_config;
/* term_load_config: read DATA/term.conf; prints a clear error, returns EX_CONFIG on failure. */
int term_load_config(const char *data_dir, struct term_config *cfg);

/*
 * term_open: term_load_config, then open DATA/term.db (it must exist). Prints
 * a clear error and returns an EX_* code on failure; the caller db_close's.
 */
int term_open(const char *data_dir, struct term_config *cfg, sqlite3 **db);

/* Who makes an op here (terminal/cmd_signin.c). */
struct term_acting {
	struct staff_auth_who who;
	char approver_id[40];
	const char *actor;    /* who.id, or NULL when the store has no staff */
	const char *approver; /* approver_id, or NULL */
};

/*
 * term_acting: for an op of `kind`: the signed-in staff member (required
 * when the store has active staff) and, when their role lacks the
 * permission the op needs, the manager whose PIN is in `approve_pin_file`
 * (NULL: none given). Prints why not and returns an EX_* code; 0 on success.
 */
int term_acting(sqlite3 *db, const char *kind, const char *approve_pin_file,
		struct term_acting *out);

/*
 * term_authorize: does the signed-in person cover `needs` (staff_rules.h)?
 * If not, or when needs->stepup asks for a PIN every time, the manager
 * whose PIN is in `approve_pin_file` (NULL: none given) must, and becomes
 * acting->approver. Prints why not; an EX_* code or 0.
 */
int term_authorize(sqlite3 *db, struct term_acting *acting, const struct staff_needs *needs,
		   const char *approve_pin_file);

struct sale_pay_req;
/*
 * term_parse_pay: a --pay argument (cash, cash=AMOUNT, card:REF,
 * card=AMOUNT:REF, other:REF, other=AMOUNT:REF) into `pay`, which borrows
 * from `arg` (terminal/cmd_sell.c). Prints why not; 0 or -EINVAL.
 */
int term_parse_pay(const char *arg, struct sale_pay_req *pay);

/*
 * A CLI command that writes an order (sell, park, refund, void): who acts,
 * and the authorize callback of sale.h, which steps up with the manager's
 * PIN in `approve` when the signed-in person's role does not cover the
 * order and then names that manager as the op's approver.
 */
struct term_till {
	sqlite3 *db;
	struct term_acting acting;
	struct sale_who who;
	const char *approve; /* --approve-pin-file, or NULL */
};

/*
 * term_till_begin: term_acting for an order.put on `db`, `t` filled for
 * `cfg`'s terminal, and opts->authorize/ctx pointing at it (`t` must stay
 * where it is while opts is used). Prints why not; an EX_* code or 0.
 */
int term_till_begin(sqlite3 *db, const struct term_config *cfg, const char *approve,
		    struct term_till *t, struct sale_opts *opts);

/* term_read_pin: a PIN from the first line of `path` (- for stdin); EX_* on failure. */
int term_read_pin(const char *path, char *out, size_t len);

#endif
