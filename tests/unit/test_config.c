/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/config.c: hub.conf and term.conf written and read back,
 * their defaults, and the errors a person sees for a bad file (file, line,
 * section, key and value named). Files live in a fresh folder under /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define ERR_LEN 512

struct fixture {
	char dir[64];
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/tillnet-test-config-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* Removes whatever the tests left, including a failed save's temporary file. */
static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *e;
	char path[512];
	DIR *d;
	int rc = 0;

	d = opendir(f->dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", f->dir, e->d_name);
			if (unlink(path) != 0)
				rc = -1;
		}
		closedir(d);
	}
	if (rmdir(f->dir) != 0)
		rc = -1;
	free(f);
	return rc;
}

/* A new empty file named `stem`.XXXXXX in the fixture's folder. */
static void temp_file(void **state, const char *stem, char *path, size_t len)
{
	const struct fixture *f = *state;
	int fd;

	snprintf(path, len, "%s/%s.XXXXXX", f->dir, stem);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void assert_err_has(const char *err, const char *needle)
{
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
}

/*
 * Load `text` as a hub.conf over the defaults. The file's base name goes to
 * `base` (errors must name it), the file is removed again.
 */
static int hub_load_text(void **state, const char *text, struct hub_config *c, char *err,
			 char *base, size_t baselen)
{
	char path[256];
	int rc;

	temp_file(state, "hub.conf", path, sizeof(path));
	write_text(path, text);
	assert_true(strlen(base_name(path)) < baselen);
	memcpy(base, base_name(path), strlen(base_name(path)) + 1);
	config_hub_defaults(c);
	err[0] = '\0';
	rc = config_hub_load(path, c, err, ERR_LEN);
	assert_int_equal(unlink(path), 0);
	return rc;
}

static int term_load_text(void **state, const char *text, struct term_config *c, char *err,
			  char *base, size_t baselen)
{
	char path[256];
	int rc;

	temp_file(state, "term.conf", path, sizeof(path));
	write_text(path, text);
	assert_true(strlen(base_name(path)) < baselen);
	memcpy(base, base_name(path), strlen(base_name(path)) + 1);
	config_term_defaults(c);
	err[0] = '\0';
	rc = config_term_load(path, c, err, ERR_LEN);
	assert_int_equal(unlink(path), 0);
	return rc;
}

static void assert_hub_equal(const struct hub_config *a, const struct hub_config *b)
{
	assert_string_equal(a->store, b->store);
	assert_string_equal(a->currency, b->currency);
	assert_string_equal(a->hub_id, b->hub_id);
	assert_string_equal(a->listen, b->listen);
	assert_int_equal(a->sync_port, b->sync_port);
	assert_int_equal(a->admin_port, b->admin_port);
	assert_string_equal(a->advertise, b->advertise);
}

static void assert_term_equal(const struct term_config *a, const struct term_config *b)
{
	assert_string_equal(a->terminal_id, b->terminal_id);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->short_code, b->short_code);
	assert_string_equal(a->store, b->store);
	assert_string_equal(a->hub_host, b->hub_host);
	assert_int_equal(a->hub_admin_port, b->hub_admin_port);
	assert_int_equal(a->hub_sync_port, b->hub_sync_port);
	assert_int_equal(a->ui_port, b->ui_port);
}

/* Save `in`, load it over the defaults, and expect the same back. */
static void hub_round_trip(void **state, const struct hub_config *in)
{
	struct hub_config out;
	char path[256], err[ERR_LEN] = "";
	int rc;

	temp_file(state, "hub.conf", path, sizeof(path));
	assert_int_equal(config_hub_save(path, in), 0);
	config_hub_defaults(&out);
	rc = config_hub_load(path, &out, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		fail_msg("reading back what config_hub_save wrote: %s", err);
	assert_hub_equal(in, &out);
}

static void term_round_trip(void **state, const struct term_config *in)
{
	struct term_config out;
	char path[256], err[ERR_LEN] = "";
	int rc;

	temp_file(state, "term.conf", path, sizeof(path));
	assert_int_equal(config_term_save(path, in), 0);
	config_term_defaults(&out);
	rc = config_term_load(path, &out, err, sizeof(err));
	unlink(path);
	if (rc != 0)
		fail_msg("reading back what config_term_save wrote: %s", err);
	assert_term_equal(in, &out);
}

static void fill(char *dst, size_t len, char ch)
{
	memset(dst, ch, len - 1);
	dst[len - 1] = '\0';
}

static void test_defaults(void **state)
{
	struct hub_config h;
	struct term_config t;

	memset(&h, 0x5a, sizeof(h));
	config_hub_defaults(&h);
	assert_string_equal(h.currency, "EUR");
	assert_int_equal(h.sync_port, 7443);
	assert_int_equal(h.admin_port, 8443);
	assert_string_equal(h.store, "");
	assert_string_equal(h.hub_id, "");
	assert_string_equal(h.advertise, "");

	memset(&t, 0x5a, sizeof(t));
	config_term_defaults(&t);
	assert_int_equal(t.hub_admin_port, 8443);
	assert_int_equal(t.hub_sync_port, 7443);
	assert_int_equal(t.ui_port, 8080);
	assert_string_equal(t.terminal_id, "");
	assert_string_equal(t.hub_host, "");
}

static void test_load_keeps_defaults_for_missing_keys(void **state)
{
	struct hub_config h, d;
	struct term_config t, td;
	char err[ERR_LEN], base[128];

	config_hub_defaults(&d);
	assert_int_equal(hub_load_text(state, "", &h, err, base, sizeof(base)), 0);
	assert_hub_equal(&h, &d);
	assert_int_equal(hub_load_text(state, "# only a comment\n; and another\n\n[store]\n", &h,
				       err, base, sizeof(base)),
			 0);
	assert_hub_equal(&h, &d);
	assert_int_equal(
	    hub_load_text(state, "[hub]\nadmin_port = 9443\n", &h, err, base, sizeof(base)), 0);
	assert_int_equal(h.admin_port, 9443);
	assert_int_equal(h.sync_port, 7443);
	assert_string_equal(h.currency, "EUR");

	config_term_defaults(&td);
	assert_int_equal(
	    term_load_text(state, "[terminal]\nid = T1\n", &t, err, base, sizeof(base)), 0);
	assert_string_equal(t.terminal_id, "T1");
	assert_int_equal(t.ui_port, 8080);
	assert_int_equal(t.hub_sync_port, 7443);
	assert_int_equal(t.hub_admin_port, 8443);
}

static void test_hub_round_trip(void **state)
{
	struct hub_config c;

	config_hub_defaults(&c);
	snprintf(c.store, sizeof(c.store), "Corner Shop");
	snprintf(c.currency, sizeof(c.currency), "GBP");
	snprintf(c.hub_id, sizeof(c.hub_id), "0f3c2a9e-5b1d-4c8e-9a7f-2d6b8e1c4f30");
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1");
	c.sync_port = 17443;
	c.admin_port = 65535;
	snprintf(c.advertise, sizeof(c.advertise), "hub.shop.lan");
	hub_round_trip(state, &c);

	/* The defaults alone, with their empty texts. */
	config_hub_defaults(&c);
	hub_round_trip(state, &c);
}

static void test_term_round_trip(void **state)
{
	struct term_config c;

	config_term_defaults(&c);
	snprintf(c.terminal_id, sizeof(c.terminal_id), "7d1e4b2a-9c3f-4e8d-b5a6-1f2e3d4c5b6a");
	snprintf(c.name, sizeof(c.name), "Till 2 (by the door)");
	snprintf(c.short_code, sizeof(c.short_code), "T2");
	snprintf(c.store, sizeof(c.store), "Corner Shop");
	snprintf(c.hub_host, sizeof(c.hub_host), "fd00::1");
	c.hub_admin_port = 1;
	c.hub_sync_port = 65535;
	c.ui_port = 8081;
	term_round_trip(state, &c);

	config_term_defaults(&c);
	term_round_trip(state, &c);
}

/* Every text field at its longest: what the struct can hold, the file must carry. */
static void test_hub_round_trip_longest_values(void **state)
{
	struct hub_config c;

	config_hub_defaults(&c);
	fill(c.store, sizeof(c.store), 's');
	fill(c.hub_id, sizeof(c.hub_id), 'i');
	fill(c.listen, sizeof(c.listen), 'l');
	fill(c.advertise, sizeof(c.advertise), 'a');
	hub_round_trip(state, &c);
}

static void test_term_round_trip_longest_values(void **state)
{
	struct term_config c;

	config_term_defaults(&c);
	fill(c.terminal_id, sizeof(c.terminal_id), 'i');
	fill(c.name, sizeof(c.name), 'n');
	fill(c.short_code, sizeof(c.short_code), 'c');
	fill(c.store, sizeof(c.store), 's');
	fill(c.hub_host, sizeof(c.hub_host), 'h');
	term_round_trip(state, &c);
}

/* A store name an owner might type: config_hub_save refuses it or it reads back the same. */
static void test_hub_save_writes_what_load_reads(void **state)
{
	static const char *const names[] = {
	    "Café Olé",
	    "Bread & Co = the best",
	    "Fish ; Chips",
	    "Two\nLines",
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct hub_config in, out;
		char path[256], err[ERR_LEN] = "";
		int rc;

		config_hub_defaults(&in);
		snprintf(in.store, sizeof(in.store), "%s", names[i]);
		temp_file(state, "hub.conf", path, sizeof(path));
		if (config_hub_save(path, &in) != 0) {
			unlink(path);
			continue;
		}
		config_hub_defaults(&out);
		rc = config_hub_load(path, &out, err, sizeof(err));
		unlink(path);
		if (rc != 0) {
			print_error("store name \"%s\" was saved but the file does not load: %s\n",
				    names[i], err);
			bad++;
		} else if (strcmp(in.store, out.store) != 0) {
			print_error("store name \"%s\" was saved but reads back as \"%s\"\n",
				    names[i], out.store);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_unknown_key(void **state)
{
	struct hub_config h;
	struct term_config t;
	char err[ERR_LEN], base[128];

	assert_int_equal(hub_load_text(state,
				       "# hub\n[store]\nname = Corner Shop\n\n[hub]\n"
				       "sync_port = 7443\ncolour = blue\nadmin_port = 8443\n",
				       &h, err, base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, base);
	assert_err_has(err, "line 7");
	assert_err_has(err, "colour");
	assert_err_has(err, "[hub]");

	/* A known key in the wrong section is unknown there. */
	assert_int_equal(
	    hub_load_text(state, "[store]\nsync_port = 7443\n", &h, err, base, sizeof(base)),
	    -EINVAL);
	assert_err_has(err, base);
	assert_err_has(err, "line 2");
	assert_err_has(err, "sync_port");
	assert_err_has(err, "[store]");

	assert_int_equal(term_load_text(state,
					"[terminal]\nid = T1\n[ui]\nport = 8080\nlang = fr\n", &t,
					err, base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, base);
	assert_err_has(err, "line 5");
	assert_err_has(err, "lang");
	assert_err_has(err, "[ui]");
}

static void test_bad_port(void **state)
{
	static const char *const bad[] = {"70000", "0", "abc", "-1", "", "65536", "1.5", "0x1F"};
	struct hub_config h;
	struct term_config t;
	char text[128], needle[64], err[ERR_LEN], base[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[store]\nname = Shop\n[hub]\nsync_port = %s\n",
			 bad[i]);
		assert_int_equal(hub_load_text(state, text, &h, err, base, sizeof(base)), -EINVAL);
		snprintf(needle, sizeof(needle), "\"%s\"", bad[i]);
		assert_err_has(err, needle);
		assert_err_has(err, "expected 1-65535");
		assert_err_has(err, "sync_port");
		assert_err_has(err, "line 4");
		assert_err_has(err, base);

		snprintf(text, sizeof(text), "[ui]\nport = %s\n", bad[i]);
		assert_int_equal(term_load_text(state, text, &t, err, base, sizeof(base)), -EINVAL);
		assert_err_has(err, needle);
		assert_err_has(err, "expected 1-65535");
		assert_err_has(err, "line 2");
		assert_err_has(err, base);
	}
}

static void test_bad_currency(void **state)
{
	struct hub_config h;
	char err[ERR_LEN], base[128];

	assert_int_equal(
	    hub_load_text(state, "[store]\ncurrency = EURO\n", &h, err, base, sizeof(base)),
	    -EINVAL);
	assert_err_has(err, "currency");
	assert_err_has(err, "line 2");
	assert_err_has(err, base);

	assert_int_equal(
	    hub_load_text(state, "[store]\ncurrency = EU\n", &h, err, base, sizeof(base)), -EINVAL);
	assert_err_has(err, "currency");
	assert_err_has(err, "\"EU\"");

	assert_int_equal(
	    hub_load_text(state, "[store]\ncurrency = CHF\n", &h, err, base, sizeof(base)), 0);
	assert_string_equal(h.currency, "CHF");
}

/* The error itself says "expected three letters": digits are no ISO 4217 code. */
static void test_currency_is_letters(void **state)
{
	static const char *const bad[] = {"123", "E1R", "E R"};
	struct hub_config h;
	char text[64], err[ERR_LEN], base[128];
	int accepted = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[store]\ncurrency = %s\n", bad[i]);
		if (hub_load_text(state, text, &h, err, base, sizeof(base)) != -EINVAL) {
			print_error("currency \"%s\" was accepted\n", bad[i]);
			accepted++;
		} else {
			assert_err_has(err, "currency");
		}
	}
	assert_int_equal(accepted, 0);
}

static void test_text_too_long(void **state)
{
	struct hub_config h;
	struct term_config t;
	char text[512], value[300], err[ERR_LEN], base[128];

	fill(value, 41, 'i'); /* 40 characters: one more than hub_id holds */
	snprintf(text, sizeof(text), "[store]\nname = Shop\nhub_id = %s\n", value);
	assert_int_equal(hub_load_text(state, text, &h, err, base, sizeof(base)), -EINVAL);
	assert_err_has(err, "too long");
	assert_err_has(err, "hub_id");
	assert_err_has(err, "line 3");
	assert_err_has(err, base);

	fill(value, 40, 'i'); /* 39 fit */
	snprintf(text, sizeof(text), "[store]\nhub_id = %s\n", value);
	assert_int_equal(hub_load_text(state, text, &h, err, base, sizeof(base)), 0);
	assert_string_equal(h.hub_id, value);

	fill(value, 17, 'c');
	snprintf(text, sizeof(text), "[terminal]\nshort_code = %s\n", value);
	assert_int_equal(term_load_text(state, text, &t, err, base, sizeof(base)), -EINVAL);
	assert_err_has(err, "too long");
	assert_err_has(err, "short_code");

	fill(value, 65, 'l');
	snprintf(text, sizeof(text), "[hub]\nlisten = %s\n", value);
	assert_int_equal(hub_load_text(state, text, &h, err, base, sizeof(base)), -EINVAL);
	assert_err_has(err, "too long");
	assert_err_has(err, "listen");
}

/* A name longer than its 255-character field is "too long", not some other fault. */
static void test_long_name_too_long(void **state)
{
	struct hub_config h;
	char text[512], value[300], err[ERR_LEN], base[128];

	fill(value, 257, 's');
	snprintf(text, sizeof(text), "[store]\nname = %s\ncurrency = EUR\n", value);
	assert_int_equal(hub_load_text(state, text, &h, err, base, sizeof(base)), -EINVAL);
	assert_err_has(err, "line 2");
	assert_err_has(err, "too long");
	assert_err_has(err, "name");
}

static void test_not_key_value(void **state)
{
	struct hub_config h;
	struct term_config t;
	char err[ERR_LEN], base[128];

	assert_int_equal(hub_load_text(state,
				       "[store]\nname = Shop\n\n; comment\nthis is not a setting\n",
				       &h, err, base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, "line 5");
	assert_err_has(err, base);

	assert_int_equal(
	    hub_load_text(state, "[store]\nname = Shop\n[hub\n", &h, err, base, sizeof(base)),
	    -EINVAL);
	assert_err_has(err, "line 3");
	assert_err_has(err, base);

	assert_int_equal(term_load_text(state, "[terminal]\nid T1\n", &t, err, base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, "line 2");
	assert_err_has(err, base);
}

/*
 * The first fault is the one to report: a broken [section] header on line 1
 * makes the keys under it land in section [], but the person must hear about
 * line 1, not about "unknown key" on line 2.
 */
static void test_first_error_is_reported(void **state)
{
	struct hub_config h;
	char err[ERR_LEN], base[128];

	assert_int_equal(hub_load_text(state, "[store\nname = Shop\n", &h, err, base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, "line 1");
	assert_err_has(err, base);

	assert_int_equal(hub_load_text(state, "[hub]\nsync_port 7443\nadmin_port = 0\n", &h, err,
				       base, sizeof(base)),
			 -EINVAL);
	assert_err_has(err, "line 2");
}

static void test_missing_file(void **state)
{
	const struct fixture *f = *state;
	struct hub_config h;
	struct term_config t;
	char path[256], err[ERR_LEN] = "";

	snprintf(path, sizeof(path), "%s/no-such.conf", f->dir);
	config_hub_defaults(&h);
	assert_int_equal(config_hub_load(path, &h, err, sizeof(err)), -ENOENT);
	assert_err_has(err, "no-such.conf");
	config_term_defaults(&t);
	assert_int_equal(config_term_load(path, &t, err, sizeof(err)), -ENOENT);
}

static void test_save_into_missing_folder(void **state)
{
	const struct fixture *f = *state;
	struct hub_config h;
	struct term_config t;
	char path[256];

	snprintf(path, sizeof(path), "%s/no-such-folder/hub.conf", f->dir);
	config_hub_defaults(&h);
	assert_true(config_hub_save(path, &h) < 0);
	config_term_defaults(&t);
	assert_true(config_term_save(path, &t) < 0);
}

/* How many of `texts` config_parse_port accepts, each named on stderr; *port must stay put. */
static int ports_accepted(const char *const *texts, size_t n)
{
	int accepted = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t port = 4242;

		if (config_parse_port(texts[i], &port) != -EINVAL) {
			print_error("port \"%s\" was accepted as %u\n", texts[i], port);
			accepted++;
		} else {
			assert_int_equal(port, 4242);
		}
	}
	return accepted;
}

static void test_parse_port(void **state)
{
	/* Signs, white space, trailing junk, other bases; then out of range. */
	static const char *const form[] = {"+1", " 1", "\t1", "1 ", "1x", "", "abc", "0x10", "1e3"};
	static const char *const range[] = {"0", "-0", "-1", "65536", "99999999999999999999"};
	uint16_t port;

	assert_int_equal(config_parse_port("1", &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(config_parse_port("65535", &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(config_parse_port("7443", &port), 0);
	assert_int_equal(port, 7443);

	assert_int_equal(ports_accepted(form, sizeof(form) / sizeof(form[0])) +
			     ports_accepted(range, sizeof(range) / sizeof(range[0])),
			 0);
	assert_int_equal(config_parse_port(NULL, &port), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_load_keeps_defaults_for_missing_keys),
	    cmocka_unit_test(test_hub_round_trip),
	    cmocka_unit_test(test_term_round_trip),
	    cmocka_unit_test(test_hub_round_trip_longest_values),
	    cmocka_unit_test(test_term_round_trip_longest_values),
	    cmocka_unit_test(test_hub_save_writes_what_load_reads),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_bad_port),
	    cmocka_unit_test(test_bad_currency),
	    cmocka_unit_test(test_currency_is_letters),
	    cmocka_unit_test(test_text_too_long),
	    cmocka_unit_test(test_long_name_too_long),
	    cmocka_unit_test(test_not_key_value),
	    cmocka_unit_test(test_first_error_is_reported),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_save_into_missing_folder),
	    cmocka_unit_test(test_parse_port),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
