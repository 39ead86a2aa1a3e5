/*
 * store_fixture.c - what the store tests share; see store_fixture.h.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "store_fixture.h"

char sf_dir[64] = "/tmp/loradane-store.XXXXXX";
char sf_uri[512], sf_kek[128], sf_kek2[128];
uint64_t sf_run_id;
uint8_t sf_kek_key[32];

/* sf_eui - a DevEUI of this run; top picks the high byte (list order) */
uint64_t
sf_eui(uint8_t top, uint16_t idx)
{
	return (uint64_t)top << 56 | sf_run_id << 16 | idx;
}

/* sf_write_file - a small file of the given mode */
void
sf_write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* sf_random_kek - a fresh 64-hex-digit KEK file, mode 0600, of key k */
void
sf_random_kek(const char *path, uint8_t k[32])
{
	char hex[70];
	int i;

	assert_int_equal(RAND_bytes(k, 32), 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	hex[64] = '\n';
	hex[65] = '\0';
	sf_write_file(path, hex, 0600);
}

int
sf_setup(void **state)
{
	const char *env = getenv("LORADANE_TEST_STORE_URI");
	uint8_t r[5], k2[32];

	(void)state;
	if (mkdtemp(sf_dir) == NULL || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	sf_run_id = (uint64_t)r[0] << 32 | (uint64_t)r[1] << 24 | r[2] << 16 |
	    r[3] << 8 | r[4];
	snprintf(sf_kek, sizeof(sf_kek), "%s/sf_kek", sf_dir);
	snprintf(sf_kek2, sizeof(sf_kek2), "%s/sf_kek2", sf_dir);
	sf_random_kek(sf_kek, sf_kek_key);
	sf_random_kek(sf_kek2, k2);
	if (env != NULL && *env != '\0')
		snprintf(sf_uri, sizeof(sf_uri), "%s", env);
	else
		snprintf(sf_uri, sizeof(sf_uri), "sqlite:%s/store.db", sf_dir);
	return 0;
}

/* sf_teardown - empty and remove the temporary directory (it is flat) */
int
sf_teardown(void **state)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(sf_dir);

	(void)state;
	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", sf_dir, de->d_name);
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			unlink(path);
	}
	if (d != NULL)
		closedir(d);
	return rmdir(sf_dir);
}

/* sf_open - open the test store with a KEK and a DevNonce history */
struct store *
sf_open(const char *kekfile, unsigned history)
{
	struct store_opts o = {sf_uri, kekfile, history};
	struct store *st = NULL;
	char why[512];
	int rc = store_open(&o, &st, why, sizeof(why));

	if (rc != STORE_OK)
		print_error("store_open: %s\n", why);
	assert_int_equal(rc, STORE_OK);
	return st;
}

/* sf_device - a test device; its keys derive from its DevEUI */
void
sf_device(struct store_device *d, uint64_t dev_eui, const char *version)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->dev_eui = dev_eui;
	d->join_eui = 0x70b3d57ed0000000ull;
	snprintf(d->mac_version, sizeof(d->mac_version), "%s", version);
	for (i = 0; i < 16; i++) {
		d->app_key[i] = (uint8_t)(dev_eui >> (i % 8 * 8)) ^ (uint8_t)i;
		d->nwk_key[i] = (uint8_t)(0xa0 + i);
	}
	d->has_nwk_key = strcmp(version, "1.1") == 0;
	d->home_net_id = 0x000013;
	snprintf(d->as_id, sizeof(d->as_id), "_as-client.as.opb.test");
}

/* sf_add - add a device, asserting success */
void
sf_add(struct store *st, uint64_t dev_eui, const char *version)
{
	struct store_device d;
	char why[512];

	sf_device(&d, dev_eui, version);
	assert_int_equal(
	    store_device_add(st, &d, false, why, sizeof(why)), STORE_OK);
}

/* sf_rm - remove a device the test made (it may already be gone) */
void
sf_rm(struct store *st, uint64_t dev_eui)
{
	char why[512];
	int rc = store_device_remove(st, dev_eui, why, sizeof(why));

	assert_true(rc == STORE_OK || rc == STORE_ERR_NOTFOUND);
}

/* sf_on_join - store a session whose AppSKey is made from the JoinNonce */
int
sf_on_join(void *arg, const struct store_device *dev, uint32_t join_nonce,
    struct store_session *s)
{
	struct jarg *j = arg;
	int i;

	j->join_nonce = join_nonce;
	memcpy(j->app_key, dev->app_key, 16);
	snprintf(s->session_key_id, sizeof(s->session_key_id), "%016llx-%u",
	    (unsigned long long)dev->dev_eui, join_nonce);
	for (i = 0; i < 16; i++)
		s->app_s_key[i] = (uint8_t)(join_nonce * 7 + (unsigned)i);
	memcpy(j->id, s->session_key_id, sizeof(j->id));
	memcpy(j->app_s_key, s->app_s_key, 16);
	return j->ret;
}

/* sf_join - one join; returns the store's answer, j filled by sf_on_join */
int
sf_join(struct store *st, uint64_t dev_eui, uint16_t dev_nonce, struct jarg *j)
{
	char why[512];

	memset(j, 0, sizeof(*j));
	return store_join(
	    st, dev_eui, dev_nonce, sf_on_join, j, why, sizeof(why));
}

/* sf_state - assert a device's nonce state */
void
sf_state(struct store *st, uint64_t dev_eui, uint32_t ljn, int32_t ldn,
    uint32_t joins)
{
	struct store_device d;
	char why[512];

	assert_int_equal(
	    store_device_get(st, dev_eui, &d, why, sizeof(why)), STORE_OK);
	assert_int_equal(d.last_join_nonce, ljn);
	assert_int_equal(d.last_dev_nonce, ldn);
	assert_int_equal(d.joins, joins);
}

bool
sf_is_pg(void)
{
	return strncmp(sf_uri, "sqlite:", 7) != 0;
}

/* sf_eui_sql - a DevEUI as the run's backend writes it in SQL */
const char *
sf_eui_sql(uint64_t e, char *buf, size_t len)
{
	if (sf_is_pg()) /* the 64-bit pattern in a BIGINT */
		snprintf(buf, len, "%lld", (long long)(int64_t)e);
	else
		snprintf(buf, len, "'%016llx'", (unsigned long long)e);
	return buf;
}

/* sf_sql - SQL behind the store's back, asserting success */
void
sf_sql(const char *target, const char *sql, char *out, size_t outlen)
{
	bool pg = target != NULL ? strstr(target, "://") != NULL : sf_is_pg();
	const unsigned char *t;
	sqlite3_stmt *s;
	sqlite3 *db;
	PGconn *c;
	PGresult *res;

	if (target == NULL)
		target = pg ? sf_uri : sf_uri + 7;
	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (pg) {
		c = PQconnectdb(target);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		res = PQexec(c, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", sql, PQresultErrorMessage(res));
		if (out != NULL && PQntuples(res) > 0)
			snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		PQfinish(c);
		return;
	}
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	if (out == NULL) {
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	} else {
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql, sqlite3_errmsg(db));
		if (sqlite3_step(s) == SQLITE_ROW &&
		    (t = sqlite3_column_text(s, 0)) != NULL)
			snprintf(out, outlen, "%s", (const char *)t);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

/* sf_pg_other_db - the run's URI with another database name */
void
sf_pg_other_db(const char *name, char *out, size_t len)
{
	const char *host = strstr(sf_uri, "://"), *path, *query;

	assert_non_null(host);
	path = strchr(host + 3, '/');
	query = strchr(host + 3, '?');
	if (path == NULL || (query != NULL && path > query))
		path = query != NULL ? query : sf_uri + strlen(sf_uri);
	snprintf(out, len, "%.*s/%s%s", (int)(path - sf_uri), sf_uri, name,
	    query != NULL ? query : "");
}
