/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/passwd.c: argon2id at the real parameters (a few
 * hashes, about 25 ms each), the PHC form, a wrong password refused, salts
 * differ, a foreign hash refused; generated one-time passwords; the rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "passwd.h"

#define PHC_PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

static void test_hash_and_verify(void **state)
{
	const char *pw = "correct horse battery";
	char a[PASSWD_PHC_MAX], b[PASSWD_PHC_MAX];

	assert_int_equal(passwd_hash(pw, strlen(pw), a), 0);
	assert_memory_equal(a, PHC_PREFIX, strlen(PHC_PREFIX));
	assert_int_equal(passwd_verify(a, pw, strlen(pw)), 0);
	assert_int_equal(passwd_verify(a, "correct horse batterY", strlen(pw)), -EACCES);
	assert_int_equal(passwd_verify(a, pw, strlen(pw) - 1), -EACCES);
	assert_int_equal(passwd_verify(a, "", 0), -EACCES);
	/* A fresh salt each time: the same password, two different strings. */
	assert_int_equal(passwd_hash(pw, strlen(pw), b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(passwd_verify(b, pw, strlen(pw)), 0);
}

static void test_foreign_and_broken_hashes(void **state)
{
	/* argon2i of the same kind of parameters: not ours, refused. */
	assert_int_equal(
	    passwd_verify("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "x", 1), -EINVAL);
	assert_int_equal(passwd_verify("", "x", 1), -EINVAL);
	assert_int_equal(passwd_verify(PHC_PREFIX "!!!$!!!", "x", 1), -EINVAL);
}

static void test_generated(void **state)
{
	char a[PASSWD_GENERATED_LEN + 1], b[PASSWD_GENERATED_LEN + 1];

	assert_int_equal(passwd_generate(a), 0);
	assert_int_equal(passwd_generate(b), 0);
	assert_int_equal(strlen(a), PASSWD_GENERATED_LEN);
	assert_string_not_equal(a, b);
	for (size_t i = 0; i < PASSWD_GENERATED_LEN; i++) {
		if (i % 6 == 5) {
			assert_int_equal(a[i], '-');
			continue;
		}
		if (!strchr("23456789abcdefghjkmnpqrstuvwxyz", a[i]))
			fail_msg("\"%s\": character %zu is not in the alphabet", a, i);
	}
	assert_int_equal(passwd_acceptable(a, strlen(a)), 0);
}

static void test_rule(void **state)
{
	assert_int_equal(passwd_acceptable("12345678901", 11), -EINVAL);
	assert_int_equal(passwd_acceptable("123456789012", 12), 0);
	/* 12 bytes but 6 characters (each "é" is two bytes): too short. */
	assert_int_equal(passwd_acceptable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 12),
			 -EINVAL);
	assert_int_equal(passwd_acceptable("1234567890\0"
					   "12",
					   13),
			 -EINVAL);
	static char big[PASSWD_MAX_LEN + 2];

	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(passwd_acceptable(big, PASSWD_MAX_LEN), 0);
	assert_int_equal(passwd_acceptable(big, PASSWD_MAX_LEN + 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_and_verify),
	    cmocka_unit_test(test_foreign_and_broken_hashes),
	    cmocka_unit_test(test_generated),
	    cmocka_unit_test(test_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
