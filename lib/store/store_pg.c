/*
 * store_pg.c - the PostgreSQL backend of the store (libpq), for several
 * Join Server instances sharing one database.
 *
 * Schema (created if absent, or migrated from an older version, under a
 * transaction-scoped advisory lock so that instances starting together do
 * not race; version in schema_version; pg_migrations[v] takes version v
 * to v + 1):
 *
 *	devices     dev_eui BIGINT PRIMARY KEY, join_eui BIGINT,
 *	            mac_version TEXT, keys BYTEA (sealed AppKey | NwkKey),
 *	            has_nwk_key BOOLEAN, home_net_id BIGINT, as_id TEXT,
 *	            ns_kek_label TEXT, as_kek_label TEXT,
 *	            last_join_nonce BIGINT, last_dev_nonce INTEGER, joins BIGINT,
 *	            last_rj_count1 INTEGER (version 2)
 *	dev_nonces  dev_eui -> devices ON DELETE CASCADE, dev_nonce INTEGER,
 *	            seq BIGINT identity (insertion order: "newest")
 *	sessions    session_key_id TEXT PRIMARY KEY,
 *	            dev_eui -> devices ON DELETE CASCADE, join_nonce BIGINT,
 *	            app_s_key BYTEA (sealed), as_id TEXT, created BIGINT
 *	(version 3: the NS's and the AS's, served by store_ns_pg.c and
 *	store_as_pg.c)
 *	ns_sessions dev_eui BIGINT PRIMARY KEY, dev_addr BIGINT (indexed),
 *	            keys BYTEA (sealed), app_s_key_env BYTEA (sealed, or
 *	            empty), session_key_id BYTEA, the AS, fcnt_up BIGINT
 *	            (-1: none), nfcnt_down, afcnt_down BIGINT (next), RX
 *	            settings, NetIDs, created
 *	ns_devaddr  net_id BIGINT PRIMARY KEY, next BIGINT
 *	ns_downlinks id BIGINT identity, dev_eui -> ns_sessions ON DELETE
 *	            CASCADE, fport, confirmed, payload BYTEA, created
 *	as_events   id BIGINT identity, dev_eui, kind, json TEXT, created
 *	as_appskeys (dev_eui, session_key_id BYTEA) PRIMARY KEY, app_s_key
 *	            BYTEA (sealed), seq BIGINT identity, created
 *
 * An EUI is stored as its 64-bit pattern in a BIGINT (EUIs from
 * 8000000000000000 up read as negative; lpad(to_hex(dev_eui), 16, '0')
 * prints the usual form).
 * Listing is in unsigned DevEUI order: by dev_eui XOR the sign bit, which
 * an expression index serves, a page at a time (keyset pagination, so the
 * callback may use the store and a large table is never held in memory).
 * Unsigned 32-bit values are BIGINT.  The tables live in the connection's
 * search_path: give the URI "options=-csearch_path=NAME" for a schema of
 * their own.
 *
 * Every value goes as a binary parameter of a prepared statement (made on
 * first use, per connection) and comes back in binary.  Transactions are
 * READ COMMITTED: device_read(for_update) takes the row lock (SELECT ...
 * FOR UPDATE) that serialises joins of one device across instances.  The
 * session keeps synchronous_commit on (it is raised if the server's is
 * off), so a COMMIT that returns is durable.  A lost connection is an
 * error; the next call outside a transaction reconnects (never one inside
 * a transaction: its work is gone).  As with SQLite, a DevEUI, DevNonce
 * or SessionKeyID already there is STORE_ERR_EXISTS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_ns_int.h"
#include "store/store_pg_int.h"

/* pg_advisory_xact_lock key for schema creation: "loradane" in ASCII */
#define PG_SCHEMA_LOCK "7813586367658747493"
#define PG_SCAN_ROWS 256
#define PG_STR(x) #x
#define PG_XSTR(x) PG_STR(x)

#define PG_DEVICE_COLS                                                         \
	"dev_eui, join_eui, mac_version, keys, has_nwk_key, home_net_id, "     \
	"as_id, ns_kek_label, as_kek_label, last_join_nonce, "                 \
	"last_dev_nonce, joins, last_rj_count1"
#define PG_DEVICE_NCOLS 13
#define PG_SESSION_COLS                                                        \
	"session_key_id, dev_eui, join_nonce, app_s_key, as_id, created"
#define PG_SESSION_NCOLS 6

/* pg_migrations[v] takes a database from version v to v + 1, all of them
 * in the transaction of pg_schema (an empty database runs them all). */
static const char *const pg_migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),"
    " version INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices ("
    " dev_eui BIGINT PRIMARY KEY,"
    " join_eui BIGINT NOT NULL,"
    " mac_version TEXT NOT NULL,"
    " keys BYTEA NOT NULL,"
    " has_nwk_key BOOLEAN NOT NULL,"
    " home_net_id BIGINT NOT NULL CHECK (home_net_id BETWEEN 0 AND 16777215),"
    " as_id TEXT NOT NULL,"
    " ns_kek_label TEXT NOT NULL,"
    " as_kek_label TEXT NOT NULL,"
    " last_join_nonce BIGINT NOT NULL DEFAULT 0"
    "  CHECK (last_join_nonce BETWEEN 0 AND 16777215),"
    " last_dev_nonce INTEGER NOT NULL DEFAULT -1"
    "  CHECK (last_dev_nonce BETWEEN -1 AND 65535),"
    " joins BIGINT NOT NULL DEFAULT 0 CHECK (joins BETWEEN 0 AND 4294967295));"
    "CREATE INDEX IF NOT EXISTS devices_unsigned_order ON devices (" PG_ORDER
    ");"
    "CREATE TABLE IF NOT EXISTS dev_nonces ("
    " dev_eui BIGINT NOT NULL REFERENCES devices ON DELETE CASCADE,"
    " dev_nonce INTEGER NOT NULL CHECK (dev_nonce BETWEEN 0 AND 65535),"
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " PRIMARY KEY (dev_eui, dev_nonce));"
    "CREATE INDEX IF NOT EXISTS dev_nonces_seq ON dev_nonces (dev_eui, seq);"
    "CREATE TABLE IF NOT EXISTS sessions ("
    " session_key_id TEXT PRIMARY KEY,"
    " dev_eui BIGINT NOT NULL REFERENCES devices ON DELETE CASCADE,"
    " join_nonce BIGINT NOT NULL,"
    " app_s_key BYTEA NOT NULL,"
    " as_id TEXT NOT NULL,"
    " created BIGINT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sessions_dev_eui ON sessions (dev_eui);",
    /* 1 -> 2: the last RJcount1 accepted (LoRaWAN 1.1 rejoins); existing
     * devices get -1, none yet.  A constant default adds the column
     * without rewriting the table; the CHECK reads it once. */
    "ALTER TABLE devices ADD COLUMN last_rj_count1 INTEGER NOT NULL"
    " DEFAULT -1 CHECK (last_rj_count1 BETWEEN -1 AND 65535);",
    /* 2 -> 3: the Network Server's and the Application Server's state
     * (store_ns.h, store_as.h).  Identity ids are never handed out
     * twice, so a late "drop" or "done" cannot hit a newer row. */
    "CREATE TABLE ns_sessions ("
    " dev_eui BIGINT PRIMARY KEY,"
    " dev_addr BIGINT NOT NULL CHECK (dev_addr BETWEEN 0 AND 4294967295),"
    " join_eui BIGINT NOT NULL,"
    " mac_version TEXT NOT NULL,"
    " keys BYTEA NOT NULL,"
    " as_kek_label TEXT NOT NULL,"
    " app_s_key_env BYTEA NOT NULL,"
    " session_key_id BYTEA NOT NULL,"
    " as_id TEXT NOT NULL,"
    " as_host TEXT NOT NULL,"
    " as_port INTEGER NOT NULL CHECK (as_port BETWEEN 0 AND 65535),"
    " fcnt_up BIGINT NOT NULL CHECK (fcnt_up BETWEEN -1 AND 4294967295),"
    " nfcnt_down BIGINT NOT NULL CHECK (nfcnt_down BETWEEN 0 AND 4294967296),"
    " afcnt_down BIGINT NOT NULL CHECK (afcnt_down BETWEEN 0 AND 4294967296),"
    " rx1_dr_offset INTEGER NOT NULL CHECK (rx1_dr_offset BETWEEN 0 AND 7),"
    " rx2_dr INTEGER NOT NULL CHECK (rx2_dr BETWEEN 0 AND 15),"
    " rx2_freq BIGINT NOT NULL CHECK (rx2_freq BETWEEN 0 AND 4294967295),"
    " rx_delay INTEGER NOT NULL CHECK (rx_delay BETWEEN 0 AND 15),"
    " home_net_id BIGINT NOT NULL CHECK (home_net_id BETWEEN 0 AND 16777215),"
    " roaming_net_id BIGINT NOT NULL"
    "  CHECK (roaming_net_id BETWEEN 0 AND 16777215),"
    " created BIGINT NOT NULL);"
    "CREATE INDEX ns_sessions_dev_addr ON ns_sessions (dev_addr, " PG_ORDER ");"
    "CREATE TABLE ns_devaddr ("
    " net_id BIGINT PRIMARY KEY CHECK (net_id BETWEEN 0 AND 16777215),"
    " next BIGINT NOT NULL CHECK (next BETWEEN 0 AND 4294967296));"
    "CREATE TABLE ns_downlinks ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " dev_eui BIGINT NOT NULL REFERENCES ns_sessions ON DELETE CASCADE,"
    " fport INTEGER NOT NULL CHECK (fport BETWEEN 1 AND 223),"
    " confirmed BOOLEAN NOT NULL,"
    " payload BYTEA NOT NULL CHECK (length(payload) <= 242),"
    " created BIGINT NOT NULL);"
    "CREATE INDEX ns_downlinks_dev_eui ON ns_downlinks (dev_eui, id);"
    "CREATE TABLE as_events ("
    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " dev_eui BIGINT NOT NULL,"
    " kind TEXT NOT NULL,"
    " json TEXT NOT NULL,"
    " created BIGINT NOT NULL);"
    "CREATE TABLE as_appskeys ("
    " dev_eui BIGINT NOT NULL,"
    " session_key_id BYTEA NOT NULL,"
    " app_s_key BYTEA NOT NULL,"
    " seq BIGINT GENERATED ALWAYS AS IDENTITY,"
    " created BIGINT NOT NULL,"
    " PRIMARY KEY (dev_eui, session_key_id));"
    "CREATE INDEX as_appskeys_seq ON as_appskeys (dev_eui, seq);",
};
#define PG_SCHEMA_VERSION (int)(sizeof(pg_migrations) / sizeof(*pg_migrations))

enum pgs {
	PGS_DEV_READ,
	PGS_DEV_READ_LOCK,
	PGS_DEV_INSERT,
	PGS_DEV_REPLACE,
	PGS_DEV_STATE,
	PGS_DEV_DELETE,
	PGS_SCAN_FIRST,
	PGS_SCAN_NEXT,
	PGS_NONCE_SEEN,
	PGS_NONCE_ADD,
	PGS_NONCE_TRIM,
	PGS_SESS_INSERT,
	PGS_SESS_READ,
	PGS_SESS_TRIM,
	PGS_N
};

/* A new device's state starts empty, whatever the row says. */
#define PG_DEVICE_INSERT                                                       \
	"INSERT INTO devices (" PG_DEVICE_COLS ") VALUES ($1, $2, $3, $4, "    \
	"$5, $6, $7, $8, $9, 0, -1, 0, -1) ON CONFLICT (dev_eui) "
#define PG_DEVICE_NPARAMS 9
#define PG_DEVICE_TYPES                                                        \
	{                                                                      \
		PG_INT8OID, PG_INT8OID, PG_TEXTOID, PG_BYTEAOID, PG_BOOLOID,   \
		    PG_INT8OID, PG_TEXTOID, PG_TEXTOID, PG_TEXTOID             \
	}

_Static_assert(PGS_N <= PG_NS_SLOT0, "JS statement slots overlap the NS's");

static const struct pg_stmt pgs_def[PGS_N] = {
    [PGS_DEV_READ] = {"read device",
	"SELECT " PG_DEVICE_COLS " FROM devices WHERE dev_eui = $1", 1,
	{PG_INT8OID}},
    [PGS_DEV_READ_LOCK] = {"lock device",
	"SELECT " PG_DEVICE_COLS " FROM devices WHERE dev_eui = $1 FOR UPDATE",
	1, {PG_INT8OID}},
    [PGS_DEV_INSERT] = {"write device", PG_DEVICE_INSERT "DO NOTHING",
	PG_DEVICE_NPARAMS, PG_DEVICE_TYPES},
    [PGS_DEV_REPLACE] = {"write device",
	PG_DEVICE_INSERT "DO UPDATE SET join_eui = EXCLUDED.join_eui, "
			 "mac_version = EXCLUDED.mac_version, "
			 "keys = EXCLUDED.keys, "
			 "has_nwk_key = EXCLUDED.has_nwk_key, "
			 "home_net_id = EXCLUDED.home_net_id, "
			 "as_id = EXCLUDED.as_id, "
			 "ns_kek_label = EXCLUDED.ns_kek_label, "
			 "as_kek_label = EXCLUDED.as_kek_label",
	PG_DEVICE_NPARAMS, PG_DEVICE_TYPES},
    [PGS_DEV_STATE] = {"update device state",
	"UPDATE devices SET last_join_nonce = $2, last_dev_nonce = $3, "
	"joins = $4, last_rj_count1 = $5 WHERE dev_eui = $1",
	5, {PG_INT8OID, PG_INT8OID, PG_INT4OID, PG_INT8OID, PG_INT4OID}},
    [PGS_DEV_DELETE] = {"delete device",
	"DELETE FROM devices WHERE dev_eui = $1", 1, {PG_INT8OID}},
    [PGS_SCAN_FIRST] = {"list devices",
	"SELECT " PG_DEVICE_COLS " FROM devices ORDER BY " PG_ORDER
	" LIMIT " PG_XSTR(PG_SCAN_ROWS),
	0, {0}},
    [PGS_SCAN_NEXT] = {"list devices",
	"SELECT " PG_DEVICE_COLS " FROM devices WHERE " PG_ORDER " > $1 "
	"ORDER BY " PG_ORDER " LIMIT " PG_XSTR(PG_SCAN_ROWS),
	1, {PG_INT8OID}},
    [PGS_NONCE_SEEN] = {"read DevNonces",
	"SELECT 1 FROM dev_nonces WHERE dev_eui = $1 AND dev_nonce = $2", 2,
	{PG_INT8OID, PG_INT4OID}},
    /* One already there is STORE_ERR_EXISTS (as with SQLite), without
     * aborting the transaction as a unique violation would. */
    [PGS_NONCE_ADD] = {"record DevNonce",
	"INSERT INTO dev_nonces (dev_eui, dev_nonce) VALUES ($1, $2) "
	"ON CONFLICT (dev_eui, dev_nonce) DO NOTHING",
	2, {PG_INT8OID, PG_INT4OID}},
    /* All but the newest $2: from the ($2 + 1)-th newest down. */
    [PGS_NONCE_TRIM] = {"trim DevNonces",
	"DELETE FROM dev_nonces WHERE dev_eui = $1 AND seq <= "
	"(SELECT seq FROM dev_nonces WHERE dev_eui = $1 "
	"ORDER BY seq DESC OFFSET $2 LIMIT 1)",
	2, {PG_INT8OID, PG_INT8OID}},
    [PGS_SESS_INSERT] = {"write session",
	"INSERT INTO sessions (" PG_SESSION_COLS ") "
	"VALUES ($1, $2, $3, $4, $5, $6)",
	6,
	{PG_TEXTOID, PG_INT8OID, PG_INT8OID, PG_BYTEAOID, PG_TEXTOID,
	    PG_INT8OID}},
    [PGS_SESS_READ] = {"read session",
	"SELECT " PG_SESSION_COLS " FROM sessions WHERE session_key_id = $1", 1,
	{PG_TEXTOID}},
    [PGS_SESS_TRIM] = {"trim sessions",
	"DELETE FROM sessions WHERE dev_eui = $1 AND join_nonce < $2", 2,
	{PG_INT8OID, PG_INT8OID}},
};

/* pg_device_row - row i of a PG_DEVICE_COLS result */
static int
pg_device_row(const struct pg *pg, const PGresult *r, int i,
    struct store_device_row *d, char *why, size_t n)
{
	int64_t net, ljn, ldn, joins, rj1;

	memset(d, 0, sizeof(*d));
	if (PQnfields(r) != PG_DEVICE_NCOLS ||
	    !pg_col_eui(r, i, 0, &d->dev_eui) ||
	    !pg_col_eui(r, i, 1, &d->join_eui) ||
	    !pg_col_text(r, i, 2, d->mac_version, sizeof(d->mac_version)) ||
	    !pg_col_bytes(r, i, 3, d->keys, sizeof(d->keys)) ||
	    !pg_col_bool(r, i, 4, &d->has_nwk_key) ||
	    !pg_col_int(r, i, 5, 0, 0xffffff, &net) ||
	    !pg_col_text(r, i, 6, d->as_id, sizeof(d->as_id)) ||
	    !pg_col_text(r, i, 7, d->ns_kek_label, sizeof(d->ns_kek_label)) ||
	    !pg_col_text(r, i, 8, d->as_kek_label, sizeof(d->as_kek_label)) ||
	    !pg_col_int(r, i, 9, 0, 0xffffff, &ljn) ||
	    !pg_col_int(r, i, 10, -1, 0xffff, &ldn) ||
	    !pg_col_int(r, i, 11, 0, UINT32_MAX, &joins) ||
	    !pg_col_int(r, i, 12, -1, 0xffff, &rj1)) {
		pg_why(pg, why, n, "read device", "corrupt row");
		return STORE_ERR_DB;
	}
	d->home_net_id = (uint32_t)net;
	d->last_join_nonce = (uint32_t)ljn;
	d->last_dev_nonce = (int32_t)ldn;
	d->joins = (uint32_t)joins;
	d->last_rj_count1 = (int32_t)rj1;
	return STORE_OK;
}

/* pg_schema - create the tables, or bring an older schema up to date,
 * one instance at a time (the advisory lock ends with the transaction);
 * refuse a newer or unknown version.  Nothing but the lock is taken when
 * the schema is current, so an instance starting does not stall the
 * others' joins. */
static int
pg_schema(struct pg *pg, char *why, size_t n)
{
	PGresult *res;
	char msg[96], sql[160];
	long version = 0;
	int rc, v;

	rc = pg_simple(pg, "BEGIN", "schema", why, n, NULL, 0);
	if (rc != STORE_OK)
		return rc;
	res = PQexec(pg->conn,
	    "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK "), "
	    "to_regclass('schema_version') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 2)
		return pg_res_fail(pg, res, "schema lock", why, n);
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		PQclear(res);
		res = PQexec(pg->conn, "SELECT version FROM schema_version");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return pg_res_fail(pg, res, "schema version", why, n);
		version = PQntuples(res) == 1
		    ? strtol(PQgetvalue(res, 0, 0), NULL, 10)
		    : -1;
	}
	PQclear(res);
	if (version < 0 || version > PG_SCHEMA_VERSION) {
		(void)snprintf(msg, sizeof(msg),
		    "schema version %ld, not one this program knows (up to %d)",
		    version, PG_SCHEMA_VERSION);
		pg_why(pg, why, n, "schema", msg);
		return STORE_ERR_DB;
	}
	if (version == PG_SCHEMA_VERSION)
		return pg_simple(pg, "COMMIT", "schema", why, n, NULL, 0);
	for (v = (int)version; v < PG_SCHEMA_VERSION; v++) {
		(void)snprintf(
		    msg, sizeof(msg), "schema migration %d to %d", v, v + 1);
		rc = pg_simple(pg, pg_migrations[v], msg, why, n, NULL, 0);
		if (rc != STORE_OK)
			return rc;
	}
	(void)snprintf(sql, sizeof(sql),
	    "INSERT INTO schema_version (version) VALUES (%d) "
	    "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
	    PG_SCHEMA_VERSION);
	rc = pg_simple(pg, sql, "schema version", why, n, NULL, 0);
	if (rc != STORE_OK)
		return rc;
	return pg_simple(pg, "COMMIT", "schema", why, n, NULL, 0);
}

static int
pg_open(struct store *st, const char *uri, char *why, size_t n)
{
	/* Defaults first: a setting in the URI (expanded from dbname)
	 * overrides them.  Dead peers are noticed within a minute or so. */
	static const char *const keys[] = {"connect_timeout", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "dbname",
	    "fallback_application_name", NULL};
	const char *vals[] = {"10", "30", "10", "3", uri, "loradane", NULL};
	struct pg *pg;
	int rc;

	st->db = NULL;
	pg = calloc(1, sizeof(*pg));
	if (pg == NULL)
		return STORE_ERR_NOMEM;
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL) {
		free(pg);
		return STORE_ERR_NOMEM;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK)
		rc = pg_conn_fail(pg, "connect", why, n);
	else if ((rc = pg_session_setup(pg, why, n)) == STORE_OK)
		rc = pg_schema(pg, why, n);
	if (rc != STORE_OK) {
		PQfinish(pg->conn); /* rolls back an open transaction */
		free(pg);
		return rc;
	}
	st->db = pg;
	return STORE_OK;
}

static void
pg_close(struct store *st)
{
	struct pg *pg = st->db;

	if (pg == NULL)
		return;
	PQfinish(pg->conn);
	free(pg);
	st->db = NULL;
}

static int
pg_tx_begin(struct store *st, char *why, size_t n)
{
	struct pg *pg = st->db;
	int rc;

	if (pg->in_tx) {
		pg_why(pg, why, n, "begin", "a transaction is already open");
		return STORE_ERR_DB;
	}
	rc = pg_ready(pg, why, n);
	if (rc != STORE_OK)
		return rc;
	/* Explicit, whatever default_transaction_isolation says: the row
	 * lock of device_read(for_update) is what serialises joins, and
	 * a stricter level would only add serialization failures. */
	rc = pg_simple(pg, "BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE",
	    "begin", why, n, NULL, 0);
	if (rc == STORE_OK)
		pg->in_tx = true;
	return rc;
}

static int
pg_tx_commit(struct store *st, char *why, size_t n)
{
	struct pg *pg = st->db;
	char status[32];
	int rc;

	if (!pg->in_tx) {
		pg_why(pg, why, n, "commit", "no transaction is open");
		return STORE_ERR_DB;
	}
	/* Whatever happens now, the transaction is over (a COMMIT that
	 * fails rolls back; so does a lost connection). */
	pg->in_tx = false;
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return pg_conn_fail(pg, "commit", why, n);
	rc = pg_simple(pg, "COMMIT", "commit", why, n, status, sizeof(status));
	if (rc != STORE_OK)
		return rc;
	/* The COMMIT of a transaction an error aborted "succeeds" as a
	 * ROLLBACK. */
	if (strcmp(status, "COMMIT") != 0) {
		pg_why(pg, why, n, "commit",
		    "the transaction had failed and was rolled back");
		return STORE_ERR_DB;
	}
	return STORE_OK;
}

static void
pg_tx_rollback(struct store *st)
{
	struct pg *pg = st->db;

	if (!pg->in_tx)
		return;
	pg->in_tx = false;
	if (PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
}

static int
pg_savepoint(struct store *st, enum store_sp op, char *why, size_t n)
{
	struct pg *pg = st->db;
	int rc;

	if (!pg->in_tx) {
		pg_why(pg, why, n, "savepoint", "no transaction is open");
		return STORE_ERR_DB;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return pg_conn_fail(pg, "savepoint", why, n);
	switch (op) {
	case STORE_SP_SET:
		return pg_simple(
		    pg, "SAVEPOINT call", "savepoint", why, n, NULL, 0);
	case STORE_SP_RELEASE:
		return pg_simple(
		    pg, "RELEASE SAVEPOINT call", "release", why, n, NULL, 0);
	case STORE_SP_ROLLBACK:
		/* Also what makes an aborted transaction usable again. */
		rc = pg_simple(pg, "ROLLBACK TO SAVEPOINT call", "rollback to",
		    why, n, NULL, 0);
		return rc != STORE_OK ? rc
				      : pg_simple(pg, "RELEASE SAVEPOINT call",
					    "release", why, n, NULL, 0);
	}
	return STORE_ERR_ARG;
}

static int
pg_device_read(struct store *st, uint64_t dev_eui, bool for_update,
    struct store_device_row *row, char *why, size_t n)
{
	struct pg *pg = st->db;
	struct pg_params p = {.n = 0};
	PGresult *res;
	enum pgs k;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	k = for_update ? PGS_DEV_READ_LOCK : PGS_DEV_READ;
	rc = pg_exec_rows(pg, &pgs_def[k], k, &p, &res, why, n);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else
		rc = pg_device_row(pg, res, 0, row, why, n);
	PQclear(res);
	return rc;
}

static int
pg_device_write(struct store *st, const struct store_device_row *row,
    enum store_write mode, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	unsigned long long rows = 0;
	enum pgs k;
	int rc;

	pgp_i64(&p, (int64_t)row->dev_eui);
	if (mode == STORE_UPDATE_STATE) {
		k = PGS_DEV_STATE;
		pgp_i64(&p, row->last_join_nonce);
		pgp_i32(&p, row->last_dev_nonce);
		pgp_i64(&p, row->joins);
		pgp_i32(&p, row->last_rj_count1);
	} else {
		k = mode == STORE_INSERT ? PGS_DEV_INSERT : PGS_DEV_REPLACE;
		pgp_i64(&p, (int64_t)row->join_eui);
		if (!pgp_text(&p, row->mac_version, sizeof(row->mac_version)))
			return STORE_ERR_ARG;
		pgp_bytes(&p, row->keys, sizeof(row->keys));
		pgp_bool(&p, row->has_nwk_key);
		pgp_i64(&p, row->home_net_id);
		if (!pgp_text(&p, row->as_id, sizeof(row->as_id)) ||
		    !pgp_text(
			&p, row->ns_kek_label, sizeof(row->ns_kek_label)) ||
		    !pgp_text(&p, row->as_kek_label, sizeof(row->as_kek_label)))
			return STORE_ERR_ARG;
	}
	rc = pg_exec_cmd(st->db, &pgs_def[k], k, &p, &rows, why, n);
	if (rc == STORE_OK && rows == 0) /* ON CONFLICT DO NOTHING, or no
					    row to update */
		rc = mode == STORE_INSERT ? STORE_ERR_EXISTS
					  : STORE_ERR_NOTFOUND;
	return rc;
}

static int
pg_device_delete(struct store *st, uint64_t dev_eui, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	unsigned long long rows = 0;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	/* The foreign keys cascade to dev_nonces and sessions. */
	rc = pg_exec_cmd(st->db, &pgs_def[PGS_DEV_DELETE], PGS_DEV_DELETE, &p,
	    &rows, why, n);
	if (rc == STORE_OK && rows == 0)
		rc = STORE_ERR_NOTFOUND;
	return rc;
}

static int
pg_device_scan(
    struct store *st, store_row_cb *cb, void *arg, char *why, size_t n)
{
	struct pg *pg = st->db;
	struct store_device_row row;
	struct pg_params p;
	PGresult *res;
	enum pgs k;
	bool first = true;
	int64_t last = 0;
	int i, rows, rc;

	/* A page at a time, each after the last key seen: no result is
	 * open while the callback runs, so it may use the store. */
	for (;;) {
		memset(&p, 0, sizeof(p));
		if (!first)
			pgp_i64(&p, last);
		k = first ? PGS_SCAN_FIRST : PGS_SCAN_NEXT;
		rc = pg_exec_rows(pg, &pgs_def[k], k, &p, &res, why, n);
		if (rc != STORE_OK)
			return rc;
		first = false;
		rows = PQntuples(res);
		for (i = 0; i < rows; i++) {
			rc = pg_device_row(pg, res, i, &row, why, n);
			if (rc == STORE_OK)
				rc = cb(arg, &row);
			if (rc != STORE_OK) {
				PQclear(res);
				return rc;
			}
			last = (int64_t)(row.dev_eui ^ UINT64_C(1) << 63);
		}
		PQclear(res);
		if (rows < PG_SCAN_ROWS)
			return STORE_OK;
	}
}

static int
pg_devnonce_seen(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    bool *seen, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	pgp_i32(&p, dev_nonce);
	rc = pg_exec_rows(
	    st->db, &pgs_def[PGS_NONCE_SEEN], PGS_NONCE_SEEN, &p, &res, why, n);
	if (rc != STORE_OK)
		return rc;
	*seen = PQntuples(res) > 0;
	PQclear(res);
	return STORE_OK;
}

static int
pg_devnonce_add(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    unsigned keep, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	unsigned long long rows = 0;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	pgp_i32(&p, dev_nonce);
	rc = pg_exec_cmd(
	    st->db, &pgs_def[PGS_NONCE_ADD], PGS_NONCE_ADD, &p, &rows, why, n);
	if (rc == STORE_OK && rows == 0)
		rc = STORE_ERR_EXISTS;
	if (rc != STORE_OK || keep == 0)
		return rc;
	memset(&p, 0, sizeof(p));
	pgp_i64(&p, (int64_t)dev_eui);
	pgp_i64(&p, keep);
	return pg_exec_cmd(
	    st->db, &pgs_def[PGS_NONCE_TRIM], PGS_NONCE_TRIM, &p, NULL, why, n);
}

static int
pg_session_write(
    struct store *st, const struct store_session_row *row, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	if (!pgp_text(&p, row->session_key_id, sizeof(row->session_key_id)))
		return STORE_ERR_ARG;
	pgp_i64(&p, (int64_t)row->dev_eui);
	pgp_i64(&p, row->join_nonce);
	pgp_bytes(&p, row->app_s_key, sizeof(row->app_s_key));
	if (!pgp_text(&p, row->as_id, sizeof(row->as_id)))
		return STORE_ERR_ARG;
	pgp_i64(&p, row->created);
	return pg_exec_cmd(st->db, &pgs_def[PGS_SESS_INSERT], PGS_SESS_INSERT,
	    &p, NULL, why, n);
}

static int
pg_session_trim(
    struct store *st, uint64_t dev_eui, uint32_t min, char *why, size_t n)
{
	struct pg_params p = {.n = 0};

	pgp_i64(&p, (int64_t)dev_eui);
	pgp_i64(&p, min);
	return pg_exec_cmd(
	    st->db, &pgs_def[PGS_SESS_TRIM], PGS_SESS_TRIM, &p, NULL, why, n);
}

static int
pg_session_read(struct store *st, const char *id, struct store_session_row *row,
    char *why, size_t n)
{
	struct pg *pg = st->db;
	struct pg_params p = {.n = 0};
	PGresult *res;
	int64_t jn = 0;
	int rc = STORE_OK;

	if (!pgp_text(&p, id, STORE_ID_MAX))
		return STORE_ERR_ARG;
	rc = pg_exec_rows(
	    pg, &pgs_def[PGS_SESS_READ], PGS_SESS_READ, &p, &res, why, n);
	if (rc != STORE_OK)
		return rc;
	memset(row, 0, sizeof(*row));
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else if (PQnfields(res) != PG_SESSION_NCOLS ||
	    !pg_col_text(
		res, 0, 0, row->session_key_id, sizeof(row->session_key_id)) ||
	    !pg_col_eui(res, 0, 1, &row->dev_eui) ||
	    !pg_col_int(res, 0, 2, 1, 0xffffff, &jn) ||
	    !pg_col_bytes(res, 0, 3, row->app_s_key, sizeof(row->app_s_key)) ||
	    !pg_col_text(res, 0, 4, row->as_id, sizeof(row->as_id)) ||
	    !pg_col_int(res, 0, 5, INT64_MIN, INT64_MAX, &row->created)) {
		pg_why(pg, why, n, "read session", "corrupt row");
		rc = STORE_ERR_DB;
	}
	row->join_nonce = (uint32_t)jn;
	PQclear(res);
	return rc;
}

const struct store_backend store_backend_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .tx_begin = pg_tx_begin,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .savepoint = pg_savepoint,
    .device_read = pg_device_read,
    .device_write = pg_device_write,
    .device_delete = pg_device_delete,
    .device_scan = pg_device_scan,
    .devnonce_seen = pg_devnonce_seen,
    .devnonce_add = pg_devnonce_add,
    .session_write = pg_session_write,
    .session_read = pg_session_read,
    .session_trim = pg_session_trim,
    .ns = &store_ns_backend_pg,
    .as = &store_as_backend_pg,
};
