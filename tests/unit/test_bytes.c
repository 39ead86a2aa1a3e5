/*
 * test_bytes.c - hex and base64 input: both cases, "0x", exact lengths,
 * reasons for every refusal, round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/bytes.h"

static void
test_hex(void **state)
{
	uint8_t b[8];
	const char *why = NULL;
	size_t n;

	(void)state;
	assert_int_equal(bytes_from_hex("0x0aFf", b, sizeof(b), &n, &why), 0);
	assert_int_equal(n, 2);
	assert_int_equal(b[0], 0x0a);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(bytes_from_hex("abc", b, sizeof(b), &n, &why), -1);
	assert_string_equal(why, "odd number of hex digits");
	assert_int_equal(bytes_from_hex("zz", b, sizeof(b), &n, &why), -1);
	assert_string_equal(why, "not a hex digit");
	assert_int_equal(bytes_from_hex("", b, sizeof(b), &n, &why), -1);
	assert_string_equal(why, "empty");
	assert_int_equal(
	    bytes_from_hex("000102030405060708", b, sizeof(b), &n, &why), -1);
	assert_string_equal(why, "too long");
	assert_int_equal(bytes_from_hex_exact("0102", b, 3, &why), -1);
	assert_string_equal(why, "too short");
	assert_int_equal(bytes_from_hex_exact("0X010203", b, 3, &why), 0);
	assert_int_equal(b[2], 3);
}

static void
test_base64(void **state)
{
	static const char *const good[][2] = {
	    {"AAQDAgEEAwIBBQQDAgUEAwItEGqZDhI=",
		"00040302010403020105040302050403022d106a990e12"},
	    {"Zg==", "66"},
	    {"Zm8=", "666f"},
	    {"Zm9v", "666f6f"},
	};
	uint8_t b[64];
	char hex[130], b64[100];
	const char *why, *form;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
		    bytes_from_text(good[i][0], b, sizeof(b), &n, &form, &why),
		    0);
		assert_string_equal(form, "base64");
		assert_string_equal(bytes_to_hex(b, n, hex), good[i][1]);
		assert_string_equal(bytes_to_base64(b, n, b64), good[i][0]);
	}
	assert_int_equal(bytes_from_base64("Zg=", b, sizeof(b), &n, &why), -1);
	assert_string_equal(why, "base64 length not a multiple of 4");
	assert_int_equal(bytes_from_base64("Z===", b, sizeof(b), &n, &why), -1);
	assert_int_equal(bytes_from_base64("Zg=A", b, sizeof(b), &n, &why), -1);
	assert_int_equal(bytes_from_base64("Zm9v", b, 2, &n, &why), -1);
	assert_string_equal(why, "too long");
	/* Hex wins when a string is both. */
	assert_int_equal(
	    bytes_from_text("0001", b, sizeof(b), &n, &form, &why), 0);
	assert_string_equal(form, "hex");
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
