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

void
udp_fill_rxpk(struct gw_udp_rxpk *r, unsigned i)
{
	r->has_time = i % 2 == 0;
	r->time_us = r->has_time ? 1700000000123456LL + i : 0;
	r->has_tmms = i % 3 == 0;
	r->tmms = r->has_tmms ? 1384000000000ull + i : 0;
	r->tmst = 4294967295u - i;
	r->freq_hz = 868100000u + 200000u * i;
	r->has_chan = r->has_rfch = r->has_stat = r->has_rssi = true;
	r->chan = (uint8_t)i;
	r->rfch = (uint8_t)(i % 2);
	r->stat = (int8_t)(i % 3) - 1;
	r->rssi = (int16_t)(-120 + (int)i);
	if (i == 5) {
		r->datr.modu = GW_UDP_FSK;
		r->datr.bps = 50000;
	} else {
		r->datr.modu = GW_UDP_LORA;
		r->datr.sf = (uint8_t)(7 + i % 6);
		r->datr.bw_khz = i == 6 ? 250 : 125;
		r->has_codr = true;
		r->codr = i == 7 ? GW_UDP_CODR_OFF : (uint8_t)(5 + i % 4);
		r->has_lsnr = true;
		r->lsnr = -7.25 + 0.1 * i;
	}
	r->size = (uint16_t)(i == 0 ? GW_UDP_PAYLOAD_MAX : i * 3);
	for (unsigned k = 0; k < r->size; k++)
		r->data[k] = (uint8_t)(k * 7 + i);
}
