/*
 * test_region.c - EU868 and US915 regional parameters (lorawan/region.h).
 * Expected values are worked out by hand from lorawan-backend.md section 5
 * and RP002 and written down here, never computed by the code under test:
 * names, data rate tables both ways, RX1/RX2 for several uplink DRs and
 * channels, the receive delays and the tmst wrap-around, maximum payload
 * sizes, and refusals naming their field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lorawan/region.h"

static void
test_names(void **state)
{
	static const struct {
		const char *name;
		enum lw_region r;
	} ok[] = {
	    {"EU868", LW_REGION_EU868},
	    {"eu868", LW_REGION_EU868},
	    {"EU863-870", LW_REGION_EU868},
	    {"eu863_870", LW_REGION_EU868},
	    {"US915", LW_REGION_US915},
	    {"us902", LW_REGION_US915},
	    {"US902-928", LW_REGION_US915},
	    {"Us902_928", LW_REGION_US915},
	};
	static const char *const bad[] = {
	    "AS923", "EU86", "EU868 ", "", "US915-US915-US915-US915"};
	struct lw_region_error e;
	enum lw_region r;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		r = (enum lw_region) - 1;
		assert_int_equal(lw_region_parse(ok[i].name, &r, &e), LW_OK);
		assert_int_equal(r, ok[i].r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.field = NULL;
		assert_int_equal(lw_region_parse(bad[i], &r, &e), LW_ERR_FIELD);
		assert_string_equal(e.field, "region");
	}
	assert_int_equal(lw_region_parse(NULL, &r, NULL), LW_ERR_INVAL);
	assert_string_equal(lw_region_name(LW_REGION_EU868), "EU868");
	assert_string_equal(lw_region_name(LW_REGION_US915), "US915");
	assert_string_equal(lw_region_name((enum lw_region)7), "unknown");
}

static void
test_data_rates(void **state)
{
	static const char *const eu[8] = {"SF12BW125", "SF11BW125", "SF10BW125",
	    "SF9BW125", "SF8BW125", "SF7BW125", "SF7BW250", "50000"};
	static const char *const us_up[5] = {
	    "SF10BW125", "SF9BW125", "SF8BW125", "SF7BW125", "SF8BW500"};
	static const char *const us_down[6] = {"SF12BW500", "SF11BW500",
	    "SF10BW500", "SF9BW500", "SF8BW500", "SF7BW500"};
	struct lw_region_error e;
	struct lw_dr_params p;
	char buf[LW_DATR_MAX];
	unsigned dr;

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		for (int up = 0; up < 2; up++) {
			assert_int_equal(lw_region_dr_datr(LW_REGION_EU868, up,
					     i, buf, sizeof(buf), &e),
			    LW_OK);
			assert_string_equal(buf, eu[i]);
			assert_int_equal(lw_region_datr_dr(LW_REGION_EU868, up,
					     eu[i], &dr, &e),
			    LW_OK);
			assert_int_equal(dr, i);
		}
	}
	assert_int_equal(lw_region_dr(LW_REGION_EU868, true, 7, &p, &e), LW_OK);
	assert_true(p.fsk);
	assert_int_equal(p.bps, 50000);
	assert_int_equal(
	    lw_region_dr(LW_REGION_EU868, false, 6, &p, &e), LW_OK);
	assert_false(p.fsk);
	assert_int_equal(p.sf, 7);
	assert_int_equal(p.bw_khz, 250);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(lw_region_dr_datr(LW_REGION_US915, true, i,
				     buf, sizeof(buf), &e),
		    LW_OK);
		assert_string_equal(buf, us_up[i]);
		assert_int_equal(
		    lw_region_datr_dr(LW_REGION_US915, true, us_up[i], &dr, &e),
		    LW_OK);
		assert_int_equal(dr, i);
	}
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(lw_region_dr_datr(LW_REGION_US915, false,
				     8 + i, buf, sizeof(buf), &e),
		    LW_OK);
		assert_string_equal(buf, us_down[i]);
		assert_int_equal(lw_region_datr_dr(LW_REGION_US915, false,
				     us_down[i], &dr, &e),
		    LW_OK);
		assert_int_equal(dr, 8 + i);
	}
	/* SF8BW500 is DR4 up and DR12 down */
	assert_int_equal(
	    lw_region_datr_dr(LW_REGION_US915, false, "SF8BW500", &dr, &e),
	    LW_OK);
	assert_int_equal(dr, 12);
	/* refusals */
	assert_int_equal(
	    lw_region_dr(LW_REGION_US915, true, 8, &p, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "dr");
	assert_int_equal(
	    lw_region_dr(LW_REGION_US915, false, 3, &p, &e), LW_ERR_FIELD);
	assert_int_equal(lw_region_dr(LW_REGION_US915, true, 5, &p, &e),
	    LW_ERR_FIELD); /* LR-FHSS */
	assert_int_equal(
	    lw_region_dr(LW_REGION_EU868, true, 8, &p, &e), LW_ERR_FIELD);
	assert_int_equal(
	    lw_region_datr_dr(LW_REGION_US915, true, "SF12BW125", &dr, &e),
	    LW_ERR_FIELD);
	assert_string_equal(e.field, "datr");
	assert_int_equal(
	    lw_region_datr_dr(LW_REGION_US915, true, "50000", &dr, &e),
	    LW_ERR_FIELD);
	assert_int_equal(
	    lw_region_datr_dr(LW_REGION_EU868, true, "SF7BW500", &dr, &e),
	    LW_ERR_FIELD);
	assert_int_equal(
	    lw_region_dr_datr(LW_REGION_EU868, true, 0, buf, 9, &e),
	    LW_ERR_TOO_LONG);
}

static void
test_channels(void **state)
{
	static const struct {
		uint32_t up, ch, rx1;
	} us[] = {
	    /* 902.3 + 0.2 n, RX1 923.3 + 0.6 (n mod 8) */
	    {902300000u, 0, 923300000u},
	    {902500000u, 1, 923900000u},
	    {903700000u, 7, 927500000u},
	    {903900000u, 8, 923300000u},
	    {904100000u, 9, 923900000u},
	    {905300000u, 15, 927500000u},
	    {914900000u, 63, 927500000u},
	    /* 903.0 + 1.6 n is channel 64 + n */
	    {903000000u, 64, 923300000u},
	    {904600000u, 65, 923900000u},
	    {914200000u, 71, 927500000u},
	};
	struct lw_region_error e;
	unsigned ch;
	uint32_t f;

	(void)state;
	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
		assert_int_equal(lw_region_uplink_channel(
				     LW_REGION_US915, us[i].up, &ch, &e),
		    LW_OK);
		assert_int_equal(ch, us[i].ch);
		assert_int_equal(
		    lw_region_rx1_freq(LW_REGION_US915, us[i].up, &f, &e),
		    LW_OK);
		assert_int_equal(f, us[i].rx1);
	}
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(lw_region_uplink_channel(LW_REGION_EU868,
				     868100000u + 200000u * i, &ch, &e),
		    LW_OK);
		assert_int_equal(ch, i);
	}
	/* EU868 RX1 is the uplink frequency, CFList channels included */
	assert_int_equal(
	    lw_region_rx1_freq(LW_REGION_EU868, 867700000u, &f, &e), LW_OK);
	assert_int_equal(f, 867700000u);
	assert_int_equal(
	    lw_region_rx1_freq(LW_REGION_EU868, 915000000u, &f, &e),
	    LW_ERR_FIELD);
	assert_string_equal(e.field, "freq");
	assert_int_equal(
	    lw_region_rx1_freq(LW_REGION_US915, 902400000u, &f, &e),
	    LW_ERR_FIELD);
	assert_string_equal(e.field, "freq");
	assert_int_equal(
	    lw_region_uplink_channel(LW_REGION_US915, 915100000u, &ch, &e),
	    LW_ERR_FIELD);
	assert_int_equal(
	    lw_region_uplink_channel(LW_REGION_US915, 915800000u, &ch, &e),
	    LW_ERR_FIELD);
	assert_int_equal(
	    lw_region_uplink_channel(LW_REGION_EU868, 867100000u, &ch, &e),
	    LW_ERR_FIELD);
}

static void
test_rx1_dr(void **state)
{
	/* US915 RP002 table 2.5.8 */
	static const uint8_t us[5][4] = {
	    {10, 9, 8, 8},
	    {11, 10, 9, 8},
	    {12, 11, 10, 9},
	    {13, 12, 11, 10},
	    {13, 13, 12, 11},
	};
	struct lw_region_error e;
	unsigned dr;

	(void)state;
	for (unsigned up = 0; up < 8; up++)
		for (unsigned off = 0; off < 6; off++) {
			assert_int_equal(
			    lw_region_rx1_dr(LW_REGION_EU868, up, off, &dr, &e),
			    LW_OK);
			/* EU868 (RP002): max(up - offset, 0) for every DR */
			assert_int_equal(dr, up > off ? up - off : 0);
		}
	for (unsigned up = 0; up < 5; up++)
		for (unsigned off = 0; off < 4; off++) {
			assert_int_equal(
			    lw_region_rx1_dr(LW_REGION_US915, up, off, &dr, &e),
			    LW_OK);
			assert_int_equal(dr, us[up][off]);
		}
	assert_int_equal(
	    lw_region_rx1_dr(LW_REGION_EU868, 5, 6, &dr, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "rx1_dr_offset");
	assert_int_equal(
	    lw_region_rx1_dr(LW_REGION_US915, 0, 4, &dr, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "rx1_dr_offset");
	assert_int_equal(
	    lw_region_rx1_dr(LW_REGION_US915, 8, 0, &dr, &e), LW_ERR_FIELD);
	assert_string_equal(e.field, "dr");
}

static void
check_window(const struct lw_tx_window *w, uint32_t freq, unsigned dr,
    const char *datr, uint32_t tmst, int power)
{
	assert_int_equal(w->freq_hz, freq);
	assert_int_equal(w->dr, dr);
	assert_string_equal(w->datr, datr);
	assert_int_equal(w->tmst, tmst);
	assert_int_equal(w->power_dbm, power);
}

static void
test_windows_eu868(void **state)
{
	struct lw_rx_request q;
	struct lw_tx_window rx1, rx2;
	struct lw_region_error e;

	(void)state;
	/* data downlink after an SF9 uplink on 868.3 MHz */
	memset(&q, 0, sizeof(q));
	q.up_freq_hz = 868300000u;
	q.up_datr = "SF9BW125";
	q.up_tmst = 1000000;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx1, 868300000u, 3, "SF9BW125", 2000000, 16);
	assert_int_equal(rx1.delay_us, 1000000);
	check_window(&rx2, 869525000u, 0, "SF12BW125", 3000000, 29);
	assert_int_equal(rx2.delay_us, 2000000);
	/* RX1DROffset 2: DR3 - 2 = DR1; RxDelay 5 s; RX2 at DR3 */
	q.rx1_dr_offset = 2;
	q.rx_delay_s = 5;
	q.has_rx2_dr = true;
	q.rx2_dr = 3;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx1, 868300000u, 1, "SF11BW125", 6000000, 16);
	check_window(&rx2, 869525000u, 3, "SF9BW125", 7000000, 29);
	/* a join-accept ignores all of it: offset 0, 5 s / 6 s, RX2 DR0;
	 * the uplink tmst 4294000000 wraps: 4299000000 - 2^32 = 4032704 */
	q.join_accept = true;
	q.up_freq_hz = 868100000u;
	q.up_datr = "SF7BW125";
	q.up_tmst = 4294000000u;
	q.has_rx2_freq = true;
	q.rx2_freq_hz = 868500000u;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx1, 868100000u, 5, "SF7BW125", 4032704u, 16);
	assert_int_equal(rx1.delay_us, 5000000);
	check_window(&rx2, 869525000u, 0, "SF12BW125", 5032704u, 29);
	assert_int_equal(rx2.delay_us, 6000000);
	/* the last tick before the wrap */
	q.up_tmst = 4294967295u;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	assert_int_equal(rx1.tmst, 4999999u);
	assert_int_equal(rx2.tmst, 5999999u);
	/* a data downlink on a CFList channel, RX2 moved by RXParamSetup */
	memset(&q, 0, sizeof(q));
	q.up_freq_hz = 867500000u;
	q.up_datr = "SF12BW125";
	q.up_tmst = 4294967000u;
	q.has_rx2_freq = true;
	q.rx2_freq_hz = 868500000u;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx1, 867500000u, 0, "SF12BW125", 999704u, 16);
	check_window(&rx2, 868500000u, 0, "SF12BW125", 1999704u, 16);
	/* FSK uplink (DR7) */
	q.up_datr = "50000";
	q.rx1_dr_offset = 5;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx1, 867500000u, 2, "SF10BW125", 999704u, 16);
}

static void
test_windows_us915(void **state)
{
	static const struct {
		uint32_t up;
		const char *datr;
		uint8_t offset;
		uint32_t rx1_freq;
		unsigned rx1_dr;
		const char *rx1_datr;
	} cases[] = {
	    {902300000u, "SF10BW125", 0, 923300000u, 10, "SF10BW500"},
	    {904100000u, "SF7BW125", 0, 923900000u, 13, "SF7BW500"},
	    {905100000u, "SF8BW125", 0, 927500000u - 600000u, 12, "SF8BW500"},
	    {914900000u, "SF9BW125", 0, 927500000u, 11, "SF9BW500"},
	    {904600000u, "SF8BW500", 0, 923900000u, 13, "SF7BW500"},
	    {904600000u, "SF8BW500", 1, 923900000u, 13, "SF7BW500"},
	    {904600000u, "SF8BW500", 3, 923900000u, 11, "SF9BW500"},
	    {902300000u, "SF10BW125", 3, 923300000u, 8, "SF12BW500"},
	    {903900000u, "SF9BW125", 2, 923300000u, 9, "SF11BW500"},
	};
	struct lw_rx_request q;
	struct lw_tx_window rx1, rx2;
	struct lw_region_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.up_freq_hz = cases[i].up;
		q.up_datr = cases[i].datr;
		q.up_tmst = 123;
		q.rx1_dr_offset = cases[i].offset;
		assert_int_equal(
		    lw_region_rx_windows(LW_REGION_US915, &q, &rx1, &rx2, &e),
		    LW_OK);
		check_window(&rx1, cases[i].rx1_freq, cases[i].rx1_dr,
		    cases[i].rx1_datr, 1000123, 21);
		check_window(&rx2, 923300000u, 8, "SF12BW500", 2000123, 21);
	}
	/* join-accept on channel 9 (904.1 MHz) at DR0, offset ignored */
	memset(&q, 0, sizeof(q));
	q.join_accept = true;
	q.up_freq_hz = 904100000u;
	q.up_datr = "SF10BW125";
	q.up_tmst = 4291000000u;
	q.rx1_dr_offset = 3;
	q.has_rx2_dr = true;
	q.rx2_dr = 12;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_US915, &q, &rx1, &rx2, &e), LW_OK);
	/* 4291000000 + 5000000 - 4294967296 = 1032704 */
	check_window(&rx1, 923900000u, 10, "SF10BW500", 1032704u, 21);
	check_window(&rx2, 923300000u, 8, "SF12BW500", 2032704u, 21);
	/* data with RX2 DR10 */
	q.join_accept = false;
	q.rx1_dr_offset = 0;
	q.rx2_dr = 10;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_US915, &q, &rx1, &rx2, &e), LW_OK);
	check_window(&rx2, 923300000u, 10, "SF10BW500", 4293000000u, 21);
}

static void
test_window_refusals(void **state)
{
	static const struct {
		enum lw_region r;
		uint32_t freq;
		const char *datr;
		uint8_t offset, rx_delay, rx2_dr;
		uint32_t rx2_freq;
		const char *field;
	} cases[] = {
	    {LW_REGION_US915, 902300000u, "SF8BW500", 0, 0, 8, 0, "freq"},
	    {LW_REGION_US915, 903000000u, "SF7BW125", 0, 0, 8, 0, "freq"},
	    {LW_REGION_US915, 902400000u, "SF7BW125", 0, 0, 8, 0, "freq"},
	    {LW_REGION_US915, 902300000u, "SF12BW125", 0, 0, 8, 0, "datr"},
	    {LW_REGION_US915, 902300000u, "SF7BW125", 4, 0, 8, 0,
		"rx1_dr_offset"},
	    {LW_REGION_US915, 902300000u, "SF7BW125", 0, 0, 4, 0, "rx2_dr"},
	    {LW_REGION_US915, 902300000u, "SF7BW125", 0, 0, 8, 868100000u,
		"rx2_freq"},
	    {LW_REGION_EU868, 915000000u, "SF7BW125", 0, 0, 0, 0, "freq"},
	    {LW_REGION_EU868, 868100000u, "SF7BW500", 0, 0, 0, 0, "datr"},
	    {LW_REGION_EU868, 868100000u, "sf7bw125", 0, 0, 0, 0, "datr"},
	    {LW_REGION_EU868, 868100000u, "SF7BW125", 6, 0, 0, 0,
		"rx1_dr_offset"},
	    {LW_REGION_EU868, 868100000u, "SF7BW125", 0, 16, 0, 0, "rx_delay"},
	    {LW_REGION_EU868, 868100000u, "SF7BW125", 0, 0, 8, 0, "rx2_dr"},
	    {LW_REGION_EU868, 868100000u, "SF7BW125", 0, 0, 0, 923300000u,
		"rx2_freq"},
	};
	struct lw_rx_request q;
	struct lw_tx_window rx1, rx2;
	struct lw_region_error e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.up_freq_hz = cases[i].freq;
		q.up_datr = cases[i].datr;
		q.rx1_dr_offset = cases[i].offset;
		q.rx_delay_s = cases[i].rx_delay;
		q.has_rx2_dr = true;
		q.rx2_dr = cases[i].rx2_dr;
		q.has_rx2_freq = cases[i].rx2_freq != 0;
		q.rx2_freq_hz = cases[i].rx2_freq;
		e.field = NULL;
		if (lw_region_rx_windows(cases[i].r, &q, &rx1, &rx2, &e) !=
			LW_ERR_FIELD ||
		    e.field == NULL || strcmp(e.field, cases[i].field) != 0)
			fail_msg("case %zu: field %s (%s), want %s", i,
			    e.field ? e.field : "(none)", e.detail,
			    cases[i].field);
		assert_true(e.detail[0] != '\0');
	}
	q.up_datr = NULL;
	assert_int_equal(
	    lw_region_rx_windows(LW_REGION_EU868, &q, &rx1, &rx2, &e),
	    LW_ERR_INVAL);
	q.up_datr = "SF7BW125";
	q.up_freq_hz = 868100000u;
	q.has_rx2_freq = q.has_rx2_dr = false;
	q.rx_delay_s = 0;
	q.rx1_dr_offset = 0;
	assert_int_equal(
	    lw_region_rx_windows((enum lw_region)9, &q, &rx1, &rx2, &e),
	    LW_ERR_FIELD);
	assert_string_equal(e.field, "region");
}

static void
test_payload_and_power(void **state)
{
	static const struct {
		enum lw_region r;
		unsigned dr, m, n;
	} cases[] = {
	    {LW_REGION_EU868, 0, 59, 51},
	    {LW_REGION_EU868, 2, 59, 51},
	    {LW_REGION_EU868, 3, 123, 115},
	    {LW_REGION_EU868, 4, 250, 242},
	    {LW_REGION_EU868, 7, 250, 242},
	    {LW_REGION_US915, 0, 19, 11},
	    {LW_REGION_US915, 1, 61, 53},
	    {LW_REGION_US915, 2, 133, 125},
	    {LW_REGION_US915, 3, 250, 242},
	    {LW_REGION_US915, 4, 250, 242},
	    {LW_REGION_US915, 8, 61, 53},
	    {LW_REGION_US915, 9, 137, 129},
	    {LW_REGION_US915, 10, 250, 242},
	    {LW_REGION_US915, 13, 250, 242},
	};
	struct lw_region_error e;
	unsigned m, n;
	uint32_t f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    lw_region_max_payload(cases[i].r, cases[i].dr, &m, &n, &e),
		    LW_OK);
		assert_int_equal(m, cases[i].m);
		assert_int_equal(n, cases[i].n);
	}
	assert_int_equal(lw_region_max_payload(LW_REGION_US915, 7, &m, &n, &e),
	    LW_ERR_FIELD);
	assert_string_equal(e.field, "dr");
	assert_int_equal(lw_region_max_payload(LW_REGION_EU868, 8, &m, &n, &e),
	    LW_ERR_FIELD);
	assert_int_equal(lw_region_tx_power(LW_REGION_EU868, 868100000u), 16);
	assert_int_equal(lw_region_tx_power(LW_REGION_EU868, 869525000u), 29);
	assert_int_equal(lw_region_tx_power(LW_REGION_EU868, 869650000u), 16);
	assert_int_equal(lw_region_tx_power(LW_REGION_US915, 923300000u), 21);
	lw_region_rx2_default(LW_REGION_EU868, &f, &m);
	assert_int_equal(f, 869525000u);
	assert_int_equal(m, 0);
	lw_region_rx2_default(LW_REGION_US915, &f, &m);
	assert_int_equal(f, 923300000u);
	assert_int_equal(m, 8);
	assert_int_equal(LW_RECEIVE_DELAY1_US, 1000000);
	assert_int_equal(LW_RECEIVE_DELAY2_US, 2000000);
	assert_int_equal(LW_JOIN_ACCEPT_DELAY1_US, 5000000);
	assert_int_equal(LW_JOIN_ACCEPT_DELAY2_US, 6000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_data_rates),
	    cmocka_unit_test(test_channels),
	    cmocka_unit_test(test_rx1_dr),
	    cmocka_unit_test(test_windows_eu868),
	    cmocka_unit_test(test_windows_us915),
	    cmocka_unit_test(test_window_refusals),
	    cmocka_unit_test(test_payload_and_power),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
