/*
 * bi_int.h - what bi.c, bi_decode.c and bi_encode.c share: error
 * reporting and the checks a decoded message and a message to encode must
 * both pass, so that everything we encode decodes again.
 */
#ifndef LIB_BACKEND_BI_INT_H
#define LIB_BACKEND_BI_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/bi.h"

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

#endif /* LIB_BACKEND_BI_INT_H */
