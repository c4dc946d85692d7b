/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for terminal/receipt.c: the exact text of a sale with line and
 * order discounts, taxes per rate, a split payment and cash rounding at 42
 * and 32 columns; a refund of another receipt; a reprint's DUPLICATE
 * banner; an order of today's protocol without the optional members; no
 * line wider than the roll at any width; and the orders that have no
 * receipt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "receipt.h"

/* 2026-11-21 14:03 UTC; the discounts, taxes and rounding of the growing document. */
static const char sale_doc[] =
    "{\"status\":\"completed\",\"receipt\":\"T01-000042\",\"receiptSeq\":42,"
    "\"createdAt\":1795269780000,\"completedAt\":1795269780000,\"lines\":["
    "{\"sku\":\"COF\",\"name\":\"Caf\xC3\xA9 cr\xC3\xA8me\",\"qty\":1000,\"unitPrice\":250,"
    "\"taxRate\":2000,\"lineTotal\":250,\"tax\":42},"
    "{\"sku\":\"CRO\",\"name\":\"Croissant\",\"qty\":2000,\"unitPrice\":180,\"taxRate\":700,"
    "\"lineTotal\":360,\"tax\":21,\"discountAmount\":36},"
    "{\"sku\":\"APL\",\"name\":\"Organic apples from the orchard down the road\",\"qty\":250,"
    "\"unitPrice\":399,\"taxRate\":700,\"lineTotal\":100,\"tax\":6,\"orderShare\":10}],"
    "\"discountTotal\":46,\"taxes\":[{\"rate\":700,\"base\":401,\"tax\":27,\"total\":428},"
    "{\"rate\":2000,\"base\":208,\"tax\":42,\"total\":250}],"
    "\"total\":678,\"taxTotal\":69,\"rounding\":2,\"payments\":["
    "{\"tender\":\"card\",\"amount\":300,\"tendered\":300,\"change\":0,\"reference\":\"AUTH-7\"},"
    "{\"tender\":\"cash\",\"amount\":380,\"tendered\":500,\"change\":120,\"reference\":null}]}";

static const char sale_42[] = "               Corner Shop\n"
			      "               Till 1 (T01)\n"
			      "Receipt                         T01-000042\n"
			      "Date                  2026-11-21 14:03 UTC\n"
			      "------------------------------------------\n"
			      "Caf\xC3\xA9 cr\xC3\xA8me                            2.50\n"
			      "Croissant\n"
			      "  2 x 1.80                            3.60\n"
			      "  Discount                           -0.36\n"
			      "Organic apples from the orchard down the\n"
			      "road\n"
			      "  0.25 x 3.99                         1.00\n"
			      "  Order discount                     -0.10\n"
			      "------------------------------------------\n"
			      "Subtotal                              7.10\n"
			      "Discounts                            -0.46\n"
			      "Tax 7% of 4.01                        0.27\n"
			      "Tax 20% of 2.08                       0.42\n"
			      "TOTAL                                 6.78\n"
			      "Card                                  3.00\n"
			      "  Ref AUTH-7\n"
			      "Cash                                  3.80\n"
			      "  Tendered                            5.00\n"
			      "  Change                              1.20\n"
			      "Rounding                             +0.02\n"
			      "\n"
			      "                Thank you!\n";

static const char sale_32_dup[] = "          Corner Shop\n"
				  "          Till 1 (T01)\n"
				  "      *** DUPLICATE 1 ***\n"
				  "Receipt               T01-000042\n"
				  "Date        2026-11-21 14:03 UTC\n"
				  "--------------------------------\n"
				  "Caf\xC3\xA9 cr\xC3\xA8me                  2.50\n"
				  "Croissant\n"
				  "  2 x 1.80                  3.60\n"
				  "  Discount                 -0.36\n"
				  "Organic apples from the orchard\n"
				  "down the road\n"
				  "  0.25 x 3.99               1.00\n"
				  "  Order discount           -0.10\n"
				  "--------------------------------\n"
				  "Subtotal                    7.10\n"
				  "Discounts                  -0.46\n"
				  "Tax 7% of 4.01              0.27\n"
				  "Tax 20% of 2.08             0.42\n"
				  "TOTAL                       6.78\n"
				  "Card                        3.00\n"
				  "  Ref AUTH-7\n"
				  "Cash                        3.80\n"
				  "  Tendered                  5.00\n"
				  "  Change                    1.20\n"
				  "Rounding                   +0.02\n"
				  "\n"
				  "           Thank you!\n";

static const char refund_doc[] =
    "{\"status\":\"completed\",\"type\":\"refund\","
    "\"refundOf\":\"0190a0c4-0000-7000-8000-000000000001\",\"refundOfReceipt\":\"T01-000041\","
    "\"receipt\":\"T01-000043\",\"receiptSeq\":43,\"createdAt\":1795269780000,"
    "\"completedAt\":1795269840000,\"lines\":[{\"sku\":\"COF\",\"name\":\"Coffee\","
    "\"qty\":2000,\"unitPrice\":250,\"taxRate\":2000,\"lineTotal\":500,\"tax\":75,"
    "\"discountAmount\":50}],\"total\":450,\"taxTotal\":75,"
    "\"payments\":[{\"tender\":\"cash\",\"amount\":450,\"tendered\":450,\"change\":0}]}";

static const char refund_32[] = "          Corner Shop\n"
				"          Till 1 (T01)\n"
				"      REFUND of T01-000041\n"
				"Receipt               T01-000043\n"
				"Date        2026-11-21 14:04 UTC\n"
				"--------------------------------\n"
				"Coffee\n"
				"  2 x 2.50                 -5.00\n"
				"  Discount                  0.50\n"
				"--------------------------------\n"
				"Subtotal                   -5.00\n"
				"Discounts                   0.50\n"
				"Tax 20% of 3.75            -0.75\n"
				"REFUND                     -4.50\n"
				"Cash                       -4.50\n"
				"\n"
				"           Thank you!\n";

/* Today's order document: none of the optional members. */
static const char plain_doc[] =
    "{\"status\":\"completed\",\"receipt\":\"T02-000007\",\"receiptSeq\":7,"
    "\"createdAt\":1700000000000,\"completedAt\":1700000060000,\"lines\":["
    "{\"sku\":\"WAT\",\"name\":\"Water\",\"qty\":500,\"unitPrice\":100,\"taxRate\":0,"
    "\"lineTotal\":50,\"tax\":0},"
    "{\"sku\":\"COF\",\"name\":\"Coffee\",\"qty\":3000,\"unitPrice\":250,\"taxRate\":2000,"
    "\"lineTotal\":750,\"tax\":125},"
    "{\"sku\":\"CRO\",\"name\":\"Croissant\",\"qty\":1000,\"unitPrice\":180,\"taxRate\":700,"
    "\"lineTotal\":180,\"tax\":12}],\"total\":980,\"taxTotal\":137,"
    "\"payments\":[{\"tender\":\"card\",\"amount\":980,\"tendered\":980,\"change\":0,"
    "\"reference\":\"A1\"}]}";

static const char plain_32[] = "              T02\n"
			       "Receipt               T02-000007\n"
			       "Date        2023-11-14 22:14 UTC\n"
			       "--------------------------------\n"
			       "Water\n"
			       "  0.5 x 1.00                0.50\n"
			       "Coffee\n"
			       "  3 x 2.50                  7.50\n"
			       "Croissant                   1.80\n"
			       "--------------------------------\n"
			       "Subtotal                    9.80\n"
			       "Tax 0% of 0.50              0.00\n"
			       "Tax 7% of 1.68              0.12\n"
			       "Tax 20% of 6.25             1.25\n"
			       "TOTAL                       9.80\n"
			       "Card                        9.80\n"
			       "  Ref A1\n"
			       "\n"
			       "          See you soon\n";

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *doc = json_loads(text, 0, &err);

	if (!doc)
		fail_msg("test document: %s", err.text);
	return doc;
}

static char *render_text(const char *doc_text, const struct receipt_head *head)
{
	json_t *doc = load(doc_text);
	struct receipt *r = NULL;
	char why[256], *text;

	if (receipt_render(doc, head, &r, why, sizeof(why)) != 0)
		fail_msg("receipt_render: %s", why);
	text = receipt_text(r);
	assert_non_null(text);
	receipt_free(r);
	json_decref(doc);
	return text;
}

static void test_sale_42(void **state)
{
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 0, 0};
	char *text = render_text(sale_doc, &head);

	(void)state;
	assert_string_equal(text, sale_42);
	free(text);
}

static void test_sale_32_duplicate(void **state)
{
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 32, 1};
	char *text = render_text(sale_doc, &head);

	(void)state;
	assert_string_equal(text, sale_32_dup);
	free(text);
}

static void test_refund_32(void **state)
{
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 32, 0};
	char *text = render_text(refund_doc, &head);

	(void)state;
	assert_string_equal(text, refund_32);
	free(text);
}

static void test_plain_order_taxes_from_lines(void **state)
{
	struct receipt_head head = {NULL, NULL, "T02", "See you soon", 32, 0};
	char *text = render_text(plain_doc, &head);

	(void)state;
	assert_string_equal(text, plain_32);
	free(text);
}

/* The big lines (store, total) at half the width, and the QR code's text. */
static void test_big_lines_and_verify(void **state)
{
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 32, 0};
	json_t *doc = load(sale_doc);
	struct receipt *r = NULL;
	char why[128], buf[RECEIPT_VERIFY_MAX];
	int big = 0;

	(void)state;
	assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), 0);
	assert_string_equal(r->verify, "TILLNET1|T01-000042|678|1795269780000");
	assert_int_equal(r->total, 678);
	for (size_t i = 0; i < r->nlines; i++) {
		if (r->lines[i].style != RECEIPT_BIG)
			continue;
		big++;
		assert_true(strlen(r->lines[i].big) <= 16);
	}
	assert_int_equal(big, 2);
	assert_string_equal(r->lines[0].big, "  Corner Shop");
	receipt_free(r);
	assert_int_equal(receipt_verify_text(doc, buf, 20), -ENAMETOOLONG);
	json_object_del(doc, "completedAt");
	assert_int_equal(receipt_verify_text(doc, buf, sizeof(buf)), -EINVAL);
	json_decref(doc);
}

/* No line is wider than the roll, whatever the width; a long store name is bold, not big. */
static void test_every_width_fits(void **state)
{
	struct receipt_head head = {
	    "The Corner Shop of Upper Market Street", "Till 1", "T01", NULL, 0, 12};
	json_t *doc = load(sale_doc);

	(void)state;
	json_object_set_new(doc, "receipt", json_string("STORE-T01-000000000000000000000000042"));
	for (int w = RECEIPT_WIDTH_MIN; w <= RECEIPT_WIDTH_MAX; w++) {
		struct receipt *r = NULL;
		char why[128];

		head.width = w;
		assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), 0);
		for (size_t i = 0; i < r->nlines; i++) {
			size_t cols = 0;

			for (const char *p = r->lines[i].text; *p; p++)
				cols += ((unsigned char)*p & 0xC0) != 0x80;
			assert_true(cols <= (size_t)w);
			if (r->lines[i].big)
				assert_true(strlen(r->lines[i].big) <= (size_t)w / 2);
		}
		assert_int_not_equal(r->lines[0].style, RECEIPT_BIG);
		receipt_free(r);
	}
	json_decref(doc);
}

/* A name cannot put a printer command or a line break on the receipt. */
static void test_control_characters(void **state)
{
	struct receipt_head head = {"Shop\n\x1B@", NULL, NULL, NULL, 24, 0};
	json_t *doc = load(plain_doc);
	char *text;
	struct receipt *r = NULL;
	char why[128];

	(void)state;
	json_object_set_new(json_array_get(json_object_get(doc, "lines"), 2), "name",
			    json_string("Cro\x1B"
					"d\tx"));
	assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), 0);
	text = receipt_text(r);
	assert_non_null(strstr(text, "        Shop??@\n"));
	assert_non_null(strstr(text, "\nCro?d?x             1.80\n"));
	assert_null(strchr(text, 0x1B));
	free(text);
	receipt_free(r);
	json_decref(doc);
}

static void test_no_receipt(void **state)
{
	struct receipt_head head = {"Corner Shop", "Till 1", "T01", NULL, 42, 0};
	json_t *doc = load(plain_doc);
	struct receipt *r = NULL;
	char why[128];

	(void)state;
	json_object_set_new(doc, "status", json_string("parked"));
	assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), -EINVAL);
	assert_null(r);
	assert_string_equal(why, "the order is parked: only a completed sale has a receipt");
	json_object_set_new(doc, "status", json_string("completed"));
	json_object_set_new(json_array_get(json_object_get(doc, "lines"), 1), "qty",
			    json_real(1.5));
	assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "lines[1].qty is missing or not an integer");
	json_object_set_new(json_array_get(json_object_get(doc, "lines"), 1), "qty",
			    json_integer(1000));
	head.width = 65;
	assert_int_equal(receipt_render(doc, &head, &r, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a receipt is 24 to 64 columns wide, not 65");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sale_42),
	    cmocka_unit_test(test_sale_32_duplicate),
	    cmocka_unit_test(test_refund_32),
	    cmocka_unit_test(test_plain_order_taxes_from_lines),
	    cmocka_unit_test(test_big_lines_and_verify),
	    cmocka_unit_test(test_every_width_fits),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_no_receipt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
