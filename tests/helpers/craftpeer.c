/*
 * craftpeer.c - a TLS client that can misbehave, to test how a
 * dane_clientid server refuses bad peers.  It is raw OpenSSL and shares
 * no code with libdance's client, whose encoder only makes well-formed
 * extensions: here the dane_clientid payload, the certificate entry that
 * carries it, the protocol version and even the signing key are chosen
 * on the command line.
 *
 * usage: craftpeer --connect ADDR:PORT --cert FILE --key FILE
 *	[--ext-hex HEX] [--ext-chainidx N] [--ext-type N] [--tls12]
 *	[--sign-key FILE] [--timeout MS]
 *
 *   --cert FILE	PEM certificate, then its chain
 *   --key FILE		PEM private key of that certificate (not needed
 *			with --sign-key)
 *   --ext-hex HEX	extension_data of dane_clientid in our Certificate
 *			("" sends an empty extension); without it nothing
 *			is sent, as with a stock client
 *   --ext-chainidx N	certificate entry that carries it (default 0)
 *   --ext-type N	codepoint (default 65500 = 0xFFDC)
 *   --tls12		offer TLS 1.2 at most (default: TLS 1.3 only)
 *   --sign-key FILE	sign CertificateVerify with the private key in
 *			FILE while presenting --cert: a certificate that
 *			does not match its private key
 *   --timeout MS	socket I/O deadline (default 10000)
 *
 * The server is not verified: this is a test peer.  After the handshake
 * it reads one line from the server, then prints exactly one line:
 *   accepted: LINE tickets=N	the server wrote LINE; N session tickets
 *   alert=NUM DESCRIPTION	the server sent this fatal alert
 *   closed: REASON		the connection ended without an alert
 * Exit status: 0 accepted, 1 alert or closed, 2 usage or set-up error.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "util/bytes.h"
#include "util/strnum.h"

#define EXT_DEFAULT 0xFFDC
#define EXT_MAX 65535 /* extension_data<0..2^16-1> */

struct peer {
	uint16_t ext_type;
	unsigned char *ext; /* payload, NULL: send no extension */
	size_t ext_len;
	size_t ext_idx;   /* certificate entry that carries it */
	int cr_ext_seen;  /* the server's CR carried the extension */
	int alert_in;     /* fatal alert received, -1: none */
	int alert_out;    /* fatal alert we sent, -1: none */
	unsigned tickets; /* NewSessionTicket messages received */
};

/* The info and session callbacks have no argument of their own. */
static struct peer peer;

/* usage - print the synopsis; exit status 2 */
static int
usage(void)
{
	fprintf(stderr,
	    "usage: craftpeer --connect ADDR:PORT --cert FILE "
	    "--key FILE\n"
	    "\t[--ext-hex HEX] [--ext-chainidx N] [--ext-type N] [--tls12]\n"
	    "\t[--sign-key FILE] [--timeout MS]\n");
	return 2;
}

/* parse_hex - strict even-length hex (possibly empty: the -07 form) into
 * a new buffer; -1 if malformed */
static int
parse_hex(const char *s, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	const char *why;

	/* One spare byte: malloc(0) may return NULL for an empty payload. */
	buf = malloc(EXT_MAX + 1);
	if (buf == NULL)
		return -1;
	*outlen = 0;
	if (*s != '\0' && bytes_from_hex(s, buf, EXT_MAX, outlen, &why) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* ext_add - our payload, on the chosen certificate entry only */
static int
ext_add(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
    int *al, void *add_arg)
{
	struct peer *p = add_arg;

	(void)s;
	(void)ext_type;
	(void)x;
	(void)al;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE) || p->ext == NULL ||
	    chainidx != p->ext_idx)
		return 0;
	*out = p->ext;
	*outlen = p->ext_len;
	return 1;
}

/* ext_parse - accept whatever the server's CertificateRequest carries */
static int
ext_parse(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
    void *parse_arg)
{
	struct peer *p = parse_arg;

	(void)s;
	(void)ext_type;
	(void)in;
	(void)inlen;
	(void)x;
	(void)chainidx;
	(void)al;
	if (context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST)
		p->cr_ext_seen = 1;
	return 1;
}

/* info_cb - remember the first fatal alert in each direction */
static void
info_cb(const SSL *s, int where, int ret)
{
	(void)s;
	if (!(where & SSL_CB_ALERT) || (ret >> 8) != SSL3_AL_FATAL)
		return;
	if ((where & SSL_CB_READ) && peer.alert_in < 0)
		peer.alert_in = ret & 0xff;
	else if ((where & SSL_CB_WRITE) && peer.alert_out < 0)
		peer.alert_out = ret & 0xff;
}

/* new_session - count tickets: a resumable session would skip DANE */
static int
new_session(SSL *s, SSL_SESSION *sess)
{
	(void)s;
	(void)sess;
	peer.tickets++;
	return 0; /* not kept: OpenSSL frees it */
}

/*
 * mismatched_key - a key pair whose public half is the certificate's and
 * whose private half comes from another key.  OpenSSL refuses to load a
 * private key that does not match the certificate (it compares public
 * keys), so the only way to make such a peer is to compose the key
 * object: the check passes, but every signature is made with the other
 * private key, as on a host whose key file was replaced.
 */
static EVP_PKEY *
mismatched_key(const char *certfile, const char *keyfile)
{
	char group[80];
	unsigned char pub[256];
	size_t glen, plen;
	X509 *x = NULL;
	EVP_PKEY *other = NULL, *out = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	BIGNUM *priv = NULL;
	FILE *f;

	if ((f = fopen(certfile, "r")) != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(keyfile, "r")) != NULL) {
		other = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x == NULL || other == NULL)
		goto done;
	/* Only EC keys can be composed this way; the fixture's are P-256. */
	if (EVP_PKEY_get_utf8_string_param(X509_get0_pubkey(x),
		OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen) != 1 ||
	    EVP_PKEY_get_octet_string_param(X509_get0_pubkey(x),
		OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &plen) != 1 ||
	    EVP_PKEY_get_bn_param(other, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1)
		goto done;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(
		bld, OSSL_PKEY_PARAM_GROUP_NAME, group, glen) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(
		bld, OSSL_PKEY_PARAM_PUB_KEY, pub, plen) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &out, EVP_PKEY_KEYPAIR, params) != 1)
		out = NULL;
done:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	EVP_PKEY_free(other);
	X509_free(x);
	return out;
}

/* tcp_connect - blocking connect to "ADDR:PORT" with I/O deadlines */
static int
tcp_connect(const char *target, unsigned timeout_ms)
{
	char host[256];
	const char *colon = strrchr(target, ':');
	struct addrinfo hints, *res, *ai;
	struct timeval tv;
	size_t hl;
	int fd = -1;

	if (colon == NULL || colon == target ||
	    (hl = (size_t)(colon - target)) >= sizeof(host))
		return -1;
	memcpy(host, target, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -1;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ==
			0 &&
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ==
			0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* report - the one result line; the exit status that goes with it */
static int
report(SSL *ssl, int r, const char *what)
{
	unsigned long e;
	char buf[256];
	int se;

	if (peer.alert_in >= 0) {
		printf("alert=%d %s\n", peer.alert_in,
		    SSL_alert_desc_string_long(peer.alert_in));
		return 1;
	}
	se = SSL_get_error(ssl, r);
	e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else if (se == SSL_ERROR_SYSCALL && errno != 0)
		snprintf(buf, sizeof(buf), "%s", strerror(errno));
	else
		snprintf(buf, sizeof(buf), "%s",
		    se == SSL_ERROR_ZERO_RETURN ? "close_notify"
						: "end of stream");
	printf("closed: %s: %s", what, buf);
	if (peer.alert_out >= 0)
		printf(" (we sent alert %d %s)", peer.alert_out,
		    SSL_alert_desc_string_long(peer.alert_out));
	printf("\n");
	return 1;
}

/* run - handshake, then read the server's one line */
static int
run(SSL_CTX *ctx, int fd)
{
	char line[512];
	size_t have = 0;
	SSL *ssl;
	int r, rc;

	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		fprintf(stderr, "craftpeer: SSL_new failed\n");
		return 2;
	}
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_connect(ssl)) != 1) {
		rc = report(ssl, r, "handshake");
		SSL_free(ssl);
		return rc;
	}
	/* OpenSSL answers only what the CR asked for: say so, or be misread. */
	if (peer.ext != NULL && !peer.cr_ext_seen)
		fprintf(stderr,
		    "craftpeer: no extension %u in the server's "
		    "CertificateRequest: none was sent\n",
		    peer.ext_type);
	/*
	 * A TLS 1.3 client finishes its handshake before the server has
	 * judged its certificate: the verdict is the server's first record,
	 * either application data or an alert.
	 */
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_read(ssl, line + have, (int)(sizeof(line) - 1 - have));
		if (r <= 0)
			break;
		have += (size_t)r;
		if (memchr(line, '\n', have) != NULL ||
		    have == sizeof(line) - 1)
			break;
	}
	if (have == 0) {
		rc = report(ssl, r, "after handshake");
		SSL_free(ssl);
		return rc;
	}
	line[have] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	printf("accepted: %s tickets=%u\n", line, peer.tickets);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	return 0;
}

/* main - one crafted handshake against ADDR:PORT, one line of verdict */
int
main(int argc, char **argv)
{
	const char *target = NULL, *cert = NULL, *key = NULL, *sign = NULL;
	const char *errstr;
	unsigned timeout_ms = 10000;
	int tls12 = 0, i, fd, rc;
	SSL_CTX *ctx;
	EVP_PKEY *pk;

	peer.ext_type = EXT_DEFAULT;
	peer.alert_in = peer.alert_out = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--tls12") == 0) {
			tls12 = 1;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (strcmp(a, "--connect") == 0)
			target = argv[++i];
		else if (strcmp(a, "--cert") == 0)
			cert = argv[++i];
		else if (strcmp(a, "--key") == 0)
			key = argv[++i];
		else if (strcmp(a, "--sign-key") == 0)
			sign = argv[++i];
		else if (strcmp(a, "--ext-hex") == 0) {
			free(peer.ext);
			if (parse_hex(argv[++i], &peer.ext, &peer.ext_len) !=
			    0) {
				fprintf(stderr,
				    "craftpeer: --ext-hex: not an "
				    "even-length hex string of at most %d "
				    "octets\n",
				    EXT_MAX);
				return 2;
			}
		} else if (strcmp(a, "--ext-chainidx") == 0) {
			peer.ext_idx =
			    (size_t)strnum_parse(argv[++i], 0, 100, &errstr);
			if (errstr != NULL)
				return usage();
		} else if (strcmp(a, "--ext-type") == 0) {
			peer.ext_type = (uint16_t)strnum_parse(
			    argv[++i], 1, 65535, &errstr);
			if (errstr != NULL)
				return usage();
		} else if (strcmp(a, "--timeout") == 0) {
			timeout_ms = (unsigned)strnum_parse(
			    argv[++i], 1, 600000, &errstr);
			if (errstr != NULL)
				return usage();
		} else
			return usage();
	}
	if (target == NULL || cert == NULL || (key == NULL && sign == NULL))
		return usage();

	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(
		ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(
		ctx, tls12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1 ||
	    SSL_CTX_add_custom_ext(ctx, peer.ext_type,
		SSL_EXT_TLS1_3_ONLY | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |
		    SSL_EXT_TLS1_3_CERTIFICATE,
		ext_add, NULL, &peer, ext_parse, &peer) != 1) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_info_callback(ctx, info_cb);
	/* The new-session callback only runs with a client-side cache. */
	SSL_CTX_set_session_cache_mode(
	    ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	if (sign != NULL) {
		if ((pk = mismatched_key(cert, sign)) == NULL ||
		    SSL_CTX_use_PrivateKey(ctx, pk) != 1) {
			fprintf(stderr,
			    "craftpeer: cannot compose a key from "
			    "%s and %s\n",
			    cert, sign);
			ERR_print_errors_fp(stderr);
			return 2;
		}
		EVP_PKEY_free(pk);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) !=
		1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	if ((fd = tcp_connect(target, timeout_ms)) < 0) {
		fprintf(stderr, "craftpeer: cannot connect to %s\n", target);
		SSL_CTX_free(ctx);
		return 2;
	}
	rc = run(ctx, fd);
	close(fd);
	SSL_CTX_free(ctx);
	free(peer.ext);
	fflush(stdout);
	return rc;
}
