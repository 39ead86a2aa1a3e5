/*
 * fuzz_rdata.c - libFuzzer target: bytes as the RDATA of a NAPTR or an
 * SRV record (backend/bi_dns.h), which Backend Interfaces discovery reads
 * from the DNS.  A record that parses is written back to wire form here
 * and must parse to the same fields.
 *
 * Input: byte 0 picks NAPTR (even) or SRV (odd); the rest is the RDATA.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/bi_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* put_name - a presentation name ("" is the root) in wire form */
static size_t
put_name(uint8_t *out, const char *name)
{
	size_t o = 0, lab;

	while (*name != '\0') {
		lab = strcspn(name, ".");
		out[o++] = (uint8_t)lab;
		memcpy(out + o, name, lab);
		o += lab;
		name += lab;
		if (*name == '.')
			name++;
	}
	out[o++] = 0;
	return o;
}

/* put_str - a <character-string> */
static size_t
put_str(uint8_t *out, const char *s)
{
	size_t n = strlen(s);

	out[0] = (uint8_t)n;
	memcpy(out + 1, s, n);
	return n + 1;
}

static void
naptr(const uint8_t *rd, size_t len)
{
	struct bi_naptr a, b;
	uint8_t wire[1024];
	size_t o = 4, rx;

	if (bi_dns_parse_naptr(rd, len, &a) != 0)
		return;
	wire[0] = (uint8_t)(a.order >> 8);
	wire[1] = (uint8_t)a.order;
	wire[2] = (uint8_t)(a.pref >> 8);
	wire[3] = (uint8_t)a.pref;
	o += put_str(wire + o, a.flags);
	o += put_str(wire + o, a.service);
	/* The regexp is not kept: copy it from the input. */
	rx = 4 + 1 + rd[4];
	rx += 1 + rd[rx];
	memcpy(wire + o, rd + rx, (size_t)rd[rx] + 1);
	o += (size_t)rd[rx] + 1;
	o += put_name(wire + o, a.replacement);
	if (bi_dns_parse_naptr(wire, o, &b) != 0 || a.order != b.order ||
	    a.pref != b.pref || strcmp(a.flags, b.flags) != 0 ||
	    strcmp(a.service, b.service) != 0 ||
	    strcmp(a.replacement, b.replacement) != 0)
		abort();
}

static void
srv(const uint8_t *rd, size_t len)
{
	struct bi_srv a, b;
	uint8_t wire[512];
	size_t o = 6;

	if (bi_dns_parse_srv(rd, len, &a) != 0)
		return;
	wire[0] = (uint8_t)(a.priority >> 8);
	wire[1] = (uint8_t)a.priority;
	wire[2] = (uint8_t)(a.weight >> 8);
	wire[3] = (uint8_t)a.weight;
	wire[4] = (uint8_t)(a.port >> 8);
	wire[5] = (uint8_t)a.port;
	o += put_name(wire + o, a.target);
	if (bi_dns_parse_srv(wire, o, &b) != 0 || a.priority != b.priority ||
	    a.weight != b.weight || a.port != b.port ||
	    strcmp(a.target, b.target) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* An exact-size copy, so that a read past the end is caught. */
	if ((copy = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		srv(copy, size - 1);
	else
		naptr(copy, size - 1);
	free(copy);
	return 0;
}
