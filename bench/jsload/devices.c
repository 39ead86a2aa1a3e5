/*
 * devices.c - jsload's devices: the devices file, the pool of idle
 * devices, DevNonce choice, the JoinReq of a request, and the checks a
 * device makes of its join-accept.
 *
 * DevNonces follow the device's MAC version: a counter for 1.0.4 and 1.1
 * (it keeps going up after an unanswered request, since the Join Server
 * may have committed it), random for the older ones, never a value sent
 * before (a real device could repeat one, but then a refusal would be
 * right and would hide a refusal that is wrong).  P percent of requests
 * instead replay a DevNonce the device already had ACCEPTED: these must
 * be refused.  The client knows only what it sent: against a store that
 * already saw these devices, start the counters above their last
 * DevNonce (--devnonce-start), and expect refusals of random DevNonces
 * that an earlier run used.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "backend/bi.h"
#include "lorawan/crypto.h"
#include "lorawan/devlist.h"
#include "lorawan/ids.h"
#include "lorawan/join.h"
#include "lorawan/phy.h"
#include "util/bytes.h"
#include "util/config.h"

#include "jsload.h"

static int
cmp_eui(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* check_unique - no DevEUI twice: sorted, in n log n (a million-device
 * list is loaded in about a second, not in hours) */
static int
check_unique(const char *path)
{
	uint64_t *e = malloc((size_t)L.ndevs * sizeof(*e));
	int i, rc = 0;

	if (e == NULL)
		return -1;
	for (i = 0; i < L.ndevs; i++)
		e[i] = L.devs[i].dev_eui;
	qsort(e, (size_t)L.ndevs, sizeof(*e), cmp_eui);
	for (i = 1; i < L.ndevs && rc == 0; i++)
		if (e[i] == e[i - 1]) {
			fprintf(stderr,
			    "jsload: %s: DevEUI %016llx given twice\n", path,
			    (unsigned long long)e[i]);
			rc = -1;
		}
	free(e);
	return rc;
}

/* add_device - one device of the list, as jsload keeps it */
static int
add_device(void *arg, const struct lw_devlist_entry *e)
{
	struct device *nd, *d;
	int *cap = arg;

	if (L.ndevs == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		if ((nd = realloc(L.devs, (size_t)*cap * sizeof(*nd))) == NULL)
			return -2;
		L.devs = nd;
	}
	d = &L.devs[L.ndevs];
	memset(d, 0, sizeof(*d));
	d->dev_eui = e->dev_eui;
	d->join_eui = e->join_eui;
	d->macv = bi_macv_parse(e->mac_version);
	d->v11 = e->v11;
	d->counter = e->counter;
	d->has_nwk_key = e->has_nwk_key;
	memcpy(d->app_key, e->app_key, 16);
	memcpy(d->nwk_key, e->nwk_key, 16);
	d->home_net_id = e->home_net_id;
	d->next_nonce = L.devnonce_start;
	if (!d->counter && (d->sent = calloc(DEVNONCE_SPACE / 8, 1)) == NULL)
		return -2;
	L.ndevs++;
	return 0;
}

int
read_devices(const char *path)
{
	char why[512];
	int cap = 0,
	    rc = lw_devlist_read(path, add_device, &cap, why, sizeof(why));

	if (rc != 0) {
		fprintf(
		    stderr, "jsload: %s\n", rc == -2 ? "out of memory" : why);
		return -1;
	}
	if (L.ndevs == 0) {
		fprintf(stderr, "jsload: %s: no device\n", path);
		return -1;
	}
	return check_unique(path);
}

/*
 * Devices: the idle pool, DevNonces.
 */

/* idle_pool_init - every device idle */
int
idle_pool_init(void)
{
	if ((L.idle = calloc((size_t)L.ndevs, sizeof(*L.idle))) == NULL)
		return -1;
	for (int i = 0; i < L.ndevs; i++)
		give_back_device(i);
	return 0;
}

int
take_idle_device(void)
{
	uint32_t i;
	int d;

	while (L.nidle > 0) {
		i = rnd_below((uint32_t)L.nidle);
		d = L.idle[i];
		L.idle[i] = L.idle[--L.nidle];
		if (!L.devs[d].exhausted)
			return d;
		/* An exhausted device leaves the pool for good. */
	}
	return -1;
}

void
give_back_device(int d)
{
	L.idle[L.nidle++] = d;
}

/* devices_free - the devices (their keys wiped) and the idle pool */
void
devices_free(void)
{
	for (int i = 0; i < L.ndevs; i++) {
		free(L.devs[i].sent);
		free(L.devs[i].acc);
	}
	OPENSSL_cleanse(L.devs, (size_t)L.ndevs * sizeof(*L.devs));
	free(L.devs);
	free(L.idle);
}

/* fresh_nonce - a DevNonce this device never sent; -1 if none is left */
static int
fresh_nonce(struct device *d)
{
	uint32_t v;

	if (d->counter) {
		if (d->next_nonce >= DEVNONCE_SPACE)
			return -1;
		return (int)d->next_nonce++;
	}
	if (d->nsent >= DEVNONCE_SPACE)
		return -1;
	/* Random, then the next unused value: uniform enough, and bounded. */
	v = rnd_below(DEVNONCE_SPACE);
	while (d->sent[v / 8] & (1u << (v % 8)))
		v = (v + 1) % DEVNONCE_SPACE;
	d->sent[v / 8] |= (uint8_t)(1u << (v % 8));
	d->nsent++;
	return (int)v;
}

/* root_key - the key of a join-request MIC and of a join-accept's
 * encryption, as lib/lorawan/join.c chooses it on the server side */
static const uint8_t *
root_key(const struct device *d)
{
	return d->has_nwk_key ? d->nwk_key : d->app_key;
}

/* build_join_request - the 23-byte PHYPayload, MIC included */
static int
build_join_request(const struct device *d, uint16_t dev_nonce, uint8_t *out)
{
	struct lw_frame f;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_REQUEST;
	f.u.jr.join_eui = d->join_eui;
	f.u.jr.dev_eui = d->dev_eui;
	f.u.jr.dev_nonce = dev_nonce;
	if (lw_phy_encode(&f, out, LW_JOIN_REQUEST_LEN, &n, NULL) != LW_OK ||
	    n != LW_JOIN_REQUEST_LEN)
		return -1;
	return lw_mic_join_request(
		   L.crypto, root_key(d), out, n - 4, out + n - 4) == LW_OK
	    ? 0
	    : -1;
}

/*
 * make_join_req - the request q of device di (a replay, or a fresh
 * DevNonce) and its JoinReq, encoded into *body (the caller's to free).
 * -1 when the device has no fresh DevNonce left: it is marked exhausted,
 * q->dev is -1.  Exits with 2 when the JoinReq cannot be built.
 */
int
make_join_req(struct request *q, int di, char **body, size_t *blen)
{
	struct device *d = &L.devs[di];
	uint8_t phy[LW_JOIN_REQUEST_LEN];
	struct bi_error err;
	struct bi_msg m;
	int nonce;

	memset(q, 0, sizeof(*q));
	q->dev = di;
	if (d->nacc > 0 && L.replay_pct > 0 && rnd_below(100) < L.replay_pct) {
		q->replay = true;
		q->dev_nonce = d->acc[rnd_below((uint32_t)d->nacc)].dev_nonce;
	} else {
		if ((nonce = fresh_nonce(d)) < 0) {
			d->exhausted = true;
			q->dev = -1;
			return -1;
		}
		q->dev_nonce = (uint16_t)nonce;
	}
	q->txid = ++L.txid;
	q->dev_addr = (uint32_t)rnd();
	q->dl_settings = d->v11 ? LW_DLSETTINGS_OPTNEG : 0;
	bi_msg_init(&m, BI_JOIN_REQ);
	bi_id_from_netid(
	    d->home_net_id, m.hdr.sender_id, sizeof(m.hdr.sender_id));
	bi_id_from_eui64(
	    d->join_eui, m.hdr.receiver_id, sizeof(m.hdr.receiver_id));
	m.hdr.transaction_id = q->txid;
	m.join_req.mac_version = d->macv;
	if (build_join_request(d, q->dev_nonce, phy) != 0) {
		fprintf(stderr, "jsload: cannot build a join-request\n");
		exit(2);
	}
	memcpy(m.join_req.phy_payload, phy, sizeof(phy));
	m.join_req.phy_payload_len = sizeof(phy);
	m.join_req.dev_eui = d->dev_eui;
	m.join_req.dev_addr = q->dev_addr;
	m.join_req.dl_settings = q->dl_settings;
	m.join_req.rx_delay = RX_DELAY;
	if (bi_encode(&m, body, blen, &err) != BI_OK) {
		fprintf(stderr, "jsload: JoinReq: %s\n", err.text);
		exit(2);
	}
	return 0;
}

/*
 * check_accept - what a device does with a join-accept: decrypt it,
 * verify its MIC (1.1 with OptNeg: JSIntKey over JoinReqType, JoinEUI and
 * DevNonce too), and compare its fields with the request.  Sets
 * *join_nonce; returns NULL or why it is bad.
 */
const char *
check_accept(const struct device *d, const struct request *q,
    const uint8_t *phy, size_t len, uint32_t *join_nonce)
{
	uint8_t msg[1 + LW_JA_PLAIN_CFLIST_LEN + 4], mic[4];
	uint8_t jsint[16], jsenc[16];
	struct lw_join_accept ja;
	struct lw_frame f;
	size_t plen;
	int rc;

	if (lw_phy_decode(phy, len, &f, NULL) != LW_OK ||
	    f.mtype != LW_MT_JOIN_ACCEPT)
		return "PHYPayload is not a join-accept";
	plen = f.u.ja.len;
	msg[0] = phy[0];
	if (lw_join_accept_decrypt(
		L.crypto, root_key(d), f.u.ja.bytes, plen, msg + 1) != LW_OK)
		return "join-accept does not decrypt";
	if (lw_join_accept_decode(msg + 1, plen - 4, &ja, NULL) != LW_OK)
		return "join-accept plaintext does not decode";
	if ((ja.dl_settings & LW_DLSETTINGS_OPTNEG) != 0) {
		if (!d->v11 || !d->has_nwk_key)
			return "OptNeg set for a 1.0 device";
		rc = lw_derive_js_keys(
		    L.crypto, d->nwk_key, d->dev_eui, jsint, jsenc);
		if (rc == LW_OK)
			rc = lw_mic_join_accept_11(L.crypto, jsint,
			    LW_JOIN_REQ_TYPE_JOIN, d->join_eui, q->dev_nonce,
			    msg, 1 + plen - 4, mic);
	} else
		rc = lw_mic_join_accept_10(
		    L.crypto, root_key(d), msg, 1 + plen - 4, mic);
	if (rc != LW_OK)
		return "MIC computation failed";
	if (lw_mic_check(mic, msg + 1 + plen - 4) != LW_OK)
		return "join-accept MIC does not verify";
	if (ja.net_id != d->home_net_id)
		return "join-accept NetID is not the home NetID";
	if (ja.dev_addr != q->dev_addr)
		return "join-accept DevAddr is not the one asked for";
	if (ja.dl_settings != q->dl_settings || ja.rx_delay != RX_DELAY)
		return "join-accept DLSettings or RxDelay differ";
	*join_nonce = ja.join_nonce;
	return NULL;
}
