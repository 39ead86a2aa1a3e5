/*
 * bi_rdata.c - NAPTR and SRV RDATA for Backend Interfaces discovery; see
 * bi_dns.h.  Apart from bi_dns.c so that the fuzz target reaches it
 * without a resolver: RDATA is input, even when DNSSEC vouches for it.
 */
#include <ctype.h>
#include <string.h>

#include "backend/bi_dns.h"

/* wire_name - an uncompressed wire name at rd[*off] into text, no final
 * dot; only host-name characters are accepted */
static int
wire_name(
    const unsigned char *rd, size_t len, size_t *off, char *out, size_t outlen)
{
	size_t o = *off, w = 0;
	unsigned lab;

	for (;;) {
		if (o >= len)
			return -1;
		lab = rd[o++];
		if (lab == 0)
			break;
		if (lab > 63 || o + lab > len || w + lab + 2 > outlen ||
		    w + lab + 1 > 254)
			return -1;
		if (w > 0)
			out[w++] = '.';
		for (unsigned i = 0; i < lab; i++) {
			unsigned char ch = rd[o + i];

			if (!isalnum(ch) && ch != '-' && ch != '_')
				return -1;
			out[w++] = (char)tolower(ch);
		}
		o += lab;
	}
	out[w] = '\0';
	*off = o;
	return 0;
}

/* char_string - a <character-string> into a NUL-terminated buffer */
static int
char_string(
    const unsigned char *rd, size_t len, size_t *off, char *out, size_t outlen)
{
	size_t o = *off, n;

	if (o >= len)
		return -1;
	n = rd[o++];
	if (o + n > len || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (rd[o + i] < 0x20 || rd[o + i] > 0x7e)
			return -1;
	memcpy(out, rd + o, n);
	out[n] = '\0';
	*off = o + n;
	return 0;
}

int
bi_dns_parse_naptr(const unsigned char *rd, size_t len, struct bi_naptr *out)
{
	char regexp[256];
	size_t off = 4;

	memset(out, 0, sizeof(*out));
	if (rd == NULL || len < 4)
		return -1;
	out->order = (uint16_t)(rd[0] << 8 | rd[1]);
	out->pref = (uint16_t)(rd[2] << 8 | rd[3]);
	if (char_string(rd, len, &off, out->flags, sizeof(out->flags)) != 0 ||
	    char_string(rd, len, &off, out->service, sizeof(out->service)) !=
		0 ||
	    char_string(rd, len, &off, regexp, sizeof(regexp)) != 0 ||
	    wire_name(rd, len, &off, out->replacement,
		sizeof(out->replacement)) != 0 ||
	    off != len)
		return -1;
	return 0;
}

int
bi_dns_parse_srv(const unsigned char *rd, size_t len, struct bi_srv *out)
{
	size_t off = 6;

	memset(out, 0, sizeof(*out));
	if (rd == NULL || len < 7)
		return -1;
	out->priority = (uint16_t)(rd[0] << 8 | rd[1]);
	out->weight = (uint16_t)(rd[2] << 8 | rd[3]);
	out->port = (uint16_t)(rd[4] << 8 | rd[5]);
	if (wire_name(rd, len, &off, out->target, sizeof(out->target)) != 0 ||
	    off != len)
		return -1;
	return 0;
}
