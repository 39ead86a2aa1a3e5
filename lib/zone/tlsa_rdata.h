/*
 * tlsa_rdata.h - the TLSA RDATA that publishes a certificate or its key
 * (RFC 6698 §2.1), in presentation form: "3 1 1 <hex>".  This makes
 * records to publish; it never decides whether a peer matches one (that
 * is OpenSSL's DANE engine's job, see dance.h).
 */
#ifndef LIB_ZONE_TLSA_RDATA_H
#define LIB_ZONE_TLSA_RDATA_H

#include <openssl/x509.h>

/**
 * @param x: borrowed certificate.
 * @param usage: 0-3; selector: 0 (certificate) or 1 (SPKI); mtype: 0
 *	(full), 1 (SHA2-256) or 2 (SHA2-512).
 * @param out: set to a new string the caller frees with free().
 * @return ZONE_OK, ZONE_ERR_ARG or ZONE_ERR_NOMEM.
 */
int zone_tlsa_rdata(X509 *x, int usage, int selector, int mtype, char **out);

#endif /* LIB_ZONE_TLSA_RDATA_H */
