/*
 * test_bi.c - Backend Interfaces messages (backend/bi.h): the sample
 * bodies of lorawan-backend.md §1.11 and the e2e vectors decode to the
 * right values and re-encode to the same bytes; every message round-trips;
 * every field error names its field; hex case and "0x"; result code
 * spellings; size limit, duplicate keys; the generic error answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "backend/bi.h"
#include "lorawan/keywrap.h"
#include "util/bytes.h"

/* §1.11, whitespace removed */
static const char join_req_1_0[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"010203\","
    "\"ReceiverID\":\"0807060504030201\",\"TransactionID\":1234,"
    "\"MessageType\":\"JoinReq\",\"MACVersion\":\"1.0.2\","
    "\"PHYPayload\":\"00010203040506070808070605040302010201cde6acb8\","
    "\"DevEUI\":\"0102030405060708\",\"DevAddr\":\"01020304\","
    "\"DLSettings\":\"15\",\"RxDelay\":1,"
    "\"CFList\":\"188e84e8958400000000000000000000\"}";

static const char join_ans_1_0[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"0807060504030201\","
    "\"ReceiverID\":\"010203\",\"TransactionID\":1234,"
    "\"MessageType\":\"JoinAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"PHYPayload\":"
    "\"206df7a320449291372145e211db8573f8dc4f57e82567e8b1b3fec7cf6a558533\","
    "\"Lifetime\":0,"
    "\"NwkSKey\":{\"KEKLabel\":\"\","
    "\"AESKey\":\"df53c35f3034ccced0ff354c70de04df\"},"
    "\"AppSKey\":{\"KEKLabel\":\"\","
    "\"AESKey\":\"927b9c911183cffe4cb2ff4b75545f6d\"}}";

/* the e2e_join_1_1 vector as a JoinAns (BRO omits Lifetime) */
static const char join_ans_1_1[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"0807060504030201\","
    "\"ReceiverID\":\"010203\",\"TransactionID\":1234,"
    "\"MessageType\":\"JoinAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"PHYPayload\":"
    "\"206c33d69575f757e27b4f018f3ae7217e467f4268f761f68ff54e5a2500d4be0e\","
    "\"FNwkSIntKey\":{\"KEKLabel\":\"010203\",\"AESKey\":"
    "\"5755e6c3241ee7e6646f0ffe87787a002cf9e4b083498f00\"},"
    "\"SNwkSIntKey\":{\"KEKLabel\":\"010203\",\"AESKey\":"
    "\"f6b0b81f3d3029125591c0b0b88d76c93b48aca4041685d3\"},"
    "\"NwkSEncKey\":{\"KEKLabel\":\"010203\",\"AESKey\":"
    "\"4ee1ecdbbd9752ef6de28c41e9bdae2527cef1f2027f9df7\"},"
    "\"AppSKey\":{\"KEKLabel\":\"lora-app-server\",\"AESKey\":"
    "\"f8d7c9fa37b0d1c6354e6db8e19d9d7ab4e5c7581e9f1e20\"}}";

static const char homens_ans[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"0807060504030201\","
    "\"ReceiverID\":\"010203\",\"TransactionID\":7,"
    "\"MessageType\":\"HomeNSAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"HNetID\":\"030201\"}";

static void
hex16(const char *hex, uint8_t out[16])
{
	const char *why;

	assert_int_equal(bytes_from_hex_exact(hex, out, 16, &why), 0);
}

/* reencode - encode m and compare with want (NULL: just succeed) */
static void
reencode(const struct bi_msg *m, const char *want)
{
	struct bi_error e;
	char *out;
	size_t n;

	assert_int_equal(bi_encode(m, &out, &n, &e), BI_OK);
	assert_int_equal(strlen(out), n);
	if (want != NULL)
		assert_string_equal(out, want);
	free(out);
}

static void
test_sample_join_req(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	uint64_t eui;
	uint32_t netid;

	(void)state;
	assert_int_equal(
	    bi_decode(join_req_1_0, strlen(join_req_1_0), &m, &e), BI_OK);
	assert_true(e.header_ok);
	assert_string_equal(m.hdr.protocol_version, "1.0");
	assert_int_equal(m.hdr.pv, BI_PV_1_0);
	assert_string_equal(m.hdr.sender_id, "010203");
	assert_int_equal(bi_id_netid(m.hdr.sender_id, &netid), 0);
	assert_int_equal(netid, 0x010203);
	assert_int_equal(bi_id_eui64(m.hdr.receiver_id, &eui), 0);
	assert_true(eui == 0x0807060504030201ull);
	assert_int_equal(m.hdr.transaction_id, 1234);
	assert_int_equal(m.hdr.type, BI_JOIN_REQ);
	assert_int_equal(m.hdr.sender_token_len, 0);
	assert_int_equal(m.join_req.mac_version, BI_MACV_1_0_2);
	assert_int_equal(m.join_req.phy_payload_len, 23);
	assert_int_equal(m.join_req.phy_payload[0], 0x00);
	assert_int_equal(m.join_req.phy_payload[22], 0xb8);
	assert_true(m.join_req.dev_eui == 0x0102030405060708ull);
	assert_int_equal(m.join_req.dev_addr, 0x01020304);
	assert_int_equal(m.join_req.dl_settings, 0x15);
	assert_int_equal(m.join_req.rx_delay, 1);
	assert_true(m.join_req.has_cflist);
	assert_int_equal(m.join_req.cflist[0], 0x18);
	assert_int_equal(m.join_req.cflist[15], 0x00);
	/* the same bytes come back: field order and spelling of §1.11 */
	reencode(&m, join_req_1_0);
}

static void
test_sample_join_ans_1_0(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	uint8_t k[16];

	(void)state;
	assert_int_equal(
	    bi_decode(join_ans_1_0, strlen(join_ans_1_0), &m, &e), BI_OK);
	assert_int_equal(m.hdr.type, BI_JOIN_ANS);
	assert_int_equal(m.hdr.result.code, BI_RC_SUCCESS);
	assert_string_equal(m.hdr.result.description, "");
	assert_int_equal(m.join_ans.phy_payload_len, 33);
	assert_int_equal(m.join_ans.phy_payload[0], 0x20);
	assert_true(m.join_ans.has_lifetime);
	assert_int_equal(m.join_ans.lifetime, 0);
	assert_true(m.join_ans.nwk_s_key.present);
	assert_string_equal(m.join_ans.nwk_s_key.kek_label, "");
	assert_int_equal(m.join_ans.nwk_s_key.aes_key_len, 16);
	hex16("df53c35f3034ccced0ff354c70de04df", k);
	assert_memory_equal(m.join_ans.nwk_s_key.aes_key, k, 16);
	hex16("927b9c911183cffe4cb2ff4b75545f6d", k);
	assert_memory_equal(m.join_ans.app_s_key.aes_key, k, 16);
	assert_false(m.join_ans.f_nwk_s_int_key.present);
	assert_int_equal(m.join_ans.session_key_id_len, 0);
	reencode(&m, join_ans_1_0);
}

/* the 1.1 answer's wrapped keys unwrap (all-zero KEKs) to the vector's */
static void
test_e2e_join_ans_1_1(void **state)
{
	static const struct {
		const char *label, *plain;
	} want[4] = {
	    {"010203", "537f8aae896c79e015d102d06286354e"},
	    {"010203", "589498993092cfdb5fd2e02ac7510bf1"},
	    {"010203", "9898283c4f66eb6c6fd5165882046c40"},
	    {"lora-app-server", "01621215d1ca08febf0c602cc2ad90fa"},
	};
	const uint8_t kek[16] = {0};
	struct bi_msg m;
	struct bi_error e;
	const struct bi_key_env *k[4];
	uint8_t plain[16], got[16];
	size_t n;

	(void)state;
	assert_int_equal(
	    bi_decode(join_ans_1_1, strlen(join_ans_1_1), &m, &e), BI_OK);
	assert_false(m.join_ans.has_lifetime);
	assert_false(m.join_ans.nwk_s_key.present);
	k[0] = &m.join_ans.f_nwk_s_int_key;
	k[1] = &m.join_ans.s_nwk_s_int_key;
	k[2] = &m.join_ans.nwk_s_enc_key;
	k[3] = &m.join_ans.app_s_key;
	for (int i = 0; i < 4; i++) {
		assert_true(k[i]->present);
		assert_string_equal(k[i]->kek_label, want[i].label);
		assert_int_equal(k[i]->aes_key_len, 24);
		assert_int_equal(
		    lw_key_unwrap(kek, 16, k[i]->aes_key, 24, got, &n), 0);
		assert_int_equal(n, 16);
		hex16(want[i].plain, plain);
		assert_memory_equal(got, plain, 16);
	}
	reencode(&m, join_ans_1_1);
}

static void
test_sample_homens_ans(void **state)
{
	struct bi_msg m;
	struct bi_error e;

	(void)state;
	assert_int_equal(
	    bi_decode(homens_ans, strlen(homens_ans), &m, &e), BI_OK);
	assert_int_equal(m.hdr.type, BI_HOMENS_ANS);
	assert_true(m.homens_ans.has_h_net_id);
	assert_int_equal(m.homens_ans.h_net_id, 0x030201);
	assert_string_equal(m.homens_ans.h_nsid, "");
	reencode(&m, homens_ans);
}

/* round_trip - encode, decode, encode again: same text, same struct
 * where it matters (checked by the caller) */
static void
round_trip(const struct bi_msg *m, struct bi_msg *back)
{
	struct bi_error e;
	char *a, *b;
	size_t na, nb;

	assert_int_equal(bi_encode(m, &a, &na, &e), BI_OK);
	if (bi_decode(a, na, back, &e) != BI_OK)
		fail_msg("%s: %s", a, e.text);
	assert_int_equal(bi_encode(back, &b, &nb, &e), BI_OK);
	assert_string_equal(a, b);
	free(a);
	free(b);
	assert_int_equal(back->hdr.type, m->hdr.type);
	assert_string_equal(back->hdr.sender_id, m->hdr.sender_id);
	assert_string_equal(back->hdr.receiver_id, m->hdr.receiver_id);
	assert_int_equal(back->hdr.transaction_id, m->hdr.transaction_id);
	assert_int_equal(back->hdr.sender_token_len, m->hdr.sender_token_len);
	assert_memory_equal(back->hdr.sender_token, m->hdr.sender_token,
	    m->hdr.sender_token_len);
	assert_int_equal(
	    back->hdr.receiver_token_len, m->hdr.receiver_token_len);
	assert_string_equal(back->hdr.sender_nsid, m->hdr.sender_nsid);
	assert_string_equal(back->hdr.receiver_nsid, m->hdr.receiver_nsid);
	if (bi_msg_type_is_answer(m->hdr.type)) {
		assert_int_equal(back->hdr.result.code, m->hdr.result.code);
		assert_string_equal(
		    back->hdr.result.description, m->hdr.result.description);
	}
}

static void
key(struct bi_key_env *k, const char *label, uint8_t fill)
{
	k->present = true;
	snprintf(k->kek_label, sizeof(k->kek_label), "%s", label);
	k->aes_key_len = label[0] ? BI_WRAPPED_KEY_LEN : BI_KEY_LEN;
	memset(k->aes_key, fill, k->aes_key_len);
}

static void
hdr(struct bi_msg *m, enum bi_msg_type t)
{
	bi_msg_init(m, t);
	snprintf(
	    m->hdr.protocol_version, sizeof(m->hdr.protocol_version), "1.1");
	bi_id_from_netid(0xc0ffee, m->hdr.sender_id, sizeof(m->hdr.sender_id));
	bi_id_from_eui64(0x70b3d57ed0000001ull, m->hdr.receiver_id,
	    sizeof(m->hdr.receiver_id));
	m->hdr.transaction_id = 0xffffffffu;
	m->hdr.sender_token_len = 3;
	memcpy(m->hdr.sender_token, "\x01\xab\xff", 3);
	m->hdr.receiver_token_len = 1;
	m->hdr.receiver_token[0] = 0x5a;
	snprintf(
	    m->hdr.sender_nsid, sizeof(m->hdr.sender_nsid), "70b3d57ed0000abc");
}

static void
test_round_trip_requests(void **state)
{
	static const enum bi_msg_type jr[2] = {BI_JOIN_REQ, BI_REJOIN_REQ};
	struct bi_msg m, b;

	(void)state;
	for (int i = 0; i < 2; i++) {
		for (int v = BI_MACV_1_0; v <= BI_MACV_1_1; v++) {
			hdr(&m, jr[i]);
			m.join_req.mac_version = (enum bi_macv)v;
			m.join_req.phy_payload_len = BI_PHY_MAX;
			memset(m.join_req.phy_payload, 0xa5, BI_PHY_MAX);
			m.join_req.dev_eui = 0xfedcba9876543210ull;
			m.join_req.dev_addr = 0x26011234;
			m.join_req.dl_settings = 0x95;
			m.join_req.rx_delay = 15;
			m.join_req.has_cflist = v == BI_MACV_1_1;
			if (m.join_req.has_cflist)
				memset(m.join_req.cflist, 0x18, BI_CFLIST_LEN);
			round_trip(&m, &b);
			assert_memory_equal(
			    &b.join_req, &m.join_req, sizeof(m.join_req));
		}
	}
	hdr(&m, BI_APPSKEY_REQ);
	m.appskey_req.dev_eui = 1;
	m.appskey_req.session_key_id_len = BI_SKID_MAX;
	memset(m.appskey_req.session_key_id, 0x77, BI_SKID_MAX);
	round_trip(&m, &b);
	assert_memory_equal(
	    &b.appskey_req, &m.appskey_req, sizeof(m.appskey_req));
	hdr(&m, BI_HOMENS_REQ);
	m.homens_req.dev_eui = 0x0102030405060708ull;
	round_trip(&m, &b);
	assert_true(b.homens_req.dev_eui == m.homens_req.dev_eui);
}

static void
check_key(const struct bi_key_env *a, const struct bi_key_env *b)
{
	assert_int_equal(a->present, b->present);
	assert_string_equal(a->kek_label, b->kek_label);
	assert_int_equal(a->aes_key_len, b->aes_key_len);
	assert_memory_equal(a->aes_key, b->aes_key, a->aes_key_len);
}

static void
test_round_trip_answers(void **state)
{
	static const enum bi_msg_type ja[2] = {BI_JOIN_ANS, BI_REJOIN_ANS};
	struct bi_msg m, b;

	(void)state;
	for (int i = 0; i < 2; i++) {
		/* 1.0: NwkSKey in clear, AppSKey wrapped, a SessionKeyID */
		hdr(&m, ja[i]);
		snprintf(m.hdr.result.description,
		    sizeof(m.hdr.result.description), "ok \"quoted\" é");
		m.join_ans.phy_payload_len = 33;
		memset(m.join_ans.phy_payload, 0x20, 33);
		m.join_ans.has_lifetime = true;
		m.join_ans.lifetime = 4294967295u;
		key(&m.join_ans.nwk_s_key, "", 1);
		key(&m.join_ans.app_s_key, "as:example", 2);
		m.join_ans.session_key_id_len = 16;
		memset(m.join_ans.session_key_id, 0x01, 16);
		round_trip(&m, &b);
		assert_int_equal(b.join_ans.lifetime, 4294967295u);
		check_key(&b.join_ans.nwk_s_key, &m.join_ans.nwk_s_key);
		check_key(&b.join_ans.app_s_key, &m.join_ans.app_s_key);
		assert_int_equal(b.join_ans.session_key_id_len, 16);
		/* 1.1: three network keys, SessionKeyID only */
		hdr(&m, ja[i]);
		m.join_ans.phy_payload_len = 17;
		key(&m.join_ans.f_nwk_s_int_key, "ns:c0ffee:host", 3);
		key(&m.join_ans.s_nwk_s_int_key, "", 4);
		key(&m.join_ans.nwk_s_enc_key, "x", 5);
		m.join_ans.session_key_id_len = 1;
		round_trip(&m, &b);
		check_key(
		    &b.join_ans.f_nwk_s_int_key, &m.join_ans.f_nwk_s_int_key);
		check_key(
		    &b.join_ans.s_nwk_s_int_key, &m.join_ans.s_nwk_s_int_key);
		check_key(&b.join_ans.nwk_s_enc_key, &m.join_ans.nwk_s_enc_key);
		assert_false(b.join_ans.app_s_key.present);
		assert_false(b.join_ans.has_lifetime);
		/* a failure: nothing but the Result */
		hdr(&m, ja[i]);
		m.hdr.result.code = BI_RC_MIC_FAILED;
		round_trip(&m, &b);
		assert_int_equal(b.join_ans.phy_payload_len, 0);
	}
	hdr(&m, BI_APPSKEY_ANS);
	m.appskey_ans.has_dev_eui = true;
	m.appskey_ans.dev_eui = 0x0102030405060708ull;
	key(&m.appskey_ans.app_s_key, "as", 9);
	m.appskey_ans.session_key_id_len = 26;
	round_trip(&m, &b);
	assert_memory_equal(
	    &b.appskey_ans, &m.appskey_ans, sizeof(m.appskey_ans));
	hdr(&m, BI_APPSKEY_ANS);
	m.hdr.result.code = BI_RC_UNKNOWN_DEV_EUI;
	round_trip(&m, &b);
	assert_false(b.appskey_ans.has_dev_eui);
	hdr(&m, BI_HOMENS_ANS);
	m.homens_ans.has_h_net_id = true;
	m.homens_ans.h_net_id = 0x600013;
	snprintf(m.homens_ans.h_nsid, sizeof(m.homens_ans.h_nsid),
	    "70b3d57ed0000002");
	round_trip(&m, &b);
	assert_memory_equal(&b.homens_ans, &m.homens_ans, sizeof(m.homens_ans));
	hdr(&m, BI_HOMENS_ANS);
	m.hdr.result.code = BI_RC_NO_ROAMING_AGREEMENT;
	round_trip(&m, &b);
	assert_false(b.homens_ans.has_h_net_id);
	/* answers of types without a body here: header and Result; the
	 * roaming answers (test_bi_roaming.c) decode as a whole */
	for (int t = BI_PRSTART_ANS; t < BI_MT_COUNT; t += 2) {
		bool body = t == BI_PRSTART_ANS || t == BI_XMITDATA_ANS ||
		    t == BI_PROFILE_ANS;

		if (t == BI_HOMENS_ANS)
			continue;
		hdr(&m, (enum bi_msg_type)t);
		m.hdr.result.code = BI_RC_OTHER;
		{
			struct bi_error e;
			char *out;
			size_t n;

			assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
			assert_int_equal(bi_decode(out, n, &b, &e),
			    body ? BI_OK : BI_ERR_UNSUPPORTED);
			assert_true(e.header_ok);
			assert_int_equal(b.hdr.result.code, BI_RC_OTHER);
			free(out);
		}
	}
}

/* mutate - base with one (possibly nested "A.B") field replaced by the
 * JSON text value, or deleted if value is NULL */
static char *
mutate(const char *base, const char *field, const char *value)
{
	json_t *root = json_loads(base, 0, NULL), *o = root, *v;
	char key[64], *dot, *out;

	assert_non_null(root);
	snprintf(key, sizeof(key), "%s", field);
	if ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		o = json_object_get(root, key);
		assert_non_null(o);
		memmove(key, dot + 1, strlen(dot + 1) + 1);
	}
	if (value == NULL) {
		json_object_del(o, key);
	} else {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		json_object_set_new(o, key, v);
	}
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

struct field_case {
	const char *base;
	const char *field, *value; /* value NULL: delete the field */
	int code;
	bool header_ok;
	const char *text;
};

static void
test_field_errors(void **state)
{
	static const struct field_case c[] = {
	    {join_req_1_0, "PHYPayload", NULL, BI_ERR_MISSING, true,
		"PHYPayload: missing"},
	    {join_req_1_0, "PHYPayload", "\"\"", BI_ERR_FIELD, true,
		"PHYPayload: empty"},
	    {join_req_1_0, "PHYPayload", "\"abc\"", BI_ERR_FIELD, true,
		"PHYPayload: not hex (odd number of hex digits)"},
	    {join_req_1_0, "PHYPayload", "\"zz\"", BI_ERR_FIELD, true,
		"PHYPayload: not hex (not a hex digit)"},
	    {join_req_1_0, "PHYPayload", "7", BI_ERR_FIELD, true,
		"PHYPayload: not a string"},
	    {join_req_1_0, "DevEUI", "\"01020304050607\"", BI_ERR_FIELD, true,
		"DevEUI: not 16 hex digits"},
	    {join_req_1_0, "DevEUI", "\"010203040506070809\"", BI_ERR_FIELD,
		true, "DevEUI: not 16 hex digits"},
	    {join_req_1_0, "DevEUI", "\"01-02-03-04-05-06-07-08\"",
		BI_ERR_FIELD, true, "DevEUI: not 16 hex digits"},
	    {join_req_1_0, "DevEUI", "null", BI_ERR_MISSING, true,
		"DevEUI: missing"},
	    {join_req_1_0, "DevAddr", "\"0102030g\"", BI_ERR_FIELD, true,
		"DevAddr: not 8 hex digits"},
	    {join_req_1_0, "DLSettings", "\"1\"", BI_ERR_FIELD, true,
		"DLSettings: not 2 hex digits"},
	    {join_req_1_0, "RxDelay", "16", BI_ERR_FIELD, true,
		"RxDelay: not a number 0..15"},
	    {join_req_1_0, "RxDelay", "\"1\"", BI_ERR_FIELD, true,
		"RxDelay: not a number 0..15"},
	    {join_req_1_0, "RxDelay", NULL, BI_ERR_MISSING, true,
		"RxDelay: missing"},
	    {join_req_1_0, "CFList", "\"188e\"", BI_ERR_FIELD, true,
		"CFList: not 32 hex digits"},
	    {join_req_1_0, "MACVersion", "\"2.0\"", BI_ERR_FIELD, true,
		"MACVersion: unknown version \"2.0\""},
	    {join_req_1_0, "MACVersion", NULL, BI_ERR_MISSING, true,
		"MACVersion: missing"},
	    {join_req_1_0, "TransactionID", "-1", BI_ERR_FIELD, false,
		"TransactionID: not a 32-bit number"},
	    {join_req_1_0, "TransactionID", "4294967296", BI_ERR_FIELD, false,
		"TransactionID: not a 32-bit number"},
	    {join_req_1_0, "TransactionID", "1.5", BI_ERR_FIELD, false,
		"TransactionID: not a 32-bit number"},
	    {join_req_1_0, "TransactionID", "\"1234\"", BI_ERR_FIELD, false,
		"TransactionID: not a 32-bit number"},
	    {join_req_1_0, "SenderID", NULL, BI_ERR_MISSING, false,
		"SenderID: missing"},
	    {join_req_1_0, "SenderID", "\"\"", BI_ERR_FIELD, false,
		"SenderID: empty"},
	    {join_req_1_0, "ReceiverID", "\"a\\tb\"", BI_ERR_FIELD, false,
		"ReceiverID: not 1..255 printable ASCII characters"},
	    {join_req_1_0, "MessageType", "\"Foo\"", BI_ERR_FIELD, false,
		"MessageType: unknown type \"Foo\""},
	    {join_req_1_0, "MessageType", "\"joinreq\"", BI_ERR_FIELD, false,
		"MessageType: unknown type \"joinreq\""},
	    {join_req_1_0, "ProtocolVersion", NULL, BI_ERR_MISSING, true,
		"ProtocolVersion: missing"},
	    {join_req_1_0, "ProtocolVersion", "\"2.0\"", BI_ERR_VERSION, true,
		"ProtocolVersion: unsupported version \"2.0\" (1.0 or 1.1)"},
	    {join_req_1_0, "ProtocolVersion", "1.0", BI_ERR_FIELD, true,
		"ProtocolVersion: not a string"},
	    {join_req_1_0, "SenderToken", "\"0x0g\"", BI_ERR_FIELD, true,
		"SenderToken: not hex (not a hex digit)"},
	    {join_req_1_0, "SenderNSID", "[]", BI_ERR_FIELD, true,
		"SenderNSID: not a string"},
	    {join_ans_1_0, "Result", NULL, BI_ERR_MISSING, true,
		"Result: missing"},
	    {join_ans_1_0, "Result", "\"Success\"", BI_ERR_FIELD, true,
		"Result: not an object"},
	    {join_ans_1_0, "Result.ResultCode", "\"Bogus\"", BI_ERR_FIELD, true,
		"Result.ResultCode: unknown code \"Bogus\""},
	    {join_ans_1_0, "Result.ResultCode", NULL, BI_ERR_MISSING, true,
		"Result.ResultCode: missing"},
	    {join_ans_1_0, "Result.Description", "5", BI_ERR_FIELD, true,
		"Result.Description: not a string"},
	    {join_ans_1_0, "Lifetime", "-1", BI_ERR_FIELD, true,
		"Lifetime: not a 32-bit number"},
	    {join_ans_1_0, "PHYPayload", NULL, BI_ERR_MISSING, true,
		"PHYPayload: missing"},
	    {join_ans_1_0, "NwkSKey", NULL, BI_ERR_MISSING, true,
		"NwkSKey: missing (and no FNwkSIntKey, SNwkSIntKey, "
		"NwkSEncKey)"},
	    {join_ans_1_0, "NwkSKey", "\"00\"", BI_ERR_FIELD, true,
		"NwkSKey: not an object"},
	    {join_ans_1_0, "NwkSKey.AESKey", "\"00\"", BI_ERR_FIELD, true,
		"NwkSKey.AESKey: not 32 hex digits (a key in clear, no "
		"KEKLabel)"},
	    {join_ans_1_0, "NwkSKey.AESKey", NULL, BI_ERR_MISSING, true,
		"NwkSKey.AESKey: missing"},
	    {join_ans_1_0, "NwkSKey.KEKLabel", "\"010203\"", BI_ERR_FIELD, true,
		"NwkSKey.AESKey: not 48 hex digits (a wrapped key, KEKLabel "
		"\"010203\")"},
	    {join_ans_1_0, "NwkSKey.KEKLabel", "1", BI_ERR_FIELD, true,
		"NwkSKey.KEKLabel: not a string"},
	    {join_ans_1_0, "AppSKey", NULL, BI_ERR_MISSING, true,
		"AppSKey: missing (and no SessionKeyID)"},
	    {join_ans_1_0, "SessionKeyID", "\"q\"", BI_ERR_FIELD, true,
		"SessionKeyID: not hex (odd number of hex digits)"},
	    {join_ans_1_1, "SNwkSIntKey", NULL, BI_ERR_MISSING, true,
		"SNwkSIntKey: missing"},
	    {join_ans_1_1, "AppSKey.AESKey", "\"0x00\"", BI_ERR_FIELD, true,
		"AppSKey.AESKey: not 48 hex digits (a wrapped key, KEKLabel "
		"\"lora-app-server\")"},
	    {homens_ans, "HNetID", "\"0102\"", BI_ERR_FIELD, true,
		"HNetID: not 6 hex digits"},
	    {homens_ans, "HNetID", NULL, BI_ERR_MISSING, true,
		"HNetID: missing"},
	    {homens_ans, "HNSID", "\"\\u00e9\"", BI_ERR_FIELD, true,
		"HNSID: not 1..255 printable ASCII characters"},
	};
	struct bi_msg m;
	struct bi_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *js = mutate(c[i].base, c[i].field, c[i].value);
		int rc = bi_decode(js, strlen(js), &m, &e);

		if (rc != c[i].code || strcmp(e.text, c[i].text) != 0 ||
		    e.header_ok != c[i].header_ok)
			fail_msg("case %zu (%s): got %d \"%s\" header_ok %d", i,
			    c[i].field, rc, e.text, e.header_ok);
		/* the field is named, and the text starts with it */
		assert_int_equal(strncmp(e.text, e.field, strlen(e.field)), 0);
		assert_true(strlen(e.field) > 0);
		assert_int_equal(e.code, rc);
		free(js);
	}
}

static void
test_requests_other_types(void **state)
{
	static const char *const tmpl =
	    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"010203\","
	    "\"ReceiverID\":\"0807060504030201\",\"TransactionID\":9,"
	    "\"MessageType\":\"%s\",\"DevEUI\":\"%s\",\"SessionKeyID\":\"%s\"}";
	struct bi_msg m;
	struct bi_error e;
	char js[512];

	(void)state;
	snprintf(
	    js, sizeof(js), tmpl, "AppSKeyReq", "0X0102030405060A0b", "0xAbCd");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_true(m.appskey_req.dev_eui == 0x0102030405060a0bull);
	assert_int_equal(m.appskey_req.session_key_id_len, 2);
	assert_int_equal(m.appskey_req.session_key_id[0], 0xab);
	snprintf(js, sizeof(js), tmpl, "AppSKeyReq", "0102030405060708", "");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_ERR_FIELD);
	assert_string_equal(e.text, "SessionKeyID: empty");
	snprintf(js, sizeof(js), tmpl, "HomeNSReq", "0102030405060708", "");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(m.hdr.type, BI_HOMENS_REQ);
	snprintf(js, sizeof(js), tmpl, "HomeNSReq", "01020304050607", "");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_ERR_FIELD);
	assert_string_equal(e.text, "DevEUI: not 16 hex digits");
	/* a known type whose body is not handled: the header is there */
	snprintf(js, sizeof(js), tmpl, "HRStartReq", "", "");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_ERR_UNSUPPORTED);
	assert_true(e.header_ok);
	assert_string_equal(e.text, "MessageType: HRStartReq not supported");
	assert_int_equal(bi_err_result(e.code), BI_RC_OTHER);
	assert_int_equal(m.hdr.type, BI_HRSTART_REQ);
}

/* hex in any case, with or without 0x; emitted lowercase, no prefix */
static void
test_hex_case_and_prefix(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	char *js;

	(void)state;
	js = mutate(join_req_1_0, "DevEUI", "\"0xA1B2C3D4E5F60708\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_true(m.join_req.dev_eui == 0xa1b2c3d4e5f60708ull);
	free(js);
	js = mutate(join_req_1_0, "PHYPayload",
	    "\"0X00010203040506070808070605040302010201CDE6ACB8\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	/* back to the sample's exact text, lowercase */
	reencode(&m, join_req_1_0);
	free(js);
	js = mutate(join_ans_1_0, "NwkSKey.AESKey",
	    "\"0xDF53C35F3034CCCED0FF354C70DE04DF\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	reencode(&m, join_ans_1_0);
	free(js);
	js = mutate(homens_ans, "HNetID", "\"0x0A0b0C\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(m.homens_ans.h_net_id, 0x0a0b0c);
	free(js);
	js = mutate(join_req_1_0, "SenderToken", "\"0xDEADbeef\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(m.hdr.sender_token_len, 4);
	assert_int_equal(m.hdr.sender_token[0], 0xde);
	free(js);
}

static void
test_result_codes(void **state)
{
	static const char *const both[] = {"UnkownReceiver", "UnknownReceiver"};
	struct bi_msg m;
	struct bi_error e;
	enum bi_rc rc;
	char v[64], *js, *out;
	size_t n;

	(void)state;
	for (int i = 0; i < BI_RC_COUNT; i++) {
		assert_non_null(bi_rc_name((enum bi_rc)i));
		assert_int_equal(
		    bi_rc_parse(bi_rc_name((enum bi_rc)i), &rc), 0);
		assert_int_equal(rc, i);
	}
	assert_null(bi_rc_name(BI_RC_COUNT));
	assert_string_equal(
	    bi_rc_name(BI_RC_UNKNOWN_RECEIVER), "UnkownReceiver");
	assert_int_equal(bi_rc_parse("RoamingActDisallowedA", &rc), 0);
	assert_int_equal(rc, BI_RC_ROAMING_ACT_DISALLOWED);
	assert_int_equal(bi_rc_parse("success", &rc), -1);
	for (int i = 0; i < 2; i++) {
		snprintf(v, sizeof(v), "\"%s\"", both[i]);
		js = mutate(homens_ans, "Result.ResultCode", v);
		assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
		assert_int_equal(m.hdr.result.code, BI_RC_UNKNOWN_RECEIVER);
		assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
		assert_non_null(
		    strstr(out, "\"ResultCode\":\"UnkownReceiver\""));
		free(out);
		free(js);
	}
	js = mutate(
	    homens_ans, "Result.ResultCode", "\"RoamingActDisallowedA\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(m.hdr.result.code, BI_RC_ROAMING_ACT_DISALLOWED);
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
	assert_non_null(strstr(out, "\"RoamingActDisallowed\""));
	free(out);
	free(js);
	assert_int_equal(
	    bi_err_result(BI_ERR_VERSION), BI_RC_INVALID_PROTOCOL_VERSION);
	assert_int_equal(bi_err_result(BI_ERR_FIELD), BI_RC_MALFORMED_REQUEST);
	assert_int_equal(bi_err_result(BI_ERR_JSON), BI_RC_MALFORMED_REQUEST);
	assert_int_equal(bi_err_result(BI_OK), BI_RC_SUCCESS);
}

static void
test_size_and_json(void **state)
{
	size_t base = strlen(join_req_1_0);
	char *buf = malloc(BI_MSG_MAX + 2);
	struct bi_msg m;
	struct bi_error e;

	(void)state;
	assert_non_null(buf);
	/* exactly the limit: padded with white space, accepted */
	memcpy(buf, join_req_1_0, base);
	memset(buf + base, ' ', BI_MSG_MAX + 1 - base);
	assert_int_equal(bi_decode(buf, BI_MSG_MAX, &m, &e), BI_OK);
	assert_int_equal(
	    bi_decode(buf, BI_MSG_MAX + 1, &m, &e), BI_ERR_TOO_LONG);
	assert_string_equal(e.text,
	    "message: 65537 bytes, over the "
	    "65536-byte limit");
	assert_false(e.header_ok);
	free(buf);

	/* duplicate keys are refused, not "last one wins" */
	static const char dup[] =
	    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"010203\","
	    "\"SenderID\":\"040506\"}";
	assert_int_equal(bi_decode(dup, strlen(dup), &m, &e), BI_ERR_JSON);
	assert_non_null(strstr(e.text, "duplicate"));
	assert_false(e.header_ok);
	assert_string_equal(e.field, "");
	assert_int_equal(bi_decode("[1]", 3, &m, &e), BI_ERR_JSON);
	assert_string_equal(e.text, "JSON: not an object");
	assert_int_equal(bi_decode("{\"a\":1} x", 9, &m, &e), BI_ERR_JSON);
	assert_int_equal(
	    bi_decode("{\"a\":\"\\u0000\"}", 14, &m, &e), BI_ERR_JSON);
	assert_int_equal(bi_decode("{\"a\0\":1}", 8, &m, &e), BI_ERR_JSON);
	assert_int_equal(bi_decode("", 0, &m, &e), BI_ERR_JSON);
	assert_int_equal(bi_decode(NULL, 0, &m, &e), BI_ERR_JSON);
	assert_int_equal(
	    bi_decode(join_req_1_0, base - 1, &m, &e), BI_ERR_JSON);
	/* nesting is bounded by jansson */
	buf = malloc(20001);
	assert_non_null(buf);
	memset(buf, '[', 10000);
	memset(buf + 10000, ']', 10000);
	assert_int_equal(bi_decode(buf, 20000, &m, &e), BI_ERR_JSON);
	free(buf);
}

/* null and "" are absent; VSExtension and unknown fields are ignored */
static void
test_optional_and_ignored(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	char *js, *js2;

	(void)state;
	js = mutate(join_req_1_0, "CFList", "null");
	js2 = mutate(js, "SenderToken", "\"\"");
	free(js);
	js = mutate(js2, "VSExtension",
	    "{\"VendorID\":\"0010\",\"Object\":{\"x\":[1,2,{\"y\":null}]}}");
	free(js2);
	js2 = mutate(js, "SomethingNew", "\"whatever\"");
	free(js);
	assert_int_equal(bi_decode(js2, strlen(js2), &m, &e), BI_OK);
	assert_false(m.join_req.has_cflist);
	assert_int_equal(m.hdr.sender_token_len, 0);
	free(js2);
	js = mutate(join_ans_1_0, "SessionKeyID", "\"\"");
	js2 = mutate(js, "NwkSKey.KEKLabel", NULL);
	free(js);
	js = mutate(js2, "Result.Description", "null");
	free(js2);
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(m.join_ans.nwk_s_key.aes_key_len, 16);
	free(js);
}

static void
test_error_answer(void **state)
{
	static const char want[] =
	    "{\"ProtocolVersion\":\"1.1\",\"SenderID\":\"0807060504030201\","
	    "\"ReceiverID\":\"010203\",\"TransactionID\":1234,"
	    "\"MessageType\":\"JoinAns\",\"ReceiverToken\":\"abcd\","
	    "\"ReceiverNSID\":\"70b3d57ed0000001\","
	    "\"Result\":{\"ResultCode\":\"MalformedRequest\","
	    "\"Description\":\"DevEUI: not 16 hex digits\"}}";
	struct bi_msg m;
	struct bi_error e;
	char *js, *js2, *out;
	size_t n;

	(void)state;
	js = mutate(join_req_1_0, "ProtocolVersion", "\"1.1\"");
	js2 = mutate(js, "SenderToken", "\"0xABCD\"");
	free(js);
	js = mutate(js2, "SenderNSID", "\"70b3d57ed0000001\"");
	free(js2);
	js2 = mutate(js, "DevEUI", "\"0102\"");
	free(js);
	assert_int_equal(bi_decode(js2, strlen(js2), &m, &e), BI_ERR_FIELD);
	assert_true(e.header_ok);
	assert_int_equal(
	    bi_encode_error(&m.hdr, bi_err_result(e.code), e.text, &out, &n),
	    BI_OK);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	free(out);
	free(js2);

	/* an unknown version is echoed, answered InvalidProtocolVersion */
	js = mutate(join_req_1_0, "ProtocolVersion", "\"2.0\"");
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_ERR_VERSION);
	assert_int_equal(
	    bi_encode_error(&m.hdr, bi_err_result(e.code), NULL, &out, &n),
	    BI_OK);
	assert_non_null(strstr(out, "\"ProtocolVersion\":\"2.0\""));
	assert_non_null(
	    strstr(out, "{\"ResultCode\":\"InvalidProtocolVersion\"}"));
	assert_int_equal(bi_decode(out, n, &m, &e), BI_ERR_VERSION);
	free(out);
	free(js);

	/* every request type has its answer type */
	for (int t = BI_JOIN_REQ; t < BI_MT_COUNT; t += 2) {
		bi_msg_init(&m, (enum bi_msg_type)t);
		snprintf(m.hdr.sender_id, sizeof(m.hdr.sender_id), "a");
		snprintf(m.hdr.receiver_id, sizeof(m.hdr.receiver_id), "b");
		assert_int_equal(
		    bi_encode_error(&m.hdr, BI_RC_OTHER, "x", &out, &n), BI_OK);
		assert_int_equal(bi_decode(out, n, &m, &e) == BI_OK ||
			e.code == BI_ERR_UNSUPPORTED,
		    1);
		assert_int_equal(m.hdr.type, t + 1);
		assert_string_equal(m.hdr.sender_id, "b");
		assert_string_equal(m.hdr.result.description, "x");
		free(out);
	}
	/* an answer has no answer; Success is not an error */
	bi_msg_init(&m, BI_JOIN_ANS);
	assert_int_equal(
	    bi_encode_error(&m.hdr, BI_RC_OTHER, NULL, &out, &n), BI_ERR_INVAL);
	assert_null(out);
	bi_msg_init(&m, BI_JOIN_REQ);
	snprintf(m.hdr.sender_id, sizeof(m.hdr.sender_id), "a");
	snprintf(m.hdr.receiver_id, sizeof(m.hdr.receiver_id), "b");
	assert_int_equal(bi_encode_error(&m.hdr, BI_RC_SUCCESS, NULL, &out, &n),
	    BI_ERR_INVAL);
}

/* Description: cut at BI_DESC_MAX on a character boundary */
static void
test_description_cut(void **state)
{
	char desc[1200], v[1300], *js, *out;
	struct bi_msg m;
	struct bi_error e;
	size_t n;

	(void)state;
	/* "é" is 2 bytes: 1 + 2k puts a boundary just past 511 */
	desc[0] = 'x';
	for (n = 1; n + 2 < sizeof(desc) - 1 && n < 1000; n += 2)
		memcpy(desc + n, "\xc3\xa9", 2);
	desc[n] = '\0';
	snprintf(v, sizeof(v), "\"%s\"", desc);
	js = mutate(homens_ans, "Result.Description", v);
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(strlen(m.hdr.result.description), 511);
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
	free(out);
	free(js);
	/* 2 + 2k: the cut falls inside a character and backs off */
	snprintf(v, sizeof(v), "\"y%s\"", desc);
	js = mutate(homens_ans, "Result.Description", v);
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_OK);
	assert_int_equal(strlen(m.hdr.result.description), 510);
	free(js);
	/* invalid UTF-8 given to the encoder is the caller's error */
	snprintf(m.hdr.result.description, sizeof(m.hdr.result.description),
	    "bad \xff");
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "Result.Description: not valid UTF-8");
	assert_null(out);
}

static void
test_encode_refusals(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	char *out;
	size_t n;

	(void)state;
	hdr(&m, BI_JOIN_ANS);
	m.join_ans.phy_payload_len = 17;
	key(&m.join_ans.nwk_s_key, "", 1);
	m.join_ans.session_key_id_len = 1;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
	free(out);
	m.join_ans.nwk_s_key.aes_key_len = 24;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text,
	    "NwkSKey.AESKey: not 32 hex digits (a key "
	    "in clear, no KEKLabel)");
	key(&m.join_ans.nwk_s_key, "", 1);
	m.join_ans.phy_payload_len = 0;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "PHYPayload: missing");
	m.join_ans.phy_payload_len = 17;
	m.join_ans.session_key_id_len = 0;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "AppSKey: missing (and no SessionKeyID)");
	m.join_ans.session_key_id_len = 1;
	m.hdr.sender_id[0] = '\0';
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(
	    e.text, "SenderID: not 1..255 printable ASCII characters");
	hdr(&m, BI_JOIN_REQ);
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "MACVersion: invalid");
	m.join_req.mac_version = BI_MACV_1_1;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "PHYPayload: empty");
	m.join_req.phy_payload_len = 23;
	m.join_req.rx_delay = 16;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	hdr(&m, BI_HRSTART_REQ);
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_UNSUPPORTED);
	hdr(&m, BI_HOMENS_ANS);
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_string_equal(e.text, "HNetID: missing");
	m.homens_ans.has_h_net_id = true;
	m.homens_ans.h_net_id = 0x1000000;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	m.hdr.type = BI_MT_NONE;
	assert_int_equal(bi_encode(&m, &out, &n, &e), BI_ERR_INVAL);
	assert_int_equal(bi_encode(NULL, &out, &n, &e), BI_ERR_INVAL);
}

static void
test_names_and_ids(void **state)
{
	uint64_t eui;
	uint32_t netid;
	char buf[BI_ID_MAX + 1];

	(void)state;
	for (int t = BI_MT_NONE + 1; t < BI_MT_COUNT; t++) {
		const char *name = bi_msg_type_name((enum bi_msg_type)t);

		assert_non_null(name);
		assert_int_equal(bi_msg_type_parse(name), t);
		assert_int_equal(bi_msg_type_is_answer((enum bi_msg_type)t),
		    strstr(name, "Ans") != NULL);
	}
	assert_null(bi_msg_type_name(BI_MT_NONE));
	assert_null(bi_msg_type_name(BI_MT_COUNT));
	assert_int_equal(bi_msg_type_answer(BI_HOMENS_REQ), BI_HOMENS_ANS);
	assert_int_equal(bi_msg_type_answer(BI_HOMENS_ANS), BI_MT_NONE);
	assert_int_equal(bi_macv_parse("1.1.0"), BI_MACV_1_1);
	assert_int_equal(bi_macv_parse("1.0.0"), BI_MACV_1_0);
	assert_int_equal(bi_macv_parse("1.0.4"), BI_MACV_1_0_4);
	assert_int_equal(bi_macv_parse("1.2"), BI_MACV_UNKNOWN);
	assert_string_equal(bi_macv_name(BI_MACV_1_1), "1.1");
	assert_null(bi_macv_name(BI_MACV_UNKNOWN));
	assert_int_equal(bi_id_eui64("0X70B3D57ED0000000", &eui), 0);
	assert_true(eui == 0x70b3d57ed0000000ull);
	assert_int_equal(bi_id_eui64("70b3d57ed000000", &eui), -1);
	assert_int_equal(bi_id_eui64("lora-app-server!", &eui), -1);
	assert_int_equal(bi_id_netid("00050A", &netid), 0);
	assert_int_equal(netid, 0x00050a);
	assert_int_equal(bi_id_netid("0x00050a00", &netid), -1);
	bi_id_from_eui64(0x70b3d57ed0000000ull, buf, sizeof(buf));
	assert_string_equal(buf, "70b3d57ed0000000");
	bi_id_from_netid(0xA, buf, sizeof(buf));
	assert_string_equal(buf, "00000a");
	for (int err = 0; err >= BI_ERR_NOMEM; err--)
		assert_string_not_equal(bi_strerror(err), "unknown error");
	assert_string_equal(bi_strerror(-100), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_join_req),
	    cmocka_unit_test(test_sample_join_ans_1_0),
	    cmocka_unit_test(test_e2e_join_ans_1_1),
	    cmocka_unit_test(test_sample_homens_ans),
	    cmocka_unit_test(test_round_trip_requests),
	    cmocka_unit_test(test_round_trip_answers),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_requests_other_types),
	    cmocka_unit_test(test_hex_case_and_prefix),
	    cmocka_unit_test(test_result_codes),
	    cmocka_unit_test(test_size_and_json),
	    cmocka_unit_test(test_optional_and_ignored),
	    cmocka_unit_test(test_error_answer),
	    cmocka_unit_test(test_description_cut),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_names_and_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
