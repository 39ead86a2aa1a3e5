/*
 * store_sqlite_util.c - the SQLite backend's shared helpers
 * (store_sqlite_int.h): statements, errors, EUIs and columns, used by the
 * JS's, the NS's and the AS's tables alike.
 */
#include <stdio.h>
#include <string.h>

#include "lorawan/ids.h"
#include "store/store_sqlite_int.h"

/* sq_err - STORE_ERR_DB with SQLite's own message */
int
sq_err(struct sq *q, const char *what, char *why, size_t n)
{
	if (why != NULL && n > 0)
		snprintf(why, n, "sqlite %s: %s: %s", q->path, what,
		    q->db != NULL ? sqlite3_errmsg(q->db) : "out of memory");
	return STORE_ERR_DB;
}

/* sq_prepare - a cached prepared statement, prepared on first use */
sqlite3_stmt *
sq_prepare(
    struct sq *q, sqlite3_stmt **slot, const char *sql, char *why, size_t n)
{
	if (*slot == NULL &&
	    sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
		NULL) != SQLITE_OK) {
		sq_err(q, "prepare", why, n);
		*slot = NULL;
	}
	return *slot;
}

/* sq_done - make a cached statement ready for its next use */
void
sq_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* sq_bind_eui - EUIs as 16 lowercase hex digits (text order = EUI order) */
void
sq_bind_eui(sqlite3_stmt *s, int col, uint64_t eui)
{
	char hex[LW_EUI64_STRLEN];

	lw_eui64_format(eui, hex, sizeof(hex));
	sqlite3_bind_text(s, col, hex, 16, SQLITE_TRANSIENT);
}

/* sq_run - step a statement that returns no row; reset it */
int
sq_run(struct sq *q, sqlite3_stmt *s, const char *what, char *why, size_t n)
{
	int r = sqlite3_step(s), rc = STORE_OK;

	if ((r & 0xff) == SQLITE_CONSTRAINT &&
	    (r == SQLITE_CONSTRAINT_PRIMARYKEY ||
		r == SQLITE_CONSTRAINT_UNIQUE))
		rc = STORE_ERR_EXISTS;
	else if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = sq_err(q, what, why, n);
	sq_done(s);
	return rc;
}

/* sq_col_text - a text column into a bounded buffer; -1 if NULL or long */
int
sq_col_text(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	int len = sqlite3_column_bytes(s, col);

	if (t == NULL || len < 0 || (size_t)len >= size)
		return -1;
	memcpy(buf, t, (size_t)len);
	buf[len] = '\0';
	return 0;
}

/* sq_col_eui - an EUI column */
int
sq_col_eui(sqlite3_stmt *s, int col, uint64_t *eui)
{
	char hex[LW_EUI64_STRLEN];

	return sq_col_text(s, col, hex, sizeof(hex)) == 0 &&
		lw_eui64_parse(hex, eui) == LW_OK
	    ? 0
	    : -1;
}

/* sq_col_blob - a blob column of exactly len bytes */
int
sq_col_blob(sqlite3_stmt *s, int col, uint8_t *buf, size_t len)
{
	const void *b = sqlite3_column_blob(s, col);

	if (b == NULL || sqlite3_column_bytes(s, col) != (int)len)
		return -1;
	memcpy(buf, b, len);
	return 0;
}

/* sq_col_range - an integer column within [lo, hi] */
int
sq_col_range(sqlite3_stmt *s, int col, int64_t lo, int64_t hi, int64_t *v)
{
	*v = sqlite3_column_int64(s, col);
	return sqlite3_column_type(s, col) == SQLITE_INTEGER && *v >= lo &&
		*v <= hi
	    ? 0
	    : -1;
}

/* sq_col_blob_max - a blob column of at most size bytes (empty: 0) */
int
sq_col_blob_max(
    sqlite3_stmt *s, int col, uint8_t *buf, size_t size, size_t *len)
{
	const void *b = sqlite3_column_blob(s, col);
	int l = sqlite3_column_bytes(s, col);

	/* Bound with a non-NULL pointer, an empty blob is a BLOB, not NULL */
	if (sqlite3_column_type(s, col) != SQLITE_BLOB || l < 0 ||
	    (size_t)l > size || (l > 0 && b == NULL))
		return -1;
	if (l > 0)
		memcpy(buf, b, (size_t)l);
	*len = (size_t)l;
	return 0;
}
