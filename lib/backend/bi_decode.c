/*
 * bi_decode.c - Backend Interfaces JSON to struct bi_msg.  Every refusal
 * names the JSON field and the reason, because the text goes back to the
 * peer in Result.Description and into our logs.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"
#include "util/bytes.h"

/* Return values of the field readers besides the negative bi_err. */
#define ABSENT 0
#define PRESENT 1

/* member - a field's value: absent and JSON null are the same to us */
static json_t *
member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v == NULL || json_is_null(v) ? NULL : v;
}

/* str_field - a string; an optional "" is absent (implementations send
 * either), a required one is refused as empty */
static int
str_field(json_t *o, const char *key, const char *field, bool required,
    const char **s, struct bi_error *e)
{
	json_t *v = member(o, key);

	if (v == NULL) {
		if (required)
			return bi_fail(e, BI_ERR_MISSING, field, "missing");
		return ABSENT;
	}
	if (!json_is_string(v))
		return bi_fail(e, BI_ERR_FIELD, field, "not a string");
	*s = json_string_value(v);
	if (**s == '\0') {
		if (required)
			return bi_fail(e, BI_ERR_FIELD, field, "empty");
		return ABSENT;
	}
	return PRESENT;
}

/* text_field - printable ASCII only: IDs are logged and echoed */
static int
text_field(json_t *o, const char *key, bool required, char *out, size_t outsize,
    struct bi_error *e)
{
	const char *s;
	int rc = str_field(o, key, key, required, &s, e);

	if (rc != PRESENT)
		return rc;
	if (!bi_printable(s, outsize - 1))
		return bi_fail(e, BI_ERR_FIELD, key,
		    "not 1..%zu printable ASCII characters", outsize - 1);
	memcpy(out, s, strlen(s) + 1);
	return PRESENT;
}

/* hex_field - 1..max bytes of hex */
static int
hex_field(json_t *o, const char *key, bool required, uint8_t *out, size_t max,
    size_t *n, struct bi_error *e)
{
	const char *s, *why;
	int rc = str_field(o, key, key, required, &s, e);

	if (rc != PRESENT)
		return rc;
	if (bytes_from_hex(s, out, max, n, &why) != 0) {
		if (strcmp(why, "too long") == 0)
			return bi_fail(
			    e, BI_ERR_FIELD, key, "longer than %zu bytes", max);
		return bi_fail(e, BI_ERR_FIELD, key, "not hex (%s)", why);
	}
	return PRESENT;
}

/* hex_exact - exactly len bytes: EUIs, DevAddr, NetID, DLSettings */
static int
hex_exact(json_t *o, const char *key, bool required, uint8_t *out, size_t len,
    struct bi_error *e)
{
	const char *s, *why;
	int rc = str_field(o, key, key, required, &s, e);

	if (rc != PRESENT)
		return rc;
	if (bytes_from_hex_exact(s, out, len, &why) != 0)
		return bi_fail(
		    e, BI_ERR_FIELD, key, "not %zu hex digits", 2 * len);
	return PRESENT;
}

static uint64_t
be_uint(const uint8_t *b, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++)
		v = v << 8 | b[i];
	return v;
}

static int
eui_field(json_t *o, const char *key, bool required, uint64_t *eui,
    struct bi_error *e)
{
	uint8_t b[8];
	int rc = hex_exact(o, key, required, b, sizeof(b), e);

	if (rc == PRESENT)
		*eui = be_uint(b, sizeof(b));
	return rc;
}

/* uint_field - a JSON integer in 0..max (a real such as 1.0 is refused:
 * TS002 numbers are integers and 1.5 must not become 1) */
static int
uint_field(json_t *o, const char *key, bool required, json_int_t max,
    const char *what, json_int_t *out, struct bi_error *e)
{
	json_t *v = member(o, key);

	if (v == NULL) {
		if (required)
			return bi_fail(e, BI_ERR_MISSING, key, "missing");
		return ABSENT;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return bi_fail(e, BI_ERR_FIELD, key, "not %s", what);
	*out = json_integer_value(v);
	return PRESENT;
}

static int
key_env_field(
    json_t *o, const char *key, struct bi_key_env *k, struct bi_error *e)
{
	json_t *v = member(o, key);
	char field[40];
	const char *s;
	uint8_t buf[64];
	int rc;

	if (v == NULL)
		return ABSENT;
	if (!json_is_object(v))
		return bi_fail(e, BI_ERR_FIELD, key, "not an object");
	snprintf(field, sizeof(field), "%s.KEKLabel", key);
	rc = str_field(v, "KEKLabel", field, false, &s, e);
	if (rc < 0)
		return rc;
	if (rc == PRESENT) {
		if (!bi_printable(s, BI_KEK_LABEL_MAX))
			return bi_fail(e, BI_ERR_FIELD, field,
			    "not 1..%d printable ASCII characters",
			    BI_KEK_LABEL_MAX);
		memcpy(k->kek_label, s, strlen(s) + 1);
	}
	snprintf(field, sizeof(field), "%s.AESKey", key);
	if ((rc = str_field(v, "AESKey", field, true, &s, e)) < 0)
		return rc;
	/* any hex that fits the buffer, so the length check below can say
	 * how long the key had to be */
	if (bytes_from_hex(s, buf, sizeof(buf), &k->aes_key_len, &s) != 0)
		k->aes_key_len = 0;
	if (k->aes_key_len == BI_KEY_LEN ||
	    k->aes_key_len == BI_WRAPPED_KEY_LEN)
		memcpy(k->aes_key, buf, k->aes_key_len);
	k->present = true;
	return bi_check_key_env(k, key, BI_ERR_FIELD, e);
}

/* decode_result - Result{ResultCode, Description} of an answer */
static int
decode_result(json_t *o, struct bi_result *r, struct bi_error *e)
{
	json_t *v = member(o, "Result");
	const char *s;
	size_t n;
	int rc;

	if (v == NULL)
		return bi_fail(e, BI_ERR_MISSING, "Result", "missing");
	if (!json_is_object(v))
		return bi_fail(e, BI_ERR_FIELD, "Result", "not an object");
	rc = str_field(v, "ResultCode", "Result.ResultCode", true, &s, e);
	if (rc < 0)
		return rc;
	if (bi_rc_parse(s, &r->code) != 0)
		return bi_fail(e, BI_ERR_FIELD, "Result.ResultCode",
		    "unknown code \"%.40s\"", s);
	rc = str_field(v, "Description", "Result.Description", false, &s, e);
	if (rc < 0)
		return rc;
	if (rc == PRESENT) {
		n = bi_utf8_cut(s, BI_DESC_MAX);
		memcpy(r->description, s, n);
		r->description[n] = '\0';
	}
	return BI_OK;
}

/* decode_hdr - the part an error answer needs comes first, so that
 * err->header_ok can be set as early as possible */
static int
decode_hdr(json_t *o, struct bi_hdr *h, struct bi_error *e)
{
	json_int_t n;
	const char *s;
	int rc;

	if ((rc = text_field(o, "SenderID", true, h->sender_id,
		 sizeof(h->sender_id), e)) < 0 ||
	    (rc = text_field(o, "ReceiverID", true, h->receiver_id,
		 sizeof(h->receiver_id), e)) < 0)
		return rc;
	rc = uint_field(
	    o, "TransactionID", true, UINT32_MAX, "a 32-bit number", &n, e);
	if (rc < 0)
		return rc;
	h->transaction_id = (uint32_t)n;
	if ((rc = str_field(o, "MessageType", "MessageType", true, &s, e)) < 0)
		return rc;
	if ((h->type = bi_msg_type_parse(s)) == BI_MT_NONE)
		return bi_fail(e, BI_ERR_FIELD, "MessageType",
		    "unknown type \"%.40s\"", s);
	e->header_ok = true;

	rc = str_field(o, "ProtocolVersion", "ProtocolVersion", true, &s, e);
	if (rc < 0)
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

	if ((rc = hex_field(o, "SenderToken", false, h->sender_token,
		 BI_TOKEN_MAX, &h->sender_token_len, e)) < 0 ||
	    (rc = hex_field(o, "ReceiverToken", false, h->receiver_token,
		 BI_TOKEN_MAX, &h->receiver_token_len, e)) < 0 ||
	    (rc = text_field(o, "SenderNSID", false, h->sender_nsid,
		 sizeof(h->sender_nsid), e)) < 0 ||
	    (rc = text_field(o, "ReceiverNSID", false, h->receiver_nsid,
		 sizeof(h->receiver_nsid), e)) < 0)
		return rc;
	if (bi_msg_type_is_answer(h->type))
		return decode_result(o, &h->result, e);
	return BI_OK;
}

/* decode_join_req - JoinReq and RejoinReq carry the same fields */
static int
decode_join_req(json_t *o, struct bi_join_req *r, struct bi_error *e)
{
	uint8_t b[4];
	const char *s;
	json_int_t n;
	int rc;

	if ((rc = str_field(o, "MACVersion", "MACVersion", true, &s, e)) < 0)
		return rc;
	if ((r->mac_version = bi_macv_parse(s)) == BI_MACV_UNKNOWN)
		return bi_fail(e, BI_ERR_FIELD, "MACVersion",
		    "unknown version \"%.20s\"", s);
	if ((rc = hex_field(o, "PHYPayload", true, r->phy_payload, BI_PHY_MAX,
		 &r->phy_payload_len, e)) < 0 ||
	    (rc = eui_field(o, "DevEUI", true, &r->dev_eui, e)) < 0 ||
	    (rc = hex_exact(o, "DevAddr", true, b, 4, e)) < 0)
		return rc;
	r->dev_addr = (uint32_t)be_uint(b, 4);
	if ((rc = hex_exact(o, "DLSettings", true, &r->dl_settings, 1, e)) < 0)
		return rc;
	rc = uint_field(o, "RxDelay", true, 15, "a number 0..15", &n, e);
	if (rc < 0)
		return rc;
	r->rx_delay = (uint8_t)n;
	rc = hex_exact(o, "CFList", false, r->cflist, BI_CFLIST_LEN, e);
	if (rc < 0)
		return rc;
	r->has_cflist = rc == PRESENT;
	return BI_OK;
}

static int
decode_join_ans(json_t *o, struct bi_join_ans *a, struct bi_error *e)
{
	json_int_t n;
	int rc;

	if ((rc = hex_field(o, "PHYPayload", false, a->phy_payload, BI_PHY_MAX,
		 &a->phy_payload_len, e)) < 0)
		return rc;
	rc = uint_field(
	    o, "Lifetime", false, UINT32_MAX, "a 32-bit number", &n, e);
	if (rc < 0)
		return rc;
	a->has_lifetime = rc == PRESENT;
	a->lifetime = a->has_lifetime ? (uint32_t)n : 0;
	if ((rc = key_env_field(o, "NwkSKey", &a->nwk_s_key, e)) < 0 ||
	    (rc = key_env_field(o, "FNwkSIntKey", &a->f_nwk_s_int_key, e)) <
		0 ||
	    (rc = key_env_field(o, "SNwkSIntKey", &a->s_nwk_s_int_key, e)) <
		0 ||
	    (rc = key_env_field(o, "NwkSEncKey", &a->nwk_s_enc_key, e)) < 0 ||
	    (rc = key_env_field(o, "AppSKey", &a->app_s_key, e)) < 0 ||
	    (rc = hex_field(o, "SessionKeyID", false, a->session_key_id,
		 BI_SKID_MAX, &a->session_key_id_len, e)) < 0)
		return rc;
	return BI_OK;
}

static int
decode_body(json_t *o, struct bi_msg *m, struct bi_error *e)
{
	int rc;

	switch (m->hdr.type) {
	case BI_JOIN_REQ:
	case BI_REJOIN_REQ:
		return decode_join_req(o, &m->join_req, e);
	case BI_JOIN_ANS:
	case BI_REJOIN_ANS:
		return decode_join_ans(o, &m->join_ans, e);
	case BI_APPSKEY_REQ:
		if ((rc = eui_field(
			 o, "DevEUI", true, &m->appskey_req.dev_eui, e)) < 0 ||
		    (rc = hex_field(o, "SessionKeyID", true,
			 m->appskey_req.session_key_id, BI_SKID_MAX,
			 &m->appskey_req.session_key_id_len, e)) < 0)
			return rc;
		return BI_OK;
	case BI_APPSKEY_ANS:
		rc = eui_field(o, "DevEUI", false, &m->appskey_ans.dev_eui, e);
		if (rc < 0)
			return rc;
		m->appskey_ans.has_dev_eui = rc == PRESENT;
		if ((rc = key_env_field(
			 o, "AppSKey", &m->appskey_ans.app_s_key, e)) < 0 ||
		    (rc = hex_field(o, "SessionKeyID", false,
			 m->appskey_ans.session_key_id, BI_SKID_MAX,
			 &m->appskey_ans.session_key_id_len, e)) < 0)
			return rc;
		return BI_OK;
	case BI_HOMENS_REQ:
		rc = eui_field(o, "DevEUI", true, &m->homens_req.dev_eui, e);
		return rc < 0 ? rc : BI_OK;
	case BI_HOMENS_ANS: {
		uint8_t b[3];

		if ((rc = hex_exact(o, "HNetID", false, b, 3, e)) < 0)
			return rc;
		m->homens_ans.has_h_net_id = rc == PRESENT;
		m->homens_ans.h_net_id = (uint32_t)be_uint(b, 3);
		rc = text_field(o, "HNSID", false, m->homens_ans.h_nsid,
		    sizeof(m->homens_ans.h_nsid), e);
		return rc < 0 ? rc : BI_OK;
	}
	default:
		return bi_fail(e, BI_ERR_UNSUPPORTED, "MessageType",
		    "%s not supported", bi_msg_type_name(m->hdr.type));
	}
}

int
bi_decode(const char *buf, size_t len, struct bi_msg *m, struct bi_error *err)
{
	struct bi_error local;
	json_error_t jerr;
	json_t *root;
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
	if (!json_is_object(root))
		rc = bi_fail(err, BI_ERR_JSON, NULL, "JSON: not an object");
	else if ((rc = decode_hdr(root, &m->hdr, err)) == BI_OK &&
	    (rc = decode_body(root, m, err)) == BI_OK &&
	    bi_msg_type_is_answer(m->hdr.type))
		rc = bi_check_answer(m, BI_ERR_MISSING, err);
	json_decref(root);
	return rc;
}
