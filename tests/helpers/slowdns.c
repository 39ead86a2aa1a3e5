/*
 * slowdns - UDP+TCP DNS delay proxy for the loradane tests
 *
 * Usage: slowdns LISTEN_PORT UPSTREAM_PORT DELAY_MS
 *
 * Listens on 127.0.0.1:LISTEN_PORT, UDP and TCP.  Each query is held for
 * DELAY_MS, then forwarded to 127.0.0.1:UPSTREAM_PORT over the same
 * transport from a socket (UDP) or connection (TCP) of its own, and the
 * answer is relayed to the client that asked.  A socket per query makes
 * matching answers to clients trivial: no ID rewriting, no tables.
 *
 * Tests use it to make a resolver see a slow authoritative server, so that
 * timeouts and deadlines can be exercised without fixed sleeps.
 *
 * Runs until SIGTERM or SIGINT, then frees everything and exits 0.
 * Prints "slowdns: ready ..." on stdout once both sockets listen.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#define DNS_MAXMSG 65535 /* 16-bit TCP length prefix bounds a message */
#define DNS_HDRLEN 12    /* anything shorter is not a DNS message */
#define UPSTREAM_SECS 10 /* give up on an upstream answer after this */
#define MAX_DELAY_MS 3600000UL

struct proxy;
struct tconn;

/* One UDP query: held for the delay, then sent from its own socket. */
struct uquery {
	TAILQ_ENTRY(uquery) entry;
	struct proxy *px;
	struct sockaddr_storage from; /* client to answer */
	socklen_t fromlen;
	unsigned char *msg;
	size_t len;
	struct event *timer;
	evutil_socket_t fd; /* -1 until forwarded */
	struct event *ev;   /* read on fd */
};

/* One TCP query: held for the delay, then sent on its own connection. */
struct tquery {
	TAILQ_ENTRY(tquery) entry;
	struct tconn *conn;
	unsigned char *msg; /* including length prefix */
	size_t len;
	struct event *timer;
	struct bufferevent *up; /* NULL until forwarded */
};

/* One accepted TCP client and the queries it has in flight. */
struct tconn {
	TAILQ_ENTRY(tconn) entry;
	struct proxy *px;
	struct bufferevent *bev;
	int eof; /* client shut its write side */
	TAILQ_HEAD(, tquery) queries;
};

struct proxy {
	struct event_base *base;
	struct sockaddr_in upstream;
	struct timeval delay;
	evutil_socket_t udpfd;
	struct event *udpev;
	struct evconnlistener *listener;
	struct event *sigterm;
	struct event *sigint;
	TAILQ_HEAD(, uquery) uqueries;
	TAILQ_HEAD(, tconn) tconns;
	unsigned char buf[DNS_MAXMSG]; /* UDP receive scratch */
};

static const struct timeval upstream_tv = {UPSTREAM_SECS, 0};

/* usage - print the command line synopsis and exit */
static void
usage(void)
{
	fprintf(stderr, "usage: slowdns LISTEN_PORT UPSTREAM_PORT DELAY_MS\n");
	exit(2);
}

/* parse_num - strict decimal in [min, max]; no sign, no trailing junk */
static int
parse_num(
    const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul quietly accepts "-1" and leading blanks; we do not. */
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* loopback - fill sin with 127.0.0.1:port */
static void
loopback(struct sockaddr_in *sin, unsigned short port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* uquery_free - unlink a UDP query and release its events and socket */
static void
uquery_free(struct uquery *q)
{
	TAILQ_REMOVE(&q->px->uqueries, q, entry);
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->fd != -1)
		evutil_closesocket(q->fd);
	free(q->msg);
	free(q);
}

/* udp_answer_cb - relay the upstream answer to the client, or give up */
static void
udp_answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct uquery *q = arg;
	struct proxy *px = q->px;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		uquery_free(q);
		return;
	}
	n = recv(fd, px->buf, sizeof(px->buf), 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		/* e.g. ECONNREFUSED: upstream is down; the client retries. */
		uquery_free(q);
		return;
	}
	/* The socket is connected, so only a stray late datagram can
	 * carry another ID; wait for ours. */
	if (n < DNS_HDRLEN || memcmp(px->buf, q->msg, 2) != 0)
		return;
	/* Best effort, like UDP itself: a failed send is a lost answer. */
	(void)sendto(px->udpfd, px->buf, (size_t)n, 0,
	    (const struct sockaddr *)&q->from, q->fromlen);
	uquery_free(q);
}

/* udp_forward_cb - delay over: send the query upstream on a new socket */
static void
udp_forward_cb(evutil_socket_t fd, short what, void *arg)
{
	struct uquery *q = arg;
	struct proxy *px = q->px;

	(void)fd;
	(void)what;
	q->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (q->fd == -1) {
		perror("slowdns: socket");
		uquery_free(q);
		return;
	}
	if (evutil_make_socket_nonblocking(q->fd) == -1 ||
	    connect(q->fd, (struct sockaddr *)&px->upstream,
		sizeof(px->upstream)) == -1 ||
	    send(q->fd, q->msg, q->len, 0) == -1) {
		uquery_free(q);
		return;
	}
	q->ev =
	    event_new(px->base, q->fd, EV_READ | EV_PERSIST, udp_answer_cb, q);
	if (q->ev == NULL || event_add(q->ev, &upstream_tv) == -1)
		uquery_free(q);
}

/* udp_read_cb - accept one client datagram and start its delay timer */
static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proxy *px = arg;
	struct uquery *q;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;

	(void)what;
	n = recvfrom(fd, px->buf, sizeof(px->buf), 0, (struct sockaddr *)&from,
	    &fromlen);
	if (n < DNS_HDRLEN)
		return; /* error, or too short to be a query */
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return;
	q->px = px;
	q->fd = -1;
	TAILQ_INSERT_TAIL(&px->uqueries, q, entry);
	memcpy(&q->from, &from, sizeof(from));
	q->fromlen = fromlen;
	q->len = (size_t)n;
	if ((q->msg = malloc(q->len)) == NULL) {
		uquery_free(q);
		return;
	}
	memcpy(q->msg, px->buf, q->len);
	q->timer = evtimer_new(px->base, udp_forward_cb, q);
	if (q->timer == NULL || evtimer_add(q->timer, &px->delay) == -1)
		uquery_free(q);
}

/* tquery_free - unlink a TCP query and release its timer and upstream */
static void
tquery_free(struct tquery *q)
{
	TAILQ_REMOVE(&q->conn->queries, q, entry);
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->up != NULL)
		bufferevent_free(q->up);
	free(q->msg);
	free(q);
}

/* tconn_free - close a TCP client and drop everything it has in flight */
static void
tconn_free(struct tconn *c)
{
	struct tquery *q;

	while ((q = TAILQ_FIRST(&c->queries)) != NULL)
		tquery_free(q);
	TAILQ_REMOVE(&c->px->tconns, c, entry);
	bufferevent_free(c->bev);
	free(c);
}

/* tconn_maybe_done - close a half-closed client once all is answered */
static void
tconn_maybe_done(struct tconn *c)
{
	if (c->eof && TAILQ_EMPTY(&c->queries) &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		tconn_free(c);
}

/* msglen - length of the first length-prefixed message in buf, if whole */
static int
msglen(struct evbuffer *buf, size_t *len)
{
	unsigned char pfx[2];

	if (evbuffer_copyout(buf, pfx, 2) != 2)
		return 0;
	*len = ((size_t)pfx[0] << 8 | pfx[1]) + 2;
	return evbuffer_get_length(buf) >= *len;
}

/* up_read_cb - relay a whole upstream answer to the query's client */
static void
up_read_cb(struct bufferevent *up, void *arg)
{
	struct tquery *q = arg;
	struct tconn *c = q->conn;
	struct evbuffer *in = bufferevent_get_input(up);
	size_t len;

	if (!msglen(in, &len))
		return; /* wait for the rest */
	if (evbuffer_remove_buffer(in, bufferevent_get_output(c->bev), len) !=
	    (int)len) {
		tquery_free(q);
		tconn_free(c); /* the client's stream is now garbled */
		return;
	}
	tquery_free(q);
	/* The client's write callback closes it after the flush if needed. */
}

/* up_event_cb - upstream connected, failed, closed or timed out */
static void
up_event_cb(struct bufferevent *up, short events, void *arg)
{
	struct tquery *q = arg;
	struct tconn *c = q->conn;

	(void)up;
	if (events & BEV_EVENT_CONNECTED)
		return;
	/* No answer is coming; the client will time out and retry. */
	tquery_free(q);
	tconn_maybe_done(c);
}

/* tcp_forward_cb - delay over: send the query on a new upstream conn */
static void
tcp_forward_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tquery *q = arg;
	struct tconn *c = q->conn;
	struct proxy *px = c->px;

	(void)fd;
	(void)what;
	q->up = bufferevent_socket_new(px->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (q->up == NULL)
		goto fail;
	bufferevent_setcb(q->up, up_read_cb, NULL, up_event_cb, q);
	/* Never buffer more than one maximal answer. */
	bufferevent_setwatermark(q->up, EV_READ, 0, DNS_MAXMSG + 2);
	if (bufferevent_set_timeouts(q->up, &upstream_tv, &upstream_tv) == -1 ||
	    bufferevent_enable(q->up, EV_READ) == -1 ||
	    bufferevent_write(q->up, q->msg, q->len) == -1 ||
	    bufferevent_socket_connect(q->up, (struct sockaddr *)&px->upstream,
		sizeof(px->upstream)) == -1)
		goto fail;
	return;
fail:
	tquery_free(q);
	tconn_maybe_done(c);
}

/* tconn_read_cb - split client input into queries, delay each one */
static void
tconn_read_cb(struct bufferevent *bev, void *arg)
{
	struct tconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct tquery *q;
	size_t len;

	while (msglen(in, &len)) {
		if (len < DNS_HDRLEN + 2) {
			tconn_free(c); /* not DNS; drop the client */
			return;
		}
		if ((q = calloc(1, sizeof(*q))) == NULL) {
			tconn_free(c);
			return;
		}
		q->conn = c;
		TAILQ_INSERT_TAIL(&c->queries, q, entry);
		q->len = len;
		if ((q->msg = malloc(len)) == NULL ||
		    evbuffer_remove(in, q->msg, len) != (int)len ||
		    (q->timer = evtimer_new(c->px->base, tcp_forward_cb, q)) ==
			NULL ||
		    evtimer_add(q->timer, &c->px->delay) == -1) {
			tconn_free(c);
			return;
		}
	}
}

/* tconn_write_cb - output flushed: close now if the client is done */
static void
tconn_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	tconn_maybe_done(arg);
}

/* tconn_event_cb - client closed or failed */
static void
tconn_event_cb(struct bufferevent *bev, short events, void *arg)
{
	struct tconn *c = arg;

	/* A client may half-close after its query and still await the
	 * answer, so EOF only closes once nothing is left to send. */
	if ((events & BEV_EVENT_EOF) && !(events & BEV_EVENT_ERROR)) {
		c->eof = 1;
		bufferevent_disable(bev, EV_READ);
		tconn_maybe_done(c);
		return;
	}
	tconn_free(c);
}

/* accept_cb - set up a new TCP client */
static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct proxy *px = arg;
	struct tconn *c;

	(void)l;
	(void)sa;
	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->px = px;
	TAILQ_INIT(&c->queries);
	c->bev = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&px->tconns, c, entry);
	bufferevent_setcb(
	    c->bev, tconn_read_cb, tconn_write_cb, tconn_event_cb, c);
	/* Any 65537 buffered bytes hold a whole message, which the read
	 * callback consumes, so this bounds the buffer without stalling. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, DNS_MAXMSG + 2);
	if (bufferevent_enable(c->bev, EV_READ) == -1)
		tconn_free(c);
}

/* signal_cb - SIGTERM/SIGINT: leave the loop so main can clean up */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct proxy *px = arg;

	(void)sig;
	(void)what;
	event_base_loopbreak(px->base);
}

/* proxy_free - release every query, client, socket and event */
static void
proxy_free(struct proxy *px)
{
	struct uquery *uq;
	struct tconn *c;

	while ((uq = TAILQ_FIRST(&px->uqueries)) != NULL)
		uquery_free(uq);
	while ((c = TAILQ_FIRST(&px->tconns)) != NULL)
		tconn_free(c);
	if (px->listener != NULL)
		evconnlistener_free(px->listener);
	if (px->udpev != NULL)
		event_free(px->udpev);
	if (px->udpfd != -1)
		evutil_closesocket(px->udpfd);
	if (px->sigterm != NULL)
		event_free(px->sigterm);
	if (px->sigint != NULL)
		event_free(px->sigint);
	if (px->base != NULL)
		event_base_free(px->base);
	free(px);
}

/* proxy_listen - bind the UDP socket and TCP listener on 127.0.0.1 */
static int
proxy_listen(struct proxy *px, unsigned short port)
{
	struct sockaddr_in sin;

	loopback(&sin, port);
	px->udpfd = socket(AF_INET, SOCK_DGRAM, 0);
	if (px->udpfd == -1 ||
	    evutil_make_socket_nonblocking(px->udpfd) == -1 ||
	    bind(px->udpfd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("slowdns: udp bind");
		return -1;
	}
	px->udpev = event_new(
	    px->base, px->udpfd, EV_READ | EV_PERSIST, udp_read_cb, px);
	if (px->udpev == NULL || event_add(px->udpev, NULL) == -1)
		return -1;
	px->listener = evconnlistener_new_bind(px->base, accept_cb, px,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (px->listener == NULL) {
		perror("slowdns: tcp bind");
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct proxy *px;
	struct sigaction sa;
	unsigned long lport, uport, delay;
	int rc = 1;

	if (argc != 4 || parse_num(argv[1], 1, 65535, &lport) == -1 ||
	    parse_num(argv[2], 1, 65535, &uport) == -1 ||
	    parse_num(argv[3], 0, MAX_DELAY_MS, &delay) == -1)
		usage();

	/* A client gone before its answer must not kill the proxy. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1) {
		perror("slowdns: sigaction");
		return 1;
	}

	if ((px = calloc(1, sizeof(*px))) == NULL) {
		perror("slowdns: calloc");
		return 1;
	}
	px->udpfd = -1;
	TAILQ_INIT(&px->uqueries);
	TAILQ_INIT(&px->tconns);
	loopback(&px->upstream, (unsigned short)uport);
	px->delay.tv_sec = (time_t)(delay / 1000);
	px->delay.tv_usec = (suseconds_t)(delay % 1000 * 1000);

	if ((px->base = event_base_new()) == NULL) {
		fprintf(stderr, "slowdns: event_base_new failed\n");
		goto out;
	}
	if (proxy_listen(px, (unsigned short)lport) == -1)
		goto out;
	px->sigterm = evsignal_new(px->base, SIGTERM, signal_cb, px);
	px->sigint = evsignal_new(px->base, SIGINT, signal_cb, px);
	if (px->sigterm == NULL || px->sigint == NULL ||
	    evsignal_add(px->sigterm, NULL) == -1 ||
	    evsignal_add(px->sigint, NULL) == -1) {
		fprintf(stderr, "slowdns: cannot watch signals\n");
		goto out;
	}

	printf("slowdns: ready 127.0.0.1:%lu -> 127.0.0.1:%lu delay %lu ms\n",
	    lport, uport, delay);
	fflush(stdout);

	if (event_base_dispatch(px->base) == -1) {
		fprintf(stderr, "slowdns: event loop failed\n");
		goto out;
	}
	rc = 0;
out:
	proxy_free(px);
	libevent_global_shutdown();
	return rc;
}
