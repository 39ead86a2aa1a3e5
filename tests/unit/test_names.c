/*
 * test_names.c - pure unit tests: ClientName rules, error and verdict
 * names, TLSA presentation, configuration errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dance.h"
#include "util/strnum.h"

static void
test_clientname_rules(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
	    {"_ns-client.ns.example", 1},
	    {"sensor7._device.example.com", 1},
	    {"device73.example.com.", 1}, /* one final dot tolerated */
	    {"A-Z_0-9.Example", 1},
	    {"", 0},
	    {".", 0},
	    {".leading.dot", 0},
	    {"double..dot", 0},
	    {"trailing..", 0},
	    {"space in.name", 0},
	    {"escape\\046.name", 0},    /* no \\DDD escapes */
	    {"caf\xc3\xa9.example", 0}, /* U-labels are not allowed */
	    {"star*.example", 0},
	    {"a/b.example", 0},
	};
	char long_label[70], long_name[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = dance_clientname_check(
		    cases[i].name, strlen(cases[i].name));

		if ((r == DANCE_OK) != cases[i].ok)
			fail_msg("'%s': got %d, want %s", cases[i].name, r,
			    cases[i].ok ? "ok" : "refused");
	}
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".ex", 4);
	assert_int_equal(dance_clientname_check(long_label, strlen(long_label)),
	    DANCE_ERR_BAD_NAME);
	memcpy(long_label + 63, ".ex", 4); /* 63-octet label: fine */
	assert_int_equal(
	    dance_clientname_check(long_label, strlen(long_label)), DANCE_OK);
	for (i = 0; i < 256; i++)
		long_name[i] = (i % 10 == 9) ? '.' : 'b';
	long_name[256] = '\0';
	assert_int_equal(
	    dance_clientname_check(long_name, 256), DANCE_ERR_BAD_NAME);
	/* The extension allows 255 octets, the DNS only 253 of text. */
	assert_int_equal(
	    dance_clientname_check(long_name, 255), DANCE_ERR_BAD_NAME);
	assert_int_equal(
	    dance_clientname_check(long_name, 254), DANCE_ERR_BAD_NAME);
	assert_int_equal(dance_clientname_check(long_name, 253), DANCE_OK);
	long_name[253] = '.'; /* 253 octets and a final dot: fine */
	assert_int_equal(dance_clientname_check(long_name, 254), DANCE_OK);
}

static void
test_error_names_unique(void **state)
{
	const char *seen[64];
	int e, n = 0, i;

	(void)state;
	assert_string_equal(dance_strerror(DANCE_OK), "success");
	for (e = DANCE_ERR_NOMEM; e >= DANCE_ERR_STATE; e--) {
		const char *s = dance_strerror(e);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (i = 0; i < n; i++)
			assert_string_not_equal(seen[i], s);
		seen[n++] = s;
	}
	assert_string_equal(
	    dance_strerror(DANCE_ERR_STATE - 1), "unknown error");
	/* The enum is append-only: pin a few values. */
	assert_int_equal(DANCE_ERR_DNS_BOGUS, -6);
	assert_int_equal(DANCE_ERR_NO_MATCH, -11);
	assert_int_equal(DANCE_ERR_STATE, -19);
}

static void
test_verdict_mapping(void **state)
{
	(void)state;
	assert_int_equal(dance_dns_status_err(DANCE_DNS_SECURE), DANCE_OK);
	assert_int_equal(dance_dns_status_err(DANCE_DNS_SECURE_NXDOMAIN),
	    DANCE_ERR_DNS_DENIED);
	assert_int_equal(dance_dns_status_err(DANCE_DNS_SECURE_NODATA),
	    DANCE_ERR_DNS_DENIED);
	assert_int_equal(
	    dance_dns_status_err(DANCE_DNS_INSECURE), DANCE_ERR_DNS_INSECURE);
	assert_int_equal(
	    dance_dns_status_err(DANCE_DNS_BOGUS), DANCE_ERR_DNS_BOGUS);
	assert_int_equal(
	    dance_dns_status_err(DANCE_DNS_TEMPFAIL), DANCE_ERR_DNS_TEMPFAIL);
	assert_string_equal(dance_dns_status_str(DANCE_DNS_BOGUS), "bogus");
	assert_string_equal(
	    dance_dns_status_str(DANCE_DNS_SECURE_NXDOMAIN), "secure NXDOMAIN");
}

static void
test_rr_presentation(void **state)
{
	static const unsigned char d[4] = {0xde, 0xad, 0x00, 0x0f};
	struct dance_tlsa_rr rr = {3, 1, 1, sizeof(d), d};
	char buf[64], small[10];

	(void)state;
	assert_string_equal(
	    dance_tlsa_rr_str(&rr, buf, sizeof(buf)), "3 1 1 dead000f");
	/* Truncation is safe and NUL-terminated. */
	dance_tlsa_rr_str(&rr, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_memory_equal(small, "3 1 1 ", 6);
}

static void
test_config_errors(void **state)
{
	struct dance_ctx *ctx;
	struct dance_tlsa *t = NULL;
	int err;

	(void)state;
	ctx = dance_ctx_new(NULL, &err);
	assert_non_null(ctx);
	assert_int_equal(err, DANCE_OK);
	assert_int_equal(dance_ctx_set_timeout(ctx, 0), DANCE_ERR_INVAL);
	assert_int_equal(
	    dance_ctx_add_stub(ctx, "", "127.0.0.1"), DANCE_ERR_INVAL);
	assert_int_equal(
	    dance_ctx_add_ta_file(ctx, "/nonexistent/ta"), DANCE_ERR_FILE);
	assert_int_equal(
	    dance_ctx_add_ta(ctx, "not a resource record"), DANCE_ERR_INVAL);
	assert_int_equal(dance_ctx_add_ta(ctx, "example. 300 IN A 192.0.2.1"),
	    DANCE_ERR_INVAL); /* parses, but is no trust anchor */
	assert_int_equal(
	    dance_ctx_add_ta_file(ctx, "/etc/hostname"), DANCE_ERR_FILE);
	assert_int_equal(
	    dance_ctx_add_allowed_suffix(ctx, ""), DANCE_ERR_INVAL);
	/* Asynchronous lookups and prefetch need an event base. */
	assert_int_equal(
	    dance_ctx_add_prefetch(ctx, "a.example"), DANCE_ERR_STATE);
	assert_int_equal(dance_tlsa_lookup(ctx, "a.example", NULL, NULL, NULL),
	    DANCE_ERR_STATE);
	/* A lookup freezes the configuration. */
	assert_int_equal(dance_ctx_no_default_ta(ctx), DANCE_OK);
	assert_int_equal(dance_ctx_add_forwarder(ctx, "127.0.0.1@9"), DANCE_OK);
	assert_int_equal(dance_ctx_set_timeout(ctx, 200), DANCE_OK);
	assert_int_equal(
	    dance_tlsa_lookup_sync(ctx, "_1._tcp.a.example", 0, &t), DANCE_OK);
	assert_non_null(t);
	/* Nothing listens on port 9: a temporary failure, never data. */
	assert_int_equal(t->status, DANCE_DNS_TEMPFAIL);
	assert_int_equal(t->nrr, 0);
	dance_tlsa_unref(t);
	assert_int_equal(
	    dance_ctx_add_forwarder(ctx, "127.0.0.2"), DANCE_ERR_STATE);
	dance_ctx_free(ctx);
}

static void
test_tls_opts_refused(void **state)
{
	struct dance_client_opts co;
	struct dance_server_opts so;
	struct dance_ctx *ctx;
	int err;

	(void)state;
	ctx = dance_ctx_new(NULL, &err);
	assert_non_null(ctx);
	memset(&co, 0, sizeof(co));
	co.client_name = "bad name";
	assert_null(dance_tls_client_new(ctx, &co, &err));
	assert_int_equal(err, DANCE_ERR_INVAL);
	co.client_name = NULL;
	co.cert_file = "/nonexistent.crt"; /* a key without a name */
	assert_null(dance_tls_client_new(ctx, &co, &err));
	memset(&so, 0, sizeof(so));
	so.cert_file = "/nonexistent.crt";
	so.key_file = "/nonexistent.key";
	so.ext_type = 0xFF01; /* renegotiation_info: OpenSSL's own */
	assert_null(dance_tls_server_new(ctx, &so, &err));
	assert_int_equal(err, DANCE_ERR_INVAL);
	so.ext_type = 0x0A0A; /* GREASE */
	assert_null(dance_tls_server_new(ctx, &so, &err));
	assert_int_equal(err, DANCE_ERR_INVAL);
	so.ext_type = 0;
	so.client_auth = DANCE_CLIENT_AUTH_PKIX; /* no CA file */
	assert_null(dance_tls_server_new(ctx, &so, &err));
	assert_int_equal(err, DANCE_ERR_INVAL);
	dance_ctx_free(ctx);
}

static void
test_strnum(void **state)
{
	const char *e;

	(void)state;
	assert_int_equal(strnum_parse("65500", 0, 65535, &e), 65500);
	assert_null(e);
	assert_int_equal(strnum_parse("0xFFDC", 0, 65535, &e), 0xFFDC);
	assert_null(e);
	strnum_parse("65536", 0, 65535, &e);
	assert_string_equal(e, "too large");
	strnum_parse("12x", 0, 65535, &e);
	assert_string_equal(e, "invalid");
	strnum_parse("-1", 0, 65535, &e);
	assert_string_equal(e, "invalid");
	strnum_parse("", 0, 65535, &e);
	assert_string_equal(e, "invalid");
	strnum_parse("0", 1, 65535, &e);
	assert_string_equal(e, "too small");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clientname_rules),
	    cmocka_unit_test(test_error_names_unique),
	    cmocka_unit_test(test_verdict_mapping),
	    cmocka_unit_test(test_rr_presentation),
	    cmocka_unit_test(test_config_errors),
	    cmocka_unit_test(test_tls_opts_refused),
	    cmocka_unit_test(test_strnum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
