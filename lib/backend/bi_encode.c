/*
 * bi_encode.c - struct bi_msg to Backend Interfaces JSON.  The struct is
 * checked with the decoder's rules first, so that whatever we send, our
 * own decoder (and so, we hope, a peer's) accepts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"
#include "util/bytes.h"

/* bi_put - take v (NULL means out of memory) and add it under key */
void
bi_put(struct bi_enc *x, json_t *o, const char *key, json_t *v)
{
	if (x->rc != BI_OK) {
		json_decref(v);
		return;
	}
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		x->rc = bi_fail(x->e, BI_ERR_NOMEM, key, "out of memory");
}

/* put_text - a string the caller gave us: jansson refuses invalid UTF-8,
 * which is the caller's error, not a lack of memory */
static void
put_text(struct bi_enc *x, json_t *o, const char *key, const char *field,
    const char *s)
{
	json_t *v;

	if (x->rc != BI_OK)
		return;
	if (strnlen(s, BI_DESC_MAX + 1) > BI_DESC_MAX) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL, field, "not terminated");
		return;
	}
	if ((v = json_string(s)) == NULL) {
		if ((v = json_string_nocheck(s)) != NULL) {
			json_decref(v);
			x->rc = bi_fail(
			    x->e, BI_ERR_INVAL, field, "not valid UTF-8");
			return;
		}
	}
	bi_put(x, o, key, v);
}

void
bi_put_hex(
    struct bi_enc *x, json_t *o, const char *key, const uint8_t *b, size_t len)
{
	char hex[2 * BI_PHY_MAX + 1];

	if (len > BI_PHY_MAX) {
		if (x->rc == BI_OK)
			x->rc = bi_fail(x->e, BI_ERR_INVAL, key, "too long");
		return;
	}
	bi_put(x, o, key, json_string(bytes_to_hex(b, len, hex)));
}

void
bi_put_be(struct bi_enc *x, json_t *o, const char *key, uint64_t v, size_t len)
{
	uint8_t b[8];

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	bi_put_hex(x, o, key, b, len);
}

void
bi_put_key_env(struct bi_enc *x, const char *key, const struct bi_key_env *k)
{
	json_t *v;

	if (!k->present || x->rc != BI_OK)
		return;
	x->rc = bi_check_key_env(k, key, BI_ERR_INVAL, x->e);
	if (x->rc != BI_OK || (v = json_object()) == NULL) {
		if (x->rc == BI_OK)
			x->rc =
			    bi_fail(x->e, BI_ERR_NOMEM, key, "out of memory");
		return;
	}
	bi_put(x, x->o, key, v);
	bi_put(x, v, "KEKLabel", json_string(k->kek_label));
	bi_put_hex(x, v, "AESKey", k->aes_key, k->aes_key_len);
}

int
bi_check_text(struct bi_enc *x, const char *field, const char *s, size_t max,
    bool required)
{
	if (!required && s[0] == '\0')
		return BI_OK;
	if (!bi_printable(s, max))
		x->rc = bi_fail(x->e, BI_ERR_INVAL, field,
		    "not 1..%zu printable ASCII characters", max);
	return x->rc;
}

void
bi_enc_fail(struct bi_enc *x, const char *field, const char *why)
{
	if (x->rc == BI_OK)
		x->rc = bi_fail(x->e, BI_ERR_INVAL, field, "%s", why);
}

static void
enc_hdr(struct bi_enc *x, const struct bi_hdr *h)
{
	const char *type = bi_msg_type_name(h->type), *rc;
	json_t *r;

	if (type == NULL) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL, "MessageType", "invalid");
		return;
	}
	if (bi_check_text(
		x, "ProtocolVersion", h->protocol_version, BI_PV_MAX, true) ||
	    bi_check_text(x, "SenderID", h->sender_id, BI_ID_MAX, true) ||
	    bi_check_text(x, "ReceiverID", h->receiver_id, BI_ID_MAX, true) ||
	    bi_check_text(x, "SenderNSID", h->sender_nsid, BI_ID_MAX, false) ||
	    bi_check_text(
		x, "ReceiverNSID", h->receiver_nsid, BI_ID_MAX, false))
		return;
	if (h->sender_token_len > BI_TOKEN_MAX ||
	    h->receiver_token_len > BI_TOKEN_MAX) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL,
		    h->sender_token_len > BI_TOKEN_MAX ? "SenderToken"
						       : "ReceiverToken",
		    "too long");
		return;
	}
	bi_put(x, x->o, "ProtocolVersion", json_string(h->protocol_version));
	bi_put(x, x->o, "SenderID", json_string(h->sender_id));
	bi_put(x, x->o, "ReceiverID", json_string(h->receiver_id));
	bi_put(x, x->o, "TransactionID", json_integer(h->transaction_id));
	bi_put(x, x->o, "MessageType", json_string(type));
	if (h->sender_token_len > 0)
		bi_put_hex(x, x->o, "SenderToken", h->sender_token,
		    h->sender_token_len);
	if (h->receiver_token_len > 0)
		bi_put_hex(x, x->o, "ReceiverToken", h->receiver_token,
		    h->receiver_token_len);
	if (h->sender_nsid[0] != '\0')
		bi_put(x, x->o, "SenderNSID", json_string(h->sender_nsid));
	if (h->receiver_nsid[0] != '\0')
		bi_put(x, x->o, "ReceiverNSID", json_string(h->receiver_nsid));
	if (!bi_msg_type_is_answer(h->type) || x->rc != BI_OK)
		return;
	if ((rc = bi_rc_name(h->result.code)) == NULL) {
		x->rc =
		    bi_fail(x->e, BI_ERR_INVAL, "Result.ResultCode", "invalid");
		return;
	}
	r = json_object();
	bi_put(x, x->o, "Result", r);
	bi_put(x, r, "ResultCode", json_string(rc));
	if (h->result.description[0] != '\0')
		put_text(x, r, "Description", "Result.Description",
		    h->result.description);
}

static void
enc_join_req(struct bi_enc *x, const struct bi_join_req *r)
{
	const char *v = bi_macv_name(r->mac_version);

	if (v == NULL) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL, "MACVersion", "invalid");
		return;
	}
	if (r->phy_payload_len == 0) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL, "PHYPayload", "empty");
		return;
	}
	if (r->rx_delay > 15) {
		x->rc = bi_fail(x->e, BI_ERR_INVAL, "RxDelay", "over 15");
		return;
	}
	bi_put(x, x->o, "MACVersion", json_string(v));
	bi_put_hex(x, x->o, "PHYPayload", r->phy_payload, r->phy_payload_len);
	bi_put_be(x, x->o, "DevEUI", r->dev_eui, 8);
	bi_put_be(x, x->o, "DevAddr", r->dev_addr, 4);
	bi_put_hex(x, x->o, "DLSettings", &r->dl_settings, 1);
	bi_put(x, x->o, "RxDelay", json_integer(r->rx_delay));
	if (r->has_cflist)
		bi_put_hex(x, x->o, "CFList", r->cflist, BI_CFLIST_LEN);
}

static void
enc_join_ans(struct bi_enc *x, const struct bi_join_ans *a)
{
	if (a->phy_payload_len > 0)
		bi_put_hex(
		    x, x->o, "PHYPayload", a->phy_payload, a->phy_payload_len);
	if (a->has_lifetime)
		bi_put(x, x->o, "Lifetime", json_integer(a->lifetime));
	bi_put_key_env(x, "NwkSKey", &a->nwk_s_key);
	bi_put_key_env(x, "FNwkSIntKey", &a->f_nwk_s_int_key);
	bi_put_key_env(x, "SNwkSIntKey", &a->s_nwk_s_int_key);
	bi_put_key_env(x, "NwkSEncKey", &a->nwk_s_enc_key);
	bi_put_key_env(x, "AppSKey", &a->app_s_key);
	if (a->session_key_id_len > BI_SKID_MAX && x->rc == BI_OK)
		x->rc = bi_fail(x->e, BI_ERR_INVAL, "SessionKeyID", "too long");
	if (a->session_key_id_len > 0)
		bi_put_hex(x, x->o, "SessionKeyID", a->session_key_id,
		    a->session_key_id_len);
}

static void
enc_body(struct bi_enc *x, const struct bi_msg *m)
{
	switch (m->hdr.type) {
	case BI_JOIN_REQ:
	case BI_REJOIN_REQ:
		enc_join_req(x, &m->join_req);
		break;
	case BI_JOIN_ANS:
	case BI_REJOIN_ANS:
		enc_join_ans(x, &m->join_ans);
		break;
	case BI_APPSKEY_REQ:
		if (m->appskey_req.session_key_id_len == 0 ||
		    m->appskey_req.session_key_id_len > BI_SKID_MAX) {
			x->rc = bi_fail(x->e, BI_ERR_INVAL, "SessionKeyID",
			    "not 1..%d bytes", BI_SKID_MAX);
			break;
		}
		bi_put_be(x, x->o, "DevEUI", m->appskey_req.dev_eui, 8);
		bi_put_hex(x, x->o, "SessionKeyID",
		    m->appskey_req.session_key_id,
		    m->appskey_req.session_key_id_len);
		break;
	case BI_APPSKEY_ANS:
		if (m->appskey_ans.has_dev_eui)
			bi_put_be(x, x->o, "DevEUI", m->appskey_ans.dev_eui, 8);
		bi_put_key_env(x, "AppSKey", &m->appskey_ans.app_s_key);
		if (m->appskey_ans.session_key_id_len > BI_SKID_MAX &&
		    x->rc == BI_OK)
			x->rc = bi_fail(
			    x->e, BI_ERR_INVAL, "SessionKeyID", "too long");
		if (m->appskey_ans.session_key_id_len > 0)
			bi_put_hex(x, x->o, "SessionKeyID",
			    m->appskey_ans.session_key_id,
			    m->appskey_ans.session_key_id_len);
		break;
	case BI_HOMENS_REQ:
		bi_put_be(x, x->o, "DevEUI", m->homens_req.dev_eui, 8);
		break;
	case BI_HOMENS_ANS:
		if (m->homens_ans.has_h_net_id) {
			if (m->homens_ans.h_net_id > 0xffffff) {
				x->rc = bi_fail(x->e, BI_ERR_INVAL, "HNetID",
				    "over 24 bits");
				break;
			}
			bi_put_be(x, x->o, "HNetID", m->homens_ans.h_net_id, 3);
		}
		if (bi_check_text(x, "HNSID", m->homens_ans.h_nsid, BI_ID_MAX,
			false) == BI_OK &&
		    m->homens_ans.h_nsid[0] != '\0')
			bi_put(x, x->o, "HNSID",
			    json_string(m->homens_ans.h_nsid));
		break;
	default:
		if (bi_enc_roam(x, m))
			break;
		/* an answer of another type: header and Result, which is
		 * what an error answer is */
		if (!bi_msg_type_is_answer(m->hdr.type))
			x->rc = bi_fail(x->e, BI_ERR_UNSUPPORTED, "MessageType",
			    "%s not supported", bi_msg_type_name(m->hdr.type));
		break;
	}
}

int
bi_encode(
    const struct bi_msg *m, char **out, size_t *outlen, struct bi_error *err)
{
	struct bi_error local;
	struct bi_enc x = {.rc = BI_OK};

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	x.e = err;
	if (out == NULL)
		return bi_fail(err, BI_ERR_INVAL, NULL, "no output");
	*out = NULL;
	if (m == NULL)
		return bi_fail(err, BI_ERR_INVAL, NULL, "no message");
	if ((x.o = json_object()) == NULL)
		return bi_fail(err, BI_ERR_NOMEM, NULL, "out of memory");
	enc_hdr(&x, &m->hdr);
	if (x.rc == BI_OK)
		enc_body(&x, m);
	if (x.rc == BI_OK && bi_msg_type_is_answer(m->hdr.type))
		x.rc = bi_check_answer(m, BI_ERR_INVAL, err);
	if (x.rc == BI_OK &&
	    (*out = json_dumps(x.o, JSON_COMPACT | JSON_REAL_PRECISION(15))) ==
		NULL)
		x.rc = bi_fail(err, BI_ERR_NOMEM, NULL, "out of memory");
	json_decref(x.o);
	if (x.rc == BI_OK && outlen != NULL)
		*outlen = strlen(*out);
	return x.rc;
}
