/*
 * ns_join.c - a join-request, from the gateways to the join-accept:
 *
 *  1. find the Join Server: a join-server line for the JoinEUI, else the
 *     JoinEUI's DNS name (bi_dns: NAPTR -> SRV, DNSSEC-validated);
 *  2. take a DevAddr from the NetID's range (store, on a worker);
 *  3. JoinReq over DANE mutual TLS with our client identity (bi_client;
 *     the JS is authenticated by its TLSA record, we by ours);
 *  4. unwrap the session keys with our KEK and store the session (on a
 *     worker) before anything is sent: the first uplink must find it;
 *  5. the join-accept through the best gateway in RX1 (uplink tmst +
 *     5 s), or RX2 (+ 6 s) if RX1 is past or the gateway refuses it.
 *
 * One logfmt line per join says how it ended and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "backend/bi.h"
#include "backend/bi_client.h"
#include "backend/bi_dns.h"
#include "dance.h"
#include "gw/gw_server.h"
#include "lorawan/ids.h"
#include "lorawan/keywrap.h"
#include "lorawan/phy.h"
#include "ns.h"
#include "ns_int.h"
#include "store/store_ns.h"
#include "store/store_workers.h"
#include "util/log.h"

/* The JS and the store must be done by then for RX1 (5 s after the
 * uplink ended), with room for the UDP trip to the gateway. */
#define RX_MARGIN_US 250000

enum step { STEP_DEVADDR, STEP_STORE };

struct ns_join {
	struct store_job job; /* first: the workers hand it back */
	struct ns_server *srv;
	enum step step;
	uint8_t phy[LW_JOIN_REQUEST_LEN];
	struct lw_join_request jr;
	struct gw_server_rx rx; /* the best gateway's reception */
	char datr[16];
	uint32_t dev_addr;
	int store_rc;
	char why[300];
	char js[300]; /* host:port, for the log */
	char js_host[256];
	uint16_t js_port;
	char js_addr[64]; /* "" : the host's own addresses */
	struct store_ns_session sess;
	uint8_t accept[LW_PHY_MAX];
	size_t accept_len;
	bool tried_rx2;
};

static int64_t
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* finish - the join's log line, then its memory */
static void
finish(struct ns_join *j, const char *result, const char *why)
{
	log_info("msg=join deveui=%016llx joineui=%016llx devnonce=%u js=%s "
		 "result=%s%s%s%s devaddr=%08x latency_ms=%.1f",
	    (unsigned long long)j->jr.dev_eui,
	    (unsigned long long)j->jr.join_eui, j->jr.dev_nonce,
	    j->js[0] != '\0' ? j->js : "-", result, why ? " why=\"" : "",
	    why ? why : "", why ? "\"" : "", (unsigned)j->dev_addr,
	    (double)(now_us() - j->rx.recv_us) / 1000);
	j->srv->joins_in_flight--;
	OPENSSL_cleanse(&j->sess, sizeof(j->sess));
	free(j);
}

static void send_accept(struct ns_join *j);

static void
on_tx(void *arg, const struct gw_server_tx_result *r)
{
	struct ns_join *j = arg;

	if (r->err == GW_SERVER_OK) {
		finish(j, j->tried_rx2 ? "accepted-rx2" : "accepted-rx1", NULL);
		return;
	}
	if (!j->tried_rx2) { /* RX1 refused (TOO_LATE...): RX2 if in time */
		j->tried_rx2 = true;
		log_debug("deveui=%016llx RX1 refused by gateway %016llx: %s",
		    (unsigned long long)j->jr.dev_eui,
		    (unsigned long long)r->gw_eui, r->why);
		send_accept(j);
		return;
	}
	finish(j, "tx-failed", r->why);
}

/* send_accept - the join-accept in the first window still in reach */
static void
send_accept(struct ns_join *j)
{
	const struct ns_conf *c = j->srv->conf;
	struct lw_rx_request q = {.up_freq_hz = j->rx.freq_hz,
	    .up_datr = j->datr,
	    .up_tmst = j->rx.tmst,
	    .join_accept = true};
	struct lw_tx_window w1, w2;
	const struct lw_tx_window *w;
	int64_t elapsed = now_us() - j->rx.recv_us;

	if (lw_region_rx_windows(c->region, &q, &w1, &w2, NULL) != LW_OK) {
		finish(j, "no-window", "no RX window for the uplink's radio");
		return;
	}
	if (!j->tried_rx2 && elapsed + RX_MARGIN_US < (int64_t)w1.delay_us)
		w = &w1;
	else if (elapsed + RX_MARGIN_US < (int64_t)w2.delay_us) {
		j->tried_rx2 = true;
		w = &w2;
	} else {
		finish(j, "too-late", "both receive windows have passed");
		return;
	}
	if (ns_send_window(
		j->srv, &j->rx, w, j->accept, j->accept_len, on_tx, j) != 0)
		finish(j, "tx-failed", "the gateway cannot take it");
}

int
ns_send_window(struct ns_server *srv, const struct gw_server_rx *rx,
    const struct lw_tx_window *w, const uint8_t *phy, size_t len,
    gw_server_tx_cb *cb, void *arg)
{
	struct gw_udp_txpk tx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	tx.has_tmst = true;
	tx.tmst = w->tmst;
	tx.freq_hz = w->freq_hz;
	tx.has_powe = true;
	tx.powe = (int8_t)w->power_dbm;
	if (len > sizeof(tx.data) ||
	    gw_udp_datr_parse(w->datr, &tx.datr) != GW_UDP_OK) {
		log_warnx(
		    "downlink: no txpk for datr %s, %zu bytes", w->datr, len);
		return -1;
	}
	tx.codr = 5; /* 4/5 */
	tx.ipol = true;
	tx.size = (uint16_t)len;
	memcpy(tx.data, phy, len);
	rc = gw_server_send(srv->gw, rx->gw_eui, &tx, cb, arg, NULL);
	if (rc != GW_SERVER_OK) {
		log_warnx("downlink to gateway %016llx: %s",
		    (unsigned long long)rx->gw_eui, gw_server_strerror(rc));
		return -1;
	}
	return 0;
}

/* unwrap - a KeyEnvelope's key: in clear, or under the KEK of its label */
static int
unwrap(const struct ns_conf *c, const struct bi_key_env *e, uint8_t key[16],
    char *why, size_t n)
{
	const struct ns_kek *k;
	uint8_t out[24];
	size_t len;

	if (e->kek_label[0] == '\0' && e->aes_key_len == 16) {
		memcpy(key, e->aes_key, 16);
		return 0;
	}
	if ((k = ns_conf_kek(c, e->kek_label)) == NULL) {
		snprintf(why, n, "no kek line for KEKLabel %s", e->kek_label);
		return -1;
	}
	if (lw_key_unwrap(k->key, k->len, e->aes_key, e->aes_key_len, out,
		&len) != LW_OK ||
	    len != 16) {
		snprintf(why, n, "KEK %s does not unwrap the key", k->label);
		return -1;
	}
	memcpy(key, out, 16);
	OPENSSL_cleanse(out, sizeof(out));
	return 0;
}

/* session - what the JoinAns gives, as the store keeps it */
static int
session(struct ns_join *j, const struct bi_join_ans *a)
{
	const struct ns_conf *c = j->srv->conf;
	struct store_ns_session *s = &j->sess;
	unsigned rx2_dr;

	memset(s, 0, sizeof(*s));
	s->dev_eui = j->jr.dev_eui;
	s->dev_addr = j->dev_addr;
	s->join_eui = j->jr.join_eui;
	if (a->f_nwk_s_int_key.present) {
		snprintf(s->mac_version, sizeof(s->mac_version), "1.1");
		if (unwrap(c, &a->f_nwk_s_int_key, s->f_nwk_s_int_key, j->why,
			sizeof(j->why)) != 0 ||
		    unwrap(c, &a->s_nwk_s_int_key, s->s_nwk_s_int_key, j->why,
			sizeof(j->why)) != 0 ||
		    unwrap(c, &a->nwk_s_enc_key, s->nwk_s_enc_key, j->why,
			sizeof(j->why)) != 0)
			return -1;
	} else if (a->nwk_s_key.present) {
		snprintf(s->mac_version, sizeof(s->mac_version), "%s",
		    c->mac_version);
		if (unwrap(c, &a->nwk_s_key, s->f_nwk_s_int_key, j->why,
			sizeof(j->why)) != 0)
			return -1;
	} else {
		snprintf(j->why, sizeof(j->why), "JoinAns without a NwkSKey");
		return -1;
	}
	if (a->app_s_key.present) {
		if (strlen(a->app_s_key.kek_label) >=
		    sizeof(s->app_s_key_kek_label)) {
			snprintf(j->why, sizeof(j->why),
			    "AppSKey KEKLabel longer than the store keeps");
			return -1;
		}
		memcpy(s->app_s_key_kek_label, a->app_s_key.kek_label,
		    strlen(a->app_s_key.kek_label) + 1);
		memcpy(s->app_s_key_env, a->app_s_key.aes_key,
		    a->app_s_key.aes_key_len);
		s->app_s_key_env_len = a->app_s_key.aes_key_len;
	}
	memcpy(s->session_key_id, a->session_key_id, a->session_key_id_len);
	s->session_key_id_len = a->session_key_id_len;
	s->rx1_dr_offset = (uint8_t)c->rx1_dr_offset;
	lw_region_rx2_default(c->region, &s->rx2_freq, &rx2_dr);
	s->rx2_dr = (uint8_t)rx2_dr;
	s->rx_delay = (uint8_t)c->rx_delay;
	s->home_net_id = c->net_id;
	return 0;
}

static void
on_answer(void *arg, const struct bi_client_result *r)
{
	struct ns_join *j = arg;
	struct bi_msg *m;
	struct bi_error err;

	if (r->err != BI_CLIENT_OK) {
		finish(j, "js-unreachable", r->why);
		return;
	}
	if (r->status != 200 || (m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(j->why, sizeof(j->why), "HTTP %d", r->status);
		finish(j, "js-refused", j->why);
		return;
	}
	if (bi_decode(r->body, r->len, m, &err) != BI_OK ||
	    m->hdr.type != BI_JOIN_ANS) {
		finish(j, "js-bad-answer", err.text);
		free(m);
		return;
	}
	if (m->hdr.result.code != BI_RC_SUCCESS) {
		snprintf(j->why, sizeof(j->why), "%s: %.200s",
		    bi_rc_name(m->hdr.result.code), m->hdr.result.description);
		finish(j, "js-refused", j->why);
		free(m);
		return;
	}
	if (m->join_ans.phy_payload_len == 0 ||
	    m->join_ans.phy_payload_len > sizeof(j->accept) ||
	    session(j, &m->join_ans) != 0) {
		finish(j, "js-bad-answer",
		    j->why[0] != '\0' ? j->why : "no join-accept");
		OPENSSL_cleanse(m, sizeof(*m));
		free(m);
		return;
	}
	memcpy(j->accept, m->join_ans.phy_payload, m->join_ans.phy_payload_len);
	j->accept_len = m->join_ans.phy_payload_len;
	OPENSSL_cleanse(m, sizeof(*m));
	free(m);
	j->step = STEP_STORE;
	store_workers_submit(j->srv->workers, &j->job);
}

/* send_join_req - JoinReq to the Join Server found */
static void
send_join_req(struct ns_join *j)
{
	const struct ns_conf *c = j->srv->conf;
	struct bi_msg *m = calloc(1, sizeof(*m));
	struct bi_error err;
	unsigned rx2_dr;
	uint32_t rx2_freq, tid = 0;
	char *body = NULL;
	size_t len;
	int rc;

	snprintf(
	    j->js, sizeof(j->js), "%s:%u", j->js_host, (unsigned)j->js_port);
	if (m == NULL) {
		finish(j, "failed", "out of memory");
		return;
	}
	bi_msg_init(m, BI_JOIN_REQ);
	snprintf(
	    m->hdr.protocol_version, sizeof(m->hdr.protocol_version), "1.0");
	snprintf(m->hdr.sender_id, sizeof(m->hdr.sender_id), "%06x",
	    (unsigned)c->net_id);
	snprintf(m->hdr.receiver_id, sizeof(m->hdr.receiver_id), "%016llx",
	    (unsigned long long)j->jr.join_eui);
	(void)RAND_bytes((unsigned char *)&tid, sizeof(tid));
	m->hdr.transaction_id = tid;
	m->join_req.mac_version = bi_macv_parse(c->mac_version);
	memcpy(m->join_req.phy_payload, j->phy, sizeof(j->phy));
	m->join_req.phy_payload_len = sizeof(j->phy);
	m->join_req.dev_eui = j->jr.dev_eui;
	m->join_req.dev_addr = j->dev_addr;
	lw_region_rx2_default(c->region, &rx2_freq, &rx2_dr);
	m->join_req.dl_settings =
	    (uint8_t)((c->rx1_dr_offset & 7) << 4 | (rx2_dr & 15));
	m->join_req.rx_delay = (uint8_t)c->rx_delay;
	rc = bi_encode(m, &body, &len, &err);
	free(m);
	if (rc != BI_OK) {
		finish(j, "failed", err.text);
		return;
	}
	rc = bi_client_post(j->srv->bi, j->js_host, j->js_port,
	    j->js_addr[0] != '\0' ? j->js_addr : NULL, body, len, on_answer, j,
	    NULL);
	free(body);
	if (rc != BI_CLIENT_OK)
		finish(j, "js-unreachable", bi_client_strerror(rc));
}

/* run_store - on a worker: this step's store call */
static void
run_store(struct store_job *job, struct store *st)
{
	struct ns_join *j = (struct ns_join *)job;
	uint32_t prefix, nwk_addr;
	int bits;

	if (j->step == STEP_STORE) {
		j->store_rc =
		    store_ns_session_put(st, &j->sess, j->why, sizeof(j->why));
		return;
	}
	if (lw_netid_devaddr_prefix(j->srv->conf->net_id, &prefix, &bits) !=
	    LW_OK) {
		j->store_rc = STORE_ERR_ARG;
		snprintf(j->why, sizeof(j->why), "NetID has no DevAddr range");
		return;
	}
	j->store_rc = store_ns_devaddr_take(st, j->srv->conf->net_id,
	    (unsigned)(32 - bits), &nwk_addr, j->why, sizeof(j->why));
	if (j->store_rc == STORE_OK &&
	    lw_devaddr_build(j->srv->conf->net_id, nwk_addr, &j->dev_addr) !=
		LW_OK) {
		j->store_rc = STORE_ERR_ARG;
		snprintf(j->why, sizeof(j->why), "NwkAddr %u out of range",
		    (unsigned)nwk_addr);
	}
}

static void
undo_store(struct store_job *job, const char *why)
{
	struct ns_join *j = (struct ns_join *)job;

	j->store_rc = STORE_ERR_DB;
	snprintf(j->why, sizeof(j->why), "%s", why);
}

/* stored - on the event thread: the step's outcome */
static void
stored(struct store_job *job)
{
	struct ns_join *j = (struct ns_join *)job;

	if (j->store_rc != STORE_OK) {
		finish(j, "store-failed", j->why);
		return;
	}
	if (j->step == STEP_STORE) {
		send_accept(j);
		return;
	}
	send_join_req(j);
}

/* js_found - where the JoinReq goes; the DevAddr comes first */
static void
js_found(struct ns_join *j, const char *host, uint16_t port, const char *addr)
{
	snprintf(j->js_host, sizeof(j->js_host), "%s", host);
	j->js_port = port;
	snprintf(j->js_addr, sizeof(j->js_addr), "%s", addr ? addr : "");
	snprintf(j->js, sizeof(j->js), "%s:%u", host, (unsigned)port);
	j->job.run = run_store;
	j->job.undo = undo_store;
	j->job.done = stored;
	j->job.lock_key = j->jr.dev_eui;
	j->step = STEP_DEVADDR;
	store_workers_submit(j->srv->workers, &j->job);
}

static void
on_dns(void *arg, int err, const struct bi_dns_server *srv, const char *why)
{
	struct ns_join *j = arg;

	if (err != DANCE_OK) {
		finish(j, "js-not-found", why);
		return;
	}
	log_debug("joineui=%016llx js=%s port %u via %s",
	    (unsigned long long)j->jr.join_eui, srv->host, (unsigned)srv->port,
	    srv->via);
	js_found(j, srv->host, srv->port, NULL);
}

void
ns_uplink(void *arg, const struct gw_server_uplink *u)
{
	struct ns_server *srv = arg;
	const struct ns_conf *c = srv->conf;
	const struct ns_js_route *r;
	struct ns_join *j;
	char name[300];

	if (u->frame->mtype == LW_MT_UNCONF_UP ||
	    u->frame->mtype == LW_MT_CONF_UP) {
		ns_uplink_data(srv, u);
		return;
	}
	if (u->frame->mtype != LW_MT_JOIN_REQUEST) {
		log_debug("msg=uplink mtype=%s not handled by this version",
		    lw_mtype_name((int)u->frame->mtype));
		return;
	}
	if (srv->joins_in_flight >= NS_MAX_JOINS_IN_FLIGHT) {
		log_debug("msg=join deveui=%016llx result=dropped why=\"%u "
			  "joins in flight\"",
		    (unsigned long long)u->frame->u.jr.dev_eui,
		    srv->joins_in_flight);
		return;
	}
	if (u->len != LW_JOIN_REQUEST_LEN ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return;
	j->srv = srv;
	memcpy(j->phy, u->phy, sizeof(j->phy));
	j->jr = u->frame->u.jr;
	j->rx = u->rx[u->best];
	if (gw_udp_datr_format(&j->rx.datr, j->datr, sizeof(j->datr)) !=
	    GW_UDP_OK) {
		free(j);
		return;
	}
	srv->joins_in_flight++;
	if ((r = ns_conf_route(c, j->jr.join_eui)) != NULL) {
		js_found(j, r->host, r->port, r->addr[0] ? r->addr : NULL);
		return;
	}
	if (lw_joineui_dns_name(j->jr.join_eui, c->joineui_suffix, name,
		sizeof(name)) != LW_OK ||
	    bi_dns_resolve(srv->dns, name, on_dns, j) != DANCE_OK)
		finish(j, "js-not-found", "no DNS name for the JoinEUI");
}
