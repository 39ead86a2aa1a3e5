/*
 * test_gw_udp_refusals.c - Semtech UDP codec (gw/udp.h), the refusing
 * side: a table of malformed datagrams, each checked for its error code
 * and the field its text names; what must still be accepted (unknown
 * members, null, a trailing NUL, version 1, -0.0); and the encoder's
 * refusals.  test_gw_udp.c has the accepting side.
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

#include "gw/udp.h"
#include "lib/udp_dgram.h"

struct refusal {
	int type; /* -1: json holds the whole datagram, rawlen bytes */
	const char *json;
	int code;
	const char *field;
	size_t rawlen;
};

#define RAW(b, code, field)                                                    \
	{                                                                      \
		-1, b, code, field, sizeof(b) - 1                              \
	}
#define BODY(type, json, code, field)                                          \
	{                                                                      \
		type, json, code, field, 0                                     \
	}

#define RX(members)                                                            \
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","             \
	"\"datr\":\"SF7BW125\",\"size\":1,\"data\":\"AA==\"" members "}]}"
#define TX(members)                                                            \
	"{\"txpk\":{\"freq\":868.1,\"rfch\":0,\"modu\":\"LORA\","              \
	"\"datr\":\"SF7BW125\",\"codr\":\"4/5\",\"size\":1,"                   \
	"\"data\":\"AA==\"" members "}}"
#define OKPK                                                                   \
	"{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\",\"datr\":\"SF7BW125\","  \
	"\"size\":0,\"data\":\"\"}"

static const struct refusal refusals[] = {
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[" OKPK "," OKPK ",{\"tmst\":\"x\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[2].tmst"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":1.5}]}", GW_UDP_ERR_FIELD,
	"rxpk[0].tmst"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":4294967296}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].tmst"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":-1}]}", GW_UDP_ERR_FIELD,
	"rxpk[0].tmst"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"freq\":868.1}]}", GW_UDP_ERR_MISSING,
	"rxpk[0].tmst"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":1,\"freq\":\"868.1\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].freq"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":1,\"freq\":-1}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].freq"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[{\"tmst\":1}]}", GW_UDP_ERR_MISSING,
	"rxpk[0].freq"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"stat\":2"), GW_UDP_ERR_FIELD, "rxpk[0].stat"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"chan\":256"), GW_UDP_ERR_FIELD,
	"rxpk[0].chan"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"rssi\":-35.5"), GW_UDP_ERR_FIELD,
	"rxpk[0].rssi"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"lsnr\":\"5\""), GW_UDP_ERR_FIELD,
	"rxpk[0].lsnr"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"codr\":\"5/4\""), GW_UDP_ERR_FIELD,
	"rxpk[0].codr"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"time\":\"2013-02-30T00:00:00Z\""),
	GW_UDP_ERR_FIELD, "rxpk[0].time"),
    BODY(GW_UDP_PUSH_DATA, RX(",\"time\":\"2013-03-31T16:21:17.5\""),
	GW_UDP_ERR_FIELD, "rxpk[0].time"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LR-FHSS\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].modu"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","
	"\"datr\":\"SF13BW125\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].datr"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"FSK\","
	"\"datr\":\"50000\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].datr"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","
	"\"datr\":\"SF7BW125\",\"size\":2,\"data\":\"AA==\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].size"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","
	"\"datr\":\"SF7BW125\",\"size\":2,\"data\":\"A!==\"}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].data"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","
	"\"datr\":\"SF7BW125\",\"size\":256}]}",
	GW_UDP_ERR_FIELD, "rxpk[0].size"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[{\"tmst\":1,\"freq\":868.1,\"modu\":\"LORA\","
	"\"datr\":\"SF7BW125\",\"size\":1}]}",
	GW_UDP_ERR_MISSING, "rxpk[0].data"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":{}}", GW_UDP_ERR_FIELD, "rxpk"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[" OKPK ",7]}", GW_UDP_ERR_FIELD,
	"rxpk[1]"),
    BODY(GW_UDP_PUSH_DATA,
	"{\"rxpk\":[" OKPK "," OKPK "," OKPK "," OKPK "," OKPK "," OKPK "," OKPK
	"," OKPK "," OKPK "," OKPK "," OKPK "," OKPK "," OKPK "," OKPK "," OKPK
	"," OKPK "," OKPK "]}",
	GW_UDP_ERR_FIELD, "rxpk"),
    BODY(GW_UDP_PUSH_DATA, "{\"stat\":[]}", GW_UDP_ERR_FIELD, "stat"),
    BODY(GW_UDP_PUSH_DATA, "{\"stat\":{\"lati\":91}}", GW_UDP_ERR_FIELD,
	"stat.lati"),
    BODY(GW_UDP_PUSH_DATA, "{\"stat\":{\"rxnb\":-1}}", GW_UDP_ERR_FIELD,
	"stat.rxnb"),
    BODY(GW_UDP_PUSH_DATA, "{\"stat\":{\"time\":\"2014-01-12T08:59:28Z\"}}",
	GW_UDP_ERR_FIELD, "stat.time"),
    BODY(GW_UDP_PUSH_DATA, "[]", GW_UDP_ERR_JSON, "body"),
    BODY(GW_UDP_PUSH_DATA, "{\"rxpk\":[", GW_UDP_ERR_JSON, "body"),
    BODY(
	GW_UDP_PUSH_DATA, "{\"stat\":{},\"stat\":{}}", GW_UDP_ERR_JSON, "body"),
    BODY(GW_UDP_PUSH_DATA, "{\"a\":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]}",
	GW_UDP_ERR_JSON, "body"),
    BODY(GW_UDP_PUSH_DATA, "", GW_UDP_ERR_JSON, "body"),
    BODY(GW_UDP_PULL_RESP, "{}", GW_UDP_ERR_MISSING, "txpk"),
    BODY(GW_UDP_PULL_RESP, TX(""), GW_UDP_ERR_MISSING, "txpk.tmst"),
    BODY(GW_UDP_PULL_RESP, TX(",\"imme\":1"), GW_UDP_ERR_FIELD, "txpk.imme"),
    BODY(GW_UDP_PULL_RESP, TX(",\"tmst\":1,\"powe\":128"), GW_UDP_ERR_FIELD,
	"txpk.powe"),
    BODY(GW_UDP_PULL_RESP, TX(",\"tmst\":1,\"ipol\":\"true\""),
	GW_UDP_ERR_FIELD, "txpk.ipol"),
    BODY(GW_UDP_PULL_RESP,
	"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"modu\":\"LORA\"}}",
	GW_UDP_ERR_MISSING, "txpk.rfch"),
    BODY(GW_UDP_PULL_RESP,
	"{\"txpk\":{\"imme\":true,\"freq\":868.1,\"rfch\":0,"
	"\"modu\":\"LORA\",\"datr\":\"SF7BW125\"}}",
	GW_UDP_ERR_MISSING, "txpk.codr"),
    BODY(
	GW_UDP_TX_ACK, "{\"txpk_ack\":\"NONE\"}", GW_UDP_ERR_FIELD, "txpk_ack"),
    BODY(GW_UDP_TX_ACK, "{\"txpk_ack\":{\"error\":5}}", GW_UDP_ERR_FIELD,
	"txpk_ack.error"),
    BODY(GW_UDP_TX_ACK, "nope", GW_UDP_ERR_JSON, "body"),
    RAW("\x02\x00", GW_UDP_ERR_TRUNCATED, "header"),
    RAW("\x03\x00\x00\x01", GW_UDP_ERR_VERSION, "version"),
    RAW("\x02\x00\x00\x06", GW_UDP_ERR_TYPE, "identifier"),
    RAW("\x02\x00\x00\x02\xaa\x55", GW_UDP_ERR_TRUNCATED, "header"),
    RAW("\x02\x00\x00\x01x", GW_UDP_ERR_TOO_LONG, "body"),
    RAW("\x02\x00\x00\x04\x00", GW_UDP_ERR_TOO_LONG, "body"),
    RAW("\x02\x00\x00\x02\xaa\x55\x5a\x00\x00\x00\x01\x01{}",
	GW_UDP_ERR_TOO_LONG, "body"),
};

static void
test_refusals(void **state)
{
	static struct gw_udp_packet p;
	struct gw_udp_error e;
	char want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		size_t len;
		int rc;

		if (r->type < 0) {
			len = r->rawlen;
			memcpy(udp_dgram, r->json, len);
		} else {
			len = udp_mk(r->type, r->json);
		}
		rc = gw_udp_parse(udp_dgram, len, &p, &e);
		if (rc != r->code || strcmp(e.field, r->field) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d field %s", i,
			    rc, e.text, r->code, r->field);
		assert_int_equal(e.code, rc);
		snprintf(want, sizeof(want), "%s: ", r->field);
		assert_memory_equal(e.text, want, strlen(want));
		assert_true(strlen(e.text) > strlen(want));
	}
	/* over the UDP limit */
	memset(udp_dgram, ' ', sizeof(udp_dgram));
	udp_mk(GW_UDP_PUSH_DATA, "{}");
	assert_int_equal(
	    gw_udp_parse(udp_dgram, GW_UDP_DATAGRAM_MAX + 1, &p, &e),
	    GW_UDP_ERR_TOO_LONG);
	assert_string_equal(e.field, "datagram");
	/* at the limit: whitespace is JSON */
	assert_int_equal(
	    gw_udp_parse(udp_dgram, GW_UDP_DATAGRAM_MAX, &p, &e), GW_UDP_OK);
	assert_int_equal(gw_udp_parse(NULL, 0, &p, &e), GW_UDP_ERR_INVAL);
	assert_int_equal(
	    gw_udp_parse(udp_dgram, 4, NULL, NULL), GW_UDP_ERR_INVAL);
}

/* test_lenient - what newer or sloppier forwarders send is accepted */
static void
test_lenient(void **state)
{
	struct gw_udp_packet *p;
	size_t len;

	(void)state;
	p = udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA,
	    RX(",\"rsig\":[{\"ant\":0,\"chan\":7}],\"foff\":-20,"
	       "\"brd\":1,\"time\":null,\"lsnr\":null")));
	assert_int_equal(p->n_rxpk, 1);
	assert_false(p->rxpk[0].has_time);
	assert_false(p->rxpk[0].has_lsnr);
	/* -0.0 is read as 0.0: jansson reads "-0" as the integer 0, so a
	 * -0.0 would not survive a round trip (found by the fuzzer) */
	p = udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA, RX(",\"lsnr\":-0.0")));
	assert_true(p->rxpk[0].has_lsnr);
	assert_false(signbit(p->rxpk[0].lsnr));
	/* a C string terminator after the JSON */
	len = udp_mk(GW_UDP_PUSH_DATA, "{\"rxpk\":[]}");
	udp_dgram[len] = '\0';
	p = udp_parse_ok(len + 1);
	assert_int_equal(p->n_rxpk, 0);
	/* version 1, the stat time as sx1302's forwarder writes it */
	len = udp_mk(GW_UDP_PUSH_DATA,
	    "{\"stat\":{\"time\":\"2014-01-12 08:59:28 UTC\"}}");
	udp_dgram[0] = 1;
	p = udp_parse_ok(len);
	assert_int_equal(p->version, 1);
	assert_true(p->stat.time == 1389517168);
	assert_false(p->stat.has_lati);
	/* fractions of 0..9 digits, cut to microseconds */
	p = udp_parse_ok(
	    udp_mk(GW_UDP_PUSH_DATA, RX(",\"time\":\"1970-01-01T00:00:01Z\"")));
	assert_true(p->rxpk[0].time_us == 1000000);
	p = udp_parse_ok(udp_mk(GW_UDP_PUSH_DATA,
	    RX(",\"time\":\"1970-01-01T00:00:01.123456789Z\"")));
	assert_true(p->rxpk[0].time_us == 1123456);
	p = udp_parse_ok(udp_mk(
	    GW_UDP_PUSH_DATA, RX(",\"time\":\"2000-02-29T23:59:59.5Z\"")));
	/* 2000-02-29T23:59:59Z is 951868799 (calendar.timegm) */
	assert_true(p->rxpk[0].time_us == 951868799500000LL);
	/* TX_ACK with an empty object, and with only the terminator */
	p = udp_parse_ok(udp_mk(GW_UDP_TX_ACK, "{}"));
	assert_true(p->txack.has_body);
	assert_int_equal(p->txack.error, GW_UDP_TXACK_NONE);
	len = udp_mk(GW_UDP_TX_ACK, NULL);
	udp_dgram[len] = '\0';
	p = udp_parse_ok(len + 1);
	assert_false(p->txack.has_body);
}

static void
test_encode_refusals(void **state)
{
	static struct gw_udp_packet p;
	struct gw_udp_error e;
	uint8_t out[600];
	size_t n;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.type = GW_UDP_PUSH_ACK;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_VERSION);
	assert_string_equal(e.field, "version");
	p.version = 2;
	p.type = (enum gw_udp_type)6;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_TYPE);
	p.type = GW_UDP_PULL_DATA;
	assert_int_equal(
	    gw_udp_encode(&p, out, 11, &n, &e), GW_UDP_ERR_TOO_LONG);

	p.type = GW_UDP_PUSH_DATA;
	p.n_rxpk = 1;
	udp_fill_rxpk(&p.rxpk[0], 1);
	p.rxpk[0].lsnr = NAN;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_FIELD);
	assert_string_equal(e.field, "rxpk[0].lsnr");
	udp_fill_rxpk(&p.rxpk[0], 1);
	p.rxpk[0].datr.sf = 13;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_FIELD);
	assert_string_equal(e.field, "rxpk[0].datr");
	udp_fill_rxpk(&p.rxpk[0], 0); /* 255 bytes of data do not fit 600 */
	assert_int_equal(
	    gw_udp_encode(&p, out, 300, &n, &e), GW_UDP_ERR_TOO_LONG);
	p.n_rxpk = GW_UDP_RXPK_MAX + 1;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_FIELD);
	assert_string_equal(e.field, "rxpk");

	memset(&p, 0, sizeof(p));
	p.version = 2;
	p.type = GW_UDP_PULL_RESP;
	p.txpk.freq_hz = 868100000u;
	p.txpk.datr.sf = 7;
	p.txpk.datr.bw_khz = 125;
	p.txpk.codr = 5;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_MISSING);
	assert_string_equal(e.field, "txpk.tmst");
	p.txpk.imme = true;
	p.txpk.codr = 9;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_FIELD);
	assert_string_equal(e.field, "txpk.codr");
	p.txpk.codr = 5;
	p.txpk.size = 256;
	assert_int_equal(
	    gw_udp_encode(&p, out, sizeof(out), &n, &e), GW_UDP_ERR_FIELD);
	assert_string_equal(e.field, "txpk.size");
	assert_int_equal(
	    gw_udp_encode(NULL, out, sizeof(out), &n, &e), GW_UDP_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_lenient),
	    cmocka_unit_test(test_encode_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
