/*
 * bi_dns.h - finding a Backend Interfaces server through the DNS (BI
 * §19): from a JoinEUI's or a NetID's name to a host and port, every step
 * DNSSEC-validated.
 *
 * The chain, in the style of RFC 3263:
 *  1. NAPTR at the name.  Of the records with service "LWNS" (HTTPS) and
 *     flag "S", the one of lowest order, then lowest preference; its
 *     replacement is an SRV name.  Records of other services ("LWN" is
 *     plain HTTP, which we never speak) or flags are dropped.
 *  2. SRV at that name: the target and port of lowest priority (weights
 *     are not used: one server per priority is what operators publish
 *     here, and a fixed choice keeps the connection pool warm).
 *  3. A secure denial of the NAPTR (no such name or no NAPTR) falls back
 *     to the plain form real implementations use (ChirpStack): the name
 *     itself is the host, on the default port.
 * Then libdance looks up the host's addresses and its TLSA record, which
 * must be secure too.  Anything but a secure answer (bogus, insecure,
 * SERVFAIL, timeout) fails: there is no fallback to an unauthenticated
 * server.  A secure NAPTR set with no usable record, or an SRV that is
 * denied, fails as well, rather than trying the plain form: the operator
 * said where its server is, and it is not there.
 *
 * Answers are cached for their TTL (the smaller of NAPTR and SRV), and
 * concurrent lookups of one name share one resolution.  Failures are not
 * cached here (libunbound keeps its own negative cache).
 */
#ifndef LIB_BACKEND_BI_DNS_H
#define LIB_BACKEND_BI_DNS_H

#include <stdint.h>

struct dance_ctx;
struct event_base;

/* A discovered server. */
struct bi_dns_server {
	char host[256]; /* the server's DNS name, no final dot */
	uint16_t port;
	char via[320]; /* how it was found, for the trace: "NAPTR -> SRV
			  _lwns._tcp.js.opb.test", or "plain name" */
};

/*
 * The outcome of one resolution.
 * @param err: DANCE_OK, or the enum dance_err of the failing step
 *	(DANCE_ERR_DNS_BOGUS, _INSECURE, _DENIED, _TEMPFAIL, _NO_USABLE for
 *	a NAPTR set without an LWNS "S" record, _NOMEM).
 * @param srv: borrowed, valid during the call; NULL on failure.
 * @param why: borrowed; "" on success, else which name and why.
 */
typedef void
bi_dns_cb(void *arg, int err, const struct bi_dns_server *srv, const char *why);

struct bi_dns;

/**
 * @param base: borrowed; the context's event base.
 * @param ctx: borrowed; must outlive the result.
 * @param default_port: for the plain-name fallback (443 in practice).
 * @return a resolver cache (bi_dns_free), or NULL (out of memory).
 */
struct bi_dns *bi_dns_new(
    struct event_base *base, struct dance_ctx *ctx, uint16_t default_port);

/** Cancel every resolution (their callbacks do not run); d may be NULL. */
void bi_dns_free(struct bi_dns *d);

/**
 * Resolve name.  cb runs exactly once, from the event loop, never from
 * inside this call (even for a cached answer).
 * @param name: borrowed; a name in presentation form.
 * @return DANCE_OK, DANCE_ERR_INVAL (bad name) or DANCE_ERR_NOMEM (cb
 *	will not run).
 */
int
bi_dns_resolve(struct bi_dns *d, const char *name, bi_dns_cb *cb, void *arg);

/*
 * Parse one NAPTR or SRV RDATA (wire form, names uncompressed as the
 * resolver returns them).  Exposed for the fuzz target and the tests.
 * @return 0, or -1 if the RDATA is malformed or a name is not a
 *	plain host name (letters, digits, '-', '_', at most 253 octets).
 */
struct bi_naptr {
	uint16_t order, pref;
	char flags[16], service[32];
	char replacement[256]; /* no final dot; "" for the root */
};
int bi_dns_parse_naptr(
    const unsigned char *rdata, size_t len, struct bi_naptr *out);
struct bi_srv {
	uint16_t priority, weight, port;
	char target[256]; /* no final dot; "" for the root ("no service") */
};
int
bi_dns_parse_srv(const unsigned char *rdata, size_t len, struct bi_srv *out);

#endif /* LIB_BACKEND_BI_DNS_H */
