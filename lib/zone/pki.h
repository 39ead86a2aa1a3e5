/*
 * pki.h - an operator's own PKI: a root CA, an optional issuing
 * intermediate, and one key and certificate per identity (profile.h).
 * Nothing here is shared between operators: a peer authenticates our
 * certificates through our TLSA records, never through our CA.
 *
 * Layout under PKIDIR/OPERATOR/ (the "operator directory"):
 *	operator.conf		the profile
 *	ca/root.{key,crt}	root CA (absent with self-signed leaves)
 *	ca/issuing.{key,crt}	intermediate CA (when the profile has one)
 *	ID -> ID.N		symbolic link to the current generation
 *	ID.N/key.pem		the identity's private key (mode 0600)
 *	ID.N/cert.pem		its certificate, then the CA certificates up
 *				to and including the root, so that DANE-TA
 *				records for the root match the chain sent
 * A key rollover (rollover.h) adds ID.N+1 and swings the link: the switch
 * is one rename(2), so a crash leaves either generation whole.
 *
 * Every private key is created with O_CREAT|O_EXCL and mode 0600: no
 * existing file is ever overwritten.
 */
#ifndef LIB_ZONE_PKI_H
#define LIB_ZONE_PKI_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "zone/profile.h"

/**
 * Create the operator directory PKIDIR/NAME for profile p: CA(s), every
 * identity's generation 1, and operator.conf.  Everything is made in a
 * temporary directory beside it and renamed into place at the end, so a
 * failure leaves nothing behind.
 * @return ZONE_OK, ZONE_ERR_EXISTS (the operator directory exists: nothing
 *	changed), ZONE_ERR_IO or ZONE_ERR_KEY, with the reason in why.
 */
int pki_init_operator(
    const struct op_profile *p, const char *pkidir, char *why, size_t whylen);

/**
 * Make generation N+1 of an identity, where N is the highest existing:
 * a new key (of the profile's key type) and a certificate issued by the
 * operator's issuing CA (or self-signed).  The current link is untouched.
 * @param opdir: the operator directory.
 * @param gen: set to the new generation number.
 * @return ZONE_OK, ZONE_ERR_KEY (CA key unreadable), ZONE_ERR_IO ...
 */
int pki_new_generation(const struct op_profile *p, const char *opdir,
    const struct op_identity *id, int *gen, char *why, size_t whylen);

/**
 * The generation the identity's link points to.
 * @return ZONE_OK, or ZONE_ERR_NOTFOUND if the link is missing or odd.
 */
int pki_current_generation(
    const char *opdir, const struct op_identity *id, int *gen);

/**
 * Point the identity's link at generation gen, atomically (a new link
 * renamed over the old one, then the directory synced).
 * @return ZONE_OK, ZONE_ERR_NOTFOUND (no such generation) or ZONE_ERR_IO.
 */
int pki_switch_generation(const char *opdir, const struct op_identity *id,
    int gen, char *why, size_t whylen);

/**
 * Paths of an identity's files: gen 0 means "through the current link".
 * @param which: "key.pem" or "cert.pem".
 */
int pki_identity_path(const char *opdir, const struct op_identity *id, int gen,
    const char *which, char *buf, size_t buflen);

/**
 * Read a PEM certificate file: the first certificate, then the rest.
 * @param leaf: set to a new reference the caller frees with X509_free.
 * @param chain: if non-NULL, set to the rest (caller frees with
 *	OSSL_STACK_OF_X509_free / sk_X509_pop_free).
 * @return ZONE_OK, ZONE_ERR_IO (unreadable) or ZONE_ERR_PARSE.
 */
int pki_read_certs(const char *path, X509 **leaf, STACK_OF(X509) * *chain,
    char *why, size_t whylen);

/**
 * Read a PEM private key.
 * @param key: set to a new key the caller frees with EVP_PKEY_free.
 * @return ZONE_OK or ZONE_ERR_KEY (the reason never contains key data).
 */
int pki_read_key(const char *path, EVP_PKEY **key, char *why, size_t whylen);

#endif /* LIB_ZONE_PKI_H */
