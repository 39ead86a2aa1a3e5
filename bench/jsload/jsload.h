/*
 * jsload.h - jsload, the Join Server load client: what its files share.
 *
 *	main.c		options, start-up, the run's timers, tear-down; the
 *			helpers every part uses (clocks, random, note)
 *	conn.c		DANE connections, HTTP/1.1 over bufferevents,
 *			reconnects, the rate and the dispatch of requests
 *	devices.c	the devices file, the idle pool, DevNonce choice,
 *			building a JoinReq, verifying a join-accept
 *	checks.c	the outcome of a request, the log, the progress
 *			line, the summary and the end-of-run checks
 *
 * One thread, one libevent loop: the whole state is the global L, and
 * no part locks anything.  Who owns what:
 *   L.devs, L.ndevs    devices.c: read_devices() allocates them (each
 *                      device's sent bitmap too), checks.c grows each
 *                      device's acc[], devices_free() frees it all
 *   L.idle, L.nidle    devices.c: idle_pool_init() allocates it, devices
 *                      are taken by take_idle_device() and given back by
 *                      give_back_device() once their request is logged;
 *                      devices_free() frees it
 *   L.conns[]          conn.c: conn_start() makes the timer and connects,
 *                      each conn owns its bufferevent (and through it the
 *                      SSL and the socket) and its HTTP parser until
 *                      conn_drop(); main() frees the timers at the end
 *   L.lat              checks.c grows it; main() frees it at the end
 *   L.log              main() opens and closes it; checks.c writes it
 *   L.base, L.dance, L.tls, L.crypto, and the events tick, progress,
 *   stop, grace        main() makes and frees them
 */
#ifndef BENCH_JSLOAD_JSLOAD_H
#define BENCH_JSLOAD_JSLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/util.h>

#include "backend/bi.h"

#define MAX_CONNS 1024
#define DEVNONCE_SPACE 65536
#define BACKOFF_MIN_MS 20
#define BACKOFF_MAX_MS 250
#define LINE_MAX_LEN 512
#define RX_DELAY 1

struct bufferevent;
struct event;
struct event_base;
struct dance_ctx;
struct dance_tls;
struct http_msg;
struct http_parser;
struct lw_crypto;

/* One accepted join, in acceptance order. */
struct accepted {
	uint32_t join_nonce;
	uint16_t dev_nonce;
};

struct device {
	uint64_t dev_eui, join_eui;
	enum bi_macv macv;
	bool counter; /* 1.0.4 and 1.1: DevNonce is a counter */
	bool v11;
	uint8_t app_key[16], nwk_key[16];
	bool has_nwk_key;
	uint32_t home_net_id;
	uint32_t next_nonce; /* counter devices: the next DevNonce */
	uint8_t *sent;       /* random devices: bitmap of DevNonces sent */
	uint32_t nsent;
	bool exhausted; /* no fresh DevNonce left */
	struct accepted *acc;
	size_t nacc, capacc;
};

/* The request on a connection; dev is -1 when there is none. */
struct request {
	int dev;
	uint16_t dev_nonce;
	bool replay;
	uint32_t txid;
	uint32_t dev_addr;
	uint8_t dl_settings;
	double t_sent; /* monotonic */
};

enum cstate {
	C_DOWN,       /* nothing open, nothing scheduled */
	C_CONNECTING, /* dance_connect() under way */
	C_READY,      /* connected, no request */
	C_BUSY,       /* a request is on the wire */
	C_BACKOFF,    /* waiting to reconnect */
};

struct conn {
	int id;
	enum cstate st;
	struct bufferevent *bev;
	struct http_parser *hp;
	struct event *timer; /* backoff, or the request's deadline */
	unsigned backoff_ms;
	struct request req;
};

struct counters {
	uint64_t sent, answered, success, replays, replay_refused;
	uint64_t replay_accepted, errors, bad_accepts, unanswered, timeouts;
	uint64_t connections, connect_failures;
};

struct jsload {
	/* options */
	const char *host, *addr, *log_path;
	uint16_t port;
	double duration;
	double rate; /* per second, 0: as fast as possible */
	int nconns;
	bool new_conn;
	unsigned replay_pct;
	unsigned timeout_ms;
	uint32_t devnonce_start;
	int verbose;
	/* state */
	struct event_base *base;
	struct dance_ctx *dance;
	struct dance_tls *tls;
	struct lw_crypto *crypto;
	struct device *devs;
	int ndevs;
	int *idle; /* devices with no request in flight */
	int nidle;
	struct conn conns[MAX_CONNS];
	int next_conn; /* round robin */
	FILE *log;
	uint64_t rng;
	uint32_t txid;
	double t0, t_end; /* monotonic */
	double rate_base; /* monotonic time the rate is counted from */
	uint64_t rate_sent;
	bool stopping;
	struct event *tick, *progress, *stop, *grace;
	struct counters n, last; /* last: at the previous progress line */
	double *lat;             /* latencies of answered requests, seconds */
	size_t nlat, caplat;
	char first_conn_error[256];
	char first_error[256];
};

extern struct jsload L;

/* main.c */
double now_mono(void);
double now_real(void);
uint64_t rnd(void);
uint32_t rnd_below(uint32_t n);
void note(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* conn.c */
int conn_start(struct conn *c, int id);
void conn_drop(struct conn *c);
void on_tick(evutil_socket_t fd, short what, void *arg);
void on_stop(evutil_socket_t fd, short what, void *arg);
void on_grace(evutil_socket_t fd, short what, void *arg);

/* devices.c */
int read_devices(const char *path);
int idle_pool_init(void);
void devices_free(void);
int take_idle_device(void);
void give_back_device(int d);
int make_join_req(struct request *q, int di, char **body, size_t *blen);
const char *check_accept(const struct device *d, const struct request *q,
    const uint8_t *phy, size_t len, uint32_t *join_nonce);

/* checks.c */
void finish(struct conn *c, const char *result, long join_nonce);
void answered(struct conn *c, const struct http_msg *m);
void on_progress(evutil_socket_t fd, short what, void *arg);
void summary(void);
int run_checks(void);

#endif /* BENCH_JSLOAD_JSLOAD_H */
