/*
 * join.c - join-request check and join-accept construction; see join.h.
 */
#include <string.h>

#include "lorawan/join.h"

/* root10 - the single root key of a 1.0-style join */
static const uint8_t *
root10(const struct lw_join_device *d)
{
	return d->nwk_key != NULL ? d->nwk_key : d->app_key;
}

int
lw_join_request_check(struct lw_crypto *c, const struct lw_join_device *d,
    const uint8_t *req, size_t len, struct lw_join_request *jr)
{
	struct lw_frame f;
	uint8_t mic[4];
	int rc;

	if ((rc = lw_phy_decode(req, len, &f, NULL)) != LW_OK)
		return rc;
	if (f.mtype != LW_MT_JOIN_REQUEST)
		return LW_ERR_FIELD;
	*jr = f.u.jr;
	/* 1.1 devices sign with NwkKey whatever the NS speaks (LW11 §6.2.2). */
	rc = lw_mic_join_request(c,
	    d->v11 && d->nwk_key != NULL ? d->nwk_key : root10(d), req, len - 4,
	    mic);
	if (rc != LW_OK)
		return rc;
	return lw_mic_check(mic, jr->mic);
}

/*
 * make - the join-accept and session keys.  req_type is
 * LW_JOIN_REQ_TYPE_JOIN for a join-request, else the rejoin type; for a
 * rejoin, dev_nonce is its RJcount and the accept is encrypted with
 * JSEncKey (LW11 §6.2.3, §6.2.4.4).
 */
static int
make(struct lw_crypto *c, const struct lw_join_device *d, uint8_t req_type,
    uint64_t join_eui, uint64_t dev_eui, uint16_t dev_nonce,
    const struct lw_join_answer_in *in, struct lw_join_answer *out)
{
	uint8_t msg[1 + LW_JA_PLAIN_CFLIST_LEN + 4], jsint[16], jsenc[16];
	const uint8_t *enc_key;
	struct lw_join_accept ja;
	size_t n;
	int rc;

	memset(out, 0, sizeof(out[0]));
	out->opt_neg = (in->dl_settings & LW_DLSETTINGS_OPTNEG) != 0 ||
	    req_type != LW_JOIN_REQ_TYPE_JOIN;
	if (in->join_nonce > 0xffffff || in->net_id > 0xffffff ||
	    (out->opt_neg && (!d->v11 || d->nwk_key == NULL)))
		return LW_ERR_FIELD;
	memset(&ja, 0, sizeof(ja));
	ja.join_nonce = in->join_nonce;
	ja.net_id = in->net_id;
	ja.dev_addr = in->dev_addr;
	ja.dl_settings = in->dl_settings;
	ja.rx_delay = in->rx_delay;
	if (in->cflist != NULL) {
		ja.has_cflist = true;
		memcpy(ja.cflist, in->cflist, sizeof(ja.cflist));
	}
	msg[0] = LW_MT_JOIN_ACCEPT << 5;
	rc = lw_join_accept_encode(&ja, msg + 1, sizeof(msg) - 1, &n, NULL);
	if (rc != LW_OK)
		return rc;
	if (out->opt_neg) {
		rc = lw_derive_js_keys(c, d->nwk_key, dev_eui, jsint, jsenc);
		if (rc == LW_OK)
			rc = lw_derive_keys_11(c, d->nwk_key, d->app_key,
			    in->join_nonce, join_eui, dev_nonce, out->fnwksint,
			    out->snwksint, out->nwksenc, out->appskey);
		if (rc == LW_OK)
			rc = lw_mic_join_accept_11(c, jsint, req_type, join_eui,
			    dev_nonce, msg, 1 + n, msg + 1 + n);
		enc_key =
		    req_type == LW_JOIN_REQ_TYPE_JOIN ? d->nwk_key : jsenc;
	} else {
		enc_key = root10(d);
		rc = lw_derive_keys_10(c, enc_key, in->join_nonce, in->net_id,
		    dev_nonce, out->fnwksint, out->appskey);
		if (rc == LW_OK) {
			memcpy(out->snwksint, out->fnwksint, 16);
			memcpy(out->nwksenc, out->fnwksint, 16);
			rc = lw_mic_join_accept_10(
			    c, enc_key, msg, 1 + n, msg + 1 + n);
		}
	}
	if (rc == LW_OK) {
		out->phy[0] = msg[0];
		rc = lw_join_accept_encrypt(
		    c, enc_key, msg + 1, n + 4, out->phy + 1);
	}
	memset(jsint, 0, sizeof(jsint));
	memset(jsenc, 0, sizeof(jsenc));
	if (rc != LW_OK)
		return rc;
	out->phy_len = 1 + n + 4;
	return LW_OK;
}

int
lw_join_answer_make(struct lw_crypto *c, const struct lw_join_device *d,
    const struct lw_join_request *jr, const struct lw_join_answer_in *in,
    struct lw_join_answer *out)
{
	return make(c, d, LW_JOIN_REQ_TYPE_JOIN, jr->join_eui, jr->dev_eui,
	    jr->dev_nonce, in, out);
}

int
lw_rejoin_request_check(struct lw_crypto *c, const struct lw_join_device *d,
    const uint8_t *req, size_t len, struct lw_rejoin_request *rj)
{
	uint8_t jsint[16], jsenc[16], mic[4];
	struct lw_frame f;
	int rc;

	if ((rc = lw_phy_decode(req, len, &f, NULL)) != LW_OK)
		return rc;
	if (f.mtype != LW_MT_REJOIN_REQUEST)
		return LW_ERR_FIELD;
	*rj = f.u.rj;
	if (!d->v11 || d->nwk_key == NULL)
		return LW_ERR_FIELD;
	if (rj->rejoin_type != 1)
		return LW_OK; /* signed with SNwkSIntKey: checked by the NS */
	rc = lw_derive_js_keys(c, d->nwk_key, rj->dev_eui, jsint, jsenc);
	if (rc == LW_OK)
		rc = lw_mic_join_request(c, jsint, req, len - 4, mic);
	memset(jsint, 0, sizeof(jsint));
	memset(jsenc, 0, sizeof(jsenc));
	if (rc != LW_OK)
		return rc;
	return lw_mic_check(mic, rj->mic);
}

int
lw_rejoin_answer_make(struct lw_crypto *c, const struct lw_join_device *d,
    const struct lw_rejoin_request *rj, uint64_t join_eui,
    const struct lw_join_answer_in *in, struct lw_join_answer *out)
{
	return make(c, d, rj->rejoin_type, join_eui, rj->dev_eui, rj->rj_count,
	    in, out);
}
