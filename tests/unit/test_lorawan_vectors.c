/*
 * test_lorawan_vectors.c - the LoRaWAN crypto against every vector in
 * lorawan-vectors.json (dispatched on "kind"; every expected field must be
 * checked), plus negative tests: bit flips, tampered envelopes, refused
 * lengths.  Frames are built here from the vector inputs, independently
 * of the frame codec.
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
#include <openssl/err.h>
#include <openssl/evp.h>

#include "util/bytes.h"
#include "lorawan/crypto.h"
#include "lorawan/join.h"
#include "lorawan/lw_err.h"
#include "lib/vectors.h"

/* One vector being checked: its parts and the expected fields seen. */
struct vec {
	const char *name;
	json_t *in;
	json_t *exp;
	json_t *seen;
	struct lw_crypto *c;
};

/* mark - note an expected field as checked */
static void
mark(struct vec *v, const char *key)
{
	const char *k = tv_key(v->exp, key);

	assert_non_null(k);
	json_object_set_new(v->seen, k, json_true());
}

/* need - a field that must be present */
static json_t *
need(const struct vec *v, json_t *obj, const char *key)
{
	json_t *j = tv_field(obj, key);

	if (j == NULL)
		fail_msg("%s: missing field '%s'", v->name, key);
	return j;
}

/* hex - decode a hex string ("80 (ADR)" stops at the blank) */
static size_t
hex(const struct vec *v, json_t *j, uint8_t *out, size_t max)
{
	const char *s = json_string_value(j);
	size_t n = 0;

	if (s == NULL)
		fail_msg("%s: field is not a hex string", v->name);
	while (bytes_hexval(s[0]) >= 0 && bytes_hexval(s[1]) >= 0) {
		if (n == max)
			fail_msg("%s: hex value too long", v->name);
		out[n++] =
		    (uint8_t)(bytes_hexval(s[0]) << 4 | bytes_hexval(s[1]));
		s += 2;
	}
	if (*s != '\0' && *s != ' ')
		fail_msg("%s: bad hex '%s'", v->name, json_string_value(j));
	return n;
}

/* hexf - decode a named hex field, exactly len bytes unless len is 0 */
static size_t
hexf(const struct vec *v, json_t *obj, const char *key, uint8_t *out,
    size_t max, size_t len)
{
	size_t n = hex(v, need(v, obj, key), out, max);

	if (len != 0 && n != len)
		fail_msg(
		    "%s: '%s' has %zu bytes, want %zu", v->name, key, n, len);
	return n;
}

/* num - an integer, or a big-endian hex string ("376338 (BE)") */
static uint64_t
num(const struct vec *v, json_t *obj, const char *key)
{
	json_t *j = need(v, obj, key);
	uint8_t b[8];
	uint64_t x = 0;
	size_t i, n;

	if (json_is_integer(j))
		return (uint64_t)json_integer_value(j);
	n = hex(v, j, b, sizeof(b));
	for (i = 0; i < n; i++)
		x = x << 8 | b[i];
	return x;
}

/* put_le - wire order, written here so as not to trust the library's */
static size_t
put_le(uint8_t *p, uint64_t x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(x >> (8 * i));
	return n;
}

/* dump - hex for failure messages */
static const char *
dump(const uint8_t *b, size_t n, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, size - 2 * i, "%02x", b[i]);
	return buf;
}

/* same - compare bytes with a readable failure */
static void
same(const struct vec *v, const char *what, const uint8_t *got,
    const uint8_t *want, size_t n)
{
	char g[1024], w[1024];

	if (memcmp(got, want, n) != 0)
		fail_msg("%s: %s: got %s, want %s", v->name, what,
		    dump(got, n, g, sizeof(g)), dump(want, n, w, sizeof(w)));
}

/* expect - compare with an expected hex field and mark it checked */
static void
expect(struct vec *v, const char *key, const uint8_t *got, size_t n)
{
	uint8_t want[256];

	hexf(v, v->exp, key, want, sizeof(want), n);
	same(v, key, got, want, n);
	mark(v, key);
}

/* expect_in - the same for a consistency check against an input field */
static void
expect_in(struct vec *v, const char *key, const uint8_t *got, size_t n)
{
	uint8_t want[256];

	if (tv_field(v->in, key) == NULL)
		return;
	hexf(v, v->in, key, want, sizeof(want), n);
	same(v, key, got, want, n);
}

/* key16 - a 16-byte key field */
static void
key16(const struct vec *v, const char *key, uint8_t out[16])
{
	hexf(v, v->in, key, out, 16, 16);
}

/* join_request_build - MHDR | JoinEUI | DevEUI | DevNonce, all LE */
static void
join_request_build(struct vec *v, uint8_t msg[19])
{
	uint8_t mhdr = 0x00;

	if (tv_field(v->in, "mhdr") != NULL)
		hexf(v, v->in, "mhdr", &mhdr, 1, 1);
	msg[0] = mhdr;
	put_le(msg + 1, num(v, v->in, "join_eui"), 8);
	put_le(msg + 9, num(v, v->in, "dev_eui"), 8);
	put_le(msg + 17, num(v, v->in, "dev_nonce"), 2);
	expect_in(v, "dev_nonce_le_hex", msg + 17, 2);
}

/* phy_input - the input PHYPayload, in hex or base64; its length or 0 */
static size_t
phy_input(struct vec *v, const char *key, uint8_t *out, size_t max)
{
	const char *b64;
	char b[64];
	json_t *j;
	int n;
	size_t len;

	if (tv_field(v->in, key) != NULL)
		return hexf(v, v->in, key, out, max, 0);
	j = tv_field(v->in, "phy_payload_base64");
	if (j == NULL)
		return 0;
	b64 = json_string_value(j);
	len = strlen(b64);
	assert_true(len % 4 == 0 && len / 4 * 3 <= max && len > 0);
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	assert_true(n > 0);
	snprintf(b, sizeof(b), "%s", b64 + len - 2);
	return (size_t)n - (b[1] == '=') - (b[0] == '=');
}

/* k_join_request_mic - join-request MIC, from fields or a whole frame */
static void
k_join_request_mic(struct vec *v)
{
	uint8_t key[16], msg[19], phy[64], mic[4], full[23];
	size_t plen;

	key16(v, "key", key);
	plen = phy_input(v, "phy_payload", phy, sizeof(phy));
	if (tv_field(v->in, "join_eui") != NULL) {
		join_request_build(v, msg);
		if (plen != 0) {
			assert_int_equal(plen, 23);
			same(v, "input frame vs fields", phy, msg, 19);
		}
	} else {
		assert_int_equal(plen, 23);
		memcpy(msg, phy, 19);
	}
	assert_int_equal(lw_mic_join_request(v->c, key, msg, 19, mic), LW_OK);
	expect(v, "mic", mic, 4);
	if (plen != 0)
		assert_int_equal(lw_mic_check(phy + 19, mic), LW_OK);
	memcpy(full, msg, 19);
	memcpy(full + 19, mic, 4);
	if (tv_field(v->exp, "phy_payload") != NULL)
		expect(v, "phy_payload", full, 23);
}

/*
 * ja_build - JoinNonce | NetID | DevAddr | DLSettings | RxDelay | CFList
 * from fields; 0 if the object lacks them.
 */
static size_t
ja_build(struct vec *v, json_t *o, uint8_t pt[28])
{
	uint8_t *p = pt;
	size_t n;

	if (tv_field(o, "join_nonce") == NULL ||
	    tv_field(o, "dl_settings") == NULL)
		return 0;
	p += put_le(p, num(v, o, "join_nonce"), 3);
	p += put_le(p, num(v, o, "net_id"), 3);
	p += put_le(p, num(v, o, "dev_addr"), 4);
	*p++ = (uint8_t)num(v, o, "dl_settings");
	*p++ = (uint8_t)num(v, o, "rx_delay");
	if (tv_field(o, "cflist") != NULL) {
		n = hexf(v, o, "cflist", p, 16, 0);
		assert_true(n == 0 || n == 16);
		p += n;
	}
	return (size_t)(p - pt);
}

/* ja_seal - MIC (1.0 form) then encrypt: the whole 1.0 join-accept */
static void
ja_seal(struct vec *v, const uint8_t key[16], const uint8_t *pt, size_t n,
    uint8_t mic[4], uint8_t phy[33])
{
	uint8_t msg[33], back[32];

	msg[0] = 0x20;
	memcpy(msg + 1, pt, n);
	assert_int_equal(
	    lw_mic_join_accept_10(v->c, key, msg, n + 1, mic), LW_OK);
	memcpy(msg + 1 + n, mic, 4);
	phy[0] = 0x20;
	assert_int_equal(
	    lw_join_accept_encrypt(v->c, key, msg + 1, n + 4, phy + 1), LW_OK);
	assert_int_equal(
	    lw_join_accept_decrypt(v->c, key, phy + 1, n + 4, back), LW_OK);
	same(v, "decrypt(encrypt)", back, msg + 1, n + 4);
}

/* k_join_accept_1_0 - seal a plaintext, open a ciphertext, or MIC a frame */
static void
k_join_accept_1_0(struct vec *v)
{
	uint8_t key[16], pt[32], built[28], phy[33], mic[4], out[33];
	size_t n, nb;

	key16(v, "app_key", key);
	if (tv_field(v->in, "phy_payload_encrypted") != NULL) {
		/* the device's side: decrypt, then check fields and MIC */
		n = hexf(v, v->in, "phy_payload_encrypted", phy, 33, 0);
		assert_true(n == 17 || n == 33);
		assert_int_equal(
		    lw_join_accept_decrypt(v->c, key, phy + 1, n - 1, pt),
		    LW_OK);
		expect(v, "plaintext_mac_payload", pt, n - 5);
		nb = ja_build(v, v->exp, built);
		assert_int_equal(nb, n - 5);
		same(v, "fields", pt, built, nb);
		mark(v, "join_nonce");
		mark(v, "net_id");
		mark(v, "dev_addr");
		mark(v, "dl_settings");
		mark(v, "rx_delay");
		ja_seal(v, key, pt, n - 5, mic, out);
		expect(v, "mic", mic, 4);
		assert_int_equal(lw_mic_check(pt + n - 5, mic), LW_OK);
		same(v, "re-encrypted", out, phy, n);
		return;
	}
	if (tv_field(v->in, "phy_payload_plaintext") != NULL) {
		n = hexf(v, v->in, "phy_payload_plaintext", phy, 33, 0);
		assert_true(n == 17 || n == 33);
		put_le(built, num(v, v->in, "join_nonce"), 3);
		put_le(built + 3, num(v, v->in, "net_id"), 3);
		put_le(built + 6, num(v, v->in, "dev_addr"), 4);
		same(v, "fields", phy + 1, built, 10);
		assert_int_equal(
		    lw_mic_join_accept_10(v->c, key, phy, n - 4, mic), LW_OK);
		expect(v, "mic", mic, 4);
		return;
	}
	n = hexf(v, v->in, "plaintext_mac_payload", pt, 28, 0);
	assert_true(n == 12 || n == 28);
	nb = ja_build(v, v->in, built);
	if (nb != 0) {
		assert_int_equal(nb, n);
		same(v, "fields vs plaintext", built, pt, n);
	}
	ja_seal(v, key, pt, n, mic, out);
	expect(v, "mic", mic, 4);
	expect(v, "phy_payload_encrypted", out, n + 5);
}

/* k_join_accept_1_1 - OptNeg MIC with JoinReqType | JoinEUI | DevNonce */
static void
k_join_accept_1_1(struct vec *v)
{
	uint8_t mkey[16], ekey[16], pt[28], msg[33], mi[40], mic[4], phy[33];
	uint8_t type;
	uint64_t je;
	uint16_t dn;
	size_t n;

	key16(v, "mic_key", mkey);
	key16(v, "encryption_key", ekey);
	type = (uint8_t)num(v, v->in, "join_req_type");
	je = num(v, v->in, "join_eui");
	dn = (uint16_t)num(v, v->in, "dev_nonce");
	n = ja_build(v, v->in, pt);
	assert_true(n == 12 || n == 28);
	msg[0] = 0x20;
	memcpy(msg + 1, pt, n);
	mi[0] = type;
	put_le(mi + 1, je, 8);
	put_le(mi + 9, dn, 2);
	memcpy(mi + 11, msg, n + 1);
	expect_in(v, "mic_input", mi, n + 12);
	assert_int_equal(
	    lw_mic_join_accept_11(v->c, mkey, type, je, dn, msg, n + 1, mic),
	    LW_OK);
	expect(v, "mic", mic, 4);
	memcpy(msg + 1 + n, mic, 4);
	phy[0] = 0x20;
	assert_int_equal(
	    lw_join_accept_encrypt(v->c, ekey, msg + 1, n + 4, phy + 1), LW_OK);
	expect(v, "phy_payload_encrypted", phy, n + 5);
}

/* k_session_keys_1_0 - NwkSKey/AppSKey, and the relay key if given */
static void
k_session_keys_1_0(struct vec *v)
{
	uint8_t key[16], nwk[16], app[16], blk[16], out[16], one[16];
	uint64_t jn;

	key16(v, "app_key", key);
	jn = num(v, v->in,
	    tv_field(v->in, "join_nonce") != NULL ? "join_nonce" : "app_nonce");
	assert_int_equal(lw_derive_keys_10(v->c, key, (uint32_t)jn,
			     (uint32_t)num(v, v->in, "net_id"),
			     (uint16_t)num(v, v->in, "dev_nonce"), nwk, app),
	    LW_OK);
	expect(v, "nwk_s_key", nwk, 16);
	expect(v, "app_s_key", app, 16);
	put_le(out, jn, 3);
	expect_in(v, "join_nonce_le", out, 3);
	if (tv_field(v->in, "block_nwkskey") != NULL) {
		hexf(v, v->in, "block_nwkskey", blk, 16, 16);
		assert_int_equal(
		    lw_aes_encrypt_block(v->c, key, blk, out), LW_OK);
		same(v, "E(block_nwkskey)", out, nwk, 16);
	}
	if (tv_field(v->exp, "root_wor_s_key") != NULL) {
		memset(one, 0, sizeof(one));
		one[0] = 0x01;
		assert_int_equal(
		    lw_aes_encrypt_block(v->c, nwk, one, out), LW_OK);
		expect(v, "root_wor_s_key", out, 16);
	}
}

/* k_session_keys_1_1 - the four 1.1 session keys */
static void
k_session_keys_1_1(struct vec *v)
{
	uint8_t nk[16], ak[16], f[16], s[16], e[16], a[16], blk[16], out[16];

	key16(v, "nwk_key", nk);
	key16(v, "app_key", ak);
	assert_int_equal(lw_derive_keys_11(v->c, nk, ak,
			     (uint32_t)num(v, v->in, "join_nonce"),
			     num(v, v->in, "join_eui"),
			     (uint16_t)num(v, v->in, "dev_nonce"), f, s, e, a),
	    LW_OK);
	expect(v, "f_nwk_s_int_key", f, 16);
	expect(v, "s_nwk_s_int_key", s, 16);
	expect(v, "nwk_s_enc_key", e, 16);
	expect(v, "app_s_key", a, 16);
	if (tv_field(v->in, "block_fnwksintkey") != NULL) {
		hexf(v, v->in, "block_fnwksintkey", blk, 16, 16);
		assert_int_equal(
		    lw_aes_encrypt_block(v->c, nk, blk, out), LW_OK);
		same(v, "E(block_fnwksintkey)", out, f, 16);
	}
}

/* k_js_keys - JSIntKey and JSEncKey */
static void
k_js_keys(struct vec *v)
{
	uint8_t nk[16], ik[16], ek[16];

	key16(v, "nwk_key", nk);
	assert_int_equal(
	    lw_derive_js_keys(v->c, nk, num(v, v->in, "dev_eui"), ik, ek),
	    LW_OK);
	expect(v, "js_int_key", ik, 16);
	expect(v, "js_enc_key", ek, 16);
}

/* e2e_join_request - the join-request built from fields, MIC verified */
static void
e2e_join_request(struct vec *v, const uint8_t key[16])
{
	uint8_t msg[19], phy[23], mic[4];

	join_request_build(v, msg);
	hexf(v, v->in, "join_request_phy_payload", phy, 23, 23);
	same(v, "join-request frame", phy, msg, 19);
	assert_int_equal(lw_mic_join_request(v->c, key, msg, 19, mic), LW_OK);
	assert_int_equal(lw_mic_check(phy + 19, mic), LW_OK);
}

/*
 * e2e_js - the Join Server's own path (lorawan/join.h) turns the same
 * join-request into the same join-accept frame and session keys.
 */
static void
e2e_js(struct vec *v, const struct lw_join_device *d, const uint8_t *pt,
    size_t n, const uint8_t *phy, const uint8_t nwk[16], const uint8_t app[16])
{
	struct lw_join_answer_in in;
	struct lw_join_request jr;
	struct lw_join_answer a;
	uint8_t req[23];

	hexf(v, v->in, "join_request_phy_payload", req, 23, 23);
	assert_int_equal(lw_join_request_check(v->c, d, req, 23, &jr), LW_OK);
	in.join_nonce = (uint32_t)num(v, v->in, "join_nonce");
	in.net_id = (uint32_t)num(v, v->in, "net_id");
	in.dev_addr = (uint32_t)num(v, v->in, "dev_addr");
	in.dl_settings = pt[10];
	in.rx_delay = pt[11];
	in.cflist = n == 28 ? pt + 12 : NULL;
	assert_int_equal(lw_join_answer_make(v->c, d, &jr, &in, &a), LW_OK);
	assert_int_equal(a.phy_len, n + 5);
	same(v, "JS join-accept", a.phy, phy, n + 5);
	same(v, "JS network key", a.fnwksint, nwk, 16);
	same(v, "JS AppSKey", a.appskey, app, 16);
	/* A corrupted request MIC is refused before any key is derived. */
	req[22] ^= 1;
	assert_int_equal(
	    lw_join_request_check(v->c, d, req, 23, &jr), LW_ERR_MIC);
}

/* k_e2e_join_1_0 - JoinReq in, keys and sealed join-accept out */
static void
k_e2e_join_1_0(struct vec *v)
{
	uint8_t key[16], nwk[16], app[16], pt[28], mic[4], phy[33];
	size_t n;

	key16(v, "nwk_key", key);
	e2e_join_request(v, key);
	assert_int_equal(
	    lw_derive_keys_10(v->c, key, (uint32_t)num(v, v->in, "join_nonce"),
		(uint32_t)num(v, v->in, "net_id"),
		(uint16_t)num(v, v->in, "dev_nonce"), nwk, app),
	    LW_OK);
	expect(v, "NwkSKey.AESKey", nwk, 16);
	expect(v, "AppSKey.AESKey", app, 16);
	n = ja_build(v, v->in, pt);
	expect(v, "join_accept_plaintext", pt, n);
	ja_seal(v, key, pt, n, mic, phy);
	expect(v, "join_accept_mic", mic, 4);
	expect(v, "join_accept_phy_payload", phy, n + 5);
	{
		const struct lw_join_device d = {false, key, NULL};

		e2e_js(v, &d, pt, n, phy, nwk, app);
	}
}

/* e2e_envelope - a KeyEnvelope: label, wrap under the KEK, unwrap back */
static void
e2e_envelope(struct vec *v, const char *name, const uint8_t key[16],
    const char *label_key, const char *kek_key)
{
	json_t *env = need(v, v->exp, name);
	uint8_t kek[16], want[24], wrapped[24], back[16], plain[16];
	size_t n;

	assert_string_equal(json_string_value(need(v, env, "KEKLabel")),
	    json_string_value(need(v, v->in, label_key)));
	hexf(v, v->in, kek_key, kek, 16, 16);
	hexf(v, env, "plain", plain, 16, 16);
	same(v, name, key, plain, 16);
	assert_int_equal(lw_key_wrap(kek, 16, key, 16, wrapped, &n), LW_OK);
	assert_int_equal(n, 24);
	hexf(v, env, "AESKey", want, 24, 24);
	same(v, name, wrapped, want, 24);
	assert_int_equal(lw_key_unwrap(kek, 16, want, 24, back, &n), LW_OK);
	assert_int_equal(n, 16);
	same(v, name, back, key, 16);
	mark(v, name);
}

/* k_e2e_join_1_1 - OptNeg join: JS keys, 1.1 MIC, wrapped session keys */
static void
k_e2e_join_1_1(struct vec *v)
{
	uint8_t nk[16], ak[16], ik[16], ek[16], f[16], s[16], e[16], a[16];
	uint8_t pt[28], msg[33], mic[4], phy[33];
	uint64_t je = num(v, v->in, "join_eui");
	uint16_t dn = (uint16_t)num(v, v->in, "dev_nonce");
	size_t n;

	key16(v, "nwk_key", nk);
	key16(v, "app_key", ak);
	e2e_join_request(v, nk);
	assert_int_equal(
	    lw_derive_js_keys(v->c, nk, num(v, v->in, "dev_eui"), ik, ek),
	    LW_OK);
	expect(v, "js_int_key", ik, 16);
	assert_int_equal(
	    lw_derive_keys_11(v->c, nk, ak,
		(uint32_t)num(v, v->in, "join_nonce"), je, dn, f, s, e, a),
	    LW_OK);
	n = ja_build(v, v->in, pt);
	assert_true(pt[10] & 0x80); /* DLSettings.OptNeg */
	expect(v, "join_accept_plaintext", pt, n);
	msg[0] = 0x20;
	memcpy(msg + 1, pt, n);
	assert_int_equal(lw_mic_join_accept_11(v->c, ik, LW_JOIN_REQ_TYPE_JOIN,
			     je, dn, msg, n + 1, mic),
	    LW_OK);
	expect(v, "join_accept_mic", mic, 4);
	memcpy(msg + 1 + n, mic, 4);
	phy[0] = 0x20;
	assert_int_equal(
	    lw_join_accept_encrypt(v->c, nk, msg + 1, n + 4, phy + 1), LW_OK);
	expect(v, "join_accept_phy_payload", phy, n + 5);
	{
		const struct lw_join_device d = {true, ak, nk};

		e2e_js(v, &d, pt, n, phy, f, a);
	}
	e2e_envelope(v, "FNwkSIntKey", f, "ns_kek_label", "ns_kek");
	e2e_envelope(v, "SNwkSIntKey", s, "ns_kek_label", "ns_kek");
	e2e_envelope(v, "NwkSEncKey", e, "ns_kek_label", "ns_kek");
	e2e_envelope(v, "AppSKey", a, "as_kek_label", "as_kek");
}

/*
 * data_build - MHDR | DevAddr | FCtrl | FCnt | FOpts | FPort | FRMPayload
 * from the inputs.  The MType is not among the inputs, so MHDR is taken
 * from the expected frame's first byte; everything else is built.
 */
static size_t
data_build(struct vec *v, int downlink, const uint8_t *fopts, size_t fl,
    const uint8_t frm_key[16], uint8_t *msg)
{
	uint8_t pl[64], enc[64], mhdr;
	uint32_t addr = (uint32_t)num(v, v->in, "dev_addr");
	uint32_t fcnt;
	size_t pn = 0, n = 0;

	hexf(v, v->exp, "phy_payload", pl, sizeof(pl), 0);
	mhdr = pl[0];
	fcnt = (uint32_t)num(v, v->in,
	    tv_field(v->in, "f_cnt") != NULL              ? "f_cnt"
		: tv_field(v->in, "n_f_cnt_down") != NULL ? "n_f_cnt_down"
							  : "a_f_cnt_down");
	msg[n++] = mhdr;
	n += put_le(msg + n, addr, 4);
	msg[n++] = (uint8_t)((tv_field(v->in, "f_ctrl") != NULL
				     ? num(v, v->in, "f_ctrl")
				     : 0) |
	    fl);
	n += put_le(msg + n, fcnt, 2);
	memcpy(msg + n, fopts, fl);
	n += fl;
	if (tv_field(v->in, "f_port") == NULL)
		return n;
	msg[n++] = (uint8_t)num(v, v->in, "f_port");
	pn = hexf(v, v->in, "frm_payload_plain", pl, sizeof(pl), 0);
	assert_int_equal(
	    lw_frm_crypt(v->c, frm_key, downlink, addr, fcnt, pl, pn, enc),
	    LW_OK);
	expect(v, "frm_payload_encrypted", enc, pn);
	/* decrypting in place gives the plaintext back */
	assert_int_equal(
	    lw_frm_crypt(v->c, frm_key, downlink, addr, fcnt, enc, pn, enc),
	    LW_OK);
	same(v, "frm round trip", enc, pl, pn);
	assert_int_equal(
	    lw_frm_crypt(v->c, frm_key, downlink, addr, fcnt, pl, pn, msg + n),
	    LW_OK);
	return n + pn;
}

/* data_given - a given whole frame: check its DevAddr and FCnt fields */
static size_t
data_given(struct vec *v, uint8_t *phy, size_t max)
{
	uint8_t b[6];
	size_t n = hexf(v, v->in, "phy_payload", phy, max, 0);

	assert_true(n >= 12);
	put_le(b, num(v, v->in, "dev_addr"), 4);
	put_le(b + 4, num(v, v->in, "f_cnt"), 2);
	same(v, "DevAddr", phy + 1, b, 4);
	same(v, "FCnt", phy + 6, b + 4, 2);
	return n;
}

/* k_data_uplink_1_0 - uplink MIC, frame given or built from fields */
static void
k_data_uplink_1_0(struct vec *v)
{
	uint8_t nk[16], ak[16], fo[15], msg[128], mic[4];
	uint32_t addr = (uint32_t)num(v, v->in, "dev_addr");
	uint32_t fcnt = (uint32_t)num(v, v->in, "f_cnt");
	size_t n, fl = 0;

	key16(v, "nwk_s_key", nk);
	if (tv_field(v->in, "phy_payload") != NULL) {
		n = data_given(v, msg, sizeof(msg)) - 4;
		assert_int_equal(
		    lw_mic_uplink_10(v->c, nk, addr, fcnt, msg, n, mic), LW_OK);
		expect(v, "mic", mic, 4);
		assert_int_equal(lw_mic_check(msg + n, mic), LW_OK);
		return;
	}
	key16(v, "app_s_key", ak);
	if (tv_field(v->in, "f_opts") != NULL)
		fl = hexf(v, v->in, "f_opts", fo, sizeof(fo), 0);
	n = data_build(
	    v, 0, fo, fl, num(v, v->in, "f_port") == 0 ? nk : ak, msg);
	assert_int_equal(
	    lw_mic_uplink_10(v->c, nk, addr, fcnt, msg, n, mic), LW_OK);
	expect(v, "mic", mic, 4);
	memcpy(msg + n, mic, 4);
	expect(v, "phy_payload", msg, n + 4);
}

/* k_data_uplink_1_1 - split MIC, and the cmacF half a 1.0 NS checks */
static void
k_data_uplink_1_1(struct vec *v)
{
	uint8_t fk[16], sk[16], msg[128], mic[4];
	uint32_t addr = (uint32_t)num(v, v->in, "dev_addr");
	uint32_t fcnt = (uint32_t)num(v, v->in, "f_cnt");
	size_t n;

	key16(v, "f_nwk_s_int_key", fk);
	key16(v, "s_nwk_s_int_key", sk);
	n = hexf(v, v->in, "msg", msg, sizeof(msg) - 4, 0);
	assert_int_equal(
	    lw_mic_uplink_11(v->c, fk, sk,
		(uint16_t)num(v, v->in, "conf_f_cnt"),
		(uint8_t)num(v, v->in, "tx_dr"),
		(uint8_t)num(v, v->in, "tx_ch"), addr, fcnt, msg, n, mic),
	    LW_OK);
	expect(v, "mic", mic, 4);
	memcpy(msg + n, mic, 4);
	expect(v, "phy_payload", msg, n + 4);
	if (tv_field(v->exp, "cmacF[0..3]") != NULL) {
		assert_int_equal(
		    lw_mic_uplink_10(v->c, fk, addr, fcnt, msg, n, mic), LW_OK);
		expect(v, "cmacF[0..3]", mic, 4);
	}
}

/* k_data_downlink_1_0 - downlink MIC over a given frame */
static void
k_data_downlink_1_0(struct vec *v)
{
	uint8_t nk[16], msg[128], mic[4];
	size_t n;

	key16(v, "nwk_s_key", nk);
	n = data_given(v, msg, sizeof(msg)) - 4;
	assert_int_equal(
	    lw_mic_downlink(v->c, nk, 0, (uint32_t)num(v, v->in, "dev_addr"),
		(uint32_t)num(v, v->in, "f_cnt"), msg, n, mic),
	    LW_OK);
	expect(v, "mic", mic, 4);
	assert_int_equal(lw_mic_check(msg + n, mic), LW_OK);
}

/* k_fopts_encryption - 1.1 downlink with encrypted FOpts (errata A) */
static void
k_fopts_encryption(struct vec *v)
{
	uint8_t ek[16], sk[16], ak[16], a[16], s[16], fo[15], enc[15];
	uint8_t msg[128], mic[4];
	uint32_t addr = (uint32_t)num(v, v->in, "dev_addr");
	int afcnt = tv_field(v->in, "a_f_cnt_down") != NULL;
	uint32_t fcnt =
	    (uint32_t)num(v, v->in, afcnt ? "a_f_cnt_down" : "n_f_cnt_down");
	size_t fl, n, i;

	key16(v, "nwk_s_enc_key", ek);
	key16(v, "s_nwk_s_int_key", sk);
	fl = hexf(v, v->in, "fopts_plain", fo, sizeof(fo), 0);
	assert_int_equal(
	    lw_fopts_crypt_11(v->c, ek, 1, afcnt, addr, fcnt, fo, fl, enc),
	    LW_OK);
	expect(v, "fopts_encrypted", enc, fl);
	if (tv_field(v->in, "a_block") != NULL) {
		hexf(v, v->in, "a_block", a, 16, 16);
		assert_int_equal(lw_aes_encrypt_block(v->c, ek, a, s), LW_OK);
		for (i = 0; i < fl; i++)
			s[i] ^= fo[i];
		same(v, "E(a_block) ^ fopts", s, enc, fl);
	}
	if (tv_field(v->in, "app_s_key") != NULL)
		key16(v, "app_s_key", ak);
	else
		memset(ak, 0, sizeof(ak));
	n = data_build(v, 1, enc, fl, ak, msg);
	assert_int_equal(
	    lw_mic_downlink(v->c, sk, 0, addr, fcnt, msg, n, mic), LW_OK);
	expect(v, "mic", mic, 4);
	memcpy(msg + n, mic, 4);
	expect(v, "phy_payload", msg, n + 4);
}

/* k_rejoin_mic - rejoin-request MIC over a given frame */
static void
k_rejoin_mic(struct vec *v)
{
	uint8_t key[16], phy[32], mic[4];
	size_t n;

	key16(v, "key", key);
	n = hexf(v, v->in, "phy_payload", phy, sizeof(phy), 0) - 4;
	assert_int_equal(phy[0], 0xc0);
	assert_int_equal(n, phy[1] == 1 ? 20 : 15);
	assert_int_equal(lw_mic_join_request(v->c, key, phy, n, mic), LW_OK);
	expect(v, "mic", mic, 4);
	assert_int_equal(lw_mic_check(phy + n, mic), LW_OK);
}

/* k_aes_key_wrap - RFC 3394 wrap, unwrap back, and a tamper check */
static void
k_aes_key_wrap(struct vec *v)
{
	static const uint8_t a6[8] = {
	    0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};
	uint8_t kek[32], key[32], out[40], back[32];
	size_t kl, n, on, bn;
	const char *ek = tv_field(v->exp, "ciphertext") != NULL
	    ? "ciphertext"
	    : "aes_key_wrapped";

	kl = hexf(v, v->in, "kek", kek, sizeof(kek), 0);
	n = hexf(v, v->in, tv_field(v->in, "key") != NULL ? "key" : "key_data",
	    key, sizeof(key), 0);
	expect_in(v, "iv", a6, 8);
	assert_int_equal(lw_key_wrap(kek, kl, key, n, out, &on), LW_OK);
	assert_int_equal(on, n + 8);
	expect(v, ek, out, on);
	assert_int_equal(lw_key_unwrap(kek, kl, out, on, back, &bn), LW_OK);
	assert_int_equal(bn, n);
	same(v, "unwrap", back, key, n);
	out[on - 1] ^= 0x01;
	assert_int_equal(
	    lw_key_unwrap(kek, kl, out, on, back, &bn), LW_ERR_MIC);
}

static const struct {
	const char *kind;
	void (*check)(struct vec *);
} kinds[] = {
    {"join_request_mic", k_join_request_mic},
    {"join_accept_1_0", k_join_accept_1_0},
    {"join_accept_1_1", k_join_accept_1_1},
    {"session_keys_1_0", k_session_keys_1_0},
    {"session_keys_1_1", k_session_keys_1_1},
    {"js_keys", k_js_keys},
    {"data_uplink_1_0", k_data_uplink_1_0},
    {"data_uplink_1_1", k_data_uplink_1_1},
    {"data_downlink_1_0", k_data_downlink_1_0},
    {"fopts_encryption", k_fopts_encryption},
    {"rejoin_mic", k_rejoin_mic},
    {"aes_key_wrap", k_aes_key_wrap},
    {"e2e_join_1_0", k_e2e_join_1_0},
    {"e2e_join_1_1", k_e2e_join_1_1},
};

/*
 * test_vectors - every vector, and within it every expected field, must
 * be checked: an unknown kind or an unchecked field fails the test.
 */
static void
test_vectors(void **state)
{
	json_t *all = tv_load(), *jv;
	struct vec v;
	size_t i, k, done = 0;
	const char *kind, *key;
	void (*check)(struct vec *);
	json_t *val;

	(void)state;
	assert_true(json_is_array(all));
	v.c = lw_crypto_new();
	assert_non_null(v.c);
	json_array_foreach(all, i, jv)
	{
		v.name = json_string_value(json_object_get(jv, "name"));
		kind = json_string_value(json_object_get(jv, "kind"));
		v.in = json_object_get(jv, "inputs");
		v.exp = json_object_get(jv, "expected");
		assert_non_null(v.name);
		assert_non_null(kind);
		assert_true(json_is_object(v.in) && json_is_object(v.exp));
		v.seen = json_object();
		check = NULL;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strcmp(kinds[k].kind, kind) == 0)
				check = kinds[k].check;
		if (check == NULL)
			fail_msg("%s: unknown kind '%s'", v.name, kind);
		else
			check(&v);
		json_object_foreach(v.exp, key, val)
		{
			if (json_object_get(v.seen, key) == NULL)
				fail_msg("%s: expected '%s' not checked",
				    v.name, key);
		}
		json_decref(v.seen);
		done++;
	}
	assert_int_equal(done, json_array_size(all));
	assert_true(done >= 30); /* the file is not truncated */
	lw_crypto_free(v.c);
	json_decref(all);
}

/* test_cmac_rfc4493 - the CMAC primitive itself (RFC 4493 §4) */
static void
test_cmac_rfc4493(void **state)
{
	static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae,
	    0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
	static const uint8_t m16[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40,
	    0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};
	static const uint8_t t0[16] = {0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37,
	    0x28, 0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46};
	static const uint8_t t16[16] = {0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d,
	    0x41, 0x44, 0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c};
	struct lw_crypto *c = lw_crypto_new();
	uint8_t out[16];

	(void)state;
	assert_non_null(c);
	assert_int_equal(lw_cmac(c, key, NULL, 0, out), LW_OK);
	assert_memory_equal(out, t0, 16);
	/* same key again: the restart path, not a fresh key schedule */
	assert_int_equal(lw_cmac(c, key, m16, 16, out), LW_OK);
	assert_memory_equal(out, t16, 16);
	assert_int_equal(lw_cmac(c, m16, m16, 16, out), LW_OK);
	assert_int_equal(lw_cmac(c, key, m16, 16, out), LW_OK);
	assert_memory_equal(out, t16, 16);
	lw_crypto_free(c);
	lw_crypto_free(NULL);
}

/* test_bit_flips - one flipped bit in key or message breaks the MIC */
static void
test_bit_flips(void **state)
{
	struct lw_crypto *c = lw_crypto_new();
	uint8_t key[16], msg[40], mic[4], mic2[4];
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(0x40 + i);
	assert_int_equal(lw_mic_join_request(c, key, msg, 19, mic), LW_OK);
	for (i = 0; i < 19 * 8; i += 13) {
		msg[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_equal(
		    lw_mic_join_request(c, key, msg, 19, mic2), LW_OK);
		assert_int_equal(lw_mic_check(mic, mic2), LW_ERR_MIC);
		msg[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	key[15] ^= 0x80;
	assert_int_equal(lw_mic_join_request(c, key, msg, 19, mic2), LW_OK);
	assert_int_equal(lw_mic_check(mic, mic2), LW_ERR_MIC);
	key[15] ^= 0x80;
	assert_int_equal(lw_mic_join_request(c, key, msg, 19, mic2), LW_OK);
	assert_int_equal(lw_mic_check(mic, mic2), LW_OK);

	assert_int_equal(
	    lw_mic_uplink_10(c, key, 0x01020304, 7, msg, 30, mic), LW_OK);
	assert_int_equal(
	    lw_mic_uplink_10(c, key, 0x01020304, 7 + 65536, msg, 30, mic2),
	    LW_OK); /* the high 16 bits of FCnt count too */
	assert_int_equal(lw_mic_check(mic, mic2), LW_ERR_MIC);
	msg[29] ^= 1;
	assert_int_equal(
	    lw_mic_uplink_10(c, key, 0x01020304, 7, msg, 30, mic2), LW_OK);
	assert_int_equal(lw_mic_check(mic, mic2), LW_ERR_MIC);
	assert_int_equal(
	    lw_mic_downlink(c, key, 0, 0x01020304, 7, msg, 30, mic2), LW_OK);
	assert_int_equal(lw_mic_check(mic, mic2), LW_ERR_MIC);
	lw_crypto_free(c);
}

/* test_frm_long - multi-chunk keystream matches the block definition */
static void
test_frm_long(void **state)
{
	struct lw_crypto *c = lw_crypto_new();
	uint8_t key[16], a[16], s[16], buf[600], ref[600];
	size_t i, j;

	(void)state;
	assert_non_null(c);
	memset(key, 0x5a, sizeof(key));
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = ref[i] = (uint8_t)i;
	for (i = 0; i < (sizeof(ref) + 15) / 16; i++) {
		memset(a, 0, sizeof(a));
		a[0] = 0x01;
		a[5] = 1;
		put_le(a + 6, 0xdeadbeef, 4);
		put_le(a + 10, 0x00012345, 4);
		a[15] = (uint8_t)(i + 1);
		assert_int_equal(lw_aes_encrypt_block(c, key, a, s), LW_OK);
		for (j = 0; j < 16 && 16 * i + j < sizeof(ref); j++)
			ref[16 * i + j] ^= s[j];
	}
	assert_int_equal(lw_frm_crypt(c, key, 1, 0xdeadbeef, 0x00012345, buf,
			     sizeof(buf), buf),
	    LW_OK);
	assert_memory_equal(buf, ref, sizeof(buf));
	assert_int_equal(lw_frm_crypt(c, key, 1, 0, 0, NULL, 0, NULL), LW_OK);
	lw_crypto_free(c);
}

/* test_envelope_tamper - any change to an envelope or its KEK fails */
static void
test_envelope_tamper(void **state)
{
	uint8_t kek[32], key[16], env[24], bad[24], out[16];
	size_t n, i;

	(void)state;
	memset(kek, 0x11, sizeof(kek));
	memset(key, 0x22, sizeof(key));
	assert_int_equal(lw_key_wrap(kek, 32, key, 16, env, &n), LW_OK);
	for (i = 0; i < 24 * 8; i += 7) {
		memcpy(bad, env, sizeof(bad));
		bad[i / 8] ^= (uint8_t)(1 << (i % 8));
		assert_int_equal(
		    lw_key_unwrap(kek, 32, bad, 24, out, &n), LW_ERR_MIC);
	}
	kek[0] ^= 1;
	assert_int_equal(lw_key_unwrap(kek, 32, env, 24, out, &n), LW_ERR_MIC);
	assert_int_equal(ERR_peek_error(), 0); /* the queue stays clean */
	kek[0] ^= 1;
	assert_int_equal(lw_key_unwrap(kek, 32, env, 24, out, &n), LW_OK);
	assert_memory_equal(out, key, 16);
	/* a 16-byte KEK differs from the 32-byte one sharing its prefix */
	assert_int_equal(lw_key_unwrap(kek, 16, env, 24, out, &n), LW_ERR_MIC);
}

/* test_bad_lengths - wrong lengths and NULLs are refused, not processed */
static void
test_bad_lengths(void **state)
{
	struct lw_crypto *c = lw_crypto_new();
	uint8_t k[16] = {0}, m[300] = {0}, o[300], mic[4];
	size_t n;

	(void)state;
	assert_non_null(c);
	assert_int_equal(lw_mic_join_request(c, k, m, 18, mic), LW_ERR_INVAL);
	assert_int_equal(lw_mic_join_request(c, k, m, 23, mic), LW_ERR_INVAL);
	assert_int_equal(
	    lw_mic_join_request(NULL, k, m, 19, mic), LW_ERR_INVAL);
	assert_int_equal(lw_mic_join_accept_10(c, k, m, 17, mic), LW_ERR_INVAL);
	assert_int_equal(
	    lw_mic_join_accept_11(c, k, 0xff, 0, 0, m, 12, mic), LW_ERR_INVAL);
	assert_int_equal(
	    lw_mic_join_accept_11(c, k, 3, 0, 0, m, 13, mic), LW_ERR_INVAL);
	assert_int_equal(lw_join_accept_encrypt(c, k, m, 17, o), LW_ERR_INVAL);
	assert_int_equal(lw_join_accept_encrypt(c, k, m, 0, o), LW_ERR_INVAL);
	assert_int_equal(lw_join_accept_decrypt(c, k, m, 48, o), LW_ERR_INVAL);
	assert_int_equal(
	    lw_derive_keys_10(c, k, 0x1000000, 0, 0, o, o + 16), LW_ERR_INVAL);
	assert_int_equal(
	    lw_derive_keys_10(c, k, 0, 0x1000000, 0, o, o + 16), LW_ERR_INVAL);
	assert_int_equal(lw_derive_keys_11(c, k, k, 0x1000000, 0, 0, o, o + 16,
			     o + 32, o + 48),
	    LW_ERR_INVAL);
	assert_int_equal(lw_mic_uplink_10(c, k, 0, 0, m, 7, mic), LW_ERR_INVAL);
	assert_int_equal(
	    lw_mic_uplink_10(c, k, 0, 0, m, 256, mic), LW_ERR_INVAL);
	assert_int_equal(lw_mic_uplink_11(c, k, k, 0, 0, 0, 0, 0, m, 256, mic),
	    LW_ERR_INVAL);
	assert_int_equal(
	    lw_mic_downlink(c, k, 0, 0, 0, m, 256, mic), LW_ERR_INVAL);
	assert_int_equal(
	    lw_frm_crypt(c, k, 0, 0, 0, m, 255 * 16 + 1, o), LW_ERR_INVAL);
	assert_int_equal(
	    lw_fopts_crypt_11(c, k, 1, 0, 0, 0, m, 16, o), LW_ERR_INVAL);
	assert_int_equal(
	    lw_fopts_crypt_11(c, k, 0, 1, 0, 0, m, 3, o), LW_ERR_INVAL);
	assert_int_equal(lw_mic_check(NULL, mic), LW_ERR_INVAL);
	assert_int_equal(lw_key_wrap(k, 15, m, 16, o, &n), LW_ERR_INVAL);
	assert_int_equal(lw_key_wrap(k, 16, m, 8, o, &n), LW_ERR_INVAL);
	assert_int_equal(lw_key_wrap(k, 16, m, 20, o, &n), LW_ERR_INVAL);
	assert_int_equal(lw_key_unwrap(k, 16, m, 16, o, &n), LW_ERR_INVAL);
	assert_int_equal(lw_key_unwrap(k, 16, m, 25, o, &n), LW_ERR_INVAL);
	assert_int_equal(lw_key_unwrap(k, 16, m, 24, o, NULL), LW_ERR_INVAL);
	lw_crypto_free(c);
}

/* test_error_names - every code is named; the values never change */
static void
test_error_names(void **state)
{
	int e;

	(void)state;
	assert_int_equal(LW_ERR_TRUNCATED, -1);
	assert_int_equal(LW_ERR_TOO_LONG, -2);
	assert_int_equal(LW_ERR_FIELD, -3);
	assert_int_equal(LW_ERR_MIC, -4);
	assert_int_equal(LW_ERR_CRYPTO, -5);
	assert_int_equal(LW_ERR_INVAL, -6);
	assert_int_equal(LW_ERR_NOMEM, -7);
	for (e = LW_ERR_NOMEM; e <= LW_OK; e++)
		assert_string_not_equal(lw_strerror(e), "unknown error");
	assert_string_equal(lw_strerror(-1000), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_cmac_rfc4493),
	    cmocka_unit_test(test_bit_flips),
	    cmocka_unit_test(test_frm_long),
	    cmocka_unit_test(test_envelope_tamper),
	    cmocka_unit_test(test_bad_lengths),
	    cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
