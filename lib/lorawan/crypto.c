/*
 * crypto.c - LoRaWAN join and data-frame cryptography on OpenSSL 3.0 EVP.
 *
 * Every operation is AES-128 (ECB, one block at a time or a few blocks at
 * once) or AES-128-CMAC.  Fetching an algorithm or creating a context
 * costs far more than the AES work itself, so struct lw_crypto fetches
 * once and keeps one context per primitive; each context also remembers
 * its last key, because a join uses the same root key for consecutive
 * steps and a key schedule we skip is time saved.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lorawan/crypto.h"

/* One EVP_CIPHER_CTX keyed for one direction, with its current key. */
struct lw_ecb {
	EVP_CIPHER_CTX *ctx;
	uint8_t key[16];
	int keyed;
	int enc;
};

struct lw_crypto {
	EVP_CIPHER *aes; /* AES-128-ECB */
	EVP_MAC *cmac;
	struct lw_ecb enc; /* AES encrypt */
	struct lw_ecb dec; /* AES decrypt: only the join-accept uses it */
	EVP_MAC_CTX *mac;
	uint8_t mac_key[16];
	int mac_keyed;
};

#define LW_MSG_MAX 255 /* B0 holds len(msg) in one byte */
#define LW_DATA_MIN 8  /* MHDR | DevAddr | FCtrl | FCnt */
#define LW_FRM_MAX (255 * 16)
#define LW_FOPTS_MAX 15

/* put_le - serialize the low n bytes of v little-endian (wire order) */
static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ecb_init - create a context bound to AES-128-ECB for one direction */
static int
ecb_init(struct lw_ecb *e, const EVP_CIPHER *aes, int enc)
{
	e->ctx = EVP_CIPHER_CTX_new();
	if (e->ctx == NULL)
		return -1;
	e->enc = enc;
	e->keyed = 0;
	if (EVP_CipherInit_ex2(e->ctx, aes, NULL, NULL, enc, NULL) != 1)
		return -1;
	/* LoRaWAN input is always whole blocks; never add or strip any. */
	if (EVP_CIPHER_CTX_set_padding(e->ctx, 0) != 1)
		return -1;
	return 0;
}

/* ecb_free - release a direction context and wipe its cached key */
static void
ecb_free(struct lw_ecb *e)
{
	EVP_CIPHER_CTX_free(e->ctx);
	OPENSSL_cleanse(e->key, sizeof(e->key));
	e->keyed = 0;
}

/*
 * ecb_run - AES-ECB over whole blocks.  A NULL cipher to EVP_CipherInit_ex2
 * keeps the provider context (and its no-padding setting) and only
 * schedules the new key; the key is compared in constant time so that the
 * cache tells nothing about key equality.
 */
static int
ecb_run(struct lw_ecb *e, const uint8_t key[16], const uint8_t *in, size_t len,
    uint8_t *out)
{
	int outl = 0;

	if (!e->keyed || CRYPTO_memcmp(e->key, key, 16) != 0) {
		e->keyed = 0;
		if (EVP_CipherInit_ex2(e->ctx, NULL, key, NULL, e->enc, NULL) !=
		    1)
			return LW_ERR_CRYPTO;
		memcpy(e->key, key, 16);
		e->keyed = 1;
	}
	if (EVP_CipherUpdate(e->ctx, out, &outl, in, (int)len) != 1 ||
	    outl != (int)len)
		return LW_ERR_CRYPTO;
	return LW_OK;
}

/* lw_crypto_new - fetch AES-128-ECB and CMAC once for the context's life */
struct lw_crypto *
lw_crypto_new(void)
{
	struct lw_crypto *c;
	OSSL_PARAM params[2];
	char cbc[] = "AES-128-CBC";

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->aes = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	if (c->aes == NULL || c->cmac == NULL)
		goto fail;
	if (ecb_init(&c->enc, c->aes, 1) != 0 ||
	    ecb_init(&c->dec, c->aes, 0) != 0)
		goto fail;
	c->mac = EVP_MAC_CTX_new(c->cmac);
	if (c->mac == NULL)
		goto fail;
	/* The cipher is set once here; each init then passes only a key. */
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cbc, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(c->mac, params) != 1)
		goto fail;
	return c;
fail:
	lw_crypto_free(c);
	return NULL;
}

/* lw_crypto_free - release everything and wipe cached keys */
void
lw_crypto_free(struct lw_crypto *c)
{
	if (c == NULL)
		return;
	ecb_free(&c->enc);
	ecb_free(&c->dec);
	EVP_MAC_CTX_free(c->mac);
	EVP_MAC_free(c->cmac);
	EVP_CIPHER_free(c->aes);
	OPENSSL_clear_free(c, sizeof(*c));
}

/*
 * cmac_parts - CMAC over pre | msg without copying them together.  With
 * the same key as last time, EVP_MAC_init(NULL key) only restarts the
 * CMAC state and skips the key schedule and subkey derivation.
 */
static int
cmac_parts(struct lw_crypto *c, const uint8_t key[16], const uint8_t *pre,
    size_t prelen, const uint8_t *msg, size_t len, uint8_t out[16])
{
	size_t outl = 0;
	int r;

	if (c->mac_keyed && CRYPTO_memcmp(c->mac_key, key, 16) == 0)
		r = EVP_MAC_init(c->mac, NULL, 0, NULL);
	else {
		c->mac_keyed = 0;
		r = EVP_MAC_init(c->mac, key, 16, NULL);
		if (r == 1) {
			memcpy(c->mac_key, key, 16);
			c->mac_keyed = 1;
		}
	}
	if (r != 1)
		return LW_ERR_CRYPTO;
	if (prelen > 0 && EVP_MAC_update(c->mac, pre, prelen) != 1)
		return LW_ERR_CRYPTO;
	if (len > 0 && EVP_MAC_update(c->mac, msg, len) != 1)
		return LW_ERR_CRYPTO;
	if (EVP_MAC_final(c->mac, out, &outl, 16) != 1 || outl != 16)
		return LW_ERR_CRYPTO;
	return LW_OK;
}

/* cmac_mic - the 4-byte MIC, cmac(key, pre | msg)[0..3] */
static int
cmac_mic(struct lw_crypto *c, const uint8_t key[16], const uint8_t *pre,
    size_t prelen, const uint8_t *msg, size_t len, uint8_t mic[4])
{
	uint8_t tag[16];
	int r;

	r = cmac_parts(c, key, pre, prelen, msg, len, tag);
	if (r == LW_OK)
		memcpy(mic, tag, 4);
	return r;
}

/* lw_cmac - full 16-byte AES-128-CMAC */
int
lw_cmac(struct lw_crypto *c, const uint8_t key[16], const uint8_t *msg,
    size_t len, uint8_t out[16])
{
	if (c == NULL || key == NULL || out == NULL || (msg == NULL && len > 0))
		return LW_ERR_INVAL;
	return cmac_parts(c, key, NULL, 0, msg, len, out);
}

/* lw_aes_encrypt_block - one AES-128 block, E(key, in) */
int
lw_aes_encrypt_block(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t in[16], uint8_t out[16])
{
	if (c == NULL || key == NULL || in == NULL || out == NULL)
		return LW_ERR_INVAL;
	return ecb_run(&c->enc, key, in, 16, out);
}

/* lw_mic_join_request - MIC of a join-request or a rejoin-request */
int
lw_mic_join_request(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *msg, size_t len, uint8_t mic[4])
{
	if (c == NULL || key == NULL || msg == NULL || mic == NULL)
		return LW_ERR_INVAL;
	/* join-request 19, rejoin type 0/2 15, rejoin type 1 20 */
	if (len != 19 && len != 15 && len != 20)
		return LW_ERR_INVAL;
	return cmac_mic(c, key, NULL, 0, msg, len, mic);
}

/* lw_mic_join_accept_10 - MIC of a 1.0.x (or OptNeg = 0) join-accept */
int
lw_mic_join_accept_10(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *msg, size_t len, uint8_t mic[4])
{
	if (c == NULL || key == NULL || msg == NULL || mic == NULL)
		return LW_ERR_INVAL;
	if (len != 13 && len != 29)
		return LW_ERR_INVAL;
	return cmac_mic(c, key, NULL, 0, msg, len, mic);
}

/* lw_mic_join_accept_11 - MIC of a 1.1 join-accept with OptNeg = 1 */
int
lw_mic_join_accept_11(struct lw_crypto *c, const uint8_t jsintkey[16],
    uint8_t join_req_type, uint64_t join_eui, uint16_t dev_nonce,
    const uint8_t *msg, size_t len, uint8_t mic[4])
{
	uint8_t pre[11];

	if (c == NULL || jsintkey == NULL || msg == NULL || mic == NULL)
		return LW_ERR_INVAL;
	if (len != 13 && len != 29)
		return LW_ERR_INVAL;
	if (join_req_type != LW_JOIN_REQ_TYPE_JOIN &&
	    join_req_type > LW_JOIN_REQ_TYPE_REJOIN2)
		return LW_ERR_INVAL;
	pre[0] = join_req_type;
	put_le(pre + 1, join_eui, 8);
	put_le(pre + 9, dev_nonce, 2);
	return cmac_mic(c, jsintkey, pre, sizeof(pre), msg, len, mic);
}

/* lw_join_accept_encrypt - server side: AES decrypt, as LW102 §6.2.5 says */
int
lw_join_accept_encrypt(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *in, size_t len, uint8_t *out)
{
	if (c == NULL || key == NULL || in == NULL || out == NULL)
		return LW_ERR_INVAL;
	if (len != 16 && len != 32)
		return LW_ERR_INVAL;
	return ecb_run(&c->dec, key, in, len, out);
}

/* lw_join_accept_decrypt - device side: AES encrypt */
int
lw_join_accept_decrypt(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *in, size_t len, uint8_t *out)
{
	if (c == NULL || key == NULL || in == NULL || out == NULL)
		return LW_ERR_INVAL;
	if (len != 16 && len != 32)
		return LW_ERR_INVAL;
	return ecb_run(&c->enc, key, in, len, out);
}

/*
 * derive_blocks - encrypt n key-derivation blocks in one call and hand
 * them out; the scratch copy is wiped because it holds session keys.
 */
static int
derive_blocks(struct lw_crypto *c, const uint8_t key[16], const uint8_t *blk,
    size_t n, uint8_t *const outs[])
{
	uint8_t tmp[4 * 16];
	size_t i;
	int r;

	r = ecb_run(&c->enc, key, blk, n * 16, tmp);
	if (r == LW_OK)
		for (i = 0; i < n; i++)
			memcpy(outs[i], tmp + 16 * i, 16);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return r;
}

/* lw_derive_keys_10 - NwkSKey and AppSKey (LW102 §6.2.5) */
int
lw_derive_keys_10(struct lw_crypto *c, const uint8_t appkey[16],
    uint32_t join_nonce, uint32_t net_id, uint16_t dev_nonce,
    uint8_t nwkskey[16], uint8_t appskey[16])
{
	uint8_t blk[32];
	uint8_t *outs[2];

	if (c == NULL || appkey == NULL || nwkskey == NULL || appskey == NULL)
		return LW_ERR_INVAL;
	if (join_nonce > 0xffffff || net_id > 0xffffff)
		return LW_ERR_INVAL;
	memset(blk, 0, sizeof(blk));
	put_le(blk + 1, join_nonce, 3);
	put_le(blk + 4, net_id, 3);
	put_le(blk + 7, dev_nonce, 2);
	memcpy(blk + 16, blk, 16);
	blk[0] = 0x01;
	blk[16] = 0x02;
	outs[0] = nwkskey;
	outs[1] = appskey;
	return derive_blocks(c, appkey, blk, 2, outs);
}

/* lw_derive_keys_11 - 1.1 session keys with OptNeg (LW11 §6.2.3) */
int
lw_derive_keys_11(struct lw_crypto *c, const uint8_t nwkkey[16],
    const uint8_t appkey[16], uint32_t join_nonce, uint64_t join_eui,
    uint16_t dev_nonce, uint8_t fnwksintkey[16], uint8_t snwksintkey[16],
    uint8_t nwksenckey[16], uint8_t appskey[16])
{
	static const uint8_t nwk_types[3] = {0x01, 0x03, 0x04};
	uint8_t tail[16], blk[48];
	uint8_t *outs[3];
	size_t i;
	int r;

	if (c == NULL || nwkkey == NULL || appkey == NULL ||
	    fnwksintkey == NULL || snwksintkey == NULL || nwksenckey == NULL ||
	    appskey == NULL)
		return LW_ERR_INVAL;
	if (join_nonce > 0xffffff)
		return LW_ERR_INVAL;
	memset(tail, 0, sizeof(tail));
	put_le(tail + 1, join_nonce, 3);
	put_le(tail + 4, join_eui, 8);
	put_le(tail + 12, dev_nonce, 2);
	for (i = 0; i < 3; i++) {
		memcpy(blk + 16 * i, tail, 16);
		blk[16 * i] = nwk_types[i];
	}
	outs[0] = fnwksintkey;
	outs[1] = snwksintkey;
	outs[2] = nwksenckey;
	r = derive_blocks(c, nwkkey, blk, 3, outs);
	if (r != LW_OK)
		return r;
	tail[0] = 0x02;
	outs[0] = appskey;
	return derive_blocks(c, appkey, tail, 1, outs);
}

/* lw_derive_js_keys - JSIntKey (0x06) and JSEncKey (0x05) (LW11 §6.1.1.4) */
int
lw_derive_js_keys(struct lw_crypto *c, const uint8_t nwkkey[16],
    uint64_t dev_eui, uint8_t jsintkey[16], uint8_t jsenckey[16])
{
	uint8_t blk[32];
	uint8_t *outs[2];

	if (c == NULL || nwkkey == NULL || jsintkey == NULL || jsenckey == NULL)
		return LW_ERR_INVAL;
	memset(blk, 0, sizeof(blk));
	blk[0] = 0x06;
	put_le(blk + 1, dev_eui, 8);
	blk[16] = 0x05;
	put_le(blk + 17, dev_eui, 8);
	outs[0] = jsintkey;
	outs[1] = jsenckey;
	return derive_blocks(c, nwkkey, blk, 2, outs);
}

/* b0_build - the B0/B1 block that prefixes a data-frame MIC (LW11 §4.4) */
static void
b0_build(uint8_t b[16], uint16_t conf_fcnt, uint8_t tx_dr, uint8_t tx_ch,
    int downlink, uint32_t dev_addr, uint32_t fcnt, size_t len)
{
	b[0] = 0x49;
	put_le(b + 1, conf_fcnt, 2);
	b[3] = tx_dr;
	b[4] = tx_ch;
	b[5] = downlink ? 1 : 0;
	put_le(b + 6, dev_addr, 4);
	put_le(b + 10, fcnt, 4);
	b[14] = 0;
	b[15] = (uint8_t)len;
}

/* data_args_ok - the checks every data-frame MIC shares */
static int
data_args_ok(const struct lw_crypto *c, const uint8_t *key, const uint8_t *msg,
    size_t len, const uint8_t *mic)
{
	return c != NULL && key != NULL && msg != NULL && mic != NULL &&
	    len >= LW_DATA_MIN && len <= LW_MSG_MAX;
}

/* lw_mic_uplink_10 - 1.0 uplink MIC, also the cmacF a 1.1 fNS checks */
int
lw_mic_uplink_10(struct lw_crypto *c, const uint8_t nwkskey[16],
    uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg, size_t len,
    uint8_t mic[4])
{
	uint8_t b0[16];

	if (!data_args_ok(c, nwkskey, msg, len, mic))
		return LW_ERR_INVAL;
	b0_build(b0, 0, 0, 0, 0, dev_addr, fcnt, len);
	return cmac_mic(c, nwkskey, b0, 16, msg, len, mic);
}

/* lw_mic_uplink_11 - 1.1 uplink MIC, cmacS[0..1] | cmacF[0..1] */
int
lw_mic_uplink_11(struct lw_crypto *c, const uint8_t fnwksintkey[16],
    const uint8_t snwksintkey[16], uint16_t conf_fcnt, uint8_t tx_dr,
    uint8_t tx_ch, uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg,
    size_t len, uint8_t mic[4])
{
	uint8_t b[16], f[4], s[4];
	int r;

	if (!data_args_ok(c, fnwksintkey, msg, len, mic) || snwksintkey == NULL)
		return LW_ERR_INVAL;
	b0_build(b, 0, 0, 0, 0, dev_addr, fcnt, len);
	r = cmac_mic(c, fnwksintkey, b, 16, msg, len, f);
	if (r != LW_OK)
		return r;
	b0_build(b, conf_fcnt, tx_dr, tx_ch, 0, dev_addr, fcnt, len);
	r = cmac_mic(c, snwksintkey, b, 16, msg, len, s);
	if (r != LW_OK)
		return r;
	mic[0] = s[0];
	mic[1] = s[1];
	mic[2] = f[0];
	mic[3] = f[1];
	return LW_OK;
}

/* lw_mic_downlink - downlink MIC, 1.0 (conf_fcnt 0) and 1.1 */
int
lw_mic_downlink(struct lw_crypto *c, const uint8_t key[16], uint16_t conf_fcnt,
    uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg, size_t len,
    uint8_t mic[4])
{
	uint8_t b0[16];

	if (!data_args_ok(c, key, msg, len, mic))
		return LW_ERR_INVAL;
	b0_build(b0, conf_fcnt, 0, 0, 1, dev_addr, fcnt, len);
	return cmac_mic(c, key, b0, 16, msg, len, mic);
}

/* a_build - the A_i block of the CTR-like payload encryption */
static void
a_build(uint8_t a[16], uint8_t a4, int downlink, uint32_t dev_addr,
    uint32_t fcnt, uint8_t i)
{
	a[0] = 0x01;
	a[1] = a[2] = a[3] = 0;
	a[4] = a4;
	a[5] = downlink ? 1 : 0;
	put_le(a + 6, dev_addr, 4);
	put_le(a + 10, fcnt, 4);
	a[14] = 0;
	a[15] = i;
}

/*
 * lw_frm_crypt - FRMPayload encryption (LW102 §4.3.3): the keystream
 * S_i = E(K, A_i), i = 1..k, is built 16 blocks per EVP call so that a
 * long payload costs few calls.
 */
int
lw_frm_crypt(struct lw_crypto *c, const uint8_t key[16], int downlink,
    uint32_t dev_addr, uint32_t fcnt, const uint8_t *in, size_t len,
    uint8_t *out)
{
	uint8_t a[16 * 16], s[16 * 16];
	size_t off, n, j, blocks;
	unsigned int i = 1;
	int r;

	if (c == NULL || key == NULL || len > LW_FRM_MAX ||
	    (len > 0 && (in == NULL || out == NULL)))
		return LW_ERR_INVAL;
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(s) ? len - off : sizeof(s);
		blocks = (n + 15) / 16;
		for (j = 0; j < blocks; j++, i++)
			a_build(a + 16 * j, 0, downlink, dev_addr, fcnt,
			    (uint8_t)i);
		r = ecb_run(&c->enc, key, a, blocks * 16, s);
		if (r != LW_OK)
			return r;
		for (j = 0; j < n; j++)
			out[off + j] = in[off + j] ^ s[j];
	}
	OPENSSL_cleanse(s, sizeof(s));
	return LW_OK;
}

/* lw_fopts_crypt_11 - FOpts encryption, 2018 errata form */
int
lw_fopts_crypt_11(struct lw_crypto *c, const uint8_t nwksenckey[16],
    int downlink, int afcnt_down, uint32_t dev_addr, uint32_t fcnt,
    const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t a[16], s[16];
	size_t j;
	int r;

	if (c == NULL || nwksenckey == NULL || len > LW_FOPTS_MAX ||
	    (len > 0 && (in == NULL || out == NULL)))
		return LW_ERR_INVAL;
	/* AFCntDown exists only downlink; an uplink flag is a caller bug. */
	if (afcnt_down && !downlink)
		return LW_ERR_INVAL;
	if (len == 0)
		return LW_OK;
	a_build(a, afcnt_down ? 0x02 : 0x01, downlink, dev_addr, fcnt, 0x01);
	r = ecb_run(&c->enc, nwksenckey, a, 16, s);
	if (r != LW_OK)
		return r;
	for (j = 0; j < len; j++)
		out[j] = in[j] ^ s[j];
	OPENSSL_cleanse(s, sizeof(s));
	return LW_OK;
}

/* lw_mic_check - constant time, so a forger learns nothing from timing */
int
lw_mic_check(const uint8_t a[4], const uint8_t b[4])
{
	if (a == NULL || b == NULL)
		return LW_ERR_INVAL;
	return CRYPTO_memcmp(a, b, 4) == 0 ? LW_OK : LW_ERR_MIC;
}
