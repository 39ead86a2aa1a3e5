/*
 * test_gw_server_downlink.c - downlinks through gw/gw_server.h over real
 * UDP sockets on 127.0.0.1: PULL_DATA gives the address, a PULL_RESP
 * arrives there and decodes to the txpk sent, TX_ACK NONE / TOO_LATE /
 * none at all complete it, a gateway without (or no longer with) a
 * PULL_DATA is refused at once, freeing completes what is pending; and
 * gw_server_new()'s refusals.  The gateways are in lib/gw_sim.c.
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

static uint16_t
downlink(struct gs *t)
{
	struct gw_udp_txpk tx;
	static struct gw_udp_packet p;
	struct gw_udp_error e;
	struct gs_gw *g = &t->gw[0];
	struct gw_server_tx *h = NULL;

	gs_pull(t, 0, GW1, 0x4242);
	gs_expect_ack(t, 0, GW_UDP_PULL_ACK, 0x4242);
	gs_mk_txpk(&tx);
	g->n_dg = 0;
	assert_int_equal(
	    gw_server_send(t->srv, GW1, &tx, gs_on_tx, t, &h), GW_SERVER_OK);
	assert_non_null(h);
	assert_true(gs_wait(t, &g->n_dg, 1));
	if (gw_udp_parse(g->dg[0], g->dg_len[0], &p, &e) != GW_UDP_OK)
		fail_msg("PULL_RESP: %s", e.text);
	assert_int_equal(p.type, GW_UDP_PULL_RESP);
	assert_true(p.txpk.has_tmst);
	assert_int_equal(p.txpk.tmst, tx.tmst);
	assert_int_equal(p.txpk.freq_hz, tx.freq_hz);
	assert_int_equal(p.txpk.powe, 14);
	assert_int_equal(p.txpk.datr.sf, 7);
	assert_int_equal(p.txpk.codr, 5);
	assert_true(p.txpk.ipol);
	assert_int_equal(p.txpk.size, 4);
	assert_memory_equal(p.txpk.data, tx.data, 4);
	assert_int_equal(t->tx_done, 0);
	return p.token;
}

static void
test_downlink_acked(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	uint16_t token;

	gs_start(t);
	token = downlink(t);
	gs_txack(t, (uint16_t)(token + 1), -1); /* not its token */
	gs_txack(t, token, -1);
	assert_true(gs_wait(t, &t->tx_done, 1));
	assert_int_equal(t->tx.err, GW_SERVER_OK);
	assert_int_equal(t->tx.token, token);
	assert_int_equal(t->tx.gw_eui, GW1);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.downlinks_sent, 1);
	assert_int_equal(st.downlinks_acked, 1);
	assert_int_equal(st.txack_unmatched, 1);
	assert_int_equal(st.pending_downlinks, 0);
}

static void
test_downlink_too_late(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;

	gs_start(t);
	gs_txack(t, downlink(t), GW_UDP_TXACK_TOO_LATE);
	assert_true(gs_wait(t, &t->tx_done, 1));
	assert_int_equal(t->tx.err, GW_SERVER_ERR_REFUSED);
	assert_int_equal(t->tx.code, GW_UDP_TXACK_TOO_LATE);
	assert_string_equal(t->tx.why, "TOO_LATE");
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.downlinks_refused, 1);
	assert_int_equal(st.downlinks_acked, 0);
}

static void
test_downlink_timeout(void **state)
{
	struct gs *t = *state;
	struct gw_server_stats st;
	uint16_t token;
	uint64_t t0;

	t->o.txack_timeout_ms = 100;
	gs_start(t);
	t0 = tu_now_ms();
	token = downlink(t);
	assert_true(gs_wait(t, &t->tx_done, 1));
	assert_true(tu_now_ms() - t0 >= 100);
	assert_int_equal(t->tx.err, GW_SERVER_ERR_TIMEOUT);
	/* A TX_ACK after the deadline completes nothing. */
	gs_txack(t, token, -1);
	gs_pull(t, 0, GW1, 0x77);
	gs_expect_ack(t, 0, GW_UDP_PULL_ACK, 0x77);
	gw_server_stats(t->srv, &st);
	assert_int_equal(st.downlinks_timed_out, 1);
	assert_int_equal(st.txack_unmatched, 1);
	assert_int_equal(t->tx_done, 1);
}

static void
test_downlink_without_pull(void **state)
{
	struct gs *t = *state;
	struct gw_udp_txpk tx;

	t->o.keepalive_ms = 1000;
	gs_start(t);
	gs_mk_txpk(&tx);
	assert_int_equal(gw_server_send(t->srv, GW2, &tx, gs_on_tx, t, NULL),
	    GW_SERVER_ERR_NO_DOWNLINK);
	assert_int_equal(
	    gw_server_send(t->srv, GW_UNKNOWN, &tx, gs_on_tx, t, NULL),
	    GW_SERVER_ERR_UNKNOWN_GW);
	gs_pull(t, 1, GW2, 1);
	gs_expect_ack(t, 1, GW_UDP_PULL_ACK, 1);
	/* Three keepalives without PULL_DATA: gone. */
	t->clock.now_ms += 2999;
	t->gw[1].n_dg = 0;
	assert_int_equal(
	    gw_server_send(t->srv, GW2, &tx, gs_on_tx, t, NULL), GW_SERVER_OK);
	assert_true(gs_wait(t, &t->gw[1].n_dg, 1));
	assert_int_equal(t->gw[1].dg[0][3], GW_UDP_PULL_RESP);
	t->clock.now_ms += 1;
	assert_int_equal(gw_server_send(t->srv, GW2, &tx, gs_on_tx, t, NULL),
	    GW_SERVER_ERR_GONE);
	tx.size = 300; /* over 255: does not encode */
	gs_pull(t, 1, GW2, 2);
	gs_expect_ack(t, 1, GW_UDP_PULL_ACK, 2);
	assert_int_equal(gw_server_send(t->srv, GW2, &tx, gs_on_tx, t, NULL),
	    GW_SERVER_ERR_ENCODE);
	assert_int_equal(t->tx_done, 0);
}

static void
test_free_completes_downlinks(void **state)
{
	struct gs *t = *state;
	struct gw_udp_txpk tx;
	struct gw_server_tx *h = NULL;

	gs_start(t);
	(void)downlink(t);
	gs_mk_txpk(&tx);
	/* A cancelled one never completes. */
	assert_int_equal(
	    gw_server_send(t->srv, GW1, &tx, gs_on_tx, t, &h), GW_SERVER_OK);
	gw_server_cancel(h);
	gw_server_free(t->srv);
	t->srv = NULL;
	assert_int_equal(t->tx_done, 1);
	assert_int_equal(t->tx.err, GW_SERVER_ERR_SHUTDOWN);
}

static void
test_new_errors(void **state)
{
	struct gs *t = *state;
	struct gw_server_opts o = {0};
	struct gw_server *s;
	int err = 0;

	o.address = "localhost"; /* literals only: no resolver call */
	assert_null(gw_server_new(t->base, &o, NULL, NULL, &err));
	assert_int_equal(err, GW_SERVER_ERR_ADDRESS);
	o.address = "::1";
	s = gw_server_new(t->base, &o, NULL, NULL, &err);
	if (s != NULL) {
		assert_int_not_equal(gw_server_port(s), 0);
		gw_server_free(s);
	} else /* a host without IPv6 */
		assert_int_equal(err, GW_SERVER_ERR_SOCKET);
	o.address = "127.0.0.1";
	o.port = (uint16_t)tu_free_port();
	s = gw_server_new(t->base, &o, NULL, NULL, &err);
	assert_non_null(s);
	assert_int_equal(gw_server_port(s), o.port);
	/* The port is taken now. */
	assert_null(gw_server_new(t->base, &o, NULL, NULL, &err));
	assert_int_equal(err, GW_SERVER_ERR_SOCKET);
	gw_server_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_downlink_acked, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_downlink_too_late, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_downlink_timeout, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_downlink_without_pull, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_free_completes_downlinks, gs_setup, gs_teardown),
	    cmocka_unit_test_setup_teardown(
		test_new_errors, gs_setup, gs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
