/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hub/catalog.c: the catalog CSV read into items with the
 * units the wire uses, and every kind of bad file refused with the line and
 * the message a person is shown (docs/catalog.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define HEADER "sku,name,barcode,price,tax_rate\n"

/* Parse `text`, which must hold no error; the caller frees. */
static struct catalog *parse_ok(const char *text)
{
	struct catalog *cat = NULL;

	assert_int_equal(catalog_parse(text, strlen(text), &cat), 0);
	assert_non_null(cat);
	if (cat->n_errors)
		fail_msg("unexpected error at line %ld: %s", cat->errors[0].line,
			 cat->errors[0].text);
	return cat;
}

/* Parse `text`, which must hold `n` errors; the caller frees. */
static struct catalog *parse_errors(const char *text, size_t n)
{
	struct catalog *cat = NULL;

	assert_int_equal(catalog_parse(text, strlen(text), &cat), 0);
	assert_non_null(cat);
	if (cat->n_errors != n) {
		for (size_t i = 0; i < cat->n_errors && i < CATALOG_ERRORS_KEPT; i++)
			print_message("line %ld: %s\n", cat->errors[i].line, cat->errors[i].text);
		fail_msg("%zu errors, expected %zu", cat->n_errors, n);
	}
	return cat;
}

/* One data row whose single error is at `line` and reads exactly `want`. */
static void row_fails(const char *row, long line, const char *want)
{
	char text[512];
	struct catalog *cat;

	snprintf(text, sizeof(text), HEADER "%s\n", row);
	cat = parse_errors(text, 1);
	assert_int_equal(cat->errors[0].line, line);
	assert_string_equal(cat->errors[0].text, want);
	assert_int_equal(cat->n_items, 0);
	catalog_free(cat);
}

static void test_good_file(void **state)
{
	struct catalog *cat = parse_ok(HEADER "A1,Coffee,4006381333931,250,20\n"
					      "B2,Croissant,,180,7.5\n"
					      "C3,Water,w42,0,0\n"
					      "D4,Gift card,,9007199254740992,100\n"
					      "E5,Tea,,1,7.55\n");

	assert_int_equal(cat->n_items, 5);
	assert_string_equal(cat->items[0].sku, "A1");
	assert_string_equal(cat->items[0].name, "Coffee");
	assert_string_equal(cat->items[0].barcode, "4006381333931");
	assert_int_equal(cat->items[0].price, 250);
	assert_int_equal(cat->items[0].tax_rate, 2000);
	assert_int_equal(cat->items[0].line, 2);
	assert_string_equal(cat->items[1].barcode, "");
	assert_int_equal(cat->items[1].tax_rate, 750);
	assert_int_equal(cat->items[2].price, 0);
	assert_int_equal(cat->items[2].tax_rate, 0);
	assert_int_equal(cat->items[3].price, CATALOG_PRICE_MAX);
	assert_int_equal(cat->items[3].tax_rate, 10000);
	assert_int_equal(cat->items[4].tax_rate, 755);
	assert_int_equal(cat->items[4].line, 6);
	catalog_free(cat);
}

static void test_columns_any_order_any_case(void **state)
{
	struct catalog *cat = parse_ok("Tax_Rate,PRICE,Name,barcode,SKU\r\n"
				       "20.00,1250,Sandwich,,S-1\r\n");

	assert_int_equal(cat->n_items, 1);
	assert_string_equal(cat->items[0].sku, "S-1");
	assert_string_equal(cat->items[0].name, "Sandwich");
	assert_int_equal(cat->items[0].price, 1250);
	assert_int_equal(cat->items[0].tax_rate, 2000);
	catalog_free(cat);
}

static void test_missing_column(void **state)
{
	struct catalog *cat = parse_errors("sku,name,barcode,tax_rate\nA1,Coffee,,20\n", 1);

	assert_int_equal(cat->errors[0].line, 1);
	assert_non_null(strstr(cat->errors[0].text, "missing column \"price\""));
	assert_int_equal(cat->n_items, 0);
	catalog_free(cat);
}

static void test_unknown_column(void **state)
{
	struct catalog *cat = parse_errors(
	    "sku,name,barcode,price,tax_rate,colour,Size\nA1,Coffee,,250,20,red,L\n", 2);

	assert_int_equal(cat->errors[0].line, 1);
	assert_non_null(strstr(cat->errors[0].text, "unknown column \"colour\""));
	assert_non_null(strstr(cat->errors[1].text, "unknown column \"Size\""));
	catalog_free(cat);
}

static void test_column_twice(void **state)
{
	struct catalog *cat = parse_errors("sku,name,barcode,price,tax_rate,PRICE\n", 1);

	assert_string_equal(cat->errors[0].text, "column \"price\" appears twice in the header");
	catalog_free(cat);
}

static void test_empty_file(void **state)
{
	const char *texts[] = {"", "\n\n", "\xEF\xBB\xBF", "  \r\n"};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct catalog *cat = parse_errors(texts[i], 1);

		assert_int_equal(cat->errors[0].line, 0);
		assert_non_null(strstr(cat->errors[0].text, "the file is empty"));
		catalog_free(cat);
	}
}

static void test_header_only_is_an_empty_catalog(void **state)
{
	struct catalog *cat = parse_ok(HEADER);

	assert_int_equal(cat->n_items, 0);
	catalog_free(cat);
}

static void test_bad_prices(void **state)
{
	row_fails("A1,Coffee,,12.50,20", 2,
		  "price \"12.50\" is not a number in minor units (expected e.g. 1250)");
	row_fails("A1,Coffee,,\"12,50\",20", 2,
		  "price \"12,50\" is not a number in minor units (expected e.g. 1250)");
	row_fails("A1,Coffee,,-1,20", 2, "price \"-1\" is below zero");
	row_fails("A1,Coffee,,,20", 2,
		  "price is empty (expected a number in minor units, e.g. 1250 for 12.50)");
	row_fails("A1,Coffee,,1e3,20", 2,
		  "price \"1e3\" is not a number in minor units (expected e.g. 1250)");
	row_fails("A1,Coffee,,+5,20", 2,
		  "price \"+5\" is not a number in minor units (expected e.g. 1250)");
	row_fails("A1,Coffee,,\"1 000\",20", 2,
		  "price \"1 000\" is not a number in minor units (expected e.g. 1250)");
	row_fails("A1,Coffee,,9007199254740993,20", 2,
		  "price \"9007199254740993\" is too large (at most 9007199254740992)");
	row_fails("A1,Coffee,,99999999999999999999999999,20", 2,
		  "price \"99999999999999999999999999\" is too large (at most "
		  "9007199254740992)");
}

static void test_bad_tax_rates(void **state)
{
	row_fails("A1,Coffee,,250,101", 2, "tax_rate \"101\" is above 100 (it is a percent)");
	row_fails("A1,Coffee,,250,100.01", 2, "tax_rate \"100.01\" is above 100 (it is a percent)");
	row_fails("A1,Coffee,,250,7.555", 2,
		  "tax_rate \"7.555\" has more than 2 decimals (expected e.g. 20 or 7.55)");
	row_fails("A1,Coffee,,250,abc", 2,
		  "tax_rate \"abc\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,", 2, "tax_rate is empty (expected a percent such as 20 or 7.5)");
	row_fails("A1,Coffee,,250,20%", 2,
		  "tax_rate \"20%\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,7.", 2,
		  "tax_rate \"7.\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,.5", 2,
		  "tax_rate \".5\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,\"7,5\"", 2,
		  "tax_rate \"7,5\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,-5", 2,
		  "tax_rate \"-5\" is not a percent (expected e.g. 20 or 7.5)");
	row_fails("A1,Coffee,,250,99999999999", 2,
		  "tax_rate \"99999999999\" is above 100 (it is a percent)");
}

static void test_bad_sku_name_barcode(void **state)
{
	char long_sku[80], long_name[200], row[400];

	row_fails(",Coffee,,250,20", 2, "sku is empty (every item needs one)");
	row_fails("\"A 1\",Coffee,,250,20", 2,
		  "sku \"A 1\" may only hold printable ASCII characters, no spaces");
	memset(long_sku, 'x', 65);
	long_sku[65] = '\0';
	snprintf(row, sizeof(row), "%s,Coffee,,250,20", long_sku);
	row_fails(row, 2,
		  "sku \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" is longer than 64 bytes");
	row_fails("A1,,,250,20", 2, "name is empty (every item needs one)");
	row_fails("A1,\"Coffee\nlarge\",,250,20", 2,
		  "name \"Coffee\\x0Alarge\" holds a control character (a line break or a tab?)");
	row_fails("A1,Caf\xE9,,250,20", 2,
		  "name \"Caf\xE9\" is not valid UTF-8 (save the file as UTF-8)");
	memset(long_name, 'n', 129);
	long_name[129] = '\0';
	snprintf(row, sizeof(row), "A1,%s,,250,20", long_name);
	row_fails(row, 2,
		  "name \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" is longer than 128 bytes");
	row_fails("A1,Coffee,123-456,250,20", 2,
		  "barcode \"123-456\" may only hold digits and letters (or be empty)");
}

static void test_utf8_names_up_to_128_bytes(void **state)
{
	char text[512], name[129];
	struct catalog *cat;

	/* 64 two-byte characters: 128 bytes, the most a name may hold. */
	for (int i = 0; i < 64; i++)
		memcpy(name + 2 * i, "\xC3\xA9", 2);
	name[128] = '\0';
	snprintf(text, sizeof(text), HEADER "A1,%s,,250,20\nB2,Caf\xC3\xA9 cr\xC3\xA8me,,1,0\n",
		 name);
	cat = parse_ok(text);
	assert_string_equal(cat->items[0].name, name);
	assert_string_equal(cat->items[1].name, "Caf\xC3\xA9 cr\xC3\xA8me");
	catalog_free(cat);
}

static void test_duplicate_sku_names_both_lines(void **state)
{
	struct catalog *cat = parse_errors(HEADER "A1,Coffee,,250,20\n"
						  "B2,Tea,,200,20\n"
						  "\n"
						  "A1,Coffee large,,300,20\n",
					   1);

	assert_int_equal(cat->errors[0].line, 5);
	assert_string_equal(cat->errors[0].text,
			    "sku \"A1\" appears twice: on line 2 and on line 5");
	catalog_free(cat);
}

static void test_quoted_fields(void **state)
{
	struct catalog *cat = parse_ok(HEADER "\"A1\",\"Coffee, large\",\"\",\"250\",\"20\"\n"
					      "B2,\"The \"\"Special\"\"\",,300,20\n"
					      "C3,  spaced  ,,1,0\n");

	assert_int_equal(cat->n_items, 3);
	assert_string_equal(cat->items[0].name, "Coffee, large");
	assert_string_equal(cat->items[1].name, "The \"Special\"");
	assert_string_equal(cat->items[2].name, "spaced");
	catalog_free(cat);
}

static void test_crlf_and_empty_lines(void **state)
{
	struct catalog *cat = parse_ok("\r\n" HEADER "\r\n"
				       "A1,Coffee,,250,20\r\n"
				       "\r\n"
				       "   \r\n"
				       ",,,,\r\n"
				       "B2,Tea,,200,20");

	assert_int_equal(cat->n_items, 2);
	assert_int_equal(cat->items[0].line, 4);
	assert_int_equal(cat->items[1].line, 8);
	assert_int_equal(cat->items[1].price, 200);
	catalog_free(cat);
}

static void test_line_numbers_count_quoted_line_breaks(void **state)
{
	/* The record on line 2 spans two lines; the bad one after it is line 4. */
	struct catalog *cat = parse_errors(HEADER "A1,\"two\nlines\",,250,20\n"
						  "B2,Tea,,2.00,20\r\n",
					   2);

	assert_int_equal(cat->errors[0].line, 2);
	assert_non_null(strstr(cat->errors[0].text, "control character"));
	assert_int_equal(cat->errors[1].line, 4);
	assert_non_null(strstr(cat->errors[1].text, "price \"2.00\""));
	catalog_free(cat);
}

static void test_bom(void **state)
{
	struct catalog *cat = parse_ok("\xEF\xBB\xBF" HEADER "A1,Coffee,,250,20\n");

	assert_int_equal(cat->n_items, 1);
	assert_string_equal(cat->items[0].sku, "A1");
	catalog_free(cat);
}

static void test_wrong_number_of_values(void **state)
{
	row_fails("A1,Coffee, large,,250,20", 2,
		  "6 values, but the header names 5 columns (a value with a comma needs "
		  "\"quotes\")");
	row_fails("A1,Coffee,250,20", 2,
		  "4 values, but the header names 5 columns (a value with a comma needs "
		  "\"quotes\")");
}

static void test_bad_quoting(void **state)
{
	struct catalog *cat = parse_errors(HEADER "A1,Coffee,,250,20\nB2,Te\"a,,1,2\n", 1);

	assert_int_equal(cat->errors[0].line, 3);
	assert_non_null(strstr(cat->errors[0].text, "bad quoting"));
	catalog_free(cat);
	cat = parse_errors(HEADER "A1,\"Coffee,,250,20\nB2,Tea,,1,2\n", 1);
	assert_int_equal(cat->errors[0].line, 2);
	assert_non_null(strstr(cat->errors[0].text, "never ends"));
	catalog_free(cat);
}

static void test_every_error_found_and_counted(void **state)
{
	/* 60 bad rows, two errors each: all 120 are counted, the first 50 kept. */
	size_t cap = 8192, used;
	char *text = malloc(cap);
	struct catalog *cat;

	assert_non_null(text);
	used = (size_t)snprintf(text, cap, HEADER);
	for (int i = 0; i < 60; i++)
		used += (size_t)snprintf(text + used, cap - used, "S%d,Item,,1.5,x\n", i);
	cat = parse_errors(text, 120);
	assert_int_equal(cat->errors[0].line, 2);
	assert_non_null(strstr(cat->errors[0].text, "price \"1.5\""));
	assert_non_null(strstr(cat->errors[1].text, "tax_rate \"x\""));
	assert_int_equal(cat->errors[49].line, 26);
	assert_int_equal(cat->n_items, 0);
	catalog_free(cat);
	free(text);
}

static void test_too_many_items(void **state)
{
	size_t cap = (CATALOG_ITEMS_MAX + 10) * 24, used;
	char *text = malloc(cap);
	struct catalog *cat;

	assert_non_null(text);
	used = (size_t)snprintf(text, cap, HEADER);
	for (int i = 0; i < CATALOG_ITEMS_MAX; i++)
		used += (size_t)snprintf(text + used, cap - used, "S%d,Item,,1,20\n", i);
	cat = parse_ok(text);
	assert_int_equal(cat->n_items, CATALOG_ITEMS_MAX);
	catalog_free(cat);
	used += (size_t)snprintf(text + used, cap - used, "one-more,Item,,1,20\n");
	cat = parse_errors(text, 1);
	assert_int_equal(cat->errors[0].line, CATALOG_ITEMS_MAX + 2);
	assert_string_equal(cat->errors[0].text, "more than 100000 items: split the file");
	catalog_free(cat);
	free(text);
}

static void test_file_too_large(void **state)
{
	struct catalog *cat = NULL;

	assert_int_equal(catalog_parse("", CATALOG_FILE_MAX + 1, &cat), -EFBIG);
	assert_null(cat);
}

static void test_nul_byte_is_refused(void **state)
{
	static const char text[] = HEADER "A1,Cof\0fee,,250,20\n";
	struct catalog *cat = NULL;

	assert_int_equal(catalog_parse(text, sizeof(text) - 1, &cat), 0);
	assert_int_equal(cat->n_errors, 1);
	assert_string_equal(cat->errors[0].text, "name \"Cof\\x00fee\" holds a control character "
						 "(a line break or a tab?)");
	catalog_free(cat);
}

static void test_format(void **state)
{
	char out[32];

	catalog_format_price(1250, out, sizeof(out));
	assert_string_equal(out, "12.50");
	catalog_format_price(5, out, sizeof(out));
	assert_string_equal(out, "0.05");
	catalog_format_price(CATALOG_PRICE_MAX, out, sizeof(out));
	assert_string_equal(out, "90071992547409.92");
	catalog_format_tax_rate(2000, out, sizeof(out));
	assert_string_equal(out, "20%");
	catalog_format_tax_rate(750, out, sizeof(out));
	assert_string_equal(out, "7.5%");
	catalog_format_tax_rate(755, out, sizeof(out));
	assert_string_equal(out, "7.55%");
	catalog_format_tax_rate(5, out, sizeof(out));
	assert_string_equal(out, "0.05%");
	catalog_format_tax_rate(0, out, sizeof(out));
	assert_string_equal(out, "0%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_file),
	    cmocka_unit_test(test_columns_any_order_any_case),
	    cmocka_unit_test(test_missing_column),
	    cmocka_unit_test(test_unknown_column),
	    cmocka_unit_test(test_column_twice),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_header_only_is_an_empty_catalog),
	    cmocka_unit_test(test_bad_prices),
	    cmocka_unit_test(test_bad_tax_rates),
	    cmocka_unit_test(test_bad_sku_name_barcode),
	    cmocka_unit_test(test_utf8_names_up_to_128_bytes),
	    cmocka_unit_test(test_duplicate_sku_names_both_lines),
	    cmocka_unit_test(test_quoted_fields),
	    cmocka_unit_test(test_crlf_and_empty_lines),
	    cmocka_unit_test(test_line_numbers_count_quoted_line_breaks),
	    cmocka_unit_test(test_bom),
	    cmocka_unit_test(test_wrong_number_of_values),
	    cmocka_unit_test(test_bad_quoting),
	    cmocka_unit_test(test_every_error_found_and_counted),
	    cmocka_unit_test(test_too_many_items),
	    cmocka_unit_test(test_file_too_large),
	    cmocka_unit_test(test_nul_byte_is_refused),
	    cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
