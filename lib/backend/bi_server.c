/*
 * bi_server.c - listener, handshake, and HTTP/1.1 on each connection; see
 * bi_server.h.
 *
 * A connection closed while its request is with the owner is only marked
 * dead (and detached from the server, which may be freed meanwhile); the
 * reply frees it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "backend/bi_server.h"
#include "backend/http.h"
#include "dance.h"

struct bi_server_req {
	TAILQ_ENTRY(bi_server_req) entry;
	struct bi_server *srv; /* NULL once detached (dead, server gone) */
	struct bufferevent *bev;
	struct http_parser *hp;
	struct event *deadline; /* a request must arrive whole in time */
	char peer[256];
	char addr[64];
	bool pkix;
	bool busy;     /* a request is with the owner */
	bool dead;     /* closed while busy: the reply frees it */
	bool closing;  /* close once the output is written */
	bool draining; /* answered and closing: discard the input */
};

struct pending_hs {
	struct bi_server *srv;
	struct timespec start;
	char addr[64];
};

struct bi_server {
	struct event_base *base;
	struct dance_tls *tls;
	struct bi_server_opts o;
	struct bi_server_hooks h;
	void *arg;
	struct evconnlistener *listener;
	TAILQ_HEAD(, bi_server_req) conns;
	unsigned nconns; /* handshaking ones too */
};

static void conn_read(struct bufferevent *bev, void *arg);
static void conn_event(struct bufferevent *bev, short what, void *arg);

static void say(struct bi_server *s, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct bi_server *s, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s == NULL || s->h.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->h.log(s->arg, prio, msg);
}

static void
count_conns(struct bi_server *s, int delta)
{
	if (delta < 0)
		s->nconns--;
	else
		s->nconns++;
	if (s->h.connections != NULL)
		s->h.connections(s->arg, delta);
}

static void
conn_free(struct bi_server_req *c)
{
	if (c->srv != NULL) {
		TAILQ_REMOVE(&c->srv->conns, c, entry);
		count_conns(c->srv, -1);
	}
	if (c->bev != NULL)
		bufferevent_free(c->bev); /* frees the SSL, closes the fd */
	event_free(c->deadline);
	http_parser_free(c->hp);
	free(c);
}

/* conn_close - now, or when the answer being made arrives */
static void
conn_close(struct bi_server_req *c)
{
	if (c->busy) {
		c->dead = true;
		if (c->bev != NULL) {
			bufferevent_free(c->bev);
			c->bev = NULL;
		}
		return;
	}
	conn_free(c);
}

/* conn_discard - while draining, what the client still sends is dropped */
static void
conn_discard(struct bufferevent *bev, void *arg)
{
	(void)arg;
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct bi_server_req *c = arg;
	struct timeval tv = {2, 0};

	if (!c->closing)
		return;
	if (c->draining) {
		conn_close(c);
		return;
	}
	/*
	 * Lingering close: a client may still be sending the body we
	 * refused.  Closing now, with its bytes unread, would make the
	 * kernel reset the connection and destroy our answer in flight; so
	 * read and drop for a moment, and close at its EOF or after 2 s.
	 */
	c->draining = true;
	bufferevent_setcb(bev, conn_discard, conn_written, conn_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

/* send_response - close after it unless keep */
static void
send_response(
    struct bi_server_req *c, int status, const char *body, size_t len, int keep)
{
	char head[256];
	size_t n;

	if (http_response_head(
		head, sizeof(head), status, keep != 0, len, &n) != 0) {
		conn_close(c);
		return;
	}
	if (bufferevent_write(c->bev, head, n) != 0 ||
	    (len > 0 && bufferevent_write(c->bev, body, len) != 0)) {
		conn_close(c);
		return;
	}
	if (!keep) {
		c->closing = true;
		bufferevent_disable(c->bev, EV_READ);
	}
}

void
bi_server_reply(void *req, int status, char *body, size_t len)
{
	struct bi_server_req *c = req;
	const struct http_msg *m;
	int keep;

	c->busy = false;
	if (c->dead) {
		free(body);
		conn_free(c);
		return;
	}
	m = http_parser_msg(c->hp);
	keep = m->keep_alive && status < 500;
	send_response(c, status, body, len, keep);
	free(body);
	if (c->closing || c->bev == NULL)
		return;
	bufferevent_enable(c->bev, EV_READ);
	/* Pipelined bytes may already wait in the input buffer. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		conn_read(c->bev, c);
}

static void
http_refused(struct bi_server_req *c, int status, const char *reason)
{
	if (c->srv->h.http_error != NULL)
		c->srv->h.http_error(
		    c->srv->arg, c->peer, c->addr, status, reason);
	evtimer_del(c->deadline);
	send_response(c, status, NULL, 0, 0);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_refused(arg, 408, "the request did not arrive whole in time");
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct bi_server_req *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const struct http_msg *m;
	const char *reason;
	struct timeval tv;
	uint8_t *body;
	size_t len, used;
	int ev = HTTP_EV_NEED_MORE;

	/* After HTTP_EV_HEADERS feed again even with no byte left: an empty
	 * body completes the message without any. */
	while (!c->busy && !c->closing &&
	    ((len = evbuffer_get_length(in)) > 0 || ev == HTTP_EV_HEADERS)) {
		if (!http_parser_busy(c->hp)) {
			tv.tv_sec = c->srv->o.request_timeout_s;
			tv.tv_usec = 0;
			evtimer_add(c->deadline, &tv);
		}
		ev = http_parser_feed(c->hp,
		    len > 0 ? evbuffer_pullup(in, (ev_ssize_t)len) : NULL, len,
		    &used);
		evbuffer_drain(in, used);
		if (ev == HTTP_EV_ERROR) {
			int status = http_parser_error(c->hp, &reason);

			http_refused(c, status, reason);
			return;
		}
		if (ev == HTTP_EV_HEADERS) {
			if (http_parser_msg(c->hp)->expect_continue)
				bufferevent_write(c->bev,
				    "HTTP/1.1 100 Continue\r\n\r\n", 25);
			continue;
		}
		if (ev != HTTP_EV_MESSAGE)
			continue;
		evtimer_del(c->deadline);
		m = http_parser_msg(c->hp);
		if (strcmp(m->method, "POST") != 0) {
			send_response(c, 405, NULL, 0, m->keep_alive);
			continue;
		}
		body = http_parser_take_body(c->hp, &len);
		c->busy = true;
		bufferevent_disable(c->bev, EV_READ);
		c->srv->h.request(c->srv->arg, c, c->peer, c->pkix,
		    body != NULL ? (const char *)body : "", len);
		free(body);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct bi_server_req *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		say(c->srv, LOG_DEBUG, "peer=%s addr=%s idle, closing", c->peer,
		    c->addr);
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_close(c);
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
on_handshake(
    void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer)
{
	struct pending_hs *hs = arg;
	struct bi_server *s = hs->srv;
	struct timeval idle = {s->o.idle_timeout_s, 0};
	struct http_limits lim = {0, 0, s->o.max_body};
	struct bi_server_req *c;

	if (s->h.handshake != NULL)
		s->h.handshake(s->arg, err, since(&hs->start), hs->addr,
		    err == DANCE_OK && peer->name != NULL ? peer->name : NULL,
		    err == DANCE_OK && peer->pkix);
	if (err != DANCE_OK) {
		s->nconns--; /* never counted as open for the hooks */
		free(hs);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->hp = http_parser_new(HTTP_SERVER, &lim)) == NULL ||
	    (c->deadline = evtimer_new(s->base, on_deadline, c)) == NULL ||
	    (c->bev = bufferevent_openssl_socket_new(s->base, fd, ssl,
		 BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		say(s, LOG_WARNING, "connection from %s: out of memory",
		    hs->addr);
		if (c != NULL) {
			http_parser_free(c->hp);
			if (c->deadline != NULL)
				event_free(c->deadline);
			free(c);
		}
		SSL_free(ssl);
		close(fd);
		s->nconns--;
		free(hs);
		return;
	}
	c->srv = s;
	c->pkix = peer->pkix != 0;
	snprintf(c->peer, sizeof(c->peer), "%s",
	    peer->name != NULL ? peer->name : "-");
	memcpy(c->addr, hs->addr, sizeof(c->addr));
	free(hs);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	if (s->h.connections != NULL)
		s->h.connections(s->arg, 1);
	/* An abrupt close after the answer is not worth an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct bi_server *s = arg;
	struct pending_hs *hs;
	char host[INET6_ADDRSTRLEN] = "?";

	(void)l;
	(void)salen;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, host,
		    sizeof(host));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    host, sizeof(host));
	if (s->nconns >= s->o.max_connections ||
	    (hs = calloc(1, sizeof(*hs))) == NULL) {
		say(s, LOG_WARNING, "addr=%s refused: %u connections open",
		    host, s->nconns);
		close(fd);
		return;
	}
	hs->srv = s;
	clock_gettime(CLOCK_MONOTONIC, &hs->start);
	snprintf(hs->addr, sizeof(hs->addr), "%s", host);
	s->nconns++;
	/* The hooks count it once it is an open, authenticated one. */
	if (dance_accept(s->tls, fd, on_handshake, hs) != DANCE_OK) {
		s->nconns--;
		free(hs);
	}
}

void
bi_server_set_opts(struct bi_server *s, const struct bi_server_opts *o)
{
	s->o.max_connections = o->max_connections ? o->max_connections : 1024;
	s->o.idle_timeout_s = o->idle_timeout_s ? o->idle_timeout_s : 60;
	s->o.request_timeout_s =
	    o->request_timeout_s ? o->request_timeout_s : 10;
	s->o.max_body = o->max_body ? o->max_body : HTTP_DEFAULT_MAX_BODY;
}

void
bi_server_set_tls(struct bi_server *s, struct dance_tls *tls)
{
	struct dance_tls *old = s->tls;

	s->tls = dance_tls_ref(tls);
	dance_tls_free(old);
}

struct bi_server *
bi_server_new(struct event_base *base, struct dance_tls *tls,
    const struct bi_server_opts *o, const struct bi_server_hooks *h, void *arg,
    char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct bi_server *s;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (o->addr != NULL &&
	    inet_pton(AF_INET, o->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(o->port);
		len = sizeof(*sin);
	} else if (o->addr != NULL &&
	    inet_pton(AF_INET6, o->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(o->port);
		len = sizeof(*sin6);
	} else {
		snprintf(why, whylen, "listen: bad address %s",
		    o->addr != NULL ? o->addr : "(none)");
		return NULL;
	}
	if (h == NULL || h->request == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(why, whylen, "out of memory or no request hook");
		return NULL;
	}
	s->base = base;
	s->h = *h;
	s->arg = arg;
	TAILQ_INIT(&s->conns);
	bi_server_set_opts(s, o);
	s->listener = evconnlistener_new_bind(base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&ss, (int)len);
	if (s->listener == NULL) {
		snprintf(why, whylen, "listen %s port %u: %s", o->addr,
		    (unsigned)o->port,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		free(s);
		return NULL;
	}
	s->tls = dance_tls_ref(tls);
	return s;
}

unsigned
bi_server_connections(const struct bi_server *s)
{
	return s->nconns;
}

void
bi_server_free(struct bi_server *s)
{
	struct bi_server_req *c;

	if (s == NULL)
		return;
	evconnlistener_free(s->listener);
	while ((c = TAILQ_FIRST(&s->conns)) != NULL) {
		if (c->busy) {
			/* The owner still holds it: detach, the reply frees. */
			TAILQ_REMOVE(&s->conns, c, entry);
			c->srv = NULL;
		}
		conn_close(c);
	}
	dance_tls_free(s->tls);
	free(s);
}
