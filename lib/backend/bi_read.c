/*
 * bi_read.c - reading one JSON member of a Backend Interfaces message:
 * type, range and hex checks, with a refusal that names the member by its
 * full path ("ULMetaData.GWInfo[3].ULToken"), because the text goes back
 * to the peer in Result.Description and into our logs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "backend/bi.h"
#include "backend/bi_int.h"
#include "util/bytes.h"

void
bi_rd_name(const struct bi_rd *r, const char *key, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s", r->path ? r->path : "", key);
}

/* bi_rd_member - absent and JSON null are the same to us */
json_t *
bi_rd_member(const struct bi_rd *r, const char *key)
{
	json_t *v = json_object_get(r->o, key);

	return v == NULL || json_is_null(v) ? NULL : v;
}

/* bi_rd_str - an optional "" is absent (implementations send either), a
 * required one is refused as empty */
int
bi_rd_str(const struct bi_rd *r, const char *key, bool required, const char **s)
{
	json_t *v = bi_rd_member(r, key);
	char f[40];

	bi_rd_name(r, key, f, sizeof(f));
	if (v == NULL) {
		if (required)
			return bi_fail(r->e, BI_ERR_MISSING, f, "missing");
		return BI_ABSENT;
	}
	if (!json_is_string(v))
		return bi_fail(r->e, BI_ERR_FIELD, f, "not a string");
	*s = json_string_value(v);
	if (**s == '\0') {
		if (required)
			return bi_fail(r->e, BI_ERR_FIELD, f, "empty");
		return BI_ABSENT;
	}
	return BI_PRESENT;
}

/* bi_rd_text - printable ASCII only: IDs are logged and echoed */
int
bi_rd_text(const struct bi_rd *r, const char *key, bool required, char *out,
    size_t outsize)
{
	const char *s;
	char f[40];
	int rc = bi_rd_str(r, key, required, &s);

	if (rc != BI_PRESENT)
		return rc;
	if (!bi_printable(s, outsize - 1)) {
		bi_rd_name(r, key, f, sizeof(f));
		return bi_fail(r->e, BI_ERR_FIELD, f,
		    "not 1..%zu printable ASCII characters", outsize - 1);
	}
	memcpy(out, s, strlen(s) + 1);
	return BI_PRESENT;
}

int
bi_rd_hex(const struct bi_rd *r, const char *key, bool required, uint8_t *out,
    size_t max, size_t *n)
{
	const char *s, *why;
	char f[40];
	int rc = bi_rd_str(r, key, required, &s);

	if (rc != BI_PRESENT)
		return rc;
	if (bytes_from_hex(s, out, max, n, &why) != 0) {
		bi_rd_name(r, key, f, sizeof(f));
		if (strcmp(why, "too long") == 0)
			return bi_fail(r->e, BI_ERR_FIELD, f,
			    "longer than %zu bytes", max);
		return bi_fail(r->e, BI_ERR_FIELD, f, "not hex (%s)", why);
	}
	return BI_PRESENT;
}

/* bi_rd_hex_exact - EUIs, DevAddr, NetID, DLSettings, CFList */
int
bi_rd_hex_exact(const struct bi_rd *r, const char *key, bool required,
    uint8_t *out, size_t len)
{
	const char *s, *why;
	char f[40];
	int rc = bi_rd_str(r, key, required, &s);

	if (rc != BI_PRESENT)
		return rc;
	if (bytes_from_hex_exact(s, out, len, &why) != 0) {
		bi_rd_name(r, key, f, sizeof(f));
		return bi_fail(
		    r->e, BI_ERR_FIELD, f, "not %zu hex digits", 2 * len);
	}
	return BI_PRESENT;
}

int
bi_rd_be(const struct bi_rd *r, const char *key, bool required, size_t len,
    uint64_t *v)
{
	uint8_t b[8];
	int rc = bi_rd_hex_exact(r, key, required, b, len);

	if (rc == BI_PRESENT) {
		*v = 0;
		for (size_t i = 0; i < len; i++)
			*v = *v << 8 | b[i];
	}
	return rc;
}

/* bi_rd_int - a real such as 1.0 is refused: TS002 counters, ports and
 * indexes are integers, and 1.5 must not become 1 */
int
bi_rd_int(const struct bi_rd *r, const char *key, bool required, json_int_t min,
    json_int_t max, const char *what, json_int_t *out)
{
	json_t *v = bi_rd_member(r, key);
	char f[40];

	bi_rd_name(r, key, f, sizeof(f));
	if (v == NULL) {
		if (required)
			return bi_fail(r->e, BI_ERR_MISSING, f, "missing");
		return BI_ABSENT;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return bi_fail(r->e, BI_ERR_FIELD, f, "not %s", what);
	*out = json_integer_value(v);
	return BI_PRESENT;
}

/* bi_rd_real - MHz, dB and degrees: peers write 868 as well as 868.1 */
int
bi_rd_real(const struct bi_rd *r, const char *key, bool required, double min,
    double max, const char *what, double *out)
{
	json_t *v = bi_rd_member(r, key);
	char f[40];
	double d;

	bi_rd_name(r, key, f, sizeof(f));
	if (v == NULL) {
		if (required)
			return bi_fail(r->e, BI_ERR_MISSING, f, "missing");
		return BI_ABSENT;
	}
	if (!json_is_number(v))
		return bi_fail(r->e, BI_ERR_FIELD, f, "not %s", what);
	d = json_number_value(v);
	/* written so that a NaN fails too */
	if (!(isfinite(d) && d >= min && d <= max))
		return bi_fail(r->e, BI_ERR_FIELD, f, "not %s", what);
	*out = d;
	return BI_PRESENT;
}

int
bi_rd_bool(const struct bi_rd *r, const char *key, bool required, bool *out)
{
	json_t *v = bi_rd_member(r, key);
	char f[40];

	bi_rd_name(r, key, f, sizeof(f));
	if (v == NULL) {
		if (required)
			return bi_fail(r->e, BI_ERR_MISSING, f, "missing");
		return BI_ABSENT;
	}
	if (!json_is_boolean(v))
		return bi_fail(r->e, BI_ERR_FIELD, f, "not true or false");
	*out = json_is_true(v);
	return BI_PRESENT;
}

int
bi_rd_time(const struct bi_rd *r, const char *key, bool required, char *out,
    size_t outsize)
{
	const char *s;
	char f[40];
	int rc = bi_rd_str(r, key, required, &s);

	if (rc != BI_PRESENT)
		return rc;
	if (strlen(s) >= outsize || bi_time_parse(s, NULL, NULL) != 0) {
		bi_rd_name(r, key, f, sizeof(f));
		return bi_fail(r->e, BI_ERR_FIELD, f,
		    "not an RFC 3339 time (\"%.40s\")", s);
	}
	memcpy(out, s, strlen(s) + 1);
	return BI_PRESENT;
}

int
bi_rd_key_env(const struct bi_rd *r, const char *key, struct bi_key_env *k)
{
	json_t *v = bi_rd_member(r, key);
	char name[40], path[41];
	struct bi_rd in = {.o = v, .path = path, .e = r->e};
	const char *s;
	uint8_t buf[64];
	int rc;

	bi_rd_name(r, key, name, sizeof(name));
	snprintf(path, sizeof(path), "%s.", name);
	if (v == NULL)
		return BI_ABSENT;
	if (!json_is_object(v))
		return bi_fail(r->e, BI_ERR_FIELD, name, "not an object");
	if ((rc = bi_rd_text(&in, "KEKLabel", false, k->kek_label,
		 sizeof(k->kek_label))) < 0)
		return rc;
	if ((rc = bi_rd_str(&in, "AESKey", true, &s)) < 0)
		return rc;
	/* any hex that fits the buffer, so the length check below can say
	 * how long the key had to be */
	if (bytes_from_hex(s, buf, sizeof(buf), &k->aes_key_len, &s) != 0)
		k->aes_key_len = 0;
	if (k->aes_key_len == BI_KEY_LEN ||
	    k->aes_key_len == BI_WRAPPED_KEY_LEN)
		memcpy(k->aes_key, buf, k->aes_key_len);
	k->present = true;
	return bi_check_key_env(k, name, BI_ERR_FIELD, r->e);
}

int
bi_rd_ignored_object(const struct bi_rd *r, const char *key)
{
	json_t *v = bi_rd_member(r, key);
	char f[40];

	if (v == NULL)
		return BI_ABSENT;
	if (!json_is_object(v)) {
		bi_rd_name(r, key, f, sizeof(f));
		return bi_fail(r->e, BI_ERR_FIELD, f, "not an object");
	}
	return BI_PRESENT;
}
