/*
 * gw_server_int.h - what gw_server.c (socket, datagrams, gateways),
 * gw_dedup.c (the deduplication window), gw_downlink.c (PULL_RESP and
 * TX_ACK) and gw_log.c (rate-limited log lines) share.  Not a public header.
 */
#ifndef LIB_GW_GW_SERVER_INT_H
#define LIB_GW_GW_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "gw/gw_server.h"

struct event;

/* A gateway we serve: allowed, or learned under allow_any. */
struct gw_gateway {
	uint64_t eui;
	bool has_down; /* a PULL_DATA came */
	struct sockaddr_storage down;
	socklen_t down_len;
	uint64_t down_ms; /* clock_ms of that PULL_DATA */
};

/* A frame in its deduplication window. */
struct gw_frame {
	struct gw_frame *next;       /* hash chain */
	TAILQ_ENTRY(gw_frame) entry; /* all pending, oldest first */
	struct gw_server *srv;
	uint64_t hash;
	struct event *timer;
	size_t len;
	uint8_t phy[GW_UDP_PAYLOAD_MAX];
	struct lw_frame frame;
	size_t n_rx;
	struct gw_server_rx rx[]; /* max_receptions */
};
TAILQ_HEAD(gw_frame_list, gw_frame);

/* A PULL_RESP awaiting its TX_ACK. */
struct gw_server_tx {
	TAILQ_ENTRY(gw_server_tx) entry;
	struct gw_server *srv;
	uint64_t gw_eui;
	uint16_t token;
	struct event *timer;
	gw_server_tx_cb *cb;
	void *arg;
};
TAILQ_HEAD(gw_tx_list, gw_server_tx);

/* A log rate limit: at most max lines per minute. */
struct gw_ratelim {
	uint64_t start_ms;
	unsigned n, max, suppressed;
};

#define GW_UNKNOWN_RING 64 /* unknown EUIs remembered for the log */

struct gw_server {
	struct event_base *base;
	struct gw_server_opts o; /* defaults filled; gateways not kept */
	struct gw_server_callbacks cb;
	void *arg;
	int fd;
	uint16_t port;
	struct event *ev;
	struct gw_gateway *gws; /* sorted by eui */
	size_t n_gws, cap_gws;
	struct gw_frame **buckets; /* hash of pending frames */
	size_t n_buckets;          /* a power of two */
	uint64_t seed;             /* of the hash: random */
	struct gw_frame_list frames;
	struct gw_tx_list txs;
	struct gw_ratelim rl_unknown, rl_malformed;
	struct {
		bool used;
		uint64_t eui, ms;
	} unknown[GW_UNKNOWN_RING];
	unsigned unknown_next;
	struct gw_server_stats st;
	struct gw_udp_packet pkt; /* the datagram being handled */
	uint8_t buf[GW_UDP_DATAGRAM_MAX + 1];
};

/* gw_server.c */
uint64_t gw_now_ms(struct gw_server *srv);
struct gw_gateway *gw_find(struct gw_server *srv, uint64_t eui);
bool gw_down_live(struct gw_server *srv, const struct gw_gateway *g);

/* gw_log.c */
void gw_log(struct gw_server *srv, int prio, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));
void gw_report_unknown(
    struct gw_server *srv, uint64_t eui, const struct sockaddr *sa);
void gw_report_malformed(struct gw_server *srv, const struct sockaddr *sa,
    const struct gw_udp_error *e);

/* gw_dedup.c */
int gw_dedup_init(struct gw_server *srv);
void gw_dedup_add(struct gw_server *srv, uint64_t eui,
    const struct gw_udp_rxpk *r, int64_t recv_us);
void gw_dedup_free(struct gw_server *srv);

/* gw_downlink.c */
void gw_downlink_txack(struct gw_server *srv, const struct gw_udp_packet *p);
void gw_downlink_free(struct gw_server *srv);

#endif /* LIB_GW_GW_SERVER_INT_H */
