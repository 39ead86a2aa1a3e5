/*
 * store_sqlite_int.h - what the SQLite backend's files share: the
 * connection (struct sq, one per struct store), its statement caches,
 * and the helpers that run statements, report errors and read columns.
 * store_sqlite.c opens, migrates and serves the JS's tables;
 * store_ns_sqlite.c and store_as_sqlite.c serve the NS's and the AS's
 * on the same connection and in the same transactions.
 */
#ifndef LIB_STORE_STORE_SQLITE_INT_H
#define LIB_STORE_STORE_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store_int.h"

/* Statement cache sizes: each file checks its own count against them. */
#define SQ_JS_STMTS 24
#define SQ_NS_STMTS 16
#define SQ_AS_STMTS 8

struct sq {
	sqlite3 *db;
	char *path;                      /* for messages */
	sqlite3_stmt *stmt[SQ_JS_STMTS]; /* store_sqlite.c's */
	sqlite3_stmt *ns[SQ_NS_STMTS];   /* store_ns_sqlite.c's */
	sqlite3_stmt *as[SQ_AS_STMTS];   /* store_as_sqlite.c's */
};

/** STORE_ERR_DB, with SQLite's own message in why. */
int sq_err(struct sq *q, const char *what, char *why, size_t n);

/**
 * A cached statement: *slot, prepared from sql on first use.
 * @return the statement (owned by the cache), or NULL with why set.
 */
sqlite3_stmt *sq_prepare(
    struct sq *q, sqlite3_stmt **slot, const char *sql, char *why, size_t n);

/** Make a cached statement ready for its next use. */
void sq_done(sqlite3_stmt *s);

/** Step a statement that returns no row, and reset it.
 * @return STORE_OK, STORE_ERR_EXISTS (primary key or unique), or
 *	STORE_ERR_DB. */
int
sq_run(struct sq *q, sqlite3_stmt *s, const char *what, char *why, size_t n);

/** Bind an EUI as 16 lowercase hex digits (text order = EUI order). */
void sq_bind_eui(sqlite3_stmt *s, int col, uint64_t eui);

/* Result columns; each returns 0, or -1 if NULL, too long or out of
 * range (a corrupt row). */
int sq_col_text(sqlite3_stmt *s, int col, char *buf, size_t size);
int sq_col_eui(sqlite3_stmt *s, int col, uint64_t *eui);
int sq_col_blob(sqlite3_stmt *s, int col, uint8_t *buf, size_t len);
int sq_col_range(sqlite3_stmt *s, int col, int64_t lo, int64_t hi, int64_t *v);
/* A blob of 0 to size bytes; *len gets its length. */
int sq_col_blob_max(
    sqlite3_stmt *s, int col, uint8_t *buf, size_t size, size_t *len);

#endif /* LIB_STORE_STORE_SQLITE_INT_H */
