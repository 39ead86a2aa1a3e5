/*
 * test_lorawan_ids.c - EUI-64 text, JoinEUI/NetID DNS names, the NetID
 * and DevAddr layout of all 8 types (NwkID errata applied), and 32-bit
 * frame counter reconstruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/ids.h"

static void
test_eui64_parse(void **state)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
	    {"70b3d57ed0000000", 1},
	    {"70B3D57ED0000000", 1},
	    {"0x70b3d57ed0000000", 1},
	    {"0X70b3D57eD0000000", 1},
	    {"70-b3-d5-7e-d0-00-00-00", 1},
	    {"70:B3:D5:7E:D0:00:00:00", 1},
	    {"0x70:b3:d5:7e:d0:00:00:00", 1},
	    {"", 0},
	    {"0x", 0},
	    {"70b3d57ed000000", 0},   /* 15 digits */
	    {"70b3d57ed00000000", 0}, /* 17 digits */
	    {"70b3d57ed000000g", 0},
	    {"70-b3-d5-7e-d0-00-00:00", 0}, /* mixed separators */
	    {"70-b3d5-7e-d0-00-00-00", 0},  /* a missing separator */
	    {"70b3-d5-7e-d0-00-00-00", 0},  /* separators only later */
	    {"70-b3-d5-7e-d0-00-00-00-", 0},
	    {" 70b3d57ed0000000", 0},
	    {"70b3d57ed0000000 ", 0},
	    {"7-0b3d57ed0000000", 0},
	    {"+70b3d57ed000000", 0},
	};
	uint64_t eui;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		eui = 0;
		r = lw_eui64_parse(cases[i].s, &eui);
		if ((r == LW_OK) != cases[i].ok)
			fail_msg("'%s': got %d, want %s", cases[i].s, r,
			    cases[i].ok ? "ok" : "refused");
		if (cases[i].ok && eui != 0x70b3d57ed0000000ULL)
			fail_msg("'%s': got %016llx", cases[i].s,
			    (unsigned long long)eui);
		if (!cases[i].ok)
			assert_int_equal(r, LW_ERR_INVAL);
	}
	assert_int_equal(lw_eui64_parse(NULL, &eui), LW_ERR_INVAL);
	assert_int_equal(
	    lw_eui64_parse("0000000000000000", NULL), LW_ERR_INVAL);
}

static void
test_eui64_format(void **state)
{
	char buf[LW_EUI64_STRLEN];
	uint64_t back;

	(void)state;
	assert_int_equal(
	    lw_eui64_format(0x70B3D57ED0000000ULL, buf, sizeof(buf)), LW_OK);
	assert_string_equal(buf, "70b3d57ed0000000");
	assert_int_equal(lw_eui64_format(0, buf, sizeof(buf)), LW_OK);
	assert_string_equal(buf, "0000000000000000");
	assert_int_equal(lw_eui64_format(UINT64_MAX, buf, sizeof(buf)), LW_OK);
	assert_string_equal(buf, "ffffffffffffffff");
	assert_int_equal(lw_eui64_parse(buf, &back), LW_OK);
	assert_true(back == UINT64_MAX);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(lw_eui64_format(1, buf, 16), LW_ERR_TOO_LONG);
	assert_int_equal(buf[0], 'x'); /* refused, not truncated */
	assert_int_equal(lw_eui64_format(1, NULL, 17), LW_ERR_INVAL);
}

static void
test_joineui_dns(void **state)
{
	static const struct {
		uint64_t eui;
		const char *suffix;
		const char *want;
	} cases[] = {
	    {0x70b3d57ed0000000ULL, NULL,
		"0.0.0.0.0.0.0.d.e.7.5.d.3.b.0.7.joineuis.lora-alliance.org"},
	    /* BI10 §19's example, 00-00-5E-10-00-00-00-2F */
	    {0x00005e100000002fULL, NULL,
		"f.2.0.0.0.0.0.0.0.1.e.5.0.0.0.0.joineuis.lora-alliance.org"},
	    /* ChirpStack's: its suffix option carries the leading dot. */
	    {0x0807060504030201ULL, ".joineuis.lora-alliance.org",
		"1.0.2.0.3.0.4.0.5.0.6.0.7.0.8.0.joineuis.lora-alliance.org"},
	    {0x0807060504030201ULL, "", "1.0.2.0.3.0.4.0.5.0.6.0.7.0.8.0."},
	    {0x0807060504030201ULL, "joineui.iot-roam.net",
		"1.0.2.0.3.0.4.0.5.0.6.0.7.0.8.0.joineui.iot-roam.net"},
	};
	char buf[128];
	size_t i, need;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(lw_joineui_dns_name(cases[i].eui,
				     cases[i].suffix, buf, sizeof(buf)),
		    LW_OK);
		assert_string_equal(buf, cases[i].want);
	}
	need = strlen(cases[0].want) + 1;
	assert_int_equal(
	    lw_joineui_dns_name(cases[0].eui, NULL, buf, need), LW_OK);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(lw_joineui_dns_name(cases[0].eui, NULL, buf, need - 1),
	    LW_ERR_TOO_LONG);
	assert_int_equal(buf[0], 'x');
	assert_int_equal(lw_joineui_dns_name(1, "", buf, 32), LW_ERR_TOO_LONG);
	assert_int_equal(lw_joineui_dns_name(1, "", buf, 33), LW_OK);
	assert_int_equal(lw_joineui_dns_name(1, NULL, NULL, 0), LW_ERR_INVAL);
}

static void
test_netid_dns(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(
	    lw_netid_dns_name(0x00050a, NULL, buf, sizeof(buf)), LW_OK);
	assert_string_equal(buf, "00050a.netids.lora-alliance.org");
	assert_int_equal(lw_netid_dns_name(
			     0xC0FFEE, ".netid.iot-roam.net", buf, sizeof(buf)),
	    LW_OK);
	assert_string_equal(buf, "c0ffee.netid.iot-roam.net");
	assert_int_equal(
	    lw_netid_dns_name(0x000013, "", buf, sizeof(buf)), LW_OK);
	assert_string_equal(buf, "000013");
	assert_int_equal(
	    lw_netid_dns_name(0x1000000, NULL, buf, sizeof(buf)), LW_ERR_FIELD);
	assert_int_equal(lw_netid_dns_name(0x00050a, NULL, buf, 32), LW_OK);
	assert_int_equal(
	    lw_netid_dns_name(0x00050a, NULL, buf, 31), LW_ERR_TOO_LONG);
	assert_int_equal(lw_netid_dns_name(1, "", buf, 6), LW_ERR_TOO_LONG);
	assert_int_equal(lw_netid_dns_name(1, "", NULL, 6), LW_ERR_INVAL);
}

/*
 * One NetID of each type, with the DevAddr built from it and a NwkAddr.
 * Worked by hand from the §6 table (types 3 and 4: 11 and 12 NwkID bits,
 * per the errata; the withdrawn 10/11-bit layout gives other values).
 */
static const struct netid_row {
	uint32_t net_id;
	int type;
	int nwkid_bits;
	uint32_t nwkid;
	uint32_t prefix;
	int prefix_bits;
	uint32_t nwk_addr;
	uint32_t dev_addr;
} netid_rows[] = {
    {0x000013, 0, 6, 0x13, 0x26000000, 7, 0x1abcdef, 0x27abcdef},
    {0x200025, 1, 6, 0x25, 0xa5000000, 8, 0x123456, 0xa5123456},
    {0x4001ab, 2, 9, 0x1ab, 0xdab00000, 12, 0x12345, 0xdab12345},
    {0x6005ff, 3, 11, 0x5ff, 0xebfe0000, 15, 0x1abcd, 0xebffabcd},
    {0x800abc, 4, 12, 0xabc, 0xf55e0000, 17, 0x7fff, 0xf55e7fff},
    {0xa01234, 5, 13, 0x1234, 0xfa468000, 19, 0x0abc, 0xfa468abc},
    {0xc0abcd, 6, 15, 0x2bcd, 0xfcaf3400, 22, 0x3ff, 0xfcaf37ff},
    {0xe1ffff, 7, 17, 0x1ffff, 0xfeffff80, 25, 0x55, 0xfeffffd5},
};

static void
test_netid_devaddr_table(void **state)
{
	uint32_t v, prefix;
	int bits;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(netid_rows) / sizeof(netid_rows[0]); i++) {
		const struct netid_row *r = &netid_rows[i];

		print_message("# NetID %06lx type %d\n",
		    (unsigned long)r->net_id, r->type);
		assert_int_equal(lw_netid_type(r->net_id), r->type);
		assert_int_equal(lw_nwkid_bits(r->type), r->nwkid_bits);
		assert_int_equal(lw_netid_nwkid(r->net_id, &v), LW_OK);
		assert_int_equal(v, r->nwkid);
		assert_int_equal(
		    lw_netid_devaddr_prefix(r->net_id, &prefix, &bits), LW_OK);
		assert_int_equal(prefix, r->prefix);
		assert_int_equal(bits, r->prefix_bits);
		assert_int_equal(
		    lw_devaddr_build(r->net_id, r->nwk_addr, &v), LW_OK);
		assert_int_equal(v, r->dev_addr);
		assert_int_equal(lw_devaddr_type(r->dev_addr), r->type);
		assert_int_equal(lw_devaddr_nwkid(r->dev_addr, &v), LW_OK);
		assert_int_equal(v, r->nwkid);
		assert_int_equal(lw_devaddr_nwkaddr(r->dev_addr, &v), LW_OK);
		assert_int_equal(v, r->nwk_addr);
		assert_true(lw_devaddr_netid_match(r->dev_addr, r->net_id));
		assert_true(lw_devaddr_netid_match(r->prefix, r->net_id));
		/* The last prefix bit flipped: another network. */
		assert_false(lw_devaddr_netid_match(
		    r->dev_addr ^ (1u << (32 - r->prefix_bits)), r->net_id));
		/* The widest NwkAddr fits, one bit more does not. */
		assert_int_equal(lw_devaddr_build(r->net_id,
				     (1u << (32 - r->prefix_bits)) - 1, &v),
		    LW_OK);
		assert_int_equal(lw_devaddr_build(r->net_id,
				     1u << (32 - r->prefix_bits), &v),
		    LW_ERR_FIELD);
	}
}

static void
test_netid_devaddr_edges(void **state)
{
	uint32_t v;
	int bits;

	(void)state;
	assert_int_equal(lw_nwkid_bits(-1), LW_ERR_INVAL);
	assert_int_equal(lw_nwkid_bits(8), LW_ERR_INVAL);
	assert_int_equal(lw_netid_type(0x1000000), LW_ERR_FIELD);
	assert_int_equal(lw_netid_nwkid(0x1000000, &v), LW_ERR_FIELD);
	assert_int_equal(lw_netid_nwkid(0, NULL), LW_ERR_INVAL);
	assert_int_equal(lw_devaddr_build(0x1000000, 0, &v), LW_ERR_FIELD);
	assert_int_equal(lw_devaddr_build(0, 0, NULL), LW_ERR_INVAL);
	assert_int_equal(
	    lw_netid_devaddr_prefix(0x1000000, &v, &bits), LW_ERR_FIELD);
	/* Prefix 11111111 belongs to no type. */
	assert_int_equal(lw_devaddr_type(0xff000000), LW_ERR_FIELD);
	assert_int_equal(lw_devaddr_type(0xfe000000), 7);
	assert_int_equal(lw_devaddr_type(0x7fffffff), 0);
	assert_int_equal(lw_devaddr_nwkid(0xffffffff, &v), LW_ERR_FIELD);
	assert_int_equal(lw_devaddr_nwkaddr(0xffffffff, &v), LW_ERR_FIELD);
	assert_false(lw_devaddr_netid_match(0xffffffff, 0xe1ffff));
	assert_false(lw_devaddr_netid_match(0x26000000, 0x1000013));
	/* Private NetIDs 000000 and 000001: prefixes 00000000/7, 02000000/7 */
	assert_int_equal(lw_devaddr_build(0x000001, 5, &v), LW_OK);
	assert_int_equal(v, 0x02000005);
	/* NetIDs sharing a NwkID share the DevAddr space: "may be". */
	assert_true(lw_devaddr_netid_match(0x27abcdef, 0x000053));
	assert_false(lw_devaddr_netid_match(0x27abcdef, 0x000014));
	/* A type 1 DevAddr never matches a type 0 NetID and vice versa. */
	assert_false(lw_devaddr_netid_match(0xa5123456, 0x000025));
	assert_false(lw_devaddr_netid_match(0x27abcdef, 0x200013));
}

/* Every NetID type, many random IDs and NwkAddrs: build then take apart. */
static void
test_netid_devaddr_property(void **state)
{
	uint64_t s = 0x6e65746964ULL;
	uint32_t net_id, nwk_addr, dev_addr, v;
	int i, t, bits;

	(void)state;
	print_message("# seed 0x%llx\n", 0x6e65746964ULL);
	for (i = 0; i < 80000; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		t = i % 8;
		net_id = (uint32_t)t << 21 | ((uint32_t)(s >> 40) & 0x1fffff);
		assert_int_equal(lw_netid_type(net_id), t);
		assert_int_equal(
		    lw_netid_devaddr_prefix(net_id, &v, &bits), LW_OK);
		nwk_addr = (uint32_t)(s >> 7) & ((1u << (32 - bits)) - 1);
		assert_int_equal(
		    lw_devaddr_build(net_id, nwk_addr, &dev_addr), LW_OK);
		assert_int_equal(lw_devaddr_type(dev_addr), t);
		assert_int_equal(lw_devaddr_nwkaddr(dev_addr, &v), LW_OK);
		assert_int_equal(v, nwk_addr);
		assert_int_equal(lw_devaddr_nwkid(dev_addr, &v), LW_OK);
		assert_int_equal(v, net_id & ((1u << lw_nwkid_bits(t)) - 1));
		assert_true(lw_devaddr_netid_match(dev_addr, net_id));
	}
}

static void
test_fcnt_expand(void **state)
{
	static const struct {
		uint32_t last;
		uint16_t fcnt16;
		uint32_t want;
	} cases[] = {
	    {0, 0, 0},
	    {0, 1, 1},
	    {5, 5, 5}, /* a repeat gives last itself */
	    {5, 6, 6},
	    {5, 4, 0x10004},      /* behind: next rollover */
	    {0xffff, 0, 0x10000}, /* 16-bit rollover */
	    {0xffff, 0xffff, 0xffff},
	    {0xfffe, 0xffff, 0xffff},
	    {0x1fffe, 0x0001, 0x20001},
	    {0x12345678, 0x5679, 0x12345679},
	    {0x12345678, 0x5677, 0x12355677},
	    {0x12345678, 0x0000, 0x12350000},
	    {0xffff0000, 0xffff, 0xffffffff},
	    {0xffffffff, 0xffff, 0xffffffff},
	    {0xfffffff0, 0x0005, 0x00000005}, /* 32-bit wrap: below last */
	    {0xffffffff, 0x0000, 0x00000000},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = lw_fcnt_expand(cases[i].last, cases[i].fcnt16);

		if (got != cases[i].want)
			fail_msg("last %08lx fcnt %04x: got %08lx, want %08lx",
			    (unsigned long)cases[i].last,
			    (unsigned)cases[i].fcnt16, (unsigned long)got,
			    (unsigned long)cases[i].want);
	}
}

/* The result always ends in fcnt16 and is at most 0xffff ahead. */
static void
test_fcnt_property(void **state)
{
	uint64_t s = 0x66636e74ULL;
	uint32_t last, got;
	uint16_t f16;
	int i;

	(void)state;
	print_message("# seed 0x%llx\n", 0x66636e74ULL);
	for (i = 0; i < 100000; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		last = (uint32_t)(s >> 32);
		f16 = (uint16_t)(s >> 8);
		got = lw_fcnt_expand(last, f16);
		assert_int_equal(got & 0xffff, f16);
		assert_true((uint32_t)(got - last) <= 0xffff);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eui64_parse),
	    cmocka_unit_test(test_eui64_format),
	    cmocka_unit_test(test_joineui_dns),
	    cmocka_unit_test(test_netid_dns),
	    cmocka_unit_test(test_netid_devaddr_table),
	    cmocka_unit_test(test_netid_devaddr_edges),
	    cmocka_unit_test(test_netid_devaddr_property),
	    cmocka_unit_test(test_fcnt_expand),
	    cmocka_unit_test(test_fcnt_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
