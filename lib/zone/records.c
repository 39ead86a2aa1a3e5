/*
 * records.c - the records an operator publishes; see records.h.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lorawan/ids.h"
#include "zone/pki.h"
#include "zone/records.h"
#include "zone/rollover.h"
#include "zone/tlsa_rdata.h"
#include "zone/zone_err.h"

static void
addresses(
    FILE *out, const char *owner, uint32_t ttl, const struct op_element *el)
{
	unsigned char sa[sizeof(struct in6_addr)];

	for (int i = 0; i < el->naddrs; i++)
		fprintf(out, "%s\t%u\tIN\t%s\t%s\n", owner, ttl,
		    inet_pton(AF_INET, el->addrs[i], sa) == 1 ? "A" : "AAAA",
		    el->addrs[i]);
}

static int
tlsa_line(FILE *out, const char *owner, uint32_t ttl, const char *certfile,
    int usage, const char *comment, char *why, size_t whylen)
{
	X509 *leaf, *x;
	STACK_OF(X509) * chain;
	char *rdata;
	int r;

	if ((r = pki_read_certs(certfile, &leaf, &chain, why, whylen)) != 0)
		return r;
	/* DANE-TA publishes the last certificate of the chain: the root. */
	x = usage == 2 && sk_X509_num(chain) > 0
	    ? sk_X509_value(chain, sk_X509_num(chain) - 1)
	    : leaf;
	r = zone_tlsa_rdata(x, usage, 1, 1, &rdata);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	if (r != ZONE_OK)
		return zone_why(
		    why, whylen, r, "%s: %s", certfile, zone_strerror(r));
	fprintf(
	    out, "%s\t%u\tIN\tTLSA\t%s\t; %s\n", owner, ttl, rdata, comment);
	free(rdata);
	return ZONE_OK;
}

static int
identity_records(FILE *out, const struct op_profile *p, const char *opdir,
    const struct op_identity *id, unsigned flags, char *why, size_t whylen)
{
	char owner[OP_DNAME_MAX + 32], cert[PATH_MAX],
	    comment[OP_NAME_MAX + 32];
	int gens[ROLLOVER_MAX_PUBLISHED], ngens, r;

	if (op_identity_tlsa_name(p, id, owner, sizeof(owner)) != ZONE_OK)
		return ZONE_OK;
	if ((r = rollover_published(opdir, id, gens, &ngens, why, whylen)) !=
	    ZONE_OK)
		return r;
	for (int g = 0; g < ngens; g++) {
		pki_identity_path(
		    opdir, id, gens[g], "cert.pem", cert, sizeof(cert));
		snprintf(comment, sizeof(comment), "%s generation %d", id->id,
		    gens[g]);
		if ((r = tlsa_line(out, owner, p->ttl, cert, 3, comment, why,
			 whylen)) != ZONE_OK)
			return r;
	}
	if ((flags & RECORDS_DANE_TA) && !p->self_signed) {
		pki_identity_path(opdir, id, 0, "cert.pem", cert, sizeof(cert));
		snprintf(comment, sizeof(comment), "%s root CA", p->name);
		return tlsa_line(
		    out, owner, p->ttl, cert, 2, comment, why, whylen);
	}
	return ZONE_OK;
}

/* pointer - NAPTR to the element's SRV, and the plain address form */
static void
pointer(FILE *out, const struct op_profile *p, const char *owner,
    enum op_role role, unsigned flags)
{
	const struct op_element *el = &p->el[role];

	if (!(flags & RECORDS_NO_NAPTR))
		fprintf(out,
		    "%s\t%u\tIN\tNAPTR\t10 50 \"S\" \"LWNS\" \"\" "
		    "_lwns._tcp.%s\n",
		    owner, p->ttl, el->host);
	addresses(out, owner, p->ttl, el);
}

int
zone_records_write(FILE *out, const struct op_profile *p, const char *opdir,
    const struct records_opts *o, char *why, size_t whylen)
{
	char owner[OP_DNAME_MAX + 40], eui[LW_EUI64_STRLEN];
	int r;

	fprintf(out, "; operator %s: records to publish in %s\n", p->name,
	    p->domain);
	if (o->flags & RECORDS_SOA) {
		fprintf(out,
		    "$ORIGIN %s\n%s\t%u\tIN\tSOA\t%s hostmaster.%s %u 3600 "
		    "900 1209600 %u\n%s\t%u\tIN\tNS\t%s\n",
		    p->domain, p->domain, p->ttl, o->ns_host, p->domain,
		    o->serial, p->ttl, p->domain, p->ttl, o->ns_host);
		if (o->ns_addr != NULL) {
			struct op_element ns = {.naddrs = 1};

			snprintf(
			    ns.addrs[0], sizeof(ns.addrs[0]), "%s", o->ns_addr);
			addresses(out, o->ns_host, p->ttl, &ns);
		}
	}
	for (int role = 0; role < OP_NROLES; role++) {
		const struct op_element *el = &p->el[role];

		if (!el->present)
			continue;
		fprintf(out, "\n; %s: %s port %u\n",
		    op_role_name((enum op_role)role), el->host, el->port);
		addresses(out, el->host, p->ttl, el);
		fprintf(out, "_lwns._tcp.%s\t%u\tIN\tSRV\t0 1 %u %s\n",
		    el->host, p->ttl, el->port, el->host);
		for (int i = 0; i < OP_NIDENTITIES; i++)
			if (op_identities[i].role == (enum op_role)role &&
			    (r = identity_records(out, p, opdir,
				 &op_identities[i], o->flags, why, whylen)) !=
				ZONE_OK)
				return r;
	}
	if (p->njoineui > 0 && !p->el[OP_JS].present)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "JoinEUI ranges need a js element");
	if (p->nnetid > 0 && !p->el[OP_NS].present)
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "NetIDs need an ns element");
	for (int i = 0; i < p->njoineui; i++) {
		if (op_joineui_owner(p, &p->joineui[i], owner, sizeof(owner)) !=
		    ZONE_OK)
			return zone_why(
			    why, whylen, ZONE_ERR_ARG, "JoinEUI name too long");
		lw_eui64_format(p->joineui[i].prefix, eui, sizeof(eui));
		fprintf(out, "\n; JoinEUI %s/%d -> %s\n", eui,
		    p->joineui[i].bits, p->el[OP_JS].host);
		pointer(out, p, owner, OP_JS, o->flags);
	}
	for (int i = 0; i < p->nnetid; i++) {
		if (op_netid_owner(p, p->netid[i], owner, sizeof(owner)) !=
		    ZONE_OK)
			return zone_why(
			    why, whylen, ZONE_ERR_ARG, "NetID name too long");
		fprintf(out, "\n; NetID %06x -> %s\n", (unsigned)p->netid[i],
		    p->el[OP_NS].host);
		pointer(out, p, owner, OP_NS, o->flags);
	}
	return ferror(out) ? zone_why(why, whylen, ZONE_ERR_IO, "write error")
			   : ZONE_OK;
}
