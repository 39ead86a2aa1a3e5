/*
 * lw_err.h - error codes shared by the LoRaWAN modules (frame codec,
 * identifiers, cryptography).
 *
 * Every function that can fail returns 0 (LW_OK) or a negative
 * enum lw_err value.  Stable: new codes are added at the end, none is ever
 * removed or renumbered.
 */
#ifndef LIB_LORAWAN_LW_ERR_H
#define LIB_LORAWAN_LW_ERR_H

enum lw_err {
	LW_OK = 0,
	LW_ERR_TRUNCATED = -1, /* input shorter than the format requires */
	LW_ERR_TOO_LONG = -2,  /* input longer than the format allows */
	LW_ERR_FIELD = -3,     /* a field holds an invalid value */
	LW_ERR_MIC = -4,       /* integrity check failed */
	LW_ERR_CRYPTO = -5,    /* OpenSSL internal failure */
	LW_ERR_INVAL = -6,     /* bad argument (NULL, wrong length) */
	LW_ERR_NOMEM = -7,     /* out of memory */
	LW_ERR_REPLAY = -8,    /* authentic frame, counter not above the last */
	LW_ERR_FCNT_GAP =
	    -9, /* authentic frame, 1.0.x counter jumped too far */
};

/**
 * Name an error code.
 * @param err: a value of enum lw_err.
 * @return a static string; never NULL.
 */
const char *lw_strerror(int err);

#endif /* LIB_LORAWAN_LW_ERR_H */
