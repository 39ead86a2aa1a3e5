/*
 * test_zone_sign.c - signature times for "loradane zone sign": absolute
 * UTC, "now", offsets, and a reason for every refusal, on a pinned clock.
 * Signing itself is tested end to end by tests/scripts/t_zone_sign.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "zone/sign.h"
#include "zone/zone_err.h"

/* 2026-11-27 12:00:00 UTC */
#define NOW ((time_t)1795780800)

static void
test_when_good(void **state)
{
	static const struct {
		const char *s;
		int64_t want;
	} good[] = {
	    {"now", NOW},
	    {"+30d", NOW + 30 * 86400},
	    {"-2d", NOW - 2 * 86400},
	    {"+12h", NOW + 12 * 3600},
	    {"-1h", NOW - 3600},
	    {"+90m", NOW + 90 * 60},
	    {"-15s", NOW - 15},
	    {"+0d", NOW},
	    {"20261127120000", NOW},
	    {"19700101000000", 0},
	    {"21060207062815", 4294967295LL},
	    {"20240229235959", 1709251199},
	};
	char why[256];
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_int_equal(
		    zone_sign_when(good[i].s, NOW, &v, why, sizeof(why)),
		    ZONE_OK);
		assert_int_equal(v, good[i].want);
	}
}

static void
test_when_bad(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"", "want YYYYMMDDHHMMSS"},
	    {"tomorrow", "want YYYYMMDDHHMMSS"},
	    {"30d", "want YYYYMMDDHHMMSS"},
	    {"+30", "want YYYYMMDDHHMMSS"},
	    {"+d", "want YYYYMMDDHHMMSS"},
	    {"+1x", "want YYYYMMDDHHMMSS"},
	    {"+-1d", "want YYYYMMDDHHMMSS"},
	    {"+1.5d", "want YYYYMMDDHHMMSS"},
	    {"+ 1d", "want YYYYMMDDHHMMSS"},
	    {"+99999999999d", "too large"},
	    {"2026112712000", "want YYYYMMDDHHMMSS"},
	    {"20260230000000", "no such time"},
	    {"20261301000000", "no such time"},
	    {"20261127240000", "no such time"},
	    {"20261127126000", "no such time"},
	    {"21060207062816", "outside 1970-2106"},
	    {"-60000d", "outside 1970-2106"},
	};
	char why[256];
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 42;
		why[0] = '\0';
		assert_int_equal(
		    zone_sign_when(bad[i].s, NOW, &v, why, sizeof(why)),
		    ZONE_ERR_ARG);
		assert_int_equal(v, 42);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("'%s': reason '%s' lacks '%s'", bad[i].s, why,
			    bad[i].why);
		/* The reason quotes what was given. */
		assert_non_null(strstr(why, bad[i].s));
	}
}

/* zone_sign refuses what cannot work before it reads anything */
static void
test_sign_args(void **state)
{
	struct zone_sign_opts o;
	struct zone_sign_result *res;
	char why[256];

	(void)state;
	res = test_calloc(1, sizeof(*res));
	memset(&o, 0, sizeof(o));
	o.origin = "opb.test";
	o.keydir = "/nonexistent/keys";
	o.in_path = "-";
	o.inception = NOW;
	o.expiration = NOW + 1;
	assert_int_equal(zone_sign(&o, res, why, sizeof(why)), ZONE_ERR_ARG);
	assert_non_null(strstr(why, "stdin"));
	o.in_path = "/nonexistent/zone";
	o.expiration = NOW;
	assert_int_equal(zone_sign(&o, res, why, sizeof(why)), ZONE_ERR_ARG);
	assert_non_null(strstr(why, "not after"));
	o.expiration = NOW + 1;
	o.origin = "a..b";
	assert_int_equal(zone_sign(&o, res, why, sizeof(why)), ZONE_ERR_ARG);
	assert_non_null(strstr(why, "a..b"));
	o.origin = "opb.test";
	assert_int_equal(zone_sign(&o, res, why, sizeof(why)), ZONE_ERR_IO);
	assert_non_null(strstr(why, "/nonexistent/zone"));
	test_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_when_good),
	    cmocka_unit_test(test_when_bad),
	    cmocka_unit_test(test_sign_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
