/*
 * lw_err.c - names of the LoRaWAN error codes.
 */
#include "lorawan/lw_err.h"

/* lw_strerror - stable names for the public error codes */
const char *
lw_strerror(int err)
{
	switch (err) {
	case LW_OK:
		return "success";
	case LW_ERR_TRUNCATED:
		return "input truncated";
	case LW_ERR_TOO_LONG:
		return "input too long";
	case LW_ERR_FIELD:
		return "invalid field value";
	case LW_ERR_MIC:
		return "integrity check failed";
	case LW_ERR_CRYPTO:
		return "cryptographic library failure";
	case LW_ERR_INVAL:
		return "invalid argument";
	case LW_ERR_NOMEM:
		return "out of memory";
	case LW_ERR_REPLAY:
		return "frame counter replayed";
	case LW_ERR_FCNT_GAP:
		return "frame counter gap too large";
	}
	return "unknown error";
}
