/*
 * clientid.c - the dane_clientid TLS extension
 * (draft-ietf-dance-client-auth-13, "TLS DANE Client Identity").
 *
 * Wire format: opaque ClientName<0..2^8-1>.  The server sends it with a
 * zero length in its CertificateRequest (the -06/-07 form: an empty
 * extension, behind a compatibility switch).  The client answers with its
 * name on the end-entity CertificateEntry.  The server then looks up the
 * TLSA RRset at that name and hands the records to OpenSSL's DANE engine
 * before OpenSSL verifies the chain, which is why the lookup happens in
 * the parse callback: it runs before ssl_verify_cert_chain().
 *
 * The lookup must not block the event loop: the server runs handshakes
 * with SSL_MODE_ASYNC, so the callback runs inside an ASYNC_JOB and can
 * pause it (ASYNC_pause_job()) until the resolver answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/async.h>
#include <openssl/err.h>

#include "dance_int.h"
#include "resolver.h"
#include "tls_int.h"

#define EXT_CONTEXT                                                            \
	(SSL_EXT_TLS1_3_ONLY | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |            \
	    SSL_EXT_TLS1_3_CERTIFICATE)

/* dance_clientname_check - text form, [A-Za-z0-9_-.], no empty label,
 * a name that fits the DNS (253 octets) */
int
dance_clientname_check(const char *name, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > DANCE_NAME_MAX)
		return DANCE_ERR_BAD_NAME;
	if (name[len - 1] == '.')
		len--; /* tolerate one final dot */
	/* 255 octets on the wire make at most 253 in text form. */
	if (len == 0 || len > 253 || name[0] == '.')
		return DANCE_ERR_BAD_NAME;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return DANCE_ERR_BAD_NAME;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_'))
			return DANCE_ERR_BAD_NAME;
		if (++label > 63)
			return DANCE_ERR_BAD_NAME;
	}
	if (label == 0)
		return DANCE_ERR_BAD_NAME; /* "name.." */
	return DANCE_OK;
}

/* name_allowed - the allow-list, checked before any DNS query is sent */
static int
name_allowed(struct dance_ctx *ctx, const char *name)
{
	size_t i, n = strlen(name), sl;

	if (ctx->suffixes.n == 0)
		return 1;
	for (i = 0; i < ctx->suffixes.n; i++) {
		const char *suf = ctx->suffixes.v[i];

		sl = strlen(suf);
		if (n == sl && strcmp(name, suf) == 0)
			return 1;
		if (n > sl && name[n - sl - 1] == '.' &&
		    strcmp(name + n - sl, suf) == 0)
			return 1;
	}
	return 0;
}

/* server_add - our CertificateRequest carries a zero-length ClientName */
static int
server_add(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
    int *al, void *add_arg)
{
	static const unsigned char zero_name[1] = {0};
	struct dance_tls *tls = add_arg;

	(void)s;
	(void)ext_type;
	(void)x;
	(void)chainidx;
	(void)al;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST))
		return 0;
	*out = zero_name;
	*outlen = tls->compat07 ? 0 : sizeof(zero_name);
	return 1;
}

/* lookup_done - resolver answer for a paused handshake */
static void
lookup_done(void *arg, struct dance_tlsa *t)
{
	struct dance_conn_state *st = arg;

	st->lookup = NULL;
	st->lookup_result = t;
	st->lookup_done = 1;
	if (st->wake != NULL)
		st->wake(st->wake_arg);
}

/*
 * dance_conn_start_lookup - on the event thread, start the lookup a
 * paused handshake asked for.  On failure the handshake is resumed with
 * a temporary failure, so it always ends.
 */
void
dance_conn_start_lookup(struct dance_conn_state *st)
{
	struct dance_tlsa *t;

	if (!st->lookup_wanted)
		return;
	st->lookup_wanted = 0;
	if (dance_tlsa_lookup(st->tls->ctx, st->name, lookup_done, st,
		&st->lookup) == DANCE_OK)
		return;
	t = dance_tlsa_new_status(
	    st->name, DANCE_DNS_TEMPFAIL, "lookup could not be started");
	if (t == NULL) {
		st->lookup_done = 1; /* client_tlsa() sees NULL: fails */
		if (st->wake != NULL)
			st->wake(st->wake_arg);
		return;
	}
	lookup_done(st, t);
}

/*
 * client_tlsa - the TLSA RRset of the ClientName: from the cache, else by
 * pausing the handshake's async job, else (no job: a caller driving the
 * SSL without SSL_MODE_ASYNC) by a bounded synchronous lookup.
 */
static struct dance_tlsa *
client_tlsa(struct dance_conn_state *st, const char *name)
{
	struct dance_ctx *ctx = st->tls->ctx;
	struct dance_tlsa *t;

	t = dance_cache_get(ctx, name);
	if (t != NULL) {
		ctx->stats.cache_hits++;
		return t;
	}
	if (ASYNC_get_current_job() != NULL && ctx->base != NULL &&
	    st->wake != NULL) {
		/* Ask the driver (dance_conn_start_lookup()) and wait. */
		st->lookup_done = 0;
		st->lookup_wanted = 1;
		while (!st->lookup_done) {
			if (ASYNC_pause_job() == 0) {
				st->lookup_wanted = 0;
				return NULL;
			}
		}
		t = st->lookup_result;
		st->lookup_result = NULL;
		return t;
	}
	if (dance_tlsa_lookup_sync(ctx, name, 0, &t) != DANCE_OK)
		return NULL;
	return t;
}

/* server_parse - the client's ClientName: check it, fetch its TLSA */
static int
server_parse(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
    void *parse_arg)
{
	struct dance_conn_state *st = dance_conn_state(s);
	struct dance_tlsa *t;
	size_t n;
	int r;

	(void)ext_type;
	(void)x;
	(void)parse_arg;
	*al = SSL_AD_HANDSHAKE_FAILURE;
	if (st == NULL || !(context & SSL_EXT_TLS1_3_CERTIFICATE))
		return 0;
	if (chainidx != 0) {
		dance_conn_fail(st, DANCE_ERR_BAD_NAME,
		    "dane_clientid on certificate entry %zu, not the end "
		    "entity",
		    chainidx);
		return 0;
	}
	if (st->ext_seen) {
		dance_conn_fail(
		    st, DANCE_ERR_BAD_NAME, "dane_clientid received twice");
		return 0;
	}
	st->ext_seen = 1;
	if (inlen < 1 || (size_t)in[0] != inlen - 1) {
		dance_conn_fail(st, DANCE_ERR_BAD_NAME,
		    "malformed dane_clientid: length byte %u, %zu octets "
		    "follow",
		    inlen > 0 ? in[0] : 0, inlen > 0 ? inlen - 1 : 0);
		return 0;
	}
	n = in[0];
	if (n == 0) {
		dance_conn_fail(st, DANCE_ERR_BAD_NAME,
		    "zero-length ClientName from client");
		return 0;
	}
	if (dance_clientname_check((const char *)in + 1, n) != DANCE_OK) {
		dance_conn_fail(st, DANCE_ERR_BAD_NAME,
		    "ClientName has characters outside [A-Za-z0-9._-], an "
		    "empty or long label, or is longer than 253 octets");
		return 0;
	}
	memcpy(st->name, in + 1, n);
	st->name[n] = '\0';
	if (dance_name_canon(st->name, st->name, sizeof(st->name)) != 0) {
		dance_conn_fail(st, DANCE_ERR_BAD_NAME, "bad ClientName");
		return 0;
	}
	if (!name_allowed(st->tls->ctx, st->name)) {
		dance_conn_fail(st, DANCE_ERR_NOT_ALLOWED,
		    "ClientName %s is outside the allowed suffixes", st->name);
		return 0;
	}
	memcpy(st->owner, st->name, sizeof(st->owner));
	t = client_tlsa(st, st->name);
	if (t == NULL) {
		dance_conn_fail(st, DANCE_ERR_DNS_TEMPFAIL,
		    "TLSA lookup for %s could not be made", st->name);
		return 0;
	}
	if (t->status != DANCE_DNS_SECURE) {
		dance_conn_fail(st, dance_dns_status_err(t->status),
		    "TLSA %s is %s%s%s", st->name,
		    dance_dns_status_str(t->status), t->why ? ": " : "",
		    t->why ? t->why : "");
		dance_tlsa_unref(t);
		return 0;
	}
	r = dance_ssl_add_tlsa(s, st->name, t);
	dance_tlsa_unref(t);
	if (r < 0)
		return 0; /* dance_ssl_add_tlsa() recorded why */
	return 1;
}

/* client_add - our name, on the end-entity entry only */
static int
client_add(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
    int *al, void *add_arg)
{
	struct dance_tls *tls = add_arg;

	(void)s;
	(void)ext_type;
	(void)x;
	(void)al;
	/* OpenSSL only calls this if the server's CR carried the extension. */
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE) || chainidx != 0 ||
	    tls->name_ext_len == 0)
		return 0;
	*out = tls->name_ext;
	*outlen = tls->name_ext_len;
	return 1;
}

/* client_parse - the server's CR extension: "" (-07) or "00" (-13) */
static int
client_parse(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
    void *parse_arg)
{
	struct dance_conn_state *st = dance_conn_state(s);

	(void)ext_type;
	(void)x;
	(void)chainidx;
	(void)parse_arg;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST) ||
	    !(inlen == 0 || (inlen == 1 && in[0] == 0))) {
		if (st != NULL)
			dance_conn_fail(st, DANCE_ERR_HANDSHAKE,
			    "malformed dane_clientid in CertificateRequest");
		*al = SSL_AD_DECODE_ERROR;
		return 0;
	}
	if (st != NULL)
		st->cr_ext_seen = 1;
	return 1;
}

int
dance_clientid_register(struct dance_tls *tls)
{
	int r;

	if (tls->server)
		r = SSL_CTX_add_custom_ext(tls->ssl_ctx, tls->ext_type,
		    EXT_CONTEXT, server_add, NULL, tls, server_parse, tls);
	else
		r = SSL_CTX_add_custom_ext(tls->ssl_ctx, tls->ext_type,
		    EXT_CONTEXT, client_add, NULL, tls, client_parse, tls);
	if (r != 1) {
		dance_log_crypto(tls->ctx, "dane_clientid extension");
		return DANCE_ERR_TLS;
	}
	return DANCE_OK;
}
