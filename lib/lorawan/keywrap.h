/*
 * keywrap.h - RFC 3394 AES key wrap, as used by the Backend Interfaces
 * KeyEnvelope (TS002 §21): a session key sent to another server is wrapped
 * under a KEK named by its KEKLabel.
 *
 * These functions keep no state and allocate one OpenSSL context per call:
 * keys are wrapped once per join, far from the per-frame hot path.
 */
#ifndef LIB_LORAWAN_KEYWRAP_H
#define LIB_LORAWAN_KEYWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "lorawan/lw_err.h"

/**
 * Wrap key data under a KEK (RFC 3394, default IV A6A6A6A6A6A6A6A6).
 * @param kek: the KEK, borrowed; keklen is 16, 24 or 32 (AES-128/192/256).
 * @param in: the key data, borrowed; inlen is a multiple of 8, at least 16
 *   and at most 1024.
 * @param out: caller's buffer of at least inlen + 8 bytes; may not overlap
 *   in.
 * @param outlen: set to inlen + 8 on success.
 * @return LW_OK, LW_ERR_INVAL for a bad length or NULL, LW_ERR_CRYPTO.
 */
int lw_key_wrap(const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t *outlen);

/**
 * Unwrap and check key data (RFC 3394).
 * @param kek: the KEK, borrowed; keklen is 16, 24 or 32.
 * @param in: the wrapped data, borrowed; inlen is a multiple of 8, at least
 *   24 and at most 1032.
 * @param out: caller's buffer of at least inlen - 8 bytes; may not overlap
 *   in.  Zeroed when the check fails.
 * @param outlen: set to inlen - 8 on success.
 * @return LW_OK, LW_ERR_MIC when the integrity check fails (wrong KEK or
 *   tampered data), LW_ERR_INVAL, LW_ERR_CRYPTO.
 */
int lw_key_unwrap(const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t *outlen);

#endif /* LIB_LORAWAN_KEYWRAP_H */
