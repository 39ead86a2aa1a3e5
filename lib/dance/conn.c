/*
 * conn.c - handshakes driven on the context's event base.
 *
 * dance_accept() runs the server side with SSL_MODE_ASYNC, so that the
 * TLSA lookup for a client's name pauses only that handshake (see
 * clientid.c).  dance_connect() looks up _port._tcp.host TLSA and the
 * host's addresses first, then connects, so a DNS failure never costs a
 * TCP connection and the server is judged by secure records only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <unbound.h>

#include "dance_int.h"
#include "resolver.h"
#include "tls_int.h"

#define RR_TYPE_A 1
#define RR_TYPE_AAAA 28

struct dance_conn {
	struct dance_tls *tls; /* one reference */
	struct dance_ctx *ctx;
	SSL *ssl;
	int fd;
	struct event *ev_io;
	struct event *ev_resume;
	struct event *ev_timeout;
	dance_handshake_cb *cb;
	void *arg;
	char peer[DANCE_NAME_MAX + 64]; /* for log lines */
	/* client side */
	char host[DANCE_NAME_MAX + 1];
	uint16_t port;
	struct dance_lookup *lookup;
	struct dance_tlsa *tlsa;
	struct dance_query *addr_q;
	int addr_type;
	struct sockaddr_storage sa;
	socklen_t salen;
	int connecting;
};

static void conn_step(struct dance_conn *c);

static void
conn_free(struct dance_conn *c)
{
	if (c->ev_io != NULL)
		event_free(c->ev_io);
	if (c->ev_resume != NULL)
		event_free(c->ev_resume);
	if (c->ev_timeout != NULL)
		event_free(c->ev_timeout);
	dance_lookup_cancel(c->lookup);
	dance_query_cancel(c->addr_q);
	dance_tlsa_unref(c->tlsa);
	dance_tls_free(c->tls);
	free(c);
}

/* conn_finish_fail - log the one line that names the reason, clean up */
static void
conn_finish_fail(struct dance_conn *c, int err, const char *why)
{
	const char *swhy = NULL;
	int serr = 0;

	if (c->ssl != NULL)
		serr = dance_ssl_failure(c->ssl, &swhy);
	if (serr != 0) {
		err = serr;
		why = swhy;
	}
	dance_log(c->ctx, DANCE_LOG_WARNING,
	    "%s %s: handshake_failure: "
	    "%s%s%s",
	    c->tls->server ? "client" : "server", c->peer, dance_strerror(err),
	    why != NULL ? ": " : "", why != NULL ? why : "");
	ERR_clear_error();
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->cb(c->arg, err, NULL, -1, NULL);
	conn_free(c);
}

/* conn_finish_ok - hand the established connection to the caller */
static void
conn_finish_ok(struct dance_conn *c)
{
	struct dance_conn_state *st = dance_conn_state(c->ssl);
	struct dance_peer peer;
	SSL *ssl = c->ssl;
	int fd = c->fd, err;

	err = dance_ssl_peer(ssl, &peer);
	if (err != DANCE_OK) {
		conn_finish_fail(c, err, NULL);
		return;
	}
	SSL_clear_mode(ssl, SSL_MODE_ASYNC);
	st->wake = NULL;
	st->wake_arg = NULL;
	if (st->unusable > 0)
		dance_log(c->ctx, DANCE_LOG_INFO,
		    "%s: %u unusable TLSA "
		    "record%s skipped, e.g. %s",
		    st->owner, st->unusable, st->unusable == 1 ? "" : "s",
		    st->unusable_rr);
	if (peer.name != NULL && peer.pkix)
		dance_log(c->ctx, DANCE_LOG_INFO,
		    "%s %s authenticated as %s by PKIX: no dane_clientid, "
		    "a named PKIX peer",
		    c->tls->server ? "client" : "server", c->peer, peer.name);
	else if (peer.name != NULL)
		dance_log(c->ctx, DANCE_LOG_INFO,
		    "%s %s authenticated as %s "
		    "by TLSA %s %u %u %u at depth %d",
		    c->tls->server ? "client" : "server", c->peer, peer.name,
		    peer.tlsa_owner, peer.usage, peer.selector, peer.mtype,
		    peer.depth);
	c->ssl = NULL;
	c->fd = -1;
	c->cb(c->arg, DANCE_OK, ssl, fd, &st->peer);
	conn_free(c);
}

static void
conn_io(evutil_socket_t fd, short what, void *arg)
{
	struct dance_conn *c = arg;
	int err;
	socklen_t len = sizeof(err);

	(void)fd;
	(void)what;
	if (c->connecting) {
		c->connecting = 0;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			conn_finish_fail(c, DANCE_ERR_CONNECT,
			    strerror(err != 0 ? err : errno));
			return;
		}
	}
	conn_step(c);
}

static void
conn_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_step(arg);
}

/* conn_wake - the resolver answered a paused handshake */
static void
conn_wake(void *arg)
{
	struct dance_conn *c = arg;

	event_active(c->ev_resume, EV_TIMEOUT, 0);
}

static void
conn_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct dance_conn *c = arg;
	struct dance_conn_state *st;

	(void)fd;
	(void)what;
	st = c->ssl != NULL ? dance_conn_state(c->ssl) : NULL;
	if (st != NULL && st->lookup != NULL) {
		/*
		 * A paused job must run to its end before its SSL is freed:
		 * answer it with a failure and let it finish.
		 */
		dance_lookup_cancel(st->lookup);
		st->lookup = NULL;
		st->lookup_result = dance_tlsa_new_status(
		    st->name, DANCE_DNS_TEMPFAIL, "handshake deadline");
		st->lookup_done = 1;
		dance_conn_fail(st, DANCE_ERR_TIMEOUT,
		    "handshake deadline passed during TLSA lookup");
		conn_step(c);
		return;
	}
	conn_finish_fail(c, DANCE_ERR_TIMEOUT, "handshake deadline passed");
}

/* conn_step - advance the handshake until it needs to wait */
static void
conn_step(struct dance_conn *c)
{
	int r, e;
	short what;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		conn_finish_ok(c);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		what = e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE;
		event_del(c->ev_io);
		event_assign(c->ev_io, c->ctx->base, c->fd, what, conn_io, c);
		event_add(c->ev_io, NULL);
		return;
	case SSL_ERROR_WANT_ASYNC:
		/* The job paused for a TLSA lookup; conn_wake() resumes. */
		dance_conn_start_lookup(dance_conn_state(c->ssl));
		return;
	case SSL_ERROR_WANT_ASYNC_JOB: {
		/* The job pool is exhausted: try again shortly. */
		struct timeval tv = {0, 1000};

		event_del(c->ev_resume);
		event_add(c->ev_resume, &tv);
		return;
	}
	case SSL_ERROR_ZERO_RETURN:
		conn_finish_fail(c, DANCE_ERR_CLOSED, NULL);
		return;
	case SSL_ERROR_SYSCALL:
		conn_finish_fail(c, DANCE_ERR_CLOSED,
		    errno != 0 ? strerror(errno) : "connection closed");
		return;
	default: {
		char buf[256];
		unsigned long oe = ERR_peek_error();

		ERR_error_string_n(oe, buf, sizeof(buf));
		conn_finish_fail(c, DANCE_ERR_HANDSHAKE, oe != 0 ? buf : NULL);
		return;
	}
	}
}

static struct dance_conn *
conn_new(struct dance_tls *tls, dance_handshake_cb *cb, void *arg)
{
	struct dance_conn *c;
	struct timeval tv;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->tls = dance_tls_ref(tls);
	c->ctx = tls->ctx;
	c->fd = -1;
	c->cb = cb;
	c->arg = arg;
	c->ev_io = event_new(c->ctx->base, -1, 0, conn_io, c);
	c->ev_resume = evtimer_new(c->ctx->base, conn_resume, c);
	c->ev_timeout = evtimer_new(c->ctx->base, conn_timeout, c);
	tv.tv_sec = tls->handshake_timeout_ms / 1000;
	tv.tv_usec = (tls->handshake_timeout_ms % 1000) * 1000;
	if (c->ev_io == NULL || c->ev_resume == NULL || c->ev_timeout == NULL ||
	    evtimer_add(c->ev_timeout, &tv) != 0) {
		conn_free(c);
		return NULL;
	}
	return c;
}

/* conn_attach_ssl - an SSL on the socket, with our wake-up hook */
static int
conn_attach_ssl(struct dance_conn *c)
{
	struct dance_conn_state *st;

	c->ssl = dance_ssl_new(c->tls);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return DANCE_ERR_TLS;
	st = dance_conn_state(c->ssl);
	st->wake = conn_wake;
	st->wake_arg = c;
	return DANCE_OK;
}

static void
sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	host[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	}
	snprintf(buf, len, "%s port %u", host[0] ? host : "?", port);
}

int
dance_accept(struct dance_tls *tls, int fd, dance_handshake_cb *cb, void *arg)
{
	struct dance_conn *c;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (!tls->server || tls->ctx->base == NULL) {
		close(fd);
		return DANCE_ERR_STATE;
	}
	c = conn_new(tls, cb, arg);
	if (c == NULL) {
		close(fd);
		return DANCE_ERR_NOMEM;
	}
	c->fd = fd;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		sockaddr_str((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	else
		snprintf(c->peer, sizeof(c->peer), "fd %d", fd);
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    conn_attach_ssl(c) != DANCE_OK) {
		if (c->ssl != NULL)
			SSL_free(c->ssl);
		close(fd);
		conn_free(c);
		return DANCE_ERR_TLS;
	}
	SSL_set_mode(c->ssl, SSL_MODE_ASYNC);
	SSL_set_accept_state(c->ssl);
	event_active(c->ev_resume, EV_TIMEOUT, 0);
	return DANCE_OK;
}

/* client_connect - TCP connect to the resolved address, then handshake */
static void
client_connect(struct dance_conn *c)
{
	int r;

	c->fd = socket(c->sa.ss_family, SOCK_STREAM, 0);
	if (c->fd < 0 || evutil_make_socket_nonblocking(c->fd) != 0) {
		conn_finish_fail(c, DANCE_ERR_CONNECT, strerror(errno));
		return;
	}
	if (conn_attach_ssl(c) != DANCE_OK ||
	    dance_ssl_set_server_tlsa(c->ssl, c->host, c->tlsa) < 0) {
		conn_finish_fail(c, DANCE_ERR_TLS, NULL);
		return;
	}
	SSL_set_connect_state(c->ssl);
	r = connect(c->fd, (struct sockaddr *)&c->sa, c->salen);
	if (r != 0 && errno != EINPROGRESS) {
		conn_finish_fail(c, DANCE_ERR_CONNECT, strerror(errno));
		return;
	}
	c->connecting = 1;
	event_assign(c->ev_io, c->ctx->base, c->fd, EV_WRITE, conn_io, c);
	event_add(c->ev_io, NULL);
}

/* client_addr_answered - A (then AAAA) lookup of the server's host */
static void
client_addr_answered(void *arg, int err, struct ub_result *res)
{
	struct dance_conn *c = arg;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&c->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->sa;

	c->addr_q = NULL;
	if (err != 0 || res == NULL || res->bogus) {
		ub_resolve_free(res);
		conn_finish_fail(c,
		    err == 0 ? DANCE_ERR_DNS_BOGUS : DANCE_ERR_DNS_TEMPFAIL,
		    "address lookup failed");
		return;
	}
	if (res->havedata && c->addr_type == RR_TYPE_A && res->len[0] == 4) {
		memset(&c->sa, 0, sizeof(c->sa));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		memcpy(&s4->sin_addr, res->data[0], 4);
		c->salen = sizeof(*s4);
	} else if (res->havedata && c->addr_type == RR_TYPE_AAAA &&
	    res->len[0] == 16) {
		memset(&c->sa, 0, sizeof(c->sa));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->port);
		memcpy(&s6->sin6_addr, res->data[0], 16);
		c->salen = sizeof(*s6);
	} else if (c->addr_type == RR_TYPE_A) {
		ub_resolve_free(res);
		c->addr_type = RR_TYPE_AAAA;
		c->addr_q = dance_query_start(
		    c->ctx, c->host, RR_TYPE_AAAA, client_addr_answered, c);
		if (c->addr_q == NULL)
			conn_finish_fail(c, DANCE_ERR_RESOLVER, NULL);
		return;
	} else {
		ub_resolve_free(res);
		conn_finish_fail(c, DANCE_ERR_CONNECT, "host has no address");
		return;
	}
	ub_resolve_free(res);
	client_connect(c);
}

/* client_tlsa_answered - only a secure TLSA RRset lets us go on */
static void
client_tlsa_answered(void *arg, struct dance_tlsa *t)
{
	struct dance_conn *c = arg;
	char why[512];

	c->lookup = NULL;
	c->tlsa = t;
	if (t->status != DANCE_DNS_SECURE) {
		snprintf(why, sizeof(why), "TLSA %s is %s%s%s", t->owner,
		    dance_dns_status_str(t->status), t->why ? ": " : "",
		    t->why ? t->why : "");
		conn_finish_fail(c, dance_dns_status_err(t->status), why);
		return;
	}
	if (c->salen != 0) {
		client_connect(c);
		return;
	}
	c->addr_type = RR_TYPE_A;
	c->addr_q = dance_query_start(
	    c->ctx, c->host, RR_TYPE_A, client_addr_answered, c);
	if (c->addr_q == NULL)
		conn_finish_fail(c, DANCE_ERR_RESOLVER, NULL);
}

/* parse_literal - a numeric address, without any name service call */
static int
parse_literal(const char *addr, uint16_t port, struct sockaddr_storage *sa,
    socklen_t *salen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*salen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*salen = sizeof(*s6);
		return 0;
	}
	return -1;
}

int
dance_connect(struct dance_tls *tls, const char *host, uint16_t port,
    const char *addr, dance_handshake_cb *cb, void *arg)
{
	char owner[DANCE_NAME_MAX + 16];
	struct dance_conn *c;
	int r;

	if (tls->server || tls->ctx->base == NULL)
		return DANCE_ERR_STATE;
	c = conn_new(tls, cb, arg);
	if (c == NULL)
		return DANCE_ERR_NOMEM;
	c->port = port;
	if (dance_name_canon(host, c->host, sizeof(c->host)) != 0 ||
	    (addr != NULL &&
		parse_literal(addr, port, &c->sa, &c->salen) != 0)) {
		conn_free(c);
		return DANCE_ERR_INVAL;
	}
	snprintf(c->peer, sizeof(c->peer), "%s port %u", c->host, port);
	snprintf(owner, sizeof(owner), "_%u._tcp.%s", port, c->host);
	r = dance_tlsa_lookup(
	    c->ctx, owner, client_tlsa_answered, c, &c->lookup);
	if (r != DANCE_OK) {
		conn_free(c);
		return r;
	}
	return DANCE_OK;
}
