/*
 * region.c - EU868 and US915 regional parameters for class A downlink
 * scheduling.  The tables are written out in full, as RP002 prints them,
 * rather than derived by formula, so that a reader can check them line by
 * line against the specification.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lorawan/region.h"

#define NDR 16
#define EU868_BAND_MIN 863000000u
#define EU868_BAND_MAX 870000000u
#define US915_BAND_MIN 902000000u
#define US915_BAND_MAX 928000000u

struct dr_entry {
	bool valid, up, down, fsk;
	uint8_t sf;
	uint16_t bw_khz;
	uint32_t bps;
	uint8_t m, n; /* max MACPayload, max application payload */
};

#define LORA(sf_, bw_, m_, n_, up_, down_)                                     \
	{                                                                      \
		.valid = true, .up = up_, .down = down_, .sf = sf_,            \
		.bw_khz = bw_, .m = m_, .n = n_                                \
	}

static const struct dr_entry eu868_drs[NDR] = {
    [0] = LORA(12, 125, 59, 51, true, true),
    [1] = LORA(11, 125, 59, 51, true, true),
    [2] = LORA(10, 125, 59, 51, true, true),
    [3] = LORA(9, 125, 123, 115, true, true),
    [4] = LORA(8, 125, 250, 242, true, true),
    [5] = LORA(7, 125, 250, 242, true, true),
    [6] = LORA(7, 250, 250, 242, true, true),
    [7] = {.valid = true,
	.up = true,
	.down = true,
	.fsk = true,
	.bps = 50000,
	.m = 250,
	.n = 242},
};

static const struct dr_entry us915_drs[NDR] = {
    [0] = LORA(10, 125, 19, 11, true, false),
    [1] = LORA(9, 125, 61, 53, true, false),
    [2] = LORA(8, 125, 133, 125, true, false),
    [3] = LORA(7, 125, 250, 242, true, false),
    [4] = LORA(8, 500, 250, 242, true, false),
    [8] = LORA(12, 500, 61, 53, false, true),
    [9] = LORA(11, 500, 137, 129, false, true),
    [10] = LORA(10, 500, 250, 242, false, true),
    [11] = LORA(9, 500, 250, 242, false, true),
    [12] = LORA(8, 500, 250, 242, false, true),
    [13] = LORA(7, 500, 250, 242, false, true),
};

/* RX1 DR by [uplink DR][RX1DROffset] */
static const uint8_t eu868_rx1[8][6] = {
    {0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 0, 0},
    {2, 1, 0, 0, 0, 0},
    {3, 2, 1, 0, 0, 0},
    {4, 3, 2, 1, 0, 0},
    {5, 4, 3, 2, 1, 0},
    {6, 5, 4, 3, 2, 1},
    {7, 6, 5, 4, 3, 2},
};

static const uint8_t us915_rx1[5][4] = {
    {10, 9, 8, 8},
    {11, 10, 9, 8},
    {12, 11, 10, 9},
    {13, 12, 11, 10},
    {13, 13, 12, 11},
};

static int reg_fail(struct lw_region_error *e, int err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
reg_fail(
    struct lw_region_error *e, int err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return err;
	e->field = field;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return err;
}

static bool
region_ok(enum lw_region r)
{
	return r == LW_REGION_EU868 || r == LW_REGION_US915;
}

static const struct dr_entry *
dr_table(enum lw_region r)
{
	return r == LW_REGION_US915 ? us915_drs : eu868_drs;
}

int
lw_region_parse(const char *name, enum lw_region *r, struct lw_region_error *e)
{
	static const struct {
		const char *name;
		enum lw_region r;
	} names[] = {
	    {"EU868", LW_REGION_EU868},
	    {"EU863", LW_REGION_EU868},
	    {"EU863-870", LW_REGION_EU868},
	    {"US915", LW_REGION_US915},
	    {"US902", LW_REGION_US915},
	    {"US902-928", LW_REGION_US915},
	};
	char canon[16];
	size_t i, len;

	if (name == NULL || r == NULL)
		return reg_fail(e, LW_ERR_INVAL, "region", "no name");
	len = strlen(name);
	if (len >= sizeof(canon))
		return reg_fail(e, LW_ERR_FIELD, "region", "unknown region");
	for (i = 0; i <= len; i++)
		canon[i] = name[i] == '_'
		    ? '-'
		    : (char)toupper((unsigned char)name[i]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(canon, names[i].name) == 0) {
			*r = names[i].r;
			return LW_OK;
		}
	}
	return reg_fail(e, LW_ERR_FIELD, "region",
	    "unknown region (EU868 and US915 are supported)");
}

const char *
lw_region_name(enum lw_region r)
{
	if (r == LW_REGION_EU868)
		return "EU868";
	if (r == LW_REGION_US915)
		return "US915";
	return "unknown";
}

/* find_dr - the table entry of a DR usable in that direction */
static const struct dr_entry *
find_dr(enum lw_region r, bool uplink, unsigned dr)
{
	const struct dr_entry *d;

	if (!region_ok(r) || dr >= NDR)
		return NULL;
	d = &dr_table(r)[dr];
	if (!d->valid || (uplink ? !d->up : !d->down))
		return NULL;
	return d;
}

int
lw_region_dr(enum lw_region r, bool uplink, unsigned dr, struct lw_dr_params *p,
    struct lw_region_error *e)
{
	const struct dr_entry *d = find_dr(r, uplink, dr);

	if (d == NULL)
		return reg_fail(e, LW_ERR_FIELD, "dr", "no %s DR%u in %s",
		    uplink ? "uplink" : "downlink", dr, lw_region_name(r));
	if (p != NULL) {
		memset(p, 0, sizeof(*p));
		p->fsk = d->fsk;
		p->sf = d->sf;
		p->bw_khz = d->bw_khz;
		p->bps = d->bps;
	}
	return LW_OK;
}

int
lw_region_dr_datr(enum lw_region r, bool uplink, unsigned dr, char *out,
    size_t outlen, struct lw_region_error *e)
{
	struct lw_dr_params p;
	int rc = lw_region_dr(r, uplink, dr, &p, e), w;

	if (rc != LW_OK)
		return rc;
	if (p.fsk)
		w = snprintf(out, outlen, "%u", (unsigned)p.bps);
	else
		w = snprintf(out, outlen, "SF%uBW%u", (unsigned)p.sf,
		    (unsigned)p.bw_khz);
	if (w < 0 || (size_t)w >= outlen)
		return reg_fail(e, LW_ERR_TOO_LONG, "datr", "buffer too small");
	return LW_OK;
}

int
lw_region_datr_dr(enum lw_region r, bool uplink, const char *datr, unsigned *dr,
    struct lw_region_error *e)
{
	char buf[LW_DATR_MAX];

	if (datr == NULL || dr == NULL)
		return reg_fail(e, LW_ERR_INVAL, "datr", "no datr");
	/* the table is small: format each DR and compare, so that the two
	 * directions cannot disagree */
	for (unsigned i = 0; i < NDR; i++) {
		if (find_dr(r, uplink, i) == NULL ||
		    lw_region_dr_datr(r, uplink, i, buf, sizeof(buf), NULL) !=
			LW_OK)
			continue;
		if (strcmp(buf, datr) == 0) {
			*dr = i;
			return LW_OK;
		}
	}
	return reg_fail(e, LW_ERR_FIELD, "datr", "no %s data rate in %s",
	    uplink ? "uplink" : "downlink", lw_region_name(r));
}

int
lw_region_uplink_channel(
    enum lw_region r, uint32_t freq_hz, unsigned *ch, struct lw_region_error *e)
{
	if (r == LW_REGION_EU868) {
		for (unsigned i = 0; i < 3; i++) {
			if (freq_hz == 868100000u + 200000u * i) {
				*ch = i;
				return LW_OK;
			}
		}
	} else if (r == LW_REGION_US915) {
		if (freq_hz >= 902300000u && freq_hz <= 914900000u &&
		    (freq_hz - 902300000u) % 200000u == 0) {
			*ch = (freq_hz - 902300000u) / 200000u;
			return LW_OK;
		}
		if (freq_hz >= 903000000u && freq_hz <= 914200000u &&
		    (freq_hz - 903000000u) % 1600000u == 0) {
			*ch = 64 + (freq_hz - 903000000u) / 1600000u;
			return LW_OK;
		}
	}
	return reg_fail(e, LW_ERR_FIELD, "freq",
	    "%u Hz is no %s uplink channel", (unsigned)freq_hz,
	    lw_region_name(r));
}

int
lw_region_rx1_freq(enum lw_region r, uint32_t up_freq_hz, uint32_t *dn_freq_hz,
    struct lw_region_error *e)
{
	unsigned ch;
	int rc;

	if (r == LW_REGION_EU868) {
		/* any channel the device was given, default or CFList */
		if (up_freq_hz < EU868_BAND_MIN || up_freq_hz > EU868_BAND_MAX)
			return reg_fail(e, LW_ERR_FIELD, "freq",
			    "%u Hz outside 863..870 MHz", (unsigned)up_freq_hz);
		*dn_freq_hz = up_freq_hz;
		return LW_OK;
	}
	if ((rc = lw_region_uplink_channel(r, up_freq_hz, &ch, e)) != LW_OK)
		return rc;
	*dn_freq_hz = 923300000u + 600000u * (ch % 8);
	return LW_OK;
}

int
lw_region_rx1_dr(enum lw_region r, unsigned up_dr, unsigned offset,
    unsigned *dn_dr, struct lw_region_error *e)
{
	if (find_dr(r, true, up_dr) == NULL)
		return reg_fail(e, LW_ERR_FIELD, "dr", "no uplink DR%u in %s",
		    up_dr, lw_region_name(r));
	if (r == LW_REGION_EU868) {
		if (offset > 5)
			return reg_fail(e, LW_ERR_FIELD, "rx1_dr_offset",
			    "%u, EU868 allows 0..5", offset);
		*dn_dr = eu868_rx1[up_dr][offset];
		return LW_OK;
	}
	if (offset > 3)
		return reg_fail(e, LW_ERR_FIELD, "rx1_dr_offset",
		    "%u, US915 allows 0..3", offset);
	*dn_dr = us915_rx1[up_dr][offset];
	return LW_OK;
}

void
lw_region_rx2_default(enum lw_region r, uint32_t *freq_hz, unsigned *dr)
{
	if (r == LW_REGION_US915) {
		*freq_hz = 923300000u;
		*dr = 8;
	} else {
		*freq_hz = 869525000u;
		*dr = 0;
	}
}

int
lw_region_tx_power(enum lw_region r, uint32_t freq_hz)
{
	if (r == LW_REGION_US915)
		return 21;
	/* the 869.4..869.65 MHz sub-band allows 500 mW ERP */
	if (freq_hz >= 869400000u && freq_hz < 869650000u)
		return 29;
	return 16;
}

int
lw_region_max_payload(enum lw_region r, unsigned dr, unsigned *m, unsigned *n,
    struct lw_region_error *e)
{
	const struct dr_entry *d;

	if (!region_ok(r) || dr >= NDR || !(d = &dr_table(r)[dr])->valid)
		return reg_fail(e, LW_ERR_FIELD, "dr", "no DR%u in %s", dr,
		    lw_region_name(r));
	*m = d->m;
	*n = d->n;
	return LW_OK;
}

static int
fill_window(enum lw_region r, uint32_t freq_hz, unsigned dr, uint32_t delay_us,
    uint32_t up_tmst, struct lw_tx_window *w, const char *field,
    struct lw_region_error *e)
{
	memset(w, 0, sizeof(*w));
	if (lw_region_dr(r, false, dr, &w->params, NULL) != LW_OK)
		return reg_fail(e, LW_ERR_FIELD, field,
		    "no downlink DR%u in %s", dr, lw_region_name(r));
	lw_region_dr_datr(r, false, dr, w->datr, sizeof(w->datr), NULL);
	w->freq_hz = freq_hz;
	w->dr = (uint8_t)dr;
	w->delay_us = delay_us;
	/* the concentrator counter wraps every 2^32 µs (71.6 min) */
	w->tmst = (uint32_t)(up_tmst + delay_us);
	w->power_dbm = lw_region_tx_power(r, freq_hz);
	return LW_OK;
}

int
lw_region_rx_windows(enum lw_region r, const struct lw_rx_request *req,
    struct lw_tx_window *rx1, struct lw_tx_window *rx2,
    struct lw_region_error *e)
{
	uint32_t f1, f2, d1, d2;
	unsigned up_dr, ch, dr1, dr2;
	struct lw_dr_params up;
	int rc;

	if (req == NULL || req->up_datr == NULL || rx1 == NULL || rx2 == NULL)
		return reg_fail(e, LW_ERR_INVAL, "request", "missing argument");
	if (!region_ok(r))
		return reg_fail(e, LW_ERR_FIELD, "region", "unknown region");
	rc = lw_region_datr_dr(r, true, req->up_datr, &up_dr, e);
	if (rc != LW_OK)
		return rc;
	if (r == LW_REGION_US915) {
		/* DR4 (BW500) only on channels 64..71, DR0..3 below */
		if ((rc = lw_region_uplink_channel(
			 r, req->up_freq_hz, &ch, e)) != LW_OK)
			return rc;
		lw_region_dr(r, true, up_dr, &up, NULL);
		if ((ch >= 64) != (up.bw_khz == 500))
			return reg_fail(e, LW_ERR_FIELD, "freq",
			    "channel %u does not carry %s", ch, req->up_datr);
	}
	if ((rc = lw_region_rx1_freq(r, req->up_freq_hz, &f1, e)) != LW_OK ||
	    (rc = lw_region_rx1_dr(r, up_dr,
		 req->join_accept ? 0 : req->rx1_dr_offset, &dr1, e)) != LW_OK)
		return rc;
	lw_region_rx2_default(r, &f2, &dr2);
	if (req->join_accept) {
		d1 = LW_JOIN_ACCEPT_DELAY1_US;
		d2 = LW_JOIN_ACCEPT_DELAY2_US;
	} else {
		if (req->rx_delay_s > 15)
			return reg_fail(e, LW_ERR_FIELD, "rx_delay",
			    "%u s, at most 15", (unsigned)req->rx_delay_s);
		d1 = req->rx_delay_s == 0 ? LW_RECEIVE_DELAY1_US
					  : req->rx_delay_s * 1000000u;
		d2 = d1 + 1000000u;
		if (req->has_rx2_dr)
			dr2 = req->rx2_dr;
		if (req->has_rx2_freq) {
			uint32_t lo = r == LW_REGION_US915 ? US915_BAND_MIN
							   : EU868_BAND_MIN;
			uint32_t hi = r == LW_REGION_US915 ? US915_BAND_MAX
							   : EU868_BAND_MAX;

			if (req->rx2_freq_hz < lo || req->rx2_freq_hz > hi)
				return reg_fail(e, LW_ERR_FIELD, "rx2_freq",
				    "%u Hz outside the %s band",
				    (unsigned)req->rx2_freq_hz,
				    lw_region_name(r));
			f2 = req->rx2_freq_hz;
		}
	}
	if ((rc = fill_window(r, f1, dr1, d1, req->up_tmst, rx1, "dr", e)) !=
	    LW_OK)
		return rc;
	return fill_window(r, f2, dr2, d2, req->up_tmst, rx2, "rx2_dr", e);
}
