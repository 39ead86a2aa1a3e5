/*
 * zone_err.h - error codes of the operator tooling library (lib/zone):
 * operator profiles, PKI, records, signing, DNS UPDATE, rollover and
 * audit.  Stable negative values; zone_strerror() names them.  Functions
 * that can fail for a reason a person must read also fill a "why" buffer
 * naming the offending field, line or file.
 */
#ifndef LIB_ZONE_ZONE_ERR_H
#define LIB_ZONE_ZONE_ERR_H

#include <stddef.h>

enum zone_err {
	ZONE_OK = 0,
	ZONE_ERR_ARG = -1,       /* bad argument or value */
	ZONE_ERR_IO = -2,        /* file could not be read or written */
	ZONE_ERR_PARSE = -3,     /* malformed file (zone, profile, key) */
	ZONE_ERR_KEY = -4,       /* key missing, unreadable or unusable */
	ZONE_ERR_SIGN = -5,      /* signing failed */
	ZONE_ERR_EXISTS = -6,    /* would overwrite something that exists */
	ZONE_ERR_NET = -7,       /* no answer from the server */
	ZONE_ERR_REFUSED = -8,   /* the server answered with an error rcode */
	ZONE_ERR_TSIG = -9,      /* TSIG refused or the answer's TSIG is bad */
	ZONE_ERR_NOMEM = -10,    /* out of memory */
	ZONE_ERR_INSECURE = -11, /* DNS data not DNSSEC-secure */
	ZONE_ERR_NOTFOUND = -12, /* unknown operator, role, file or name */
	ZONE_ERR_STATE = -13,    /* rollover state forbids the step */
};

/**
 * @return a short constant description of a zone_err value.
 */
const char *zone_strerror(int err);

/**
 * Format a reason into why (if non-NULL), printf-style, truncating.
 * @return err, so that "return zone_why(why, len, ZONE_ERR_X, ...)" reads.
 */
int zone_why(char *why, size_t whylen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* LIB_ZONE_ZONE_ERR_H */
