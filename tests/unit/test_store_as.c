/*
 * test_store_as.c - the Application Server's state (store/store_as.h)
 * against one backend, as test_store.c: the URI in
 * LORADANE_TEST_STORE_URI if set (PostgreSQL runs use it), else a new
 * SQLite file.
 *
 * Covered: the outbox (id order, after_id and max, done, a callback that
 * marks done as it goes, survival across a reopen, the 64 KiB bound and
 * the other refusals naming their field), and the cached AppSKeys (put,
 * get, replace, sealed at rest, another KEK refused, the newest
 * STORE_SESSIONS_KEPT kept per device).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/store_fixture.h"
#include "store/store_as.h"

#define WHY_HAS(why, s)                                                        \
	do {                                                                   \
		if (strstr((why), (s)) == NULL)                                \
			fail_msg("why \"%s\" lacks \"%s\"", (why), (s));       \
	} while (0)

/* add - an event, asserting success; its id */
static int64_t
add(struct store *st, uint64_t e, const char *kind, const char *json)
{
	char why[512];
	int64_t id = 0;
	int rc = store_as_event_add(st, e, kind, json, &id, why, sizeof(why));

	if (rc != STORE_OK)
		fail_msg("store_as_event_add: %s", why);
	return id;
}

struct seen {
	struct store *done_on; /* if set, mark each event done as it comes */
	int n;
	int64_t id[16];
	uint64_t eui[16];
	char kind[16][STORE_AS_KIND_MAX];
	size_t len[16];
	char head[16][32]; /* the JSON's first bytes */
};

static int
on_event(void *arg, const struct store_as_event *ev)
{
	struct seen *s = arg;
	char why[512];

	assert_true(s->n < 16);
	assert_int_equal(strlen(ev->json), ev->json_len);
	s->id[s->n] = ev->id;
	s->eui[s->n] = ev->dev_eui;
	snprintf(s->kind[s->n], sizeof(s->kind[0]), "%s", ev->kind);
	s->len[s->n] = ev->json_len;
	snprintf(s->head[s->n], sizeof(s->head[0]), "%s", ev->json);
	s->n++;
	if (s->done_on != NULL &&
	    store_as_event_done(s->done_on, ev->id, why, sizeof(why)) !=
		STORE_OK)
		fail_msg("store_as_event_done in the callback: %s", why);
	return 0;
}

/* list - the pending events after after_id, at most max */
static void
list(struct store *st, int64_t after_id, size_t max, struct seen *s)
{
	char why[512];
	int rc;

	memset(s, 0, sizeof(*s));
	rc = store_as_event_list_pending(
	    st, after_id, max, on_event, s, why, sizeof(why));
	if (rc != STORE_OK)
		fail_msg("store_as_event_list_pending: %s", why);
}

static void
test_outbox(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x51, 1), b = sf_eui(0x51, 2);
	int64_t id[4], before;
	char *big, why[512];
	struct seen s;

	(void)state_;
	/* The JSON at its bound, exactly. */
	big = malloc(STORE_AS_JSON_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', STORE_AS_JSON_MAX);
	memcpy(big, "{\"big\":1}", 9);
	big[STORE_AS_JSON_MAX] = '\0';
	id[0] = add(st, a, "uplink", "{\"fcnt\":1}");
	before = id[0] - 1;
	id[1] = add(st, b, "join", "{\"dev\":\"b\"}");
	id[2] = add(st, a, "uplink", big);
	id[3] = add(st, a, "ack", "{}");
	assert_true(id[0] < id[1] && id[1] < id[2] && id[2] < id[3]);
	list(st, before, 100, &s);
	assert_int_equal(s.n, 4);
	assert_true(s.id[0] == id[0] && s.id[3] == id[3]);
	assert_true(s.eui[0] == a && s.eui[1] == b);
	assert_string_equal(s.kind[1], "join");
	assert_string_equal(s.head[0], "{\"fcnt\":1}");
	assert_int_equal(s.len[2], STORE_AS_JSON_MAX);
	assert_memory_equal(s.head[2], "{\"big\":1}", 9);
	/* A page: after an id, at most max. */
	list(st, id[0], 2, &s);
	assert_true(s.n == 2 && s.id[0] == id[1] && s.id[1] == id[2]);
	list(st, before, 0, &s);
	assert_int_equal(s.n, 0);
	/* Done: it leaves the outbox, once. */
	assert_int_equal(
	    store_as_event_done(st, id[1], why, sizeof(why)), STORE_OK);
	assert_int_equal(store_as_event_done(st, id[1], why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	WHY_HAS(why, "not pending");
	/* Pending events survive a restart, in order. */
	store_close(st);
	st = sf_open(sf_kek, 0);
	list(st, before, 100, &s);
	assert_int_equal(s.n, 3);
	assert_true(s.id[0] == id[0] && s.id[1] == id[2] && s.id[2] == id[3]);
	/* The callback may use the store: deliver and mark done. */
	memset(&s, 0, sizeof(s));
	s.done_on = st;
	assert_int_equal(store_as_event_list_pending(
			     st, id[0], 100, on_event, &s, why, sizeof(why)),
	    STORE_OK);
	assert_int_equal(s.n, 2);
	list(st, before, 100, &s);
	assert_true(s.n == 1 && s.id[0] == id[0]);
	assert_int_equal(
	    store_as_event_done(st, id[0], why, sizeof(why)), STORE_OK);
	list(st, before, 100, &s);
	assert_int_equal(s.n, 0);
	/* A new event's id is above every earlier one, done or not. */
	id[0] = add(st, a, "uplink", "{}");
	assert_true(id[0] > id[3]);
	assert_int_equal(
	    store_as_event_done(st, id[0], why, sizeof(why)), STORE_OK);
	/* Refusals, naming the field; nothing is added. */
	big[STORE_AS_JSON_MAX] = ' ';
	big[STORE_AS_JSON_MAX + 1] = '\0';
	assert_int_equal(
	    store_as_event_add(st, a, "uplink", big, &id[1], why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "json: over 65536 bytes");
	assert_int_equal(
	    store_as_event_add(st, a, "uplink", NULL, &id[1], why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "json");
	assert_int_equal(
	    store_as_event_add(st, a, "", "{}", &id[1], why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "kind: empty");
	assert_int_equal(store_as_event_add(
			     st, a, "up link", "{}", &id[1], why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "kind: not printable");
	list(st, before, 100, &s);
	assert_int_equal(s.n, 0);
	free(big);
	store_close(st);
}

static void
key_of(uint8_t k[16], int i)
{
	int j;

	for (j = 0; j < 16; j++)
		k[j] = (uint8_t)(0x30 + 16 * i + j);
}

static void
test_appskeys(void **state_)
{
	struct store *st = sf_open(sf_kek, 0), *other;
	uint64_t a = sf_eui(0x52, 1), b = sf_eui(0x52, 2);
	uint8_t k[16], got[16], skid[8][4], longid[STORE_AS_SKID_MAX + 1];
	char sql[256], raw[512], x[40], hexk[40], why[512];
	int i;

	(void)state_;
	for (i = 0; i < 8; i++)
		memcpy(skid[i], (const uint8_t[]){0x5e, 0x55, 0x10, (uint8_t)i},
		    4);
	key_of(k, 0);
	assert_int_equal(
	    store_as_appskey_put(st, a, skid[0], 4, k, why, sizeof(why)),
	    STORE_OK);
	assert_int_equal(
	    store_as_appskey_get(st, a, skid[0], 4, got, why, sizeof(why)),
	    STORE_OK);
	assert_memory_equal(got, k, 16);
	/* Keyed by the device and the SessionKeyID together. */
	assert_int_equal(
	    store_as_appskey_get(st, b, skid[0], 4, got, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	assert_int_equal(
	    store_as_appskey_get(st, a, skid[0], 3, got, why, sizeof(why)),
	    STORE_ERR_NOTFOUND);
	/* Sealed at rest. */
	snprintf(sql, sizeof(sql),
	    sf_is_pg() ? "SELECT upper(encode(app_s_key, 'hex')) FROM "
			 "as_appskeys WHERE dev_eui = %s"
		       : "SELECT hex(app_s_key) FROM as_appskeys WHERE "
			 "dev_eui = %s",
	    sf_eui_sql(a, x, sizeof(x)));
	sf_sql(NULL, sql, raw, sizeof(raw));
	assert_int_equal(strlen(raw), 2 * (16 + 28));
	for (i = 0; i < 8; i++)
		snprintf(hexk + 2 * i, 3, "%02X", k[i]);
	assert_null(strstr(raw, hexk));
	other = sf_open(sf_kek2, 0);
	assert_int_equal(
	    store_as_appskey_get(other, a, skid[0], 4, got, why, sizeof(why)),
	    STORE_ERR_KEK);
	WHY_HAS(why, "wrong KEK or altered record");
	store_close(other);
	/* Replaced in place. */
	key_of(k, 1);
	assert_int_equal(
	    store_as_appskey_put(st, a, skid[0], 4, k, why, sizeof(why)),
	    STORE_OK);
	assert_int_equal(
	    store_as_appskey_get(st, a, skid[0], 4, got, why, sizeof(why)),
	    STORE_OK);
	assert_memory_equal(got, k, 16);
	/* Bounded per device: the newest STORE_SESSIONS_KEPT stay. */
	assert_int_equal(
	    store_as_appskey_put(st, b, skid[0], 4, k, why, sizeof(why)),
	    STORE_OK);
	for (i = 1; i < 7; i++) {
		key_of(k, i + 1);
		assert_int_equal(store_as_appskey_put(
				     st, a, skid[i], 4, k, why, sizeof(why)),
		    STORE_OK);
	}
	store_close(st);
	st = sf_open(sf_kek, 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(store_as_appskey_get(
				     st, a, skid[i], 4, got, why, sizeof(why)),
		    i >= 7 - STORE_SESSIONS_KEPT ? STORE_OK
						 : STORE_ERR_NOTFOUND);
	key_of(k, 7);
	assert_memory_equal(got, k, 16);
	assert_int_equal(
	    store_as_appskey_get(st, b, skid[0], 4, got, why, sizeof(why)),
	    STORE_OK);
	/* SessionKeyID bounds, named. */
	memset(longid, 1, sizeof(longid));
	assert_int_equal(store_as_appskey_put(st, a, longid, sizeof(longid), k,
			     why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "session_key_id: 33 bytes");
	assert_int_equal(
	    store_as_appskey_put(st, a, longid, 0, k, why, sizeof(why)),
	    STORE_ERR_ARG);
	WHY_HAS(why, "session_key_id: empty");
	assert_int_equal(store_as_appskey_put(st, a, longid, STORE_AS_SKID_MAX,
			     k, why, sizeof(why)),
	    STORE_OK);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_appskeys),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
