/*
 * profile.c - the operator profile (operator.conf): reading, writing and
 * the names derived from it.  See profile.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lorawan/ids.h"
#include "util/bytes.h"
#include "util/strnum.h"
#include "zone/profile.h"
#include "zone/zone_err.h"

const struct op_identity op_identities[OP_NIDENTITIES] = {
    {"js-server", OP_JS, false, NULL},
    {"ns-server", OP_NS, false, NULL},
    {"ns-client", OP_NS, true, "_ns-client"},
    {"as-server", OP_AS, false, NULL},
    {"as-client", OP_AS, true, "_as-client"},
};

static const char *const role_names[OP_NROLES] = {"js", "ns", "as"};
static const uint16_t default_ports[OP_NROLES] = {4431, 4432, 4433};
static const char *const key_type_names[] = {"ec-p256", "ed25519", "rsa2048"};

const struct op_identity *
op_identity_find(const char *id)
{
	for (int i = 0; i < OP_NIDENTITIES; i++)
		if (strcmp(op_identities[i].id, id) == 0)
			return &op_identities[i];
	return NULL;
}

const char *
op_role_name(enum op_role role)
{
	return role_names[role];
}

uint16_t
op_role_default_port(enum op_role role)
{
	return default_ports[role];
}

const char *
op_key_type_name(enum op_key_type type)
{
	return key_type_names[type];
}

int
op_key_type_parse(const char *s, enum op_key_type *type)
{
	for (size_t i = 0; i < sizeof(key_type_names) / sizeof(*key_type_names);
	     i++)
		if (strcmp(s, key_type_names[i]) == 0) {
			*type = (enum op_key_type)i;
			return 0;
		}
	return -1;
}

bool
op_dname_valid(const char *name)
{
	size_t len = strlen(name), label = 0;
	bool final_dot = len > 0 && name[len - 1] == '.';

	/* 253 octets in text, not counting one final dot. */
	if (len == 0 || len - final_dot > 253)
		return false;
	if (strcmp(name, ".") == 0)
		return false;
	for (const char *c = name; *c != '\0'; c++) {
		if (*c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* absolute - NAME made absolute and lowercase, relative ones under base */
static int
absolute(const char *name, const char *base, char *out, size_t outlen)
{
	size_t len = strlen(name);
	int n;

	if (!op_dname_valid(name))
		return -1;
	if (name[len - 1] == '.' || base == NULL)
		n = snprintf(
		    out, outlen, "%s%s", name, name[len - 1] == '.' ? "" : ".");
	else
		n = snprintf(out, outlen, "%s.%s", name, base);
	if (n < 0 || (size_t)n >= outlen || !op_dname_valid(out))
		return -1;
	for (char *c = out; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

static bool
operator_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= OP_NAME_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

int
op_profile_init(struct op_profile *p, const char *name, const char *domain,
    char *why, size_t whylen)
{
	memset(p, 0, sizeof(*p));
	if (!operator_name_valid(name))
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "operator name '%s': use 1-63 of [a-z0-9-], not starting "
		    "or ending with '-'",
		    name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (absolute(domain, NULL, p->domain, sizeof(p->domain)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "domain '%s' is not a valid DNS name", domain);
	p->key_type = OP_KEY_EC_P256;
	p->intermediate = true;
	p->ttl = 300;
	p->cert_days = 825;
	if (absolute("joineuis", p->domain, p->joineui_suffix,
		sizeof(p->joineui_suffix)) != 0 ||
	    absolute("netids", p->domain, p->netid_suffix,
		sizeof(p->netid_suffix)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "domain '%s' is too long", domain);
	return ZONE_OK;
}

int
op_profile_set_element(struct op_profile *p, const char *role, const char *host,
    const char *port, char *const *addrs, int naddrs, char *why, size_t whylen)
{
	unsigned char sa[sizeof(struct in6_addr)];
	struct op_element *el = NULL;
	const char *errstr;

	for (int r = 0; r < OP_NROLES; r++)
		if (strcmp(role, role_names[r]) == 0)
			el = &p->el[r];
	if (el == NULL)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "role '%s': expected js, ns or as", role);
	if (absolute(host, p->domain, el->host, sizeof(el->host)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "host '%s' is not a valid DNS name", host);
	el->port = (uint16_t)strnum_parse(port, 1, 65535, &errstr);
	if (errstr != NULL)
		return zone_why(
		    why, whylen, ZONE_ERR_ARG, "port '%s' is %s", port, errstr);
	if (naddrs > OP_MAX_ADDRS)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "at most %d addresses per element", OP_MAX_ADDRS);
	for (int i = 0; i < naddrs; i++) {
		if (inet_pton(AF_INET, addrs[i], sa) != 1 &&
		    inet_pton(AF_INET6, addrs[i], sa) != 1)
			return zone_why(why, whylen, ZONE_ERR_ARG,
			    "address '%s' is not an IPv4 or IPv6 address",
			    addrs[i]);
		snprintf(el->addrs[i], sizeof(el->addrs[i]), "%s", addrs[i]);
	}
	el->naddrs = naddrs;
	el->present = true;
	return ZONE_OK;
}

int
op_profile_add_joineui(
    struct op_profile *p, const char *range, char *why, size_t whylen)
{
	char eui[40];
	const char *slash = strchr(range, '/'), *errstr;
	unsigned long long bits = 64;
	uint64_t prefix;
	size_t len = slash != NULL ? (size_t)(slash - range) : strlen(range);

	if (len >= sizeof(eui))
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "JoinEUI '%s' is not an EUI-64", range);
	memcpy(eui, range, len);
	eui[len] = '\0';
	if (lw_eui64_parse(eui, &prefix) != LW_OK)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "JoinEUI '%s' is not an EUI-64 (16 hex digits)", eui);
	if (slash != NULL) {
		bits = strnum_parse(slash + 1, 4, 64, &errstr);
		if (errstr != NULL || bits % 4 != 0)
			return zone_why(why, whylen, ZONE_ERR_ARG,
			    "JoinEUI range '%s': the prefix length must be "
			    "a multiple of 4 from 4 to 64 (DNS names have "
			    "one label per nibble)",
			    range);
	}
	if (bits < 64 && (prefix & (UINT64_MAX >> bits)) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "JoinEUI range '%s' has bits set after the /%llu prefix",
		    range, bits);
	if (p->njoineui == OP_MAX_JOINEUI)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "at most %d JoinEUI ranges", OP_MAX_JOINEUI);
	p->joineui[p->njoineui].prefix = prefix;
	p->joineui[p->njoineui].bits = (int)bits;
	p->njoineui++;
	return ZONE_OK;
}

int
op_profile_add_netid(
    struct op_profile *p, const char *netid, char *why, size_t whylen)
{
	uint8_t b[3];
	const char *err;

	if (bytes_from_hex_exact(netid, b, sizeof(b), &err) != 0)
		return zone_why(why, whylen, ZONE_ERR_ARG,
		    "NetID '%s' is not 6 hex digits: %s", netid, err);
	if (p->nnetid == OP_MAX_NETID)
		return zone_why(why, whylen, ZONE_ERR_ARG, "at most %d NetIDs",
		    OP_MAX_NETID);
	p->netid[p->nnetid++] =
	    (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	return ZONE_OK;
}

int
op_identity_dns_name(const struct op_profile *p, const struct op_identity *id,
    char *buf, size_t buflen)
{
	const struct op_element *el = &p->el[id->role];
	size_t hlen = strlen(el->host);
	int n;

	if (!el->present)
		return ZONE_ERR_NOTFOUND;
	if (id->client)
		n = snprintf(buf, buflen, "%s.%.*s", id->service,
		    (int)(hlen - 1), el->host);
	else
		n = snprintf(buf, buflen, "%.*s", (int)(hlen - 1), el->host);
	return n < 0 || (size_t)n >= buflen ? ZONE_ERR_ARG : ZONE_OK;
}

int
op_identity_tlsa_name(const struct op_profile *p, const struct op_identity *id,
    char *buf, size_t buflen)
{
	const struct op_element *el = &p->el[id->role];
	int n;

	if (!el->present)
		return ZONE_ERR_NOTFOUND;
	if (id->client)
		n = snprintf(buf, buflen, "%s.%s", id->service, el->host);
	else
		n = snprintf(buf, buflen, "_%u._tcp.%s", el->port, el->host);
	return n < 0 || (size_t)n >= buflen ? ZONE_ERR_ARG : ZONE_OK;
}

int
op_joineui_owner(const struct op_profile *p, const struct op_joineui_range *r,
    char *buf, size_t buflen)
{
	char full[OP_DNAME_MAX + 40];
	size_t skip = (size_t)(16 - r->bits / 4) * 2;
	int n;

	if (lw_joineui_dns_name(
		r->prefix, p->joineui_suffix, full, sizeof(full)) != LW_OK)
		return ZONE_ERR_ARG;
	/* Each nibble label is "x.": a /B prefix keeps the last B/4. */
	n = snprintf(buf, buflen, "%s%s", skip > 0 ? "*." : "", full + skip);
	return n < 0 || (size_t)n >= buflen ? ZONE_ERR_ARG : ZONE_OK;
}

int
op_netid_owner(
    const struct op_profile *p, uint32_t netid, char *buf, size_t buflen)
{
	return lw_netid_dns_name(netid, p->netid_suffix, buf, buflen) == LW_OK
	    ? ZONE_OK
	    : ZONE_ERR_ARG;
}
