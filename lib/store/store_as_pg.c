/*
 * store_as_pg.c - the Application Server's tables in the PostgreSQL
 * backend (store_ns_int.h), on store_pg.c's connection and in its
 * transactions (made by its migration 2 -> 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_ns_int.h"
#include "store/store_pg_int.h"

enum asp {
	Q_EV_INSERT,
	Q_EV_NEXT,
	Q_EV_DELETE,
	Q_KEY_UPSERT,
	Q_KEY_TRIM,
	Q_KEY_READ,
	Q_COUNT
};

_Static_assert(PG_AS_SLOT0 + Q_COUNT <= PG_SLOTS, "AS slots overflow");

static const struct pg_stmt asp_def[Q_COUNT] = {
    [Q_EV_INSERT] = {"add event",
	"INSERT INTO as_events (dev_eui, kind, json, created) "
	"VALUES ($1, $2, $3, $4) RETURNING id",
	4, {PG_INT8OID, PG_TEXTOID, PG_TEXTOID, PG_INT8OID}},
    [Q_EV_NEXT] = {"read event",
	"SELECT id, dev_eui, kind, json, created FROM as_events "
	"WHERE id > $1 ORDER BY id LIMIT 1",
	1, {PG_INT8OID}},
    [Q_EV_DELETE] = {"mark event done", "DELETE FROM as_events WHERE id = $1",
	1, {PG_INT8OID}},
    /* A replaced key keeps its seq (its place in the trim order). */
    [Q_KEY_UPSERT] = {"write AppSKey",
	"INSERT INTO as_appskeys (dev_eui, session_key_id, app_s_key, "
	"created) VALUES ($1, $2, $3, $4) ON CONFLICT (dev_eui, "
	"session_key_id) DO UPDATE SET app_s_key = EXCLUDED.app_s_key, "
	"created = EXCLUDED.created",
	4, {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID}},
    /* All but the newest $2: from the ($2 + 1)-th newest down. */
    [Q_KEY_TRIM] = {"trim AppSKeys",
	"DELETE FROM as_appskeys WHERE dev_eui = $1 AND seq <= "
	"(SELECT seq FROM as_appskeys WHERE dev_eui = $1 "
	"ORDER BY seq DESC OFFSET $2 LIMIT 1)",
	2, {PG_INT8OID, PG_INT8OID}},
    [Q_KEY_READ] = {"read AppSKey",
	"SELECT app_s_key FROM as_appskeys WHERE dev_eui = $1 AND "
	"session_key_id = $2",
	2, {PG_INT8OID, PG_BYTEAOID}},
};

/* asp_cmd, asp_rows - run one of this file's statements */
static int
asp_cmd(struct store *st, enum asp k, const struct pg_params *p,
    unsigned long long *rows, char *why, size_t n)
{
	return pg_exec_cmd(
	    st->db, &asp_def[k], PG_AS_SLOT0 + (int)k, p, rows, why, n);
}

static int
asp_rows(struct store *st, enum asp k, const struct pg_params *p,
    PGresult **res, char *why, size_t n)
{
	return pg_exec_rows(
	    st->db, &asp_def[k], PG_AS_SLOT0 + (int)k, p, res, why, n);
}

static int
asp_ev_insert(struct store *st, const struct store_as_event_row *ev,
    int64_t *id, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	int rc;

	pgp_i64(&p, (int64_t)ev->dev_eui);
	if (!pgp_text(&p, ev->kind, sizeof(ev->kind)))
		return STORE_ERR_ARG;
	pgp_bytes(&p, ev->json, ev->json_len);
	pgp_i64(&p, ev->created);
	if ((rc = asp_rows(st, Q_EV_INSERT, &p, &res, why, n)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || !pg_col_int(res, 0, 0, 1, INT64_MAX, id)) {
		pg_why(st->db, why, n, "add event", "no id returned");
		rc = STORE_ERR_DB;
	}
	PQclear(res);
	return rc;
}

static int
asp_ev_next(struct store *st, int64_t after, struct store_as_event_row *ev,
    char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	size_t len;
	int rc;

	pgp_i64(&p, after);
	if ((rc = asp_rows(st, Q_EV_NEXT, &p, &res, why, n)) != STORE_OK)
		return rc;
	memset(ev, 0, sizeof(*ev));
	len = PQntuples(res) > 0 ? (size_t)PQgetlength(res, 0, 3) : 0;
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else if (PQnfields(res) != 5 ||
	    !pg_col_int(res, 0, 0, 1, INT64_MAX, &ev->id) ||
	    !pg_col_eui(res, 0, 1, &ev->dev_eui) ||
	    !pg_col_text(res, 0, 2, ev->kind, sizeof(ev->kind)) ||
	    PQgetisnull(res, 0, 3) || len > STORE_AS_JSON_MAX ||
	    !pg_col_int(res, 0, 4, INT64_MIN, INT64_MAX, &ev->created)) {
		pg_why(st->db, why, n, "read event", "corrupt row");
		rc = STORE_ERR_DB;
	} else if ((ev->json = malloc(len + 1)) == NULL) {
		snprintf(why, n, "out of memory");
		rc = STORE_ERR_NOMEM;
	} else {
		memcpy(ev->json, PQgetvalue(res, 0, 3), len);
		ev->json[len] = '\0';
		ev->json_len = len;
	}
	PQclear(res);
	return rc;
}

static int
asp_ev_delete(struct store *st, int64_t id, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	unsigned long long rows = 0;
	int rc;

	pgp_i64(&p, id);
	rc = asp_cmd(st, Q_EV_DELETE, &p, &rows, why, n);
	return rc == STORE_OK && rows == 0 ? STORE_ERR_NOTFOUND : rc;
}

static int
asp_key_write(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, const uint8_t sealed[STORE_SKEY_SEALED], int64_t created,
    unsigned keep, char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	pgp_bytes(&p, skid, skid_len);
	pgp_bytes(&p, sealed, STORE_SKEY_SEALED);
	pgp_i64(&p, created);
	if ((rc = asp_cmd(st, Q_KEY_UPSERT, &p, NULL, why, n)) != STORE_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	pgp_i64(&p, (int64_t)dev_eui);
	pgp_i64(&p, keep);
	return asp_cmd(st, Q_KEY_TRIM, &p, NULL, why, n);
}

static int
asp_key_read(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, uint8_t sealed[STORE_SKEY_SEALED], char *why, size_t n)
{
	struct pg_params p = {.n = 0};
	PGresult *res;
	int rc;

	pgp_i64(&p, (int64_t)dev_eui);
	pgp_bytes(&p, skid, skid_len);
	if ((rc = asp_rows(st, Q_KEY_READ, &p, &res, why, n)) != STORE_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = STORE_ERR_NOTFOUND;
	else if (!pg_col_bytes(res, 0, 0, sealed, STORE_SKEY_SEALED)) {
		pg_why(st->db, why, n, "read AppSKey", "corrupt row");
		rc = STORE_ERR_DB;
	}
	PQclear(res);
	return rc;
}

const struct store_as_backend store_as_backend_pg = {
    .ev_insert = asp_ev_insert,
    .ev_next = asp_ev_next,
    .ev_delete = asp_ev_delete,
    .key_write = asp_key_write,
    .key_read = asp_key_read,
};
