/*
 * test_lorawan_join.c - the Join Server's join path (lorawan/join.h)
 * beyond the published vectors (those are in test_lorawan_vectors.c):
 * which root key each MAC version and OptNeg choice uses, and refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/join.h"
#include "util/bytes.h"

static const char *req_hex = "00010203040506070808070605040302010201cde6acb8";
static const uint8_t k7[16] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t other[16] = {
    9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static size_t
request(uint8_t req[23])
{
	const char *why;
	size_t n;

	assert_int_equal(bytes_from_hex(req_hex, req, 23, &n, &why), 0);
	return n;
}

/* A 1.1 device behind a 1.0 NS (OptNeg 0): NwkKey is the only root. */
static void
test_v11_without_optneg_uses_nwkkey(void **state)
{
	struct lw_crypto *c = lw_crypto_new();
	const struct lw_join_device d = {true, other, k7};
	const struct lw_join_answer_in in = {
	    65536, 0x010203, 0x01020304, 0x15, 1, NULL};
	uint8_t req[23], nwk[16], app[16], plain[16];
	struct lw_join_request jr;
	struct lw_join_answer a;
	struct lw_join_accept ja;

	(void)state;
	assert_int_equal(
	    lw_join_request_check(c, &d, req, request(req), &jr), LW_OK);
	assert_int_equal(lw_join_answer_make(c, &d, &jr, &in, &a), LW_OK);
	assert_false(a.opt_neg);
	assert_int_equal(
	    lw_derive_keys_10(c, k7, 65536, 0x010203, jr.dev_nonce, nwk, app),
	    LW_OK);
	assert_memory_equal(a.fnwksint, nwk, 16);
	assert_memory_equal(a.snwksint, nwk, 16);
	assert_memory_equal(a.nwksenc, nwk, 16);
	assert_memory_equal(a.appskey, app, 16);
	/* The device decrypts with NwkKey and finds our fields. */
	assert_int_equal(a.phy_len, 17);
	assert_int_equal(
	    lw_join_accept_decrypt(c, k7, a.phy + 1, 16, plain), LW_OK);
	assert_int_equal(lw_join_accept_decode(plain, 12, &ja, NULL), LW_OK);
	assert_int_equal(ja.join_nonce, 65536);
	assert_int_equal(ja.dev_addr, 0x01020304);
	lw_crypto_free(c);
}

static void
test_refusals(void **state)
{
	struct lw_crypto *c = lw_crypto_new();
	const struct lw_join_device d10 = {false, k7, NULL};
	const struct lw_join_device wrong = {false, other, NULL};
	struct lw_join_answer_in in = {65536, 0x010203, 1, 0x95, 1, NULL};
	uint8_t req[23];
	struct lw_join_request jr;
	struct lw_join_answer a;

	(void)state;
	request(req);
	assert_int_equal(
	    lw_join_request_check(c, &wrong, req, 23, &jr), LW_ERR_MIC);
	assert_int_equal(lw_join_request_check(c, &d10, req, 23, &jr), LW_OK);
	/* OptNeg for a 1.0 device: refused, not silently downgraded. */
	assert_int_equal(
	    lw_join_answer_make(c, &d10, &jr, &in, &a), LW_ERR_FIELD);
	in.dl_settings = 0x15;
	in.join_nonce = 0x1000000;
	assert_int_equal(
	    lw_join_answer_make(c, &d10, &jr, &in, &a), LW_ERR_FIELD);
	/* A data frame is not a join-request. */
	req[0] = 0x40;
	assert_int_not_equal(
	    lw_join_request_check(c, &d10, req, 23, &jr), LW_OK);
	lw_crypto_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v11_without_optneg_uses_nwkkey),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
