/*
 * test_gw_server.c - the receiving side of gw/gw_server.h over real UDP
 * sockets on 127.0.0.1: PUSH_ACK, CRC filtering, the allow-list and its
 * rate-limited log, malformed datagrams, deduplication across gateways
 * and its window, the best gateway, the pending-frame cap, and a few
 * hundred random and mutated datagrams.  Downlinks are in
 * test_gw_server_downlink.c; the gateways in lib/gw_sim.c.
 *
 * Nothing sleeps: each step runs the event loop until what it waits for
 * has happened, with a deadline.  To show that something did NOT happen
 * (no answer to an unknown gateway, no second delivery), a later datagram
 * that must be answered is sent on the same socket and awaited: loopback
 * UDP between two sockets keeps order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/gw_sim.h"

static void
test_push_ack(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	uint8_t phy[32];

	gs_start(t);
	gs_push(t, 0, GW1, 0xbeef, 7, 5.5, -60);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 0xbeef);
	assert_true(gs_wait(t, &t->n_up, 1));
	assert_int_equal(t->up[0].n_rx, 1);
	assert_int_equal(t->up[0].rx[0].gw_eui, GW1);
	assert_int_equal(t->up[0].rx[0].tmst, 3512348611u);
	assert_int_equal(t->up[0].rx[0].freq_hz, 868100000);
	assert_int_equal(t->up[0].rx[0].rssi, -60);
	assert_int_equal(t->up[0].mtype, 2);
	assert_int_equal(t->up[0].len, gs_mk_phy(phy, 7));
	assert_memory_equal(t->up[0].phy, phy, t->up[0].len);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.datagrams, 1);
	assert_int_equal(st.by_type[GW_UDP_PUSH_DATA], 1);
	assert_int_equal(st.frames_delivered, 1);
	assert_int_equal(st.pending_frames, 0);
}

static void
test_crc_bad_dropped(void **state)
{
	struct gs *t = *state;
	static struct gw_udp_packet p;
	struct gw_server_stats st;

	gs_start(t);
	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = 1;
	p.type = GW_UDP_PUSH_DATA;
	p.gw_eui = GW1;
	p.n_rxpk = 3;
	gs_mk_rxpk(&p.rxpk[0], 1, 1, -1);
	p.rxpk[0].stat = -1;
	gs_mk_rxpk(&p.rxpk[1], 2, 1, -1);
	p.rxpk[1].stat = 0;
	gs_mk_rxpk(&p.rxpk[2], 3, 1, -1);
	gs_send_pkt(t, 0, &p);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 1);
	assert_true(gs_wait(t, &t->n_up, 1));
	assert_int_equal(t->up[0].phy[6], 3); /* fcnt of the CRC-OK one */
	gs_push(t, 0, GW1, 2, 4, 1, -1);
	assert_true(gs_wait(t, &t->n_up, 2));
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.rxpk, 4);
	assert_int_equal(st.rxpk_bad_crc, 2);
	assert_int_equal(st.frames_delivered, 2);
}

static void
test_unknown_gateway(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;

	gs_start(t);
	gs_push(t, 0, GW_UNKNOWN, 0x1111, 1, 1, -1);
	gs_pull(t, 0, GW_UNKNOWN, 0x2222);
	gs_push(t, 0, GW_UNKNOWN, 0x3333, 2, 1, -1);
	/* Answered: so the three before were handled, and not answered. */
	gs_push(t, 0, GW1, 0x4444, 3, 1, -1);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 0x4444);
	assert_int_equal(t->gw[0].n_dg, 1);
	assert_int_equal(gs_count_lines(t, "00000000deadbeef"), 1);
	assert_non_null(strstr(t->log.buf, "127.0.0.1 port"));
	assert_int_equal(gs_count_lines(t, "not an allowed gateway"), 1);
	/* Another unknown EUI is its own line. */
	gs_push(t, 0, GW_UNKNOWN + 1, 0x5555, 4, 1, -1);
	gs_push(t, 0, GW1, 0x6666, 5, 1, -1);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 0x6666);
	assert_int_equal(gs_count_lines(t, "not an allowed gateway"), 2);
	/* A minute later the first is reported again. */
	t->clock.now_ms += 60001;
	gs_push(t, 0, GW_UNKNOWN, 0x7777, 6, 1, -1);
	gs_push(t, 0, GW1, 0x8888, 7, 1, -1);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 0x8888);
	assert_int_equal(gs_count_lines(t, "00000000deadbeef"), 2);
	assert_true(gs_wait(t, &t->n_up, 3));
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.unknown_gw, 5);
	assert_int_equal(st.frames_delivered, 3); /* GW1's only */
}

static void
test_unknown_flood_rate_limited(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	uint64_t i;

	gs_start(t);
	for (i = 0; i < 100; i++)
		gs_pull(t, 0, GW_UNKNOWN + 100 + i, (uint16_t)i);
	gs_pull(t, 0, GW1, 0x9999);
	gs_expect_ack(t, 0, GW_UDP_PULL_ACK, 0x9999);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.unknown_gw, 100);
	assert_int_equal(gs_count_lines(t, "not an allowed gateway"), 20);
	t->clock.now_ms += 60001;
	gs_pull(t, 0, GW_UNKNOWN + 1000, 1);
	gs_pull(t, 0, GW1, 0x9998);
	gs_expect_ack(t, 0, GW_UDP_PULL_ACK, 0x9998);
	assert_non_null(strstr(t->log.buf, "(80 similar suppressed before)"));
}

static void
test_malformed(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	static const char bad_tmst[] =
	    "{\"rxpk\":[{\"tmst\":\"x\",\"freq\":868.1,\"stat\":1,"
	    "\"modu\":\"LORA\",\"datr\":\"SF7BW125\",\"codr\":\"4/5\","
	    "\"size\":1,\"data\":\"AA==\"}]}";
	uint8_t b[256] = {2, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 1};

	gs_start(t);
	gs_send_raw(t, 0, (const uint8_t *)"hello", 5);
	gs_send_raw(t, 0, b, 3);
	memcpy(b + 12, bad_tmst, sizeof(bad_tmst) - 1);
	gs_send_raw(t, 0, b, 12 + sizeof(bad_tmst) - 1);
	gs_push(t, 0, GW1, 0x0102, 1, 1, -1);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 0x0102);
	assert_int_equal(t->gw[0].n_dg, 1);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(st.datagrams, 4);
	assert_int_equal(
	    gs_count_lines(t, "malformed datagram from 127.0.0.1"), 3);
	assert_non_null(strstr(t->log.buf, "rxpk[0].tmst"));
	assert_true(gs_wait(t, &t->n_up, 1));
}

static void
test_dedup_three_gateways(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	size_t i;

	gs_start(t);
	gs_push(t, 0, GW1, 1, 42, 2.0, -90);
	gs_push(t, 1, GW2, 2, 42, 7.5, -100);
	gs_push(t, 2, GW3, 3, 42, 7.5, -80);
	assert_true(gs_wait(t, &t->n_up, 1));
	assert_int_equal(t->up[0].n_rx, 3);
	assert_int_equal(t->up[0].rx[t->up[0].best].gw_eui, GW3);
	for (i = 0; i < 3; i++)
		assert_false(t->up[0].rx[i].downlink_ok);
	/* Nothing more of frame 42: the next delivery is frame 43's. */
	gs_push(t, 0, GW1, 4, 43, 2.0, -90);
	assert_true(gs_wait(t, &t->n_up, 2));
	assert_int_equal(t->up[1].phy[6], 43);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.duplicates_merged, 2);
	assert_int_equal(st.frames_delivered, 2);
}

static void
test_best_can_downlink(void **state)
{
	struct gs *t = *state;

	gs_start(t);
	gs_pull(t, 0, GW1, 9);
	gs_expect_ack(t, 0, GW_UDP_PULL_ACK, 9);
	gs_push(t, 1, GW2, 1, 42, 9.0, -50);
	gs_push(t, 0, GW1, 2, 42, -3.0, -110);
	gs_push(t, 1, GW2, 3, 42, 8.0, -40); /* GW2 again: keeps its better */
	assert_true(gs_wait(t, &t->n_up, 1));
	assert_int_equal(t->up[0].n_rx, 2);
	assert_int_equal(t->up[0].rx[t->up[0].best].gw_eui, GW1);
	assert_true(t->up[0].rx[t->up[0].best].downlink_ok);
	assert_int_equal(t->up[0].rx[0].gw_eui, GW2);
	assert_true(t->up[0].rx[0].lsnr == 9.0);
}

static void
test_same_frame_after_window(void **state)
{
	struct gs *t = *state;

	t->o.dedup_window_ms = 50;
	gs_start(t);
	gs_push(t, 0, GW1, 1, 42, 1, -1);
	assert_true(gs_wait(t, &t->n_up, 1));
	gs_push(t, 1, GW2, 2, 42, 1, -1);
	assert_true(gs_wait(t, &t->n_up, 2));
	assert_int_equal(t->up[1].n_rx, 1);
	assert_int_equal(t->up[1].rx[0].gw_eui, GW2);
	assert_memory_equal(t->up[0].phy, t->up[1].phy, t->up[0].len);
}

static void
test_pending_cap(void **state)
{
	struct gs *t = *state;
	static struct gw_udp_packet p;
	struct gw_server_stats st;
	size_t i;

	t->o.max_pending = 4;
	t->o.dedup_window_ms = 60000; /* nothing leaves during the test */
	gs_start(t);
	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = 7;
	p.type = GW_UDP_PUSH_DATA;
	p.gw_eui = GW1;
	p.n_rxpk = 6;
	for (i = 0; i < 6; i++)
		gs_mk_rxpk(&p.rxpk[i], (uint16_t)(100 + i), 1, -1);
	gs_send_pkt(t, 0, &p);
	gs_expect_ack(t, 0, GW_UDP_PUSH_ACK, 7);
	/* A frame already pending still takes receptions. */
	gs_push(t, 1, GW2, 8, 100, 1, -1);
	gs_expect_ack(t, 1, GW_UDP_PUSH_ACK, 8);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.pending_frames, 4);
	assert_int_equal(st.pending_full, 2);
	assert_int_equal(st.duplicates_merged, 1);
	assert_int_equal(t->n_up, 0);
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* mutate - a valid datagram of some type, then bytes flipped, cut, or
 * made up entirely */
static size_t
mutate(uint8_t *b, size_t cap, uint32_t *s)
{
	static struct gw_udp_packet p;
	size_t n = 0, i, k;

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = (uint16_t)rnd(s);
	p.type = (enum gw_udp_type)(rnd(s) % 6);
	p.gw_eui = gs_allowed[rnd(s) % 3];
	if (p.type == GW_UDP_PUSH_DATA) {
		p.n_rxpk = 1 + rnd(s) % 3;
		for (i = 0; i < p.n_rxpk; i++)
			gs_mk_rxpk(&p.rxpk[i], (uint16_t)rnd(s), 1, -1);
	} else if (p.type == GW_UDP_PULL_RESP)
		gs_mk_txpk(&p.txpk);
	else if (p.type == GW_UDP_TX_ACK) {
		p.txack.has_body = true;
		p.txack.error = (enum gw_udp_txack_code)(rnd(s) % 8);
	}
	assert_int_equal(gw_udp_encode(&p, b, cap, &n, NULL), GW_UDP_OK);
	switch (rnd(s) % 4) {
	case 0: /* random bytes */
		n = rnd(s) % 300;
		for (i = 0; i < n; i++)
			b[i] = (uint8_t)rnd(s);
		if (n > 0 && rnd(s) % 2)
			b[0] = 2;
		break;
	case 1: /* flip a few bytes */
		for (k = 1 + rnd(s) % 4; k > 0; k--)
			b[rnd(s) % n] = (uint8_t)rnd(s);
		break;
	case 2: /* cut */
		n = rnd(s) % (n + 1);
		break;
	default: /* printable noise in the JSON */
		for (k = 1 + rnd(s) % 4; k > 0; k--)
			b[12 + rnd(s) % (n > 12 ? n - 12 : 1)] =
			    "{}[]\",:0-9e.tfn\\"[rnd(s) % 16];
		break;
	}
	return n;
}

static void
test_random_datagrams(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	uint32_t seed = 0x5eed1234;
	uint8_t b[4096];
	int i, round;

	t->o.allow_any = true; /* mutated EUIs get past the allow-list */
	t->o.dedup_window_ms = 20;
	gs_start(t);
	for (round = 0; round < 8; round++) {
		for (i = 0; i < 50; i++)
			gs_send_raw(t, 1, b, mutate(b, sizeof(b), &seed));
		gs_push(t, 0, GW1, (uint16_t)(0xf000 + round), 1, 1, -1);
		gs_expect_ack(
		    t, 0, GW_UDP_PUSH_ACK, (uint16_t)(0xf000 + round));
	}
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.datagrams, 408);
	assert_true(st.malformed > 50);
	assert_true(st.malformed < 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_push_ack, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_crc_bad_dropped, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_unknown_gateway, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_unknown_flood_rate_limited, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_malformed, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_dedup_three_gateways, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_best_can_downlink, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_same_frame_after_window, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_pending_cap, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_random_datagrams, gs_setup, gs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
