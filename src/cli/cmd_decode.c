/*
 * cmd_decode.c - "loradane decode": decode any PHYPayload, and with keys
 * verify its MIC, decrypt it and derive session keys.  The result is one
 * JSON document (docs/decode-json.md); without --json it is printed as
 * indented "name: value" lines, from the same document, so the two
 * outputs never disagree.
 *
 * Exit status: 0 decoded (and every MIC that could be checked is good),
 * 1 a MIC failed, 2 the input or an option is invalid.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "decode_args.h"
#include "lorawan/crypto.h"
#include "lorawan/ids.h"
#include "lorawan/phy.h"
#include "util/bytes.h"

struct decode {
	struct decode_args a;
	struct lw_crypto *c;
	json_t *root;
	int mic_failed;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane decode HEX|BASE64 [--appkey K] [--nwkkey K]\n"
	    "  [--nwkskey K] [--appskey K] [--fnwksintkey K] "
	    "[--snwksintkey K]\n"
	    "  [--nwksenckey K] [--joineui E] [--deveui E] [--devnonce N]\n"
	    "  [--macversion 1.0.x|1.1] [--fcnt-high N] [--conf-fcnt N]\n"
	    "  [--tx-dr N] [--tx-ch N] [--json]\n");
	return CLI_USAGE;
}

static json_t *
jhex(const uint8_t *b, size_t len)
{
	char buf[2 * LW_PHY_MAX + 1];

	return json_string(bytes_to_hex(b, len, buf));
}

/* jhexn - a big-endian display form of a little integer (NetID, ...) */
static json_t *
jhexn(uint64_t v, int digits)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%0*llx", digits, (unsigned long long)v);
	return json_string(buf);
}

static const uint8_t *
key(struct decode *d, enum decode_key k)
{
	return (d->a.have & (1u << k)) ? d->a.key[k] : NULL;
}

/* mic_result - record a MIC verdict: "ok", "FAILED" or why unchecked */
static void
mic_result(struct decode *d, json_t *o, const char *keyname,
    const uint8_t *want, const uint8_t *got)
{
	if (got == NULL) {
		json_object_set_new(o, "mic_check", json_string(keyname));
		return;
	}
	if (lw_mic_check(want, got) == 0) {
		json_object_set_new(o, "mic_check", json_string("ok"));
	} else {
		json_object_set_new(o, "mic_check", json_string("FAILED"));
		json_object_set_new(o, "mic_expected", jhex(got, 4));
		d->mic_failed = 1;
	}
	json_object_set_new(o, "mic_key", json_string(keyname));
}

static void
put_keys(json_t *o, const char *name, const char *const *names,
    uint8_t (*keys)[16], size_t n)
{
	json_t *k = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(k, names[i], jhex(keys[i], 16));
	json_object_set_new(o, name, k);
}

static void
decode_join_request(struct decode *d, const struct lw_frame *f)
{
	const struct lw_join_request *jr = &f->u.jr;
	const uint8_t *k =
	    key(d, DK_NWKKEY) ? key(d, DK_NWKKEY) : key(d, DK_APPKEY);
	json_t *o = json_object();
	uint8_t mic[4];

	json_object_set_new(o, "join_eui", jhexn(jr->join_eui, 16));
	json_object_set_new(o, "dev_eui", jhexn(jr->dev_eui, 16));
	json_object_set_new(o, "dev_nonce", json_integer(jr->dev_nonce));
	json_object_set_new(d->root, "join_request", o);
	if (k == NULL) {
		mic_result(d, d->root, "not checked: no --appkey/--nwkkey",
		    jr->mic, NULL);
		return;
	}
	lw_mic_join_request(d->c, k, d->a.phy, d->a.phylen - 4, mic);
	mic_result(
	    d, d->root, key(d, DK_NWKKEY) ? "nwkkey" : "appkey", jr->mic, mic);
}

/* join_accept_keys - session keys, given the join-request's context */
static void
join_accept_keys(struct decode *d, json_t *o, const struct lw_join_accept *ja)
{
	static const char *const n10[] = {"nwk_s_key", "app_s_key"};
	static const char *const n11[] = {
	    "f_nwk_s_int_key", "s_nwk_s_int_key", "nwk_s_enc_key", "app_s_key"};
	const uint8_t *nwk = key(d, DK_NWKKEY), *app = key(d, DK_APPKEY);
	uint8_t k[4][16];
	int optneg = (ja->dl_settings & 0x80) != 0;

	if (!d->a.have_dev_nonce) {
		json_object_set_new(o, "session_keys",
		    json_string("not derived: no --devnonce"));
		return;
	}
	if (d->a.mac11 && optneg) {
		if (nwk == NULL || app == NULL || !d->a.have_join_eui) {
			json_object_set_new(o, "session_keys",
			    json_string("not derived: 1.1 needs --nwkkey, "
					"--appkey and --joineui"));
			return;
		}
		lw_derive_keys_11(d->c, nwk, app, ja->join_nonce, d->a.join_eui,
		    d->a.dev_nonce, k[0], k[1], k[2], k[3]);
		put_keys(o, "session_keys", n11, k, 4);
		return;
	}
	/* 1.0.x, or 1.1 without OptNeg: one root key for both. */
	lw_derive_keys_10(d->c, nwk != NULL ? nwk : app, ja->join_nonce,
	    ja->net_id, d->a.dev_nonce, k[0], k[1]);
	put_keys(o, "session_keys", n10, k, 2);
}

static void
decode_join_accept(struct decode *d, const struct lw_frame *f)
{
	const uint8_t *k =
	    key(d, DK_NWKKEY) ? key(d, DK_NWKKEY) : key(d, DK_APPKEY);
	json_t *o = json_object(), *dl;
	uint8_t plain[1 + 32], mic[4], jsint[16], jsenc[16];
	struct lw_join_accept ja;
	struct lw_phy_error e;
	size_t len = f->u.ja.len;

	json_object_set_new(o, "encrypted", jhex(f->u.ja.bytes, len));
	json_object_set_new(d->root, "join_accept", o);
	if (k == NULL) {
		mic_result(d, d->root, "not checked: no --appkey/--nwkkey",
		    NULL, NULL);
		return;
	}
	plain[0] = d->a.phy[0];
	lw_join_accept_decrypt(d->c, k, f->u.ja.bytes, len, plain + 1);
	if (lw_join_accept_decode(plain + 1, len - 4, &ja, &e) != LW_OK)
		return;
	json_object_set_new(o, "join_nonce", json_integer(ja.join_nonce));
	json_object_set_new(o, "net_id", jhexn(ja.net_id, 6));
	json_object_set_new(o, "dev_addr", jhexn(ja.dev_addr, 8));
	dl = json_object();
	json_object_set_new(dl, "raw", jhexn(ja.dl_settings, 2));
	json_object_set_new(dl, "opt_neg", json_boolean(ja.dl_settings & 0x80));
	json_object_set_new(
	    dl, "rx1_dr_offset", json_integer((ja.dl_settings >> 4) & 7));
	json_object_set_new(
	    dl, "rx2_data_rate", json_integer(ja.dl_settings & 15));
	json_object_set_new(o, "dl_settings", dl);
	json_object_set_new(o, "rx_delay", json_integer(ja.rx_delay & 15));
	json_object_set_new(
	    o, "cflist", ja.has_cflist ? jhex(ja.cflist, 16) : json_null());
	json_object_set_new(o, "mic", jhex(plain + len - 3, 4));
	if (d->a.mac11 && (ja.dl_settings & 0x80)) {
		if (!d->a.have_join_eui || !d->a.have_dev_nonce ||
		    !d->a.have_dev_eui || key(d, DK_NWKKEY) == NULL) {
			mic_result(d, d->root,
			    "not checked: 1.1 OptNeg needs "
			    "--nwkkey, --deveui, --joineui and --devnonce",
			    NULL, NULL);
		} else {
			lw_derive_js_keys(d->c, key(d, DK_NWKKEY), d->a.dev_eui,
			    jsint, jsenc);
			lw_mic_join_accept_11(d->c, jsint, 0xff, d->a.join_eui,
			    d->a.dev_nonce, plain, len - 3, mic);
			mic_result(
			    d, d->root, "js_int_key", plain + len - 3, mic);
		}
	} else {
		lw_mic_join_accept_10(d->c, k, plain, len - 3, mic);
		mic_result(d, d->root, key(d, DK_NWKKEY) ? "nwkkey" : "appkey",
		    plain + len - 3, mic);
	}
	json_object_set_new(d->root, "mic", jhex(plain + len - 3, 4));
	join_accept_keys(d, o, &ja);
}

static void
decode_rejoin(struct decode *d, const struct lw_frame *f)
{
	const struct lw_rejoin_request *rj = &f->u.rj;
	json_t *o = json_object();
	uint8_t mic[4], jsint[16], jsenc[16];

	json_object_set_new(o, "rejoin_type", json_integer(rj->rejoin_type));
	if (rj->rejoin_type == 1)
		json_object_set_new(o, "join_eui", jhexn(rj->join_eui, 16));
	else
		json_object_set_new(o, "net_id", jhexn(rj->net_id, 6));
	json_object_set_new(o, "dev_eui", jhexn(rj->dev_eui, 16));
	json_object_set_new(o, "rj_count", json_integer(rj->rj_count));
	json_object_set_new(d->root, "rejoin_request", o);
	if (rj->rejoin_type == 1 && key(d, DK_NWKKEY) != NULL) {
		lw_derive_js_keys(
		    d->c, key(d, DK_NWKKEY), rj->dev_eui, jsint, jsenc);
		lw_mic_join_request(
		    d->c, jsint, d->a.phy, d->a.phylen - 4, mic);
		mic_result(d, d->root, "js_int_key", rj->mic, mic);
	} else if (rj->rejoin_type != 1 && key(d, DK_SNWKSINTKEY) != NULL) {
		lw_mic_join_request(d->c, key(d, DK_SNWKSINTKEY), d->a.phy,
		    d->a.phylen - 4, mic);
		mic_result(d, d->root, "snwksintkey", rj->mic, mic);
	} else
		mic_result(d, d->root,
		    rj->rejoin_type == 1 ? "not checked: no --nwkkey"
					 : "not checked: no --snwksintkey",
		    NULL, NULL);
}

/* data_mic - 1.0: NwkSKey; 1.1: FNwkSIntKey and SNwkSIntKey (up),
 * SNwkSIntKey (down) */
static void
data_mic(struct decode *d, const struct lw_data *x, int up, uint32_t fcnt)
{
	const uint8_t *f = key(d, DK_FNWKSINTKEY), *s = key(d, DK_SNWKSINTKEY);
	size_t len = d->a.phylen - 4;
	uint8_t mic[4];

	if (!d->a.mac11) {
		if (key(d, DK_NWKSKEY) == NULL) {
			mic_result(d, d->root, "not checked: no --nwkskey",
			    NULL, NULL);
			return;
		}
		if (up)
			lw_mic_uplink_10(d->c, key(d, DK_NWKSKEY), x->dev_addr,
			    fcnt, d->a.phy, len, mic);
		else
			lw_mic_downlink(d->c, key(d, DK_NWKSKEY), 0,
			    x->dev_addr, fcnt, d->a.phy, len, mic);
		mic_result(d, d->root, "nwkskey", x->mic, mic);
		return;
	}
	if (s == NULL || (up && f == NULL)) {
		mic_result(d, d->root,
		    up ? "not checked: 1.1 uplinks need "
			 "--fnwksintkey and --snwksintkey"
		       : "not checked: no "
			 "--snwksintkey",
		    NULL, NULL);
		return;
	}
	if (up)
		lw_mic_uplink_11(d->c, f, s, x->ack ? d->a.conf_fcnt : 0,
		    d->a.tx_dr, d->a.tx_ch, x->dev_addr, fcnt, d->a.phy, len,
		    mic);
	else
		lw_mic_downlink(d->c, s, x->ack ? d->a.conf_fcnt : 0,
		    x->dev_addr, fcnt, d->a.phy, len, mic);
	mic_result(d, d->root, up ? "fnwksintkey+snwksintkey" : "snwksintkey",
	    x->mic, mic);
}

static void
decode_data(struct decode *d, const struct lw_frame *f)
{
	const struct lw_data *x = &f->u.data;
	int up = lw_mtype_is_uplink(f->mtype);
	uint32_t fcnt = d->a.fcnt_high << 16 | x->fcnt16;
	const uint8_t *k;
	uint8_t buf[LW_FRM_MAX];
	json_t *o = json_object(), *fc = json_object();

	json_object_set_new(o, "direction", json_string(up ? "up" : "down"));
	json_object_set_new(o, "confirmed",
	    json_boolean(
		f->mtype == LW_MT_CONF_UP || f->mtype == LW_MT_CONF_DOWN));
	json_object_set_new(o, "dev_addr", jhexn(x->dev_addr, 8));
	json_object_set_new(fc, "raw", jhexn(x->fctrl, 2));
	json_object_set_new(fc, "adr", json_boolean(x->adr));
	json_object_set_new(fc, up ? "adr_ack_req" : "rfu",
	    json_boolean(up ? x->adr_ack_req : x->fctrl_rfu));
	json_object_set_new(fc, "ack", json_boolean(x->ack));
	json_object_set_new(fc, up ? "class_b" : "fpending",
	    json_boolean(up ? x->class_b : x->fpending));
	json_object_set_new(fc, "fopts_len", json_integer(x->fopts_len));
	json_object_set_new(o, "fctrl", fc);
	json_object_set_new(o, "fcnt", json_integer(x->fcnt16));
	json_object_set_new(o, "fcnt32", json_integer(fcnt));
	json_object_set_new(o, "fopts", jhex(x->fopts, x->fopts_len));
	if (d->a.mac11 && x->fopts_len > 0 && key(d, DK_NWKSENCKEY)) {
		/* Downlink FOpts with an FPort > 0 use AFCntDown (errata). */
		lw_fopts_crypt_11(d->c, key(d, DK_NWKSENCKEY), !up,
		    !up && x->has_fport && x->fport > 0, x->dev_addr, fcnt,
		    x->fopts, x->fopts_len, buf);
		json_object_set_new(
		    o, "fopts_decrypted", jhex(buf, x->fopts_len));
	}
	json_object_set_new(
	    o, "fport", x->has_fport ? json_integer(x->fport) : json_null());
	json_object_set_new(o, "frm_payload", jhex(x->frm_payload, x->frm_len));
	k = !x->has_fport  ? NULL
	    : x->fport > 0 ? key(d, DK_APPSKEY)
	    : d->a.mac11   ? key(d, DK_NWKSENCKEY)
			   : key(d, DK_NWKSKEY);
	if (k != NULL && x->frm_len > 0) {
		lw_frm_crypt(d->c, k, !up, x->dev_addr, fcnt, x->frm_payload,
		    x->frm_len, buf);
		json_object_set_new(
		    o, "frm_payload_decrypted", jhex(buf, x->frm_len));
	}
	json_object_set_new(d->root, "data", o);
	data_mic(d, x, up, fcnt);
}

/* print_text - the JSON document as indented "name: value" lines */
static void
print_text(json_t *v, const char *name, int depth)
{
	const char *k;
	json_t *child;
	void *it;
	char *s;

	if (json_is_object(v)) {
		if (name != NULL)
			printf("%*s%s:\n", depth * 2, "", name);
		for (it = json_object_iter(v); it != NULL;
		     it = json_object_iter_next(v, it)) {
			k = json_object_iter_key(it);
			child = json_object_iter_value(it);
			print_text(child, k, depth + (name != NULL));
		}
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY);
	if (json_is_string(v))
		printf(
		    "%*s%s: %s\n", depth * 2, "", name, json_string_value(v));
	else
		printf("%*s%s: %s\n", depth * 2, "", name, s ? s : "?");
	free(s);
}

int
cmd_decode(int argc, char **argv)
{
	struct decode d;
	struct lw_frame f;
	struct lw_phy_error e;
	char err[256], *out;
	json_t *in;
	int r;

	memset(&d, 0, sizeof(d));
	r = decode_args_parse(argc, argv, &d.a, err, sizeof(err));
	if (r == 1)
		return usage();
	if (r != 0) {
		fprintf(stderr, "loradane decode: %s\n", err);
		return CLI_USAGE;
	}
	memset(&e, 0, sizeof(e));
	r = lw_phy_decode(d.a.phy, d.a.phylen, &f, &e);
	if (r != LW_OK) {
		fprintf(stderr, "loradane decode: invalid PHYPayload: %s: %s\n",
		    e.field != NULL ? e.field : lw_strerror(r),
		    e.detail[0] != '\0' ? e.detail : lw_strerror(r));
		return CLI_USAGE;
	}
	d.c = lw_crypto_new();
	d.root = json_object();
	if (d.c == NULL || d.root == NULL) {
		fprintf(stderr, "loradane decode: out of memory\n");
		return CLI_FAIL;
	}
	in = json_object();
	json_object_set_new(in, "form", json_string(d.a.form));
	json_object_set_new(in, "length", json_integer((json_int_t)d.a.phylen));
	json_object_set_new(in, "hex", jhex(d.a.phy, d.a.phylen));
	json_object_set_new(d.root, "phy_payload", in);
	json_object_set_new(
	    d.root, "mtype", json_string(lw_mtype_name(f.mtype)));
	json_object_set_new(d.root, "major", json_integer(f.major));
	json_object_set_new(
	    d.root, "mac_version", json_string(d.a.mac11 ? "1.1" : "1.0.x"));
	switch (f.mtype) {
	case LW_MT_JOIN_REQUEST:
		json_object_set_new(d.root, "mic", jhex(f.u.jr.mic, 4));
		decode_join_request(&d, &f);
		break;
	case LW_MT_JOIN_ACCEPT:
		decode_join_accept(&d, &f);
		break;
	case LW_MT_REJOIN_REQUEST:
		json_object_set_new(d.root, "mic", jhex(f.u.rj.mic, 4));
		decode_rejoin(&d, &f);
		break;
	case LW_MT_PROPRIETARY:
		json_object_set_new(
		    d.root, "proprietary", jhex(f.u.prop.bytes, f.u.prop.len));
		break;
	default:
		json_object_set_new(d.root, "mic", jhex(f.u.data.mic, 4));
		decode_data(&d, &f);
		break;
	}
	if (d.a.json) {
		out = json_dumps(d.root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", out != NULL ? out : "{}");
		free(out);
	} else
		print_text(d.root, NULL, 0);
	json_decref(d.root);
	lw_crypto_free(d.c);
	return d.mic_failed ? CLI_FAIL : CLI_OK;
}
