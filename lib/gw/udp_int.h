/*
 * udp_int.h - internals shared by the Semtech UDP codec's files: error
 * recording, the two time formats, and the JSON body decoder and encoder.
 */
#ifndef LIB_GW_UDP_INT_H
#define LIB_GW_UDP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gw/udp.h"

/* 9999-12-31T23:59:59Z: four-digit years only, both ways */
#define GW_UDP_TIME_MAX_S 253402300799LL

/**
 * Record a refusal: code, field and "field: detail" (made printable).
 * @param field: borrowed; copied (cut to fit).
 * @return code.
 */
int gw_udp_fail(struct gw_udp_error *e, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * Parse ISO 8601 UTC "2013-03-31T16:21:17.528002Z" (fraction optional,
 * up to 9 digits, cut to microseconds).
 * @return 0, or -1.
 */
int gw_udp_time_parse_iso(const char *s, int64_t *us);

/**
 * Parse the stat object's "2014-01-12 08:59:28 GMT" ("UTC" too).
 * @return 0, or -1.
 */
int gw_udp_time_parse_stat(const char *s, int64_t *sec);

/**
 * Format microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ".
 * @param us: 0 .. GW_UDP_TIME_MAX_S * 1000000 + 999999.
 * @param out: at least 28 bytes.
 */
void gw_udp_time_format_iso(int64_t us, char *out, size_t outlen);

/**
 * Format seconds since the epoch as "YYYY-MM-DD HH:MM:SS GMT".
 * @param out: at least 24 bytes.
 */
void gw_udp_time_format_stat(int64_t sec, char *out, size_t outlen);

/**
 * Decode the JSON body of a PUSH_DATA, PULL_RESP or TX_ACK into p.
 * @param buf: borrowed, len bytes (not NUL-terminated), len > 0.
 * @return GW_UDP_OK or a negative enum gw_udp_err.
 */
int gw_udp_json_decode(const char *buf, size_t len, struct gw_udp_packet *p,
    struct gw_udp_error *e);

/**
 * Encode the JSON body of p (PUSH_DATA, PULL_RESP, TX_ACK with a body).
 * @param out: caller's buffer of outlen bytes; not NUL-terminated.
 * @param n: set to the body length.
 * @return GW_UDP_OK or a negative enum gw_udp_err.
 */
int gw_udp_json_encode(const struct gw_udp_packet *p, char *out, size_t outlen,
    size_t *n, struct gw_udp_error *e);

#endif /* LIB_GW_UDP_INT_H */
