/*
 * tls_int.h - TLS objects of libdance and the per-connection state that
 * hangs off every SSL (ex_data), shared by tls.c, clientid.c and conn.c.
 */
#ifndef LIB_DANCE_TLS_INT_H
#define LIB_DANCE_TLS_INT_H

#include <openssl/ssl.h>

#include "dance_int.h"

#define DANCE_NAME_MAX 255

struct dance_tls {
	unsigned refs;
	struct dance_ctx *ctx; /* borrowed */
	SSL_CTX *ssl_ctx;      /* owned */
	int server;
	enum dance_client_auth client_auth;
	uint16_t ext_type;
	int compat07;
	unsigned handshake_timeout_ms;
	/* Client: the ClientName extension body, length-prefixed. */
	unsigned char name_ext[1 + DANCE_NAME_MAX];
	size_t name_ext_len; /* 0: no identity to announce */
	/* Server: peers allowed without dane_clientid (pkix_peer.c). */
	struct dance_pkix_entry *pkix_peers;
	size_t npkix_peers;
};

/* Per-SSL state, freed with the SSL. */
struct dance_conn_state {
	struct dance_tls *tls;          /* one reference */
	int ext_seen;                   /* server: dane_clientid received */
	int cr_ext_seen;                /* client: CR carried the extension */
	char name[DANCE_NAME_MAX + 1];  /* server: ClientName received */
	char host[DANCE_NAME_MAX + 1];  /* client: server host name */
	char owner[DANCE_NAME_MAX + 1]; /* TLSA owner name used */
	int fail_err;                   /* first failure, dance_err */
	char why[512];                  /* its reason */
	/*
	 * Asynchronous TLSA lookup inside the handshake.  The paused job
	 * only asks (lookup_wanted); the driver, on the event thread's own
	 * stack, starts it: async jobs have 32 KiB stacks, too small for
	 * libunbound or a log sink.
	 */
	int lookup_wanted;
	struct dance_lookup *lookup;
	struct dance_tlsa *lookup_result;
	int lookup_done;
	void (*wake)(void *); /* resume the handshake */
	void *wake_arg;
	unsigned unusable;      /* unusable TLSA records skipped */
	char unusable_rr[160];  /* the first of them */
	struct dance_peer peer; /* filled by dance_ssl_peer() */
	int pkix_ok; /* server: a named PKIX peer (name holds which) */
};

/**
 * Load the named PKIX peers of a DANE server (their CA files) and take
 * over certificate verification for clients that send no dane_clientid.
 * @param p: borrowed for the call; n entries.
 * @return DANCE_OK, DANCE_ERR_FILE (a CA file), DANCE_ERR_BAD_NAME,
 *	DANCE_ERR_NOMEM.
 */
int dance_pkix_peers_load(
    struct dance_tls *tls, const struct dance_pkix_peer *p, size_t n);

/** Free what dance_pkix_peers_load() made. */
void dance_pkix_peers_free(struct dance_tls *tls);

/** @return the state of ssl (borrowed), or NULL if not ours. */
struct dance_conn_state *dance_conn_state(SSL *ssl);

/** Record the first failure of a connection; later ones are dropped. */
void dance_conn_fail(struct dance_conn_state *st, int err, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

/**
 * Give ssl the usable records of t for base name; skip PKIX usages.
 * @return the number of usable records (> 0) or a negative dance_err.
 */
int dance_ssl_add_tlsa(SSL *ssl, const char *base, const struct dance_tlsa *t);

/* clientid.c */
/** Start the TLSA lookup a paused server handshake asked for. */
void dance_conn_start_lookup(struct dance_conn_state *st);
/** Register the dane_clientid callbacks on a server or client context. */
int dance_clientid_register(struct dance_tls *tls);

#endif /* LIB_DANCE_TLS_INT_H */
