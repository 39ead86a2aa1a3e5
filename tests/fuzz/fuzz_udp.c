/*
 * fuzz_udp.c - libFuzzer target: bytes as a Semtech UDP datagram
 * (gw/udp.h).  Properties checked, beyond "no crash, no leak":
 * - a refusal carries its code and a text naming the field;
 * - whatever parses encodes, the encoding parses to the same struct, and
 *   encoding that again gives the same bytes;
 * - each received LoRa packet can be fed to the RX window computation
 *   (lorawan/region.h) for both regions, and an accepted answer is
 *   scheduled exactly its delay after the uplink, modulo 2^32.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/udp.h"
#include "lorawan/region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
windows(const struct gw_udp_rxpk *r)
{
	struct lw_rx_request q;
	struct lw_tx_window rx1, rx2;
	struct lw_region_error e;
	char datr[16];

	if (gw_udp_datr_format(&r->datr, datr, sizeof(datr)) != 0)
		return;
	memset(&q, 0, sizeof(q));
	q.up_freq_hz = r->freq_hz;
	q.up_datr = datr;
	q.up_tmst = r->tmst;
	q.join_accept = r->tmst & 1;
	q.rx1_dr_offset = r->chan % 8;
	q.rx_delay_s = r->rfch % 17;
	q.has_rx2_dr = r->size & 1;
	q.rx2_dr = r->size % 16;
	for (int reg = LW_REGION_EU868; reg <= LW_REGION_US915; reg++) {
		int rc = lw_region_rx_windows(
		    (enum lw_region)reg, &q, &rx1, &rx2, &e);

		if (rc != LW_OK) {
			if (rc != LW_ERR_FIELD || e.field == NULL)
				abort();
			continue;
		}
		if (rx1.tmst != (uint32_t)(r->tmst + rx1.delay_us) ||
		    rx2.tmst != (uint32_t)(r->tmst + rx2.delay_us) ||
		    rx2.delay_us != rx1.delay_us + 1000000u)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_udp_packet *p = malloc(sizeof(*p));
	struct gw_udp_packet *back = malloc(sizeof(*back));
	uint8_t *a = malloc(GW_UDP_DATAGRAM_MAX);
	uint8_t *b = malloc(GW_UDP_DATAGRAM_MAX);
	struct gw_udp_error e;
	size_t na, nb;
	int rc;

	if (p == NULL || back == NULL || a == NULL || b == NULL)
		goto done;
	rc = gw_udp_parse(data, size, p, &e);
	if (rc != GW_UDP_OK) {
		if (e.code != rc || e.text[0] == '\0' ||
		    strncmp(e.text, e.field, strlen(e.field)) != 0)
			abort();
		goto done;
	}
	if (gw_udp_encode(p, a, GW_UDP_DATAGRAM_MAX, &na, &e) != GW_UDP_OK)
		abort();
	memset(back, 0xa5, sizeof(*back));
	if (gw_udp_parse(a, na, back, &e) != GW_UDP_OK)
		abort();
	if (back->type != p->type || back->token != p->token ||
	    back->version != p->version || back->gw_eui != p->gw_eui ||
	    back->n_rxpk != p->n_rxpk || back->has_stat != p->has_stat)
		abort();
	for (size_t i = 0; i < p->n_rxpk; i++)
		if (back->rxpk[i].tmst != p->rxpk[i].tmst ||
		    back->rxpk[i].freq_hz != p->rxpk[i].freq_hz ||
		    back->rxpk[i].size != p->rxpk[i].size ||
		    memcmp(back->rxpk[i].data, p->rxpk[i].data,
			p->rxpk[i].size) != 0)
			abort();
	if (p->type == GW_UDP_PULL_RESP &&
	    (back->txpk.freq_hz != p->txpk.freq_hz ||
		back->txpk.tmst != p->txpk.tmst ||
		back->txpk.size != p->txpk.size))
		abort();
	if (p->type == GW_UDP_TX_ACK && back->txack.error != p->txack.error)
		abort();
	/* and every other member too: both structs come from the parser */
	if (memcmp(back, p, sizeof(*p)) != 0)
		abort();
	if (gw_udp_encode(back, b, GW_UDP_DATAGRAM_MAX, &nb, &e) != GW_UDP_OK ||
	    na != nb || memcmp(a, b, na) != 0)
		abort();
	for (size_t i = 0; i < p->n_rxpk; i++)
		windows(&p->rxpk[i]);
done:
	free(p);
	free(back);
	free(a);
	free(b);
	return 0;
}
