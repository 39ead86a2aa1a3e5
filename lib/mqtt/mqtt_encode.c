/*
 * mqtt_encode.c - MQTT 3.1.1 encoding into a caller's buffer, and the
 * incremental decoder.  The encoder sizes the packet first (refusing what
 * it would not accept itself on decode), then writes; nothing is written
 * past outlen.
 */
#include <stdlib.h>
#include <string.h>

#include "mqtt/mqtt_codec.h"
#include "mqtt/mqtt_codec_int.h"

/* A writer that the sizing pass has already proven large enough. */
struct wr {
	uint8_t *p;
	size_t off;
};

static void
wr_u8(struct wr *w, uint8_t v)
{
	w->p[w->off++] = v;
}

static void
wr_u16(struct wr *w, uint16_t v)
{
	wr_u8(w, (uint8_t)(v >> 8));
	wr_u8(w, (uint8_t)v);
}

static void
wr_bin(struct wr *w, const struct mqtt_bytes *b)
{
	wr_u16(w, (uint16_t)b->len);
	if (b->len > 0)
		memcpy(w->p + w->off, b->data, b->len);
	w->off += b->len;
}

static int
check_bin(const struct mqtt_bytes *b)
{
	if (b->len > 65535)
		return MQTT_ERR_TOO_BIG;
	if (b->len > 0 && b->data == NULL)
		return MQTT_ERR_INVAL;
	return MQTT_OK;
}

static int
check_str(const struct mqtt_bytes *b)
{
	int rc = check_bin(b);

	return rc != MQTT_OK ? rc : mqtt_check_utf8(b->data, b->len);
}

/* body_size - check p and compute its Remaining Length (may exceed the
 * varint's range: the caller checks) */
static int
body_size(const struct mqtt_packet *p, size_t *size)
{
	size_t n = 0;
	unsigned i;
	int rc = MQTT_OK;

	switch (p->type) {
	case MQTT_CONNECT:
		if ((rc = check_str(&p->client_id)) != MQTT_OK)
			return rc;
		if (p->client_id.len == 0 && !p->clean_session)
			return MQTT_ERR_PROTOCOL; /* [MQTT-3.1.3-7] */
		if (p->has_password && !p->has_username)
			return MQTT_ERR_FLAGS; /* [MQTT-3.1.2-22] */
		if ((p->has_username &&
			(rc = check_str(&p->username)) != MQTT_OK) ||
		    (p->has_password &&
			(rc = check_bin(&p->password)) != MQTT_OK))
			return rc;
		n = 10 + 2 + p->client_id.len;
		if (p->has_username)
			n += 2 + p->username.len;
		if (p->has_password)
			n += 2 + p->password.len;
		break;
	case MQTT_CONNACK:
		if (p->return_code > 5)
			return MQTT_ERR_RC;
		if (p->return_code != 0 && p->session_present)
			return MQTT_ERR_FLAGS;
		n = 2;
		break;
	case MQTT_PUBLISH:
		if (p->qos > 2 || (p->dup && p->qos == 0))
			return MQTT_ERR_QOS;
		if ((rc = check_bin(&p->topic)) != MQTT_OK ||
		    (rc = mqtt_check_topic(&p->topic, false)) != MQTT_OK)
			return rc;
		if (p->qos > 0 && p->packet_id == 0)
			return MQTT_ERR_PACKET_ID;
		if (p->payload.len > 0 && p->payload.data == NULL)
			return MQTT_ERR_INVAL;
		if (p->payload.len > MQTT_VARINT_MAX)
			return MQTT_ERR_TOO_BIG;
		n = 2 + p->topic.len + (p->qos > 0 ? 2 : 0) + p->payload.len;
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
	case MQTT_SUBACK:
		if (p->count == 0)
			return MQTT_ERR_PROTOCOL;
		if (p->count > MQTT_SUB_MAX)
			return MQTT_ERR_TOO_MANY;
		if (p->packet_id == 0)
			return MQTT_ERR_PACKET_ID;
		n = 2;
		for (i = 0; i < p->count; i++) {
			if (p->type == MQTT_SUBACK) {
				if (p->codes[i] > 2 && p->codes[i] != 0x80)
					return MQTT_ERR_RC;
				n++;
				continue;
			}
			if ((rc = check_bin(&p->filters[i])) != MQTT_OK ||
			    (rc = mqtt_check_topic(&p->filters[i], true)) !=
				MQTT_OK)
				return rc;
			if (p->type == MQTT_SUBSCRIBE && p->codes[i] > 2)
				return MQTT_ERR_QOS;
			n += 2 + p->filters[i].len +
			    (p->type == MQTT_SUBSCRIBE ? 1 : 0);
		}
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		if (p->packet_id == 0)
			return MQTT_ERR_PACKET_ID;
		n = 2;
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
	case MQTT_DISCONNECT:
		break;
	default:
		return MQTT_ERR_TYPE;
	}
	*size = n;
	return MQTT_OK;
}

static uint8_t
first_byte(const struct mqtt_packet *p)
{
	uint8_t b = (uint8_t)(p->type << 4);

	if (p->type == MQTT_PUBLISH)
		b |= (uint8_t)((p->dup ? 0x08 : 0) | (p->qos << 1) |
		    (p->retain ? 0x01 : 0));
	else if (p->type == MQTT_PUBREL || p->type == MQTT_SUBSCRIBE ||
	    p->type == MQTT_UNSUBSCRIBE)
		b |= 0x02;
	return b;
}

int
mqtt_encode(const struct mqtt_packet *p, uint8_t *out, size_t outlen, size_t *n)
{
	static const uint8_t proto[] = {0, 4, 'M', 'Q', 'T', 'T', 4};
	struct wr w = {out, 0};
	size_t rem, total, v;
	unsigned i, vlen;
	int rc;

	if (p == NULL || n == NULL)
		return MQTT_ERR_INVAL;
	if ((rc = body_size(p, &rem)) != MQTT_OK)
		return rc;
	if (rem > MQTT_VARINT_MAX)
		return MQTT_ERR_TOO_BIG;
	vlen = rem < 128 ? 1 : rem < 16384 ? 2 : rem < 2097152 ? 3 : 4;
	total = 1 + vlen + rem;
	*n = total;
	if (out == NULL)
		return MQTT_OK;
	if (outlen < total)
		return MQTT_ERR_BUFFER;

	wr_u8(&w, first_byte(p));
	for (v = rem, i = 0; i < vlen; i++, v >>= 7)
		wr_u8(&w, (uint8_t)((v & 0x7f) | (i + 1 < vlen ? 0x80 : 0)));
	switch (p->type) {
	case MQTT_CONNECT:
		memcpy(out + w.off, proto, sizeof(proto));
		w.off += sizeof(proto);
		wr_u8(&w,
		    (uint8_t)((p->has_username ? 0x80 : 0) |
			(p->has_password ? 0x40 : 0) |
			(p->clean_session ? 0x02 : 0)));
		wr_u16(&w, p->keep_alive);
		wr_bin(&w, &p->client_id);
		if (p->has_username)
			wr_bin(&w, &p->username);
		if (p->has_password)
			wr_bin(&w, &p->password);
		break;
	case MQTT_CONNACK:
		wr_u8(&w, p->session_present ? 1 : 0);
		wr_u8(&w, p->return_code);
		break;
	case MQTT_PUBLISH:
		wr_bin(&w, &p->topic);
		if (p->qos > 0)
			wr_u16(&w, p->packet_id);
		if (p->payload.len > 0)
			memcpy(out + w.off, p->payload.data, p->payload.len);
		w.off += p->payload.len;
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
	case MQTT_SUBACK:
		wr_u16(&w, p->packet_id);
		for (i = 0; i < p->count; i++) {
			if (p->type != MQTT_SUBACK)
				wr_bin(&w, &p->filters[i]);
			if (p->type != MQTT_UNSUBSCRIBE)
				wr_u8(&w, p->codes[i]);
		}
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
	case MQTT_DISCONNECT:
		break;
	default: /* the acknowledgements */
		wr_u16(&w, p->packet_id);
		break;
	}
	return MQTT_OK;
}

enum dec_state {
	DS_TYPE,  /* expecting the first byte */
	DS_LEN,   /* in the Remaining Length */
	DS_BODY,  /* buffering rem bytes */
	DS_ERROR, /* failed for good */
};

struct mqtt_decoder {
	size_t max_packet;
	enum dec_state st;
	uint8_t byte1;
	uint32_t rem;  /* Remaining Length */
	unsigned vlen; /* its bytes seen */
	uint8_t *buf;  /* the body; grows up to max_packet */
	size_t cap, got;
	int err;
};

struct mqtt_decoder *
mqtt_decoder_new(size_t max_packet)
{
	struct mqtt_decoder *d;

	if (max_packet == 1)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->max_packet = max_packet == 0 ? MQTT_DEFAULT_MAX_PACKET : max_packet;
	return d;
}

void
mqtt_decoder_free(struct mqtt_decoder *d)
{
	if (d == NULL)
		return;
	free(d->buf);
	free(d);
}

bool
mqtt_decoder_busy(const struct mqtt_decoder *d)
{
	return d->st == DS_LEN || d->st == DS_BODY;
}

static int
dec_fail(struct mqtt_decoder *d, int err)
{
	d->st = DS_ERROR;
	d->err = err;
	return err;
}

/* dec_len_done - the Remaining Length is known: refuse it before
 * buffering if too large, else make room */
static int
dec_len_done(struct mqtt_decoder *d)
{
	uint8_t *nb;

	if (1 + (size_t)d->vlen + d->rem > d->max_packet)
		return dec_fail(d, MQTT_ERR_TOO_BIG);
	if (d->rem > d->cap) {
		if ((nb = realloc(d->buf, d->rem)) == NULL)
			return dec_fail(d, MQTT_ERR_NOMEM);
		d->buf = nb;
		d->cap = d->rem;
	}
	d->got = 0;
	d->st = DS_BODY;
	return MQTT_OK;
}

int
mqtt_decoder_feed(struct mqtt_decoder *d, const void *data, size_t len,
    size_t *used, struct mqtt_packet *p)
{
	const uint8_t *in = data;
	size_t off = 0, take;
	int rc;

	if (used != NULL)
		*used = 0;
	if (d == NULL || used == NULL || p == NULL || (in == NULL && len > 0))
		return MQTT_ERR_INVAL;
	if (d->st == DS_ERROR)
		return d->err;
	while (off < len || (d->st == DS_BODY && d->got == d->rem)) {
		switch (d->st) {
		case DS_TYPE:
			d->byte1 = in[off++];
			if ((rc = mqtt_check_flags(d->byte1)) != MQTT_OK) {
				*used = off;
				return dec_fail(d, rc);
			}
			d->rem = 0;
			d->vlen = 0;
			d->st = DS_LEN;
			break;
		case DS_LEN:
			d->rem |= (uint32_t)(in[off] & 0x7f) << (7 * d->vlen);
			d->vlen++;
			if (in[off++] & 0x80) {
				/* a 5th byte would follow: refuse now */
				if (d->vlen < 4)
					break;
				*used = off;
				return dec_fail(d, MQTT_ERR_VARINT);
			}
			if ((rc = dec_len_done(d)) != MQTT_OK) {
				*used = off;
				return rc;
			}
			break;
		case DS_BODY:
			if (d->got == d->rem) {
				*used = off;
				d->st = DS_TYPE;
				rc = mqtt_parse_body(
				    d->byte1, d->buf, d->rem, p);
				if (rc != MQTT_OK)
					return dec_fail(d, rc);
				return MQTT_DEC_PACKET;
			}
			take = d->rem - d->got;
			if (take > len - off)
				take = len - off;
			memcpy(d->buf + d->got, in + off, take);
			d->got += take;
			off += take;
			break;
		case DS_ERROR:
			return d->err;
		}
	}
	*used = off;
	return MQTT_DEC_NEED_MORE;
}
