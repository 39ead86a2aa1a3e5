/*
 * dance.h - DNSSEC-validated DANE mutual TLS (libdance).
 *
 * A server is authenticated by the TLSA RRset at _port._tcp.host, a client
 * by the TLSA RRset at the name it announces in the dane_clientid TLS
 * extension (draft-ietf-dance-client-auth-13).  Both RRsets must validate
 * as DNSSEC "secure"; every other outcome (insecure, bogus, SERVFAIL,
 * timeout, authenticated denial) fails the handshake.  OpenSSL's DANE
 * engine does all certificate matching.
 *
 * Conventions:
 * - Every function that can fail returns a negative enum dance_err (or
 *   NULL and an error through an out parameter).  dance_strerror() names it.
 * - The library never prints and never exits; it reports through the log
 *   callback given with dance_ctx_set_log().
 * - Ownership is written in every prototype: "borrowed" means the caller
 *   keeps it and it must outlive the call (or the object, when stated);
 *   "owned by the caller" means the caller frees it with the named function.
 * - A dance_ctx and everything made from it belong to one thread: the
 *   thread that runs its event_base.
 */
#ifndef LORADANE_DANCE_H
#define LORADANE_DANCE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

struct event_base;
struct dance_ctx;
struct dance_tls;
struct dance_lookup;

/*
 * Error codes.  Stable: new codes are added at the end, none is ever
 * removed or renumbered.
 */
enum dance_err {
	DANCE_OK = 0,
	DANCE_ERR_NOMEM = -1,         /* out of memory */
	DANCE_ERR_INVAL = -2,         /* bad argument or configuration */
	DANCE_ERR_RESOLVER = -3,      /* libunbound set-up or query failure */
	DANCE_ERR_TLS = -4,           /* OpenSSL internal failure */
	DANCE_ERR_FILE = -5,          /* a file could not be read or parsed */
	DANCE_ERR_DNS_BOGUS = -6,     /* DNSSEC validation failed */
	DANCE_ERR_DNS_INSECURE = -7,  /* the answer is not DNSSEC-signed */
	DANCE_ERR_DNS_DENIED = -8,    /* secure NXDOMAIN or NODATA */
	DANCE_ERR_DNS_TEMPFAIL = -9,  /* SERVFAIL or timeout: retry later */
	DANCE_ERR_NO_USABLE = -10,    /* no usable TLSA record */
	DANCE_ERR_NO_MATCH = -11,     /* certificate did not match the TLSA */
	DANCE_ERR_BAD_NAME = -12,     /* malformed ClientName */
	DANCE_ERR_NOT_ALLOWED = -13,  /* ClientName outside the allow-list */
	DANCE_ERR_NO_EXTENSION = -14, /* peer sent no dane_clientid */
	DANCE_ERR_HANDSHAKE = -15,    /* other TLS handshake failure */
	DANCE_ERR_TIMEOUT = -16,      /* the operation's deadline passed */
	DANCE_ERR_CONNECT = -17,      /* the TCP connection failed */
	DANCE_ERR_CLOSED = -18,       /* the peer closed the connection */
	DANCE_ERR_STATE = -19,        /* call not valid in this state */
};

/**
 * Name an error code.
 * @param err: a value of enum dance_err.
 * @return a static string; never NULL.
 */
const char *dance_strerror(int err);

/* DNSSEC verdict of one lookup: only DANCE_DNS_SECURE data is ever used. */
enum dance_dns_status {
	DANCE_DNS_SECURE = 0,      /* validated data */
	DANCE_DNS_SECURE_NXDOMAIN, /* validated: the name does not exist */
	DANCE_DNS_SECURE_NODATA,   /* validated: no RRset of that type */
	DANCE_DNS_INSECURE,        /* no chain of trust: unusable */
	DANCE_DNS_BOGUS,           /* validation failed: see why */
	DANCE_DNS_TEMPFAIL,        /* SERVFAIL, timeout, resolver error */
};

/**
 * Name a DNSSEC verdict ("secure", "bogus", ...).
 * @return a static string.
 */
const char *dance_dns_status_str(enum dance_dns_status st);

/**
 * Map a verdict to the error a caller should report for it.
 * @return DANCE_OK for DANCE_DNS_SECURE, else a negative dance_err.
 */
int dance_dns_status_err(enum dance_dns_status st);

/* One TLSA record. */
struct dance_tlsa_rr {
	uint8_t usage;
	uint8_t selector;
	uint8_t mtype;
	size_t len;                /* length of data */
	const unsigned char *data; /* certificate association data */
};

/* The result of a TLSA lookup.  Immutable and reference-counted. */
struct dance_tlsa {
	char *owner; /* queried name, lower case, no final dot */
	char *canon; /* name after CNAMEs, or NULL */
	enum dance_dns_status status;
	char *why;    /* reason for bogus/tempfail, or NULL */
	uint32_t ttl; /* seconds, as the resolver gave it */
	size_t nrr;   /* records; 0 unless status is SECURE */
	struct dance_tlsa_rr *rr;
	unsigned refs; /* private */
};

/**
 * Take another reference to a TLSA result.
 * @param t: borrowed.
 * @return t.
 */
struct dance_tlsa *dance_tlsa_ref(struct dance_tlsa *t);

/**
 * Drop a reference; the last one frees the result.
 * @param t: owned by the caller; may be NULL.
 */
void dance_tlsa_unref(struct dance_tlsa *t);

/**
 * Format a TLSA record in presentation form ("3 1 1 ab01...").
 * @param rr: borrowed.
 * @param buf: filled with a NUL-terminated string; truncated to fit.
 * @return buf.
 */
char *
dance_tlsa_rr_str(const struct dance_tlsa_rr *rr, char *buf, size_t buflen);

/*
 * Context: resolver, TLSA cache and configuration.
 */

/* Log priorities, syslog-compatible values. */
enum dance_log_prio {
	DANCE_LOG_ERR = 3,
	DANCE_LOG_WARNING = 4,
	DANCE_LOG_NOTICE = 5,
	DANCE_LOG_INFO = 6,
	DANCE_LOG_DEBUG = 7,
};

/**
 * Log sink.
 * @param arg: the pointer given to dance_ctx_set_log().
 * @param prio: an enum dance_log_prio.
 * @param msg: borrowed, valid only during the call; one line, no newline.
 */
typedef void dance_log_fn(void *arg, int prio, const char *msg);

/**
 * Monotonic clock, in milliseconds.  Tests inject one to move time.
 * @param arg: the pointer given to dance_ctx_set_clock().
 */
typedef uint64_t dance_clock_fn(void *arg);

/**
 * Create a context.
 * @param base: borrowed, must outlive the context.  The resolver's socket
 *	and timers live on it.  NULL makes a context that only serves the
 *	synchronous helpers (command-line tools).
 * @param err: if not NULL, set to a dance_err on failure.
 * @return a new context owned by the caller (dance_ctx_free()), or NULL.
 */
struct dance_ctx *dance_ctx_new(struct event_base *base, int *err);

/**
 * Free a context.  Pending lookups are cancelled without callbacks.
 * @param ctx: owned by the caller; may be NULL.  TLS objects made from it
 *	must have been freed first.
 */
void dance_ctx_free(struct dance_ctx *ctx);

/**
 * Set the log sink.  Without one the library is silent.
 * @param fn: called for every message; may be NULL.
 * @param arg: borrowed, passed to fn.
 * @param maxprio: messages above this priority are not formatted.
 */
void dance_ctx_set_log(
    struct dance_ctx *ctx, dance_log_fn *fn, void *arg, int maxprio);

/**
 * Replace the monotonic clock used for cache expiry (tests).
 * @param fn: NULL restores CLOCK_MONOTONIC.
 */
void dance_ctx_set_clock(struct dance_ctx *ctx, dance_clock_fn *fn, void *arg);

/*
 * Resolver configuration.  All of these must be called before the first
 * lookup; afterwards they return DANCE_ERR_STATE.  With no trust anchor
 * the root key (/usr/share/dns/root.key) is used; with no forwarder and no
 * stub the system resolver (/etc/resolv.conf) is.
 */

/** Add a trust anchor: one DS or DNSKEY RR in presentation form. */
int dance_ctx_add_ta(struct dance_ctx *ctx, const char *rr);
/** Add trust anchors from a zone-format file (DS or DNSKEY RRs). */
int dance_ctx_add_ta_file(struct dance_ctx *ctx, const char *path);
/** Use no trust anchor at all (tests of the insecure case). */
int dance_ctx_no_default_ta(struct dance_ctx *ctx);
/** Forward all queries to a recursive resolver, "addr" or "addr@port". */
int dance_ctx_add_forwarder(struct dance_ctx *ctx, const char *addr);
/** Send queries for zone to an authoritative server "addr[@port]". */
int
dance_ctx_add_stub(struct dance_ctx *ctx, const char *zone, const char *addr);
/** Set a raw libunbound option, e.g. ("val-override-date", "-1"). */
int dance_ctx_set_option(
    struct dance_ctx *ctx, const char *name, const char *value);
/** Deadline of every lookup, in milliseconds (default 5000). */
int dance_ctx_set_timeout(struct dance_ctx *ctx, unsigned ms);
/** Longest time a secure denial is cached, in seconds (default 30). */
int dance_ctx_set_negative_ttl(struct dance_ctx *ctx, unsigned seconds);

/**
 * Allow client names under this suffix ("example.net" allows
 * "_ns-client.ns.example.net").  With at least one suffix configured, a
 * ClientName outside all of them is refused before any DNS query is sent.
 * May be called at any time.
 */
int dance_ctx_add_allowed_suffix(struct dance_ctx *ctx, const char *suffix);

/**
 * Keep this TLSA owner name in the cache: it is resolved at once and again
 * before its TTL runs out, so handshakes for it never wait on the DNS.
 * Needs an event base.
 */
int dance_ctx_add_prefetch(struct dance_ctx *ctx, const char *owner);

/* Counters, for monitoring and tests. */
struct dance_stats {
	uint64_t queries_sent;     /* DNS queries handed to libunbound */
	uint64_t queries_inflight; /* ... not answered yet */
	uint64_t cache_hits;       /* lookups answered from the cache */
	uint64_t cache_misses;     /* lookups that waited for the DNS */
	uint64_t cache_entries;    /* names held (fresh or pending) */
};

/**
 * Read the context's counters.
 * @param st: filled.
 */
void dance_ctx_stats(struct dance_ctx *ctx, struct dance_stats *st);

/*
 * TLSA lookups (cache first).
 */

/**
 * Completion of an asynchronous lookup.
 * @param t: a reference owned by the callee (dance_tlsa_unref()).  Never
 *	NULL: failures come as a result with a non-secure status.
 */
typedef void dance_tlsa_cb(void *arg, struct dance_tlsa *t);

/**
 * Look up the TLSA RRset of owner, from the cache when fresh.
 * @param owner: borrowed; a name in presentation form.
 * @param cb: called exactly once, from the event loop (never from inside
 *	this call), unless the lookup is cancelled.
 * @param handle: if not NULL, set to a handle for dance_lookup_cancel(),
 *	valid until cb runs.
 * @return DANCE_OK, or an error (then cb is never called).
 */
int dance_tlsa_lookup(struct dance_ctx *ctx, const char *owner,
    dance_tlsa_cb *cb, void *arg, struct dance_lookup **handle);

/** Cancel a pending lookup: its callback will not run. */
void dance_lookup_cancel(struct dance_lookup *handle);

/**
 * Look up a TLSA RRset and wait at most timeout_ms (0: the context's
 * lookup deadline).  For command-line tools; it blocks.
 * @param out: set to a reference owned by the caller.
 * @return DANCE_OK (then check (*out)->status) or an error.
 */
int dance_tlsa_lookup_sync(struct dance_ctx *ctx, const char *owner,
    unsigned timeout_ms, struct dance_tlsa **out);

/**
 * Return a fresh cached TLSA result without any DNS traffic.
 * @return a reference owned by the caller, or NULL if none is cached.
 */
struct dance_tlsa *dance_cache_get(struct dance_ctx *ctx, const char *owner);

/**
 * Resolve a host's addresses (A, then AAAA) and wait at most timeout_ms.
 * Bogus answers are refused; insecure ones are accepted, since the TLSA
 * check authenticates the peer whatever address it is reached on.
 * @param out: filled with up to max addresses (struct sockaddr_storage).
 * @param n: set to the number filled.
 */
int dance_resolve_addrs_sync(struct dance_ctx *ctx, const char *host,
    uint16_t port, unsigned timeout_ms, void *out, size_t max, size_t *n);

/*
 * TLS contexts.
 */

/* How a server authenticates its clients. */
enum dance_client_auth {
	DANCE_CLIENT_AUTH_DANE = 0, /* dane_clientid + TLSA (default) */
	DANCE_CLIENT_AUTH_PKIX,     /* certificate chain to pkix_ca_file */
	DANCE_CLIENT_AUTH_NONE,     /* no client certificate asked */
};

#define DANCE_CLIENTID_EXT_DEFAULT 0xFFDC

/*
 * A client a DANE server accepts without a dane_clientid extension: its
 * certificate must chain to a CA in ca_file (and nothing else) and be
 * issued for name (SAN DNS, X509_check_host).  For a peer an operator has
 * explicitly agreed to authenticate the old way; the handshake then
 * reports name as the peer's name, with pkix set.
 */
struct dance_pkix_peer {
	const char *name;    /* the ClientName it is known by */
	const char *ca_file; /* PEM CA certificates: its trust anchors */
};

struct dance_server_opts {
	const char *cert_file; /* PEM certificate, then its chain */
	const char *key_file;  /* PEM private key */
	enum dance_client_auth client_auth;
	const char *pkix_ca_file; /* for DANCE_CLIENT_AUTH_PKIX */
	/* DANCE_CLIENT_AUTH_DANE: clients without dane_clientid that are
	 * accepted anyway, by PKIX, one CA file per name; NULL/0: none. */
	const struct dance_pkix_peer *pkix_peers;
	size_t npkix_peers;
	uint16_t ext_type;             /* 0: DANCE_CLIENTID_EXT_DEFAULT */
	int compat07;                  /* send the -06/-07 empty extension */
	unsigned handshake_timeout_ms; /* 0: 10000 */
};

struct dance_client_opts {
	const char *cert_file;         /* PEM certificate and chain, or NULL */
	const char *key_file;          /* PEM private key, or NULL */
	const char *client_name;       /* announced ClientName, or NULL */
	uint16_t ext_type;             /* 0: DANCE_CLIENTID_EXT_DEFAULT */
	unsigned handshake_timeout_ms; /* 0: 10000 */
};

/**
 * Build a server TLS context: TLS 1.3 only, no resumption, no 0-RTT.
 * @param ctx: borrowed; must outlive the result.
 * @param opts: borrowed for the call only.
 * @return a new object owned by the caller (dance_tls_free()), or NULL.
 */
struct dance_tls *dance_tls_server_new(
    struct dance_ctx *ctx, const struct dance_server_opts *opts, int *err);

/**
 * Build a client TLS context.  Servers are always authenticated by DANE.
 * @param opts: borrowed for the call only; client_name must be set when a
 *	certificate is, and must pass the ClientName rules.
 */
struct dance_tls *dance_tls_client_new(
    struct dance_ctx *ctx, const struct dance_client_opts *opts, int *err);

/**
 * Drop the caller's reference.  Connections still using it keep theirs.
 * @param tls: owned by the caller; may be NULL.
 */
void dance_tls_free(struct dance_tls *tls);

/**
 * Take another reference, for an object that keeps the context (a pool
 * of connections); drop it with dance_tls_free().
 * @return tls.
 */
struct dance_tls *dance_tls_ref(struct dance_tls *tls);

/**
 * The OpenSSL context, e.g. to add ALPN.  Do not change verification.
 * @return borrowed, valid while tls is.
 */
SSL_CTX *dance_tls_ssl_ctx(struct dance_tls *tls);

/**
 * Check a ClientName against the rules of client-auth-13 §1.3 (text form,
 * letters, digits, '-', '_' and '.', no empty label, labels of at most 63
 * octets, at most 253 octets: the longest name the DNS can hold).
 * @return DANCE_OK or DANCE_ERR_BAD_NAME.
 */
int dance_clientname_check(const char *name, size_t len);

/* What the handshake proved about the peer. */
struct dance_peer {
	const char *name;          /* server: authenticated ClientName;
				   client: the TLSA owner of the server */
	const char *tlsa_owner;    /* owner name the records came from */
	enum dance_dns_status dns; /* verdict of that RRset */
	int depth;                 /* 0: end entity matched; n: TA at depth n */
	uint8_t usage, selector, mtype; /* the record that matched */
	const unsigned char *data;      /* its association data (borrowed) */
	size_t dlen;
	int pkix; /* authenticated by PKIX, not DANE */
};

/**
 * Completion of dance_accept() / dance_connect().
 * @param err: DANCE_OK, or why the handshake failed (already logged).
 * @param ssl: on success, the established connection, owned by the callee
 *	(SSL_free()); NULL on failure.
 * @param fd: on success, its socket, owned by the callee; -1 on failure.
 * @param peer: borrowed, valid until SSL_free(ssl); NULL on failure.
 */
typedef void dance_handshake_cb(
    void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer);

/**
 * Run the server side of a handshake on the context's event base.
 * @param tls: a server context, borrowed (a reference is kept).
 * @param fd: an accepted, connected socket; ownership passes to the
 *	library (closed on failure, handed to cb on success).
 * @return DANCE_OK (cb will run exactly once) or an error (fd closed).
 */
int
dance_accept(struct dance_tls *tls, int fd, dance_handshake_cb *cb, void *arg);

/**
 * Connect to host:port and authenticate it by _port._tcp.host TLSA.
 * @param host: borrowed; the server's DNS name.
 * @param addr: borrowed; a literal address to connect to instead of
 *	resolving host, or NULL.
 * @return DANCE_OK (cb will run exactly once) or an error.
 */
int dance_connect(struct dance_tls *tls, const char *host, uint16_t port,
    const char *addr, dance_handshake_cb *cb, void *arg);

/*
 * Lower-level pieces for callers that drive their own sockets.
 */

/**
 * Make an SSL for a server-side connection, with per-connection state.
 * @return a new SSL owned by the caller (SSL_free()), or NULL.
 */
SSL *dance_ssl_new(struct dance_tls *tls);

/**
 * Prepare a client SSL to authenticate its server by these records.
 * @param ssl: from dance_ssl_new() on a client context; borrowed.
 * @param host: borrowed; the server's name (SNI and DANE base domain).
 * @param t: borrowed; must be a SECURE result.
 * @return the number of usable records (> 0), or a negative dance_err.
 */
int dance_ssl_set_server_tlsa(
    SSL *ssl, const char *host, const struct dance_tlsa *t);

/**
 * Would a peer presenting leaf (and chain) be authenticated by the TLSA
 * RRset t?  OpenSSL's DANE engine decides, as in a handshake (same
 * usable-record rules, no trust store), without any network traffic.
 * Used by operator tools: key rollover and zone audit.
 * @param name: the peer's name (server host or ClientName), for DANE-TA
 *	name checks.  borrowed.
 * @param t, leaf, chain: borrowed; chain may be NULL.
 * @param server: 1 if the chain is a server's, 0 if a client's.
 * @param depth: if non-NULL, set on success to 0 (end entity matched) or
 *	the depth of the matching trust anchor.
 * @param usage: if non-NULL, set on success to the matching record's
 *	usage (2 DANE-TA, 3 DANE-EE).
 * @return DANCE_OK, DANCE_ERR_NO_MATCH, DANCE_ERR_NO_USABLE, the error of
 *	a non-secure verdict (DANCE_ERR_DNS_*), or DANCE_ERR_NOMEM.
 */
int dance_tlsa_match_chain(struct dance_ctx *ctx, const char *name,
    const struct dance_tlsa *t, X509 *leaf, STACK_OF(X509) * chain, int server,
    int *depth, uint8_t *usage);

/**
 * After a successful SSL_do_handshake(), check and describe the peer.
 * @param peer: filled; its strings are borrowed from ssl.
 * @return DANCE_OK if the peer is authenticated, else an error.
 */
int dance_ssl_peer(SSL *ssl, struct dance_peer *peer);

/**
 * Why a handshake on this SSL failed, as recorded by the library.
 * @param why: set to a borrowed string (valid until SSL_free), may be NULL.
 * @return a dance_err (DANCE_OK if nothing failed).
 */
int dance_ssl_failure(SSL *ssl, const char **why);

/*
 * Any RRset, validated (operator tools: "loradane zone audit").
 */

/* One record's RDATA in wire form (embedded names uncompressed). */
struct dance_rdata {
	size_t len;
	const unsigned char *data;
};

/* The result of dance_rrset_lookup_sync(); free with dance_rrset_free(). */
struct dance_rrset {
	char *owner; /* queried name, lower case, no final dot */
	int rrtype;  /* queried type */
	enum dance_dns_status status;
	char *why;    /* reason for bogus/tempfail, or NULL */
	uint32_t ttl; /* seconds, as the resolver gave it */
	size_t nrr;   /* records; 0 unless status is SECURE */
	struct dance_rdata *rr;
	size_t nsig;        /* RRSIGs in the answer section (SECURE only) */
	int64_t sig_expire; /* the earliest of their expirations, seconds
			       since the epoch (UTC); valid if nsig > 0 */
	struct dance_tlsa *tlsa; /* TLSA queries: the same answer as a TLSA
				    result, owned by the RRset (keep it
				    longer with dance_tlsa_ref()); else NULL */
};

/**
 * Look up one RRset of any type, bypassing the TLSA cache, and wait at
 * most timeout_ms (0: the context's lookup deadline).  Only a SECURE
 * status carries records.  Blocks: for command-line tools.
 * @param name: borrowed; a name in presentation form.
 * @param rrtype: the RR type number (1 A, 6 SOA, 48 DNSKEY, ...).
 * @param out: set to a result owned by the caller (dance_rrset_free()).
 *	Resolver failures and timeouts come as a TEMPFAIL status.
 * @return DANCE_OK (then check (*out)->status), DANCE_ERR_INVAL (bad
 *	name or type) or DANCE_ERR_NOMEM.
 */
int dance_rrset_lookup_sync(struct dance_ctx *ctx, const char *name, int rrtype,
    unsigned timeout_ms, struct dance_rrset **out);

/*
 * Completion of dance_rrset_lookup().
 * @param rs: owned by the callee (dance_rrset_free()); never NULL.
 *	Resolver failures, timeouts and memory shortage come as TEMPFAIL.
 */
typedef void dance_rrset_cb(void *arg, struct dance_rrset *rs);

struct dance_rrset_lookup;

/**
 * The same lookup, asynchronous, on the context's event base, with the
 * context's lookup deadline; daemons use it (a JoinEUI's NAPTR, an
 * SRV), never the synchronous form.
 * @param handle: if not NULL, set to a handle for
 *	dance_rrset_lookup_cancel(), valid until cb runs.
 * @return DANCE_OK (cb runs once, from the event loop), DANCE_ERR_INVAL,
 *	DANCE_ERR_NOMEM or DANCE_ERR_RESOLVER (cb will not run).
 */
int dance_rrset_lookup(struct dance_ctx *ctx, const char *name, int rrtype,
    dance_rrset_cb *cb, void *arg, struct dance_rrset_lookup **handle);

/** Cancel a lookup: its callback will not run.  l may be NULL. */
void dance_rrset_lookup_cancel(struct dance_rrset_lookup *l);

/**
 * Free a result of dance_rrset_lookup_sync().
 * @param rs: owned by the caller; may be NULL.
 */
void dance_rrset_free(struct dance_rrset *rs);

#endif /* LORADANE_DANCE_H */
