/*
 * bi_client.c - a pool of kept DANE mutual-TLS connections per Backend
 * Interfaces peer; see bi_client.h.
 *
 * Per peer (host, port, address): a FIFO of requests waiting for a
 * connection, and up to max_conns_per_peer connections, each idle, busy
 * with one request, or still in its handshake.  A request waits in the
 * FIFO until a connection is idle; a new connection is started only when
 * none is idle or coming.  A handshake that fails fails every request
 * waiting for that peer when no other connection could take them: the
 * reason (bogus TLSA, no match, ...) is the same for all of them, and
 * making each wait for its own deadline would only hide it.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "backend/bi_client.h"
#include "backend/http.h"
#include "dance.h"

struct peer;
struct conn;

struct bi_client_req {
	TAILQ_ENTRY(bi_client_req) entry; /* in peer->waiting */
	struct peer *peer;
	struct conn *conn; /* on the wire on this connection, or NULL */
	struct event *timer;
	struct timespec t0;
	bi_client_cb *cb;
	void *arg;
	char *wire; /* head and body */
	size_t wire_len;
	bool retried;
};
TAILQ_HEAD(req_list, bi_client_req);

enum conn_state { C_CONNECTING, C_IDLE, C_BUSY };

struct conn {
	LIST_ENTRY(conn) entry;
	struct peer *peer; /* NULL: orphaned, its handshake still running */
	enum conn_state st;
	struct bufferevent *bev;
	struct http_parser *hp;
	struct event *idle;
	struct bi_client_req *req; /* C_BUSY */
	unsigned uses;             /* requests sent on it */
	bool answer_started;       /* a byte of the current answer came */
	char peer_name[256];
};
LIST_HEAD(conn_list, conn);

struct peer {
	LIST_ENTRY(peer) entry;
	struct bi_client *client;
	char host[256];
	char addr[64]; /* "" : resolve host */
	uint16_t port;
	struct req_list waiting;
	unsigned nwaiting;
	struct conn_list conns;
	unsigned nconns, nconnecting;
};

struct bi_client {
	struct event_base *base;
	struct dance_tls *tls;
	struct bi_client_opts o;
	LIST_HEAD(, peer) peers;
	struct bi_client_stats stats;
};

static void dispatch(struct peer *p);
static void conn_close(struct conn *c);

const char *
bi_client_strerror(int err)
{
	switch (err) {
	case BI_CLIENT_OK:
		return "success";
	case BI_CLIENT_ERR_INVAL:
		return "invalid argument";
	case BI_CLIENT_ERR_NOMEM:
		return "out of memory";
	case BI_CLIENT_ERR_CONNECT:
		return "no authenticated connection to the peer";
	case BI_CLIENT_ERR_TIMEOUT:
		return "no answer in time";
	case BI_CLIENT_ERR_CLOSED:
		return "connection closed before the whole answer";
	case BI_CLIENT_ERR_PROTOCOL:
		return "the answer is not valid HTTP/1.1";
	case BI_CLIENT_ERR_QUEUE:
		return "too many requests wait for this peer";
	case BI_CLIENT_ERR_SHUTDOWN:
		return "the client is shutting down";
	}
	return "unknown error";
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* req_finish - the request's one callback, then its memory */
static void
req_finish(struct bi_client_req *r, struct bi_client_result *res)
{
	res->latency_ms = ms_since(&r->t0);
	if (res->why == NULL)
		res->why = "";
	if (res->body == NULL)
		res->body = "";
	if (res->err != BI_CLIENT_OK)
		r->peer->client->stats.failures++;
	if (r->cb != NULL)
		r->cb(r->arg, res);
	event_free(r->timer);
	free(r->wire);
	free(r);
}

static void
req_fail(struct bi_client_req *r, int err, int dance_err, const char *why)
{
	struct bi_client_result res = {.err = err,
	    .dance_err = dance_err,
	    .why = why != NULL ? why : bi_client_strerror(err)};

	req_finish(r, &res);
}

/* unqueue - take a waiting request out of its peer's FIFO */
static void
unqueue(struct bi_client_req *r)
{
	TAILQ_REMOVE(&r->peer->waiting, r, entry);
	r->peer->nwaiting--;
}

/* fail_waiting - every request waiting for p fails with this reason */
static void
fail_waiting(struct peer *p, int err, int dance_err, const char *why)
{
	struct bi_client_req *r;

	while ((r = TAILQ_FIRST(&p->waiting)) != NULL) {
		unqueue(r);
		req_fail(r, err, dance_err, why);
	}
}

static void
idle_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_close(arg);
}

/* conn_idle - a connection free for the next request */
static void
conn_idle(struct conn *c)
{
	struct timeval tv = {c->peer->client->o.idle_timeout_ms / 1000,
	    (c->peer->client->o.idle_timeout_ms % 1000) * 1000};

	c->st = C_IDLE;
	c->req = NULL;
	c->answer_started = false;
	evtimer_add(c->idle, &tv);
	dispatch(c->peer);
}

/* conn_close - drop a connection; a request on it is failed, or sent
 * again once if the server closed a kept connection before answering */
static void
conn_lost(struct conn *c, int err, const char *why)
{
	struct bi_client_req *r = c->req;
	struct peer *p = c->peer;

	c->req = NULL;
	if (r != NULL && err == BI_CLIENT_ERR_CLOSED && c->uses > 1 &&
	    !c->answer_started && !r->retried) {
		r->retried = true;
		r->conn = NULL;
		TAILQ_INSERT_HEAD(&p->waiting, r, entry);
		p->nwaiting++;
		r = NULL;
	}
	conn_close(c);
	if (r != NULL) {
		r->conn = NULL;
		req_fail(r, err, 0, why);
	}
	dispatch(p);
}

static void
conn_close(struct conn *c)
{
	struct peer *p = c->peer;

	LIST_REMOVE(c, entry);
	p->nconns--;
	p->client->stats.open_conns--;
	if (c->bev != NULL)
		bufferevent_free(c->bev); /* the SSL and the socket too */
	http_parser_free(c->hp);
	event_free(c->idle);
	free(c);
}

/* answered - a whole HTTP answer for the connection's request.  A kept
 * connection is idle again before the callback runs, so that a request
 * the callback posts goes on it rather than on a new one. */
static void
answered(struct conn *c, const struct http_msg *m)
{
	struct bi_client_req *r = c->req;
	struct peer *p = c->peer;
	struct bi_client_result res = {.err = BI_CLIENT_OK,
	    .status = m->status,
	    .body = m->body != NULL ? (const char *)m->body : "",
	    .len = m->body_len,
	    .peer = c->peer_name};
	struct timeval tv = {p->client->o.idle_timeout_ms / 1000,
	    (p->client->o.idle_timeout_ms % 1000) * 1000};
	bool keep = m->keep_alive;

	c->req = NULL;
	r->conn = NULL;
	p->client->stats.requests++;
	if (c->uses > 1)
		p->client->stats.reused++;
	if (keep) {
		c->st = C_IDLE;
		c->answer_started = false;
		evtimer_add(c->idle, &tv);
	}
	/* Not kept: still busy (with no request) until closed below, so
	 * that nothing is sent on it; m stays valid for the callback. */
	req_finish(r, &res);
	if (!keep)
		conn_close(c);
	dispatch(p);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const char *reason = NULL;
	size_t len, used;
	int ev;

	for (;;) {
		len = evbuffer_get_length(in);
		if (c->st != C_BUSY) {
			if (len > 0)
				conn_lost(c, BI_CLIENT_ERR_PROTOCOL,
				    "bytes from the server with no request");
			return;
		}
		if (len > 0)
			c->answer_started = true;
		ev = http_parser_feed(c->hp,
		    len > 0 ? evbuffer_pullup(in, (ev_ssize_t)len) : NULL, len,
		    &used);
		evbuffer_drain(in, used);
		if (ev == HTTP_EV_ERROR) {
			http_parser_error(c->hp, &reason);
			conn_lost(c, BI_CLIENT_ERR_PROTOCOL, reason);
			return;
		}
		if (ev == HTTP_EV_MESSAGE) {
			answered(c, http_parser_msg(c->hp));
			return;
		}
		/* After the head, the body may already be all there. */
		if (ev == HTTP_EV_NEED_MORE)
			return;
	}
}

void
bi_bev_why(struct bufferevent *bev, short what, char *buf, size_t len)
{
	int serr = EVUTIL_SOCKET_ERROR(); /* before anything else sets it */
	unsigned long e;
	char ebuf[160];

	if (what & BEV_EVENT_EOF)
		snprintf(buf, len, "closed by the server");
	else if ((e = bufferevent_get_openssl_error(bev)) != 0) {
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(buf, len, "TLS error: %s", ebuf);
	} else
		snprintf(buf, len, "connection error: %s",
		    evutil_socket_error_to_string(serr));
	ERR_clear_error();
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	char why[200];

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	bi_bev_why(bev, what, why, sizeof(why));
	conn_lost(arg, BI_CLIENT_ERR_CLOSED, why);
}

/* connected - the handshake's outcome */
static void
connected(void *arg, int err, SSL *ssl, int fd, const struct dance_peer *dp)
{
	struct conn *c = arg;
	struct peer *p = c->peer;
	char why[320];
	int one = 1;

	if (p == NULL) { /* orphaned by bi_client_free */
		if (err == DANCE_OK) {
			SSL_free(ssl);
			close(fd);
		}
		free(c);
		return;
	}
	p->nconnecting--;
	if (err != DANCE_OK) {
		p->client->stats.handshake_failures++;
		snprintf(why, sizeof(why), "%s port %u: %s", p->host,
		    (unsigned)p->port, dance_strerror(err));
		conn_close(c);
		/* Another connection may still take the waiting ones. */
		if (p->nconns == 0)
			fail_waiting(p, BI_CLIENT_ERR_CONNECT, err, why);
		else
			dispatch(p);
		return;
	}
	/* A request and an answer are one small write each: never wait for
	 * an ACK before sending one (Nagle and delayed ACKs). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	snprintf(c->peer_name, sizeof(c->peer_name), "%s",
	    dp != NULL && dp->name != NULL ? dp->name : p->host);
	c->bev = bufferevent_openssl_socket_new(p->client->base, fd, ssl,
	    BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);
		close(fd);
		conn_close(c);
		if (p->nconns == 0)
			fail_waiting(p, BI_CLIENT_ERR_NOMEM, 0, NULL);
		return;
	}
	/* A server that closes between two answers is not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	p->client->stats.handshakes++;
	conn_idle(c);
}

/* conn_new - start one more connection to p */
static void
conn_new(struct peer *p)
{
	struct bi_client *cl = p->client;
	struct http_limits lim = {.max_body = cl->o.max_answer};
	struct conn *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL || (c->hp = http_parser_new(HTTP_CLIENT, &lim)) == NULL ||
	    (c->idle = evtimer_new(cl->base, idle_timeout, c)) == NULL) {
		if (c != NULL)
			http_parser_free(c->hp);
		free(c);
		if (p->nconns == 0)
			fail_waiting(p, BI_CLIENT_ERR_NOMEM, 0, NULL);
		return;
	}
	c->peer = p;
	c->st = C_CONNECTING;
	LIST_INSERT_HEAD(&p->conns, c, entry);
	p->nconns++;
	p->nconnecting++;
	cl->stats.open_conns++;
	rc = dance_connect(cl->tls, p->host, p->port,
	    p->addr[0] != '\0' ? p->addr : NULL, connected, c);
	if (rc != DANCE_OK) {
		char why[320];

		p->nconnecting--;
		snprintf(why, sizeof(why), "%s port %u: %s", p->host,
		    (unsigned)p->port, dance_strerror(rc));
		conn_close(c);
		if (p->nconns == 0)
			fail_waiting(p, BI_CLIENT_ERR_CONNECT, rc, why);
	}
}

/* send_on - put r on the wire of the idle connection c */
static void
send_on(struct conn *c, struct bi_client_req *r)
{
	evtimer_del(c->idle);
	c->st = C_BUSY;
	c->req = r;
	c->uses++;
	c->answer_started = false;
	r->conn = c;
	if (bufferevent_write(c->bev, r->wire, r->wire_len) != 0)
		conn_lost(c, BI_CLIENT_ERR_NOMEM, "cannot queue the request");
}

/* dispatch - give waiting requests to idle connections; start a
 * connection when requests wait and none is idle or coming */
static void
dispatch(struct peer *p)
{
	struct bi_client_req *r;
	struct conn *c;

	while ((r = TAILQ_FIRST(&p->waiting)) != NULL) {
		LIST_FOREACH(c, &p->conns, entry)
		if (c->st == C_IDLE)
			break;
		if (c == NULL)
			break;
		unqueue(r);
		send_on(c, r);
	}
	if (p->nwaiting > p->nconnecting &&
	    p->nconns < p->client->o.max_conns_per_peer)
		conn_new(p);
}

static void
req_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct bi_client_req *r = arg;
	char why[96];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no answer within %u ms",
	    r->peer->client->o.request_timeout_ms);
	if (r->conn != NULL) {
		struct conn *c = r->conn;

		struct peer *p = c->peer;

		c->req = NULL;
		r->conn = NULL;
		conn_close(c); /* its answer would come out of step */
		req_fail(r, BI_CLIENT_ERR_TIMEOUT, 0, why);
		dispatch(p);
		return;
	}
	unqueue(r);
	req_fail(r, BI_CLIENT_ERR_TIMEOUT, 0, why);
}

static struct peer *
peer_get(
    struct bi_client *cl, const char *host, uint16_t port, const char *addr)
{
	struct peer *p;

	LIST_FOREACH(p, &cl->peers, entry)
	if (p->port == port && strcasecmp(p->host, host) == 0 &&
	    strcmp(p->addr, addr != NULL ? addr : "") == 0)
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->client = cl;
	snprintf(p->host, sizeof(p->host), "%s", host);
	snprintf(p->addr, sizeof(p->addr), "%s", addr != NULL ? addr : "");
	p->port = port;
	TAILQ_INIT(&p->waiting);
	LIST_INIT(&p->conns);
	LIST_INSERT_HEAD(&cl->peers, p, entry);
	return p;
}

int
bi_client_post(struct bi_client *cl, const char *host, uint16_t port,
    const char *addr, const char *body, size_t len, bi_client_cb *cb, void *arg,
    struct bi_client_req **handle)
{
	struct timeval tv;
	struct bi_client_req *r;
	struct peer *p;
	char head[400];
	int n;

	if (cl == NULL || host == NULL || port == 0 || body == NULL ||
	    cb == NULL || strlen(host) >= sizeof(p->host) ||
	    (addr != NULL && strlen(addr) >= sizeof(p->addr)))
		return BI_CLIENT_ERR_INVAL;
	if ((p = peer_get(cl, host, port, addr)) == NULL)
		return BI_CLIENT_ERR_NOMEM;
	if (p->nwaiting >= cl->o.max_queue_per_peer)
		return BI_CLIENT_ERR_QUEUE;
	n = snprintf(head, sizeof(head),
	    "POST / HTTP/1.1\r\nHost: %s:%u\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    host, (unsigned)port, len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return BI_CLIENT_ERR_INVAL;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->wire = malloc((size_t)n + len)) == NULL ||
	    (r->timer = evtimer_new(cl->base, req_timeout, r)) == NULL) {
		if (r != NULL)
			free(r->wire);
		free(r);
		return BI_CLIENT_ERR_NOMEM;
	}
	memcpy(r->wire, head, (size_t)n);
	memcpy(r->wire + n, body, len);
	r->wire_len = (size_t)n + len;
	r->peer = p;
	r->cb = cb;
	r->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	tv.tv_sec = cl->o.request_timeout_ms / 1000;
	tv.tv_usec = (cl->o.request_timeout_ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
	TAILQ_INSERT_TAIL(&p->waiting, r, entry);
	p->nwaiting++;
	if (handle != NULL)
		*handle = r;
	dispatch(p);
	return BI_CLIENT_OK;
}

void
bi_client_cancel(struct bi_client_req *r)
{
	if (r == NULL)
		return;
	r->cb = NULL;
	if (r->conn != NULL) {
		struct conn *c = r->conn;
		struct peer *p = c->peer;

		c->req = NULL;
		conn_close(c);
		dispatch(p);
	} else
		unqueue(r);
	event_free(r->timer);
	free(r->wire);
	free(r);
}

struct bi_client *
bi_client_new(struct event_base *base, struct dance_tls *tls,
    const struct bi_client_opts *o)
{
	struct bi_client *cl;

	if (base == NULL || tls == NULL ||
	    (cl = calloc(1, sizeof(*cl))) == NULL)
		return NULL;
	cl->base = base;
	cl->tls = dance_tls_ref(tls);
	if (o != NULL)
		cl->o = *o;
	if (cl->o.max_conns_per_peer == 0)
		cl->o.max_conns_per_peer = 4;
	if (cl->o.max_queue_per_peer == 0)
		cl->o.max_queue_per_peer = 1024;
	if (cl->o.idle_timeout_ms == 0)
		cl->o.idle_timeout_ms = 60000;
	if (cl->o.request_timeout_ms == 0)
		cl->o.request_timeout_ms = 5000;
	if (cl->o.max_answer == 0)
		cl->o.max_answer = HTTP_DEFAULT_MAX_BODY;
	LIST_INIT(&cl->peers);
	return cl;
}

void
bi_client_free(struct bi_client *cl)
{
	struct peer *p;
	struct conn *c;

	if (cl == NULL)
		return;
	while ((p = LIST_FIRST(&cl->peers)) != NULL) {
		fail_waiting(p, BI_CLIENT_ERR_SHUTDOWN, 0, NULL);
		while ((c = LIST_FIRST(&p->conns)) != NULL) {
			struct bi_client_req *r = c->req;

			if (c->st == C_CONNECTING) {
				/* Its handshake runs on: connected() frees
				 * it, knowing it by its missing peer. */
				LIST_REMOVE(c, entry);
				http_parser_free(c->hp);
				c->hp = NULL;
				event_free(c->idle);
				c->idle = NULL;
				c->peer = NULL;
				continue;
			}
			c->req = NULL;
			conn_close(c);
			if (r != NULL) {
				r->conn = NULL;
				req_fail(r, BI_CLIENT_ERR_SHUTDOWN, 0, NULL);
			}
		}
		LIST_REMOVE(p, entry);
		free(p);
	}
	dance_tls_free(cl->tls);
	free(cl);
}

void
bi_client_stats(const struct bi_client *cl, struct bi_client_stats *s)
{
	*s = cl->stats;
}
