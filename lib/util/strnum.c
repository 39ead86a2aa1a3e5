/*
 * strnum.c - strtonum()-style parsing with a reason on failure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "util/strnum.h"

unsigned long long
strnum_parse(const char *s, unsigned long long min, unsigned long long max,
    const char **errstr)
{
	unsigned long long v;
	char *end;
	int base = 10;

	*errstr = "invalid";
	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' ||
	    isspace((unsigned char)*s))
		return 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (*s == '\0')
			return 0;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end != '\0')
		return 0;
	if (errno == ERANGE || v > max) {
		*errstr = "too large";
		return 0;
	}
	if (v < min) {
		*errstr = "too small";
		return 0;
	}
	*errstr = NULL;
	return v;
}
