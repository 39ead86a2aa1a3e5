/*
 * tls.c - server and client TLS contexts, DANE record hand-off to
 * OpenSSL, certificate verification policy and the peer verdict.
 *
 * Policy: TLS 1.3 only; no session resumption (a resumed session would
 * skip the client Certificate and so the TLSA check) and no 0-RTT; an
 * empty trust store, so that only DANE-TA(2) and DANE-EE(3) records can
 * authenticate anyone; DANE-EE name checks off (RFC 7671 §5.1).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "dance_int.h"
#include "resolver.h"
#include "tls_int.h"

static int state_idx = -1;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;

/* state_free - ex_data destructor: the state dies with its SSL */
static void
state_free(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct dance_conn_state *st = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (st == NULL)
		return;
	dance_lookup_cancel(st->lookup);
	dance_tlsa_unref(st->lookup_result);
	dance_tls_free(st->tls);
	free(st);
}

static void
state_index_init(void)
{
	state_idx = SSL_get_ex_new_index(0, "libdance", NULL, NULL, state_free);
}

struct dance_conn_state *
dance_conn_state(SSL *ssl)
{
	if (state_idx < 0)
		return NULL;
	return SSL_get_ex_data(ssl, state_idx);
}

void
dance_conn_fail(struct dance_conn_state *st, int err, const char *fmt, ...)
{
	va_list ap;

	if (st->fail_err != 0)
		return;
	st->fail_err = err;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
	/* No logging here: this may run on an async job's small stack. */
}

struct dance_tls *
dance_tls_ref(struct dance_tls *tls)
{
	tls->refs++;
	return tls;
}

void
dance_tls_free(struct dance_tls *tls)
{
	if (tls == NULL || --tls->refs > 0)
		return;
	dance_pkix_peers_free(tls);
	SSL_CTX_free(tls->ssl_ctx);
	free(tls);
}

SSL_CTX *
dance_tls_ssl_ctx(struct dance_tls *tls)
{
	return tls->ssl_ctx;
}

/*
 * verify_cb - annotate, never overrule: OpenSSL's verdict stands, but a
 * failure is recorded with its reason and reported to the peer as
 * handshake_failure (X509_V_ERR_APPLICATION_VERIFICATION maps to alert
 * 40), the one alert client-auth-13 uses for every refusal.
 */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl;
	struct dance_conn_state *st;
	int e, depth;

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	st = ssl != NULL ? dance_conn_state(ssl) : NULL;
	e = X509_STORE_CTX_get_error(xs);
	depth = X509_STORE_CTX_get_error_depth(xs);
	if (st != NULL) {
		if (st->tls->server &&
		    st->tls->client_auth == DANCE_CLIENT_AUTH_DANE &&
		    !st->ext_seen)
			dance_conn_fail(st, DANCE_ERR_NO_EXTENSION,
			    "client sent no dane_clientid extension");
		else if (e == X509_V_ERR_DANE_NO_MATCH)
			dance_conn_fail(st, DANCE_ERR_NO_MATCH,
			    "certificate matches no TLSA record of %s",
			    st->owner);
		else
			dance_conn_fail(st, DANCE_ERR_HANDSHAKE,
			    "certificate verification failed at depth %d: %s",
			    depth, X509_verify_cert_error_string(e));
	}
	X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

/* common_setup - what server and client contexts share */
static int
common_setup(struct dance_tls *tls)
{
	SSL_CTX *c = tls->ssl_ctx;

	if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1)
		return -1;
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_num_tickets(c, 0) != 1 ||
	    SSL_CTX_set_max_early_data(c, 0) != 1)
		return -1;
	if (SSL_CTX_dane_enable(c) <= 0)
		return -1;
	SSL_CTX_dane_set_flags(c, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	return 0;
}

/* load_identity - certificate chain and key, checked against each other */
static int
load_identity(struct dance_tls *tls, const char *cert, const char *key)
{
	if (SSL_CTX_use_certificate_chain_file(tls->ssl_ctx, cert) != 1) {
		dance_log_crypto(tls->ctx, cert);
		return DANCE_ERR_FILE;
	}
	if (SSL_CTX_use_PrivateKey_file(tls->ssl_ctx, key, SSL_FILETYPE_PEM) !=
	    1) {
		dance_log_crypto(tls->ctx, key);
		return DANCE_ERR_FILE;
	}
	if (SSL_CTX_check_private_key(tls->ssl_ctx) != 1) {
		dance_log_crypto(tls->ctx, "certificate and key differ");
		return DANCE_ERR_FILE;
	}
	return DANCE_OK;
}

static struct dance_tls *
tls_alloc(
    struct dance_ctx *ctx, int server, uint16_t ext_type, unsigned timeout_ms)
{
	struct dance_tls *tls;

	tls = calloc(1, sizeof(*tls));
	if (tls == NULL)
		return NULL;
	tls->refs = 1;
	tls->ctx = ctx;
	tls->server = server;
	tls->ext_type = ext_type != 0 ? ext_type : DANCE_CLIENTID_EXT_DEFAULT;
	tls->handshake_timeout_ms = timeout_ms != 0 ? timeout_ms : 10000;
	tls->ssl_ctx =
	    SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (tls->ssl_ctx == NULL) {
		dance_log_crypto(ctx, "SSL_CTX_new");
		free(tls);
		return NULL;
	}
	return tls;
}

/* ext_type_ok - a private-use codepoint that OpenSSL does not handle */
static int
ext_type_ok(uint16_t t)
{
	if (t == 0)
		return 1;
	if ((t & 0x0f0f) == 0x0a0a && (t >> 8) == (t & 0xff))
		return 0; /* GREASE */
	return SSL_extension_supported(t) == 0;
}

struct dance_tls *
dance_tls_server_new(
    struct dance_ctx *ctx, const struct dance_server_opts *opts, int *err)
{
	static const unsigned char sid[] = "loradane";
	struct dance_tls *tls;
	int r = DANCE_ERR_INVAL, mode;

	if (err != NULL)
		*err = DANCE_ERR_INVAL;
	if (opts->cert_file == NULL || opts->key_file == NULL ||
	    !ext_type_ok(opts->ext_type) ||
	    (opts->client_auth == DANCE_CLIENT_AUTH_PKIX &&
		opts->pkix_ca_file == NULL))
		return NULL;
	tls = tls_alloc(ctx, 1, opts->ext_type, opts->handshake_timeout_ms);
	if (tls == NULL) {
		if (err != NULL)
			*err = DANCE_ERR_NOMEM;
		return NULL;
	}
	tls->client_auth = opts->client_auth;
	tls->compat07 = opts->compat07;
	/* Handshakes look up names from async jobs: start the resolver now. */
	if (opts->client_auth == DANCE_CLIENT_AUTH_DANE &&
	    (r = dance_resolver_final(ctx)) != DANCE_OK)
		goto fail;
	r = DANCE_ERR_TLS;
	if (common_setup(tls) != 0) {
		dance_log_crypto(ctx, "server TLS context");
		goto fail;
	}
	if ((r = load_identity(tls, opts->cert_file, opts->key_file)) != 0)
		goto fail;
	SSL_CTX_set_session_id_context(tls->ssl_ctx, sid, sizeof(sid) - 1);
	mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	switch (opts->client_auth) {
	case DANCE_CLIENT_AUTH_DANE:
		SSL_CTX_set_verify(tls->ssl_ctx, mode, verify_cb);
		if ((r = dance_clientid_register(tls)) != DANCE_OK)
			goto fail;
		if (opts->npkix_peers > 0 &&
		    (r = dance_pkix_peers_load(
			 tls, opts->pkix_peers, opts->npkix_peers)) != DANCE_OK)
			goto fail;
		break;
	case DANCE_CLIENT_AUTH_PKIX:
		if (SSL_CTX_load_verify_file(
			tls->ssl_ctx, opts->pkix_ca_file) != 1) {
			dance_log_crypto(ctx, opts->pkix_ca_file);
			r = DANCE_ERR_FILE;
			goto fail;
		}
		SSL_CTX_set_verify(tls->ssl_ctx, mode, verify_cb);
		break;
	case DANCE_CLIENT_AUTH_NONE:
		SSL_CTX_set_verify(tls->ssl_ctx, SSL_VERIFY_NONE, NULL);
		break;
	default:
		r = DANCE_ERR_INVAL;
		goto fail;
	}
	if (err != NULL)
		*err = DANCE_OK;
	return tls;
fail:
	if (err != NULL)
		*err = r;
	dance_tls_free(tls);
	return NULL;
}

struct dance_tls *
dance_tls_client_new(
    struct dance_ctx *ctx, const struct dance_client_opts *opts, int *err)
{
	struct dance_tls *tls;
	size_t n = 0;
	int r = DANCE_ERR_INVAL;

	if (err != NULL)
		*err = DANCE_ERR_INVAL;
	if ((opts->cert_file == NULL) != (opts->key_file == NULL) ||
	    !ext_type_ok(opts->ext_type))
		return NULL;
	if (opts->client_name != NULL) {
		n = strlen(opts->client_name);
		if (dance_clientname_check(opts->client_name, n) != DANCE_OK)
			return NULL;
		if (opts->client_name[n - 1] == '.')
			n--; /* the draft: no trailing dot on the wire */
	}
	if (opts->cert_file != NULL && opts->client_name == NULL)
		return NULL;
	tls = tls_alloc(ctx, 0, opts->ext_type, opts->handshake_timeout_ms);
	if (tls == NULL) {
		if (err != NULL)
			*err = DANCE_ERR_NOMEM;
		return NULL;
	}
	tls->name_ext[0] = (unsigned char)n;
	if (n > 0)
		memcpy(tls->name_ext + 1, opts->client_name, n);
	tls->name_ext_len = n > 0 ? n + 1 : 0;
	r = DANCE_ERR_TLS;
	if (common_setup(tls) != 0) {
		dance_log_crypto(ctx, "client TLS context");
		goto fail;
	}
	if (opts->cert_file != NULL &&
	    (r = load_identity(tls, opts->cert_file, opts->key_file)) != 0)
		goto fail;
	SSL_CTX_set_verify(tls->ssl_ctx, SSL_VERIFY_PEER, verify_cb);
	if ((r = dance_clientid_register(tls)) != DANCE_OK)
		goto fail;
	if (err != NULL)
		*err = DANCE_OK;
	return tls;
fail:
	if (err != NULL)
		*err = r;
	dance_tls_free(tls);
	return NULL;
}

SSL *
dance_ssl_new(struct dance_tls *tls)
{
	struct dance_conn_state *st;
	SSL *ssl;

	pthread_once(&state_once, state_index_init);
	if (state_idx < 0)
		return NULL;
	ssl = SSL_new(tls->ssl_ctx);
	st = calloc(1, sizeof(*st));
	if (ssl == NULL || st == NULL) {
		SSL_free(ssl);
		free(st);
		return NULL;
	}
	st->tls = dance_tls_ref(tls);
	if (SSL_set_ex_data(ssl, state_idx, st) != 1) {
		dance_tls_free(st->tls);
		free(st);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/*
 * dance_ssl_add_tlsa - hand the records to OpenSSL, telling an unusable
 * record (skipped, logged) from a library failure (fatal).  PKIX-TA(0)
 * and PKIX-EE(1) are unusable by design: there is no CA store.
 */
int
dance_ssl_add_tlsa(SSL *ssl, const char *base, const struct dance_tlsa *t)
{
	struct dance_conn_state *st = dance_conn_state(ssl);
	int usable = 0, r;
	size_t i;

	if (t->status != DANCE_DNS_SECURE) {
		dance_conn_fail(st, dance_dns_status_err(t->status),
		    "TLSA %s is %s", t->owner, dance_dns_status_str(t->status));
		return dance_dns_status_err(t->status);
	}
	if (SSL_dane_enable(ssl, base) <= 0) {
		dance_conn_fail(st, DANCE_ERR_TLS, "SSL_dane_enable failed");
		return DANCE_ERR_TLS;
	}
	SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < t->nrr; i++) {
		const struct dance_tlsa_rr *rr = &t->rr[i];

		/* PKIX usages are unusable by design: no CA store. */
		r = rr->usage <= 1
		    ? 0
		    : SSL_dane_tlsa_add(ssl, rr->usage, rr->selector, rr->mtype,
			  rr->data, rr->len);
		if (r > 0) {
			usable++;
			continue;
		}
		if (r == 0) {
			/* Logged by the driver, off the async job's stack. */
			ERR_clear_error();
			if (st->unusable++ == 0)
				dance_tlsa_rr_str(rr, st->unusable_rr,
				    sizeof(st->unusable_rr));
			continue;
		}
		ERR_clear_error();
		dance_conn_fail(st, DANCE_ERR_TLS, "SSL_dane_tlsa_add failed");
		return DANCE_ERR_TLS;
	}
	if (usable == 0) {
		dance_conn_fail(st, DANCE_ERR_NO_USABLE,
		    "TLSA %s has no usable record (%zu published, e.g. %s)",
		    t->owner, t->nrr, st->unusable_rr);
		return DANCE_ERR_NO_USABLE;
	}
	/* Through a CNAME the records belong to its target, not the alias. */
	if (t->canon != NULL &&
	    dance_name_canon(t->canon, st->owner, sizeof(st->owner)) == 0)
		return usable;
	if (strlen(t->owner) < sizeof(st->owner))
		memcpy(st->owner, t->owner, strlen(t->owner) + 1);
	return usable;
}

int
dance_ssl_set_server_tlsa(
    SSL *ssl, const char *host, const struct dance_tlsa *t)
{
	struct dance_conn_state *st = dance_conn_state(ssl);
	char canon[DANCE_NAME_MAX + 1];

	if (st == NULL || st->tls->server)
		return DANCE_ERR_STATE;
	if (dance_name_canon(host, canon, sizeof(canon)) != 0)
		return DANCE_ERR_INVAL;
	memcpy(st->host, canon, sizeof(st->host));
	return dance_ssl_add_tlsa(ssl, canon, t);
}

int
dance_ssl_peer(SSL *ssl, struct dance_peer *peer)
{
	struct dance_conn_state *st = dance_conn_state(ssl);
	const unsigned char *data;
	size_t dlen;
	long vr;
	int depth;

	memset(peer, 0, sizeof(*peer));
	if (st == NULL)
		return DANCE_ERR_STATE;
	if (st->fail_err != 0)
		return st->fail_err;
	if (st->tls->server && st->tls->client_auth == DANCE_CLIENT_AUTH_NONE)
		return DANCE_OK;
	vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK || SSL_get0_peer_certificate(ssl) == NULL) {
		dance_conn_fail(st, DANCE_ERR_HANDSHAKE,
		    "peer certificate not verified: %s",
		    X509_verify_cert_error_string(vr));
		return st->fail_err;
	}
	if (st->tls->server && st->tls->client_auth == DANCE_CLIENT_AUTH_PKIX) {
		peer->pkix = 1;
		st->peer = *peer;
		return DANCE_OK;
	}
	if (st->tls->server && st->pkix_ok) {
		peer->pkix = 1;
		peer->name = st->name;
		st->peer = *peer;
		return DANCE_OK;
	}
	depth = SSL_get0_dane_authority(ssl, NULL, NULL);
	if (depth < 0 ||
	    SSL_get0_dane_tlsa(ssl, &peer->usage, &peer->selector, &peer->mtype,
		&data, &dlen) < 0 ||
	    data == NULL) {
		dance_conn_fail(
		    st, DANCE_ERR_NO_MATCH, "peer not authenticated by DANE");
		return st->fail_err;
	}
	peer->depth = depth;
	peer->data = data;
	peer->dlen = dlen;
	peer->name = st->tls->server ? st->name : st->host;
	peer->tlsa_owner = st->owner;
	peer->dns = DANCE_DNS_SECURE;
	st->peer = *peer;
	return DANCE_OK;
}

int
dance_ssl_failure(SSL *ssl, const char **why)
{
	struct dance_conn_state *st = dance_conn_state(ssl);

	if (why != NULL)
		*why = NULL;
	if (st == NULL)
		return DANCE_ERR_STATE;
	if (why != NULL && st->fail_err != 0)
		*why = st->why;
	return st->fail_err;
}
