/*
 * cmd_zone_audit.c - "loradane zone audit": check what the DNS serves,
 * as any peer will see it: each zone's SOA and DNSKEY validate as secure
 * and their signatures are not about to expire; with an operator, every
 * identity's certificate (each generation a rollover publishes) is
 * authenticated by its served TLSA RRset, as OpenSSL's DANE engine
 * decides in a handshake, and the elements' addresses, the JoinEUI and
 * NetID names resolve secure to what the profile says.
 *
 * Every answer comes from one fresh resolver context (nothing cached
 * before the run).  One line per check, "ok", "warn" or "FAIL", then a
 * count; a warning is a problem too, so the exit status can gate a cron
 * job or a deployment.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "dance.h"
#include "zone/pki.h"
#include "zone/profile.h"
#include "zone/rollover.h"
#include "zone/zone_err.h"

#define T_A 1
#define T_SOA 6
#define T_AAAA 28
#define T_NAPTR 35
#define T_DNSKEY 48
#define T_TLSA 52

#define MAX_ZONES 64
#define NAME_BUF (OP_DNAME_MAX + 64)

enum verdict { V_OK, V_WARN, V_FAIL };

struct audit {
	struct dance_ctx *ctx;
	int64_t warn_secs;
	unsigned checks, problems;
	/* Signatures of the secure RRsets checked for the current zone. */
	int64_t expire; /* the earliest expiration */
	size_t nsigned; /* RRsets with at least one RRSIG */
	size_t nosig;   /* secure RRsets that came without one */
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane zone audit [--operator NAME [--pki DIR]] "
	    "[--warn-days N]\n" RESOLVER_USAGE "  [ZONE...]\n"
	    "  Checks that each ZONE (and the operator's domain) validates as "
	    "DNSSEC\n  secure with signatures valid for N more days (default "
	    "7), and that\n  every record of the operator matches its profile "
	    "and certificates.\n  exit: 0 no problem, 1 problems, 2 usage\n");
	return CLI_USAGE;
}

static void line(struct audit *a, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* line - print one check's outcome, and count it */
static void
line(struct audit *a, enum verdict v, const char *fmt, ...)
{
	static const char *const tag[] = {"ok    ", "warn  ", "FAIL  "};
	va_list ap;

	a->checks++;
	if (v != V_OK)
		a->problems++;
	fputs(tag[v], stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * lookup - one validated RRset of name ("TYPE NAME[ (label)]" in the
 * output).  Anything but secure data is a FAIL line, except a secure
 * NODATA when nodata_ok.  The signatures of secure data count towards the
 * zone's expiry.
 * @return the result (caller frees), or NULL after the FAIL line.
 */
static struct dance_rrset *
lookup(struct audit *a, const char *type, int rrtype, const char *name,
    const char *label, bool nodata_ok)
{
	struct dance_rrset *rs;
	int r;

	r = dance_rrset_lookup_sync(a->ctx, name, rrtype, 0, &rs);
	if (r != DANCE_OK) {
		line(a, V_FAIL, "%s %s%s: %s", type, name, label,
		    dance_strerror(r));
		return NULL;
	}
	if (rs->status == DANCE_DNS_SECURE) {
		if (rs->nsig == 0)
			a->nosig++;
		else if (a->nsigned++ == 0 || rs->sig_expire < a->expire)
			a->expire = rs->sig_expire;
		return rs;
	}
	if (rs->status == DANCE_DNS_SECURE_NODATA && nodata_ok)
		return rs;
	line(a, V_FAIL, "%s %s%s %s%s%s", type, name, label,
	    dance_dns_status_str(rs->status), rs->why ? ": " : "",
	    rs->why ? rs->why : "");
	dance_rrset_free(rs);
	return NULL;
}

/*
 * dname_text - a wire-format name (uncompressed, as in the records a
 * validator hands back) in presentation form, absolute.
 * @return the octets it took, or -1 if malformed or out does not fit.
 */
static int
dname_text(const unsigned char *d, size_t len, char *out, size_t outlen)
{
	size_t pos = 0, o = 0, i;
	int n;

	for (;;) {
		if (pos >= len || d[pos] > 63 || pos + 1 + d[pos] > len)
			return -1;
		if (d[pos] == 0)
			break;
		for (i = pos + 1; i <= pos + d[pos]; i++) {
			unsigned char c = d[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_')
				n = snprintf(out + o, outlen - o, "%c", c);
			else
				n = snprintf(out + o, outlen - o, "\\%03u", c);
			if (n < 0 || (size_t)n >= outlen - o)
				return -1;
			o += (size_t)n;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = '.';
		pos += 1 + d[pos];
	}
	if (o == 0) {
		if (outlen < 2)
			return -1;
		out[o++] = '.';
	}
	out[o] = '\0';
	return (int)pos + 1;
}

/* days_hours - "2 days 23 hours" (or hours and minutes under a day) */
static void
days_hours(int64_t secs, char *buf, size_t buflen)
{
	long long big, small;
	const char *u1, *u2;

	if (secs >= 86400) {
		big = secs / 86400;
		small = secs % 86400 / 3600;
		u1 = "day";
		u2 = "hour";
	} else {
		big = secs / 3600;
		small = secs % 3600 / 60;
		u1 = "hour";
		u2 = "minute";
	}
	snprintf(buf, buflen, "%lld %s%s %lld %s%s", big, u1,
	    big == 1 ? "" : "s", small, u2, small == 1 ? "" : "s");
}

/*
 * zone_expiry - the line about the earliest RRSIG expiration among the
 * secure RRsets checked for zone; a warning under --warn-days.
 */
static void
zone_expiry(struct audit *a, const char *zone)
{
	char date[64], left[64];
	struct tm tm;
	time_t t, now = time(NULL);
	int64_t secs;

	if (a->nosig > 0) {
		line(a, V_WARN,
		    "%s %zu secure RRset%s came without RRSIG: cannot tell "
		    "when %s signatures expire",
		    zone, a->nosig, a->nosig == 1 ? "" : "s",
		    a->nosig == 1 ? "its" : "their");
		return;
	}
	if (a->nsigned == 0)
		return; /* nothing was secure: already a FAIL line */
	t = (time_t)a->expire;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(date, sizeof(date), "at %lld", (long long)a->expire);
	secs = a->expire - (int64_t)now;
	if (secs < 0)
		snprintf(left, sizeof(left), "already past");
	else
		days_hours(secs, left, sizeof(left));
	line(a, secs < a->warn_secs ? V_WARN : V_OK,
	    "%s signatures expire %s (%s%s; earliest of %zu RRset%s)", zone,
	    date, secs < 0 ? "" : "in ", left, a->nsigned,
	    a->nsigned == 1 ? "" : "s");
}

/* zone_apex - SOA and DNSKEY: secure, at the apex; starts the expiry */
static void
zone_apex(struct audit *a, const char *zone)
{
	struct dance_rrset *rs;
	char mname[NAME_BUF];
	size_t ksk = 0, i;
	int n, m;

	a->nsigned = a->nosig = 0;
	if ((rs = lookup(a, "SOA", T_SOA, zone, "", false)) != NULL) {
		const struct dance_rdata *d = &rs->rr[0];

		/* MNAME, RNAME, then the serial. */
		n = dname_text(d->data, d->len, mname, sizeof(mname));
		m = n < 0 ? -1
			  : dname_text(d->data + n, d->len - (size_t)n, mname,
				sizeof(mname));
		if (m < 0 || (size_t)(n + m) + 4 > d->len)
			line(a, V_FAIL,
			    "SOA %s secure, but its RDATA is "
			    "malformed",
			    zone);
		else {
			const unsigned char *s = d->data + n + m;

			line(a, V_OK, "SOA %s secure, serial %lu", zone,
			    (unsigned long)s[0] << 24 |
				(unsigned long)s[1] << 16 |
				(unsigned long)s[2] << 8 | s[3]);
		}
		dance_rrset_free(rs);
	}
	if ((rs = lookup(a, "DNSKEY", T_DNSKEY, zone, "", false)) != NULL) {
		for (i = 0; i < rs->nrr; i++)
			if (rs->rr[i].len >= 2 && (rs->rr[i].data[1] & 1))
				ksk++; /* SEP flag */
		line(a, V_OK, "DNSKEY %s secure, %zu key%s (%zu with SEP flag)",
		    zone, rs->nrr, rs->nrr == 1 ? "" : "s", ksk);
		dance_rrset_free(rs);
	}
}

/*
 * audit_identity - the served TLSA RRset must authenticate the
 * certificate of every generation the DNS must carry now.
 */
static void
audit_identity(struct audit *a, const struct op_profile *p, const char *opdir,
    const struct op_identity *id)
{
	char owner[NAME_BUF], name[NAME_BUF], cert[PATH_MAX], why[512];
	char rec[48];
	int gens[ROLLOVER_MAX_PUBLISHED], ngens, depth, m;
	uint8_t usage = 0;
	const struct dance_tlsa *t;
	struct dance_rrset *rs;
	STACK_OF(X509) * chain;
	X509 *leaf;

	if (op_identity_tlsa_name(p, id, owner, sizeof(owner)) != ZONE_OK ||
	    op_identity_dns_name(p, id, name, sizeof(name)) != ZONE_OK)
		return; /* its element is not in the profile */
	if (rollover_published(opdir, id, gens, &ngens, why, sizeof(why)) !=
	    ZONE_OK) {
		line(a, V_FAIL, "TLSA %s %s: %s", owner, id->id, why);
		return;
	}
	if ((rs = lookup(a, "TLSA", T_TLSA, owner, "", false)) == NULL)
		return;
	t = rs->tlsa;
	for (int g = 0; g < ngens; g++) {
		if (pki_identity_path(opdir, id, gens[g], "cert.pem", cert,
			sizeof(cert)) != ZONE_OK) {
			line(a, V_FAIL,
			    "TLSA %s %s generation %d: path too long", owner,
			    id->id, gens[g]);
			continue;
		}
		if (pki_read_certs(cert, &leaf, &chain, why, sizeof(why)) !=
		    ZONE_OK) {
			line(a, V_FAIL, "TLSA %s %s generation %d: %s", owner,
			    id->id, gens[g], why);
			continue;
		}
		m = dance_tlsa_match_chain(
		    a->ctx, name, t, leaf, chain, !id->client, &depth, &usage);
		X509_free(leaf);
		sk_X509_pop_free(chain, X509_free);
		if (m == DANCE_OK)
			line(a, V_OK,
			    "TLSA %s secure, %s generation %d matches (%s, "
			    "depth %d)",
			    owner, id->id, gens[g],
			    usage == 3 ? "DANE-EE" : "DANE-TA", depth);
		else
			line(a, V_FAIL,
			    "TLSA %s secure, but %s generation %d does not "
			    "match: %s (%zu record%s served, e.g. %s...)",
			    owner, id->id, gens[g], dance_strerror(m), t->nrr,
			    t->nrr == 1 ? "" : "s",
			    t->nrr > 0
				? dance_tlsa_rr_str(&t->rr[0], rec, sizeof(rec))
				: "none");
	}
	dance_rrset_free(rs);
}

/* addr_append - add one address in text to a ", "-separated list */
static void
addr_append(char *list, size_t listlen, const char *addr)
{
	size_t o = strlen(list);

	snprintf(list + o, listlen - o, "%s%s", o > 0 ? ", " : "", addr);
}

/*
 * audit_addrs - the A (family AF_INET) or AAAA RRset of name must be
 * secure and hold every address of that family the profile gives; with
 * none expected, a secure NODATA is fine unless need_data.
 */
static void
audit_addrs(struct audit *a, const char *name, const char *label, int family,
    const struct op_element *el, bool need_data)
{
	const char *type = family == AF_INET ? "A" : "AAAA";
	size_t alen = family == AF_INET ? 4 : 16, i;
	char served[512] = "", missing[512] = "", text[OP_ADDR_MAX];
	unsigned char bin[16];
	struct dance_rrset *rs;
	bool found;

	for (int k = 0; el != NULL && k < el->naddrs; k++)
		if (inet_pton(family, el->addrs[k], bin) == 1)
			addr_append(missing, sizeof(missing), el->addrs[k]);
	rs = lookup(
	    a, type, family == AF_INET ? T_A : T_AAAA, name, label, true);
	if (rs == NULL)
		return;
	if (rs->status == DANCE_DNS_SECURE_NODATA) {
		if (missing[0] != '\0')
			line(a, V_FAIL,
			    "%s %s%s secure NODATA, but the profile "
			    "has %s",
			    type, name, label, missing);
		else
			line(a, need_data ? V_FAIL : V_OK,
			    "%s %s%s secure NODATA (none in the profile)", type,
			    name, label);
		dance_rrset_free(rs);
		return;
	}
	missing[0] = '\0';
	for (i = 0; i < rs->nrr; i++)
		if (rs->rr[i].len == alen &&
		    inet_ntop(family, rs->rr[i].data, text, sizeof(text)))
			addr_append(served, sizeof(served), text);
	for (int k = 0; el != NULL && k < el->naddrs; k++) {
		if (inet_pton(family, el->addrs[k], bin) != 1)
			continue;
		found = false;
		for (i = 0; i < rs->nrr && !found; i++)
			found = rs->rr[i].len == alen &&
			    memcmp(rs->rr[i].data, bin, alen) == 0;
		if (!found)
			addr_append(missing, sizeof(missing), el->addrs[k]);
	}
	if (missing[0] != '\0')
		line(a, V_FAIL, "%s %s%s secure, but lacks %s (served: %s)",
		    type, name, label, missing, served);
	else
		line(a, V_OK, "%s %s%s secure: %s", type, name, label, served);
	dance_rrset_free(rs);
}

/*
 * naptr_parse - the service field and the replacement of a NAPTR RDATA
 * (RFC 3403 §4.1: order, preference, flags, services, regexp, name).
 */
static int
naptr_parse(const struct dance_rdata *d, char *service, size_t slen, char *repl,
    size_t rlen)
{
	size_t pos = 4;
	int n;

	for (int f = 0; f < 3; f++) {
		if (pos >= d->len || pos + 1 + d->data[pos] > d->len)
			return -1;
		if (f == 1)
			snprintf(service, slen, "%.*s", (int)d->data[pos],
			    (const char *)d->data + pos + 1);
		pos += 1 + (size_t)d->data[pos];
	}
	n = dname_text(d->data + pos, d->len - pos, repl, rlen);
	return n < 0 || pos + (size_t)n != d->len ? -1 : 0;
}

/*
 * audit_pointer - a JoinEUI or NetID name: a secure NAPTR "LWNS" record
 * leading to the element's SRV name, and its plain address form.
 */
static void
audit_pointer(struct audit *a, const char *name, const char *label,
    const struct op_element *el)
{
	char want[NAME_BUF], service[256], repl[NAME_BUF], seen[NAME_BUF] = "";
	struct dance_rrset *rs;
	bool v4 = false, v6 = false, ok = false;
	unsigned char bin[16];
	size_t i;

	if ((rs = lookup(a, "NAPTR", T_NAPTR, name, label, false)) != NULL) {
		snprintf(want, sizeof(want), "_lwns._tcp.%s",
		    el->present ? el->host : "");
		for (i = 0; i < rs->nrr && !ok; i++) {
			if (naptr_parse(&rs->rr[i], service, sizeof(service),
				repl, sizeof(repl)) != 0)
				continue;
			snprintf(seen, sizeof(seen), "%s", repl);
			ok = strcasecmp(service, "LWNS") == 0 &&
			    (!el->present || strcasecmp(repl, want) == 0);
		}
		if (ok)
			line(a, V_OK, "NAPTR %s%s secure, \"LWNS\" -> %s", name,
			    label, repl);
		else
			line(a, V_FAIL,
			    "NAPTR %s%s secure, but no \"LWNS\" record leads "
			    "to %s (seen: %s)",
			    name, label, el->present ? want : "the element",
			    seen[0] != '\0' ? seen : "nothing parsable");
		dance_rrset_free(rs);
	}
	for (int k = 0; el->present && k < el->naddrs; k++) {
		if (inet_pton(AF_INET, el->addrs[k], bin) == 1)
			v4 = true;
		else
			v6 = true;
	}
	/* The A form always, unless the element is reached by IPv6 only. */
	if (v4 || !v6)
		audit_addrs(a, name, label, AF_INET, el, true);
	if (v6)
		audit_addrs(a, name, label, AF_INET6, el, true);
}

/* audit_operator - every record the profile implies, and its zone */
static void
audit_operator(struct audit *a, const struct op_profile *p, const char *opdir)
{
	char owner[NAME_BUF], label[64];
	int i;

	zone_apex(a, p->domain);
	for (i = 0; i < OP_NIDENTITIES; i++)
		audit_identity(a, p, opdir, &op_identities[i]);
	for (i = 0; i < OP_NROLES; i++) {
		const struct op_element *el = &p->el[i];

		if (!el->present)
			continue;
		audit_addrs(a, el->host, "", AF_INET, el, false);
		audit_addrs(a, el->host, "", AF_INET6, el, false);
	}
	for (i = 0; i < p->njoineui; i++) {
		const struct op_joineui_range *r = &p->joineui[i];

		snprintf(label, sizeof(label), " (JoinEUI %016llx/%d)",
		    (unsigned long long)r->prefix, r->bits);
		if (op_joineui_owner(p, r, owner, sizeof(owner)) != ZONE_OK) {
			line(a, V_FAIL, "NAPTR%s: no DNS name", label);
			continue;
		}
		/* A wildcard owner: ask for a name it covers. */
		if (owner[0] == '*')
			owner[0] = '0';
		audit_pointer(a, owner, label, &p->el[OP_JS]);
	}
	for (i = 0; i < p->nnetid; i++) {
		snprintf(label, sizeof(label), " (NetID %06lx)",
		    (unsigned long)p->netid[i]);
		if (op_netid_owner(p, p->netid[i], owner, sizeof(owner)) !=
		    ZONE_OK) {
			line(a, V_FAIL, "NAPTR%s: no DNS name", label);
			continue;
		}
		audit_pointer(a, owner, label, &p->el[OP_NS]);
	}
	zone_expiry(a, p->domain);
}

/* zone_arg - a ZONE argument as an absolute name */
static int
zone_arg(const char *arg, char *buf, size_t buflen)
{
	size_t n = strlen(arg);

	if (!op_dname_valid(arg) || n + 2 > buflen)
		return -1;
	snprintf(buf, buflen, "%s%s", arg, arg[n - 1] == '.' ? "" : ".");
	return 0;
}

int
cmd_zone_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"operator", required_argument, NULL, 'o'},
	    {"pki", required_argument, NULL, 'P'},
	    {"warn-days", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    RESOLVER_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static char zones[MAX_ZONES][OP_DNAME_MAX];
	static struct op_profile p;
	const char *name = NULL, *pkidir = NULL;
	char opdir[PATH_MAX];
	struct audit a;
	unsigned long long days = 7;
	int ch, err, nzones = 0, r = CLI_USAGE;

	memset(&a, 0, sizeof(a));
	if ((a.ctx = dance_ctx_new(NULL, &err)) == NULL) {
		fprintf(stderr, "loradane zone audit: resolver: %s\n",
		    dance_strerror(err));
		return CLI_FAIL;
	}
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			name = optarg;
			break;
		case 'P':
			pkidir = optarg;
			break;
		case 'w':
			if (cli_number("warn-days", optarg, 0, 3650, &days) !=
			    0)
				goto out;
			break;
		default:
			if (ch >= RESOLVER_OPT_BASE) {
				if (resolver_opt(a.ctx, ch, optarg) != 0)
					goto out;
				break;
			}
			usage();
			goto out;
		}
	}
	a.warn_secs = (int64_t)days * 86400;
	if ((name == NULL && optind == argc) ||
	    (pkidir != NULL && name == NULL)) {
		usage();
		goto out;
	}
	for (; optind < argc; optind++) {
		if (nzones == MAX_ZONES) {
			fprintf(stderr,
			    "loradane zone audit: at most %d zones\n",
			    MAX_ZONES);
			goto out;
		}
		if (zone_arg(argv[optind], zones[nzones], OP_DNAME_MAX) != 0) {
			fprintf(stderr,
			    "loradane zone audit: %s: not a DNS name\n",
			    argv[optind]);
			goto out;
		}
		nzones++;
	}
	r = CLI_FAIL;
	if (name != NULL &&
	    cli_load_operator("zone audit", pkidir != NULL ? pkidir : "pki",
		name, &p, opdir, sizeof(opdir)) != 0)
		goto out;
	for (int i = 0; i < nzones; i++) {
		/* The operator's domain is audited with its records below. */
		if (name != NULL && strcasecmp(zones[i], p.domain) == 0)
			continue;
		zone_apex(&a, zones[i]);
		zone_expiry(&a, zones[i]);
	}
	if (name != NULL)
		audit_operator(&a, &p, opdir);
	printf("%u check%s, %u problem%s\n", a.checks, a.checks == 1 ? "" : "s",
	    a.problems, a.problems == 1 ? "" : "s");
	r = a.problems == 0 && fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	dance_ctx_free(a.ctx);
	return r;
}
