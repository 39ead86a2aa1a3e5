/*
 * zone_err.c - names of the lib/zone error codes.
 */
#include <stdarg.h>
#include <stdio.h>

#include "zone/zone_err.h"

const char *
zone_strerror(int err)
{
	switch (err) {
	case ZONE_OK:
		return "success";
	case ZONE_ERR_ARG:
		return "invalid argument";
	case ZONE_ERR_IO:
		return "input/output error";
	case ZONE_ERR_PARSE:
		return "malformed input";
	case ZONE_ERR_KEY:
		return "key missing or unusable";
	case ZONE_ERR_SIGN:
		return "signing failed";
	case ZONE_ERR_EXISTS:
		return "refusing to overwrite";
	case ZONE_ERR_NET:
		return "no answer from the server";
	case ZONE_ERR_REFUSED:
		return "refused by the server";
	case ZONE_ERR_TSIG:
		return "TSIG refused";
	case ZONE_ERR_NOMEM:
		return "out of memory";
	case ZONE_ERR_INSECURE:
		return "DNS data not DNSSEC-secure";
	case ZONE_ERR_NOTFOUND:
		return "not found";
	case ZONE_ERR_STATE:
		return "not allowed in this state";
	}
	return "unknown error";
}

int
zone_why(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return err;
}
