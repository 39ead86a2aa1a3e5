/*
 * conn.c - jsload's connections: DANE connections, HTTP/1.1 over
 * bufferevents, reconnects, the rate, the dispatch of requests, and the
 * end of a run.
 *
 * Design: one thread, one libevent loop.  Connections are made by
 * libdance (the server is authenticated by its TLSA record, we present
 * our ClientName in dane_clientid), then carried by OpenSSL
 * bufferevents, HTTP/1.1 keep-alive, one request at a time each (the
 * Join Server answers in order, one at a time per connection anyway).  A
 * device has at most one join in flight, as a real device does: so for a
 * counter device the order of acceptance is the order of sending, and a
 * refusal of a fresh DevNonce is always an error.  A connection that
 * fails (the server died) records its request as "unanswered" and
 * reconnects after a short backoff until the duration ends.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "backend/bi_client.h"
#include "backend/http.h"
#include "dance.h"

#include "jsload.h"

static void conn_connect(struct conn *c);
static void try_dispatch(void);
static void maybe_done(void);

void
conn_drop(struct conn *c)
{
	if (c->bev != NULL)
		bufferevent_free(c->bev); /* frees the SSL, closes the fd */
	c->bev = NULL;
	http_parser_free(c->hp);
	c->hp = NULL;
	evtimer_del(c->timer);
}

/* conn_lost - the connection failed: its request is unanswered; retry */
static void
conn_lost(struct conn *c, const char *why)
{
	struct timeval tv;

	if (c->st == C_BUSY) {
		L.n.unanswered++;
		finish(c, "unanswered", -1);
	}
	note(L.first_conn_error, sizeof(L.first_conn_error), "%s", why);
	conn_drop(c);
	if (L.stopping) {
		c->st = C_DOWN;
		maybe_done();
		return;
	}
	c->st = C_BACKOFF;
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							   : c->backoff_ms * 2;
}

/* conn_release - after an answer: keep the connection, or start anew */
static void
conn_release(struct conn *c, bool keep)
{
	evtimer_del(c->timer);
	if (!keep || L.stopping) {
		conn_drop(c);
		c->st = C_DOWN;
		if (L.stopping)
			maybe_done();
		else
			conn_connect(c);
		return;
	}
	c->st = C_READY;
	try_dispatch();
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const struct http_msg *m;
	size_t len, used;
	const char *reason = NULL;
	bool keep;
	int ev;

	while ((len = evbuffer_get_length(in)) > 0) {
		if (c->st != C_BUSY) {
			conn_lost(c, "bytes from the server with no request");
			return;
		}
		ev = http_parser_feed(
		    c->hp, evbuffer_pullup(in, (ev_ssize_t)len), len, &used);
		evbuffer_drain(in, used);
		if (ev == HTTP_EV_ERROR) {
			http_parser_error(c->hp, &reason);
			L.n.errors++;
			note(L.first_error, sizeof(L.first_error),
			    "bad HTTP answer: %s", reason);
			finish(c, "bad-answer", -1);
			c->st = C_READY; /* the request is accounted for */
			conn_lost(c, "bad HTTP answer");
			return;
		}
		if (ev != HTTP_EV_MESSAGE)
			continue;
		m = http_parser_msg(c->hp);
		keep = m->keep_alive && !L.new_conn;
		answered(c, m);
		conn_release(c, keep);
		return;
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char why[200];

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	bi_bev_why(bev, what, why, sizeof(why));
	conn_lost(c, why);
}

static void
conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->st == C_BACKOFF) {
		conn_connect(c);
		return;
	}
	if (c->st == C_BUSY) {
		L.n.timeouts++;
		conn_lost(c, "request timed out");
	}
}

static void
connected(void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer)
{
	struct conn *c = arg;
	int one = 1;

	(void)peer;
	if (err != DANCE_OK) {
		L.n.connect_failures++;
		c->st = C_DOWN;
		conn_lost(c, dance_strerror(err));
		return;
	}
	if (L.stopping) {
		SSL_free(ssl);
		close(fd);
		c->st = C_DOWN;
		maybe_done();
		return;
	}
	/* Request and answer are one small write each: never wait for an
	 * ACK before sending (Nagle), which costs a delayed-ACK timeout. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_openssl_socket_new(
	    L.base, fd, ssl, BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE);
	c->hp = http_parser_new(HTTP_CLIENT, NULL);
	if (c->bev == NULL || c->hp == NULL) {
		if (c->bev == NULL) {
			SSL_free(ssl);
			close(fd);
		}
		c->st = C_DOWN;
		conn_lost(c, "out of memory");
		return;
	}
	/* A server killed between two answers is not a protocol error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	L.n.connections++;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->st = C_READY;
	try_dispatch();
}

static void
conn_connect(struct conn *c)
{
	int r;

	c->st = C_CONNECTING;
	r = dance_connect(L.tls, L.host, L.port, L.addr, connected, c);
	if (r != DANCE_OK) {
		L.n.connect_failures++;
		c->st = C_DOWN;
		conn_lost(c, dance_strerror(r));
	}
}

/* conn_start - connection number id: its timer, then its first connect */
int
conn_start(struct conn *c, int id)
{
	c->id = id;
	c->req.dev = -1;
	c->backoff_ms = BACKOFF_MIN_MS;
	if ((c->timer = evtimer_new(L.base, conn_timer, c)) == NULL)
		return -1;
	conn_connect(c);
	return 0;
}

/* send_request - a JoinReq for device di on the ready connection c */
static int
send_request(struct conn *c, int di)
{
	struct request *q = &c->req;
	struct timeval tv = {L.timeout_ms / 1000, (L.timeout_ms % 1000) * 1000};
	char head[512], *body = NULL;
	size_t blen;
	int n;

	if (make_join_req(q, di, &body, &blen) != 0)
		return -1;
	n = snprintf(head, sizeof(head),
	    "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s\r\n",
	    L.host, blen, L.new_conn ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    bufferevent_write(c->bev, head, (size_t)n) != 0 ||
	    bufferevent_write(c->bev, body, blen) != 0) {
		free(body);
		fprintf(stderr, "jsload: cannot queue a request\n");
		exit(2);
	}
	free(body);
	L.n.sent++;
	if (q->replay)
		L.n.replays++;
	q->t_sent = now_mono();
	c->st = C_BUSY;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* due - how many more requests the rate allows now (a large number for
 * "as fast as possible"); at most a second's worth of backlog is kept,
 * so that a restarted server is not met by a burst of the whole outage */
static uint64_t
due(void)
{
	double t = now_mono(), allowed;

	if (L.rate <= 0)
		return UINT64_MAX;
	allowed = (t - L.rate_base) * L.rate;
	if (allowed - (double)L.rate_sent > L.rate) {
		L.rate_base = t - ((double)L.rate_sent + L.rate) / L.rate;
		allowed = (double)L.rate_sent + L.rate;
	}
	return allowed <= (double)L.rate_sent
	    ? 0
	    : (uint64_t)(allowed - (double)L.rate_sent);
}

static void
try_dispatch(void)
{
	uint64_t allowed;
	int i, k, di;

	if (L.stopping)
		return;
	allowed = due();
	for (k = 0; k < L.nconns && allowed > 0; k++) {
		i = (L.next_conn + k) % L.nconns;
		if (L.conns[i].st != C_READY)
			continue;
		for (;;) {
			if ((di = take_idle_device()) < 0)
				return;
			if (send_request(&L.conns[i], di) == 0)
				break;
			/* exhausted: it leaves the pool, try another */
		}
		allowed--;
		L.rate_sent++;
		L.next_conn = (i + 1) % L.nconns;
	}
}

void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	try_dispatch();
}

/* maybe_done - after the duration: end once nothing is in flight */
static void
maybe_done(void)
{
	if (!L.stopping)
		return;
	for (int i = 0; i < L.nconns; i++)
		if (L.conns[i].st == C_BUSY || L.conns[i].st == C_CONNECTING)
			return;
	event_base_loopbreak(L.base);
}

void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = {L.timeout_ms / 1000, (L.timeout_ms % 1000) * 1000};

	(void)fd;
	(void)what;
	(void)arg;
	L.stopping = true;
	L.t_end = now_mono();
	for (int i = 0; i < L.nconns; i++) {
		struct conn *c = &L.conns[i];

		if (c->st == C_READY || c->st == C_BACKOFF) {
			conn_drop(c);
			c->st = C_DOWN;
		}
	}
	/* Answers in flight get one request timeout to arrive. */
	evtimer_add(L.grace, &tv);
	maybe_done();
}

void
on_grace(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (int i = 0; i < L.nconns; i++)
		if (L.conns[i].st == C_BUSY)
			conn_lost(&L.conns[i], "still unanswered at the end");
	event_base_loopbreak(L.base);
}
