/*
 * store_ns.c - the rules of the Network Server's state (store_ns.h),
 * written once above both backends (store_ns_int.h): argument checks,
 * sealing the network session keys and the AppSKey envelope with the
 * store's KEK (store_aead, as the JS's root keys), and the FCntUp,
 * FCntDown, NwkAddr and downlink-queue rules, each in one transaction
 * that locks its row.
 *
 * The additional data of a sealed value names its row (label | DevEUI),
 * so that a value copied onto another device's row does not open there.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "store/store_ns_int.h"

#define AAD_NS_KEYS "loradane-ns-keys-v1"
#define AAD_NS_ENV "loradane-ns-appskey-env-v1"
#define AAD_MAX 40

/* aad_dev - label | DevEUI (big-endian) */
static size_t
aad_dev(const char *label, uint64_t dev_eui, uint8_t aad[AAD_MAX])
{
	size_t l = strlen(label);
	int i;

	memcpy(aad, label, l);
	for (i = 0; i < 8; i++)
		aad[l + (size_t)i] = (uint8_t)(dev_eui >> (56 - 8 * i));
	return l + 8;
}

/* is_1_1 - LoRaWAN 1.1: three network keys and two downlink counters */
static bool
is_1_1(const char *mac_version)
{
	return strcmp(mac_version, "1.1") == 0;
}

/* session_check - the fields of a session to store; why names the field */
static int
session_check(const struct store_ns_session *s, char *why, size_t n)
{
	const char *bad;
	size_t i;

	if (strnlen(s->mac_version, sizeof(s->mac_version)) ==
		sizeof(s->mac_version) ||
	    !store_mac_version_valid(s->mac_version))
		return store_fail(STORE_ERR_ARG, why, n,
		    "mac_version: not one of 1.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4, "
		    "1.1");
	if (s->app_s_key_env_len > STORE_NS_ENVELOPE_MAX)
		return store_fail(STORE_ERR_ARG, why, n,
		    "app_s_key_env: %zu bytes, over %d", s->app_s_key_env_len,
		    STORE_NS_ENVELOPE_MAX);
	if (s->session_key_id_len > STORE_NS_SKID_MAX)
		return store_fail(STORE_ERR_ARG, why, n,
		    "session_key_id: %zu bytes, over %d", s->session_key_id_len,
		    STORE_NS_SKID_MAX);
	/* Without either, the AS could never get the session's AppSKey. */
	if (s->app_s_key_env_len == 0 && s->session_key_id_len == 0)
		return store_fail(STORE_ERR_ARG, why, n,
		    "app_s_key_env, session_key_id: neither given");
	const struct {
		const char *name, *v;
		size_t size;
	} t[] = {{"app_s_key_kek_label", s->app_s_key_kek_label,
		     sizeof(s->app_s_key_kek_label)},
	    {"as_id", s->as_id, sizeof(s->as_id)},
	    {"as_host", s->as_host, sizeof(s->as_host)}};
	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		if ((bad = store_text_bad(t[i].v, t[i].size, true)) != NULL)
			return store_fail(STORE_ERR_ARG, why, n,
			    "%s: %s (at most %zu)", t[i].name, bad,
			    t[i].size - 1);
	if (s->as_host[0] != '\0' && s->as_port == 0)
		return store_fail(
		    STORE_ERR_ARG, why, n, "as_port: 0 with an as_host");
	if (s->rx1_dr_offset > 7)
		return store_fail(STORE_ERR_ARG, why, n,
		    "rx1_dr_offset %u: over 7", s->rx1_dr_offset);
	if (s->rx2_dr > 15)
		return store_fail(
		    STORE_ERR_ARG, why, n, "rx2_dr %u: over 15", s->rx2_dr);
	if (s->rx_delay > 15)
		return store_fail(
		    STORE_ERR_ARG, why, n, "rx_delay %u: over 15", s->rx_delay);
	if (s->home_net_id > 0xffffffu)
		return store_fail(
		    STORE_ERR_ARG, why, n, "home_net_id: over 24 bits");
	if (s->roaming_net_id > 0xffffffu)
		return store_fail(
		    STORE_ERR_ARG, why, n, "roaming_net_id: over 24 bits");
	return STORE_OK;
}

/* session_to_row - seal the keys and the envelope; the state starts
 * empty */
static int
session_to_row(const struct store *st, const struct store_ns_session *s,
    struct store_ns_session_row *r, char *why, size_t n)
{
	uint8_t keys[48], aad[AAD_MAX];
	bool v11 = is_1_1(s->mac_version);
	int rc;

	memset(r, 0, sizeof(*r));
	r->dev_eui = s->dev_eui;
	r->dev_addr = s->dev_addr;
	r->join_eui = s->join_eui;
	memcpy(r->mac_version, s->mac_version, sizeof(r->mac_version));
	memcpy(r->app_s_key_kek_label, s->app_s_key_kek_label,
	    sizeof(r->app_s_key_kek_label));
	memcpy(r->session_key_id, s->session_key_id, s->session_key_id_len);
	r->session_key_id_len = s->session_key_id_len;
	memcpy(r->as_id, s->as_id, sizeof(r->as_id));
	memcpy(r->as_host, s->as_host, sizeof(r->as_host));
	r->as_port = s->as_port;
	r->fcnt_up = -1;
	r->rx1_dr_offset = s->rx1_dr_offset;
	r->rx2_dr = s->rx2_dr;
	r->rx2_freq = s->rx2_freq;
	r->rx_delay = s->rx_delay;
	r->home_net_id = s->home_net_id;
	r->roaming_net_id = s->roaming_net_id;
	r->created = (int64_t)time(NULL);
	memcpy(keys, s->f_nwk_s_int_key, 16);
	memcpy(keys + 16, v11 ? s->s_nwk_s_int_key : s->f_nwk_s_int_key, 16);
	memcpy(keys + 32, v11 ? s->nwk_s_enc_key : s->f_nwk_s_int_key, 16);
	rc = store_aead(st, true, aad, aad_dev(AAD_NS_KEYS, s->dev_eui, aad),
	    keys, sizeof(keys), r->keys);
	OPENSSL_cleanse(keys, sizeof(keys));
	if (rc == 0 && s->app_s_key_env_len > 0) {
		rc = store_aead(st, true, aad,
		    aad_dev(AAD_NS_ENV, s->dev_eui, aad), s->app_s_key_env,
		    s->app_s_key_env_len, r->app_s_key_env);
		r->app_s_key_env_len =
		    s->app_s_key_env_len + STORE_SEAL_OVERHEAD;
	}
	return rc == 0
	    ? STORE_OK
	    : store_fail(STORE_ERR_KEK, why, n, "sealing failed (OpenSSL)");
}

/* row_to_session - unseal a row */
static int
row_to_session(const struct store *st, const struct store_ns_session_row *r,
    struct store_ns_session *s, char *why, size_t n)
{
	uint8_t keys[48], aad[AAD_MAX];
	size_t envlen = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	if (r->app_s_key_env_len > 0) {
		envlen = r->app_s_key_env_len - STORE_SEAL_OVERHEAD;
		if (r->app_s_key_env_len <= STORE_SEAL_OVERHEAD)
			envlen = 0; /* a sealed nothing: refused below */
	}
	rc = store_aead(st, false, aad, aad_dev(AAD_NS_KEYS, r->dev_eui, aad),
	    r->keys, sizeof(keys), keys);
	if (rc == 0 && r->app_s_key_env_len > 0)
		rc = envlen == 0
		    ? -1
		    : store_aead(st, false, aad,
			  aad_dev(AAD_NS_ENV, r->dev_eui, aad),
			  r->app_s_key_env, envlen, s->app_s_key_env);
	if (rc != 0) {
		OPENSSL_cleanse(keys, sizeof(keys));
		OPENSSL_cleanse(s, sizeof(*s));
		return store_fail(STORE_ERR_KEK, why, n,
		    "DevEUI %016llx: NS session does not decrypt: wrong KEK "
		    "or altered record",
		    (unsigned long long)r->dev_eui);
	}
	s->dev_eui = r->dev_eui;
	s->dev_addr = r->dev_addr;
	s->join_eui = r->join_eui;
	memcpy(s->mac_version, r->mac_version, sizeof(s->mac_version));
	memcpy(s->f_nwk_s_int_key, keys, 16);
	memcpy(s->s_nwk_s_int_key, keys + 16, 16);
	memcpy(s->nwk_s_enc_key, keys + 32, 16);
	OPENSSL_cleanse(keys, sizeof(keys));
	memcpy(s->app_s_key_kek_label, r->app_s_key_kek_label,
	    sizeof(s->app_s_key_kek_label));
	s->app_s_key_env_len = envlen;
	memcpy(s->session_key_id, r->session_key_id, r->session_key_id_len);
	s->session_key_id_len = r->session_key_id_len;
	memcpy(s->as_id, r->as_id, sizeof(s->as_id));
	memcpy(s->as_host, r->as_host, sizeof(s->as_host));
	s->as_port = r->as_port;
	s->has_fcnt_up = r->fcnt_up >= 0;
	s->fcnt_up = s->has_fcnt_up ? (uint32_t)r->fcnt_up : 0;
	/* STORE_NS_FCNT_END (exhausted) reads as 0: only take tells it */
	s->nfcnt_down = (uint32_t)r->nfcnt_down;
	s->afcnt_down = (uint32_t)r->afcnt_down;
	s->rx1_dr_offset = r->rx1_dr_offset;
	s->rx2_dr = r->rx2_dr;
	s->rx2_freq = r->rx2_freq;
	s->rx_delay = r->rx_delay;
	s->home_net_id = r->home_net_id;
	s->roaming_net_id = r->roaming_net_id;
	s->created = r->created;
	return STORE_OK;
}

/* no_session - STORE_ERR_NOTFOUND, naming the device */
static int
no_session(uint64_t dev_eui, char *why, size_t n)
{
	return store_fail(STORE_ERR_NOTFOUND, why, n,
	    "DevEUI %016llx: no NS session", (unsigned long long)dev_eui);
}

int
store_ns_session_put(struct store *st, const struct store_ns_session *s,
    char *why, size_t whylen)
{
	struct store_ns_session_row row;
	char tail[480];
	int rc;

	if (st == NULL || s == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or session");
	if ((rc = session_check(s, tail, sizeof(tail))) != STORE_OK)
		return store_fail(rc, why, whylen, "DevEUI %016llx: %s",
		    (unsigned long long)s->dev_eui, tail);
	rc = session_to_row(st, s, &row, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_begin(st, why, whylen);
	if (rc != STORE_OK) {
		OPENSSL_cleanse(&row, sizeof(row));
		return rc;
	}
	rc = st->be->ns->session_write(st, &row, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	OPENSSL_cleanse(&row, sizeof(row));
	return rc;
}

int
store_ns_session_get(struct store *st, uint64_t dev_eui,
    struct store_ns_session *out, char *why, size_t whylen)
{
	struct store_ns_session_row row;
	int rc;

	if (st == NULL || out == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	rc = st->be->ns->session_read(st, dev_eui, false, &row, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		return no_session(dev_eui, why, whylen);
	if (rc != STORE_OK)
		return rc;
	return row_to_session(st, &row, out, why, whylen);
}

int
store_ns_session_by_devaddr(struct store *st, uint32_t dev_addr,
    store_ns_session_cb *cb, void *arg, char *why, size_t whylen)
{
	struct store_ns_session_row row;
	struct store_ns_session s;
	uint64_t after = 0;
	bool any = false;
	int rc;

	if (st == NULL || cb == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or callback");
	/* One row per query, so that no statement is open in cb. */
	for (;;) {
		rc = st->be->ns->session_next_by_addr(
		    st, dev_addr, any ? &after : NULL, &row, why, whylen);
		if (rc == STORE_ERR_NOTFOUND)
			break;
		if (rc == STORE_OK)
			rc = row_to_session(st, &row, &s, why, whylen);
		if (rc != STORE_OK)
			return rc;
		any = true;
		after = row.dev_eui;
		rc = cb(arg, &s);
		OPENSSL_cleanse(&s, sizeof(s));
		if (rc != 0)
			return rc;
	}
	if (!any)
		return store_fail(STORE_ERR_NOTFOUND, why, whylen,
		    "DevAddr %08lx: no NS session", (unsigned long)dev_addr);
	return STORE_OK;
}

int
store_ns_session_delete(
    struct store *st, uint64_t dev_eui, char *why, size_t whylen)
{
	int rc;

	if (st == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store");
	rc = st->be->ns->session_delete(st, dev_eui, why, whylen);
	return rc == STORE_ERR_NOTFOUND ? no_session(dev_eui, why, whylen) : rc;
}

/* lock_session - begin a transaction and lock the device's session */
static int
lock_session(struct store *st, uint64_t dev_eui,
    struct store_ns_session_row *row, char *why, size_t n)
{
	int rc;

	if ((rc = store_tx_begin(st, why, n)) != STORE_OK)
		return rc;
	rc = st->be->ns->session_read(st, dev_eui, true, row, why, n);
	if (rc == STORE_ERR_NOTFOUND)
		no_session(dev_eui, why, n);
	if (rc != STORE_OK)
		store_tx_abort(st);
	return rc;
}

int
store_ns_uplink_accept(struct store *st, uint64_t dev_eui, uint32_t fcnt_up,
    struct store_ns_session *out, char *why, size_t whylen)
{
	struct store_ns_session_row row;
	struct store_ns_session s;
	int rc;

	if (st == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store");
	if ((rc = lock_session(st, dev_eui, &row, why, whylen)) != STORE_OK)
		return rc;
	if (row.fcnt_up >= 0 && (int64_t)fcnt_up <= row.fcnt_up) {
		store_tx_abort(st);
		return store_fail(STORE_ERR_REPLAY, why, whylen,
		    "DevEUI %016llx: FCntUp %lu: not above the last accepted, "
		    "%lld",
		    (unsigned long long)dev_eui, (unsigned long)fcnt_up,
		    (long long)row.fcnt_up);
	}
	row.fcnt_up = fcnt_up;
	/* Unsealed before the commit: on any error nothing changed. */
	rc = out != NULL ? row_to_session(st, &row, &s, why, whylen) : STORE_OK;
	if (rc == STORE_OK)
		rc = st->be->ns->session_state(st, &row, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	if (rc == STORE_OK && out != NULL)
		*out = s;
	if (out != NULL)
		OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&row, sizeof(row));
	return rc;
}

int
store_ns_fcnt_down_take(struct store *st, uint64_t dev_eui,
    enum store_ns_fcnt which, uint32_t *fcnt, char *why, size_t whylen)
{
	struct store_ns_session_row row;
	const char *name;
	int64_t *c;
	uint32_t v;
	int rc;

	if (st == NULL || fcnt == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	if (which != STORE_NS_NFCNT_DOWN && which != STORE_NS_AFCNT_DOWN)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "which %d: not NFCntDown or AFCntDown", (int)which);
	if ((rc = lock_session(st, dev_eui, &row, why, whylen)) != STORE_OK)
		return rc;
	/* 1.0.x has one FCntDown for every port: never two counters
	 * whose values could collide. */
	if (which == STORE_NS_AFCNT_DOWN && is_1_1(row.mac_version)) {
		c = &row.afcnt_down;
		name = "AFCntDown";
	} else {
		c = &row.nfcnt_down;
		name = is_1_1(row.mac_version) ? "NFCntDown" : "FCntDown";
	}
	if (*c >= STORE_NS_FCNT_END) {
		store_tx_abort(st);
		return store_fail(STORE_ERR_EXHAUSTED, why, whylen,
		    "DevEUI %016llx: %s exhausted (all 2^32 values used)",
		    (unsigned long long)dev_eui, name);
	}
	v = (uint32_t)*c;
	(*c)++;
	rc = st->be->ns->session_state(st, &row, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	if (rc == STORE_OK)
		*fcnt = v;
	OPENSSL_cleanse(&row, sizeof(row));
	return rc;
}

int
store_ns_devaddr_take(struct store *st, uint32_t net_id, unsigned bits,
    uint32_t *nwk_addr, char *why, size_t whylen)
{
	int64_t next = 0;
	int rc;

	if (st == NULL || nwk_addr == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	if (net_id > 0xffffffu)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "net_id: over 24 bits");
	if (bits < 1 || bits > 32)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "bits %u: not 1 to 32", bits);
	if ((rc = store_tx_begin(st, why, whylen)) != STORE_OK)
		return rc;
	rc = st->be->ns->addr_lock(st, net_id, &next, why, whylen);
	if (rc == STORE_OK && next >= (INT64_C(1) << bits))
		rc = store_fail(STORE_ERR_EXHAUSTED, why, whylen,
		    "NetID %06lx: NwkAddr exhausted (all 2^%u values handed "
		    "out)",
		    (unsigned long)net_id, bits);
	if (rc == STORE_OK)
		rc = st->be->ns->addr_set(st, net_id, next + 1, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	if (rc == STORE_OK)
		*nwk_addr = (uint32_t)next;
	return rc;
}

int
store_ns_downlink_push(struct store *st, uint64_t dev_eui, uint8_t fport,
    bool confirmed, const uint8_t *payload, size_t len, int64_t *id, char *why,
    size_t whylen)
{
	struct store_ns_session_row row;
	struct store_ns_downlink d;
	unsigned count = 0;
	int64_t newid = 0;
	int rc;

	if (st == NULL || (payload == NULL && len > 0))
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or payload");
	/* FPort 0 is MAC commands, built when sending; 224 and up are
	 * reserved (the test protocol). */
	if (fport < 1 || fport > 223)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "fport %u: not 1 to 223", fport);
	if (len > STORE_NS_PAYLOAD_MAX)
		return store_fail(STORE_ERR_ARG, why, whylen,
		    "payload: %zu bytes, over %d", len, STORE_NS_PAYLOAD_MAX);
	memset(&d, 0, sizeof(d));
	d.dev_eui = dev_eui;
	d.fport = fport;
	d.confirmed = confirmed;
	if (len > 0)
		memcpy(d.payload, payload, len);
	d.len = len;
	d.created = (int64_t)time(NULL);
	/* The session's lock makes count-then-insert one step: two pushers
	 * cannot both pass the bound. */
	if ((rc = lock_session(st, dev_eui, &row, why, whylen)) != STORE_OK)
		return rc;
	OPENSSL_cleanse(&row, sizeof(row));
	rc = st->be->ns->dl_count(st, dev_eui, &count, why, whylen);
	if (rc == STORE_OK && count >= STORE_NS_QUEUE_MAX)
		rc = store_fail(STORE_ERR_EXHAUSTED, why, whylen,
		    "DevEUI %016llx: downlink queue full (%u queued, at most "
		    "%d)",
		    (unsigned long long)dev_eui, count, STORE_NS_QUEUE_MAX);
	if (rc == STORE_OK)
		rc = st->be->ns->dl_insert(st, &d, &newid, why, whylen);
	if (rc == STORE_OK)
		rc = store_tx_commit(st, why, whylen);
	else
		store_tx_abort(st);
	if (rc == STORE_OK && id != NULL)
		*id = newid;
	return rc;
}

int
store_ns_downlink_peek(struct store *st, uint64_t dev_eui,
    struct store_ns_downlink *out, char *why, size_t whylen)
{
	int rc;

	if (st == NULL || out == NULL)
		return store_fail(
		    STORE_ERR_ARG, why, whylen, "no store or output");
	rc = st->be->ns->dl_oldest(st, dev_eui, out, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		store_fail(rc, why, whylen,
		    "DevEUI %016llx: no downlink queued",
		    (unsigned long long)dev_eui);
	return rc;
}

int
store_ns_downlink_drop(struct store *st, int64_t id, char *why, size_t whylen)
{
	int rc;

	if (st == NULL)
		return store_fail(STORE_ERR_ARG, why, whylen, "no store");
	rc = st->be->ns->dl_delete(st, id, why, whylen);
	if (rc == STORE_ERR_NOTFOUND)
		store_fail(rc, why, whylen, "downlink %lld: not queued",
		    (long long)id);
	return rc;
}
