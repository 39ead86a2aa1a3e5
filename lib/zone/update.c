/*
 * update.c - DNS UPDATE (RFC 2136) with TSIG (RFC 8945) on ldns: check
 * the records, build the message, sign it, send it (dnstcp.c) and check
 * the answer and its signature.  The message, its signature and the
 * check of the answer's MAC are ldns's; the key is read by tsig.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* These in this order: see ldns_compat.h. */
#include "zone/ldns_compat.h"
#include <ldns/packet.h>
#include <ldns/rbtree.h>
#include <ldns/keys.h>
#include <ldns/dname.h>
#include <ldns/error.h>
#include <ldns/host2str.h>
#include <ldns/host2wire.h>
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <ldns/tsig.h>
#include <ldns/update.h>
#include <ldns/wire2host.h>

#include "zone/update.h"
#include "zone/update_int.h"

#define TSIG_FUDGE 300 /* seconds, RFC 8945 §10 */
#define DEFAULT_TIMEOUT_MS 5000

/* TSIG error codes (RFC 8945 §5.3) carried in the TSIG RR, not the rcode */
#define TSIG_BADSIG 16
#define TSIG_BADKEY 17
#define TSIG_BADTIME 18
#define TSIG_BADTRUNC 22

/* ---- the records ------------------------------------------------------- */

/* in_zone - the owner is the zone's apex or under it */
static int
in_zone(const ldns_rdf *owner, const ldns_rdf *zone)
{
	return ldns_dname_compare(owner, zone) == 0 ||
	    ldns_dname_is_subdomain(owner, zone);
}

/* owner_check - refuse an owner outside the zone, naming the record */
static int
owner_check(const char *what, const char *s, const ldns_rdf *owner,
    const ldns_rdf *zone, char *why, size_t whylen)
{
	char a[300], b[300];

	if (in_zone(owner, zone))
		return ZONE_OK;
	return zone_why(why, whylen, ZONE_ERR_ARG,
	    "%s '%s': %s is outside zone %s", what, s,
	    zone_rdf_str(owner, a, sizeof(a)),
	    zone_rdf_str(zone, b, sizeof(b)));
}

/* meta_type - types that are not data and can be neither added nor named */
static int
meta_type(ldns_rr_type type)
{
	switch (type) {
	case LDNS_RR_TYPE_OPT:
	case LDNS_RR_TYPE_TSIG:
	case LDNS_RR_TYPE_TKEY:
	case LDNS_RR_TYPE_IXFR:
	case LDNS_RR_TYPE_AXFR:
	case LDNS_RR_TYPE_MAILA:
	case LDNS_RR_TYPE_MAILB:
		return 1;
	default:
		return 0;
	}
}

/* parse_add - one record to add: whole, class IN, inside the zone */
static int
parse_add(const char *s, const ldns_rdf *zone, ldns_rr **out, char *why,
    size_t whylen)
{
	ldns_rr *rr = NULL;
	ldns_status st;
	int r;

	/* No origin: "a.b.example" is absolute, never under the zone twice. */
	st = ldns_rr_new_frm_str(&rr, s, UPDATE_DEFAULT_TTL, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		ldns_rr_free(rr);
		return zone_why(why, whylen,
		    st == LDNS_STATUS_MEM_ERR ? ZONE_ERR_NOMEM : ZONE_ERR_ARG,
		    "add '%s': %s", s, ldns_get_errorstr_by_id(st));
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		r = zone_why(
		    why, whylen, ZONE_ERR_ARG, "add '%s': class is not IN", s);
	else if (meta_type(ldns_rr_get_type(rr)) ||
	    ldns_rr_get_type(rr) == LDNS_RR_TYPE_ANY)
		r = zone_why(why, whylen, ZONE_ERR_ARG,
		    "add '%s': not a record type that can be added", s);
	else
		r = owner_check("add", s, ldns_rr_owner(rr), zone, why, whylen);
	if (r != ZONE_OK) {
		ldns_rr_free(rr);
		return r;
	}
	*out = rr;
	return ZONE_OK;
}

/* del_rrset - RFC 2136 §2.5.2/§2.5.3: class ANY, TTL 0, no RDATA */
static int
del_rrset(ldns_rdf *owner, ldns_rr_type type, ldns_rr **out)
{
	ldns_rr *rr = ldns_rr_new();

	if (rr == NULL) {
		ldns_rdf_deep_free(owner);
		return ZONE_ERR_NOMEM;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	*out = rr;
	return ZONE_OK;
}

/* is_ttl - a TTL is all digits */
static int
is_ttl(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/*
 * parse_del - "NAME", "NAME TYPE" or "NAME TYPE RDATA", with an optional
 * TTL and class IN after NAME, into the deletion RFC 2136 §2.5 defines.
 */
static int
parse_del(const char *s, const ldns_rdf *zone, ldns_rr **out, char *why,
    size_t whylen)
{
	char *copy, *tok[5], *p;
	size_t n = 0, i = 1;
	ldns_rdf *owner = NULL;
	ldns_rr_type type = 0;
	ldns_rr *rr = NULL;
	ldns_status st;
	int r = ZONE_OK;

	copy = strdup(s);
	if (copy == NULL)
		return zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	/* The first four words decide the form; the rest is RDATA. */
	for (p = copy; n < 5;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0')
			break;
		tok[n++] = p;
		p += strcspn(p, " \t\r\n");
		if (*p != '\0')
			*p++ = '\0';
	}
	if (n == 0) {
		free(copy);
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "delete '%s': empty", s);
	}
	owner = ldns_dname_new_frm_str(tok[0]);
	if (owner == NULL) {
		r = zone_why(why, whylen, ZONE_ERR_ARG,
		    "delete '%s': '%s' is not a domain name", s, tok[0]);
		goto out;
	}
	r = owner_check("delete", s, owner, zone, why, whylen);
	if (r != ZONE_OK)
		goto out;
	/* An optional TTL and class, in either order, as in zone files. */
	while (
	    i < n && i < 3 && (is_ttl(tok[i]) || strcasecmp(tok[i], "IN") == 0))
		i++;
	if (i < n) {
		type = ldns_get_rr_type_by_name(tok[i]);
		if (type == 0 || meta_type(type)) {
			r = zone_why(why, whylen, ZONE_ERR_ARG,
			    "delete '%s': '%s' is not a record type", s,
			    tok[i]);
			goto out;
		}
	}
	if (i >= n || (i + 1 == n && type == LDNS_RR_TYPE_ANY)) {
		/* every RRset at the name */
		r = del_rrset(owner, LDNS_RR_TYPE_ANY, &rr);
		owner = NULL;
	} else if (i + 1 == n) {
		r = del_rrset(owner, type, &rr);
		owner = NULL;
	} else if (type == LDNS_RR_TYPE_ANY) {
		r = zone_why(why, whylen, ZONE_ERR_ARG,
		    "delete '%s': type ANY takes no data", s);
	} else {
		/* one record: RFC 2136 §2.5.4, class NONE, TTL 0 */
		st = ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL);
		if (st != LDNS_STATUS_OK) {
			ldns_rr_free(rr);
			rr = NULL;
			r = zone_why(why, whylen,
			    st == LDNS_STATUS_MEM_ERR ? ZONE_ERR_NOMEM
						      : ZONE_ERR_ARG,
			    "delete '%s': %s", s, ldns_get_errorstr_by_id(st));
		} else {
			ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE);
			ldns_rr_set_ttl(rr, 0);
		}
	}
	if (r == ZONE_ERR_NOMEM)
		r = zone_why(why, whylen, r, "out of memory");
out:
	ldns_rdf_deep_free(owner);
	free(copy);
	if (r == ZONE_OK)
		*out = rr;
	return r;
}

/* ---- the answer -------------------------------------------------------- */

/* rcode_name - RFC 1035/2136 rcode names */
static const char *
rcode_name(unsigned rcode, char *buf, size_t len)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	    "NOTAUTH", "NOTZONE"};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

/* tsig_error_name - the TSIG RR's error field (RFC 8945 §5.3) */
static const char *
tsig_error_name(unsigned err, char *buf, size_t len)
{
	switch (err) {
	case TSIG_BADSIG:
		return "BADSIG (the server's check of our signature failed: "
		       "wrong secret?)";
	case TSIG_BADKEY:
		return "BADKEY (the server does not know this key name and "
		       "algorithm)";
	case TSIG_BADTIME:
		return "BADTIME (our clock and the server's differ by more "
		       "than the fudge)";
	case TSIG_BADTRUNC:
		return "BADTRUNC";
	}
	snprintf(buf, len, "TSIG error %u", err);
	return buf;
}

/* tsig_time - the 48-bit Time Signed of a TSIG RR */
static long long
tsig_time(const ldns_rr *tsig)
{
	const ldns_rdf *rdf = ldns_rr_rdf(tsig, 1);
	const uint8_t *d;
	long long t = 0;
	size_t i;

	if (rdf == NULL || ldns_rdf_size(rdf) != 6)
		return -1;
	d = ldns_rdf_data(rdf);
	for (i = 0; i < 6; i++)
		t = t << 8 | d[i];
	return t;
}

/*
 * answer_tsig - is the answer signed by our key, over this answer and our
 * request's MAC, at about the right time?  ZONE_OK, or a reason.
 */
static int
answer_tsig(ldns_pkt *ans, const uint8_t *wire, size_t len,
    const struct zone_tsig *k, const ldns_rdf *qmac, const char **bad)
{
	ldns_rr *tsig = ldns_pkt_tsig(ans);
	ldns_rdf *keyname, *alg;
	long long t, skew;
	bool ok;
	int same;

	if (tsig == NULL || ldns_rr_rd_count(tsig) < 7) {
		*bad = "the answer is not signed";
		return ZONE_ERR_TSIG;
	}
	/*
	 * ldns checks the MAC with whatever algorithm the answer names, and
	 * on an algorithm it does not know it leaves the packet without its
	 * TSIG: insist on our own key name and algorithm first.
	 */
	keyname = ldns_dname_new_frm_str(k->name);
	alg = ldns_dname_new_frm_str(k->alg);
	same = keyname != NULL && alg != NULL &&
	    ldns_dname_compare(ldns_rr_owner(tsig), keyname) == 0 &&
	    ldns_rdf_get_type(ldns_rr_rdf(tsig, 0)) == LDNS_RDF_TYPE_DNAME &&
	    ldns_dname_compare(ldns_rr_rdf(tsig, 0), alg) == 0;
	ldns_rdf_deep_free(keyname);
	ldns_rdf_deep_free(alg);
	if (!same) {
		*bad = "the answer is signed with another key or algorithm";
		return ZONE_ERR_TSIG;
	}
	ok = ldns_pkt_tsig_verify(ans, wire, len, k->name, k->secret, qmac);
	if (ldns_pkt_tsig(ans) == NULL)
		ldns_pkt_set_tsig(ans, tsig); /* still ours to free */
	if (!ok) {
		*bad = "the answer's TSIG does not verify";
		return ZONE_ERR_TSIG;
	}
	/* ldns checks the MAC only; RFC 8945 §5.4.3 wants the time too. */
	t = tsig_time(tsig);
	skew = t - (long long)time(NULL);
	if (t < 0 ||
	    skew > (long long)ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2)) ||
	    -skew > (long long)ldns_rdf2native_int16(ldns_rr_rdf(tsig, 2))) {
		*bad = "the answer's TSIG time is outside its fudge";
		return ZONE_ERR_TSIG;
	}
	return ZONE_OK;
}

/* check_answer - map the answer to a zone_err, checking its TSIG */
static int
check_answer(const struct update_peer *pe, const struct zone_update_target *t,
    uint16_t id, const uint8_t *wire, size_t len, const ldns_rdf *qmac,
    char *why, size_t whylen)
{
	ldns_pkt *ans = NULL;
	ldns_status st;
	const ldns_rr *tsig;
	const char *bad = NULL;
	char b1[32], b2[32];
	unsigned rcode, terr = 0;
	int r, sig;

	st = ldns_wire2pkt(&ans, wire, len);
	if (st != LDNS_STATUS_OK)
		return zone_why(why, whylen, ZONE_ERR_NET,
		    "%s@%u: malformed answer: %s", pe->server, pe->port,
		    ldns_get_errorstr_by_id(st));
	if (ldns_pkt_id(ans) != id || !ldns_pkt_qr(ans) ||
	    ldns_pkt_get_opcode(ans) != LDNS_PACKET_UPDATE) {
		ldns_pkt_free(ans);
		return zone_why(why, whylen, ZONE_ERR_NET,
		    "%s@%u: the answer is not one to our update", pe->server,
		    pe->port);
	}
	rcode = ldns_pkt_get_rcode(ans);
	tsig = ldns_pkt_tsig(ans);
	if (tsig != NULL && ldns_rr_rd_count(tsig) >= 7)
		terr = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
	sig = answer_tsig(ans, wire, len, t->tsig, qmac, &bad);
	ldns_pkt_free(ans);
	if (terr != 0 || rcode == LDNS_RCODE_NOTAUTH)
		/* Refusals of our key are sent unsigned (RFC 8945 §5.3.2). */
		r = zone_why(why, whylen, ZONE_ERR_TSIG,
		    "%s@%u refused key %s: %s, %s", pe->server, pe->port,
		    t->tsig->name, rcode_name(rcode, b1, sizeof(b1)),
		    terr != 0 ? tsig_error_name(terr, b2, sizeof(b2))
			      : "not authoritative for the zone, or the key "
				"is not allowed to update it");
	else if (rcode != LDNS_RCODE_NOERROR)
		r = zone_why(why, whylen, ZONE_ERR_REFUSED,
		    "%s@%u answered %s for zone %s%s", pe->server, pe->port,
		    rcode_name(rcode, b1, sizeof(b1)), t->zone,
		    sig == ZONE_OK ? "" : " (answer not authenticated)");
	else if (sig != ZONE_OK)
		r = zone_why(why, whylen, ZONE_ERR_TSIG,
		    "%s@%u answered NOERROR, but %s: the update may or may "
		    "not have been applied",
		    pe->server, pe->port, bad);
	else
		r = ZONE_OK;
	return r;
}

/* ---- the update -------------------------------------------------------- */

int
zone_update_send(const struct zone_update_target *t, const char *const *add,
    size_t nadd, const char *const *del, size_t ndel, char *why, size_t whylen)
{
	ldns_rdf *zone = NULL;
	ldns_rr_list *up = NULL, *pr = NULL;
	ldns_pkt *q = NULL;
	ldns_rr *rr = NULL;
	ldns_status st;
	uint8_t *qwire = NULL, *ans = NULL;
	size_t qlen = 0, alen = 0, i;
	uint16_t id;
	struct update_peer pe;
	int r = ZONE_OK;

	if (t == NULL || t->server == NULL || t->zone == NULL ||
	    t->tsig == NULL || (nadd > 0 && add == NULL) ||
	    (ndel > 0 && del == NULL))
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "missing server, zone, key or records");
	if (nadd + ndel == 0)
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "nothing to add or delete");
	zone = ldns_dname_new_frm_str(t->zone);
	if (zone == NULL)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "zone '%s' is not a domain name", t->zone);
	up = ldns_rr_list_new();
	pr = ldns_rr_list_new();
	if (up == NULL || pr == NULL) {
		r = zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Deletions first: "delete the RRset, add the new one" replaces. */
	for (i = 0; r == ZONE_OK && i < ndel; i++) {
		r = parse_del(del[i], zone, &rr, why, whylen);
		if (r == ZONE_OK && !ldns_rr_list_push_rr(up, rr)) {
			ldns_rr_free(rr);
			r = zone_why(
			    why, whylen, ZONE_ERR_NOMEM, "out of memory");
		}
	}
	for (i = 0; r == ZONE_OK && i < nadd; i++) {
		r = parse_add(add[i], zone, &rr, why, whylen);
		if (r == ZONE_OK && !ldns_rr_list_push_rr(up, rr)) {
			ldns_rr_free(rr);
			r = zone_why(
			    why, whylen, ZONE_ERR_NOMEM, "out of memory");
		}
	}
	if (r != ZONE_OK)
		goto out;
	/* ldns takes the zone name (not the lists, which it copies). */
	q = ldns_update_pkt_new(
	    ldns_rdf_clone(zone), LDNS_RR_CLASS_IN, pr, up, NULL);
	if (q == NULL) {
		r = zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* ldns sets RD; RFC 2136 §2.2 has those bits zero in an update. */
	ldns_pkt_set_rd(q, false);
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(update_now_ms() ^ getpid());
	ldns_pkt_set_id(q, id);
	st = ldns_pkt_tsig_sign(
	    q, t->tsig->name, t->tsig->secret, TSIG_FUDGE, t->tsig->alg, NULL);
	if (st == LDNS_STATUS_OK)
		st = ldns_pkt2wire(&qwire, q, &qlen);
	if (st != LDNS_STATUS_OK) {
		r = zone_why(why, whylen, ZONE_ERR_KEY,
		    "cannot sign the update with key %s: %s", t->tsig->name,
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	if (qlen > 65535) {
		r = zone_why(why, whylen, ZONE_ERR_ARG,
		    "update of %zu bytes is too large for one message", qlen);
		goto out;
	}
	pe.server = t->server;
	pe.port = t->port != 0 ? t->port : 53;
	pe.timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : DEFAULT_TIMEOUT_MS;
	r = update_tcp_exchange(&pe, qwire, qlen, &ans, &alen, why, whylen);
	if (r == ZONE_OK)
		r = check_answer(&pe, t, id, ans, alen,
		    ldns_rr_rdf(ldns_pkt_tsig(q), 3), why, whylen);
out:
	free(ans);
	free(qwire);
	ldns_pkt_free(q);
	ldns_rr_list_deep_free(up);
	ldns_rr_list_deep_free(pr);
	ldns_rdf_deep_free(zone);
	return r;
}
