/*
 * sign.c - DNSSEC zone signing on ldns (see sign.h): read and check the
 * zone, get its KSK and ZSK (sign_keys.c), sign, write the result through
 * a temporary file and a rename, compute the DS.  Nothing is printed; new
 * keys reach the disk only once the zone has been signed and written.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* These in this order: see ldns_compat.h. */
#include "zone/ldns_compat.h"
#include <ldns/rr.h>
#include <ldns/dname.h>
#include <ldns/dnssec.h>
#include <ldns/dnssec_sign.h>
#include <ldns/dnssec_zone.h>
#include <ldns/error.h>
#include <ldns/host2str.h>
#include <ldns/keys.h>
#include <ldns/rdata.h>
#include <ldns/zone.h>

#include "util/safefile.h"
#include "util/strnum.h"
#include "zone/sign.h"
#include "zone/sign_int.h"
#include "zone/zone_err.h"

#define NAME_MAX_TEXT (LDNS_MAX_DOMAINLEN * 4 + 2) /* every octet \DDD */

/* dec - the value of n decimal digits, already checked */
static int
dec(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

int
zone_sign_when(
    const char *s, time_t now, int64_t *out, char *why, size_t whylen)
{
	static const char units[] = "smhd";
	static const int64_t secs[] = {1, 60, 3600, 86400};
	const char *errstr, *u = NULL;
	char buf[16];
	struct tm tm;
	size_t n = strlen(s), d = strspn(s + (n > 0), "0123456789");
	int64_t v;
	time_t t;

	if (n >= 3 && n < sizeof(buf) && (s[0] == '+' || s[0] == '-'))
		u = strchr(units, s[n - 1]);
	if (strcmp(s, "now") == 0) {
		v = now;
	} else if (u != NULL && *u != '\0' && d == n - 2) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		/* At most 200 years, so the product cannot overflow. */
		v = (int64_t)strnum_parse(buf, 0,
		    (unsigned long long)(6311520000 / secs[u - units]),
		    &errstr);
		if (errstr != NULL)
			return zone_why(
			    why, whylen, ZONE_ERR_ARG, "'%s': %s", s, errstr);
		v = s[0] == '+' ? now + v * secs[u - units]
				: now - v * secs[u - units];
	} else if (n == 14 && strspn(s, "0123456789") == 14) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = dec(s, 4) - 1900;
		tm.tm_mon = dec(s + 4, 2) - 1;
		tm.tm_mday = dec(s + 6, 2);
		tm.tm_hour = dec(s + 8, 2);
		tm.tm_min = dec(s + 10, 2);
		tm.tm_sec = dec(s + 12, 2);
		/* timegm() takes 20260231 for 3 March: print it back. */
		t = timegm(&tm);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm) != 14 ||
		    strcmp(buf, s) != 0)
			return zone_why(why, whylen, ZONE_ERR_ARG,
			    "'%s': no such time (YYYYMMDDHHMMSS, UTC)", s);
		v = t;
	} else {
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "'%s': want YYYYMMDDHHMMSS (UTC), now, or +N/-N with a "
		    "unit s, m, h or d",
		    s);
	}
	/* RRSIG times are 32-bit seconds (RFC 4034 §3.1.5). */
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "'%s': outside 1970-2106, what an RRSIG can express", s);
	*out = v;
	return ZONE_OK;
}

/*
 * sign_zone_parse - ldns_zone_new_frm_fp_l() without its flaws: on a syntax
 * error that one frees the record list but not the records, and it drops
 * a second SOA silently (here it joins the list, where zone_read()
 * refuses it).  Same TTL rule: $TTL, else the previous record's TTL.
 */
ldns_status
sign_zone_parse(FILE *fp, const ldns_rdf *origin, ldns_zone **zp, int *line)
{
	ldns_rdf *orig = ldns_rdf_clone(origin), *prev = ldns_rdf_clone(origin);
	ldns_zone *z = ldns_zone_new();
	ldns_status st, s;
	uint32_t ttl = 3600;
	int have_ttl = 0;
	ldns_rr *rr;

	st = orig && prev && z ? LDNS_STATUS_OK : LDNS_STATUS_MEM_ERR;
	while (st == LDNS_STATUS_OK && !feof(fp)) {
		rr = NULL;
		s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &orig, &prev, line);
		if (s == LDNS_STATUS_SYNTAX_TTL) {
			have_ttl = 1;
		} else if (s == LDNS_STATUS_SYNTAX_INCLUDE) {
			st = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
		} else if (s == LDNS_STATUS_OK) {
			if (!have_ttl)
				ttl = ldns_rr_ttl(rr);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_zone_soa(z) == NULL)
				ldns_zone_set_soa(z, rr);
			else if (!ldns_zone_push_rr(z, rr)) {
				ldns_rr_free(rr);
				st = LDNS_STATUS_MEM_ERR;
			}
		} else if (s != LDNS_STATUS_SYNTAX_EMPTY &&
		    s != LDNS_STATUS_SYNTAX_ORIGIN) {
			st = s;
		}
	}
	ldns_rdf_deep_free(orig);
	ldns_rdf_deep_free(prev);
	if (st == LDNS_STATUS_OK)
		*zp = z;
	else if (z != NULL)
		ldns_zone_deep_free(z);
	return st;
}

/* zone_check - the zone is this one, unsigned, and holds nothing else */
static int
zone_check(const char *name, ldns_zone *z, const ldns_rdf *origin, char *why,
    size_t whylen)
{
	char a[NAME_MAX_TEXT], b[NAME_MAX_TEXT], *t;
	ldns_rr_type type;
	ldns_rr *rr;
	size_t i;

	if (ldns_zone_soa(z) == NULL)
		return zone_why(
		    why, whylen, ZONE_ERR_PARSE, "%s: no SOA record", name);
	zone_rdf_str(origin, b, sizeof(b));
	if (ldns_dname_compare(ldns_rr_owner(ldns_zone_soa(z)), origin) != 0)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: the SOA owner %s is not the origin %s", name,
		    zone_rdf_str(ldns_rr_owner(ldns_zone_soa(z)), a, sizeof(a)),
		    b);
	for (i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++) {
		rr = ldns_rr_list_rr(ldns_zone_rrs(z), i);
		type = ldns_rr_get_type(rr);
		zone_rdf_str(ldns_rr_owner(rr), a, sizeof(a));
		if (type == LDNS_RR_TYPE_SOA)
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s: a second SOA record, at %s", name, a);
		if (ldns_dname_compare(ldns_rr_owner(rr), origin) != 0 &&
		    !ldns_dname_is_subdomain(ldns_rr_owner(rr), origin))
			return zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s: %s is outside the zone %s", name, a, b);
		/* Old keys, signatures or chains would be served as if ours. */
		if (type == LDNS_RR_TYPE_DNSKEY || type == LDNS_RR_TYPE_RRSIG ||
		    type == LDNS_RR_TYPE_NSEC || type == LDNS_RR_TYPE_NSEC3 ||
		    type == LDNS_RR_TYPE_NSEC3PARAM) {
			t = ldns_rr_type2str(type);
			zone_why(why, whylen, ZONE_ERR_PARSE,
			    "%s: %s %s: the signer makes DNSSEC records "
			    "itself; give the unsigned zone",
			    name, a, t != NULL ? t : "?");
			free(t);
			return ZONE_ERR_PARSE;
		}
	}
	return ZONE_OK;
}

/* zone_read - parse and check the zone file ("-": stdin) */
static int
zone_read(const char *path, const ldns_rdf *origin, ldns_zone **zp, char *why,
    size_t whylen)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	ldns_status st;
	FILE *fp;
	int line = 0;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: %s", path, strerror(errno));
	st = sign_zone_parse(fp, origin, zp, &line);
	if (fp != stdin)
		fclose(fp);
	if (st != LDNS_STATUS_OK)
		return zone_why(why, whylen, ZONE_ERR_PARSE, "%s line %d: %s",
		    name, line, ldns_get_errorstr_by_id(st));
	return zone_check(name, *zp, origin, why, whylen);
}

/* out_write - the signed zone into a synced temporary file beside out */
static int
out_write(const char *out, ldns_dnssec_zone *dz, char *tmp, size_t tmplen,
    char *why, size_t whylen)
{
	FILE *fp;
	int fd, e = 0;

	if ((size_t)snprintf(tmp, tmplen, "%s.XXXXXX", out) >= tmplen)
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "%s: name too long", out);
	if ((fd = mkstemp(tmp)) < 0)
		return zone_why(why, whylen, ZONE_ERR_IO,
		    "%s: cannot create a file beside it: %s", out,
		    strerror(errno));
	/* A signed zone is public; name servers often run as other users. */
	if (fchmod(fd, 0644) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
	} else {
		errno = 0;
		ldns_dnssec_zone_print_fmt(
		    fp, ldns_output_format_nocomments, dz);
		if (ferror(fp) || fflush(fp) != 0 || fsync(fileno(fp)) != 0)
			e = errno != 0 ? errno : EIO;
		if (fclose(fp) != 0 && e == 0)
			e = errno;
	}
	if (e == 0)
		return ZONE_OK;
	unlink(tmp);
	return zone_why(why, whylen, ZONE_ERR_IO, "%s: %s", out, strerror(e));
}

/* zone_fill - the SOA, the records and the DNSKEY RRset into dz */
static int
zone_fill(ldns_zone *z, ldns_dnssec_zone *dz, struct sign_keyset *ks,
    uint32_t ttl, char *why, size_t whylen)
{
	ldns_rr *rr;
	size_t i;
	int k;

	/* Clones, owned by z as every record is (zone_sign() frees z). */
	for (k = 0; k < 2; k++) {
		ldns_rr_set_ttl(ks->dnskey[k], ttl);
		rr = ldns_rr_clone(ks->dnskey[k]);
		if (rr == NULL || !ldns_zone_push_rr(z, rr)) {
			ldns_rr_free(rr);
			return zone_why(
			    why, whylen, ZONE_ERR_NOMEM, "out of memory");
		}
	}
	if (ldns_dnssec_zone_add_rr(dz, ldns_zone_soa(z)) != LDNS_STATUS_OK)
		return zone_why(
		    why, whylen, ZONE_ERR_SIGN, "cannot add the SOA");
	for (i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++) {
		rr = ldns_rr_list_rr(ldns_zone_rrs(z), i);
		if (ldns_dnssec_zone_add_rr(dz, rr) != LDNS_STATUS_OK) {
			char a[NAME_MAX_TEXT];

			return zone_why(why, whylen, ZONE_ERR_SIGN,
			    "cannot add a record of %s",
			    zone_rdf_str(ldns_rr_owner(rr), a, sizeof(a)));
		}
	}
	return ZONE_OK;
}

/* ds_line - the KSK's SHA-256 DS as one zone-file line, no newline */
static int
ds_line(const ldns_rr *ksk, char *out, size_t len, char *why, size_t whylen)
{
	ldns_rr *ds = ldns_key_rr2ds(ksk, LDNS_SHA256);
	char *s = ds != NULL ? ldns_rr2str(ds) : NULL;
	int err = ZONE_OK;

	if (s == NULL || strlen(s) >= len)
		err = zone_why(why, whylen, ZONE_ERR_KEY, "cannot make the DS");
	else
		snprintf(out, len, "%.*s", (int)strcspn(s, "\n"), s);
	free(s);
	ldns_rr_free(ds);
	return err;
}

/* same_file - whether a and b name one existing file */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* origin_new - the canonical origin and the key file prefix K<zone>+013+ */
static ldns_rdf *
origin_new(const char *name, char *prefix, size_t len)
{
	ldns_rdf *r = ldns_dname_new_frm_str(name);
	char *s;

	if (r == NULL)
		return NULL;
	ldns_dname2canonical(r);
	s = ldns_rdf2str(r);
	/* A '/' in a label would put key files in another directory. */
	if (s == NULL || strchr(s, '/') != NULL ||
	    (size_t)snprintf(prefix, len, "K%s+013+", s) >= len) {
		ldns_rdf_deep_free(r);
		r = NULL;
	}
	free(s);
	return r;
}

int
zone_sign(const struct zone_sign_opts *o, struct zone_sign_result *res,
    char *why, size_t whylen)
{
	char prefix[NAME_MAX_TEXT + 16], tmp[PATH_MAX + 8];
	static uint8_t no_salt[1];
	struct sign_keyset ks;
	ldns_rdf *origin = NULL;
	ldns_zone *z = NULL;
	ldns_dnssec_zone *dz = NULL;
	ldns_rr_list *added = NULL;
	ldns_status st;
	uint32_t ttl;
	int err, i;

	memset(res, 0, sizeof(*res));
	memset(&ks, 0, sizeof(ks));
	if (o->out_path == NULL && strcmp(o->in_path, "-") == 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "an output file is needed when the zone is read from "
		    "stdin");
	if (o->inception < 0 || o->expiration > (int64_t)UINT32_MAX ||
	    o->expiration <= o->inception)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "expiration %lld is not after inception %lld",
		    (long long)o->expiration, (long long)o->inception);
	if ((size_t)snprintf(res->out_path, sizeof(res->out_path), "%s%s",
		o->out_path != NULL ? o->out_path : o->in_path,
		o->out_path != NULL ? "" : ".signed") >= sizeof(res->out_path))
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "output file name too long");
	if (same_file(o->in_path, res->out_path))
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "%s: the output would replace the input", res->out_path);
	if ((origin = origin_new(o->origin, prefix, sizeof(prefix))) == NULL)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "origin '%s': not a usable domain name", o->origin);

	err = zone_read(o->in_path, origin, &z, why, whylen);
	if (err == ZONE_OK && (ks.list = ldns_key_list_new()) == NULL)
		err = zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	if (err == ZONE_OK)
		err =
		    sign_keys_find(o->keydir, prefix, origin, &ks, why, whylen);
	if (err == ZONE_OK && ks.key[KSK] == NULL) {
		res->created = 1;
		err =
		    sign_keys_make(o->keydir, prefix, origin, &ks, why, whylen);
	}
	if (err != ZONE_OK)
		goto out;
	for (i = 0; i < 2; i++) {
		ldns_key_set_inception(ks.key[i], (uint32_t)o->inception);
		ldns_key_set_expiration(ks.key[i], (uint32_t)o->expiration);
	}
	ttl = o->ttl_dnskey;
	if (ttl == 0)
		ttl = ldns_rdf2native_int32(ldns_rr_rdf(ldns_zone_soa(z), 6));
	if (ttl == 0)
		ttl = 3600;
	dz = ldns_dnssec_zone_new();
	added = ldns_rr_list_new();
	err = dz != NULL && added != NULL
	    ? zone_fill(z, dz, &ks, ttl, why, whylen)
	    : zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	if (err == ZONE_OK)
		err = ds_line(
		    ks.dnskey[KSK], res->ds, sizeof(res->ds), why, whylen);
	if (err != ZONE_OK)
		goto out;
	/* Flags 0: the KSK signs the DNSKEY RRset only, the ZSK the rest. */
	if (o->nsec3)
		st = ldns_dnssec_zone_sign_nsec3_flg(dz, added, ks.list,
		    ldns_dnssec_default_replace_signatures, NULL,
		    1 /* SHA-1, the only NSEC3 hash */, 0, 0, 0, no_salt, 0);
	else
		st = ldns_dnssec_zone_sign_flg(dz, added, ks.list,
		    ldns_dnssec_default_replace_signatures, NULL, 0);
	if (st != LDNS_STATUS_OK) {
		err = zone_why(why, whylen, ZONE_ERR_SIGN, "%s",
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	/* Output first, keys second, rename last: until the rename (in the
	 * directory the temporary file was just made in) a failure leaves
	 * neither a new key nor a new zone file. */
	err = out_write(res->out_path, dz, tmp, sizeof(tmp), why, whylen);
	if (err != ZONE_OK)
		goto out;
	if (res->created)
		err = sign_keys_store(o->keydir, &ks, why, whylen);
	if (err == ZONE_OK && rename(tmp, res->out_path) != 0)
		err = zone_why(why, whylen, ZONE_ERR_IO, "%s: %s",
		    res->out_path, strerror(errno));
	if (err != ZONE_OK) {
		unlink(tmp);
		goto out;
	}
	(void)safefile_sync_parent(res->out_path); /* best effort */
	for (i = 0; i < 2; i++)
		snprintf(i == KSK ? res->ksk : res->zsk, sizeof(res->ksk), "%s",
		    ks.base[i]);
	res->ksk_tag = ldns_key_keytag(ks.key[KSK]);
	res->zsk_tag = ldns_key_keytag(ks.key[ZSK]);
out:
	/* z and dz share the records: z frees them (as ldns-signzone). */
	ldns_dnssec_zone_free(dz);
	if (z != NULL)
		ldns_zone_deep_free(z);
	ldns_rr_list_deep_free(added);
	for (i = 0; i < 2; i++)
		ldns_rr_free(ks.dnskey[i]);
	if (ks.list != NULL)
		ldns_key_list_free(ks.list);
	ldns_rdf_deep_free(origin);
	return err;
}
