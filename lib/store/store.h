/*
 * store.h - the Join Server's durable state behind one interface, with two
 * backends: SQLite (the embedded default) and PostgreSQL (for several JS
 * instances serving one JoinEUI range).
 *
 * What it keeps, per device: DevEUI, JoinEUI, MAC version, root keys
 * (AppKey, NwkKey), home NetID, the identity of its AS, the KEK labels to
 * wrap its session keys with, the last JoinNonce issued, the DevNonce
 * state and the last RJcount1 accepted; per session: the AppSKey an AS
 * may fetch by SessionKeyID.
 *
 * Root keys and AppSKeys are encrypted at rest (AES-256-GCM) with a
 * key-encryption key read from a separate file, never from the database.
 *
 * Every call blocks (disk, network): a caller with an event loop runs
 * them on a worker thread.  A struct store is used by one thread at a
 * time; threads that need one each open their own.  The library never
 * prints or exits; it returns enum store_err and fills a reason.
 */
#ifndef LIB_STORE_STORE_H
#define LIB_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum store_err {
	STORE_OK = 0,
	STORE_ERR_ARG = -1,       /* bad argument or value */
	STORE_ERR_NOTFOUND = -2,  /* no such device or session */
	STORE_ERR_EXISTS = -3,    /* the device exists (add without replace) */
	STORE_ERR_REPLAY = -4,    /* DevNonce refused by its MAC version's
				     rule, RJcount1 or FCntUp not above the
				     last (store_ns.h) */
	STORE_ERR_EXHAUSTED = -5, /* JoinNonce would pass 2^24 - 1; a frame
				     counter, a NetID's NwkAddrs or a
				     downlink queue is full (store_ns.h) */
	STORE_ERR_DB = -6,        /* database error (reason in why) */
	STORE_ERR_KEK = -7,       /* KEK file unusable, or a record does not
				     decrypt (wrong KEK or tampering) */
	STORE_ERR_NOMEM = -8,
	STORE_ERR_ABORTED = -9, /* the join callback asked to roll back */
};

/** @return a static description of an enum store_err value. */
const char *store_strerror(int err);

#define STORE_ID_MAX 256   /* AS identity, session key id (with the NUL) */
#define STORE_LABEL_MAX 64 /* KEK label (with the NUL) */
/* Sessions kept per device: a join or rejoin that makes one more deletes
 * the oldest, so that the table does not grow with every join, while an
 * AS that is a few sessions behind can still fetch their AppSKeys. */
#define STORE_SESSIONS_KEPT 4

struct store_device {
	uint64_t dev_eui;
	uint64_t join_eui;
	char mac_version
	    [8]; /* "1.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.1" */
	uint8_t app_key[16];
	uint8_t nwk_key[16];
	bool has_nwk_key; /* 1.1 devices; a 1.0 device may have one too */
	uint32_t home_net_id;
	char as_id[STORE_ID_MAX]; /* ClientName of the AS that may fetch
				     this device's AppSKeys */
	char ns_kek_label[STORE_LABEL_MAX]; /* "" : session keys in clear */
	char as_kek_label[STORE_LABEL_MAX];
	/* State, ignored by add/import, filled by get/list: */
	uint32_t last_join_nonce; /* 0 before the first join */
	int32_t last_dev_nonce;   /* -1 before the first join */
	int32_t last_rj_count1;   /* -1 before the first type-1 rejoin */
	uint32_t joins;           /* joins and rejoins accepted */
};

struct store_session {
	char session_key_id[STORE_ID_MAX];
	uint64_t dev_eui;
	uint32_t join_nonce;
	uint8_t app_s_key[16];
	char as_id[STORE_ID_MAX]; /* copied from the device at the join */
	int64_t created;          /* unix time */
};

struct store_opts {
	const char *uri;            /* "sqlite:PATH", a plain PATH, or a libpq
				 "postgresql://..." / "postgres://..." URI */
	const char *kek_file;       /* 64 hex digits (AES-256), mode 0600 or
				 stricter; refused if group or world can
				 read it */
	unsigned dev_nonce_history; /* 1.0.0-1.0.3: DevNonces remembered
				       per device; 0 = all */
};

struct store;

/**
 * Open (and create or migrate the schema of) a store.
 * @param o: borrowed for the call.
 * @param out: set to a new handle (store_close) on success.
 * @return STORE_OK, STORE_ERR_ARG (bad URI), STORE_ERR_KEK, STORE_ERR_DB.
 */
int store_open(
    const struct store_opts *o, struct store **out, char *why, size_t whylen);

/** Close; st may be NULL.  Wipes the KEK from memory. */
void store_close(struct store *st);

/** @return "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *st);

/**
 * Add one device (its state starts empty).
 * @param replace: overwrite an existing device's configuration (its nonce
 *	state is kept); false makes an existing DevEUI STORE_ERR_EXISTS.
 * @return STORE_OK, STORE_ERR_ARG (why names the field), STORE_ERR_EXISTS,
 *	STORE_ERR_DB.
 */
int store_device_add(struct store *st, const struct store_device *d,
    bool replace, char *why, size_t whylen);

/**
 * Add n devices in one transaction: all of them, or none.
 * @return as store_device_add; why names the first bad device.
 */
int store_device_import(struct store *st, const struct store_device *d,
    size_t n, bool replace, char *why, size_t whylen);

/** @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_KEK, STORE_ERR_DB. */
int store_device_get(struct store *st, uint64_t dev_eui,
    struct store_device *out, char *why, size_t whylen);

/** Remove a device, its DevNonce history and its sessions. */
int store_device_remove(
    struct store *st, uint64_t dev_eui, char *why, size_t whylen);

/* Called once per device, in DevEUI order; non-zero stops the listing. */
typedef int store_device_cb(void *arg, const struct store_device *d);

/** @return STORE_OK, the callback's non-zero value, or an error. */
int store_device_list(
    struct store *st, store_device_cb *cb, void *arg, char *why, size_t whylen);

/*
 * Called inside the join (or rejoin) transaction, after the DevNonce (or
 * RJcount) passed and the next JoinNonce was taken: derive what is stored
 * with them (the session and its AppSKey).  dev holds decrypted keys and
 * the state before this join.  Return 0 to commit, any other value to
 * roll back.
 */
typedef int store_join_cb(void *arg, const struct store_device *dev,
    uint32_t join_nonce, struct store_session *session);

/**
 * The join, in one transaction that serialises concurrent joins of one
 * device (across processes and hosts for PostgreSQL): lock the device,
 * apply its MAC version's DevNonce rule (1.0.0-1.0.3: not among the
 * remembered values; 1.0.4 and 1.1: greater than the last), take
 * JoinNonce = last + 1, call cb, store the session (deleting the oldest beyond
 * STORE_SESSIONS_KEPT), commit durably.
 * Only after STORE_OK may the answer leave.
 * @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_REPLAY,
 *	STORE_ERR_EXHAUSTED, STORE_ERR_ABORTED (cb refused), STORE_ERR_KEK,
 *	STORE_ERR_DB.  On any error nothing changed.
 */
int store_join(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    store_join_cb *cb, void *arg, char *why, size_t whylen);

/**
 * The store's half of a rejoin-request (LoRaWAN 1.1 only), in one
 * transaction like store_join: lock the device, refuse it unless its MAC
 * version is 1.1, apply the rejoin's counter rule, take JoinNonce =
 * last + 1 (the counter joins use), call cb, store the session, count it
 * in joins, commit durably.  The DevNonce state is not touched (the
 * RJcount, not the DevNonce, enters the key derivation).
 * The counter rule (LW1.1 6.2.4):
 *  - type 1 (MIC by JSIntKey, which only the JS checks): rj_count must be
 *    above the last RJcount1 accepted, and is then recorded;
 *  - types 0 and 2: none here.  Their MIC is made with SNwkSIntKey and
 *    their RJcount0 is checked and counted by the NS that received them,
 *    which the JS trusts as the device's authenticated home NS.  The JS
 *    could not keep the rule itself: the device resets RJcount0 at every
 *    accepted join or rejoin, and the NS need not pass every rejoin on
 *    to the JS.
 * @param rejoin_type: 0, 1 or 2.
 * @param rj_count: RJcount1 for type 1, RJcount0 for types 0 and 2.
 * @return STORE_OK, STORE_ERR_ARG (a bad type, or a device that is not
 *	1.1: why says which), STORE_ERR_NOTFOUND, STORE_ERR_REPLAY (why
 *	names RJcount1), STORE_ERR_EXHAUSTED, STORE_ERR_ABORTED (cb refused),
 *	STORE_ERR_KEK, STORE_ERR_DB.  On any error nothing changed.
 */
int store_rejoin(struct store *st, uint64_t dev_eui, int rejoin_type,
    uint16_t rj_count, store_join_cb *cb, void *arg, char *why, size_t whylen);

/*
 * Group commit.  The calls between store_batch_begin and
 * store_batch_commit share one transaction and one durable commit, which
 * a busy Join Server pays once for many joins instead of once each.
 * Each writing call in the batch (a join, a rejoin, an add...) is a
 * savepoint: if it fails, its own work is undone and the batch goes on.
 * Nothing in the batch is durable, and no answer built on it may leave,
 * until store_batch_commit returns STORE_OK.  If it does not, everything
 * in the batch is undone, and every answer built on it must become a
 * failure.
 * Joins in one batch lock their devices until the commit: callers that
 * run batches on several connections take the joins of a batch in
 * DevEUI order, so that two batches never wait for each other's locks
 * (PostgreSQL would end such a deadlock by failing one batch).
 */

/** @return STORE_OK, STORE_ERR_ARG (a transaction is open), STORE_ERR_DB. */
int store_batch_begin(struct store *st, char *why, size_t whylen);

/**
 * Commit the batch durably.
 * @return STORE_OK, or STORE_ERR_DB: nothing in the batch happened.
 */
int store_batch_commit(struct store *st, char *why, size_t whylen);

/** Undo the whole batch; st may be NULL, and no batch is a no-op. */
void store_batch_abort(struct store *st);

/** @return STORE_OK, STORE_ERR_NOTFOUND, STORE_ERR_KEK, STORE_ERR_DB. */
int store_session_get(struct store *st, const char *session_key_id,
    struct store_session *out, char *why, size_t whylen);

/**
 * Parse and format a MAC version name.
 * @return true if s is one of the six versions above.
 */
bool store_mac_version_valid(const char *s);

/** @return true for 1.0.4 and 1.1: DevNonce is a counter. */
bool store_mac_version_counter(const char *s);

#endif /* LIB_STORE_STORE_H */
