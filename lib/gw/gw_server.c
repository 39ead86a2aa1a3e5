/*
 * gw_server.c - the UDP socket, one datagram at a time, and the gateway
 * table; see gw_server.h.  The deduplication window is in gw_dedup.c,
 * PULL_RESP and TX_ACK in gw_downlink.c, the log lines in gw_log.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/gw_server_int.h"

/* Datagrams read per readiness event: a flood must not starve the
 * loop's timers (the deduplication windows, the TX_ACK deadlines). */
#define READ_BURST 64

const char *
gw_server_strerror(int err)
{
	switch (err) {
	case GW_SERVER_OK:
		return "success";
	case GW_SERVER_ERR_INVAL:
		return "invalid argument";
	case GW_SERVER_ERR_NOMEM:
		return "out of memory";
	case GW_SERVER_ERR_SOCKET:
		return "cannot open or bind the UDP socket";
	case GW_SERVER_ERR_ADDRESS:
		return "not an IPv4 or IPv6 address";
	case GW_SERVER_ERR_UNKNOWN_GW:
		return "gateway not allowed";
	case GW_SERVER_ERR_NO_DOWNLINK:
		return "no PULL_DATA from the gateway yet";
	case GW_SERVER_ERR_GONE:
		return "the gateway's PULL_DATA stopped";
	case GW_SERVER_ERR_ENCODE:
		return "the txpk cannot be encoded";
	case GW_SERVER_ERR_SEND:
		return "cannot send the datagram";
	case GW_SERVER_ERR_QUEUE:
		return "too many downlinks await a TX_ACK";
	case GW_SERVER_ERR_RANDOM:
		return "no random bytes";
	case GW_SERVER_ERR_REFUSED:
		return "the gateway refused the downlink";
	case GW_SERVER_ERR_TIMEOUT:
		return "no TX_ACK in time";
	case GW_SERVER_ERR_SHUTDOWN:
		return "the server is shutting down";
	}
	return "unknown error";
}

uint64_t
gw_now_ms(struct gw_server *srv)
{
	struct timespec ts;

	if (srv->o.clock_ms != NULL)
		return srv->o.clock_ms(srv->o.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
eui_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct gw_gateway *
gw_find(struct gw_server *srv, uint64_t eui)
{
	/* eui is the first member, so the key compares like an entry; an
	 * empty table may have no array at all */
	if (srv->n_gws == 0)
		return NULL;
	return bsearch(&eui, srv->gws, srv->n_gws, sizeof(*srv->gws), eui_cmp);
}

/* gw_learn - a gateway not yet seen, under allow_any; NULL when the
 * table is full (an attacker making up EUIs cannot grow it forever) */
static struct gw_gateway *
gw_learn(struct gw_server *srv, uint64_t eui)
{
	struct gw_gateway *g;
	size_t i;

	if (srv->n_gws >= srv->o.max_gateways)
		return NULL;
	if (srv->n_gws == srv->cap_gws) {
		size_t cap = srv->cap_gws == 0 ? 16 : srv->cap_gws * 2;

		g = realloc(srv->gws, cap * sizeof(*g));
		if (g == NULL)
			return NULL;
		srv->gws = g;
		srv->cap_gws = cap;
	}
	for (i = srv->n_gws; i > 0 && srv->gws[i - 1].eui > eui; i--)
		;
	memmove(&srv->gws[i + 1], &srv->gws[i],
	    (srv->n_gws - i) * sizeof(*srv->gws));
	memset(&srv->gws[i], 0, sizeof(srv->gws[i]));
	srv->gws[i].eui = eui;
	srv->n_gws++;
	srv->st.gateways = (unsigned)srv->n_gws;
	return &srv->gws[i];
}

bool
gw_down_live(struct gw_server *srv, const struct gw_gateway *g)
{
	uint64_t limit =
	    (uint64_t)srv->o.keepalive_ms * srv->o.keepalive_misses;

	return g->has_down && gw_now_ms(srv) - g->down_ms < limit;
}

/* send_ack - PUSH_ACK or PULL_ACK: four bytes, the datagram's token */
static void
send_ack(struct gw_server *srv, const struct gw_udp_packet *p, int type,
    const struct sockaddr *sa, socklen_t salen)
{
	uint8_t ack[4] = {p->version, (uint8_t)(p->token >> 8),
	    (uint8_t)(p->token & 0xff), (uint8_t)type};

	if (sendto(srv->fd, ack, sizeof(ack), 0, sa, salen) != sizeof(ack))
		srv->st.send_errors++;
}

static void
handle_push(struct gw_server *srv, const struct gw_udp_packet *p,
    const struct sockaddr *sa, socklen_t salen)
{
	int64_t now_us = wall_us();
	size_t i;

	send_ack(srv, p, GW_UDP_PUSH_ACK, sa, salen);
	for (i = 0; i < p->n_rxpk; i++) {
		const struct gw_udp_rxpk *r = &p->rxpk[i];

		srv->st.rxpk++;
		if (!r->has_stat || r->stat != 1) {
			srv->st.rxpk_bad_crc++;
			continue;
		}
		gw_dedup_add(srv, p->gw_eui, r, now_us);
	}
	if (p->has_stat && srv->cb.status != NULL)
		srv->cb.status(srv->arg, p->gw_eui, &p->stat);
}

static void
handle_pull(struct gw_server *srv, struct gw_gateway *g,
    const struct gw_udp_packet *p, const struct sockaddr *sa, socklen_t salen)
{
	send_ack(srv, p, GW_UDP_PULL_ACK, sa, salen);
	memcpy(&g->down, sa, salen);
	g->down_len = salen;
	g->down_ms = gw_now_ms(srv);
	g->has_down = true;
}

/* handle - one datagram; nothing in it is trusted */
static void
handle(
    struct gw_server *srv, size_t n, const struct sockaddr *sa, socklen_t salen)
{
	struct gw_udp_packet *p = &srv->pkt;
	struct gw_udp_error e;
	struct gw_gateway *g;

	srv->st.datagrams++;
	memset(&e, 0, sizeof(e));
	if (gw_udp_parse(srv->buf, n, p, &e) != GW_UDP_OK) {
		srv->st.malformed++;
		gw_report_malformed(srv, sa, &e);
		return;
	}
	srv->st.by_type[p->type]++;
	if (p->type != GW_UDP_PUSH_DATA && p->type != GW_UDP_PULL_DATA &&
	    p->type != GW_UDP_TX_ACK) {
		srv->st.unexpected++;
		return;
	}
	g = gw_find(srv, p->gw_eui);
	if (g == NULL && srv->o.allow_any)
		g = gw_learn(srv, p->gw_eui);
	if (g == NULL) {
		srv->st.unknown_gw++;
		gw_report_unknown(srv, p->gw_eui, sa);
		return;
	}
	switch (p->type) {
	case GW_UDP_PUSH_DATA:
		handle_push(srv, p, sa, salen);
		break;
	case GW_UDP_PULL_DATA:
		handle_pull(srv, g, p, sa, salen);
		break;
	default:
		gw_downlink_txack(srv, p);
		break;
	}
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct gw_server *srv = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < READ_BURST; i++) {
		sl = sizeof(ss);
		/* A datagram over GW_UDP_DATAGRAM_MAX arrives cut to one byte
		 * more, which the parser refuses as too long. */
		n = recvfrom(fd, srv->buf, sizeof(srv->buf), 0,
		    (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* ICMP errors of earlier sends (ECONNREFUSED) and
			 * EINTR: the next datagram may be fine */
			continue;
		}
		if (sl > sizeof(ss))
			continue;
		handle(srv, (size_t)n, (struct sockaddr *)&ss, sl);
	}
}

/* parse_addr - an IPv4 or IPv6 literal and a port */
static int
parse_addr(
    const char *a, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int
open_socket(struct gw_server *srv, const char *address)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rcvbuf = 1 << 20;

	if (parse_addr(address, srv->o.port, &ss, &len) != 0)
		return GW_SERVER_ERR_ADDRESS;
	srv->fd =
	    socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return GW_SERVER_ERR_SOCKET;
	/* Best effort: a burst of PUSH_DATA from many gateways at once
	 * should wait in the kernel rather than be lost. */
	(void)setsockopt(
	    srv->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(srv->fd, (struct sockaddr *)&ss, len) != 0)
		return GW_SERVER_ERR_SOCKET;
	len = sizeof(ss);
	if (getsockname(srv->fd, (struct sockaddr *)&ss, &len) != 0)
		return GW_SERVER_ERR_SOCKET;
	srv->port = ntohs(ss.ss_family == AF_INET
		? ((struct sockaddr_in *)&ss)->sin_port
		: ((struct sockaddr_in6 *)&ss)->sin6_port);
	return GW_SERVER_OK;
}

/* copy_allowed - the allow-list, sorted and without repeats */
static int
copy_allowed(struct gw_server *srv, const uint64_t *euis, size_t n)
{
	size_t i;

	if (n == 0)
		return GW_SERVER_OK;
	if (euis == NULL)
		return GW_SERVER_ERR_INVAL;
	srv->gws = calloc(n, sizeof(*srv->gws));
	if (srv->gws == NULL)
		return GW_SERVER_ERR_NOMEM;
	srv->cap_gws = n;
	for (i = 0; i < n; i++)
		srv->gws[i].eui = euis[i];
	qsort(srv->gws, n, sizeof(*srv->gws), eui_cmp);
	srv->n_gws = 0;
	for (i = 0; i < n; i++)
		if (srv->n_gws == 0 ||
		    srv->gws[srv->n_gws - 1].eui != srv->gws[i].eui)
			srv->gws[srv->n_gws++] = srv->gws[i];
	srv->st.gateways = (unsigned)srv->n_gws;
	return GW_SERVER_OK;
}

static void
fill_defaults(struct gw_server_opts *o)
{
	if (o->dedup_window_ms == 0)
		o->dedup_window_ms = 200;
	if (o->max_pending == 0)
		o->max_pending = 1024;
	if (o->max_receptions == 0)
		o->max_receptions = 16;
	if (o->keepalive_ms == 0)
		o->keepalive_ms = 10000;
	if (o->keepalive_misses == 0)
		o->keepalive_misses = 3;
	if (o->txack_timeout_ms == 0)
		o->txack_timeout_ms = 1000;
	if (o->max_downlinks == 0)
		o->max_downlinks = 1024;
	if (o->max_gateways == 0)
		o->max_gateways = 10000;
}

struct gw_server *
gw_server_new(struct event_base *base, const struct gw_server_opts *o,
    const struct gw_server_callbacks *cb, void *arg, int *err)
{
	struct gw_server *srv;
	int rc;

	if (err != NULL)
		*err = GW_SERVER_ERR_INVAL;
	if (base == NULL)
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		if (err != NULL)
			*err = GW_SERVER_ERR_NOMEM;
		return NULL;
	}
	srv->fd = -1;
	srv->base = base;
	if (o != NULL)
		srv->o = *o;
	srv->o.gateways = NULL;
	srv->o.n_gateways = 0;
	fill_defaults(&srv->o);
	if (cb != NULL)
		srv->cb = *cb;
	srv->arg = arg;
	srv->rl_unknown.max = 20;
	srv->rl_malformed.max = 10;
	TAILQ_INIT(&srv->frames);
	TAILQ_INIT(&srv->txs);
	rc = copy_allowed(
	    srv, o != NULL ? o->gateways : NULL, o != NULL ? o->n_gateways : 0);
	if (rc == GW_SERVER_OK)
		rc = gw_dedup_init(srv);
	if (rc == GW_SERVER_OK)
		rc = open_socket(srv,
		    o != NULL && o->address != NULL ? o->address : "0.0.0.0");
	if (rc == GW_SERVER_OK) {
		srv->ev = event_new(
		    base, srv->fd, EV_READ | EV_PERSIST, on_read, srv);
		if (srv->ev == NULL || event_add(srv->ev, NULL) != 0)
			rc = GW_SERVER_ERR_NOMEM;
	}
	if (rc != GW_SERVER_OK) {
		if (err != NULL)
			*err = rc;
		gw_server_free(srv);
		return NULL;
	}
	if (err != NULL)
		*err = GW_SERVER_OK;
	return srv;
}

void
gw_server_free(struct gw_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->ev != NULL)
		event_free(srv->ev);
	if (srv->fd >= 0)
		close(srv->fd);
	gw_downlink_free(srv);
	gw_dedup_free(srv);
	free(srv->gws);
	free(srv);
}

uint16_t
gw_server_port(const struct gw_server *srv)
{
	return srv != NULL ? srv->port : 0;
}

void
gw_server_stats(const struct gw_server *srv, struct gw_server_stats *s)
{
	*s = srv->st;
}
