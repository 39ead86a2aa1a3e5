/*
 * decode_args.c - parse "loradane decode" arguments into a struct.  No
 * getopt: its global state would make the fuzz target non-reentrant, and
 * every refusal here names the option it is about.
 */
#include <stdio.h>
#include <string.h>

#include "decode_args.h"
#include "lorawan/ids.h"
#include "util/bytes.h"
#include "util/strnum.h"

const char *const decode_key_names[DK_COUNT] = {"appkey", "nwkkey", "nwkskey",
    "appskey", "fnwksintkey", "snwksintkey", "nwksenckey"};

/* parse_version - "1.0", "1.0.0".."1.0.4", "1.1", "1.1.0" */
static int
parse_version(const char *v, int *mac11)
{
	static const char *const v10[] = {
	    "1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", NULL};
	size_t i;

	for (i = 0; v10[i] != NULL; i++) {
		if (strcmp(v, v10[i]) == 0) {
			*mac11 = 0;
			return 0;
		}
	}
	if (strcmp(v, "1.1") == 0 || strcmp(v, "1.1.0") == 0) {
		*mac11 = 1;
		return 0;
	}
	return -1;
}

/* parse_number - a bounded number option */
static int
parse_number(const char *opt, const char *v, unsigned long long max,
    unsigned long long *out, char *err, size_t errlen)
{
	const char *why;

	*out = strnum_parse(v, 0, max, &why);
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "--%s %s: %s (0 to %llu)", opt, v, why, max);
	return -1;
}

/* parse_option - one "--name value" pair, or a flag */
static int
parse_option(const char *name, const char *v, struct decode_args *a, char *err,
    size_t errlen)
{
	unsigned long long n;
	const char *why;
	size_t i;

	for (i = 0; i < DK_COUNT; i++) {
		if (strcmp(name, decode_key_names[i]) != 0)
			continue;
		if (bytes_from_hex_exact(v, a->key[i], 16, &why) != 0) {
			snprintf(err, errlen, "--%s: %s (want 32 hex digits)",
			    name, why);
			return -1;
		}
		a->have |= 1u << i;
		return 0;
	}
	if (strcmp(name, "joineui") == 0 || strcmp(name, "deveui") == 0) {
		int join = name[0] == 'j';

		if (lw_eui64_parse(v, join ? &a->join_eui : &a->dev_eui) !=
		    LW_OK) {
			snprintf(err, errlen,
			    "--%s %s: not an EUI-64 (16 hex digits, "
			    "big-endian, "
			    "optionally 0x or - or : separated)",
			    name, v);
			return -1;
		}
		*(join ? &a->have_join_eui : &a->have_dev_eui) = 1;
		return 0;
	}
	if (strcmp(name, "devnonce") == 0) {
		if (parse_number(name, v, 65535, &n, err, errlen) != 0)
			return -1;
		a->dev_nonce = (uint16_t)n;
		a->have_dev_nonce = 1;
		return 0;
	}
	if (strcmp(name, "macversion") == 0) {
		if (parse_version(v, &a->mac11) != 0) {
			snprintf(err, errlen,
			    "--macversion %s: want 1.0.x or "
			    "1.1",
			    v);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "fcnt-high") == 0) {
		if (parse_number(name, v, 65535, &n, err, errlen) != 0)
			return -1;
		a->fcnt_high = (uint32_t)n;
		return 0;
	}
	if (strcmp(name, "conf-fcnt") == 0) {
		if (parse_number(name, v, 65535, &n, err, errlen) != 0)
			return -1;
		a->conf_fcnt = (uint16_t)n;
		return 0;
	}
	if (strcmp(name, "tx-dr") == 0 || strcmp(name, "tx-ch") == 0) {
		if (parse_number(name, v, 255, &n, err, errlen) != 0)
			return -1;
		*(name[3] == 'd' ? &a->tx_dr : &a->tx_ch) = (uint8_t)n;
		return 0;
	}
	snprintf(err, errlen, "unknown option --%s", name);
	return -1;
}

int
decode_args_parse(
    int argc, char **argv, struct decode_args *a, char *err, size_t errlen)
{
	const char *input = NULL, *why;
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return 1;
		if (strcmp(arg, "--json") == 0) {
			a->json = 1;
			continue;
		}
		if (strncmp(arg, "--", 2) == 0) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", arg);
				return -1;
			}
			if (parse_option(
				arg + 2, argv[i + 1], a, err, errlen) != 0)
				return -1;
			i++;
			continue;
		}
		if (input != NULL) {
			snprintf(err, errlen, "more than one PHYPayload given");
			return -1;
		}
		input = arg;
	}
	if (input == NULL) {
		snprintf(err, errlen, "no PHYPayload given (hex or base64)");
		return -1;
	}
	if (bytes_from_text(input, a->phy, sizeof(a->phy) - 1, &a->phylen,
		&a->form, &why) != 0) {
		snprintf(err, errlen, "PHYPayload (%s): %s", a->form, why);
		return -1;
	}
	return 0;
}
