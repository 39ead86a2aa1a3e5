/*
 * sign.h - DNSSEC-sign an operator's zone file with ldns: one KSK and one
 * ZSK (ECDSAP256SHA256), kept in a key directory and reused on every run
 * so the DS in the parent never changes, NSEC or NSEC3 (RFC 9276
 * parameters), chosen signature validity; the output replaces its file
 * atomically and the DS for the parent is handed back.
 *
 * Key files, in the key directory (the naming and formats of BIND and
 * ldns-keygen, so ldns-signzone and ldns_key_new_frm_fp() read them):
 *	K<zone>+013+<tag>.key      the DNSKEY record, one line (mode 0644)
 *	K<zone>+013+<tag>.private  "Private-key-format: v1.2" (mode 0600)
 * <zone> is the lower-case name with its final dot ("Kopb.test.+013+...",
 * "K.+013+..." for the root), <tag> the 5-digit key tag.  The flags in
 * the .key file tell the KSK (257) from the ZSK (256).  Keys of other
 * algorithms are ignored; two keys of one kind are refused.
 */
#ifndef LIB_ZONE_SIGN_H
#define LIB_ZONE_SIGN_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest DS line: a 255-octet owner escaped (\DDD) plus the fields. */
#define ZONE_SIGN_DS_MAX 1200

struct zone_sign_opts {
	const char *origin;   /* zone name, final dot optional */
	const char *keydir;   /* created (0700) if absent and keys are new */
	const char *in_path;  /* master-format zone file; "-" is stdin */
	const char *out_path; /* NULL: in_path + ".signed" (not with "-") */
	int64_t inception;    /* RRSIG validity, seconds since the epoch */
	int64_t expiration;
	int nsec3;           /* 0: NSEC; 1: NSEC3, SHA-1, 0 iterations,
				 no salt, no opt-out (RFC 9276 §3.1) */
	uint32_t ttl_dnskey; /* 0: the SOA minimum, or 3600 if that is 0 */
};

struct zone_sign_result {
	char ds[ZONE_SIGN_DS_MAX]; /* the KSK's DS, SHA-256, one zone-file
				      line without newline */
	char ksk[PATH_MAX];        /* key file paths without .key/.private */
	char zsk[PATH_MAX];
	char out_path[PATH_MAX]; /* the signed zone file written */
	uint16_t ksk_tag, zsk_tag;
	int created; /* 1: this run created both keys */
};

/**
 * Parse a signature time: absolute "YYYYMMDDHHMMSS" (UTC), "now", or an
 * offset from now: a sign, a number and a unit s, m, h or d ("+30d",
 * "-1h").
 * @param s: borrowed.
 * @param now: the time offsets count from (tests pin it).
 * @param out: set to seconds since the epoch on success; always within
 *	the 32-bit RRSIG range.
 * @return ZONE_OK, or ZONE_ERR_ARG with why saying what is wrong.
 */
int zone_sign_when(
    const char *s, time_t now, int64_t *out, char *why, size_t whylen);

/**
 * Sign o->in_path into the output file.  Loads the zone's keys from
 * o->keydir, or creates them there when it has none, only once the zone
 * has been read and signed.  On failure nothing is written or created:
 * no output file (a temporary one is removed), no key file, and the
 * input is never touched.
 * @param o: borrowed, every string must outlive the call.
 * @param res: filled on ZONE_OK; owned by the caller.
 * @param why: on failure, names the offending line, record, file or
 *	option; may be NULL.
 * @return ZONE_OK or a negative enum zone_err: ZONE_ERR_ARG (options,
 *	times), ZONE_ERR_IO, ZONE_ERR_PARSE (zone file), ZONE_ERR_KEY,
 *	ZONE_ERR_SIGN, ZONE_ERR_EXISTS (a key file name taken), ZONE_ERR_NOMEM.
 */
int zone_sign(const struct zone_sign_opts *o, struct zone_sign_result *res,
    char *why, size_t whylen);

#endif /* LIB_ZONE_SIGN_H */
