/* SPDX-License-Identifier: MIT */
/*
 * The terminal's side of enrollment, over HTTPS with libcurl: fetch the CA
 * the hub presents, pin it against the fingerprint in the code (no trust on
 * first use), and only then, over a connection verified against that CA and
 * the hub's name, send the secret and the CSR.
 */
#ifndef TILLNET_ENROLL_CLIENT_H
#define TILLNET_ENROLL_CLIENT_H

#include "enroll_code.h"

struct enroll_reply {
	char *ca_pem;
	char *cert_pem;
	char terminal_id[40];
	char short_code[16];
	char name[256];
	char store[256];
	char store_code[16]; /* the journal numbers' prefix; derived from store when absent */
	unsigned int sync_port;
};

/*
 * enroll_client_run: the whole exchange. `ca_path` is where the pinned CA is
 * written for curl to verify the second request with. On failure a sentence
 * for the person in `err`, and a sysexits code is returned (0 on success).
 * The caller frees the reply's strings with enroll_reply_free.
 */
int enroll_client_run(const struct enroll_code *code, const char *csr_pem, const char *ca_path,
		      struct enroll_reply *reply, char *err, size_t errlen);

void enroll_reply_free(struct enroll_reply *reply);

#endif
