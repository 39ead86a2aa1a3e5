/*
 * test_lorawan_phy.c - the PHYPayload codec: published frames, one case
 * per refused field (by name), and seeded property tests (round trips of
 * random valid frames of every MType, and every single-byte corruption of
 * them, which must decode consistently or be refused, never crash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/phy.h"

#define PROP_SEED 0x6c6f7261776e3131ULL /* fixed: failures reproduce */
#define PROP_ITERATIONS 20000

/* hex - decode a hex string into buf; returns the byte count */
static size_t
hex(const char *s, uint8_t *buf, size_t buflen)
{
	size_t n = 0;
	unsigned v;
	int i;

	while (s[0] != '\0' && s[1] != '\0') {
		assert_true(n < buflen);
		v = 0;
		for (i = 0; i < 2; i++) {
			char c = s[i];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				fail_msg("bad hex '%s'", s);
		}
		buf[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* roundtrip_bytes - decode then encode must give the same bytes */
static void
roundtrip_bytes(const uint8_t *b, size_t len, struct lw_frame *f)
{
	struct lw_phy_error e;
	uint8_t out[LW_PHY_MAX];
	size_t n = 0;
	int r;

	r = lw_phy_decode(b, len, f, &e);
	if (r != LW_OK)
		fail_msg("decode: %d %s: %s", r, e.field, e.detail);
	r = lw_phy_encode(f, out, sizeof(out), &n, &e);
	if (r != LW_OK)
		fail_msg("encode: %d %s: %s", r, e.field, e.detail);
	assert_int_equal(n, len);
	assert_memory_equal(out, b, len);
}

static void
test_mtype_names(void **state)
{
	(void)state;
	assert_string_equal(lw_mtype_name(LW_MT_JOIN_REQUEST), "JoinRequest");
	assert_string_equal(
	    lw_mtype_name(LW_MT_UNCONF_UP), "UnconfirmedDataUp");
	assert_string_equal(
	    lw_mtype_name(LW_MT_CONF_DOWN), "ConfirmedDataDown");
	assert_string_equal(lw_mtype_name(LW_MT_PROPRIETARY), "Proprietary");
	assert_string_equal(lw_mtype_name(8), "unknown");
	assert_string_equal(lw_mtype_name(-1), "unknown");
	assert_true(lw_mtype_is_uplink(LW_MT_CONF_UP));
	assert_false(lw_mtype_is_uplink(LW_MT_UNCONF_DOWN));
}

/* The frames of lorawan-backend.md §3 (vectors 1, 3, 10 and 16). */
static void
test_published_frames(void **state)
{
	struct lw_frame f;
	uint8_t b[LW_PHY_MAX];
	size_t len;

	(void)state;
	len =
	    hex("0001010101010101010202020202020202030309b97b32", b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.mtype, LW_MT_JOIN_REQUEST);
	assert_true(f.u.jr.join_eui == 0x0101010101010101ULL);
	assert_true(f.u.jr.dev_eui == 0x0202020202020202ULL);
	assert_int_equal(f.u.jr.dev_nonce, 771);
	assert_memory_equal(f.u.jr.mic, "\x09\xb9\x7b\x32", 4);

	len =
	    hex("00010203040506070808070605040302010201cde6acb8", b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_true(f.u.jr.join_eui == 0x0807060504030201ULL);
	assert_true(f.u.jr.dev_eui == 0x0102030405060708ULL);
	assert_int_equal(f.u.jr.dev_nonce, 258);

	len = hex("2023cf335489aae3183c0be0baa8dee5f3", b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.mtype, LW_MT_JOIN_ACCEPT);
	assert_int_equal(f.u.ja.len, 16);
	assert_memory_equal(f.u.ja.bytes, b + 1, 16);

	len = hex("206df7a320449291372145e211db8573f8dc4f57e82567e8b1b3fec7cf"
		  "6a558533",
	    b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.u.ja.len, 32);

	len = hex("400403020180010001a694642615d6c3b582", b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.mtype, LW_MT_UNCONF_UP);
	assert_int_equal(f.u.data.dev_addr, 0x01020304);
	assert_int_equal(f.u.data.fctrl, 0x80);
	assert_true(f.u.data.adr);
	assert_false(f.u.data.ack);
	assert_int_equal(f.u.data.fopts_len, 0);
	assert_int_equal(f.u.data.fcnt16, 1);
	assert_true(f.u.data.has_fport);
	assert_int_equal(f.u.data.fport, 1);
	assert_int_equal(f.u.data.frm_len, 5);
	assert_memory_equal(f.u.data.frm_payload, "\xa6\x94\x64\x26\x15", 5);
	assert_memory_equal(f.u.data.mic, "\xd6\xc3\xb5\x82", 4);
}

/* Accepted oddities: RFU bits, empty FRMPayload with FPort, FPort 255. */
static void
test_decode_accepts(void **state)
{
	static const struct {
		const char *hex;
		const char *why;
	} cases[] = {
	    {"5c04030201a00100aabbccdd", "MHDR RFU bits 111: kept"},
	    {"6004030201090100010203040506070809aabbccdd", "FOpts, no FPort"},
	    {"6004030201400100ffaabbccdd", "downlink FCtrl RFU bit 6"},
	    {"80040302010001000aaabbccdd", "FPort with empty FRMPayload"},
	    {"a004030201010100aaff01aabbccdd", "FOpts and FPort 255"},
	    {"e0", "proprietary, MHDR only"},
	    {"e0010203", "proprietary, 3 opaque bytes"},
	    {"c00003020108070605040302010101aabbccdd", "rejoin type 0"},
	    {"c00203020108070605040302010101aabbccdd", "rejoin type 2"},
	    {"c00108070605040302010807060504030201"
	     "0101aabbccdd",
		"rejoin type 1"},
	};
	struct lw_frame f;
	uint8_t b[LW_PHY_MAX];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = hex(cases[i].hex, b, sizeof(b));
		print_message("# accept: %s\n", cases[i].why);
		roundtrip_bytes(b, len, &f);
	}
	len = hex(cases[0].hex, b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.mhdr_rfu, 7);
	assert_int_equal(f.mtype, LW_MT_UNCONF_UP);
	assert_true(f.u.data.adr && f.u.data.ack && !f.u.data.has_fport);
	len = hex(cases[2].hex, b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_true(f.u.data.fctrl_rfu && !f.u.data.adr_ack_req);
	len = hex(cases[9].hex, b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.u.rj.rejoin_type, 1);
	assert_true(f.u.rj.join_eui == 0x0102030405060708ULL);
	assert_int_equal(f.u.rj.rj_count, 0x0101);
	len = hex(cases[7].hex, b, sizeof(b));
	roundtrip_bytes(b, len, &f);
	assert_int_equal(f.u.rj.net_id, 0x010203);
}

/* Every refusal of lw_phy_decode, with the field it must name. */
static void
test_decode_errors(void **state)
{
	static const struct {
		const char *hex;
		int err;
		const char *field;
	} cases[] = {
	    {"", LW_ERR_TRUNCATED, "PHYPayload length"},
	    {"01010101010101010102020202020202020303aabbccdd", LW_ERR_FIELD,
		"MHDR.Major"},
	    {"4204030201000100aabbccdd", LW_ERR_FIELD, "MHDR.Major"},
	    {"e3", LW_ERR_FIELD, "MHDR.Major"},
	    {"00010101010101010102020202020202020303aabbcc", LW_ERR_TRUNCATED,
		"JoinRequest length"},
	    {"00010101010101010102020202020202020303aabbccddee",
		LW_ERR_TOO_LONG, "JoinRequest length"},
	    {"20", LW_ERR_TRUNCATED, "JoinAccept length"},
	    {"2000112233445566778899aabbccddee", LW_ERR_TRUNCATED,
		"JoinAccept length"},
	    {"2000112233445566778899aabbccddeeff00", LW_ERR_TRUNCATED,
		"JoinAccept length"},
	    {"2000112233445566778899aabbccddeeff00112233445566778899aabbccdd"
	     "eeff00",
		LW_ERR_TOO_LONG, "JoinAccept length"},
	    {"c0", LW_ERR_TRUNCATED, "RejoinRequest length"},
	    {"c003030201080706050403020102010100aabbccdd", LW_ERR_FIELD,
		"RejoinType"},
	    {"c0ff", LW_ERR_FIELD, "RejoinType"},
	    {"c00003020108070605040302010101aabbcc", LW_ERR_TRUNCATED,
		"RejoinRequest length"},
	    {"c00003020108070605040302010101aabbccdd00", LW_ERR_TOO_LONG,
		"RejoinRequest length"},
	    {"c00103020108070605040302010101aabbccdd", LW_ERR_TRUNCATED,
		"RejoinRequest length"},
	    {"40", LW_ERR_TRUNCATED, "PHYPayload length"},
	    {"4004030201000100aabbcc", LW_ERR_TRUNCATED, "PHYPayload length"},
	    {"a004030201000100aabbcc", LW_ERR_TRUNCATED, "PHYPayload length"},
	    {"4004030201020100aabbccdd", LW_ERR_TRUNCATED, "FOptsLen"},
	    {"60040302010f01000102030405060708090a0b0c0daabbccdd",
		LW_ERR_TRUNCATED, "FOptsLen"},
	    {"400403020101010003 00aabbccdd", LW_ERR_FIELD,
		"FOpts with FPort 0"},
	    {"400403020101010003000102aabbccdd", LW_ERR_FIELD,
		"FOpts with FPort 0"},
	};
	struct lw_phy_error e;
	struct lw_frame f;
	uint8_t b[300];
	char clean[200];
	size_t i, j, k, len;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Spaces in the table only group bytes for the reader. */
		for (j = k = 0; cases[i].hex[j] != '\0'; j++)
			if (cases[i].hex[j] != ' ')
				clean[k++] = cases[i].hex[j];
		clean[k] = '\0';
		len = hex(clean, b, sizeof(b));
		r = lw_phy_decode(b, len, &f, &e);
		if (r != cases[i].err || e.field == NULL ||
		    strcmp(e.field, cases[i].field) != 0)
			fail_msg("%s: got %d '%s' (%s), want %d '%s'", clean, r,
			    e.field ? e.field : "(null)", e.detail,
			    cases[i].err, cases[i].field);
		assert_true(e.detail[0] != '\0');
	}
	memset(b, 0x40, sizeof(b));
	assert_int_equal(lw_phy_decode(b, 256, &f, &e), LW_ERR_TOO_LONG);
	assert_string_equal(e.field, "PHYPayload length");
	assert_int_equal(lw_phy_decode(b, LW_PHY_MAX, &f, &e), LW_OK);
	assert_null(e.field);
	assert_int_equal(lw_phy_decode(NULL, 5, &f, &e), LW_ERR_INVAL);
	assert_int_equal(lw_phy_decode(b, 5, NULL, NULL), LW_ERR_INVAL);
	assert_int_equal(lw_phy_decode(b, 3, &f, NULL), LW_ERR_TRUNCATED);
}

/* data_frame - a valid unconfirmed uplink to start mutations from */
static void
data_frame(struct lw_frame *f, enum lw_mtype mt)
{
	memset(f, 0, sizeof(*f));
	f->mtype = mt;
	f->u.data.dev_addr = 0x01020304;
	f->u.data.fopts_len = 2;
	f->u.data.has_fport = true;
	f->u.data.fport = 1;
	f->u.data.frm_len = 3;
}

/* expect_encode_err - encode f and check the refused field */
static void
expect_encode_err(
    const struct lw_frame *f, size_t outlen, int err, const char *field)
{
	struct lw_phy_error e;
	uint8_t out[LW_PHY_MAX];
	size_t n = 0;
	int r;

	r = lw_phy_encode(f, out, outlen, &n, &e);
	if (r != err || e.field == NULL || strcmp(e.field, field) != 0)
		fail_msg("encode: got %d '%s' (%s), want %d '%s'", r,
		    e.field ? e.field : "(null)", e.detail, err, field);
}

/* Every refusal of lw_phy_encode, with the field it must name. */
static void
test_encode_errors(void **state)
{
	struct lw_frame f;
	uint8_t out[LW_PHY_MAX];
	size_t n;

	(void)state;
	data_frame(&f, LW_MT_UNCONF_UP);
	assert_int_equal(lw_phy_encode(&f, out, sizeof(out), &n, NULL), LW_OK);
	assert_int_equal(n, 12 + 2 + 1 + 3);
	expect_encode_err(&f, n - 1, LW_ERR_TOO_LONG, "output buffer");
	f.mtype = (enum lw_mtype)8;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "MHDR.MType");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.mhdr_rfu = 8;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "MHDR.RFU");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.major = 1;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "MHDR.Major");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.u.data.fopts_len = 16;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FOptsLen");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.u.data.fpending = true;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FCtrl");
	data_frame(&f, LW_MT_CONF_DOWN);
	f.u.data.class_b = true;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FCtrl");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.u.data.has_fport = false;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FPort");
	f.u.data.frm_len = 0;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FPort");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.u.data.fport = 0;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "FOpts with FPort 0");
	data_frame(&f, LW_MT_UNCONF_UP);
	f.u.data.frm_len = LW_FRM_MAX; /* plus 2 bytes of FOpts: 257 */
	expect_encode_err(
	    &f, sizeof(out), LW_ERR_TOO_LONG, "PHYPayload length");
	f.u.data.fopts_len = 0;
	assert_int_equal(lw_phy_encode(&f, out, sizeof(out), &n, NULL), LW_OK);
	assert_int_equal(n, LW_PHY_MAX);

	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_ACCEPT;
	f.u.ja.len = 17;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "JoinAccept length");
	f.mtype = LW_MT_REJOIN_REQUEST;
	f.u.rj.rejoin_type = 3;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "RejoinType");
	memset(&f.u, 0, sizeof(f.u));
	f.u.rj.net_id = 0x1000000;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "NetID");
	f.u.rj.rejoin_type = 1;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "NetID");
	f.u.rj.net_id = 0;
	f.u.rj.join_eui = 1;
	assert_int_equal(lw_phy_encode(&f, out, sizeof(out), &n, NULL), LW_OK);
	assert_int_equal(n, LW_REJOIN1_LEN);
	f.u.rj.rejoin_type = 2;
	expect_encode_err(&f, sizeof(out), LW_ERR_FIELD, "JoinEUI");
	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_PROPRIETARY;
	f.u.prop.len = LW_PROPRIETARY_MAX + 1;
	expect_encode_err(
	    &f, sizeof(out), LW_ERR_TOO_LONG, "PHYPayload length");
	expect_encode_err(NULL, sizeof(out), LW_ERR_INVAL, "argument");
}

/* The decrypted join-accept (vector 5) and its refusals. */
static void
test_join_accept_plain(void **state)
{
	struct lw_join_accept ja, ja2;
	struct lw_phy_error e;
	uint8_t b[64], out[64];
	size_t len, n;

	(void)state;
	len = hex("c70b57011122801903020000", b, sizeof(b));
	assert_int_equal(lw_join_accept_decode(b, len, &ja, &e), LW_OK);
	assert_int_equal(ja.join_nonce, 5704647);
	assert_int_equal(ja.net_id, 0x221101);
	assert_int_equal(ja.dev_addr, 0x02031980);
	assert_int_equal(ja.dl_settings, 0);
	assert_false(ja.has_cflist);
	assert_int_equal(
	    lw_join_accept_encode(&ja, out, sizeof(out), &n, &e), LW_OK);
	assert_int_equal(n, 12);
	assert_memory_equal(out, b, 12);

	len = hex("0100000302010403020115011"
		  "88e84e8958400000000000000000000",
	    b, sizeof(b));
	assert_int_equal(len, 28);
	assert_int_equal(lw_join_accept_decode(b, len, &ja, &e), LW_OK);
	assert_true(ja.has_cflist);
	assert_int_equal(ja.dl_settings, 0x15);
	assert_int_equal(ja.rx_delay, 1);
	assert_memory_equal(ja.cflist, b + 12, 16);
	assert_int_equal(
	    lw_join_accept_encode(&ja, out, sizeof(out), &n, &e), LW_OK);
	assert_int_equal(n, 28);
	assert_memory_equal(out, b, 28);
	assert_int_equal(lw_join_accept_decode(out, n, &ja2, NULL), LW_OK);
	assert_memory_equal(&ja, &ja2, sizeof(ja)); /* both zeroed first */

	assert_int_equal(
	    lw_join_accept_decode(b, 11, &ja, &e), LW_ERR_TRUNCATED);
	assert_string_equal(e.field, "JoinAccept plaintext length");
	assert_int_equal(
	    lw_join_accept_decode(b, 16, &ja, &e), LW_ERR_TRUNCATED);
	assert_string_equal(e.field, "JoinAccept plaintext length");
	assert_int_equal(
	    lw_join_accept_decode(b, 32, &ja, &e), LW_ERR_TOO_LONG);
	assert_string_equal(e.field, "JoinAccept plaintext length");
	assert_int_equal(
	    lw_join_accept_encode(&ja, out, 27, &n, &e), LW_ERR_TOO_LONG);
	assert_string_equal(e.field, "output buffer");
	ja.join_nonce = 0x1000000;
	assert_int_equal(
	    lw_join_accept_encode(&ja, out, sizeof(out), &n, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "JoinNonce");
	ja.join_nonce = 0;
	ja.net_id = 0x1000000;
	assert_int_equal(
	    lw_join_accept_encode(&ja, out, sizeof(out), &n, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "NetID");
}

/*
 * Property tests.
 */

/* rnd - splitmix64: small, seedable, identical on every platform */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* rnd_below - uniform enough below n for test generation */
static size_t
rnd_below(uint64_t *s, size_t n)
{
	return (size_t)(rnd(s) % n);
}

/* rnd_bytes - fill with random bytes */
static void
rnd_bytes(uint64_t *s, uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd(s);
}

/* gen_data - random valid FHDR/FPort/FRMPayload for one direction */
static void
gen_data(uint64_t *s, struct lw_data *d, bool up)
{
	size_t room;

	d->dev_addr = (uint32_t)rnd(s);
	d->adr = rnd(s) & 1;
	d->ack = rnd(s) & 1;
	if (up) {
		d->adr_ack_req = rnd(s) & 1;
		d->class_b = rnd(s) & 1;
	} else {
		d->fctrl_rfu = rnd_below(s, 8) == 0;
		d->fpending = rnd(s) & 1;
	}
	d->fopts_len = (uint8_t)rnd_below(s, 16);
	rnd_bytes(s, d->fopts, d->fopts_len);
	d->fcnt16 = (uint16_t)rnd(s);
	d->has_fport = rnd_below(s, 4) != 0;
	if (d->has_fport) {
		d->fport = (uint8_t)rnd(s);
		if (d->fport == 0)
			d->fopts_len = 0; /* MAC commands in one place */
		room = LW_PHY_MAX - LW_PHY_DATA_MIN - 1 - d->fopts_len;
		/* Mostly short payloads, sometimes the largest. */
		d->frm_len =
		    rnd_below(s, 8) == 0 ? room : rnd_below(s, room + 1) % 64;
		rnd_bytes(s, d->frm_payload, d->frm_len);
	}
	d->fctrl = (uint8_t)(d->fopts_len | (d->adr ? 0x80 : 0) |
	    (d->adr_ack_req || d->fctrl_rfu ? 0x40 : 0) | (d->ack ? 0x20 : 0) |
	    (d->class_b || d->fpending ? 0x10 : 0));
	rnd_bytes(s, d->mic, 4);
}

/* gen_frame - a random valid frame of a random MType */
static void
gen_frame(uint64_t *s, struct lw_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->mtype = (enum lw_mtype)rnd_below(s, 8);
	f->mhdr_rfu = rnd_below(s, 16) == 0 ? (uint8_t)rnd_below(s, 8) : 0;
	f->mhdr = (uint8_t)(f->mtype << 5 | f->mhdr_rfu << 2);
	switch (f->mtype) {
	case LW_MT_JOIN_REQUEST:
		f->u.jr.join_eui = rnd(s);
		f->u.jr.dev_eui = rnd(s);
		f->u.jr.dev_nonce = (uint16_t)rnd(s);
		rnd_bytes(s, f->u.jr.mic, 4);
		break;
	case LW_MT_JOIN_ACCEPT:
		f->u.ja.len = rnd(s) & 1 ? 32 : 16;
		rnd_bytes(s, f->u.ja.bytes, f->u.ja.len);
		break;
	case LW_MT_REJOIN_REQUEST:
		f->u.rj.rejoin_type = (uint8_t)rnd_below(s, 3);
		if (f->u.rj.rejoin_type == 1)
			f->u.rj.join_eui = rnd(s);
		else
			f->u.rj.net_id = (uint32_t)rnd(s) & 0xffffff;
		f->u.rj.dev_eui = rnd(s);
		f->u.rj.rj_count = (uint16_t)rnd(s);
		rnd_bytes(s, f->u.rj.mic, 4);
		break;
	case LW_MT_PROPRIETARY:
		f->u.prop.len = rnd_below(s, LW_PROPRIETARY_MAX + 1);
		rnd_bytes(s, f->u.prop.bytes, f->u.prop.len);
		break;
	default:
		gen_data(s, &f->u.data, lw_mtype_is_uplink(f->mtype));
		break;
	}
}

/* data_eq - field-wise, so padding and unused bytes never matter */
static bool
data_eq(const struct lw_data *a, const struct lw_data *b)
{
	return a->dev_addr == b->dev_addr && a->fctrl == b->fctrl &&
	    a->adr == b->adr && a->adr_ack_req == b->adr_ack_req &&
	    a->fctrl_rfu == b->fctrl_rfu && a->ack == b->ack &&
	    a->class_b == b->class_b && a->fpending == b->fpending &&
	    a->fopts_len == b->fopts_len &&
	    memcmp(a->fopts, b->fopts, a->fopts_len) == 0 &&
	    a->fcnt16 == b->fcnt16 && a->has_fport == b->has_fport &&
	    a->fport == b->fport && a->frm_len == b->frm_len &&
	    memcmp(a->frm_payload, b->frm_payload, a->frm_len) == 0 &&
	    memcmp(a->mic, b->mic, 4) == 0;
}

/* frame_eq - every field that the MType gives a meaning */
static bool
frame_eq(const struct lw_frame *a, const struct lw_frame *b)
{
	if (a->mhdr != b->mhdr || a->mtype != b->mtype ||
	    a->mhdr_rfu != b->mhdr_rfu || a->major != b->major)
		return false;
	switch (a->mtype) {
	case LW_MT_JOIN_REQUEST:
		return a->u.jr.join_eui == b->u.jr.join_eui &&
		    a->u.jr.dev_eui == b->u.jr.dev_eui &&
		    a->u.jr.dev_nonce == b->u.jr.dev_nonce &&
		    memcmp(a->u.jr.mic, b->u.jr.mic, 4) == 0;
	case LW_MT_JOIN_ACCEPT:
		return a->u.ja.len == b->u.ja.len &&
		    memcmp(a->u.ja.bytes, b->u.ja.bytes, a->u.ja.len) == 0;
	case LW_MT_REJOIN_REQUEST:
		return a->u.rj.rejoin_type == b->u.rj.rejoin_type &&
		    a->u.rj.net_id == b->u.rj.net_id &&
		    a->u.rj.join_eui == b->u.rj.join_eui &&
		    a->u.rj.dev_eui == b->u.rj.dev_eui &&
		    a->u.rj.rj_count == b->u.rj.rj_count &&
		    memcmp(a->u.rj.mic, b->u.rj.mic, 4) == 0;
	case LW_MT_PROPRIETARY:
		return a->u.prop.len == b->u.prop.len &&
		    memcmp(a->u.prop.bytes, b->u.prop.bytes, a->u.prop.len) ==
		    0;
	default:
		return data_eq(&a->u.data, &b->u.data);
	}
}

/* encode(f) decodes to f, and re-encodes to the same bytes */
static void
test_property_roundtrip(void **state)
{
	uint64_t s = PROP_SEED;
	struct lw_frame f, g;
	struct lw_phy_error e;
	uint8_t b1[LW_PHY_MAX], b2[LW_PHY_MAX];
	size_t n1, n2, per_type[8] = {0};
	int i, r, t;

	(void)state;
	print_message("# seed 0x%016llx, %d frames\n",
	    (unsigned long long)PROP_SEED, PROP_ITERATIONS);
	for (i = 0; i < PROP_ITERATIONS; i++) {
		gen_frame(&s, &f);
		per_type[f.mtype]++;
		r = lw_phy_encode(&f, b1, sizeof(b1), &n1, &e);
		if (r != LW_OK)
			fail_msg("frame %d (%s): encode %d %s: %s", i,
			    lw_mtype_name(f.mtype), r, e.field, e.detail);
		r = lw_phy_decode(b1, n1, &g, &e);
		if (r != LW_OK)
			fail_msg("frame %d (%s): decode %d %s: %s", i,
			    lw_mtype_name(f.mtype), r, e.field, e.detail);
		if (!frame_eq(&f, &g))
			fail_msg("frame %d (%s): fields differ after decode", i,
			    lw_mtype_name(f.mtype));
		assert_int_equal(
		    lw_phy_encode(&g, b2, sizeof(b2), &n2, &e), LW_OK);
		assert_int_equal(n1, n2);
		assert_memory_equal(b1, b2, n1);
	}
	for (t = 0; t < 8; t++)
		assert_true(per_type[t] > PROP_ITERATIONS / 16);
}

/* check_corrupt - decode is refused with a field, or is self-consistent */
static int
check_corrupt(const uint8_t *b, size_t len)
{
	struct lw_frame f, g;
	struct lw_phy_error e;
	uint8_t out[LW_PHY_MAX];
	size_t n;
	int r;

	r = lw_phy_decode(b, len, &f, &e);
	if (r != LW_OK) {
		assert_true(r < 0);
		assert_non_null(e.field);
		return 0;
	}
	r = lw_phy_encode(&f, out, sizeof(out), &n, &e);
	if (r != LW_OK)
		fail_msg("decoded corrupt frame does not re-encode: %s: %s",
		    e.field, e.detail);
	assert_int_equal(n, len);
	assert_memory_equal(out, b, len);
	assert_int_equal(lw_phy_decode(out, n, &g, NULL), LW_OK);
	assert_true(frame_eq(&f, &g));
	return 1;
}

/* Single-byte corruptions, truncations and one extra byte. */
static void
test_property_corruption(void **state)
{
	static const uint8_t vals[] = {0x00, 0xff, 0x01, 0x80};
	uint64_t s = PROP_SEED ^ 0xc0ffee;
	struct lw_frame f;
	uint8_t b[LW_PHY_MAX + 1], c[LW_PHY_MAX + 1];
	size_t n, pos, v, cut;
	unsigned long tried = 0, accepted = 0;
	int i;

	(void)state;
	print_message("# seed 0x%016llx, %d frames\n",
	    (unsigned long long)(PROP_SEED ^ 0xc0ffee), PROP_ITERATIONS);
	for (i = 0; i < PROP_ITERATIONS; i++) {
		gen_frame(&s, &f);
		assert_int_equal(
		    lw_phy_encode(&f, b, LW_PHY_MAX, &n, NULL), LW_OK);
		for (pos = 0; pos < n; pos++) {
			memcpy(c, b, n);
			for (v = 0; v <= sizeof(vals); v++) {
				c[pos] = v < sizeof(vals)
				    ? vals[v]
				    : (uint8_t)(b[pos] ^ (1u << (rnd(&s) & 7)));
				accepted += (unsigned long)check_corrupt(c, n);
				tried++;
			}
		}
		for (cut = 0; cut < n; cut++, tried++)
			accepted += (unsigned long)check_corrupt(b, cut);
		b[n] = (uint8_t)rnd(&s);
		accepted += (unsigned long)check_corrupt(b, n + 1);
		tried++;
	}
	print_message("# %lu corrupted frames, %lu decoded consistently, "
		      "the rest refused\n",
	    tried, accepted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mtype_names),
	    cmocka_unit_test(test_published_frames),
	    cmocka_unit_test(test_decode_accepts),
	    cmocka_unit_test(test_decode_errors),
	    cmocka_unit_test(test_encode_errors),
	    cmocka_unit_test(test_join_accept_plain),
	    cmocka_unit_test(test_property_roundtrip),
	    cmocka_unit_test(test_property_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
