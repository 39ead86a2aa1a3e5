/*
 * rrset.c - one validated RRset of any type, for the operator tools (zone
 * audit): the same verdict as a TLSA lookup, the records, and when the
 * signatures that made it secure expire.
 *
 * libunbound asks with the DO bit set internally and its answer_packet
 * carries the RRSIGs of the answer section (checked against NSD: a SOA
 * answer holds SOA + RRSIG, a DNSKEY answer DNSKEY + RRSIG, also when the
 * answer comes from libunbound's cache).  The expiration is read from
 * that packet with ldns, and only for a secure answer: the verdict is
 * libunbound's, the packet only tells the date.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Not ldns/ldns.h: its key headers need deprecated OpenSSL types. */
#include <ldns/error.h>
#include <ldns/packet.h>
#include <ldns/rdata.h>
#include <ldns/rr.h>
#include <ldns/wire2host.h>
#include <unbound.h>

#include "dance_int.h"
#include "resolver.h"

#define RR_TYPE_TLSA 52
#define RRSIG_EXPIRATION 4 /* 0-based rdata field: the 5th, RFC 4034 §3.1 */

/*
 * serial_time - an RRSIG time (32-bit, RFC 4034 §3.1.5: serial number
 * arithmetic) as seconds since the epoch: the instant nearest to now.
 */
static int64_t
serial_time(uint32_t t, time_t now)
{
	uint32_t d = t - (uint32_t)now;

	if (d < 0x80000000u)
		return (int64_t)now + d;
	return (int64_t)now - (int64_t)(0x100000000ull - d);
}

/* scan_rrsigs - count the answer section's RRSIGs, keep the earliest end */
static void
scan_rrsigs(struct dance_rrset *rs, const struct ub_result *r)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *an;
	time_t now = time(NULL);
	size_t i;

	if (r->answer_packet == NULL || r->answer_len <= 0 ||
	    ldns_wire2pkt(&pkt, r->answer_packet, (size_t)r->answer_len) !=
		LDNS_STATUS_OK)
		return;
	an = ldns_pkt_answer(pkt);
	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		const ldns_rdf *f;
		int64_t t;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG ||
		    ldns_rr_rd_count(rr) <= RRSIG_EXPIRATION)
			continue;
		f = ldns_rr_rdf(rr, RRSIG_EXPIRATION);
		if (ldns_rdf_get_type(f) != LDNS_RDF_TYPE_TIME ||
		    ldns_rdf_size(f) != 4)
			continue;
		t = serial_time(ldns_rdf2native_int32(f), now);
		if (rs->nsig == 0 || t < rs->sig_expire)
			rs->sig_expire = t;
		rs->nsig++;
	}
	ldns_pkt_free(pkt);
}

/* copy_rdata - the records of a secure answer, in one allocation */
static int
copy_rdata(struct dance_rrset *rs, const struct ub_result *r)
{
	size_t n = 0, bytes = 0, i;
	unsigned char *p;

	for (i = 0; r->data[i] != NULL; i++) {
		n++;
		bytes += (size_t)r->len[i];
	}
	rs->rr = calloc(1, n * sizeof(*rs->rr) + bytes + 1);
	if (rs->rr == NULL)
		return -1;
	p = (unsigned char *)(rs->rr + n);
	for (i = 0; i < n; i++) {
		rs->rr[i].len = (size_t)r->len[i];
		memcpy(p, r->data[i], rs->rr[i].len);
		rs->rr[i].data = p;
		p += rs->rr[i].len;
	}
	rs->nrr = n;
	return 0;
}

/* fill - the verdict, records and signature expiry of one answer */
static int
fill(struct dance_rrset *rs, int err, const struct ub_result *r)
{
	const char *why = NULL;
	char rcode[32];

	if (err != 0 || r == NULL) {
		if (err == -1)
			why = "timeout";
		else
			why = err != 0 ? ub_strerror(err) : "no result";
		rs->status = DANCE_DNS_TEMPFAIL;
		return (rs->why = strdup(why)) == NULL ? -1 : 0;
	}
	rs->status = dance_classify(r);
	if (rs->status == DANCE_DNS_BOGUS)
		why =
		    r->why_bogus != NULL ? r->why_bogus : "validation failure";
	else if (rs->status == DANCE_DNS_TEMPFAIL) {
		snprintf(rcode, sizeof(rcode), "rcode %d%s", r->rcode,
		    r->rcode == 2 ? " (SERVFAIL)" : "");
		why = rcode;
	}
	if (why != NULL && (rs->why = strdup(why)) == NULL)
		return -1;
	rs->ttl = r->ttl > 0 ? (uint32_t)r->ttl : 0;
	if (rs->status != DANCE_DNS_SECURE)
		return 0;
	if (copy_rdata(rs, r) != 0)
		return -1;
	scan_rrsigs(rs, r);
	return 0;
}

/* rrset_new - an empty result for name (canonicalised) and type */
static int
rrset_new(const char *name, int rrtype, struct dance_rrset **out)
{
	struct dance_rrset *rs;
	char canon[256];

	*out = NULL;
	if (rrtype <= 0 || rrtype > 65535 ||
	    dance_name_canon(name, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->owner = strdup(canon)) == NULL) {
		dance_rrset_free(rs);
		return DANCE_ERR_NOMEM;
	}
	rs->rrtype = rrtype;
	*out = rs;
	return DANCE_OK;
}

/* rrset_answer - fill rs from a query's outcome (res is freed) */
static int
rrset_answer(struct dance_ctx *ctx, struct dance_rrset *rs, int err,
    struct ub_result *res)
{
	if (fill(rs, err, res) != 0)
		goto nomem;
	if (rs->rrtype == RR_TYPE_TLSA) {
		/* The same answer as a TLSA result, for the DANE engine. */
		rs->tlsa = dance_tlsa_from_result(rs->owner, err, res);
		if (rs->tlsa == NULL)
			goto nomem;
		if (rs->tlsa->status != rs->status) {
			/* Secure but malformed TLSA RDATA: never data. */
			rs->status = rs->tlsa->status;
			free(rs->why);
			rs->why = NULL;
			if (rs->tlsa->why != NULL &&
			    (rs->why = strdup(rs->tlsa->why)) == NULL)
				goto nomem;
			free(rs->rr);
			rs->rr = NULL;
			rs->nrr = rs->nsig = 0;
		}
	}
	ub_resolve_free(res);
	dance_log(ctx, DANCE_LOG_DEBUG, "%s type %d: %s%s%s, %zu records",
	    rs->owner, rs->rrtype, dance_dns_status_str(rs->status),
	    rs->why ? ": " : "", rs->why ? rs->why : "", rs->nrr);
	return DANCE_OK;
nomem:
	ub_resolve_free(res);
	return DANCE_ERR_NOMEM;
}

int
dance_rrset_lookup_sync(struct dance_ctx *ctx, const char *name, int rrtype,
    unsigned timeout_ms, struct dance_rrset **out)
{
	struct ub_result *res = NULL;
	struct dance_rrset *rs;
	int err, rc;

	if ((rc = rrset_new(name, rrtype, &rs)) != DANCE_OK)
		return rc;
	err = dance_query_sync(ctx, rs->owner, rrtype, timeout_ms, &res);
	if ((rc = rrset_answer(ctx, rs, err, res)) != DANCE_OK) {
		dance_rrset_free(rs);
		return rc;
	}
	*out = rs;
	return DANCE_OK;
}

struct dance_rrset_lookup {
	struct dance_ctx *ctx;
	struct dance_query *q;
	struct dance_rrset *rs;
	dance_rrset_cb *cb;
	void *arg;
};

static void
rrset_done(void *arg, int err, struct ub_result *res)
{
	struct dance_rrset_lookup *l = arg;
	struct dance_rrset *rs = l->rs;

	if (rrset_answer(l->ctx, rs, err, res) != DANCE_OK) {
		/* Out of memory: a temporary failure, never data. */
		free(rs->rr);
		rs->rr = NULL;
		rs->nrr = rs->nsig = 0;
		rs->status = DANCE_DNS_TEMPFAIL;
	}
	l->cb(l->arg, rs);
	free(l);
}

int
dance_rrset_lookup(struct dance_ctx *ctx, const char *name, int rrtype,
    dance_rrset_cb *cb, void *arg, struct dance_rrset_lookup **handle)
{
	struct dance_rrset_lookup *l;
	int rc;

	if (ctx == NULL || cb == NULL)
		return DANCE_ERR_INVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return DANCE_ERR_NOMEM;
	if ((rc = rrset_new(name, rrtype, &l->rs)) != DANCE_OK) {
		free(l);
		return rc;
	}
	l->ctx = ctx;
	l->cb = cb;
	l->arg = arg;
	if ((l->q = dance_query_start(
		 ctx, l->rs->owner, rrtype, rrset_done, l)) == NULL) {
		dance_rrset_free(l->rs);
		free(l);
		return DANCE_ERR_RESOLVER;
	}
	if (handle != NULL)
		*handle = l;
	return DANCE_OK;
}

void
dance_rrset_lookup_cancel(struct dance_rrset_lookup *l)
{
	if (l == NULL)
		return;
	dance_query_cancel(l->q);
	dance_rrset_free(l->rs);
	free(l);
}

void
dance_rrset_free(struct dance_rrset *rs)
{
	if (rs == NULL)
		return;
	free(rs->owner);
	free(rs->why);
	free(rs->rr);
	dance_tlsa_unref(rs->tlsa);
	free(rs);
}
