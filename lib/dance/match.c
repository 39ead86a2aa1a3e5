/*
 * match.c - "would a peer presenting this certificate chain be
 * authenticated by this TLSA RRset?", answered by OpenSSL's DANE engine
 * exactly as in a handshake, but without one.  The operator tools need
 * it: a rollover must not switch keys before the new certificate matches
 * what the DNS serves, and an audit checks that each local certificate
 * matches its published records.  Never a hand-written digest compare.
 *
 * The pattern is OpenSSL's own test/danetest.c: an SSL with the records,
 * and an X509_STORE_CTX that borrows its SSL_DANE and verify parameters.
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "dance.h"

int
dance_tlsa_match_chain(struct dance_ctx *ctx, const char *name,
    const struct dance_tlsa *t, X509 *leaf, STACK_OF(X509) * chain, int server,
    int *depth, uint8_t *usage)
{
	struct dance_client_opts opts = {0};
	X509_STORE_CTX *xs = NULL;
	X509_STORE *store = NULL;
	struct dance_tls *tls;
	SSL *ssl = NULL;
	uint8_t u = 0;
	int r, err, m;

	if ((tls = dance_tls_client_new(ctx, &opts, &err)) == NULL)
		return err;
	if ((ssl = dance_ssl_new(tls)) == NULL) {
		r = DANCE_ERR_NOMEM;
		goto out;
	}
	/* Checks the verdict, adds the usable records, counts them. */
	if ((r = dance_ssl_set_server_tlsa(ssl, name, t)) < 0)
		goto out;
	r = DANCE_ERR_NOMEM;
	if ((store = X509_STORE_new()) == NULL ||
	    (xs = X509_STORE_CTX_new()) == NULL ||
	    !X509_STORE_CTX_init(xs, store, leaf, chain))
		goto out;
	X509_STORE_CTX_set0_dane(xs, SSL_get0_dane(ssl));
	X509_STORE_CTX_set_default(xs, server ? "ssl_server" : "ssl_client");
	X509_VERIFY_PARAM_set1(
	    X509_STORE_CTX_get0_param(xs), SSL_get0_param(ssl));
	if (X509_verify_cert(xs) == 1) {
		r = DANCE_OK;
		/* The record that matched, as after a handshake. */
		m = SSL_get0_dane_tlsa(ssl, &u, NULL, NULL, NULL, NULL);
		if (depth != NULL)
			*depth = m;
		if (usage != NULL)
			*usage = u;
	} else
		r = DANCE_ERR_NO_MATCH;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(xs);
	X509_STORE_free(store);
	SSL_free(ssl);
	dance_tls_free(tls);
	return r;
}
