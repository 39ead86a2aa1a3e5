/*
 * tlsa_rdata.c - TLSA RDATA of a certificate; see tlsa_rdata.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "util/bytes.h"
#include "zone/tlsa_rdata.h"
#include "zone/zone_err.h"

int
zone_tlsa_rdata(X509 *x, int usage, int selector, int mtype, char **out)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	const unsigned char *data;
	unsigned int mdlen;
	size_t len;
	int derlen, n;

	if (usage < 0 || usage > 3 || selector < 0 || selector > 1 ||
	    mtype < 0 || mtype > 2)
		return ZONE_ERR_ARG;
	derlen = selector == 0 ? i2d_X509(x, &der)
			       : i2d_PUBKEY(X509_get0_pubkey(x), &der);
	if (derlen <= 0)
		return ZONE_ERR_ARG;
	data = der;
	len = (size_t)derlen;
	if (mtype != 0) {
		if (EVP_Digest(der, len, md, &mdlen,
			mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL) != 1) {
			OPENSSL_free(der);
			return ZONE_ERR_NOMEM;
		}
		data = md;
		len = mdlen;
	}
	if ((*out = malloc(8 + 2 * len + 1)) == NULL) {
		OPENSSL_free(der);
		return ZONE_ERR_NOMEM;
	}
	n = snprintf(*out, 8, "%d %d %d ", usage, selector, mtype);
	bytes_to_hex(data, len, *out + n);
	OPENSSL_free(der);
	return ZONE_OK;
}
