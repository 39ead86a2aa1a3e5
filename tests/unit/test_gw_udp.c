/*
 * test_gw_udp.c - Semtech UDP packet-forwarder codec (gw/udp.h): datagrams
 * shaped like PROTOCOL.TXT's examples decode to the right values; the
 * fixed-size packets encode to the exact bytes; every type round-trips;
 * freq is rounded to the Hz and encoded with six decimals.  The refusals
 * are in test_gw_udp_refusals.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw/udp.h"
#include "lib/udp_dgram.h"

#define EUI 0xaa555a0000000101ull

/* PROTOCOL.TXT 4.2's three-packet PUSH_DATA; the first packet's data is
 * replaced by a real join-request (the example's is not valid base64),
 * the third keeps the example's unpadded base64 */
static const char push_sample[] =
    "{\"rxpk\":[{\"time\":\"2013-03-31T16:21:17.528002Z\","
    "\"tmst\":3512348611,\"chan\":2,\"rfch\":0,\"freq\":866.349812,"
    "\"stat\":1,\"modu\":\"LORA\",\"datr\":\"SF7BW125\",\"codr\":\"4/6\","
    "\"rssi\":-35,\"lsnr\":5.1,\"size\":23,"
    "\"data\":\"AAECAwQFBgcICAcGBQQDAgECAc3mrLg=\"},"
    "{\"time\":\"2013-03-31T16:21:17.530974Z\",\"tmst\":3512348514,"
    "\"chan\":9,\"rfch\":1,\"freq\":869.1,\"stat\":1,\"modu\":\"FSK\","
    "\"datr\":50000,\"rssi\":-75,\"size\":16,"
    "\"data\":\"VEVTVF9QQUNLRVRfMTIzNA==\"},"
    "{\"time\":\"2013-03-31T16:21:17.532038Z\",\"tmst\":3316387610,"
    "\"chan\":0,\"rfch\":0,\"freq\":863.00981,\"stat\":1,\"modu\":\"LORA\","
    "\"datr\":\"SF10BW125\",\"codr\":\"4/7\",\"rssi\":-38,\"lsnr\":5.5,"
    "\"size\":32,\"data\":\"ysgRl452xNLep9S1NTIg2lomKDxUgn3DJ7DE+b00Ass\"}"
    "]}";

/* PROTOCOL.TXT 4.3's status report */
static const char stat_sample[] =
    "{\"stat\":{\"time\":\"2014-01-12 08:59:28 GMT\",\"lati\":46.24000,"
    "\"long\":3.25230,\"alti\":145,\"rxnb\":2,\"rxok\":2,\"rxfw\":2,"
    "\"ackr\":100.0,\"dwnb\":2,\"txnb\":2}}";

/* PROTOCOL.TXT 6.2's first txpk */
static const char txpk_sample[] =
    "{\"txpk\":{\"imme\":true,\"freq\":864.123456,\"rfch\":0,\"powe\":14,"
    "\"modu\":\"LORA\",\"datr\":\"SF11BW125\",\"codr\":\"4/6\","
    "\"ipol\":false,\"size\":32,"
    "\"data\":\"H3P3N2i9qc4yt7rK7ldqoeCVJGBybzPY5h1Dd7P7p8v\"}}";

static void
test_push_data_sample(void **state)
{
	struct gw_udp_packet *p =
	    udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA, push_sample));
	const struct gw_udp_rxpk *r = p->rxpk;

	(void)state;
	assert_int_equal(p->version, 2);
	assert_int_equal(p->token, 0x1234);
	assert_int_equal(p->type, GW_UDP_PUSH_DATA);
	assert_true(p->gw_eui == EUI);
	assert_int_equal(p->n_rxpk, 3);
	assert_false(p->has_stat);
	/* 2013-03-31T16:21:17Z is 1364746877 (calendar.timegm) */
	assert_true(r[0].has_time);
	assert_true(r[0].time_us == 1364746877528002LL);
	assert_int_equal(r[0].tmst, 3512348611u);
	assert_true(r[0].has_chan && r[0].chan == 2);
	assert_true(r[0].has_rfch && r[0].rfch == 0);
	assert_int_equal(r[0].freq_hz, 866349812u);
	assert_true(r[0].has_stat && r[0].stat == 1);
	assert_int_equal(r[0].datr.modu, GW_UDP_LORA);
	assert_int_equal(r[0].datr.sf, 7);
	assert_int_equal(r[0].datr.bw_khz, 125);
	assert_true(r[0].has_codr && r[0].codr == 6);
	assert_true(r[0].has_rssi && r[0].rssi == -35);
	assert_true(r[0].has_lsnr && r[0].lsnr == 5.1);
	assert_int_equal(r[0].size, 23);
	assert_int_equal(r[0].data[0], 0x00);
	assert_int_equal(r[0].data[22], 0xb8);
	assert_false(r[0].has_tmms);

	assert_true(r[1].time_us == 1364746877530974LL);
	assert_int_equal(r[1].freq_hz, 869100000u);
	assert_int_equal(r[1].datr.modu, GW_UDP_FSK);
	assert_int_equal(r[1].datr.bps, 50000);
	assert_false(r[1].has_codr);
	assert_false(r[1].has_lsnr);
	assert_int_equal(r[1].rssi, -75);
	assert_int_equal(r[1].size, 16);
	assert_memory_equal(r[1].data, "TEST_PACKET_1234", 16);

	assert_int_equal(r[2].tmst, 3316387610u);
	assert_int_equal(r[2].freq_hz, 863009810u);
	assert_int_equal(r[2].datr.sf, 10);
	assert_int_equal(r[2].codr, 7);
	assert_int_equal(r[2].size, 32);
	assert_int_equal(r[2].data[0], 0xca);
	assert_int_equal(r[2].data[31], 203);
}

static void
test_stat_sample(void **state)
{
	struct gw_udp_packet *p =
	    udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA, stat_sample));
	const struct gw_udp_stat *s = &p->stat;

	(void)state;
	assert_int_equal(p->n_rxpk, 0);
	assert_true(p->has_stat);
	/* 2014-01-12 08:59:28 UTC is 1389517168 (calendar.timegm) */
	assert_true(s->has_time && s->time == 1389517168);
	assert_true(s->has_lati && s->lati == 46.24);
	assert_true(s->has_long && s->lon == 3.2523);
	assert_true(s->has_alti && s->alti == 145);
	assert_true(s->has_rxnb && s->rxnb == 2);
	assert_true(s->has_rxok && s->rxok == 2);
	assert_true(s->has_rxfw && s->rxfw == 2);
	assert_true(s->has_ackr && s->ackr == 100.0);
	assert_true(s->has_dwnb && s->dwnb == 2);
	assert_true(s->has_txnb && s->txnb == 2);
}

static void
test_txpk_sample(void **state)
{
	struct gw_udp_packet *p =
	    udp_parse_ok(udp_mk(GW_UDP_PULL_RESP, txpk_sample));
	const struct gw_udp_txpk *t = &p->txpk;

	(void)state;
	assert_int_equal(p->type, GW_UDP_PULL_RESP);
	assert_true(t->imme);
	assert_false(t->has_tmst);
	assert_int_equal(t->freq_hz, 864123456u);
	assert_int_equal(t->rfch, 0);
	assert_true(t->has_powe && t->powe == 14);
	assert_int_equal(t->datr.sf, 11);
	assert_int_equal(t->codr, 6);
	assert_false(t->ipol);
	assert_false(t->has_prea);
	assert_int_equal(t->size, 32);
}

static void
test_fixed_packets(void **state)
{
	static const uint8_t pull_data[] = {
	    2, 0xab, 0xcd, 2, 0xaa, 0x55, 0x5a, 0, 0, 0, 0x01, 0x01};
	struct gw_udp_packet p;
	struct gw_udp_error e;
	uint8_t out[64];
	size_t n;

	(void)state;
	assert_int_equal(
	    gw_udp_parse(pull_data, sizeof(pull_data), &p, &e), GW_UDP_OK);
	assert_int_equal(p.type, GW_UDP_PULL_DATA);
	assert_int_equal(p.token, 0xabcd);
	assert_true(p.gw_eui == EUI);
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_OK);
	assert_int_equal(n, sizeof(pull_data));
	assert_memory_equal(out, pull_data, n);

	/* the answers: the same token, 4 bytes */
	p.type = GW_UDP_PULL_ACK;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x02\xab\xcd\x04", 4);
	p.type = GW_UDP_PUSH_ACK;
	p.token = 0x0102;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x02\x01\x02\x01", 4);
	assert_int_equal(gw_udp_parse(out, n, &p, &e), GW_UDP_OK);
	assert_int_equal(p.type, GW_UDP_PUSH_ACK);
	assert_int_equal(p.token, 0x0102);

	/* TX_ACK without a body is a success */
	p.type = GW_UDP_TX_ACK;
	p.gw_eui = EUI;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_OK);
	assert_int_equal(n, 12);
	assert_int_equal(gw_udp_parse(out, n, &p, &e), GW_UDP_OK);
	assert_false(p.txack.has_body);
	assert_int_equal(p.txack.error, GW_UDP_TXACK_NONE);
}

static void
test_tx_ack(void **state)
{
	struct gw_udp_packet *p;

	(void)state;
	p = udp_parse_ok(udp_mk(
	    GW_UDP_TX_ACK, "{\"txpk_ack\":{\"error\":\"COLLISION_PACKET\"}}"));
	assert_true(p->txack.has_body);
	assert_int_equal(p->txack.error, GW_UDP_TXACK_COLLISION_PACKET);
	p = udp_parse_ok(
	    udp_mk(GW_UDP_TX_ACK, "{\"txpk_ack\":{\"error\":\"NONE\"}}"));
	assert_int_equal(p->txack.error, GW_UDP_TXACK_NONE);
	p = udp_parse_ok(udp_mk(
	    GW_UDP_TX_ACK, "{\"txpk_ack\":{\"error\":\"GPS_UNLOCKED\"}}"));
	assert_int_equal(p->txack.error, GW_UDP_TXACK_GPS_UNLOCKED);
	p = udp_parse_ok(udp_mk(
	    GW_UDP_TX_ACK, "{\"txpk_ack\":{\"error\":\"BAD_CHANNEL\"}}"));
	assert_int_equal(p->txack.error, GW_UDP_TXACK_UNKNOWN);
	p = udp_parse_ok(udp_mk(GW_UDP_TX_ACK,
	    "{\"txpk_ack\":{\"warn\":\"TX_POWER\",\"value\":20}}"));
	assert_int_equal(p->txack.error, GW_UDP_TXACK_NONE);
	assert_true(p->txack.has_warn);
	assert_int_equal(p->txack.warn, GW_UDP_TXACK_TX_POWER);
	assert_true(p->txack.has_value && p->txack.value == 20);
	for (int i = 0; i <= GW_UDP_TXACK_UNKNOWN; i++) {
		char json[80];

		snprintf(json, sizeof(json),
		    "{\"txpk_ack\":{\"error\":\"%s\"}}", gw_udp_txack_name(i));
		p = udp_parse_ok(udp_mk(GW_UDP_TX_ACK, json));
		assert_int_equal(p->txack.error, i);
	}
}

/* roundtrip - encode p, parse it back: the same struct */
static void
roundtrip(const struct gw_udp_packet *p)
{
	static struct gw_udp_packet back;
	static uint8_t out[GW_UDP_DATAGRAM_MAX];
	struct gw_udp_error e;
	size_t n;
	int rc;

	rc = gw_udp_encode(p, out, sizeof(out), &n, &e);
	if (rc != GW_UDP_OK)
		fail_msg("encode: %s", e.text);
	rc = gw_udp_parse(out, n, &back, &e);
	if (rc != GW_UDP_OK)
		fail_msg("parse: %s in %.*s", e.text, (int)n, (char *)out);
	assert_memory_equal(&back, p, sizeof(back));
}

static void
test_round_trips(void **state)
{
	static struct gw_udp_packet p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.token = 0xfffe;
	p.type = GW_UDP_PUSH_DATA;
	p.gw_eui = 0xffffffffffffffffull;
	p.n_rxpk = GW_UDP_RXPK_MAX;
	for (unsigned i = 0; i < p.n_rxpk; i++)
		udp_fill_rxpk(&p.rxpk[i], i);
	p.has_stat = true;
	p.stat.has_time = true;
	p.stat.time = 1389517168;
	p.stat.has_lati = p.stat.has_long = p.stat.has_alti = true;
	p.stat.lati = 46.24;
	p.stat.lon = -3.2523;
	p.stat.alti = -12;
	p.stat.has_rxnb = p.stat.has_txnb = p.stat.has_ackr = true;
	p.stat.rxnb = 4294967295u;
	p.stat.txnb = 7;
	p.stat.ackr = 33.333333333333336;
	roundtrip(&p);
	/* only stat, then only rxpk, then nothing */
	p.n_rxpk = 0;
	memset(p.rxpk, 0, sizeof(p.rxpk));
	roundtrip(&p);
	/* a stat object without rxnb, or with nothing at all (the fuzzer
	 * found the encoder writing an absent rxnb) */
	p.stat.has_rxnb = false;
	p.stat.rxnb = 0;
	roundtrip(&p);
	memset(&p.stat, 0, sizeof(p.stat));
	roundtrip(&p);
	p.n_rxpk = 1;
	udp_fill_rxpk(&p.rxpk[0], 5);
	p.has_stat = false;
	memset(&p.stat, 0, sizeof(p.stat));
	roundtrip(&p);
	p.n_rxpk = 0;
	memset(p.rxpk, 0, sizeof(p.rxpk));
	roundtrip(&p);

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.type = GW_UDP_PULL_RESP;
	p.txpk.has_tmst = true;
	p.txpk.tmst = 4032704;
	p.txpk.freq_hz = 923300000u;
	p.txpk.rfch = 0;
	p.txpk.has_powe = true;
	p.txpk.powe = 21;
	p.txpk.datr.modu = GW_UDP_LORA;
	p.txpk.datr.sf = 12;
	p.txpk.datr.bw_khz = 500;
	p.txpk.codr = 5;
	p.txpk.ipol = true;
	p.txpk.has_prea = true;
	p.txpk.prea = 8;
	p.txpk.size = 33;
	memset(p.txpk.data, 0x5a, 33);
	roundtrip(&p);
	memset(&p.txpk, 0, sizeof(p.txpk));
	p.txpk.imme = true;
	p.txpk.has_tmms = true;
	p.txpk.tmms = 1234567890123ull;
	p.txpk.freq_hz = 869525000u;
	p.txpk.datr.modu = GW_UDP_FSK;
	p.txpk.datr.bps = 50000;
	p.txpk.has_fdev = true;
	p.txpk.fdev = 25000;
	p.txpk.ncrc = true;
	roundtrip(&p);

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.type = GW_UDP_TX_ACK;
	p.gw_eui = 1;
	roundtrip(&p);
	p.txack.has_body = true;
	p.txack.error = GW_UDP_TXACK_TOO_LATE;
	roundtrip(&p);
	p.txack.error = GW_UDP_TXACK_UNKNOWN;
	p.txack.has_warn = true;
	p.txack.warn = GW_UDP_TXACK_TX_FREQ;
	p.txack.has_value = true;
	p.txack.value = -5;
	roundtrip(&p);
}

/* test_freq - MHz <-> Hz to the nearest Hz, six decimals out */
static void
test_freq(void **state)
{
	static const struct {
		const char *mhz;
		uint32_t hz;
	} cases[] = {
	    {"868.1", 868100000u},
	    {"868.3", 868300000u},
	    {"869.525", 869525000u},
	    {"902.3", 902300000u},
	    {"923.9", 923900000u},
	    {"914.9", 914900000u},
	    {"867.1000004", 867100000u},
	    {"867.1000006", 867100001u},
	    {"868", 868000000u},
	    {"8.681e2", 868100000u},
	};
	static struct gw_udp_packet p;
	uint8_t out[512];
	char json[200];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
		    "{\"rxpk\":[{\"tmst\":1,\"freq\":%s,\"modu\":\"LORA\","
		    "\"datr\":\"SF7BW125\",\"size\":0,\"data\":\"\"}]}",
		    cases[i].mhz);
		assert_int_equal(udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA, json))
				     ->rxpk[0]
				     .freq_hz,
		    cases[i].hz);
	}
	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.type = GW_UDP_PULL_RESP;
	p.txpk.imme = true;
	p.txpk.freq_hz = 868100000u;
	p.txpk.datr.sf = 7;
	p.txpk.datr.bw_khz = 125;
	p.txpk.codr = 5;
	p.txpk.size = 1;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out) - 1, &n, NULL), GW_UDP_OK);
	out[n] = '\0';
	assert_non_null(strstr((char *)out + 4, "\"freq\":868.100000,"));
	assert_non_null(strstr((char *)out + 4, "\"data\":\"AA==\""));
	p.txpk.freq_hz = 923300001u;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out) - 1, &n, NULL), GW_UDP_OK);
	out[n] = '\0';
	assert_non_null(strstr((char *)out + 4, "\"freq\":923.300001,"));
}

static void
test_names(void **state)
{
	struct gw_udp_datr d;
	char buf[16];

	(void)state;
	for (int err = 0; err >= GW_UDP_ERR_INVAL; err--)
		assert_string_not_equal(gw_udp_strerror(err), "unknown error");
	assert_string_equal(gw_udp_strerror(-100), "unknown error");
	assert_string_equal(gw_udp_type_name(GW_UDP_PULL_RESP), "PULL_RESP");
	assert_string_equal(gw_udp_type_name(6), "unknown");
	assert_string_equal(gw_udp_txack_name(GW_UDP_TXACK_TX_FREQ), "TX_FREQ");
	assert_string_equal(gw_udp_txack_name(GW_UDP_TXACK_UNKNOWN), "UNKNOWN");
	assert_int_equal(gw_udp_datr_parse("SF12BW500", &d), 0);
	assert_int_equal(d.sf, 12);
	assert_int_equal(d.bw_khz, 500);
	assert_int_equal(gw_udp_datr_format(&d, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "SF12BW500");
	assert_int_equal(gw_udp_datr_format(&d, buf, 9), -1);
	assert_int_equal(gw_udp_datr_parse("SF7BW125x", &d), -1);
	assert_int_equal(gw_udp_datr_parse("SF07BW125", &d), -1);
	assert_int_equal(gw_udp_datr_parse("SF4BW125", &d), -1);
	assert_int_equal(gw_udp_datr_parse("SF7BW124", &d), -1);
	assert_int_equal(gw_udp_datr_parse("sf7bw125", &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_push_data_sample),
	    cmocka_unit_test(test_stat_sample),
	    cmocka_unit_test(test_txpk_sample),
	    cmocka_unit_test(test_fixed_packets),
	    cmocka_unit_test(test_tx_ack),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_freq),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
