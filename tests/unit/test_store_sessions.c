/*
 * test_store_sessions.c - the sessions a device keeps (STORE_SESSIONS_KEPT)
 * against one backend, as test_store.c (LORADANE_TEST_STORE_URI, else a
 * new SQLite file): each join stores a session; once there are more than
 * STORE_SESSIONS_KEPT, the oldest are deleted, the newest stay fetchable,
 * other devices' sessions are untouched, and nothing changes when a join
 * is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/store_fixture.h"
#include "store/store.h"

#define JOINS (STORE_SESSIONS_KEPT + 3)

/* has_session - the session is there and decrypts */
static bool
has_session(struct store *st, const char *id)
{
	struct store_session s;
	char why[512];

	return store_session_get(st, id, &s, why, sizeof(why)) == STORE_OK;
}

static void
test_sessions_trimmed(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x3a, 1), b = sf_eui(0x3a, 2);
	char ids[JOINS][STORE_ID_MAX], other[STORE_ID_MAX];
	struct jarg j;
	int i;

	(void)state_;
	sf_add(st, a, "1.0.4");
	sf_add(st, b, "1.0.4");
	assert_int_equal(sf_join(st, b, 1, &j), STORE_OK);
	memcpy(other, j.id, sizeof(other));
	for (i = 0; i < JOINS; i++) {
		assert_int_equal(
		    sf_join(st, a, (uint16_t)(10 + i), &j), STORE_OK);
		assert_int_equal(j.join_nonce, (uint32_t)i + 1);
		memcpy(ids[i], j.id, sizeof(ids[i]));
	}
	for (i = 0; i < JOINS; i++)
		assert_int_equal(
		    has_session(st, ids[i]), i >= JOINS - STORE_SESSIONS_KEPT);
	assert_true(has_session(st, other));
	/* A refused join (a replay) deletes nothing. */
	assert_int_equal(sf_join(st, a, 10, &j), STORE_ERR_REPLAY);
	for (i = JOINS - STORE_SESSIONS_KEPT; i < JOINS; i++)
		assert_true(has_session(st, ids[i]));
	sf_rm(st, a);
	assert_false(has_session(st, ids[JOINS - 1]));
	sf_rm(st, b);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sessions_trimmed),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
