/*
 * test_store.c - the Join Server's store (store/store.h) against one
 * backend: the URI in LORADANE_TEST_STORE_URI if set (PostgreSQL runs use
 * it), else a new SQLite file in a temporary directory.  Every test uses
 * DevEUIs unique to the run and removes the devices it made, so a shared
 * database is left as it was found.
 *
 * Covered: add/get/replace/list/remove/import, field checks, the KEK
 * (wrong, group-readable, malformed), the DevNonce rule of each MAC
 * version, JoinNonce from 1 to exhaustion, the join callback, sessions,
 * four threads joining one device, state across a reopen, rejoins (the
 * RJcount1 rule, types 0 and 2, 1.1 only, the JoinNonce shared with
 * joins, the callback), and the migration of a schema version 1 store
 * (made by hand, as the version 1 program wrote it) of the run's backend.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/store.h"
#include "lib/store_fixture.h"

static void
test_open_refusals(void **state_)
{
	struct store_opts o = {sf_uri, sf_kek, 0};
	struct store *st;
	char why[512], path[128];

	(void)state_;
	o.uri = "mysql://db/js";
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_ARG);
	assert_null(st);
	o.uri = sf_uri;
	snprintf(path, sizeof(path), "%s/sf_kek-group", sf_dir);
	sf_write_file(path,
	    "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n",
	    0640);
	o.kek_file = path;
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_KEK);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "640"));
	snprintf(path, sizeof(path), "%s/sf_kek-short", sf_dir);
	sf_write_file(path,
	    "00112233445566778899aabbccddeeff00112233445566778899"
	    "aabbccddeef\n",
	    0600);
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_KEK);
	assert_non_null(strstr(why, path));
	sf_write_file(path, "not a key at all\n", 0600);
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_KEK);
	o.kek_file = "/nonexistent/sf_kek";
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_KEK);
}

static void
test_add_get(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d, in;
	char why[512];

	(void)state_;
	sf_device(&in, sf_eui(0x10, 1), "1.1");
	assert_int_equal(
	    store_device_add(st, &in, false, why, sizeof(why)), STORE_OK);
	assert_int_equal(
	    store_device_get(st, in.dev_eui, &d, why, sizeof(why)), STORE_OK);
	assert_memory_equal(d.app_key, in.app_key, 16);
	assert_memory_equal(d.nwk_key, in.nwk_key, 16);
	assert_true(d.has_nwk_key);
	assert_string_equal(d.mac_version, "1.1");
	assert_string_equal(d.as_id, in.as_id);
	assert_true(d.join_eui == in.join_eui && d.home_net_id == 0x13);
	sf_state(st, in.dev_eui, 0, -1, 0);
	assert_int_equal(store_device_add(st, &in, false, why, sizeof(why)),
	    STORE_ERR_EXISTS);
	assert_non_null(strstr(why, "exists"));
	assert_int_equal(
	    store_device_get(st, sf_eui(0x10, 2), &d, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	sf_rm(st, in.dev_eui);
	store_close(st);
}

/* refused - add must fail with STORE_ERR_ARG naming field */
static void
refused(struct store *st, const struct store_device *d, const char *field)
{
	char why[512];

	assert_int_equal(
	    store_device_add(st, d, false, why, sizeof(why)), STORE_ERR_ARG);
	if (strstr(why, field) == NULL)
		fail_msg("'%s' does not name %s", why, field);
}

static void
test_field_checks(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d;
	char why[512];

	(void)state_;
	sf_device(&d, sf_eui(0x11, 1), "1.2");
	refused(st, &d, "mac_version");
	sf_device(&d, sf_eui(0x11, 1), "1.1");
	d.has_nwk_key = false;
	refused(st, &d, "nwk_key");
	sf_device(&d, sf_eui(0x11, 1), "1.0.2");
	d.home_net_id = 0x1000000;
	refused(st, &d, "home_net_id");
	sf_device(&d, sf_eui(0x11, 1), "1.0.2");
	snprintf(d.as_id, sizeof(d.as_id), "as id");
	refused(st, &d, "as_id");
	sf_device(&d, sf_eui(0x11, 1), "1.0.2");
	memset(d.ns_kek_label, 'x', sizeof(d.ns_kek_label));
	refused(st, &d, "ns_kek_label");
	sf_device(&d, sf_eui(0x11, 1), "1.0.2");
	snprintf(d.as_kek_label, sizeof(d.as_kek_label), "a\tb");
	refused(st, &d, "as_kek_label");
	assert_int_equal(store_device_get(st, d.dev_eui, &d, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	store_close(st);
}

static void
test_replace_keeps_state(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d;
	struct jarg j;
	char why[512];

	(void)state_;
	sf_add(st, sf_eui(0x12, 1), "1.0.2");
	assert_int_equal(sf_join(st, sf_eui(0x12, 1), 7, &j), STORE_OK);
	sf_device(&d, sf_eui(0x12, 1), "1.0.2");
	snprintf(d.as_id, sizeof(d.as_id), "as2.example");
	d.app_key[0] ^= 0xff;
	assert_int_equal(
	    store_device_add(st, &d, true, why, sizeof(why)), STORE_OK);
	sf_state(st, d.dev_eui, 1, 7, 1);
	assert_int_equal(sf_join(st, d.dev_eui, 7, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, d.dev_eui, 8, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	assert_memory_equal(j.app_key, d.app_key, 16);
	sf_rm(st, d.dev_eui);
	store_close(st);
}

struct seen {
	uint64_t last;
	int n, ours;
	uint64_t order[8];
};

static int
on_list(void *arg, const struct store_device *d)
{
	struct seen *s = arg;

	if (s->n++ > 0 && d->dev_eui <= s->last)
		return 99; /* out of order: stop, the test fails */
	s->last = d->dev_eui;
	if (((d->dev_eui >> 16) & 0xffffffffffull) == sf_run_id && s->ours < 8)
		s->order[s->ours++] = d->dev_eui;
	return 0;
}

static int
stop_at_first(void *arg, const struct store_device *d)
{
	(void)arg;
	(void)d;
	return 42;
}

static void
test_list_order(void **state_)
{
	static const uint8_t tops[] = {0xff, 0x00, 0x80, 0x7f, 0x01};
	static const uint8_t sorted[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	struct store *st = sf_open(sf_kek, 0);
	struct seen s;
	char why[512];
	size_t i;

	(void)state_;
	for (i = 0; i < sizeof(tops); i++)
		sf_add(st, sf_eui(tops[i], 2), "1.0.3");
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    store_device_list(st, on_list, &s, why, sizeof(why)), STORE_OK);
	assert_int_equal(s.ours, 5);
	for (i = 0; i < sizeof(sorted); i++)
		assert_true(s.order[i] == sf_eui(sorted[i], 2));
	assert_int_equal(
	    store_device_list(st, stop_at_first, NULL, why, sizeof(why)), 42);
	for (i = 0; i < sizeof(tops); i++)
		sf_rm(st, sf_eui(tops[i], 2));
	store_close(st);
}

static void
test_remove_cascades(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_session s;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x13, 1);

	(void)state_;
	sf_add(st, e, "1.0.2");
	assert_int_equal(sf_join(st, e, 5, &j), STORE_OK);
	assert_int_equal(
	    store_device_remove(st, e, why, sizeof(why)), STORE_OK);
	assert_int_equal(store_session_get(st, j.id, &s, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(
	    store_device_remove(st, e, why, sizeof(why)), STORE_ERR_NOTFOUND);
	sf_add(st, e, "1.0.2"); /* no history, no counter left over */
	assert_int_equal(sf_join(st, e, 5, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	sf_rm(st, e);
	store_close(st);
}

static void
test_import_all_or_nothing(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d[3], got;
	char why[512];
	int i;

	(void)state_;
	for (i = 0; i < 3; i++)
		sf_device(&d[i], sf_eui(0x14, (uint16_t)i), "1.0.2");
	snprintf(d[2].mac_version, sizeof(d[2].mac_version), "9");
	assert_int_equal(store_device_import(st, d, 3, false, why, sizeof(why)),
	    STORE_ERR_ARG);
	assert_non_null(strstr(why, "device 3"));
	assert_non_null(strstr(why, "mac_version"));
	/* The third exists already: refused inside the transaction. */
	sf_device(&d[2], sf_eui(0x14, 2), "1.0.2");
	sf_add(st, d[2].dev_eui, "1.0.2");
	assert_int_equal(store_device_import(st, d, 3, false, why, sizeof(why)),
	    STORE_ERR_EXISTS);
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    store_device_get(st, d[i].dev_eui, &got, why, sizeof(why)),
		    STORE_ERR_NOTFOUND);
	assert_int_equal(
	    store_device_import(st, d, 3, true, why, sizeof(why)), STORE_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    store_device_get(st, d[i].dev_eui, &got, why, sizeof(why)),
		    STORE_OK);
		sf_rm(st, d[i].dev_eui);
	}
	store_close(st);
}

static void
test_wrong_kek(void **state_)
{
	struct store *st = sf_open(sf_kek, 0), *other = sf_open(sf_kek2, 0);
	struct store_device d;
	struct store_session s;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x15, 1);

	(void)state_;
	sf_add(st, e, "1.0.4");
	assert_int_equal(sf_join(st, e, 1, &j), STORE_OK);
	assert_int_equal(
	    store_device_get(other, e, &d, why, sizeof(why)), STORE_ERR_KEK);
	assert_non_null(strstr(why, "does not decrypt"));
	assert_int_equal(sf_join(other, e, 2, &j), STORE_ERR_KEK);
	assert_int_equal(sf_join(st, e, 2, &j), STORE_OK); /* 2 still unused */
	assert_int_equal(store_session_get(other, j.id, &s, why, sizeof(why)),
	    STORE_ERR_KEK);
	sf_state(st, e, 2, 2, 2);
	sf_rm(st, e);
	store_close(other);
	store_close(st);
}

static void
test_devnonce_history(void **state_)
{
	struct store *st = sf_open(sf_kek, 3), *all = sf_open(sf_kek, 0);
	struct jarg j;
	uint64_t e = sf_eui(0x16, 1), e2 = sf_eui(0x16, 2);
	uint16_t n;

	(void)state_;
	sf_add(st, e, "1.0.2");
	assert_int_equal(sf_join(st, e, 10, &j), STORE_OK);
	assert_int_equal(sf_join(st, e, 10, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, e, 3, &j), STORE_OK); /* lower is fine */
	assert_int_equal(sf_join(st, e, 30, &j), STORE_OK);
	assert_int_equal(sf_join(st, e, 40, &j), STORE_OK); /* 10 forgotten */
	assert_int_equal(sf_join(st, e, 30, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, e, 3, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, e, 10, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 5);
	/* History 0 remembers every value. */
	sf_add(all, e2, "1.0");
	for (n = 1; n <= 20; n++)
		assert_int_equal(sf_join(all, e2, n, &j), STORE_OK);
	assert_int_equal(sf_join(all, e2, 1, &j), STORE_ERR_REPLAY);
	sf_rm(st, e);
	sf_rm(st, e2);
	store_close(all);
	store_close(st);
}

static void
test_devnonce_counter(void **state_)
{
	static const char *const versions[] = {"1.0.4", "1.1"};
	struct store *st = sf_open(sf_kek, 0);
	struct jarg j;
	int v;

	(void)state_;
	for (v = 0; v < 2; v++) {
		uint64_t e = sf_eui(0x17, (uint16_t)v);

		sf_add(st, e, versions[v]);
		assert_int_equal(sf_join(st, e, 0, &j), STORE_OK);
		assert_int_equal(sf_join(st, e, 0, &j), STORE_ERR_REPLAY);
		assert_int_equal(sf_join(st, e, 5, &j), STORE_OK);
		assert_int_equal(sf_join(st, e, 5, &j), STORE_ERR_REPLAY);
		assert_int_equal(sf_join(st, e, 3, &j), STORE_ERR_REPLAY);
		assert_int_equal(sf_join(st, e, 6, &j), STORE_OK);
		assert_int_equal(sf_join(st, e, 65535, &j), STORE_OK);
		assert_int_equal(sf_join(st, e, 65535, &j), STORE_ERR_REPLAY);
		sf_state(st, e, 4, 65535, 4);
		sf_rm(st, e);
	}
	store_close(st);
}

static void
test_join_nonce_per_device(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct jarg j;
	uint64_t a = sf_eui(0x18, 1), b = sf_eui(0x18, 2);
	uint16_t n;

	(void)state_;
	sf_add(st, a, "1.1");
	sf_add(st, b, "1.0.2");
	for (n = 1; n <= 3; n++) {
		assert_int_equal(sf_join(st, a, n, &j), STORE_OK);
		assert_int_equal(j.join_nonce, n);
	}
	assert_int_equal(sf_join(st, b, 1, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	sf_rm(st, a);
	sf_rm(st, b);
	store_close(st);
}

/* dev_sql - a DevEUI as each backend's schema writes it in SQL */
static const char *
dev_sql(struct store *st, uint64_t e, char *buf, size_t len)
{
	if (strcmp(store_backend_name(st), "sqlite") == 0)
		snprintf(buf, len, "'%016llx'", (unsigned long long)e);
	else /* PostgreSQL keeps the 64-bit pattern in a BIGINT */
		snprintf(buf, len, "%lld", (long long)(int64_t)e);
	return buf;
}

/*
 * raw_sql - change the database behind the store's back: the one way to
 * reach states no API call makes (the library has no test-only path).
 * Exactly one row must change.
 */
static void
raw_sql(struct store *st, const char *sql)
{
	const char *path =
	    strncmp(sf_uri, "sqlite:", 7) == 0 ? sf_uri + 7 : sf_uri;
	sqlite3 *db;
	PGconn *pg;
	PGresult *res;

	if (strcmp(store_backend_name(st), "sqlite") != 0) {
		pg = PQconnectdb(sf_uri);
		assert_int_equal(PQstatus(pg), CONNECTION_OK);
		res = PQexec(pg, sql);
		assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
		assert_string_equal(PQcmdTuples(res), "1");
		PQclear(res);
		PQfinish(pg);
		return;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

static void
test_join_nonce_exhausted(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	char sql[160], x[40];
	struct jarg j;
	uint64_t e = sf_eui(0x19, 1);

	(void)state_;
	sf_add(st, e, "1.1");
	snprintf(sql, sizeof(sql),
	    "UPDATE devices SET last_join_nonce = 16777214 "
	    "WHERE dev_eui = %s",
	    dev_sql(st, e, x, sizeof(x)));
	raw_sql(st, sql);
	assert_int_equal(sf_join(st, e, 1, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 0xffffff);
	assert_int_equal(sf_join(st, e, 2, &j), STORE_ERR_EXHAUSTED);
	sf_state(st, e, 0xffffff, 1, 1);
	sf_rm(st, e);
	store_close(st);
}

static void
test_sealed_rows_bound(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d;
	char sql[256], why[512], xa[40], xb[40];
	uint64_t a = sf_eui(0x1e, 1), b = sf_eui(0x1e, 2);

	(void)state_;
	sf_add(st, a, "1.0.2");
	sf_add(st, b, "1.0.2");
	/* A's sealed keys moved onto B: the DevEUI in the AAD refuses them */
	snprintf(sql, sizeof(sql),
	    "UPDATE devices SET keys = (SELECT keys FROM devices WHERE "
	    "dev_eui = %s) WHERE dev_eui = %s",
	    dev_sql(st, a, xa, sizeof(xa)), dev_sql(st, b, xb, sizeof(xb)));
	raw_sql(st, sql);
	assert_int_equal(
	    store_device_get(st, b, &d, why, sizeof(why)), STORE_ERR_KEK);
	assert_non_null(strstr(why, "wrong KEK or altered record"));
	assert_int_equal(
	    store_device_get(st, a, &d, why, sizeof(why)), STORE_OK);
	sf_rm(st, a);
	sf_rm(st, b);
	store_close(st);
}

static void
test_callback_abort(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x1a, 1), e2 = sf_eui(0x1a, 2);

	(void)state_;
	sf_add(st, e, "1.0.2");
	sf_add(st, e2, "1.1");
	memset(&j, 0, sizeof(j));
	j.ret = 1;
	assert_int_equal(store_join(st, e, 9, sf_on_join, &j, why, sizeof(why)),
	    STORE_ERR_ABORTED);
	assert_int_equal(
	    store_join(st, e2, 9, sf_on_join, &j, why, sizeof(why)),
	    STORE_ERR_ABORTED);
	sf_state(st, e, 0, -1, 0);
	sf_state(st, e2, 0, -1, 0);
	assert_int_equal(sf_join(st, e, 9, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	assert_int_equal(sf_join(st, e2, 9, &j), STORE_OK);
	assert_int_equal(
	    store_device_get(st, e2, &d, why, sizeof(why)), STORE_OK);
	assert_int_equal(d.joins, 1);
	sf_rm(st, e);
	sf_rm(st, e2);
	store_close(st);
}

static int
no_session_id(void *arg, const struct store_device *dev, uint32_t jn,
    struct store_session *s)
{
	(void)arg;
	(void)dev;
	(void)jn;
	(void)s;
	return 0;
}

static void
test_session_get(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_session s;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x1b, 1);

	(void)state_;
	sf_add(st, e, "1.0.3");
	assert_int_equal(
	    store_join(st, e, 4, no_session_id, NULL, why, sizeof(why)),
	    STORE_ERR_ARG);
	assert_non_null(strstr(why, "session_key_id"));
	sf_state(st, e, 0, -1, 0);
	assert_int_equal(sf_join(st, e, 4, &j), STORE_OK);
	assert_int_equal(
	    store_session_get(st, j.id, &s, why, sizeof(why)), STORE_OK);
	assert_memory_equal(s.app_s_key, j.app_s_key, 16);
	assert_string_equal(s.session_key_id, j.id);
	assert_true(s.dev_eui == e);
	assert_int_equal(s.join_nonce, 1);
	assert_string_equal(s.as_id, "_as-client.as.opb.test");
	assert_true(s.created > 1700000000);
	assert_int_equal(
	    store_session_get(st, "no-such-session", &s, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	sf_rm(st, e);
	store_close(st);
}

#define NTHREADS 4
#define ROUNDS 40

struct worker {
	pthread_t tid;
	struct store *st;
	uint64_t dev_eui;
	int t, phase;
	atomic_uint *src;
	int n, rc[ROUNDS];
	uint16_t nonce[ROUNDS];
	uint32_t jn[ROUNDS];
	char why[256]; /* the first unexpected error */
};

static int
on_join_quiet(void *arg, const struct store_device *dev, uint32_t jn,
    struct store_session *s)
{
	*(uint32_t *)arg = jn;
	snprintf(s->session_key_id, sizeof(s->session_key_id), "%016llx-%u",
	    (unsigned long long)dev->dev_eui, jn);
	memset(s->app_s_key, (int)(jn & 0xff), 16);
	return 0;
}

/* worker_run - phase 0: DevNonces from a shared counter, each handed
 * out twice (1.1); phase 1: values of its own, and 8 shared by all
 * (1.0.2).  No cmocka assertion here: the main thread checks. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char why[256];
	int i;

	for (i = 0; i < ROUNDS; i++, w->n++) {
		if (w->phase == 0)
			w->nonce[i] =
			    (uint16_t)(atomic_fetch_add(w->src, 1) / 2);
		else if (i % 2 == 0)
			w->nonce[i] = (uint16_t)(1000 * (w->t + 1) + i);
		else
			w->nonce[i] = (uint16_t)(50000 + i / 2 % 8);
		w->jn[i] = 0;
		w->rc[i] = store_join(w->st, w->dev_eui, w->nonce[i],
		    on_join_quiet, &w->jn[i], why, sizeof(why));
		if (w->rc[i] != STORE_OK && w->rc[i] != STORE_ERR_REPLAY &&
		    w->why[0] == '\0')
			snprintf(w->why, sizeof(w->why), "%s", why);
	}
	return NULL;
}

/* check_joins - distinct JoinNonces 1..ok, each DevNonce at most once */
static void
check_joins(struct worker *w, int phase)
{
	static uint8_t wins[65536];
	uint32_t byjn[NTHREADS * ROUNDS + 1] = {0};
	int t, i, ok = 0, replay = 0, mine = 0;

	memset(wins, 0, sizeof(wins));
	for (t = 0; t < NTHREADS; t++) {
		if (w[t].why[0] != '\0')
			fail_msg("thread %d: %s", t, w[t].why);
		for (i = 0; i < w[t].n; i++) {
			if (w[t].rc[i] == STORE_ERR_REPLAY) {
				replay++;
				continue;
			}
			assert_int_equal(w[t].rc[i], STORE_OK);
			ok++;
			assert_in_range(w[t].jn[i], 1, NTHREADS * ROUNDS);
			assert_int_equal(byjn[w[t].jn[i]], 0);
			byjn[w[t].jn[i]] = w[t].nonce[i] + 1u;
			assert_int_equal(++wins[w[t].nonce[i]], 1);
			mine += w[t].nonce[i] < 50000;
		}
	}
	assert_int_equal(ok + replay, NTHREADS * ROUNDS);
	for (i = 1; i <= ok; i++)
		assert_int_not_equal(byjn[i], 0);
	if (phase == 0)
		for (i = 2; i <= ok; i++) /* a counter: DevNonce order */
			assert_true(byjn[i] > byjn[i - 1]);
	else {
		assert_int_equal(mine, NTHREADS * ROUNDS / 2);
		for (i = 0; i < 8; i++)
			assert_int_equal(wins[50000 + i], 1);
	}
	/* The last DevNonce is the one of the highest JoinNonce. */
	sf_state(w[0].st, w[0].dev_eui, (uint32_t)ok, (int32_t)byjn[ok] - 1,
	    (uint32_t)ok);
}

static void
test_concurrent_joins(void **state_)
{
	static struct worker w[NTHREADS];
	atomic_uint src;
	int phase, t;

	(void)state_;
	for (phase = 0; phase < 2; phase++) {
		uint64_t e = sf_eui(0x1d, (uint16_t)phase);

		atomic_init(&src, 0);
		memset(w, 0, sizeof(w));
		for (t = 0; t < NTHREADS; t++) {
			w[t].st = sf_open(sf_kek, 0);
			w[t].dev_eui = e;
			w[t].t = t;
			w[t].phase = phase;
			w[t].src = &src;
		}
		sf_add(w[0].st, e, phase == 0 ? "1.1" : "1.0.2");
		for (t = 0; t < NTHREADS; t++)
			assert_int_equal(
			    pthread_create(&w[t].tid, NULL, worker_run, &w[t]),
			    0);
		for (t = 0; t < NTHREADS; t++)
			pthread_join(w[t].tid, NULL);
		check_joins(w, phase);
		sf_rm(w[0].st, e);
		for (t = 0; t < NTHREADS; t++)
			store_close(w[t].st);
	}
}

static void
test_durable_across_reopen(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_session s;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x1c, 1);

	(void)state_;
	sf_add(st, e, "1.0.2");
	assert_int_equal(sf_join(st, e, 100, &j), STORE_OK);
	store_close(st);
	st = sf_open(sf_kek, 0);
	sf_state(st, e, 1, 100, 1);
	assert_int_equal(sf_join(st, e, 100, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, e, 101, &j), STORE_OK);
	assert_int_equal(
	    store_session_get(st, j.id, &s, why, sizeof(why)), STORE_OK);
	assert_int_equal(s.join_nonce, 2);
	sf_rm(st, e);
	store_close(st);
}

static char rj_why[512]; /* the reason given by the last rejoin() */

/* rejoin - one rejoin; returns the store's answer, j filled by sf_on_join */
static int
rejoin(struct store *st, uint64_t dev_eui, int type, uint16_t rj_count,
    struct jarg *j)
{
	memset(j, 0, sizeof(*j));
	rj_why[0] = '\0';
	return store_rejoin(
	    st, dev_eui, type, rj_count, sf_on_join, j, rj_why, sizeof(rj_why));
}

/* rj_state - assert a device's whole state, RJcount1 included */
static void
rj_state(struct store *st, uint64_t dev_eui, uint32_t ljn, int32_t ldn,
    int32_t rj1, uint32_t joins)
{
	struct store_device d;
	char why[512];

	sf_state(st, dev_eui, ljn, ldn, joins);
	assert_int_equal(
	    store_device_get(st, dev_eui, &d, why, sizeof(why)), STORE_OK);
	assert_int_equal(d.last_rj_count1, rj1);
}

/* session_jn - the JoinNonce of a stored session */
static uint32_t
session_jn(struct store *st, const char *id)
{
	struct store_session s;
	char why[512];

	assert_int_equal(
	    store_session_get(st, id, &s, why, sizeof(why)), STORE_OK);
	return s.join_nonce;
}

static void
test_rejoin_type1_counter(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct jarg j;
	uint64_t e = sf_eui(0x20, 1);

	(void)state_;
	sf_add(st, e, "1.1");
	rj_state(st, e, 0, -1, -1, 0);
	assert_int_equal(rejoin(st, e, 1, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	assert_int_equal(session_jn(st, j.id), 1);
	assert_int_equal(rejoin(st, e, 1, 0, &j), STORE_ERR_REPLAY);
	assert_non_null(strstr(rj_why, "RJcount1"));
	assert_int_equal(rejoin(st, e, 1, 5, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	assert_int_equal(rejoin(st, e, 1, 5, &j), STORE_ERR_REPLAY);
	assert_int_equal(rejoin(st, e, 1, 4, &j), STORE_ERR_REPLAY);
	rj_state(st, e, 2, -1, 5, 2); /* the DevNonce state untouched */
	/* A join neither uses nor resets RJcount1. */
	assert_int_equal(sf_join(st, e, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 3);
	assert_int_equal(rejoin(st, e, 1, 5, &j), STORE_ERR_REPLAY);
	assert_int_equal(rejoin(st, e, 1, 65535, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 4);
	store_close(st);
	st = sf_open(sf_kek, 0); /* durable */
	rj_state(st, e, 4, 0, 65535, 4);
	assert_int_equal(rejoin(st, e, 1, 65535, &j), STORE_ERR_REPLAY);
	/* Types 0 and 2 are not bound by RJcount1. */
	assert_int_equal(rejoin(st, e, 0, 0, &j), STORE_OK);
	assert_int_equal(rejoin(st, e, 2, 0, &j), STORE_OK);
	rj_state(st, e, 6, 0, 65535, 6);
	sf_rm(st, e);
	store_close(st);
}

static void
test_rejoin_types_0_2(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x21, 1);
	uint32_t jn = 0;
	int type, k;

	(void)state_;
	sf_add(st, e, "1.1");
	/* The same RJcount0 again and again: its rule is the NS's. */
	for (k = 0; k < 3; k++)
		for (type = 0; type <= 2; type += 2) {
			assert_int_equal(rejoin(st, e, type, 7, &j), STORE_OK);
			assert_int_equal(j.join_nonce, ++jn);
			assert_int_equal(session_jn(st, j.id), jn);
		}
	assert_int_equal(rejoin(st, e, 0, 0, &j), STORE_OK); /* lower too */
	assert_int_equal(j.join_nonce, ++jn);
	rj_state(st, e, jn, -1, -1, jn);
	assert_int_equal(rejoin(st, e, 3, 8, &j), STORE_ERR_ARG);
	assert_non_null(strstr(rj_why, "rejoin type 3"));
	assert_int_equal(rejoin(st, e, -1, 8, &j), STORE_ERR_ARG);
	assert_int_equal(
	    store_rejoin(st, e, 0, 8, NULL, NULL, why, sizeof(why)),
	    STORE_ERR_ARG);
	assert_int_equal(
	    store_rejoin(NULL, e, 0, 8, sf_on_join, &j, why, sizeof(why)),
	    STORE_ERR_ARG);
	rj_state(st, e, jn, -1, -1, jn);
	sf_rm(st, e);
	store_close(st);
}

static void
test_rejoin_needs_1_1(void **state_)
{
	static const char *const versions[] = {
	    "1.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4"};
	struct store *st = sf_open(sf_kek, 0);
	struct store_device d;
	struct jarg j;
	char why[512], mac[32];
	int v, type;

	(void)state_;
	for (v = 0; v < 5; v++) {
		uint64_t e = sf_eui(0x22, (uint16_t)v);

		sf_device(&d, e, versions[v]);
		d.has_nwk_key = true; /* the MAC version decides, not keys */
		assert_int_equal(
		    store_device_add(st, &d, false, why, sizeof(why)),
		    STORE_OK);
		snprintf(mac, sizeof(mac), "MAC %s device", versions[v]);
		for (type = 0; type <= 2; type++) {
			assert_int_equal(
			    rejoin(st, e, type, 1, &j), STORE_ERR_ARG);
			assert_non_null(strstr(rj_why, mac));
			assert_non_null(strstr(rj_why, "1.1"));
		}
		rj_state(st, e, 0, -1, -1, 0);
		assert_int_equal(sf_join(st, e, 1, &j), STORE_OK);
		assert_int_equal(j.join_nonce, 1);
		sf_rm(st, e);
	}
	assert_int_equal(
	    rejoin(st, sf_eui(0x22, 99), 1, 1, &j), STORE_ERR_NOTFOUND);
	store_close(st);
}

static void
test_rejoin_shares_join_nonce(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	char sql[160], x[40];
	struct jarg j;
	uint64_t e = sf_eui(0x23, 1);

	(void)state_;
	sf_add(st, e, "1.1");
	assert_int_equal(sf_join(st, e, 10, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	assert_int_equal(rejoin(st, e, 0, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	assert_int_equal(sf_join(st, e, 11, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 3);
	assert_int_equal(rejoin(st, e, 1, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 4);
	assert_int_equal(rejoin(st, e, 2, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 5);
	/* Rejoins leave the DevNonce counter where the last join put it. */
	assert_int_equal(sf_join(st, e, 11, &j), STORE_ERR_REPLAY);
	rj_state(st, e, 5, 11, 0, 5);
	snprintf(sql, sizeof(sql),
	    "UPDATE devices SET last_join_nonce = 16777214 "
	    "WHERE dev_eui = %s",
	    dev_sql(st, e, x, sizeof(x)));
	raw_sql(st, sql);
	assert_int_equal(rejoin(st, e, 1, 1, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 0xffffff);
	assert_int_equal(rejoin(st, e, 1, 2, &j), STORE_ERR_EXHAUSTED);
	assert_int_equal(rejoin(st, e, 0, 0, &j), STORE_ERR_EXHAUSTED);
	assert_int_equal(sf_join(st, e, 12, &j), STORE_ERR_EXHAUSTED);
	rj_state(st, e, 0xffffff, 11, 1, 6);
	sf_rm(st, e);
	store_close(st);
}

static void
test_rejoin_callback_abort(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_session s;
	struct jarg j;
	char why[512];
	uint64_t e = sf_eui(0x24, 1);
	int type;

	(void)state_;
	sf_add(st, e, "1.1");
	for (type = 0; type <= 2; type++) {
		memset(&j, 0, sizeof(j));
		j.ret = 1;
		assert_int_equal(store_rejoin(st, e, type, 5, sf_on_join, &j,
				     why, sizeof(why)),
		    STORE_ERR_ABORTED);
		assert_non_null(strstr(why, "rejoin aborted"));
		assert_int_equal(
		    store_session_get(st, j.id, &s, why, sizeof(why)),
		    STORE_ERR_NOTFOUND);
	}
	assert_int_equal(
	    store_rejoin(st, e, 1, 5, no_session_id, NULL, why, sizeof(why)),
	    STORE_ERR_ARG);
	rj_state(st, e, 0, -1, -1, 0);
	/* RJcount1 5 was not used up. */
	assert_int_equal(rejoin(st, e, 1, 5, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	rj_state(st, e, 1, -1, 5, 1);
	sf_rm(st, e);
	store_close(st);
}

/* The schema of version 1, exactly as the version 1 program made it. */
static const char v1_sqlite[] =
    "CREATE TABLE devices ("
    " dev_eui TEXT PRIMARY KEY NOT NULL CHECK (length(dev_eui) = 16),"
    " join_eui TEXT NOT NULL CHECK (length(join_eui) = 16),"
    " mac_version TEXT NOT NULL,"
    " keys BLOB NOT NULL,"
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
    " app_s_key BLOB NOT NULL,"
    " as_id TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX sessions_dev_eui ON sessions (dev_eui);"
    "PRAGMA user_version = 1;"
    "PRAGMA application_id = 1280459825;"; /* 0x4c524431, "LRD1" */

static const char v1_pg[] =
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
    "CREATE INDEX IF NOT EXISTS devices_unsigned_order ON devices "
    "((dev_eui # x'8000000000000000'::bigint));"
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
    "CREATE INDEX IF NOT EXISTS sessions_dev_eui ON sessions (dev_eui);"
    "INSERT INTO schema_version (version) VALUES (1) ON CONFLICT DO NOTHING;";

/* seal - the store's at-rest format, made here independently of it:
 * nonce (12) | AES-256-GCM ciphertext | tag (16), under the run's KEK,
 * with label | name as the additional data */
static void
seal(const char *label, const uint8_t *name, size_t namelen, const uint8_t *in,
    size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t aad[320];
	size_t al = strlen(label);
	int l;

	assert_non_null(c);
	assert_true(al + namelen <= sizeof(aad));
	memcpy(aad, label, al);
	memcpy(aad + al, name, namelen);
	assert_int_equal(RAND_bytes(out, 12), 1);
	assert_int_equal(
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, sf_kek_key, out), 1);
	assert_int_equal(
	    EVP_EncryptUpdate(c, NULL, &l, aad, (int)(al + namelen)), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out + 12, &l, in, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + 12 + len, &l), 1);
	assert_int_equal(
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + len),
	    1);
	EVP_CIPHER_CTX_free(c);
}

/* seal_keys - a device's root keys as the store seals them */
static void
seal_keys(const struct store_device *d, uint8_t out[60])
{
	uint8_t keys[32], name[8];
	int i;

	for (i = 0; i < 8; i++)
		name[i] = (uint8_t)(d->dev_eui >> (56 - 8 * i));
	memcpy(keys, d->app_key, 16);
	if (d->has_nwk_key)
		memcpy(keys + 16, d->nwk_key, 16);
	else
		memset(keys + 16, 0, 16);
	seal("loradane-keys-v1", name, 8, keys, 32, out);
}

/* sql_eui, sql_blob - literals of each backend's schema */
static const char *
sql_eui(bool pg, uint64_t e, char *buf, size_t len)
{
	if (pg)
		snprintf(buf, len, "%lld", (long long)(int64_t)e);
	else
		snprintf(buf, len, "'%016llx'", (unsigned long long)e);
	return buf;
}

static const char *
sql_blob(bool pg, const uint8_t *b, size_t n, char *buf, size_t len)
{
	size_t i, o;

	assert_true(len >= 2 * n + 16);
	o = (size_t)snprintf(buf, len, "%s", pg ? "decode('" : "X'");
	for (i = 0; i < n; i++, o += 2)
		snprintf(buf + o, len - o, "%02x", b[i]);
	snprintf(buf + o, len - o, "%s", pg ? "', 'hex')" : "'");
	return buf;
}

/* db_sql - run SQL on a database behind no store (a SQLite path, or a
 * libpq URI); if version is not NULL, the SQL is a query whose one value
 * goes there */
static void
db_sql(bool pg, const char *target, const char *sql, long *version)
{
	sqlite3_stmt *s;
	sqlite3 *db;
	PGconn *c;
	PGresult *res;

	if (pg) {
		c = PQconnectdb(target);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		res = PQexec(c, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQresultErrorMessage(res));
		if (version != NULL) {
			assert_int_equal(PQntuples(res), 1);
			*version = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		}
		PQclear(res);
		PQfinish(c);
		return;
	}
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	if (version == NULL) {
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	} else {
		assert_int_equal(
		    sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		*version = (long)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

/*
 * test_migrate_v1 - a version 1 store of the run's backend, made by hand
 * (a new SQLite file, or a new PostgreSQL database): opened, it is
 * upgraded in place and keeps every device, DevNonce and session.
 */
static void
test_migrate_v1(void **state_)
{
	bool pg = strncmp(sf_uri, "sqlite:", 7) != 0;
	char target[600], raw[512], dbname[64], sql[2048], blob[256], why[512];
	char xa[40], xb[40], xj[40], sid[64];
	struct store_opts o = {target, sf_kek, 0};
	struct store_device a, b, got;
	struct store_session s;
	struct store *st = NULL;
	struct jarg j;
	uint8_t sealed[60], skey[16], sskey[44];
	long version = 0;

	(void)state_;
	if (pg) {
		snprintf(dbname, sizeof(dbname), "loradane_v1_%010llx",
		    (unsigned long long)sf_run_id);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
		db_sql(true, sf_uri, sql, NULL);
		sf_pg_other_db(dbname, raw, sizeof(raw));
		snprintf(target, sizeof(target), "%s", raw);
	} else {
		snprintf(raw, sizeof(raw), "%s/v1.db", sf_dir);
		snprintf(target, sizeof(target), "sqlite:%s", raw);
	}
	db_sql(pg, raw, pg ? v1_pg : v1_sqlite, NULL);
	/* A 1.1 device with a session, a 1.0.2 one with a DevNonce. */
	sf_device(&a, sf_eui(0x25, 1), "1.1");
	sf_device(&b, sf_eui(0x25, 2), "1.0.2");
	seal_keys(&a, sealed);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO devices (dev_eui, join_eui, mac_version, keys, "
	    "has_nwk_key, home_net_id, as_id, ns_kek_label, as_kek_label, "
	    "last_join_nonce, last_dev_nonce, joins) VALUES (%s, %s, '1.1', "
	    "%s, %s, 19, '_as-client.as.opb.test', 'ns-sf_kek', '', 5, 9, 5)",
	    sql_eui(pg, a.dev_eui, xa, sizeof(xa)),
	    sql_eui(pg, a.join_eui, xj, sizeof(xj)),
	    sql_blob(pg, sealed, sizeof(sealed), blob, sizeof(blob)),
	    pg ? "true" : "1");
	db_sql(pg, raw, sql, NULL);
	seal_keys(&b, sealed);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO devices (dev_eui, join_eui, mac_version, keys, "
	    "has_nwk_key, home_net_id, as_id, ns_kek_label, as_kek_label, "
	    "last_join_nonce, last_dev_nonce, joins) VALUES (%s, %s, '1.0.2', "
	    "%s, %s, 19, '_as-client.as.opb.test', '', '', 1, 77, 1);"
	    "INSERT INTO dev_nonces (dev_eui, dev_nonce%s) VALUES (%s, 77%s)",
	    sql_eui(pg, b.dev_eui, xb, sizeof(xb)), xj,
	    sql_blob(pg, sealed, sizeof(sealed), blob, sizeof(blob)),
	    pg ? "false" : "0", pg ? "" : ", seq", xb, pg ? "" : ", 1");
	db_sql(pg, raw, sql, NULL);
	snprintf(sid, sizeof(sid), "v1-session-%010llx",
	    (unsigned long long)sf_run_id);
	memset(skey, 0x5a, sizeof(skey));
	seal("loradane-appskey-v1", (const uint8_t *)sid, strlen(sid), skey, 16,
	    sskey);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO sessions (session_key_id, dev_eui, join_nonce, "
	    "app_s_key, as_id, created) VALUES ('%s', %s, 5, %s, "
	    "'_as-client.as.opb.test', 1700000001)",
	    sid, xa, sql_blob(pg, sskey, sizeof(sskey), blob, sizeof(blob)));
	db_sql(pg, raw, sql, NULL);

	/* Opened: upgraded in place. */
	if (store_open(&o, &st, why, sizeof(why)) != STORE_OK)
		fail_msg("store_open of a version 1 store: %s", why);
	db_sql(pg, raw,
	    pg ? "SELECT version FROM schema_version" : "PRAGMA user_version",
	    &version);
	/* Up to the current version (3: the NS's and AS's tables). */
	assert_int_equal(version, 3);
	assert_int_equal(
	    store_device_get(st, a.dev_eui, &got, why, sizeof(why)), STORE_OK);
	assert_memory_equal(got.app_key, a.app_key, 16);
	assert_memory_equal(got.nwk_key, a.nwk_key, 16);
	assert_true(got.has_nwk_key && got.home_net_id == 19);
	assert_true(got.join_eui == a.join_eui);
	assert_string_equal(got.mac_version, "1.1");
	assert_string_equal(got.as_id, "_as-client.as.opb.test");
	assert_string_equal(got.ns_kek_label, "ns-sf_kek");
	rj_state(st, a.dev_eui, 5, 9, -1, 5);
	assert_int_equal(
	    store_device_get(st, b.dev_eui, &got, why, sizeof(why)), STORE_OK);
	assert_memory_equal(got.app_key, b.app_key, 16);
	assert_false(got.has_nwk_key);
	rj_state(st, b.dev_eui, 1, 77, -1, 1);
	assert_int_equal(
	    store_session_get(st, sid, &s, why, sizeof(why)), STORE_OK);
	assert_memory_equal(s.app_s_key, skey, 16);
	assert_true(s.dev_eui == a.dev_eui && s.join_nonce == 5);
	/* It works as a version 2 store. */
	assert_int_equal(sf_join(st, b.dev_eui, 77, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, b.dev_eui, 78, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	assert_int_equal(rejoin(st, b.dev_eui, 0, 0, &j), STORE_ERR_ARG);
	assert_int_equal(rejoin(st, a.dev_eui, 1, 0, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 6);
	assert_memory_equal(j.app_key, a.app_key, 16);
	assert_int_equal(rejoin(st, a.dev_eui, 1, 0, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, a.dev_eui, 9, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, a.dev_eui, 10, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 7);
	store_close(st);
	/* Opened again (version 2: nothing to do), the state is there. */
	st = NULL;
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_OK);
	rj_state(st, a.dev_eui, 7, 10, 0, 7);
	store_close(st);
	/* A version from the future is refused, not touched. */
	db_sql(pg, raw,
	    pg ? "UPDATE schema_version SET version = 99"
	       : "PRAGMA user_version = 99",
	    NULL);
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_ERR_DB);
	assert_null(st);
	assert_non_null(strstr(why, "schema version 99"));
	if (pg) {
		snprintf(
		    sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", dbname);
		db_sql(true, sf_uri, sql, NULL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_refusals),
	    cmocka_unit_test(test_add_get),
	    cmocka_unit_test(test_field_checks),
	    cmocka_unit_test(test_replace_keeps_state),
	    cmocka_unit_test(test_list_order),
	    cmocka_unit_test(test_remove_cascades),
	    cmocka_unit_test(test_import_all_or_nothing),
	    cmocka_unit_test(test_wrong_kek),
	    cmocka_unit_test(test_devnonce_history),
	    cmocka_unit_test(test_devnonce_counter),
	    cmocka_unit_test(test_join_nonce_per_device),
	    cmocka_unit_test(test_join_nonce_exhausted),
	    cmocka_unit_test(test_sealed_rows_bound),
	    cmocka_unit_test(test_callback_abort),
	    cmocka_unit_test(test_session_get),
	    cmocka_unit_test(test_concurrent_joins),
	    cmocka_unit_test(test_durable_across_reopen),
	    cmocka_unit_test(test_rejoin_type1_counter),
	    cmocka_unit_test(test_rejoin_types_0_2),
	    cmocka_unit_test(test_rejoin_needs_1_1),
	    cmocka_unit_test(test_rejoin_shares_join_nonce),
	    cmocka_unit_test(test_rejoin_callback_abort),
	    cmocka_unit_test(test_migrate_v1),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
