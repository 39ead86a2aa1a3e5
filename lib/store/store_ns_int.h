/*
 * store_ns_int.h - between the NS's and AS's rules (store_ns.c,
 * store_as.c: arguments, sealing, the FCntUp, FCntDown, NwkAddr and queue
 * rules) and their backends (store_ns_sqlite.c, store_ns_pg.c,
 * store_as_sqlite.c, store_as_pg.c: rows and SQL), reached through
 * struct store_backend's ns and as tables.  As in store_int.h, a backend
 * sees only sealed keys, and every function returns STORE_OK or an enum
 * store_err with a reason in why on STORE_ERR_DB.
 */
#ifndef LIB_STORE_STORE_NS_INT_H
#define LIB_STORE_STORE_NS_INT_H

#include "store/store_as.h"
#include "store/store_int.h"
#include "store/store_ns.h"

/* FNwkSIntKey | SNwkSIntKey | NwkSEncKey, sealed */
#define STORE_NS_KEYS_SEALED (48 + STORE_SEAL_OVERHEAD)
#define STORE_NS_ENV_SEALED (STORE_NS_ENVELOPE_MAX + STORE_SEAL_OVERHEAD)
/* A downlink counter's "next" after 2^32 - 1 was taken: none left. */
#define STORE_NS_FCNT_END (INT64_C(1) << 32)

struct store_ns_session_row {
	uint64_t dev_eui;
	uint32_t dev_addr;
	uint64_t join_eui;
	char mac_version[8];
	uint8_t keys[STORE_NS_KEYS_SEALED];
	char app_s_key_kek_label[STORE_LABEL_MAX];
	uint8_t app_s_key_env[STORE_NS_ENV_SEALED]; /* sealed */
	size_t app_s_key_env_len;                   /* sealed length; 0 */
	uint8_t session_key_id[STORE_NS_SKID_MAX];
	size_t session_key_id_len;
	char as_id[STORE_ID_MAX];
	char as_host[STORE_NS_HOST_MAX];
	uint16_t as_port;
	int64_t fcnt_up;    /* -1: none yet */
	int64_t nfcnt_down; /* next; STORE_NS_FCNT_END: exhausted */
	int64_t afcnt_down;
	uint8_t rx1_dr_offset;
	uint8_t rx2_dr;
	uint32_t rx2_freq;
	uint8_t rx_delay;
	uint32_t home_net_id;
	uint32_t roaming_net_id;
	int64_t created;
};

struct store_ns_backend {
	/* for_update: lock the row until the transaction ends (PostgreSQL
	 * FOR UPDATE; SQLite's write lock already serialises). */
	int (*session_read)(struct store *st, uint64_t dev_eui, bool for_update,
	    struct store_ns_session_row *row, char *why, size_t n);
	/* Insert, or replace every column of the device's row (not
	 * deleting it: its downlink queue stays). */
	int (*session_write)(struct store *st,
	    const struct store_ns_session_row *row, char *why, size_t n);
	/* Only fcnt_up, nfcnt_down, afcnt_down; STORE_ERR_NOTFOUND. */
	int (*session_state)(struct store *st,
	    const struct store_ns_session_row *row, char *why, size_t n);
	/* The session with dev_addr of the lowest DevEUI above *after (or
	 * the lowest, if after is NULL); STORE_ERR_NOTFOUND past the last. */
	int (*session_next_by_addr)(struct store *st, uint32_t dev_addr,
	    const uint64_t *after, struct store_ns_session_row *row, char *why,
	    size_t n);
	/* Also its downlinks; STORE_ERR_NOTFOUND. */
	int (*session_delete)(
	    struct store *st, uint64_t dev_eui, char *why, size_t n);
	/* The NetID's counter (made at 0 if absent), locked until the
	 * transaction ends; then its new value. */
	int (*addr_lock)(struct store *st, uint32_t net_id, int64_t *next,
	    char *why, size_t n);
	int (*addr_set)(struct store *st, uint32_t net_id, int64_t next,
	    char *why, size_t n);
	int (*dl_count)(struct store *st, uint64_t dev_eui, unsigned *count,
	    char *why, size_t n);
	/* d->id is ignored; *id gets the new one. */
	int (*dl_insert)(struct store *st, const struct store_ns_downlink *d,
	    int64_t *id, char *why, size_t n);
	/* STORE_ERR_NOTFOUND if the queue is empty. */
	int (*dl_oldest)(struct store *st, uint64_t dev_eui,
	    struct store_ns_downlink *d, char *why, size_t n);
	int (*dl_delete)(struct store *st, int64_t id, char *why, size_t n);
};

/* An outbox row; json is malloc'd by the backend (NUL-terminated), and
 * freed by the caller. */
struct store_as_event_row {
	int64_t id;
	uint64_t dev_eui;
	char kind[STORE_AS_KIND_MAX];
	char *json;
	size_t json_len;
	int64_t created;
};

struct store_as_backend {
	int (*ev_insert)(struct store *st, const struct store_as_event_row *ev,
	    int64_t *id, char *why, size_t n);
	/* The event of the lowest id above after; STORE_ERR_NOTFOUND. */
	int (*ev_next)(struct store *st, int64_t after,
	    struct store_as_event_row *ev, char *why, size_t n);
	int (*ev_delete)(struct store *st, int64_t id, char *why, size_t n);
	/* Insert or replace (dev_eui, skid)'s sealed AppSKey, then drop all
	 * but the device's keep newest. */
	int (*key_write)(struct store *st, uint64_t dev_eui,
	    const uint8_t *skid, size_t skid_len,
	    const uint8_t sealed[STORE_SKEY_SEALED], int64_t created,
	    unsigned keep, char *why, size_t n);
	int (*key_read)(struct store *st, uint64_t dev_eui, const uint8_t *skid,
	    size_t skid_len, uint8_t sealed[STORE_SKEY_SEALED], char *why,
	    size_t n);
};

extern const struct store_ns_backend store_ns_backend_sqlite;
extern const struct store_ns_backend store_ns_backend_pg;
extern const struct store_as_backend store_as_backend_sqlite;
extern const struct store_as_backend store_as_backend_pg;

#endif /* LIB_STORE_STORE_NS_INT_H */
