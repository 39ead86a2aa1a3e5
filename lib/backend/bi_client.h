/*
 * bi_client.h - Backend Interfaces requests over DANE mutual TLS, on the
 * caller's event base: what an NS sends to a JS (JoinReq, HomeNSReq) or
 * to another NS (PRStartReq, XmitDataReq), and what an AS sends to a JS
 * (AppSKeyReq).
 *
 * Connections are kept open and reused (HTTP/1.1 keep-alive, one request
 * at a time on each), up to a number per peer, because a join must fit in
 * the 5 s before RX1: a roaming join is three requests deep, and a fresh
 * DANE handshake costs DNS lookups and a TLS handshake each time.  A peer
 * is a server name and port; libdance authenticates it by its TLSA
 * record, and presents our client identity.
 *
 * Failures are never hidden: a request fails with the handshake's reason
 * (a bogus TLSA, no TLSA, a certificate that does not match) and nothing
 * is sent.  The one retry is a request written on a reused connection the
 * server had closed before reading it (the keep-alive race): no byte of
 * an answer came, so it goes again, once, on a new connection.
 *
 * The library never prints or exits.
 */
#ifndef LIB_BACKEND_BI_CLIENT_H
#define LIB_BACKEND_BI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct dance_tls;

enum bi_client_err {
	BI_CLIENT_OK = 0,
	BI_CLIENT_ERR_INVAL = -1,    /* bad argument */
	BI_CLIENT_ERR_NOMEM = -2,    /* out of memory */
	BI_CLIENT_ERR_CONNECT = -3,  /* no authenticated connection: see
					dance_err and why */
	BI_CLIENT_ERR_TIMEOUT = -4,  /* no answer within the deadline */
	BI_CLIENT_ERR_CLOSED = -5,   /* the connection broke mid-answer */
	BI_CLIENT_ERR_PROTOCOL = -6, /* the answer is not valid HTTP/1.1 */
	BI_CLIENT_ERR_QUEUE = -7,    /* too many requests wait for the peer */
	BI_CLIENT_ERR_SHUTDOWN = -8, /* the client is being freed */
};

/** @return a static description of an enum bi_client_err value. */
const char *bi_client_strerror(int err);

struct bi_client_opts {
	unsigned max_conns_per_peer; /* 0: 4 */
	unsigned max_queue_per_peer; /* requests waiting; 0: 1024 */
	unsigned idle_timeout_ms;    /* an unused connection closes; 0: 60 s */
	unsigned request_timeout_ms; /* from the post to the answer; 0: 5 s */
	size_t max_answer;           /* bytes of body; 0: 64 KiB */
};

/* The outcome of one request; every pointer is borrowed until the
 * callback returns. */
struct bi_client_result {
	int err;           /* enum bi_client_err */
	int dance_err;     /* BI_CLIENT_ERR_CONNECT: the enum dance_err */
	const char *why;   /* on failure, a reason for the log; else "" */
	int status;        /* HTTP status when err is BI_CLIENT_OK */
	const char *body;  /* the answer body, NUL-terminated; may be "" */
	size_t len;        /* its length */
	const char *peer;  /* the TLSA owner that authenticated the server */
	double latency_ms; /* from the post to the answer (or failure) */
};

/* Runs once per request, from the event loop, never from inside
 * bi_client_post(). */
typedef void bi_client_cb(void *arg, const struct bi_client_result *r);

struct bi_client;
struct bi_client_req;

/**
 * Make a client.
 * @param base: borrowed; must outlive the client.
 * @param tls: a libdance client context with our identity; a reference
 *	is taken (the caller may free its own).
 * @param o: borrowed for the call; NULL for the defaults.
 * @return a client (bi_client_free), or NULL (out of memory).
 */
struct bi_client *bi_client_new(struct event_base *base, struct dance_tls *tls,
    const struct bi_client_opts *o);

/**
 * Close every connection; the callbacks of requests still pending run
 * with BI_CLIENT_ERR_SHUTDOWN before this returns.  c may be NULL.
 */
void bi_client_free(struct bi_client *c);

/**
 * POST a JSON body to https://host:port/.
 * @param host: borrowed; the server's DNS name (TLSA _port._tcp.host).
 * @param addr: borrowed; a literal address to connect to instead of the
 *	host's addresses, or NULL.
 * @param body: borrowed, copied; len bytes.
 * @param handle: if not NULL, set to a handle for bi_client_cancel(),
 *	valid until the callback runs.
 * @return BI_CLIENT_OK (cb will run exactly once, unless cancelled),
 *	BI_CLIENT_ERR_INVAL, _NOMEM or _QUEUE (cb will not run).
 */
int bi_client_post(struct bi_client *c, const char *host, uint16_t port,
    const char *addr, const char *body, size_t len, bi_client_cb *cb, void *arg,
    struct bi_client_req **handle);

/**
 * Forget a request: its callback will not run.  A request already on the
 * wire costs its connection (the answer would be out of step).
 */
void bi_client_cancel(struct bi_client_req *r);

struct bufferevent;

/**
 * Why an OpenSSL bufferevent's connection ended, as one line: closed by
 * the server, the TLS error, or the socket error.  Call it first thing in
 * the event callback (it reads errno).
 * @param what: the BEV_EVENT_* flags the callback got.
 * @param buf: caller's; filled NUL-terminated.
 */
void bi_bev_why(struct bufferevent *bev, short what, char *buf, size_t len);

/* Counters, for metrics. */
struct bi_client_stats {
	uint64_t handshakes; /* connections authenticated */
	uint64_t handshake_failures;
	uint64_t requests; /* answered with some HTTP status */
	uint64_t reused;   /* of which on a kept connection */
	uint64_t failures; /* requests failed (any reason) */
	unsigned open_conns;
};

void bi_client_stats(const struct bi_client *c, struct bi_client_stats *s);

#endif /* LIB_BACKEND_BI_CLIENT_H */
