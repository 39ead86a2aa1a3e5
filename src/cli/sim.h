/*
 * sim.h - "loradane sim": simulated gateways and OTAA devices that talk
 * the Semtech UDP packet-forwarder protocol to a Network Server.
 *
 * One libevent base drives everything; no callback blocks.  The modules:
 * - sim_gw.c: M gateways, one connected UDP socket each, a 32-bit µs
 *   concentrator counter, PULL_DATA keepalives, PUSH_DATA, TX_ACK and the
 *   timing check of every PULL_RESP;
 * - sim_dev.c: the devices file, join-requests, DevNonces, and the device
 *   side of a join-accept (receive window, decryption, MIC, keys);
 * - sim_data.c: the data session after a join: uplinks (1.0 and 1.1
 *   MIC, FOpts MAC commands, replays), the device's check of data
 *   downlinks in RX1/RX2, ACKs and MAC answers;
 * - sim_run.c: the join scheduler (rate, count or duration), retries,
 *   statistics, progress and the summary;
 * - cmd_sim.c: the verb's options.
 *
 * A downlink the gateway accepts is handed to the waiting devices at once
 * rather than at its tmst: whether it was on time is decided by the
 * counters, so the simulation need not sleep through the 5 s of RX1.
 */
#ifndef SRC_CLI_SIM_H
#define SRC_CLI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "gw/udp.h"
#include "lorawan/data.h"
#include "lorawan/region.h"

#define SIM_GPF_MAX 16               /* gateways hearing one frame */
#define SIM_GW_MAX 4096              /* gateways */
#define SIM_JOIN_TIMEOUT_US 7000000u /* RX2 (+6 s) plus its airtime */
#define SIM_PUSH_PENDING 64          /* PUSH_DATA awaiting PUSH_ACK */
#define SIM_PUSH_ACK_WAIT_US 1000000 /* then the ACK counts missing */
/* The packet forwarder's JIT queue refuses a packet due sooner than its
 * start-up and margin delays (about 30 ms): as late as the real one. */
#define SIM_TX_LEAD_US 30000

struct event;
struct event_base;
struct lw_crypto;
struct sim;

enum sim_dev_state {
	SIM_DEV_IDLE = 0,
	SIM_DEV_WAITING, /* join-request sent, no accept yet */
	SIM_DEV_DATA,    /* joined, sending its data uplinks */
};

/* One gateway that heard a join-request, and its counter then. */
struct sim_up {
	int gw;
	uint32_t tmst;
};

struct sim_gw {
	struct sim *s;
	int idx;
	uint64_t eui;
	int fd; /* connected to the NS */
	struct event *ev_read, *ev_keep;
	uint32_t offset; /* counter = monotonic µs + offset, mod 2^32 */
	bool ready;      /* a PULL_ACK came */
	int npush;       /* entries used in push[] */
	struct {
		uint16_t token;
		int64_t sent_us;
	} push[SIM_PUSH_PENDING];
};

struct sim_dev {
	struct sim *s;
	uint64_t dev_eui, join_eui;
	int macv; /* enum bi_macv */
	bool v11, has_nwk_key;
	bool counter; /* 1.0.4 and 1.1: DevNonce is a counter */
	uint8_t app_key[16], nwk_key[16];
	uint32_t next_nonce; /* counter devices; 65536 = exhausted */
	uint8_t *used;       /* random devices: DevNonces sent, a bitmap */
	bool has_join_nonce; /* 1.1: the last JoinNonce accepted */
	uint32_t last_join_nonce;
	/* the join in progress */
	enum sim_dev_state state;
	unsigned attempts;
	uint16_t dev_nonce;
	int64_t up_us; /* when its PUSH_DATA went */
	uint32_t freq_hz;
	struct lw_tx_window rx1, rx2; /* freq and datr; tmst per gateway */
	int nup;
	struct sim_up up[SIM_GPF_MAX];
	struct event *ev_timeout;
	TAILQ_ENTRY(sim_dev) wait_link;
	/* the last join-accept taken, to recognise copies of it */
	uint8_t accept[33];
	size_t accept_len;
	/* The data session (sim_data.c).  It outlives the uplinks so that a
	 * downlink for the last one still finds its device. */
	bool has_session;
	uint32_t dev_addr;
	struct lw_dev_skeys sk;
	uint8_t rx1_dr_offset, rx2_dr, rx_delay_s; /* from the accept */
	uint32_t fcnt_up;                          /* the next FCntUp */
	struct lw_fcnt_down fdown;
	uint32_t data_left; /* uplinks still to send */
	bool conf_pending;  /* a confirmed uplink not acknowledged yet */
	uint16_t conf_fcnt; /* its FCnt mod 2^16 (1.1 ACK MIC) */
	bool ack_next;      /* a confirmed downlink to acknowledge */
	uint16_t ack_fcnt;
	int64_t data_us; /* when the last uplink went */
	struct event *ev_data;
};

struct sim_opts {
	const char *ns_addr, *ns_port, *devices;
	int ngw;
	uint64_t gw_eui; /* gateway i is gw_eui + i */
	enum lw_region region;
	int gpf;         /* gateways per frame; 0 = min(M, 2) */
	double rate;     /* joins started per second */
	double duration; /* seconds; 0 = count-bound */
	uint64_t joins;  /* 0 = each device once */
	unsigned keepalive_ms, ready_ms;
	uint32_t devnonce_start;
	bool has_tmst_start;
	uint32_t tmst_start;
	unsigned retries;
	bool has_dr;
	unsigned dr;
	bool has_seed;
	uint64_t seed;
	bool progress, json;
	int verbose;
	/* data uplinks after each join */
	uint32_t uplinks; /* per join; 0 = joins only */
	unsigned interval_ms;
	uint8_t fport;
	bool has_payload;
	size_t payload_len;
	uint8_t payload[LW_FRM_MAX];
	bool confirmed, replay;
	unsigned mac_every; /* 0 = no MAC commands */
	uint32_t fcnt_start;
};

struct sim_stats {
	uint64_t joins; /* started (each may send several requests) */
	uint64_t joins_sent, joins_accepted, joins_failed, join_timeouts;
	uint64_t rx1, rx2, too_late, bad_accepts, dup_accepts;
	uint64_t push_sent, push_ack_missing, send_errors;
	uint64_t uplinks_sent, uplinks_replayed, downlinks, acks, ack_missing;
	uint64_t link_check_ans, device_time_ans, bad_downlinks;
	uint32_t *lat_us; /* one per accepted join */
	size_t nlat, caplat;
};

struct sim {
	struct sim_opts o;
	struct event_base *base;
	struct lw_crypto *crypto;
	struct sim_gw *gws;
	struct sim_dev *devs;
	int ndev, capdev;
	TAILQ_HEAD(, sim_dev) waiting;
	int busy; /* devices not idle */
	uint64_t rng;
	int64_t t0_us; /* joins started at */
	int next_dev;
	bool running, stopping, draining, setup_failed;
	struct event *ev_tick, *ev_progress, *ev_ready, *ev_sig[2];
	int64_t drain_until_us;
	struct sim_stats st;
	struct gw_udp_packet pkt, out; /* scratch: ~6 KB each */
	uint8_t buf[GW_UDP_DATAGRAM_MAX];
};

/* sim_run.c */

/** Monotonic time in microseconds. */
int64_t sim_now_us(void);

/** The next pseudo-random number (xorshift64*, seeded per run). */
uint64_t sim_rand(struct sim *s);

/**
 * Run a whole simulation: load the devices, open the gateways, run the
 * joins, fill s->st.  Errors are printed as "loradane sim: ...".
 * @param s: zeroed, with s->o set; free with sim_free().
 * @return 0, or -1 if the run could not be set up.
 */
int sim_run(struct sim *s);

/** Free what sim_run() allocated; s itself is the caller's. */
void sim_free(struct sim *s);

/** A join ended: accepted (with its latency) or failed. */
void sim_join_done(struct sim *s, struct sim_dev *d, bool ok);

/** Record an accepted join's latency. */
void sim_latency_add(struct sim *s, uint32_t us);

/** Latency percentile (0..100) in microseconds; 0 without joins. */
uint32_t sim_latency_pct(const struct sim *s, double pct);

/** Print the summary on stdout ("key value" lines, or JSON). */
void sim_summary(const struct sim *s);

/** Print one progress line on stderr. */
void sim_progress_line(const struct sim *s);

/* sim_gw.c */

/**
 * Open the gateways' sockets, start their keepalives (the first
 * PULL_DATA goes at once).
 * @return 0, or -1 after printing why.
 */
int sim_gw_open_all(struct sim *s);

/** Close every gateway; what is still unacknowledged counts missing. */
void sim_gw_close_all(struct sim *s);

/** True when every gateway has had its PULL_ACK. */
bool sim_gw_all_ready(const struct sim *s);

/** PUSH_DATA still awaiting PUSH_ACK, over all gateways. */
int sim_gw_pending(const struct sim *s);

/** The gateway's concentrator counter at monotonic time now_us. */
uint32_t sim_gw_counter(const struct sim_gw *g, int64_t now_us);

/**
 * Send one PUSH_DATA with one rxpk: the frame as heard now.
 * @param tmst: set to the rxpk tmst.
 * @return 0, or -1 (counted in send_errors).
 */
int sim_gw_push(struct sim *s, struct sim_gw *g, const uint8_t *phy, size_t len,
    uint32_t freq_hz, unsigned chan, unsigned dr, uint32_t *tmst);

/* sim_dev.c */

/**
 * Load the devices file ("DEVEUI JOINEUI MACVERSION APPKEY [NWKKEY]
 * HOMENETID" per line, "#" comments).
 * @return 0, or -1 after printing "path:line: reason".
 */
int sim_dev_load(struct sim *s, const char *path);

/** Free the devices and their timers. */
void sim_dev_free_all(struct sim *s);

/**
 * Start a join attempt: a new DevNonce, a join-request heard by k random
 * gateways on a random default channel, and a 7 s timeout.
 * @return 0, or -1 if it could not be sent (the join has failed).
 */
int sim_dev_join(struct sim *s, struct sim_dev *d);

/**
 * A gateway transmitted a downlink: give it to the device that waits for
 * it in RX1 or RX2; count it bad if none can take it.
 * @param rx_us: when the PULL_RESP arrived.
 */
void sim_dev_downlink(struct sim *s, const struct sim_gw *g,
    const struct gw_udp_txpk *tx, int64_t rx_us);

/** Abandon every waiting device (interrupted run); each join fails. */
void sim_dev_abandon_all(struct sim *s);

/** Pick a random default channel for an uplink at dr. */
void sim_pick_channel(struct sim *s, unsigned dr, unsigned *ch, uint32_t *freq);

/** Pick k distinct random gateways into d->up[] (d->nup = k). */
void sim_pick_gws(struct sim *s, struct sim_dev *d);

/* sim_data.c */

/**
 * A join was accepted and d->has_session set: send the --uplinks data
 * uplinks, --uplink-interval apart; the device is busy until done.
 */
void sim_data_start(struct sim *s, struct sim_dev *d);

/**
 * A gateway transmitted a data downlink: the device with its DevAddr
 * checks it (window, MIC, counter) and takes ACK and MAC answers.
 */
void sim_data_downlink(struct sim *s, const struct sim_gw *g,
    const struct gw_udp_txpk *tx, const struct lw_frame *f);

/** Stop every device's uplinks (interrupted run). */
void sim_data_abandon_all(struct sim *s);

#endif /* SRC_CLI_SIM_H */
