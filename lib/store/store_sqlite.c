/*
 * store_sqlite.c - the embedded store backend: one SQLite file, shared by
 * any number of processes and threads (one connection each).
 *
 * Durability: WAL with synchronous=FULL, so a COMMIT has reached the disk
 * (fsync) when it returns; a join's answer leaves only after that.  Write
 * transactions are BEGIN IMMEDIATE: they take the file's write lock first,
 * which is what serialises concurrent joins of a device, and a busy
 * timeout makes contenders wait instead of failing.
 *
 * EUIs are stored as 16 lowercase hex digits: readable with the sqlite3
 * shell, and their text order is DevEUI order.  The schema version is
 * PRAGMA user_version; migrations[v] takes a file from version v to v+1,
 * all of them in the one transaction that opens it (a new file runs them
 * all).  Version 2 added devices.last_rj_count1; version 3 the NS's
 * tables (ns_sessions, ns_devaddr, ns_downlinks: store_ns_sqlite.c) and
 * the AS's (as_events, as_appskeys: store_as_sqlite.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_ns_int.h"
#include "store/store_sqlite_int.h"

#define SQ_APP_ID 0x4c524431 /* "LRD1": this file is a loradane store */
#define SQ_BUSY_MS 15000

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE devices ("
    " dev_eui TEXT PRIMARY KEY NOT NULL CHECK (length(dev_eui) = 16),"
    " join_eui TEXT NOT NULL CHECK (length(join_eui) = 16),"
    " mac_version TEXT NOT NULL,"
    " keys BLOB NOT NULL," /* sealed AppKey | NwkKey */
    " has_nwk_key INTEGER NOT NULL,"
    " home_net_id INTEGER NOT NULL,"
    " as_id TEXT NOT NULL,"
    " ns_kek_label TEXT NOT NULL,"
    " as_kek_label TEXT NOT NULL,"
    " last_join_nonce INTEGER NOT NULL DEFAULT 0"
    "  CHECK (last_join_nonce BETWEEN 0 AND 16777215),"
    " last_dev_nonce INTEGER NOT NULL DEFAULT -1"
    "  CHECK (last_dev_nonce BETWEEN -1 AND 65535),"
    " joins INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE dev_nonces ("
    " dev_eui TEXT NOT NULL REFERENCES devices ON DELETE CASCADE,"
    " dev_nonce INTEGER NOT NULL,"
    " seq INTEGER NOT NULL,"
    " PRIMARY KEY (dev_eui, dev_nonce)) WITHOUT ROWID;"
    "CREATE INDEX dev_nonces_seq ON dev_nonces (dev_eui, seq);"
    "CREATE TABLE sessions ("
    " session_key_id TEXT PRIMARY KEY NOT NULL,"
    " dev_eui TEXT NOT NULL REFERENCES devices ON DELETE CASCADE,"
    " join_nonce INTEGER NOT NULL,"
    " app_s_key BLOB NOT NULL," /* sealed */
    " as_id TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX sessions_dev_eui ON sessions (dev_eui);",
    /* 1 -> 2: the last RJcount1 accepted (LoRaWAN 1.1 rejoins); existing
     * devices get -1, none yet. */
    "ALTER TABLE devices ADD COLUMN last_rj_count1 INTEGER NOT NULL"
    " DEFAULT -1 CHECK (last_rj_count1 BETWEEN -1 AND 65535);",
    /* 2 -> 3: the Network Server's and the Application Server's state
     * (store_ns.h, store_as.h).  The downlink and event ids are
     * AUTOINCREMENT: an id is never handed out twice, so a late "drop"
     * or "done" cannot hit a newer row. */
    "CREATE TABLE ns_sessions ("
    " dev_eui TEXT PRIMARY KEY NOT NULL CHECK (length(dev_eui) = 16),"
    " dev_addr INTEGER NOT NULL CHECK (dev_addr BETWEEN 0 AND 4294967295),"
    " join_eui TEXT NOT NULL CHECK (length(join_eui) = 16),"
    " mac_version TEXT NOT NULL,"
    " keys BLOB NOT NULL," /* sealed FNwkSIntKey | SNwkSIntKey | NwkSEncKey */
    " as_kek_label TEXT NOT NULL,"
    " app_s_key_env BLOB NOT NULL,"  /* sealed; empty: none */
    " session_key_id BLOB NOT NULL," /* empty: none */
    " as_id TEXT NOT NULL,"
    " as_host TEXT NOT NULL,"
    " as_port INTEGER NOT NULL CHECK (as_port BETWEEN 0 AND 65535),"
    " fcnt_up INTEGER NOT NULL CHECK (fcnt_up BETWEEN -1 AND 4294967295),"
    " nfcnt_down INTEGER NOT NULL"
    "  CHECK (nfcnt_down BETWEEN 0 AND 4294967296),"
    " afcnt_down INTEGER NOT NULL"
    "  CHECK (afcnt_down BETWEEN 0 AND 4294967296),"
    " rx1_dr_offset INTEGER NOT NULL CHECK (rx1_dr_offset BETWEEN 0 AND 7),"
    " rx2_dr INTEGER NOT NULL CHECK (rx2_dr BETWEEN 0 AND 15),"
    " rx2_freq INTEGER NOT NULL CHECK (rx2_freq BETWEEN 0 AND 4294967295),"
    " rx_delay INTEGER NOT NULL CHECK (rx_delay BETWEEN 0 AND 15),"
    " home_net_id INTEGER NOT NULL CHECK (home_net_id BETWEEN 0 AND 16777215),"
    " roaming_net_id INTEGER NOT NULL"
    "  CHECK (roaming_net_id BETWEEN 0 AND 16777215),"
    " created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX ns_sessions_dev_addr ON ns_sessions (dev_addr, dev_eui);"
    "CREATE TABLE ns_devaddr ("
    " net_id INTEGER PRIMARY KEY NOT NULL"
    "  CHECK (net_id BETWEEN 0 AND 16777215),"
    " next INTEGER NOT NULL CHECK (next BETWEEN 0 AND 4294967296));"
    "CREATE TABLE ns_downlinks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " dev_eui TEXT NOT NULL REFERENCES ns_sessions ON DELETE CASCADE,"
    " fport INTEGER NOT NULL CHECK (fport BETWEEN 1 AND 223),"
    " confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),"
    " payload BLOB NOT NULL CHECK (length(payload) <= 242),"
    " created INTEGER NOT NULL);"
    "CREATE INDEX ns_downlinks_dev_eui ON ns_downlinks (dev_eui, id);"
    "CREATE TABLE as_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " dev_eui TEXT NOT NULL CHECK (length(dev_eui) = 16),"
    " kind TEXT NOT NULL,"
    " json TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE as_appskeys ("
    " dev_eui TEXT NOT NULL CHECK (length(dev_eui) = 16),"
    " session_key_id BLOB NOT NULL,"
    " app_s_key BLOB NOT NULL," /* sealed */
    " seq INTEGER NOT NULL,"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY (dev_eui, session_key_id)) WITHOUT ROWID;"
    "CREATE INDEX as_appskeys_seq ON as_appskeys (dev_eui, seq);",
};
#define SQ_SCHEMA_VERSION (int)(sizeof(migrations) / sizeof(*migrations))

#define DEV_COLS                                                               \
	"dev_eui, join_eui, mac_version, keys, has_nwk_key, home_net_id, "     \
	"as_id, ns_kek_label, as_kek_label, last_join_nonce, "                 \
	"last_dev_nonce, joins, last_rj_count1"

enum sq_stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SP_SET,
	S_SP_RELEASE,
	S_SP_ROLLBACK,
	S_DEV_READ,
	S_DEV_INSERT,
	S_DEV_UPSERT,
	S_DEV_STATE,
	S_DEV_DELETE,
	S_DEV_SCAN,
	S_DN_SEEN,
	S_DN_ADD,
	S_DN_TRIM,
	S_SES_WRITE,
	S_SES_READ,
	S_SES_TRIM,
	S_COUNT
};

_Static_assert(S_COUNT <= SQ_JS_STMTS, "struct sq: stmt[] too small");

static const char *const sq_sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SP_SET] = "SAVEPOINT call",
    [S_SP_RELEASE] = "RELEASE call",
    [S_SP_ROLLBACK] = "ROLLBACK TO call",
    [S_DEV_READ] = "SELECT " DEV_COLS " FROM devices WHERE dev_eui = ?1",
    [S_DEV_INSERT] = "INSERT INTO devices (" DEV_COLS ") VALUES "
		     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, -1, 0, -1)",
    /* Not INSERT OR REPLACE: that deletes the row, and the cascade
     * would take the DevNonce history and the sessions with it. */
    [S_DEV_UPSERT] = "INSERT INTO devices (" DEV_COLS ") VALUES "
		     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, -1, 0, -1) "
		     "ON CONFLICT (dev_eui) DO UPDATE SET "
		     "join_eui = ?2, mac_version = ?3, keys = ?4, "
		     "has_nwk_key = ?5, home_net_id = ?6, as_id = ?7, "
		     "ns_kek_label = ?8, as_kek_label = ?9",
    [S_DEV_STATE] = "UPDATE devices SET last_join_nonce = ?2, "
		    "last_dev_nonce = ?3, joins = ?4, last_rj_count1 = ?5 "
		    "WHERE dev_eui = ?1",
    [S_DEV_DELETE] = "DELETE FROM devices WHERE dev_eui = ?1",
    [S_DEV_SCAN] = "SELECT " DEV_COLS " FROM devices ORDER BY dev_eui",
    [S_DN_SEEN] = "SELECT 1 FROM dev_nonces WHERE dev_eui = ?1 AND "
		  "dev_nonce = ?2",
    [S_DN_ADD] = "INSERT INTO dev_nonces (dev_eui, dev_nonce, seq) "
		 "SELECT ?1, ?2, coalesce(max(seq), 0) + 1 FROM dev_nonces "
		 "WHERE dev_eui = ?1",
    [S_DN_TRIM] = "DELETE FROM dev_nonces WHERE dev_eui = ?1 AND seq <= "
		  "(SELECT max(seq) FROM dev_nonces WHERE dev_eui = ?1) - ?2",
    [S_SES_WRITE] = "INSERT INTO sessions (session_key_id, dev_eui, "
		    "join_nonce, app_s_key, as_id, created) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SES_READ] = "SELECT session_key_id, dev_eui, join_nonce, app_s_key, "
		   "as_id, created FROM sessions WHERE session_key_id = ?1",
    [S_SES_TRIM] = "DELETE FROM sessions WHERE dev_eui = ?1 AND "
		   "join_nonce < ?2",
};

/* sq_stmt - one of this file's cached statements */
static sqlite3_stmt *
sq_stmt(struct sq *q, enum sq_stmt i, char *why, size_t n)
{
	return sq_prepare(q, &q->stmt[i], sq_sql[i], why, n);
}

/* sq_simple - run one of BEGIN/COMMIT/ROLLBACK */
static int
sq_simple(struct store *st, enum sq_stmt i, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, i, why, n);

	return s == NULL ? STORE_ERR_DB : sq_run(q, s, sq_sql[i], why, n);
}

/* dev_row - the current row of a DEV_COLS query; -1 if it is corrupt */
static int
dev_row(sqlite3_stmt *s, struct store_device_row *row)
{
	int64_t nwk, net, ljn, ldn, joins, rj1;

	memset(row, 0, sizeof(*row));
	if (sq_col_eui(s, 0, &row->dev_eui) != 0 ||
	    sq_col_eui(s, 1, &row->join_eui) != 0 ||
	    sq_col_text(s, 2, row->mac_version, sizeof(row->mac_version)) !=
		0 ||
	    sq_col_blob(s, 3, row->keys, sizeof(row->keys)) != 0 ||
	    sq_col_range(s, 4, 0, 1, &nwk) != 0 ||
	    sq_col_range(s, 5, 0, 0xffffff, &net) != 0 ||
	    sq_col_text(s, 6, row->as_id, sizeof(row->as_id)) != 0 ||
	    sq_col_text(s, 7, row->ns_kek_label, sizeof(row->ns_kek_label)) !=
		0 ||
	    sq_col_text(s, 8, row->as_kek_label, sizeof(row->as_kek_label)) !=
		0 ||
	    sq_col_range(s, 9, 0, 0xffffff, &ljn) != 0 ||
	    sq_col_range(s, 10, -1, 0xffff, &ldn) != 0 ||
	    sq_col_range(s, 11, 0, UINT32_MAX, &joins) != 0 ||
	    sq_col_range(s, 12, -1, 0xffff, &rj1) != 0)
		return -1;
	row->has_nwk_key = nwk != 0;
	row->home_net_id = (uint32_t)net;
	row->last_join_nonce = (uint32_t)ljn;
	row->last_dev_nonce = (int32_t)ldn;
	row->joins = (uint32_t)joins;
	row->last_rj_count1 = (int32_t)rj1;
	return 0;
}

/* sq_exec - run SQL text (set-up only; no result rows wanted) */
static int
sq_exec(struct sq *q, const char *sql, char *why, size_t n)
{
	return sqlite3_exec(q->db, sql, NULL, NULL, NULL) == SQLITE_OK
	    ? STORE_OK
	    : sq_err(q, sql, why, n);
}

/* sq_pragma - the first column of a one-row query, as int64 or text */
static int
sq_pragma(struct sq *q, const char *sql, int64_t *v, char *text, size_t textlen,
    char *why, size_t n)
{
	sqlite3_stmt *s;
	int r;

	if (sqlite3_prepare_v2(q->db, sql, -1, &s, NULL) != SQLITE_OK)
		return sq_err(q, sql, why, n);
	r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		if (v != NULL)
			*v = sqlite3_column_int64(s, 0);
		if (text != NULL && sq_col_text(s, 0, text, textlen) != 0)
			text[0] = '\0';
	}
	if (r != SQLITE_ROW)
		sq_err(q, sql, why, n);
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? STORE_OK : STORE_ERR_DB;
}

/* sq_schema - create the tables, or bring an older file up to date */
static int
sq_schema(struct sq *q, char *why, size_t n)
{
	int64_t version, app, tables;
	char cmd[64];
	int rc, v;

	/* IMMEDIATE: two processes creating one new file take turns. */
	if ((rc = sq_exec(q, "BEGIN IMMEDIATE", why, n)) != STORE_OK)
		return rc;
	if ((rc = sq_pragma(q, "PRAGMA user_version", &version, NULL, 0, why,
		 n)) != STORE_OK ||
	    (rc = sq_pragma(q, "PRAGMA application_id", &app, NULL, 0, why,
		 n)) != STORE_OK ||
	    (rc = sq_pragma(q, "SELECT count(*) FROM sqlite_master", &tables,
		 NULL, 0, why, n)) != STORE_OK)
		goto out;
	rc = STORE_ERR_DB;
	if ((version == 0 && tables != 0) || (version != 0 && app != SQ_APP_ID))
		snprintf(why, n, "sqlite %s: not a loradane store", q->path);
	else if (version > SQ_SCHEMA_VERSION)
		snprintf(why, n,
		    "sqlite %s: schema version %lld is newer than this "
		    "program's (%d)",
		    q->path, (long long)version, SQ_SCHEMA_VERSION);
	else
		rc = STORE_OK;
	for (v = (int)version; rc == STORE_OK && v < SQ_SCHEMA_VERSION; v++)
		rc = sq_exec(q, migrations[v], why, n);
	if (rc == STORE_OK && version < SQ_SCHEMA_VERSION) {
		snprintf(cmd, sizeof(cmd),
		    "PRAGMA user_version = %d;"
		    "PRAGMA application_id = %d",
		    SQ_SCHEMA_VERSION, SQ_APP_ID);
		rc = sq_exec(q, cmd, why, n);
	}
	if (rc == STORE_OK)
		rc = sq_exec(q, "COMMIT", why, n);
out:
	if (rc != STORE_OK)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void
sq_close(struct store *st)
{
	struct sq *q = st->db;
	int i;

	if (q == NULL)
		return;
	for (i = 0; i < SQ_JS_STMTS; i++)
		sqlite3_finalize(q->stmt[i]);
	for (i = 0; i < SQ_NS_STMTS; i++)
		sqlite3_finalize(q->ns[i]);
	for (i = 0; i < SQ_AS_STMTS; i++)
		sqlite3_finalize(q->as[i]);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
	st->db = NULL;
}

static int
sq_open(struct store *st, const char *path, char *why, size_t n)
{
	struct sq *q;
	char mode[16];
	int fd, rc;

	q = calloc(1, sizeof(*q));
	if (q == NULL || (q->path = strdup(path)) == NULL) {
		free(q);
		snprintf(why, n, "out of memory");
		return STORE_ERR_NOMEM;
	}
	st->db = q;
	/* A new store is private from the start; SQLite gives its -wal
	 * and -shm files the database file's mode. */
	fd = open(
	    path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST) {
		snprintf(why, n, "sqlite %s: %s", path, strerror(errno));
		sq_close(st);
		return STORE_ERR_DB;
	}
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = sq_err(q, "open", why, n);
		sq_close(st);
		return rc;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, SQ_BUSY_MS);
	rc = sq_pragma(
	    q, "PRAGMA journal_mode = WAL", NULL, mode, sizeof(mode), why, n);
	if (rc == STORE_OK && strcmp(mode, "wal") != 0) {
		snprintf(why, n, "sqlite %s: WAL mode refused (journal %s)",
		    path, mode);
		rc = STORE_ERR_DB;
	}
	if (rc == STORE_OK)
		rc = sq_exec(q,
		    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", why,
		    n);
	if (rc == STORE_OK)
		rc = sq_schema(q, why, n);
	if (rc != STORE_OK)
		sq_close(st);
	return rc;
}

static int
sq_tx_begin(struct store *st, char *why, size_t n)
{
	return sq_simple(st, S_BEGIN, why, n);
}

static int
sq_tx_commit(struct store *st, char *why, size_t n)
{
	return sq_simple(st, S_COMMIT, why, n);
}

static void
sq_tx_rollback(struct store *st)
{
	struct sq *q = st->db;

	if (!sqlite3_get_autocommit(q->db))
		sq_simple(st, S_ROLLBACK, NULL, 0);
}

static int
sq_savepoint(struct store *st, enum store_sp op, char *why, size_t n)
{
	int rc;

	switch (op) {
	case STORE_SP_SET:
		return sq_simple(st, S_SP_SET, why, n);
	case STORE_SP_RELEASE:
		return sq_simple(st, S_SP_RELEASE, why, n);
	case STORE_SP_ROLLBACK:
		/* ROLLBACK TO keeps the savepoint open: release it too. */
		rc = sq_simple(st, S_SP_ROLLBACK, why, n);
		return rc != STORE_OK ? rc
				      : sq_simple(st, S_SP_RELEASE, why, n);
	}
	return STORE_ERR_ARG;
}

static int
sq_device_read(struct store *st, uint64_t dev_eui, bool for_update,
    struct store_device_row *row, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_DEV_READ, why, n);
	int r, rc = STORE_OK;

	(void)for_update; /* BEGIN IMMEDIATE holds the write lock already */
	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read device", why, n);
	else if (dev_row(s, row) != 0) {
		snprintf(why, n,
		    "sqlite %s: device %016" PRIx64 ": corrupt row", q->path,
		    dev_eui);
		rc = STORE_ERR_DB;
	}
	sq_done(s);
	return rc;
}

static int
sq_device_write(struct store *st, const struct store_device_row *row,
    enum store_write mode, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s;
	int rc;

	if (mode == STORE_UPDATE_STATE) {
		if ((s = sq_stmt(q, S_DEV_STATE, why, n)) == NULL)
			return STORE_ERR_DB;
		sq_bind_eui(s, 1, row->dev_eui);
		sqlite3_bind_int64(s, 2, row->last_join_nonce);
		sqlite3_bind_int64(s, 3, row->last_dev_nonce);
		sqlite3_bind_int64(s, 4, row->joins);
		sqlite3_bind_int64(s, 5, row->last_rj_count1);
		rc = sq_run(q, s, "update device state", why, n);
		if (rc == STORE_OK && sqlite3_changes(q->db) == 0)
			rc = STORE_ERR_NOTFOUND;
		return rc;
	}
	s = sq_stmt(
	    q, mode == STORE_INSERT ? S_DEV_INSERT : S_DEV_UPSERT, why, n);
	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, row->dev_eui);
	sq_bind_eui(s, 2, row->join_eui);
	sqlite3_bind_text(s, 3, row->mac_version, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, row->keys, sizeof(row->keys), SQLITE_STATIC);
	sqlite3_bind_int(s, 5, row->has_nwk_key ? 1 : 0);
	sqlite3_bind_int64(s, 6, row->home_net_id);
	sqlite3_bind_text(s, 7, row->as_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, row->ns_kek_label, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, row->as_kek_label, -1, SQLITE_STATIC);
	return sq_run(q, s, "write device", why, n);
}

static int
sq_device_delete(struct store *st, uint64_t dev_eui, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_DEV_DELETE, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	/* The foreign keys cascade to dev_nonces and sessions. */
	rc = sq_run(q, s, "delete device", why, n);
	if (rc == STORE_OK && sqlite3_changes(q->db) == 0)
		rc = STORE_ERR_NOTFOUND;
	return rc;
}

static int
sq_device_scan(
    struct store *st, store_row_cb *cb, void *arg, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_DEV_SCAN, why, n);
	struct store_device_row row;
	int r, rc = STORE_OK;

	if (s == NULL)
		return STORE_ERR_DB;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (dev_row(s, &row) != 0) {
			snprintf(
			    why, n, "sqlite %s: corrupt device row", q->path);
			rc = STORE_ERR_DB;
			break;
		}
		if ((rc = cb(arg, &row)) != 0)
			break;
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = sq_err(q, "list devices", why, n);
	sq_done(s);
	return rc;
}

static int
sq_devnonce_seen(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    bool *seen, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_DN_SEEN, why, n);
	int r;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_int(s, 2, dev_nonce);
	r = sqlite3_step(s);
	*seen = r == SQLITE_ROW;
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		sq_err(q, "read DevNonces", why, n);
		sq_done(s);
		return STORE_ERR_DB;
	}
	sq_done(s);
	return STORE_OK;
}

static int
sq_devnonce_add(struct store *st, uint64_t dev_eui, uint16_t dev_nonce,
    unsigned keep, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_DN_ADD, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_int(s, 2, dev_nonce);
	rc = sq_run(q, s, "record DevNonce", why, n);
	if (rc != STORE_OK || keep == 0)
		return rc;
	if ((s = sq_stmt(q, S_DN_TRIM, why, n)) == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_int64(s, 2, keep);
	return sq_run(q, s, "trim DevNonces", why, n);
}

static int
sq_session_write(
    struct store *st, const struct store_session_row *row, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_SES_WRITE, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_text(s, 1, row->session_key_id, -1, SQLITE_STATIC);
	sq_bind_eui(s, 2, row->dev_eui);
	sqlite3_bind_int64(s, 3, row->join_nonce);
	sqlite3_bind_blob(
	    s, 4, row->app_s_key, sizeof(row->app_s_key), SQLITE_STATIC);
	sqlite3_bind_text(s, 5, row->as_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, row->created);
	return sq_run(q, s, "write session", why, n);
}

static int
sq_session_trim(
    struct store *st, uint64_t dev_eui, uint32_t min, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_SES_TRIM, why, n);

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_int64(s, 2, min);
	return sq_run(q, s, "trim sessions", why, n);
}

static int
sq_session_read(struct store *st, const char *id, struct store_session_row *row,
    char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = sq_stmt(q, S_SES_READ, why, n);
	int64_t jn = 0;
	int r, rc = STORE_OK;

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	r = sqlite3_step(s);
	memset(row, 0, sizeof(*row));
	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read session", why, n);
	else if (sq_col_text(s, 0, row->session_key_id,
		     sizeof(row->session_key_id)) != 0 ||
	    sq_col_eui(s, 1, &row->dev_eui) != 0 ||
	    sq_col_range(s, 2, 1, 0xffffff, &jn) != 0 ||
	    sq_col_blob(s, 3, row->app_s_key, sizeof(row->app_s_key)) != 0 ||
	    sq_col_text(s, 4, row->as_id, sizeof(row->as_id)) != 0 ||
	    sq_col_range(s, 5, INT64_MIN, INT64_MAX, &row->created) != 0) {
		snprintf(
		    why, n, "sqlite %s: session %s: corrupt row", q->path, id);
		rc = STORE_ERR_DB;
	}
	row->join_nonce = (uint32_t)jn;
	sq_done(s);
	return rc;
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .savepoint = sq_savepoint,
    .device_read = sq_device_read,
    .device_write = sq_device_write,
    .device_delete = sq_device_delete,
    .device_scan = sq_device_scan,
    .devnonce_seen = sq_devnonce_seen,
    .devnonce_add = sq_devnonce_add,
    .session_write = sq_session_write,
    .session_read = sq_session_read,
    .session_trim = sq_session_trim,
    .ns = &store_ns_backend_sqlite,
    .as = &store_as_backend_sqlite,
};
