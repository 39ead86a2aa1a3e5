/*
 * sim_dev.c - simulated OTAA devices (see sim.h): the devices file,
 * join-requests with the DevNonce rules of each MAC version, and the
 * device's half of a join-accept: the receive window it arrived in, the
 * decryption, the MIC and the session keys (lorawan-backend.md §2.3-2.5).
 *
 * Root key: a device with a NwkKey signs and decrypts with it (1.1, or a
 * 1.1 device joined as 1.0), otherwise with its AppKey, as in join.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "backend/bi.h"
#include "lorawan/crypto.h"
#include "lorawan/devlist.h"
#include "lorawan/ids.h"
#include "lorawan/join.h"
#include "lorawan/phy.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/config.h"

#define NONCE_SPACE 65536

static const uint8_t *
root_key(const struct sim_dev *d)
{
	return d->has_nwk_key ? d->nwk_key : d->app_key;
}

/* add_dev - one device of the list, as the simulator keeps it */
static int
add_dev(void *arg, const struct lw_devlist_entry *e)
{
	struct sim *s = arg;
	struct sim_dev *d, *nd;

	if (s->ndev == s->capdev) {
		s->capdev = s->capdev == 0 ? 64 : s->capdev * 2;
		nd = realloc(s->devs, (size_t)s->capdev * sizeof(*nd));
		if (nd == NULL)
			return -2;
		s->devs = nd;
	}
	d = &s->devs[s->ndev++];
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->dev_eui = e->dev_eui;
	d->join_eui = e->join_eui;
	d->macv = (int)bi_macv_parse(e->mac_version);
	d->v11 = e->v11;
	d->counter = e->counter;
	d->has_nwk_key = e->has_nwk_key;
	memcpy(d->app_key, e->app_key, 16);
	memcpy(d->nwk_key, e->nwk_key, 16);
	d->next_nonce = s->o.devnonce_start;
	return 0;
}

int
sim_dev_load(struct sim *s, const char *path)
{
	char why[512];
	int rc = lw_devlist_read(path, add_dev, s, why, sizeof(why));

	if (rc == -2) {
		fprintf(stderr, "loradane sim: out of memory\n");
		return -1;
	}
	if (rc != 0) {
		fprintf(stderr, "loradane sim: %s\n", why);
		return -1;
	}
	if (s->ndev == 0) {
		fprintf(stderr, "loradane sim: %s: no device\n", path);
		return -1;
	}
	return 0;
}

void
sim_dev_free_all(struct sim *s)
{
	int i;

	for (i = 0; i < s->ndev; i++) {
		if (s->devs[i].ev_timeout != NULL)
			event_free(s->devs[i].ev_timeout);
		if (s->devs[i].ev_data != NULL)
			event_free(s->devs[i].ev_data);
		free(s->devs[i].used);
	}
	free(s->devs);
	s->devs = NULL;
	s->ndev = 0;
}

/* next_nonce - 1.0.4/1.1: the counter; older: random, never one this
 * run sent (the JS would refuse it and hide a real refusal) */
static int
next_nonce(struct sim *s, struct sim_dev *d, uint16_t *nonce)
{
	uint32_t v, i;

	if (d->counter) {
		if (d->next_nonce >= NONCE_SPACE)
			return -1;
		*nonce = (uint16_t)d->next_nonce++;
		return 0;
	}
	if (d->used == NULL && (d->used = calloc(NONCE_SPACE / 8, 1)) == NULL)
		return -1;
	v = (uint32_t)(sim_rand(s) % NONCE_SPACE);
	/* From a random start, the first unused value: exhausts cleanly. */
	for (i = 0; i < NONCE_SPACE; i++, v = (v + 1) % NONCE_SPACE)
		if ((d->used[v / 8] & (1u << (v % 8))) == 0) {
			d->used[v / 8] |= (uint8_t)(1u << (v % 8));
			*nonce = (uint16_t)v;
			return 0;
		}
	return -1;
}

void
sim_pick_channel(struct sim *s, unsigned dr, unsigned *ch, uint32_t *freq)
{
	if (s->o.region == LW_REGION_US915) {
		/* DR4 (SF8BW500) only on 64..71, DR0..3 on 0..63 */
		if (dr == 4) {
			*ch = 64 + (unsigned)(sim_rand(s) % 8);
			*freq = 903000000u + 1600000u * (*ch - 64);
		} else {
			*ch = (unsigned)(sim_rand(s) % 64);
			*freq = 902300000u + 200000u * *ch;
		}
		return;
	}
	*ch = (unsigned)(sim_rand(s) % 3); /* 868.1, 868.3, 868.5 MHz */
	*freq = 868100000u + 200000u * *ch;
}

void
sim_pick_gws(struct sim *s, struct sim_dev *d)
{
	int j;

	/* k distinct gateways: few draws, since k is at most 16 */
	d->nup = 0;
	while (d->nup < s->o.gpf) {
		int g = (int)(sim_rand(s) % (uint64_t)s->o.ngw);

		for (j = 0; j < d->nup && d->up[j].gw != g; j++)
			;
		if (j == d->nup)
			d->up[d->nup++].gw = g;
	}
}

/* on_timeout - no valid join-accept 7 s after the uplink */
static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sim_dev *d = arg;
	struct sim *s = d->s;
	char eui[17];

	(void)fd;
	(void)what;
	TAILQ_REMOVE(&s->waiting, d, wait_link);
	d->state = SIM_DEV_IDLE;
	s->st.join_timeouts++;
	if (!s->stopping && d->attempts <= s->o.retries &&
	    sim_dev_join(s, d) == 0)
		return;
	if (s->o.verbose > 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr,
		    "join %s failed: no join-accept within %u s, %u "
		    "attempts\n",
		    eui, SIM_JOIN_TIMEOUT_US / 1000000, d->attempts);
	}
	sim_join_done(s, d, false);
}

int
sim_dev_join(struct sim *s, struct sim_dev *d)
{
	struct lw_rx_request rq;
	struct lw_frame f;
	struct timeval tv;
	uint8_t phy[LW_JOIN_REQUEST_LEN];
	char datr[LW_DATR_MAX], eui[17];
	unsigned ch, dr = s->o.dr;
	int i;
	size_t n;

	if (next_nonce(s, d, &d->dev_nonce) != 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr, "loradane sim: %s: DevNonces exhausted\n", eui);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_REQUEST;
	f.u.jr.join_eui = d->join_eui;
	f.u.jr.dev_eui = d->dev_eui;
	f.u.jr.dev_nonce = d->dev_nonce;
	if (lw_phy_encode(&f, phy, sizeof(phy), &n, NULL) != LW_OK ||
	    lw_mic_join_request(
		s->crypto, root_key(d), phy, n - 4, phy + n - 4) != LW_OK)
		return -1;
	sim_pick_channel(s, dr, &ch, &d->freq_hz);
	memset(&rq, 0, sizeof(rq));
	rq.up_freq_hz = d->freq_hz;
	rq.up_datr = datr;
	rq.join_accept = true;
	if (lw_region_dr_datr(
		s->o.region, true, dr, datr, sizeof(datr), NULL) != LW_OK ||
	    lw_region_rx_windows(s->o.region, &rq, &d->rx1, &d->rx2, NULL) !=
		LW_OK)
		return -1;
	sim_pick_gws(s, d);
	d->attempts++;
	s->st.joins_sent++;
	d->up_us = sim_now_us();
	for (i = 0; i < d->nup; i++)
		sim_gw_push(s, &s->gws[d->up[i].gw], phy, n, d->freq_hz, ch, dr,
		    &d->up[i].tmst);
	if (d->ev_timeout == NULL)
		d->ev_timeout = evtimer_new(s->base, on_timeout, d);
	tv.tv_sec = SIM_JOIN_TIMEOUT_US / 1000000;
	tv.tv_usec = SIM_JOIN_TIMEOUT_US % 1000000;
	if (d->ev_timeout == NULL || evtimer_add(d->ev_timeout, &tv) != 0)
		return -1;
	d->state = SIM_DEV_WAITING;
	TAILQ_INSERT_TAIL(&s->waiting, d, wait_link);
	return 0;
}

/* radio_ok - the downlink is on the window's frequency and rate, with
 * inverted polarity (a device hears nothing else) */
static bool
radio_ok(const struct gw_udp_txpk *tx, const struct lw_tx_window *w)
{
	return tx->ipol && tx->freq_hz == w->freq_hz &&
	    tx->datr.modu == GW_UDP_LORA && tx->datr.sf == w->params.sf &&
	    tx->datr.bw_khz == w->params.bw_khz;
}

/* which_window - 1 or 2 if d listens then through gateway g, else 0 */
static int
which_window(const struct sim_dev *d, const struct sim_gw *g,
    const struct gw_udp_txpk *tx)
{
	int i;

	for (i = 0; i < d->nup; i++) {
		if (d->up[i].gw != g->idx)
			continue;
		if (tx->tmst == d->up[i].tmst + LW_JOIN_ACCEPT_DELAY1_US &&
		    radio_ok(tx, &d->rx1))
			return 1;
		if (tx->tmst == d->up[i].tmst + LW_JOIN_ACCEPT_DELAY2_US &&
		    radio_ok(tx, &d->rx2))
			return 2;
	}
	return 0;
}

/* keys_hex - the session keys for a -vv line */
static void
keys_hex(const struct sim_dev *d, bool opt_neg, const uint8_t k[4][16],
    char *out, size_t len)
{
	char h[4][33];
	int i;

	for (i = 0; i < 4; i++)
		bytes_to_hex(k[i], 16, h[i]);
	if (opt_neg)
		snprintf(out, len,
		    " fnwksintkey %s snwksintkey %s nwksenckey %s appskey %s",
		    h[0], h[1], h[2], h[3]);
	else
		snprintf(out, len, " nwkskey %s appskey %s", h[0], h[3]);
	(void)d;
}

/*
 * take_accept - decrypt, verify and derive as the device does.
 * @return NULL when d accepted it, else why not.
 */
static const char *
take_accept(struct sim *s, struct sim_dev *d, const struct lw_frame *f,
    struct lw_join_accept *ja, uint8_t keys[4][16], bool *opt_neg)
{
	uint8_t msg[1 + 32], mic[4], jsint[16], jsenc[16];
	size_t len = f->u.ja.len;
	int rc;

	msg[0] = f->mhdr;
	if (lw_join_accept_decrypt(
		s->crypto, root_key(d), f->u.ja.bytes, len, msg + 1) != LW_OK ||
	    lw_join_accept_decode(msg + 1, len - 4, ja, NULL) != LW_OK)
		return "undecodable";
	/* OptNeg is RFU to a 1.0 device, which checks the 1.0 MIC. */
	*opt_neg = d->v11 && (ja->dl_settings & LW_DLSETTINGS_OPTNEG) != 0;
	if (*opt_neg) {
		rc = lw_derive_js_keys(
		    s->crypto, d->nwk_key, d->dev_eui, jsint, jsenc);
		if (rc == LW_OK)
			rc = lw_mic_join_accept_11(s->crypto, jsint,
			    LW_JOIN_REQ_TYPE_JOIN, d->join_eui, d->dev_nonce,
			    msg, len - 3, mic);
	} else
		rc = lw_mic_join_accept_10(
		    s->crypto, root_key(d), msg, len - 3, mic);
	if (rc != LW_OK || lw_mic_check(mic, msg + 1 + len - 4) != LW_OK)
		return "MIC mismatch";
	/* LW11 §6.2.3: accepted only above the last JoinNonce. */
	if (d->v11 && d->has_join_nonce && ja->join_nonce <= d->last_join_nonce)
		return "JoinNonce not above the last one";
	if (*opt_neg)
		rc = lw_derive_keys_11(s->crypto, d->nwk_key, d->app_key,
		    ja->join_nonce, d->join_eui, d->dev_nonce, keys[0], keys[1],
		    keys[2], keys[3]);
	else
		rc = lw_derive_keys_10(s->crypto, root_key(d), ja->join_nonce,
		    ja->net_id, d->dev_nonce, keys[0], keys[3]);
	if (rc != LW_OK)
		return "key derivation failed";
	if (!*opt_neg) {
		memcpy(keys[1], keys[0], 16);
		memcpy(keys[2], keys[0], 16);
	}
	d->has_join_nonce = true;
	d->last_join_nonce = ja->join_nonce;
	return NULL;
}

/* accepted - account for an accepted join and end it */
static void
accepted(struct sim *s, struct sim_dev *d, const struct sim_gw *g, int win,
    const struct lw_join_accept *ja, uint8_t keys[4][16], bool opt_neg,
    int64_t rx_us)
{
	uint32_t lat = (uint32_t)(rx_us - d->up_us);
	char eui[17], geui[17], kh[200] = "";

	evtimer_del(d->ev_timeout);
	TAILQ_REMOVE(&s->waiting, d, wait_link);
	d->state = SIM_DEV_IDLE;
	if (win == 1)
		s->st.rx1++;
	else
		s->st.rx2++;
	sim_latency_add(s, lat);
	if (s->o.verbose > 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		lw_eui64_format(g->eui, geui, sizeof(geui));
		if (s->o.verbose > 1)
			keys_hex(d, opt_neg, (const uint8_t(*)[16])keys, kh,
			    sizeof(kh));
		fprintf(stderr,
		    "join %s accepted devnonce %u devaddr %08x netid %06x "
		    "joinnonce %u rx%d gateway %s latency %.3f ms attempts "
		    "%u%s\n",
		    eui, (unsigned)d->dev_nonce, (unsigned)ja->dev_addr,
		    (unsigned)ja->net_id, (unsigned)ja->join_nonce, win, geui,
		    lat / 1000.0, d->attempts, kh);
	}
	/* The session the uplinks use; 1.0 keys are all NwkSKey already. */
	d->has_session = true;
	d->dev_addr = ja->dev_addr;
	memset(&d->sk, 0, sizeof(d->sk));
	d->sk.nwk.v11 = opt_neg;
	memcpy(d->sk.nwk.fnwksint, keys[0], 16);
	memcpy(d->sk.nwk.snwksint, keys[1], 16);
	memcpy(d->sk.nwk.nwksenc, keys[2], 16);
	memcpy(d->sk.appskey, keys[3], 16);
	d->rx1_dr_offset = (uint8_t)((ja->dl_settings >> 4) & 0x07);
	d->rx2_dr = (uint8_t)(ja->dl_settings & 0x0f);
	d->rx_delay_s = (uint8_t)(ja->rx_delay & 0x0f);
	memset(keys, 0, 4 * 16);
	sim_join_done(s, d, true);
	if (s->o.uplinks > 0 && !s->stopping)
		sim_data_start(s, d);
}

/* bad - a downlink nobody could take */
static void
bad(struct sim *s, const struct sim_gw *g, const struct gw_udp_txpk *tx,
    const char *why)
{
	char eui[17];

	s->st.bad_accepts++;
	lw_eui64_format(g->eui, eui, sizeof(eui));
	/* Always said: it means the NS (or the simulator) is wrong. */
	fprintf(stderr,
	    "loradane sim: downlink gateway %s tmst %u freq %u: %s\n", eui,
	    (unsigned)tx->tmst, (unsigned)tx->freq_hz, why);
}

void
sim_dev_downlink(struct sim *s, const struct sim_gw *g,
    const struct gw_udp_txpk *tx, int64_t rx_us)
{
	struct lw_join_accept ja;
	struct lw_frame f;
	struct sim_dev *d;
	uint8_t keys[4][16];
	const char *why = "no device listens at this tmst, frequency and rate";
	bool opt_neg;
	int i, win;

	if (!tx->has_tmst) {
		bad(s, g, tx, "not timed (imme): no device listens");
		return;
	}
	if (lw_phy_decode(tx->data, tx->size, &f, NULL) != LW_OK) {
		bad(s, g, tx, "undecodable");
		return;
	}
	if (f.mtype == LW_MT_UNCONF_DOWN || f.mtype == LW_MT_CONF_DOWN) {
		sim_data_downlink(s, g, tx, &f);
		return;
	}
	if (f.mtype != LW_MT_JOIN_ACCEPT) {
		bad(s, g, tx, "not a join-accept");
		return;
	}
	/* accepted() unlinks d, and the loop ends there */
	TAILQ_FOREACH(d, &s->waiting, wait_link)
	{
		if ((win = which_window(d, g, tx)) == 0)
			continue;
		why = take_accept(s, d, &f, &ja, keys, &opt_neg);
		if (why == NULL) {
			memcpy(d->accept, tx->data, tx->size);
			d->accept_len = tx->size;
			accepted(s, d, g, win, &ja, keys, opt_neg, rx_us);
			return;
		}
	}
	/* The same accept again (an NS sending through two gateways) is
	 * a duplicate, not a forgery. */
	for (i = 0; i < s->ndev; i++)
		if (s->devs[i].accept_len == tx->size &&
		    memcmp(s->devs[i].accept, tx->data, tx->size) == 0) {
			s->st.dup_accepts++;
			return;
		}
	bad(s, g, tx, why);
}

void
sim_dev_abandon_all(struct sim *s)
{
	struct sim_dev *d;

	while ((d = TAILQ_FIRST(&s->waiting)) != NULL) {
		evtimer_del(d->ev_timeout);
		TAILQ_REMOVE(&s->waiting, d, wait_link);
		d->state = SIM_DEV_IDLE;
		sim_join_done(s, d, false);
	}
	sim_data_abandon_all(s);
}
