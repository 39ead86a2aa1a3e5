/*
 * cache.h - the TLSA cache: entries keyed by owner name that never outlive
 * their TTL, secure denials kept briefly and apart from failures (bogus
 * and temporary failures are never cached here: libunbound keeps bogus
 * answers itself for val-bogus-ttl), concurrent lookups of one name
 * coalesced into one query, and prefetch of allow-listed names.
 */
#ifndef LIB_DANCE_CACHE_H
#define LIB_DANCE_CACHE_H

#include "dance_int.h"

/** @return a new empty cache owned by the caller, or NULL. */
struct dance_cache *dance_cache_new(void);

/** Free the cache; pending lookups are dropped without callbacks. */
void dance_cache_free(struct dance_cache *c);

/** Start prefetching a name (the context's event base must exist). */
int dance_cache_prefetch(struct dance_ctx *ctx, const char *owner);

#endif /* LIB_DANCE_CACHE_H */
