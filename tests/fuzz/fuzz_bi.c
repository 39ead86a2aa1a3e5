/*
 * fuzz_bi.c - libFuzzer target: bytes as a Backend Interfaces message
 * (backend/bi.h), of whatever type the MessageType names.  Properties
 * checked, beyond "no crash, no leak":
 * - whatever decodes re-encodes, and that decodes and re-encodes to the
 *   same text (the encoder accepts all the decoder accepts);
 * - a decoded request gets a success answer and an error answer that
 *   both encode and decode again, echoing the TransactionID (for the
 *   roaming requests, the answer carries metadata built from the
 *   request's, so the metadata encoder sees fuzzed values too);
 * - a refused request whose header decoded gets an error answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* stable - encode m, decode it, encode again: same text.  Returns the
 * decode result of the encoded text (BI_OK, or BI_ERR_UNSUPPORTED for
 * an answer without a body here). */
static int
stable(const struct bi_msg *m)
{
	struct bi_msg *back = malloc(sizeof(*back));
	struct bi_error e;
	char *a = NULL, *b = NULL;
	size_t na, nb;
	int rc;

	if (back == NULL)
		return BI_ERR_NOMEM;
	if (bi_encode(m, &a, &na, &e) != BI_OK)
		abort();
	rc = bi_decode(a, na, back, &e);
	if (rc != BI_OK && rc != BI_ERR_UNSUPPORTED)
		abort();
	if (back->hdr.transaction_id != m->hdr.transaction_id ||
	    back->hdr.type != m->hdr.type)
		abort();
	if (rc == BI_OK) {
		if (bi_encode(back, &b, &nb, &e) != BI_OK || na != nb ||
		    memcmp(a, b, na) != 0)
			abort();
	}
	free(a);
	free(b);
	free(back);
	return rc;
}

static void
fill_key(struct bi_key_env *k, const char *label, const uint8_t *src, size_t n)
{
	k->present = true;
	memcpy(k->kek_label, label, strlen(label) + 1);
	k->aes_key_len = label[0] ? BI_WRAPPED_KEY_LEN : BI_KEY_LEN;
	for (size_t i = 0; i < k->aes_key_len; i++)
		k->aes_key[i] = n ? src[i % n] : (uint8_t)i;
}

/* dl_from_ul - the DLMetaData an sNS answers an uplink with: the
 * gateways' ULTokens back, RX1 on the uplink frequency */
static void
dl_from_ul(const struct bi_ul_meta *u, struct bi_dl_meta *d)
{
	d->has_dev_eui = u->has_dev_eui;
	d->dev_eui = u->dev_eui;
	d->has_f_port = u->has_f_port;
	d->f_port = u->f_port;
	d->has_dl_freq1 = u->has_ul_freq;
	d->dl_freq1 = u->ul_freq;
	d->has_dl_freq2 = !u->has_ul_freq || u->data_rate & 1;
	d->dl_freq2 = 869.525;
	d->has_rx_delay1 = true;
	d->rx_delay1 = 5;
	d->class_mode = (enum bi_class_mode)(1 + u->battery % 3);
	d->has_data_rate1 = u->has_data_rate;
	d->data_rate1 = u->data_rate;
	memcpy(d->fns_ul_token, u->fns_ul_token, u->fns_ul_token_len);
	d->fns_ul_token_len = u->fns_ul_token_len;
	memcpy(d->gw_info, u->gw_info, sizeof(d->gw_info));
	d->gw_info_len = u->gw_info_len;
}

/* answer - the success answer a JS or an sNS would give, built from the
 * request */
static void
answer(const struct bi_msg *req, struct bi_msg *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (bi_answer_hdr(&req->hdr, BI_RC_SUCCESS, "ok", &ans->hdr) != BI_OK)
		abort();
	switch (req->hdr.type) {
	case BI_JOIN_REQ:
	case BI_REJOIN_REQ: {
		const struct bi_join_req *r = &req->join_req;
		struct bi_join_ans *a = &ans->join_ans;

		memcpy(a->phy_payload, r->phy_payload, r->phy_payload_len);
		a->phy_payload_len = r->phy_payload_len;
		a->has_lifetime = r->rx_delay & 1;
		a->lifetime = (uint32_t)r->dev_eui;
		if (r->mac_version == BI_MACV_1_1) {
			fill_key(&a->f_nwk_s_int_key, "", r->phy_payload, 1);
			fill_key(&a->s_nwk_s_int_key, "ns:fuzz", r->phy_payload,
			    r->phy_payload_len);
			fill_key(&a->nwk_s_enc_key, "", r->cflist, 16);
		} else {
			fill_key(&a->nwk_s_key, "", r->phy_payload,
			    r->phy_payload_len);
		}
		if (r->has_cflist)
			fill_key(&a->app_s_key, "as", r->cflist, 16);
		else
			a->session_key_id_len =
			    1 + r->dl_settings % BI_SKID_MAX;
		break;
	}
	case BI_APPSKEY_REQ:
		ans->appskey_ans.has_dev_eui = true;
		ans->appskey_ans.dev_eui = req->appskey_req.dev_eui;
		fill_key(&ans->appskey_ans.app_s_key, "as",
		    req->appskey_req.session_key_id,
		    req->appskey_req.session_key_id_len);
		memcpy(ans->appskey_ans.session_key_id,
		    req->appskey_req.session_key_id,
		    req->appskey_req.session_key_id_len);
		ans->appskey_ans.session_key_id_len =
		    req->appskey_req.session_key_id_len;
		break;
	case BI_HOMENS_REQ:
		ans->homens_ans.has_h_net_id = true;
		ans->homens_ans.h_net_id = req->homens_req.dev_eui & 0xffffff;
		break;
	case BI_PRSTART_REQ: {
		const struct bi_prstart_req *r = &req->prstart_req;
		struct bi_prstart_ans *a = &ans->prstart_ans;

		memcpy(a->phy_payload, r->phy_payload, r->phy_payload_len);
		a->phy_payload_len = r->phy_payload_len;
		a->has_dev_eui = r->ul_meta.has_dev_eui;
		a->dev_eui = r->ul_meta.dev_eui;
		a->has_lifetime = r->ul_meta.has_f_cnt_up;
		a->lifetime = r->ul_meta.f_cnt_up;
		fill_key(&a->nwk_s_key, r->ul_meta.has_confirmed ? "k" : "",
		    r->phy_payload, r->phy_payload_len);
		a->has_dev_addr = r->ul_meta.has_dev_addr;
		a->dev_addr = r->ul_meta.dev_addr;
		a->has_dl_meta = true;
		dl_from_ul(&r->ul_meta, &a->dl_meta);
		break;
	}
	case BI_XMITDATA_REQ:
		ans->xmitdata_ans.has_dl_freq1 =
		    req->xmitdata_req.dl_meta.has_dl_freq1;
		ans->xmitdata_ans.dl_freq1 = req->xmitdata_req.dl_meta.dl_freq1;
		ans->xmitdata_ans.has_dl_freq2 =
		    req->xmitdata_req.dl_meta.has_dl_freq2;
		ans->xmitdata_ans.dl_freq2 = req->xmitdata_req.dl_meta.dl_freq2;
		break;
	case BI_PROFILE_REQ:
		ans->profile_ans.roaming_activation_type =
		    (enum bi_roaming_type)(1 + req->profile_req.dev_eui % 2);
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bi_msg *m = malloc(sizeof(*m)), *ans = malloc(sizeof(*ans));
	struct bi_error e;
	char *out = NULL;
	size_t n;
	int rc;

	if (m == NULL || ans == NULL)
		goto done;
	rc = bi_decode((const char *)data, size, m, &e);
	if (rc != BI_OK) {
		if (e.code != rc || e.text[0] == '\0')
			abort();
		/* a refused request is answered if its header decoded */
		if (e.header_ok && !bi_msg_type_is_answer(m->hdr.type)) {
			if (bi_encode_error(&m->hdr, bi_err_result(rc), e.text,
				&out, &n) != BI_OK)
				abort();
			rc = bi_decode(out, n, ans, &e);
			if (rc != BI_OK && rc != BI_ERR_UNSUPPORTED &&
			    rc != BI_ERR_VERSION)
				abort();
			if (ans->hdr.transaction_id != m->hdr.transaction_id)
				abort();
		}
		goto done;
	}
	stable(m);
	if (!bi_msg_type_is_answer(m->hdr.type)) {
		answer(m, ans);
		if (stable(ans) != BI_OK)
			abort();
		if (bi_encode_error(&m->hdr, BI_RC_OTHER, "fuzz", &out, &n) !=
		    BI_OK)
			abort();
	}
done:
	free(out);
	free(m);
	free(ans);
	return 0;
}
