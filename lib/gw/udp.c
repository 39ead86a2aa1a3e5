/*
 * udp.c - Semtech UDP packet-forwarder datagrams: the 4- or 12-byte
 * header, names, errors, times and datr strings.  The JSON bodies are in
 * udp_json.c (decode) and udp_enc.c (encode).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gw/udp.h"
#include "gw/udp_int.h"

#define HDR_LEN 4
#define HDR_EUI_LEN 12

const char *
gw_udp_strerror(int err)
{
	switch (err) {
	case GW_UDP_OK:
		return "success";
	case GW_UDP_ERR_TRUNCATED:
		return "datagram truncated";
	case GW_UDP_ERR_TOO_LONG:
		return "datagram too long";
	case GW_UDP_ERR_VERSION:
		return "unsupported protocol version";
	case GW_UDP_ERR_TYPE:
		return "unknown packet identifier";
	case GW_UDP_ERR_JSON:
		return "malformed JSON body";
	case GW_UDP_ERR_MISSING:
		return "required field missing";
	case GW_UDP_ERR_FIELD:
		return "invalid field";
	case GW_UDP_ERR_INVAL:
		return "invalid argument";
	}
	return "unknown error";
}

const char *
gw_udp_type_name(int type)
{
	static const char *const names[] = {"PUSH_DATA", "PUSH_ACK",
	    "PULL_DATA", "PULL_RESP", "PULL_ACK", "TX_ACK"};

	if (type < 0 || type > GW_UDP_TX_ACK)
		return "unknown";
	return names[type];
}

const char *
gw_udp_txack_name(int code)
{
	static const char *const names[] = {"NONE", "TOO_LATE", "TOO_EARLY",
	    "COLLISION_PACKET", "COLLISION_BEACON", "TX_FREQ", "TX_POWER",
	    "GPS_UNLOCKED"};

	if (code < 0 || code >= GW_UDP_TXACK_UNKNOWN)
		return "UNKNOWN";
	return names[code];
}

/* gw_udp_fail - the text is logged and may quote peer bytes: keep it
 * printable ASCII */
int
gw_udp_fail(
    struct gw_udp_error *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	size_t off;
	int w;

	if (e == NULL)
		return code;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field);
	w = snprintf(e->text, sizeof(e->text), "%s: ", e->field);
	off = w < 0 ? 0 : (size_t)w;
	if (off < sizeof(e->text)) {
		va_start(ap, fmt);
		vsnprintf(e->text + off, sizeof(e->text) - off, fmt, ap);
		va_end(ap);
	}
	for (char *c = e->text; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	return code;
}

static void
clear_error(struct gw_udp_error *e)
{
	if (e != NULL) {
		e->code = GW_UDP_OK;
		e->field[0] = '\0';
		e->text[0] = '\0';
	}
}

/* digits - exactly n ASCII digits as a number */
static int
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* civil_time - "YYYY-MM-DD?HH:MM:SS" with sep at [10]; timegm() would
 * normalise Feb 30 to Mar 2, so the result must map back to the same
 * fields */
static int
civil_time(const char *s, char sep, int64_t *sec)
{
	int y, mo, d, h, mi, se;
	struct tm tm, back;
	time_t t;

	if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    s[10] != sep || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t < 0 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != mo - 1)
		return -1;
	*sec = (int64_t)t;
	return 0;
}

int
gw_udp_time_parse_iso(const char *s, int64_t *us)
{
	int64_t sec, frac = 0;
	const char *p = s + 19;
	int nd = 0;

	if (civil_time(s, 'T', &sec) != 0)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd >= 9)
				return -1;
			if (nd < 6)
				frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return -1;
		for (; nd < 6; nd++)
			frac *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return -1;
	*us = sec * 1000000 + frac;
	return 0;
}

int
gw_udp_time_parse_stat(const char *s, int64_t *sec)
{
	if (strlen(s) != 23 || s[19] != ' ' ||
	    (strcmp(s + 20, "GMT") != 0 && strcmp(s + 20, "UTC") != 0))
		return -1;
	return civil_time(s, ' ', sec);
}

/* civil_fields - broken-down UTC time, or the epoch if out of range */
static void
civil_fields(int64_t sec, struct tm *tm)
{
	time_t t = (time_t)sec;

	if (sec < 0 || sec > GW_UDP_TIME_MAX_S || gmtime_r(&t, tm) == NULL) {
		t = 0;
		gmtime_r(&t, tm);
	}
}

void
gw_udp_time_format_iso(int64_t us, char *out, size_t outlen)
{
	struct tm tm;

	civil_fields(us / 1000000, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(us % 1000000));
}

void
gw_udp_time_format_stat(int64_t sec, char *out, size_t outlen)
{
	struct tm tm;

	civil_fields(sec, &tm);
	snprintf(out, outlen, "%04d-%02d-%02d %02d:%02d:%02d GMT",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

int
gw_udp_datr_parse(const char *s, struct gw_udp_datr *d)
{
	int sf = 0, bw = 0, n;
	const char *p;

	if (strncmp(s, "SF", 2) != 0)
		return -1;
	for (p = s + 2, n = 0; *p >= '0' && *p <= '9' && n < 2; p++, n++)
		sf = sf * 10 + (*p - '0');
	if (n == 0 || strncmp(p, "BW", 2) != 0)
		return -1;
	for (p += 2, n = 0; *p >= '0' && *p <= '9' && n < 3; p++, n++)
		bw = bw * 10 + (*p - '0');
	if (*p != '\0' || sf < 5 || sf > 12 || s[2] == '0' ||
	    (bw != 125 && bw != 250 && bw != 500))
		return -1;
	memset(d, 0, sizeof(*d));
	d->modu = GW_UDP_LORA;
	d->sf = (uint8_t)sf;
	d->bw_khz = (uint16_t)bw;
	return 0;
}

int
gw_udp_datr_format(const struct gw_udp_datr *d, char *out, size_t outlen)
{
	int w;

	if (d->modu != GW_UDP_LORA || d->sf < 5 || d->sf > 12 ||
	    (d->bw_khz != 125 && d->bw_khz != 250 && d->bw_khz != 500))
		return -1;
	w = snprintf(
	    out, outlen, "SF%uBW%u", (unsigned)d->sf, (unsigned)d->bw_khz);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

static bool
has_eui(int type)
{
	return type == GW_UDP_PUSH_DATA || type == GW_UDP_PULL_DATA ||
	    type == GW_UDP_TX_ACK;
}

int
gw_udp_parse(const uint8_t *buf, size_t len, struct gw_udp_packet *p,
    struct gw_udp_error *e)
{
	size_t hdr, body;

	clear_error(e);
	if (p == NULL || buf == NULL)
		return gw_udp_fail(e, GW_UDP_ERR_INVAL, "", "no datagram");
	memset(p, 0, sizeof(*p));
	if (len > GW_UDP_DATAGRAM_MAX)
		return gw_udp_fail(e, GW_UDP_ERR_TOO_LONG, "datagram",
		    "%zu bytes, over %d", len, GW_UDP_DATAGRAM_MAX);
	if (len < HDR_LEN)
		return gw_udp_fail(e, GW_UDP_ERR_TRUNCATED, "header",
		    "%zu bytes, need %d", len, HDR_LEN);
	p->version = buf[0];
	p->token = (uint16_t)(buf[1] << 8 | buf[2]);
	p->type = (enum gw_udp_type)buf[3];
	if (buf[0] != 1 && buf[0] != 2)
		return gw_udp_fail(e, GW_UDP_ERR_VERSION, "version",
		    "%u, expected 1 or 2", buf[0]);
	if (buf[3] > GW_UDP_TX_ACK)
		return gw_udp_fail(e, GW_UDP_ERR_TYPE, "identifier",
		    "0x%02x is no packet type", buf[3]);
	hdr = has_eui(p->type) ? HDR_EUI_LEN : HDR_LEN;
	if (len < hdr)
		return gw_udp_fail(e, GW_UDP_ERR_TRUNCATED, "header",
		    "%zu bytes, %s needs %zu", len, gw_udp_type_name(p->type),
		    hdr);
	for (size_t i = HDR_LEN; i < hdr; i++)
		p->gw_eui = p->gw_eui << 8 | buf[i];
	body = len - hdr;
	if (p->type != GW_UDP_PUSH_DATA && p->type != GW_UDP_PULL_RESP &&
	    p->type != GW_UDP_TX_ACK) {
		if (body > 0)
			return gw_udp_fail(e, GW_UDP_ERR_TOO_LONG, "body",
			    "%zu bytes after a %s header", body,
			    gw_udp_type_name(p->type));
		return GW_UDP_OK;
	}
	while (body > 0 && buf[hdr + body - 1] == '\0')
		body--;
	if (body == 0) {
		if (p->type == GW_UDP_TX_ACK)
			return GW_UDP_OK;
		return gw_udp_fail(e, GW_UDP_ERR_JSON, "body", "empty");
	}
	return gw_udp_json_decode((const char *)buf + hdr, body, p, e);
}

int
gw_udp_encode(const struct gw_udp_packet *p, uint8_t *out, size_t outlen,
    size_t *n, struct gw_udp_error *e)
{
	size_t hdr, body = 0;
	int rc;

	clear_error(e);
	if (p == NULL || out == NULL || n == NULL)
		return gw_udp_fail(e, GW_UDP_ERR_INVAL, "", "no packet");
	if (p->version != 1 && p->version != 2)
		return gw_udp_fail(e, GW_UDP_ERR_VERSION, "version",
		    "%u, expected 1 or 2", p->version);
	if ((unsigned)p->type > GW_UDP_TX_ACK)
		return gw_udp_fail(e, GW_UDP_ERR_TYPE, "identifier",
		    "%d is no packet type", (int)p->type);
	hdr = has_eui(p->type) ? HDR_EUI_LEN : HDR_LEN;
	if (outlen > GW_UDP_DATAGRAM_MAX)
		outlen = GW_UDP_DATAGRAM_MAX;
	if (outlen < hdr)
		return gw_udp_fail(e, GW_UDP_ERR_TOO_LONG, "datagram",
		    "buffer of %zu bytes too small", outlen);
	out[0] = p->version;
	out[1] = (uint8_t)(p->token >> 8);
	out[2] = (uint8_t)(p->token & 0xff);
	out[3] = (uint8_t)p->type;
	for (size_t i = HDR_LEN; i < hdr; i++)
		out[i] = (uint8_t)(p->gw_eui >> (8 * (hdr - 1 - i)));
	if (p->type == GW_UDP_PUSH_DATA || p->type == GW_UDP_PULL_RESP ||
	    (p->type == GW_UDP_TX_ACK && p->txack.has_body)) {
		rc = gw_udp_json_encode(
		    p, (char *)out + hdr, outlen - hdr, &body, e);
		if (rc != GW_UDP_OK)
			return rc;
	}
	*n = hdr + body;
	return GW_UDP_OK;
}
