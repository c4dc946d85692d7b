/* SPDX-License-Identifier: MIT */
/* The hub's commands, each `int cmd_x(int argc, char **argv)` returning a sysexits code. */
#ifndef TILLNET_HUB_H
#define TILLNET_HUB_H

#include <stdio.h>

int cmd_init(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_terminal(int argc, char **argv);
int cmd_orders(int argc, char **argv);
int cmd_order(int argc, char **argv);
int cmd_conflicts(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_account(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_upstream(int argc, char **argv);
int cmd_staff(int argc, char **argv);
int cmd_role(int argc, char **argv);
int cmd_customer(int argc, char **argv);
int cmd_settings(int argc, char **argv);

/* hub_files: the names of the store's files in its data folder. */
#define HUB_DB	    "hub.db"
#define HUB_CONF    "hub.conf"
#define HUB_CA_CERT "ca.crt"
#define HUB_CA_KEY  "ca.key"
#define HUB_CERT    "hub.crt"
#define HUB_KEY	    "hub.key"
#define HUB_PIDFILE "hub.pid"

/* hub_read_file: read DATA/name (max 1 MiB); prints a clear error and returns EX_* on failure. */
int hub_read_file(const char *data_dir, const char *name, char **out);

/* hub_load_config: read DATA/hub.conf; prints a clear error and returns EX_CONFIG on failure. */
struct hub_config;
int hub_load_config(const char *data_dir, struct hub_config *cfg);

#endif
