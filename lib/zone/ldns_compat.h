/*
 * ldns_compat.h - include before any ldns header in lib/zone/.
 *
 * ldns 1.8.3's keys.h, which every signing header includes and
 * host2str.h needs, declares functions taking OpenSSL's RSA and DSA:
 * typedefs OpenSSL 3 declares only without OPENSSL_NO_DEPRECATED, which
 * we build with.  Naming the incomplete types again (C11 allows a
 * repeated typedef) lets the headers compile; none of those functions is
 * called and no deprecated OpenSSL function becomes visible.
 *
 * Then include the ldns headers a file uses one by one, not
 * <ldns/ldns.h>.  They are not self-contained: keys.h needs ldns_rr
 * (rr.h); host2str.h needs ldns_rbtree_t, ldns_algorithm and ldns_key,
 * so rbtree.h and keys.h come before it; tsig.h needs bool and ldns_pkt
 * (packet.h); host2wire.h needs ldns_rbtree_t.
 */
#ifndef LIB_ZONE_LDNS_COMPAT_H
#define LIB_ZONE_LDNS_COMPAT_H

#include <stddef.h>

#include <openssl/types.h>

typedef struct rsa_st RSA;
typedef struct dsa_st DSA;

#include <ldns/rdata.h>

/**
 * The presentation form of a name (or any rdf), for messages.
 * @param buf: caller's buffer, filled (truncated) and returned; "?" when
 *	out of memory.
 */
const char *zone_rdf_str(const ldns_rdf *r, char *buf, size_t len);

#endif /* LIB_ZONE_LDNS_COMPAT_H */
