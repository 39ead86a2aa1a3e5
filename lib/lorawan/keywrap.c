/*
 * keywrap.c - RFC 3394 AES key wrap through OpenSSL's EVP wrap ciphers.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "lorawan/keywrap.h"

#define KW_DATA_MIN 16   /* RFC 3394 needs n >= 2 64-bit blocks */
#define KW_DATA_MAX 1024 /* far above any key; bounds the int casts */

/* kw_cipher - the wrap cipher for a KEK length, NULL if none */
static const EVP_CIPHER *
kw_cipher(size_t keklen)
{
	switch (keklen) {
	case 16:
		return EVP_aes_128_wrap();
	case 24:
		return EVP_aes_192_wrap();
	case 32:
		return EVP_aes_256_wrap();
	}
	return NULL;
}

/*
 * kw_run - one wrap or unwrap.  EVP refuses wrap modes unless the context
 * allows them, since their one-shot update is not a stream cipher.  For
 * unwrap, a failed update is the integrity check failing: the final A
 * differs from the IV, meaning a wrong KEK or altered data.
 */
static int
kw_run(int enc, const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t *outlen)
{
	const EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ctx;
	size_t want;
	int outl = 0, finl = 0, r = LW_ERR_CRYPTO;

	if (kek == NULL || in == NULL || out == NULL || outlen == NULL)
		return LW_ERR_INVAL;
	cipher = kw_cipher(keklen);
	if (cipher == NULL || inlen % 8 != 0)
		return LW_ERR_INVAL;
	if (enc ? inlen < KW_DATA_MIN || inlen > KW_DATA_MAX
		: inlen < KW_DATA_MIN + 8 || inlen > KW_DATA_MAX + 8)
		return LW_ERR_INVAL;
	want = enc ? inlen + 8 : inlen - 8;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return LW_ERR_NOMEM;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex2(ctx, cipher, kek, NULL, enc, NULL) != 1)
		goto out;
	/*
	 * A failed check is an answer, not a fault: drop what OpenSSL queued
	 * for it, or a later SSL_get_error() on this thread would see it.
	 */
	ERR_set_mark();
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)inlen) != 1 ||
	    outl != (int)want) {
		if (!enc) {
			ERR_pop_to_mark();
			OPENSSL_cleanse(out, want);
			r = LW_ERR_MIC;
		} else
			ERR_clear_last_mark();
		goto out;
	}
	ERR_clear_last_mark();
	if (EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1 || finl != 0)
		goto out;
	*outlen = want;
	r = LW_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* lw_key_wrap - RFC 3394 wrap with the default IV */
int
lw_key_wrap(const uint8_t *kek, size_t keklen, const uint8_t *in, size_t inlen,
    uint8_t *out, size_t *outlen)
{
	return kw_run(1, kek, keklen, in, inlen, out, outlen);
}

/* lw_key_unwrap - RFC 3394 unwrap; fails unless the check value matches */
int
lw_key_unwrap(const uint8_t *kek, size_t keklen, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t *outlen)
{
	return kw_run(0, kek, keklen, in, inlen, out, outlen);
}
