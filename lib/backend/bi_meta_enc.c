/*
 * bi_meta_enc.c - ULMetaData, DLMetaData and GWInfoElement to JSON,
 * checked against the ranges bi_meta.c decodes (the same BI_W_* texts),
 * so that whatever we encode decodes again.  Errors name the member by
 * its path ("ULMetaData.GWInfo[1].RSSI").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"

_Static_assert(BI_UL_TOKEN_MAX <= BI_PHY_MAX, "bi_put_hex() bound");

/* bad - refuse member key of the object named path */
static void
bad(struct bi_enc *x, const char *path, const char *key, const char *why)
{
	char f[80]; /* cut to 40 in struct bi_error */

	snprintf(f, sizeof(f), "%s%s", path, key);
	bi_enc_fail(x, f, why);
}

/* not_in - refuse a value out of the range the decoder reads */
static void
not_in(struct bi_enc *x, const char *path, const char *key, const char *what)
{
	char why[64];

	snprintf(why, sizeof(why), "not %s", what);
	bad(x, path, key, why);
}

static json_t *
put_obj(struct bi_enc *x, json_t *o, const char *key)
{
	json_t *v = json_object();

	bi_put(x, o, key, v);
	return x->rc == BI_OK ? v : NULL;
}

static void
put_real(struct bi_enc *x, json_t *o, const char *path, const char *key,
    double v, double min, double max, const char *what)
{
	if (!(isfinite(v) && v >= min && v <= max))
		not_in(x, path, key, what);
	else
		bi_put(x, o, key, json_real(v));
}

static void
put_region(struct bi_enc *x, json_t *o, const char *path, const char *s)
{
	char canon[BI_REGION_MAX + 1];

	if (s[0] == '\0')
		return;
	if (strnlen(s, BI_REGION_MAX + 1) > BI_REGION_MAX ||
	    bi_rf_region_canon(s, canon, sizeof(canon)) != 0)
		bad(x, path, "RFRegion", "not a region name");
	else
		bi_put(x, o, "RFRegion", json_string(canon));
}

static void
enc_gw(
    struct bi_enc *x, json_t *o, const char *path, const struct bi_gw_info *g)
{
	if (g->id_len != 0 && g->id_len != 4 && g->id_len != 8)
		bad(x, path, "ID", "not 8 or 16 hex digits");
	else if (g->id_len > 0)
		bi_put_hex(x, o, "ID", g->id, g->id_len);
	if (g->has_fine_recv_time && g->fine_recv_time > 999999999)
		not_in(x, path, "FineRecvTime", BI_W_FINE);
	else if (g->has_fine_recv_time)
		bi_put(x, o, "FineRecvTime", json_integer(g->fine_recv_time));
	put_region(x, o, path, g->rf_region);
	if (g->has_rssi && (g->rssi < -300 || g->rssi > 100))
		not_in(x, path, "RSSI", BI_W_RSSI);
	else if (g->has_rssi)
		bi_put(x, o, "RSSI", json_integer(g->rssi));
	if (g->has_snr)
		put_real(x, o, path, "SNR", g->snr, -100, 100, BI_W_SNR);
	if (g->has_lat)
		put_real(x, o, path, "Lat", g->lat, -90, 90, BI_W_LAT);
	if (g->has_lon)
		put_real(x, o, path, "Lon", g->lon, -180, 180, BI_W_LON);
	if (g->ul_token_len > BI_UL_TOKEN_MAX)
		bad(x, path, "ULToken", "too long");
	else if (g->ul_token_len > 0)
		bi_put_hex(x, o, "ULToken", g->ul_token, g->ul_token_len);
	if (g->has_dl_allowed)
		bi_put(x, o, "DLAllowed", json_boolean(g->dl_allowed));
}

static void
enc_gw_info(struct bi_enc *x, json_t *o, const char *path,
    const struct bi_gw_info *gw, size_t n)
{
	json_t *a, *el;
	char p[64];

	if (n > BI_GW_MAX) {
		bad(x, path, "GWInfo", "more than 16 gateways");
		return;
	}
	a = json_array();
	bi_put(x, o, "GWInfo", a);
	for (size_t i = 0; i < n && x->rc == BI_OK; i++) {
		snprintf(p, sizeof(p), "%sGWInfo[%zu].", path, i);
		if ((el = json_object()) == NULL ||
		    json_array_append_new(a, el) != 0) {
			x->rc = bi_fail(x->e, BI_ERR_NOMEM, p, "out of memory");
			break;
		}
		enc_gw(x, el, p, &gw[i]);
	}
}

static void
put_token(
    struct bi_enc *x, json_t *o, const char *path, const uint8_t *b, size_t len)
{
	if (len > BI_UL_TOKEN_MAX)
		bad(x, path, "FNSULToken", "too long");
	else if (len > 0)
		bi_put_hex(x, o, "FNSULToken", b, len);
}

void
bi_enc_ul_meta(struct bi_enc *x, const char *key, const struct bi_ul_meta *m)
{
	char path[40];
	json_t *o;

	snprintf(path, sizeof(path), "%s.", key);
	if (strnlen(m->recv_time, sizeof(m->recv_time)) >=
		sizeof(m->recv_time) ||
	    bi_time_parse(m->recv_time, NULL, NULL) != 0) {
		bad(x, path, "RecvTime", "not an RFC 3339 time");
		return;
	}
	if ((o = put_obj(x, x->o, key)) == NULL)
		return;
	if (m->has_dev_eui)
		bi_put_be(x, o, "DevEUI", m->dev_eui, 8);
	if (m->has_dev_addr)
		bi_put_be(x, o, "DevAddr", m->dev_addr, 4);
	if (m->has_f_port)
		bi_put(x, o, "FPort", json_integer(m->f_port));
	if (m->has_f_cnt_down)
		bi_put(x, o, "FCntDown", json_integer(m->f_cnt_down));
	if (m->has_f_cnt_up)
		bi_put(x, o, "FCntUp", json_integer(m->f_cnt_up));
	if (m->has_confirmed)
		bi_put(x, o, "Confirmed", json_boolean(m->confirmed));
	if (m->has_data_rate && m->data_rate > 15)
		not_in(x, path, "DataRate", BI_W_DR);
	else if (m->has_data_rate)
		bi_put(x, o, "DataRate", json_integer(m->data_rate));
	if (m->has_ul_freq)
		put_real(x, o, path, "ULFreq", m->ul_freq, BI_FREQ_MIN,
		    BI_FREQ_MAX, BI_W_FREQ);
	if (m->has_margin && (m->margin < -32 || m->margin > 31))
		not_in(x, path, "Margin", BI_W_MARGIN);
	else if (m->has_margin)
		bi_put(x, o, "Margin", json_integer(m->margin));
	if (m->has_battery)
		bi_put(x, o, "Battery", json_integer(m->battery));
	put_token(x, o, path, m->fns_ul_token, m->fns_ul_token_len);
	bi_put(x, o, "RecvTime", json_string(m->recv_time));
	put_region(x, o, path, m->rf_region);
	if (m->has_gw_cnt)
		bi_put(x, o, "GWCnt", json_integer(m->gw_cnt));
	enc_gw_info(x, o, path, m->gw_info, m->gw_info_len);
}

void
bi_enc_dl_meta(struct bi_enc *x, const char *key, const struct bi_dl_meta *m)
{
	char path[40];
	json_t *o;
	const char *cls = bi_class_mode_name(m->class_mode);

	snprintf(path, sizeof(path), "%s.", key);
	if (!m->has_dl_freq1 && !m->has_dl_freq2) {
		bad(x, path, "DLFreq1", "missing (and no DLFreq2)");
		return;
	}
	if ((o = put_obj(x, x->o, key)) == NULL)
		return;
	if (m->has_dev_eui)
		bi_put_be(x, o, "DevEUI", m->dev_eui, 8);
	if (m->has_f_port)
		bi_put(x, o, "FPort", json_integer(m->f_port));
	if (m->has_f_cnt_down)
		bi_put(x, o, "FCntDown", json_integer(m->f_cnt_down));
	if (m->has_confirmed)
		bi_put(x, o, "Confirmed", json_boolean(m->confirmed));
	if (m->has_dl_freq1)
		put_real(x, o, path, "DLFreq1", m->dl_freq1, BI_FREQ_MIN,
		    BI_FREQ_MAX, BI_W_FREQ);
	if (m->has_dl_freq2)
		put_real(x, o, path, "DLFreq2", m->dl_freq2, BI_FREQ_MIN,
		    BI_FREQ_MAX, BI_W_FREQ);
	if (m->has_rx_delay1 && m->rx_delay1 > 15)
		not_in(x, path, "RXDelay1", BI_W_DR);
	else if (m->has_rx_delay1)
		bi_put(x, o, "RXDelay1", json_integer(m->rx_delay1));
	if (m->class_mode != BI_CLASS_NONE && cls == NULL)
		bad(x, path, "ClassMode", "not \"A\", \"B\" or \"C\"");
	else if (cls != NULL)
		bi_put(x, o, "ClassMode", json_string(cls));
	if ((m->has_data_rate1 && m->data_rate1 > 15) ||
	    (m->has_data_rate2 && m->data_rate2 > 15))
		not_in(x, path, m->data_rate1 > 15 ? "DataRate1" : "DataRate2",
		    BI_W_DR);
	if (m->has_data_rate1)
		bi_put(x, o, "DataRate1", json_integer(m->data_rate1));
	if (m->has_data_rate2)
		bi_put(x, o, "DataRate2", json_integer(m->data_rate2));
	put_token(x, o, path, m->fns_ul_token, m->fns_ul_token_len);
	enc_gw_info(x, o, path, m->gw_info, m->gw_info_len);
	if (m->has_hi_priority_flag)
		bi_put(
		    x, o, "HiPriorityFlag", json_boolean(m->hi_priority_flag));
}
