/*
 * store_ns_pg.c - the Network Server's tables in the PostgreSQL backend
 * (store_ns_int.h), on store_pg.c's connection and in its READ COMMITTED
 * transactions: session_read(for_update) and addr_lock take the row lock
 * (SELECT ... FOR UPDATE) that serialises NS processes taking one
 * counter; the waiting one then reads the row as the first committed it.
 * The tables are made by store_pg.c's migration 2 -> 3; EUIs are BIGINT
 * bit patterns, listed in unsigned order (PG_ORDER), as there.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_ns_int.h"
#include "store/store_pg_int.h"

#define NS_COLS                                                                \
	"dev_eui, dev_addr, join_eui, mac_version, keys, as_kek_label, "       \
	"app_s_key_env, session_key_id, as_id, as_host, as_port, fcnt_up, "    \
	"nfcnt_down, afcnt_down, rx1_dr_offset, rx2_dr, rx2_freq, rx_delay, "  \
	"home_net_id, roaming_net_id, created"
#define NS_NCOLS 21
#define DL_COLS "id, dev_eui, fport, confirmed, payload, created"
#define I8 PG_INT8OID
#define I4 PG_INT4OID
#define TX PG_TEXTOID
#define BY PG_BYTEAOID

enum nsp {
	P_READ,
	P_READ_LOCK,
	P_UPSERT,
	P_STATE,
	P_ADDR_FIRST,
	P_ADDR_NEXT,
	P_DELETE,
	P_NWK_ENSURE,
	P_NWK_LOCK,
	P_NWK_SET,
	P_DL_COUNT,
	P_DL_INSERT,
	P_DL_OLDEST,
	P_DL_DELETE,
	P_COUNT
};

_Static_assert(PG_NS_SLOT0 + P_COUNT <= PG_AS_SLOT0, "NS slots overlap");

static const struct pg_stmt nsp_def[P_COUNT] = {
    [P_READ] = {"read NS session",
	"SELECT " NS_COLS " FROM ns_sessions WHERE dev_eui = $1", 1, {I8}},
    [P_READ_LOCK] = {"lock NS session",
	"SELECT " NS_COLS " FROM ns_sessions WHERE dev_eui = $1 FOR UPDATE", 1,
	{I8}},
    /* An update, not a delete and insert: the downlink queue stays. */
    [P_UPSERT] = {"write NS session",
	"INSERT INTO ns_sessions (" NS_COLS ") VALUES ($1, $2, $3, $4, $5, "
	"$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
	"$20, $21) ON CONFLICT (dev_eui) DO UPDATE SET "
	"dev_addr = EXCLUDED.dev_addr, join_eui = EXCLUDED.join_eui, "
	"mac_version = EXCLUDED.mac_version, keys = EXCLUDED.keys, "
	"as_kek_label = EXCLUDED.as_kek_label, "
	"app_s_key_env = EXCLUDED.app_s_key_env, "
	"session_key_id = EXCLUDED.session_key_id, as_id = EXCLUDED.as_id, "
	"as_host = EXCLUDED.as_host, as_port = EXCLUDED.as_port, "
	"fcnt_up = EXCLUDED.fcnt_up, nfcnt_down = EXCLUDED.nfcnt_down, "
	"afcnt_down = EXCLUDED.afcnt_down, "
	"rx1_dr_offset = EXCLUDED.rx1_dr_offset, rx2_dr = EXCLUDED.rx2_dr, "
	"rx2_freq = EXCLUDED.rx2_freq, rx_delay = EXCLUDED.rx_delay, "
	"home_net_id = EXCLUDED.home_net_id, "
	"roaming_net_id = EXCLUDED.roaming_net_id, created = EXCLUDED.created",
	NS_NCOLS,
	{I8, I8, I8, TX, BY, TX, BY, BY, TX, TX, I4, I8, I8, I8, I4, I4, I8, I4,
	    I8, I8, I8}},
    [P_STATE] = {"update NS session state",
	"UPDATE ns_sessions SET fcnt_up = $2, nfcnt_down = $3, "
	"afcnt_down = $4 WHERE dev_eui = $1",
	4, {I8, I8, I8, I8}},
    [P_ADDR_FIRST] = {"find DevAddr",
	"SELECT " NS_COLS " FROM ns_sessions WHERE dev_addr = $1 "
	"ORDER BY " PG_ORDER " LIMIT 1",
	1, {I8}},
    [P_ADDR_NEXT] = {"find DevAddr",
	"SELECT " NS_COLS " FROM ns_sessions WHERE dev_addr = $1 AND " PG_ORDER
	" > $2 ORDER BY " PG_ORDER " LIMIT 1",
	2, {I8, I8}},
    [P_DELETE] = {"delete NS session",
	"DELETE FROM ns_sessions WHERE dev_eui = $1", 1, {I8}},
    /* Made if absent; a concurrent maker's insert waits for ours. */
    [P_NWK_ENSURE] = {"make NwkAddr counter",
	"INSERT INTO ns_devaddr (net_id, next) VALUES ($1, 0) "
	"ON CONFLICT (net_id) DO NOTHING",
	1, {I8}},
    [P_NWK_LOCK] = {"lock NwkAddr counter",
	"SELECT next FROM ns_devaddr WHERE net_id = $1 FOR UPDATE", 1, {I8}},
    [P_NWK_SET] = {"update NwkAddr counter",
	"UPDATE ns_devaddr SET next = $2 WHERE net_id = $1", 2, {I8, I8}},
    [P_DL_COUNT] = {"count downlinks",
	"SELECT count(*) FROM ns_downlinks WHERE dev_eui = $1", 1, {I8}},
    [P_DL_INSERT] = {"queue downlink",
	"INSERT INTO ns_downlinks (dev_eui, fport, confirmed, payload, "
	"created) VALUES ($1, $2, $3, $4, $5) RETURNING id",
	5, {I8, I4, PG_BOOLOID, BY, I8}},
    [P_DL_OLDEST] = {"read downlink",
	"SELECT " DL_COLS " FROM ns_downlinks WHERE dev_eui = $1 "
	"ORDER BY id LIMIT 1",
	1, {I8}},
    [P_DL_DELETE] = {"drop downlink", "DELETE FROM ns_downlinks WHERE id = $1",
	1, {I8}},
};

/* nsp_cmd, nsp_rows - run one of this file's statements */
static int
nsp_cmd(struct store *st, enum nsp k, const struct pg_params *p,
    unsigned long long *rows, char *why, size_t n)
{
	return pg_exec_cmd(
	    st->db, &nsp_def[k], PG_NS_SLOT0 + (int)k, p, rows, why, n);
}

static int
nsp_rows(struct store *st, enum nsp k, const struct pg_params *p,
    PGresult **res, char *why, size_t n)
{
	return pg_exec_rows(
	    st->db, &nsp_def[k], PG_NS_SLOT0 + (int)k, p, res, why, n);
}

/* nsp_row - row i of an NS_COLS result */
static int
nsp_row(const struct pg *pg, const PGresult *r, int i,
    struct store_ns_session_row *s, char *why, size_t n)
{
	int64_t addr, port, dro, dr2, f2, dly, home, roam;

	memset(s, 0, sizeof(*s));
	if (PQnfields(r) != NS_NCOLS || !pg_col_eui(r, i, 0, &s->dev_eui) ||
	    !pg_col_int(r, i, 1, 0, UINT32_MAX, &addr) ||
	    !pg_col_eui(r, i, 2, &s->join_eui) ||
	    !pg_col_text(r, i, 3, s->mac_version, sizeof(s->mac_version)) ||
	    !pg_col_bytes(r, i, 4, s->keys, sizeof(s->keys)) ||
	    !pg_col_text(r, i, 5, s->app_s_key_kek_label,
		sizeof(s->app_s_key_kek_label)) ||
	    !pg_col_bytes_max(r, i, 6, s->app_s_key_env,
		sizeof(s->app_s_key_env), &s->app_s_key_env_len) ||
	    !pg_col_bytes_max(r, i, 7, s->session_key_id,
		sizeof(s->session_key_id), &s->session_key_id_len) ||
	    !pg_col_text(r, i, 8, s->as_id, sizeof(s->as_id)) ||
	    !pg_col_text(r, i, 9, s->as_host, sizeof(s->as_host)) ||
	    !pg_col_int(r, i, 10, 0, 65535, &port) ||
	    !pg_col_int(r, i, 11, -1, UINT32_MAX, &s->fcnt_up) ||
	    !pg_col_int(r, i, 12, 0, STORE_NS_FCNT_END, &s->nfcnt_down) ||
	    !pg_col_int(r, i, 13, 0, STORE_NS_FCNT_END, &s->afcnt_down) ||
	    !pg_col_int(r, i, 14, 0, 7, &dro) ||
	    !pg_col_int(r, i, 15, 0, 15, &dr2) ||
	    !pg_col_int(r, i, 16, 0, UINT32_MAX, &f2) ||
	    !pg_col_int(r, i, 17, 0, 15, &dly) ||
	    !pg_col_int(r, i, 18, 0, 0xffffff, &home) ||
	    !pg_col_int(r, i, 19, 0, 0xffffff, &roam) ||
	    !pg_col_int(r, i, 20, INT64_MIN, INT64_MAX, &s->created)) {
		pg_why(pg, why, n, "read NS session", "corrupt row");
		return STORE_ERR_DB;
	}
	s->dev_addr = (uint32_t)addr;
	s->as_port = (uint16_t)port;
	s->rx1_dr_offset = (uint8_t)dro;
	s->rx2_dr = (uint8_t)dr2;
	s->rx2_freq = (uint32_t)f2;
	s->rx_delay = (uint8_t)dly;
	s->home_net_id = (uint32_t)home;
	s->roaming_net_id = (uint32_t)roam;
	return STORE_OK;
}

/* nsp_one - a query of at most one session row: STORE_ERR_NOTFOUND */
static int
nsp_one(struct store *st, enum nsp k, const struct pg_params *p,
    struct store_ns_session_row *row, char *why, size_t n)
{
	PGresult *res;
	int rc = nsp_rows(st, k, p, &res, why, n);

	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else
		rc = nsp_row(st->db, res, 0, row, why, n);
	PQclear(res);
	return rc;
}

static int
nsp_session_read(struct store *st, uint64_t dev_eui, bool for_update,
    struct store_ns_session_row *row, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, (int64_t)dev_eui);
	return nsp_one(st, for_update ? P_READ_LOCK : P_READ, &p, row, why, n);
}

static int
nsp_session_write(
    struct store *st, const struct store_ns_session_row *r, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, (int64_t)r->dev_eui);
	pgp_i64(&p, r->dev_addr);
	pgp_i64(&p, (int64_t)r->join_eui);
	if (!pgp_text(&p, r->mac_version, sizeof(r->mac_version)))
		return STORE_ERR_ARG;
	pgp_bytes(&p, r->keys, sizeof(r->keys));
	if (!pgp_text(
		&p, r->app_s_key_kek_label, sizeof(r->app_s_key_kek_label)))
		return STORE_ERR_ARG;
	pgp_bytes(&p, r->app_s_key_env, r->app_s_key_env_len);
	pgp_bytes(&p, r->session_key_id, r->session_key_id_len);
	if (!pgp_text(&p, r->as_id, sizeof(r->as_id)) ||
	    !pgp_text(&p, r->as_host, sizeof(r->as_host)))
		return STORE_ERR_ARG;
	pgp_i32(&p, r->as_port);
	pgp_i64(&p, r->fcnt_up);
	pgp_i64(&p, r->nfcnt_down);
	pgp_i64(&p, r->afcnt_down);
	pgp_i32(&p, r->rx1_dr_offset);
	pgp_i32(&p, r->rx2_dr);
	pgp_i64(&p, r->rx2_freq);
	pgp_i32(&p, r->rx_delay);
	pgp_i64(&p, r->home_net_id);
	pgp_i64(&p, r->roaming_net_id);
	pgp_i64(&p, r->created);
	return nsp_cmd(st, P_UPSERT, &p, NULL, why, n);
}

/* nsp_changed - run a command that must touch a row: NOTFOUND if not */
static int
nsp_changed(struct store *st, enum nsp k, const struct pg_params *p, char *why,
    size_t n)
{
	unsigned long long rows = 0;
	int rc = nsp_cmd(st, k, p, &rows, why, n);

	return rc == STORE_OK && rows == 0 ? STORE_ERR_NOTFOUND : rc;
}

static int
nsp_session_state(
    struct store *st, const struct store_ns_session_row *r, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, (int64_t)r->dev_eui);
	pgp_i64(&p, r->fcnt_up);
	pgp_i64(&p, r->nfcnt_down);
	pgp_i64(&p, r->afcnt_down);
	return nsp_changed(st, P_STATE, &p, why, n);
}

static int
nsp_session_next_by_addr(struct store *st, uint32_t dev_addr,
    const uint64_t *after, struct store_ns_session_row *row, char *why,
    size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, dev_addr);
	if (after != NULL)
		pgp_i64(&p, (int64_t)(*after ^ UINT64_C(1) << 63));
	return nsp_one(
	    st, after == NULL ? P_ADDR_FIRST : P_ADDR_NEXT, &p, row, why, n);
}

static int
nsp_session_delete(struct store *st, uint64_t dev_eui, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, (int64_t)dev_eui);
	/* The foreign key cascades to ns_downlinks. */
	return nsp_changed(st, P_DELETE, &p, why, n);
}

/* nsp_int - a one-value query (count, counter): STORE_ERR_NOTFOUND */
static int
nsp_int(struct store *st, enum nsp k, const struct pg_params *p, int64_t *v,
    char *why, size_t n)
{
	PGresult *res;
	int rc = nsp_rows(st, k, p, &res, why, n);

	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else if (!pg_col_int(res, 0, 0, 0, STORE_NS_FCNT_END, v)) {
		pg_why(st->db, why, n, nsp_def[k].what, "corrupt value");
		rc = STORE_ERR_DB;
	}
	PQclear(res);
	return rc;
}

static int
nsp_addr_lock(
    struct store *st, uint32_t net_id, int64_t *next, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	int rc;

	pgp_i64(&p, net_id);
	if ((rc = nsp_cmd(st, P_NWK_ENSURE, &p, NULL, why, n)) != STORE_OK)
		return rc;
	return nsp_int(st, P_NWK_LOCK, &p, next, why, n);
}

static int
nsp_addr_set(
    struct store *st, uint32_t net_id, int64_t next, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, net_id);
	pgp_i64(&p, next);
	return nsp_changed(st, P_NWK_SET, &p, why, n);
}

static int
nsp_dl_count(
    struct store *st, uint64_t dev_eui, unsigned *count, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	int64_t v = 0;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	rc = nsp_int(st, P_DL_COUNT, &p, &v, why, n);
	*count = (unsigned)v;
	return rc;
}

static int
nsp_dl_insert(struct store *st, const struct store_ns_downlink *d, int64_t *id,
    char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	int rc;

	pgp_i64(&p, (int64_t)d->dev_eui);
	pgp_i32(&p, d->fport);
	pgp_bool(&p, d->confirmed);
	pgp_bytes(&p, d->payload, d->len);
	pgp_i64(&p, d->created);
	if ((rc = nsp_rows(st, P_DL_INSERT, &p, &res, why, n)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || !pg_col_int(res, 0, 0, 1, INT64_MAX, id)) {
		pg_why(st->db, why, n, "queue downlink", "no id returned");
		rc = STORE_ERR_DB;
	}
	PQclear(res);
	return rc;
}

static int
nsp_dl_oldest(struct store *st, uint64_t dev_eui, struct store_ns_downlink *d,
    char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	int64_t fport;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	if ((rc = nsp_rows(st, P_DL_OLDEST, &p, &res, why, n)) != STORE_OK)
		return rc;
	memset(d, 0, sizeof(*d));
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else if (!pg_col_int(res, 0, 0, 1, INT64_MAX, &d->id) ||
	    !pg_col_eui(res, 0, 1, &d->dev_eui) ||
	    !pg_col_int(res, 0, 2, 1, 223, &fport) ||
	    !pg_col_bool(res, 0, 3, &d->confirmed) ||
	    !pg_col_bytes_max(
		res, 0, 4, d->payload, sizeof(d->payload), &d->len) ||
	    !pg_col_int(res, 0, 5, INT64_MIN, INT64_MAX, &d->created)) {
		pg_why(st->db, why, n, "read downlink", "corrupt row");
		rc = STORE_ERR_DB;
	} else
		d->fport = (uint8_t)fport;
	PQclear(res);
	return rc;
}

static int
nsp_dl_delete(struct store *st, int64_t id, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, id);
	return nsp_changed(st, P_DL_DELETE, &p, why, n);
}

const struct store_ns_backend store_ns_backend_pg = {
    .session_read = nsp_session_read,
    .session_write = nsp_session_write,
    .session_state = nsp_session_state,
    .session_next_by_addr = nsp_session_next_by_addr,
    .session_delete = nsp_session_delete,
    .addr_lock = nsp_addr_lock,
    .addr_set = nsp_addr_set,
    .dl_count = nsp_dl_count,
    .dl_insert = nsp_dl_insert,
    .dl_oldest = nsp_dl_oldest,
    .dl_delete = nsp_dl_delete,
};
