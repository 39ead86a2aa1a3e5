/*
 * ns_uplink.c - a data uplink, from the gateways to its answer:
 *
 *  1. on a store worker, in one job: the sessions of its DevAddr, the one
 *     whose keys verify the MIC (the 32-bit FCnt rebuilt from the last
 *     accepted one; 1.0.x refuses a gap over MAX_FCNT_GAP), then
 *     store_ns_uplink_accept, which records the FCnt only if it is above
 *     the last, durably: a replay is refused even across a restart;
 *  2. if the device asked for something (a confirmed uplink, LinkCheckReq,
 *     DeviceTimeReq in FOpts), on the same worker: the next NFCntDown
 *     (never used twice) and the downlink built with it;
 *  3. on the event thread: the downlink in RX1 (RxDelay after the uplink)
 *     through the best gateway, or RX2 if RX1 is refused.
 * Other MAC commands are parsed and ignored; an unknown one ends the
 * parse safely.  One logfmt line per uplink.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "gw/gw_server.h"
#include "lorawan/data.h"
#include "lorawan/mac.h"
#include "lorawan/phy.h"
#include "ns.h"
#include "ns_int.h"
#include "store/store_ns.h"
#include "store/store_workers.h"
#include "util/log.h"

struct ns_up {
	struct store_job job; /* first: the workers hand it back */
	struct ns_server *srv;
	uint8_t phy[LW_PHY_MAX];
	size_t len;
	struct lw_frame f;
	struct gw_server_rx rx; /* the best gateway's reception */
	unsigned n_rx;
	char datr[16];
	uint8_t tx_dr, tx_ch;
	/* From the worker: */
	const char *result;
	char why[256];
	uint64_t dev_eui;
	uint32_t fcnt;
	struct store_ns_session sess; /* the session after the accept */
	uint8_t down[LW_PHY_MAX];
	size_t down_len;
	bool tried_rx2;
};

struct candidates {
	struct ns_up *u;
	bool found;
	int mic_rc;
};

static void
keys(const struct store_ns_session *s, struct lw_nwk_skeys *k)
{
	k->v11 = strcmp(s->mac_version, "1.1") == 0;
	memcpy(k->fnwksint, s->f_nwk_s_int_key, 16);
	memcpy(k->snwksint, s->s_nwk_s_int_key, 16);
	memcpy(k->nwksenc, s->nwk_s_enc_key, 16);
}

/* try_session - does this session's key verify the uplink? */
static int
try_session(void *arg, const struct store_ns_session *s)
{
	struct candidates *c = arg;
	struct ns_up *u = c->u;
	struct lw_uplink_in in = {.phy = u->phy,
	    .len = u->len,
	    .f = &u->f,
	    .has_last = s->has_fcnt_up,
	    .last_fcnt = s->fcnt_up,
	    .tx_dr = u->tx_dr,
	    .tx_ch = u->tx_ch};
	struct lw_nwk_skeys k;
	int rc;

	keys(s, &k);
	rc = lw_uplink_check(lw_crypto_thread(), &k, &in, &u->fcnt);
	OPENSSL_cleanse(&k, sizeof(k));
	if (rc == LW_ERR_MIC && !c->found)
		return 0; /* another device's: try the next */
	c->found = true;
	c->mic_rc = rc;
	u->dev_eui = s->dev_eui;
	return 1; /* this device's, accepted or refused by its counter */
}

/* answers - the MAC answers the uplink's FOpts ask for, as FOpts bytes */
static size_t
answers(struct ns_up *u, uint8_t out[LW_FOPTS_MAX])
{
	struct lw_mac_cmd in[LW_FOPTS_MAX], ans[4];
	struct lw_mac_run run;
	struct lw_nwk_skeys k;
	uint8_t fopts[LW_FOPTS_MAX];
	size_t nfopts = 0, nans = 0, len = 0, done;
	uint32_t gps;
	uint8_t frac;
	double floor_db;
	int margin;

	keys(&u->sess, &k);
	if (u->f.u.data.fopts_len > 0 &&
	    lw_data_fopts_decrypt(lw_crypto_thread(), &k, &u->f, u->fcnt, fopts,
		&nfopts) != LW_OK)
		nfopts = 0;
	OPENSSL_cleanse(&k, sizeof(k));
	(void)lw_mac_parse(LW_MAC_UP, fopts, nfopts, in, LW_FOPTS_MAX, &run);
	for (size_t i = 0; i < run.n && nans < 4; i++) {
		if (in[i].cid == LW_CID_LINK_CHECK) {
			/* Demodulation floor: -7.5 dB at SF7, 2.5 dB less a
			 * spreading factor (LoRaWAN 1.0.4 LinkCheckAns). */
			floor_db = -7.5 - 2.5 * (double)(u->rx.datr.sf - 7);
			floor_db = u->rx.lsnr - floor_db; /* the margin */
			margin = (int)(floor_db + (floor_db < 0 ? -0.5 : 0.5));
			margin = margin < 0 ? 0 : margin > 254 ? 254 : margin;
			if (lw_mac_link_check_ans((uint8_t)margin,
				(uint8_t)(u->n_rx > 255 ? 255 : u->n_rx),
				&ans[nans]) == LW_OK)
				nans++;
		} else if (in[i].cid == LW_CID_DEVICE_TIME &&
		    lw_gps_time_from_unix(u->rx.recv_us / 1000000,
			(long)(u->rx.recv_us % 1000000) * 1000,
			LW_GPS_UTC_OFFSET, &gps, &frac) == LW_OK &&
		    lw_mac_device_time_ans(gps, frac, &ans[nans]) == LW_OK)
			nans++;
	}
	if (nans > 0 &&
	    lw_mac_build(ans, nans, out, LW_FOPTS_MAX, &len, &done) != LW_OK)
		len = 0;
	return len;
}

/* build_down - the downlink the uplink calls for, if any */
static void
build_down(struct ns_up *u, struct store *st)
{
	bool confirmed = u->f.mtype == LW_MT_CONF_UP;
	struct lw_data_out d;
	struct lw_nwk_skeys k;
	uint8_t fopts[LW_FOPTS_MAX];
	size_t nfopts = answers(u, fopts);
	uint32_t fcnt;

	if (!confirmed && nfopts == 0)
		return;
	if (store_ns_fcnt_down_take(st, u->dev_eui, STORE_NS_NFCNT_DOWN, &fcnt,
		u->why, sizeof(u->why)) != STORE_OK)
		return; /* the uplink stands; the answer is lost (logged) */
	memset(&d, 0, sizeof(d));
	d.dev_addr = u->f.u.data.dev_addr;
	d.fcnt = fcnt;
	d.ack = confirmed;
	d.conf_fcnt = confirmed ? (uint16_t)u->fcnt : 0;
	d.fopts = nfopts > 0 ? fopts : NULL;
	d.fopts_len = nfopts;
	keys(&u->sess, &k);
	if (lw_downlink_build(lw_crypto_thread(), &k, NULL, &d, u->down,
		sizeof(u->down), &u->down_len) != LW_OK)
		u->down_len = 0;
	OPENSSL_cleanse(&k, sizeof(k));
}

/* run_uplink - on a worker: find, verify, accept, answer */
static void
run_uplink(struct store_job *job, struct store *st)
{
	struct ns_up *u = (struct ns_up *)job;
	struct candidates c = {.u = u};
	int rc;

	rc = store_ns_session_by_devaddr(
	    st, u->f.u.data.dev_addr, try_session, &c, u->why, sizeof(u->why));
	if (rc == STORE_ERR_NOTFOUND || (rc == STORE_OK && !c.found)) {
		u->result = rc == STORE_OK ? "mic-failed" : "unknown-devaddr";
		return;
	}
	if (rc != STORE_OK && rc != 1) {
		u->result = "store-failed";
		return;
	}
	if (c.mic_rc == LW_ERR_REPLAY || c.mic_rc == LW_ERR_FCNT_GAP) {
		u->result = c.mic_rc == LW_ERR_REPLAY ? "replay" : "fcnt-gap";
		snprintf(u->why, sizeof(u->why), "%s", lw_strerror(c.mic_rc));
		return;
	}
	if (c.mic_rc != LW_OK) {
		u->result = "refused";
		snprintf(u->why, sizeof(u->why), "%s", lw_strerror(c.mic_rc));
		return;
	}
	rc = store_ns_uplink_accept(
	    st, u->dev_eui, u->fcnt, &u->sess, u->why, sizeof(u->why));
	if (rc != STORE_OK) {
		/* A copy the NS took in between, or a second NS: the store's
		 * word is final. */
		u->result = rc == STORE_ERR_REPLAY ? "replay" : "store-failed";
		return;
	}
	u->result = "accepted";
	build_down(u, st);
}

static void
undo_uplink(struct store_job *job, const char *why)
{
	struct ns_up *u = (struct ns_up *)job;

	u->result = "store-failed";
	u->down_len = 0;
	snprintf(u->why, sizeof(u->why), "%s", why);
}

static void
finish(struct ns_up *u, const char *answer)
{
	log_info("msg=uplink deveui=%016llx devaddr=%08x fcnt=%u mtype=%s "
		 "gateways=%u result=%s%s%s%s answer=%s",
	    (unsigned long long)u->dev_eui, (unsigned)u->f.u.data.dev_addr,
	    (unsigned)u->fcnt, lw_mtype_name((int)u->f.mtype), u->n_rx,
	    u->result, u->why[0] ? " why=\"" : "", u->why,
	    u->why[0] ? "\"" : "", answer);
	OPENSSL_cleanse(&u->sess, sizeof(u->sess));
	free(u);
}

static void send_down(struct ns_up *u);

static void
on_tx(void *arg, const struct gw_server_tx_result *r)
{
	struct ns_up *u = arg;

	if (r->err == GW_SERVER_OK) {
		finish(u, u->tried_rx2 ? "rx2" : "rx1");
		return;
	}
	if (!u->tried_rx2) {
		u->tried_rx2 = true;
		send_down(u);
		return;
	}
	snprintf(u->why, sizeof(u->why), "%s", r->why);
	finish(u, "tx-failed");
}

static void
send_down(struct ns_up *u)
{
	const struct ns_conf *c = u->srv->conf;
	struct lw_rx_request q = {.up_freq_hz = u->rx.freq_hz,
	    .up_datr = u->datr,
	    .up_tmst = u->rx.tmst,
	    .rx1_dr_offset = u->sess.rx1_dr_offset,
	    .rx_delay_s = u->sess.rx_delay,
	    .has_rx2_dr = true,
	    .rx2_dr = u->sess.rx2_dr,
	    .has_rx2_freq = u->sess.rx2_freq != 0,
	    .rx2_freq_hz = u->sess.rx2_freq};
	struct lw_tx_window w1, w2;

	if (lw_region_rx_windows(c->region, &q, &w1, &w2, NULL) != LW_OK) {
		finish(u, "no-window");
		return;
	}
	if (ns_send_window(u->srv, &u->rx, u->tried_rx2 ? &w2 : &w1, u->down,
		u->down_len, on_tx, u) != 0)
		finish(u, "tx-failed");
}

static void
uplink_done(struct store_job *job)
{
	struct ns_up *u = (struct ns_up *)job;

	if (u->down_len == 0) {
		finish(u, "none");
		return;
	}
	send_down(u);
}

void
ns_uplink_data(struct ns_server *srv, const struct gw_server_uplink *up)
{
	const struct ns_conf *c = srv->conf;
	struct ns_up *u;
	unsigned dr, ch;

	if (up->len > LW_PHY_MAX || (u = calloc(1, sizeof(*u))) == NULL)
		return;
	u->srv = srv;
	memcpy(u->phy, up->phy, up->len);
	u->len = up->len;
	u->f = *up->frame;
	u->rx = up->rx[up->best];
	u->n_rx = (unsigned)up->n_rx;
	u->result = "?";
	if (gw_udp_datr_format(&u->rx.datr, u->datr, sizeof(u->datr)) !=
		GW_UDP_OK ||
	    lw_region_datr_dr(c->region, true, u->datr, &dr, NULL) != LW_OK) {
		u->result = "bad-radio";
		finish(u, "none");
		return;
	}
	u->tx_dr = (uint8_t)dr;
	u->tx_ch = lw_region_uplink_channel(
		       c->region, u->rx.freq_hz, &ch, NULL) == LW_OK
	    ? (uint8_t)ch
	    : 0;
	u->job.run = run_uplink;
	u->job.undo = undo_uplink;
	u->job.done = uplink_done;
	u->job.lock_key = 0; /* the device is not known yet */
	store_workers_submit(srv->workers, &u->job);
}
