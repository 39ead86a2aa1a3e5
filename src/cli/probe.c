/*
 * probe.c - which certificate does a TLS server present right now?  Key
 * rollover asks it after a reload, before it deletes the old record: a
 * server still presenting the old certificate would lose every peer that
 * fetches the new RRset.  The probe only reads the server's certificate;
 * it authenticates nothing and trusts nothing it reads.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cli.h"

static int probe_idx = -1;

/* Keep the end-entity certificate; the handshake may fail later on. */
static int
capture_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
	    xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	X509 **seen = SSL_get_ex_data(ssl, probe_idx);
	X509 *x = X509_STORE_CTX_get0_cert(xs);

	(void)ok;
	if (seen != NULL && *seen == NULL && x != NULL && X509_up_ref(x))
		*seen = x;
	/* Continue only to receive the certificate, never to trust it. */
	return 1;
}

static int
tcp_connect(const char *addr, uint16_t port, unsigned timeout_ms)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	struct sockaddr *sa;
	socklen_t salen;
	int fd;

	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		sa = (struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else
		return -1;
	if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) == -1)
		return -1;
	/* Bounded: a blocked probe must not hang the rollover forever. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, sa, salen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
cli_probe_server_cert(
    const char *addr, uint16_t port, unsigned timeout_ms, X509 **cert)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int fd, r = -1;

	*cert = NULL;
	if (probe_idx < 0 &&
	    (probe_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL)) < 0)
		return -1;
	if ((fd = tcp_connect(addr, port, timeout_ms)) == -1)
		return -1;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    (ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd) ||
	    !SSL_set_ex_data(ssl, probe_idx, cert))
		goto out;
	SSL_set_verify(ssl, SSL_VERIFY_PEER, capture_cb);
	(void)SSL_connect(ssl);
	r = *cert != NULL ? 0 : -1;
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return r;
}
