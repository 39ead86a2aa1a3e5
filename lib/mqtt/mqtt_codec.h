/*
 * mqtt_codec.h - MQTT 3.1.1 (OASIS standard, 2014) control packets:
 * bounded encoding into caller buffers, whole-packet decoding, and an
 * incremental decoder (feed bytes, get whole packets), independent of
 * sockets.
 *
 * Decisions:
 * - Every packet type of 3.1.1 decodes (PUBREC/PUBREL/PUBCOMP too, so the
 *   client can name a QoS 2 packet it does not support); CONNECT's will
 *   topic and message are checked and skipped, and the encoder never
 *   writes a will.
 * - Remaining Length: at most 4 bytes (268435455); a continuation bit on
 *   the 4th byte is refused at once (MQTT_ERR_VARINT).  A non-minimal
 *   encoding (0x80 0x00) is accepted: 3.1.1 does not forbid it.
 * - The incremental decoder refuses a packet larger than its maximum (the
 *   whole packet, fixed header included) as soon as the Remaining Length
 *   is known, before buffering a byte of it; a reserved type or wrong
 *   fixed-header flags are refused on the first byte.
 * - Strings are checked as 3.1.1 section 1.5.3 requires: well-formed
 *   UTF-8 (no overlong form, no surrogate, nothing over U+10FFFF) and no
 *   U+0000.  PUBLISH topics must be non-empty and wildcard-free; SUBSCRIBE
 *   and UNSUBSCRIBE filters non-empty with '+' and '#' only as whole
 *   levels, '#' last.
 * - SUBSCRIBE, SUBACK and UNSUBSCRIBE carry at most MQTT_SUB_MAX entries
 *   here (MQTT_ERR_TOO_MANY): the client sends one filter per packet.
 * - Packet identifier 0 is refused everywhere it appears.
 *
 * Nothing here allocates except mqtt_decoder_new(), prints or exits.
 * Errors are negative enum mqtt_err values, stable: new codes are added at
 * the end, none is ever removed or renumbered.
 */
#ifndef LIB_MQTT_MQTT_CODEC_H
#define LIB_MQTT_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MQTT_VARINT_MAX 268435455u /* 4 bytes of 7 bits */
#define MQTT_SUB_MAX 8             /* filters per (UN)SUBSCRIBE / SUBACK */
#define MQTT_DEFAULT_MAX_PACKET (256 * 1024)
#define MQTT_PROTOCOL_LEVEL 4 /* 3.1.1 */

enum mqtt_err {
	MQTT_OK = 0,
	MQTT_ERR_INVAL = -1,      /* bad argument (NULL, QoS > 1 to send) */
	MQTT_ERR_NOMEM = -2,      /* out of memory */
	MQTT_ERR_TRUNCATED = -3,  /* a field runs past the packet's end */
	MQTT_ERR_BUFFER = -4,     /* caller's output buffer too small */
	MQTT_ERR_TOO_BIG = -5,    /* over the maximum packet size */
	MQTT_ERR_VARINT = -6,     /* Remaining Length over 4 bytes */
	MQTT_ERR_TYPE = -7,       /* reserved packet type 0 or 15 */
	MQTT_ERR_FLAGS = -8,      /* wrong fixed-header or CONNECT flags */
	MQTT_ERR_QOS = -9,        /* QoS 3, or DUP set with QoS 0 */
	MQTT_ERR_UTF8 = -10,      /* malformed UTF-8 or U+0000 in a string */
	MQTT_ERR_LENGTH = -11,    /* Remaining Length wrong for the packet */
	MQTT_ERR_PACKET_ID = -12, /* packet identifier 0 */
	MQTT_ERR_PROTOCOL = -13,  /* protocol name or level, or a packet
				     the peer must not send */
	MQTT_ERR_TOPIC = -14,     /* empty topic, or misplaced wildcard */
	MQTT_ERR_TOO_MANY = -15,  /* more than MQTT_SUB_MAX entries */
	MQTT_ERR_RC = -16,        /* unknown CONNACK / SUBACK return code */
	MQTT_ERR_CONNECT = -17,   /* TCP connection to the broker failed */
	MQTT_ERR_RESOLVE = -18,   /* broker host name not resolved */
	MQTT_ERR_REFUSED_VERSION = -19,        /* CONNACK 1 */
	MQTT_ERR_REFUSED_ID = -20,             /* CONNACK 2 */
	MQTT_ERR_REFUSED_UNAVAILABLE = -21,    /* CONNACK 3 */
	MQTT_ERR_REFUSED_AUTH = -22,           /* CONNACK 4 */
	MQTT_ERR_REFUSED_NOT_AUTHORIZED = -23, /* CONNACK 5 */
	MQTT_ERR_CLOSED = -24,    /* the broker closed the connection */
	MQTT_ERR_TIMEOUT = -25,   /* no CONNACK or PINGRESP in time */
	MQTT_ERR_IO = -26,        /* socket error */
	MQTT_ERR_TLS = -27,       /* TLS set-up, handshake or verification */
	MQTT_ERR_FULL = -28,      /* the client's message queue is full */
	MQTT_ERR_SUBSCRIBE = -29, /* the broker refused a subscription */
	MQTT_ERR_SHUTDOWN = -30,  /* the client was freed first */
};

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK = 2,
	MQTT_PUBLISH = 3,
	MQTT_PUBACK = 4,
	MQTT_PUBREC = 5,
	MQTT_PUBREL = 6,
	MQTT_PUBCOMP = 7,
	MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9,
	MQTT_UNSUBSCRIBE = 10,
	MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12,
	MQTT_PINGRESP = 13,
	MQTT_DISCONNECT = 14,
};

/* A byte string; never NUL-terminated by the decoder. */
struct mqtt_bytes {
	const uint8_t *data; /* NULL only with len 0 */
	size_t len;
};

/*
 * One control packet.  Only the members of its type are used; the others
 * are ignored by the encoder and zero after decoding.  After decoding,
 * every mqtt_bytes points into the buffer that was decoded (the caller's
 * for mqtt_decode(), the decoder's for mqtt_decoder_feed()).
 */
struct mqtt_packet {
	enum mqtt_type type;
	/* PUBLISH with QoS 1 or 2, PUBACK..PUBCOMP, (UN)SUBSCRIBE, *ACK */
	uint16_t packet_id;

	/* CONNECT (level is filled by decode; encode always writes 4) */
	uint8_t level;
	struct mqtt_bytes client_id;
	bool clean_session;
	uint16_t keep_alive; /* seconds, 0 = off */
	bool has_username, has_password;
	struct mqtt_bytes username, password;

	/* CONNACK */
	bool session_present;
	uint8_t return_code; /* 0 accepted, 1..5 refused */

	/* PUBLISH */
	uint8_t qos; /* 0, 1 (2 decodes; the encoder accepts it too) */
	bool dup, retain;
	struct mqtt_bytes topic, payload;

	/* SUBSCRIBE, UNSUBSCRIBE: filters; SUBSCRIBE: requested QoS in
	 * codes; SUBACK: return codes (0, 1, 2 or 0x80) in codes */
	unsigned count;
	struct mqtt_bytes filters[MQTT_SUB_MAX];
	uint8_t codes[MQTT_SUB_MAX];
};

/**
 * Name an error code (codec and client).
 * @return a static string; never NULL.
 */
const char *mqtt_strerror(int err);

/**
 * Name a packet type ("PUBLISH").
 * @return a static string; "reserved" outside 1..14.
 */
const char *mqtt_type_name(int type);

/**
 * Make a mqtt_bytes of a NUL-terminated string.
 * @param s: borrowed; NULL gives an empty string.
 */
struct mqtt_bytes mqtt_str(const char *s);

/**
 * Check a string as MQTT requires: well-formed UTF-8, no U+0000, at most
 * 65535 bytes.
 * @param s: borrowed, len bytes.
 * @return MQTT_OK, MQTT_ERR_UTF8 or MQTT_ERR_TOO_BIG.
 */
int mqtt_check_utf8(const uint8_t *s, size_t len);

/**
 * Encode a packet.
 * @param p: borrowed.
 * @param out: caller's buffer of outlen bytes, or NULL to only compute
 *	the size.
 * @param n: set to the packet's size, also when out is too small.
 * @return MQTT_OK, MQTT_ERR_BUFFER (out too small), MQTT_ERR_TOO_BIG
 *	(Remaining Length over MQTT_VARINT_MAX, a string over 65535 bytes),
 *	or the code of the invalid field (MQTT_ERR_UTF8, _TOPIC, _QOS,
 *	_PACKET_ID, _TOO_MANY, _FLAGS, _INVAL).
 */
int mqtt_encode(
    const struct mqtt_packet *p, uint8_t *out, size_t outlen, size_t *n);

/**
 * Decode one whole packet from the start of a buffer.
 * @param buf: borrowed, len bytes; p points into it afterwards.
 * @param p: filled on success (zeroed first).
 * @param used: set to the packet's size on success.
 * @return MQTT_OK; MQTT_ERR_TRUNCATED if buf holds less than a whole
 *	packet; or the code naming what is malformed.
 */
int mqtt_decode(
    const uint8_t *buf, size_t len, struct mqtt_packet *p, size_t *used);

/** What mqtt_decoder_feed() returns besides a negative error. */
#define MQTT_DEC_NEED_MORE 0 /* every byte was consumed */
#define MQTT_DEC_PACKET 1    /* a packet is ready */

struct mqtt_decoder;

/**
 * Create an incremental decoder.
 * @param max_packet: the largest packet accepted, fixed header included;
 *	0 for MQTT_DEFAULT_MAX_PACKET; at least 2.
 * @return a decoder to free with mqtt_decoder_free(), or NULL (out of
 *	memory, max_packet 1).
 */
struct mqtt_decoder *mqtt_decoder_new(size_t max_packet);

/** Free a decoder; NULL is fine. */
void mqtt_decoder_free(struct mqtt_decoder *d);

/**
 * Feed bytes.  Consumes up to the end of one packet: after
 * MQTT_DEC_PACKET call again with the bytes not consumed.  After an error
 * the decoder stays failed (the stream cannot be resynchronized) and
 * every later call returns the same error.
 * @param data: borrowed, len bytes; NULL only with len 0.
 * @param used: set to the number of bytes consumed.
 * @param p: filled on MQTT_DEC_PACKET; it points into the decoder and
 *	stays valid until the next call or mqtt_decoder_free().
 * @return MQTT_DEC_NEED_MORE, MQTT_DEC_PACKET or a negative enum
 *	mqtt_err.
 */
int mqtt_decoder_feed(struct mqtt_decoder *d, const void *data, size_t len,
    size_t *used, struct mqtt_packet *p);

/**
 * @return true if part of a packet has been received, not yet complete.
 */
bool mqtt_decoder_busy(const struct mqtt_decoder *d);

#endif /* LIB_MQTT_MQTT_CODEC_H */
