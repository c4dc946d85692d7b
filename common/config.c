// SPDX-License-Identifier: MIT
/* Reading and writing hub.conf and term.conf with inih (see config.h). */
#include "config.h"
#include "fsutil.h"
#include "journal.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config_parse {
	FILE *f;
	int line; /* the line inih is on: counted by config_reader */
	int failed_line;
	const char *file;
	char *err;
	size_t errlen;
	int failed;
	void *conf;
};

int config_parse_port(const char *text, uint16_t *port)
{
	char *end;
	long v;

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < 1 || v > 65535 || text[0] == '+' || text[0] == '-')
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int set_text(struct config_parse *p, int line, const char *section, const char *key,
		    const char *value, char *dst, size_t dstlen)
{
	if (strlen(value) >= dstlen) {
		snprintf(p->err, p->errlen,
			 "%s line %d: [%s] %s is too long (at most %zu characters)", p->file, line,
			 section, key, dstlen - 1);
		return -EINVAL;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int set_port(struct config_parse *p, int line, const char *section, const char *key,
		    const char *value, uint16_t *dst)
{
	if (config_parse_port(value, dst) < 0) {
		snprintf(p->err, p->errlen,
			 "%s line %d: [%s] %s \"%s\" is not a port (expected 1-65535)", p->file,
			 line, section, key, value);
		return -EINVAL;
	}
	return 0;
}

/* [upstream] numbers: decimal, within [min, max]; the error names the key and the range. */
static int set_uint(struct config_parse *p, int line, const char *section, const char *key,
		    const char *value, uint32_t min, uint32_t max, uint32_t *dst)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = isdigit((unsigned char)value[0]) ? strtoul(value, &end, 10) : 0;
	if (!isdigit((unsigned char)value[0]) || errno || *end || v < min || v > max) {
		snprintf(p->err, p->errlen,
			 "%s line %d: [%s] %s \"%s\" is not a whole number from %u to %u", p->file,
			 line, section, key, value, min, max);
		return -EINVAL;
	}
	*dst = (uint32_t)v;
	return 0;
}

static int upstream_key(struct config_parse *p, int line, const char *key, const char *value,
			struct hub_config *c)
{
	static const char sec[] = "upstream";

	if (strcmp(key, "url") == 0) {
		if (value[0] && strncmp(value, "https://", 8) != 0 &&
		    strncmp(value, "http://", 7) != 0) {
			snprintf(p->err, p->errlen,
				 "%s line %d: [upstream] url \"%s\" is not an http:// or https:// "
				 "URL",
				 p->file, line, value);
			return -EINVAL;
		}
		return set_text(p, line, sec, key, value, c->upstream_url, sizeof(c->upstream_url));
	}
	if (strcmp(key, "token_file") == 0)
		return set_text(p, line, sec, key, value, c->upstream_token_file,
				sizeof(c->upstream_token_file));
	if (strcmp(key, "token_command") == 0)
		return set_text(p, line, sec, key, value, c->upstream_token_command,
				sizeof(c->upstream_token_command));
	if (strcmp(key, "ca") == 0)
		return set_text(p, line, sec, key, value, c->upstream_ca, sizeof(c->upstream_ca));
	if (strcmp(key, "batch_max") == 0)
		return set_uint(p, line, sec, key, value, 1, CONFIG_UPSTREAM_BATCH_MAX,
				&c->upstream_batch_max);
	if (strcmp(key, "batch_interval_ms") == 0)
		return set_uint(p, line, sec, key, value, 0, 3600000,
				&c->upstream_batch_interval_ms);
	if (strcmp(key, "backoff_max_ms") == 0)
		return set_uint(p, line, sec, key, value, 1000, 86400000,
				&c->upstream_backoff_max_ms);
	if (strcmp(key, "timeout_ms") == 0)
		return set_uint(p, line, sec, key, value, 100, 600000, &c->upstream_timeout_ms);
	snprintf(p->err, p->errlen, "%s line %d: unknown key \"%s\" in section [upstream]", p->file,
		 line, key);
	return -EINVAL;
}

/* A store code: 2-8 of A-Z 0-9 (the prefix of every journal number). */
static int set_store_code(struct config_parse *p, int line, const char *section, const char *key,
			  const char *value, char *dst, size_t dstlen)
{
	if (journal_store_code_check(value) < 0) {
		snprintf(p->err, p->errlen,
			 "%s line %d: [%s] %s \"%s\" is not a store code (expected 2 to 8 of "
			 "A-Z 0-9, e.g. CORNER)",
			 p->file, line, section, key, value);
		return -EINVAL;
	}
	return set_text(p, line, section, key, value, dst, dstlen);
}

static int unknown_key(struct config_parse *p, int line, const char *section, const char *key)
{
	snprintf(p->err, p->errlen, "%s line %d: unknown key \"%s\" in section [%s]", p->file, line,
		 key, section);
	return -EINVAL;
}

#define IS(s, k) (strcmp(section, (s)) == 0 && strcmp(key, (k)) == 0)

static int hub_handler(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *p = user;
	int line = p->line;
	struct hub_config *c = p->conf;
	int rc;

	if (p->failed)
		return 0;
	if (IS("store", "name"))
		rc = set_text(p, line, section, key, value, c->store, sizeof(c->store));
	else if (IS("store", "currency")) {
		rc = set_text(p, line, section, key, value, c->currency, sizeof(c->currency));
		if (rc == 0 &&
		    (strlen(value) != 3 || !isupper((unsigned char)value[0]) ||
		     !isupper((unsigned char)value[1]) || !isupper((unsigned char)value[2]))) {
			snprintf(p->err, p->errlen,
				 "%s line %d: [store] currency \"%s\" is not an ISO 4217 code "
				 "(expected three capital letters, e.g. EUR)",
				 p->file, line, value);
			rc = -EINVAL;
		}
	} else if (IS("store", "code"))
		rc = set_store_code(p, line, section, key, value, c->store_code,
				    sizeof(c->store_code));
	else if (IS("store", "hub_id"))
		rc = set_text(p, line, section, key, value, c->hub_id, sizeof(c->hub_id));
	else if (IS("hub", "listen"))
		rc = set_text(p, line, section, key, value, c->listen, sizeof(c->listen));
	else if (IS("hub", "advertise"))
		rc = set_text(p, line, section, key, value, c->advertise, sizeof(c->advertise));
	else if (IS("hub", "sync_port"))
		rc = set_port(p, line, section, key, value, &c->sync_port);
	else if (IS("hub", "admin_port"))
		rc = set_port(p, line, section, key, value, &c->admin_port);
	else if (strcmp(section, "upstream") == 0)
		rc = upstream_key(p, line, key, value, c);
	else
		rc = unknown_key(p, line, section, key);
	if (rc < 0) {
		p->failed = 1;
		p->failed_line = line;
	}
	return rc == 0;
}

static int term_handler(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *p = user;
	int line = p->line;
	struct term_config *c = p->conf;
	int rc;

	if (p->failed)
		return 0;
	if (IS("terminal", "id"))
		rc = set_text(p, line, section, key, value, c->terminal_id, sizeof(c->terminal_id));
	else if (IS("terminal", "name"))
		rc = set_text(p, line, section, key, value, c->name, sizeof(c->name));
	else if (IS("terminal", "short_code"))
		rc = set_text(p, line, section, key, value, c->short_code, sizeof(c->short_code));
	else if (IS("terminal", "store"))
		rc = set_text(p, line, section, key, value, c->store, sizeof(c->store));
	else if (IS("terminal", "store_code"))
		rc = set_store_code(p, line, section, key, value, c->store_code,
				    sizeof(c->store_code));
	else if (IS("hub", "host"))
		rc = set_text(p, line, section, key, value, c->hub_host, sizeof(c->hub_host));
	else if (IS("hub", "admin_port"))
		rc = set_port(p, line, section, key, value, &c->hub_admin_port);
	else if (IS("hub", "sync_port"))
		rc = set_port(p, line, section, key, value, &c->hub_sync_port);
	else if (IS("ui", "port"))
		rc = set_port(p, line, section, key, value, &c->ui_port);
	else if (IS("printer", "target"))
		rc = set_text(p, line, section, key, value, c->printer_target,
			      sizeof(c->printer_target));
	else if (IS("printer", "width"))
		rc = set_uint(p, line, section, key, value, 24, 64, &c->printer_width);
	else
		rc = unknown_key(p, line, section, key);
	if (rc < 0) {
		p->failed = 1;
		p->failed_line = line;
	}
	return rc == 0;
}

#undef IS

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Debian's inih passes no line number to handlers: count lines as inih reads them. */
static char *config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	char *got = fgets(str, num, p->f);
	size_t key;

	if (!got || p->failed)
		return NULL;
	p->line++;
	/* inih would split a longer line in two: refuse it whole instead. */
	if (!strchr(got, '\n') && !feof(p->f)) {
		key = strcspn(got, "=");
		while (key > 0 && isspace((unsigned char)got[key - 1]))
			key--;
		snprintf(p->err, p->errlen,
			 "%s line %d: the value of \"%.*s\" is too long (a line holds at most %d "
			 "characters)",
			 p->file, p->line, (int)(key < 40 ? key : 40), got, num - 1);
		p->failed = 1;
		p->failed_line = p->line;
		return NULL;
	}
	return got;
}

static int config_load(const char *path, ini_handler handler, void *conf, char *err, size_t errlen)
{
	struct config_parse p = {NULL, 0, 0, base_name(path), err, errlen, 0, conf};
	int rc;

	p.f = fopen(path, "r");
	if (!p.f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	rc = ini_parse_stream(config_reader, &p, handler, &p);
	fclose(p.f);
	/* Report the first error: inih's own (a bad line) may come before ours. */
	if (p.failed && !(rc > 0 && rc < p.failed_line))
		return -EINVAL;
	if (rc != 0) {
		snprintf(err, errlen, "%s line %d: not a \"key = value\" line or [section] header",
			 p.file, rc);
		return -EINVAL;
	}
	return 0;
}

void config_hub_defaults(struct hub_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->currency, "EUR", 4);
	memcpy(c->listen, "0.0.0.0", sizeof("0.0.0.0"));
	c->sync_port = 7443;
	c->admin_port = 8443;
	c->upstream_batch_max = 50;
	c->upstream_batch_interval_ms = 1000;
	c->upstream_backoff_max_ms = 300000;
	c->upstream_timeout_ms = 30000;
}

void config_term_defaults(struct term_config *c)
{
	memset(c, 0, sizeof(*c));
	c->hub_admin_port = 8443;
	c->hub_sync_port = 7443;
	c->ui_port = 8080;
	c->printer_width = 42;
}

int config_hub_load(const char *path, struct hub_config *c, char *err, size_t errlen)
{
	int rc = config_load(path, hub_handler, c, err, errlen);

	if (rc == 0 && !c->store_code[0])
		journal_store_code_derive(c->store, c->store_code);
	return rc;
}

int config_term_load(const char *path, struct term_config *c, char *err, size_t errlen)
{
	int rc = config_load(path, term_handler, c, err, errlen);

	if (rc == 0 && !c->store_code[0])
		journal_store_code_derive(c->store, c->store_code);
	return rc;
}

int config_check_text(const char *value)
{
	for (const char *v = value; *v; v++)
		if (iscntrl((unsigned char)*v) || *v == ';')
			return -EINVAL;
	return 0;
}

int config_hub_save(const char *path, const struct hub_config *c)
{
	char text[2048];
	int n;

	if (config_check_text(c->store) < 0 || config_check_text(c->currency) < 0 ||
	    config_check_text(c->hub_id) < 0 || config_check_text(c->listen) < 0 ||
	    config_check_text(c->advertise) < 0)
		return -EINVAL;
	if (c->store_code[0] && journal_store_code_check(c->store_code) < 0)
		return -EINVAL;
	n = snprintf(text, sizeof(text),
		     "# tillnet hub configuration; command-line flags override it.\n"
		     "[store]\nname = %s\n%s%s%scurrency = %s\nhub_id = %s\n\n"
		     "[hub]\nlisten = %s\nsync_port = %u\nadmin_port = %u\nadvertise = %s\n",
		     c->store, c->store_code[0] ? "code = " : "", c->store_code,
		     c->store_code[0] ? "\n" : "", c->currency, c->hub_id, c->listen, c->sync_port,
		     c->admin_port, c->advertise);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	/* [upstream] only when there is one, so that a new store's file stays short. */
	if (c->upstream_url[0]) {
		int m;

		if (config_check_text(c->upstream_url) < 0 ||
		    config_check_text(c->upstream_token_file) < 0 ||
		    config_check_text(c->upstream_token_command) < 0 ||
		    config_check_text(c->upstream_ca) < 0)
			return -EINVAL;
		m = snprintf(text + n, sizeof(text) - (size_t)n,
			     "\n[upstream]\nurl = %s\ntoken_file = %s\ntoken_command = %s\n"
			     "ca = %s\nbatch_max = %u\nbatch_interval_ms = %u\n"
			     "backoff_max_ms = %u\ntimeout_ms = %u\n",
			     c->upstream_url, c->upstream_token_file, c->upstream_token_command,
			     c->upstream_ca, c->upstream_batch_max, c->upstream_batch_interval_ms,
			     c->upstream_backoff_max_ms, c->upstream_timeout_ms);
		if (m < 0 || (size_t)m >= sizeof(text) - (size_t)n)
			return -ENAMETOOLONG;
		n += m;
	}
	return fsutil_write(path, text, (size_t)n, 0644, false);
}

int config_term_save(const char *path, const struct term_config *c)
{
	char text[2048];
	int n;

	if (config_check_text(c->terminal_id) < 0 || config_check_text(c->name) < 0 ||
	    config_check_text(c->short_code) < 0 || config_check_text(c->store) < 0 ||
	    config_check_text(c->hub_host) < 0)
		return -EINVAL;
	if (c->store_code[0] && journal_store_code_check(c->store_code) < 0)
		return -EINVAL;
	n = snprintf(text, sizeof(text),
		     "# tillnet terminal configuration; command-line flags override it.\n"
		     "[terminal]\nid = %s\nname = %s\nshort_code = %s\nstore = %s\n%s%s%s\n"
		     "[hub]\nhost = %s\nadmin_port = %u\nsync_port = %u\n\n[ui]\nport = %u\n",
		     c->terminal_id, c->name, c->short_code, c->store,
		     c->store_code[0] ? "store_code = " : "", c->store_code,
		     c->store_code[0] ? "\n" : "", c->hub_host, c->hub_admin_port, c->hub_sync_port,
		     c->ui_port);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENAMETOOLONG;
	/* [printer] only when one is set, so that a new terminal's file stays short. */
	if (c->printer_target[0] || c->printer_width != 42) {
		int m;

		if (config_check_text(c->printer_target) < 0)
			return -EINVAL;
		m = snprintf(text + n, sizeof(text) - (size_t)n,
			     "\n[printer]\ntarget = %s\nwidth = %u\n", c->printer_target,
			     c->printer_width);
		if (m < 0 || (size_t)m >= sizeof(text) - (size_t)n)
			return -ENAMETOOLONG;
		n += m;
	}
	return fsutil_write(path, text, (size_t)n, 0644, false);
}
