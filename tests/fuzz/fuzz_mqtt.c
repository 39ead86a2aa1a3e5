/*
 * fuzz_mqtt.c - libFuzzer target: bytes as an MQTT 3.1.1 stream from a
 * broker (mqtt/mqtt_codec.h), decoded twice: whole by the incremental
 * decoder, and fed in slices whose sizes come from the input.  Both must
 * give the same packets; each packet must encode again and decode back to
 * the same fields.  The Application Server reads this stream from its
 * broker: no byte of it may crash the daemon.
 *
 * Input: byte 0 offsets the slice sizes and picks a small or the default
 * maximum packet size; the rest is the stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PACKETS 64

static void
same_bytes(const struct mqtt_bytes *a, const struct mqtt_bytes *b)
{
	if (a->len != b->len ||
	    (a->len > 0 && memcmp(a->data, b->data, a->len) != 0))
		abort();
}

/* roundtrip - encode p, decode the bytes, compare the fields */
static void
roundtrip(const struct mqtt_packet *p)
{
	struct mqtt_packet q;
	uint8_t *buf;
	size_t n = 0, used = 0;

	if (mqtt_encode(p, NULL, 0, &n) != MQTT_OK)
		return; /* what a client never sends back (QoS 2, ...) */
	if ((buf = malloc(n)) == NULL)
		return;
	if (mqtt_encode(p, buf, n, &n) != MQTT_OK ||
	    mqtt_decode(buf, n, &q, &used) != MQTT_OK || used != n ||
	    q.type != p->type || q.packet_id != p->packet_id)
		abort();
	switch (p->type) {
	case MQTT_PUBLISH:
		if (q.qos != p->qos || q.retain != p->retain)
			abort();
		same_bytes(&q.topic, &p->topic);
		same_bytes(&q.payload, &p->payload);
		break;
	case MQTT_CONNACK:
		if (q.return_code != p->return_code ||
		    q.session_present != p->session_present)
			abort();
		break;
	case MQTT_SUBACK:
		if (q.count != p->count ||
		    memcmp(q.codes, p->codes, p->count) != 0)
			abort();
		break;
	default:
		break;
	}
	free(buf);
}

/* run - the stream through one decoder in slices; the packet types seen */
static size_t
run(const uint8_t *s, size_t len, size_t max, uint8_t step0, int *types)
{
	struct mqtt_decoder *d = mqtt_decoder_new(max);
	struct mqtt_packet p;
	size_t off = 0, npk = 0, used, slice;
	uint8_t step = step0;
	int rc;

	if (d == NULL)
		return 0;
	while (off < len && npk < MAX_PACKETS) {
		slice = step0 == 0 ? len - off : (size_t)(step % 7) + 1;
		if (slice > len - off)
			slice = len - off;
		step = (uint8_t)(step * 31 + 7);
		rc = mqtt_decoder_feed(d, s + off, slice, &used, &p);
		if (used > slice)
			abort();
		off += used;
		if (rc < 0) {
			types[npk++] = rc;
			break;
		}
		if (rc == MQTT_DEC_PACKET) {
			roundtrip(&p);
			types[npk++] = (int)p.type;
		} else if (used != slice)
			abort(); /* wants more without taking all it got */
	}
	mqtt_decoder_free(d);
	return npk;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int a[MAX_PACKETS], b[MAX_PACKETS];
	size_t na, nb, max;

	if (size < 1)
		return 0;
	max = data[0] & 1 ? 64 : MQTT_DEFAULT_MAX_PACKET;
	na = run(data + 1, size - 1, max, 0, a);
	nb = run(data + 1, size - 1, max, (uint8_t)(data[0] | 1), b);
	/* Sliced or whole, the same packets (an error ends both alike). */
	if (na != nb || memcmp(a, b, na * sizeof(a[0])) != 0)
		abort();
	return 0;
}
