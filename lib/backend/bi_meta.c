/*
 * bi_meta.c - the metadata objects of the roaming messages (TS002 Tables
 * 20-22): ULMetaData, DLMetaData and the GWInfoElement array they carry,
 * decoded and encoded with the same checks, so that whatever we encode
 * decodes again.  Errors name the member by its path
 * ("DLMetaData.GWInfo[2].ULToken").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"

bool
bi_freq_ok(double mhz)
{
	return isfinite(mhz) && mhz >= BI_FREQ_MIN && mhz <= BI_FREQ_MAX;
}

/* opt_int - an optional integer member; *v is 0 when absent */
static int
opt_int(const struct bi_rd *r, const char *key, json_int_t min, json_int_t max,
    const char *what, bool *has, json_int_t *v)
{
	int rc;

	*v = 0;
	rc = bi_rd_int(r, key, false, min, max, what, v);
	*has = rc == BI_PRESENT;
	return rc;
}

static int
opt_real(const struct bi_rd *r, const char *key, double min, double max,
    const char *what, bool *has, double *v)
{
	int rc = bi_rd_real(r, key, false, min, max, what, v);

	*has = rc == BI_PRESENT;
	return rc;
}

static int
opt_bool(const struct bi_rd *r, const char *key, bool *has, bool *v)
{
	int rc = bi_rd_bool(r, key, false, v);

	*has = rc == BI_PRESENT;
	return rc;
}

static int
rd_region(const struct bi_rd *r, const char *key, char *out, size_t outsize)
{
	const char *s;
	char f[40];
	int rc = bi_rd_str(r, key, false, &s);

	if (rc != BI_PRESENT)
		return rc;
	if (bi_rf_region_canon(s, out, outsize) != 0) {
		bi_rd_name(r, key, f, sizeof(f));
		return bi_fail(
		    r->e, BI_ERR_FIELD, f, "not a region name (\"%.20s\")", s);
	}
	return BI_PRESENT;
}

static int
dec_gw(const struct bi_rd *r, struct bi_gw_info *g)
{
	json_int_t v;
	char f[40];
	int rc;

	if ((rc = bi_rd_hex(r, "ID", false, g->id, sizeof(g->id), &g->id_len)) <
	    0)
		return rc;
	/* TS002 says 32 bits; ChirpStack and others send the gateway EUI */
	if (rc == BI_PRESENT && g->id_len != 4 && g->id_len != 8) {
		bi_rd_name(r, "ID", f, sizeof(f));
		return bi_fail(r->e, BI_ERR_FIELD, f, "not 8 or 16 hex digits");
	}
	if ((rc = opt_int(r, "FineRecvTime", 0, 999999999, BI_W_FINE,
		 &g->has_fine_recv_time, &v)) < 0)
		return rc;
	g->fine_recv_time = (uint32_t)v;
	if ((rc = rd_region(
		 r, "RFRegion", g->rf_region, sizeof(g->rf_region))) < 0 ||
	    (rc = opt_int(r, "RSSI", -300, 100, BI_W_RSSI, &g->has_rssi, &v)) <
		0)
		return rc;
	g->rssi = (int32_t)v;
	if ((rc = opt_real(
		 r, "SNR", -100, 100, BI_W_SNR, &g->has_snr, &g->snr)) < 0 ||
	    (rc = opt_real(r, "Lat", -90, 90, BI_W_LAT, &g->has_lat, &g->lat)) <
		0 ||
	    (rc = opt_real(
		 r, "Lon", -180, 180, BI_W_LON, &g->has_lon, &g->lon)) < 0 ||
	    (rc = bi_rd_hex(r, "ULToken", false, g->ul_token, BI_UL_TOKEN_MAX,
		 &g->ul_token_len)) < 0 ||
	    (rc = opt_bool(
		 r, "DLAllowed", &g->has_dl_allowed, &g->dl_allowed)) < 0)
		return rc;
	return BI_OK;
}

/* dec_gw_info - the GWInfo array, required in both metadata objects */
static int
dec_gw_info(const struct bi_rd *r, struct bi_gw_info *gw, size_t *n)
{
	json_t *a = bi_rd_member(r, "GWInfo");
	char f[40], path[64]; /* cut to 40 in struct bi_error */
	struct bi_rd el = {.path = path, .e = r->e};
	int rc;

	bi_rd_name(r, "GWInfo", f, sizeof(f));
	if (a == NULL)
		return bi_fail(r->e, BI_ERR_MISSING, f, "missing");
	if (!json_is_array(a))
		return bi_fail(r->e, BI_ERR_FIELD, f, "not an array");
	if (json_array_size(a) > BI_GW_MAX)
		return bi_fail(r->e, BI_ERR_FIELD, f,
		    "%zu gateways, more than %d", json_array_size(a),
		    BI_GW_MAX);
	*n = json_array_size(a);
	for (size_t i = 0; i < *n; i++) {
		el.o = json_array_get(a, i);
		if (!json_is_object(el.o)) {
			snprintf(path, sizeof(path), "%s[%zu]", f, i);
			return bi_fail(
			    r->e, BI_ERR_FIELD, path, "not an object");
		}
		snprintf(path, sizeof(path), "%s[%zu].", f, i);
		if ((rc = dec_gw(&el, &gw[i])) < 0)
			return rc;
	}
	return BI_OK;
}

/* open_obj - member key of top as an object named path + key + "." */
static int
open_obj(const struct bi_rd *top, const char *key, bool required,
    struct bi_rd *r, char *path, size_t pathsize)
{
	char f[40];

	bi_rd_name(top, key, f, sizeof(f));
	snprintf(path, pathsize, "%s.", f);
	*r = (struct bi_rd){
	    .o = bi_rd_member(top, key), .path = path, .e = top->e};
	if (r->o == NULL) {
		if (required)
			return bi_fail(top->e, BI_ERR_MISSING, f, "missing");
		return BI_ABSENT;
	}
	if (!json_is_object(r->o))
		return bi_fail(top->e, BI_ERR_FIELD, f, "not an object");
	return BI_PRESENT;
}

int
bi_dec_ul_meta(const struct bi_rd *top, const char *key, bool required,
    bool *present, struct bi_ul_meta *m)
{
	struct bi_rd r;
	char path[48];
	json_int_t v;
	uint64_t u = 0;
	int rc;

	*present = false;
	if ((rc = open_obj(top, key, required, &r, path, sizeof(path))) !=
	    BI_PRESENT)
		return rc;
	*present = true;
	if ((rc = bi_rd_be(&r, "DevEUI", false, 8, &m->dev_eui)) < 0)
		return rc;
	m->has_dev_eui = rc == BI_PRESENT;
	if ((rc = bi_rd_be(&r, "DevAddr", false, 4, &u)) < 0)
		return rc;
	m->has_dev_addr = rc == BI_PRESENT;
	m->dev_addr = m->has_dev_addr ? (uint32_t)u : 0;
	if ((rc = opt_int(&r, "FPort", 0, 255, BI_W_U8, &m->has_f_port, &v)) <
	    0)
		return rc;
	m->f_port = (uint8_t)v;
	if ((rc = opt_int(&r, "FCntDown", 0, UINT32_MAX, BI_W_U32,
		 &m->has_f_cnt_down, &v)) < 0)
		return rc;
	m->f_cnt_down = (uint32_t)v;
	if ((rc = opt_int(&r, "FCntUp", 0, UINT32_MAX, BI_W_U32,
		 &m->has_f_cnt_up, &v)) < 0)
		return rc;
	m->f_cnt_up = (uint32_t)v;
	if ((rc = opt_bool(&r, "Confirmed", &m->has_confirmed, &m->confirmed)) <
		0 ||
	    (rc = opt_int(
		 &r, "DataRate", 0, 15, BI_W_DR, &m->has_data_rate, &v)) < 0)
		return rc;
	m->data_rate = (uint8_t)v;
	if ((rc = opt_real(&r, "ULFreq", BI_FREQ_MIN, BI_FREQ_MAX, BI_W_FREQ,
		 &m->has_ul_freq, &m->ul_freq)) < 0 ||
	    (rc = opt_int(
		 &r, "Margin", -32, 31, BI_W_MARGIN, &m->has_margin, &v)) < 0)
		return rc;
	m->margin = (int8_t)v;
	if ((rc = opt_int(
		 &r, "Battery", 0, 255, BI_W_U8, &m->has_battery, &v)) < 0)
		return rc;
	m->battery = (uint8_t)v;
	if ((rc = bi_rd_hex(&r, "FNSULToken", false, m->fns_ul_token,
		 BI_UL_TOKEN_MAX, &m->fns_ul_token_len)) < 0 ||
	    (rc = bi_rd_time(&r, "RecvTime", true, m->recv_time,
		 sizeof(m->recv_time))) < 0 ||
	    (rc = rd_region(
		 &r, "RFRegion", m->rf_region, sizeof(m->rf_region))) < 0 ||
	    (rc = opt_int(
		 &r, "GWCnt", 0, 65535, BI_W_U16, &m->has_gw_cnt, &v)) < 0)
		return rc;
	m->gw_cnt = (uint16_t)v;
	return dec_gw_info(&r, m->gw_info, &m->gw_info_len);
}

int
bi_dec_dl_meta(const struct bi_rd *top, const char *key, bool required,
    bool *present, struct bi_dl_meta *m)
{
	struct bi_rd r;
	char path[48], f[40];
	const char *s;
	json_int_t v;
	int rc;

	*present = false;
	if ((rc = open_obj(top, key, required, &r, path, sizeof(path))) !=
	    BI_PRESENT)
		return rc;
	*present = true;
	if ((rc = bi_rd_be(&r, "DevEUI", false, 8, &m->dev_eui)) < 0)
		return rc;
	m->has_dev_eui = rc == BI_PRESENT;
	if ((rc = opt_int(&r, "FPort", 0, 255, BI_W_U8, &m->has_f_port, &v)) <
	    0)
		return rc;
	m->f_port = (uint8_t)v;
	if ((rc = opt_int(&r, "FCntDown", 0, UINT32_MAX, BI_W_U32,
		 &m->has_f_cnt_down, &v)) < 0)
		return rc;
	m->f_cnt_down = (uint32_t)v;
	if ((rc = opt_bool(&r, "Confirmed", &m->has_confirmed, &m->confirmed)) <
		0 ||
	    (rc = opt_real(&r, "DLFreq1", BI_FREQ_MIN, BI_FREQ_MAX, BI_W_FREQ,
		 &m->has_dl_freq1, &m->dl_freq1)) < 0 ||
	    (rc = opt_real(&r, "DLFreq2", BI_FREQ_MIN, BI_FREQ_MAX, BI_W_FREQ,
		 &m->has_dl_freq2, &m->dl_freq2)) < 0 ||
	    (rc = opt_int(
		 &r, "RXDelay1", 0, 15, BI_W_DR, &m->has_rx_delay1, &v)) < 0)
		return rc;
	m->rx_delay1 = (uint8_t)v;
	if ((rc = bi_rd_str(&r, "ClassMode", false, &s)) < 0)
		return rc;
	if (rc == BI_PRESENT) {
		m->class_mode = strcmp(s, "A") == 0 ? BI_CLASS_A
		    : strcmp(s, "B") == 0           ? BI_CLASS_B
		    : strcmp(s, "C") == 0           ? BI_CLASS_C
						    : BI_CLASS_NONE;
		if (m->class_mode == BI_CLASS_NONE) {
			bi_rd_name(&r, "ClassMode", f, sizeof(f));
			return bi_fail(
			    r.e, BI_ERR_FIELD, f, "not \"A\", \"B\" or \"C\"");
		}
	}
	if ((rc = opt_int(
		 &r, "DataRate1", 0, 15, BI_W_DR, &m->has_data_rate1, &v)) < 0)
		return rc;
	m->data_rate1 = (uint8_t)v;
	if ((rc = opt_int(
		 &r, "DataRate2", 0, 15, BI_W_DR, &m->has_data_rate2, &v)) < 0)
		return rc;
	m->data_rate2 = (uint8_t)v;
	if ((rc = bi_rd_hex(&r, "FNSULToken", false, m->fns_ul_token,
		 BI_UL_TOKEN_MAX, &m->fns_ul_token_len)) < 0 ||
	    (rc = dec_gw_info(&r, m->gw_info, &m->gw_info_len)) < 0 ||
	    (rc = opt_bool(&r, "HiPriorityFlag", &m->has_hi_priority_flag,
		 &m->hi_priority_flag)) < 0)
		return rc;
	/* TS002 Table 21: a downlink needs a window to go out in */
	if (!m->has_dl_freq1 && !m->has_dl_freq2) {
		bi_rd_name(&r, "DLFreq1", f, sizeof(f));
		return bi_fail(
		    r.e, BI_ERR_MISSING, f, "missing (and no DLFreq2)");
	}
	return BI_OK;
}
