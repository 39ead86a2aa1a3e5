/*
 * store_as_sqlite.c - the Application Server's tables in the SQLite
 * backend (store_ns_int.h), on store_sqlite.c's connection and in its
 * transactions (made by its migration 2 -> 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_ns_int.h"
#include "store/store_sqlite_int.h"

enum as_stmt {
	A_EV_INSERT,
	A_EV_NEXT,
	A_EV_DELETE,
	A_KEY_UPSERT,
	A_KEY_TRIM,
	A_KEY_READ,
	A_COUNT
};

_Static_assert(A_COUNT <= SQ_AS_STMTS, "struct sq: as[] too small");

static const char *const as_sql[A_COUNT] = {
    [A_EV_INSERT] = "INSERT INTO as_events (dev_eui, kind, json, created) "
		    "VALUES (?1, ?2, ?3, ?4)",
    [A_EV_NEXT] = "SELECT id, dev_eui, kind, json, created FROM as_events "
		  "WHERE id > ?1 ORDER BY id LIMIT 1",
    [A_EV_DELETE] = "DELETE FROM as_events WHERE id = ?1",
    /* seq: the device's insertion order, for the trim; a replaced key
     * keeps its place. */
    [A_KEY_UPSERT] = "INSERT INTO as_appskeys (dev_eui, session_key_id, "
		     "app_s_key, seq, created) SELECT ?1, ?2, ?3, "
		     "coalesce(max(seq), 0) + 1, ?4 FROM as_appskeys "
		     "WHERE dev_eui = ?1 ON CONFLICT (dev_eui, session_key_id) "
		     "DO UPDATE SET app_s_key = ?3, created = ?4",
    [A_KEY_TRIM] = "DELETE FROM as_appskeys WHERE dev_eui = ?1 AND seq <= "
		   "(SELECT max(seq) FROM as_appskeys WHERE dev_eui = ?1) - ?2",
    [A_KEY_READ] = "SELECT app_s_key FROM as_appskeys WHERE dev_eui = ?1 "
		   "AND session_key_id = ?2",
};

/* as_stmt - one of this file's cached statements */
static sqlite3_stmt *
as_stmt(struct sq *q, enum as_stmt i, char *why, size_t n)
{
	return sq_prepare(q, &q->as[i], as_sql[i], why, n);
}

static int
asq_ev_insert(struct store *st, const struct store_as_event_row *ev,
    int64_t *id, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = as_stmt(q, A_EV_INSERT, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, ev->dev_eui);
	sqlite3_bind_text(s, 2, ev->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ev->json, (int)ev->json_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, ev->created);
	rc = sq_run(q, s, "add event", why, n);
	if (rc == STORE_OK)
		*id = sqlite3_last_insert_rowid(q->db);
	return rc;
}

static int
asq_ev_next(struct store *st, int64_t after, struct store_as_event_row *ev,
    char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = as_stmt(q, A_EV_NEXT, why, n);
	const unsigned char *json;
	int r, len, rc = STORE_OK;

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, after);
	memset(ev, 0, sizeof(*ev));
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read event", why, n);
	else if (sq_col_range(s, 0, 1, INT64_MAX, &ev->id) != 0 ||
	    sq_col_eui(s, 1, &ev->dev_eui) != 0 ||
	    sq_col_text(s, 2, ev->kind, sizeof(ev->kind)) != 0 ||
	    (json = sqlite3_column_text(s, 3)) == NULL ||
	    (len = sqlite3_column_bytes(s, 3)) > STORE_AS_JSON_MAX ||
	    sq_col_range(s, 4, INT64_MIN, INT64_MAX, &ev->created) != 0) {
		snprintf(why, n, "sqlite %s: event: corrupt row", q->path);
		rc = STORE_ERR_DB;
	} else if ((ev->json = malloc((size_t)len + 1)) == NULL) {
		snprintf(why, n, "out of memory");
		rc = STORE_ERR_NOMEM;
	} else {
		memcpy(ev->json, json, (size_t)len);
		ev->json[len] = '\0';
		ev->json_len = (size_t)len;
	}
	sq_done(s);
	return rc;
}

static int
asq_ev_delete(struct store *st, int64_t id, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = as_stmt(q, A_EV_DELETE, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sqlite3_bind_int64(s, 1, id);
	rc = sq_run(q, s, "mark event done", why, n);
	if (rc == STORE_OK && sqlite3_changes(q->db) == 0)
		rc = STORE_ERR_NOTFOUND;
	return rc;
}

static int
asq_key_write(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, const uint8_t sealed[STORE_SKEY_SEALED], int64_t created,
    unsigned keep, char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = as_stmt(q, A_KEY_UPSERT, why, n);
	int rc;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_blob(s, 2, skid, (int)skid_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, sealed, STORE_SKEY_SEALED, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, created);
	if ((rc = sq_run(q, s, "write AppSKey", why, n)) != STORE_OK)
		return rc;
	if ((s = as_stmt(q, A_KEY_TRIM, why, n)) == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_int64(s, 2, keep);
	return sq_run(q, s, "trim AppSKeys", why, n);
}

static int
asq_key_read(struct store *st, uint64_t dev_eui, const uint8_t *skid,
    size_t skid_len, uint8_t sealed[STORE_SKEY_SEALED], char *why, size_t n)
{
	struct sq *q = st->db;
	sqlite3_stmt *s = as_stmt(q, A_KEY_READ, why, n);
	int r, rc = STORE_OK;

	if (s == NULL)
		return STORE_ERR_DB;
	sq_bind_eui(s, 1, dev_eui);
	sqlite3_bind_blob(s, 2, skid, (int)skid_len, SQLITE_STATIC);
	r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		rc = STORE_ERR_NOTFOUND;
	else if (r != SQLITE_ROW)
		rc = sq_err(q, "read AppSKey", why, n);
	else if (sq_col_blob(s, 0, sealed, STORE_SKEY_SEALED) != 0) {
		snprintf(why, n, "sqlite %s: AppSKey: corrupt row", q->path);
		rc = STORE_ERR_DB;
	}
	sq_done(s);
	return rc;
}

const struct store_as_backend store_as_backend_sqlite = {
    .ev_insert = asq_ev_insert,
    .ev_next = asq_ev_next,
    .ev_delete = asq_ev_delete,
    .key_write = asq_key_write,
    .key_read = asq_key_read,
};
