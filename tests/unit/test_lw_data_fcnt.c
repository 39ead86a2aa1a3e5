/*
 * test_lw_data_fcnt.c - the data-frame layer (lorawan/data.h) beyond the
 * published vectors (those are in test_lw_data.c): the frame-counter
 * rules (replay, 1.0.x gap, 16- and 32-bit rollover), which key each
 * payload uses, 1.1 ConfFCnt and the two downlink counters, and refusals.
 * Frames are built with the device-side builder and checked by the NS
 * side, and the other way round.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/data.h"

#define DEVADDR 0x26011bdau

static struct lw_crypto *c;

/* keys - distinct keys, so that using the wrong one shows */
static struct lw_dev_skeys
keys(bool v11)
{
	struct lw_dev_skeys k;

	memset(&k, 0, sizeof(k));
	k.nwk.v11 = v11;
	memset(k.nwk.fnwksint, 0x11, 16);
	memset(k.nwk.snwksint, v11 ? 0x22 : 0x11, 16);
	memset(k.nwk.nwksenc, v11 ? 0x33 : 0x11, 16);
	memset(k.appskey, 0x44, 16);
	return k;
}

/* out - an uplink with FPort 1 and a 3-byte payload */
static struct lw_data_out
out(uint32_t fcnt)
{
	static const uint8_t frm[3] = {'a', 'b', 'c'};
	struct lw_data_out d;

	memset(&d, 0, sizeof(d));
	d.dev_addr = DEVADDR;
	d.fcnt = fcnt;
	d.has_fport = true;
	d.fport = 1;
	d.frm = frm;
	d.frm_len = 3;
	d.tx_dr = 5;
	d.tx_ch = 2;
	return d;
}

/* up - build an uplink; phy must hold LW_PHY_MAX bytes */
static size_t
up(const struct lw_dev_skeys *k, const struct lw_data_out *d, uint8_t *phy)
{
	size_t n = 0;

	assert_int_equal(lw_uplink_build(c, k, d, phy, LW_PHY_MAX, &n), LW_OK);
	return n;
}

/* ns - the NS check of phy with (has_last, last); TxDr 5, TxCh 2 */
static int
ns(const struct lw_dev_skeys *k, const uint8_t *phy, size_t len, bool has_last,
    uint32_t last, uint32_t *fcnt)
{
	struct lw_uplink_in in;
	struct lw_frame f;

	assert_int_equal(lw_phy_decode(phy, len, &f, NULL), LW_OK);
	memset(&in, 0, sizeof(in));
	in.phy = phy;
	in.len = len;
	in.f = &f;
	in.has_last = has_last;
	in.last_fcnt = last;
	in.tx_dr = 5;
	in.tx_ch = 2;
	*fcnt = 0xdeadbeef;
	return lw_uplink_check(c, &k->nwk, &in, fcnt);
}

static int
setup(void **state)
{
	(void)state;
	c = lw_crypto_new();
	return c == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	lw_crypto_free(c);
	return 0;
}

/* The same frame twice, and an older frame, are replays in both versions;
 * a frame with a broken MIC is never called a replay. */
static void
test_replay(void **state)
{
	struct lw_data_out d;
	uint8_t p5[LW_PHY_MAX], p3[LW_PHY_MAX];
	size_t n5, n3;
	uint32_t fcnt;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		struct lw_dev_skeys k = keys(v == 1);

		d = out(5);
		n5 = up(&k, &d, p5);
		d = out(3);
		n3 = up(&k, &d, p3);
		assert_int_equal(ns(&k, p5, n5, true, 4, &fcnt), LW_OK);
		assert_int_equal(fcnt, 5);
		assert_int_equal(ns(&k, p5, n5, true, 5, &fcnt), LW_ERR_REPLAY);
		assert_int_equal(fcnt, 5);
		assert_int_equal(ns(&k, p3, n3, true, 5, &fcnt), LW_ERR_REPLAY);
		assert_int_equal(fcnt, 3);
		p3[n3 - 1] ^= 1;
		assert_int_equal(ns(&k, p3, n3, true, 5, &fcnt), LW_ERR_MIC);
		/* Wrong key: a MIC failure, distinct from a replay. */
		k.nwk.fnwksint[0] ^= 1;
		assert_int_equal(ns(&k, p5, n5, true, 4, &fcnt), LW_ERR_MIC);
		assert_int_equal(ns(&k, p5, n5, true, 5, &fcnt), LW_ERR_MIC);
	}
}

/* 1.0.x drops a counter 16384 or more ahead of the next expected one;
 * 1.1 has no such rule. */
static void
test_gap(void **state)
{
	struct lw_dev_skeys k10 = keys(false), k11 = keys(true);
	struct lw_data_out d;
	uint8_t phy[LW_PHY_MAX];
	size_t n;
	uint32_t fcnt;

	(void)state;
	d = out(1 + LW_MAX_FCNT_GAP); /* skips 16383 frames after 1 */
	n = up(&k10, &d, phy);
	assert_int_equal(ns(&k10, phy, n, true, 1, &fcnt), LW_OK);
	d = out(2 + LW_MAX_FCNT_GAP);
	n = up(&k10, &d, phy);
	assert_int_equal(ns(&k10, phy, n, true, 1, &fcnt), LW_ERR_FCNT_GAP);
	assert_int_equal(fcnt, 2 + LW_MAX_FCNT_GAP);
	n = up(&k11, &d, phy);
	assert_int_equal(ns(&k11, phy, n, true, 1, &fcnt), LW_OK);
	assert_int_equal(fcnt, 2 + LW_MAX_FCNT_GAP);
	d = out(40000);
	n = up(&k11, &d, phy);
	assert_int_equal(ns(&k11, phy, n, true, 1, &fcnt), LW_OK);
	assert_int_equal(fcnt, 40000);
	/* Right after a join the next expected counter is 0. */
	d = out(LW_MAX_FCNT_GAP - 1);
	n = up(&k10, &d, phy);
	assert_int_equal(ns(&k10, phy, n, false, 0, &fcnt), LW_OK);
	d = out(LW_MAX_FCNT_GAP);
	n = up(&k10, &d, phy);
	assert_int_equal(ns(&k10, phy, n, false, 0, &fcnt), LW_ERR_FCNT_GAP);
}

/* 0xffff -> 0x10000: the frame carries 0, the NS rebuilds 0x10000, and
 * the payload decrypts with the 32-bit counter; 0xffffffff -> 0 is a
 * reuse. */
static void
test_rollover(void **state)
{
	struct lw_data_out d;
	struct lw_frame f;
	uint8_t phy[LW_PHY_MAX], frm[LW_FRM_MAX];
	size_t n;
	uint32_t fcnt;
	int v;

	(void)state;
	for (v = 0; v < 2; v++) {
		struct lw_dev_skeys k = keys(v == 1);

		d = out(0x10000);
		n = up(&k, &d, phy);
		assert_int_equal(phy[6], 0);
		assert_int_equal(phy[7], 0);
		assert_int_equal(ns(&k, phy, n, true, 0xffff, &fcnt), LW_OK);
		assert_int_equal(fcnt, 0x10000);
		assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
		assert_int_equal(
		    lw_data_frm_decrypt(c, NULL, k.appskey, &f, fcnt, frm, &n),
		    LW_OK);
		assert_int_equal(n, 3);
		assert_memory_equal(frm, "abc", 3);
		assert_int_equal(
		    lw_data_frm_decrypt(c, NULL, k.appskey, &f, 0, frm, &n),
		    LW_OK);
		assert_memory_not_equal(frm, "abc", 3);
		d = out(0);
		n = up(&k, &d, phy);
		assert_int_equal(
		    ns(&k, phy, n, true, 0xffffffffu, &fcnt), LW_ERR_REPLAY);
		assert_int_equal(fcnt, 0);
	}
}

/* FPort 0 travels under the network key, FPort > 0 under AppSKey, and
 * 1.1 uplink FOpts under NwkSEncKey with the errata A-block. */
static void
test_payload_keys(void **state)
{
	static const uint8_t cmds[3] = {0x02, 0x06, 0x0d};
	struct lw_dev_skeys k10 = keys(false), k11 = keys(true);
	struct lw_data_out d;
	struct lw_frame f;
	uint8_t phy[LW_PHY_MAX], buf[LW_FRM_MAX], a[16], s[16];
	size_t n, i;

	(void)state;
	d = out(7);
	d.fport = 0;
	d.frm = cmds;
	n = up(&k11, &d, phy);
	assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
	assert_int_equal(
	    lw_data_frm_decrypt(c, &k11.nwk, NULL, &f, 7, buf, &n), LW_OK);
	assert_memory_equal(buf, cmds, 3);
	assert_int_equal(
	    lw_data_frm_decrypt(c, NULL, k11.appskey, &f, 7, buf, &n),
	    LW_ERR_INVAL);
	/* 1.0 uses NwkSKey: the same frame decrypts wrong under 1.1 keys. */
	n = up(&k10, &d, phy);
	assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
	assert_int_equal(
	    lw_data_frm_decrypt(c, &k10.nwk, NULL, &f, 7, buf, &n), LW_OK);
	assert_memory_equal(buf, cmds, 3);
	assert_int_equal(
	    lw_data_frm_decrypt(c, &k11.nwk, NULL, &f, 7, buf, &n), LW_OK);
	assert_memory_not_equal(buf, cmds, 3);
	/* FPort > 0 needs AppSKey, which an NS does not pass. */
	d = out(7);
	n = up(&k11, &d, phy);
	assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
	assert_int_equal(lw_data_frm_decrypt(c, &k11.nwk, NULL, &f, 7, buf, &n),
	    LW_ERR_INVAL);
	/* 1.1 uplink FOpts: A = 01 00000000 [A4=01] dir=0 DevAddr FCnt 00 01 */
	d.fopts = cmds;
	d.fopts_len = 3;
	n = up(&k11, &d, phy);
	assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
	memset(a, 0, sizeof(a));
	a[0] = 0x01;
	a[4] = 0x01;
	a[6] = DEVADDR & 0xff;
	a[7] = (DEVADDR >> 8) & 0xff;
	a[8] = (DEVADDR >> 16) & 0xff;
	a[9] = DEVADDR >> 24;
	a[10] = 7;
	a[15] = 0x01;
	assert_int_equal(lw_aes_encrypt_block(c, k11.nwk.nwksenc, a, s), LW_OK);
	for (i = 0; i < 3; i++)
		assert_int_equal(f.u.data.fopts[i], cmds[i] ^ s[i]);
	assert_int_equal(
	    lw_data_fopts_decrypt(c, &k11.nwk, &f, 7, buf, &n), LW_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, cmds, 3);
	/* 1.0 FOpts are on air as they are. */
	n = up(&k10, &d, phy);
	assert_memory_equal(phy + 8, cmds, 3);
}

/* 1.1 downlinks: ConfFCnt enters the MIC only with ACK, and NFCntDown
 * and AFCntDown are separate counters chosen by FPort. */
static void
test_downlink_11(void **state)
{
	static const uint8_t lca[3] = {0x02, 0x07, 0x01};
	struct lw_dev_skeys k = keys(true);
	struct lw_fcnt_down last = {true, 10, true, 3};
	struct lw_data_out d;
	struct lw_dev_rx rx;
	uint8_t phy[LW_PHY_MAX];
	size_t n;

	(void)state;
	d = out(4); /* AFCntDown 4, FPort 1 */
	d.ack = true;
	d.conf_fcnt = 0x1234;
	d.fopts = lca;
	d.fopts_len = 3;
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, k.appskey, &d, phy, sizeof(phy), &n),
	    LW_OK);
	assert_int_equal(
	    lw_dev_downlink_check(c, &k, DEVADDR, phy, n, &last, 0x1234, &rx),
	    LW_OK);
	assert_true(rx.afcnt);
	assert_int_equal(rx.fcnt, 4);
	assert_memory_equal(rx.fopts, lca, 3);
	assert_memory_equal(rx.frm, "abc", 3);
	assert_int_equal(
	    lw_dev_downlink_check(c, &k, DEVADDR, phy, n, &last, 0x1235, &rx),
	    LW_ERR_MIC);
	assert_int_equal(lw_dev_downlink_check(
			     c, &k, DEVADDR + 1, phy, n, &last, 0x1234, &rx),
	    LW_ERR_FIELD);
	/* Without ACK, ConfFCnt is 0 whatever the caller knows. */
	d.ack = false;
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, k.appskey, &d, phy, sizeof(phy), &n),
	    LW_OK);
	assert_int_equal(
	    lw_dev_downlink_check(c, &k, DEVADDR, phy, n, &last, 0x9999, &rx),
	    LW_OK);
	/* Counter 4 on NFCntDown (no FPort) is behind NFCntDown 10. */
	d.has_fport = false;
	d.fport = 0;
	d.frm_len = 0;
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, NULL, &d, phy, sizeof(phy), &n),
	    LW_OK);
	assert_int_equal(
	    lw_dev_downlink_check(c, &k, DEVADDR, phy, n, &last, 0, &rx),
	    LW_ERR_REPLAY);
	assert_false(rx.afcnt);
	assert_int_equal(rx.fcnt, 4);
	last.n = 3;
	assert_int_equal(
	    lw_dev_downlink_check(c, &k, DEVADDR, phy, n, &last, 0, &rx),
	    LW_OK);
	assert_memory_equal(rx.fopts, lca, 3);
}

/* What the builders and the check refuse. */
static void
test_refusals(void **state)
{
	static const uint8_t big[16] = {0};
	struct lw_dev_skeys k = keys(true);
	struct lw_data_out d;
	struct lw_uplink_in in;
	struct lw_frame f;
	uint8_t phy[LW_PHY_MAX];
	size_t n;
	uint32_t fcnt;

	(void)state;
	d = out(1);
	d.fopts = big;
	d.fopts_len = 16;
	assert_int_equal(
	    lw_uplink_build(c, &k, &d, phy, sizeof(phy), &n), LW_ERR_TOO_LONG);
	d.fopts_len = 2;
	d.fport = 0;
	assert_int_equal(
	    lw_uplink_build(c, &k, &d, phy, sizeof(phy), &n), LW_ERR_FIELD);
	d = out(1);
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, NULL, &d, phy, sizeof(phy), &n),
	    LW_ERR_INVAL);
	d.frm_encrypted = true; /* the AS encrypted it: no AppSKey needed */
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, NULL, &d, phy, sizeof(phy), &n),
	    LW_OK);
	assert_memory_equal(phy + 9, "abc", 3);
	assert_int_equal(lw_downlink_build(c, &k.nwk, NULL, &d, phy, 14, &n),
	    LW_ERR_TOO_LONG);
	d.has_fport = false;
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, NULL, &d, phy, sizeof(phy), &n),
	    LW_ERR_FIELD);
	/* A downlink is not an uplink; a frame of other bytes is refused. */
	d = out(1);
	d.frm_encrypted = true;
	assert_int_equal(
	    lw_downlink_build(c, &k.nwk, NULL, &d, phy, sizeof(phy), &n),
	    LW_OK);
	assert_int_equal(ns(&k, phy, n, false, 0, &fcnt), LW_ERR_FIELD);
	d = out(1);
	n = up(&k, &d, phy);
	assert_int_equal(lw_phy_decode(phy, n, &f, NULL), LW_OK);
	f.u.data.fcnt16 = 2;
	memset(&in, 0, sizeof(in));
	in.phy = phy;
	in.len = n;
	in.f = &f;
	assert_int_equal(lw_uplink_check(c, &k.nwk, &in, &fcnt), LW_ERR_INVAL);
	assert_int_equal(lw_uplink_check(c, &k.nwk, NULL, &fcnt), LW_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_gap),
	    cmocka_unit_test(test_rollover),
	    cmocka_unit_test(test_payload_keys),
	    cmocka_unit_test(test_downlink_11),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
