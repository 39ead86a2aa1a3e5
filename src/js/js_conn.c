/*
 * js_conn.c - listener, handshake, and HTTP/1.1 on each connection.
 *
 * One request at a time per connection: reading pauses while a request
 * is handled, and resumes once its answer is queued, so that answers go
 * out in request order without a queue.  A connection closed while its
 * request is on a worker is only marked dead; the answer frees it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "backend/http.h"
#include "dance.h"
#include "js.h"
#include "js_conn.h"
#include "js_handler.h"
#include "js_metrics.h"
#include "util/log.h"

struct js_conn {
	TAILQ_ENTRY(js_conn) entry;
	struct js_server *srv;
	struct bufferevent *bev;
	struct http_parser *hp;
	struct event *deadline; /* a request must arrive whole in time */
	char peer[256];
	char addr[64];
	int busy;     /* a request is with the handler */
	int dead;     /* closed while busy: the answer frees it */
	int closing;  /* close once the output is written */
	int draining; /* answered and closing: discard the input */
};

struct pending_hs {
	struct js_server *srv;
	struct timespec start;
	char addr[64];
};

static TAILQ_HEAD(, js_conn) conns = TAILQ_HEAD_INITIALIZER(conns);
static struct evconnlistener *listener;

static void conn_read(struct bufferevent *bev, void *arg);

static void
conn_free(struct js_conn *c)
{
	TAILQ_REMOVE(&conns, c, entry);
	if (c->bev != NULL)
		bufferevent_free(c->bev); /* frees the SSL, closes the fd */
	event_free(c->deadline);
	http_parser_free(c->hp);
	c->srv->nconns--;
	js_metrics_connections(-1);
	free(c);
}

/* conn_close - now, or when the answer being made arrives */
static void
conn_close(struct js_conn *c)
{
	if (c->busy) {
		c->dead = 1;
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

static void conn_event(struct bufferevent *bev, short what, void *arg);

static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct js_conn *c = arg;
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
	c->draining = 1;
	bufferevent_setcb(bev, conn_discard, conn_written, conn_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

/* send - a response; close after it unless keep_alive */
static void
send_response(
    struct js_conn *c, int status, const char *body, size_t len, int keep)
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
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
}

static void
on_reply(void *arg, int status, char *body, size_t len)
{
	struct js_conn *c = arg;
	const struct http_msg *m;
	int keep;

	c->busy = 0;
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
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct js_conn *c = arg;

	(void)fd;
	(void)what;
	log_info("peer=%s addr=%s msg=timeout result=408", c->peer, c->addr);
	send_response(c, 408, NULL, 0, 0);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct js_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	const struct http_msg *m;
	const char *reason;
	struct timeval tv;
	uint8_t *body;
	size_t len, used;
	int ev, status;

	ev = HTTP_EV_NEED_MORE;
	/* After HTTP_EV_HEADERS feed again even with no byte left: an empty
	 * body completes the message without any. */
	while (!c->busy && !c->closing &&
	    ((len = evbuffer_get_length(in)) > 0 || ev == HTTP_EV_HEADERS)) {
		if (!http_parser_busy(c->hp)) {
			tv.tv_sec = c->srv->cur->conf.request_timeout_s;
			tv.tv_usec = 0;
			evtimer_add(c->deadline, &tv);
		}
		ev = http_parser_feed(c->hp,
		    len > 0 ? evbuffer_pullup(in, (ev_ssize_t)len) : NULL, len,
		    &used);
		evbuffer_drain(in, used);
		if (ev == HTTP_EV_ERROR) {
			status = http_parser_error(c->hp, &reason);
			log_info(
			    "peer=%s addr=%s msg=http result=%d why=\"%s\"",
			    c->peer, c->addr, status, reason);
			js_metrics_count("loradane_js_requests_total",
			    "message", "http", "result", "HTTP4xx");
			evtimer_del(c->deadline);
			send_response(c, status, NULL, 0, 0);
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
		c->busy = 1;
		bufferevent_disable(c->bev, EV_READ);
		js_handle(
		    c->srv, c->peer, (const char *)body, len, on_reply, c);
		free(body);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct js_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("peer=%s addr=%s idle, closing", c->peer, c->addr);
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
	struct js_server *srv = hs->srv;
	const struct js_conf *conf = &srv->cur->conf;
	struct timeval idle = {conf->idle_timeout_s, 0};
	struct http_limits lim = {0, 0, conf->max_body};
	struct js_conn *c;

	js_metrics_observe(JS_H_HANDSHAKE, since(&hs->start));
	if (err != DANCE_OK) {
		/* libdance logged the reason; count it. */
		js_metrics_count("loradane_js_dane_failures_total", "reason",
		    dance_strerror(err), NULL, NULL);
		srv->nconns--;
		free(hs);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->hp = http_parser_new(HTTP_SERVER, &lim)) == NULL ||
	    (c->deadline = evtimer_new(srv->base, on_deadline, c)) == NULL ||
	    (c->bev = bufferevent_openssl_socket_new(srv->base, fd, ssl,
		 BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("connection from %s: out of memory", hs->addr);
		if (c != NULL) {
			http_parser_free(c->hp);
			if (c->deadline != NULL)
				event_free(c->deadline);
			free(c);
		}
		SSL_free(ssl);
		close(fd);
		srv->nconns--;
		free(hs);
		return;
	}
	c->srv = srv;
	snprintf(c->peer, sizeof(c->peer), "%s",
	    peer->name != NULL ? peer->name : "-");
	memcpy(c->addr, hs->addr, sizeof(c->addr));
	free(hs);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	js_metrics_connections(1);
	/* An abrupt close after the answer is not worth an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, conn_read, conn_written, conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (peer->pkix)
		log_info("peer=%s addr=%s auth=pkix (a pkix-peer: no DANE "
			 "identity)",
		    c->peer, c->addr);
	else
		log_debug("peer=%s addr=%s connected", c->peer, c->addr);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct js_server *srv = arg;
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
	if (srv->nconns >= srv->cur->conf.max_connections ||
	    (hs = calloc(1, sizeof(*hs))) == NULL) {
		log_warnx(
		    "addr=%s refused: %u connections open", host, srv->nconns);
		close(fd);
		return;
	}
	hs->srv = srv;
	clock_gettime(CLOCK_MONOTONIC, &hs->start);
	snprintf(hs->addr, sizeof(hs->addr), "%s", host);
	srv->nconns++;
	if (dance_accept(srv->tls, fd, on_handshake, hs) != DANCE_OK) {
		srv->nconns--;
		free(hs);
	}
}

int
js_conn_listen(struct js_server *srv)
{
	const struct js_conf *c = &srv->cur->conf;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->listen_addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(c->listen_port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, c->listen_addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(c->listen_port);
		len = sizeof(*sin6);
	} else {
		log_warnx("listen: bad address %s", c->listen_addr);
		return -1;
	}
	listener = evconnlistener_new_bind(srv->base, on_accept, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&ss, (int)len);
	if (listener == NULL) {
		log_warn("listen %s port %u", c->listen_addr, c->listen_port);
		return -1;
	}
	return 0;
}

void
js_conn_close(struct js_server *srv)
{
	struct js_conn *c, *next;

	(void)srv;
	if (listener != NULL)
		evconnlistener_free(listener);
	listener = NULL;
	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_close(c);
	}
}
