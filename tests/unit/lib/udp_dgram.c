/*
 * udp_dgram.c - see udp_dgram.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "udp_dgram.h"

const uint8_t udp_eui_bytes[8] = {0xaa, 0x55, 0x5a, 0, 0, 0, 0x01, 0x01};
uint8_t udp_dgram[GW_UDP_DATAGRAM_MAX + 2];

size_t
udp_mk(int type, const char *json)
{
	size_t off = 4, n = json != NULL ? strlen(json) : 0;

	udp_dgram[0] = 2;
	udp_dgram[1] = 0x12;
	udp_dgram[2] = 0x34;
	udp_dgram[3] = (uint8_t)type;
	if (type == GW_UDP_PUSH_DATA || type == GW_UDP_PULL_DATA ||
	    type == GW_UDP_TX_ACK) {
		memcpy(udp_dgram + 4, udp_eui_bytes, 8);
		off = 12;
	}
	if (n > 0)
		memcpy(udp_dgram + off, json, n);
	return off + n;
}

struct gw_udp_packet *
udp_parse_ok(size_t len)
{
	static struct gw_udp_packet p;
	struct gw_udp_error e;
	int rc = gw_udp_parse(udp_dgram, len, &p, &e);

	if (rc != GW_UDP_OK)
		fail_msg("parse: %s (%s)", gw_udp_strerror(rc), e.text);
	return &p;
}
