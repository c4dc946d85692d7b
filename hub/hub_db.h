/* SPDX-License-Identifier: MIT */
/* hub.db: the store's record on the hub. Schema by numbered migrations. */
#ifndef TILLNET_HUB_DB_H
#define TILLNET_HUB_DB_H

#include <sqlite3.h>

/* hub_db_open: open DATA/hub.db (create with `create`), migrate it. */
int hub_db_open(const char *data_dir, int create, sqlite3 **db);

#endif
