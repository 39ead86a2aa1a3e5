/*
 * test_lw_data.c - the data-frame layer (lorawan/data.h): every data
 * vector of lorawan-vectors.json through the NS check, the builders and
 * the device-side check (every expected field of those vectors must be
 * checked), then the counter rules, keys and refusals on frames built
 * here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lorawan/data.h"
#include "util/bytes.h"
#include "lib/vectors.h"

/* One vector being checked, and which expected fields were. */
struct vec {
	const char *name;
	json_t *in, *exp, *seen;
	struct lw_crypto *c;
};

/* hexv - decode a hex field ("80 (ADR)" stops at the blank) */
static size_t
hexv(
    const struct vec *v, json_t *obj, const char *key, uint8_t *out, size_t max)
{
	json_t *j = tv_field(obj, key);
	const char *s = json_string_value(j);
	size_t n = 0;

	if (s == NULL)
		fail_msg("%s: no hex field '%s'", v->name, key);
	while (bytes_hexval(s[0]) >= 0 && bytes_hexval(s[1]) >= 0) {
		assert_true(n < max);
		out[n++] =
		    (uint8_t)(bytes_hexval(s[0]) << 4 | bytes_hexval(s[1]));
		s += 2;
	}
	return n;
}

static void
key16(const struct vec *v, const char *key, uint8_t out[16])
{
	assert_int_equal(hexv(v, v->in, key, out, 16), 16);
}

static uint32_t
num(const struct vec *v, const char *key)
{
	json_t *j = tv_field(v->in, key);

	if (!json_is_integer(j))
		fail_msg("%s: no integer field '%s'", v->name, key);
	return (uint32_t)json_integer_value(j);
}

static uint32_t
devaddr(const struct vec *v)
{
	uint8_t b[4];

	assert_int_equal(hexv(v, v->in, "dev_addr", b, 4), 4);
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* expect - compare with an expected field and mark it checked */
static void
expect(struct vec *v, const char *key, const uint8_t *got, size_t len)
{
	uint8_t want[256];

	assert_int_equal(hexv(v, v->exp, key, want, sizeof(want)), len);
	assert_memory_equal(got, want, len);
	json_object_set_new(v->seen, tv_key(v->exp, key), json_true());
}

/* decode - a PHYPayload that must decode */
static void
decode(const uint8_t *phy, size_t len, struct lw_frame *f)
{
	assert_int_equal(lw_phy_decode(phy, len, f, NULL), LW_OK);
}

/* uplink_in - NS input for a frame, no counter seen yet */
static struct lw_uplink_in
uplink_in(const uint8_t *phy, size_t len, const struct lw_frame *f)
{
	struct lw_uplink_in in;

	memset(&in, 0, sizeof(in));
	in.phy = phy;
	in.len = len;
	in.f = f;
	return in;
}

/* up10 - data_uplink_1_0: NS check; rebuild from inputs when given */
static void
up10(struct vec *v)
{
	struct lw_dev_skeys k;
	struct lw_data_out d;
	struct lw_frame f;
	struct lw_uplink_in in;
	uint8_t phy[256], built[256], plain[256], out[LW_FRM_MAX];
	size_t len, n, plen;
	uint32_t fcnt;

	memset(&k, 0, sizeof(k));
	key16(v, "nwk_s_key", k.nwk.fnwksint);
	if (tv_field(v->in, "phy_payload") != NULL)
		len = hexv(v, v->in, "phy_payload", phy, sizeof(phy));
	else
		len = hexv(v, v->exp, "phy_payload", phy, sizeof(phy));
	decode(phy, len, &f);
	in = uplink_in(phy, len, &f);
	assert_int_equal(lw_uplink_check(v->c, &k.nwk, &in, &fcnt), LW_OK);
	assert_int_equal(fcnt, num(v, "f_cnt"));
	assert_int_equal(f.u.data.dev_addr, devaddr(v));
	expect(v, "mic", f.u.data.mic, 4);
	k.nwk.fnwksint[0] ^= 1;
	assert_int_equal(lw_uplink_check(v->c, &k.nwk, &in, &fcnt), LW_ERR_MIC);
	k.nwk.fnwksint[0] ^= 1;
	if (tv_field(v->in, "app_s_key") == NULL)
		return;
	/* Build it as a device would, from the plaintext inputs. */
	key16(v, "app_s_key", k.appskey);
	memset(&d, 0, sizeof(d));
	d.dev_addr = devaddr(v);
	d.fcnt = num(v, "f_cnt");
	d.confirmed = f.mtype == LW_MT_CONF_UP; /* named in prose only */
	if (tv_field(v->in, "f_ctrl") != NULL) {
		assert_int_equal(hexv(v, v->in, "f_ctrl", built, 1), 1);
		d.adr = (built[0] & 0x80) != 0;
	}
	if (tv_field(v->in, "f_opts") != NULL) {
		d.fopts_len = hexv(v, v->in, "f_opts", plain + 128, 15);
		d.fopts = plain + 128;
	}
	d.has_fport = true;
	d.fport = (uint8_t)num(v, "f_port");
	plen = hexv(v, v->in, "frm_payload_plain", plain, 128);
	d.frm = plain;
	d.frm_len = plen;
	assert_int_equal(lw_uplink_build(v->c, &k, &d, built, 255, &n), LW_OK);
	expect(v, "phy_payload", built, n);
	expect(v, "frm_payload_encrypted", f.u.data.frm_payload, plen);
	assert_int_equal(
	    lw_data_frm_decrypt(v->c, NULL, k.appskey, &f, fcnt, out, &n),
	    LW_OK);
	assert_int_equal(n, plen);
	assert_memory_equal(out, plain, plen);
	/* 1.0 FOpts are clear: "decryption" is a copy. */
	assert_int_equal(
	    lw_data_fopts_decrypt(v->c, &k.nwk, &f, fcnt, out, &n), LW_OK);
	assert_int_equal(n, d.fopts_len);
	assert_memory_equal(out, f.u.data.fopts, n);
}

/* up11 - data_uplink_1_1: B1 with TxDr/TxCh/ConfFCnt, and cmacF alone */
static void
up11(struct vec *v)
{
	struct lw_nwk_skeys k;
	struct lw_dev_skeys dk;
	struct lw_data_out d;
	struct lw_frame f;
	struct lw_uplink_in in;
	uint8_t phy[256], built[256];
	size_t len, n;
	uint32_t fcnt;

	memset(&k, 0, sizeof(k));
	k.v11 = true;
	key16(v, "s_nwk_s_int_key", k.snwksint);
	key16(v, "f_nwk_s_int_key", k.fnwksint);
	len = hexv(v, v->in, "msg", phy, sizeof(phy));
	len += hexv(v, v->exp, "mic", phy + len, 4);
	decode(phy, len, &f);
	in = uplink_in(phy, len, &f);
	in.conf_fcnt = (uint16_t)num(v, "conf_f_cnt");
	in.tx_dr = (uint8_t)num(v, "tx_dr");
	in.tx_ch = (uint8_t)num(v, "tx_ch");
	assert_int_equal(lw_uplink_check(v->c, &k, &in, &fcnt), LW_OK);
	assert_int_equal(fcnt, num(v, "f_cnt"));
	expect(v, "mic", f.u.data.mic, 4);
	/* Every B1 input is signed: change one and the MIC fails, while the
	 * cmacF half (B0 only) still verifies. */
	in.tx_ch ^= 1;
	assert_int_equal(lw_uplink_check(v->c, &k, &in, &fcnt), LW_ERR_MIC);
	assert_int_equal(lw_uplink_check_fnwk(v->c, &k, &in, &fcnt), LW_OK);
	in.tx_ch ^= 1;
	in.conf_fcnt ^= 1;
	assert_int_equal(lw_uplink_check(v->c, &k, &in, &fcnt),
	    f.u.data.ack ? LW_ERR_MIC : LW_OK);
	in.conf_fcnt ^= 1;
	k.fnwksint[15] ^= 1;
	assert_int_equal(
	    lw_uplink_check_fnwk(v->c, &k, &in, &fcnt), LW_ERR_MIC);
	k.fnwksint[15] ^= 1;
	/* The device builds the same bytes (FRMPayload as on air). */
	memset(&dk, 0, sizeof(dk));
	dk.nwk = k;
	memset(&d, 0, sizeof(d));
	d.dev_addr = devaddr(v);
	d.fcnt = fcnt;
	d.adr = f.u.data.adr;
	d.ack = f.u.data.ack;
	d.has_fport = true;
	d.fport = f.u.data.fport;
	d.frm = f.u.data.frm_payload;
	d.frm_len = f.u.data.frm_len;
	d.frm_encrypted = true;
	d.conf_fcnt = in.conf_fcnt;
	d.tx_dr = in.tx_dr;
	d.tx_ch = in.tx_ch;
	assert_int_equal(lw_uplink_build(v->c, &dk, &d, built, 255, &n), LW_OK);
	expect(v, "phy_payload", built, n);
	if (tv_field(v->exp, "cmacF") == NULL)
		return;
	/* A 1.0 NS checks cmacF[0..3] with FNwkSIntKey as NwkSKey. */
	len -= 4;
	len += hexv(v, v->exp, "cmacF", phy + len, 4);
	decode(phy, len, &f);
	in = uplink_in(phy, len, &f);
	k.v11 = false;
	assert_int_equal(lw_uplink_check(v->c, &k, &in, &fcnt), LW_OK);
	expect(v, "cmacF", f.u.data.mic, 4);
}

/* down11 - fopts_encryption: 1.1 downlink build and device check */
static void
down11(struct vec *v)
{
	struct lw_dev_skeys k;
	struct lw_data_out d;
	struct lw_fcnt_down last;
	struct lw_frame f;
	uint8_t fopts[16], frm[64], a[16], s[16], built[256];
	struct lw_dev_rx rx;
	size_t n, i;
	bool app = tv_field(v->in, "f_port") != NULL;

	memset(&k, 0, sizeof(k));
	k.nwk.v11 = true;
	key16(v, "s_nwk_s_int_key", k.nwk.snwksint);
	key16(v, "nwk_s_enc_key", k.nwk.nwksenc);
	memset(&d, 0, sizeof(d));
	d.dev_addr = devaddr(v);
	d.fopts_len = hexv(v, v->in, "fopts_plain", fopts, sizeof(fopts));
	d.fopts = fopts;
	if (app) {
		key16(v, "app_s_key", k.appskey);
		d.fcnt = num(v, "a_f_cnt_down");
		d.has_fport = true;
		d.fport = (uint8_t)num(v, "f_port");
		d.frm_len = hexv(v, v->in, "frm_payload_plain", frm, 64);
		d.frm = frm;
	} else
		d.fcnt = num(v, "n_f_cnt_down");
	assert_int_equal(lw_downlink_build(v->c, &k.nwk, app ? k.appskey : NULL,
			     &d, built, 255, &n),
	    LW_OK);
	expect(v, "phy_payload", built, n);
	decode(built, n, &f);
	expect(v, "mic", f.u.data.mic, 4);
	expect(v, "fopts_encrypted", f.u.data.fopts, d.fopts_len);
	if (app)
		expect(v, "frm_payload_encrypted", f.u.data.frm_payload,
		    d.frm_len);
	if (tv_field(v->in, "a_block") != NULL) {
		/* The errata A-block, by hand: E(NwkSEncKey, A) ^ plain. */
		assert_int_equal(hexv(v, v->in, "a_block", a, 16), 16);
		assert_int_equal(
		    lw_aes_encrypt_block(v->c, k.nwk.nwksenc, a, s), LW_OK);
		for (i = 0; i < d.fopts_len; i++)
			assert_int_equal(f.u.data.fopts[i], fopts[i] ^ s[i]);
	}
	memset(&last, 0, sizeof(last));
	assert_int_equal(lw_dev_downlink_check(
			     v->c, &k, d.dev_addr, built, n, &last, 0, &rx),
	    LW_OK);
	assert_int_equal(rx.fcnt, d.fcnt);
	assert_int_equal(rx.afcnt, app);
	assert_int_equal(rx.fopts_len, d.fopts_len);
	assert_memory_equal(rx.fopts, fopts, d.fopts_len);
	assert_int_equal(rx.frm_len, d.frm_len);
	assert_memory_equal(rx.frm, frm, d.frm_len);
	/* The NS's own helper reads its FOpts back the same way. */
	assert_int_equal(
	    lw_data_fopts_decrypt(v->c, &k.nwk, &f, d.fcnt, s, &n), LW_OK);
	assert_memory_equal(s, fopts, n);
}

/* down10 - data_downlink_1_0: build the same bytes, device accepts */
static void
down10(struct vec *v)
{
	struct lw_dev_skeys k;
	struct lw_data_out d;
	struct lw_fcnt_down last;
	struct lw_frame f;
	struct lw_dev_rx rx;
	uint8_t phy[256], built[256];
	size_t len, n;

	memset(&k, 0, sizeof(k));
	key16(v, "nwk_s_key", k.nwk.fnwksint);
	len = hexv(v, v->in, "phy_payload", phy, sizeof(phy));
	decode(phy, len, &f);
	memset(&d, 0, sizeof(d));
	d.dev_addr = devaddr(v);
	d.fcnt = num(v, "f_cnt");
	d.ack = f.u.data.ack;
	d.has_fport = f.u.data.has_fport;
	d.fport = f.u.data.fport;
	d.conf_fcnt = 0x1234; /* 1.0: never in the MIC */
	assert_int_equal(
	    lw_downlink_build(v->c, &k.nwk, NULL, &d, built, 255, &n), LW_OK);
	assert_int_equal(n, len);
	assert_memory_equal(built, phy, len);
	expect(v, "mic", built + n - 4, 4);
	memset(&last, 0, sizeof(last));
	assert_int_equal(lw_dev_downlink_check(
			     v->c, &k, d.dev_addr, phy, len, &last, 0, &rx),
	    LW_OK);
	assert_int_equal(rx.fcnt, d.fcnt);
	k.nwk.fnwksint[3] ^= 0x80;
	assert_int_equal(lw_dev_downlink_check(
			     v->c, &k, d.dev_addr, phy, len, &last, 0, &rx),
	    LW_ERR_MIC);
}

/* Every data vector, dispatched on kind; each expected field checked. */
static void
test_vectors(void **state)
{
	static const struct {
		const char *kind;
		void (*fn)(struct vec *);
		int want;
	} kinds[] = {{"data_uplink_1_0", up10, 4}, {"data_uplink_1_1", up11, 2},
	    {"fopts_encryption", down11, 2}, {"data_downlink_1_0", down10, 1}};
	json_t *all = tv_load(), *j, *val;
	int count[4] = {0, 0, 0, 0};
	struct vec v;
	const char *k;
	size_t i, t;

	(void)state;
	v.c = lw_crypto_new();
	assert_non_null(v.c);
	json_array_foreach(all, i, j)
	{
		for (t = 0; t < 4; t++)
			if (strcmp(
				json_string_value(json_object_get(j, "kind")),
				kinds[t].kind) == 0)
				break;
		if (t == 4)
			continue;
		v.name = json_string_value(json_object_get(j, "name"));
		v.in = json_object_get(j, "inputs");
		v.exp = json_object_get(j, "expected");
		v.seen = json_object();
		kinds[t].fn(&v);
		json_object_foreach(v.exp, k, val)
		{
			if (json_object_get(v.seen, k) == NULL)
				fail_msg(
				    "%s: expected '%s' unchecked", v.name, k);
		}
		json_decref(v.seen);
		count[t]++;
	}
	for (t = 0; t < 4; t++)
		assert_int_equal(count[t], kinds[t].want);
	json_decref(all);
	lw_crypto_free(v.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
