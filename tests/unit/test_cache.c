/*
 * test_cache.c - the resolver verdicts and the TLSA cache, against the
 * real NSD fixture: TTLs never outlived (injected clock), denials cached
 * briefly and apart from failures, coalescing, cancel, prefetch, and the
 * synchronous helper's deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dance.h"
#include "lib/testutil.h"

#define EE "_ns-client.ee.good.dance.test"

struct env {
	struct event_base *base;
	struct dance_ctx *ctx;
	struct tu_clock clock;
};

struct got {
	int done;
	struct dance_tlsa *t;
};

static int
setup(void **state)
{
	static struct env e;
	int err;

	memset(&e, 0, sizeof(e));
	e.base = event_base_new();
	e.ctx = dance_ctx_new(e.base, &err);
	if (e.base == NULL || e.ctx == NULL)
		return -1;
	e.clock.now_ms = 1000000;
	dance_ctx_set_clock(e.ctx, tu_clock_read, &e.clock);
	tu_resolver_fixture(e.ctx);
	*state = &e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	dance_ctx_free(e->ctx);
	event_base_free(e->base);
	return 0;
}

static void
got_cb(void *arg, struct dance_tlsa *t)
{
	struct got *g = arg;

	g->done++;
	dance_tlsa_unref(g->t);
	g->t = t;
}

/* lookup - one asynchronous lookup, run to completion */
static struct dance_tlsa *
lookup(struct env *e, const char *name)
{
	struct got g = {0, NULL};

	assert_int_equal(
	    dance_tlsa_lookup(e->ctx, name, got_cb, &g, NULL), DANCE_OK);
	assert_int_equal(g.done, 0); /* never from inside the call */
	assert_true(tu_run_until(e->base, &g.done, 10000));
	return g.t;
}

static uint64_t
sent(struct env *e)
{
	struct dance_stats st;

	dance_ctx_stats(e->ctx, &st);
	return st.queries_sent;
}

static void
test_secure_cached_until_ttl(void **state)
{
	struct env *e = *state;
	struct dance_tlsa *t, *c;
	uint64_t q0 = sent(e);
	uint32_t ttl;

	t = lookup(e, EE);
	assert_int_equal(t->status, DANCE_DNS_SECURE);
	assert_int_equal(t->nrr, 1);
	assert_int_equal(t->rr[0].usage, 3);
	assert_int_equal(t->rr[0].len, 32);
	ttl = t->ttl;
	assert_true(ttl > 0 && ttl <= 300);
	assert_int_equal(sent(e), q0 + 1);
	dance_tlsa_unref(t);

	t = lookup(e, EE); /* a cache hit: no query */
	assert_int_equal(t->status, DANCE_DNS_SECURE);
	assert_int_equal(sent(e), q0 + 1);
	dance_tlsa_unref(t);

	e->clock.now_ms += (uint64_t)ttl * 1000 - 1;
	c = dance_cache_get(e->ctx, EE);
	assert_non_null(c); /* one millisecond left */
	dance_tlsa_unref(c);
	e->clock.now_ms += 1;
	assert_null(dance_cache_get(e->ctx, EE)); /* never outlives */
	t = lookup(e, EE);
	assert_int_equal(t->status, DANCE_DNS_SECURE);
	assert_int_equal(sent(e), q0 + 2);
	dance_tlsa_unref(t);
}

static void
check_denial(struct env *e, const char *name, enum dance_dns_status want)
{
	struct dance_tlsa *t, *c;

	assert_int_equal(dance_ctx_set_negative_ttl(e->ctx, 5), DANCE_OK);
	t = lookup(e, name);
	assert_int_equal(t->status, want);
	assert_int_equal(t->nrr, 0);
	dance_tlsa_unref(t);
	e->clock.now_ms += 4999;
	c = dance_cache_get(e->ctx, name);
	assert_non_null(c);
	assert_int_equal(c->status, want);
	dance_tlsa_unref(c);
	e->clock.now_ms += 1; /* the negative cap, not the SOA's 300 s */
	assert_null(dance_cache_get(e->ctx, name));
}

static void
test_nxdomain_cached_briefly(void **state)
{
	check_denial(*state, "_ns-client.absent.good.dance.test",
	    DANCE_DNS_SECURE_NXDOMAIN);
}

static void
test_nodata_cached_briefly(void **state)
{
	check_denial(*state, "_ns-client.nodata.good.dance.test",
	    DANCE_DNS_SECURE_NODATA);
}

/* check_not_cached - a failure verdict is reported and never kept */
static void
check_not_cached(struct env *e, const char *name, enum dance_dns_status want,
    const char *why)
{
	struct dance_tlsa *t;
	uint64_t q0 = sent(e);

	t = lookup(e, name);
	assert_int_equal(t->status, want);
	assert_int_equal(t->nrr, 0); /* bogus data is never handed out */
	if (why != NULL) {
		assert_non_null(t->why);
		if (strstr(t->why, why) == NULL)
			fail_msg("why '%s' lacks '%s'", t->why, why);
	}
	dance_tlsa_unref(t);
	assert_null(dance_cache_get(e->ctx, name));
	t = lookup(e, name);
	assert_int_equal(t->status, want);
	assert_int_equal(sent(e), q0 + 2);
	dance_tlsa_unref(t);
}

static void
test_bogus_never_cached(void **state)
{
	check_not_cached(*state, "_ns-client.x.bogus.dance.test",
	    DANCE_DNS_BOGUS, "signature");
}

static void
test_expired_is_bogus(void **state)
{
	check_not_cached(*state, "_ns-client.x.expired.dance.test",
	    DANCE_DNS_BOGUS, "expired");
}

static void
test_future_is_bogus(void **state)
{
	check_not_cached(*state, "_ns-client.x.future.dance.test",
	    DANCE_DNS_BOGUS, "inception");
}

static void
test_insecure_never_cached(void **state)
{
	check_not_cached(*state, "_ns-client.x.insecure.dance.test",
	    DANCE_DNS_INSECURE, NULL);
}

static void
test_cname_followed(void **state)
{
	struct dance_tlsa *t;

	t = lookup(*state, "_ns-client.cname.good.dance.test");
	assert_int_equal(t->status, DANCE_DNS_SECURE);
	assert_int_equal(t->nrr, 1);
	assert_non_null(t->canon);
	assert_string_equal(t->canon, EE ".");
	dance_tlsa_unref(t);
}

static void
test_coalesced(void **state)
{
	struct env *e = *state;
	struct got g[50];
	uint64_t q0 = sent(e);
	int i, all = 0;

	memset(g, 0, sizeof(g));
	for (i = 0; i < 50; i++)
		assert_int_equal(dance_tlsa_lookup(e->ctx,
				     "_ns-client.sha512.good.dance.test",
				     got_cb, &g[i], NULL),
		    DANCE_OK);
	assert_int_equal(sent(e), q0 + 1); /* one query for 50 */
	assert_true(tu_run_until(e->base, &g[49].done, 10000));
	for (i = 0; i < 50; i++) {
		assert_int_equal(g[i].done, 1);
		assert_int_equal(g[i].t->status, DANCE_DNS_SECURE);
		assert_int_equal(g[i].t->rr[0].mtype, 2);
		dance_tlsa_unref(g[i].t);
		all++;
	}
	assert_int_equal(all, 50);
}

static void
test_cancelled_never_called(void **state)
{
	struct env *e = *state;
	struct dance_lookup *h;
	struct dance_stats st;
	struct got g = {0, NULL}, other = {0, NULL};

	assert_int_equal(dance_tlsa_lookup(e->ctx,
			     "_ns-client.full.good.dance.test", got_cb, &g, &h),
	    DANCE_OK);
	assert_int_equal(
	    dance_tlsa_lookup(e->ctx, "_ns-client.full.good.dance.test", got_cb,
		&other, NULL),
	    DANCE_OK);
	dance_lookup_cancel(h);
	assert_true(tu_run_until(e->base, &other.done, 10000));
	dance_ctx_stats(e->ctx, &st);
	assert_int_equal(st.queries_inflight, 0);
	assert_int_equal(g.done, 0);
	assert_int_equal(other.t->status, DANCE_DNS_SECURE);
	dance_tlsa_unref(other.t);
}

/* test_prefetch_refreshes - a 2 s TTL name is renewed before it expires */
static void
test_prefetch_refreshes(void **state)
{
	const char *name = "_ns-client.r.roll.dance.test";
	struct dance_ctx *ctx;
	struct event_base *base;
	struct dance_stats st;
	struct dance_tlsa *t;
	uint64_t end;
	int err, flag = 0, samples = 0, stale = 0;

	(void)state;
	base = event_base_new();
	ctx = dance_ctx_new(base, &err); /* the real clock */
	assert_non_null(ctx);
	tu_resolver_fixture(ctx);
	assert_int_equal(dance_ctx_add_prefetch(ctx, name), DANCE_OK);
	end = tu_now_ms() + 10000;
	for (;;) {
		assert_true(tu_now_ms() < end);
		tu_run_until(base, &flag, 20);
		t = dance_cache_get(ctx, name);
		if (t != NULL)
			break;
	}
	dance_tlsa_unref(t);
	/*
	 * For four TTLs nobody asks for the name; it must be renewed.  With
	 * a 2 s TTL the renewal cannot beat libunbound's one-second clock,
	 * so a short gap before each renewal is expected (bounded here);
	 * without prefetch the entry would be stale from 2 s on, i.e. more
	 * than 75% of the samples.
	 */
	end = tu_now_ms() + 8000;
	while (tu_now_ms() < end) {
		tu_run_until(base, &flag, 20);
		t = dance_cache_get(ctx, name);
		samples++;
		if (t == NULL)
			stale++;
		dance_tlsa_unref(t);
	}
	dance_ctx_stats(ctx, &st);
	print_message("prefetch: %d of %d samples stale, %llu queries\n", stale,
	    samples, (unsigned long long)st.queries_sent);
	assert_true(st.queries_sent >= 4);        /* renewed, not just kept */
	assert_true(stale * 100 <= samples * 35); /* fresh >= 65% */
	dance_ctx_free(ctx);
	event_base_free(base);
}

/* test_free_in_flight - freeing a context with queries in flight (owned
 * by cache entries and by prefetch) is clean, and no callback runs */
static void
test_free_in_flight(void **state)
{
	struct dance_ctx *ctx;
	struct event_base *base;
	struct dance_stats st;
	struct got g = {0, NULL};
	uint64_t end;
	int err;

	(void)state;
	base = event_base_new();
	ctx = dance_ctx_new(base, &err);
	assert_non_null(ctx);
	tu_resolver_fixture(ctx);
	assert_int_equal(dance_ctx_add_prefetch(ctx, EE), DANCE_OK);
	assert_int_equal(
	    dance_tlsa_lookup(
		ctx, "_ns-client.other.good.dance.test", got_cb, &g, NULL),
	    DANCE_OK);
	end = tu_now_ms() + 5000;
	do { /* until the prefetch query is sent too */
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		dance_ctx_stats(ctx, &st);
		assert_true(tu_now_ms() < end);
	} while (st.queries_sent < 2);
	/* Answers are only taken in the loop: this one is in flight. */
	assert_int_equal(
	    dance_tlsa_lookup(
		ctx, "_ns-client.full.good.dance.test", got_cb, &g, NULL),
	    DANCE_OK);
	dance_ctx_stats(ctx, &st);
	assert_true(st.queries_inflight >= 1);
	dance_ctx_free(ctx);
	assert_int_equal(g.done, 0);
	event_base_free(base);
}

/* test_sync_deadline - the blocking helper gives up on time */
static void
test_sync_deadline(void **state)
{
	char port[16], upstream[16], fwd[64];
	char *argv[5];
	struct dance_ctx *ctx;
	struct dance_tlsa *t;
	uint64_t t0, dt;
	pid_t pid;
	int err;

	(void)state;
	snprintf(port, sizeof(port), "%d", tu_free_port());
	snprintf(
	    upstream, sizeof(upstream), "%s", tu_env("DANCE_TEST_DNS_PORT"));
	argv[0] = (char *)"slowdns";
	argv[1] = port;
	argv[2] = upstream;
	argv[3] = (char *)"3000";
	argv[4] = NULL;
	pid = tu_spawn_helper("slowdns", argv, "slowdns: ready");
	assert_true(pid > 0);
	ctx = dance_ctx_new(NULL, &err);
	assert_non_null(ctx);
	snprintf(fwd, sizeof(fwd), "127.0.0.1@%s", port);
	assert_int_equal(dance_ctx_add_forwarder(ctx, fwd), DANCE_OK);
	assert_int_equal(
	    dance_ctx_add_ta_file(ctx, tu_env("DANCE_TA_DS")), DANCE_OK);
	t0 = tu_now_ms();
	assert_int_equal(dance_tlsa_lookup_sync(ctx, EE, 500, &t), DANCE_OK);
	dt = tu_now_ms() - t0;
	assert_int_equal(t->status, DANCE_DNS_TEMPFAIL);
	assert_string_equal(t->why, "timeout");
	assert_true(dt >= 450 && dt < 2000);
	dance_tlsa_unref(t);
	dance_ctx_free(ctx);
	tu_stop_helper(pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_secure_cached_until_ttl, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_nxdomain_cached_briefly, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_nodata_cached_briefly, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_bogus_never_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_expired_is_bogus, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_future_is_bogus, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_insecure_never_cached, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cname_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coalesced, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_cancelled_never_called, setup, teardown),
	    cmocka_unit_test(test_prefetch_refreshes),
	    cmocka_unit_test(test_free_in_flight),
	    cmocka_unit_test(test_sync_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
