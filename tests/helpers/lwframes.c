/*
 * lwframes.c - the loradane side of the lora-packet interoperability test
 * (tests/scripts/t_lorapacket.sh, tests/interop/lorapacket.js): builds and
 * decodes LoRaWAN frames with lib/lorawan only (phy.h codec, crypto.h).
 *
 * usage: lwframes decode | build
 *
 * Reads one JSON object per line on stdin and writes one per line on
 * stdout, in the same order.  A case names its "kind" ("jr" join-request,
 * "ja" join-accept, "up"/"down" data), its "ver" ("1.0" or "1.1"), the
 * keys (32 hex digits), and the fields.  EUIs are 16 hex digits in the
 * big-endian display form; every other integer is a JSON number.
 *
 * decode: the case also carries "frame" (hex PHYPayload) and only what a
 *   receiver knows besides the frame: keys, the full 32-bit FCnt, ConfFCnt,
 *   TxDr/TxCh, and for a 1.1 join-accept the JoinReqType, JoinEUI, DevEUI
 *   and DevNonce of the request it answers.  Output: {"id", "ok"} with
 *   "err" when decoding failed, else the decoded fields, "mic_ok" and the
 *   decrypted FOpts/FRMPayload (data) or the derived session keys
 *   (join-accept).
 * build: the case carries the fields to send.  Output: {"id", "frame"} (or
 *   "err"), and for a join-accept the session keys derived on the way.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/bytes.h"
#include "lorawan/crypto.h"
#include "lorawan/lw_err.h"
#include "lorawan/phy.h"

static struct lw_crypto *cc;

/* A case failed before producing a result: why, for the output line. */
static char errbuf[160];

static int
fail(const char *what, int err)
{
	snprintf(errbuf, sizeof(errbuf), "%s: %s", what,
	    err < 0 ? lw_strerror(err) : "bad input");
	return -1;
}

/* get_hex - member NAME as hex into buf (at most max bytes); sets *len */
static int
get_hex(
    const json_t *o, const char *name, uint8_t *buf, size_t max, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, name));
	size_t n, i;

	if (s == NULL)
		return fail(name, 0);
	n = strlen(s);
	if (n % 2 != 0 || n / 2 > max)
		return fail(name, 0);
	for (i = 0; i < n / 2; i++) {
		int hi = bytes_hexval(s[2 * i]),
		    lo = bytes_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return fail(name, 0);
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* get_key - a 16-byte key */
static int
get_key(const json_t *o, const char *name, uint8_t key[16])
{
	size_t n;

	if (get_hex(o, name, key, 16, &n) < 0)
		return -1;
	return n == 16 ? 0 : fail(name, 0);
}

/* get_eui - 16 hex digits, big-endian display form */
static int
get_eui(const json_t *o, const char *name, uint64_t *v)
{
	uint8_t b[8];
	size_t n, i;

	if (get_hex(o, name, b, 8, &n) < 0)
		return -1;
	if (n != 8)
		return fail(name, 0);
	*v = 0;
	for (i = 0; i < 8; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/* get_uint - an integer member within [0, max] */
static int
get_uint(const json_t *o, const char *name, uint64_t max, uint64_t *v)
{
	const json_t *j = json_object_get(o, name);
	json_int_t x;

	if (!json_is_integer(j))
		return fail(name, 0);
	x = json_integer_value(j);
	if (x < 0 || (uint64_t)x > max)
		return fail(name, 0);
	*v = (uint64_t)x;
	return 0;
}

static bool
get_bool(const json_t *o, const char *name)
{
	return json_is_true(json_object_get(o, name));
}

static void
set_hex(json_t *o, const char *name, const uint8_t *p, size_t len)
{
	char s[2 * LW_PHY_MAX + 1];
	size_t i;

	for (i = 0; i < len && i < LW_PHY_MAX; i++) {
		s[2 * i] = "0123456789abcdef"[p[i] >> 4];
		s[2 * i + 1] = "0123456789abcdef"[p[i] & 15];
	}
	s[2 * i] = '\0';
	json_object_set_new(o, name, json_string(s));
}

static void
set_eui(json_t *o, const char *name, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
	set_hex(o, name, b, 8);
}

static void
set_uint(json_t *o, const char *name, uint64_t v)
{
	json_object_set_new(o, name, json_integer((json_int_t)v));
}

static bool
is_11(const json_t *c)
{
	const char *v = json_string_value(json_object_get(c, "ver"));

	return v != NULL && strcmp(v, "1.1") == 0;
}

/*
 * Join-request.
 */

static int
jr_key(const json_t *c, uint8_t key[16])
{
	return get_key(c, is_11(c) ? "nwkkey" : "appkey", key);
}

static int
decode_jr(const json_t *c, const uint8_t *buf, size_t len, json_t *out)
{
	struct lw_frame f;
	uint8_t key[16], mic[4];
	int rc;

	if (jr_key(c, key) < 0)
		return -1;
	if ((rc = lw_phy_decode(buf, len, &f, NULL)) != LW_OK)
		return fail("lw_phy_decode", rc);
	if (f.mtype != LW_MT_JOIN_REQUEST)
		return fail("mtype", 0);
	if ((rc = lw_mic_join_request(cc, key, buf, len - 4, mic)) != LW_OK)
		return fail("lw_mic_join_request", rc);
	set_uint(out, "mtype", f.mtype);
	set_eui(out, "join_eui", f.u.jr.join_eui);
	set_eui(out, "dev_eui", f.u.jr.dev_eui);
	set_uint(out, "dev_nonce", f.u.jr.dev_nonce);
	json_object_set_new(out, "mic_ok",
	    json_boolean(lw_mic_check(mic, f.u.jr.mic) == LW_OK));
	return 0;
}

static int
build_jr(const json_t *c, uint8_t *buf, size_t *len)
{
	struct lw_frame f;
	uint8_t key[16];
	uint64_t v;
	int rc;

	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_REQUEST;
	if (jr_key(c, key) < 0 ||
	    get_eui(c, "join_eui", &f.u.jr.join_eui) < 0 ||
	    get_eui(c, "dev_eui", &f.u.jr.dev_eui) < 0 ||
	    get_uint(c, "dev_nonce", 0xffff, &v) < 0)
		return -1;
	f.u.jr.dev_nonce = (uint16_t)v;
	if ((rc = lw_phy_encode(&f, buf, LW_PHY_MAX, len, NULL)) != LW_OK)
		return fail("lw_phy_encode", rc);
	if ((rc = lw_mic_join_request(
		 cc, key, buf, *len - 4, buf + *len - 4)) != LW_OK)
		return fail("lw_mic_join_request", rc);
	return 0;
}

/*
 * Join-accept.  What the device knows besides the frame: its keys, and in
 * 1.1 the JoinReqType, JoinEUI, DevEUI and DevNonce (or RJcount) of the
 * request this accept answers.
 */
struct ja_ctx {
	bool v11;
	uint8_t appkey[16], nwkkey[16];
	uint8_t jsint[16], jsenc[16];
	uint8_t join_req_type;
	uint64_t join_eui, dev_eui;
	uint16_t dev_nonce;
};

static int
ja_ctx_get(const json_t *c, struct ja_ctx *x)
{
	uint64_t v;
	int rc;

	memset(x, 0, sizeof(*x));
	x->v11 = is_11(c);
	if (get_uint(c, "dev_nonce", 0xffff, &v) < 0)
		return -1;
	x->dev_nonce = (uint16_t)v;
	if (!x->v11)
		return get_key(c, "appkey", x->appkey);
	if (get_key(c, "appkey", x->appkey) < 0 ||
	    get_key(c, "nwkkey", x->nwkkey) < 0 ||
	    get_eui(c, "join_eui", &x->join_eui) < 0 ||
	    get_eui(c, "dev_eui", &x->dev_eui) < 0 ||
	    get_uint(c, "join_req_type", 0xff, &v) < 0)
		return -1;
	x->join_req_type = (uint8_t)v;
	rc = lw_derive_js_keys(cc, x->nwkkey, x->dev_eui, x->jsint, x->jsenc);
	return rc == LW_OK ? 0 : fail("lw_derive_js_keys", rc);
}

/* The key that encrypts the accept: AppKey (1.0), NwkKey, or JSEncKey
 * for an answer to a rejoin-request. */
static const uint8_t *
ja_enc_key(const struct ja_ctx *x)
{
	if (!x->v11)
		return x->appkey;
	return x->join_req_type == LW_JOIN_REQ_TYPE_JOIN ? x->nwkkey : x->jsenc;
}

/* ja_mic - MIC of msg = MHDR | plaintext; OptNeg is DLSettings bit 7 */
static int
ja_mic(const struct ja_ctx *x, const uint8_t *msg, size_t len, uint8_t mic[4])
{
	int rc;

	if (x->v11 && (msg[11] & 0x80) != 0)
		rc = lw_mic_join_accept_11(cc, x->jsint, x->join_req_type,
		    x->join_eui, x->dev_nonce, msg, len, mic);
	else
		rc = lw_mic_join_accept_10(
		    cc, x->v11 ? x->nwkkey : x->appkey, msg, len, mic);
	return rc == LW_OK ? 0 : fail("join-accept MIC", rc);
}

/* ja_keys - derive the session keys the accept sets up, add them to out */
static int
ja_keys(const struct ja_ctx *x, const struct lw_join_accept *ja, json_t *out)
{
	uint8_t k1[16], k2[16], k3[16], k4[16];
	int rc;

	if (x->v11 && (ja->dl_settings & 0x80) != 0) {
		rc = lw_derive_keys_11(cc, x->nwkkey, x->appkey, ja->join_nonce,
		    x->join_eui, x->dev_nonce, k1, k2, k3, k4);
		if (rc != LW_OK)
			return fail("lw_derive_keys_11", rc);
		set_hex(out, "fnwksint", k1, 16);
		set_hex(out, "snwksint", k2, 16);
		set_hex(out, "nwksenc", k3, 16);
		set_hex(out, "appskey", k4, 16);
	} else {
		rc = lw_derive_keys_10(cc, x->v11 ? x->nwkkey : x->appkey,
		    ja->join_nonce, ja->net_id, x->dev_nonce, k1, k2);
		if (rc != LW_OK)
			return fail("lw_derive_keys_10", rc);
		set_hex(out, "nwkskey", k1, 16);
		set_hex(out, "appskey", k2, 16);
	}
	if (x->v11) {
		set_hex(out, "jsint", x->jsint, 16);
		set_hex(out, "jsenc", x->jsenc, 16);
	}
	return 0;
}

static int
decode_ja(const json_t *c, const uint8_t *buf, size_t len, json_t *out)
{
	struct ja_ctx x;
	struct lw_frame f;
	struct lw_join_accept ja;
	uint8_t msg[1 + 32], mic[4];
	size_t n;
	int rc;

	if (ja_ctx_get(c, &x) < 0)
		return -1;
	if ((rc = lw_phy_decode(buf, len, &f, NULL)) != LW_OK)
		return fail("lw_phy_decode", rc);
	if (f.mtype != LW_MT_JOIN_ACCEPT)
		return fail("mtype", 0);
	n = f.u.ja.len;
	msg[0] = buf[0];
	rc = lw_join_accept_decrypt(
	    cc, ja_enc_key(&x), f.u.ja.bytes, n, msg + 1);
	if (rc != LW_OK)
		return fail("lw_join_accept_decrypt", rc);
	if ((rc = lw_join_accept_decode(msg + 1, n - 4, &ja, NULL)) != LW_OK)
		return fail("lw_join_accept_decode", rc);
	if (ja_mic(&x, msg, n + 1 - 4, mic) < 0)
		return -1;
	set_uint(out, "mtype", f.mtype);
	set_uint(out, "join_nonce", ja.join_nonce);
	set_uint(out, "net_id", ja.net_id);
	set_uint(out, "dev_addr", ja.dev_addr);
	set_uint(out, "dl_settings", ja.dl_settings);
	set_uint(out, "rx_delay", ja.rx_delay);
	set_hex(out, "cflist", ja.cflist, ja.has_cflist ? 16 : 0);
	json_object_set_new(out, "mic_ok",
	    json_boolean(lw_mic_check(mic, msg + 1 + n - 4) == LW_OK));
	return ja_keys(&x, &ja, out);
}

static int
build_ja(const json_t *c, uint8_t *buf, size_t *len, json_t *out)
{
	struct ja_ctx x;
	struct lw_join_accept ja;
	struct lw_frame f;
	uint8_t msg[1 + 32];
	uint64_t v[5];
	size_t n, cl;
	int rc;

	if (ja_ctx_get(c, &x) < 0 ||
	    get_uint(c, "join_nonce", 0xffffff, &v[0]) < 0 ||
	    get_uint(c, "net_id", 0xffffff, &v[1]) < 0 ||
	    get_uint(c, "dev_addr", 0xffffffff, &v[2]) < 0 ||
	    get_uint(c, "dl_settings", 0xff, &v[3]) < 0 ||
	    get_uint(c, "rx_delay", 0xff, &v[4]) < 0)
		return -1;
	memset(&ja, 0, sizeof(ja));
	ja.join_nonce = (uint32_t)v[0];
	ja.net_id = (uint32_t)v[1];
	ja.dev_addr = (uint32_t)v[2];
	ja.dl_settings = (uint8_t)v[3];
	ja.rx_delay = (uint8_t)v[4];
	if (get_hex(c, "cflist", ja.cflist, 16, &cl) < 0)
		return -1;
	if (cl != 0 && cl != 16)
		return fail("cflist", 0);
	ja.has_cflist = cl == 16;
	msg[0] = LW_MT_JOIN_ACCEPT << 5;
	rc = lw_join_accept_encode(&ja, msg + 1, sizeof(msg) - 1, &n, NULL);
	if (rc != LW_OK)
		return fail("lw_join_accept_encode", rc);
	if (ja_mic(&x, msg, 1 + n, msg + 1 + n) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_ACCEPT;
	f.u.ja.len = n + 4;
	rc = lw_join_accept_encrypt(
	    cc, ja_enc_key(&x), msg + 1, n + 4, f.u.ja.bytes);
	if (rc != LW_OK)
		return fail("lw_join_accept_encrypt", rc);
	if ((rc = lw_phy_encode(&f, buf, LW_PHY_MAX, len, NULL)) != LW_OK)
		return fail("lw_phy_encode", rc);
	return ja_keys(&x, &ja, out);
}

/*
 * Data frames.  1.0: NwkSKey, AppSKey.  1.1: FNwkSIntKey, SNwkSIntKey,
 * NwkSEncKey, AppSKey; FOpts are encrypted (errata form).
 */
struct data_ctx {
	bool v11, down;
	uint8_t nwkskey[16], appskey[16];
	uint8_t fnwksint[16], snwksint[16], nwksenc[16];
	uint32_t fcnt;
	uint16_t conf_fcnt;
	uint8_t tx_dr, tx_ch;
};

static int
data_ctx_get(const json_t *c, struct data_ctx *x)
{
	const char *kind = json_string_value(json_object_get(c, "kind"));
	uint64_t v;

	memset(x, 0, sizeof(*x));
	x->v11 = is_11(c);
	x->down = kind != NULL && strcmp(kind, "down") == 0;
	if (get_uint(c, "fcnt", 0xffffffff, &v) < 0)
		return -1;
	x->fcnt = (uint32_t)v;
	if (get_key(c, "appskey", x->appskey) < 0)
		return -1;
	if (!x->v11)
		return get_key(c, "nwkskey", x->nwkskey);
	if (get_key(c, "snwksint", x->snwksint) < 0 ||
	    get_key(c, "nwksenc", x->nwksenc) < 0 ||
	    get_uint(c, "conf_fcnt", 0xffff, &v) < 0)
		return -1;
	x->conf_fcnt = (uint16_t)v;
	if (x->down)
		return 0;
	if (get_key(c, "fnwksint", x->fnwksint) < 0 ||
	    get_uint(c, "tx_dr", 0xff, &v) < 0)
		return -1;
	x->tx_dr = (uint8_t)v;
	if (get_uint(c, "tx_ch", 0xff, &v) < 0)
		return -1;
	x->tx_ch = (uint8_t)v;
	return 0;
}

static int
data_mic(const struct data_ctx *x, uint32_t dev_addr, const uint8_t *msg,
    size_t len, uint8_t mic[4])
{
	int rc;

	if (x->down)
		rc = lw_mic_downlink(cc, x->v11 ? x->snwksint : x->nwkskey,
		    x->v11 ? x->conf_fcnt : 0, dev_addr, x->fcnt, msg, len,
		    mic);
	else if (x->v11)
		rc =
		    lw_mic_uplink_11(cc, x->fnwksint, x->snwksint, x->conf_fcnt,
			x->tx_dr, x->tx_ch, dev_addr, x->fcnt, msg, len, mic);
	else
		rc = lw_mic_uplink_10(
		    cc, x->nwkskey, dev_addr, x->fcnt, msg, len, mic);
	return rc == LW_OK ? 0 : fail("data MIC", rc);
}

/* data_crypt - FOpts (1.1) and FRMPayload, in place, both directions */
static int
data_crypt(const struct data_ctx *x, struct lw_data *d)
{
	const uint8_t *k;
	int rc;

	if (x->v11 && d->fopts_len > 0) {
		rc = lw_fopts_crypt_11(cc, x->nwksenc, x->down,
		    x->down && d->has_fport && d->fport > 0, d->dev_addr,
		    x->fcnt, d->fopts, d->fopts_len, d->fopts);
		if (rc != LW_OK)
			return fail("lw_fopts_crypt_11", rc);
	}
	if (!d->has_fport)
		return 0;
	if (d->fport != 0)
		k = x->appskey;
	else
		k = x->v11 ? x->nwksenc : x->nwkskey;
	rc = lw_frm_crypt(cc, k, x->down, d->dev_addr, x->fcnt, d->frm_payload,
	    d->frm_len, d->frm_payload);
	return rc == LW_OK ? 0 : fail("lw_frm_crypt", rc);
}

static int
decode_data(const json_t *c, const uint8_t *buf, size_t len, json_t *out)
{
	struct data_ctx x;
	struct lw_frame f;
	struct lw_data *d = &f.u.data;
	uint8_t mic[4];
	int rc;

	if (data_ctx_get(c, &x) < 0)
		return -1;
	if ((rc = lw_phy_decode(buf, len, &f, NULL)) != LW_OK)
		return fail("lw_phy_decode", rc);
	if (f.mtype < LW_MT_UNCONF_UP || f.mtype > LW_MT_CONF_DOWN ||
	    lw_mtype_is_uplink(f.mtype) == x.down)
		return fail("mtype", 0);
	if (d->fcnt16 != (uint16_t)x.fcnt)
		return fail("fcnt16", 0);
	if (data_mic(&x, d->dev_addr, buf, len - 4, mic) < 0)
		return -1;
	json_object_set_new(
	    out, "mic_ok", json_boolean(lw_mic_check(mic, d->mic) == LW_OK));
	if (data_crypt(&x, d) < 0)
		return -1;
	set_uint(out, "mtype", f.mtype);
	set_uint(out, "dev_addr", d->dev_addr);
	json_object_set_new(out, "adr", json_boolean(d->adr));
	json_object_set_new(out, "ack", json_boolean(d->ack));
	if (x.down) {
		json_object_set_new(out, "fpending", json_boolean(d->fpending));
		json_object_set_new(
		    out, "fctrl_rfu", json_boolean(d->fctrl_rfu));
	} else {
		json_object_set_new(
		    out, "adr_ack_req", json_boolean(d->adr_ack_req));
		json_object_set_new(out, "class_b", json_boolean(d->class_b));
	}
	set_uint(out, "fcnt16", d->fcnt16);
	set_hex(out, "fopts", d->fopts, d->fopts_len);
	json_object_set_new(
	    out, "fport", d->has_fport ? json_integer(d->fport) : json_null());
	set_hex(out, "payload", d->frm_payload, d->frm_len);
	return 0;
}

static int
build_data(const json_t *c, uint8_t *buf, size_t *len)
{
	struct data_ctx x;
	struct lw_frame f;
	struct lw_data *d = &f.u.data;
	const json_t *fp;
	uint64_t v;
	size_t n;
	int rc;

	if (data_ctx_get(c, &x) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	if (get_uint(c, "mtype", LW_MT_CONF_DOWN, &v) < 0)
		return -1;
	f.mtype = (enum lw_mtype)v;
	if (get_uint(c, "dev_addr", 0xffffffff, &v) < 0)
		return -1;
	d->dev_addr = (uint32_t)v;
	d->adr = get_bool(c, "adr");
	d->ack = get_bool(c, "ack");
	d->adr_ack_req = get_bool(c, "adr_ack_req");
	d->class_b = get_bool(c, "class_b");
	d->fpending = get_bool(c, "fpending");
	d->fcnt16 = (uint16_t)x.fcnt;
	if (get_hex(c, "fopts", d->fopts, LW_FOPTS_MAX, &n) < 0)
		return -1;
	d->fopts_len = (uint8_t)n;
	fp = json_object_get(c, "fport");
	if (json_is_integer(fp)) {
		if (get_uint(c, "fport", 0xff, &v) < 0)
			return -1;
		d->has_fport = true;
		d->fport = (uint8_t)v;
	}
	if (get_hex(c, "payload", d->frm_payload, LW_FRM_MAX, &d->frm_len) < 0)
		return -1;
	if (data_crypt(&x, d) < 0)
		return -1;
	if ((rc = lw_phy_encode(&f, buf, LW_PHY_MAX, len, NULL)) != LW_OK)
		return fail("lw_phy_encode", rc);
	return data_mic(&x, d->dev_addr, buf, *len - 4, buf + *len - 4);
}

/* one_case - run one case line; returns the output object */
static json_t *
one_case(const json_t *c, bool decode)
{
	const char *kind = json_string_value(json_object_get(c, "kind"));
	json_t *out = json_object();
	uint8_t buf[LW_PHY_MAX + 1];
	size_t len = 0;
	int rc;

	json_object_set(out, "id", json_object_get(c, "id"));
	errbuf[0] = '\0';
	if (kind == NULL) {
		rc = fail("kind", 0);
	} else if (decode) {
		if (get_hex(c, "frame", buf, sizeof(buf), &len) < 0)
			rc = -1;
		else if (len < 5)
			rc = fail("frame", LW_ERR_TRUNCATED);
		else if (strcmp(kind, "jr") == 0)
			rc = decode_jr(c, buf, len, out);
		else if (strcmp(kind, "ja") == 0)
			rc = decode_ja(c, buf, len, out);
		else
			rc = decode_data(c, buf, len, out);
	} else {
		if (strcmp(kind, "jr") == 0)
			rc = build_jr(c, buf, &len);
		else if (strcmp(kind, "ja") == 0)
			rc = build_ja(c, buf, &len, out);
		else
			rc = build_data(c, buf, &len);
		if (rc == 0)
			set_hex(out, "frame", buf, len);
	}
	json_object_set_new(out, "ok", json_boolean(rc == 0));
	if (rc != 0)
		json_object_set_new(out, "err", json_string(errbuf));
	return out;
}

int
main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	bool decode;
	unsigned long lineno = 0;

	if (argc != 2 ||
	    (strcmp(argv[1], "decode") != 0 && strcmp(argv[1], "build") != 0)) {
		fprintf(stderr, "usage: lwframes decode | build\n");
		return 2;
	}
	decode = strcmp(argv[1], "decode") == 0;
	if ((cc = lw_crypto_new()) == NULL) {
		fprintf(stderr, "lwframes: lw_crypto_new failed\n");
		return 1;
	}
	while (getline(&line, &cap, stdin) > 0) {
		json_error_t jerr;
		json_t *c, *out;
		char *s;

		lineno++;
		if ((c = json_loads(line, 0, &jerr)) == NULL ||
		    !json_is_object(c)) {
			fprintf(stderr, "lwframes: line %lu: bad JSON: %s\n",
			    lineno, jerr.text);
			json_decref(c);
			free(line);
			lw_crypto_free(cc);
			return 1;
		}
		out = one_case(c, decode);
		s = json_dumps(out, JSON_COMPACT);
		if (s == NULL || puts(s) == EOF) {
			fprintf(
			    stderr, "lwframes: write: %s\n", strerror(errno));
			free(s);
			json_decref(out);
			json_decref(c);
			free(line);
			lw_crypto_free(cc);
			return 1;
		}
		free(s);
		json_decref(out);
		json_decref(c);
	}
	free(line);
	lw_crypto_free(cc);
	return fflush(stdout) == 0 ? 0 : 1;
}
