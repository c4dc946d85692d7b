/* SPDX-License-Identifier: MIT */
/* The terminal's commands and the names of its files in its data folder. */
#ifndef TILLNET_TERM_H
#define TILLNET_TERM_H

#include <sqlite3.h>

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
int cmd_release(int argc, char **argv);
int cmd_claim(int argc, char **argv);
int cmd_orders(int argc, char **argv);

struct term_config;
/* term_load_config: read DATA/term.conf; prints a clear error, returns EX_CONFIG on failure. */
int term_load_config(const char *data_dir, struct term_config *cfg);

/*
 * term_open: term_load_config, then open DATA/term.db (it must exist). Prints
 * a clear error and returns an EX_* code on failure; the caller db_close's.
 */
int term_open(const char *data_dir, struct term_config *cfg, sqlite3 **db);

#endif
