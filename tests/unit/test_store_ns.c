/*
 * test_store_ns.c - the Network Server's state (store/store_ns.h) against
 * one backend, as test_store.c: the URI in LORADANE_TEST_STORE_URI if set
 * (PostgreSQL runs use it), else a new SQLite file.  DevEUIs and NetIDs
 * are unique to the run.
 *
 * Covered: put/get/replace/delete and the field checks (each refusal
 * names its field), keys sealed (not in the raw row; another KEK refused),
 * the DevAddr look-up with two candidates, FCntUp accept and replay
 * across a reopen and between four connections racing, downlink counters
 * (1.1's two, 1.0's one, across a reopen, racing, exhausted), the NwkAddr
 * allocator, the downlink queue, and the migration of a version 2 store.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/store_fixture.h"
#include "store/store_ns.h"

#define WHY_HAS(why, s)                                                        \
	do {                                                                   \
		if (strstr((why), (s)) == NULL)                                \
			fail_msg("why \"%s\" lacks \"%s\"", (why), (s));       \
	} while (0)

/* ns_session - a test session; its keys derive from the DevEUI */
static void
ns_session(struct store_ns_session *s, uint64_t dev_eui, uint32_t dev_addr,
    const char *version)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->dev_eui = dev_eui;
	s->dev_addr = dev_addr;
	s->join_eui = 0x70b3d57ed0000000ull;
	snprintf(s->mac_version, sizeof(s->mac_version), "%s", version);
	for (i = 0; i < 16; i++) {
		s->f_nwk_s_int_key[i] = (uint8_t)(0x10 + i) ^ (uint8_t)dev_eui;
		s->s_nwk_s_int_key[i] = (uint8_t)(0x40 + i);
		s->nwk_s_enc_key[i] = (uint8_t)(0x70 + i);
	}
	snprintf(s->app_s_key_kek_label, sizeof(s->app_s_key_kek_label),
	    "as:as.opb.test");
	memset(s->app_s_key_env, 0xe5, 24);
	s->app_s_key_env_len = 24;
	memcpy(s->session_key_id, "skid-0123", 9);
	s->session_key_id_len = 9;
	snprintf(s->as_id, sizeof(s->as_id), "_as-client.as.opb.test");
	snprintf(s->as_host, sizeof(s->as_host), "as.opb.test");
	s->as_port = 8443;
	s->rx1_dr_offset = 1;
	s->rx2_dr = 3;
	s->rx2_freq = 869525000;
	s->rx_delay = 1;
	s->home_net_id = 0x000013;
}

/* put - store a session, asserting success */
static void
put(struct store *st, const struct store_ns_session *s)
{
	char why[512];
	int rc = store_ns_session_put(st, s, why, sizeof(why));

	if (rc != STORE_OK)
		fail_msg("store_ns_session_put: %s", why);
}

static void
rm(struct store *st, uint64_t dev_eui)
{
	char why[512];
	int rc = store_ns_session_delete(st, dev_eui, why, sizeof(why));

	assert_true(rc == STORE_OK || rc == STORE_ERR_NOTFOUND);
}

static int
accept_up(struct store *st, uint64_t e, uint32_t f, char *why, size_t n)
{
	return store_ns_uplink_accept(st, e, f, NULL, why, n);
}

static uint32_t
take(struct store *st, uint64_t e, enum store_ns_fcnt which)
{
	char why[512];
	uint32_t v = 0xdeadbeef;
	int rc = store_ns_fcnt_down_take(st, e, which, &v, why, sizeof(why));

	if (rc != STORE_OK)
		fail_msg("store_ns_fcnt_down_take: %s", why);
	return v;
}

static void
test_put_get_replace_delete(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s, got;
	uint64_t a = sf_eui(0x41, 1), b = sf_eui(0x41, 2);
	char why[512];

	(void)state_;
	ns_session(&s, a, 0x26000001, "1.1");
	s.roaming_net_id = 0x600011;
	put(st, &s);
	assert_int_equal(
	    store_ns_session_get(st, a, &got, why, sizeof(why)), STORE_OK);
	assert_true(got.dev_eui == a && got.join_eui == s.join_eui);
	assert_int_equal(got.dev_addr, 0x26000001);
	assert_string_equal(got.mac_version, "1.1");
	assert_memory_equal(got.f_nwk_s_int_key, s.f_nwk_s_int_key, 16);
	assert_memory_equal(got.s_nwk_s_int_key, s.s_nwk_s_int_key, 16);
	assert_memory_equal(got.nwk_s_enc_key, s.nwk_s_enc_key, 16);
	assert_string_equal(got.app_s_key_kek_label, "as:as.opb.test");
	assert_int_equal(got.app_s_key_env_len, 24);
	assert_memory_equal(got.app_s_key_env, s.app_s_key_env, 24);
	assert_int_equal(got.session_key_id_len, 9);
	assert_memory_equal(got.session_key_id, "skid-0123", 9);
	assert_string_equal(got.as_id, s.as_id);
	assert_string_equal(got.as_host, "as.opb.test");
	assert_int_equal(got.as_port, 8443);
	assert_false(got.has_fcnt_up);
	assert_int_equal(got.nfcnt_down, 0);
	assert_int_equal(got.afcnt_down, 0);
	assert_int_equal(got.rx1_dr_offset, 1);
	assert_int_equal(got.rx2_dr, 3);
	assert_int_equal(got.rx2_freq, 869525000);
	assert_int_equal(got.rx_delay, 1);
	assert_int_equal(got.home_net_id, 0x13);
	assert_int_equal(got.roaming_net_id, 0x600011);
	assert_true(got.created > 1700000000);
	/* 1.0: one NwkSKey plays the three roles; SessionKeyID alone. */
	ns_session(&s, b, 0x26000002, "1.0.2");
	s.app_s_key_env_len = 0;
	put(st, &s);
	assert_int_equal(
	    store_ns_session_get(st, b, &got, why, sizeof(why)), STORE_OK);
	assert_memory_equal(got.s_nwk_s_int_key, s.f_nwk_s_int_key, 16);
	assert_memory_equal(got.nwk_s_enc_key, s.f_nwk_s_int_key, 16);
	assert_int_equal(got.app_s_key_env_len, 0);
	/* State moves; a replacing put (a new join) resets it. */
	assert_int_equal(accept_up(st, a, 10, why, sizeof(why)), STORE_OK);
	take(st, a, STORE_NS_NFCNT_DOWN);
	take(st, a, STORE_NS_AFCNT_DOWN);
	ns_session(&s, a, 0x26000009, "1.1");
	s.f_nwk_s_int_key[0] ^= 0xff;
	put(st, &s);
	assert_int_equal(
	    store_ns_session_get(st, a, &got, why, sizeof(why)), STORE_OK);
	assert_int_equal(got.dev_addr, 0x26000009);
	assert_memory_equal(got.f_nwk_s_int_key, s.f_nwk_s_int_key, 16);
	assert_false(got.has_fcnt_up);
	assert_int_equal(got.nfcnt_down, 0);
	assert_int_equal(got.afcnt_down, 0);
	assert_int_equal(got.roaming_net_id, 0);
	assert_int_equal(accept_up(st, a, 0, why, sizeof(why)), STORE_OK);
	/* Deleted: gone, and a second delete is refused. */
	assert_int_equal(
	    store_ns_session_delete(st, a, why, sizeof(why)), STORE_OK);
	assert_int_equal(store_ns_session_get(st, a, &got, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "no NS session");
	assert_int_equal(store_ns_session_delete(st, a, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	rm(st, b);
	store_close(st);
}

/* The refusals of put, each naming its field. */
static void
test_field_checks(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s, got;
	uint64_t e = sf_eui(0x42, 1);
	char why[512];
	int i;
	static const char *const names[] = {"mac_version", "app_s_key_env",
	    "session_key_id", "neither", "app_s_key_kek_label", "as_id",
	    "as_host", "as_port", "rx1_dr_offset", "rx2_dr", "rx_delay",
	    "home_net_id", "roaming_net_id"};

	(void)state_;
	for (i = 0; i < (int)(sizeof(names) / sizeof(*names)); i++) {
		ns_session(&s, e, 1, "1.1");
		switch (i) {
		case 0:
			snprintf(s.mac_version, sizeof(s.mac_version), "1.2");
			break;
		case 1:
			s.app_s_key_env_len = STORE_NS_ENVELOPE_MAX + 1;
			break;
		case 2:
			s.session_key_id_len = STORE_NS_SKID_MAX + 1;
			break;
		case 3:
			s.app_s_key_env_len = s.session_key_id_len = 0;
			break;
		case 4:
			s.app_s_key_kek_label[2] = ' ';
			break;
		case 5:
			memset(s.as_id, 'a', sizeof(s.as_id));
			break;
		case 6:
			s.as_host[0] = '\n';
			break;
		case 7:
			s.as_port = 0;
			break;
		case 8:
			s.rx1_dr_offset = 8;
			break;
		case 9:
			s.rx2_dr = 16;
			break;
		case 10:
			s.rx_delay = 16;
			break;
		case 11:
			s.home_net_id = 0x1000000;
			break;
		default:
			s.roaming_net_id = 0x1000000;
			break;
		}
		why[0] = '\0';
		assert_int_equal(store_ns_session_put(st, &s, why, sizeof(why)),
		    STORE_ERR_ARG);
		WHY_HAS(why, names[i]);
	}
	/* Nothing was stored. */
	assert_int_equal(store_ns_session_get(st, e, &got, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(
	    store_ns_session_put(NULL, &s, why, sizeof(why)), STORE_ERR_ARG);
	store_close(st);
}

/* hex - bytes as upper-case hex, as the raw SQL below prints them */
static void
hex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02X", b[i]);
}

static void
test_keys_sealed(void **state_)
{
	struct store *st = sf_open(sf_kek, 0), *other;
	struct store_ns_session s, got;
	uint64_t e = sf_eui(0x43, 1);
	char sql[256], raw[1024], x[40], k[40], why[512];
	int i;

	(void)state_;
	ns_session(&s, e, 0x26000100, "1.1");
	memset(s.app_s_key_env, 0, 16); /* a clear AppSKey: KEKLabel "" */
	for (i = 0; i < 16; i++)
		s.app_s_key_env[i] = (uint8_t)(0xc0 + i);
	s.app_s_key_env_len = 16;
	s.app_s_key_kek_label[0] = '\0';
	put(st, &s);
	snprintf(sql, sizeof(sql),
	    sf_is_pg() ? "SELECT upper(encode(keys || app_s_key_env, 'hex')) "
			 "FROM ns_sessions WHERE dev_eui = %s"
		       : "SELECT hex(keys || app_s_key_env) FROM ns_sessions "
			 "WHERE dev_eui = %s",
	    sf_eui_sql(e, x, sizeof(x)));
	sf_sql(NULL, sql, raw, sizeof(raw));
	assert_true(strlen(raw) == 2 * ((48 + 28) + (16 + 28)));
	const uint8_t *keys[] = {s.f_nwk_s_int_key, s.s_nwk_s_int_key,
	    s.nwk_s_enc_key, s.app_s_key_env};
	for (i = 0; i < 4; i++) {
		hex(keys[i], 8, k); /* not even half a key in clear */
		assert_null(strstr(raw, k));
	}
	/* Another KEK opens the store but not the session. */
	other = sf_open(sf_kek2, 0);
	assert_int_equal(store_ns_session_get(other, e, &got, why, sizeof(why)),
	    STORE_ERR_KEK);
	WHY_HAS(why, "wrong KEK or altered record");
	assert_int_equal(
	    store_ns_uplink_accept(other, e, 1, &got, why, sizeof(why)),
	    STORE_ERR_KEK);
	store_close(other);
	/* ... and that refusal changed nothing. */
	assert_int_equal(
	    store_ns_uplink_accept(st, e, 1, &got, why, sizeof(why)), STORE_OK);
	assert_memory_equal(got.app_s_key_env, s.app_s_key_env, 16);
	assert_true(got.has_fcnt_up && got.fcnt_up == 1);
	rm(st, e);
	store_close(st);
}

struct found {
	int n;
	uint64_t eui[8];
	uint8_t key0[8];
	int stop_at; /* return 7 at this call, or never if 0 */
};

static int
on_found(void *arg, const struct store_ns_session *s)
{
	struct found *f = arg;

	f->eui[f->n] = s->dev_eui;
	f->key0[f->n] = s->f_nwk_s_int_key[0];
	f->n++;
	return f->n == f->stop_at ? 7 : 0;
}

static void
test_devaddr_lookup(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s;
	/* b's DevEUI sorts before a's: the look-up is in DevEUI order */
	uint64_t a = sf_eui(0x45, 1), b = sf_eui(0x44, 2), c = sf_eui(0x44, 3);
	uint32_t addr = 0x27000000 | (uint32_t)(sf_run_id & 0xffffff);
	struct found f;
	char why[512];

	(void)state_;
	ns_session(&s, a, addr, "1.1");
	put(st, &s);
	ns_session(&s, b, addr, "1.0.3");
	put(st, &s);
	ns_session(&s, c, addr ^ 1, "1.1");
	put(st, &s);
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_ns_session_by_devaddr(
			     st, addr, on_found, &f, why, sizeof(why)),
	    STORE_OK);
	assert_int_equal(f.n, 2);
	assert_true(f.eui[0] == b && f.eui[1] == a);
	/* The keys come decrypted: the caller checks each MIC. */
	assert_int_equal(f.key0[0], (uint8_t)(0x10 ^ (uint8_t)b));
	assert_int_equal(f.key0[1], (uint8_t)(0x10 ^ (uint8_t)a));
	memset(&f, 0, sizeof(f));
	f.stop_at = 1;
	assert_int_equal(store_ns_session_by_devaddr(
			     st, addr, on_found, &f, why, sizeof(why)),
	    7);
	assert_int_equal(f.n, 1);
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_ns_session_by_devaddr(
			     st, addr ^ 2, on_found, &f, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "DevAddr");
	assert_int_equal(f.n, 0);
	/* A new join moves a device to another DevAddr. */
	ns_session(&s, a, addr ^ 1, "1.1");
	put(st, &s);
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_ns_session_by_devaddr(
			     st, addr, on_found, &f, why, sizeof(why)),
	    STORE_OK);
	assert_true(f.n == 1 && f.eui[0] == b);
	rm(st, a);
	rm(st, b);
	rm(st, c);
	store_close(st);
}

static void
test_fcnt_up_replay(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s, got;
	uint64_t e = sf_eui(0x46, 1);
	char why[512];

	(void)state_;
	ns_session(&s, e, 0x26000200, "1.0.4");
	put(st, &s);
	assert_int_equal(accept_up(st, e, 5, why, sizeof(why)), STORE_OK);
	assert_int_equal(
	    accept_up(st, e, 5, why, sizeof(why)), STORE_ERR_REPLAY);
	WHY_HAS(why, "FCntUp 5: not above the last accepted, 5");
	assert_int_equal(
	    accept_up(st, e, 3, why, sizeof(why)), STORE_ERR_REPLAY);
	WHY_HAS(why, "FCntUp 3: not above the last accepted, 5");
	assert_int_equal(
	    store_ns_uplink_accept(st, e, 70000, &got, why, sizeof(why)),
	    STORE_OK);
	assert_true(got.has_fcnt_up && got.fcnt_up == 70000);
	assert_memory_equal(got.f_nwk_s_int_key, s.f_nwk_s_int_key, 16);
	/* Durable: a new connection (a restarted NS) sees it. */
	store_close(st);
	st = sf_open(sf_kek, 0);
	assert_int_equal(
	    accept_up(st, e, 70000, why, sizeof(why)), STORE_ERR_REPLAY);
	WHY_HAS(why, "FCntUp 70000: not above the last accepted, 70000");
	assert_int_equal(
	    accept_up(st, e, 0xffffffffu, why, sizeof(why)), STORE_OK);
	assert_int_equal(
	    store_ns_session_get(st, e, &got, why, sizeof(why)), STORE_OK);
	assert_int_equal(got.fcnt_up, 0xffffffffu);
	assert_int_equal(
	    accept_up(st, e, 0, why, sizeof(why)), STORE_ERR_REPLAY);
	assert_int_equal(accept_up(st, sf_eui(0x46, 9), 1, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "no NS session");
	rm(st, e);
	store_close(st);
}

#define NTHREADS 4
#define ROUNDS 50

struct racer {
	pthread_t tid;
	struct store *st;
	uint64_t dev_eui;
	bool down; /* take downlink counters instead of accepting uplinks */
	uint32_t got[ROUNDS];
	atomic_int *wins; /* per FCntUp value */
	char why[256];    /* the first unexpected error */
};

/* race - no cmocka assertion here: the main thread checks */
static void *
race(void *arg)
{
	struct racer *r = arg;
	char why[256];
	int i, rc;

	for (i = 0; i < ROUNDS; i++) {
		if (r->down)
			rc = store_ns_fcnt_down_take(r->st, r->dev_eui,
			    STORE_NS_AFCNT_DOWN, &r->got[i], why, sizeof(why));
		else {
			rc = accept_up(r->st, r->dev_eui, (uint32_t)i + 1, why,
			    sizeof(why));
			if (rc == STORE_OK)
				atomic_fetch_add(&r->wins[i + 1], 1);
			if (rc == STORE_ERR_REPLAY)
				rc = STORE_OK;
		}
		if (rc != STORE_OK && r->why[0] == '\0')
			snprintf(r->why, sizeof(r->why), "%s", why);
	}
	return NULL;
}

/* run_race - NTHREADS connections on one device; each racer's results */
static void
run_race(struct racer *r, uint64_t e, bool down, atomic_int *wins)
{
	int t;

	for (t = 0; t < NTHREADS; t++) {
		memset(&r[t], 0, sizeof(r[t]));
		r[t].st = sf_open(sf_kek, 0);
		r[t].dev_eui = e;
		r[t].down = down;
		r[t].wins = wins;
	}
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(
		    pthread_create(&r[t].tid, NULL, race, &r[t]), 0);
	for (t = 0; t < NTHREADS; t++)
		pthread_join(r[t].tid, NULL);
	for (t = 0; t < NTHREADS; t++) {
		if (r[t].why[0] != '\0')
			fail_msg("thread %d: %s", t, r[t].why);
		store_close(r[t].st);
	}
}

static void
test_concurrent(void **state_)
{
	static struct racer r[NTHREADS];
	static uint8_t seen[NTHREADS * ROUNDS];
	atomic_int wins[ROUNDS + 1];
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s, got;
	uint64_t e = sf_eui(0x47, 1);
	char why[512];
	int i, t;

	(void)state_;
	ns_session(&s, e, 0x26000300, "1.1");
	put(st, &s);
	/* Every FCntUp accepted exactly once, whoever wins. */
	for (i = 0; i <= ROUNDS; i++)
		atomic_init(&wins[i], 0);
	run_race(r, e, false, wins);
	for (i = 1; i <= ROUNDS; i++)
		if (atomic_load(&wins[i]) != 1)
			fail_msg("FCntUp %d accepted %d times", i,
			    atomic_load(&wins[i]));
	/* Every AFCntDown handed out exactly once: 0 .. N - 1. */
	run_race(r, e, true, wins);
	memset(seen, 0, sizeof(seen));
	for (t = 0; t < NTHREADS; t++)
		for (i = 0; i < ROUNDS; i++) {
			assert_in_range(r[t].got[i], 0, NTHREADS * ROUNDS - 1);
			assert_int_equal(++seen[r[t].got[i]], 1);
			if (i > 0) /* and increasing on each connection */
				assert_true(r[t].got[i] > r[t].got[i - 1]);
		}
	assert_int_equal(
	    store_ns_session_get(st, e, &got, why, sizeof(why)), STORE_OK);
	assert_int_equal(got.fcnt_up, ROUNDS);
	assert_int_equal(got.afcnt_down, NTHREADS * ROUNDS);
	assert_int_equal(got.nfcnt_down, 0);
	rm(st, e);
	store_close(st);
}

static void
test_fcnt_down(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s;
	uint64_t a = sf_eui(0x48, 1), b = sf_eui(0x48, 2);
	char sql[256], x[40], why[512];
	uint32_t v = 7;

	(void)state_;
	ns_session(&s, a, 0x26000400, "1.1");
	put(st, &s);
	ns_session(&s, b, 0x26000401, "1.0.2");
	put(st, &s);
	/* 1.1: two counters. */
	assert_int_equal(take(st, a, STORE_NS_NFCNT_DOWN), 0);
	assert_int_equal(take(st, a, STORE_NS_NFCNT_DOWN), 1);
	assert_int_equal(take(st, a, STORE_NS_AFCNT_DOWN), 0);
	/* 1.0: one FCntDown, whatever the port. */
	assert_int_equal(take(st, b, STORE_NS_NFCNT_DOWN), 0);
	assert_int_equal(take(st, b, STORE_NS_AFCNT_DOWN), 1);
	assert_int_equal(take(st, b, STORE_NS_NFCNT_DOWN), 2);
	/* Durable: never handed out again after a restart. */
	store_close(st);
	st = sf_open(sf_kek, 0);
	assert_int_equal(take(st, a, STORE_NS_NFCNT_DOWN), 2);
	assert_int_equal(take(st, a, STORE_NS_AFCNT_DOWN), 1);
	assert_int_equal(take(st, b, STORE_NS_AFCNT_DOWN), 3);
	assert_int_equal(store_ns_fcnt_down_take(st, a, (enum store_ns_fcnt)5,
			     &v, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "which");
	assert_int_equal(store_ns_fcnt_down_take(st, sf_eui(0x48, 9),
			     STORE_NS_NFCNT_DOWN, &v, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(v, 7); /* untouched on failure */
	/* The last value, then none: the device must join again. */
	snprintf(sql, sizeof(sql),
	    "UPDATE ns_sessions SET nfcnt_down = 4294967295 WHERE dev_eui = %s",
	    sf_eui_sql(a, x, sizeof(x)));
	sf_sql(NULL, sql, NULL, 0);
	assert_int_equal(take(st, a, STORE_NS_NFCNT_DOWN), 0xffffffffu);
	assert_int_equal(store_ns_fcnt_down_take(
			     st, a, STORE_NS_NFCNT_DOWN, &v, why, sizeof(why)),
	    STORE_ERR_EXHAUSTED);
	WHY_HAS(why, "NFCntDown exhausted");
	assert_int_equal(take(st, a, STORE_NS_AFCNT_DOWN), 2);
	rm(st, a);
	rm(st, b);
	store_close(st);
}

static void
test_devaddr_alloc(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint32_t net = (uint32_t)(sf_run_id & 0xfffff0), v = 99;
	char why[512];
	uint32_t i;

	(void)state_;
	for (i = 0; i < 5; i++) {
		assert_int_equal(
		    store_ns_devaddr_take(st, net, 3, &v, why, sizeof(why)),
		    STORE_OK);
		assert_int_equal(v, i);
	}
	/* Another NetID counts on its own. */
	assert_int_equal(
	    store_ns_devaddr_take(st, net + 1, 3, &v, why, sizeof(why)),
	    STORE_OK);
	assert_int_equal(v, 0);
	store_close(st);
	st = sf_open(sf_kek, 0);
	for (i = 5; i < 8; i++) {
		assert_int_equal(
		    store_ns_devaddr_take(st, net, 3, &v, why, sizeof(why)),
		    STORE_OK);
		assert_int_equal(v, i);
	}
	/* All 2^3 handed out: refused, never wrapped to 0. */
	v = 99;
	assert_int_equal(
	    store_ns_devaddr_take(st, net, 3, &v, why, sizeof(why)),
	    STORE_ERR_EXHAUSTED);
	WHY_HAS(why, "NwkAddr exhausted");
	WHY_HAS(why, "2^3");
	assert_int_equal(v, 99);
	/* A wider NwkAddr goes on from there. */
	assert_int_equal(
	    store_ns_devaddr_take(st, net, 4, &v, why, sizeof(why)), STORE_OK);
	assert_int_equal(v, 8);
	assert_int_equal(
	    store_ns_devaddr_take(st, net, 0, &v, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "bits");
	assert_int_equal(
	    store_ns_devaddr_take(st, net, 33, &v, why, sizeof(why)),
	    STORE_ERR_ARG);
	assert_int_equal(
	    store_ns_devaddr_take(st, 0x1000000, 7, &v, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "net_id");
	store_close(st);
}

/* push - queue a downlink, asserting success; its id */
static int64_t
push(struct store *st, uint64_t e, uint8_t fport, const char *text)
{
	char why[512];
	int64_t id = 0;
	int rc = store_ns_downlink_push(st, e, fport, fport % 2 == 0,
	    (const uint8_t *)text, strlen(text), &id, why, sizeof(why));

	if (rc != STORE_OK)
		fail_msg("store_ns_downlink_push: %s", why);
	return id;
}

static void
test_downlink_queue(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	struct store_ns_session s;
	struct store_ns_downlink d;
	uint64_t e = sf_eui(0x49, 1), other = sf_eui(0x49, 2);
	uint8_t big[STORE_NS_PAYLOAD_MAX + 1];
	int64_t id1, id2, id3, id;
	char why[512];
	int i;

	(void)state_;
	assert_int_equal(store_ns_downlink_push(
			     st, e, 1, false, NULL, 0, &id, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "no NS session");
	ns_session(&s, e, 0x26000500, "1.1");
	put(st, &s);
	ns_session(&s, other, 0x26000501, "1.1");
	put(st, &s);
	assert_int_equal(store_ns_downlink_peek(st, e, &d, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	id1 = push(st, e, 10, "first");
	push(st, other, 3, "not e's");
	id2 = push(st, e, 11, "second");
	id3 = push(st, e, 12, "");
	assert_true(id1 < id2 && id2 < id3);
	/* FIFO, across a restart and a new session (the queue is the
	 * device's). */
	store_close(st);
	st = sf_open(sf_kek, 0);
	put(st, &s);
	ns_session(&s, e, 0x26000502, "1.1");
	put(st, &s);
	assert_int_equal(
	    store_ns_downlink_peek(st, e, &d, why, sizeof(why)), STORE_OK);
	assert_true(d.id == id1 && d.dev_eui == e && d.fport == 10);
	assert_true(d.confirmed); /* push: even ports confirmed */
	assert_int_equal(d.len, 5);
	assert_memory_equal(d.payload, "first", 5);
	assert_int_equal(
	    store_ns_downlink_drop(st, id1, why, sizeof(why)), STORE_OK);
	assert_int_equal(store_ns_downlink_drop(st, id1, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "not queued");
	assert_int_equal(
	    store_ns_downlink_peek(st, e, &d, why, sizeof(why)), STORE_OK);
	assert_true(d.id == id2 && d.fport == 11 && !d.confirmed);
	assert_memory_equal(d.payload, "second", 6);
	assert_int_equal(
	    store_ns_downlink_drop(st, id2, why, sizeof(why)), STORE_OK);
	assert_int_equal(
	    store_ns_downlink_peek(st, e, &d, why, sizeof(why)), STORE_OK);
	assert_true(d.id == id3 && d.len == 0);
	/* The bound: STORE_NS_QUEUE_MAX queued, then refused. */
	for (i = 1; i < STORE_NS_QUEUE_MAX; i++)
		push(st, e, 20, "x");
	assert_int_equal(store_ns_downlink_push(st, e, 20, false,
			     (const uint8_t *)"y", 1, &id, why, sizeof(why)),
	    STORE_ERR_EXHAUSTED);
	WHY_HAS(why, "downlink queue full (64 queued, at most 64)");
	/* The other device's queue is its own. */
	push(st, other, 4, "still room");
	/* Arguments, named. */
	memset(big, 1, sizeof(big));
	assert_int_equal(store_ns_downlink_push(st, other, 1, false, big,
			     sizeof(big), &id, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "payload: 243 bytes");
	assert_int_equal(store_ns_downlink_push(st, other, 0, false, big, 1,
			     &id, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "fport 0");
	assert_int_equal(store_ns_downlink_push(st, other, 224, false, big, 1,
			     &id, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "fport 224");
	assert_int_equal(store_ns_downlink_push(st, other, 1, false, big,
			     STORE_NS_PAYLOAD_MAX, &id, why, sizeof(why)),
	    STORE_OK);
	/* Deleting the session empties its queue. */
	rm(st, e);
	assert_int_equal(store_ns_downlink_peek(st, e, &d, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "no downlink queued");
	assert_int_equal(store_ns_downlink_drop(st, id3, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(
	    store_ns_downlink_peek(st, other, &d, why, sizeof(why)), STORE_OK);
	assert_memory_equal(d.payload, "not e's", 7);
	rm(st, other);
	store_close(st);
}

/*
 * test_migrate_v2 - a version 2 store (a new SQLite file, or a new
 * PostgreSQL database), made by the current code and then taken back to
 * exactly what version 2 had (the version 3 tables dropped, the version
 * set to 2): opened, it is upgraded in place, keeps its devices and their
 * state, and serves the NS.
 */
static void
test_migrate_v2(void **state_)
{
	bool pg = sf_is_pg();
	char target[600], raw[512], dbname[64], sql[256], why[512], v[32];
	struct store_opts o = {target, sf_kek, 0};
	struct store_ns_session s, got;
	struct store_device d;
	struct store *st = NULL;
	uint64_t a = sf_eui(0x4a, 1), b = sf_eui(0x4a, 2);
	struct jarg j;

	(void)state_;
	if (pg) {
		snprintf(dbname, sizeof(dbname), "loradane_v2_%010llx",
		    (unsigned long long)sf_run_id);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
		sf_sql(NULL, sql, NULL, 0);
		sf_pg_other_db(dbname, raw, sizeof(raw));
		snprintf(target, sizeof(target), "%s", raw);
	} else {
		snprintf(raw, sizeof(raw), "%s/v2.db", sf_dir);
		snprintf(target, sizeof(target), "sqlite:%s", raw);
	}
	assert_int_equal(store_open(&o, &st, why, sizeof(why)), STORE_OK);
	sf_add(st, a, "1.1");
	sf_add(st, b, "1.0.2");
	assert_int_equal(sf_join(st, a, 3, &j), STORE_OK);
	assert_int_equal(sf_join(st, b, 77, &j), STORE_OK);
	store_close(st);
	sf_sql(raw,
	    pg ? "DROP TABLE ns_downlinks, ns_sessions, ns_devaddr, "
		 "as_events, as_appskeys; UPDATE schema_version SET version = 2"
	       : "DROP TABLE ns_downlinks; DROP TABLE ns_sessions; "
		 "DROP TABLE ns_devaddr; DROP TABLE as_events; "
		 "DROP TABLE as_appskeys; PRAGMA user_version = 2",
	    NULL, 0);
	sf_sql(raw,
	    pg ? "SELECT version FROM schema_version" : "PRAGMA user_version",
	    v, sizeof(v));
	assert_string_equal(v, "2");
	/* Opened: upgraded in place, the JS's state intact. */
	st = NULL;
	if (store_open(&o, &st, why, sizeof(why)) != STORE_OK)
		fail_msg("store_open of a version 2 store: %s", why);
	sf_sql(raw,
	    pg ? "SELECT version FROM schema_version" : "PRAGMA user_version",
	    v, sizeof(v));
	assert_string_equal(v, "3");
	sf_state(st, a, 1, 3, 1);
	sf_state(st, b, 1, 77, 1);
	assert_int_equal(
	    store_device_get(st, a, &d, why, sizeof(why)), STORE_OK);
	assert_true(d.has_nwk_key && d.app_key[0] == (uint8_t)a);
	assert_int_equal(sf_join(st, b, 77, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, a, 4, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	/* ... and the NS's tables work. */
	ns_session(&s, a, 0x26000600, "1.1");
	put(st, &s);
	assert_int_equal(
	    store_ns_uplink_accept(st, a, 1, &got, why, sizeof(why)), STORE_OK);
	store_close(st);
	if (pg) {
		snprintf(
		    sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", dbname);
		sf_sql(NULL, sql, NULL, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get_replace_delete),
	    cmocka_unit_test(test_field_checks),
	    cmocka_unit_test(test_keys_sealed),
	    cmocka_unit_test(test_devaddr_lookup),
	    cmocka_unit_test(test_fcnt_up_replay),
	    cmocka_unit_test(test_concurrent),
	    cmocka_unit_test(test_fcnt_down),
	    cmocka_unit_test(test_devaddr_alloc),
	    cmocka_unit_test(test_downlink_queue),
	    cmocka_unit_test(test_migrate_v2),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
