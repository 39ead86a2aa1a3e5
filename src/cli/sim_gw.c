/*
 * sim_gw.c - simulated Semtech UDP gateways (see sim.h): one connected
 * UDP socket per gateway for both directions, as a NAT'd forwarder
 * looks to the NS, PULL_DATA every keepalive, PUSH_DATA per heard frame,
 * and TX_ACK for every PULL_RESP after the forwarder's timing check.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "lorawan/ids.h"
#include "sim.h"

uint32_t
sim_gw_counter(const struct sim_gw *g, int64_t now_us)
{
	/* The concentrator counts µs in 32 bits and wraps every 71.6 min. */
	return (uint32_t)((uint64_t)now_us + g->offset);
}

/* gw_send - encode s->out and send it on the gateway's socket */
static int
gw_send(struct sim *s, struct sim_gw *g)
{
	struct gw_udp_error e;
	char eui[17];
	size_t n;

	s->out.version = GW_UDP_VERSION;
	s->out.gw_eui = g->eui;
	if (gw_udp_encode(&s->out, s->buf, sizeof(s->buf), &n, &e) != 0) {
		/* Only our own values go in: a bug, not a network event. */
		fprintf(stderr, "loradane sim: encode %s: %s\n",
		    gw_udp_type_name(s->out.type), e.text);
		s->st.send_errors++;
		return -1;
	}
	if (send(g->fd, s->buf, n, 0) != (ssize_t)n) {
		s->st.send_errors++;
		if (s->o.verbose > 0) {
			lw_eui64_format(g->eui, eui, sizeof(eui));
			fprintf(stderr, "loradane sim: gateway %s: send: %s\n",
			    eui, strerror(errno));
		}
		return -1;
	}
	return 0;
}

/* push_expire - PUSH_DATA unacknowledged for too long count missing */
static void
push_expire(struct sim *s, struct sim_gw *g, int64_t now_us, bool all)
{
	int i, j = 0;

	for (i = 0; i < g->npush; i++) {
		if (all || now_us - g->push[i].sent_us >= SIM_PUSH_ACK_WAIT_US)
			s->st.push_ack_missing++;
		else
			g->push[j++] = g->push[i];
	}
	g->npush = j;
}

/* push_acked - a PUSH_ACK: forget its PUSH_DATA (unknown tokens are
 * late ACKs of ones already counted missing) */
static void
push_acked(struct sim_gw *g, uint16_t token)
{
	int i;

	for (i = 0; i < g->npush; i++)
		if (g->push[i].token == token) {
			g->push[i] = g->push[--g->npush];
			return;
		}
}

/* on_keepalive - PULL_DATA, which also keeps the NS's return path */
static void
on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct sim_gw *g = arg;
	struct sim *s = g->s;

	(void)fd;
	(void)what;
	push_expire(s, g, sim_now_us(), false);
	memset(&s->out, 0, sizeof(s->out));
	s->out.type = GW_UDP_PULL_DATA;
	s->out.token = (uint16_t)sim_rand(s);
	gw_send(s, g);
}

int
sim_gw_push(struct sim *s, struct sim_gw *g, const uint8_t *phy, size_t len,
    uint32_t freq_hz, unsigned chan, unsigned dr, uint32_t *tmst)
{
	struct gw_udp_rxpk *r = &s->out.rxpk[0];
	struct lw_dr_params p;
	struct timespec ts;
	int64_t now = sim_now_us();

	if (lw_region_dr(s->o.region, true, dr, &p, NULL) != LW_OK || p.fsk ||
	    len > sizeof(r->data))
		return -1;
	memset(&s->out, 0, sizeof(s->out));
	s->out.type = GW_UDP_PUSH_DATA;
	s->out.token = (uint16_t)sim_rand(s);
	s->out.n_rxpk = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->has_time = true;
	r->time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	r->tmst = *tmst = sim_gw_counter(g, now);
	r->freq_hz = freq_hz;
	r->has_chan = r->has_rfch = r->has_stat = true;
	r->chan = (uint8_t)(chan % 8); /* the concentrator's IF chain */
	r->rfch = 0;
	r->stat = 1;
	r->datr.modu = GW_UDP_LORA;
	r->datr.sf = p.sf;
	r->datr.bw_khz = p.bw_khz;
	r->has_codr = r->has_rssi = r->has_lsnr = true;
	r->codr = 5;
	r->rssi = (int16_t)(-40 - (int)(sim_rand(s) % 80));
	r->lsnr = (double)(int)(sim_rand(s) % 200 - 100) / 10.0;
	r->size = (uint16_t)len;
	memcpy(r->data, phy, len);
	if (g->npush == SIM_PUSH_PENDING) {
		/* Full: the oldest has waited longest; it counts missing. */
		int i, o = 0;

		for (i = 1; i < g->npush; i++)
			if (g->push[i].sent_us < g->push[o].sent_us)
				o = i;
		s->st.push_ack_missing++;
		g->push[o] = g->push[--g->npush];
	}
	g->push[g->npush].token = s->out.token;
	g->push[g->npush].sent_us = now;
	g->npush++;
	s->st.push_sent++;
	return gw_send(s, g);
}

/* pull_resp - the forwarder's side of a PULL_RESP: check the timing,
 * answer TX_ACK, and "transmit" what it accepts */
static void
pull_resp(
    struct sim *s, struct sim_gw *g, const struct gw_udp_packet *p, int64_t now)
{
	struct gw_udp_txpk tx = p->txpk;
	enum gw_udp_txack_code code = GW_UDP_TXACK_NONE;
	uint32_t cnt = sim_gw_counter(g, now);
	char eui[17];

	if (tx.has_tmst) {
		/* Wrap-aware: a tmst up to 2^31 µs ahead is in the future. */
		if ((int32_t)(tx.tmst - cnt) < (int32_t)SIM_TX_LEAD_US)
			code = GW_UDP_TXACK_TOO_LATE;
	} else if (!tx.imme) {
		/* Only tmms (GPS time) is left, and we have no GPS. */
		code = GW_UDP_TXACK_GPS_UNLOCKED;
	}
	memset(&s->out, 0, sizeof(s->out));
	s->out.type = GW_UDP_TX_ACK;
	s->out.token = p->token;
	s->out.txack.has_body = true;
	s->out.txack.error = code;
	gw_send(s, g);
	if (code == GW_UDP_TXACK_TOO_LATE)
		s->st.too_late++;
	if (code != GW_UDP_TXACK_NONE) {
		if (s->o.verbose > 0) {
			lw_eui64_format(g->eui, eui, sizeof(eui));
			fprintf(stderr,
			    "downlink gateway %s tmst %u counter %u: TX_ACK "
			    "%s\n",
			    eui, (unsigned)tx.tmst, (unsigned)cnt,
			    gw_udp_txack_name(code));
		}
		return;
	}
	sim_dev_downlink(s, g, &tx, now);
}

/* on_read - every datagram waiting on a gateway's socket */
static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct sim_gw *g = arg;
	struct sim *s = g->s;
	struct gw_udp_error e;
	char eui[17];
	ssize_t n;
	int64_t now;

	(void)what;
	for (;;) {
		n = recv(fd, s->buf, sizeof(s->buf), 0);
		if (n < 0) {
			/* ECONNREFUSED: an ICMP error for an earlier send
			 * while nothing listens; the keepalive retries. */
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && s->o.verbose > 0) {
				lw_eui64_format(g->eui, eui, sizeof(eui));
				fprintf(stderr,
				    "loradane sim: gateway %s: recv: %s\n", eui,
				    strerror(errno));
			}
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			return;
		}
		now = sim_now_us();
		if (gw_udp_parse(s->buf, (size_t)n, &s->pkt, &e) != 0) {
			lw_eui64_format(g->eui, eui, sizeof(eui));
			fprintf(stderr,
			    "loradane sim: gateway %s: bad datagram: %s\n", eui,
			    e.text);
			continue;
		}
		switch (s->pkt.type) {
		case GW_UDP_PUSH_ACK:
			push_acked(g, s->pkt.token);
			break;
		case GW_UDP_PULL_ACK:
			g->ready = true;
			break;
		case GW_UDP_PULL_RESP:
			pull_resp(s, g, &s->pkt, now);
			break;
		default:
			lw_eui64_format(g->eui, eui, sizeof(eui));
			fprintf(stderr,
			    "loradane sim: gateway %s: unexpected %s\n", eui,
			    gw_udp_type_name(s->pkt.type));
		}
	}
}

/* gw_open - one gateway's socket, events and first PULL_DATA */
static int
gw_open(struct sim *s, struct sim_gw *g, const struct addrinfo *ai)
{
	struct timeval tv;

	g->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (g->fd < 0 || evutil_make_socket_nonblocking(g->fd) != 0 ||
	    connect(g->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "loradane sim: gateway socket: %s\n",
		    strerror(errno));
		return -1;
	}
	g->ev_read =
	    event_new(s->base, g->fd, EV_READ | EV_PERSIST, on_read, g);
	g->ev_keep = event_new(s->base, -1, EV_PERSIST, on_keepalive, g);
	if (g->ev_read == NULL || g->ev_keep == NULL)
		return -1;
	tv.tv_sec = s->o.keepalive_ms / 1000;
	tv.tv_usec = (suseconds_t)(s->o.keepalive_ms % 1000) * 1000;
	if (event_add(g->ev_read, NULL) != 0 || event_add(g->ev_keep, &tv) != 0)
		return -1;
	on_keepalive(-1, 0, g);
	return 0;
}

int
sim_gw_open_all(struct sim *s)
{
	struct addrinfo hints, *ai = NULL;
	int i, rc;
	int64_t now = sim_now_us();

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	/* Before the loop runs: the only lookup, and it may block. */
	rc = getaddrinfo(s->o.ns_addr, s->o.ns_port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "loradane sim: --ns %s %s: %s\n", s->o.ns_addr,
		    s->o.ns_port, gai_strerror(rc));
		return -1;
	}
	s->gws = calloc((size_t)s->o.ngw, sizeof(*s->gws));
	if (s->gws == NULL) {
		freeaddrinfo(ai);
		return -1;
	}
	for (i = 0; i < s->o.ngw; i++)
		s->gws[i].fd = -1;
	for (i = 0; i < s->o.ngw; i++) {
		struct sim_gw *g = &s->gws[i];

		g->s = s;
		g->idx = i;
		g->eui = s->o.gw_eui + (uint64_t)i;
		/* Counters start anywhere (as on real gateways), or all at
		 * --tmst-start so that a test can make them wrap. */
		if (s->o.has_tmst_start)
			g->offset = s->o.tmst_start - (uint32_t)now;
		else
			g->offset = (uint32_t)sim_rand(s);
		if (gw_open(s, g, ai) != 0) {
			freeaddrinfo(ai);
			return -1;
		}
	}
	freeaddrinfo(ai);
	return 0;
}

void
sim_gw_close_all(struct sim *s)
{
	int i;

	if (s->gws == NULL)
		return;
	for (i = 0; i < s->o.ngw; i++) {
		struct sim_gw *g = &s->gws[i];

		push_expire(s, g, 0, true);
		if (g->ev_read != NULL)
			event_free(g->ev_read);
		if (g->ev_keep != NULL)
			event_free(g->ev_keep);
		if (g->fd >= 0)
			close(g->fd);
	}
	free(s->gws);
	s->gws = NULL;
}

bool
sim_gw_all_ready(const struct sim *s)
{
	int i;

	for (i = 0; i < s->o.ngw; i++)
		if (!s->gws[i].ready)
			return false;
	return true;
}

int
sim_gw_pending(const struct sim *s)
{
	int i, n = 0;

	for (i = 0; i < s->o.ngw; i++)
		n += s->gws[i].npush;
	return n;
}
