/* SPDX-License-Identifier: MIT */
/*
 * The two programs' configuration files, INI read with inih:
 * DATA/hub.conf (written by `tillnet-hub init`) and DATA/term.conf (written by
 * `tillnet-term enroll`). Command-line flags override what the files say.
 * Errors name the file, line, section and key.
 */
#ifndef TILLNET_CONFIG_H
#define TILLNET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* inih reads lines of at most 200 bytes: "advertise = " and 127 characters fit. */
#define CONFIG_TEXT_MAX 128
/* URLs, paths and commands of [upstream]: a file's line limit, or a flag's. */
#define CONFIG_UPSTREAM_MAX	  256
#define CONFIG_UPSTREAM_BATCH_MAX 1000

struct hub_config {
	char store[CONFIG_TEXT_MAX]; /* [store] name */
	char store_code[9];  /* [store] code: 2-8 of A-Z 0-9; derived from name when absent */
	char currency[4];    /* [store] currency, ISO 4217 */
	char hub_id[40];     /* [store] hub_id */
	char listen[64];     /* [hub] listen */
	uint16_t sync_port;  /* [hub] sync_port */
	uint16_t admin_port; /* [hub] admin_port */
	char advertise[CONFIG_TEXT_MAX]; /* [hub] advertise: address put in codes */
	/* [upstream]: the back office the hub forwards records to (docs/upstream.md). */
	char upstream_url[CONFIG_UPSTREAM_MAX];		  /* url; "" for none */
	char upstream_token_file[CONFIG_UPSTREAM_MAX];	  /* token_file */
	char upstream_token_command[CONFIG_UPSTREAM_MAX]; /* token_command */
	char upstream_ca[CONFIG_UPSTREAM_MAX];		  /* ca: a PEM file of CAs */
	uint32_t upstream_batch_max;			  /* batch_max: 1-1000, default 50 */
	uint32_t upstream_batch_interval_ms;		  /* batch_interval_ms: default 1000 */
	uint32_t upstream_backoff_max_ms;		  /* backoff_max_ms: default 300000 */
	uint32_t upstream_timeout_ms; /* timeout_ms: a whole request, 100-600000, default 30000 */
};

struct term_config {
	char terminal_id[40];	     /* [terminal] id */
	char name[CONFIG_TEXT_MAX];  /* [terminal] name */
	char short_code[16];	     /* [terminal] short_code */
	char store[CONFIG_TEXT_MAX]; /* [terminal] store */
	char store_code[9]; /* [terminal] store_code: the journal numbers' prefix (enrollment) */
	char hub_host[CONFIG_TEXT_MAX]; /* [hub] host */
	uint16_t hub_admin_port;	/* [hub] admin_port */
	uint16_t hub_sync_port;		/* [hub] sync_port */
	uint16_t ui_port;		/* [ui] port */
	/* [printer]: where receipts go (docs/pos.md, "Receipts and printers"). */
	char printer_target[CONFIG_TEXT_MAX]; /* target: tcp:HOST:PORT or a path; "" for none */
	uint32_t printer_width;		      /* width: columns, 24-64, default 42 */
};

void config_hub_defaults(struct hub_config *c);
void config_term_defaults(struct term_config *c);

/*
 * config_hub_load / config_term_load: read `path` over the defaults.
 * -ENOENT if missing, -EINVAL for a bad file with a sentence in `err`
 * (`hub.conf line 4: [hub] sync_port "70000" is not a port (expected 1-65535)`).
 * A file without a store code gets the one derived from the store's name
 * (journal_store_code_derive in common/journal.h).
 */
int config_hub_load(const char *path, struct hub_config *c, char *err, size_t errlen);
int config_term_load(const char *path, struct term_config *c, char *err, size_t errlen);

/*
 * config_hub_save / config_term_save: write the whole file atomically.
 * -EINVAL for a value the file could not give back as it is (see
 * config_check_text).
 */
int config_hub_save(const char *path, const struct hub_config *c);
int config_term_save(const char *path, const struct term_config *c);

/*
 * config_check_text: can `value` be stored in a config file and read back the
 * same? Not if it holds a control character (a new line) or ';' (inih reads
 * " ;" as the start of a comment). -EINVAL otherwise.
 */
int config_check_text(const char *value);

/* config_parse_port: "1".."65535" only; -EINVAL otherwise. */
int config_parse_port(const char *text, uint16_t *port);

#endif
