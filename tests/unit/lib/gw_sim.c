/*
 * gw_sim.c - see gw_sim.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "gw_sim.h"

const uint64_t gs_allowed[3] = {GW1, GW2, GW3};

static void
gs_on_uplink(void *arg, const struct gw_server_uplink *u)
{
	struct gs *t = arg;
	struct gs_up *c;

	/* Beyond GS_MAX_UP (the random datagrams) only counted. */
	if (t->n_up++ >= GS_MAX_UP)
		return;
	c = &t->up[t->n_up - 1];
	memcpy(c->phy, u->phy, u->len);
	c->len = u->len;
	assert_true(u->n_rx <= 16);
	memcpy(c->rx, u->rx, u->n_rx * sizeof(*u->rx));
	c->n_rx = u->n_rx;
	c->best = u->best;
	c->mtype = (int)u->frame->mtype;
}

static void
gs_on_log(void *arg, int prio, const char *msg)
{
	tu_log_sink(&((struct gs *)arg)->log, prio, msg);
}

void
gs_on_tx(void *arg, const struct gw_server_tx_result *r)
{
	struct gs *t = arg;

	t->tx_done++;
	t->tx = *r;
	snprintf(t->tx_why, sizeof(t->tx_why), "%s", r->why);
	t->tx.why = t->tx_why;
}

static void
gs_gw_read(evutil_socket_t fd, short what, void *arg)
{
	struct gs_gw *g = arg;
	uint8_t buf[2048];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf), 0)) >= 0) {
		if (g->n_dg < GS_MAX_DG) {
			memcpy(g->dg[g->n_dg], buf, (size_t)n);
			g->dg_len[g->n_dg++] = (size_t)n;
		}
	}
}

/* wait_count - run the loop until *n reaches want, or the deadline */
int
gs_wait(struct gs *t, const int *n, int want)
{
	uint64_t end = tu_now_ms() + GS_DEADLINE;

	while (*n < want) {
		struct timeval tv = {0, 20000};

		if (tu_now_ms() >= end)
			return 0;
		event_base_loopexit(t->base, &tv);
		event_base_dispatch(t->base);
	}
	return 1;
}

void
gs_start(struct gs *t)
{
	struct gw_server_callbacks cb = {gs_on_uplink, NULL, gs_on_log};
	int err, i;

	t->srv = gw_server_new(t->base, &t->o, &cb, t, &err);
	if (t->srv == NULL)
		fail_msg("gw_server_new: %s", gw_server_strerror(err));
	memset(&t->to, 0, sizeof(t->to));
	t->to.sin_family = AF_INET;
	t->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t->to.sin_port = htons(gw_server_port(t->srv));
	assert_int_not_equal(gw_server_port(t->srv), 0);
	for (i = 0; i < 3; i++) {
		struct gs_gw *g = &t->gw[i];

		g->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_true(g->fd >= 0);
		g->ev = event_new(
		    t->base, g->fd, EV_READ | EV_PERSIST, gs_gw_read, g);
		assert_non_null(g->ev);
		assert_int_equal(event_add(g->ev, NULL), 0);
	}
}

int
gs_setup(void **state)
{
	struct gs *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->base = event_base_new();
	assert_non_null(t->base);
	t->o.address = "127.0.0.1";
	t->o.gateways = gs_allowed;
	t->o.n_gateways = 3;
	t->o.clock_ms = tu_clock_read;
	t->o.clock_arg = &t->clock;
	t->clock.now_ms = 1000000;
	*state = t;
	return 0;
}

int
gs_teardown(void **state)
{
	struct gs *t = *state;
	int i;

	gw_server_free(t->srv);
	for (i = 0; i < 3; i++) {
		if (t->gw[i].ev != NULL)
			event_free(t->gw[i].ev);
		if (t->gw[i].fd > 0)
			close(t->gw[i].fd);
	}
	event_base_free(t->base);
	free(t);
	return 0;
}

void
gs_send_raw(struct gs *t, int gw, const uint8_t *b, size_t len)
{
	assert_int_equal(sendto(t->gw[gw].fd, b, len, 0,
			     (struct sockaddr *)&t->to, sizeof(t->to)),
	    (ssize_t)len);
}

void
gs_send_pkt(struct gs *t, int gw, const struct gw_udp_packet *p)
{
	uint8_t out[GW_UDP_DATAGRAM_MAX];
	struct gw_udp_error e;
	size_t n;

	if (gw_udp_encode(p, out, sizeof(out), &n, &e) != GW_UDP_OK)
		fail_msg("encode: %s", e.text);
	gs_send_raw(t, gw, out, n);
}

/* An unconfirmed data uplink whose bytes differ by fcnt. */
size_t
gs_mk_phy(uint8_t *b, uint16_t fcnt)
{
	const uint8_t f[15] = {0x40, 0x04, 0x03, 0x02, 0x01, 0x00,
	    (uint8_t)(fcnt & 0xff), (uint8_t)(fcnt >> 8), 0x01, 'h', 'i', 0xa1,
	    0xb2, 0xc3, 0xd4};

	memcpy(b, f, sizeof(f));
	return sizeof(f);
}

void
gs_mk_rxpk(struct gw_udp_rxpk *r, uint16_t fcnt, double lsnr, int rssi)
{
	memset(r, 0, sizeof(*r));
	r->tmst = 3512348611u;
	r->freq_hz = 868100000;
	r->has_stat = true;
	r->stat = 1;
	r->datr.modu = GW_UDP_LORA;
	r->datr.sf = 7;
	r->datr.bw_khz = 125;
	r->has_codr = true;
	r->codr = 5;
	r->has_rssi = true;
	r->rssi = (int16_t)rssi;
	r->has_lsnr = true;
	r->lsnr = lsnr;
	r->size = (uint16_t)gs_mk_phy(r->data, fcnt);
}

/* push - PUSH_DATA with one frame from the gateway EUI on socket gw */
void
gs_push(struct gs *t, int gw, uint64_t eui, uint16_t token, uint16_t fcnt,
    double lsnr, int rssi)
{
	static struct gw_udp_packet p;

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = token;
	p.type = GW_UDP_PUSH_DATA;
	p.gw_eui = eui;
	p.n_rxpk = 1;
	gs_mk_rxpk(&p.rxpk[0], fcnt, lsnr, rssi);
	gs_send_pkt(t, gw, &p);
}

void
gs_pull(struct gs *t, int gw, uint64_t eui, uint16_t token)
{
	struct gw_udp_packet p;

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = token;
	p.type = GW_UDP_PULL_DATA;
	p.gw_eui = eui;
	gs_send_pkt(t, gw, &p);
}

/* expect_ack - the gateway's next datagram is this 4-byte ACK */
void
gs_expect_ack(struct gs *t, int gw, int type, uint16_t token)
{
	struct gs_gw *g = &t->gw[gw];
	const uint8_t want[4] = {
	    2, (uint8_t)(token >> 8), (uint8_t)token, (uint8_t)type};

	g->n_dg = 0;
	if (!gs_wait(t, &g->n_dg, 1))
		fail_msg("no %s for token %04x", gw_udp_type_name(type), token);
	assert_int_equal(g->dg_len[0], 4);
	assert_memory_equal(g->dg[0], want, 4);
}

int
gs_count_lines(const struct gs *t, const char *needle)
{
	const char *p = t->log.buf;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

void
gs_mk_txpk(struct gw_udp_txpk *tx)
{
	memset(tx, 0, sizeof(*tx));
	tx->has_tmst = true;
	tx->tmst = 3517348611u;
	tx->freq_hz = 868100000;
	tx->has_powe = true;
	tx->powe = 14;
	tx->datr.modu = GW_UDP_LORA;
	tx->datr.sf = 7;
	tx->datr.bw_khz = 125;
	tx->codr = 5;
	tx->ipol = true;
	tx->size = 4;
	memcpy(tx->data, "\x20\x01\x02\x03", 4);
}

/* downlink - PULL_DATA from GW1, then a PULL_RESP to it; returns the
 * token the gateway saw */
void
gs_txack(struct gs *t, uint16_t token, int error)
{
	struct gw_udp_packet p;

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = token;
	p.type = GW_UDP_TX_ACK;
	p.gw_eui = GW1;
	if (error >= 0) {
		p.txack.has_body = true;
		p.txack.error = (enum gw_udp_txack_code)error;
	}
	gs_send_pkt(t, 0, &p);
}
