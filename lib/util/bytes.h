/*
 * bytes.h - hex and base64 input for byte strings and keys, as operators
 * and peers write them: hex in either case with an optional "0x" prefix
 * (implementations differ), or standard base64.
 */
#ifndef LIB_UTIL_BYTES_H
#define LIB_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

/**
 * The value of one hex digit, either case.
 * @return 0..15, or -1 if c is not a hex digit.
 */
int bytes_hexval(char c);

/**
 * Decode hex: an even number of digits, either case, optional "0x".
 * @param out: filled with up to max bytes.
 * @param n: set to the number of bytes.
 * @param why: on failure, set to a static reason.
 * @return 0, or -1.
 */
int bytes_from_hex(
    const char *s, uint8_t *out, size_t max, size_t *n, const char **why);

/**
 * Decode standard base64 (RFC 4648 §4, padding required).
 * @return 0, or -1 with *why set.
 */
int bytes_from_base64(
    const char *s, uint8_t *out, size_t max, size_t *n, const char **why);

/**
 * Decode either form: hex when the string is hex (after an optional
 * "0x"), base64 otherwise.
 * @param form: if not NULL, set to "hex" or "base64".
 * @return 0, or -1 with *why set.
 */
int bytes_from_text(const char *s, uint8_t *out, size_t max, size_t *n,
    const char **form, const char **why);

/**
 * Decode exactly len bytes of hex (keys, EUIs).
 * @return 0, or -1 with *why set.
 */
int
bytes_from_hex_exact(const char *s, uint8_t *out, size_t len, const char **why);

/**
 * Encode as lowercase hex.
 * @param out: at least 2 * len + 1 bytes; NUL-terminated.
 * @return out.
 */
char *bytes_to_hex(const uint8_t *in, size_t len, char *out);

/**
 * Encode as standard base64.
 * @param out: at least 4 * ((len + 2) / 3) + 1 bytes.
 * @return out.
 */
char *bytes_to_base64(const uint8_t *in, size_t len, char *out);

#endif /* LIB_UTIL_BYTES_H */
