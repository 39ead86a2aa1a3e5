/*
 * test_store_batch.c - group commit (store_batch_begin/commit/abort)
 * against one backend, as test_store.c: the URI in
 * LORADANE_TEST_STORE_URI if set (PostgreSQL runs use it), else a new
 * SQLite file.
 *
 * Covered: joins in one batch see each other (a replay inside the batch is
 * refused), a failed join is undone alone and the batch goes on (its
 * DevNonce is not remembered), nothing is visible to another connection
 * before the commit and everything is after it and across a reopen, an
 * aborted batch leaves no trace, and misuse is refused.
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

/* batch_begin, batch_commit - asserting success */
static void
batch_begin(struct store *st)
{
	char why[512];
	int rc = store_batch_begin(st, why, sizeof(why));

	if (rc != STORE_OK)
		print_error("store_batch_begin: %s\n", why);
	assert_int_equal(rc, STORE_OK);
}

static void
batch_commit(struct store *st)
{
	char why[512];
	int rc = store_batch_commit(st, why, sizeof(why));

	if (rc != STORE_OK)
		print_error("store_batch_commit: %s\n", why);
	assert_int_equal(rc, STORE_OK);
}

/* session_join_nonce - the JoinNonce of a stored session, or -1 if the
 * session is not there */
static long
session_join_nonce(struct store *st, const char *id)
{
	struct store_session s;
	char why[512];

	if (store_session_get(st, id, &s, why, sizeof(why)) != STORE_OK)
		return -1;
	return (long)s.join_nonce;
}

static void
test_batch_joins_see_each_other(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x2a, 1), b = sf_eui(0x2a, 2);
	char id_a2[STORE_ID_MAX];
	struct jarg j;

	(void)state_;
	sf_add(st, a, "1.0.4");
	sf_add(st, b, "1.0.2");
	batch_begin(st);
	assert_int_equal(sf_join(st, a, 5, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	/* The batch's own, uncommitted join counts. */
	assert_int_equal(sf_join(st, a, 5, &j), STORE_ERR_REPLAY);
	assert_int_equal(sf_join(st, a, 6, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	memcpy(id_a2, j.id, sizeof(id_a2));
	assert_int_equal(sf_join(st, b, 700, &j), STORE_OK);
	assert_int_equal(sf_join(st, b, 700, &j), STORE_ERR_REPLAY);
	assert_int_equal(
	    sf_join(st, sf_eui(0x2a, 99), 1, &j), STORE_ERR_NOTFOUND);
	batch_commit(st);
	store_close(st);
	st = sf_open(sf_kek, 0);
	sf_state(st, a, 2, 6, 2);
	sf_state(st, b, 1, 700, 1);
	assert_int_equal(session_join_nonce(st, id_a2), 2);
	assert_int_equal(sf_join(st, b, 700, &j), STORE_ERR_REPLAY);
	sf_rm(st, a);
	sf_rm(st, b);
	store_close(st);
}

static void
test_batch_failure_undone_alone(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x2b, 1), b = sf_eui(0x2b, 2);
	char why[512];
	struct jarg j;

	(void)state_;
	sf_add(st, a, "1.0.2");
	sf_add(st, b, "1.1");
	batch_begin(st);
	assert_int_equal(sf_join(st, a, 40, &j), STORE_OK);
	/* The callback refuses: this join's DevNonce and JoinNonce are
	 * rolled back to its savepoint, and the others stay. */
	memset(&j, 0, sizeof(j));
	j.ret = 1;
	assert_int_equal(
	    store_join(st, a, 41, sf_on_join, &j, why, sizeof(why)),
	    STORE_ERR_ABORTED);
	assert_int_equal(sf_join(st, b, 3, &j), STORE_OK);
	assert_int_equal(sf_join(st, a, 42, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 2);
	batch_commit(st);
	sf_state(st, a, 2, 42, 2);
	sf_state(st, b, 1, 3, 1);
	/* 41 was never remembered: it is still usable. */
	assert_int_equal(sf_join(st, a, 41, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 3);
	sf_rm(st, a);
	sf_rm(st, b);
	store_close(st);
}

static void
test_batch_invisible_until_commit(void **state_)
{
	struct store *st = sf_open(sf_kek, 0), *other = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x2c, 1);
	struct jarg j;

	(void)state_;
	sf_add(st, a, "1.0.4");
	batch_begin(st);
	assert_int_equal(sf_join(st, a, 9, &j), STORE_OK);
	/* Not durable, so not visible: an answer built on it must wait. */
	sf_state(other, a, 0, -1, 0);
	assert_int_equal(session_join_nonce(other, j.id), -1);
	batch_commit(st);
	sf_state(other, a, 1, 9, 1);
	assert_int_equal(session_join_nonce(other, j.id), 1);
	store_close(other);
	sf_rm(st, a);
	store_close(st);
}

static void
test_batch_abort_leaves_nothing(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	uint64_t a = sf_eui(0x2d, 1);
	char id[STORE_ID_MAX];
	struct jarg j;

	(void)state_;
	sf_add(st, a, "1.0.2");
	batch_begin(st);
	assert_int_equal(sf_join(st, a, 77, &j), STORE_OK);
	memcpy(id, j.id, sizeof(id));
	store_batch_abort(st);
	sf_state(st, a, 0, -1, 0);
	assert_int_equal(session_join_nonce(st, id), -1);
	/* Outside a batch again: each join commits on its own. */
	assert_int_equal(sf_join(st, a, 77, &j), STORE_OK);
	assert_int_equal(j.join_nonce, 1);
	store_close(st);
	st = sf_open(sf_kek, 0);
	sf_state(st, a, 1, 77, 1);
	sf_rm(st, a);
	store_close(st);
}

static void
test_batch_misuse(void **state_)
{
	struct store *st = sf_open(sf_kek, 0);
	char why[512];

	(void)state_;
	assert_int_equal(
	    store_batch_commit(st, why, sizeof(why)), STORE_ERR_ARG);
	assert_int_equal(
	    store_batch_begin(NULL, why, sizeof(why)), STORE_ERR_ARG);
	batch_begin(st);
	assert_int_equal(
	    store_batch_begin(st, why, sizeof(why)), STORE_ERR_ARG);
	batch_commit(st);
	store_batch_abort(st); /* no batch: nothing to do */
	store_batch_abort(NULL);
	/* Closed with a batch open: rolled back, not committed. */
	batch_begin(st);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_joins_see_each_other),
	    cmocka_unit_test(test_batch_failure_undone_alone),
	    cmocka_unit_test(test_batch_invisible_until_commit),
	    cmocka_unit_test(test_batch_abort_leaves_nothing),
	    cmocka_unit_test(test_batch_misuse),
	};

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
