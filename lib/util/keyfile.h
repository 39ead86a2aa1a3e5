/*
 * keyfile.h - a secret key kept in its own file as hex digits: the Join
 * Server's root-key KEK and the KEKs it wraps session keys with.  The
 * file must not be readable by group or others, as ssh insists for its
 * keys: a key anyone can read is no secret.
 */
#ifndef LIB_UTIL_KEYFILE_H
#define LIB_UTIL_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

/**
 * Read a key: hex digits (either case, optional "0x"), surrounding blanks
 * and one final newline allowed, nothing else.
 * @param sizes: the accepted lengths in bytes (e.g. {16, 24, 32}), n of
 *	them.
 * @param key: caller's buffer of max bytes; wiped on failure.
 * @param len: set to the key's length.
 * @param why: caller's buffer for the reason (names the file, never the
 *	key).
 * @return 0, or -1.
 */
int keyfile_read(const char *path, const size_t *sizes, size_t nsizes,
    uint8_t *key, size_t max, size_t *len, char *why, size_t whylen);

#endif /* LIB_UTIL_KEYFILE_H */
