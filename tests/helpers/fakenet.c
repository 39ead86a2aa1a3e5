/*
 * fakenet.c - a Network Server and Join Server in one, just enough for
 * "loradane sim" to join against: Semtech UDP on 127.0.0.1, join-accepts
 * from lw_join_answer_make() for the devices of a file.
 *
 * usage: fakenet --devices FILE [--port P] [--region EU868|US915]
 *	[--mode rx1|rx2|late|wrongkey|none] [--late-ms MS] [--netid HEX]
 *	[--no-push-ack]
 *
 * Answers PULL_ACK and PUSH_ACK at once (no PUSH_ACK with
 * --no-push-ack).  Each join-request is checked as a JS does (MIC;
 * DevNonce above the last for 1.0.4/1.1, never repeated below); the
 * first copy is answered through the gateway that
 * sent it, copies from other gateways are not.  The mode picks the
 * answer: RX1 (default) or RX2 at the regional window, "late" the RX1
 * answer sent --late-ms (5300) after the request (past its tmst),
 * "wrongkey" an accept under another root key, "none" nothing.  1.1
 * devices are joined with OptNeg; EU868 accepts carry a CFList.
 *
 * Prints "fakenet: ready 127.0.0.1:PORT" once listening (PORT 0 picks
 * one), then one line per event:
 *   pull EUI                          every PULL_DATA
 *   jreq DEVEUI DEVNONCE GWEUI TMST   every join-request heard
 *   copy|refused|ignored DEVEUI DEVNONCE [why]
 *   accept DEVEUI DEVNONCE GWEUI rxN tmst T devaddr A joinnonce J KEYS
 *   txack GWEUI CODE
 * where KEYS are " nwkskey K appskey K" (1.0) or the four 1.1 keys.
 * Exits 0 on SIGTERM or SIGINT, 1 on set-up failure, 2 on bad usage.
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
#include <unistd.h>

#include <event2/event.h>

#include "backend/bi.h"
#include "gw/udp.h"
#include "lorawan/crypto.h"
#include "lorawan/ids.h"
#include "lorawan/join.h"
#include "lorawan/region.h"
#include "util/bytes.h"
#include "util/config.h"
#include "util/strnum.h"

#define MAX_GW 256

enum mode { M_RX1, M_RX2, M_LATE, M_WRONGKEY, M_NONE };

struct fdev {
	uint64_t dev_eui;
	bool v11, counter, has_nwk, seen;
	uint8_t app_key[16], nwk_key[16];
	uint32_t last_nonce, join_nonce;
	uint8_t *used; /* random DevNonces seen: a 65536-bit map */
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
	struct gw_udp_packet in, out;
	uint8_t buf[GW_UDP_DATAGRAM_MAX];
} F;

/* load - the devices file, the simulator's format */
static int
load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], *w[7];
	const char *err;
	struct fdev *d;
	int n, lineno = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if ((n = cfg_split(line, w, 7, &err)) == 0)
			continue;
		d = realloc(F.devs, (size_t)(F.ndev + 1) * sizeof(*d));
		if (d == NULL)
			break;
		F.devs = d;
		d = &F.devs[F.ndev];
		memset(d, 0, sizeof(*d));
		if (n < 5 || n > 6 || lw_eui64_parse(w[0], &d->dev_eui) != 0 ||
		    bi_macv_parse(w[2]) == BI_MACV_UNKNOWN ||
		    bytes_from_hex_exact(w[3], d->app_key, 16, &err) != 0 ||
		    (n == 6 &&
			bytes_from_hex_exact(w[4], d->nwk_key, 16, &err) !=
			    0)) {
			fprintf(
			    stderr, "fakenet: %s:%d: bad line\n", path, lineno);
			fclose(f);
			return -1;
		}
		d->v11 = bi_macv_parse(w[2]) == BI_MACV_1_1;
		d->counter = bi_macv_parse(w[2]) >= BI_MACV_1_0_4;
		d->has_nwk = n == 6;
		F.ndev++;
	}
	fclose(f);
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

/* answer - the join-accept for one join-request, sent (or not) as the
 * mode says */
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
	struct lw_rx_request rq;
	struct lw_tx_window w1, w2, *w;
	struct gw_udp_txpk *tx = &F.out.txpk;
	struct gw_udp_error ge;
	struct timeval tv;
	char datr[LW_DATR_MAX], geui[17];
	struct later *l;

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
	in.dl_settings = d->v11 ? LW_DLSETTINGS_OPTNEG : 0;
	in.rx_delay = 1;
	in.cflist = F.region == LW_REGION_EU868 ? cflist : NULL;
	memset(&rq, 0, sizeof(rq));
	rq.up_freq_hz = rx->freq_hz;
	rq.up_datr = datr;
	rq.up_tmst = rx->tmst;
	rq.join_accept = true;
	if (gw_udp_datr_format(&rx->datr, datr, sizeof(datr)) != 0 ||
	    lw_region_rx_windows(F.region, &rq, &w1, &w2, NULL) != LW_OK ||
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
	memset(&F.out, 0, sizeof(F.out));
	F.out.version = GW_UDP_VERSION;
	F.out.type = GW_UDP_PULL_RESP;
	F.out.token = (uint16_t)random();
	tx->has_tmst = true;
	tx->tmst = w->tmst;
	tx->freq_hz = w->freq_hz;
	tx->has_powe = true;
	tx->powe = (int8_t)w->power_dbm;
	tx->datr.modu = GW_UDP_LORA;
	tx->datr.sf = w->params.sf;
	tx->datr.bw_khz = w->params.bw_khz;
	tx->codr = 5;
	tx->ipol = true;
	tx->size = (uint16_t)a.phy_len;
	memcpy(tx->data, a.phy, a.phy_len);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	if (gw_udp_encode(&F.out, l->buf, sizeof(l->buf), &l->n, &ge) != 0) {
		fprintf(stderr, "fakenet: PULL_RESP: %s\n", ge.text);
		free(l);
		return;
	}
	l->gw = gw;
	if (F.mode != M_LATE) {
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

	if (lw_phy_decode(rx->data, rx->size, &f, NULL) != LW_OK ||
	    f.mtype != LW_MT_JOIN_REQUEST) {
		printf("frame not a join-request\n");
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
	    "[--mode rx1|rx2|late|wrongkey|none] [--late-ms MS] "
	    "[--netid HEX] [--no-push-ack]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"devices", 1, NULL, 'f'},
	    {"port", 1, NULL, 'p'}, {"region", 1, NULL, 'r'},
	    {"mode", 1, NULL, 'm'}, {"late-ms", 1, NULL, 'l'},
	    {"netid", 1, NULL, 'n'}, {"no-push-ack", 0, NULL, 'a'},
	    {NULL, 0, NULL, 0}};
	static const char *modes[] = {"rx1", "rx2", "late", "wrongkey", "none"};
	const char *devices = NULL, *err = NULL;
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
			for (i = 0; i < 5 && strcmp(optarg, modes[i]) != 0; i++)
				;
			if (i == 5)
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
	if (load(devices) != 0 || (F.c = lw_crypto_new()) == NULL)
		return 1;
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
	for (i = 0; i < F.ndev; i++)
		free(F.devs[i].used);
	free(F.devs);
	close(F.fd);
	return 0;
}
