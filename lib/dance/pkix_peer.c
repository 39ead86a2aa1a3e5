/*
 * pkix_peer.c - the one way a DANE server accepts a client that sends no
 * dane_clientid: the operator named it, with the CA that issues its
 * certificate (struct dance_pkix_peer).
 *
 * OpenSSL's certificate verification is replaced (cert_verify_callback)
 * only to choose the path: a client that sent the extension is verified
 * exactly as before (X509_verify_cert with the DANE state the extension
 * set up); one that did not is verified against each named peer's own CA
 * store, as a TLS client, and must carry that peer's name.  No store is
 * shared between peers, and the SSL_CTX itself has none: a CA of one peer
 * never vouches for another name, and a DANE client is never judged by
 * a CA.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

struct dance_pkix_entry {
	char name[DANCE_NAME_MAX + 1];
	X509_STORE *store;
};

/* try_peer - does the client's chain belong to peer e? */
static int
try_peer(const struct dance_pkix_entry *e, X509 *leaf,
    STACK_OF(X509) * untrusted, const char **reason)
{
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	int ok = 0;

	if (c == NULL) {
		*reason = "out of memory";
		return 0;
	}
	if (X509_STORE_CTX_init(c, e->store, leaf, untrusted) == 1 &&
	    X509_STORE_CTX_set_default(c, "ssl_client") == 1) {
		if (X509_verify_cert(c) != 1)
			*reason = X509_verify_cert_error_string(
			    X509_STORE_CTX_get_error(c));
		else if (X509_check_host(leaf, e->name, 0,
			     X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) != 1)
			*reason = "the certificate is not issued for that name";
		else
			ok = 1;
	}
	X509_STORE_CTX_free(c);
	ERR_clear_error();
	return ok;
}

static int
choose_path(X509_STORE_CTX *xs, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct dance_conn_state *st =
	    ssl != NULL ? dance_conn_state(ssl) : NULL;
	struct dance_tls *tls = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(xs);
	const char *reason = "no PKIX peer is configured";

	if (st == NULL || st->ext_seen)
		return X509_verify_cert(xs); /* DANE, as without peers */
	for (size_t i = 0; leaf != NULL && i < tls->npkix_peers; i++)
		if (try_peer(&tls->pkix_peers[i], leaf,
			X509_STORE_CTX_get0_untrusted(xs), &reason)) {
			memcpy(st->name, tls->pkix_peers[i].name,
			    sizeof(st->name));
			st->pkix_ok = 1;
			return 1;
		}
	dance_conn_fail(st, DANCE_ERR_NO_EXTENSION,
	    "client sent no dane_clientid extension and is no named PKIX "
	    "peer (last: %s)",
	    reason);
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

int
dance_pkix_peers_load(
    struct dance_tls *tls, const struct dance_pkix_peer *p, size_t n)
{
	struct dance_pkix_entry *e;

	if ((e = calloc(n, sizeof(*e))) == NULL)
		return DANCE_ERR_NOMEM;
	/* Counted at once: on failure, dance_tls_free() frees them all. */
	tls->pkix_peers = e;
	tls->npkix_peers = n;
	for (size_t i = 0; i < n; i++) {
		if (p[i].name == NULL || p[i].ca_file == NULL ||
		    dance_clientname_check(p[i].name, strlen(p[i].name)) !=
			DANCE_OK ||
		    dance_name_canon(p[i].name, e[i].name, sizeof(e[i].name)) !=
			0)
			return DANCE_ERR_BAD_NAME;
		if ((e[i].store = X509_STORE_new()) == NULL)
			return DANCE_ERR_NOMEM;
		if (X509_STORE_load_file(e[i].store, p[i].ca_file) != 1) {
			dance_log_crypto(tls->ctx, p[i].ca_file);
			return DANCE_ERR_FILE;
		}
	}
	SSL_CTX_set_cert_verify_callback(tls->ssl_ctx, choose_path, tls);
	return DANCE_OK;
}

void
dance_pkix_peers_free(struct dance_tls *tls)
{
	for (size_t i = 0; i < tls->npkix_peers; i++)
		X509_STORE_free(tls->pkix_peers[i].store);
	free(tls->pkix_peers);
	tls->pkix_peers = NULL;
	tls->npkix_peers = 0;
}
