/*
 * bi_server.h - the server side of the Backend Interfaces transport, for
 * every loradane daemon that answers one (JS, NS, AS): a listener, the
 * DANE mutual-TLS handshake (libdance), then HTTP/1.1 POSTs on an OpenSSL
 * bufferevent, one at a time per connection, kept alive between them.
 *
 * One request at a time per connection: reading pauses while the owner
 * handles a request, and resumes once its answer is queued, so answers go
 * out in request order without a queue.  Bodies and header blocks are
 * bounded, a request must arrive whole within request_timeout_s, an idle
 * connection closes after idle_timeout_s, and a refused request (413,
 * 431, ...) is answered before a lingering close, so that the client
 * reads the answer rather than a reset.
 *
 * The library never prints or exits: what a log or a metric wants goes to
 * the owner's hooks.
 */
#ifndef LIB_BACKEND_BI_SERVER_H
#define LIB_BACKEND_BI_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct dance_tls;

/* Limits; the ones marked "reload" may change with bi_server_set_opts. */
struct bi_server_opts {
	const char *addr; /* an IPv4 or IPv6 literal */
	uint16_t port;
	unsigned max_connections;   /* reload; 0: 1024 */
	unsigned idle_timeout_s;    /* reload; 0: 60 */
	unsigned request_timeout_s; /* reload; 0: 10 */
	size_t max_body;            /* reload; 0: 64 KiB */
};

struct bi_server_req; /* one request being handled: reply exactly once */

/* The owner's side.  Every hook but request may be NULL. */
struct bi_server_hooks {
	/*
	 * A whole POST from an authenticated peer.  Answer it with
	 * bi_server_reply(req, ...) exactly once, now or later (from the
	 * event loop).  peer: the authenticated name (ClientName, or a named
	 * PKIX peer's name when pkix); body: NUL-terminated; all borrowed
	 * for the call.
	 */
	void (*request)(void *arg, struct bi_server_req *req, const char *peer,
	    bool pkix, const char *body, size_t len);
	/* A handshake ended: err is DANCE_OK or the enum dance_err. */
	void (*handshake)(void *arg, int err, double seconds, const char *addr,
	    const char *peer, bool pkix);
	/* A request refused at the HTTP level (status 400..505, 408). */
	void (*http_error)(void *arg, const char *peer, const char *addr,
	    int status, const char *reason);
	/* The number of open connections changed by delta. */
	void (*connections)(void *arg, int delta);
	/* Anything else worth a log line (prio as syslog: LOG_INFO...). */
	void (*log)(void *arg, int prio, const char *msg);
};

struct bi_server;

/**
 * Listen and serve.
 * @param base: borrowed; must outlive the server.
 * @param tls: a libdance server context; a reference is taken.
 * @param o, h: borrowed for the call (copied).
 * @param why: caller's; the reason on failure.
 * @return a server (bi_server_free), or NULL.
 */
struct bi_server *bi_server_new(struct event_base *base, struct dance_tls *tls,
    const struct bi_server_opts *o, const struct bi_server_hooks *h, void *arg,
    char *why, size_t whylen);

/** New connections use tls (a reference is taken); open ones keep theirs. */
void bi_server_set_tls(struct bi_server *s, struct dance_tls *tls);

/** Apply the reloadable limits of o (addr and port are ignored). */
void bi_server_set_opts(struct bi_server *s, const struct bi_server_opts *o);

/**
 * Answer a request: status, and a body (JSON) that the server takes and
 * frees; body may be NULL with len 0.  A status of 500 or more closes the
 * connection after the answer.  Safe after the client has gone.
 * @param req: the handle bi_server_hooks.request got; void * so that it
 *	fits reply callbacks of that shape.
 */
void bi_server_reply(void *req, int status, char *body, size_t len);

/** @return connections open (handshaking ones included). */
unsigned bi_server_connections(const struct bi_server *s);

/**
 * Stop listening and close every connection; requests still with the
 * owner are freed when it replies (their answers go nowhere).  Call it
 * once the event loop has stopped: a handshake still in flight would
 * complete into a freed server.  s may be NULL.
 */
void bi_server_free(struct bi_server *s);

#endif /* LIB_BACKEND_BI_SERVER_H */
