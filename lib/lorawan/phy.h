/*
 * phy.h - LoRaWAN PHYPayload codec (LoRaWAN 1.0.x and 1.1, Major R1).
 *
 * PHYPayload = MHDR(1) | MACPayload | MIC(4); every multi-byte field is
 * little-endian on air and host order in struct lw_frame.  The codec only
 * moves bytes: it neither computes nor checks a MIC and never decrypts
 * (lib/lorawan crypto does that), so a frame that decodes is well formed,
 * not authentic.
 *
 * Decisions:
 * - MHDR RFU bits (4..2) that are not zero are accepted and kept in
 *   mhdr_rfu, so a frame from a newer sender still decodes and re-encodes
 *   to the same bytes; the NS, not the codec, decides to drop it.  A Major
 *   other than 0 (R1) is refused: the layout after MHDR is unknown then.
 * - FCtrl bit 6 of a downlink (RFU) is kept in fctrl_rfu for the same
 *   reason.  FPort 224 and the RFU ports 225..255 are accepted (policy).
 * - An FPort with an empty FRMPayload is accepted and kept (has_fport).
 * - FRMPayload, FOpts, the encrypted join-accept and proprietary bytes are
 *   copied into fixed arrays inside struct lw_frame, so a decoded frame
 *   never points into the input buffer and outlives it.
 * - Proprietary frames: everything after MHDR is opaque (no MIC split).
 * - On encode, the decoded views are the source of truth: MHDR and FCtrl
 *   are composed from mtype/mhdr_rfu/major and the FCtrl bits; the raw
 *   mhdr and fctrl members are filled by decode and ignored by encode.
 *
 * Every function returns an enum lw_err (lw_err.h); on a refusal the
 * optional struct lw_phy_error names the offending field.
 */
#ifndef LIB_LORAWAN_PHY_H
#define LIB_LORAWAN_PHY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorawan/lw_err.h"

#define LW_PHY_MAX 255     /* largest PHYPayload */
#define LW_PHY_DATA_MIN 12 /* MHDR + DevAddr + FCtrl + FCnt + MIC */
#define LW_JOIN_REQUEST_LEN 23
#define LW_REJOIN02_LEN 19 /* rejoin types 0 and 2 */
#define LW_REJOIN1_LEN 24  /* rejoin type 1 */
#define LW_FOPTS_MAX 15
#define LW_FRM_MAX (LW_PHY_MAX - LW_PHY_DATA_MIN - 1)
#define LW_PROPRIETARY_MAX (LW_PHY_MAX - 1)
#define LW_JA_PLAIN_LEN 12 /* join-accept plaintext without CFList */
#define LW_JA_PLAIN_CFLIST_LEN 28

enum lw_mtype {
	LW_MT_JOIN_REQUEST = 0,
	LW_MT_JOIN_ACCEPT = 1,
	LW_MT_UNCONF_UP = 2,
	LW_MT_UNCONF_DOWN = 3,
	LW_MT_CONF_UP = 4,
	LW_MT_CONF_DOWN = 5,
	LW_MT_REJOIN_REQUEST = 6,
	LW_MT_PROPRIETARY = 7,
};

/* Why a decode or encode was refused. */
struct lw_phy_error {
	const char *field; /* static name ("FOptsLen", ...); NULL if none */
	char detail[96];   /* NUL-terminated, human-readable */
};

struct lw_join_request {
	uint64_t join_eui;
	uint64_t dev_eui;
	uint16_t dev_nonce;
	uint8_t mic[4];
};

struct lw_rejoin_request {
	uint8_t rejoin_type; /* 0, 1 or 2 */
	uint32_t net_id;     /* types 0 and 2; 24 bits */
	uint64_t join_eui;   /* type 1 */
	uint64_t dev_eui;
	uint16_t rj_count; /* RJcount0 (types 0, 2) or RJcount1 (type 1) */
	uint8_t mic[4];
};

/* A join-accept as on air: still encrypted, MIC included. */
struct lw_join_accept_enc {
	size_t len; /* 16 or 32 */
	uint8_t bytes[32];
};

struct lw_data {
	uint32_t dev_addr;
	uint8_t fctrl;    /* raw, as decoded; ignored by encode */
	bool adr;         /* bit 7 */
	bool adr_ack_req; /* bit 6, uplink */
	bool fctrl_rfu;   /* bit 6, downlink (RFU) */
	bool ack;         /* bit 5 */
	bool class_b;     /* bit 4, uplink */
	bool fpending;    /* bit 4, downlink */
	uint8_t fopts_len;
	uint8_t fopts[LW_FOPTS_MAX];
	uint16_t fcnt16; /* low 16 bits of the frame counter */
	bool has_fport;
	uint8_t fport;
	size_t frm_len;
	uint8_t frm_payload[LW_FRM_MAX]; /* as on air (encrypted) */
	uint8_t mic[4];
};

struct lw_proprietary {
	size_t len;
	uint8_t bytes[LW_PROPRIETARY_MAX]; /* everything after MHDR */
};

/* One decoded PHYPayload; which member of u is valid follows mtype. */
struct lw_frame {
	uint8_t mhdr; /* raw, as decoded; ignored by encode */
	enum lw_mtype mtype;
	uint8_t mhdr_rfu; /* bits 4..2, normally 0 */
	uint8_t major;    /* always 0 (R1) */
	union {
		struct lw_join_request jr;    /* LW_MT_JOIN_REQUEST */
		struct lw_join_accept_enc ja; /* LW_MT_JOIN_ACCEPT */
		struct lw_data data;          /* LW_MT_*_UP, LW_MT_*_DOWN */
		struct lw_rejoin_request rj;  /* LW_MT_REJOIN_REQUEST */
		struct lw_proprietary prop;   /* LW_MT_PROPRIETARY */
	} u;
};

/* A decrypted join-accept, without its MIC. */
struct lw_join_accept {
	uint32_t join_nonce; /* 24 bits */
	uint32_t net_id;     /* 24 bits */
	uint32_t dev_addr;
	uint8_t dl_settings;
	uint8_t rx_delay;
	bool has_cflist;
	uint8_t cflist[16];
};

/**
 * Name a message type ("JoinRequest", "UnconfirmedDataUp", ...).
 * @return a static string; "unknown" outside 0..7.
 */
const char *lw_mtype_name(int mtype);

/**
 * Tell whether a data MType travels uplink.
 * @return true for (un)confirmed data up, false otherwise.
 */
bool lw_mtype_is_uplink(enum lw_mtype mtype);

/**
 * Decode a PHYPayload.
 * @param buf: borrowed, len bytes; nothing points into it afterwards.
 * @param f: filled on success (zeroed first); unspecified on error.
 * @param e: may be NULL; on error names the field and why.
 * @return LW_OK, LW_ERR_TRUNCATED, LW_ERR_TOO_LONG, LW_ERR_FIELD or
 *	LW_ERR_INVAL (NULL arguments).
 */
int lw_phy_decode(
    const uint8_t *buf, size_t len, struct lw_frame *f, struct lw_phy_error *e);

/**
 * Encode a frame; the exact inverse of lw_phy_decode().  MICs are copied.
 * @param f: borrowed.
 * @param out: caller's buffer of outlen bytes; LW_PHY_MAX always suffices.
 * @param n: set to the number of bytes written, on success.
 * @param e: may be NULL; on error names the field and why.
 * @return LW_OK, LW_ERR_FIELD (a value out of range), LW_ERR_TOO_LONG
 *	(the frame exceeds 255 bytes or outlen) or LW_ERR_INVAL.
 */
int lw_phy_encode(const struct lw_frame *f, uint8_t *out, size_t outlen,
    size_t *n, struct lw_phy_error *e);

/**
 * Decode a decrypted join-accept (JoinNonce .. CFList, MIC removed).
 * @param buf: borrowed; 12 or 28 bytes.
 * @param ja: filled on success.
 * @param e: may be NULL.
 * @return LW_OK, LW_ERR_TRUNCATED, LW_ERR_TOO_LONG or LW_ERR_INVAL.
 */
int lw_join_accept_decode(const uint8_t *buf, size_t len,
    struct lw_join_accept *ja, struct lw_phy_error *e);

/**
 * Encode a join-accept plaintext (without MIC) for MIC and encryption.
 * @param ja: borrowed.
 * @param out: caller's buffer of outlen (>= 28 always suffices) bytes.
 * @param n: set to 12 or 28 on success.
 * @param e: may be NULL.
 * @return LW_OK, LW_ERR_FIELD (JoinNonce or NetID over 24 bits),
 *	LW_ERR_TOO_LONG (outlen too small) or LW_ERR_INVAL.
 */
int lw_join_accept_encode(const struct lw_join_accept *ja, uint8_t *out,
    size_t outlen, size_t *n, struct lw_phy_error *e);

#endif /* LIB_LORAWAN_PHY_H */
