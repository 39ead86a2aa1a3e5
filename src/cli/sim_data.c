/*
 * sim_data.c - the simulated devices' data session (see sim.h): after a
 * join is accepted, --uplinks data uplinks --uplink-interval apart
 * (FCntUp from --fcnt-start, 32 bits), each heard by k gateways like a
 * join-request; the device's check of a data downlink in the RX1 (uplink
 * tmst + RxDelay) or RX2 (+ 1 s more) window of its last uplink, with
 * the RX1DROffset, RX2DataRate and RxDelay of its join-accept
 * (lorawan-backend.md §2.7, §4).
 *
 * A class A device does not transmit while its windows are open, so an
 * uplink that expects an answer (confirmed, or with MAC requests) holds
 * the next one back until the answer came or RxDelay + 2 s passed; one
 * that expects nothing lets the next go after the interval.  A confirmed
 * uplink is not retransmitted: without an ACK it counts ack_missing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "lorawan/ids.h"
#include "lorawan/mac.h"
#include "lorawan/phy.h"
#include "sim.h"

#define SIM_ANSWER_WAIT_US 2000000 /* after RxDelay: RX2 and its airtime */

static int64_t
rx_delay_us(const struct sim_dev *d)
{
	/* Del 0 means 1 s, as 1 does (LW102 §5.7). */
	return (d->rx_delay_s == 0 ? 1 : d->rx_delay_s) * 1000000ll;
}

/* arm - the device's next step at monotonic time at_us */
static void
arm(struct sim_dev *d, int64_t at_us)
{
	int64_t us = at_us - sim_now_us();
	struct timeval tv;

	if (us < 0)
		us = 0;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	evtimer_add(d->ev_data, &tv);
}

/* data_end - no more uplinks: the device is free (its session stays) */
static void
data_end(struct sim *s, struct sim_dev *d)
{
	evtimer_del(d->ev_data);
	d->data_left = 0;
	d->state = SIM_DEV_IDLE;
	s->busy--;
}

/* frm_default - 8 bytes that differ per uplink: the FCntUp and the
 * device's index, big-endian, so a capture shows which frame it is */
static void
frm_default(const struct sim *s, const struct sim_dev *d, uint8_t out[8])
{
	uint32_t idx = (uint32_t)(d - s->devs);
	int i;

	for (i = 0; i < 4; i++) {
		out[i] = (uint8_t)(d->fcnt_up >> (24 - 8 * i));
		out[4 + i] = (uint8_t)(idx >> (24 - 8 * i));
	}
}

/* build - the next uplink, n bytes into phy; false after printing why */
static bool
build(struct sim *s, struct sim_dev *d, unsigned ch, uint8_t *phy, size_t *n,
    bool *expect)
{
	struct lw_mac_cmd cmds[2];
	struct lw_data_out o;
	uint8_t fopts[LW_FOPTS_MAX], frm[8];
	size_t fl = 0, done;
	uint32_t nth = d->fcnt_up - s->o.fcnt_start + 1;
	char eui[17];
	int rc = LW_OK;

	memset(&o, 0, sizeof(o));
	o.dev_addr = d->dev_addr;
	o.fcnt = d->fcnt_up;
	o.confirmed = s->o.confirmed;
	o.ack = d->ack_next;
	o.conf_fcnt = d->ack_next ? d->ack_fcnt : 0;
	o.has_fport = true;
	o.fport = s->o.fport;
	if (s->o.has_payload) {
		o.frm = s->o.payload;
		o.frm_len = s->o.payload_len;
	} else {
		frm_default(s, d, frm);
		o.frm = frm;
		o.frm_len = sizeof(frm);
	}
	o.tx_dr = (uint8_t)s->o.dr;
	o.tx_ch = (uint8_t)ch;
	*expect = o.confirmed;
	if (s->o.mac_every > 0 && nth % s->o.mac_every == 0) {
		if (lw_mac_cmd_make(LW_MAC_UP, LW_CID_LINK_CHECK, NULL, 0,
			&cmds[0]) != LW_OK ||
		    lw_mac_cmd_make(LW_MAC_UP, LW_CID_DEVICE_TIME, NULL, 0,
			&cmds[1]) != LW_OK ||
		    lw_mac_build(cmds, 2, fopts, sizeof(fopts), &fl, &done) !=
			LW_OK)
			rc = LW_ERR_FIELD;
		o.fopts = fopts;
		o.fopts_len = fl;
		*expect = true;
	}
	if (rc == LW_OK)
		rc = lw_uplink_build(s->crypto, &d->sk, &o, phy, LW_PHY_MAX, n);
	if (rc != LW_OK) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr, "loradane sim: %s: uplink: %s\n", eui,
		    lw_strerror(rc));
		return false;
	}
	return true;
}

/* uplink - send the next data uplink (and its replay) through k
 * gateways; false if it could not be built */
static bool
uplink(struct sim *s, struct sim_dev *d)
{
	struct lw_rx_request rq;
	uint8_t phy[LW_PHY_MAX];
	char datr[LW_DATR_MAX], eui[17];
	unsigned ch;
	uint32_t tmst;
	bool expect;
	size_t n;
	int i;

	sim_pick_channel(s, s->o.dr, &ch, &d->freq_hz);
	if (!build(s, d, ch, phy, &n, &expect))
		return false;
	memset(&rq, 0, sizeof(rq));
	rq.up_freq_hz = d->freq_hz;
	rq.up_datr = datr;
	rq.rx1_dr_offset = d->rx1_dr_offset;
	rq.rx_delay_s = d->rx_delay_s;
	rq.has_rx2_dr = true;
	rq.rx2_dr = d->rx2_dr;
	if (lw_region_dr_datr(s->o.region, true, s->o.dr, datr, sizeof(datr),
		NULL) != LW_OK ||
	    lw_region_rx_windows(s->o.region, &rq, &d->rx1, &d->rx2, NULL) !=
		LW_OK) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr,
		    "loradane sim: %s: no receive windows for RX1DROffset %u "
		    "RX2DataRate %u RxDelay %u\n",
		    eui, d->rx1_dr_offset, d->rx2_dr, d->rx_delay_s);
		return false;
	}
	sim_pick_gws(s, d);
	d->data_us = sim_now_us();
	for (i = 0; i < d->nup; i++)
		sim_gw_push(s, &s->gws[d->up[i].gw], phy, n, d->freq_hz, ch,
		    s->o.dr, &d->up[i].tmst);
	/* The same bytes again through the same gateways: what an attacker
	 * replaying a captured frame sends.  The windows stay the first's. */
	if (s->o.replay) {
		for (i = 0; i < d->nup; i++)
			sim_gw_push(s, &s->gws[d->up[i].gw], phy, n, d->freq_hz,
			    ch, s->o.dr, &tmst);
		s->st.uplinks_replayed++;
	}
	s->st.uplinks_sent++;
	if (s->o.verbose > 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr, "uplink %s devaddr %08x fcnt %u%s%s\n", eui,
		    (unsigned)d->dev_addr, (unsigned)d->fcnt_up,
		    s->o.confirmed ? " confirmed" : "",
		    d->ack_next ? " ack" : "");
	}
	d->conf_pending = s->o.confirmed;
	d->conf_fcnt = (uint16_t)d->fcnt_up;
	d->ack_next = false;
	d->fcnt_up++;
	d->data_left--;
	if (expect)
		arm(d, d->data_us + rx_delay_us(d) + SIM_ANSWER_WAIT_US);
	else
		arm(d,
		    d->data_left > 0
			? d->data_us + (int64_t)s->o.interval_ms * 1000
			: 0);
	return true;
}

/* window_close - the last uplink's windows are over */
static void
window_close(struct sim *s, struct sim_dev *d)
{
	char eui[17];

	if (!d->conf_pending)
		return;
	d->conf_pending = false;
	s->st.ack_missing++;
	if (s->o.verbose > 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr, "uplink %s fcnt %u: no ACK\n", eui,
		    (unsigned)(d->fcnt_up - 1));
	}
}

/* on_data - the device's timer: close the windows, then the next
 * uplink or the end */
static void
on_data(evutil_socket_t fd, short what, void *arg)
{
	struct sim_dev *d = arg;
	struct sim *s = d->s;

	(void)fd;
	(void)what;
	window_close(s, d);
	if (d->data_left == 0 || s->stopping || !uplink(s, d))
		data_end(s, d);
}

void
sim_data_start(struct sim *s, struct sim_dev *d)
{
	d->fcnt_up = s->o.fcnt_start;
	memset(&d->fdown, 0, sizeof(d->fdown));
	d->conf_pending = d->ack_next = false;
	d->data_left = s->o.uplinks;
	if (d->ev_data == NULL &&
	    (d->ev_data = evtimer_new(s->base, on_data, d)) == NULL) {
		fprintf(stderr, "loradane sim: out of memory\n");
		return;
	}
	d->state = SIM_DEV_DATA;
	s->busy++;
	arm(d, 0);
}

/* bad_dl - a data downlink the device refused */
static void
bad_dl(struct sim *s, const struct sim_gw *g, const struct gw_udp_txpk *tx,
    uint32_t dev_addr, const char *why)
{
	char eui[17];

	s->st.bad_downlinks++;
	lw_eui64_format(g->eui, eui, sizeof(eui));
	/* Always said: it means the NS (or the simulator) is wrong. */
	fprintf(stderr,
	    "loradane sim: downlink gateway %s tmst %u devaddr %08x: %s\n", eui,
	    (unsigned)tx->tmst, (unsigned)dev_addr, why);
}

/* radio_ok - on the window's frequency and rate, inverted polarity */
static bool
radio_ok(const struct gw_udp_txpk *tx, const struct lw_tx_window *w)
{
	return tx->ipol && tx->freq_hz == w->freq_hz &&
	    tx->datr.modu == GW_UDP_LORA && tx->datr.sf == w->params.sf &&
	    tx->datr.bw_khz == w->params.bw_khz;
}

/* window - 1 or 2 if d listens then through gateway g, else 0 */
static int
window(const struct sim_dev *d, const struct sim_gw *g,
    const struct gw_udp_txpk *tx)
{
	uint32_t d1 = (uint32_t)rx_delay_us(d);
	int i;

	for (i = 0; i < d->nup; i++) {
		if (d->up[i].gw != g->idx)
			continue;
		if (tx->tmst == d->up[i].tmst + d1 && radio_ok(tx, &d->rx1))
			return 1;
		if (tx->tmst == d->up[i].tmst + d1 + 1000000u &&
		    radio_ok(tx, &d->rx2))
			return 2;
	}
	return 0;
}

/* mac_answers - LinkCheckAns and DeviceTimeAns among the commands */
static void
mac_answers(
    struct sim *s, const struct sim_dev *d, const uint8_t *buf, size_t len)
{
	struct lw_mac_cmd c[8];
	struct lw_mac_run run;
	uint32_t gps;
	uint8_t a, b;
	char eui[17];
	size_t i;

	lw_eui64_format(d->dev_eui, eui, sizeof(eui));
	lw_mac_parse(LW_MAC_DOWN, buf, len, c, 8, &run);
	for (i = 0; i < run.n; i++) {
		if (lw_mac_link_check_ans_parse(&c[i], &a, &b) == LW_OK) {
			s->st.link_check_ans++;
			if (s->o.verbose > 0)
				fprintf(stderr,
				    "downlink %s link_check margin %u "
				    "gateways %u\n",
				    eui, a, b);
		} else if (lw_mac_device_time_ans_parse(&c[i], &gps, &a) ==
		    LW_OK) {
			s->st.device_time_ans++;
			if (s->o.verbose > 0)
				fprintf(stderr,
				    "downlink %s device_time gps %u frac "
				    "%u\n",
				    eui, (unsigned)gps, a);
		}
	}
}

void
sim_data_downlink(struct sim *s, const struct sim_gw *g,
    const struct gw_udp_txpk *tx, const struct lw_frame *f)
{
	static struct lw_dev_rx rx; /* ~500 bytes; one loop, no reentry */
	uint32_t addr = f->u.data.dev_addr;
	struct sim_dev *d = NULL;
	char eui[17];
	int i, win, rc;

	for (i = 0; i < s->ndev && d == NULL; i++)
		if (s->devs[i].has_session && s->devs[i].dev_addr == addr)
			d = &s->devs[i];
	if (d == NULL) {
		bad_dl(s, g, tx, addr, "no device has this DevAddr");
		return;
	}
	if ((win = window(d, g, tx)) == 0) {
		bad_dl(s, g, tx, addr,
		    "the device does not listen at this tmst, frequency and "
		    "rate");
		return;
	}
	rc = lw_dev_downlink_check(s->crypto, &d->sk, d->dev_addr, tx->data,
	    tx->size, &d->fdown, d->conf_fcnt, &rx);
	if (rc != LW_OK) {
		bad_dl(s, g, tx, addr, lw_strerror(rc));
		return;
	}
	if (rx.afcnt) {
		d->fdown.has_a = true;
		d->fdown.a = rx.fcnt;
	} else {
		d->fdown.has_n = true;
		d->fdown.n = rx.fcnt;
	}
	s->st.downlinks++;
	if (rx.f.u.data.ack && d->conf_pending) {
		s->st.acks++;
		d->conf_pending = false;
	}
	/* A confirmed downlink is acknowledged by the next uplink. */
	if (rx.f.mtype == LW_MT_CONF_DOWN) {
		d->ack_next = true;
		d->ack_fcnt = (uint16_t)rx.fcnt;
	}
	if (s->o.verbose > 0) {
		lw_eui64_format(d->dev_eui, eui, sizeof(eui));
		fprintf(stderr, "downlink %s rx%d fcnt %u%s\n", eui, win,
		    (unsigned)rx.fcnt, rx.f.u.data.ack ? " ack" : "");
	}
	mac_answers(s, d, rx.fopts, rx.fopts_len);
	if (rx.f.u.data.has_fport && rx.f.u.data.fport == 0)
		mac_answers(s, d, rx.frm, rx.frm_len);
	/* Answered: no RX2 after RX1, so the next uplink may go. */
	if (d->state == SIM_DEV_DATA) {
		int64_t next = d->data_left > 0
		    ? d->data_us + (int64_t)s->o.interval_ms * 1000
		    : 0;

		arm(d, next);
	}
}

void
sim_data_abandon_all(struct sim *s)
{
	int i;

	for (i = 0; i < s->ndev; i++)
		if (s->devs[i].state == SIM_DEV_DATA)
			data_end(s, &s->devs[i]);
}
