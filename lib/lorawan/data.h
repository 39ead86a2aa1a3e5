/*
 * data.h - LoRaWAN data frames on top of the codec (phy.h) and the
 * primitives (crypto.h): the Network Server's uplink check and downlink
 * build, the payload decryption every side needs, and the device's half
 * (uplink build, downlink check) for the simulator (lorawan-backend.md
 * §2.7; LW102 §4; LW11 §4).
 *
 * Frame counters:
 * - A frame carries the low 16 bits; the receiver rebuilds the 32-bit
 *   value from the last one it accepted (lw_fcnt_expand()).  With no
 *   accepted frame yet (right after a join) the high bits are 0.
 * - LoRaWAN 1.0.x refuses a counter that skips LW_MAX_FCNT_GAP or more
 *   frames; 1.1 removed that rule.
 * - A counter not above the last accepted one is refused (replay), also
 *   an NbTrans repeat of the last frame: the caller deduplicates repeats
 *   before, or treats LW_ERR_REPLAY with *fcnt == last as one.
 * - LW_ERR_REPLAY and LW_ERR_FCNT_GAP are only returned for a frame whose
 *   MIC verified, so they never hide a forgery: a frame that verifies
 *   under no counter is LW_ERR_MIC.  To tell an old frame sent again from
 *   a forgery, a failed MIC is tried once more with the most recent
 *   counter below the last accepted one that has the same low 16 bits (in
 *   1.1 with the cmacF half only, as TxDr/TxCh of the old frame are
 *   unknown: a forgery is then misnamed a replay with odds 2^-16; both
 *   are refusals).
 * - 1.1 downlinks use two counters: NFCntDown when FPort is 0 or absent,
 *   AFCntDown when FPort > 0.  The builder takes the one to use; the
 *   device-side check picks it from the frame.
 * - 16-bit-only 1.0 counters (B0 high bytes zero past 65535) are not
 *   supported: the 32-bit counter is always used.
 *
 * Keys: struct lw_nwk_skeys is what a Network Server holds.  In 1.0.x
 * only fnwksint is read and holds NwkSKey (struct lw_join_answer sets all
 * three network keys to NwkSKey, so copying them all is also fine).
 * AppSKey is passed separately, because the NS of a split NS/AS does not
 * have it; the device holds all of them (struct lw_dev_skeys).
 *
 * Every function returns LW_OK or a negative enum lw_err (lw_err.h); none
 * prints, allocates or keeps a pointer it was given.
 */
#ifndef LIB_LORAWAN_DATA_H
#define LIB_LORAWAN_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorawan/crypto.h"
#include "lorawan/lw_err.h"
#include "lorawan/phy.h"

#define LW_MAX_FCNT_GAP 16384 /* LW102 §4.3.1.5; not in 1.1 */

/* The network session keys (what a Network Server holds). */
struct lw_nwk_skeys {
	bool v11;             /* the session runs LoRaWAN 1.1 */
	uint8_t fnwksint[16]; /* FNwkSIntKey; 1.0.x: NwkSKey */
	uint8_t snwksint[16]; /* SNwkSIntKey; 1.1 only */
	uint8_t nwksenc[16];  /* NwkSEncKey; 1.1 only */
};

/* Every session key, as the device holds them. */
struct lw_dev_skeys {
	struct lw_nwk_skeys nwk;
	uint8_t appskey[16];
};

/* What the uplink check needs besides the keys. */
struct lw_uplink_in {
	const uint8_t *phy;       /* the PHYPayload as received; borrowed */
	size_t len;               /* its length, MIC included */
	const struct lw_frame *f; /* lw_phy_decode() of phy; borrowed */
	bool has_last;            /* false until an uplink was accepted */
	uint32_t last_fcnt;       /* the last accepted 32-bit FCntUp */
	/* 1.1 B1 block; ignored for 1.0.x.  conf_fcnt is the FCnt mod 2^16
	 * of the last confirmed downlink; it is used only when the frame has
	 * ACK set (0 otherwise), so the caller may always pass it. */
	uint16_t conf_fcnt;
	uint8_t tx_dr; /* data rate index of this uplink */
	uint8_t tx_ch; /* channel index of this uplink */
};

/*
 * A data frame to build, in plaintext.  Fields marked "up" are ignored by
 * the downlink builder and those marked "down" by the uplink builder.
 */
struct lw_data_out {
	uint32_t dev_addr;
	/*
	 * The 32-bit counter of this frame.  Uplink: FCntUp.  Downlink 1.0.x:
	 * FCntDown.  Downlink 1.1: NFCntDown when has_fport is false or fport
	 * is 0, AFCntDown when fport > 0 (the caller picks and increments).
	 */
	uint32_t fcnt;
	bool confirmed; /* Confirmed{Up,Down}, else Unconfirmed */
	bool adr;
	bool ack;
	bool adr_ack_req; /* up */
	bool class_b;     /* up */
	bool fpending;    /* down */
	/* MAC commands for FOpts, in plaintext (encrypted here in 1.1). */
	const uint8_t *fopts; /* borrowed; NULL when fopts_len is 0 */
	size_t fopts_len;     /* at most LW_FOPTS_MAX */
	bool has_fport;
	uint8_t fport;
	const uint8_t *frm; /* FRMPayload, borrowed; NULL when frm_len is 0 */
	size_t frm_len;
	/*
	 * frm is already encrypted: an NS sends what its Application Server
	 * encrypted with AppSKey, which the NS does not hold.  Only for
	 * fport > 0.
	 */
	bool frm_encrypted;
	/* 1.1 MIC inputs.  conf_fcnt: FCnt mod 2^16 of the confirmed frame
	 * being acknowledged; used only with ack (else 0). */
	uint16_t conf_fcnt;
	uint8_t tx_dr; /* up */
	uint8_t tx_ch; /* up */
};

/* The device's record of downlink counters. */
struct lw_fcnt_down {
	bool has_n; /* a downlink counted by n was accepted */
	uint32_t n; /* 1.0.x: FCntDown; 1.1: NFCntDown */
	bool has_a; /* 1.1 only */
	uint32_t a; /* 1.1: AFCntDown */
};

/* A downlink as the device received it, checked and decrypted. */
struct lw_dev_rx {
	struct lw_frame f; /* decoded; FOpts and FRMPayload as on air */
	uint32_t fcnt;     /* the rebuilt 32-bit counter */
	bool afcnt;        /* 1.1: fcnt is AFCntDown (FPort > 0) */
	size_t fopts_len;
	uint8_t fopts[LW_FOPTS_MAX]; /* decrypted (1.1) MAC commands */
	size_t frm_len;
	uint8_t frm[LW_FRM_MAX]; /* decrypted FRMPayload */
};

/**
 * The Network Server's check of a data uplink: rebuild the 32-bit FCntUp,
 * verify the MIC (1.0.x: cmacF with NwkSKey; 1.1: cmacS[0..1] |
 * cmacF[0..1]) and apply the counter rules (see the file comment).
 * @param c: crypto context, borrowed.
 * @param k: the session's network keys, borrowed.
 * @param in: the frame and counter state, borrowed.
 * @param fcnt: set to the 32-bit FCntUp on LW_OK, and on LW_ERR_REPLAY
 *	and LW_ERR_FCNT_GAP to the counter the frame verified with.
 * @return LW_OK; LW_ERR_MIC (not authentic); LW_ERR_REPLAY; LW_ERR_FCNT_GAP
 *	(1.0.x only); LW_ERR_FIELD (not a data uplink); LW_ERR_INVAL (NULL,
 *	or phy and f disagree); LW_ERR_CRYPTO.
 */
int lw_uplink_check(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_uplink_in *in, uint32_t *fcnt);

/**
 * The same check with the cmacF half only, all a passive-roaming
 * forwarding NS can verify (it holds FNwkSIntKey alone).  For 1.0.x this
 * is the whole MIC; for 1.1 it is MIC[2..3], 16 bits.
 * @param k: only k->v11 and k->fnwksint are read.
 * Other parameters and return values as for lw_uplink_check().
 */
int lw_uplink_check_fnwk(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_uplink_in *in, uint32_t *fcnt);

/**
 * Decrypt the FRMPayload of a data frame, either direction.  FPort 0 uses
 * the network key (1.0.x NwkSKey, 1.1 NwkSEncKey), FPort > 0 AppSKey.
 * @param k: network keys, or NULL on the application side; borrowed.
 * @param appskey: AppSKey, or NULL on a Network Server; borrowed.
 * @param f: a decoded data frame, borrowed.
 * @param fcnt: the frame's 32-bit counter (1.1 downlink: NFCntDown for
 *	FPort 0, AFCntDown for FPort > 0).
 * @param out: caller's buffer of LW_FRM_MAX bytes.
 * @param n: set to the payload length (0 without FPort).
 * @return LW_OK, LW_ERR_INVAL (NULL, or the key the port needs is NULL),
 *	LW_ERR_FIELD (not a data frame), LW_ERR_CRYPTO.
 */
int lw_data_frm_decrypt(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_frame *f, uint32_t fcnt,
    uint8_t out[LW_FRM_MAX], size_t *n);

/**
 * The FOpts of a data frame in plaintext: decrypted with NwkSEncKey in
 * 1.1 (errata A-block: A[4] 0x02 for an AFCntDown downlink, i.e. FPort >
 * 0, else 0x01), copied in 1.0.x where FOpts travel in clear.
 * @param k, f: borrowed.
 * @param fcnt: as for lw_data_frm_decrypt().
 * @param out: caller's buffer of LW_FOPTS_MAX bytes.
 * @param n: set to FOptsLen.
 * @return LW_OK, LW_ERR_INVAL, LW_ERR_FIELD (not a data frame),
 *	LW_ERR_CRYPTO.
 */
int lw_data_fopts_decrypt(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_frame *f, uint32_t fcnt, uint8_t out[LW_FOPTS_MAX],
    size_t *n);

/**
 * Build a data downlink (Network Server): FOpts encrypted with NwkSEncKey
 * in 1.1 (clear in 1.0.x), FRMPayload encrypted with the key of its port,
 * MIC with NwkSKey (1.0.x) or SNwkSIntKey and ConfFCnt (1.1).
 * @param k: network keys, borrowed.
 * @param appskey: needed only for fport > 0 without frm_encrypted; else
 *	may be NULL.  Borrowed.
 * @param d: the frame, borrowed.
 * @param out: caller's buffer of outlen bytes; LW_PHY_MAX always suffices.
 *	Unspecified on error.
 * @param n: set to the PHYPayload length on success.
 * @return LW_OK; LW_ERR_TOO_LONG (FOpts over 15 bytes, frame over 255
 *	bytes or outlen); LW_ERR_FIELD (FOpts with FPort 0, payload without
 *	FPort, frm_encrypted on port 0); LW_ERR_INVAL; LW_ERR_CRYPTO.
 */
int lw_downlink_build(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_data_out *d, uint8_t *out,
    size_t outlen, size_t *n);

/**
 * Build a data uplink (device): as lw_downlink_build() with the uplink's
 * MIC (1.0.x: cmacF; 1.1: B1 with conf_fcnt, tx_dr, tx_ch).
 * @param k: the device's keys, borrowed.
 * Other parameters and return values as for lw_downlink_build().
 */
int lw_uplink_build(struct lw_crypto *c, const struct lw_dev_skeys *k,
    const struct lw_data_out *d, uint8_t *out, size_t outlen, size_t *n);

/**
 * The device's check of a downlink: decode, match DevAddr, rebuild the
 * counter (1.1: AFCntDown when FPort > 0, else NFCntDown), verify the MIC
 * and the counter rules as lw_uplink_check() does, then decrypt FOpts and
 * FRMPayload.
 * @param k: the device's keys, borrowed.
 * @param dev_addr: the device's DevAddr.
 * @param phy: the PHYPayload, borrowed.
 * @param last: the device's downlink counters, borrowed; not updated.
 * @param conf_fcnt: 1.1: FCnt mod 2^16 of the device's last confirmed
 *	uplink, used only when the downlink has ACK set.
 * @param rx: filled on LW_OK; on LW_ERR_REPLAY and LW_ERR_FCNT_GAP only
 *	rx->f, rx->fcnt and rx->afcnt are; otherwise unspecified.
 * @return as lw_uplink_check(), plus the decoder's errors; LW_ERR_FIELD
 *	also for a frame that is not a data downlink to dev_addr.
 */
int lw_dev_downlink_check(struct lw_crypto *c, const struct lw_dev_skeys *k,
    uint32_t dev_addr, const uint8_t *phy, size_t len,
    const struct lw_fcnt_down *last, uint16_t conf_fcnt, struct lw_dev_rx *rx);

#endif /* LIB_LORAWAN_DATA_H */
