/*
 * update.h - DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945): add and
 * delete records on a zone's primary, all in one message, which the
 * server applies atomically or not at all.
 *
 * Blocking: zone_update_send() connects over TCP and waits for the answer
 * (at most timeout_ms); nothing here prints or exits.  Every function that
 * can fail returns a zone_err code and, when why is not NULL, writes a
 * reason naming the file, line, record or server concerned.  No reason
 * ever contains a TSIG secret.
 */
#ifndef LIB_ZONE_UPDATE_H
#define LIB_ZONE_UPDATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zone/zone_err.h"

/* A TSIG key: name, algorithm and secret.  Opaque; holds the secret. */
struct zone_tsig;

/**
 * Read a TSIG key file, in either of the formats key generators print:
 *   BIND (tsig-keygen, ddns-confgen):
 *	key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
 *   Knot (keymgr -t NAME hmac-sha256):
 *	key:
 *	  - id: NAME
 *	    algorithm: hmac-sha256
 *	    secret: BASE64
 * Comments (#, // and C-style in BIND files) are skipped.  The file must
 * hold exactly one key.  Algorithms: hmac-sha256, hmac-sha512 and
 * hmac-sha1.  hmac-sha384 is refused here, with that reason: ldns (1.8.3
 * and every release so far) misspells its name internally and can
 * neither sign nor verify with it.  hmac-md5 and hmac-sha224 are refused.
 * @param path: borrowed.
 * @param out: on success, set to a new key; free with zone_tsig_free().
 * @param why: caller's buffer of whylen bytes for the reason, or NULL.
 * @return ZONE_OK; ZONE_ERR_IO (cannot read), ZONE_ERR_PARSE (malformed,
 *	with the line), ZONE_ERR_KEY (algorithm not usable, empty secret),
 *	ZONE_ERR_NOMEM.
 */
int zone_tsig_load(
    const char *path, struct zone_tsig **out, char *why, size_t whylen);

/**
 * The key's name, absolute ("loradane-update.").
 * @return a string owned by t, valid until zone_tsig_free(t).
 */
const char *zone_tsig_name(const struct zone_tsig *t);

/**
 * Free a key, wiping its secret.  NULL is allowed.
 */
void zone_tsig_free(struct zone_tsig *t);

/* Where an update goes.  All pointers are borrowed for the call. */
struct zone_update_target {
	const char *server; /* address or host name of the primary */
	uint16_t port;      /* 0 means 53 */
	const char *zone;   /* the zone updated, e.g. "opb.test." */
	const struct zone_tsig *tsig;
	int timeout_ms; /* for the whole exchange; <= 0 means 5000 */
};

/**
 * Send one UPDATE to t->server: first every deletion in del, then every
 * addition in add, in that order, signed with t->tsig; wait for the
 * answer and check its TSIG.
 *
 * Records are presentation format.  Owner names are absolute whether or
 * not they end in a dot.  An addition is a whole record of class IN; its
 * TTL defaults to 3600 when it has none:
 *	"_4431._tcp.js.opb.test. 300 IN TLSA 3 1 1 ab12..."
 * A deletion (RFC 2136 §2.5) is one of
 *	"NAME TYPE RDATA..."	that one record
 *	"NAME TYPE"		the whole RRset
 *	"NAME"			every RRset at NAME
 * where a TTL and class IN may follow NAME and are ignored.
 *
 * Every record is checked before anything is sent: it must parse, and its
 * owner must be t->zone or lie under it; the first bad one is named in
 * why.  The server applies all or nothing: on any error, the zone is as
 * it was, as far as this side can know.
 * @param add: nadd borrowed strings (add may be NULL when nadd is 0).
 * @param del: ndel borrowed strings (del may be NULL when ndel is 0).
 * @return ZONE_OK once the server answered NOERROR with a valid TSIG;
 *	ZONE_ERR_ARG (no change, bad target, a record that does not parse or
 *	lies outside the zone, message too big), ZONE_ERR_NET (no connection
 *	or no answer in time, or an answer that is not one), ZONE_ERR_TSIG
 *	(the server refused the key or signature: NOTAUTH, BADSIG, BADKEY,
 *	BADTIME; or the answer's TSIG is missing or wrong),
 *	ZONE_ERR_REFUSED (any other error rcode, named in why, e.g. REFUSED,
 *	NOTZONE), ZONE_ERR_NOMEM.
 */
int zone_update_send(const struct zone_update_target *t, const char *const *add,
    size_t nadd, const char *const *del, size_t ndel, char *why, size_t whylen);

/**
 * Read a zone-file fragment: master-file records with optional $ORIGIN
 * and $TTL lines, comments and blank lines skipped ($INCLUDE is refused).
 * Each record comes back as one line in the form zone_update_send()
 * takes for an addition: absolute owner, TTL, class, type, rdata.
 * @param f: borrowed open stream, read to its end.
 * @param fname: borrowed; names the input in reasons ("stdin", a path).
 * @param origin: borrowed; the origin before any $ORIGIN (e.g. the zone),
 *	or NULL for the root.
 * @param out: on success, set to a new array of *nout new strings (NULL
 *	when there is none); free with zone_rrs_free(*out, *nout).
 * @return ZONE_OK; ZONE_ERR_PARSE (with fname:line and ldns's reason),
 *	ZONE_ERR_IO, ZONE_ERR_NOMEM.
 */
int zone_rrs_read(FILE *f, const char *fname, const char *origin, char ***out,
    size_t *nout, char *why, size_t whylen);

/**
 * Free what zone_rrs_read() returned.  NULL is allowed.
 */
void zone_rrs_free(char **rrs, size_t n);

#endif /* LIB_ZONE_UPDATE_H */
