/*
 * bi_roam.c - the bodies of the passive-roaming messages (TS002 §12-§14,
 * as ChirpStack sends them): PRStartReq/Ans, XmitDataReq/Ans and
 * ProfileReq/Ans, decoded and encoded under the same rules.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"

static int
opt_u32(const struct bi_rd *r, const char *key, bool *has, uint32_t *v)
{
	json_int_t n = 0;
	int rc = bi_rd_int(r, key, false, 0, UINT32_MAX, "a 32-bit number", &n);

	*has = rc == BI_PRESENT;
	*v = (uint32_t)n;
	return rc;
}

static int
dec_prstart_ans(const struct bi_rd *r, struct bi_prstart_ans *a)
{
	uint64_t v = 0;
	int rc;

	if ((rc = bi_rd_hex(r, "PHYPayload", false, a->phy_payload, BI_PHY_MAX,
		 &a->phy_payload_len)) < 0)
		return rc;
	if ((rc = bi_rd_be(r, "DevEUI", false, 8, &a->dev_eui)) < 0)
		return rc;
	a->has_dev_eui = rc == BI_PRESENT;
	if ((rc = opt_u32(r, "Lifetime", &a->has_lifetime, &a->lifetime)) < 0 ||
	    (rc = bi_rd_key_env(r, "FNwkSIntKey", &a->f_nwk_s_int_key)) < 0 ||
	    (rc = bi_rd_key_env(r, "NwkSKey", &a->nwk_s_key)) < 0 ||
	    (rc = opt_u32(r, "FCntUp", &a->has_f_cnt_up, &a->f_cnt_up)) < 0 ||
	    (rc = bi_rd_ignored_object(r, "ServiceProfile")) < 0 ||
	    (rc = bi_dec_dl_meta(
		 r, "DLMetaData", false, &a->has_dl_meta, &a->dl_meta)) < 0 ||
	    (rc = bi_rd_be(r, "DevAddr", false, 4, &v)) < 0)
		return rc;
	a->has_dev_addr = rc == BI_PRESENT;
	a->dev_addr = (uint32_t)v;
	return BI_OK;
}

/* dec_xmitdata_req - one payload and one metadata object: which of each
 * says where the message goes (TS002 §14) */
static int
dec_xmitdata_req(const struct bi_rd *r, struct bi_xmitdata_req *q)
{
	int rc;

	if ((rc = bi_rd_hex(r, "PHYPayload", false, q->phy_payload, BI_PHY_MAX,
		 &q->phy_payload_len)) < 0 ||
	    (rc = bi_rd_hex(r, "FRMPayload", false, q->frm_payload, BI_PHY_MAX,
		 &q->frm_payload_len)) < 0)
		return rc;
	if (q->phy_payload_len == 0 && q->frm_payload_len == 0)
		return bi_fail(r->e, BI_ERR_MISSING, "PHYPayload",
		    "missing (and no FRMPayload)");
	if (q->phy_payload_len > 0 && q->frm_payload_len > 0)
		return bi_fail(r->e, BI_ERR_FIELD, "FRMPayload",
		    "present with PHYPayload (one or the other)");
	if ((rc = bi_dec_ul_meta(
		 r, "ULMetaData", false, &q->has_ul_meta, &q->ul_meta)) < 0 ||
	    (rc = bi_dec_dl_meta(
		 r, "DLMetaData", false, &q->has_dl_meta, &q->dl_meta)) < 0)
		return rc;
	if (!q->has_ul_meta && !q->has_dl_meta)
		return bi_fail(r->e, BI_ERR_MISSING, "ULMetaData",
		    "missing (and no DLMetaData)");
	if (q->has_ul_meta && q->has_dl_meta)
		return bi_fail(r->e, BI_ERR_FIELD, "DLMetaData",
		    "present with ULMetaData (one or the other)");
	return BI_OK;
}

static int
dec_profile_ans(const struct bi_rd *r, struct bi_profile_ans *a)
{
	const char *s;
	int rc;

	if ((rc = bi_rd_ignored_object(r, "DeviceProfile")) < 0 ||
	    (rc = bi_rd_time(r, "DeviceProfileTimestamp", false,
		 a->device_profile_timestamp,
		 sizeof(a->device_profile_timestamp))) < 0 ||
	    (rc = bi_rd_str(r, "RoamingActivationType", false, &s)) < 0)
		return rc;
	if (rc == BI_PRESENT) {
		a->roaming_activation_type = strcmp(s, "Passive") == 0
		    ? BI_ROAMING_PASSIVE
		    : strcmp(s, "Handover") == 0 ? BI_ROAMING_HANDOVER
						 : BI_ROAMING_NONE;
		if (a->roaming_activation_type == BI_ROAMING_NONE)
			return bi_fail(r->e, BI_ERR_FIELD,
			    "RoamingActivationType",
			    "not \"Passive\" or \"Handover\" (\"%.20s\")", s);
	}
	rc = opt_u32(r, "Lifetime", &a->has_lifetime, &a->lifetime);
	return rc < 0 ? rc : BI_OK;
}

int
bi_dec_roam(json_t *o, struct bi_msg *m, struct bi_error *e)
{
	struct bi_rd r = {.o = o, .path = "", .e = e};
	bool present;
	int rc;

	switch (m->hdr.type) {
	case BI_PRSTART_REQ:
		if ((rc = bi_rd_hex(&r, "PHYPayload", true,
			 m->prstart_req.phy_payload, BI_PHY_MAX,
			 &m->prstart_req.phy_payload_len)) < 0)
			return rc;
		rc = bi_dec_ul_meta(
		    &r, "ULMetaData", true, &present, &m->prstart_req.ul_meta);
		return rc < 0 ? rc : BI_OK;
	case BI_PRSTART_ANS:
		return dec_prstart_ans(&r, &m->prstart_ans);
	case BI_XMITDATA_REQ:
		return dec_xmitdata_req(&r, &m->xmitdata_req);
	case BI_XMITDATA_ANS:
		if ((rc = bi_rd_real(&r, "DLFreq1", false, BI_FREQ_MIN,
			 BI_FREQ_MAX, "a frequency in MHz (100..3000)",
			 &m->xmitdata_ans.dl_freq1)) < 0)
			return rc;
		m->xmitdata_ans.has_dl_freq1 = rc == BI_PRESENT;
		if ((rc = bi_rd_real(&r, "DLFreq2", false, BI_FREQ_MIN,
			 BI_FREQ_MAX, "a frequency in MHz (100..3000)",
			 &m->xmitdata_ans.dl_freq2)) < 0)
			return rc;
		m->xmitdata_ans.has_dl_freq2 = rc == BI_PRESENT;
		return BI_OK;
	case BI_PROFILE_REQ:
		rc = bi_rd_be(&r, "DevEUI", true, 8, &m->profile_req.dev_eui);
		return rc < 0 ? rc : BI_OK;
	case BI_PROFILE_ANS:
		return dec_profile_ans(&r, &m->profile_ans);
	default:
		return bi_fail(e, BI_ERR_UNSUPPORTED, "MessageType",
		    "%s not supported", bi_msg_type_name(m->hdr.type));
	}
}

int
bi_check_roam_answer(const struct bi_msg *m, int code, struct bi_error *err)
{
	bool ok = m->hdr.result.code == BI_RC_SUCCESS;
	const struct bi_prstart_ans *a = &m->prstart_ans;
	int rc;

	switch (m->hdr.type) {
	case BI_PRSTART_ANS:
		/* nothing more is mandatory: see struct bi_prstart_ans */
		if ((rc = bi_check_key_env(
			 &a->f_nwk_s_int_key, "FNwkSIntKey", code, err)) != 0)
			return rc;
		return bi_check_key_env(&a->nwk_s_key, "NwkSKey", code, err);
	case BI_PROFILE_ANS:
		if (ok &&
		    m->profile_ans.roaming_activation_type == BI_ROAMING_NONE)
			return bi_fail(
			    err, code, "RoamingActivationType", "missing");
		return BI_OK;
	default:
		return BI_OK;
	}
}

static void
put_freq(struct bi_enc *x, const char *key, bool has, double mhz)
{
	if (!has)
		return;
	if (!bi_freq_ok(mhz))
		bi_enc_fail(x, key, "not a frequency in MHz (100..3000)");
	else
		bi_put(x, x->o, key, json_real(mhz));
}

static void
put_payload(struct bi_enc *x, const char *key, const uint8_t *b, size_t len)
{
	if (len > BI_PHY_MAX)
		bi_enc_fail(x, key, "too long");
	else if (len > 0)
		bi_put_hex(x, x->o, key, b, len);
}

static void
enc_prstart_ans(struct bi_enc *x, const struct bi_prstart_ans *a)
{
	put_payload(x, "PHYPayload", a->phy_payload, a->phy_payload_len);
	if (a->has_dev_eui)
		bi_put_be(x, x->o, "DevEUI", a->dev_eui, 8);
	if (a->has_lifetime)
		bi_put(x, x->o, "Lifetime", json_integer(a->lifetime));
	bi_put_key_env(x, "FNwkSIntKey", &a->f_nwk_s_int_key);
	bi_put_key_env(x, "NwkSKey", &a->nwk_s_key);
	if (a->has_f_cnt_up)
		bi_put(x, x->o, "FCntUp", json_integer(a->f_cnt_up));
	if (a->has_dl_meta)
		bi_enc_dl_meta(x, "DLMetaData", &a->dl_meta);
	if (a->has_dev_addr)
		bi_put_be(x, x->o, "DevAddr", a->dev_addr, 4);
}

static void
enc_xmitdata_req(struct bi_enc *x, const struct bi_xmitdata_req *q)
{
	if (q->phy_payload_len == 0 && q->frm_payload_len == 0)
		bi_enc_fail(x, "PHYPayload", "missing (and no FRMPayload)");
	if (q->phy_payload_len > 0 && q->frm_payload_len > 0)
		bi_enc_fail(x, "FRMPayload",
		    "present with PHYPayload (one or the other)");
	if (!q->has_ul_meta && !q->has_dl_meta)
		bi_enc_fail(x, "ULMetaData", "missing (and no DLMetaData)");
	if (q->has_ul_meta && q->has_dl_meta)
		bi_enc_fail(x, "DLMetaData",
		    "present with ULMetaData (one or the other)");
	put_payload(x, "PHYPayload", q->phy_payload, q->phy_payload_len);
	put_payload(x, "FRMPayload", q->frm_payload, q->frm_payload_len);
	if (q->has_ul_meta)
		bi_enc_ul_meta(x, "ULMetaData", &q->ul_meta);
	if (q->has_dl_meta)
		bi_enc_dl_meta(x, "DLMetaData", &q->dl_meta);
}

static void
enc_profile_ans(struct bi_enc *x, const struct bi_profile_ans *a)
{
	const char *t = bi_roaming_type_name(a->roaming_activation_type);
	const char *ts = a->device_profile_timestamp;

	if (ts[0] != '\0') {
		if (strnlen(ts, BI_TIME_MAX + 1) > BI_TIME_MAX ||
		    bi_time_parse(ts, NULL, NULL) != 0)
			bi_enc_fail(x, "DeviceProfileTimestamp",
			    "not an RFC 3339 time");
		else
			bi_put(
			    x, x->o, "DeviceProfileTimestamp", json_string(ts));
	}
	if (a->roaming_activation_type != BI_ROAMING_NONE && t == NULL)
		bi_enc_fail(x, "RoamingActivationType", "invalid");
	else if (t != NULL)
		bi_put(x, x->o, "RoamingActivationType", json_string(t));
	if (a->has_lifetime)
		bi_put(x, x->o, "Lifetime", json_integer(a->lifetime));
}

bool
bi_enc_roam(struct bi_enc *x, const struct bi_msg *m)
{
	switch (m->hdr.type) {
	case BI_PRSTART_REQ:
		if (m->prstart_req.phy_payload_len == 0)
			bi_enc_fail(x, "PHYPayload", "empty");
		put_payload(x, "PHYPayload", m->prstart_req.phy_payload,
		    m->prstart_req.phy_payload_len);
		bi_enc_ul_meta(x, "ULMetaData", &m->prstart_req.ul_meta);
		return true;
	case BI_PRSTART_ANS:
		enc_prstart_ans(x, &m->prstart_ans);
		return true;
	case BI_XMITDATA_REQ:
		enc_xmitdata_req(x, &m->xmitdata_req);
		return true;
	case BI_XMITDATA_ANS:
		put_freq(x, "DLFreq1", m->xmitdata_ans.has_dl_freq1,
		    m->xmitdata_ans.dl_freq1);
		put_freq(x, "DLFreq2", m->xmitdata_ans.has_dl_freq2,
		    m->xmitdata_ans.dl_freq2);
		return true;
	case BI_PROFILE_REQ:
		bi_put_be(x, x->o, "DevEUI", m->profile_req.dev_eui, 8);
		return true;
	case BI_PROFILE_ANS:
		enc_profile_ans(x, &m->profile_ans);
		return true;
	default:
		return false;
	}
}
