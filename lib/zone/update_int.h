/*
 * update_int.h - what the DNS UPDATE files share: the TSIG key (tsig.c
 * reads it, update.c signs with it), the TCP exchange (dnstcp.c) and the
 * default TTL of records (update.c, rrs.c).
 *
 * Only lib/zone/ includes this.  The public contract is zone/update.h.
 */
#ifndef LIB_ZONE_UPDATE_INT_H
#define LIB_ZONE_UPDATE_INT_H

#include <stddef.h>
#include <stdint.h>

#define UPDATE_DEFAULT_TTL 3600 /* for records without TTL, as ldns does */

/* A TSIG key (zone/update.h).  Every string is owned by the key. */
struct zone_tsig {
	char *name;   /* absolute, as ldns prints it */
	char *alg;    /* ldns's name for it, e.g. "hmac-sha256." */
	char *secret; /* base64, as ldns takes it; wiped when freed */
};

/* What an exchange is talking to, for reasons.  server is borrowed. */
struct update_peer {
	const char *server;
	unsigned port;
	int timeout_ms;
};

/* dnstcp.c */

/** @return the monotonic clock, in milliseconds. */
long long update_now_ms(void);

/**
 * Send one DNS message over TCP and read one answer back (RFC 1035
 * §4.2.2), all within pe->timeout_ms from the call.
 * @param pe: borrowed; names the server in reasons.
 * @param q: borrowed, qlen bytes (at most 65535), without length prefix.
 * @param ans: on ZONE_OK, set to a new buffer of *anslen bytes, owned by
 *	the caller (free()); NULL on error.
 * @param why: caller's buffer of whylen bytes for the reason, or NULL.
 * @return ZONE_OK; ZONE_ERR_NET (no connection, closed, timed out, an
 *	answer shorter than a DNS header), ZONE_ERR_NOMEM.
 */
int update_tcp_exchange(const struct update_peer *pe, const uint8_t *q,
    size_t qlen, uint8_t **ans, size_t *anslen, char *why, size_t whylen);

#endif /* LIB_ZONE_UPDATE_INT_H */
