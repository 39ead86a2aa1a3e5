/*
 * join.h - the Join Server's half of an OTAA join: check a join-request
 * and build the encrypted join-accept and the session keys, for every MAC
 * version (lorawan-backend.md §2.3-§2.5).  Pure computation: the nonces
 * come from the caller, who has committed them first.
 *
 * Root keys: a 1.1 device joined with OptNeg (DLSettings bit 7, chosen by
 * the NS) uses NwkKey for the network side and AppKey for the AppSKey.
 * Otherwise the join follows 1.0, with one root key: NwkKey when the
 * device has one (a 1.1 device behind a 1.0 NS), else AppKey.
 */
#ifndef LIB_LORAWAN_JOIN_H
#define LIB_LORAWAN_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lorawan/crypto.h"
#include "lorawan/phy.h"

#define LW_DLSETTINGS_OPTNEG 0x80

struct lw_join_device {
	bool v11;               /* the device's MAC version is 1.1 */
	const uint8_t *app_key; /* 16 bytes, borrowed */
	const uint8_t *nwk_key; /* 16 bytes or NULL, borrowed */
};

struct lw_join_answer_in {
	uint32_t join_nonce; /* 24 bits, never issued before */
	uint32_t net_id;     /* 24 bits */
	uint32_t dev_addr;
	uint8_t dl_settings; /* as the NS sent it; bit 7 = OptNeg */
	uint8_t rx_delay;
	const uint8_t *cflist; /* 16 bytes or NULL */
};

struct lw_join_answer {
	uint8_t phy[1 + LW_JA_PLAIN_CFLIST_LEN + 4]; /* MHDR | encrypted */
	size_t phy_len;
	bool opt_neg; /* 1.1 keys were derived */
	/* 1.0: the three network keys are all NwkSKey. */
	uint8_t fnwksint[16], snwksint[16], nwksenc[16], appskey[16];
};

/**
 * Decode a join-request and check its MIC with the device's root key.
 * @param req: borrowed PHYPayload.
 * @param jr: filled with the decoded fields (also on a MIC failure).
 * @return LW_OK, LW_ERR_MIC, or the decoder's error (LW_ERR_FIELD for a
 *	frame that is not a join-request).
 */
int lw_join_request_check(struct lw_crypto *c, const struct lw_join_device *d,
    const uint8_t *req, size_t len, struct lw_join_request *jr);

/**
 * Build the join-accept that answers jr and derive the session keys.
 * @return LW_OK, LW_ERR_FIELD (a nonce or NetID over 24 bits, OptNeg for
 *	a 1.0 device or one without NwkKey) or a crypto error.
 */
int lw_join_answer_make(struct lw_crypto *c, const struct lw_join_device *d,
    const struct lw_join_request *jr, const struct lw_join_answer_in *in,
    struct lw_join_answer *out);

/**
 * Decode a rejoin-request (LoRaWAN 1.1 only).  A type-1 request's MIC is
 * checked with JSIntKey; types 0 and 2 are signed with SNwkSIntKey, which
 * only the NS holds: the NS checked them before sending RejoinReq.
 * @param rj: filled with the decoded fields.
 * @return LW_OK, LW_ERR_MIC, LW_ERR_FIELD (not a rejoin-request, or the
 *	device is not 1.1 with a NwkKey), or the decoder's error.
 */
int lw_rejoin_request_check(struct lw_crypto *c, const struct lw_join_device *d,
    const uint8_t *req, size_t len, struct lw_rejoin_request *rj);

/**
 * Build the join-accept that answers a rejoin-request: 1.1 keys with
 * RJcount in the DevNonce slot, the MIC with JSIntKey over JoinReqType =
 * the rejoin type, encryption with JSEncKey (LW11 §6.2.3, §6.2.4.4).
 * @param join_eui: the device's JoinEUI (types 0 and 2 do not carry it).
 * @return as lw_join_answer_make().
 */
int lw_rejoin_answer_make(struct lw_crypto *c, const struct lw_join_device *d,
    const struct lw_rejoin_request *rj, uint64_t join_eui,
    const struct lw_join_answer_in *in, struct lw_join_answer *out);

#endif /* LIB_LORAWAN_JOIN_H */
