/*
 * bytes.c - hex and base64 decoding with reasons, bounded outputs.
 */
#include <string.h>

#include <openssl/evp.h>

#include "util/bytes.h"

int
bytes_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* skip_0x - peers write "0x" in front of hex, or do not */
static const char *
skip_0x(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return s + 2;
	return s;
}

int
bytes_from_hex(
    const char *s, uint8_t *out, size_t max, size_t *n, const char **why)
{
	size_t len, i;

	s = skip_0x(s);
	len = strlen(s);
	*n = 0;
	if (len == 0) {
		*why = "empty";
		return -1;
	}
	if (len % 2 != 0) {
		*why = "odd number of hex digits";
		return -1;
	}
	if (len / 2 > max) {
		*why = "too long";
		return -1;
	}
	for (i = 0; i < len; i += 2) {
		int hi = bytes_hexval(s[i]), lo = bytes_hexval(s[i + 1]);

		if (hi < 0 || lo < 0) {
			*why = "not a hex digit";
			return -1;
		}
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return 0;
}

int
bytes_from_hex_exact(const char *s, uint8_t *out, size_t len, const char **why)
{
	uint8_t buf[64];
	size_t n;

	if (len > sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	if (bytes_from_hex(s, buf, sizeof(buf), &n, why) != 0)
		return -1;
	if (n != len) {
		*why = n < len ? "too short" : "too long";
		return -1;
	}
	memcpy(out, buf, len);
	return 0;
}

static int
b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * bytes_from_base64 - our own decoder: EVP_DecodeBlock() does not report
 * padding and accepts whitespace, and we need exact lengths and reasons.
 */
int
bytes_from_base64(
    const char *s, uint8_t *out, size_t max, size_t *n, const char **why)
{
	size_t len = strlen(s), i, o = 0;

	*n = 0;
	if (len == 0 || len % 4 != 0) {
		*why = len == 0 ? "empty" : "base64 length not a multiple of 4";
		return -1;
	}
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64val(s[i + k])) < 0) {
				*why = "not a base64 character";
				return -1;
			}
		}
		if (o + 3 - (size_t)pad > max) {
			*why = "too long";
			return -1;
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)((v[2] & 0x3) << 6 | v[3]);
	}
	*n = o;
	return 0;
}

int
bytes_from_text(const char *s, uint8_t *out, size_t max, size_t *n,
    const char **form, const char **why)
{
	const char *h = skip_0x(s);
	size_t i;
	int all_hex = *h != '\0';

	for (i = 0; h[i] != '\0' && all_hex; i++)
		all_hex = bytes_hexval(h[i]) >= 0;
	if (form != NULL)
		*form = all_hex ? "hex" : "base64";
	if (all_hex && strlen(h) % 2 == 0)
		return bytes_from_hex(s, out, max, n, why);
	if (all_hex && h != s) {
		*why = "odd number of hex digits";
		return -1;
	}
	/* Base64 of a whole number of triples can look like odd hex. */
	if (form != NULL)
		*form = "base64";
	return bytes_from_base64(s, out, max, n, why);
}

char *
bytes_to_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
	return out;
}

char *
bytes_to_base64(const uint8_t *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	out[n < 0 ? 0 : n] = '\0';
	return out;
}
