/*
 * profile.h - an operator's profile: who it is, its DNS domain, its three
 * backend elements (JS, NS, AS) with their hosts, ports and addresses, the
 * JoinEUI ranges its JS serves and the NetIDs of its NS.
 *
 * It lives in PKIDIR/OPERATOR/operator.conf, written by "loradane pki
 * init" and edited by the operator; every other verb (zone records,
 * rollover, audit) reads it, so that the names used in certificates, in
 * the zone and by the audit are the same names.
 *
 * Identities: each element has a server identity, and the NS and AS also
 * a client identity.  An identity's keys live in PKIDIR/OPERATOR/ID/ (a
 * symbolic link to the current generation directory ID.N/, which holds
 * key.pem and cert.pem); see pki.h.
 */
#ifndef LIB_ZONE_PROFILE_H
#define LIB_ZONE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/config.h"

#define OP_NAME_MAX 64
#define OP_DNAME_MAX 256 /* 253 octets in text, a trailing dot, NUL */
#define OP_ADDR_MAX 46   /* INET6_ADDRSTRLEN */
#define OP_MAX_ADDRS 8
#define OP_MAX_JOINEUI 32
#define OP_MAX_NETID 16

enum op_role { OP_JS, OP_NS, OP_AS, OP_NROLES };

enum op_key_type { OP_KEY_EC_P256, OP_KEY_ED25519, OP_KEY_RSA2048 };

struct op_element {
	bool present;
	char host[OP_DNAME_MAX]; /* absolute, with the trailing dot */
	uint16_t port;
	int naddrs;
	char addrs[OP_MAX_ADDRS][OP_ADDR_MAX];
};

struct op_joineui_range {
	uint64_t prefix;
	int bits; /* 4..64, a multiple of 4: DNS names are per nibble */
};

struct op_profile {
	char name[OP_NAME_MAX];
	char domain[OP_DNAME_MAX]; /* absolute, with the trailing dot */
	enum op_key_type key_type;
	bool self_signed;
	bool intermediate;
	uint32_t ttl;
	unsigned cert_days;
	char joineui_suffix[OP_DNAME_MAX];
	char netid_suffix[OP_DNAME_MAX];
	struct op_element el[OP_NROLES];
	int njoineui;
	struct op_joineui_range joineui[OP_MAX_JOINEUI];
	int nnetid;
	uint32_t netid[OP_MAX_NETID];
};

/* A TLS identity of an element. */
struct op_identity {
	const char *id;      /* "ns-client": the directory name */
	enum op_role role;   /* whose host it is named under */
	bool client;         /* client identity: TLSA at _SERVICE.HOST */
	const char *service; /* "_ns-client"; NULL for servers */
};

/* The five identities, in a fixed order; count in OP_NIDENTITIES. */
extern const struct op_identity op_identities[];
#define OP_NIDENTITIES 5

/**
 * @return the identity named id ("js-server", ...), or NULL.
 */
const struct op_identity *op_identity_find(const char *id);

/** @return "js", "ns" or "as". */
const char *op_role_name(enum op_role role);

/** @return the port an element listens on unless told otherwise. */
uint16_t op_role_default_port(enum op_role role);

/** @return "ec-p256", "ed25519" or "rsa2048". */
const char *op_key_type_name(enum op_key_type type);

/**
 * Parse a key type name.
 * @return 0, or -1 if the name is unknown.
 */
int op_key_type_parse(const char *s, enum op_key_type *type);

/**
 * Fill p with the defaults for an operator (ports 4431-4433, TTL 300,
 * suffixes under the domain) and check name and domain.
 * @return ZONE_OK or ZONE_ERR_ARG with the reason in why.
 */
int op_profile_init(struct op_profile *p, const char *name, const char *domain,
    char *why, size_t whylen);

/**
 * Read PKIDIR/NAME/operator.conf.
 * @param report, arg: receive each error with its line (may be NULL).
 * @return ZONE_OK, ZONE_ERR_NOTFOUND (no such operator: why says so) or
 *	ZONE_ERR_PARSE (the errors went to report).
 */
int op_profile_load(const char *pkidir, const char *name, struct op_profile *p,
    cfg_report_fn report, void *arg, char *why, size_t whylen);

/**
 * Parse a profile from an open stream (what op_profile_load does once the
 * file is open); path names it in reports.
 * @return ZONE_OK or ZONE_ERR_PARSE.
 */
int op_profile_parse(FILE *f, const char *path, struct op_profile *p,
    cfg_report_fn report, void *arg, char *why, size_t whylen);

/**
 * Write p as PKIDIR/NAME/operator.conf (created exclusively, mode 0644),
 * or into dir/operator.conf when dir is given.
 * @return ZONE_OK, ZONE_ERR_EXISTS or ZONE_ERR_IO.
 */
int op_profile_write(
    const struct op_profile *p, const char *dir, char *why, size_t whylen);

/**
 * Parse and add an element ("js" HOST PORT ADDR...), a JoinEUI range
 * ("70b3d57ed0000000/36") or a NetID ("000013").  Used by the profile
 * reader and by "pki init" options alike.  HOST without a trailing dot is
 * taken relative to the domain.
 * @return ZONE_OK or ZONE_ERR_ARG with the bad field named in why.
 */
int
op_profile_set_element(struct op_profile *p, const char *role, const char *host,
    const char *port, char *const *addrs, int naddrs, char *why, size_t whylen);
int op_profile_add_joineui(
    struct op_profile *p, const char *range, char *why, size_t whylen);
int op_profile_add_netid(
    struct op_profile *p, const char *netid, char *why, size_t whylen);

/**
 * The TLSA owner name of an identity: "_PORT._tcp.HOST" for a server,
 * "_SERVICE.HOST" for a client (dane-dance §2.1), absolute.
 * @return ZONE_OK, ZONE_ERR_NOTFOUND (element absent) or ZONE_ERR_ARG.
 */
int op_identity_tlsa_name(const struct op_profile *p,
    const struct op_identity *id, char *buf, size_t buflen);

/**
 * The name of an identity as its certificate's SAN carries it: the host
 * for a server, "_SERVICE.HOST" (no trailing dot) for a client.
 */
int op_identity_dns_name(const struct op_profile *p,
    const struct op_identity *id, char *buf, size_t buflen);

/**
 * Check a DNS name in text: labels of 1-63 octets from [A-Za-z0-9_-],
 * at most 253 octets, an optional trailing dot.
 * @return true if valid.
 */
bool op_dname_valid(const char *name);

/**
 * The DNS owner name of a JoinEUI range: the exact name for /64, else a
 * wildcard "*.<nibbles of the prefix>.SUFFIX".
 */
int op_joineui_owner(const struct op_profile *p,
    const struct op_joineui_range *r, char *buf, size_t buflen);

/** The DNS owner name of a NetID: "NNNNNN.SUFFIX". */
int op_netid_owner(
    const struct op_profile *p, uint32_t netid, char *buf, size_t buflen);

#endif /* LIB_ZONE_PROFILE_H */
