/*
 * cmd_joinreq.c - "loradane join-request": build a valid join-request
 * PHYPayload (for tests and for feeding a Join Server by hand).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lorawan/crypto.h"
#include "lorawan/ids.h"
#include "lorawan/phy.h"
#include "util/bytes.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane join-request --deveui E --joineui E "
	    "--appkey K|--nwkkey K --devnonce N\n"
	    "       loradane join-request --rejoin-type 1 --deveui E "
	    "--joineui E --nwkkey K --rjcount N\n"
	    "       loradane join-request --rejoin-type 0|2 --deveui E "
	    "--netid N --snwksintkey K --rjcount N\n"
	    "  EUIs and NetIDs in big-endian hex, as printed on labels; a "
	    "type-1\n  rejoin is signed with JSIntKey, derived from NwkKey\n");
	return CLI_USAGE;
}

int
cmd_joinreq(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"deveui", required_argument, NULL, 'd'},
	    {"joineui", required_argument, NULL, 'j'},
	    {"appkey", required_argument, NULL, 'a'},
	    {"nwkkey", required_argument, NULL, 'n'},
	    {"devnonce", required_argument, NULL, 'N'},
	    {"rejoin-type", required_argument, NULL, 't'},
	    {"rjcount", required_argument, NULL, 'r'},
	    {"netid", required_argument, NULL, 'i'},
	    {"snwksintkey", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct lw_frame f;
	struct lw_phy_error e;
	struct lw_crypto *c;
	uint8_t key[16], out[LW_PHY_MAX], jsint[16], jsenc[16], netid[3] = {0};
	uint64_t dev_eui = 0, join_eui = 0;
	long rejoin = -1;
	unsigned long long v;
	char hex[2 * LW_PHY_MAX + 1], b64[4 * LW_PHY_MAX / 3 + 4];
	unsigned long long nonce = 0;
	const char *why;
	int ch, have = 0, r;
	size_t n;

	memset(&f, 0, sizeof(f));
	f.mtype = LW_MT_JOIN_REQUEST;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
		case 'j':
			if (lw_eui64_parse(optarg,
				ch == 'd' ? &dev_eui : &join_eui) != LW_OK) {
				fprintf(stderr, "--%s %s: not an EUI-64\n",
				    ch == 'd' ? "deveui" : "joineui", optarg);
				return CLI_USAGE;
			}
			have |= ch == 'd' ? 1 : 2;
			break;
		case 'a':
		case 'n':
		case 's':
			if (bytes_from_hex_exact(optarg, key, 16, &why) != 0) {
				fprintf(stderr,
				    "--%s: %s (want 32 hex digits)\n",
				    ch == 'a'       ? "appkey"
					: ch == 'n' ? "nwkkey"
						    : "snwksintkey",
				    why);
				return CLI_USAGE;
			}
			have |= ch == 's' ? 16 : 4;
			break;
		case 't':
			if (cli_number("rejoin-type", optarg, 0, 2, &v) != 0)
				return CLI_USAGE;
			rejoin = (long)v;
			break;
		case 'i':
			if (bytes_from_hex_exact(optarg, netid, 3, &why) != 0) {
				fprintf(stderr,
				    "--netid: %s (want 6 hex digits)\n", why);
				return CLI_USAGE;
			}
			have |= 32;
			break;
		case 'r':
		case 'N':
			if (cli_number(ch == 'N' ? "devnonce" : "rjcount",
				optarg, 0, 65535, &nonce) != 0)
				return CLI_USAGE;
			have |= 8;
			break;
		default:
			return usage();
		}
	}
	/* Needed: DevEUI 1, JoinEUI 2 (NetID 32 for rejoin 0/2), a key: 4
	 * (AppKey/NwkKey; for rejoin 1 NwkKey, whose JSIntKey signs) or 16
	 * (SNwkSIntKey, rejoin 0/2), and DevNonce/RJcount 8. */
	if (have != (rejoin == 0 || rejoin == 2 ? 57 : 15) || optind != argc)
		return usage();
	if (rejoin < 0) {
		f.u.jr.dev_eui = dev_eui;
		f.u.jr.join_eui = join_eui;
		f.u.jr.dev_nonce = (uint16_t)nonce;
	} else {
		f.mtype = LW_MT_REJOIN_REQUEST;
		f.u.rj.rejoin_type = (uint8_t)rejoin;
		f.u.rj.dev_eui = dev_eui;
		/* Type 1 carries the JoinEUI, types 0 and 2 the NetID. */
		if (rejoin == 1)
			f.u.rj.join_eui = join_eui;
		else
			f.u.rj.net_id = (uint32_t)netid[0] << 16 |
			    (uint32_t)netid[1] << 8 | netid[2];
		f.u.rj.rj_count = (uint16_t)nonce;
	}
	if ((r = lw_phy_encode(&f, out, sizeof(out), &n, &e)) != LW_OK) {
		fprintf(stderr, "join-request: %s\n", e.detail);
		return CLI_FAIL;
	}
	c = lw_crypto_new();
	if (c == NULL ||
	    (rejoin == 1 &&
		lw_derive_js_keys(c, key, dev_eui, jsint, jsenc) != LW_OK) ||
	    lw_mic_join_request(c, rejoin == 1 ? jsint : key, out, n - 4,
		out + n - 4) != LW_OK) {
		fprintf(stderr, "join-request: crypto failure\n");
		lw_crypto_free(c);
		return CLI_FAIL;
	}
	lw_crypto_free(c);
	printf("hex: %s\nbase64: %s\n", bytes_to_hex(out, n, hex),
	    bytes_to_base64(out, n, b64));
	return CLI_OK;
}
