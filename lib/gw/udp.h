/*
 * udp.h - Semtech UDP packet-forwarder protocol codec (PROTOCOL.TXT of
 * Lora-net/packet_forwarder, protocol version 2; version 1 is accepted
 * too: its datagrams have the same layout, only TX_ACK is new in 2).
 *
 * All six packet types, both directions: the Network Server parses
 * PUSH_DATA, PULL_DATA and TX_ACK and encodes PUSH_ACK, PULL_ACK and
 * PULL_RESP; a gateway simulator does the reverse.  One parser takes any
 * datagram; one encoder takes a struct gw_udp_packet of any type.
 *
 * Decisions:
 * - The input is an untrusted UDP datagram.  Datagrams over 65507 bytes
 *   (the IPv4 UDP payload limit) are refused before anything is read; the
 *   JSON body is parsed by jansson with duplicate keys refused and its
 *   nesting checked first (at most GW_UDP_DEPTH_MAX levels), so the only
 *   allocation the input controls is jansson's tree of at most one
 *   datagram.  Everything decoded is copied into fixed-size members: a
 *   parsed packet never points into the datagram.
 * - Unknown JSON members are ignored (newer forwarders add "rsig",
 *   "foff", "brd", ...); a JSON null is the same as an absent member.
 *   Wrong types, out-of-range values, missing required members, bad
 *   base64 and "size" not matching "data" are refused, naming the member
 *   ("rxpk[2].tmst: not an integer").
 * - PUSH_ACK, PULL_ACK and PULL_DATA are fixed-size; extra bytes are
 *   refused (GW_UDP_ERR_TOO_LONG).  Trailing NUL bytes after a JSON body
 *   are ignored: some forwarders send the C string terminator.
 * - The token is bytes 1..2 read big-endian (as printed in a hex dump).
 *   ChirpStack's bridge reads them little-endian; only equality matters.
 * - Base64 "data" is accepted with or without padding (PROTOCOL.TXT:
 *   "padding optional" for txpk) and always encoded padded.
 * - "freq" is MHz on the wire and Hz here, rounded to the nearest Hz
 *   (868.1 -> 868100000); it is encoded with exactly six decimals.
 * - rxpk "time" is kept as microseconds since the Unix epoch (UTC); the
 *   "stat" object's "time" ("2014-01-12 08:59:28 GMT") as seconds.
 * - An unknown txpk_ack "error" or "warn" string maps to
 *   GW_UDP_TXACK_UNKNOWN, not to a parse failure.
 *
 * The library never prints and never exits.  Functions return 0 or a
 * negative enum gw_udp_err; struct gw_udp_error names the field.
 */
#ifndef LIB_GW_UDP_H
#define LIB_GW_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_UDP_VERSION 2
#define GW_UDP_DATAGRAM_MAX 65507 /* largest IPv4 UDP payload */
#define GW_UDP_RXPK_MAX 16        /* rxpk[] entries per PUSH_DATA */
#define GW_UDP_PAYLOAD_MAX 255    /* largest PHYPayload */
#define GW_UDP_DEPTH_MAX 16       /* JSON nesting */

enum gw_udp_type {
	GW_UDP_PUSH_DATA = 0, /* gateway -> server, EUI, {rxpk, stat} */
	GW_UDP_PUSH_ACK = 1,  /* server -> gateway */
	GW_UDP_PULL_DATA = 2, /* gateway -> server, EUI */
	GW_UDP_PULL_RESP = 3, /* server -> gateway, {txpk} */
	GW_UDP_PULL_ACK = 4,  /* server -> gateway */
	GW_UDP_TX_ACK = 5,    /* gateway -> server, EUI, [{txpk_ack}] */
};

/* Stable: new codes are added at the end, none is removed. */
enum gw_udp_err {
	GW_UDP_OK = 0,
	GW_UDP_ERR_TRUNCATED = -1, /* shorter than the packet's header */
	GW_UDP_ERR_TOO_LONG = -2,  /* over 65507 bytes, extra bytes, or the
				      output buffer is too small */
	GW_UDP_ERR_VERSION = -3,   /* protocol version not 1 or 2 */
	GW_UDP_ERR_TYPE = -4,      /* unknown packet identifier */
	GW_UDP_ERR_JSON = -5,      /* body not JSON, not an object, too
				      deep, duplicate key */
	GW_UDP_ERR_MISSING = -6,   /* a required member is absent */
	GW_UDP_ERR_FIELD = -7,     /* wrong type or value out of range */
	GW_UDP_ERR_INVAL = -8,     /* bad argument (NULL) */
};

/* Why a parse or encode was refused. */
struct gw_udp_error {
	int code;       /* enum gw_udp_err */
	char field[40]; /* "rxpk[2].tmst", "header", "body", or "" */
	char text[160]; /* "rxpk[2].tmst: not an integer"; printable */
};

enum gw_udp_modu {
	GW_UDP_LORA = 0,
	GW_UDP_FSK = 1,
};

/* "datr": "SF7BW125" for LoRa, a number in bit/s for FSK. */
struct gw_udp_datr {
	enum gw_udp_modu modu;
	uint8_t sf;      /* LoRa: 5..12 */
	uint16_t bw_khz; /* LoRa: 125, 250 or 500 */
	uint32_t bps;    /* FSK: 500..300000 */
};

/* "codr": 5..8 for "4/5".."4/8"; 0 for "OFF" (no coding rate known). */
#define GW_UDP_CODR_OFF 0

/* One received packet (PUSH_DATA rxpk[]).  The LoRa-only members
 * (codr, lsnr) are never set for FSK. */
struct gw_udp_rxpk {
	bool has_time;
	int64_t time_us; /* UTC, microseconds since 1970-01-01 */
	bool has_tmms;
	uint64_t tmms;    /* GPS milliseconds since 1980-01-06 */
	uint32_t tmst;    /* required: concentrator µs counter */
	uint32_t freq_hz; /* required */
	bool has_chan;
	uint8_t chan;
	bool has_rfch;
	uint8_t rfch;
	bool has_stat;
	int8_t stat;             /* 1 CRC ok, -1 CRC bad, 0 no CRC */
	struct gw_udp_datr datr; /* required, with "modu" */
	bool has_codr;
	uint8_t codr;
	bool has_rssi;
	int16_t rssi; /* dBm, -300..300 */
	bool has_lsnr;
	double lsnr;   /* dB, -100..100 */
	uint16_t size; /* required: bytes in data, 0..255 */
	uint8_t data[GW_UDP_PAYLOAD_MAX];
};

/* The gateway status object (PUSH_DATA "stat"); every member optional. */
struct gw_udp_stat {
	bool has_time;
	int64_t time; /* UTC seconds since 1970-01-01 */
	bool has_lati;
	double lati; /* -90..90 */
	bool has_long;
	double lon; /* -180..180 */
	bool has_alti;
	int32_t alti; /* metres */
	bool has_rxnb, has_rxok, has_rxfw, has_dwnb, has_txnb;
	uint32_t rxnb, rxok, rxfw, dwnb, txnb;
	bool has_ackr;
	double ackr; /* percent, 0..100 */
};

/* One packet to send (PULL_RESP "txpk").  At least one of imme, tmst
 * and tmms is required; all that are present are kept and encoded. */
struct gw_udp_txpk {
	bool imme;
	bool has_tmst;
	uint32_t tmst;
	bool has_tmms;
	uint64_t tmms;
	uint32_t freq_hz; /* required */
	uint8_t rfch;     /* required */
	bool has_powe;
	int8_t powe;             /* dBm */
	struct gw_udp_datr datr; /* required, with "modu" */
	uint8_t codr;            /* required for LoRa */
	bool has_fdev;
	uint32_t fdev; /* FSK frequency deviation, Hz, 0..1000000 */
	bool ipol;     /* "ipol": true for downlinks to devices */
	bool has_prea;
	uint16_t prea; /* preamble symbols (forwarder default 8) */
	bool ncrc;     /* "ncrc": no CRC */
	uint16_t size; /* required: bytes in data, 0..255 */
	uint8_t data[GW_UDP_PAYLOAD_MAX];
};

enum gw_udp_txack_code {
	GW_UDP_TXACK_NONE = 0,
	GW_UDP_TXACK_TOO_LATE,
	GW_UDP_TXACK_TOO_EARLY,
	GW_UDP_TXACK_COLLISION_PACKET,
	GW_UDP_TXACK_COLLISION_BEACON,
	GW_UDP_TXACK_TX_FREQ,
	GW_UDP_TXACK_TX_POWER,
	GW_UDP_TXACK_GPS_UNLOCKED,
	GW_UDP_TXACK_UNKNOWN, /* a string not listed above */
};

/* TX_ACK body.  No body, or a body without "error", means success. */
struct gw_udp_txack {
	bool has_body;                /* a JSON body was (is to be) sent */
	enum gw_udp_txack_code error; /* txpk_ack.error, NONE if absent */
	bool has_warn;                /* txpk_ack.warn (sx1302 forwarder) */
	enum gw_udp_txack_code warn;
	bool has_value; /* txpk_ack.value (with warn) */
	int32_t value;
};

/* One datagram.  Which members are meaningful follows type:
 * gw_eui for PUSH_DATA, PULL_DATA, TX_ACK; rxpk/stat for PUSH_DATA;
 * txpk for PULL_RESP; txack for TX_ACK. */
struct gw_udp_packet {
	uint8_t version; /* 1 or 2 */
	uint16_t token;
	enum gw_udp_type type;
	uint64_t gw_eui; /* bytes 4..11, big-endian */
	size_t n_rxpk;
	struct gw_udp_rxpk rxpk[GW_UDP_RXPK_MAX];
	bool has_stat;
	struct gw_udp_stat stat;
	struct gw_udp_txpk txpk;
	struct gw_udp_txack txack;
};

/**
 * Name an error code.
 * @return a static string; "unknown error" for other values.
 */
const char *gw_udp_strerror(int err);

/**
 * Name a packet type ("PUSH_DATA", ...).
 * @return a static string; "unknown" outside 0..5.
 */
const char *gw_udp_type_name(int type);

/**
 * Name a TX_ACK code as on the wire ("NONE", "TOO_LATE", ...).
 * @return a static string; "UNKNOWN" for GW_UDP_TXACK_UNKNOWN and any
 *	value out of range.
 */
const char *gw_udp_txack_name(int code);

/**
 * Parse a datagram of any type.
 * @param buf: borrowed, len bytes; nothing points into it afterwards.
 * @param p: caller's struct (about 6 KB), zeroed and filled; on error,
 *	the header members that were read are set, the rest unspecified.
 * @param e: may be NULL; on error, the code, field and text.
 * @return GW_UDP_OK or a negative enum gw_udp_err.
 */
int gw_udp_parse(const uint8_t *buf, size_t len, struct gw_udp_packet *p,
    struct gw_udp_error *e);

/**
 * Encode a datagram of p->type: header, then for PUSH_DATA, PULL_RESP
 * and TX_ACK (with txack.has_body) a compact JSON body.  Every value is
 * checked against the ranges gw_udp_parse() accepts, so that
 * gw_udp_parse(gw_udp_encode(p)) gives p back.
 * @param p: borrowed.
 * @param out: caller's buffer of outlen bytes; GW_UDP_DATAGRAM_MAX
 *	always suffices.
 * @param n: set to the datagram length on success.
 * @param e: may be NULL; on error, the code, field and text.
 * @return GW_UDP_OK, GW_UDP_ERR_FIELD, GW_UDP_ERR_VERSION,
 *	GW_UDP_ERR_TYPE, GW_UDP_ERR_MISSING (txpk without timing),
 *	GW_UDP_ERR_TOO_LONG (outlen too small) or GW_UDP_ERR_INVAL.
 */
int gw_udp_encode(const struct gw_udp_packet *p, uint8_t *out, size_t outlen,
    size_t *n, struct gw_udp_error *e);

/**
 * Parse a "datr" string as LoRa ("SF7BW125"); FSK datr is a JSON number
 * and not handled here.
 * @param s: borrowed, NUL-terminated.
 * @param d: filled on success.
 * @return 0, or -1 if s is not SF5..SF12 with BW125, BW250 or BW500.
 */
int gw_udp_datr_parse(const char *s, struct gw_udp_datr *d);

/**
 * Format a LoRa datr ("SF7BW125").
 * @param out: caller's buffer of outlen bytes (10 always suffice).
 * @return 0, or -1 if d is not LoRa with a valid sf/bw or out is short.
 */
int gw_udp_datr_format(const struct gw_udp_datr *d, char *out, size_t outlen);

#endif /* LIB_GW_UDP_H */
