/*
 * store_pg_util.c - the PostgreSQL backend's shared helpers
 * (store_pg_int.h): connection set-up and recovery, errors, prepared
 * statements in slots, binary parameters and columns, used by the JS's,
 * the NS's and the AS's tables alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_pg_int.h"

/* pg_notice - libpq's default prints notices on stderr: a library
 * must not ("relation already exists, skipping", ...) */
static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* pg_why - "postgresql HOST:PORT/DB: what: msg" as one line into why
 * (never the URI: it may carry a password) */
void
pg_why(
    const struct pg *pg, char *why, size_t n, const char *what, const char *msg)
{
	const char *host = PQhost(pg->conn), *port = PQport(pg->conn),
		   *db = PQdb(pg->conn);
	size_t o, start;
	bool space = false;
	int k;

	if (why == NULL || n == 0)
		return;
	k = snprintf(why, n,
	    "postgresql %s:%s/%s: %s: ", host != NULL ? host : "?",
	    port != NULL ? port : "?", db != NULL ? db : "?", what);
	if (k < 0)
		k = 0;
	o = start = (size_t)k < n ? (size_t)k : n - 1;
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	/* libpq's messages span lines (DETAIL, HINT): one line, and one
	 * space for each run of blanks */
	for (; *msg != '\0' && o + 1 < n; msg++) {
		if (*msg == '\n' || *msg == '\r' || *msg == '\t' ||
		    *msg == ' ') {
			space = true;
			continue;
		}
		if (space && o > start) {
			why[o++] = ' ';
			if (o + 1 >= n)
				break;
		}
		space = false;
		why[o++] = *msg;
	}
	why[o] = '\0';
}

/* pg_conn_fail - STORE_ERR_DB with the connection's last error */
int
pg_conn_fail(const struct pg *pg, const char *what, char *why, size_t n)
{
	pg_why(pg, why, n, what, PQerrorMessage(pg->conn));
	return STORE_ERR_DB;
}

/* pg_res_fail - STORE_ERR_DB with the error of a failed result (which
 * it clears) */
int
pg_res_fail(
    const struct pg *pg, PGresult *res, const char *what, char *why, size_t n)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(pg->conn);
	pg_why(pg, why, n, what, msg);
	PQclear(res);
	return STORE_ERR_DB;
}

/* pg_session_setup - what every (re)connection needs: no notices on
 * stderr, durable commits, statements to prepare again */
int
pg_session_setup(struct pg *pg, char *why, size_t n)
{
	PGresult *res;

	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	/* "off" is the one setting that is not durable; keep any stronger
	 * one (remote_write, remote_apply) the operator chose. */
	res = PQexec(pg->conn,
	    "SELECT set_config('synchronous_commit', 'on', false) "
	    "WHERE current_setting('synchronous_commit') = 'off'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return pg_res_fail(pg, res, "session set-up", why, n);
	PQclear(res);
	memset(pg->prepared, 0, sizeof(pg->prepared));
	return STORE_OK;
}

/* pg_ready - a usable connection: outside a transaction, one that was
 * lost is made again; inside one, its loss is final (its work is gone) */
int
pg_ready(struct pg *pg, char *why, size_t n)
{
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return STORE_OK;
	if (pg->in_tx)
		return pg_conn_fail(
		    pg, "connection lost in a transaction", why, n);
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return pg_conn_fail(pg, "reconnect", why, n);
	return pg_session_setup(pg, why, n);
}

void
pgp_i64(struct pg_params *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 0; i < 8; i++)
		p->buf[p->n][i] = (uint8_t)(u >> (56 - 8 * i));
	p->val[p->n] = (const char *)p->buf[p->n];
	p->len[p->n] = 8;
	p->fmt[p->n] = 1;
	p->n++;
}

void
pgp_i32(struct pg_params *p, int32_t v)
{
	uint32_t u = (uint32_t)v;
	int i;

	for (i = 0; i < 4; i++)
		p->buf[p->n][i] = (uint8_t)(u >> (24 - 8 * i));
	p->val[p->n] = (const char *)p->buf[p->n];
	p->len[p->n] = 4;
	p->fmt[p->n] = 1;
	p->n++;
}

void
pgp_bool(struct pg_params *p, bool v)
{
	p->buf[p->n][0] = v ? 1 : 0;
	p->val[p->n] = (const char *)p->buf[p->n];
	p->len[p->n] = 1;
	p->fmt[p->n] = 1;
	p->n++;
}

void
pgp_bytes(struct pg_params *p, const void *b, size_t len)
{
	p->val[p->n] = (const char *)b;
	p->len[p->n] = (int)len;
	p->fmt[p->n] = 1;
	p->n++;
}

/* pgp_text - the string in a field of size bytes; false if unterminated */
bool
pgp_text(struct pg_params *p, const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len == size)
		return false;
	pgp_bytes(p, s, len);
	return true;
}

/* pg_exec - run statement def in slot, prepared on its first use on this
 * connection, for binary results.
 * @return the result to check and clear, or NULL with *err set. */
static PGresult *
pg_exec(struct pg *pg, const struct pg_stmt *def, int slot,
    const struct pg_params *p, int *err, char *why, size_t n)
{
	char name[24];
	PGresult *res;

	*err = pg_ready(pg, why, n);
	if (*err != STORE_OK)
		return NULL;
	(void)snprintf(name, sizeof(name), "loradane_%d", slot);
	if (!pg->prepared[slot]) {
		res = PQprepare(
		    pg->conn, name, def->sql, def->nparams, def->types);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			*err = pg_res_fail(pg, res, def->what, why, n);
			return NULL;
		}
		PQclear(res);
		pg->prepared[slot] = true;
	}
	res = PQexecPrepared(
	    pg->conn, name, p->n, p->val, p->len, p->fmt, 1 /* binary */);
	if (res == NULL)
		*err = pg_conn_fail(pg, def->what, why, n);
	return res;
}

/* pg_exec_cmd - run a statement that returns no rows.
 * @param rows: if not NULL, set to the number of rows it touched.
 * @return STORE_OK, STORE_ERR_EXISTS (unique violation),
 *	STORE_ERR_NOTFOUND (no such device: foreign key), STORE_ERR_DB. */
int
pg_exec_cmd(struct pg *pg, const struct pg_stmt *def, int slot,
    const struct pg_params *p, unsigned long long *rows, char *why, size_t n)
{
	PGresult *res;
	const char *s;
	char state[8];
	int err;

	res = pg_exec(pg, def, slot, p, &err, why, n);
	if (res == NULL)
		return err;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		(void)snprintf(state, sizeof(state), "%s", s != NULL ? s : "");
		err = pg_res_fail(pg, res, def->what, why, n);
		if (strcmp(state, "23505") == 0) /* unique_violation */
			return STORE_ERR_EXISTS;
		if (strcmp(state, "23503") == 0) /* foreign_key_violation */
			return STORE_ERR_NOTFOUND;
		return err;
	}
	if (rows != NULL)
		*rows = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return STORE_OK;
}

/* pg_exec_rows - run a statement that returns rows; *out is the result
 * (PQclear it) on STORE_OK */
int
pg_exec_rows(struct pg *pg, const struct pg_stmt *def, int slot,
    const struct pg_params *p, PGresult **out, char *why, size_t n)
{
	PGresult *res;
	int err;

	res = pg_exec(pg, def, slot, p, &err, why, n);
	if (res == NULL)
		return err;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return pg_res_fail(pg, res, def->what, why, n);
	*out = res;
	return STORE_OK;
}

/* pg_simple - run parameterless SQL that returns no rows (transaction
 * control, schema); status: if not NULL, the command tag */
int
pg_simple(struct pg *pg, const char *sql, const char *what, char *why, size_t n,
    char *status, size_t statuslen)
{
	PGresult *res;

	res = PQexec(pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return pg_res_fail(pg, res, what, why, n);
	if (status != NULL)
		(void)snprintf(status, statuslen, "%s", PQcmdStatus(res));
	PQclear(res);
	return STORE_OK;
}

/* Binary result columns; each fails on NULL, size or range. */

bool
pg_col_int(
    const PGresult *r, int row, int col, int64_t lo, int64_t hi, int64_t *v)
{
	const uint8_t *b;
	uint64_t u = 0;
	int i, len;

	len = PQgetlength(r, row, col);
	if (PQgetisnull(r, row, col) || (len != 8 && len != 4))
		return false;
	b = (const uint8_t *)PQgetvalue(r, row, col);
	for (i = 0; i < len; i++)
		u = u << 8 | b[i];
	if (len == 4)
		*v = (int32_t)(uint32_t)u;
	else
		*v = (int64_t)u;
	return *v >= lo && *v <= hi;
}

bool
pg_col_eui(const PGresult *r, int row, int col, uint64_t *eui)
{
	int64_t v;

	if (PQgetlength(r, row, col) != 8 ||
	    !pg_col_int(r, row, col, INT64_MIN, INT64_MAX, &v))
		return false;
	*eui = (uint64_t)v;
	return true;
}

bool
pg_col_bool(const PGresult *r, int row, int col, bool *v)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 1)
		return false;
	*v = PQgetvalue(r, row, col)[0] != 0;
	return true;
}

/* col_bytes - exactly len bytes */
bool
pg_col_bytes(const PGresult *r, int row, int col, uint8_t *out, size_t len)
{
	if (PQgetisnull(r, row, col) || (size_t)PQgetlength(r, row, col) != len)
		return false;
	memcpy(out, PQgetvalue(r, row, col), len);
	return true;
}

/* col_text - a string that fits size with its NUL and has none inside */
bool
pg_col_text(const PGresult *r, int row, int col, char *out, size_t size)
{
	size_t len;

	if (PQgetisnull(r, row, col))
		return false;
	len = (size_t)PQgetlength(r, row, col);
	if (len >= size || memchr(PQgetvalue(r, row, col), '\0', len) != NULL)
		return false;
	memcpy(out, PQgetvalue(r, row, col), len);
	out[len] = '\0';
	return true;
}

/* pg_col_bytes_max - 0 to size bytes */
bool
pg_col_bytes_max(
    const PGresult *r, int row, int col, uint8_t *out, size_t size, size_t *len)
{
	if (PQgetisnull(r, row, col) || (size_t)PQgetlength(r, row, col) > size)
		return false;
	*len = (size_t)PQgetlength(r, row, col);
	if (*len > 0)
		memcpy(out, PQgetvalue(r, row, col), *len);
	return true;
}
