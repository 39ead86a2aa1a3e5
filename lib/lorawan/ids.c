/*
 * ids.c - LoRaWAN identifiers: EUI-64 text, DNS names, NetID and DevAddr
 * layout, 32-bit frame counters.
 *
 * DevAddr layout for a NetID of type t (TS002 §13, errata applied):
 * t ones and a zero (the type prefix, t + 1 bits), then the NwkID
 * (nwkid_bits[t] bits, the NetID's low bits), then the NwkAddr (the rest).
 */
#include <stdlib.h>
#include <string.h>

#include "lorawan/ids.h"
#include "util/bytes.h"

static const int nwkid_bits[8] = {6, 6, 9, 11, 12, 13, 15, 17};
static const char hexdig[] = "0123456789abcdef";

/* lw_eui64_parse - one separator style per string, never a mix */
int
lw_eui64_parse(const char *s, uint64_t *eui)
{
	uint64_t v = 0;
	char sep = '\0';
	int i, d;

	if (s == NULL || eui == NULL)
		return LW_ERR_INVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s[0] != '\0' && s[1] != '\0' && (s[2] == '-' || s[2] == ':'))
		sep = s[2];
	for (i = 0; i < 16; i++) {
		if (sep != '\0' && i > 0 && i % 2 == 0 && *s++ != sep)
			return LW_ERR_INVAL;
		d = bytes_hexval(*s++);
		if (d < 0)
			return LW_ERR_INVAL;
		v = (v << 4) | (uint64_t)d;
	}
	if (*s != '\0')
		return LW_ERR_INVAL;
	*eui = v;
	return LW_OK;
}

/* lw_eui64_format - the form used in JSON and on the command line */
int
lw_eui64_format(uint64_t eui, char *buf, size_t buflen)
{
	int i;

	if (buf == NULL)
		return LW_ERR_INVAL;
	if (buflen < LW_EUI64_STRLEN)
		return LW_ERR_TOO_LONG;
	for (i = 0; i < 16; i++)
		buf[i] = hexdig[(eui >> (60 - 4 * i)) & 0xf];
	buf[16] = '\0';
	return LW_OK;
}

/* put_suffix - append the suffix at buf[off] if the whole name fits */
static int
put_suffix(char *buf, size_t buflen, size_t off, const char *suffix)
{
	size_t slen = strlen(suffix);

	if (off + slen + 1 > buflen)
		return LW_ERR_TOO_LONG;
	memcpy(buf + off, suffix, slen + 1);
	return LW_OK;
}

/* lw_joineui_dns_name - low-order nibble first, as for ip6.arpa */
int
lw_joineui_dns_name(
    uint64_t join_eui, const char *suffix, char *buf, size_t buflen)
{
	char tmp[32];
	int i;

	if (buf == NULL)
		return LW_ERR_INVAL;
	if (suffix == NULL)
		suffix = LW_JOINEUI_SUFFIX_DEFAULT;
	if (suffix[0] == '.')
		suffix++;
	for (i = 0; i < 16; i++) {
		tmp[2 * i] = hexdig[(join_eui >> (4 * i)) & 0xf];
		tmp[2 * i + 1] = '.';
	}
	/* Check the whole length first: buf is untouched on refusal. */
	if (sizeof(tmp) + strlen(suffix) + 1 > buflen)
		return LW_ERR_TOO_LONG;
	memcpy(buf, tmp, sizeof(tmp));
	return put_suffix(buf, buflen, sizeof(tmp), suffix);
}

/* lw_netid_dns_name - high-order first, unlike the JoinEUI name */
int
lw_netid_dns_name(uint32_t net_id, const char *suffix, char *buf, size_t buflen)
{
	size_t need;
	int i;

	if (buf == NULL)
		return LW_ERR_INVAL;
	if (net_id > LW_NETID_MAX)
		return LW_ERR_FIELD;
	if (suffix == NULL)
		suffix = LW_NETID_SUFFIX_DEFAULT;
	if (suffix[0] == '.')
		suffix++;
	need = 6 + (suffix[0] != '\0' ? 1 + strlen(suffix) : 0) + 1;
	if (need > buflen)
		return LW_ERR_TOO_LONG;
	for (i = 0; i < 6; i++)
		buf[i] = hexdig[(net_id >> (20 - 4 * i)) & 0xf];
	if (suffix[0] == '\0') {
		buf[6] = '\0';
		return LW_OK;
	}
	buf[6] = '.';
	return put_suffix(buf, buflen, 7, suffix);
}

/* lw_netid_type - the 3 most significant of the 24 bits */
int
lw_netid_type(uint32_t net_id)
{
	if (net_id > LW_NETID_MAX)
		return LW_ERR_FIELD;
	return (int)(net_id >> 21);
}

/* lw_nwkid_bits - table lookup with a range check */
int
lw_nwkid_bits(int type)
{
	if (type < 0 || type > 7)
		return LW_ERR_INVAL;
	return nwkid_bits[type];
}

/* lw_netid_nwkid - NwkID = the low bits of the NetID's ID */
int
lw_netid_nwkid(uint32_t net_id, uint32_t *nwkid)
{
	int t = lw_netid_type(net_id);

	if (nwkid == NULL)
		return LW_ERR_INVAL;
	if (t < 0)
		return t;
	*nwkid = net_id & ((1u << nwkid_bits[t]) - 1);
	return LW_OK;
}

/* lw_devaddr_type - count the leading ones of the first byte */
int
lw_devaddr_type(uint32_t dev_addr)
{
	int t = 0;

	while (t < 8 && (dev_addr & (0x80000000u >> t)) != 0)
		t++;
	if (t == 8)
		return LW_ERR_FIELD;
	return t;
}

/* nwkaddr_bits - what remains of 32 bits after prefix and NwkID */
static int
nwkaddr_bits(int t)
{
	return 32 - (t + 1) - nwkid_bits[t];
}

/* lw_devaddr_nwkid - the NwkID sits right after the type prefix */
int
lw_devaddr_nwkid(uint32_t dev_addr, uint32_t *nwkid)
{
	int t = lw_devaddr_type(dev_addr);

	if (nwkid == NULL)
		return LW_ERR_INVAL;
	if (t < 0)
		return t;
	*nwkid = (dev_addr >> nwkaddr_bits(t)) & ((1u << nwkid_bits[t]) - 1);
	return LW_OK;
}

/* lw_devaddr_nwkaddr - the low bits left to the network operator */
int
lw_devaddr_nwkaddr(uint32_t dev_addr, uint32_t *nwk_addr)
{
	int t = lw_devaddr_type(dev_addr);

	if (nwk_addr == NULL)
		return LW_ERR_INVAL;
	if (t < 0)
		return t;
	*nwk_addr = dev_addr & ((1u << nwkaddr_bits(t)) - 1);
	return LW_OK;
}

/* lw_netid_devaddr_prefix - type prefix and NwkID, left-aligned */
int
lw_netid_devaddr_prefix(uint32_t net_id, uint32_t *prefix, int *bits)
{
	uint32_t nwkid, type_bits;
	int t, r;

	if (prefix == NULL || bits == NULL)
		return LW_ERR_INVAL;
	r = lw_netid_nwkid(net_id, &nwkid);
	if (r != LW_OK)
		return r;
	t = lw_netid_type(net_id);
	/* t ones then a zero, in the top t + 1 bits (t = 0 gives 0). */
	type_bits = t == 0 ? 0 : ~0u << (32 - t);
	*prefix = type_bits | nwkid << nwkaddr_bits(t);
	*bits = t + 1 + nwkid_bits[t];
	return LW_OK;
}

/* lw_devaddr_netid_match - compare the prefix bits only */
bool
lw_devaddr_netid_match(uint32_t dev_addr, uint32_t net_id)
{
	uint32_t prefix, mask;
	int bits;

	if (lw_netid_devaddr_prefix(net_id, &prefix, &bits) != LW_OK)
		return false;
	mask = ~0u << (32 - bits);
	return (dev_addr & mask) == prefix;
}

/* lw_devaddr_build - refuse a NwkAddr that would spill into the NwkID */
int
lw_devaddr_build(uint32_t net_id, uint32_t nwk_addr, uint32_t *dev_addr)
{
	uint32_t prefix;
	int bits, r;

	if (dev_addr == NULL)
		return LW_ERR_INVAL;
	r = lw_netid_devaddr_prefix(net_id, &prefix, &bits);
	if (r != LW_OK)
		return r;
	if ((nwk_addr >> (32 - bits)) != 0)
		return LW_ERR_FIELD;
	*dev_addr = prefix | nwk_addr;
	return LW_OK;
}

/* lw_fcnt_expand - nearest counter at or after last (see ids.h) */
uint32_t
lw_fcnt_expand(uint32_t last, uint16_t fcnt16)
{
	uint32_t c = (last & 0xffff0000u) | fcnt16;

	if (fcnt16 < (last & 0xffffu))
		c += 0x10000u; /* unsigned: wraps to 0 past 0xffffffff */
	return c;
}

int
lw_eui64_range_parse(const char *s, uint64_t *prefix, int *bits)
{
	const char *slash;
	char eui[32], *end;
	unsigned long b = 64;
	size_t len;

	if (s == NULL || prefix == NULL || bits == NULL)
		return LW_ERR_INVAL;
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(eui))
		return LW_ERR_INVAL;
	memcpy(eui, s, len);
	eui[len] = '\0';
	if (lw_eui64_parse(eui, prefix) != LW_OK)
		return LW_ERR_INVAL;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return LW_ERR_FIELD;
		b = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || b < 1 || b > 64)
			return LW_ERR_FIELD;
	}
	if (b < 64 && (*prefix & (UINT64_MAX >> b)) != 0)
		return LW_ERR_FIELD;
	*bits = (int)b;
	return LW_OK;
}
