/*
 * store_ns.h - the Network Server's durable state, in the same store as
 * the Join Server's (store.h: store_open, store_close, enum store_err,
 * the KEK, group commit): one session per device, its frame counters,
 * the NwkAddr allocator of each NetID, and a downlink queue per device.
 *
 * The counters are what stop replays: an uplink is processed only after
 * store_ns_uplink_accept recorded its FCntUp durably, and a downlink
 * counter is taken (and the take made durable) before the frame is built,
 * so neither a kill -9 nor two NS processes sharing one PostgreSQL can
 * accept an FCntUp twice or send two frames with one FCntDown.
 *
 * Network session keys, and the AppSKey envelope kept for the AS, are
 * encrypted at rest with the store's KEK, as the JS's root keys are.
 * Every call blocks and fills why (naming the field or the cause) on
 * failure; the library never prints or exits.
 */
#ifndef LIB_STORE_STORE_NS_H
#define LIB_STORE_STORE_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_NS_ENVELOPE_MAX 40 /* wrapped AppSKey (RFC 3394: 24) */
#define STORE_NS_SKID_MAX 32     /* SessionKeyID bytes */
#define STORE_NS_HOST_MAX 256    /* AS host name (with the NUL) */
#define STORE_NS_PAYLOAD_MAX 242 /* largest FRMPayload of any region */
#define STORE_NS_QUEUE_MAX 64    /* downlinks queued per device */

struct store_ns_session {
	uint64_t dev_eui; /* the key */
	uint32_t dev_addr;
	uint64_t join_eui;
	char mac_version[8]; /* as store.h: "1.0" ... "1.1" */
	/* 1.1: the three network session keys.  1.0.x: the NwkSKey goes
	 * in f_nwk_s_int_key; the other two are ignored by put and read
	 * back as copies of it (one key plays the three roles). */
	uint8_t f_nwk_s_int_key[16];
	uint8_t s_nwk_s_int_key[16];
	uint8_t nwk_s_enc_key[16];
	/* The AppSKey for the AS as the JS gave it (a KeyEnvelope:
	 * KEKLabel, "" if in clear, and AESKey) and/or the SessionKeyID
	 * the AS fetches it with: at least one of the two. */
	char app_s_key_kek_label[STORE_LABEL_MAX];
	uint8_t app_s_key_env[STORE_NS_ENVELOPE_MAX];
	size_t app_s_key_env_len; /* 0: none */
	uint8_t session_key_id[STORE_NS_SKID_MAX];
	size_t session_key_id_len; /* 0: none */
	/* The AS: its ClientName, and where uplinks are forwarded. */
	char as_id[STORE_ID_MAX];
	char as_host[STORE_NS_HOST_MAX];
	uint16_t as_port;
	/* State, reset by put, changed only by the calls below: */
	bool has_fcnt_up;    /* false until the first uplink accepted */
	uint32_t fcnt_up;    /* the last FCntUp accepted (32 bits) */
	uint32_t nfcnt_down; /* next NFCntDown (1.0.x: the one FCntDown) */
	uint32_t afcnt_down; /* next AFCntDown (1.1 only) */
	/* Radio settings of the session (from the join-accept): */
	uint8_t rx1_dr_offset;   /* 0..7 */
	uint8_t rx2_dr;          /* 0..15 */
	uint32_t rx2_freq;       /* Hz */
	uint8_t rx_delay;        /* 0..15 seconds (0 means 1) */
	uint32_t home_net_id;    /* 24 bits */
	uint32_t roaming_net_id; /* 0: none; else the NetID of the foreign
				    device's home NS this NS forwards to */
	int64_t created;         /* unix time, set by put */
};

/**
 * Store a session for a device: a new one, or one replacing the device's
 * session (at each join), in one transaction.  Its state starts empty:
 * no FCntUp yet, NFCntDown = AFCntDown = 0.  The device's downlink queue
 * is kept: the NS encrypts each frame with the keys and counter current
 * when it sends it.
 * @param s: borrowed; its state fields and created are ignored.
 * @return STORE_OK, STORE_ERR_ARG (why names the field), STORE_ERR_KEK
 *	(sealing failed), STORE_ERR_DB.
 */
int store_ns_session_put(struct store *st, const struct store_ns_session *s,
    char *why, size_t whylen);

/**
 * A device's session, keys decrypted.
 * @param out: filled on STORE_OK; the caller wipes it when done.
 * @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_KEK (wrong KEK or an
 *	altered row), STORE_ERR_DB.
 */
int store_ns_session_get(struct store *st, uint64_t dev_eui,
    struct store_ns_session *out, char *why, size_t whylen);

/* Called once per candidate, in DevEUI order, with no statement open (it
 * may use the store); s is wiped after it returns; non-zero stops. */
typedef int store_ns_session_cb(void *arg, const struct store_ns_session *s);

/**
 * Every session with this DevAddr (several devices may share one: the
 * caller tells them apart by the MIC).
 * @return STORE_OK (at least one), STORE_ERR_NOTFOUND (none), the
 *	callback's non-zero value, STORE_ERR_KEK, STORE_ERR_DB.
 */
int store_ns_session_by_devaddr(struct store *st, uint32_t dev_addr,
    store_ns_session_cb *cb, void *arg, char *why, size_t whylen);

/**
 * Delete a device's session and its downlink queue.
 * @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_DB.
 */
int store_ns_session_delete(
    struct store *st, uint64_t dev_eui, char *why, size_t whylen);

/**
 * Accept an uplink's FCntUp (the 32-bit value the NS rebuilt), in one
 * transaction that locks the session: recorded only if it is above the
 * last accepted one (any value for the first uplink of a session), and
 * durable before this returns.  Only after STORE_OK may the uplink be
 * processed.
 * @param out: if not NULL, filled with the session as now stored (keys
 *	decrypted; the caller wipes it).
 * @return STORE_OK, STORE_ERR_REPLAY (why names FCntUp and both
 *	values), STORE_ERR_NOTFOUND, STORE_ERR_KEK, STORE_ERR_DB.  On an
 *	error nothing changed.
 */
int store_ns_uplink_accept(struct store *st, uint64_t dev_eui, uint32_t fcnt_up,
    struct store_ns_session *out, char *why, size_t whylen);

enum store_ns_fcnt {
	STORE_NS_NFCNT_DOWN, /* FPort 0 or none (1.0.x: every downlink) */
	STORE_NS_AFCNT_DOWN, /* FPort > 0 (1.1) */
};

/**
 * Take the next downlink counter: *fcnt gets it and the stored value
 * advances, atomically and durably, so that no value is used twice.  A
 * 1.0.x session has one FCntDown: both kinds take from NFCntDown.
 * @param fcnt: set on STORE_OK only.
 * @return STORE_OK, STORE_ERR_ARG (which), STORE_ERR_NOTFOUND,
 *	STORE_ERR_EXHAUSTED (all 2^32 values used: the device must join
 *	again), STORE_ERR_DB.
 */
int store_ns_fcnt_down_take(struct store *st, uint64_t dev_eui,
    enum store_ns_fcnt which, uint32_t *fcnt, char *why, size_t whylen);

/**
 * Allocate a NwkAddr for a NetID: one counter per NetID, from 0 up, never
 * the same value twice (it does not wrap: a NetID whose values are all
 * used is exhausted).  The caller builds the DevAddr from the NetID's
 * type prefix, its NwkID and this value.
 * @param net_id: 24 bits.
 * @param bits: the NwkAddr width of the NetID's type, 1 to 32 (7 to 25
 *	for NetID types 7 to 0).
 * @param nwk_addr: set on STORE_OK only.
 * @return STORE_OK, STORE_ERR_ARG (net_id, bits), STORE_ERR_EXHAUSTED
 *	(all 2^bits values handed out), STORE_ERR_DB.
 */
int store_ns_devaddr_take(struct store *st, uint32_t net_id, unsigned bits,
    uint32_t *nwk_addr, char *why, size_t whylen);

struct store_ns_downlink {
	int64_t id; /* increasing: FIFO order; never reused */
	uint64_t dev_eui;
	uint8_t fport; /* 1..223 */
	bool confirmed;
	uint8_t payload[STORE_NS_PAYLOAD_MAX];
	size_t len;
	int64_t created; /* unix time */
};

/**
 * Queue a downlink for a device that has a session, durably.
 * @param payload: borrowed, len bytes (may be NULL if len is 0).
 * @param id: if not NULL, set to the new item's id on STORE_OK.
 * @return STORE_OK, STORE_ERR_ARG (fport, len), STORE_ERR_NOTFOUND (no
 *	session), STORE_ERR_EXHAUSTED (STORE_NS_QUEUE_MAX already queued),
 *	STORE_ERR_DB.
 */
int store_ns_downlink_push(struct store *st, uint64_t dev_eui, uint8_t fport,
    bool confirmed, const uint8_t *payload, size_t len, int64_t *id, char *why,
    size_t whylen);

/**
 * The device's oldest queued downlink, left in the queue.
 * @param out: filled on STORE_OK.
 * @return STORE_OK, STORE_ERR_NOTFOUND (the queue is empty), STORE_ERR_DB.
 */
int store_ns_downlink_peek(struct store *st, uint64_t dev_eui,
    struct store_ns_downlink *out, char *why, size_t whylen);

/**
 * Remove a queued downlink (sent, or given up).
 * @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_DB.
 */
int
store_ns_downlink_drop(struct store *st, int64_t id, char *why, size_t whylen);

#endif /* LIB_STORE_STORE_NS_H */
