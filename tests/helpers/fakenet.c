/*
 * fakenet.c - a Network Server and Join Server in one, just enough for
 * "loradane sim": Semtech UDP on 127.0.0.1, join-accepts from
 * lw_join_answer_make() for the devices of a file, then the data path.
 *
 * usage: fakenet --devices FILE [--port P] [--region EU868|US915]
 *	[--mode rx1|rx2|late|wrongkey|none|dlwrongkey] [--late-ms MS]
 *	[--netid HEX] [--no-push-ack] [--fcnt-last N]
 *
 * PULL_ACK and PUSH_ACK go at once (no PUSH_ACK with --no-push-ack).  A
 * join-request is checked as a JS does (MIC; DevNonce above the last for
 * 1.0.4/1.1, never repeated below) and its first copy answered through
 * its gateway.  The mode picks the answer: RX1 (default) or RX2, "late"
 * the RX1 answer --late-ms (5300) after the request, "wrongkey" an
 * accept under another root key, "none" nothing.  1.1 devices join with
 * OptNeg; EU868 accepts carry a CFList; RxDelay is 1 s.
 *
 * Data: the session of the last accept per device verifies uplinks with
 * lw_uplink_check() (FCntUp rebuilt to 32 bits).  Copies from other
 * gateways are deduplicated for 100 ms, then a confirmed uplink gets an
 * ACK and LinkCheckReq/DeviceTimeReq in FOpts their answers, in one RX1
 * downlink through the first gateway ("dlwrongkey": MIC under a wrong
 * key).  The same frame again through a gateway that already gave it,
 * or an older one, is a replay, never answered.  --fcnt-last N starts
 * each session as if FCntUp N had been accepted, so that a device
 * starting high (sim --fcnt-start) passes the 1.0 MAX_FCNT_GAP rule.
 *
 * Prints "fakenet: ready 127.0.0.1:PORT" once listening (PORT 0 picks
 * one), then one line per event:
 *   pull EUI                          every PULL_DATA
 *   jreq DEVEUI DEVNONCE GWEUI TMST   every join-request heard
 *   copy|refused|ignored DEVEUI DEVNONCE [why]
 *   accept DEVEUI DEVNONCE GWEUI rxN tmst T devaddr A joinnonce J KEYS
 *   up DEVADDR FCNT GWEUI ok|copy|replayed|bad(why)
 *   down DEVADDR FCNTDOWN [ack] [linkcheck] [devicetime]
 *   txack GWEUI CODE
 * where KEYS are " nwkskey K appskey K" (1.0) or the four 1.1 keys; on
 * exit uplinks_ok, uplinks_bad_mic and uplinks_replayed "key value"
 * lines.  Exits 0 on SIGTERM or SIGINT, 1 on set-up failure, 2 on bad
 * usage.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "gw/udp.h"
#include "lorawan/crypto.h"
#include "lorawan/data.h"
#include "lorawan/devlist.h"
#include "lorawan/ids.h"
#include "lorawan/join.h"
#include "lorawan/mac.h"
#include "lorawan/region.h"
#include "util/bytes.h"
#include "util/strnum.h"

#define MAX_GW 256
#define NMODES 6

enum mode { M_RX1, M_RX2, M_LATE, M_WRONGKEY, M_NONE, M_DLWRONGKEY };

struct fdev {
	uint64_t dev_eui;
	bool v11, counter, has_nwk, seen;
	uint8_t app_key[16], nwk_key[16];
	uint32_t last_nonce, join_nonce;
	uint8_t *used; /* random DevNonces seen: a 65536-bit map */
	/* the data session of the last accept */
	bool has_sess, has_last, replay_seen;
	uint32_t addr, last_fcnt, fcnt_down;
	struct lw_nwk_skeys nk;
	uint64_t gws[16]; /* gateways that gave last_fcnt */
	int ngws;
	/* the answer being deduplicated: from the first copy */
	struct event *ev_ans;
	bool conf, want_lc, want_dt;
	uint64_t ans_gw;
	struct gw_udp_rxpk ans_rx;
	double best_snr;
};

struct fgw {
	uint64_t eui;
	struct sockaddr_in sin; /* where its PULL_DATA came from */
};

/* A PULL_RESP held back ("late"), linked to be freed at exit. */
struct later {
	struct later *next;
	struct event *ev;
	uint64_t gw;
	size_t n;
	uint8_t buf[1024];
};

static struct {
	int fd;
	struct event_base *base;
	struct lw_crypto *c;
	enum mode mode;
	enum lw_region region;
	uint32_t netid, next_addr;
	unsigned late_ms;
	bool no_push_ack;
	struct fdev *devs;
	int ndev;
	struct fgw gws[MAX_GW];
	int ngw;
	struct later *laters;
	unsigned long up_ok, up_bad, up_replayed;
	bool has_fcnt_last;
	uint32_t fcnt_last;
	struct gw_udp_packet in, out;
	uint8_t buf[GW_UDP_DATAGRAM_MAX];
} F;

/* add_dev - one device of the file (lw_devlist, the simulator's) */
static int
add_dev(void *arg, const struct lw_devlist_entry *e)
{
	struct fdev *d = realloc(F.devs, (size_t)(F.ndev + 1) * sizeof(*d));

	(void)arg;
	if (d == NULL)
		return -2;
	F.devs = d;
	d = &F.devs[F.ndev++];
	memset(d, 0, sizeof(*d));
	d->dev_eui = e->dev_eui;
	d->v11 = e->v11;
	d->counter = e->counter;
	d->has_nwk = e->has_nwk_key;
	memcpy(d->app_key, e->app_key, 16);
	memcpy(d->nwk_key, e->nwk_key, 16);
	return 0;
}

static void
send_to(const struct sockaddr_in *sin, const struct gw_udp_packet *p)
{
	struct gw_udp_error e;
	size_t n;

	if (gw_udp_encode(p, F.buf, sizeof(F.buf), &n, &e) != 0) {
		fprintf(stderr, "fakenet: encode: %s\n", e.text);
		return;
	}
	sendto(F.fd, F.buf, n, 0, (const struct sockaddr *)sin, sizeof(*sin));
}

static struct fgw *
find_gw(uint64_t eui)
{
	int i;

	for (i = 0; i < F.ngw; i++)
		if (F.gws[i].eui == eui)
			return &F.gws[i];
	return NULL;
}

/* send_resp - a PULL_RESP to the gateway's PULL_DATA address */
static void
send_resp(uint64_t gw, const uint8_t *buf, size_t n)
{
	struct fgw *g = find_gw(gw);
	char eui[17];

	if (g == NULL) {
		lw_eui64_format(gw, eui, sizeof(eui));
		printf("nopull %s\n", eui);
		return;
	}
	sendto(
	    F.fd, buf, n, 0, (const struct sockaddr *)&g->sin, sizeof(g->sin));
}

static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	struct later *l = arg, **pp;

	(void)fd;
	(void)what;
	send_resp(l->gw, l->buf, l->n);
	for (pp = &F.laters; *pp != l; pp = &(*pp)->next)
		;
	*pp = l->next;
	event_free(l->ev);
	free(l);
}

/* nonce_ok - the JS's DevNonce rule; "copy" for a second gateway's copy
 * of the request just answered */
static const char *
nonce_ok(struct fdev *d, uint16_t nonce)
{
	if (d->seen && nonce == d->last_nonce)
		return "copy";
	if (d->counter) {
		if (d->seen && nonce <= d->last_nonce)
			return "DevNonce not incremented";
	} else {
		if (d->used == NULL && (d->used = calloc(8192, 1)) == NULL)
			return "out of memory";
		if (d->used[nonce / 8] & (1u << (nonce % 8)))
			return "DevNonce replayed";
		d->used[nonce / 8] |= (uint8_t)(1u << (nonce % 8));
	}
	d->seen = true;
	d->last_nonce = nonce;
	return NULL;
}

/* print_keys - the session keys as "loradane sim -vv" prints them */
static void
print_keys(const struct lw_join_answer *a)
{
	char h[33];

	if (a->opt_neg) {
		printf(" fnwksintkey %s", bytes_to_hex(a->fnwksint, 16, h));
		printf(" snwksintkey %s", bytes_to_hex(a->snwksint, 16, h));
		printf(" nwksenckey %s", bytes_to_hex(a->nwksenc, 16, h));
	} else
		printf(" nwkskey %s", bytes_to_hex(a->fnwksint, 16, h));
	printf(" appskey %s\n", bytes_to_hex(a->appskey, 16, h));
}

/* send_tx - a PULL_RESP with phy in window w, now or --late-ms later */
static void
send_tx(uint64_t gw, const struct lw_tx_window *w, const uint8_t *phy,
    size_t len, bool late)
{
	struct gw_udp_txpk *tx = &F.out.txpk;
	struct gw_udp_error ge;
	struct timeval tv;
	struct later *l;

	memset(&F.out, 0, sizeof(F.out));
	F.out.version = GW_UDP_VERSION;
	F.out.type = GW_UDP_PULL_RESP;
	F.out.token = (uint16_t)random();
	tx->has_tmst = tx->has_powe = tx->ipol = true;
	tx->tmst = w->tmst;
	tx->freq_hz = w->freq_hz;
	tx->powe = (int8_t)w->power_dbm;
	tx->datr.modu = GW_UDP_LORA;
	tx->datr.sf = w->params.sf;
	tx->datr.bw_khz = w->params.bw_khz;
	tx->codr = 5;
	tx->size = (uint16_t)len;
	memcpy(tx->data, phy, len);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	if (gw_udp_encode(&F.out, l->buf, sizeof(l->buf), &l->n, &ge) != 0) {
		fprintf(stderr, "fakenet: PULL_RESP: %s\n", ge.text);
		free(l);
		return;
	}
	l->gw = gw;
	if (!late) {
		send_resp(gw, l->buf, l->n);
		free(l);
		return;
	}
	/* An NS too slow for RX1: the gateway must refuse it. */
	tv.tv_sec = F.late_ms / 1000;
	tv.tv_usec = (suseconds_t)(F.late_ms % 1000) * 1000;
	l->ev = evtimer_new(F.base, on_later, l);
	if (l->ev == NULL || evtimer_add(l->ev, &tv) != 0) {
		free(l);
		return;
	}
	l->next = F.laters;
	F.laters = l;
}

/* windows - RX1 and RX2 for an uplink: a join's, or with the data
 * settings fakenet's accepts give (RX1DROffset 0, RxDelay 1 s) */
static int
windows(const struct gw_udp_rxpk *rx, bool join, struct lw_tx_window *w1,
    struct lw_tx_window *w2)
{
	struct lw_rx_request rq;
	char datr[LW_DATR_MAX];

	memset(&rq, 0, sizeof(rq));
	rq.up_freq_hz = rx->freq_hz;
	rq.up_datr = datr;
	rq.up_tmst = rx->tmst;
	rq.join_accept = join;
	rq.rx_delay_s = 1;
	rq.has_rx2_dr = true;
	rq.rx2_dr = F.region == LW_REGION_US915 ? 8 : 0;
	if (gw_udp_datr_format(&rx->datr, datr, sizeof(datr)) != 0 ||
	    lw_region_rx_windows(F.region, &rq, w1, w2, NULL) != LW_OK)
		return -1;
	return 0;
}

/* answer - the join-accept for one join-request, sent (or not) as the
 * mode says; its session is kept for the data uplinks */
static void
answer(struct fdev *d, const struct lw_join_request *jr,
    const struct gw_udp_rxpk *rx, uint64_t gw, const char *deveui)
{
	static const uint8_t cflist[16] = {0x18, 0x4e, 0x84, 0xe8, 0x56, 0x84,
	    0xb8, 0x5e, 0x84, 0x88, 0x66, 0x84, 0x58, 0x6e, 0x84, 0x00};
	uint8_t app[16], nwk[16];
	struct lw_join_device jd = {d->v11, app, d->has_nwk ? nwk : NULL};
	struct lw_join_answer_in in;
	struct lw_join_answer a;
	struct lw_tx_window w1, w2, *w;
	char geui[17];

	memcpy(app, d->app_key, 16);
	memcpy(nwk, d->nwk_key, 16);
	if (F.mode == M_WRONGKEY) {
		app[0] ^= 0xff;
		nwk[0] ^= 0xff;
	}
	memset(&in, 0, sizeof(in));
	in.join_nonce = ++d->join_nonce;
	in.net_id = F.netid;
	in.dev_addr = F.next_addr++;
	/* US915 RX2 is DR8: DLSettings RX2DataRate must say so */
	in.dl_settings = (uint8_t)((d->v11 ? LW_DLSETTINGS_OPTNEG : 0) |
	    (F.region == LW_REGION_US915 ? 8 : 0));
	in.rx_delay = 1;
	in.cflist = F.region == LW_REGION_EU868 ? cflist : NULL;
	if (windows(rx, true, &w1, &w2) != 0 ||
	    lw_join_answer_make(F.c, &jd, jr, &in, &a) != LW_OK) {
		printf("refused %s %u cannot answer\n", deveui,
		    (unsigned)jr->dev_nonce);
		return;
	}
	w = F.mode == M_RX2 ? &w2 : &w1;
	lw_eui64_format(gw, geui, sizeof(geui));
	printf("accept %s %u %s rx%d tmst %u devaddr %08x joinnonce %u", deveui,
	    (unsigned)jr->dev_nonce, geui, F.mode == M_RX2 ? 2 : 1,
	    (unsigned)w->tmst, (unsigned)in.dev_addr, (unsigned)in.join_nonce);
	print_keys(&a);
	d->has_sess = true;
	d->has_last = F.has_fcnt_last;
	d->last_fcnt = F.fcnt_last;
	d->addr = in.dev_addr;
	d->fcnt_down = 0;
	d->nk.v11 = a.opt_neg;
	memcpy(d->nk.fnwksint, a.fnwksint, 16);
	memcpy(d->nk.snwksint, a.snwksint, 16);
	memcpy(d->nk.nwksenc, a.nwksenc, 16);
	send_tx(gw, w, a.phy, a.phy_len, F.mode == M_LATE);
}

/* on_answer - the deduplication wait is over: ACK and MAC answers in
 * RX1 of the first copy's gateway */
static void
on_answer(evutil_socket_t fd, short what, void *arg)
{
	struct fdev *d = arg;
	struct lw_mac_cmd cmds[2];
	struct lw_nwk_skeys k = d->nk;
	struct lw_tx_window w1, w2;
	struct lw_data_out o;
	struct timespec ts;
	uint8_t fopts[LW_FOPTS_MAX], phy[LW_PHY_MAX], frac;
	double floor_db = -7.5 - 2.5 * (d->ans_rx.datr.sf - 7);
	int margin = (int)(d->best_snr - floor_db), nc = 0;
	uint32_t gps;
	size_t n, done;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (d->want_lc &&
	    lw_mac_link_check_ans((uint8_t)(margin < 0   ? 0
					  : margin > 254 ? 254
							 : margin),
		(uint8_t)d->ngws, &cmds[nc]) == LW_OK)
		nc++;
	if (d->want_dt &&
	    lw_gps_time_from_unix(ts.tv_sec, ts.tv_nsec, LW_GPS_UTC_OFFSET,
		&gps, &frac) == LW_OK &&
	    lw_mac_device_time_ans(gps, frac, &cmds[nc]) == LW_OK)
		nc++;
	memset(&o, 0, sizeof(o));
	o.dev_addr = d->addr;
	o.fcnt = d->fcnt_down++;
	o.ack = d->conf;
	o.conf_fcnt = d->conf ? (uint16_t)d->last_fcnt : 0;
	if (lw_mac_build(cmds, (size_t)nc, fopts, sizeof(fopts), &n, &done) ==
	    LW_OK) {
		o.fopts = n > 0 ? fopts : NULL;
		o.fopts_len = n;
	}
	if (F.mode == M_DLWRONGKEY) {
		k.fnwksint[0] ^= 0xff;
		k.snwksint[0] ^= 0xff;
	}
	if (windows(&d->ans_rx, false, &w1, &w2) != 0 ||
	    lw_downlink_build(F.c, &k, NULL, &o, phy, sizeof(phy), &n) !=
		LW_OK) {
		printf("down %08x cannot build\n", (unsigned)d->addr);
		return;
	}
	printf("down %08x %u%s%s%s\n", (unsigned)d->addr, (unsigned)o.fcnt,
	    o.ack ? " ack" : "", d->want_lc ? " linkcheck" : "",
	    d->want_dt ? " devicetime" : "");
	send_tx(d->ans_gw, &w1, phy, n, false);
	fflush(stdout);
}

/* wants - which answers an accepted uplink asks for */
static bool
wants(struct fdev *d, const struct lw_frame *f)
{
	struct lw_mac_cmd c[LW_FOPTS_MAX];
	struct lw_mac_run run;
	uint8_t fo[LW_FOPTS_MAX];
	size_t i, n;

	d->conf = f->mtype == LW_MT_CONF_UP;
	d->want_lc = d->want_dt = false;
	if (lw_data_fopts_decrypt(F.c, &d->nk, f, d->last_fcnt, fo, &n) ==
	    LW_OK) {
		lw_mac_parse(LW_MAC_UP, fo, n, c, LW_FOPTS_MAX, &run);
		for (i = 0; i < run.n; i++) {
			d->want_lc |= c[i].cid == LW_CID_LINK_CHECK;
			d->want_dt |= c[i].cid == LW_CID_DEVICE_TIME;
		}
	}
	return d->conf || d->want_lc || d->want_dt;
}

/* data_up - one rxpk carrying a data uplink */
static void
data_up(const struct gw_udp_rxpk *rx, uint64_t gw, const struct lw_frame *f)
{
	struct lw_uplink_in in;
	struct fdev *d = NULL;
	struct timeval tv = {0, 100000};
	const char *what = "ok";
	uint32_t fcnt = 0;
	unsigned dr, ch;
	char geui[17], datr[LW_DATR_MAX];
	int i, rc, seen;

	for (i = 0; i < F.ndev; i++)
		if (F.devs[i].has_sess && F.devs[i].addr == f->u.data.dev_addr)
			d = &F.devs[i];
	memset(&in, 0, sizeof(in));
	in.phy = rx->data;
	in.len = rx->size;
	in.f = f;
	in.has_last = d != NULL && d->has_last;
	in.last_fcnt = d != NULL ? d->last_fcnt : 0;
	/* TxDr and TxCh of the 1.1 MIC, from the radio metadata */
	if (gw_udp_datr_format(&rx->datr, datr, sizeof(datr)) != 0 ||
	    lw_region_datr_dr(F.region, true, datr, &dr, NULL) != LW_OK ||
	    lw_region_uplink_channel(F.region, rx->freq_hz, &ch, NULL) != LW_OK)
		dr = ch = 0;
	in.tx_dr = (uint8_t)dr;
	in.tx_ch = (uint8_t)ch;
	rc =
	    d == NULL ? LW_ERR_FIELD : lw_uplink_check(F.c, &d->nk, &in, &fcnt);
	for (seen = 0; d != NULL && seen < d->ngws && d->gws[seen] != gw;
	     seen++)
		;
	if (rc == LW_OK) {
		F.up_ok++;
		d->has_last = true;
		d->last_fcnt = fcnt;
		d->replay_seen = false;
		d->gws[0] = gw;
		d->ngws = 1;
		d->best_snr = rx->lsnr;
		if (wants(d, f)) {
			d->ans_gw = gw;
			d->ans_rx = *rx;
			if (d->ev_ans == NULL)
				d->ev_ans = evtimer_new(F.base, on_answer, d);
			if (d->ev_ans != NULL)
				evtimer_add(d->ev_ans, &tv);
		}
	} else if (rc == LW_ERR_REPLAY && fcnt == d->last_fcnt &&
	    seen == d->ngws && !d->replay_seen) {
		/* another gateway's copy: it counts for LinkCheckAns */
		what = "copy";
		if (d->ngws < 16)
			d->gws[d->ngws++] = gw;
		if (rx->lsnr > d->best_snr)
			d->best_snr = rx->lsnr;
	} else if (rc == LW_ERR_REPLAY && fcnt == d->last_fcnt &&
	    d->replay_seen) {
		what = "copy"; /* of a replay already counted */
	} else if (rc == LW_ERR_REPLAY) {
		what = "replayed";
		F.up_replayed++;
		d->replay_seen = fcnt == d->last_fcnt;
	} else {
		what = lw_strerror(rc);
		F.up_bad++;
	}
	lw_eui64_format(gw, geui, sizeof(geui));
	printf("up %08x %u %s %s\n", (unsigned)f->u.data.dev_addr,
	    (unsigned)fcnt, geui, what);
}

/* join_request - one rxpk carrying a join-request */
static void
join_request(const struct gw_udp_rxpk *rx, uint64_t gw)
{
	uint8_t app[16], nwk[16];
	struct lw_join_request jr;
	struct lw_frame f;
	struct fdev *d = NULL;
	struct lw_join_device jd;
	char eui[17], geui[17];
	const char *why;
	int i;

	if (lw_phy_decode(rx->data, rx->size, &f, NULL) != LW_OK)
		f.mtype = LW_MT_PROPRIETARY;
	if (f.mtype == LW_MT_UNCONF_UP || f.mtype == LW_MT_CONF_UP) {
		data_up(rx, gw, &f);
		return;
	}
	if (f.mtype != LW_MT_JOIN_REQUEST) {
		printf("frame not a join-request or data uplink\n");
		return;
	}
	lw_eui64_format(f.u.jr.dev_eui, eui, sizeof(eui));
	lw_eui64_format(gw, geui, sizeof(geui));
	printf("jreq %s %u %s %u\n", eui, (unsigned)f.u.jr.dev_nonce, geui,
	    (unsigned)rx->tmst);
	for (i = 0; i < F.ndev; i++)
		if (F.devs[i].dev_eui == f.u.jr.dev_eui)
			d = &F.devs[i];
	if (d == NULL) {
		printf("refused %s %u unknown device\n", eui,
		    (unsigned)f.u.jr.dev_nonce);
		return;
	}
	memcpy(app, d->app_key, 16);
	memcpy(nwk, d->nwk_key, 16);
	jd.v11 = d->v11;
	jd.app_key = app;
	jd.nwk_key = d->has_nwk ? nwk : NULL;
	if (lw_join_request_check(F.c, &jd, rx->data, rx->size, &jr) != 0) {
		printf("refused %s %u MIC\n", eui, (unsigned)jr.dev_nonce);
		return;
	}
	if ((why = nonce_ok(d, jr.dev_nonce)) != NULL) {
		if (strcmp(why, "copy") == 0)
			printf("copy %s %u\n", eui, (unsigned)jr.dev_nonce);
		else
			printf("refused %s %u %s\n", eui,
			    (unsigned)jr.dev_nonce, why);
		return;
	}
	if (F.mode == M_NONE) {
		printf("ignored %s %u\n", eui, (unsigned)jr.dev_nonce);
		return;
	}
	answer(d, &jr, rx, gw, eui);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct fgw *g;
	char eui[17];
	ssize_t n;
	size_t i;

	(void)what;
	(void)arg;
	n = recvfrom(fd, F.buf, sizeof(F.buf), 0, (struct sockaddr *)&sin, &sl);
	if (n <= 0 || gw_udp_parse(F.buf, (size_t)n, &F.in, NULL) != 0)
		return;
	lw_eui64_format(F.in.gw_eui, eui, sizeof(eui));
	memset(&F.out, 0, sizeof(F.out));
	F.out.version = F.in.version;
	F.out.token = F.in.token;
	switch (F.in.type) {
	case GW_UDP_PULL_DATA:
		if ((g = find_gw(F.in.gw_eui)) == NULL && F.ngw < MAX_GW) {
			g = &F.gws[F.ngw++];
			g->eui = F.in.gw_eui;
		}
		printf("pull %s\n", eui);
		if (g != NULL)
			g->sin = sin;
		F.out.type = GW_UDP_PULL_ACK;
		send_to(&sin, &F.out);
		break;
	case GW_UDP_PUSH_DATA:
		F.out.type = GW_UDP_PUSH_ACK;
		if (!F.no_push_ack)
			send_to(&sin, &F.out);
		for (i = 0; i < F.in.n_rxpk; i++)
			join_request(&F.in.rxpk[i], F.in.gw_eui);
		break;
	case GW_UDP_TX_ACK:
		printf(
		    "txack %s %s\n", eui, gw_udp_txack_name(F.in.txack.error));
		break;
	default:
		break;
	}
	fflush(stdout);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	event_base_loopexit(F.base, NULL);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: fakenet --devices FILE [--port P] [--region R] "
	    "[--mode rx1|rx2|late|wrongkey|none|dlwrongkey] [--late-ms MS] "
	    "[--netid HEX] [--no-push-ack] [--fcnt-last N]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"devices", 1, NULL, 'f'},
	    {"port", 1, NULL, 'p'}, {"region", 1, NULL, 'r'},
	    {"mode", 1, NULL, 'm'}, {"late-ms", 1, NULL, 'l'},
	    {"netid", 1, NULL, 'n'}, {"no-push-ack", 0, NULL, 'a'},
	    {"fcnt-last", 1, NULL, 'L'}, {NULL, 0, NULL, 0}};
	static const char *modes[NMODES] = {
	    "rx1", "rx2", "late", "wrongkey", "none", "dlwrongkey"};
	const char *devices = NULL, *err = NULL;
	char why[512] = "out of memory";
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct event *ev, *s1, *s2;
	unsigned port = 0;
	uint8_t net[3];
	int ch, i;

	F.late_ms = 5300;
	F.netid = 0x000013;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'f':
			devices = optarg;
			break;
		case 'p':
			port = (unsigned)strnum_parse(optarg, 0, 65535, &err);
			break;
		case 'r':
			if (lw_region_parse(optarg, &F.region, NULL) != LW_OK)
				return usage();
			break;
		case 'm':
			for (i = 0; i < NMODES && strcmp(optarg, modes[i]) != 0;
			     i++)
				;
			if (i == NMODES)
				return usage();
			F.mode = (enum mode)i;
			break;
		case 'l':
			F.late_ms =
			    (unsigned)strnum_parse(optarg, 0, 60000, &err);
			break;
		case 'a':
			F.no_push_ack = true;
			break;
		case 'L':
			F.has_fcnt_last = true;
			F.fcnt_last =
			    (uint32_t)strnum_parse(optarg, 0, UINT32_MAX, &err);
			break;
		case 'n':
			if (bytes_from_hex_exact(optarg, net, 3, &err) != 0)
				return usage();
			F.netid = (uint32_t)net[0] << 16 |
			    (uint32_t)net[1] << 8 | net[2];
			break;
		default:
			return usage();
		}
		if (err != NULL)
			return usage();
	}
	if (devices == NULL || optind != argc)
		return usage();
	if (lw_devlist_read(devices, add_dev, NULL, why, sizeof(why)) != 0 ||
	    (F.c = lw_crypto_new()) == NULL) {
		fprintf(stderr, "fakenet: %s\n", why);
		return 1;
	}
	/* DevAddrs under the NetID's NwkID, as a type-0 NetID gives them */
	F.next_addr = (F.netid & 0x3f) << 25 | 1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	F.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (F.fd < 0 || bind(F.fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(F.fd, (struct sockaddr *)&sin, &sl) != 0 ||
	    evutil_make_socket_nonblocking(F.fd) != 0) {
		perror("fakenet: socket");
		return 1;
	}
	F.base = event_base_new();
	ev = event_new(F.base, F.fd, EV_READ | EV_PERSIST, on_read, NULL);
	s1 = evsignal_new(F.base, SIGTERM, on_signal, NULL);
	s2 = evsignal_new(F.base, SIGINT, on_signal, NULL);
	if (ev == NULL || s1 == NULL || s2 == NULL || event_add(ev, NULL) ||
	    event_add(s1, NULL) || event_add(s2, NULL))
		return 1;
	printf("fakenet: ready 127.0.0.1:%u\n", (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(F.base);
	while (F.laters != NULL) {
		struct later *l = F.laters;

		F.laters = l->next;
		event_free(l->ev);
		free(l);
	}
	event_free(ev);
	event_free(s1);
	event_free(s2);
	event_base_free(F.base);
	lw_crypto_free(F.c);
	printf("uplinks_ok %lu\nuplinks_bad_mic %lu\nuplinks_replayed %lu\n",
	    F.up_ok, F.up_bad, F.up_replayed);
	for (i = 0; i < F.ndev; i++) {
		free(F.devs[i].used);
		if (F.devs[i].ev_ans != NULL)
			event_free(F.devs[i].ev_ans);
	}
	free(F.devs);
	close(F.fd);
	return 0;
}
