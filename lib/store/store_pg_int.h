/*
 * store_pg_int.h - what the PostgreSQL backend's files share: the
 * connection (struct pg, one per struct store), statements prepared per
 * connection in numbered slots, binary parameters and columns, and the
 * error helpers (reasons never carry the URI: it may hold a password).
 * store_pg.c opens, migrates and serves the JS's tables;
 * store_ns_pg.c and store_as_pg.c serve the NS's and the AS's on the same
 * connection and in the same transactions.
 */
#ifndef LIB_STORE_STORE_PG_INT_H
#define LIB_STORE_STORE_PG_INT_H

#include <libpq-fe.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_int.h"

/* Type OIDs (server/catalog/pg_type_d.h, stable across versions) */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_INT4OID 23
#define PG_TEXTOID 25

#define PG_MAXPARAMS 24

/* XOR with the sign bit: signed order of the result = unsigned order */
#define PG_ORDER "(dev_eui # x'8000000000000000'::bigint)"

/* Prepared-statement slots: the JS's from 0, the NS's and the AS's
 * after them; each file checks its count against its range. */
#define PG_NS_SLOT0 24
#define PG_AS_SLOT0 40
#define PG_SLOTS 48

/* One statement: its reason text, SQL and parameter types. */
struct pg_stmt {
	const char *what;
	const char *sql;
	int nparams;
	Oid types[PG_MAXPARAMS];
};

struct pg {
	PGconn *conn;
	bool in_tx;
	bool prepared[PG_SLOTS]; /* on this connection */
};

/* Binary parameters of one statement. */
struct pg_params {
	const char *val[PG_MAXPARAMS];
	int len[PG_MAXPARAMS];
	int fmt[PG_MAXPARAMS];
	uint8_t buf[PG_MAXPARAMS][8];
	int n;
};

/** "postgresql HOST:PORT/DB: what: msg" as one line into why. */
void pg_why(const struct pg *pg, char *why, size_t n, const char *what,
    const char *msg);
/** STORE_ERR_DB with the connection's last error. */
int pg_conn_fail(const struct pg *pg, const char *what, char *why, size_t n);
/** STORE_ERR_DB with a failed result's error; clears res. */
int pg_res_fail(
    const struct pg *pg, PGresult *res, const char *what, char *why, size_t n);
/** A fresh connection's set-up: no notices, durable commits. */
int pg_session_setup(struct pg *pg, char *why, size_t n);
/** A usable connection: outside a transaction, one that was lost is
 * made again; inside one, its loss is final. */
int pg_ready(struct pg *pg, char *why, size_t n);

/* Parameters, appended in order (bytes and text are borrowed). */
void pgp_i64(struct pg_params *p, int64_t v);
void pgp_i32(struct pg_params *p, int32_t v);
void pgp_bool(struct pg_params *p, bool v);
void pgp_bytes(struct pg_params *p, const void *b, size_t len);
/** @return false if s is not terminated within size. */
bool pgp_text(struct pg_params *p, const char *s, size_t size);

/**
 * Run the statement def in slot (prepared on its first use on this
 * connection), that returns no rows.
 * @param rows: if not NULL, set to the number of rows it touched.
 * @return STORE_OK, STORE_ERR_EXISTS (unique violation),
 *	STORE_ERR_NOTFOUND (foreign key), STORE_ERR_DB.
 */
int pg_exec_cmd(struct pg *pg, const struct pg_stmt *def, int slot,
    const struct pg_params *p, unsigned long long *rows, char *why, size_t n);
/** As pg_exec_cmd, for rows: *out is the result (PQclear it) on STORE_OK. */
int pg_exec_rows(struct pg *pg, const struct pg_stmt *def, int slot,
    const struct pg_params *p, PGresult **out, char *why, size_t n);
/** Parameterless SQL returning no rows; status: the command tag, or NULL. */
int pg_simple(struct pg *pg, const char *sql, const char *what, char *why,
    size_t n, char *status, size_t statuslen);

/* Binary result columns; each is false on NULL, size or range. */
bool pg_col_int(
    const PGresult *r, int row, int col, int64_t lo, int64_t hi, int64_t *v);
bool pg_col_eui(const PGresult *r, int row, int col, uint64_t *eui);
bool pg_col_bool(const PGresult *r, int row, int col, bool *v);
bool
pg_col_bytes(const PGresult *r, int row, int col, uint8_t *out, size_t len);
/** 0 to size bytes; *len gets the length. */
bool pg_col_bytes_max(const PGresult *r, int row, int col, uint8_t *out,
    size_t size, size_t *len);
bool pg_col_text(const PGresult *r, int row, int col, char *out, size_t size);

#endif /* LIB_STORE_STORE_PG_INT_H */
