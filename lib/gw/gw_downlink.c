/*
 * gw_downlink.c - downlinks of gw_server: a txpk goes out as a PULL_RESP
 * to the gateway's last PULL_DATA address, and waits for the TX_ACK with
 * its token, or for its deadline.
 *
 * The token is random rather than a counter so that a TX_ACK left over
 * from before a restart, or forged by someone guessing a sequence, is
 * unlikely to complete the wrong downlink; it is unique among the
 * downlinks pending for the same gateway, since only those two keys
 * match a TX_ACK.  A protocol version 1 gateway never sends TX_ACK: its
 * downlinks end by timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "gw/gw_server_int.h"

/* finish - the downlink's one completion, then its memory.  It leaves
 * the pending list first, so that the callback may send another. */
static void
finish(struct gw_server_tx *t, struct gw_server_tx_result *res)
{
	struct gw_server *srv = t->srv;

	TAILQ_REMOVE(&srv->txs, t, entry);
	srv->st.pending_downlinks--;
	event_free(t->timer);
	res->gw_eui = t->gw_eui;
	res->token = t->token;
	if (res->why == NULL)
		res->why = "";
	if (t->cb != NULL)
		t->cb(t->arg, res);
	free(t);
}

static void
txack_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_server_tx *t = arg;
	struct gw_server_tx_result res = {.err = GW_SERVER_ERR_TIMEOUT};
	char why[64];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no TX_ACK within %u ms",
	    t->srv->o.txack_timeout_ms);
	res.why = why;
	t->srv->st.downlinks_timed_out++;
	finish(t, &res);
}

static struct gw_server_tx *
find_tx(struct gw_server *srv, uint64_t eui, uint16_t token)
{
	struct gw_server_tx *t;

	TAILQ_FOREACH(t, &srv->txs, entry)
	if (t->gw_eui == eui && t->token == token)
		return t;
	return NULL;
}

void
gw_downlink_txack(struct gw_server *srv, const struct gw_udp_packet *p)
{
	struct gw_server_tx *t = find_tx(srv, p->gw_eui, p->token);
	struct gw_server_tx_result res = {.err = GW_SERVER_OK};

	if (t == NULL) {
		/* Late (after its timeout), repeated, or not ours. */
		srv->st.txack_unmatched++;
		return;
	}
	res.has_warn = p->txack.has_warn;
	res.warn = p->txack.warn;
	if (p->txack.has_body && p->txack.error != GW_UDP_TXACK_NONE) {
		res.err = GW_SERVER_ERR_REFUSED;
		res.code = p->txack.error;
		res.why = gw_udp_txack_name(p->txack.error);
		srv->st.downlinks_refused++;
	} else
		srv->st.downlinks_acked++;
	finish(t, &res);
}

/* new_token - random, and not pending for this gateway */
static int
new_token(struct gw_server *srv, uint64_t eui, uint16_t *token)
{
	unsigned char b[2];
	int i;

	for (i = 0; i < 16; i++) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			return GW_SERVER_ERR_RANDOM;
		*token = (uint16_t)(b[0] << 8 | b[1]);
		if (find_tx(srv, eui, *token) == NULL)
			return GW_SERVER_OK;
	}
	return GW_SERVER_ERR_QUEUE;
}

int
gw_server_send(struct gw_server *srv, uint64_t gw_eui,
    const struct gw_udp_txpk *tx, gw_server_tx_cb *cb, void *arg,
    struct gw_server_tx **handle)
{
	struct timeval tv;
	struct gw_udp_packet *p;
	struct gw_gateway *g;
	struct gw_server_tx *t;
	uint8_t out[2048];
	size_t n;
	uint16_t token;
	int rc;

	if (srv == NULL || tx == NULL || cb == NULL)
		return GW_SERVER_ERR_INVAL;
	g = gw_find(srv, gw_eui);
	if (g == NULL)
		return srv->o.allow_any ? GW_SERVER_ERR_NO_DOWNLINK
					: GW_SERVER_ERR_UNKNOWN_GW;
	if (!g->has_down)
		return GW_SERVER_ERR_NO_DOWNLINK;
	if (!gw_down_live(srv, g))
		return GW_SERVER_ERR_GONE;
	if (srv->st.pending_downlinks >= srv->o.max_downlinks)
		return GW_SERVER_ERR_QUEUE;
	rc = new_token(srv, gw_eui, &token);
	if (rc != GW_SERVER_OK)
		return rc;
	/* About 6 KB, mostly the rxpk array PULL_RESP does not use. */
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return GW_SERVER_ERR_NOMEM;
	p->version = GW_UDP_VERSION;
	p->token = token;
	p->type = GW_UDP_PULL_RESP;
	p->txpk = *tx;
	rc = gw_udp_encode(p, out, sizeof(out), &n, NULL);
	free(p);
	if (rc != GW_UDP_OK)
		return GW_SERVER_ERR_ENCODE;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return GW_SERVER_ERR_NOMEM;
	t->timer = evtimer_new(srv->base, txack_timeout, t);
	if (t->timer == NULL) {
		free(t);
		return GW_SERVER_ERR_NOMEM;
	}
	if (sendto(srv->fd, out, n, 0, (struct sockaddr *)&g->down,
		g->down_len) != (ssize_t)n) {
		event_free(t->timer);
		free(t);
		return GW_SERVER_ERR_SEND;
	}
	t->srv = srv;
	t->gw_eui = gw_eui;
	t->token = token;
	t->cb = cb;
	t->arg = arg;
	tv.tv_sec = srv->o.txack_timeout_ms / 1000;
	tv.tv_usec = (srv->o.txack_timeout_ms % 1000) * 1000;
	evtimer_add(t->timer, &tv);
	TAILQ_INSERT_TAIL(&srv->txs, t, entry);
	srv->st.pending_downlinks++;
	srv->st.downlinks_sent++;
	if (handle != NULL)
		*handle = t;
	return GW_SERVER_OK;
}

void
gw_server_cancel(struct gw_server_tx *t)
{
	if (t == NULL)
		return;
	TAILQ_REMOVE(&t->srv->txs, t, entry);
	t->srv->st.pending_downlinks--;
	event_free(t->timer);
	free(t);
}

void
gw_downlink_free(struct gw_server *srv)
{
	struct gw_server_tx *t;

	while ((t = TAILQ_FIRST(&srv->txs)) != NULL) {
		struct gw_server_tx_result res = {.err = GW_SERVER_ERR_SHUTDOWN,
		    .why = gw_server_strerror(GW_SERVER_ERR_SHUTDOWN)};

		finish(t, &res);
	}
}
