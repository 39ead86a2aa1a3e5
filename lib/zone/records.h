/*
 * records.h - the DNS records an operator publishes, as a zone-file
 * fragment with absolute owner names (the form "loradane zone sign" and
 * "loradane zone update --add" read):
 *   - A/AAAA of each element;
 *   - TLSA 3 1 1 of each identity: "_PORT._tcp.HOST" for servers,
 *     "_ns-client.HOST" / "_as-client.HOST" for clients (dane-dance
 *     §2.1), for every generation a rollover publishes;
 *   - optionally TLSA 2 1 1 of the operator's root CA at the same names
 *     (DANE-TA: survives leaf re-keying, at the cost of trusting the CA);
 *   - for each JoinEUI range, NAPTR "S" "LWNS" -> SRV of the JS (Backend
 *     Interfaces §19) and, beside it, the plain A/AAAA form that
 *     ChirpStack-style resolvers use; /N ranges become a wildcard;
 *   - for each NetID the same, pointing at the NS.
 */
#ifndef LIB_ZONE_RECORDS_H
#define LIB_ZONE_RECORDS_H

#include <stdio.h>

#include "zone/profile.h"

#define RECORDS_DANE_TA 0x01  /* add 2 1 1 records for the root CA */
#define RECORDS_NO_NAPTR 0x02 /* only the plain address form */
#define RECORDS_SOA 0x04      /* start with $ORIGIN, SOA and NS */

struct records_opts {
	unsigned flags;
	const char *ns_host; /* RECORDS_SOA: the zone's name server */
	const char *ns_addr; /* and its address (glue), or NULL */
	uint32_t serial;     /* RECORDS_SOA: SOA serial */
};

/**
 * Write the operator's records to out.
 * @param opdir: the operator directory (certificates are read there).
 * @return ZONE_OK, or an error with the reason (naming the file) in why;
 *	on error the output may be partial, so callers write to a buffer or
 *	temporary file first.
 */
int zone_records_write(FILE *out, const struct op_profile *p, const char *opdir,
    const struct records_opts *opts, char *why, size_t whylen);

#endif /* LIB_ZONE_RECORDS_H */
