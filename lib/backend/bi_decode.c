/*
 * bi_decode.c - Backend Interfaces JSON to struct bi_msg.  Every refusal
 * names the JSON field and the reason, because the text goes back to the
 * peer in Result.Description and into our logs.
 */
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"

/* decode_result - Result{ResultCode, Description} of an answer */
static int
decode_result(const struct bi_rd *top, struct bi_result *r)
{
	struct bi_rd in = {
	    .o = bi_rd_member(top, "Result"), .path = "Result.", .e = top->e};
	const char *s;
	size_t n;
	int rc;

	if (in.o == NULL)
		return bi_fail(top->e, BI_ERR_MISSING, "Result", "missing");
	if (!json_is_object(in.o))
		return bi_fail(top->e, BI_ERR_FIELD, "Result", "not an object");
	if ((rc = bi_rd_str(&in, "ResultCode", true, &s)) < 0)
		return rc;
	if (bi_rc_parse(s, &r->code) != 0)
		return bi_fail(top->e, BI_ERR_FIELD, "Result.ResultCode",
		    "unknown code \"%.40s\"", s);
	if ((rc = bi_rd_str(&in, "Description", false, &s)) < 0)
		return rc;
	if (rc == BI_PRESENT) {
		n = bi_utf8_cut(s, BI_DESC_MAX);
		memcpy(r->description, s, n);
		r->description[n] = '\0';
	}
	return BI_OK;
}

/* decode_hdr - the part an error answer needs comes first, so that
 * err->header_ok can be set as early as possible */
static int
decode_hdr(const struct bi_rd *r, struct bi_hdr *h)
{
	struct bi_error *e = r->e;
	json_int_t n;
	const char *s;
	int rc;

	if ((rc = bi_rd_text(r, "SenderID", true, h->sender_id,
		 sizeof(h->sender_id))) < 0 ||
	    (rc = bi_rd_text(r, "ReceiverID", true, h->receiver_id,
		 sizeof(h->receiver_id))) < 0)
		return rc;
	rc = bi_rd_int(
	    r, "TransactionID", true, 0, UINT32_MAX, "a 32-bit number", &n);
	if (rc < 0)
		return rc;
	h->transaction_id = (uint32_t)n;
	if ((rc = bi_rd_str(r, "MessageType", true, &s)) < 0)
		return rc;
	if ((h->type = bi_msg_type_parse(s)) == BI_MT_NONE)
		return bi_fail(e, BI_ERR_FIELD, "MessageType",
		    "unknown type \"%.40s\"", s);
	e->header_ok = true;

	if ((rc = bi_rd_str(r, "ProtocolVersion", true, &s)) < 0)
		return rc;
	if (!bi_printable(s, BI_PV_MAX))
		return bi_fail(
		    e, BI_ERR_FIELD, "ProtocolVersion", "not 1.0 or 1.1");
	memcpy(h->protocol_version, s, strlen(s) + 1);
	h->pv = strcmp(s, "1.0") == 0 ? BI_PV_1_0
	    : strcmp(s, "1.1") == 0   ? BI_PV_1_1
				      : BI_PV_UNKNOWN;
	if (h->pv == BI_PV_UNKNOWN)
		return bi_fail(e, BI_ERR_VERSION, "ProtocolVersion",
		    "unsupported version \"%s\" (1.0 or 1.1)", s);

	if ((rc = bi_rd_hex(r, "SenderToken", false, h->sender_token,
		 BI_TOKEN_MAX, &h->sender_token_len)) < 0 ||
	    (rc = bi_rd_hex(r, "ReceiverToken", false, h->receiver_token,
		 BI_TOKEN_MAX, &h->receiver_token_len)) < 0 ||
	    (rc = bi_rd_text(r, "SenderNSID", false, h->sender_nsid,
		 sizeof(h->sender_nsid))) < 0 ||
	    (rc = bi_rd_text(r, "ReceiverNSID", false, h->receiver_nsid,
		 sizeof(h->receiver_nsid))) < 0)
		return rc;
	if (bi_msg_type_is_answer(h->type))
		return decode_result(r, &h->result);
	return BI_OK;
}

/* decode_join_req - JoinReq and RejoinReq carry the same fields */
static int
decode_join_req(const struct bi_rd *o, struct bi_join_req *r)
{
	uint64_t v = 0;
	const char *s;
	json_int_t n;
	int rc;

	if ((rc = bi_rd_str(o, "MACVersion", true, &s)) < 0)
		return rc;
	if ((r->mac_version = bi_macv_parse(s)) == BI_MACV_UNKNOWN)
		return bi_fail(o->e, BI_ERR_FIELD, "MACVersion",
		    "unknown version \"%.20s\"", s);
	if ((rc = bi_rd_hex(o, "PHYPayload", true, r->phy_payload, BI_PHY_MAX,
		 &r->phy_payload_len)) < 0 ||
	    (rc = bi_rd_be(o, "DevEUI", true, 8, &r->dev_eui)) < 0 ||
	    (rc = bi_rd_be(o, "DevAddr", true, 4, &v)) < 0)
		return rc;
	r->dev_addr = (uint32_t)v;
	if ((rc = bi_rd_hex_exact(o, "DLSettings", true, &r->dl_settings, 1)) <
	    0)
		return rc;
	rc = bi_rd_int(o, "RxDelay", true, 0, 15, "a number 0..15", &n);
	if (rc < 0)
		return rc;
	r->rx_delay = (uint8_t)n;
	rc = bi_rd_hex_exact(o, "CFList", false, r->cflist, BI_CFLIST_LEN);
	if (rc < 0)
		return rc;
	r->has_cflist = rc == BI_PRESENT;
	return BI_OK;
}

static int
decode_join_ans(const struct bi_rd *o, struct bi_join_ans *a)
{
	json_int_t n;
	int rc;

	if ((rc = bi_rd_hex(o, "PHYPayload", false, a->phy_payload, BI_PHY_MAX,
		 &a->phy_payload_len)) < 0)
		return rc;
	rc = bi_rd_int(
	    o, "Lifetime", false, 0, UINT32_MAX, "a 32-bit number", &n);
	if (rc < 0)
		return rc;
	a->has_lifetime = rc == BI_PRESENT;
	a->lifetime = a->has_lifetime ? (uint32_t)n : 0;
	if ((rc = bi_rd_key_env(o, "NwkSKey", &a->nwk_s_key)) < 0 ||
	    (rc = bi_rd_key_env(o, "FNwkSIntKey", &a->f_nwk_s_int_key)) < 0 ||
	    (rc = bi_rd_key_env(o, "SNwkSIntKey", &a->s_nwk_s_int_key)) < 0 ||
	    (rc = bi_rd_key_env(o, "NwkSEncKey", &a->nwk_s_enc_key)) < 0 ||
	    (rc = bi_rd_key_env(o, "AppSKey", &a->app_s_key)) < 0 ||
	    (rc = bi_rd_hex(o, "SessionKeyID", false, a->session_key_id,
		 BI_SKID_MAX, &a->session_key_id_len)) < 0)
		return rc;
	return BI_OK;
}

static int
decode_body(const struct bi_rd *o, struct bi_msg *m)
{
	uint64_t v = 0;
	int rc;

	switch (m->hdr.type) {
	case BI_JOIN_REQ:
	case BI_REJOIN_REQ:
		return decode_join_req(o, &m->join_req);
	case BI_JOIN_ANS:
	case BI_REJOIN_ANS:
		return decode_join_ans(o, &m->join_ans);
	case BI_APPSKEY_REQ:
		if ((rc = bi_rd_be(
			 o, "DevEUI", true, 8, &m->appskey_req.dev_eui)) < 0 ||
		    (rc = bi_rd_hex(o, "SessionKeyID", true,
			 m->appskey_req.session_key_id, BI_SKID_MAX,
			 &m->appskey_req.session_key_id_len)) < 0)
			return rc;
		return BI_OK;
	case BI_APPSKEY_ANS:
		rc = bi_rd_be(o, "DevEUI", false, 8, &m->appskey_ans.dev_eui);
		if (rc < 0)
			return rc;
		m->appskey_ans.has_dev_eui = rc == BI_PRESENT;
		if ((rc = bi_rd_key_env(
			 o, "AppSKey", &m->appskey_ans.app_s_key)) < 0 ||
		    (rc = bi_rd_hex(o, "SessionKeyID", false,
			 m->appskey_ans.session_key_id, BI_SKID_MAX,
			 &m->appskey_ans.session_key_id_len)) < 0)
			return rc;
		return BI_OK;
	case BI_HOMENS_REQ:
		rc = bi_rd_be(o, "DevEUI", true, 8, &m->homens_req.dev_eui);
		return rc < 0 ? rc : BI_OK;
	case BI_HOMENS_ANS:
		if ((rc = bi_rd_be(o, "HNetID", false, 3, &v)) < 0)
			return rc;
		m->homens_ans.has_h_net_id = rc == BI_PRESENT;
		m->homens_ans.h_net_id = (uint32_t)v;
		rc = bi_rd_text(o, "HNSID", false, m->homens_ans.h_nsid,
		    sizeof(m->homens_ans.h_nsid));
		return rc < 0 ? rc : BI_OK;
	case BI_PRSTART_REQ:
	case BI_PRSTART_ANS:
	case BI_XMITDATA_REQ:
	case BI_XMITDATA_ANS:
	case BI_PROFILE_REQ:
	case BI_PROFILE_ANS:
		return bi_dec_roam(o->o, m, o->e);
	default:
		return bi_fail(o->e, BI_ERR_UNSUPPORTED, "MessageType",
		    "%s not supported", bi_msg_type_name(m->hdr.type));
	}
}

int
bi_decode(const char *buf, size_t len, struct bi_msg *m, struct bi_error *err)
{
	struct bi_error local;
	json_error_t jerr;
	json_t *root;
	struct bi_rd r;
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (m == NULL || (buf == NULL && len > 0))
		return bi_fail(err, BI_ERR_INVAL, NULL, "no message");
	memset(m, 0, sizeof(*m));
	if (len > BI_MSG_MAX)
		return bi_fail(err, BI_ERR_TOO_LONG, NULL,
		    "message: %zu bytes, over the %d-byte limit", len,
		    BI_MSG_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return bi_fail(err, BI_ERR_JSON, NULL,
		    "JSON: %s (line %d, column %d)", jerr.text, jerr.line,
		    jerr.column);
	r = (struct bi_rd){.o = root, .path = "", .e = err};
	if (!json_is_object(root))
		rc = bi_fail(err, BI_ERR_JSON, NULL, "JSON: not an object");
	else if ((rc = decode_hdr(&r, &m->hdr)) == BI_OK &&
	    (rc = decode_body(&r, m)) == BI_OK &&
	    bi_msg_type_is_answer(m->hdr.type))
		rc = bi_check_answer(m, BI_ERR_MISSING, err);
	json_decref(root);
	return rc;
}
