/*
 * msgdump.c - a TLS 1.3 observer server built on raw OpenSSL, to see what
 * a dane_clientid client really puts on the wire.  It shares no code with
 * libdance: its CertificateRequest extension and everything it prints
 * come from OpenSSL alone, so a bug in our encoder cannot hide itself.
 *
 * usage: msgdump PORT CERT KEY [EXT_TYPE [PAYLOAD [CONNS]]]
 *   EXT_TYPE	extension codepoint (default 65500 = 0xFFDC)
 *   PAYLOAD	"00" (draft -13, default), "empty" (-06/-07 form) or
 *		"none" (no extension in the CertificateRequest)
 *   CONNS	connections to serve before exiting (default 1)
 *
 * Output, one line each, on stdout:
 *   listening on 127.0.0.1 port PORT
 *   recv TT HEX	a handshake message received (TT = its type)
 *   sent TT HEX	a handshake message sent
 *   ext ENTRY HEX	extension data OpenSSL handed to the parse callback
 *			for certificate entry ENTRY (0: end entity)
 *   handshake ok VERSION | handshake failed
 * HEX is the whole message, header included, in lower case.  Any client
 * certificate is accepted: this is an observer, not an authenticator.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

/* Nothing in a test should wait longer than this for a peer. */
#define IO_TIMEOUT_S 20

/* The -13 request: a zero-length ClientName, i.e. one octet 00. */
static const unsigned char zero_name[1] = {0};
static size_t payload_len = 1;

/* hexline - print "TAG TT HEX" for one message */
static void
hexline(const char *tag, const unsigned char *p, size_t len)
{
	size_t i;

	printf("%s %02x ", tag, len > 0 ? p[0] : 0);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
	fflush(stdout);
}

/* on_msg - every handshake message, both directions, as OpenSSL sees it */
static void
on_msg(int write_p, int version, int content_type, const void *buf, size_t len,
    SSL *ssl, void *arg)
{
	(void)version;
	(void)ssl;
	(void)arg;
	/* Record headers and inner content types are reported too: skip. */
	if (content_type != SSL3_RT_HANDSHAKE)
		return;
	hexline(write_p ? "sent" : "recv", buf, len);
}

/* ext_add - our CertificateRequest carries the configured payload */
static int
ext_add(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
    int *al, void *add_arg)
{
	(void)s;
	(void)ext_type;
	(void)x;
	(void)chainidx;
	(void)al;
	(void)add_arg;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST))
		return 0;
	*out = zero_name;
	*outlen = payload_len;
	return 1;
}

/* ext_parse - report what OpenSSL found, never refuse it */
static int
ext_parse(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
    void *parse_arg)
{
	size_t i;

	(void)s;
	(void)ext_type;
	(void)x;
	(void)al;
	(void)parse_arg;
	(void)context;
	printf("ext %zu ", chainidx);
	for (i = 0; i < inlen; i++)
		printf("%02x", in[i]);
	printf("\n");
	fflush(stdout);
	return 1;
}

/* accept_any - the observer takes whatever certificate it is given */
static int
accept_any(int preverify_ok, X509_STORE_CTX *xs)
{
	(void)preverify_ok;
	(void)xs;
	return 1;
}

/* parse_num - a decimal number in [lo, hi], or exit 2 */
static unsigned long
parse_num(const char *s, unsigned long lo, unsigned long hi, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < lo ||
	    v > hi) {
		fprintf(stderr, "msgdump: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

/* make_ctx - TLS 1.3 only, no tickets, client certificate requested */
static SSL_CTX *
make_ctx(
    const char *cert, const char *key, unsigned long ext_type, int with_ext)
{
	SSL_CTX *ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	/* Tickets would add NewSessionTicket lines to the dump. */
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1)
		goto fail;
	SSL_CTX_set_verify(
	    ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
	SSL_CTX_set_msg_callback(ctx, on_msg);
	if (with_ext &&
	    SSL_CTX_add_custom_ext(ctx, (unsigned int)ext_type,
		SSL_EXT_TLS1_3_ONLY | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |
		    SSL_EXT_TLS1_3_CERTIFICATE,
		ext_add, NULL, NULL, ext_parse, NULL) != 1)
		goto fail;
	return ctx;
fail:
	ERR_print_errors_fp(stderr);
	SSL_CTX_free(ctx);
	return NULL;
}

/* listen_on - a listening socket on 127.0.0.1:port */
static int
listen_on(unsigned long port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	/* The port was used by the previous server of the same test. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* serve_one - one handshake; say hello so the client sees it accepted */
static int
serve_one(SSL_CTX *ctx, int lfd)
{
	static const char hello[] = "hello msgdump\n";
	struct pollfd pfd;
	struct timeval tv = {IO_TIMEOUT_S, 0};
	SSL *ssl;
	int fd, ok = 0;

	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, IO_TIMEOUT_S * 1000) != 1) {
		fprintf(stderr, "msgdump: no connection within %d s\n",
		    IO_TIMEOUT_S);
		return -1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return -1;
	/* A silent peer must not hang the test: bound every read/write. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ctx);
	if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
		printf("handshake ok %s\n", SSL_get_version(ssl));
		fflush(stdout);
		if (SSL_write(ssl, hello, (int)sizeof(hello) - 1) > 0)
			ok = 1;
		SSL_shutdown(ssl);
	} else {
		printf("handshake failed\n");
		fflush(stdout);
		ERR_print_errors_fp(stderr);
	}
	SSL_free(ssl);
	close(fd);
	return ok ? 0 : -1;
}

/* main - serve CONNS handshakes, dumping every message */
int
main(int argc, char **argv)
{
	unsigned long port, ext_type = 0xFFDC, conns = 1, i;
	SSL_CTX *ctx;
	int lfd, with_ext = 1, rc = 0;

	if (argc < 4 || argc > 7) {
		fprintf(stderr,
		    "usage: msgdump PORT CERT KEY [EXT_TYPE "
		    "[00|empty|none [CONNS]]]\n");
		return 2;
	}
	port = parse_num(argv[1], 1, 65535, "port");
	if (argc > 4)
		ext_type = parse_num(argv[4], 1, 65535, "extension type");
	if (argc > 5) {
		if (strcmp(argv[5], "00") == 0)
			payload_len = 1;
		else if (strcmp(argv[5], "empty") == 0)
			payload_len = 0;
		else if (strcmp(argv[5], "none") == 0)
			with_ext = 0;
		else {
			fprintf(stderr,
			    "msgdump: payload: 00, empty or "
			    "none\n");
			return 2;
		}
	}
	if (argc > 6)
		conns = parse_num(argv[6], 1, 1000, "connection count");
	signal(SIGPIPE, SIG_IGN);
	ctx = make_ctx(argv[2], argv[3], ext_type, with_ext);
	if (ctx == NULL)
		return 1;
	lfd = listen_on(port);
	if (lfd < 0) {
		fprintf(
		    stderr, "msgdump: port %lu: %s\n", port, strerror(errno));
		SSL_CTX_free(ctx);
		return 1;
	}
	printf("listening on 127.0.0.1 port %lu\n", port);
	fflush(stdout);
	for (i = 0; i < conns; i++)
		if (serve_one(ctx, lfd) != 0)
			rc = 1;
	close(lfd);
	SSL_CTX_free(ctx);
	return rc;
}
