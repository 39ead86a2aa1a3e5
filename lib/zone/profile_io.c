/*
 * profile_io.c - reading and writing operator.conf.  The reader is one
 * table (util/config.h); the writer prints the same directives back, so a
 * profile written by "pki init" reads back into the same structure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lorawan/ids.h"
#include "util/safefile.h"
#include "util/strnum.h"
#include "zone/profile.h"
#include "zone/zone_err.h"

static int
set_operator(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	struct op_profile *p = t, tmp;

	/* Checks the name; the domain is set by its own directive. */
	if (op_profile_init(&tmp, l->argv[0], "x.", why, whylen) != ZONE_OK)
		return -1;
	snprintf(p->name, sizeof(p->name), "%s", l->argv[0]);
	return 0;
}

static int
set_domain(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	struct op_profile *p = t, tmp;

	if (op_profile_init(&tmp, "x", l->argv[0], why, whylen) != ZONE_OK)
		return -1;
	snprintf(p->domain, sizeof(p->domain), "%s", tmp.domain);
	return 0;
}

static int
set_suffix(char *dst, size_t dstlen, const char *name, char *why, size_t whylen)
{
	size_t len = strlen(name);

	if (!op_dname_valid(name) || name[len - 1] != '.' || len >= dstlen) {
		zone_why(why, whylen, ZONE_ERR_ARG,
		    "'%s' is not an absolute DNS name (end it with a dot)",
		    name);
		return -1;
	}
	snprintf(dst, dstlen, "%s", name);
	return 0;
}

static int
set_joineui_suffix(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct op_profile *p = t;

	return set_suffix(
	    p->joineui_suffix, sizeof(p->joineui_suffix), l->argv[0], why, n);
}

static int
set_netid_suffix(void *t, const struct cfg_line *l, char *why, size_t n)
{
	struct op_profile *p = t;

	return set_suffix(
	    p->netid_suffix, sizeof(p->netid_suffix), l->argv[0], why, n);
}

static int
set_key_type(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	struct op_profile *p = t;

	if (op_key_type_parse(l->argv[0], &p->key_type) == 0)
		return 0;
	zone_why(why, whylen, ZONE_ERR_ARG,
	    "'%s': expected ec-p256, ed25519 or rsa2048", l->argv[0]);
	return -1;
}

static int
set_bool(bool *dst, const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
		*dst = strcmp(v, "yes") == 0;
		return 0;
	}
	zone_why(why, whylen, ZONE_ERR_ARG, "'%s': expected yes or no", v);
	return -1;
}

static int
set_self_signed(void *t, const struct cfg_line *l, char *why, size_t n)
{
	return set_bool(
	    &((struct op_profile *)t)->self_signed, l->argv[0], why, n);
}

static int
set_intermediate(void *t, const struct cfg_line *l, char *why, size_t n)
{
	return set_bool(
	    &((struct op_profile *)t)->intermediate, l->argv[0], why, n);
}

static int
set_number(unsigned long long *v, const char *s, unsigned long long min,
    unsigned long long max, char *why, size_t whylen)
{
	const char *errstr;

	*v = strnum_parse(s, min, max, &errstr);
	if (errstr == NULL)
		return 0;
	zone_why(why, whylen, ZONE_ERR_ARG, "'%s' is %s (%llu..%llu)", s,
	    errstr, min, max);
	return -1;
}

static int
set_ttl(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	unsigned long long v;

	if (set_number(&v, l->argv[0], 1, 86400, why, whylen) != 0)
		return -1;
	((struct op_profile *)t)->ttl = (uint32_t)v;
	return 0;
}

static int
set_cert_days(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	unsigned long long v;

	if (set_number(&v, l->argv[0], 1, 36500, why, whylen) != 0)
		return -1;
	((struct op_profile *)t)->cert_days = (unsigned)v;
	return 0;
}

static int
set_element(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	struct op_profile *p = t;

	if (p->domain[0] == '\0') {
		zone_why(why, whylen, ZONE_ERR_ARG,
		    "'domain' must come before 'element'");
		return -1;
	}
	return op_profile_set_element(p, l->argv[0], l->argv[1], l->argv[2],
		   l->argv + 3, l->argc - 3, why, whylen) == ZONE_OK
	    ? 0
	    : -1;
}

static int
add_joineui(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	return op_profile_add_joineui(t, l->argv[0], why, whylen) == ZONE_OK
	    ? 0
	    : -1;
}

static int
add_netid(void *t, const struct cfg_line *l, char *why, size_t whylen)
{
	return op_profile_add_netid(t, l->argv[0], why, whylen) == ZONE_OK ? 0
									   : -1;
}

static const struct cfg_directive profile_table[] = {
    {"operator", 1, 1, false, true, set_operator, "NAME"},
    {"domain", 1, 1, false, true, set_domain, "DOMAIN"},
    {"key-type", 1, 1, false, false, set_key_type, "ec-p256|ed25519|rsa2048"},
    {"self-signed", 1, 1, false, false, set_self_signed, "yes|no"},
    {"intermediate", 1, 1, false, false, set_intermediate, "yes|no"},
    {"ttl", 1, 1, false, false, set_ttl, "SECONDS"},
    {"cert-days", 1, 1, false, false, set_cert_days, "DAYS"},
    {"joineui-suffix", 1, 1, false, false, set_joineui_suffix, "NAME."},
    {"netid-suffix", 1, 1, false, false, set_netid_suffix, "NAME."},
    {"element", 3, 3 + OP_MAX_ADDRS, true, false, set_element,
	"js|ns|as HOST PORT [ADDRESS...]"},
    {"joineui", 1, 1, true, false, add_joineui, "EUI64[/BITS]"},
    {"netid", 1, 1, true, false, add_netid, "NETID"},
    {NULL, 0, 0, false, false, NULL, NULL},
};

static int
default_suffix(char *dst, size_t dstlen, const char *label, const char *domain)
{
	int n = snprintf(dst, dstlen, "%s.%s", label, domain);

	return n < 0 || (size_t)n >= dstlen || !op_dname_valid(dst) ? -1 : 0;
}

int
op_profile_parse(FILE *f, const char *path, struct op_profile *p,
    cfg_report_fn report, void *arg, char *why, size_t whylen)
{
	int errors;

	memset(p, 0, sizeof(*p));
	p->key_type = OP_KEY_EC_P256;
	p->intermediate = true;
	p->ttl = 300;
	p->cert_days = 825;
	errors = cfg_read_stream(f, path, profile_table, p, report, arg);
	if (errors != 0)
		return zone_why(why, whylen, ZONE_ERR_PARSE, "%s: %d error%s",
		    path, errors, errors == 1 ? "" : "s");
	/* Suffixes default to names under the domain read from the file. */
	if ((p->joineui_suffix[0] == '\0' &&
		default_suffix(p->joineui_suffix, sizeof(p->joineui_suffix),
		    "joineuis", p->domain) != 0) ||
	    (p->netid_suffix[0] == '\0' &&
		default_suffix(p->netid_suffix, sizeof(p->netid_suffix),
		    "netids", p->domain) != 0))
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: domain too long for the default suffixes", path);
	return ZONE_OK;
}

int
op_profile_load(const char *pkidir, const char *name, struct op_profile *p,
    cfg_report_fn report, void *arg, char *why, size_t whylen)
{
	char path[4096];
	FILE *f;
	int r;

	if (op_profile_init(p, name, "x.", why, whylen) != ZONE_OK)
		return ZONE_ERR_NOTFOUND;
	snprintf(path, sizeof(path), "%s/%s/operator.conf", pkidir, name);
	if ((f = fopen(path, "r")) == NULL)
		return zone_why(why, whylen, ZONE_ERR_NOTFOUND,
		    "unknown operator '%s': no %s (run \"loradane pki init "
		    "--operator %s\" first)",
		    name, path, name);
	r = op_profile_parse(f, path, p, report, arg, why, whylen);
	fclose(f);
	if (r == ZONE_OK && strcmp(p->name, name) != 0)
		return zone_why(why, whylen, ZONE_ERR_PARSE,
		    "%s: operator is '%s', not '%s'", path, p->name, name);
	return r;
}

int
op_profile_write(
    const struct op_profile *p, const char *dir, char *why, size_t whylen)
{
	char path[4096], eui[LW_EUI64_STRLEN];
	FILE *f;

	snprintf(path, sizeof(path), "%s/operator.conf", dir);
	if ((f = safefile_create(path, 0644)) == NULL)
		return zone_why(why, whylen,
		    errno == EEXIST ? ZONE_ERR_EXISTS : ZONE_ERR_IO, "%s: %s",
		    path, strerror(errno));
	fprintf(f,
	    "# Operator profile, written by \"loradane pki init\".  Edit the\n"
	    "# elements, JoinEUI ranges and NetIDs, then print the records to\n"
	    "# publish with \"loradane zone records --operator %s\".\n"
	    "operator %s\ndomain %s\nkey-type %s\nself-signed %s\n"
	    "intermediate %s\nttl %u\ncert-days %u\njoineui-suffix %s\n"
	    "netid-suffix %s\n\n# element ROLE HOST PORT [ADDRESS...]\n",
	    p->name, p->name, p->domain, op_key_type_name(p->key_type),
	    p->self_signed ? "yes" : "no", p->intermediate ? "yes" : "no",
	    p->ttl, p->cert_days, p->joineui_suffix, p->netid_suffix);
	for (int r = 0; r < OP_NROLES; r++) {
		if (!p->el[r].present)
			continue;
		fprintf(f, "element %s %s %u", op_role_name((enum op_role)r),
		    p->el[r].host, p->el[r].port);
		for (int i = 0; i < p->el[r].naddrs; i++)
			fprintf(f, " %s", p->el[r].addrs[i]);
		fputc('\n', f);
	}
	fprintf(f, "\n# JoinEUI ranges served by this operator's JS\n");
	for (int i = 0; i < p->njoineui; i++) {
		lw_eui64_format(p->joineui[i].prefix, eui, sizeof(eui));
		fprintf(f, "joineui %s/%d\n", eui, p->joineui[i].bits);
	}
	fprintf(f, "\n# NetIDs of this operator's NS\n");
	for (int i = 0; i < p->nnetid; i++)
		fprintf(f, "netid %06x\n", (unsigned)p->netid[i]);
	if (safefile_commit(f, path) != 0)
		return zone_why(
		    why, whylen, ZONE_ERR_IO, "%s: write failed", path);
	return ZONE_OK;
}
