/*
 * bi.c - Backend Interfaces names and helpers: message types, result
 * codes, versions, IDs, errors, the answer header and the checks shared by
 * the decoder and the encoder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bi.h"
#include "backend/bi_int.h"
#include "util/bytes.h"

static const char *const msg_type_names[BI_MT_COUNT] = {
    [BI_JOIN_REQ] = "JoinReq",
    [BI_JOIN_ANS] = "JoinAns",
    [BI_REJOIN_REQ] = "RejoinReq",
    [BI_REJOIN_ANS] = "RejoinAns",
    [BI_APPSKEY_REQ] = "AppSKeyReq",
    [BI_APPSKEY_ANS] = "AppSKeyAns",
    [BI_PRSTART_REQ] = "PRStartReq",
    [BI_PRSTART_ANS] = "PRStartAns",
    [BI_PRSTOP_REQ] = "PRStopReq",
    [BI_PRSTOP_ANS] = "PRStopAns",
    [BI_HRSTART_REQ] = "HRStartReq",
    [BI_HRSTART_ANS] = "HRStartAns",
    [BI_HRSTOP_REQ] = "HRStopReq",
    [BI_HRSTOP_ANS] = "HRStopAns",
    [BI_HOMENS_REQ] = "HomeNSReq",
    [BI_HOMENS_ANS] = "HomeNSAns",
    [BI_PROFILE_REQ] = "ProfileReq",
    [BI_PROFILE_ANS] = "ProfileAns",
    [BI_XMITDATA_REQ] = "XmitDataReq",
    [BI_XMITDATA_ANS] = "XmitDataAns",
    [BI_XMITLOC_REQ] = "XmitLocReq",
    [BI_XMITLOC_ANS] = "XmitLocAns",
};

static const char *const rc_names[BI_RC_COUNT] = {
    [BI_RC_SUCCESS] = "Success",
    [BI_RC_MIC_FAILED] = "MICFailed",
    [BI_RC_JOIN_REQ_FAILED] = "JoinReqFailed",
    [BI_RC_NO_ROAMING_AGREEMENT] = "NoRoamingAgreement",
    [BI_RC_DEV_ROAMING_DISALLOWED] = "DevRoamingDisallowed",
    [BI_RC_ROAMING_ACT_DISALLOWED] = "RoamingActDisallowed",
    [BI_RC_ACTIVATION_DISALLOWED] = "ActivationDisallowed",
    [BI_RC_UNKNOWN_DEV_EUI] = "UnknownDevEUI",
    [BI_RC_UNKNOWN_DEV_ADDR] = "UnknownDevAddr",
    [BI_RC_UNKNOWN_SENDER] = "UnknownSender",
    /* sic: TS002 1.0 and 1.1 spell it so, and peers match the string */
    [BI_RC_UNKNOWN_RECEIVER] = "UnkownReceiver",
    [BI_RC_DEFERRED] = "Deferred",
    [BI_RC_XMIT_FAILED] = "XmitFailed",
    [BI_RC_INVALID_FPORT] = "InvalidFPort",
    [BI_RC_INVALID_PROTOCOL_VERSION] = "InvalidProtocolVersion",
    [BI_RC_STALE_DEVICE_PROFILE] = "StaleDeviceProfile",
    [BI_RC_MALFORMED_REQUEST] = "MalformedRequest",
    [BI_RC_FRAME_SIZE_ERROR] = "FrameSizeError",
    [BI_RC_OTHER] = "Other",
    [BI_RC_NO_ACTION] = "NoAction",
    [BI_RC_FRAME_REPLAYED] = "FrameReplayed",
    [BI_RC_MALFORMED_MESSAGE] = "MalformedMessage",
};

const char *
bi_strerror(int err)
{
	switch (err) {
	case BI_OK:
		return "success";
	case BI_ERR_TOO_LONG:
		return "message too long";
	case BI_ERR_JSON:
		return "malformed JSON";
	case BI_ERR_MISSING:
		return "required field missing";
	case BI_ERR_FIELD:
		return "invalid field";
	case BI_ERR_VERSION:
		return "unsupported protocol version";
	case BI_ERR_UNSUPPORTED:
		return "message type not supported";
	case BI_ERR_INVAL:
		return "invalid argument";
	case BI_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown error";
}

const char *
bi_msg_type_name(enum bi_msg_type t)
{
	if ((int)t <= BI_MT_NONE || t >= BI_MT_COUNT)
		return NULL;
	return msg_type_names[t];
}

enum bi_msg_type
bi_msg_type_parse(const char *s)
{
	for (int t = BI_MT_NONE + 1; t < BI_MT_COUNT; t++)
		if (strcmp(s, msg_type_names[t]) == 0)
			return (enum bi_msg_type)t;
	return BI_MT_NONE;
}

/* bi_msg_type_is_answer - answers are the even values, by construction */
bool
bi_msg_type_is_answer(enum bi_msg_type t)
{
	return t > BI_MT_NONE && t < BI_MT_COUNT && t % 2 == 0;
}

enum bi_msg_type
bi_msg_type_answer(enum bi_msg_type t)
{
	if (t <= BI_MT_NONE || t >= BI_MT_COUNT || bi_msg_type_is_answer(t))
		return BI_MT_NONE;
	return (enum bi_msg_type)(t + 1);
}

const char *
bi_rc_name(enum bi_rc rc)
{
	if ((int)rc < 0 || rc >= BI_RC_COUNT)
		return NULL;
	return rc_names[rc];
}

int
bi_rc_parse(const char *s, enum bi_rc *rc)
{
	for (int i = 0; i < BI_RC_COUNT; i++)
		if (strcmp(s, rc_names[i]) == 0) {
			*rc = (enum bi_rc)i;
			return 0;
		}
	/* the corrected spelling (TTS, ChirpStack) and BRO's typo */
	if (strcmp(s, "UnknownReceiver") == 0) {
		*rc = BI_RC_UNKNOWN_RECEIVER;
		return 0;
	}
	if (strcmp(s, "RoamingActDisallowedA") == 0) {
		*rc = BI_RC_ROAMING_ACT_DISALLOWED;
		return 0;
	}
	return -1;
}

enum bi_rc
bi_err_result(int err)
{
	switch (err) {
	case BI_OK:
		return BI_RC_SUCCESS;
	case BI_ERR_VERSION:
		return BI_RC_INVALID_PROTOCOL_VERSION;
	case BI_ERR_UNSUPPORTED:
		return BI_RC_OTHER;
	}
	return BI_RC_MALFORMED_REQUEST;
}

static const char *const macv_names[] = {
    [BI_MACV_1_0] = "1.0",
    [BI_MACV_1_0_1] = "1.0.1",
    [BI_MACV_1_0_2] = "1.0.2",
    [BI_MACV_1_0_3] = "1.0.3",
    [BI_MACV_1_0_4] = "1.0.4",
    [BI_MACV_1_1] = "1.1",
};

const char *
bi_macv_name(enum bi_macv v)
{
	if ((int)v <= BI_MACV_UNKNOWN || v > BI_MACV_1_1)
		return NULL;
	return macv_names[v];
}

enum bi_macv
bi_macv_parse(const char *s)
{
	for (int v = BI_MACV_1_0; v <= BI_MACV_1_1; v++)
		if (strcmp(s, macv_names[v]) == 0)
			return (enum bi_macv)v;
	/* BRO sends the three-part forms of the same versions */
	if (strcmp(s, "1.0.0") == 0)
		return BI_MACV_1_0;
	if (strcmp(s, "1.1.0") == 0)
		return BI_MACV_1_1;
	return BI_MACV_UNKNOWN;
}

/* id_hex - an ID that is exactly len bytes of hex, as a number */
static int
id_hex(const char *id, size_t len, uint64_t *v)
{
	uint8_t b[8];
	const char *why;

	if (id == NULL || bytes_from_hex_exact(id, b, len, &why) != 0)
		return -1;
	*v = 0;
	for (size_t i = 0; i < len; i++)
		*v = *v << 8 | b[i];
	return 0;
}

int
bi_id_eui64(const char *id, uint64_t *eui)
{
	return id_hex(id, 8, eui);
}

int
bi_id_netid(const char *id, uint32_t *netid)
{
	uint64_t v;

	if (id_hex(id, 3, &v) != 0)
		return -1;
	*netid = (uint32_t)v;
	return 0;
}

void
bi_id_from_eui64(uint64_t eui, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%016llx", (unsigned long long)eui);
}

void
bi_id_from_netid(uint32_t netid, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%06x", (unsigned)(netid & 0xffffff));
}

void
bi_msg_init(struct bi_msg *m, enum bi_msg_type type)
{
	memset(m, 0, sizeof(*m));
	snprintf(
	    m->hdr.protocol_version, sizeof(m->hdr.protocol_version), "1.0");
	m->hdr.pv = BI_PV_1_0;
	m->hdr.type = type;
}

int
bi_fail(struct bi_error *err, int code, const char *field, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	if (field != NULL)
		snprintf(err->text, sizeof(err->text), "%s: %s", field, why);
	else
		snprintf(err->text, sizeof(err->text), "%s", why);
	/* the text quotes peer input and goes to logs and back to the peer
	 * in Result.Description: printable ASCII only, so that no control
	 * character reaches a log and no cut leaves invalid UTF-8 */
	for (char *c = err->text; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	return code;
}

/* bi_utf8_cut - never split a multi-byte character: jansson refuses
 * invalid UTF-8 when we encode the string again */
size_t
bi_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

bool
bi_printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= max || s[n] < 0x20 || s[n] > 0x7e)
			return false;
	return n > 0;
}

int
bi_check_key_env(const struct bi_key_env *k, const char *name, int code,
    struct bi_error *err)
{
	char field[40];

	if (!k->present)
		return BI_OK;
	if (k->kek_label[0] != '\0' &&
	    !bi_printable(k->kek_label, BI_KEK_LABEL_MAX)) {
		snprintf(field, sizeof(field), "%s.KEKLabel", name);
		return bi_fail(err, code, field, "not printable ASCII");
	}
	snprintf(field, sizeof(field), "%s.AESKey", name);
	if (k->kek_label[0] == '\0' && k->aes_key_len != BI_KEY_LEN)
		return bi_fail(err, code, field,
		    "not 32 hex digits (a key in clear, no KEKLabel)");
	if (k->kek_label[0] != '\0' && k->aes_key_len != BI_WRAPPED_KEY_LEN)
		return bi_fail(err, code, field,
		    "not 48 hex digits (a wrapped key, KEKLabel \"%s\")",
		    k->kek_label);
	return BI_OK;
}

/* check_join_ans - TS002 §8/§10: network keys for one LoRaWAN version,
 * and the AppSKey or a SessionKeyID for the AS to ask for it */
static int
check_join_ans(
    const struct bi_join_ans *a, bool success, int code, struct bi_error *err)
{
	const struct bi_key_env *k11[3] = {
	    &a->f_nwk_s_int_key, &a->s_nwk_s_int_key, &a->nwk_s_enc_key};
	const char *n11[3] = {"FNwkSIntKey", "SNwkSIntKey", "NwkSEncKey"};
	int rc, n = 0;

	if ((rc = bi_check_key_env(&a->nwk_s_key, "NwkSKey", code, err)) ||
	    (rc = bi_check_key_env(&a->app_s_key, "AppSKey", code, err)))
		return rc;
	for (int i = 0; i < 3; i++) {
		if ((rc = bi_check_key_env(k11[i], n11[i], code, err)) != 0)
			return rc;
		n += k11[i]->present;
	}
	if (!success)
		return BI_OK;
	if (a->phy_payload_len == 0)
		return bi_fail(err, code, "PHYPayload", "missing");
	if (!a->nwk_s_key.present && n == 0)
		return bi_fail(err, code, "NwkSKey",
		    "missing (and no FNwkSIntKey, SNwkSIntKey, NwkSEncKey)");
	for (int i = 0; n > 0 && i < 3; i++)
		if (!k11[i]->present)
			return bi_fail(err, code, n11[i], "missing");
	if (!a->app_s_key.present && a->session_key_id_len == 0)
		return bi_fail(
		    err, code, "AppSKey", "missing (and no SessionKeyID)");
	return BI_OK;
}

int
bi_check_answer(const struct bi_msg *m, int code, struct bi_error *err)
{
	bool ok = m->hdr.result.code == BI_RC_SUCCESS;
	int rc;

	switch (m->hdr.type) {
	case BI_JOIN_ANS:
	case BI_REJOIN_ANS:
		return check_join_ans(&m->join_ans, ok, code, err);
	case BI_APPSKEY_ANS:
		rc = bi_check_key_env(
		    &m->appskey_ans.app_s_key, "AppSKey", code, err);
		if (rc != 0 || !ok)
			return rc;
		if (!m->appskey_ans.has_dev_eui)
			return bi_fail(err, code, "DevEUI", "missing");
		if (!m->appskey_ans.app_s_key.present)
			return bi_fail(err, code, "AppSKey", "missing");
		if (m->appskey_ans.session_key_id_len == 0)
			return bi_fail(err, code, "SessionKeyID", "missing");
		return BI_OK;
	case BI_HOMENS_ANS:
		if (ok && !m->homens_ans.has_h_net_id)
			return bi_fail(err, code, "HNetID", "missing");
		return BI_OK;
	default:
		return bi_check_roam_answer(m, code, err);
	}
}

int
bi_answer_hdr(const struct bi_hdr *req, enum bi_rc rc, const char *description,
    struct bi_hdr *ans)
{
	enum bi_msg_type t = bi_msg_type_answer(req->type);
	size_t n;

	if (t == BI_MT_NONE || (int)rc < 0 || rc >= BI_RC_COUNT)
		return BI_ERR_INVAL;
	memset(ans, 0, sizeof(*ans));
	memcpy(ans->protocol_version, req->protocol_version,
	    sizeof(ans->protocol_version));
	ans->pv = req->pv;
	if (ans->protocol_version[0] == '\0')
		snprintf(ans->protocol_version, sizeof(ans->protocol_version),
		    "1.0");
	memcpy(ans->sender_id, req->receiver_id, sizeof(ans->sender_id));
	memcpy(ans->receiver_id, req->sender_id, sizeof(ans->receiver_id));
	ans->transaction_id = req->transaction_id;
	ans->type = t;
	memcpy(ans->receiver_token, req->sender_token,
	    sizeof(ans->receiver_token));
	ans->receiver_token_len = req->sender_token_len;
	memcpy(
	    ans->receiver_nsid, req->sender_nsid, sizeof(ans->receiver_nsid));
	ans->result.code = rc;
	if (description != NULL) {
		n = bi_utf8_cut(description, BI_DESC_MAX);
		memcpy(ans->result.description, description, n);
		ans->result.description[n] = '\0';
	}
	return BI_OK;
}

int
bi_encode_error(const struct bi_hdr *req, enum bi_rc rc,
    const char *description, char **out, size_t *outlen)
{
	struct bi_msg *m;
	int ret;

	*out = NULL;
	/* on the heap: a struct bi_msg is a few KiB */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return BI_ERR_NOMEM;
	/* an empty body: bi_encode() refuses it only for a Success */
	ret = bi_answer_hdr(req, rc, description, &m->hdr);
	if (ret == BI_OK)
		ret = bi_encode(m, out, outlen, NULL);
	free(m);
	return ret;
}
