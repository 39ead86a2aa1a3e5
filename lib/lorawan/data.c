/*
 * data.c - data-frame checks and builds over phy.c and crypto.c; see
 * data.h for the counter rules and the key conventions.
 *
 * The MIC always covers the bytes as received, so the uplink check reads
 * the fields that enter B0/B1 (DevAddr, FCnt, ACK) from those bytes and
 * only cross-checks the caller's decoded frame against them.
 */
#include <string.h>

#include "lorawan/data.h"
#include "lorawan/ids.h"

#define FCTRL_ACK 0x20

/* Which MIC a verification computes. */
enum mic_kind {
	MIC_UP10,   /* cmacF over B0, 4 bytes */
	MIC_UP11,   /* cmacS[0..1] | cmacF[0..1] */
	MIC_UP11_F, /* cmacF[0..1] against MIC[2..3] (passive roaming) */
	MIC_DOWN,   /* cmac over the downlink B0, 4 bytes */
};

/* Everything a MIC verification needs except the 32-bit counter. */
struct verify {
	struct lw_crypto *c;
	enum mic_kind kind;
	const uint8_t *fkey; /* FNwkSIntKey/NwkSKey, or the downlink key */
	const uint8_t *skey; /* SNwkSIntKey, MIC_UP11 only */
	uint16_t conf_fcnt;
	uint8_t tx_dr, tx_ch;
	uint32_t dev_addr;
	const uint8_t *msg; /* PHYPayload without MIC */
	size_t len;
	const uint8_t *mic; /* the MIC received */
};

/* get_le - an n-byte little-endian field of the wire bytes */
static uint32_t
get_le(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

/* is_data - MTypes 2..5 carry a struct lw_data */
static bool
is_data(enum lw_mtype t)
{
	return t == LW_MT_UNCONF_UP || t == LW_MT_CONF_UP ||
	    t == LW_MT_UNCONF_DOWN || t == LW_MT_CONF_DOWN;
}

/* nwk_enc_key - FPort 0 and 1.1 FOpts key: NwkSEncKey, 1.0 NwkSKey */
static const uint8_t *
nwk_enc_key(const struct lw_nwk_skeys *k)
{
	return k->v11 ? k->nwksenc : k->fnwksint;
}

/* half_check - compare cmacF[0..1] with MIC[2..3] in constant time */
static int
half_check(const uint8_t cmacf[4], const uint8_t mic[4])
{
	uint8_t a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};

	a[0] = cmacf[0];
	a[1] = cmacf[1];
	b[0] = mic[2];
	b[1] = mic[3];
	return lw_mic_check(a, b);
}

/*
 * verify_at - check the MIC as if the frame's counter were fcnt.  f_only
 * narrows a 1.1 uplink to its cmacF half (used for an old frame, whose
 * TxDr/TxCh/ConfFCnt are unknown).
 */
static int
verify_at(const struct verify *v, uint32_t fcnt, bool f_only)
{
	enum mic_kind kind = v->kind;
	uint8_t m[4];
	int r;

	if (f_only && kind == MIC_UP11)
		kind = MIC_UP11_F;
	switch (kind) {
	case MIC_DOWN:
		r = lw_mic_downlink(v->c, v->fkey, v->conf_fcnt, v->dev_addr,
		    fcnt, v->msg, v->len, m);
		break;
	case MIC_UP11:
		r = lw_mic_uplink_11(v->c, v->fkey, v->skey, v->conf_fcnt,
		    v->tx_dr, v->tx_ch, v->dev_addr, fcnt, v->msg, v->len, m);
		break;
	default:
		r = lw_mic_uplink_10(
		    v->c, v->fkey, v->dev_addr, fcnt, v->msg, v->len, m);
		break;
	}
	if (r != LW_OK)
		return r;
	if (kind == MIC_UP11_F)
		return half_check(m, v->mic);
	return lw_mic_check(m, v->mic);
}

/*
 * fcnt_check - rebuild the counter, verify, then apply the replay and
 * (1.0.x) gap rules.  The rules come after the MIC so that their errors
 * speak only of authentic frames.
 */
static int
fcnt_check(const struct verify *v, bool gap_rule, bool has_last, uint32_t last,
    uint16_t f16, uint32_t *fcnt)
{
	uint32_t cand, behind, next;
	int r;

	cand = has_last ? lw_fcnt_expand(last, f16) : f16;
	r = verify_at(v, cand, false);
	if (r == LW_OK) {
		*fcnt = cand;
		/* cand < last: the 32-bit counter wrapped, a reuse too. */
		if (has_last && cand <= last)
			return LW_ERR_REPLAY;
		next = has_last ? last + 1 : 0;
		if (gap_rule && cand - next >= LW_MAX_FCNT_GAP)
			return LW_ERR_FCNT_GAP;
		return LW_OK;
	}
	if (r != LW_ERR_MIC || !has_last)
		return r;
	/* The newest counter below last with the same low bits. */
	behind = cand - 0x10000u;
	if (behind >= last)
		return LW_ERR_MIC;
	r = verify_at(v, behind, true);
	if (r != LW_OK)
		return r;
	*fcnt = behind;
	return LW_ERR_REPLAY;
}

/* uplink_check - shared by the full and the cmacF-only check */
static int
uplink_check(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_uplink_in *in, uint32_t *fcnt, bool f_only)
{
	const struct lw_data *d;
	struct verify v;
	bool ack;

	if (c == NULL || k == NULL || in == NULL || in->phy == NULL ||
	    in->f == NULL || fcnt == NULL)
		return LW_ERR_INVAL;
	if (!lw_mtype_is_uplink(in->f->mtype))
		return LW_ERR_FIELD;
	if (in->len < LW_PHY_DATA_MIN || in->len > LW_PHY_MAX)
		return LW_ERR_INVAL;
	d = &in->f->u.data;
	ack = (in->phy[5] & FCTRL_ACK) != 0;
	/* A decoded frame of other bytes would verify the wrong fields. */
	if ((in->phy[0] >> 5) != (uint8_t)in->f->mtype ||
	    get_le(in->phy + 1, 4) != d->dev_addr ||
	    get_le(in->phy + 6, 2) != d->fcnt16 || ack != d->ack)
		return LW_ERR_INVAL;
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.fkey = k->fnwksint;
	v.skey = k->snwksint;
	v.dev_addr = d->dev_addr;
	v.msg = in->phy;
	v.len = in->len - 4;
	v.mic = in->phy + in->len - 4;
	if (!k->v11)
		v.kind = MIC_UP10;
	else if (f_only)
		v.kind = MIC_UP11_F;
	else {
		v.kind = MIC_UP11;
		v.conf_fcnt = ack ? in->conf_fcnt : 0;
		v.tx_dr = in->tx_dr;
		v.tx_ch = in->tx_ch;
	}
	return fcnt_check(
	    &v, !k->v11, in->has_last, in->last_fcnt, d->fcnt16, fcnt);
}

int
lw_uplink_check(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_uplink_in *in, uint32_t *fcnt)
{
	return uplink_check(c, k, in, fcnt, false);
}

int
lw_uplink_check_fnwk(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_uplink_in *in, uint32_t *fcnt)
{
	return uplink_check(c, k, in, fcnt, true);
}

int
lw_data_frm_decrypt(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_frame *f, uint32_t fcnt,
    uint8_t out[LW_FRM_MAX], size_t *n)
{
	const struct lw_data *d;
	const uint8_t *key;
	int r;

	if (c == NULL || f == NULL || out == NULL || n == NULL)
		return LW_ERR_INVAL;
	if (!is_data(f->mtype))
		return LW_ERR_FIELD;
	d = &f->u.data;
	if (d->frm_len > LW_FRM_MAX)
		return LW_ERR_INVAL;
	*n = 0;
	if (!d->has_fport || d->frm_len == 0)
		return LW_OK;
	if (d->fport == 0)
		key = k != NULL ? nwk_enc_key(k) : NULL;
	else
		key = appskey;
	if (key == NULL)
		return LW_ERR_INVAL;
	r = lw_frm_crypt(c, key, !lw_mtype_is_uplink(f->mtype), d->dev_addr,
	    fcnt, d->frm_payload, d->frm_len, out);
	if (r == LW_OK)
		*n = d->frm_len;
	return r;
}

int
lw_data_fopts_decrypt(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const struct lw_frame *f, uint32_t fcnt, uint8_t out[LW_FOPTS_MAX],
    size_t *n)
{
	const struct lw_data *d;
	bool down;
	int r;

	if (c == NULL || k == NULL || f == NULL || out == NULL || n == NULL)
		return LW_ERR_INVAL;
	if (!is_data(f->mtype))
		return LW_ERR_FIELD;
	d = &f->u.data;
	if (d->fopts_len > LW_FOPTS_MAX)
		return LW_ERR_INVAL;
	*n = 0;
	if (!k->v11) {
		memcpy(out, d->fopts, d->fopts_len);
		*n = d->fopts_len;
		return LW_OK;
	}
	down = !lw_mtype_is_uplink(f->mtype);
	/* Errata: a downlink with FPort > 0 is counted by AFCntDown. */
	r = lw_fopts_crypt_11(c, k->nwksenc, down,
	    down && d->has_fport && d->fport > 0, d->dev_addr, fcnt, d->fopts,
	    d->fopts_len, out);
	if (r == LW_OK)
		*n = d->fopts_len;
	return r;
}

/* fill_frame - the frame of d with FOpts and FRMPayload encrypted */
static int
fill_frame(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_data_out *d, bool up,
    struct lw_frame *f)
{
	struct lw_data *x = &f->u.data;
	bool down = !up;
	int r = LW_OK;

	memset(f, 0, sizeof(*f));
	if (up)
		f->mtype = d->confirmed ? LW_MT_CONF_UP : LW_MT_UNCONF_UP;
	else
		f->mtype = d->confirmed ? LW_MT_CONF_DOWN : LW_MT_UNCONF_DOWN;
	x->dev_addr = d->dev_addr;
	x->adr = d->adr;
	x->ack = d->ack;
	x->adr_ack_req = up && d->adr_ack_req;
	x->class_b = up && d->class_b;
	x->fpending = down && d->fpending;
	x->fcnt16 = (uint16_t)(d->fcnt & 0xffffu);
	x->has_fport = d->has_fport;
	x->fport = d->fport;
	x->fopts_len = (uint8_t)d->fopts_len;
	x->frm_len = d->frm_len;
	if (k->v11)
		r = lw_fopts_crypt_11(c, k->nwksenc, down,
		    down && d->has_fport && d->fport > 0, d->dev_addr, d->fcnt,
		    d->fopts, d->fopts_len, x->fopts);
	else if (d->fopts_len > 0)
		memcpy(x->fopts, d->fopts, d->fopts_len);
	if (r != LW_OK || d->frm_len == 0)
		return r;
	if (d->frm_encrypted) {
		memcpy(x->frm_payload, d->frm, d->frm_len);
		return LW_OK;
	}
	return lw_frm_crypt(c, d->fport == 0 ? nwk_enc_key(k) : appskey, down,
	    d->dev_addr, d->fcnt, d->frm, d->frm_len, x->frm_payload);
}

/* data_build - encode with a zero MIC, then sign the bytes encoded */
static int
data_build(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_data_out *d, bool up, uint8_t *out,
    size_t outlen, size_t *n)
{
	struct lw_frame f;
	uint16_t conf;
	uint8_t mic[4];
	size_t len;
	int r;

	if (c == NULL || k == NULL || d == NULL || out == NULL || n == NULL ||
	    (d->fopts == NULL && d->fopts_len > 0) ||
	    (d->frm == NULL && d->frm_len > 0))
		return LW_ERR_INVAL;
	if (d->fopts_len > LW_FOPTS_MAX || d->frm_len > LW_FRM_MAX)
		return LW_ERR_TOO_LONG;
	if (d->frm_len > 0 && !d->has_fport)
		return LW_ERR_FIELD;
	if (d->has_fport && d->fport == 0 &&
	    (d->fopts_len > 0 || d->frm_encrypted))
		return LW_ERR_FIELD;
	if (d->has_fport && d->fport > 0 && d->frm_len > 0 &&
	    !d->frm_encrypted && appskey == NULL)
		return LW_ERR_INVAL;
	r = fill_frame(c, k, appskey, d, up, &f);
	if (r == LW_OK)
		r = lw_phy_encode(&f, out, outlen, &len, NULL);
	if (r != LW_OK)
		return r;
	conf = d->ack ? d->conf_fcnt : 0;
	if (up && k->v11)
		r = lw_mic_uplink_11(c, k->fnwksint, k->snwksint, conf,
		    d->tx_dr, d->tx_ch, d->dev_addr, d->fcnt, out, len - 4,
		    mic);
	else if (up)
		r = lw_mic_uplink_10(
		    c, k->fnwksint, d->dev_addr, d->fcnt, out, len - 4, mic);
	else
		r = lw_mic_downlink(c, k->v11 ? k->snwksint : k->fnwksint,
		    k->v11 ? conf : 0, d->dev_addr, d->fcnt, out, len - 4, mic);
	if (r != LW_OK)
		return r;
	memcpy(out + len - 4, mic, 4);
	*n = len;
	return LW_OK;
}

int
lw_downlink_build(struct lw_crypto *c, const struct lw_nwk_skeys *k,
    const uint8_t *appskey, const struct lw_data_out *d, uint8_t *out,
    size_t outlen, size_t *n)
{
	return data_build(c, k, appskey, d, false, out, outlen, n);
}

int
lw_uplink_build(struct lw_crypto *c, const struct lw_dev_skeys *k,
    const struct lw_data_out *d, uint8_t *out, size_t outlen, size_t *n)
{
	if (k == NULL)
		return LW_ERR_INVAL;
	return data_build(c, &k->nwk, k->appskey, d, true, out, outlen, n);
}

int
lw_dev_downlink_check(struct lw_crypto *c, const struct lw_dev_skeys *k,
    uint32_t dev_addr, const uint8_t *phy, size_t len,
    const struct lw_fcnt_down *last, uint16_t conf_fcnt, struct lw_dev_rx *rx)
{
	const struct lw_data *d;
	struct verify v;
	bool v11, has;
	uint32_t lastv;
	int r;

	if (c == NULL || k == NULL || phy == NULL || last == NULL || rx == NULL)
		return LW_ERR_INVAL;
	memset(rx, 0, sizeof(*rx));
	r = lw_phy_decode(phy, len, &rx->f, NULL);
	if (r != LW_OK)
		return r;
	if (rx->f.mtype != LW_MT_UNCONF_DOWN && rx->f.mtype != LW_MT_CONF_DOWN)
		return LW_ERR_FIELD;
	d = &rx->f.u.data;
	if (d->dev_addr != dev_addr)
		return LW_ERR_FIELD;
	v11 = k->nwk.v11;
	rx->afcnt = v11 && d->has_fport && d->fport > 0;
	has = rx->afcnt ? last->has_a : last->has_n;
	lastv = rx->afcnt ? last->a : last->n;
	memset(&v, 0, sizeof(v));
	v.c = c;
	v.kind = MIC_DOWN;
	v.fkey = v11 ? k->nwk.snwksint : k->nwk.fnwksint;
	v.conf_fcnt = v11 && d->ack ? conf_fcnt : 0;
	v.dev_addr = dev_addr;
	v.msg = phy;
	v.len = len - 4;
	v.mic = phy + len - 4;
	r = fcnt_check(&v, !v11, has, lastv, d->fcnt16, &rx->fcnt);
	if (r == LW_OK)
		r = lw_data_fopts_decrypt(
		    c, &k->nwk, &rx->f, rx->fcnt, rx->fopts, &rx->fopts_len);
	if (r == LW_OK)
		r = lw_data_frm_decrypt(c, &k->nwk, k->appskey, &rx->f,
		    rx->fcnt, rx->frm, &rx->frm_len);
	return r;
}
