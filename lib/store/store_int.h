/*
 * store_int.h - between the common store code (store.c: arguments, the
 * KEK, the DevNonce, RJcount1 and JoinNonce rules; store_ns.c and
 * store_as.c: the NS's and AS's rules) and a backend (store_sqlite.c,
 * store_pg.c and their _ns/_as companions: SQL and transactions).  A
 * backend sees only rows whose keys are already encrypted; the rules live
 * once, above it.
 */
#ifndef LIB_STORE_STORE_INT_H
#define LIB_STORE_STORE_INT_H

#include "store/store.h"

/* Sealed: nonce (12) | ciphertext | tag (16), AES-256-GCM. */
#define STORE_SEAL_OVERHEAD 28
#define STORE_KEYS_SEALED (32 + STORE_SEAL_OVERHEAD) /* AppKey|NwkKey */
#define STORE_SKEY_SEALED (16 + STORE_SEAL_OVERHEAD) /* AppSKey */

struct store_device_row {
	uint64_t dev_eui;
	uint64_t join_eui;
	char mac_version[8];
	uint8_t keys[STORE_KEYS_SEALED]; /* sealed AppKey | NwkKey */
	bool has_nwk_key;
	uint32_t home_net_id;
	char as_id[STORE_ID_MAX];
	char ns_kek_label[STORE_LABEL_MAX];
	char as_kek_label[STORE_LABEL_MAX];
	uint32_t last_join_nonce;
	int32_t last_dev_nonce; /* -1: none */
	int32_t last_rj_count1; /* -1: none (schema version 2) */
	uint32_t joins;
};

struct store_session_row {
	char session_key_id[STORE_ID_MAX];
	uint64_t dev_eui;
	uint32_t join_nonce;
	uint8_t app_s_key[STORE_SKEY_SEALED]; /* sealed */
	char as_id[STORE_ID_MAX];
	int64_t created;
};

enum store_write { STORE_INSERT, STORE_REPLACE_CONFIG, STORE_UPDATE_STATE };

enum store_sp { STORE_SP_SET, STORE_SP_RELEASE, STORE_SP_ROLLBACK };

struct store_ns_backend; /* store_ns_int.h */
struct store_as_backend;

typedef int store_row_cb(void *arg, const struct store_device_row *row);

/*
 * A backend.  Every function returns STORE_OK or an enum store_err, and
 * writes a reason into why on STORE_ERR_DB.  Calls between tx_begin and
 * tx_commit/tx_rollback form one transaction; outside one, each call is
 * its own.
 */
struct store_backend {
	const char *name;
	/* uri: the part after "sqlite:" or the whole libpq URI. */
	int (*open)(struct store *st, const char *uri, char *why, size_t n);
	void (*close)(struct store *st);
	/* A write transaction; SQLite: BEGIN IMMEDIATE. */
	int (*tx_begin)(struct store *st, char *why, size_t n);
	/* Durable when it returns (synchronous commit). */
	int (*tx_commit)(struct store *st, char *why, size_t n);
	void (*tx_rollback)(struct store *st);
	/* Inside a transaction, one savepoint at a time (group commit):
	 * set it, release it (keep its work), or roll back to it and
	 * release it (drop its work, keep the transaction usable). */
	int (*savepoint)(
	    struct store *st, enum store_sp op, char *why, size_t n);
	/* for_update: lock the row until the transaction ends (PostgreSQL:
	 * SELECT ... FOR UPDATE; SQLite's write lock already serialises). */
	int (*device_read)(struct store *st, uint64_t dev_eui, bool for_update,
	    struct store_device_row *row, char *why, size_t n);
	/* STORE_INSERT: STORE_ERR_EXISTS if present; STORE_REPLACE_CONFIG:
	 * insert, or update every column but the state; STORE_UPDATE_STATE:
	 * only last_join_nonce, last_dev_nonce, last_rj_count1, joins. */
	int (*device_write)(struct store *st,
	    const struct store_device_row *row, enum store_write mode,
	    char *why, size_t n);
	/* Also deletes its DevNonces and sessions; STORE_ERR_NOTFOUND. */
	int (*device_delete)(
	    struct store *st, uint64_t dev_eui, char *why, size_t n);
	/* In DevEUI order; a non-zero callback value stops and is returned. */
	int (*device_scan)(
	    struct store *st, store_row_cb *cb, void *arg, char *why, size_t n);
	/* DevNonce history (1.0.0-1.0.3). */
	int (*devnonce_seen)(struct store *st, uint64_t dev_eui,
	    uint16_t dev_nonce, bool *seen, char *why, size_t n);
	/* Record one; keep: if non-zero, then drop all but the newest keep. */
	int (*devnonce_add)(struct store *st, uint64_t dev_eui,
	    uint16_t dev_nonce, unsigned keep, char *why, size_t n);
	int (*session_write)(struct store *st,
	    const struct store_session_row *row, char *why, size_t n);
	int (*session_read)(struct store *st, const char *id,
	    struct store_session_row *row, char *why, size_t n);
	/* Delete the device's sessions whose JoinNonce is below min. */
	int (*session_trim)(struct store *st, uint64_t dev_eui, uint32_t min,
	    char *why, size_t n);
	/* The NS's and the AS's tables, on the same connection. */
	const struct store_ns_backend *ns;
	const struct store_as_backend *as;
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_pg;

struct store {
	const struct store_backend *be;
	void *db; /* the backend's connection */
	uint8_t kek[32];
	unsigned dev_nonce_history;
	bool in_tx;
	bool batch;        /* in store_batch_begin .. _commit */
	bool in_savepoint; /* a call's savepoint inside the batch */
	bool batch_broken; /* a savepoint could not be rolled back */
};

/*
 * What store.c shares with the NS's and AS's rules (store_ns.c,
 * store_as.c), so that they seal, check and open transactions exactly as
 * the JS's calls do.
 */

/** Write a reason (why may be NULL) and @return code. */
int store_fail(int code, char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * AES-256-GCM with the store's KEK.  Sealing (enc): out = nonce |
 * ciphertext | tag, len + STORE_SEAL_OVERHEAD bytes.  Unsealing: in is
 * that, out gets len bytes (wiped if the tag does not match).  aad names
 * the record, so that a sealed value moved to another row does not open.
 * @return 0, or -1.
 */
int store_aead(const struct store *st, bool enc, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out);

/** @return why a bounded identifier (printable ASCII, no spaces, shorter
 * than size) is unacceptable, or NULL. */
const char *store_text_bad(const char *s, size_t size, bool empty_ok);

/* One call's transaction, or its savepoint inside a batch. */
int store_tx_begin(struct store *st, char *why, size_t n);
int store_tx_commit(struct store *st, char *why, size_t n);
void store_tx_abort(struct store *st);

#endif /* LIB_STORE_STORE_INT_H */
