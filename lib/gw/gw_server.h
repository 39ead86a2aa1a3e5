/*
 * gw_server.h - the gateway side of a Network Server: the Semtech UDP
 * packet-forwarder protocol (gw/udp.h) on one UDP socket, on the caller's
 * event base.
 *
 * What it does with each datagram (docs lorawan-backend.md section 4):
 * - PUSH_DATA: PUSH_ACK at once (same token), then every rxpk with CRC OK
 *   (stat 1) goes to deduplication; stat -1 and 0 (and no stat) are
 *   counted and dropped, and so is a PHYPayload lw_phy_decode() refuses.
 * - PULL_DATA: PULL_ACK, and the sender's address becomes the gateway's
 *   downlink address, with the time.  A gateway not heard for
 *   keepalive_misses keepalive periods is gone for downlinks.
 * - TX_ACK: matched by gateway EUI and token to the PULL_RESP it answers;
 *   that downlink completes with the gateway's verdict.
 * - Anything else (PUSH_ACK, PULL_RESP, PULL_ACK sent to us) is counted
 *   and dropped.
 *
 * Decisions:
 * - Closed by default: only gateways on the allow-list are served; a
 *   datagram from any other EUI is dropped without an answer and logged
 *   at most once per EUI per minute, and at most 20 such lines a minute
 *   in all (a flood of made-up EUIs cannot fill the log).  Malformed
 *   datagrams are logged at most 10 times a minute.  Suppressed lines are
 *   counted in the next line that is logged.
 * - Deduplication is keyed on the PHYPayload bytes: the same bytes heard
 *   by several gateways within dedup_window_ms of the first reception are
 *   delivered once, when the window closes, with every gateway's
 *   reception (one per gateway: a gateway's repeat keeps the better).
 *   Whether a frame is a replay is the NS's business: the same bytes after
 *   the window are a new delivery.
 * - The best reception is the highest lsnr, then rssi, among gateways
 *   that can take a downlink now (a live PULL_DATA address); only when no
 *   gateway can, among all of them.
 * - Memory is bounded: max_pending frames in their window (a new frame
 *   beyond that is refused and counted), max_receptions per frame,
 *   max_downlinks awaiting a TX_ACK, max_gateways learned when any
 *   gateway is allowed.
 * - Semtech UDP has no authentication: whoever knows a gateway's EUI can
 *   move its downlink address with a PULL_DATA.  The allow-list is a
 *   filter, not a defence; the network around it must be trusted.
 * - Liveness and the log rate limits use opts.clock_ms (monotonic
 *   milliseconds; CLOCK_MONOTONIC when NULL) so tests can move time; the
 *   deduplication window and TX_ACK timeout are event-base timers.
 *
 * Callbacks run from the event loop, never from inside a gw_server_*()
 * call, except that gw_server_free() completes pending downlinks.  A
 * callback may call gw_server_send() and gw_server_cancel(), but not
 * gw_server_free().  The library never prints or exits: messages go to
 * callbacks.log.  IPv6 link-local addresses with a scope ("%eth0") are
 * not accepted for binding.
 */
#ifndef LIB_GW_GW_SERVER_H
#define LIB_GW_GW_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw/udp.h"
#include "lorawan/phy.h"

struct event_base;

/* Stable: new codes are added at the end, none is removed. */
enum gw_server_err {
	GW_SERVER_OK = 0,
	GW_SERVER_ERR_INVAL = -1,       /* bad argument or option */
	GW_SERVER_ERR_NOMEM = -2,       /* out of memory */
	GW_SERVER_ERR_SOCKET = -3,      /* socket() or bind() failed */
	GW_SERVER_ERR_ADDRESS = -4,     /* not an IPv4 or IPv6 literal */
	GW_SERVER_ERR_UNKNOWN_GW = -5,  /* the gateway is not allowed */
	GW_SERVER_ERR_NO_DOWNLINK = -6, /* no PULL_DATA from the gateway */
	GW_SERVER_ERR_GONE = -7,        /* its PULL_DATA stopped coming */
	GW_SERVER_ERR_ENCODE = -8,      /* the txpk does not encode */
	GW_SERVER_ERR_SEND = -9,        /* sendto() failed */
	GW_SERVER_ERR_QUEUE = -10,      /* max_downlinks await a TX_ACK */
	GW_SERVER_ERR_RANDOM = -11,     /* RAND_bytes() failed */
	GW_SERVER_ERR_REFUSED = -12,    /* TX_ACK with an error */
	GW_SERVER_ERR_TIMEOUT = -13,    /* no TX_ACK in time */
	GW_SERVER_ERR_SHUTDOWN = -14,   /* the server is being freed */
};

/** @return a static description of an enum gw_server_err value. */
const char *gw_server_strerror(int err);

/* Log priorities: syslog values. */
#define GW_SERVER_LOG_WARNING 4
#define GW_SERVER_LOG_INFO 6

struct gw_server_opts {
	const char *address;       /* IPv4 or IPv6 literal; NULL: "0.0.0.0" */
	uint16_t port;             /* 0: any free port (gw_server_port()) */
	const uint64_t *gateways;  /* allowed EUIs, borrowed for the call */
	size_t n_gateways;         /* 0 and !allow_any: refuse every one */
	bool allow_any;            /* serve every EUI (tests, open networks) */
	unsigned dedup_window_ms;  /* 0: 200 */
	unsigned max_pending;      /* frames in their window; 0: 1024 */
	unsigned max_receptions;   /* gateways per frame; 0: 16 */
	unsigned keepalive_ms;     /* the gateways' PULL_DATA period; 0: 10 s */
	unsigned keepalive_misses; /* periods before gone; 0: 3 */
	unsigned txack_timeout_ms; /* after sending a PULL_RESP; 0: 1000 */
	unsigned max_downlinks;    /* awaiting TX_ACK; 0: 1024 */
	unsigned max_gateways;     /* learned with allow_any; 0: 10000 */
	/* Monotonic milliseconds for liveness and log rate limits; NULL:
	 * CLOCK_MONOTONIC. */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
};

/* One gateway's reception of a frame. */
struct gw_server_rx {
	uint64_t gw_eui;
	uint32_t tmst; /* the concentrator counter, for the RX windows */
	uint32_t freq_hz;
	struct gw_udp_datr datr;
	bool has_codr;
	uint8_t codr;
	bool has_rssi;
	int16_t rssi;
	bool has_lsnr;
	double lsnr;
	bool has_chan;
	uint8_t chan;
	bool has_rfch;
	uint8_t rfch;
	bool has_time;
	int64_t time_us; /* the gateway's UTC time, if it has one */
	bool has_tmms;
	uint64_t tmms;
	int64_t recv_us;  /* our UTC time when the datagram came */
	bool downlink_ok; /* the gateway had a live downlink address at
			     delivery */
};

/* One deduplicated uplink; every pointer is borrowed until the callback
 * returns. */
struct gw_server_uplink {
	const uint8_t *phy; /* the PHYPayload */
	size_t len;
	const struct lw_frame *frame; /* lw_phy_decode() of it */
	const struct gw_server_rx *rx;
	size_t n_rx;
	size_t best; /* index into rx: the gateway for a downlink */
};

/* How a downlink ended. */
struct gw_server_tx_result {
	int err; /* GW_SERVER_OK (sent), _REFUSED, _TIMEOUT or _SHUTDOWN */
	enum gw_udp_txack_code code; /* _REFUSED: the gateway's error */
	const char *why;             /* "TOO_LATE", ...; "" when sent */
	bool has_warn;               /* a TX_ACK warn came with success */
	enum gw_udp_txack_code warn;
	uint64_t gw_eui;
	uint16_t token;
};

struct gw_server_callbacks {
	/* A deduplicated uplink; may be NULL. */
	void (*uplink)(void *arg, const struct gw_server_uplink *u);
	/* A PUSH_DATA status report (stat object); may be NULL. */
	void (*status)(
	    void *arg, uint64_t gw_eui, const struct gw_udp_stat *st);
	/* A log line (GW_SERVER_LOG_*); may be NULL: silent. */
	void (*log)(void *arg, int prio, const char *msg);
};

/* Runs once per downlink, from the event loop (or gw_server_free()). */
typedef void gw_server_tx_cb(void *arg, const struct gw_server_tx_result *r);

/* Counters, for metrics. */
struct gw_server_stats {
	uint64_t datagrams;    /* received */
	uint64_t by_type[6];   /* parsed, by enum gw_udp_type */
	uint64_t malformed;    /* refused by gw_udp_parse() */
	uint64_t unknown_gw;   /* from an EUI not allowed */
	uint64_t unexpected;   /* PUSH_ACK, PULL_RESP, PULL_ACK to us */
	uint64_t rxpk;         /* rxpk entries from allowed gateways */
	uint64_t rxpk_bad_crc; /* stat -1, 0 or absent */
	uint64_t rxpk_bad_phy; /* CRC OK, but not a PHYPayload */
	uint64_t frames_delivered;
	uint64_t duplicates_merged; /* receptions added to a pending frame */
	uint64_t pending_full;      /* new frames refused: max_pending */
	uint64_t receptions_full;   /* receptions over max_receptions */
	uint64_t downlinks_sent;
	uint64_t downlinks_acked;   /* TX_ACK NONE */
	uint64_t downlinks_refused; /* TX_ACK with an error */
	uint64_t downlinks_timed_out;
	uint64_t txack_unmatched; /* no pending downlink has its token */
	uint64_t send_errors;     /* ACKs that sendto() refused */
	unsigned pending_frames;
	unsigned pending_downlinks;
	unsigned gateways; /* known: allowed or learned */
};

struct gw_server;
struct gw_server_tx;

/**
 * Bind the socket and start serving on base.
 * @param base: borrowed; must outlive the server.
 * @param o: borrowed for the call (the allow-list is copied); NULL for
 *	the defaults (which refuse every gateway).
 * @param cb: borrowed for the call (copied); NULL: no callbacks.
 * @param arg: passed to every callback in cb.
 * @param err: if not NULL, set to an enum gw_server_err on failure.
 * @return a server (gw_server_free()), or NULL.
 */
struct gw_server *
gw_server_new(struct event_base *base, const struct gw_server_opts *o,
    const struct gw_server_callbacks *cb, void *arg, int *err);

/**
 * Close the socket and free everything.  Pending downlinks complete with
 * GW_SERVER_ERR_SHUTDOWN before this returns; frames still in their
 * window are dropped.  srv may be NULL.
 */
void gw_server_free(struct gw_server *srv);

/** @return the bound UDP port (useful after opts.port 0). */
uint16_t gw_server_port(const struct gw_server *srv);

/**
 * Send a txpk to a gateway as a PULL_RESP with a fresh random token, to
 * the address of its last PULL_DATA, and wait for its TX_ACK.
 * @param tx: borrowed for the call.
 * @param cb: runs exactly once if GW_SERVER_OK is returned (unless
 *	cancelled): OK (TX_ACK NONE, or no error), _REFUSED, _TIMEOUT
 *	(txack_timeout_ms) or _SHUTDOWN.
 * @param handle: if not NULL, set to a handle for gw_server_cancel(),
 *	valid until cb runs.
 * @return GW_SERVER_OK, or _INVAL, _UNKNOWN_GW, _NO_DOWNLINK, _GONE,
 *	_ENCODE, _QUEUE, _RANDOM, _NOMEM or _SEND (cb will not run).
 */
int gw_server_send(struct gw_server *srv, uint64_t gw_eui,
    const struct gw_udp_txpk *tx, gw_server_tx_cb *cb, void *arg,
    struct gw_server_tx **handle);

/** Forget a downlink: its callback will not run.  h may be NULL. */
void gw_server_cancel(struct gw_server_tx *h);

/** Copy the counters. */
void gw_server_stats(const struct gw_server *srv, struct gw_server_stats *s);

#endif /* LIB_GW_GW_SERVER_H */
