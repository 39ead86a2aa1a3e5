/*
 * udp_dgram.h - datagrams for the Semtech UDP codec tests
 * (test_gw_udp.c, test_gw_udp_refusals.c).
 */
#ifndef TESTS_UNIT_LIB_UDP_DGRAM_H
#define TESTS_UNIT_LIB_UDP_DGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "gw/udp.h"

/* The gateway EUI every test datagram carries, as on the wire. */
extern const uint8_t udp_eui_bytes[8];
/* The datagram udp_mk() builds (room for one byte too many). */
extern uint8_t udp_dgram[GW_UDP_DATAGRAM_MAX + 2];

/* A version 2 datagram of the type in udp_dgram, token 0x1234, the EUI
 * where the type has one, then json (may be NULL); returns its length. */
size_t udp_mk(int type, const char *json);

/* Parse len bytes of udp_dgram, failing the test on any error; returns a
 * static packet, overwritten by the next call. */
struct gw_udp_packet *udp_parse_ok(size_t len);

/* A test rxpk, different for each i (0..15): timestamps with and without
 * time and tmms, LoRa and (i == 5) FSK, every optional member. */
void udp_fill_rxpk(struct gw_udp_rxpk *r, unsigned i);

#endif /* TESTS_UNIT_LIB_UDP_DGRAM_H */
