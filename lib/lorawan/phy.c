/*
 * phy.c - LoRaWAN PHYPayload codec: bytes on air <-> struct lw_frame.
 *
 * Decoding checks every length before it reads, and refuses with the name
 * of the field at fault.  Encoding refuses any value that decoding could
 * not have produced, so that encode(decode(b)) == b for every accepted b
 * and decode(encode(f)) == f for every accepted f: the property tests and
 * the fuzz target hold the codec to both.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lorawan/phy.h"

#define MHDR_MAJOR_R1 0
#define FCTRL_ADR 0x80
#define FCTRL_BIT6 0x40 /* ADRACKReq up, RFU down */
#define FCTRL_ACK 0x20
#define FCTRL_BIT4 0x10 /* ClassB up, FPending down */
#define FCTRL_FOPTSLEN 0x0f
#define U24_MAX 0xffffffu

static int phy_fail(struct lw_phy_error *e, int err, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* phy_fail - record which field was refused and why; returns err */
static int
phy_fail(
    struct lw_phy_error *e, int err, const char *field, const char *fmt, ...)
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

/* phy_clear - an untouched error struct must not name a stale field */
static void
phy_clear(struct lw_phy_error *e)
{
	if (e != NULL) {
		e->field = NULL;
		e->detail[0] = '\0';
	}
}

/* get_le - read an n-byte little-endian unsigned integer */
static uint64_t
get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

/* put_le - write the low n bytes of v little-endian */
static void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

/* lw_mtype_name - the names the specification uses */
const char *
lw_mtype_name(int mtype)
{
	static const char *const names[] = {"JoinRequest", "JoinAccept",
	    "UnconfirmedDataUp", "UnconfirmedDataDown", "ConfirmedDataUp",
	    "ConfirmedDataDown", "RejoinRequest", "Proprietary"};

	if (mtype < 0 || mtype > LW_MT_PROPRIETARY)
		return "unknown";
	return names[mtype];
}

/* lw_mtype_is_uplink - data up types carry ADRACKReq and ClassB */
bool
lw_mtype_is_uplink(enum lw_mtype mtype)
{
	return mtype == LW_MT_UNCONF_UP || mtype == LW_MT_CONF_UP;
}

/* check_len - refuse a length other than want, naming field */
static int
check_len(size_t len, size_t want, const char *field, struct lw_phy_error *e)
{
	if (len < want)
		return phy_fail(e, LW_ERR_TRUNCATED, field,
		    "%zu bytes, need %zu", len, want);
	if (len > want)
		return phy_fail(e, LW_ERR_TOO_LONG, field,
		    "%zu bytes, need %zu", len, want);
	return LW_OK;
}

/* decode_jr - JoinEUI(8) | DevEUI(8) | DevNonce(2) | MIC(4) */
static int
decode_jr(
    const uint8_t *b, size_t len, struct lw_frame *f, struct lw_phy_error *e)
{
	struct lw_join_request *jr = &f->u.jr;
	int r;

	r = check_len(len, LW_JOIN_REQUEST_LEN, "JoinRequest length", e);
	if (r != LW_OK)
		return r;
	jr->join_eui = get_le(b + 1, 8);
	jr->dev_eui = get_le(b + 9, 8);
	jr->dev_nonce = (uint16_t)get_le(b + 17, 2);
	memcpy(jr->mic, b + 19, 4);
	return LW_OK;
}

/* decode_ja - the encrypted 16- or 32-byte body is kept as is */
static int
decode_ja(
    const uint8_t *b, size_t len, struct lw_frame *f, struct lw_phy_error *e)
{
	if (len != 17 && len != 33) {
		if (len > 33)
			return phy_fail(e, LW_ERR_TOO_LONG, "JoinAccept length",
			    "%zu bytes, need 17 or 33", len);
		return phy_fail(e, LW_ERR_TRUNCATED, "JoinAccept length",
		    "%zu bytes, need 17 or 33", len);
	}
	f->u.ja.len = len - 1;
	memcpy(f->u.ja.bytes, b + 1, len - 1);
	return LW_OK;
}

/* decode_rj - the RejoinType byte decides the layout and the length */
static int
decode_rj(
    const uint8_t *b, size_t len, struct lw_frame *f, struct lw_phy_error *e)
{
	struct lw_rejoin_request *rj = &f->u.rj;
	size_t want;
	int r;

	if (len < 2)
		return phy_fail(e, LW_ERR_TRUNCATED, "RejoinRequest length",
		    "%zu bytes, no RejoinType", len);
	rj->rejoin_type = b[1];
	if (rj->rejoin_type > 2)
		return phy_fail(e, LW_ERR_FIELD, "RejoinType",
		    "%u, must be 0, 1 or 2", (unsigned)rj->rejoin_type);
	want = rj->rejoin_type == 1 ? LW_REJOIN1_LEN : LW_REJOIN02_LEN;
	r = check_len(len, want, "RejoinRequest length", e);
	if (r != LW_OK)
		return r;
	if (rj->rejoin_type == 1) {
		rj->join_eui = get_le(b + 2, 8);
		b += 8;
	} else {
		rj->net_id = (uint32_t)get_le(b + 2, 3);
		b += 3;
	}
	rj->dev_eui = get_le(b + 2, 8);
	rj->rj_count = (uint16_t)get_le(b + 10, 2);
	memcpy(rj->mic, b + 12, 4);
	return LW_OK;
}

/* decode_data - FHDR | [FPort | FRMPayload] | MIC */
static int
decode_data(
    const uint8_t *b, size_t len, struct lw_frame *f, struct lw_phy_error *e)
{
	struct lw_data *d = &f->u.data;
	bool up = lw_mtype_is_uplink(f->mtype);
	size_t rest;

	if (len < LW_PHY_DATA_MIN)
		return phy_fail(e, LW_ERR_TRUNCATED, "PHYPayload length",
		    "%zu bytes, a data frame needs %d", len, LW_PHY_DATA_MIN);
	d->dev_addr = (uint32_t)get_le(b + 1, 4);
	d->fctrl = b[5];
	d->adr = (d->fctrl & FCTRL_ADR) != 0;
	d->adr_ack_req = up && (d->fctrl & FCTRL_BIT6) != 0;
	d->fctrl_rfu = !up && (d->fctrl & FCTRL_BIT6) != 0;
	d->ack = (d->fctrl & FCTRL_ACK) != 0;
	d->class_b = up && (d->fctrl & FCTRL_BIT4) != 0;
	d->fpending = !up && (d->fctrl & FCTRL_BIT4) != 0;
	d->fopts_len = d->fctrl & FCTRL_FOPTSLEN;
	d->fcnt16 = (uint16_t)get_le(b + 6, 2);
	if (LW_PHY_DATA_MIN + (size_t)d->fopts_len > len)
		return phy_fail(e, LW_ERR_TRUNCATED, "FOptsLen",
		    "%u bytes of FOpts in a %zu-byte frame",
		    (unsigned)d->fopts_len, len);
	memcpy(d->fopts, b + 8, d->fopts_len);
	rest = len - LW_PHY_DATA_MIN - d->fopts_len;
	if (rest > 0) {
		d->has_fport = true;
		d->fport = b[8 + d->fopts_len];
		/* MAC commands travel in FOpts or on port 0, never both. */
		if (d->fport == 0 && d->fopts_len > 0)
			return phy_fail(e, LW_ERR_FIELD, "FOpts with FPort 0",
			    "FOptsLen %u with FPort 0", (unsigned)d->fopts_len);
		d->frm_len = rest - 1;
		memcpy(d->frm_payload, b + 9 + d->fopts_len, d->frm_len);
	}
	memcpy(d->mic, b + len - 4, 4);
	return LW_OK;
}

/* lw_phy_decode - check the frame-wide limits, then dispatch on MType */
int
lw_phy_decode(
    const uint8_t *buf, size_t len, struct lw_frame *f, struct lw_phy_error *e)
{
	phy_clear(e);
	if (f == NULL || (buf == NULL && len > 0))
		return phy_fail(e, LW_ERR_INVAL, "argument", "NULL pointer");
	memset(f, 0, sizeof(*f));
	if (len == 0)
		return phy_fail(
		    e, LW_ERR_TRUNCATED, "PHYPayload length", "empty frame");
	if (len > LW_PHY_MAX)
		return phy_fail(e, LW_ERR_TOO_LONG, "PHYPayload length",
		    "%zu bytes, at most %d", len, LW_PHY_MAX);
	f->mhdr = buf[0];
	f->mtype = (enum lw_mtype)(buf[0] >> 5);
	f->mhdr_rfu = (buf[0] >> 2) & 0x07;
	f->major = buf[0] & 0x03;
	if (f->major != MHDR_MAJOR_R1)
		return phy_fail(e, LW_ERR_FIELD, "MHDR.Major",
		    "%u, only 0 (LoRaWAN R1) is defined", (unsigned)f->major);
	switch (f->mtype) {
	case LW_MT_JOIN_REQUEST:
		return decode_jr(buf, len, f, e);
	case LW_MT_JOIN_ACCEPT:
		return decode_ja(buf, len, f, e);
	case LW_MT_REJOIN_REQUEST:
		return decode_rj(buf, len, f, e);
	case LW_MT_PROPRIETARY:
		f->u.prop.len = len - 1;
		memcpy(f->u.prop.bytes, buf + 1, len - 1);
		return LW_OK;
	default:
		return decode_data(buf, len, f, e);
	}
}

/* encode_rj - refuse fields the rejoin type does not carry */
static int
encode_rj(const struct lw_rejoin_request *rj, uint8_t *b, size_t *n,
    struct lw_phy_error *e)
{
	if (rj->rejoin_type > 2)
		return phy_fail(e, LW_ERR_FIELD, "RejoinType",
		    "%u, must be 0, 1 or 2", (unsigned)rj->rejoin_type);
	b[1] = rj->rejoin_type;
	if (rj->rejoin_type == 1) {
		if (rj->net_id != 0)
			return phy_fail(e, LW_ERR_FIELD, "NetID",
			    "rejoin type 1 carries no NetID");
		put_le(b + 2, rj->join_eui, 8);
		b += 8;
		*n = LW_REJOIN1_LEN;
	} else {
		if (rj->net_id > U24_MAX)
			return phy_fail(e, LW_ERR_FIELD, "NetID",
			    "0x%lx exceeds 24 bits", (unsigned long)rj->net_id);
		if (rj->join_eui != 0)
			return phy_fail(e, LW_ERR_FIELD, "JoinEUI",
			    "rejoin type %u carries no JoinEUI",
			    (unsigned)rj->rejoin_type);
		put_le(b + 2, rj->net_id, 3);
		b += 3;
		*n = LW_REJOIN02_LEN;
	}
	put_le(b + 2, rj->dev_eui, 8);
	put_le(b + 10, rj->rj_count, 2);
	memcpy(b + 12, rj->mic, 4);
	return LW_OK;
}

/* data_check - the refusals that keep decode(encode(f)) == f */
static int
data_check(const struct lw_data *d, bool up, struct lw_phy_error *e)
{
	if (d->fopts_len > LW_FOPTS_MAX)
		return phy_fail(e, LW_ERR_FIELD, "FOptsLen", "%u, at most %d",
		    (unsigned)d->fopts_len, LW_FOPTS_MAX);
	if (up ? (d->fpending || d->fctrl_rfu) : (d->adr_ack_req || d->class_b))
		return phy_fail(e, LW_ERR_FIELD, "FCtrl",
		    "a bit of the other direction is set");
	if (!d->has_fport && (d->fport != 0 || d->frm_len > 0))
		return phy_fail(e, LW_ERR_FIELD, "FPort",
		    "FRMPayload or FPort value without has_fport");
	if (d->has_fport && d->fport == 0 && d->fopts_len > 0)
		return phy_fail(e, LW_ERR_FIELD, "FOpts with FPort 0",
		    "FOptsLen %u with FPort 0", (unsigned)d->fopts_len);
	if (LW_PHY_DATA_MIN + d->fopts_len + (d->has_fport ? 1 : 0) +
		d->frm_len >
	    LW_PHY_MAX)
		return phy_fail(e, LW_ERR_TOO_LONG, "PHYPayload length",
		    "FRMPayload of %zu bytes does not fit", d->frm_len);
	return LW_OK;
}

/* encode_data - FCtrl is rebuilt from the decoded bits */
static int
encode_data(const struct lw_data *d, bool up, uint8_t *b, size_t *n,
    struct lw_phy_error *e)
{
	size_t i = 8;
	uint8_t fctrl;
	int r;

	r = data_check(d, up, e);
	if (r != LW_OK)
		return r;
	fctrl = d->fopts_len;
	fctrl |= d->adr ? FCTRL_ADR : 0;
	fctrl |= (d->adr_ack_req || d->fctrl_rfu) ? FCTRL_BIT6 : 0;
	fctrl |= d->ack ? FCTRL_ACK : 0;
	fctrl |= (d->class_b || d->fpending) ? FCTRL_BIT4 : 0;
	put_le(b + 1, d->dev_addr, 4);
	b[5] = fctrl;
	put_le(b + 6, d->fcnt16, 2);
	memcpy(b + i, d->fopts, d->fopts_len);
	i += d->fopts_len;
	if (d->has_fport) {
		b[i++] = d->fport;
		memcpy(b + i, d->frm_payload, d->frm_len);
		i += d->frm_len;
	}
	memcpy(b + i, d->mic, 4);
	*n = i + 4;
	return LW_OK;
}

/* encode_body - everything after MHDR, into a 255-byte scratch buffer */
static int
encode_body(
    const struct lw_frame *f, uint8_t *b, size_t *n, struct lw_phy_error *e)
{
	switch (f->mtype) {
	case LW_MT_JOIN_REQUEST:
		put_le(b + 1, f->u.jr.join_eui, 8);
		put_le(b + 9, f->u.jr.dev_eui, 8);
		put_le(b + 17, f->u.jr.dev_nonce, 2);
		memcpy(b + 19, f->u.jr.mic, 4);
		*n = LW_JOIN_REQUEST_LEN;
		return LW_OK;
	case LW_MT_JOIN_ACCEPT:
		if (f->u.ja.len != 16 && f->u.ja.len != 32)
			return phy_fail(e, LW_ERR_FIELD, "JoinAccept length",
			    "%zu encrypted bytes, need 16 or 32", f->u.ja.len);
		memcpy(b + 1, f->u.ja.bytes, f->u.ja.len);
		*n = f->u.ja.len + 1;
		return LW_OK;
	case LW_MT_REJOIN_REQUEST:
		return encode_rj(&f->u.rj, b, n, e);
	case LW_MT_PROPRIETARY:
		if (f->u.prop.len > LW_PROPRIETARY_MAX)
			return phy_fail(e, LW_ERR_TOO_LONG, "PHYPayload length",
			    "%zu proprietary bytes, at most %d", f->u.prop.len,
			    LW_PROPRIETARY_MAX);
		memcpy(b + 1, f->u.prop.bytes, f->u.prop.len);
		*n = f->u.prop.len + 1;
		return LW_OK;
	default:
		return encode_data(
		    &f->u.data, lw_mtype_is_uplink(f->mtype), b, n, e);
	}
}

/* lw_phy_encode - build in scratch space so out is untouched on error */
int
lw_phy_encode(const struct lw_frame *f, uint8_t *out, size_t outlen, size_t *n,
    struct lw_phy_error *e)
{
	uint8_t b[LW_PHY_MAX];
	size_t len = 0;
	int r;

	phy_clear(e);
	if (f == NULL || out == NULL || n == NULL)
		return phy_fail(e, LW_ERR_INVAL, "argument", "NULL pointer");
	if ((unsigned)f->mtype > LW_MT_PROPRIETARY)
		return phy_fail(e, LW_ERR_FIELD, "MHDR.MType", "%u, at most 7",
		    (unsigned)f->mtype);
	if (f->mhdr_rfu > 7)
		return phy_fail(e, LW_ERR_FIELD, "MHDR.RFU", "%u, at most 7",
		    (unsigned)f->mhdr_rfu);
	if (f->major != MHDR_MAJOR_R1)
		return phy_fail(e, LW_ERR_FIELD, "MHDR.Major",
		    "%u, only 0 (LoRaWAN R1) is defined", (unsigned)f->major);
	b[0] = (uint8_t)(f->mtype << 5 | f->mhdr_rfu << 2 | f->major);
	r = encode_body(f, b, &len, e);
	if (r != LW_OK)
		return r;
	if (len > outlen)
		return phy_fail(e, LW_ERR_TOO_LONG, "output buffer",
		    "%zu bytes needed, %zu given", len, outlen);
	memcpy(out, b, len);
	*n = len;
	return LW_OK;
}

/* lw_join_accept_decode - fields of the decrypted join-accept */
int
lw_join_accept_decode(const uint8_t *buf, size_t len, struct lw_join_accept *ja,
    struct lw_phy_error *e)
{
	phy_clear(e);
	if (ja == NULL || buf == NULL)
		return phy_fail(e, LW_ERR_INVAL, "argument", "NULL pointer");
	if (len != LW_JA_PLAIN_LEN && len != LW_JA_PLAIN_CFLIST_LEN)
		return phy_fail(e,
		    len > LW_JA_PLAIN_CFLIST_LEN ? LW_ERR_TOO_LONG
						 : LW_ERR_TRUNCATED,
		    "JoinAccept plaintext length",
		    "%zu bytes, need 12 or 28 (MIC removed)", len);
	memset(ja, 0, sizeof(*ja));
	ja->join_nonce = (uint32_t)get_le(buf, 3);
	ja->net_id = (uint32_t)get_le(buf + 3, 3);
	ja->dev_addr = (uint32_t)get_le(buf + 6, 4);
	ja->dl_settings = buf[10];
	ja->rx_delay = buf[11];
	ja->has_cflist = len == LW_JA_PLAIN_CFLIST_LEN;
	if (ja->has_cflist)
		memcpy(ja->cflist, buf + 12, sizeof(ja->cflist));
	return LW_OK;
}

/* lw_join_accept_encode - the bytes the MIC covers and AES encrypts */
int
lw_join_accept_encode(const struct lw_join_accept *ja, uint8_t *out,
    size_t outlen, size_t *n, struct lw_phy_error *e)
{
	size_t len;

	phy_clear(e);
	if (ja == NULL || out == NULL || n == NULL)
		return phy_fail(e, LW_ERR_INVAL, "argument", "NULL pointer");
	if (ja->join_nonce > U24_MAX)
		return phy_fail(e, LW_ERR_FIELD, "JoinNonce",
		    "0x%lx exceeds 24 bits", (unsigned long)ja->join_nonce);
	if (ja->net_id > U24_MAX)
		return phy_fail(e, LW_ERR_FIELD, "NetID",
		    "0x%lx exceeds 24 bits", (unsigned long)ja->net_id);
	len = ja->has_cflist ? LW_JA_PLAIN_CFLIST_LEN : LW_JA_PLAIN_LEN;
	if (len > outlen)
		return phy_fail(e, LW_ERR_TOO_LONG, "output buffer",
		    "%zu bytes needed, %zu given", len, outlen);
	put_le(out, ja->join_nonce, 3);
	put_le(out + 3, ja->net_id, 3);
	put_le(out + 6, ja->dev_addr, 4);
	out[10] = ja->dl_settings;
	out[11] = ja->rx_delay;
	if (ja->has_cflist)
		memcpy(out + 12, ja->cflist, sizeof(ja->cflist));
	*n = len;
	return LW_OK;
}
