/*
 * crypto.h - LoRaWAN 1.0.x / 1.1 join and data-frame cryptography
 * (LW102 §4, §6; LW11 §4, §6; FOpts errata 2018) on OpenSSL 3.0 EVP.
 *
 * Conventions:
 * - Keys are 16-byte strings, used as they are (never reversed).
 * - Every multi-byte LoRaWAN field (DevAddr, EUIs, NetID, nonces, FCnt)
 *   is passed as a host integer and serialized little-endian inside,
 *   because every crypto block uses the wire byte order.
 * - A "msg" is the PHYPayload without its MIC; MICs are 4 bytes.
 * - Functions return LW_OK or a negative enum lw_err; LW_ERR_INVAL means
 *   a NULL pointer, a wrong length or an out-of-range field.
 * - A struct lw_crypto holds the fetched algorithms and reusable contexts
 *   so that no call fetches or allocates; it belongs to one thread.
 *   Output buffers may alias inputs only where stated.
 */
#ifndef LIB_LORAWAN_CRYPTO_H
#define LIB_LORAWAN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "lorawan/keywrap.h"
#include "lorawan/lw_err.h"

struct lw_crypto;

/* Join-request types that select the 1.1 join-accept MIC (LW11 §6.2.3). */
#define LW_JOIN_REQ_TYPE_JOIN 0xff
#define LW_JOIN_REQ_TYPE_REJOIN0 0x00
#define LW_JOIN_REQ_TYPE_REJOIN1 0x01
#define LW_JOIN_REQ_TYPE_REJOIN2 0x02

/**
 * Create a crypto context (one per thread).
 * @return a context owned by the caller, free with lw_crypto_free(); NULL
 *   when OpenSSL cannot fetch AES-128 or CMAC or memory is short.
 */
struct lw_crypto *lw_crypto_new(void);

/** Free a context and wipe the keys it caches; NULL is fine. */
void lw_crypto_free(struct lw_crypto *c);

/**
 * The calling thread's own context, made at its first call and freed when
 * the thread ends (crypto_thread.c).
 * @return borrowed, valid for the thread's life; NULL if out of memory.
 */
struct lw_crypto *lw_crypto_thread(void);

/**
 * Full AES-128-CMAC (RFC 4493).
 * @param c: context, borrowed.
 * @param key: borrowed.
 * @param msg: borrowed; may be NULL when len is 0.
 * @param out: the 16-byte tag, caller's buffer.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_cmac(struct lw_crypto *c, const uint8_t key[16], const uint8_t *msg,
    size_t len, uint8_t out[16]);

/**
 * One AES-128 block encryption, E(key, in).
 * @param c, key, in: borrowed.
 * @param out: caller's buffer; may equal in.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_aes_encrypt_block(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t in[16], uint8_t out[16]);

/**
 * MIC of a join-request or rejoin-request: cmac(key, msg)[0..3].
 * @param key: AppKey (1.0) or NwkKey (1.1) for a join-request; JSIntKey
 *   for rejoin type 1; SNwkSIntKey for rejoin types 0 and 2.  Borrowed.
 * @param msg: borrowed; len is 19 (join-request), 15 (rejoin 0/2) or 20
 *   (rejoin 1).
 * @param mic: caller's 4-byte buffer.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_join_request(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *msg, size_t len, uint8_t mic[4]);

/**
 * MIC of a 1.0.x join-accept (also 1.1 with OptNeg = 0).
 * @param key: AppKey (1.0) or NwkKey, borrowed.
 * @param msg: MHDR | JoinNonce .. RxDelay | [CFList] in plaintext,
 *   borrowed; len 13 or 29.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_join_accept_10(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *msg, size_t len, uint8_t mic[4]);

/**
 * MIC of a 1.1 join-accept with OptNeg = 1: cmac(JSIntKey, JoinReqType |
 * JoinEUI | DevNonce | msg)[0..3].
 * @param jsintkey: borrowed.
 * @param join_req_type: one of LW_JOIN_REQ_TYPE_*.
 * @param dev_nonce: DevNonce, or RJcount0/1 for a rejoin answer.
 * @param msg: as for lw_mic_join_accept_10(); borrowed; len 13 or 29.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_join_accept_11(struct lw_crypto *c, const uint8_t jsintkey[16],
    uint8_t join_req_type, uint64_t join_eui, uint16_t dev_nonce,
    const uint8_t *msg, size_t len, uint8_t mic[4]);

/**
 * Encrypt a join-accept on the server side.  The specification uses AES
 * *decrypt* in ECB mode so that the device needs only AES encrypt.
 * @param key: NwkKey/AppKey, or JSEncKey for a rejoin answer; borrowed.
 * @param in: the payload after MHDR including the MIC; len 16 or 32.
 * @param out: caller's buffer of len bytes; may equal in.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_join_accept_encrypt(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *in, size_t len, uint8_t *out);

/**
 * Decrypt a join-accept the way a device does (AES encrypt, ECB).
 * Arguments as for lw_join_accept_encrypt().
 */
int lw_join_accept_decrypt(struct lw_crypto *c, const uint8_t key[16],
    const uint8_t *in, size_t len, uint8_t *out);

/**
 * Session keys for 1.0.x (and 1.1 with OptNeg = 0).
 * @param appkey: the root key (NwkKey for a 1.1 device), borrowed.
 * @param join_nonce, net_id: 24-bit values.
 * @param nwkskey, appskey: caller's buffers (1.1: FNwkSIntKey =
 *   SNwkSIntKey = NwkSEncKey = nwkskey).
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_derive_keys_10(struct lw_crypto *c, const uint8_t appkey[16],
    uint32_t join_nonce, uint32_t net_id, uint16_t dev_nonce,
    uint8_t nwkskey[16], uint8_t appskey[16]);

/**
 * Session keys for 1.1 with OptNeg = 1: network keys from NwkKey, AppSKey
 * from AppKey.
 * @param nwkkey, appkey: borrowed.
 * @param join_nonce: 24-bit value.
 * @param dev_nonce: DevNonce, or RJcount0/1 after a rejoin-request.
 * @param fnwksintkey, snwksintkey, nwksenckey, appskey: caller's buffers.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_derive_keys_11(struct lw_crypto *c, const uint8_t nwkkey[16],
    const uint8_t appkey[16], uint32_t join_nonce, uint64_t join_eui,
    uint16_t dev_nonce, uint8_t fnwksintkey[16], uint8_t snwksintkey[16],
    uint8_t nwksenckey[16], uint8_t appskey[16]);

/**
 * Join-server lifetime keys for 1.1: JSIntKey and JSEncKey.
 * @param nwkkey: borrowed.
 * @param jsintkey, jsenckey: caller's buffers.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_derive_js_keys(struct lw_crypto *c, const uint8_t nwkkey[16],
    uint64_t dev_eui, uint8_t jsintkey[16], uint8_t jsenckey[16]);

/**
 * Uplink MIC, 1.0.x (or a 1.1 device on a 1.0 NS): cmac(NwkSKey, B0 |
 * msg)[0..3].  A 1.1 fNS in passive roaming checks the same value
 * (cmacF) with FNwkSIntKey.
 * @param nwkskey: borrowed.
 * @param fcnt: the full 32-bit FCntUp.
 * @param msg: MHDR .. FRMPayload, borrowed; len 8 to 255.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_uplink_10(struct lw_crypto *c, const uint8_t nwkskey[16],
    uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg, size_t len,
    uint8_t mic[4]);

/**
 * Uplink MIC, 1.1: cmacS[0..1] | cmacF[0..1].
 * @param fnwksintkey, snwksintkey: borrowed.
 * @param conf_fcnt: FCnt mod 2^16 of the acknowledged confirmed downlink,
 *   0 unless the ACK bit is set.
 * @param tx_dr, tx_ch: data rate and channel index of the uplink.
 * @param msg: borrowed; len 8 to 255.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_uplink_11(struct lw_crypto *c, const uint8_t fnwksintkey[16],
    const uint8_t snwksintkey[16], uint16_t conf_fcnt, uint8_t tx_dr,
    uint8_t tx_ch, uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg,
    size_t len, uint8_t mic[4]);

/**
 * Downlink MIC: cmac(key, B0 | msg)[0..3].
 * @param key: NwkSKey (1.0) or SNwkSIntKey (1.1), borrowed.
 * @param conf_fcnt: 1.1 only, FCnt mod 2^16 of the acknowledged confirmed
 *   uplink when ACK is set; 0 for 1.0.
 * @param fcnt: the full 32-bit FCntDown (1.1: NFCntDown or AFCntDown).
 * @param msg: borrowed; len 8 to 255.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_mic_downlink(struct lw_crypto *c, const uint8_t key[16],
    uint16_t conf_fcnt, uint32_t dev_addr, uint32_t fcnt, const uint8_t *msg,
    size_t len, uint8_t mic[4]);

/**
 * Encrypt or decrypt an FRMPayload (the same operation both ways).
 * @param key: NwkSKey/NwkSEncKey when FPort is 0, AppSKey otherwise;
 *   borrowed.
 * @param downlink: 0 for an uplink, 1 for a downlink.
 * @param in: borrowed; len at most 4080 (255 blocks); may be NULL if 0.
 * @param out: caller's buffer of len bytes; may equal in.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_frm_crypt(struct lw_crypto *c, const uint8_t key[16], int downlink,
    uint32_t dev_addr, uint32_t fcnt, const uint8_t *in, size_t len,
    uint8_t *out);

/**
 * Encrypt or decrypt 1.1 FOpts, errata form: A[4] = 1 for FCntUp and
 * NFCntDown, 2 for AFCntDown; A[15] = 1.
 * @param nwksenckey: borrowed.
 * @param afcnt_down: nonzero when fcnt is an AFCntDown (downlink only).
 * @param in: borrowed; len at most 15; may be NULL if 0.
 * @param out: caller's buffer of len bytes; may equal in.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_fopts_crypt_11(struct lw_crypto *c, const uint8_t nwksenckey[16],
    int downlink, int afcnt_down, uint32_t dev_addr, uint32_t fcnt,
    const uint8_t *in, size_t len, uint8_t *out);

/**
 * Compare two MICs in constant time.
 * @return LW_OK when equal, LW_ERR_MIC otherwise, LW_ERR_INVAL for NULL.
 */
int lw_mic_check(const uint8_t a[4], const uint8_t b[4]);

#endif /* LIB_LORAWAN_CRYPTO_H */
