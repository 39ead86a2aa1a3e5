/*
 * test_lw_mac.c - MAC commands (lorawan/mac.h): the CID length tables
 * against the specification's, parsing mixed runs that stop at an
 * unknown, proprietary or truncated command (inputs live in exactly sized
 * heap buffers, so that ASan sees any read past them), building into the
 * 15-byte FOpts, and LinkCheckAns/DeviceTimeAns bytes computed by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/mac.h"
#include "lorawan/phy.h"

/* parse - copy the run to a heap block of exactly len bytes, parse it */
static int
parse(enum lw_mac_dir dir, const uint8_t *run, size_t len,
    struct lw_mac_cmd *cmds, size_t max, struct lw_mac_run *r)
{
	uint8_t *b = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(b);
	memcpy(b, run, len);
	rc = lw_mac_parse(dir, b, len, cmds, max, r);
	free(b);
	return rc;
}

/* The payload lengths of LW11 §5 Table 4 and the class B commands,
 * written out independently of the library's table. */
static void
test_lengths(void **state)
{
	static const int up[][2] = {{0x01, 1}, {0x02, 0}, {0x03, 1}, {0x04, 0},
	    {0x05, 1}, {0x06, 2}, {0x07, 1}, {0x08, 0}, {0x09, 0}, {0x0a, 1},
	    {0x0b, 1}, {0x0c, 0}, {0x0d, 0}, {0x0f, 1}, {0x10, 1}, {0x11, 1},
	    {0x13, 1}, {0x20, 1}};
	static const int down[][2] = {{0x01, 1}, {0x02, 2}, {0x03, 4},
	    {0x04, 1}, {0x05, 4}, {0x06, 0}, {0x07, 5}, {0x08, 1}, {0x09, 1},
	    {0x0a, 4}, {0x0b, 1}, {0x0c, 1}, {0x0d, 5}, {0x0e, 2}, {0x0f, 1},
	    {0x10, 0}, {0x11, 4}, {0x13, 3}, {0x20, 1}};
	static const uint8_t unknown_up[] = {
	    0x00, 0x0e, 0x12, 0x14, 0x7f, 0x80, 0xff};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++)
		assert_int_equal(
		    lw_mac_payload_len(LW_MAC_UP, (uint8_t)up[i][0]), up[i][1]);
	for (i = 0; i < sizeof(down) / sizeof(down[0]); i++)
		assert_int_equal(
		    lw_mac_payload_len(LW_MAC_DOWN, (uint8_t)down[i][0]),
		    down[i][1]);
	for (i = 0; i < sizeof(unknown_up); i++)
		assert_int_equal(
		    lw_mac_payload_len(LW_MAC_UP, unknown_up[i]), LW_ERR_FIELD);
	assert_string_equal(lw_mac_name(LW_MAC_UP, 0x02), "LinkCheckReq");
	assert_string_equal(lw_mac_name(LW_MAC_DOWN, 0x02), "LinkCheckAns");
	assert_string_equal(lw_mac_name(LW_MAC_UP, 0x0e), "unknown");
	assert_string_equal(lw_mac_name(LW_MAC_DOWN, 0x0e), "ForceRejoinReq");
	assert_string_equal(lw_mac_name(LW_MAC_UP, 0x9a), "Proprietary");
}

/* A mixed uplink run parses whole, each payload in place. */
static void
test_parse_mixed(void **state)
{
	static const uint8_t run[] = {
	    0x02, 0x06, 0xff, 0x1a, 0x03, 0x07, 0x0d, 0x0b, 0x01, 0x05, 0x07};
	struct lw_mac_cmd cmds[8];
	struct lw_mac_run r;

	(void)state;
	assert_int_equal(
	    parse(LW_MAC_UP, run, sizeof(run), cmds, 8, &r), LW_OK);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(r.stop_off, sizeof(run));
	assert_int_equal(cmds[0].cid, LW_CID_LINK_CHECK);
	assert_int_equal(cmds[0].len, 0);
	assert_int_equal(cmds[1].cid, LW_CID_DEV_STATUS);
	assert_int_equal(cmds[1].len, 2);
	assert_int_equal(cmds[1].payload[0], 0xff);
	assert_int_equal(cmds[1].payload[1], 0x1a);
	assert_int_equal(cmds[2].cid, LW_CID_LINK_ADR);
	assert_int_equal(cmds[2].payload[0], 0x07);
	assert_int_equal(cmds[3].cid, LW_CID_DEVICE_TIME);
	assert_int_equal(cmds[3].len, 0);
	assert_int_equal(cmds[4].cid, LW_CID_REKEY);
	assert_int_equal(cmds[4].payload[0], 0x01);
	assert_int_equal(cmds[5].cid, LW_CID_RX_PARAM_SETUP);
	assert_int_equal(cmds[5].payload[0], 0x07);
	/* The empty run is fine too. */
	assert_int_equal(parse(LW_MAC_UP, run, 0, cmds, 8, &r), LW_OK);
	assert_int_equal(r.n, 0);
}

/* An unknown CID in the middle (ForceRejoinReq does not exist uplink)
 * ends the parse: two commands before it, 5 bytes skipped. */
static void
test_parse_unknown(void **state)
{
	static const uint8_t run[] = {
	    0x02, 0x06, 0xff, 0x1a, 0x0e, 0x01, 0x02, 0x02, 0x0d};
	static const uint8_t prop[] = {0x0d, 0x80, 0x01, 0x02};
	struct lw_mac_cmd cmds[8];
	struct lw_mac_run r;

	(void)state;
	assert_int_equal(
	    parse(LW_MAC_UP, run, sizeof(run), cmds, 8, &r), LW_ERR_FIELD);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.stop_off, 4);
	assert_int_equal(r.skipped, 5);
	assert_int_equal(r.stop_cid, 0x0e);
	assert_int_equal(cmds[1].cid, LW_CID_DEV_STATUS);
	/* Proprietary commands have no known length either. */
	assert_int_equal(
	    parse(LW_MAC_UP, prop, sizeof(prop), cmds, 8, &r), LW_ERR_FIELD);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.skipped, 3);
	assert_int_equal(r.stop_cid, 0x80);
}

/* A command longer than the bytes left is not read past the end. */
static void
test_parse_truncated(void **state)
{
	static const uint8_t up[] = {0x02, 0x06, 0xff};
	static const uint8_t down[] = {
	    0x02, 0x14, 0x03, 0x0d, 0x01, 0x02, 0x03, 0x04};
	struct lw_mac_cmd cmds[8];
	struct lw_mac_run r;
	size_t cut;

	(void)state;
	assert_int_equal(
	    parse(LW_MAC_UP, up, sizeof(up), cmds, 8, &r), LW_ERR_TRUNCATED);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.stop_off, 1);
	assert_int_equal(r.skipped, 2);
	/* DeviceTimeAns needs 5 bytes after its CID, 4 are left; every
	 * shorter cut of the run stops cleanly too. */
	assert_int_equal(parse(LW_MAC_DOWN, down, sizeof(down), cmds, 8, &r),
	    LW_ERR_TRUNCATED);
	assert_int_equal(r.n, 1);
	assert_int_equal(cmds[0].payload[0], 0x14);
	assert_int_equal(cmds[0].payload[1], 0x03);
	assert_int_equal(r.skipped, 5);
	for (cut = 1; cut < 3; cut++) {
		assert_int_equal(parse(LW_MAC_DOWN, down, cut, cmds, 8, &r),
		    LW_ERR_TRUNCATED);
		assert_int_equal(r.n, 0);
		assert_int_equal(r.skipped, cut);
	}
	/* A full array stops the parse the same way. */
	assert_int_equal(
	    parse(LW_MAC_DOWN, down, 3, cmds, 0, &r), LW_ERR_TOO_LONG);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.skipped, 3);
}

/* Into FOpts (15 bytes): whole commands in order, and no further. */
static void
test_build(void **state)
{
	static const uint8_t nc[5] = {3, 0x18, 0x4f, 0x84, 0x50};
	struct lw_mac_cmd cmds[4], back[4];
	struct lw_mac_run r;
	uint8_t buf[LW_FOPTS_MAX];
	size_t len, done;

	(void)state;
	assert_int_equal(lw_mac_link_check_ans(20, 3, &cmds[0]), LW_OK);
	assert_int_equal(lw_mac_device_time_ans(1, 2, &cmds[1]), LW_OK);
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_DOWN, LW_CID_NEW_CHANNEL, nc, 5, &cmds[2]),
	    LW_OK);
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_DOWN, LW_CID_DEV_STATUS, NULL, 0, &cmds[3]),
	    LW_OK);
	assert_int_equal(lw_mac_build(cmds, 4, buf, sizeof(buf), &len, &done),
	    LW_ERR_TOO_LONG);
	assert_int_equal(len, 15);
	assert_int_equal(done, 3);
	assert_int_equal(buf[0], 0x02);
	assert_int_equal(buf[3], 0x0d);
	assert_int_equal(buf[9], 0x07);
	assert_int_equal(parse(LW_MAC_DOWN, buf, len, back, 4, &r), LW_OK);
	assert_int_equal(r.n, 3);
	assert_memory_equal(back, cmds, 3 * sizeof(cmds[0]));
	/* A command that does not fit is not split. */
	assert_int_equal(
	    lw_mac_build(cmds + 1, 1, buf, 5, &len, &done), LW_ERR_TOO_LONG);
	assert_int_equal(len, 0);
	assert_int_equal(done, 0);
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_DOWN, LW_CID_NEW_CHANNEL, nc, 4, &cmds[0]),
	    LW_ERR_FIELD);
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_UP, 0x0e, NULL, 0, &cmds[0]), LW_ERR_FIELD);
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_UP, 0xc0, nc, 5, &cmds[0]), LW_OK);
}

/* LinkCheckAns: 02 | Margin | GwCnt; the device reads it back. */
static void
test_link_check(void **state)
{
	static const uint8_t want[3] = {0x02, 0x14, 0x03};
	struct lw_mac_cmd cmd, req;
	uint8_t buf[8], margin, gw;
	size_t len, done;

	(void)state;
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_UP, LW_CID_LINK_CHECK, NULL, 0, &req),
	    LW_OK);
	assert_int_equal(lw_mac_build(&req, 1, buf, 8, &len, &done), LW_OK);
	assert_int_equal(len, 1);
	assert_int_equal(buf[0], 0x02);
	assert_int_equal(lw_mac_link_check_ans(20, 3, &cmd), LW_OK);
	assert_int_equal(lw_mac_build(&cmd, 1, buf, 8, &len, &done), LW_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, want, 3);
	assert_int_equal(
	    lw_mac_link_check_ans_parse(&cmd, &margin, &gw), LW_OK);
	assert_int_equal(margin, 20);
	assert_int_equal(gw, 3);
	assert_int_equal(lw_mac_link_check_ans(254, 0, &cmd), LW_OK);
	assert_int_equal(lw_mac_link_check_ans(255, 1, &cmd), LW_ERR_FIELD);
	assert_int_equal(
	    lw_mac_link_check_ans_parse(&req, &margin, &gw), LW_ERR_FIELD);
}

/*
 * DeviceTimeAns for 2024-01-01T00:00:00.5Z: Unix 1704067200, minus the
 * GPS epoch 315964800 (1980-01-06), plus 18 leap seconds = 1388102418 =
 * 0x52bcc312, little-endian 12 c3 bc 52; 0.5 s = 128/256.
 */
static void
test_device_time(void **state)
{
	static const uint8_t want[6] = {0x0d, 0x12, 0xc3, 0xbc, 0x52, 0x80};
	struct lw_mac_cmd cmd;
	uint8_t buf[8], frac;
	uint32_t gps;
	size_t len, done;

	(void)state;
	assert_int_equal(lw_gps_time_from_unix(1704067200, 500000000L,
			     LW_GPS_UTC_OFFSET, &gps, &frac),
	    LW_OK);
	assert_int_equal(gps, 1704067200L - 315964800L + 18);
	assert_int_equal(gps, 0x52bcc312u);
	assert_int_equal(frac, 128);
	assert_int_equal(lw_mac_device_time_ans(gps, frac, &cmd), LW_OK);
	assert_int_equal(lw_mac_build(&cmd, 1, buf, 8, &len, &done), LW_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(buf, want, 6);
	gps = 0;
	frac = 0;
	assert_int_equal(
	    lw_mac_device_time_ans_parse(&cmd, &gps, &frac), LW_OK);
	assert_int_equal(gps, 0x52bcc312u);
	assert_int_equal(frac, 0x80);
	/* The epoch is 0; 1/256 s is 3906250 ns, and fractions round down. */
	assert_int_equal(
	    lw_gps_time_from_unix(315964800, 0, 0, &gps, &frac), LW_OK);
	assert_int_equal(gps, 0);
	assert_int_equal(
	    lw_gps_time_from_unix(315964800, 3906250L, 0, &gps, &frac), LW_OK);
	assert_int_equal(frac, 1);
	assert_int_equal(
	    lw_gps_time_from_unix(315964800, 3906249L, 0, &gps, &frac), LW_OK);
	assert_int_equal(frac, 0);
	assert_int_equal(
	    lw_gps_time_from_unix(315964800, 999999999L, 0, &gps, &frac),
	    LW_OK);
	assert_int_equal(frac, 255);
	assert_int_equal(
	    lw_gps_time_from_unix(315964799, 0, 0, &gps, &frac), LW_ERR_FIELD);
	assert_int_equal(
	    lw_gps_time_from_unix(315964800, 1000000000L, 0, &gps, &frac),
	    LW_ERR_FIELD);
	/* DeviceTimeReq is the bare CID. */
	assert_int_equal(
	    lw_mac_cmd_make(LW_MAC_UP, LW_CID_DEVICE_TIME, NULL, 0, &cmd),
	    LW_OK);
	assert_int_equal(
	    lw_mac_device_time_ans_parse(&cmd, &gps, &frac), LW_ERR_FIELD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_parse_mixed),
	    cmocka_unit_test(test_parse_unknown),
	    cmocka_unit_test(test_parse_truncated),
	    cmocka_unit_test(test_build),
	    cmocka_unit_test(test_link_check),
	    cmocka_unit_test(test_device_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
