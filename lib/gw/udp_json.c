/*
 * udp_json.c - the JSON bodies of PUSH_DATA (rxpk[], stat), PULL_RESP
 * (txpk) and TX_ACK (txpk_ack) to struct gw_udp_packet.  Every refusal
 * names the member with its path ("rxpk[2].tmst"), because that text is
 * what an operator sees in the log when a gateway misbehaves.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "gw/udp.h"
#include "gw/udp_int.h"
#include "util/bytes.h"

/* Return values of the member readers besides the negative gw_udp_err. */
#define ABSENT 0
#define PRESENT 1

/* base64 of 255 bytes is 340 characters; padding can make it 344 */
#define B64_MAX 344

/* A member reader's context: where the member lives, for messages. */
struct jctx {
	const char *path; /* "rxpk[2]", "stat", "txpk", "txpk_ack" */
	char field[40];   /* path.key of the member being read */
	struct gw_udp_error *e;
};

/* member - the value of key, NULL when absent or JSON null */
static json_t *
member(struct jctx *c, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	snprintf(c->field, sizeof(c->field), "%s%s%s", c->path,
	    c->path[0] != '\0' ? "." : "", key);
	return v == NULL || json_is_null(v) ? NULL : v;
}

static int
absent(struct jctx *c, bool required)
{
	if (required)
		return gw_udp_fail(
		    c->e, GW_UDP_ERR_MISSING, c->field, "missing");
	return ABSENT;
}

/* get_int - a JSON integer in [min, max]; 1.0 is refused: a counter
 * sent as a real is a sender bug, and 1.5 must not become 1 */
static int
get_int(struct jctx *c, json_t *o, const char *key, bool required,
    json_int_t min, json_int_t max, json_int_t *out)
{
	json_t *v = member(c, o, key);

	if (v == NULL)
		return absent(c, required);
	if (!json_is_integer(v))
		return gw_udp_fail(
		    c->e, GW_UDP_ERR_FIELD, c->field, "not an integer");
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "%lld out of range %lld..%lld",
		    (long long)json_integer_value(v), (long long)min,
		    (long long)max);
	*out = json_integer_value(v);
	return PRESENT;
}

/* get_real - any JSON number in [min, max] */
static int
get_real(struct jctx *c, json_t *o, const char *key, bool required, double min,
    double max, double *out)
{
	json_t *v = member(c, o, key);
	double d;

	if (v == NULL)
		return absent(c, required);
	if (!json_is_number(v))
		return gw_udp_fail(
		    c->e, GW_UDP_ERR_FIELD, c->field, "not a number");
	d = json_number_value(v);
	if (!(d >= min && d <= max))
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "out of range %g..%g", min, max);
	/* "-0" and "-0.0" read as 0: -0.0 would not survive a round trip
	 * through jansson, which reads "-0" as the integer 0 */
	*out = d == 0 ? 0.0 : d;
	return PRESENT;
}

static int
get_str(
    struct jctx *c, json_t *o, const char *key, bool required, const char **out)
{
	json_t *v = member(c, o, key);

	if (v == NULL)
		return absent(c, required);
	if (!json_is_string(v))
		return gw_udp_fail(
		    c->e, GW_UDP_ERR_FIELD, c->field, "not a string");
	*out = json_string_value(v);
	return PRESENT;
}

static int
get_bool(struct jctx *c, json_t *o, const char *key, bool *out)
{
	json_t *v = member(c, o, key);

	if (v == NULL)
		return ABSENT;
	if (!json_is_boolean(v))
		return gw_udp_fail(
		    c->e, GW_UDP_ERR_FIELD, c->field, "not a boolean");
	*out = json_is_true(v);
	return PRESENT;
}

/* get_freq - MHz to Hz, to the nearest Hz: 868.1 is 868099999.99... */
static int
get_freq(struct jctx *c, json_t *o, uint32_t *hz)
{
	double mhz;
	int rc = get_real(c, o, "freq", true, 0.000001, 4294.967295, &mhz);

	if (rc == PRESENT)
		*hz = (uint32_t)(mhz * 1e6 + 0.5);
	return rc;
}

/* get_modu_datr - "modu" and the "datr" whose type depends on it */
static int
get_modu_datr(struct jctx *c, json_t *o, struct gw_udp_datr *d)
{
	const char *s;
	json_int_t bps;
	int rc = get_str(c, o, "modu", true, &s);

	if (rc < 0)
		return rc;
	if (strcmp(s, "FSK") == 0) {
		rc = get_int(c, o, "datr", true, 500, 300000, &bps);
		if (rc < 0)
			return rc;
		memset(d, 0, sizeof(*d));
		d->modu = GW_UDP_FSK;
		d->bps = (uint32_t)bps;
		return PRESENT;
	}
	if (strcmp(s, "LORA") != 0)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "not \"LORA\" or \"FSK\"");
	if ((rc = get_str(c, o, "datr", true, &s)) < 0)
		return rc;
	if (gw_udp_datr_parse(s, d) != 0)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "not SF5..SF12 with BW125, BW250 or BW500");
	return PRESENT;
}

static int
get_codr(struct jctx *c, json_t *o, bool required, uint8_t *codr)
{
	const char *s;
	int rc = get_str(c, o, "codr", required, &s);

	if (rc != PRESENT)
		return rc;
	if (strcmp(s, "OFF") == 0) {
		*codr = GW_UDP_CODR_OFF;
		return PRESENT;
	}
	if (strlen(s) != 3 || s[0] != '4' || s[1] != '/' || s[2] < '5' ||
	    s[2] > '8')
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "not \"4/5\"..\"4/8\" or \"OFF\"");
	*codr = (uint8_t)(s[2] - '0');
	return PRESENT;
}

/* get_payload - "size" and "data": base64, padding optional, and the
 * decoded length must be size */
static int
get_payload(struct jctx *c, json_t *o, uint16_t *size, uint8_t *data)
{
	char buf[B64_MAX + 1];
	const char *s, *why;
	json_int_t want;
	size_t len, n = 0;
	int rc = get_int(c, o, "size", true, 0, GW_UDP_PAYLOAD_MAX, &want);

	if (rc < 0 || (rc = get_str(c, o, "data", true, &s)) < 0)
		return rc;
	len = strlen(s);
	if (len > B64_MAX)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "longer than %d bytes", GW_UDP_PAYLOAD_MAX);
	if (len > 0) {
		memcpy(buf, s, len);
		while (len % 4 != 0 && len < B64_MAX)
			buf[len++] = '=';
		buf[len] = '\0';
		if (bytes_from_base64(
			buf, data, GW_UDP_PAYLOAD_MAX, &n, &why) != 0)
			return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
			    "not base64 (%s)", why);
	}
	if ((json_int_t)n != want) {
		member(c, o, "size");
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "%lld, but data holds %zu bytes", (long long)want, n);
	}
	*size = (uint16_t)n;
	return PRESENT;
}

static int
decode_rxpk(struct jctx *c, json_t *o, struct gw_udp_rxpk *r)
{
	const char *s;
	json_int_t v;
	int rc;

	if ((rc = get_str(c, o, "time", false, &s)) < 0)
		return rc;
	if (rc == PRESENT && gw_udp_time_parse_iso(s, &r->time_us) != 0)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "not an ISO 8601 UTC time");
	r->has_time = rc == PRESENT;
	if ((rc = get_int(c, o, "tmms", false, 0, INT64_MAX, &v)) < 0)
		return rc;
	r->has_tmms = rc == PRESENT;
	r->tmms = r->has_tmms ? (uint64_t)v : 0;
	if ((rc = get_int(c, o, "tmst", true, 0, UINT32_MAX, &v)) < 0)
		return rc;
	r->tmst = (uint32_t)v;
	if ((rc = get_freq(c, o, &r->freq_hz)) < 0)
		return rc;
	if ((rc = get_int(c, o, "chan", false, 0, 255, &v)) < 0)
		return rc;
	r->has_chan = rc == PRESENT;
	r->chan = r->has_chan ? (uint8_t)v : 0;
	if ((rc = get_int(c, o, "rfch", false, 0, 255, &v)) < 0)
		return rc;
	r->has_rfch = rc == PRESENT;
	r->rfch = r->has_rfch ? (uint8_t)v : 0;
	if ((rc = get_int(c, o, "stat", false, -1, 1, &v)) < 0)
		return rc;
	r->has_stat = rc == PRESENT;
	r->stat = r->has_stat ? (int8_t)v : 0;
	if ((rc = get_modu_datr(c, o, &r->datr)) < 0)
		return rc;
	if (r->datr.modu == GW_UDP_LORA) {
		if ((rc = get_codr(c, o, false, &r->codr)) < 0)
			return rc;
		r->has_codr = rc == PRESENT;
		rc = get_real(c, o, "lsnr", false, -100, 100, &r->lsnr);
		if (rc < 0)
			return rc;
		r->has_lsnr = rc == PRESENT;
	}
	if ((rc = get_int(c, o, "rssi", false, -300, 300, &v)) < 0)
		return rc;
	r->has_rssi = rc == PRESENT;
	r->rssi = r->has_rssi ? (int16_t)v : 0;
	return get_payload(c, o, &r->size, r->data);
}

/* stat_u32 - one of the stat object's counters */
static int
stat_u32(struct jctx *c, json_t *o, const char *key, bool *has, uint32_t *out)
{
	json_int_t v;
	int rc = get_int(c, o, key, false, 0, UINT32_MAX, &v);

	*has = rc == PRESENT;
	*out = *has ? (uint32_t)v : 0;
	return rc;
}

static int
decode_stat(struct jctx *c, json_t *o, struct gw_udp_stat *st)
{
	const char *s;
	json_int_t v;
	int rc;

	if ((rc = get_str(c, o, "time", false, &s)) < 0)
		return rc;
	if (rc == PRESENT && gw_udp_time_parse_stat(s, &st->time) != 0)
		return gw_udp_fail(c->e, GW_UDP_ERR_FIELD, c->field,
		    "not \"YYYY-MM-DD HH:MM:SS GMT\"");
	st->has_time = rc == PRESENT;
	if ((rc = get_real(c, o, "lati", false, -90, 90, &st->lati)) < 0)
		return rc;
	st->has_lati = rc == PRESENT;
	if ((rc = get_real(c, o, "long", false, -180, 180, &st->lon)) < 0)
		return rc;
	st->has_long = rc == PRESENT;
	rc = get_int(c, o, "alti", false, INT32_MIN, INT32_MAX, &v);
	if (rc < 0)
		return rc;
	st->has_alti = rc == PRESENT;
	st->alti = st->has_alti ? (int32_t)v : 0;
	if ((rc = stat_u32(c, o, "rxnb", &st->has_rxnb, &st->rxnb)) < 0 ||
	    (rc = stat_u32(c, o, "rxok", &st->has_rxok, &st->rxok)) < 0 ||
	    (rc = stat_u32(c, o, "rxfw", &st->has_rxfw, &st->rxfw)) < 0 ||
	    (rc = stat_u32(c, o, "dwnb", &st->has_dwnb, &st->dwnb)) < 0 ||
	    (rc = stat_u32(c, o, "txnb", &st->has_txnb, &st->txnb)) < 0)
		return rc;
	if ((rc = get_real(c, o, "ackr", false, 0, 100, &st->ackr)) < 0)
		return rc;
	st->has_ackr = rc == PRESENT;
	return GW_UDP_OK;
}

static int
decode_push(json_t *root, struct gw_udp_packet *p, struct gw_udp_error *e)
{
	struct jctx c = {.path = "", .e = e};
	char path[32];
	json_t *v;
	size_t i;
	int rc;

	if ((v = member(&c, root, "rxpk")) != NULL) {
		if (!json_is_array(v))
			return gw_udp_fail(
			    e, GW_UDP_ERR_FIELD, "rxpk", "not an array");
		if (json_array_size(v) > GW_UDP_RXPK_MAX)
			return gw_udp_fail(e, GW_UDP_ERR_FIELD, "rxpk",
			    "%zu packets, at most %d", json_array_size(v),
			    GW_UDP_RXPK_MAX);
		for (i = 0; i < json_array_size(v); i++) {
			json_t *o = json_array_get(v, i);

			snprintf(path, sizeof(path), "rxpk[%zu]", i);
			if (!json_is_object(o))
				return gw_udp_fail(
				    e, GW_UDP_ERR_FIELD, path, "not an object");
			c.path = path;
			if ((rc = decode_rxpk(&c, o, &p->rxpk[i])) < 0)
				return rc;
		}
		p->n_rxpk = i;
	}
	c.path = "";
	if ((v = member(&c, root, "stat")) != NULL) {
		if (!json_is_object(v))
			return gw_udp_fail(
			    e, GW_UDP_ERR_FIELD, "stat", "not an object");
		c.path = "stat";
		if ((rc = decode_stat(&c, v, &p->stat)) < 0)
			return rc;
		p->has_stat = true;
	}
	return GW_UDP_OK;
}

static int
decode_txpk(json_t *root, struct gw_udp_txpk *t, struct gw_udp_error *e)
{
	struct jctx c = {.path = "", .e = e};
	json_t *o = member(&c, root, "txpk");
	json_int_t v;
	int rc;

	if (o == NULL)
		return gw_udp_fail(e, GW_UDP_ERR_MISSING, "txpk", "missing");
	if (!json_is_object(o))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "txpk", "not an object");
	c.path = "txpk";
	if ((rc = get_bool(&c, o, "imme", &t->imme)) < 0)
		return rc;
	if ((rc = get_int(&c, o, "tmst", false, 0, UINT32_MAX, &v)) < 0)
		return rc;
	t->has_tmst = rc == PRESENT;
	t->tmst = t->has_tmst ? (uint32_t)v : 0;
	if ((rc = get_int(&c, o, "tmms", false, 0, INT64_MAX, &v)) < 0)
		return rc;
	t->has_tmms = rc == PRESENT;
	t->tmms = t->has_tmms ? (uint64_t)v : 0;
	if (!t->imme && !t->has_tmst && !t->has_tmms)
		return gw_udp_fail(e, GW_UDP_ERR_MISSING, "txpk.tmst",
		    "missing, and no imme or tmms either");
	if ((rc = get_freq(&c, o, &t->freq_hz)) < 0)
		return rc;
	if ((rc = get_int(&c, o, "rfch", true, 0, 255, &v)) < 0)
		return rc;
	t->rfch = (uint8_t)v;
	if ((rc = get_int(&c, o, "powe", false, INT8_MIN, INT8_MAX, &v)) < 0)
		return rc;
	t->has_powe = rc == PRESENT;
	t->powe = t->has_powe ? (int8_t)v : 0;
	if ((rc = get_modu_datr(&c, o, &t->datr)) < 0)
		return rc;
	if (t->datr.modu == GW_UDP_LORA &&
	    (rc = get_codr(&c, o, true, &t->codr)) < 0)
		return rc;
	if ((rc = get_int(&c, o, "fdev", false, 0, 1000000, &v)) < 0)
		return rc;
	t->has_fdev = rc == PRESENT;
	t->fdev = t->has_fdev ? (uint32_t)v : 0;
	if ((rc = get_bool(&c, o, "ipol", &t->ipol)) < 0)
		return rc;
	if ((rc = get_int(&c, o, "prea", false, 0, UINT16_MAX, &v)) < 0)
		return rc;
	t->has_prea = rc == PRESENT;
	t->prea = t->has_prea ? (uint16_t)v : 0;
	if ((rc = get_bool(&c, o, "ncrc", &t->ncrc)) < 0)
		return rc;
	return get_payload(&c, o, &t->size, t->data);
}

/* txack_code - an unknown string is a newer forwarder's, not an error */
static enum gw_udp_txack_code
txack_code(const char *s)
{
	for (int i = 0; i < GW_UDP_TXACK_UNKNOWN; i++)
		if (strcmp(s, gw_udp_txack_name(i)) == 0)
			return (enum gw_udp_txack_code)i;
	return GW_UDP_TXACK_UNKNOWN;
}

static int
decode_txack(json_t *root, struct gw_udp_txack *a, struct gw_udp_error *e)
{
	struct jctx c = {.path = "", .e = e};
	json_t *o = member(&c, root, "txpk_ack");
	const char *s;
	json_int_t v;
	int rc;

	a->has_body = true;
	if (o == NULL)
		return GW_UDP_OK;
	if (!json_is_object(o))
		return gw_udp_fail(
		    e, GW_UDP_ERR_FIELD, "txpk_ack", "not an object");
	c.path = "txpk_ack";
	if ((rc = get_str(&c, o, "error", false, &s)) < 0)
		return rc;
	if (rc == PRESENT)
		a->error = txack_code(s);
	if ((rc = get_str(&c, o, "warn", false, &s)) < 0)
		return rc;
	a->has_warn = rc == PRESENT;
	if (a->has_warn)
		a->warn = txack_code(s);
	rc = get_int(&c, o, "value", false, INT32_MIN, INT32_MAX, &v);
	if (rc < 0)
		return rc;
	a->has_value = rc == PRESENT;
	a->value = a->has_value ? (int32_t)v : 0;
	return GW_UDP_OK;
}

/* too_deep - jansson recurses once per level (up to 2048); refuse deep
 * nesting before it allocates anything */
static bool
too_deep(const char *s, size_t len)
{
	bool in_str = false, esc = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_str) {
			if (esc)
				esc = false;
			else if (s[i] == '\\')
				esc = true;
			else if (s[i] == '"')
				in_str = false;
		} else if (s[i] == '"') {
			in_str = true;
		} else if (s[i] == '[' || s[i] == '{') {
			if (++depth > GW_UDP_DEPTH_MAX)
				return true;
		} else if (s[i] == ']' || s[i] == '}') {
			depth--;
		}
	}
	return false;
}

int
gw_udp_json_decode(const char *buf, size_t len, struct gw_udp_packet *p,
    struct gw_udp_error *e)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	if (too_deep(buf, len))
		return gw_udp_fail(e, GW_UDP_ERR_JSON, "body",
		    "nested deeper than %d", GW_UDP_DEPTH_MAX);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return gw_udp_fail(e, GW_UDP_ERR_JSON, "body", "%s (column %d)",
		    jerr.text, jerr.column);
	if (!json_is_object(root))
		rc = gw_udp_fail(e, GW_UDP_ERR_JSON, "body", "not an object");
	else if (p->type == GW_UDP_PUSH_DATA)
		rc = decode_push(root, p, e);
	else if (p->type == GW_UDP_PULL_RESP)
		rc = decode_txpk(root, &p->txpk, e);
	else
		rc = decode_txack(root, &p->txack, e);
	json_decref(root);
	return rc < 0 ? rc : GW_UDP_OK;
}
