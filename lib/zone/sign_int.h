/*
 * sign_int.h - what the zone signer's two files share: the zone's key
 * pair, found, made and stored by sign_keys.c and used by sign.c, and
 * the zone-file reader both use.
 *
 * Only lib/zone/ includes this.  The public contract is zone/sign.h.
 */
#ifndef LIB_ZONE_SIGN_INT_H
#define LIB_ZONE_SIGN_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

/* These in this order: see ldns_compat.h. */
#include "zone/ldns_compat.h"
#include <ldns/error.h>
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <ldns/keys.h>
#include <ldns/zone.h>

enum { KSK, ZSK };

/* The zone's two keys.  The ldns_key_list owns the keys. */
struct sign_keyset {
	ldns_key_list *list;
	ldns_key *key[2];   /* borrowed from list */
	ldns_rr *dnskey[2]; /* owned */
	char base[2][PATH_MAX];
};

/* sign.c */

/**
 * ldns_zone_new_frm_fp_l() without its flaws: on a syntax error that one
 * frees the record list but not the records, and it drops a second SOA
 * silently (here it joins the list, where the caller can refuse it).
 * Same TTL rule: $TTL, else the previous record's TTL.  $INCLUDE is
 * refused.
 * @param fp: borrowed open stream, read to its end.
 * @param origin: borrowed; the origin before any $ORIGIN.
 * @param zp: on LDNS_STATUS_OK, set to a new zone owned by the caller
 *	(ldns_zone_deep_free()); untouched otherwise.
 * @param line: the line counter ldns keeps, for the caller's reasons.
 * @return LDNS_STATUS_OK, or ldns's status of the first error.
 */
ldns_status
sign_zone_parse(FILE *fp, const ldns_rdf *origin, ldns_zone **zp, int *line);

/* sign_keys.c */

/**
 * Load the zone's keys from dir (files prefix + 5-digit tag + .key and
 * .private, see sign.h) into ks; none at all is not an error.
 * @param dir, prefix, origin: borrowed.
 * @param ks: ks->list must exist; fills key[] (borrowed from ks->list,
 *	which owns the keys), dnskey[] (owned by ks) and base[].
 * @return ZONE_OK (with both keys or neither); ZONE_ERR_KEY (a file that
 *	is not a key of the zone, two keys of a kind, one kind missing, an
 *	orphan .private), ZONE_ERR_NOMEM.
 */
int sign_keys_find(const char *dir, const char *prefix, const ldns_rdf *origin,
    struct sign_keyset *ks, char *why, size_t whylen);

/**
 * Make a new KSK and ZSK in memory, named in dir; sign_keys_store()
 * writes them.
 * @param dir, prefix, origin: borrowed.
 * @param ks: as for sign_keys_find(), empty on entry.
 * @return ZONE_OK, ZONE_ERR_KEY (cannot generate), ZONE_ERR_NOMEM.
 */
int sign_keys_make(const char *dir, const char *prefix, const ldns_rdf *origin,
    struct sign_keyset *ks, char *why, size_t whylen);

/**
 * Write the keys sign_keys_make() made into dir (created 0700 when
 * absent), never replacing a file; on failure remove all it made.
 * @param dir, ks: borrowed.
 * @return ZONE_OK, ZONE_ERR_IO, ZONE_ERR_EXISTS (a key file name is
 *	taken), ZONE_ERR_KEY (cannot encode a key).
 */
int sign_keys_store(
    const char *dir, const struct sign_keyset *ks, char *why, size_t whylen);

#endif /* LIB_ZONE_SIGN_INT_H */
