/*
 * udp_enc.c - struct gw_udp_packet to the compact JSON bodies of
 * PUSH_DATA, PULL_RESP and TX_ACK.  Written by hand rather than through
 * jansson because the numbers need exact forms: "freq" with six decimals
 * (jansson prints 868.1 as 868.10000000000002) and the other reals in
 * their shortest form that reads back to the same double.  Every value
 * is checked against what udp_json.c accepts, so a packet that encodes
 * parses back to itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/udp.h"
#include "gw/udp_int.h"
#include "util/bytes.h"

/* A bounded output buffer; once full it stays full. */
struct wbuf {
	char *p;
	size_t cap, len;
	bool full;
};

static void
put(struct wbuf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len)
		w->full = true;
	else
		w->len += (size_t)n;
}

/* put_real - the shortest "%g" that strtod() reads back exactly */
static void
put_real(struct wbuf *w, const char *key, double d)
{
	char buf[40];

	if (d == 0)
		d = 0.0; /* no "-0": the parser reads it as 0 */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	put(w, ",\"%s\":%s", key, buf);
}

static void
put_freq(struct wbuf *w, uint32_t hz)
{
	put(w, ",\"freq\":%u.%06u", (unsigned)(hz / 1000000),
	    (unsigned)(hz % 1000000));
}

/* put_datr - "modu" and "datr"; d was checked by check_datr() */
static void
put_datr(struct wbuf *w, const struct gw_udp_datr *d)
{
	char s[16];

	if (d->modu == GW_UDP_FSK) {
		put(w, ",\"modu\":\"FSK\",\"datr\":%u", (unsigned)d->bps);
		return;
	}
	gw_udp_datr_format(d, s, sizeof(s));
	put(w, ",\"modu\":\"LORA\",\"datr\":\"%s\"", s);
}

static void
put_codr(struct wbuf *w, uint8_t codr)
{
	if (codr == GW_UDP_CODR_OFF)
		put(w, ",\"codr\":\"OFF\"");
	else
		put(w, ",\"codr\":\"4/%u\"", (unsigned)codr);
}

static void
put_payload(struct wbuf *w, uint16_t size, const uint8_t *data)
{
	char b64[4 * ((GW_UDP_PAYLOAD_MAX + 2) / 3) + 1];

	bytes_to_base64(data, size, b64);
	put(w, ",\"size\":%u,\"data\":\"%s\"", (unsigned)size, b64);
}

static int
check_datr(const char *path, const struct gw_udp_datr *d, uint8_t codr,
    bool lora_codr, struct gw_udp_error *e)
{
	char s[16], field[48];

	snprintf(field, sizeof(field), "%s.datr", path);
	if (d->modu == GW_UDP_FSK) {
		if (d->bps < 500 || d->bps > 300000)
			return gw_udp_fail(e, GW_UDP_ERR_FIELD, field,
			    "%u bit/s out of range 500..300000",
			    (unsigned)d->bps);
		return GW_UDP_OK;
	}
	if (d->modu != GW_UDP_LORA) {
		snprintf(field, sizeof(field), "%s.modu", path);
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, field, "not LORA or FSK");
	}
	if (gw_udp_datr_format(d, s, sizeof(s)) != 0)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field,
		    "not SF5..SF12 with BW125, BW250 or BW500");
	snprintf(field, sizeof(field), "%s.codr", path);
	if (lora_codr && codr != GW_UDP_CODR_OFF && (codr < 5 || codr > 8))
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field,
		    "%u is not 4/5..4/8 or OFF", (unsigned)codr);
	return GW_UDP_OK;
}

static int
check_common(
    const char *path, uint32_t freq_hz, uint16_t size, struct gw_udp_error *e)
{
	char field[48];

	snprintf(field, sizeof(field), "%s.freq", path);
	if (freq_hz == 0)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field, "zero");
	snprintf(field, sizeof(field), "%s.size", path);
	if (size > GW_UDP_PAYLOAD_MAX)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field, "%u, over %d",
		    (unsigned)size, GW_UDP_PAYLOAD_MAX);
	return GW_UDP_OK;
}

static int
put_rxpk(struct wbuf *w, size_t i, const struct gw_udp_rxpk *r,
    struct gw_udp_error *e)
{
	char path[32], field[48], t[40];
	bool lora = r->datr.modu == GW_UDP_LORA;
	int rc;

	snprintf(path, sizeof(path), "rxpk[%zu]", i);
	if ((rc = check_common(path, r->freq_hz, r->size, e)) < 0 ||
	    (rc = check_datr(path, &r->datr, r->codr, r->has_codr, e)) < 0)
		return rc;
	snprintf(field, sizeof(field), "%s.time", path);
	if (r->has_time &&
	    (r->time_us < 0 || r->time_us / 1000000 > GW_UDP_TIME_MAX_S))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, field, "out of range 1970..9999");
	snprintf(field, sizeof(field), "%s.tmms", path);
	if (r->has_tmms && r->tmms > INT64_MAX)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field, "too large");
	snprintf(field, sizeof(field), "%s.stat", path);
	if (r->has_stat && (r->stat < -1 || r->stat > 1))
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field,
		    "%d is not -1, 0 or 1", r->stat);
	snprintf(field, sizeof(field), "%s.rssi", path);
	if (r->has_rssi && (r->rssi < -300 || r->rssi > 300))
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, field,
		    "%d out of range -300..300", r->rssi);
	snprintf(field, sizeof(field), "%s.lsnr", path);
	if (lora && r->has_lsnr && !(r->lsnr >= -100 && r->lsnr <= 100))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, field, "out of range -100..100");
	put(w, "%s{\"tmst\":%u", i > 0 ? "," : "", (unsigned)r->tmst);
	if (r->has_time) {
		gw_udp_time_format_iso(r->time_us, t, sizeof(t));
		put(w, ",\"time\":\"%s\"", t);
	}
	if (r->has_tmms)
		put(w, ",\"tmms\":%llu", (unsigned long long)r->tmms);
	if (r->has_chan)
		put(w, ",\"chan\":%u", (unsigned)r->chan);
	if (r->has_rfch)
		put(w, ",\"rfch\":%u", (unsigned)r->rfch);
	put_freq(w, r->freq_hz);
	if (r->has_stat)
		put(w, ",\"stat\":%d", r->stat);
	put_datr(w, &r->datr);
	if (lora && r->has_codr)
		put_codr(w, r->codr);
	if (r->has_rssi)
		put(w, ",\"rssi\":%d", r->rssi);
	if (lora && r->has_lsnr)
		put_real(w, "lsnr", r->lsnr);
	put_payload(w, r->size, r->data);
	put(w, "}");
	return GW_UDP_OK;
}

static int
put_stat(struct wbuf *w, const struct gw_udp_stat *s, struct gw_udp_error *e)
{
	char t[40];
	size_t start;

	if (s->has_time && (s->time < 0 || s->time > GW_UDP_TIME_MAX_S))
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, "stat.time",
		    "out of range 1970..9999");
	if (s->has_lati && !(s->lati >= -90 && s->lati <= 90))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "stat.lati", "out of range -90..90");
	if (s->has_long && !(s->lon >= -180 && s->lon <= 180))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "stat.long", "out of range -180..180");
	if (s->has_ackr && !(s->ackr >= 0 && s->ackr <= 100))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "stat.ackr", "out of range 0..100");
	put(w, "\"stat\":{");
	start = w->len;
	if (s->has_rxnb)
		put(w, ",\"rxnb\":%u", (unsigned)s->rxnb);
	if (s->has_time) {
		gw_udp_time_format_stat(s->time, t, sizeof(t));
		put(w, ",\"time\":\"%s\"", t);
	}
	if (s->has_lati)
		put_real(w, "lati", s->lati);
	if (s->has_long)
		put_real(w, "long", s->lon);
	if (s->has_alti)
		put(w, ",\"alti\":%d", (int)s->alti);
	if (s->has_rxok)
		put(w, ",\"rxok\":%u", (unsigned)s->rxok);
	if (s->has_rxfw)
		put(w, ",\"rxfw\":%u", (unsigned)s->rxfw);
	if (s->has_ackr)
		put_real(w, "ackr", s->ackr);
	if (s->has_dwnb)
		put(w, ",\"dwnb\":%u", (unsigned)s->dwnb);
	if (s->has_txnb)
		put(w, ",\"txnb\":%u", (unsigned)s->txnb);
	/* every member was written with a leading comma; drop the first */
	if (!w->full && w->len > start) {
		memmove(w->p + start, w->p + start + 1, w->len - start - 1);
		w->len--;
	}
	put(w, "}");
	return GW_UDP_OK;
}

static int
put_push(struct wbuf *w, const struct gw_udp_packet *p, struct gw_udp_error *e)
{
	int rc;

	if (p->n_rxpk > GW_UDP_RXPK_MAX)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, "rxpk",
		    "%zu packets, at most %d", p->n_rxpk, GW_UDP_RXPK_MAX);
	put(w, "{");
	if (p->n_rxpk > 0) {
		put(w, "\"rxpk\":[");
		for (size_t i = 0; i < p->n_rxpk; i++)
			if ((rc = put_rxpk(w, i, &p->rxpk[i], e)) < 0)
				return rc;
		put(w, "]%s", p->has_stat ? "," : "");
	}
	if (p->has_stat && (rc = put_stat(w, &p->stat, e)) < 0)
		return rc;
	put(w, "}");
	return GW_UDP_OK;
}

static int
put_txpk(struct wbuf *w, const struct gw_udp_txpk *t, struct gw_udp_error *e)
{
	int rc;

	if ((rc = check_common("txpk", t->freq_hz, t->size, e)) < 0 ||
	    (rc = check_datr("txpk", &t->datr, t->codr, true, e)) < 0)
		return rc;
	if (!t->imme && !t->has_tmst && !t->has_tmms)
		return gw_udp_fail(e, GW_UDP_ERR_MISSING, "txpk.tmst",
		    "missing, and no imme or tmms either");
	if (t->has_tmms && t->tmms > INT64_MAX)
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "txpk.tmms", "too large");
	if (t->has_fdev && t->fdev > 1000000)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, "txpk.fdev",
		    "%u out of range 0..1000000", (unsigned)t->fdev);
	put(w, "{\"txpk\":{\"imme\":%s", t->imme ? "true" : "false");
	if (t->has_tmst)
		put(w, ",\"tmst\":%u", (unsigned)t->tmst);
	if (t->has_tmms)
		put(w, ",\"tmms\":%llu", (unsigned long long)t->tmms);
	put_freq(w, t->freq_hz);
	put(w, ",\"rfch\":%u", (unsigned)t->rfch);
	if (t->has_powe)
		put(w, ",\"powe\":%d", t->powe);
	put_datr(w, &t->datr);
	if (t->datr.modu == GW_UDP_LORA)
		put_codr(w, t->codr);
	if (t->has_fdev)
		put(w, ",\"fdev\":%u", (unsigned)t->fdev);
	put(w, ",\"ipol\":%s", t->ipol ? "true" : "false");
	if (t->has_prea)
		put(w, ",\"prea\":%u", (unsigned)t->prea);
	put(w, ",\"ncrc\":%s", t->ncrc ? "true" : "false");
	put_payload(w, t->size, t->data);
	put(w, "}}");
	return GW_UDP_OK;
}

static int
put_txack(struct wbuf *w, const struct gw_udp_txack *a, struct gw_udp_error *e)
{
	if ((unsigned)a->error > GW_UDP_TXACK_UNKNOWN)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, "txpk_ack.error",
		    "%d is no TX_ACK code", (int)a->error);
	if (a->has_warn && (unsigned)a->warn > GW_UDP_TXACK_UNKNOWN)
		return gw_udp_fail(e, GW_UDP_ERR_FIELD, "txpk_ack.warn",
		    "%d is no TX_ACK code", (int)a->warn);
	put(w, "{\"txpk_ack\":{\"error\":\"%s\"", gw_udp_txack_name(a->error));
	if (a->has_warn)
		put(w, ",\"warn\":\"%s\"", gw_udp_txack_name(a->warn));
	if (a->has_value)
		put(w, ",\"value\":%d", (int)a->value);
	put(w, "}}");
	return GW_UDP_OK;
}

int
gw_udp_json_encode(const struct gw_udp_packet *p, char *out, size_t outlen,
    size_t *n, struct gw_udp_error *e)
{
	struct wbuf w = {.p = out, .cap = outlen};
	int rc;

	if (outlen == 0)
		return gw_udp_fail(
		    e, GW_UDP_ERR_TOO_LONG, "datagram", "no room for the body");
	if (p->type == GW_UDP_PUSH_DATA)
		rc = put_push(&w, p, e);
	else if (p->type == GW_UDP_PULL_RESP)
		rc = put_txpk(&w, &p->txpk, e);
	else
		rc = put_txack(&w, &p->txack, e);
	if (rc < 0)
		return rc;
	if (w.full)
		return gw_udp_fail(e, GW_UDP_ERR_TOO_LONG, "datagram",
		    "body does not fit %zu bytes", outlen);
	*n = w.len;
	return GW_UDP_OK;
}
