/*
 * bi_int.h - what the bi_*.c files share: error reporting, the checks a
 * decoded message and a message to encode must both pass (so that
 * everything we encode decodes again), the JSON field readers
 * (bi_read.c) and writers (bi_encode.c), and the bodies of the roaming
 * messages (bi_roam.c) and their metadata objects (bi_meta.c).
 */
#ifndef LIB_BACKEND_BI_INT_H
#define LIB_BACKEND_BI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "backend/bi.h"

/* Return values of the field readers besides the negative bi_err. */
#define BI_ABSENT 0
#define BI_PRESENT 1

/*
 * An object being decoded, and the prefix that names its members in
 * errors: "" at the top, "Result." or "ULMetaData.GWInfo[2]." inside.
 */
struct bi_rd {
	json_t *o;
	const char *path;
	struct bi_error *e;
};

/*
 * An object being encoded: the object filled, and the first failure,
 * after which every put is a no-op (so callers check once at the end).
 */
struct bi_enc {
	json_t *o;
	int rc;
	struct bi_error *e;
};

/**
 * Record a refusal: err->code, err->field and err->text = "FIELD: why".
 * @param err: caller's, may be NULL (then nothing is recorded).
 * @param field: borrowed, the JSON field, may be NULL for the message.
 * @return code, so that callers can "return bi_fail(...)".
 */
int bi_fail(struct bi_error *err, int code, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/**
 * The longest prefix of s, at most max bytes, that ends on a UTF-8
 * character boundary (s is valid UTF-8, as jansson guarantees).
 */
size_t bi_utf8_cut(const char *s, size_t max);

/** @return true if s is 1..max characters of printable ASCII. */
bool bi_printable(const char *s, size_t max);

/**
 * Check a KeyEnvelope: a label of printable ASCII; 16 key bytes without a
 * label, 24 with one.
 * @param name: the JSON field ("NwkSKey").
 * @return BI_OK or code (BI_ERR_FIELD on decode, BI_ERR_INVAL on encode).
 */
int bi_check_key_env(const struct bi_key_env *k, const char *name, int code,
    struct bi_error *err);

/**
 * Check the body of an answer against its Result: with Success, the
 * mandatory fields of TS002 must be present.
 * @return BI_OK or code (BI_ERR_MISSING on decode, BI_ERR_INVAL on
 *	encode).
 */
int bi_check_answer(const struct bi_msg *m, int code, struct bi_error *err);

/* --- readers (bi_read.c): BI_ABSENT, BI_PRESENT or a negative bi_err;
 * JSON null is absent; an optional "" string (hex or text) is absent,
 * a required one is refused as empty --- */

/** The error name of member key of r: path + key, cut to fit. */
void bi_rd_name(const struct bi_rd *r, const char *key, char *buf, size_t n);

/** The member, or NULL if absent or null. */
json_t *bi_rd_member(const struct bi_rd *r, const char *key);

int bi_rd_str(
    const struct bi_rd *r, const char *key, bool required, const char **s);

/** Printable ASCII, 1..outsize-1 characters, copied. */
int bi_rd_text(const struct bi_rd *r, const char *key, bool required, char *out,
    size_t outsize);

/** 1..max bytes of hex. */
int bi_rd_hex(const struct bi_rd *r, const char *key, bool required,
    uint8_t *out, size_t max, size_t *n);

/** Exactly len bytes of hex. */
int bi_rd_hex_exact(const struct bi_rd *r, const char *key, bool required,
    uint8_t *out, size_t len);

/** Exactly len (<= 8) bytes of hex, as a big-endian number. */
int bi_rd_be(const struct bi_rd *r, const char *key, bool required, size_t len,
    uint64_t *v);

/** A JSON integer in min..max; refused as "not <what>". */
int bi_rd_int(const struct bi_rd *r, const char *key, bool required,
    json_int_t min, json_int_t max, const char *what, json_int_t *out);

/** A JSON integer or real, finite, in min..max; refused as "not <what>". */
int bi_rd_real(const struct bi_rd *r, const char *key, bool required,
    double min, double max, const char *what, double *out);

/** true or false. */
int
bi_rd_bool(const struct bi_rd *r, const char *key, bool required, bool *out);

/** An RFC 3339 time stamp, kept as text. */
int bi_rd_time(const struct bi_rd *r, const char *key, bool required, char *out,
    size_t outsize);

/** A KeyEnvelope object, checked with bi_check_key_env(). */
int bi_rd_key_env(const struct bi_rd *r, const char *key, struct bi_key_env *k);

/** An object member that is checked for its type and not kept. */
int bi_rd_ignored_object(const struct bi_rd *r, const char *key);

/* --- writers (bi_encode.c); no-ops once x->rc is set --- */

/** Take v (NULL means out of memory) and add it to o under key. */
void bi_put(struct bi_enc *x, json_t *o, const char *key, json_t *v);

/** len (<= BI_PHY_MAX) bytes as lowercase hex. */
void bi_put_hex(
    struct bi_enc *x, json_t *o, const char *key, const uint8_t *b, size_t len);

/** The low len bytes of v, big-endian, as hex. */
void
bi_put_be(struct bi_enc *x, json_t *o, const char *key, uint64_t v, size_t len);

/** A KeyEnvelope at the top level of x->o, if present. */
void
bi_put_key_env(struct bi_enc *x, const char *key, const struct bi_key_env *k);

/**
 * Check printable ASCII of 1..max characters ("" allowed unless
 * required), setting x->rc with field named.
 * @return x->rc.
 */
int bi_check_text(struct bi_enc *x, const char *field, const char *s,
    size_t max, bool required);

/** Set x->rc = BI_ERR_INVAL naming field, unless already failed. */
void bi_enc_fail(struct bi_enc *x, const char *field, const char *why);

/* --- metadata objects (bi_meta.c, bi_meta_enc.c) --- */

/* The ranges of the metadata members, in the words of the refusals:
 * shared by decode and encode so that both say the same. */
#define BI_W_U8 "a number 0..255"
#define BI_W_U16 "a number 0..65535"
#define BI_W_U32 "a 32-bit number"
#define BI_W_DR "a number 0..15"
#define BI_W_FREQ "a frequency in MHz (100..3000)"
#define BI_W_FINE "a number 0..999999999 (ns)"
#define BI_W_RSSI "an integer -300..100 (dBm)"
#define BI_W_SNR "a number -100..100 (dB)"
#define BI_W_LAT "a latitude -90..90"
#define BI_W_LON "a longitude -180..180"
#define BI_W_MARGIN "a number -32..31"

/** Decode ULMetaData/DLMetaData member key of r. */
int bi_dec_ul_meta(const struct bi_rd *r, const char *key, bool required,
    bool *present, struct bi_ul_meta *m);
int bi_dec_dl_meta(const struct bi_rd *r, const char *key, bool required,
    bool *present, struct bi_dl_meta *m);

/** Encode one into x->o under key, after checking it as decode would. */
void
bi_enc_ul_meta(struct bi_enc *x, const char *key, const struct bi_ul_meta *m);
void
bi_enc_dl_meta(struct bi_enc *x, const char *key, const struct bi_dl_meta *m);

/** Check a frequency in MHz: finite, BI_FREQ_MIN..BI_FREQ_MAX. */
bool bi_freq_ok(double mhz);

/* --- roaming message bodies (bi_roam.c) --- */

/** Decode the body of PRStart*, XmitData* or Profile*. */
int bi_dec_roam(json_t *o, struct bi_msg *m, struct bi_error *e);

/** Encode it; false if m's type is not one of those. */
bool bi_enc_roam(struct bi_enc *x, const struct bi_msg *m);

/** bi_check_answer() for those types, Success or not. */
int
bi_check_roam_answer(const struct bi_msg *m, int code, struct bi_error *err);

#endif /* LIB_BACKEND_BI_INT_H */
