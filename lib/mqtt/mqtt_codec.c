/*
 * mqtt_codec.c - MQTT 3.1.1 decoding: strings and topics checked, every
 * read bounded by the packet's Remaining Length; the incremental decoder;
 * error names.  Encoding is in mqtt_encode.c.
 */
#include <stdlib.h>
#include <string.h>

#include "mqtt/mqtt_codec.h"
#include "mqtt/mqtt_codec_int.h"

const char *
mqtt_strerror(int err)
{
	static const char *const names[] = {
	    "no error",
	    "invalid argument",
	    "out of memory",
	    "packet truncated",
	    "output buffer too small",
	    "packet larger than the maximum size",
	    "remaining length longer than 4 bytes",
	    "reserved packet type",
	    "invalid flags",
	    "invalid QoS",
	    "malformed UTF-8 string",
	    "remaining length does not match the packet",
	    "packet identifier 0",
	    "protocol violation",
	    "invalid topic name or filter",
	    "too many topic filters",
	    "invalid return code",
	    "cannot connect to the broker",
	    "cannot resolve the broker's host name",
	    "connection refused: unacceptable protocol version",
	    "connection refused: client identifier rejected",
	    "connection refused: server unavailable",
	    "connection refused: bad user name or password",
	    "connection refused: not authorized",
	    "connection closed by the broker",
	    "broker did not answer in time",
	    "socket error",
	    "TLS error",
	    "message queue full",
	    "subscription refused by the broker",
	    "client shut down",
	};

	if (err > 0 || -err >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-err];
}

const char *
mqtt_type_name(int type)
{
	static const char *const names[] = {"reserved", "CONNECT", "CONNACK",
	    "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE",
	    "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
	    "DISCONNECT"};

	if (type < 1 || type > 14)
		return "reserved";
	return names[type];
}

struct mqtt_bytes
mqtt_str(const char *s)
{
	struct mqtt_bytes b = {(const uint8_t *)s, s == NULL ? 0 : strlen(s)};

	return b;
}

int
mqtt_check_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0, k, n;
	uint32_t cp, min;

	if (len > 65535)
		return MQTT_ERR_TOO_BIG;
	while (i < len) {
		uint8_t c = s[i];

		if (c == 0)
			return MQTT_ERR_UTF8; /* [MQTT-1.5.3-2] */
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return MQTT_ERR_UTF8;
		}
		if (len - i <= n)
			return MQTT_ERR_UTF8;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return MQTT_ERR_UTF8;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates [MQTT-1.5.3-1], beyond Unicode */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return MQTT_ERR_UTF8;
		i += n + 1;
	}
	return MQTT_OK;
}

int
mqtt_check_topic(const struct mqtt_bytes *t, bool filter)
{
	size_t i;
	int rc;

	if (t->len == 0)
		return MQTT_ERR_TOPIC; /* [MQTT-4.7.3-1] */
	if ((rc = mqtt_check_utf8(t->data, t->len)) != MQTT_OK)
		return rc;
	for (i = 0; i < t->len; i++) {
		uint8_t c = t->data[i];
		bool level_start = i == 0 || t->data[i - 1] == '/';
		bool level_end = i + 1 == t->len || t->data[i + 1] == '/';

		if (c != '+' && c != '#')
			continue;
		if (!filter)
			return MQTT_ERR_TOPIC; /* [MQTT-3.3.2-2] */
		if (!level_start || !level_end || (c == '#' && i + 1 != t->len))
			return MQTT_ERR_TOPIC; /* [MQTT-4.7.1-2], [-3] */
	}
	return MQTT_OK;
}

/* A bounded reader over one packet's variable header and payload. */
struct rd {
	const uint8_t *p;
	size_t len, off;
};

static int
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->len - r->off < 1)
		return MQTT_ERR_TRUNCATED;
	*v = r->p[r->off++];
	return MQTT_OK;
}

static int
rd_u16(struct rd *r, uint16_t *v)
{
	if (r->len - r->off < 2)
		return MQTT_ERR_TRUNCATED;
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return MQTT_OK;
}

/* rd_bin - a length-prefixed field; utf8: check it as a string */
static int
rd_bin(struct rd *r, struct mqtt_bytes *b, bool utf8)
{
	uint16_t n;
	int rc;

	if ((rc = rd_u16(r, &n)) != MQTT_OK)
		return rc;
	if (r->len - r->off < n)
		return MQTT_ERR_TRUNCATED;
	b->data = r->p + r->off;
	b->len = n;
	r->off += n;
	return utf8 ? mqtt_check_utf8(b->data, b->len) : MQTT_OK;
}

static int
rd_id(struct rd *r, uint16_t *id)
{
	int rc = rd_u16(r, id);

	if (rc == MQTT_OK && *id == 0)
		return MQTT_ERR_PACKET_ID;
	return rc;
}

int
mqtt_check_flags(uint8_t byte1)
{
	unsigned type = byte1 >> 4, flags = byte1 & 0x0f;

	if (type == 0 || type == 15)
		return MQTT_ERR_TYPE;
	if (type == MQTT_PUBLISH) {
		if ((flags & 0x06) == 0x06)
			return MQTT_ERR_QOS; /* [MQTT-3.3.1-4] */
		if ((flags & 0x08) && (flags & 0x06) == 0)
			return MQTT_ERR_QOS; /* [MQTT-3.3.1-2] */
		return MQTT_OK;
	}
	/* [MQTT-2.2.2-1] */
	if (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE ||
	    type == MQTT_UNSUBSCRIBE)
		return flags == 0x02 ? MQTT_OK : MQTT_ERR_FLAGS;
	return flags == 0 ? MQTT_OK : MQTT_ERR_FLAGS;
}

static int
parse_connect(struct rd *r, struct mqtt_packet *p)
{
	static const uint8_t name[] = {0, 4, 'M', 'Q', 'T', 'T'};
	struct mqtt_bytes skip;
	uint8_t fl;
	int rc;

	if (r->len < sizeof(name) + 4)
		return MQTT_ERR_TRUNCATED;
	if (memcmp(r->p, name, sizeof(name)) != 0)
		return MQTT_ERR_PROTOCOL;
	r->off = sizeof(name);
	(void)rd_u8(r, &p->level);
	(void)rd_u8(r, &fl);
	(void)rd_u16(r, &p->keep_alive);
	if (p->level != MQTT_PROTOCOL_LEVEL)
		return MQTT_ERR_PROTOCOL;
	/* reserved bit [MQTT-3.1.2-3]; will QoS 3 or will bits without the
	 * will flag [MQTT-3.1.2-11..14]; password without user name
	 * [MQTT-3.1.2-22] */
	if ((fl & 0x01) || ((fl >> 3) & 3) == 3 ||
	    (!(fl & 0x04) && (fl & 0x38)) || ((fl & 0x40) && !(fl & 0x80)))
		return MQTT_ERR_FLAGS;
	p->clean_session = (fl & 0x02) != 0;
	p->has_username = (fl & 0x80) != 0;
	p->has_password = (fl & 0x40) != 0;
	if ((rc = rd_bin(r, &p->client_id, true)) != MQTT_OK)
		return rc;
	if (p->client_id.len == 0 && !p->clean_session)
		return MQTT_ERR_PROTOCOL; /* [MQTT-3.1.3-7] */
	if ((fl & 0x04) &&
	    ((rc = rd_bin(r, &skip, true)) != MQTT_OK ||
		(rc = rd_bin(r, &skip, false)) != MQTT_OK))
		return rc;
	if (p->has_username && (rc = rd_bin(r, &p->username, true)) != MQTT_OK)
		return rc;
	if (p->has_password && (rc = rd_bin(r, &p->password, false)) != MQTT_OK)
		return rc;
	return MQTT_OK;
}

static int
parse_publish(struct rd *r, uint8_t flags, struct mqtt_packet *p)
{
	int rc;

	p->qos = (flags >> 1) & 3;
	p->dup = (flags & 0x08) != 0;
	p->retain = (flags & 0x01) != 0;
	if ((rc = rd_bin(r, &p->topic, false)) != MQTT_OK)
		return rc;
	if ((rc = mqtt_check_topic(&p->topic, false)) != MQTT_OK)
		return rc;
	if (p->qos > 0 && (rc = rd_id(r, &p->packet_id)) != MQTT_OK)
		return rc;
	p->payload.data = r->p + r->off;
	p->payload.len = r->len - r->off;
	r->off = r->len;
	return MQTT_OK;
}

static int
parse_subscribe(struct rd *r, struct mqtt_packet *p, bool sub)
{
	int rc;

	if ((rc = rd_id(r, &p->packet_id)) != MQTT_OK)
		return rc;
	if (r->off == r->len)
		return MQTT_ERR_PROTOCOL; /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
	while (r->off < r->len) {
		struct mqtt_bytes *f;

		if (p->count == MQTT_SUB_MAX)
			return MQTT_ERR_TOO_MANY;
		f = &p->filters[p->count];
		if ((rc = rd_bin(r, f, false)) != MQTT_OK ||
		    (rc = mqtt_check_topic(f, true)) != MQTT_OK)
			return rc;
		if (sub) {
			if ((rc = rd_u8(r, &p->codes[p->count])) != MQTT_OK)
				return rc;
			if (p->codes[p->count] > 2)
				return MQTT_ERR_QOS; /* [MQTT-3.8.3-4] */
		}
		p->count++;
	}
	return MQTT_OK;
}

static int
parse_suback(struct rd *r, struct mqtt_packet *p)
{
	int rc;

	if ((rc = rd_id(r, &p->packet_id)) != MQTT_OK)
		return rc;
	if (r->off == r->len)
		return MQTT_ERR_LENGTH;
	while (r->off < r->len) {
		uint8_t c;

		if (p->count == MQTT_SUB_MAX)
			return MQTT_ERR_TOO_MANY;
		(void)rd_u8(r, &c);
		if (c > 2 && c != 0x80)
			return MQTT_ERR_RC;
		p->codes[p->count++] = c;
	}
	return MQTT_OK;
}

int
mqtt_parse_body(
    uint8_t byte1, const uint8_t *body, size_t len, struct mqtt_packet *p)
{
	struct rd r = {body, len, 0};
	uint8_t b = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = mqtt_check_flags(byte1)) != MQTT_OK)
		return rc;
	p->type = (enum mqtt_type)(byte1 >> 4);
	switch (p->type) {
	case MQTT_CONNECT:
		rc = parse_connect(&r, p);
		break;
	case MQTT_CONNACK:
		if (len != 2)
			return MQTT_ERR_LENGTH;
		(void)rd_u8(&r, &b);
		(void)rd_u8(&r, &p->return_code);
		if (b & 0xfe)
			return MQTT_ERR_FLAGS; /* [MQTT-3.2.2-1] */
		p->session_present = b & 1;
		if (p->return_code > 5)
			return MQTT_ERR_RC;
		/* [MQTT-3.2.2-4] */
		if (p->return_code != 0 && p->session_present)
			return MQTT_ERR_FLAGS;
		break;
	case MQTT_PUBLISH:
		rc = parse_publish(&r, byte1 & 0x0f, p);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_UNSUBACK:
		if (len != 2)
			return MQTT_ERR_LENGTH;
		rc = rd_id(&r, &p->packet_id);
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		rc = parse_subscribe(&r, p, p->type == MQTT_SUBSCRIBE);
		break;
	case MQTT_SUBACK:
		rc = parse_suback(&r, p);
		break;
	default: /* PINGREQ, PINGRESP, DISCONNECT */
		if (len != 0)
			return MQTT_ERR_LENGTH;
		break;
	}
	if (rc == MQTT_OK && r.off != r.len)
		rc = MQTT_ERR_LENGTH; /* bytes after the last field */
	if (rc != MQTT_OK)
		memset(p, 0, sizeof(*p));
	return rc;
}

int
mqtt_decode(const uint8_t *buf, size_t len, struct mqtt_packet *p, size_t *used)
{
	uint32_t rem = 0;
	size_t i;
	int rc;

	if (buf == NULL || p == NULL || used == NULL)
		return MQTT_ERR_INVAL;
	if (len < 1)
		return MQTT_ERR_TRUNCATED;
	if ((rc = mqtt_check_flags(buf[0])) != MQTT_OK)
		return rc;
	for (i = 1;; i++) {
		if (i > 4)
			return MQTT_ERR_VARINT;
		if (i >= len)
			return MQTT_ERR_TRUNCATED;
		rem |= (uint32_t)(buf[i] & 0x7f) << (7 * (i - 1));
		if (!(buf[i] & 0x80))
			break;
	}
	i++;
	if (len - i < rem)
		return MQTT_ERR_TRUNCATED;
	if ((rc = mqtt_parse_body(buf[0], buf + i, rem, p)) != MQTT_OK)
		return rc;
	*used = i + rem;
	return MQTT_OK;
}
