/*
 * strnum.h - bounded number parsing (atoi and friends are banned: they
 * cannot report garbage or overflow).
 */
#ifndef LIB_UTIL_STRNUM_H
#define LIB_UTIL_STRNUM_H

/**
 * Parse a whole decimal (or 0x-prefixed hex) string within [min, max].
 * @param errstr: set to NULL on success, else to a static reason
 *	("invalid", "too small", "too large").
 * @return the value, or 0 on error.
 */
unsigned long long strnum_parse(const char *s, unsigned long long min,
    unsigned long long max, const char **errstr);

#endif /* LIB_UTIL_STRNUM_H */
