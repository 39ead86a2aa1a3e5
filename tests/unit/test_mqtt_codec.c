/*
 * test_mqtt_codec.c - the MQTT 3.1.1 codec (mqtt/mqtt_codec.h): every
 * packet type encoded to bytes written by hand from the standard, decode
 * round trips, the Remaining Length limits, truncated / oversized /
 * malformed packets refused with the code naming the fault, and the
 * incremental decoder fed one byte at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtt/mqtt_codec.h"

#define B(...) ((const uint8_t[]){__VA_ARGS__})
#define BL(...) sizeof((const uint8_t[]){__VA_ARGS__})
/* expect_enc P BYTES... - P encodes to exactly these bytes, and back */
#define expect_enc(p, ...) check_enc(p, B(__VA_ARGS__), BL(__VA_ARGS__))
/* expect_dec ERR BYTES... - a whole-buffer decode gives ERR */
#define expect_dec(err, ...) check_dec(err, B(__VA_ARGS__), BL(__VA_ARGS__))

static bool
bytes_eq(struct mqtt_bytes a, struct mqtt_bytes b)
{
	return a.len == b.len &&
	    (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void
check_enc(const struct mqtt_packet *p, const uint8_t *want, size_t wantlen)
{
	uint8_t buf[256];
	struct mqtt_packet d;
	size_t n = 0, used = 0;
	unsigned i;

	assert_int_equal(mqtt_encode(p, NULL, 0, &n), MQTT_OK);
	assert_int_equal(n, wantlen);
	if (wantlen > 0) {
		assert_int_equal(
		    mqtt_encode(p, buf, wantlen - 1, &n), MQTT_ERR_BUFFER);
		assert_int_equal(n, wantlen);
	}
	assert_int_equal(mqtt_encode(p, buf, sizeof(buf), &n), MQTT_OK);
	assert_memory_equal(buf, want, wantlen);
	/* and back */
	assert_int_equal(mqtt_decode(buf, n, &d, &used), MQTT_OK);
	assert_int_equal(used, n);
	assert_int_equal(d.type, p->type);
	assert_int_equal(d.packet_id,
	    p->type == MQTT_PUBLISH && p->qos == 0 ? 0 : p->packet_id);
	assert_true(bytes_eq(d.client_id, p->client_id));
	assert_int_equal(d.clean_session, p->clean_session);
	assert_int_equal(d.keep_alive, p->keep_alive);
	assert_int_equal(d.has_username, p->has_username);
	assert_true(bytes_eq(d.username, p->username));
	assert_true(bytes_eq(d.password, p->password));
	assert_int_equal(d.session_present, p->session_present);
	assert_int_equal(d.return_code, p->return_code);
	assert_int_equal(d.qos, p->qos);
	assert_int_equal(d.dup, p->dup);
	assert_int_equal(d.retain, p->retain);
	assert_true(bytes_eq(d.topic, p->topic));
	assert_true(bytes_eq(d.payload, p->payload));
	assert_int_equal(d.count, p->count);
	for (i = 0; i < p->count; i++) {
		assert_true(bytes_eq(d.filters[i], p->filters[i]));
		assert_int_equal(d.codes[i], p->codes[i]);
	}
}

static void
check_dec(int err, const uint8_t *buf, size_t len)
{
	struct mqtt_packet p;
	size_t used = 0;

	assert_int_equal(mqtt_decode(buf, len, &p, &used), err);
}

static struct mqtt_packet
pkt(enum mqtt_type t)
{
	struct mqtt_packet p;

	memset(&p, 0, sizeof(p));
	p.type = t;
	return p;
}

static void
test_connect(void **state)
{
	struct mqtt_packet p = pkt(MQTT_CONNECT);

	(void)state;
	p.client_id = mqtt_str("ab");
	p.clean_session = true;
	p.keep_alive = 60;
	/* 3.1.2: "MQTT", level 4, flags, keep-alive; 3.1.3: client id */
	expect_enc(&p, 0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 2,
	    'a', 'b');
	p.clean_session = false;
	p.has_username = p.has_password = true;
	p.username = mqtt_str("u");
	p.password = mqtt_str("pw");
	expect_enc(&p, 0x10, 21, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xc0, 0, 60, 0, 2,
	    'a', 'b', 0, 1, 'u', 0, 2, 'p', 'w');
}

static void
test_acks(void **state)
{
	struct mqtt_packet p = pkt(MQTT_CONNACK);

	(void)state;
	p.session_present = true;
	expect_enc(&p, 0x20, 2, 1, 0);
	p.session_present = false;
	p.return_code = 5;
	expect_enc(&p, 0x20, 2, 0, 5);
	p = pkt(MQTT_PUBACK);
	p.packet_id = 0x1234;
	expect_enc(&p, 0x40, 2, 0x12, 0x34);
	p.type = MQTT_UNSUBACK;
	expect_enc(&p, 0xb0, 2, 0x12, 0x34);
	p.type = MQTT_PUBREL; /* flags 0010 [MQTT-3.6.1-1] */
	expect_enc(&p, 0x62, 2, 0x12, 0x34);
	p = pkt(MQTT_PINGREQ);
	expect_enc(&p, 0xc0, 0);
	p.type = MQTT_PINGRESP;
	expect_enc(&p, 0xd0, 0);
	p.type = MQTT_DISCONNECT;
	expect_enc(&p, 0xe0, 0);
}

static void
test_publish(void **state)
{
	struct mqtt_packet p = pkt(MQTT_PUBLISH);

	(void)state;
	p.topic = mqtt_str("a/b");
	expect_enc(&p, 0x30, 5, 0, 3, 'a', '/', 'b');
	p.qos = 1;
	p.dup = p.retain = true;
	p.packet_id = 10;
	p.payload = mqtt_str("hi");
	expect_enc(&p, 0x3b, 9, 0, 3, 'a', '/', 'b', 0, 10, 'h', 'i');
	p.topic = mqtt_str("\xc3\xa9"); /* U+00E9, two bytes */
	p.dup = p.retain = false;
	expect_enc(&p, 0x32, 8, 0, 2, 0xc3, 0xa9, 0, 10, 'h', 'i');
}

static void
test_subscribe(void **state)
{
	struct mqtt_packet p = pkt(MQTT_SUBSCRIBE);

	(void)state;
	p.packet_id = 1;
	p.count = 2;
	p.filters[0] = mqtt_str("a/#");
	p.codes[0] = 1;
	p.filters[1] = mqtt_str("+");
	p.codes[1] = 0;
	expect_enc(&p, 0x82, 12, 0, 1, 0, 3, 'a', '/', '#', 1, 0, 1, '+', 0);
	p.type = MQTT_UNSUBSCRIBE;
	p.codes[0] = p.codes[1] = 0;
	expect_enc(&p, 0xa2, 10, 0, 1, 0, 3, 'a', '/', '#', 0, 1, '+');
	p = pkt(MQTT_SUBACK);
	p.packet_id = 1;
	p.count = 2;
	p.codes[0] = 1;
	p.codes[1] = 0x80;
	expect_enc(&p, 0x90, 4, 0, 1, 1, 0x80);
}

/* publish_size - the size of a PUBLISH with topic "t", QoS 0 */
static int
publish_size(size_t payload_len, size_t *n)
{
	static const uint8_t dummy[1];
	struct mqtt_packet p = pkt(MQTT_PUBLISH);

	p.topic = mqtt_str("t");
	p.payload.data = dummy; /* only sized, never read */
	p.payload.len = payload_len;
	return mqtt_encode(&p, NULL, 0, n);
}

static void
test_varint(void **state)
{
	static const struct {
		size_t rem, n;
	} cases[] = {{127, 129}, {128, 131}, {16383, 16386}, {16384, 16388},
	    {2097151, 2097155}, {2097152, 2097157}, {268435455, 268435460}};
	uint8_t *buf = malloc(400);
	struct mqtt_packet p = pkt(MQTT_PUBLISH), d;
	size_t n, used, i;

	(void)state;
	assert_non_null(buf);
	/* topic "t" takes 3 bytes of the Remaining Length */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(publish_size(cases[i].rem - 3, &n), MQTT_OK);
		assert_int_equal(n, cases[i].n);
	}
	assert_int_equal(publish_size(268435455 - 2, &n), MQTT_ERR_TOO_BIG);
	/* 128 = 0x80 0x01 on the wire, and decodes */
	memset(buf, 'x', 400);
	p.topic = mqtt_str("t");
	p.payload.data = buf + 200;
	p.payload.len = 125;
	assert_int_equal(mqtt_encode(&p, buf, 200, &n), MQTT_OK);
	assert_memory_equal(buf, B(0x30, 0x80, 0x01, 0, 1, 't'), 6);
	assert_int_equal(mqtt_decode(buf, n, &d, &used), MQTT_OK);
	assert_int_equal(d.payload.len, 125);
	free(buf);
	/* a 5th length byte is refused at once */
	expect_dec(MQTT_ERR_VARINT, 0x30, 0xff, 0xff, 0xff, 0xff);
	expect_dec(MQTT_ERR_VARINT, 0x30, 0x80, 0x80, 0x80, 0x80, 0x01);
	/* a non-minimal encoding of 0 (3.1.1 does not forbid it) */
	expect_dec(MQTT_OK, 0xc0, 0x80, 0x00);
}

static void
test_malformed(void **state)
{
	(void)state;
	expect_dec(MQTT_ERR_TRUNCATED, 0x30);
	expect_dec(MQTT_ERR_TRUNCATED, 0x40, 0x02, 0x00);
	expect_dec(MQTT_ERR_TRUNCATED, 0x30, 0x03, 0, 5, 'a');    /* topic */
	expect_dec(MQTT_ERR_TRUNCATED, 0x32, 0x04, 0, 1, 'a', 0); /* id */
	expect_dec(MQTT_ERR_TYPE, 0x00, 0x00);
	expect_dec(MQTT_ERR_TYPE, 0xf0, 0x00);
	expect_dec(MQTT_ERR_FLAGS, 0x80, 0x05, 0, 1, 0, 1, 'a'); /* 0x82 */
	expect_dec(MQTT_ERR_FLAGS, 0x41, 0x02, 0, 1);
	expect_dec(MQTT_ERR_QOS, 0x36, 0x03, 0, 1, 'a');  /* QoS 3 */
	expect_dec(MQTT_ERR_QOS, 0x38, 0x03, 0, 1, 'a');  /* DUP, QoS 0 */
	expect_dec(MQTT_ERR_LENGTH, 0x40, 0x03, 0, 1, 0); /* PUBACK */
	expect_dec(MQTT_ERR_LENGTH, 0xd0, 0x01, 0);       /* PINGRESP */
	expect_dec(MQTT_ERR_LENGTH, 0x20, 0x03, 0, 0, 0); /* CONNACK */
	expect_dec(MQTT_ERR_PACKET_ID, 0x40, 0x02, 0, 0);
	expect_dec(MQTT_ERR_PACKET_ID, 0x32, 0x05, 0, 1, 'a', 0, 0);
	expect_dec(MQTT_ERR_RC, 0x20, 0x02, 0, 6);
	expect_dec(MQTT_ERR_FLAGS, 0x20, 0x02, 2, 0); /* reserved ack flag */
	expect_dec(MQTT_ERR_FLAGS, 0x20, 0x02, 1, 4); /* present + refused */
	expect_dec(MQTT_ERR_RC, 0x90, 0x03, 0, 1, 3); /* SUBACK code 3 */
	expect_dec(MQTT_ERR_UTF8, 0x30, 0x04, 0, 2, 0xc0, 0x80); /* overlong */
	expect_dec(
	    MQTT_ERR_UTF8, 0x30, 0x05, 0, 3, 0xed, 0xa0, 0x80); /* sur. */
	expect_dec(MQTT_ERR_UTF8, 0x30, 0x04, 0, 2, 'a', 0x00); /* U+0000 */
	expect_dec(MQTT_ERR_UTF8, 0x30, 0x04, 0, 2, 'a', 0xc3); /* cut */
	expect_dec(MQTT_ERR_TOPIC, 0x30, 0x02, 0, 0);           /* empty */
	expect_dec(MQTT_ERR_TOPIC, 0x30, 0x03, 0, 1, '+');
	expect_dec(MQTT_ERR_TOPIC, 0x82, 0x07, 0, 1, 0, 2, 'a', '#', 0);
	expect_dec(MQTT_ERR_TOPIC, 0x82, 0x08, 0, 1, 0, 3, '#', '/', 'b', 0);
	expect_dec(MQTT_ERR_QOS, 0x82, 0x06, 0, 1, 0, 1, 'a', 3);
	expect_dec(MQTT_ERR_PROTOCOL, 0x82, 0x02, 0, 1); /* no filter */
	expect_dec(MQTT_ERR_TRUNCATED, 0x82, 0x05, 0, 1, 0, 1, 'a'); /* QoS */
	expect_dec(MQTT_ERR_TOO_MANY, 0xa2, 29, 0, 1, 0, 1, 'a', 0, 1, 'a', 0,
	    1, 'a', 0, 1, 'a', 0, 1, 'a', 0, 1, 'a', 0, 1, 'a', 0, 1, 'a', 0, 1,
	    'a');
	/* CONNECT: protocol name, level, reserved flag, password alone,
	 * empty client id with a kept session */
	expect_dec(MQTT_ERR_PROTOCOL, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'X', 4, 2,
	    0, 0, 0, 0);
	expect_dec(MQTT_ERR_PROTOCOL, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 3, 2,
	    0, 0, 0, 0);
	expect_dec(MQTT_ERR_FLAGS, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 3, 0,
	    0, 0, 0);
	expect_dec(MQTT_ERR_FLAGS, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42,
	    0, 0, 0, 0);
	expect_dec(MQTT_ERR_PROTOCOL, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0,
	    0, 0, 0, 0);
	expect_dec(
	    MQTT_OK, 0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0, 0, 0);
	/* a will is checked and skipped */
	expect_dec(MQTT_OK, 0x10, 19, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x0e, 0, 0,
	    0, 0, 0, 1, 'w', 0, 2, 'x', 'y');
	expect_dec(MQTT_ERR_TRUNCATED, 0x10, 18, 0, 4, 'M', 'Q', 'T', 'T', 4,
	    0x0e, 0, 0, 0, 0, 0, 1, 'w', 0, 2, 'x');
}

static void
test_encode_refusals(void **state)
{
	struct mqtt_packet p = pkt(MQTT_PUBLISH);
	size_t n;

	(void)state;
	p.topic = mqtt_str("a");
	p.qos = 1;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_PACKET_ID);
	p.qos = 0;
	p.dup = true;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_QOS);
	p.dup = false;
	p.topic = mqtt_str("a/#");
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_TOPIC);
	p.topic = mqtt_str("\xff");
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_UTF8);
	p = pkt(MQTT_CONNECT);
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_PROTOCOL);
	p.clean_session = true;
	p.has_password = true;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_FLAGS);
	p = pkt(MQTT_SUBSCRIBE);
	p.packet_id = 1;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_PROTOCOL);
	p.count = MQTT_SUB_MAX + 1;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_TOO_MANY);
	p = pkt(MQTT_PUBACK);
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_PACKET_ID);
	p.type = 0;
	assert_int_equal(mqtt_encode(&p, NULL, 0, &n), MQTT_ERR_TYPE);
	assert_int_equal(mqtt_encode(NULL, NULL, 0, &n), MQTT_ERR_INVAL);
}

/* A stream of several packets for the incremental decoder: CONNACK,
 * PUBLISH QoS 0, PINGRESP, PUBLISH QoS 1 of 131 bytes (two length
 * bytes), SUBACK. */
static uint8_t stream[4 + 7 + 2 + 131 + 5];
static const int stream_types[] = {
    MQTT_CONNACK, MQTT_PUBLISH, MQTT_PINGRESP, MQTT_PUBLISH, MQTT_SUBACK};

static void
make_stream(void)
{
	static const uint8_t head[] = {0x20, 2, 1, 0, 0x30, 5, 0, 1, 't', 'h',
	    'i', 0xd0, 0, 0x32, 0x80, 0x01, 0, 1, 'u', 0, 7};
	static const uint8_t tail[] = {0x90, 3, 0, 1, 0x80};

	memcpy(stream, head, sizeof(head));
	memset(stream + sizeof(head), 'z', 123);
	memcpy(stream + sizeof(head) + 123, tail, sizeof(tail));
}

static void
test_decoder_bytewise(void **state)
{
	struct mqtt_decoder *d = mqtt_decoder_new(0);
	struct mqtt_packet p;
	size_t i, used;
	unsigned got = 0;
	int rc;

	(void)state;
	assert_non_null(d);
	make_stream();
	for (i = 0; i < sizeof(stream); i++) {
		rc = mqtt_decoder_feed(d, stream + i, 1, &used, &p);
		assert_int_equal(used, 1);
		if (rc == MQTT_DEC_NEED_MORE) {
			assert_true(mqtt_decoder_busy(d));
			continue;
		}
		assert_int_equal(rc, MQTT_DEC_PACKET);
		assert_int_equal(p.type, stream_types[got]);
		if (got == 3) {
			assert_int_equal(p.packet_id, 7);
			assert_int_equal(p.payload.len, 123);
			assert_int_equal(p.payload.data[122], 'z');
		}
		got++;
		assert_false(mqtt_decoder_busy(d));
	}
	assert_int_equal(got, 5);
	mqtt_decoder_free(d);
}

static void
test_decoder_whole(void **state)
{
	struct mqtt_decoder *d = mqtt_decoder_new(0);
	struct mqtt_packet p;
	size_t off = 0, used;
	unsigned got = 0;
	int rc;

	(void)state;
	make_stream();
	while ((rc = mqtt_decoder_feed(d, stream + off, sizeof(stream) - off,
		    &used, &p)) == MQTT_DEC_PACKET) {
		assert_int_equal(p.type, stream_types[got]);
		got++;
		off += used;
	}
	assert_int_equal(rc, MQTT_DEC_NEED_MORE);
	assert_int_equal(off + used, sizeof(stream));
	assert_int_equal(got, 5);
	mqtt_decoder_free(d);
}

static void
test_decoder_limits(void **state)
{
	struct mqtt_decoder *d = mqtt_decoder_new(16);
	struct mqtt_packet p;
	size_t used;
	size_t i;
	int rc = 0;

	(void)state;
	/* 2 + 14 = 16 bytes is accepted, 17 refused after its header */
	assert_int_equal(
	    mqtt_decoder_feed(d,
		B(0x30, 14, 0, 1, 't', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 16,
		&used, &p),
	    MQTT_DEC_PACKET);
	assert_int_equal(
	    mqtt_decoder_feed(d, B(0x30, 15, 0, 1, 't'), 5, &used, &p),
	    MQTT_ERR_TOO_BIG);
	assert_int_equal(used, 2);
	/* failed for good */
	assert_int_equal(
	    mqtt_decoder_feed(d, B(0xc0, 0), 2, &used, &p), MQTT_ERR_TOO_BIG);
	assert_int_equal(used, 0);
	mqtt_decoder_free(d);

	/* the largest Remaining Length is refused before any buffering */
	d = mqtt_decoder_new(0);
	assert_int_equal(
	    mqtt_decoder_feed(d, B(0x30, 0xff, 0xff, 0xff, 0x7f), 5, &used, &p),
	    MQTT_ERR_TOO_BIG);
	mqtt_decoder_free(d);

	/* a 4th length byte with its continuation bit, one at a time */
	d = mqtt_decoder_new(0);
	for (i = 0; i < 5; i++) {
		rc = mqtt_decoder_feed(
		    d, B(0x30, 0x80, 0x80, 0x80, 0x80) + i, 1, &used, &p);
		if (rc != MQTT_DEC_NEED_MORE)
			break;
	}
	assert_int_equal(rc, MQTT_ERR_VARINT);
	assert_int_equal(i, 4);
	mqtt_decoder_free(d);

	/* malformed content and a reserved type, named */
	d = mqtt_decoder_new(0);
	assert_int_equal(mqtt_decoder_feed(d, B(0x40, 2, 0, 0), 4, &used, &p),
	    MQTT_ERR_PACKET_ID);
	mqtt_decoder_free(d);
	d = mqtt_decoder_new(0);
	assert_int_equal(
	    mqtt_decoder_feed(d, B(0xf0), 1, &used, &p), MQTT_ERR_TYPE);
	mqtt_decoder_free(d);
	assert_null(mqtt_decoder_new(1));
	mqtt_decoder_free(NULL);
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = MQTT_OK; e >= MQTT_ERR_SHUTDOWN; e--)
		assert_string_not_equal(mqtt_strerror(e), "unknown error");
	assert_string_equal(
	    mqtt_strerror(MQTT_ERR_SHUTDOWN - 1), "unknown error");
	assert_string_equal(mqtt_strerror(1), "unknown error");
	assert_string_equal(mqtt_type_name(MQTT_SUBACK), "SUBACK");
	assert_string_equal(mqtt_type_name(15), "reserved");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connect),
	    cmocka_unit_test(test_acks),
	    cmocka_unit_test(test_publish),
	    cmocka_unit_test(test_subscribe),
	    cmocka_unit_test(test_varint),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_encode_refusals),
	    cmocka_unit_test(test_decoder_bytewise),
	    cmocka_unit_test(test_decoder_whole),
	    cmocka_unit_test(test_decoder_limits),
	    cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
