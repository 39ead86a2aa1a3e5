/*
 * gw_sim.h - gateways for the gw_server tests (test_gw_server.c,
 * test_gw_server_downlink.c): a server on 127.0.0.1 with an injectable
 * clock, three gateway sockets on the same event loop that keep what
 * they receive, datagram builders, and waits with a deadline.
 */
#ifndef TESTS_UNIT_LIB_GW_SIM_H
#define TESTS_UNIT_LIB_GW_SIM_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/gw_server.h"
#include "testutil.h"

#define GW1 0x0102030405060701ull
#define GW2 0x0102030405060702ull
#define GW3 0x0102030405060703ull
#define GW_UNKNOWN 0x00000000deadbeefull
#define GS_DEADLINE 3000 /* ms, for every wait */
#define GS_MAX_UP 8
#define GS_MAX_DG 8

/* One delivery, copied out of the callback. */
struct gs_up {
	uint8_t phy[GW_UDP_PAYLOAD_MAX];
	size_t len;
	struct gw_server_rx rx[16];
	size_t n_rx, best;
	int mtype;
};

/* A gateway: a UDP socket on the loop that keeps what it receives. */
struct gs_gw {
	int fd;
	struct event *ev;
	uint8_t dg[GS_MAX_DG][2048];
	size_t dg_len[GS_MAX_DG];
	int n_dg;
};

/* One test's world; gs_setup() allocates it, gs_start() runs it. */
struct gs {
	struct event_base *base;
	struct gw_server *srv;
	struct gw_server_opts o;
	struct sockaddr_in to;
	struct tu_clock clock;
	struct tu_log log;
	struct gs_up up[GS_MAX_UP];
	int n_up;
	int tx_done;
	struct gw_server_tx_result tx;
	char tx_why[64];
	struct gs_gw gw[3];
};

/* The allow-list: GW1, GW2, GW3. */
extern const uint64_t gs_allowed[3];

/* A downlink completion: counts in tx_done, keeps the result in tx. */
void gs_on_tx(void *arg, const struct gw_server_tx_result *r);

/* Run the loop until *n >= want; 0 on deadline. */
int gs_wait(struct gs *t, const int *n, int want);

/* Start the server with t->o and open the gateway sockets. */
void gs_start(struct gs *t);

/* cmocka setup/teardown: a struct gs in *state, options preset
 * (127.0.0.1, port 0, the allow-list, the clock). */
int gs_setup(void **state);
int gs_teardown(void **state);

/* Send bytes from gateway socket gw to the server. */
void gs_send_raw(struct gs *t, int gw, const uint8_t *b, size_t len);

/* Encode p (failing the test if it does not) and send it. */
void gs_send_pkt(struct gs *t, int gw, const struct gw_udp_packet *p);

/* An unconfirmed data uplink whose bytes differ by fcnt; its length. */
size_t gs_mk_phy(uint8_t *b, uint16_t fcnt);

/* A CRC-OK rxpk at 868.1 MHz SF7BW125 carrying gs_mk_phy(fcnt). */
void gs_mk_rxpk(struct gw_udp_rxpk *r, uint16_t fcnt, double lsnr, int rssi);

/* PUSH_DATA with one frame, from EUI eui on socket gw. */
void gs_push(struct gs *t, int gw, uint64_t eui, uint16_t token, uint16_t fcnt,
    double lsnr, int rssi);

/* PULL_DATA from EUI eui on socket gw. */
void gs_pull(struct gs *t, int gw, uint64_t eui, uint16_t token);

/* Fail unless socket gw's next datagram is this 4-byte ACK. */
void gs_expect_ack(struct gs *t, int gw, int type, uint16_t token);

/* Occurrences of needle in the collected log. */
int gs_count_lines(const struct gs *t, const char *needle);

/* A txpk: tmst, 868.1 MHz, 14 dBm, SF7BW125 4/5, ipol, 4 bytes. */
void gs_mk_txpk(struct gw_udp_txpk *tx);

/* TX_ACK from GW1 on socket 0: error < 0, without a body; else with
 * txpk_ack.error = error (an enum gw_udp_txack_code). */
void gs_txack(struct gs *t, uint16_t token, int error);

#endif /* TESTS_UNIT_LIB_GW_SIM_H */
