/*
 * gw_dedup.c - the deduplication window of gw_server: frames keyed on
 * their PHYPayload bytes, each with the receptions of every gateway that
 * heard it, delivered once when the window that opened with the first
 * reception closes.
 *
 * The table is a hash with chaining whose seed is random per server, so
 * a sender cannot choose payloads that all land in one chain; and since
 * at most max_pending frames are in it, even a bad chain stays short.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "gw/gw_server_int.h"

int
gw_dedup_init(struct gw_server *srv)
{
	size_t n = 64;

	while (n < srv->o.max_pending && n < ((size_t)1 << 20))
		n *= 2;
	srv->buckets = calloc(n, sizeof(*srv->buckets));
	if (srv->buckets == NULL)
		return GW_SERVER_ERR_NOMEM;
	srv->n_buckets = n;
	if (RAND_bytes((unsigned char *)&srv->seed, sizeof(srv->seed)) != 1)
		return GW_SERVER_ERR_RANDOM;
	return GW_SERVER_OK;
}

/* hash - FNV-1a from a random start, then a final mix so that the low
 * bits (the bucket) depend on every byte */
static uint64_t
hash(uint64_t seed, const uint8_t *b, size_t len)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static struct gw_frame **
bucket(struct gw_server *srv, uint64_t h)
{
	return &srv->buckets[h & (srv->n_buckets - 1)];
}

static struct gw_frame *
lookup(struct gw_server *srv, uint64_t h, const uint8_t *b, size_t len)
{
	struct gw_frame *f;

	for (f = *bucket(srv, h); f != NULL; f = f->next)
		if (f->hash == h && f->len == len &&
		    memcmp(f->phy, b, len) == 0)
			return f;
	return NULL;
}

/* frame_drop - out of the table and freed, delivered or not */
static void
frame_drop(struct gw_frame *f)
{
	struct gw_server *srv = f->srv;
	struct gw_frame **pp = bucket(srv, f->hash);

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	TAILQ_REMOVE(&srv->frames, f, entry);
	srv->st.pending_frames--;
	event_free(f->timer);
	free(f);
}

/* better - is reception a better than b: the higher lsnr, then the
 * higher rssi; a missing value loses against any value */
static bool
better(const struct gw_server_rx *a, const struct gw_server_rx *b)
{
	if (a->has_lsnr != b->has_lsnr)
		return a->has_lsnr;
	if (a->has_lsnr && a->lsnr != b->lsnr)
		return a->lsnr > b->lsnr;
	if (a->has_rssi != b->has_rssi)
		return a->has_rssi;
	return a->has_rssi && a->rssi > b->rssi;
}

/* window_closed - deliver the frame with every reception, then free it */
static void
window_closed(evutil_socket_t fd, short what, void *arg)
{
	struct gw_frame *f = arg;
	struct gw_server *srv = f->srv;
	struct gw_server_uplink u;
	bool any_down = false;
	size_t i, best = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < f->n_rx; i++) {
		struct gw_gateway *g = gw_find(srv, f->rx[i].gw_eui);

		f->rx[i].downlink_ok = g != NULL && gw_down_live(srv, g);
		any_down = any_down || f->rx[i].downlink_ok;
	}
	/* The best gateway is the one a downlink goes through: prefer those
	 * that can take one now. */
	for (i = 1; i < f->n_rx; i++) {
		if (any_down && !f->rx[i].downlink_ok)
			continue;
		if ((any_down && !f->rx[best].downlink_ok) ||
		    better(&f->rx[i], &f->rx[best]))
			best = i;
	}
	srv->st.frames_delivered++;
	if (srv->cb.uplink != NULL) {
		u.phy = f->phy;
		u.len = f->len;
		u.frame = &f->frame;
		u.rx = f->rx;
		u.n_rx = f->n_rx;
		u.best = best;
		srv->cb.uplink(srv->arg, &u);
	}
	frame_drop(f);
}

static void
fill_rx(struct gw_server_rx *x, uint64_t eui, const struct gw_udp_rxpk *r,
    int64_t recv_us)
{
	memset(x, 0, sizeof(*x));
	x->gw_eui = eui;
	x->tmst = r->tmst;
	x->freq_hz = r->freq_hz;
	x->datr = r->datr;
	x->has_codr = r->has_codr;
	x->codr = r->codr;
	x->has_rssi = r->has_rssi;
	x->rssi = r->rssi;
	x->has_lsnr = r->has_lsnr;
	x->lsnr = r->lsnr;
	x->has_chan = r->has_chan;
	x->chan = r->chan;
	x->has_rfch = r->has_rfch;
	x->rfch = r->rfch;
	x->has_time = r->has_time;
	x->time_us = r->time_us;
	x->has_tmms = r->has_tmms;
	x->tmms = r->tmms;
	x->recv_us = recv_us;
}

/* merge - one more reception of a pending frame; a gateway that reports
 * the frame twice (two antennas, a repeated datagram) keeps its better
 * reception, so that each gateway appears once */
static void
merge(struct gw_server *srv, struct gw_frame *f, uint64_t eui,
    const struct gw_udp_rxpk *r, int64_t recv_us)
{
	struct gw_server_rx x;
	size_t i;

	fill_rx(&x, eui, r, recv_us);
	srv->st.duplicates_merged++;
	for (i = 0; i < f->n_rx; i++) {
		if (f->rx[i].gw_eui == eui) {
			if (better(&x, &f->rx[i]))
				f->rx[i] = x;
			return;
		}
	}
	if (f->n_rx >= srv->o.max_receptions) {
		srv->st.receptions_full++;
		return;
	}
	f->rx[f->n_rx++] = x;
}

void
gw_dedup_add(struct gw_server *srv, uint64_t eui, const struct gw_udp_rxpk *r,
    int64_t recv_us)
{
	struct timeval tv = {srv->o.dedup_window_ms / 1000,
	    (srv->o.dedup_window_ms % 1000) * 1000};
	struct lw_frame lf;
	struct gw_frame *f, **b;
	uint64_t h = hash(srv->seed, r->data, r->size);

	f = lookup(srv, h, r->data, r->size);
	if (f != NULL) {
		merge(srv, f, eui, r, recv_us);
		return;
	}
	/* Same bytes decode the same way: only a new frame is decoded. */
	if (lw_phy_decode(r->data, r->size, &lf, NULL) != LW_OK) {
		srv->st.rxpk_bad_phy++;
		return;
	}
	if (srv->st.pending_frames >= srv->o.max_pending) {
		srv->st.pending_full++;
		return;
	}
	f = calloc(1, sizeof(*f) + srv->o.max_receptions * sizeof(f->rx[0]));
	if (f == NULL) {
		srv->st.pending_full++;
		return;
	}
	f->timer = evtimer_new(srv->base, window_closed, f);
	if (f->timer == NULL || evtimer_add(f->timer, &tv) != 0) {
		if (f->timer != NULL)
			event_free(f->timer);
		free(f);
		srv->st.pending_full++;
		return;
	}
	f->srv = srv;
	f->hash = h;
	f->len = r->size;
	memcpy(f->phy, r->data, r->size);
	f->frame = lf;
	fill_rx(&f->rx[0], eui, r, recv_us);
	f->n_rx = 1;
	b = bucket(srv, h);
	f->next = *b;
	*b = f;
	TAILQ_INSERT_TAIL(&srv->frames, f, entry);
	srv->st.pending_frames++;
}

void
gw_dedup_free(struct gw_server *srv)
{
	struct gw_frame *f;

	if (srv->buckets != NULL)
		while ((f = TAILQ_FIRST(&srv->frames)) != NULL)
			frame_drop(f);
	free(srv->buckets);
	srv->buckets = NULL;
}
