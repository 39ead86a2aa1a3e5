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
	    "  EUIs in big-endian hex, as printed on labels\n");
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
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct lw_frame f;
	struct lw_phy_error e;
	struct lw_crypto *c;
	uint8_t key[16], out[LW_PHY_MAX];
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
				ch == 'd' ? &f.u.jr.dev_eui
					  : &f.u.jr.join_eui) != LW_OK) {
				fprintf(stderr, "--%s %s: not an EUI-64\n",
				    ch == 'd' ? "deveui" : "joineui", optarg);
				return CLI_USAGE;
			}
			have |= ch == 'd' ? 1 : 2;
			break;
		case 'a':
		case 'n':
			if (bytes_from_hex_exact(optarg, key, 16, &why) != 0) {
				fprintf(stderr,
				    "--%s: %s (want 32 hex digits)\n",
				    ch == 'a' ? "appkey" : "nwkkey", why);
				return CLI_USAGE;
			}
			have |= 4;
			break;
		case 'N':
			if (cli_number("devnonce", optarg, 0, 65535, &nonce) !=
			    0)
				return CLI_USAGE;
			have |= 8;
			break;
		default:
			return usage();
		}
	}
	if (have != 15 || optind != argc)
		return usage();
	f.u.jr.dev_nonce = (uint16_t)nonce;
	if ((r = lw_phy_encode(&f, out, sizeof(out), &n, &e)) != LW_OK) {
		fprintf(stderr, "join-request: %s\n", e.detail);
		return CLI_FAIL;
	}
	c = lw_crypto_new();
	if (c == NULL ||
	    lw_mic_join_request(c, key, out, n - 4, out + n - 4) != LW_OK) {
		fprintf(stderr, "join-request: crypto failure\n");
		lw_crypto_free(c);
		return CLI_FAIL;
	}
	lw_crypto_free(c);
	printf("hex: %s\nbase64: %s\n", bytes_to_hex(out, n, hex),
	    bytes_to_base64(out, n, b64));
	return CLI_OK;
}
