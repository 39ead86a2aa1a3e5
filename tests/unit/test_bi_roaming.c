/*
 * test_bi_roaming.c - the passive-roaming messages of backend/bi.h:
 * ChirpStack-shaped PRStartReq/Ans and XmitDataReq/Ans bodies (written
 * from lorawan-backend.md §1.5 and §1.8) decode to the right values and
 * re-encode to the same bytes; every message round-trips; every refusal
 * names its field (nested ones by path); RFRegion and RFC 3339 handling;
 * every result code a roaming answer can carry.
 */
#include <math.h>
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

/* §1.8 step 7: the fNS forwards a join-request it cannot serve */
static const char prstart_req[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000002\","
    "\"ReceiverID\":\"000001\",\"TransactionID\":1234,"
    "\"MessageType\":\"PRStartReq\","
    "\"PHYPayload\":\"00010203040506070808070605040302010201cde6acb8\","
    "\"ULMetaData\":{\"DevEUI\":\"0102030405060708\",\"DataRate\":5,"
    "\"ULFreq\":868.1,\"RecvTime\":\"2024-05-01T12:00:00.123456789Z\","
    "\"RFRegion\":\"EU868\",\"GWCnt\":2,\"GWInfo\":["
    "{\"ID\":\"0102030405060708\",\"RSSI\":-42,\"SNR\":9.5,"
    "\"Lat\":52.3676,\"Lon\":4.9041,\"ULToken\":\"0a1001020304\","
    "\"DLAllowed\":true},"
    "{\"ID\":\"a1b2c3d4\",\"FineRecvTime\":123456789,"
    "\"RFRegion\":\"EU868\",\"RSSI\":-120,\"SNR\":-7.25,"
    "\"ULToken\":\"ff\",\"DLAllowed\":false}]}}";

/* §1.8 step 9: ChirpStack's answer, stateless (no Lifetime), 1.0 key */
static const char prstart_ans[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000001\","
    "\"ReceiverID\":\"000002\",\"TransactionID\":1234,"
    "\"MessageType\":\"PRStartAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"PHYPayload\":"
    "\"206df7a320449291372145e211db8573f8dc4f57e82567e8b1b3fec7cf6a558533\","
    "\"DevEUI\":\"0102030405060708\","
    "\"NwkSKey\":{\"KEKLabel\":\"000002\",\"AESKey\":"
    "\"5755e6c3241ee7e6646f0ffe87787a002cf9e4b083498f00\"},"
    "\"FCntUp\":0,"
    "\"DLMetaData\":{\"DevEUI\":\"0102030405060708\",\"Confirmed\":false,"
    "\"DLFreq1\":868.1,\"DLFreq2\":869.525,\"RXDelay1\":5,"
    "\"ClassMode\":\"A\",\"DataRate1\":5,\"DataRate2\":0,"
    "\"GWInfo\":[{\"ULToken\":\"0a1001020304\"}],"
    "\"HiPriorityFlag\":false},"
    "\"DevAddr\":\"01020304\"}";

/* §1.8 step 10: a downlink back to the fNS */
static const char xmit_down[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000001\","
    "\"ReceiverID\":\"000002\",\"TransactionID\":77,"
    "\"MessageType\":\"XmitDataReq\",\"PHYPayload\":\"60040302010000000a\","
    "\"DLMetaData\":{\"DevEUI\":\"0102030405060708\",\"FPort\":10,"
    "\"FCntDown\":3,\"Confirmed\":true,\"DLFreq1\":867.5,"
    "\"RXDelay1\":1,\"ClassMode\":\"A\",\"DataRate1\":3,"
    "\"FNSULToken\":\"abcd\",\"GWInfo\":[{\"ULToken\":\"0a10\"}],"
    "\"HiPriorityFlag\":false}}";

/* a later uplink of a stateful fNS */
static const char xmit_up[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000002\","
    "\"ReceiverID\":\"000001\",\"TransactionID\":78,"
    "\"MessageType\":\"XmitDataReq\",\"PHYPayload\":\"4004030201800100\","
    "\"ULMetaData\":{\"DevAddr\":\"01020304\",\"FCntUp\":1,"
    "\"Confirmed\":true,\"DataRate\":5,\"ULFreq\":868.3,\"Margin\":-5,"
    "\"Battery\":255,\"FNSULToken\":\"abcd\","
    "\"RecvTime\":\"2024-05-01T12:00:02+02:00\",\"RFRegion\":\"EU868\","
    "\"GWCnt\":1,\"GWInfo\":[{\"ID\":\"0102030405060708\",\"RSSI\":-60,"
    "\"SNR\":7.5,\"ULToken\":\"0a10\",\"DLAllowed\":true}]}}";

static const char xmit_ans[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000002\","
    "\"ReceiverID\":\"000001\",\"TransactionID\":77,"
    "\"MessageType\":\"XmitDataAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"DLFreq1\":867.5}";

static const char profile_ans[] =
    "{\"ProtocolVersion\":\"1.0\",\"SenderID\":\"000001\","
    "\"ReceiverID\":\"000002\",\"TransactionID\":5,"
    "\"MessageType\":\"ProfileAns\",\"Result\":{\"ResultCode\":\"Success\"},"
    "\"DeviceProfileTimestamp\":\"2024-04-30T08:00:00Z\","
    "\"RoamingActivationType\":\"Passive\"}";

static void
decode_ok(const char *js, struct bi_msg *m)
{
	struct bi_error e;

	if (bi_decode(js, strlen(js), m, &e) != BI_OK)
		fail_msg("%s", e.text);
}

static void
reencode(const struct bi_msg *m, const char *want)
{
	struct bi_error e;
	char *out;
	size_t n;

	if (bi_encode(m, &out, &n, &e) != BI_OK)
		fail_msg("encode: %s", e.text);
	assert_string_equal(out, want);
	free(out);
}

static void
test_sample_prstart_req(void **state)
{
	struct bi_msg m;
	const struct bi_ul_meta *u = &m.prstart_req.ul_meta;
	int64_t sec;
	uint32_t ns;

	(void)state;
	decode_ok(prstart_req, &m);
	assert_int_equal(m.hdr.type, BI_PRSTART_REQ);
	assert_int_equal(m.prstart_req.phy_payload_len, 23);
	assert_true(u->has_dev_eui);
	assert_true(u->dev_eui == 0x0102030405060708ull);
	assert_false(u->has_dev_addr);
	assert_false(u->has_f_cnt_up);
	assert_true(u->has_data_rate);
	assert_int_equal(u->data_rate, 5);
	assert_true(u->has_ul_freq);
	assert_true(u->ul_freq == 868.1);
	assert_string_equal(u->recv_time, "2024-05-01T12:00:00.123456789Z");
	assert_int_equal(bi_time_parse(u->recv_time, &sec, &ns), 0);
	assert_true(sec == 1714564800);
	assert_int_equal(ns, 123456789);
	assert_string_equal(u->rf_region, "EU868");
	assert_true(u->has_gw_cnt);
	assert_int_equal(u->gw_cnt, 2);
	assert_int_equal(u->gw_info_len, 2);
	assert_int_equal(u->gw_info[0].id_len, 8);
	assert_int_equal(u->gw_info[0].id[7], 0x08);
	assert_true(u->gw_info[0].has_rssi);
	assert_int_equal(u->gw_info[0].rssi, -42);
	assert_true(u->gw_info[0].snr == 9.5);
	assert_true(u->gw_info[0].lat == 52.3676);
	assert_true(u->gw_info[0].lon == 4.9041);
	assert_int_equal(u->gw_info[0].ul_token_len, 6);
	assert_true(u->gw_info[0].has_dl_allowed && u->gw_info[0].dl_allowed);
	assert_false(u->gw_info[0].has_fine_recv_time);
	assert_string_equal(u->gw_info[0].rf_region, "");
	assert_int_equal(u->gw_info[1].id_len, 4);
	assert_int_equal(u->gw_info[1].fine_recv_time, 123456789);
	assert_int_equal(u->gw_info[1].rssi, -120);
	assert_true(u->gw_info[1].snr == -7.25);
	assert_false(u->gw_info[1].has_lat);
	assert_true(u->gw_info[1].has_dl_allowed);
	assert_false(u->gw_info[1].dl_allowed);
	reencode(&m, prstart_req);
}

static void
test_sample_prstart_ans(void **state)
{
	struct bi_msg m;
	const struct bi_prstart_ans *a = &m.prstart_ans;
	const struct bi_dl_meta *d = &a->dl_meta;

	(void)state;
	decode_ok(prstart_ans, &m);
	assert_int_equal(m.hdr.result.code, BI_RC_SUCCESS);
	assert_int_equal(a->phy_payload_len, 33);
	assert_true(a->has_dev_eui);
	assert_false(a->has_lifetime); /* ChirpStack: stateless */
	assert_true(a->nwk_s_key.present);
	assert_string_equal(a->nwk_s_key.kek_label, "000002");
	assert_int_equal(a->nwk_s_key.aes_key_len, 24);
	assert_false(a->f_nwk_s_int_key.present);
	assert_true(a->has_f_cnt_up);
	assert_int_equal(a->f_cnt_up, 0);
	assert_true(a->has_dev_addr);
	assert_int_equal(a->dev_addr, 0x01020304);
	assert_true(a->has_dl_meta);
	assert_true(d->has_dl_freq1 && d->dl_freq1 == 868.1);
	assert_true(d->has_dl_freq2 && d->dl_freq2 == 869.525);
	assert_true(d->has_rx_delay1);
	assert_int_equal(d->rx_delay1, 5);
	assert_int_equal(d->class_mode, BI_CLASS_A);
	assert_int_equal(d->data_rate1, 5);
	assert_true(d->has_data_rate2);
	assert_int_equal(d->data_rate2, 0);
	assert_true(d->has_confirmed);
	assert_false(d->confirmed);
	assert_true(d->has_hi_priority_flag);
	assert_int_equal(d->gw_info_len, 1);
	assert_int_equal(d->gw_info[0].ul_token_len, 6);
	assert_int_equal(d->gw_info[0].id_len, 0);
	assert_int_equal(d->fns_ul_token_len, 0);
	reencode(&m, prstart_ans);
}

static void
test_sample_xmitdata(void **state)
{
	struct bi_msg m;
	const struct bi_xmitdata_req *q = &m.xmitdata_req;
	int64_t a, b;

	(void)state;
	decode_ok(xmit_down, &m);
	assert_int_equal(q->phy_payload_len, 9);
	assert_int_equal(q->frm_payload_len, 0);
	assert_false(q->has_ul_meta);
	assert_true(q->has_dl_meta);
	assert_int_equal(q->dl_meta.f_port, 10);
	assert_int_equal(q->dl_meta.f_cnt_down, 3);
	assert_true(q->dl_meta.confirmed);
	assert_false(q->dl_meta.has_dl_freq2);
	assert_int_equal(q->dl_meta.fns_ul_token_len, 2);
	reencode(&m, xmit_down);

	decode_ok(xmit_up, &m);
	assert_true(q->has_ul_meta);
	assert_false(q->has_dl_meta);
	assert_int_equal(q->ul_meta.dev_addr, 0x01020304);
	assert_int_equal(q->ul_meta.margin, -5);
	assert_int_equal(q->ul_meta.battery, 255);
	assert_true(q->ul_meta.ul_freq == 868.3);
	assert_int_equal(bi_time_parse(q->ul_meta.recv_time, &a, NULL), 0);
	assert_int_equal(bi_time_parse("2024-05-01T10:00:02Z", &b, NULL), 0);
	assert_true(a == b);
	reencode(&m, xmit_up);

	decode_ok(xmit_ans, &m);
	assert_true(m.xmitdata_ans.has_dl_freq1);
	assert_true(m.xmitdata_ans.dl_freq1 == 867.5);
	assert_false(m.xmitdata_ans.has_dl_freq2);
	reencode(&m, xmit_ans);

	decode_ok(profile_ans, &m);
	assert_int_equal(
	    m.profile_ans.roaming_activation_type, BI_ROAMING_PASSIVE);
	assert_string_equal(
	    m.profile_ans.device_profile_timestamp, "2024-04-30T08:00:00Z");
	reencode(&m, profile_ans);
}

static void
hdr(struct bi_msg *m, enum bi_msg_type t)
{
	bi_msg_init(m, t);
	bi_id_from_netid(0x000002, m->hdr.sender_id, sizeof(m->hdr.sender_id));
	bi_id_from_netid(
	    0x000001, m->hdr.receiver_id, sizeof(m->hdr.receiver_id));
	m->hdr.transaction_id = 0xfffffffeu;
	m->hdr.sender_token_len = 2;
	m->hdr.sender_token[0] = 0xbe;
}

/* round_trip - encode, decode: the same body, byte for byte */
static void
round_trip(const struct bi_msg *m)
{
	struct bi_msg b;
	struct bi_error e;
	char *out;
	size_t n;

	if (bi_encode(m, &out, &n, &e) != BI_OK)
		fail_msg("encode: %s", e.text);
	if (bi_decode(out, n, &b, &e) != BI_OK)
		fail_msg("%s: %s", out, e.text);
	free(out);
	assert_int_equal(b.hdr.type, m->hdr.type);
	assert_int_equal(b.hdr.result.code, m->hdr.result.code);
	assert_int_equal(b.hdr.transaction_id, m->hdr.transaction_id);
	assert_memory_equal(&b.prstart_req, &m->prstart_req,
	    sizeof(m->prstart_req) > sizeof(m->prstart_ans)
		? sizeof(m->prstart_req)
		: sizeof(m->prstart_ans));
	assert_memory_equal(
	    &b.xmitdata_req, &m->xmitdata_req, sizeof(m->xmitdata_req));
}

static void
full_gw(struct bi_gw_info *g, int i)
{
	g->id_len = i % 2 ? 4 : 8;
	memset(g->id, 0x10 + i, g->id_len);
	g->has_fine_recv_time = true;
	g->fine_recv_time = 999999999;
	snprintf(g->rf_region, sizeof(g->rf_region), "AS923-2");
	g->has_rssi = true;
	g->rssi = -300 + i;
	g->has_snr = true;
	g->snr = -20.25;
	g->has_lat = true;
	g->lat = -90;
	g->has_lon = true;
	g->lon = 180;
	g->ul_token_len = BI_UL_TOKEN_MAX;
	memset(g->ul_token, i, BI_UL_TOKEN_MAX);
	g->has_dl_allowed = true;
	g->dl_allowed = i % 3 == 0;
}

static void
full_ul(struct bi_ul_meta *u)
{
	u->has_dev_eui = true;
	u->dev_eui = 0xfedcba9876543210ull;
	u->has_dev_addr = true;
	u->dev_addr = 0xffffffffu;
	u->has_f_port = true;
	u->f_port = 255;
	u->has_f_cnt_down = true;
	u->f_cnt_down = UINT32_MAX;
	u->has_f_cnt_up = true;
	u->f_cnt_up = 7;
	u->has_confirmed = true;
	u->has_data_rate = true;
	u->data_rate = 15;
	u->has_ul_freq = true;
	u->ul_freq = 2425.5;
	u->has_margin = true;
	u->margin = -32;
	u->has_battery = true;
	u->battery = 0;
	u->fns_ul_token_len = 1;
	snprintf(
	    u->recv_time, sizeof(u->recv_time), "2024-02-29T23:59:60.5-11:30");
	snprintf(u->rf_region, sizeof(u->rf_region), "US915");
	u->has_gw_cnt = true;
	u->gw_cnt = 65535;
	u->gw_info_len = BI_GW_MAX;
	for (int i = 0; i < BI_GW_MAX; i++)
		full_gw(&u->gw_info[i], i);
}

static void
full_dl(struct bi_dl_meta *d)
{
	d->has_dev_eui = true;
	d->dev_eui = 1;
	d->has_f_port = true;
	d->has_f_cnt_down = true;
	d->f_cnt_down = 1u << 31;
	d->has_confirmed = true;
	d->confirmed = true;
	d->has_dl_freq1 = true;
	d->dl_freq1 = 923.3;
	d->has_dl_freq2 = true;
	d->dl_freq2 = 923.2;
	d->has_rx_delay1 = true;
	d->rx_delay1 = 15;
	d->class_mode = BI_CLASS_C;
	d->has_data_rate1 = true;
	d->data_rate1 = 13;
	d->has_data_rate2 = true;
	d->data_rate2 = 8;
	d->fns_ul_token_len = BI_UL_TOKEN_MAX;
	memset(d->fns_ul_token, 0xee, BI_UL_TOKEN_MAX);
	d->gw_info_len = 3;
	for (int i = 0; i < 3; i++)
		full_gw(&d->gw_info[i], i);
	d->has_hi_priority_flag = true;
	d->hi_priority_flag = true;
}

static void
test_round_trips(void **state)
{
	struct bi_msg m;

	(void)state;
	hdr(&m, BI_PRSTART_REQ);
	m.prstart_req.phy_payload_len = BI_PHY_MAX;
	memset(m.prstart_req.phy_payload, 0x40, BI_PHY_MAX);
	full_ul(&m.prstart_req.ul_meta);
	round_trip(&m);
	/* the minimum: RecvTime and an empty GWInfo */
	hdr(&m, BI_PRSTART_REQ);
	m.prstart_req.phy_payload_len = 1;
	snprintf(m.prstart_req.ul_meta.recv_time,
	    sizeof(m.prstart_req.ul_meta.recv_time), "1970-01-01T00:00:00Z");
	round_trip(&m);

	hdr(&m, BI_PRSTART_ANS);
	m.prstart_ans.phy_payload_len = 17;
	m.prstart_ans.has_dev_eui = true;
	m.prstart_ans.dev_eui = 42;
	m.prstart_ans.has_lifetime = true;
	m.prstart_ans.lifetime = UINT32_MAX;
	m.prstart_ans.f_nwk_s_int_key.present = true;
	m.prstart_ans.f_nwk_s_int_key.aes_key_len = BI_KEY_LEN;
	memset(m.prstart_ans.f_nwk_s_int_key.aes_key, 0x11, BI_KEY_LEN);
	m.prstart_ans.has_f_cnt_up = true;
	m.prstart_ans.f_cnt_up = 99;
	m.prstart_ans.has_dev_addr = true;
	m.prstart_ans.dev_addr = 0x26000001;
	m.prstart_ans.has_dl_meta = true;
	full_dl(&m.prstart_ans.dl_meta);
	round_trip(&m);
	/* Deferred, with the Lifetime to retry after */
	hdr(&m, BI_PRSTART_ANS);
	m.hdr.result.code = BI_RC_DEFERRED;
	m.prstart_ans.has_lifetime = true;
	m.prstart_ans.lifetime = 60;
	round_trip(&m);

	hdr(&m, BI_XMITDATA_REQ);
	m.xmitdata_req.frm_payload_len = 3;
	m.xmitdata_req.has_dl_meta = true;
	full_dl(&m.xmitdata_req.dl_meta);
	m.xmitdata_req.dl_meta.has_dl_freq1 = false;
	m.xmitdata_req.dl_meta.dl_freq1 = 0;
	round_trip(&m);
	hdr(&m, BI_XMITDATA_REQ);
	m.xmitdata_req.phy_payload_len = 12;
	m.xmitdata_req.has_ul_meta = true;
	full_ul(&m.xmitdata_req.ul_meta);
	round_trip(&m);

	hdr(&m, BI_XMITDATA_ANS);
	m.xmitdata_ans.has_dl_freq2 = true;
	m.xmitdata_ans.dl_freq2 = 869.525;
	round_trip(&m);

	hdr(&m, BI_PROFILE_REQ);
	m.profile_req.dev_eui = UINT64_MAX;
	round_trip(&m);
	hdr(&m, BI_PROFILE_ANS);
	m.profile_ans.roaming_activation_type = BI_ROAMING_HANDOVER;
	snprintf(m.profile_ans.device_profile_timestamp,
	    sizeof(m.profile_ans.device_profile_timestamp),
	    "2000-01-01T00:00:00.000000001+14:00");
	round_trip(&m);
	hdr(&m, BI_PROFILE_ANS);
	m.hdr.result.code = BI_RC_ROAMING_ACT_DISALLOWED;
	m.profile_ans.has_lifetime = true;
	m.profile_ans.lifetime = 3600;
	round_trip(&m);
}

/* every result code the spec gives these answers is representable and
 * survives a round trip, with its spec spelling */
static void
test_result_codes(void **state)
{
	static const enum bi_msg_type ans[3] = {
	    BI_PRSTART_ANS, BI_XMITDATA_ANS, BI_PROFILE_ANS};
	static const struct {
		enum bi_rc rc;
		const char *name;
	} want[] = {
	    {BI_RC_XMIT_FAILED, "XmitFailed"},
	    {BI_RC_ROAMING_ACT_DISALLOWED, "RoamingActDisallowed"},
	    {BI_RC_DEFERRED, "Deferred"},
	    {BI_RC_NO_ROAMING_AGREEMENT, "NoRoamingAgreement"},
	    {BI_RC_DEV_ROAMING_DISALLOWED, "DevRoamingDisallowed"},
	    {BI_RC_UNKNOWN_DEV_EUI, "UnknownDevEUI"},
	    {BI_RC_UNKNOWN_DEV_ADDR, "UnknownDevAddr"},
	    {BI_RC_MIC_FAILED, "MICFailed"},
	    {BI_RC_INVALID_FPORT, "InvalidFPort"},
	    {BI_RC_FRAME_SIZE_ERROR, "FrameSizeError"},
	    {BI_RC_STALE_DEVICE_PROFILE, "StaleDeviceProfile"},
	};
	struct bi_msg m;
	struct bi_error e;
	char *out, pat[64];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(bi_rc_name(want[i].rc), want[i].name);
		for (int k = 0; k < 3; k++) {
			hdr(&m, ans[k]);
			m.hdr.result.code = want[i].rc;
			assert_int_equal(bi_encode(&m, &out, &n, &e), BI_OK);
			snprintf(pat, sizeof(pat), "\"ResultCode\":\"%s\"",
			    want[i].name);
			assert_non_null(strstr(out, pat));
			assert_int_equal(bi_decode(out, n, &m, &e), BI_OK);
			assert_int_equal(m.hdr.result.code, want[i].rc);
			free(out);
		}
	}
}

/* set - base with the member at path ("A.B.0.C": objects and array
 * indexes) replaced by the JSON text value, or deleted if value is NULL */
static char *
set(const char *base, const char *path, const char *value)
{
	json_t *root = json_loads(base, 0, NULL), *o = root, *v;
	char p[128], *tok, *next, *out;

	assert_non_null(root);
	snprintf(p, sizeof(p), "%s", path);
	tok = p;
	while ((next = strchr(tok, '.')) != NULL) {
		*next = '\0';
		if (json_is_array(o))
			o = json_array_get(o, strtoul(tok, NULL, 10));
		else
			o = json_object_get(o, tok);
		assert_non_null(o);
		tok = next + 1;
	}
	if (value == NULL) {
		assert_int_equal(json_object_del(o, tok), 0);
	} else {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		if (json_is_array(o))
			json_array_set_new(o, strtoul(tok, NULL, 10), v);
		else
			json_object_set_new(o, tok, v);
	}
	out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	return out;
}

struct refusal {
	const char *base, *path, *value;
	int code;
	const char *field, *text;
};

static void
test_refusals(void **state)
{
	char gw17[64], tok[2 * 257 + 3];
	size_t k = 0;
	const char *pr = prstart_req, *pa = prstart_ans;
	const struct refusal c[] = {
	    {pr, "ULMetaData", NULL, BI_ERR_MISSING, "ULMetaData",
		"ULMetaData: missing"},
	    {pr, "ULMetaData", "\"x\"", BI_ERR_FIELD, "ULMetaData",
		"ULMetaData: not an object"},
	    {pr, "PHYPayload", NULL, BI_ERR_MISSING, "PHYPayload",
		"PHYPayload: missing"},
	    {pr, "PHYPayload", "\"0x0\"", BI_ERR_FIELD, "PHYPayload",
		"PHYPayload: not hex (odd number of hex digits)"},
	    {pr, "ULMetaData.RecvTime", NULL, BI_ERR_MISSING,
		"ULMetaData.RecvTime", "ULMetaData.RecvTime: missing"},
	    {pr, "ULMetaData.RecvTime", "\"2024-13-01T00:00:00Z\"",
		BI_ERR_FIELD, "ULMetaData.RecvTime",
		"ULMetaData.RecvTime: not an RFC 3339 time "
		"(\"2024-13-01T00:00:00Z\")"},
	    {pr, "ULMetaData.RecvTime", "\"2023-02-29T00:00:00Z\"",
		BI_ERR_FIELD, "ULMetaData.RecvTime",
		"ULMetaData.RecvTime: not an RFC 3339 time "
		"(\"2023-02-29T00:00:00Z\")"},
	    {pr, "ULMetaData.RecvTime", "\"2024-05-01T12:00:00\"", BI_ERR_FIELD,
		"ULMetaData.RecvTime",
		"ULMetaData.RecvTime: not an RFC 3339 time "
		"(\"2024-05-01T12:00:00\")"},
	    {pr, "ULMetaData.RecvTime", "1714564800", BI_ERR_FIELD,
		"ULMetaData.RecvTime", "ULMetaData.RecvTime: not a string"},
	    {pr, "ULMetaData.GWInfo", NULL, BI_ERR_MISSING, "ULMetaData.GWInfo",
		"ULMetaData.GWInfo: missing"},
	    {pr, "ULMetaData.GWInfo", "{}", BI_ERR_FIELD, "ULMetaData.GWInfo",
		"ULMetaData.GWInfo: not an array"},
	    {pr, "ULMetaData.GWInfo", gw17, BI_ERR_FIELD, "ULMetaData.GWInfo",
		"ULMetaData.GWInfo: 17 gateways, more than 16"},
	    {pr, "ULMetaData.GWInfo.1", "\"gw\"", BI_ERR_FIELD,
		"ULMetaData.GWInfo[1]", "ULMetaData.GWInfo[1]: not an object"},
	    {pr, "ULMetaData.GWInfo.0.RSSI", "-42.5", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].RSSI",
		"ULMetaData.GWInfo[0].RSSI: not an integer -300..100 (dBm)"},
	    {pr, "ULMetaData.GWInfo.1.RSSI", "101", BI_ERR_FIELD,
		"ULMetaData.GWInfo[1].RSSI",
		"ULMetaData.GWInfo[1].RSSI: not an integer -300..100 (dBm)"},
	    {pr, "ULMetaData.GWInfo.0.SNR", "\"9\"", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].SNR",
		"ULMetaData.GWInfo[0].SNR: not a number -100..100 (dB)"},
	    {pr, "ULMetaData.GWInfo.0.Lat", "90.5", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].Lat",
		"ULMetaData.GWInfo[0].Lat: not a latitude -90..90"},
	    {pr, "ULMetaData.GWInfo.0.Lon", "-181", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].Lon",
		"ULMetaData.GWInfo[0].Lon: not a longitude -180..180"},
	    {pr, "ULMetaData.GWInfo.0.ID", "\"010203\"", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].ID",
		"ULMetaData.GWInfo[0].ID: not 8 or 16 hex digits"},
	    {pr, "ULMetaData.GWInfo.0.ID", "\"010203040506070809\"",
		BI_ERR_FIELD, "ULMetaData.GWInfo[0].ID",
		"ULMetaData.GWInfo[0].ID: longer than 8 bytes"},
	    {pr, "ULMetaData.GWInfo.0.ULToken", "\"0g\"", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].ULToken",
		"ULMetaData.GWInfo[0].ULToken: not hex (not a hex digit)"},
	    {pr, "ULMetaData.GWInfo.1.ULToken", tok, BI_ERR_FIELD,
		"ULMetaData.GWInfo[1].ULToken",
		"ULMetaData.GWInfo[1].ULToken: longer than 256 bytes"},
	    {pr, "ULMetaData.GWInfo.0.DLAllowed", "1", BI_ERR_FIELD,
		"ULMetaData.GWInfo[0].DLAllowed",
		"ULMetaData.GWInfo[0].DLAllowed: not true or false"},
	    {pr, "ULMetaData.GWInfo.1.RFRegion", "\"EU 868\"", BI_ERR_FIELD,
		"ULMetaData.GWInfo[1].RFRegion",
		"ULMetaData.GWInfo[1].RFRegion: not a region name "
		"(\"EU 868\")"},
	    {pr, "ULMetaData.GWInfo.1.FineRecvTime", "1000000000", BI_ERR_FIELD,
		"ULMetaData.GWInfo[1].FineRecvTime",
		"ULMetaData.GWInfo[1].FineRecvTime: not a number "
		"0..999999999 (ns)"},
	    {pr, "ULMetaData.ULFreq", "868100000", BI_ERR_FIELD,
		"ULMetaData.ULFreq",
		"ULMetaData.ULFreq: not a frequency in MHz (100..3000)"},
	    {pr, "ULMetaData.ULFreq", "\"868.1\"", BI_ERR_FIELD,
		"ULMetaData.ULFreq",
		"ULMetaData.ULFreq: not a frequency in MHz (100..3000)"},
	    {pr, "ULMetaData.DataRate", "16", BI_ERR_FIELD,
		"ULMetaData.DataRate",
		"ULMetaData.DataRate: not a number 0..15"},
	    {pr, "ULMetaData.DataRate", "5.0", BI_ERR_FIELD,
		"ULMetaData.DataRate",
		"ULMetaData.DataRate: not a number 0..15"},
	    {pr, "ULMetaData.FPort", "256", BI_ERR_FIELD, "ULMetaData.FPort",
		"ULMetaData.FPort: not a number 0..255"},
	    {pr, "ULMetaData.FCntUp", "-1", BI_ERR_FIELD, "ULMetaData.FCntUp",
		"ULMetaData.FCntUp: not a 32-bit number"},
	    {pr, "ULMetaData.Margin", "32", BI_ERR_FIELD, "ULMetaData.Margin",
		"ULMetaData.Margin: not a number -32..31"},
	    {pr, "ULMetaData.GWCnt", "65536", BI_ERR_FIELD, "ULMetaData.GWCnt",
		"ULMetaData.GWCnt: not a number 0..65535"},
	    {pr, "ULMetaData.DevEUI", "\"0102\"", BI_ERR_FIELD,
		"ULMetaData.DevEUI", "ULMetaData.DevEUI: not 16 hex digits"},
	    {pr, "ULMetaData.DevAddr", "\"0x0102030G\"", BI_ERR_FIELD,
		"ULMetaData.DevAddr", "ULMetaData.DevAddr: not 8 hex digits"},
	    {pr, "ULMetaData.Confirmed", "\"true\"", BI_ERR_FIELD,
		"ULMetaData.Confirmed",
		"ULMetaData.Confirmed: not true or false"},
	    {pr, "ULMetaData.FNSULToken", "\"abc\"", BI_ERR_FIELD,
		"ULMetaData.FNSULToken",
		"ULMetaData.FNSULToken: not hex (odd number of hex digits)"},
	    {pa, "NwkSKey.AESKey", "\"0102\"", BI_ERR_FIELD, "NwkSKey.AESKey",
		"NwkSKey.AESKey: not 48 hex digits (a wrapped key, KEKLabel "
		"\"000002\")"},
	    {pa, "FNwkSIntKey", "[]", BI_ERR_FIELD, "FNwkSIntKey",
		"FNwkSIntKey: not an object"},
	    {pa, "Lifetime", "-1", BI_ERR_FIELD, "Lifetime",
		"Lifetime: not a 32-bit number"},
	    {pa, "FCntUp", "4294967296", BI_ERR_FIELD, "FCntUp",
		"FCntUp: not a 32-bit number"},
	    {pa, "ServiceProfile", "\"x\"", BI_ERR_FIELD, "ServiceProfile",
		"ServiceProfile: not an object"},
	    {pa, "DevAddr", "\"010203\"", BI_ERR_FIELD, "DevAddr",
		"DevAddr: not 8 hex digits"},
	    {pa, "DLMetaData", "7", BI_ERR_FIELD, "DLMetaData",
		"DLMetaData: not an object"},
	    {pa, "DLMetaData.ClassMode", "\"D\"", BI_ERR_FIELD,
		"DLMetaData.ClassMode",
		"DLMetaData.ClassMode: not \"A\", \"B\" or \"C\""},
	    {pa, "DLMetaData.RXDelay1", "16", BI_ERR_FIELD,
		"DLMetaData.RXDelay1",
		"DLMetaData.RXDelay1: not a number 0..15"},
	    {pa, "DLMetaData.DLFreq2", "0", BI_ERR_FIELD, "DLMetaData.DLFreq2",
		"DLMetaData.DLFreq2: not a frequency in MHz (100..3000)"},
	    {pa, "DLMetaData.GWInfo", NULL, BI_ERR_MISSING, "DLMetaData.GWInfo",
		"DLMetaData.GWInfo: missing"},
	    {pa, "DLMetaData.GWInfo.0.ULToken", "\"zz\"", BI_ERR_FIELD,
		"DLMetaData.GWInfo[0].ULToken",
		"DLMetaData.GWInfo[0].ULToken: not hex (not a hex digit)"},
	    {pa, "DLMetaData.HiPriorityFlag", "\"no\"", BI_ERR_FIELD,
		"DLMetaData.HiPriorityFlag",
		"DLMetaData.HiPriorityFlag: not true or false"},
	    {pa, "DLMetaData.DataRate2", "-1", BI_ERR_FIELD,
		"DLMetaData.DataRate2",
		"DLMetaData.DataRate2: not a number 0..15"},
	    {xmit_down, "PHYPayload", NULL, BI_ERR_MISSING, "PHYPayload",
		"PHYPayload: missing (and no FRMPayload)"},
	    {xmit_down, "FRMPayload", "\"00\"", BI_ERR_FIELD, "FRMPayload",
		"FRMPayload: present with PHYPayload (one or the other)"},
	    {xmit_down, "DLMetaData", NULL, BI_ERR_MISSING, "ULMetaData",
		"ULMetaData: missing (and no DLMetaData)"},
	    {xmit_down, "ULMetaData",
		"{\"RecvTime\":\"2024-05-01T12:00:00Z\",\"GWInfo\":[]}",
		BI_ERR_FIELD, "DLMetaData",
		"DLMetaData: present with ULMetaData (one or the other)"},
	    {xmit_down, "DLMetaData.DLFreq1", NULL, BI_ERR_MISSING,
		"DLMetaData.DLFreq1",
		"DLMetaData.DLFreq1: missing (and no DLFreq2)"},
	    {xmit_up, "ULMetaData.Battery", "256", BI_ERR_FIELD,
		"ULMetaData.Battery",
		"ULMetaData.Battery: not a number 0..255"},
	    {xmit_ans, "DLFreq1", "\"869\"", BI_ERR_FIELD, "DLFreq1",
		"DLFreq1: not a frequency in MHz (100..3000)"},
	    {xmit_ans, "DLFreq2", "1e10", BI_ERR_FIELD, "DLFreq2",
		"DLFreq2: not a frequency in MHz (100..3000)"},
	    {profile_ans, "RoamingActivationType", "\"passive\"", BI_ERR_FIELD,
		"RoamingActivationType",
		"RoamingActivationType: not \"Passive\" or \"Handover\" "
		"(\"passive\")"},
	    {profile_ans, "RoamingActivationType", NULL, BI_ERR_MISSING,
		"RoamingActivationType", "RoamingActivationType: missing"},
	    {profile_ans, "DeviceProfile", "[]", BI_ERR_FIELD, "DeviceProfile",
		"DeviceProfile: not an object"},
	    {profile_ans, "DeviceProfileTimestamp", "\"yesterday\"",
		BI_ERR_FIELD, "DeviceProfileTimestamp",
		"DeviceProfileTimestamp: not an RFC 3339 time "
		"(\"yesterday\")"},
	    {profile_ans, "MessageType", "\"ProfileReq\"", BI_ERR_MISSING,
		"DevEUI", "DevEUI: missing"},
	};
	struct bi_msg m;
	struct bi_error e;

	(void)state;
	/* 17 empty gateways; a 257-byte ULToken */
	gw17[k++] = '[';
	for (int i = 0; i < 17; i++) {
		if (i > 0)
			gw17[k++] = ',';
		gw17[k++] = '{';
		gw17[k++] = '}';
	}
	memcpy(gw17 + k, "]", 2);
	tok[0] = '"';
	memset(tok + 1, 'a', 2 * 257);
	memcpy(tok + 1 + 2 * 257, "\"", 2);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *js = set(c[i].base, c[i].path, c[i].value);
		int rc = bi_decode(js, strlen(js), &m, &e);

		if (rc != c[i].code || strcmp(e.field, c[i].field) != 0 ||
		    strcmp(e.text, c[i].text) != 0)
			fail_msg("case %zu (%s): got %d [%s] \"%s\"", i,
			    c[i].path, rc, e.field, e.text);
		assert_true(e.header_ok);
		assert_int_equal(e.code, rc);
		free(js);
	}
}

static void
test_values(void **state)
{
	static const struct {
		const char *in, *out;
	} reg[] = {
	    {"EU868", "EU868"},
	    {"eu868", "EU868"},
	    {"US902", "US915"},
	    {"us915", "US915"},
	    {"China779", "CN779"},
	    {"EU433", "EU433"},
	    {"Australia915", "AU915"},
	    {"AU915", "AU915"},
	    {"China470", "CN470"},
	    {"cn470", "CN470"},
	    {"AS923", "AS923"},
	    {"AS923_1", "AS923"},
	    {"as923_2", "AS923-2"},
	    {"AS923-4", "AS923-4"},
	    {"ism2400", "ISM2400"},
	    {"XX123_4", "XX123-4"},
	};
	static const char *const bad_reg[] = {
	    "", "EU 868", "EU868!", "A234567890123456", "é"};
	static const char *const bad_time[] = {
	    "2024-05-01 12:00:00Z",
	    "2024-05-01T12:00:00",
	    "2024-05-01T12:00:00.Z",
	    "2024-05-01T12:00:00.1234567890Z",
	    "2024-05-01T24:00:00Z",
	    "2024-05-01T12:60:00Z",
	    "2024-04-31T12:00:00Z",
	    "2100-02-29T12:00:00Z",
	    "2024-05-01T12:00:00+2:00",
	    "2024-05-01T12:00:00+24:00",
	    "2024-05-01T12:00:00Zx",
	    "24-05-01T12:00:00Z",
	};
	char out[BI_REGION_MAX + 1];
	int64_t s;
	uint32_t ns;
	struct bi_msg m;
	char *js;

	(void)state;
	for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		assert_int_equal(
		    bi_rf_region_canon(reg[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, reg[i].out);
	}
	for (size_t i = 0; i < sizeof(bad_reg) / sizeof(bad_reg[0]); i++)
		assert_int_equal(
		    bi_rf_region_canon(bad_reg[i], out, sizeof(out)), -1);
	/* a ChirpStack name on the wire comes back canonical */
	js = set(prstart_req, "ULMetaData.RFRegion", "\"as923_2\"");
	decode_ok(js, &m);
	assert_string_equal(m.prstart_req.ul_meta.rf_region, "AS923-2");
	free(js);

	assert_int_equal(bi_time_parse("1970-01-01T00:00:00Z", &s, &ns), 0);
	assert_true(s == 0 && ns == 0);
	assert_int_equal(bi_time_parse("1969-12-31t23:59:59.5z", &s, &ns), 0);
	assert_true(s == -1 && ns == 500000000);
	assert_int_equal(
	    bi_time_parse("2024-02-29T00:00:00+01:00", &s, NULL), 0);
	assert_true(s == 1709161200);
	assert_int_equal(
	    bi_time_parse("2000-02-29T23:59:60.000000001Z", &s, &ns), 0);
	assert_int_equal(ns, 1);
	for (size_t i = 0; i < sizeof(bad_time) / sizeof(bad_time[0]); i++)
		if (bi_time_parse(bad_time[i], NULL, NULL) != -1)
			fail_msg("accepted \"%s\"", bad_time[i]);

	assert_string_equal(bi_class_mode_name(BI_CLASS_C), "C");
	assert_null(bi_class_mode_name(BI_CLASS_NONE));
	assert_string_equal(
	    bi_roaming_type_name(BI_ROAMING_HANDOVER), "Handover");
	assert_null(bi_roaming_type_name(BI_ROAMING_NONE));

	/* hex in either case with 0x, nested too; an integer frequency */
	js = set(
	    prstart_req, "ULMetaData.GWInfo.0.ID", "\"0XA1B2C3D4E5F60708\"");
	decode_ok(js, &m);
	assert_int_equal(m.prstart_req.ul_meta.gw_info[0].id[0], 0xa1);
	free(js);
	js = set(prstart_ans, "DLMetaData.DLFreq1", "868");
	decode_ok(js, &m);
	assert_true(m.prstart_ans.dl_meta.dl_freq1 == 868.0);
	free(js);
	/* null and "" are absent, as everywhere */
	js = set(prstart_req, "ULMetaData.DevEUI", "\"\"");
	decode_ok(js, &m);
	assert_false(m.prstart_req.ul_meta.has_dev_eui);
	free(js);
	js = set(prstart_ans, "DLMetaData.ClassMode", "null");
	decode_ok(js, &m);
	assert_int_equal(m.prstart_ans.dl_meta.class_mode, BI_CLASS_NONE);
	free(js);
}

static void
expect_inval(const struct bi_msg *m, const char *text)
{
	struct bi_error e;
	char *out = (char *)1;
	size_t n;

	assert_int_equal(bi_encode(m, &out, &n, &e), BI_ERR_INVAL);
	assert_null(out);
	assert_string_equal(e.text, text);
}

static void
test_encode_refusals(void **state)
{
	struct bi_msg m;

	(void)state;
	hdr(&m, BI_PRSTART_REQ);
	snprintf(m.prstart_req.ul_meta.recv_time,
	    sizeof(m.prstart_req.ul_meta.recv_time), "1970-01-01T00:00:00Z");
	expect_inval(&m, "PHYPayload: empty");
	m.prstart_req.phy_payload_len = 1;
	m.prstart_req.ul_meta.recv_time[0] = '\0';
	expect_inval(&m, "ULMetaData.RecvTime: not an RFC 3339 time");
	snprintf(m.prstart_req.ul_meta.recv_time,
	    sizeof(m.prstart_req.ul_meta.recv_time), "1970-01-01T00:00:00Z");
	m.prstart_req.ul_meta.gw_info_len = BI_GW_MAX + 1;
	expect_inval(&m, "ULMetaData.GWInfo: more than 16 gateways");
	m.prstart_req.ul_meta.gw_info_len = 2;
	m.prstart_req.ul_meta.gw_info[1].has_rssi = true;
	m.prstart_req.ul_meta.gw_info[1].rssi = 101;
	expect_inval(
	    &m, "ULMetaData.GWInfo[1].RSSI: not an integer -300..100 (dBm)");
	m.prstart_req.ul_meta.gw_info[1].has_rssi = false;
	m.prstart_req.ul_meta.gw_info[0].id_len = 5;
	expect_inval(&m, "ULMetaData.GWInfo[0].ID: not 8 or 16 hex digits");
	m.prstart_req.ul_meta.gw_info[0].id_len = 0;
	m.prstart_req.ul_meta.has_ul_freq = true;
	m.prstart_req.ul_meta.ul_freq = NAN;
	expect_inval(
	    &m, "ULMetaData.ULFreq: not a frequency in MHz (100..3000)");
	m.prstart_req.ul_meta.ul_freq = 868.1;
	snprintf(m.prstart_req.ul_meta.rf_region,
	    sizeof(m.prstart_req.ul_meta.rf_region), "EU 868");
	expect_inval(&m, "ULMetaData.RFRegion: not a region name");

	hdr(&m, BI_XMITDATA_REQ);
	m.xmitdata_req.phy_payload_len = 1;
	m.xmitdata_req.frm_payload_len = 1;
	expect_inval(&m,
	    "FRMPayload: present with PHYPayload (one or the "
	    "other)");
	m.xmitdata_req.frm_payload_len = 0;
	expect_inval(&m, "ULMetaData: missing (and no DLMetaData)");
	m.xmitdata_req.has_dl_meta = true;
	expect_inval(&m, "DLMetaData.DLFreq1: missing (and no DLFreq2)");
	m.xmitdata_req.dl_meta.has_dl_freq2 = true;
	m.xmitdata_req.dl_meta.dl_freq2 = 869.525;
	m.xmitdata_req.dl_meta.class_mode = (enum bi_class_mode)9;
	expect_inval(&m, "DLMetaData.ClassMode: not \"A\", \"B\" or \"C\"");

	hdr(&m, BI_PROFILE_ANS);
	expect_inval(&m, "RoamingActivationType: missing");
	hdr(&m, BI_XMITDATA_ANS);
	m.xmitdata_ans.has_dl_freq1 = true;
	m.xmitdata_ans.dl_freq1 = 868100000;
	expect_inval(&m, "DLFreq1: not a frequency in MHz (100..3000)");
	hdr(&m, BI_PRSTART_ANS);
	m.prstart_ans.nwk_s_key.present = true;
	m.prstart_ans.nwk_s_key.aes_key_len = 24;
	expect_inval(&m,
	    "NwkSKey.AESKey: not 32 hex digits (a key in clear, "
	    "no KEKLabel)");
}

/* a refused PRStartReq is answered with a PRStartAns that decodes */
static void
test_error_answer(void **state)
{
	struct bi_msg m;
	struct bi_error e;
	char *js = set(prstart_req, "ULMetaData.GWInfo.0.RSSI", "\"-42\"");
	char *out;
	size_t n;

	(void)state;
	assert_int_equal(bi_decode(js, strlen(js), &m, &e), BI_ERR_FIELD);
	assert_true(e.header_ok);
	assert_int_equal(
	    bi_encode_error(&m.hdr, bi_err_result(e.code), e.text, &out, &n),
	    BI_OK);
	assert_int_equal(bi_decode(out, n, &m, &e), BI_OK);
	assert_int_equal(m.hdr.type, BI_PRSTART_ANS);
	assert_int_equal(m.hdr.result.code, BI_RC_MALFORMED_REQUEST);
	assert_string_equal(m.hdr.result.description,
	    "ULMetaData.GWInfo[0].RSSI: not an integer -300..100 (dBm)");
	assert_string_equal(m.hdr.receiver_id, "000002");
	free(out);
	free(js);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_prstart_req),
	    cmocka_unit_test(test_sample_prstart_ans),
	    cmocka_unit_test(test_sample_xmitdata),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_result_codes),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_error_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
