/* SPDX-License-Identifier: MIT */
/*
 * A hub for the fuzz targets that need hub.db, without sockets: one hub.db
 * built once (a store, its CA, the owner signed in, a catalog, a staff
 * member, an enrolled till, an unused enrollment code), kept as a byte
 * image, and a fresh in-memory copy of it for every input, so each input
 * sees the same hub. HTTP requests go to admin_http_handle, the function
 * libmicrohttpd calls; the headers a browser would send come from a
 * stand-in for MHD_lookup_connection_value.
 */
#ifndef TILLNET_FUZZ_HUB_H
#define TILLNET_FUZZ_HUB_H

#include <stddef.h>

#include <sqlite3.h>

/* The enrollment code the fixture holds: this terminal id, this secret (hex). */
#define FUZZ_HUB_TERMINAL_ID "01890a5d-ac96-774b-bcce-b302099a8057"
#define FUZZ_HUB_SECRET_HEX  "00112233445566778899aabbccddeeff"
/* The till enrolled in it: short code T01 of store code FUZZ. */
#define FUZZ_HUB_TILL_ID "01890a5d-ac96-774b-bcce-b302099a9001"

/*
 * fuzz_hub_db: a fresh in-memory copy of the fixture's hub.db. The caller
 * closes it with db_close.
 */
sqlite3 *fuzz_hub_db(void);

/*
 * fuzz_hub_request: answer `method` `target` (a path, with an optional
 * "?a=1&b=2" query) with `body` (len bytes; a NUL is added) on a fresh copy
 * of the fixture. It comes from the hub's own page (Origin, Host); with
 * `signed_in` it also carries the owner's session cookie and CSRF token.
 * Returns the HTTP status.
 * Aborts when the fixture cannot be built: a harness failure, not a finding.
 */
unsigned int fuzz_hub_request(const char *method, const char *target, const char *body, size_t len,
			      int signed_in);

#endif
