// SPDX-License-Identifier: MIT
/* The hub's status object, for the CLI and the admin API (see hub_status.h). */
#include "hub_status.h"
#include "config.h"
#include "event_log.h"
#include "pki.h"
#include "registry.h"
#include "upstream_admin.h"

#include <errno.h>

int hub_status_json(sqlite3 *db, const struct hub_config *cfg, const char *ca_pem, long pid,
		    int64_t now, json_t **out)
{
	json_t *terminals = NULL, *sync = NULL, *upstream = NULL, *o = NULL;
	char fp_text[PKI_FP_TEXT_LEN] = "";
	uint8_t fp[PKI_FP_LEN];
	int rc;

	*out = NULL;
	if (ca_pem && pki_fingerprint(ca_pem, fp) == 0)
		pki_fingerprint_format(fp, fp_text);
	rc = registry_list(db, pid != 0, &terminals);
	if (rc == 0)
		rc = event_log_status_json(db, &sync);
	if (rc == 0)
		rc = upstream_admin_status_json(db, pid != 0, cfg->upstream_url, now, &upstream);
	if (rc < 0)
		goto out;
	o = json_pack("{s:b, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:O, s:O, s:O}", "running",
		      pid != 0, "store", cfg->store, "hubId", cfg->hub_id, "currency",
		      cfg->currency, "listen", cfg->listen, "syncPort", (int)cfg->sync_port,
		      "adminPort", (int)cfg->admin_port, "caFingerprint", fp_text, "terminals",
		      terminals, "sync", sync, "upstream", upstream);
	if (!o) {
		rc = -ENOMEM;
		goto out;
	}
	json_object_set_new(o, "pid", pid ? json_integer(pid) : json_null());
	*out = o;
out:
	json_decref(terminals);
	json_decref(sync);
	json_decref(upstream);
	return rc;
}
