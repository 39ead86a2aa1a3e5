/*
 * test_config.c - the table-driven configuration reader (util/config.h)
 * and the operator profile built on it (zone/profile.h): tokenizing,
 * every error reported with its line, round trip, derived DNS names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/config.h"
#include "zone/profile.h"
#include "zone/zone_err.h"

static void
test_split(void **state)
{
	char buf[128], *w[4];
	const char *err = NULL;

	(void)state;
	snprintf(buf, sizeof(buf), "  element js \"a b\\\"c\" x#comment\n");
	assert_int_equal(cfg_split(buf, w, 4, &err), 4);
	assert_string_equal(w[0], "element");
	assert_string_equal(w[2], "a b\"c");
	assert_string_equal(w[3], "x");
	snprintf(buf, sizeof(buf), "   # only a comment\n");
	assert_int_equal(cfg_split(buf, w, 4, &err), 0);
	snprintf(buf, sizeof(buf), "a \"open");
	assert_int_equal(cfg_split(buf, w, 4, &err), -1);
	assert_string_equal(err, "unterminated quote");
	snprintf(buf, sizeof(buf), "a b c d e");
	assert_int_equal(cfg_split(buf, w, 4, &err), -1);
	assert_string_equal(err, "too many words");
	snprintf(buf, sizeof(buf), "\"q\"x");
	assert_int_equal(cfg_split(buf, w, 4, &err), -1);
}

struct reports {
	int n;
	char text[8][160];
};

static void
collect(void *arg, const char *file, int lineno, const char *directive,
    const char *message)
{
	struct reports *r = arg;

	if (r->n < 8)
		snprintf(r->text[r->n], sizeof(r->text[0]), "%s:%d:%s:%s", file,
		    lineno, directive, message);
	r->n++;
}

static int
parse(const char *text, struct op_profile *p, struct reports *r)
{
	char why[256];
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	memset(r, 0, sizeof(*r));
	ret = op_profile_parse(f, "t.conf", p, collect, r, why, sizeof(why));
	fclose(f);
	return ret;
}

static void
test_every_error_has_its_line(void **state)
{
	struct op_profile p;
	struct reports r;

	(void)state;
	assert_int_equal(parse("operator opb\n"
			       "bogus 1\n"
			       "domain opb.test\n"
			       "ttl 0\n"
			       "element js js\n"
			       "netid 0000zz\n"
			       "domain again.test\n",
			     &p, &r),
	    ZONE_ERR_PARSE);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.text[0], "t.conf:2:bogus:unknown directive");
	assert_string_equal(
	    r.text[1], "t.conf:4:ttl:'0' is too small (1..86400)");
	assert_string_equal(r.text[2],
	    "t.conf:5:element:expects js|ns|as HOST PORT [ADDRESS...]");
	assert_non_null(strstr(r.text[3], "t.conf:6:netid:NetID '0000zz'"));
	assert_string_equal(r.text[4], "t.conf:7:domain:given more than once");
	assert_int_equal(parse("ttl 5\n", &p, &r), ZONE_ERR_PARSE);
	assert_int_equal(r.n, 2); /* operator and domain missing */
	assert_string_equal(r.text[0], "t.conf:0:operator:missing (required)");
}

static void
test_profile_round_trip_and_names(void **state)
{
	char dir[] = "/tmp/loradane-cfg.XXXXXX", path[64], name[300], why[256];
	char *addrs[] = {"127.0.0.1", "::1"};
	struct op_profile p, q;
	struct reports r;
	FILE *f;

	(void)state;
	assert_int_equal(
	    op_profile_init(&p, "opb", "OPB.test", why, sizeof(why)), ZONE_OK);
	assert_string_equal(p.domain, "opb.test.");
	assert_int_equal(op_profile_set_element(&p, "ns", "ns", "4432", addrs,
			     2, why, sizeof(why)),
	    ZONE_OK);
	assert_int_equal(op_profile_set_element(&p, "js", "js.other.test.",
			     "443", NULL, 0, why, sizeof(why)),
	    ZONE_OK);
	assert_int_equal(
	    op_profile_add_joineui(&p, "70b3d57ed0000000/36", why, sizeof(why)),
	    ZONE_OK);
	assert_int_equal(
	    op_profile_add_netid(&p, "00050A", why, sizeof(why)), ZONE_OK);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(op_profile_write(&p, dir, why, sizeof(why)), ZONE_OK);
	assert_int_equal(
	    op_profile_write(&p, dir, why, sizeof(why)), ZONE_ERR_EXISTS);
	snprintf(path, sizeof(path), "%s/operator.conf", dir);
	assert_non_null(f = fopen(path, "r"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    op_profile_parse(f, path, &q, collect, &r, why, sizeof(why)),
	    ZONE_OK);
	fclose(f);
	unlink(path);
	rmdir(dir);
	assert_string_equal(q.el[OP_NS].host, "ns.opb.test.");
	assert_string_equal(q.el[OP_NS].addrs[1], "::1");
	assert_string_equal(q.el[OP_JS].host, "js.other.test.");
	assert_false(q.el[OP_AS].present);
	assert_int_equal(q.netid[0], 0x00050a);
	op_identity_tlsa_name(
	    &q, op_identity_find("ns-client"), name, sizeof(name));
	assert_string_equal(name, "_ns-client.ns.opb.test.");
	op_identity_tlsa_name(
	    &q, op_identity_find("ns-server"), name, sizeof(name));
	assert_string_equal(name, "_4432._tcp.ns.opb.test.");
	op_identity_dns_name(
	    &q, op_identity_find("ns-client"), name, sizeof(name));
	assert_string_equal(name, "_ns-client.ns.opb.test");
	assert_int_equal(op_identity_tlsa_name(&q,
			     op_identity_find("as-server"), name, sizeof(name)),
	    ZONE_ERR_NOTFOUND);
	op_joineui_owner(&q, &q.joineui[0], name, sizeof(name));
	assert_string_equal(name, "*.d.e.7.5.d.3.b.0.7.joineuis.opb.test.");
	op_netid_owner(&q, q.netid[0], name, sizeof(name));
	assert_string_equal(name, "00050a.netids.opb.test.");
}

static void
test_bad_fields(void **state)
{
	char why[256], *bad_addr[] = {"1.2.3"};
	struct op_profile p;

	(void)state;
	assert_int_equal(
	    op_profile_init(&p, "-opb", "opb.test", why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_int_equal(
	    op_profile_init(&p, "opb", "a..b", why, sizeof(why)), ZONE_ERR_ARG);
	assert_int_equal(
	    op_profile_init(&p, "opb", "opb.test", why, sizeof(why)), ZONE_OK);
	assert_int_equal(op_profile_set_element(
			     &p, "gw", "gw", "1", NULL, 0, why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_int_equal(op_profile_set_element(&p, "js", "js", "65536", NULL,
			     0, why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_int_equal(op_profile_set_element(&p, "js", "js", "1", bad_addr,
			     1, why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_string_equal(
	    why, "address '1.2.3' is not an IPv4 or IPv6 address");
	assert_int_equal(
	    op_profile_add_joineui(&p, "70b3d57ed0000000/60", why, sizeof(why)),
	    ZONE_OK);
	assert_int_equal(
	    op_profile_add_joineui(&p, "70b3d57ed0000001/60", why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_int_equal(
	    op_profile_add_joineui(&p, "70b3d57ed000000/64", why, sizeof(why)),
	    ZONE_ERR_ARG);
	assert_int_equal(op_profile_add_netid(&p, "1000000", why, sizeof(why)),
	    ZONE_ERR_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_every_error_has_its_line),
	    cmocka_unit_test(test_profile_round_trip_and_names),
	    cmocka_unit_test(test_bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
