/*
 * store_ns_sqlite.c - the Network Server's tables in the SQLite backend
 * (store_ns_int.h), on store_sqlite.c's connection and in its
 * transactions: BEGIN IMMEDIATE holds the file's write lock, which is
 * what serialises two NS processes taking one counter, and COMMIT under
 * synchronous=FULL is durable when it returns.  The tables are made by
 * store_sqlite.c's migration 2 -> 3.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_ns_int.h"
#include "store/store_sqlite_int.h"

#define NS_COLS                                                                \
	"dev_eui, dev_addr, join_eui, mac_version, keys, as_kek_label, "       \
	"app_s_key_env, session_key_id, as_id, as_host, as_port, fcnt_up, "    \
	"nfcnt_down, afcnt_down, rx1_dr_offset, rx2_dr, rx2_freq, rx_delay, "  \
	"home_net_id, roaming_net_id, created"
#define DL_COLS "id, dev_eui, fport, confirmed, payload, created"

enum ns_stmt {
	N_READ,
	N_UPSERT,
	N_STATE,
	N_ADDR_FIRST,
	N_ADDR_NEXT,
	N_DELETE,
	N_NWK_ENSURE,
	N_NWK_READ,
	N_NWK_SET,
	N_DL_COUNT,
	N_DL_INSERT,
	N_DL_OLDEST,
	N_DL_DELETE,
	N_COUNT
};

_Static_assert(N_COUNT <= SQ_NS_STMTS, "struct sq: ns[] too small");

static const char *const ns_sql[N_COUNT] = {
    [N_READ] = "SELECT " NS_COLS " FROM ns_sessions WHERE dev_eui = ?1",
    /* Not INSERT OR REPLACE: that deletes the row, and the cascade would
     * take the device's downlink queue with it. */
    [N_UPSERT] =
	"INSERT INTO ns_sessions (" NS_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, "
	"?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
	"?20, ?21) ON CONFLICT (dev_eui) DO UPDATE SET dev_addr = ?2, "
	"join_eui = ?3, mac_version = ?4, keys = ?5, as_kek_label = ?6, "
	"app_s_key_env = ?7, session_key_id = ?8, as_id = ?9, as_host = ?10, "
	"as_port = ?11, fcnt_up = ?12, nfcnt_down = ?13, afcnt_down = ?14, "
	"rx1_dr_offset = ?15, rx2_dr = ?16, rx2_freq = ?17, rx_delay = ?18, "
	"home_net_id = ?19, roaming_net_id = ?20, created = ?21",
    [N_STATE] = "UPDATE ns_sessions SET fcnt_up = ?2, nfcnt_down = ?3, "
		"afcnt_down = ?4 WHERE dev_eui = ?1",
    [N_ADDR_FIRST] = "SELECT " NS_COLS " FROM ns_sessions WHERE "
		     "dev_addr = ?1 ORDER BY dev_eui LIMIT 1",
    [N_ADDR_NEXT] = "SELECT " NS_COLS " FROM ns_sessions WHERE "
		    "dev_addr = ?1 AND dev_eui > ?2 ORDER BY dev_eui LIMIT 1",
    [N_DELETE] = "DELETE FROM ns_sessions WHERE dev_eui = ?1",
    [N_NWK_ENSURE] = "INSERT INTO ns_devaddr (net_id, next) VALUES (?1, 0) "
		     "ON CONFLICT (net_id) DO NOTHING",
    [N_NWK_READ] = "SELECT next FROM ns_devaddr WHERE net_id = ?1",
    [N_NWK_SET] = "UPDATE ns_devaddr SET next = ?2 WHERE net_id = ?1",
    [N_DL_COUNT] = "SELECT count(*) FROM ns_downlinks WHERE dev_eui = ?1",
    [N_DL_INSERT] = "INSERT INTO ns_downlinks (dev_eui, fport, confirmed, "
		    "payload, created) VALUES (?1, ?2, ?3, ?4, ?5)",
    [N_DL_OLDEST] = "SELECT " DL_COLS " FROM ns_downlinks WHERE "
		    "dev_eui = ?1 ORDER BY id LIMIT 1",
    [N_DL_DELETE] = "DELETE FROM ns_downlinks WHERE id = ?1",
};

/* ns_stmt - one of this file's cached statements */
static sqlite3_stmt *
ns_stmt(struct sq *q, enum ns_stmt i, char *why, size_t n)
{
	return sq_prepare(q, &q->ns[i], ns_sql[i], why, n);
}

/* ns_row - the current row of an NS_COLS query; -1 if it is corrupt */
static int
ns_row(sqlite3_stmt *s, struct store_ns_session_row *r)
{
	int64_t addr, port, dro, dr2, f2, dly, home, roam;

	memset(r, 0, sizeof(*r));
	if (sq_col_eui(s, 0, &r->dev_eui) != 0 ||
	    sq_col_range(s, 1, 0, UINT32_MAX, &addr) != 0 ||
	    sq_col_eui(s, 2, &r->join_eui) != 0 ||
	    sq_col_text(s, 3, r->mac_version, sizeof(r->mac_version)) != 0 ||
	    sq_col_blob(s, 4, r->keys, sizeof(r->keys)) != 0 ||
	    sq_col_text(s, 5, r->app_s_key_kek_label,
		sizeof(r->app_s_key_kek_label)) != 0 ||
	    sq_col_blob_max(s, 6, r->app_s_key_env, sizeof(r->app_s_key_env),
		&r->app_s_key_env_len) != 0 ||
	    sq_col_blob_max(s, 7, r->session_key_id, sizeof(r->session_key_id),
		&r->session_key_id_len) != 0 ||
	    sq_col_text(s, 8, r->as_id, sizeof(r->as_id)) != 0 ||
	    sq_col_text(s, 9, r->as_host, sizeof(r->as_host)) != 0 ||
	    sq_col_range(s, 10, 0, 65535, &port) != 0 ||
	    sq_col_range(s, 11, -1, UINT32_MAX, &r->fcnt_up) != 0 ||
	    sq_col_range(s, 12, 0, STORE_NS_FCNT_END, &r->nfcnt_down) != 0 ||
	    sq_col_range(s, 13, 0, STORE_NS_FCNT_END, &r->afcnt_down) != 0 ||
	    sq_col_range(s, 14, 0, 7, &dro) != 0 ||
	    sq_col_range(s, 15, 0, 15, &dr2) != 0 ||
	    sq_col_range(s, 16, 0, UINT32_MAX, &f2) != 0 ||
	    sq_col_range(s, 17, 0, 15, &dly) != 0 ||
	    sq_col_range(s, 18, 0, 0xffffff, &home) != 0 ||
	    sq_col_range(s, 19, 0, 0xffffff, &roam) != 0 ||
	    sq_col_range(s, 20, INT64_MIN, INT64_MAX, &r->created) != 0)
		return -1;
	r->dev_addr = (uint32_t)addr;
	r->as_port = (uint16_t)port;
	r->rx1_dr_offset = (uint8_t)dro;
	r->rx2_dr = (uint8_t)dr2;
	r->rx2_freq = (uint32_t)f2;
	r->rx_delay = (uint8_t)dly;
	r->home_net_id = (uint32_t)home;
	r->roaming_net_id = (uint32_t)roam;
	return 0;
}

/* ns_one - step a query of one session row: STORE_ERR_NOTFOUND if none */
static int
ns_one(struct sq *q, sqlite3_stmt *s, struct store_ns_session_row *row,
    char *why, size_t n)
{
	int r = sqlite3_step(s), rc = STORE_OK;

	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read NS session", why, n);
	else if (ns_row(s, row) != 0) {
		snprintf(why, n, "sqlite %s: NS session: corrupt row", q->path);
		rc = STORE_ERR_DB;
	}
	sq_done(s);
	return rc;
}

static int
nsq_session_read(struct store *st, uint64_t dev_eui, bool for_update,
    struct store_ns_session_row *row, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_READ, why, n);

	(void)for_update; /* BEGIN IMMEDIATE holds the write lock already */
	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	return ns_one(q, s, row, why, n);
}

static int
nsq_session_write(
    struct store *st, const struct store_ns_session_row *r, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_UPSERT, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, r->dev_eui);
	sqlite3_bind_int64(s, 2, r->dev_addr);
	sq_bind_eui(s, 3, r->join_eui);
	sqlite3_bind_text(s, 4, r->mac_version, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 5, r->keys, sizeof(r->keys), SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->app_s_key_kek_label, -1, SQLITE_STATIC);
	/* Never a NULL pointer: SQLite would bind NULL, not an empty blob */
	sqlite3_bind_blob(
	    s, 7, r->app_s_key_env, (int)r->app_s_key_env_len, SQLITE_STATIC);
	sqlite3_bind_blob(
	    s, 8, r->session_key_id, (int)r->session_key_id_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, r->as_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, r->as_host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, r->as_port);
	sqlite3_bind_int64(s, 12, r->fcnt_up);
	sqlite3_bind_int64(s, 13, r->nfcnt_down);
	sqlite3_bind_int64(s, 14, r->afcnt_down);
	sqlite3_bind_int64(s, 15, r->rx1_dr_offset);
	sqlite3_bind_int64(s, 16, r->rx2_dr);
	sqlite3_bind_int64(s, 17, r->rx2_freq);
	sqlite3_bind_int64(s, 18, r->rx_delay);
	sqlite3_bind_int64(s, 19, r->home_net_id);
	sqlite3_bind_int64(s, 20, r->roaming_net_id);
	sqlite3_bind_int64(s, 21, r->created);
	return sq_run(q, s, "write NS session", why, n);
}

static int
nsq_session_state(
    struct store *st, const struct store_ns_session_row *r, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_STATE, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, r->dev_eui);
	sqlite3_bind_int64(s, 2, r->fcnt_up);
	sqlite3_bind_int64(s, 3, r->nfcnt_down);
	sqlite3_bind_int64(s, 4, r->afcnt_down);
	rc = sq_run(q, s, "update NS session state", why, n);
	if (rc == STORE_OK && sqlite3_changes(q->db) == 0)
		rc = STORE_ERR_NOTFOUND;
	return rc;
}

static int
nsq_session_next_by_addr(struct store *st, uint32_t dev_addr,
    const uint64_t *after, struct store_ns_session_row *row, char *why,
    size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s =
	    ns_stmt(q, after == NULL ? N_ADDR_FIRST : N_ADDR_NEXT, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, dev_addr);
	if (after != NULL)
		sq_bind_eui(s, 2, *after);
	return ns_one(q, s, row, why, n);
}

/* nsq_changed - run a statement that must touch a row: NOTFOUND if not */
static int
nsq_changed(
    struct sq *q, sqlite3_stmt *s, const char *what, char *why, size_t n)
{
	int rc = sq_run(q, s, what, why, n);

	if (rc == STORE_OK && sqlite3_changes(q->db) == 0)
		rc = STORE_ERR_NOTFOUND;
	return rc;
}

static int
nsq_session_delete(struct store *st, uint64_t dev_eui, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_DELETE, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	/* The foreign key cascades to ns_downlinks. */
	return nsq_changed(q, s, "delete NS session", why, n);
}

/* nsq_int - run a one-value query (count, counter) into *v */
static int
nsq_int(struct sq *q, sqlite3_stmt *s, const char *what, int64_t *v, char *why,
    size_t n)
{
	int r = sqlite3_step(s), rc = STORE_OK;

	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, what, why, n);
	else if (sq_col_range(s, 0, 0, STORE_NS_FCNT_END, v) != 0) {
		snprintf(why, n, "sqlite %s: %s: corrupt value", q->path, what);
		rc = STORE_ERR_DB;
	}
	sq_done(s);
	return rc;
}

static int
nsq_addr_lock(
    struct store *st, uint32_t net_id, int64_t *next, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_NWK_ENSURE, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, net_id);
	if ((rc = sq_run(q, s, "make NwkAddr counter", why, n)) != STORE_OK)
		return rc;
	if ((s = ns_stmt(q, N_NWK_READ, why, n)) == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, net_id);
	return nsq_int(q, s, "read NwkAddr counter", next, why, n);
}

static int
nsq_addr_set(
    struct store *st, uint32_t net_id, int64_t next, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_NWK_SET, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, net_id);
	sqlite3_bind_int64(s, 2, next);
	return nsq_changed(q, s, "update NwkAddr counter", why, n);
}

static int
nsq_dl_count(
    struct store *st, uint64_t dev_eui, unsigned *count, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_DL_COUNT, why, n);
	int64_t v = 0;
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	rc = nsq_int(q, s, "count downlinks", &v, why, n);
	*count = (unsigned)v;
	return rc;
}

static int
nsq_dl_insert(struct store *st, const struct store_ns_downlink *d, int64_t *id,
    char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_DL_INSERT, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, d->dev_eui);
	sqlite3_bind_int(s, 2, d->fport);
	sqlite3_bind_int(s, 3, d->confirmed ? 1 : 0);
	sqlite3_bind_blob(s, 4, d->payload, (int)d->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, d->created);
	rc = sq_run(q, s, "queue downlink", why, n);
	if (rc == STORE_OK)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

static int
nsq_dl_oldest(struct store *st, uint64_t dev_eui, struct store_ns_downlink *d,
    char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_DL_OLDEST, why, n);
	int64_t fport, conf;
	int r, rc = STORE_OK;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	memset(d, 0, sizeof(*d));
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read downlink", why, n);
	else if (sq_col_range(s, 0, 1, INT64_MAX, &d->id) != 0 ||
	    sq_col_eui(s, 1, &d->dev_eui) != 0 ||
	    sq_col_range(s, 2, 1, 223, &fport) != 0 ||
	    sq_col_range(s, 3, 0, 1, &conf) != 0 ||
	    sq_col_blob_max(s, 4, d->payload, sizeof(d->payload), &d->len) !=
		0 ||
	    sq_col_range(s, 5, INT64_MIN, INT64_MAX, &d->created) != 0) {
		snprintf(why, n, "sqlite %s: downlink: corrupt row", q->path);
		rc = STORE_ERR_DB;
	} else {
		d->fport = (uint8_t)fport;
		d->confirmed = conf != 0;
	}
	sq_done(s);
	return rc;
}

static int
nsq_dl_delete(struct store *st, int64_t id, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = ns_stmt(q, N_DL_DELETE, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	return nsq_changed(q, s, "drop downlink", why, n);
}

const struct store_ns_backend store_ns_backend_sqlite = {
    .session_read = nsq_session_read,
    .session_write = nsq_session_write,
    .session_state = nsq_session_state,
    .session_next_by_addr = nsq_session_next_by_addr,
    .session_delete = nsq_session_delete,
    .addr_lock = nsq_addr_lock,
    .addr_set = nsq_addr_set,
    .dl_count = nsq_dl_count,
    .dl_insert = nsq_dl_insert,
    .dl_oldest = nsq_dl_oldest,
    .dl_delete = nsq_dl_delete,
};
