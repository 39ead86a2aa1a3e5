/*
 * cmd_zone_sign.c - "loradane zone sign": DNSSEC-sign a zone file with
 * the zone's KSK and ZSK (made on first use), print the DS for the
 * parent.  Standard output carries only the DS line, so it can be
 * redirected straight into a trust-anchor file (loradane check --ta).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "zone/sign.h"
#include "zone/zone_err.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane zone sign --origin ZONE --keys DIR [--out FILE]\n"
	    "  [--inception WHEN] [--expiration WHEN] [--nsec3]\n"
	    "  [--ttl-dnskey N] ZONEFILE\n"
	    "  ZONEFILE may be - (stdin, then --out is required); default\n"
	    "  output ZONEFILE.signed.  WHEN: YYYYMMDDHHMMSS (UTC), now,\n"
	    "  or +N/-N with a unit s, m, h or d; defaults -1h and +30d.\n"
	    "  Keys: DIR/K<zone.>+013+<tag>.{key,private}, created if "
	    "absent.\n"
	    "  Prints the KSK's DS (SHA-256) on stdout.\n");
	return CLI_USAGE;
}

int
cmd_zone_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"keys", required_argument, NULL, 'k'},
	    {"out", required_argument, NULL, 'f'},
	    {"inception", required_argument, NULL, 'i'},
	    {"expiration", required_argument, NULL, 'e'},
	    {"nsec3", no_argument, NULL, 'n'},
	    {"ttl-dnskey", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *inc = "-1h", *exp = "+30d";
	struct zone_sign_opts o;
	struct zone_sign_result *res;
	unsigned long long ttl;
	char why[1024];
	time_t now = time(NULL);
	int ch, err;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			o.origin = optarg;
			break;
		case 'k':
			o.keydir = optarg;
			break;
		case 'f':
			o.out_path = optarg;
			break;
		case 'i':
			inc = optarg;
			break;
		case 'e':
			exp = optarg;
			break;
		case 'n':
			o.nsec3 = 1;
			break;
		case 't':
			/* RFC 2181 §8: TTLs are 31-bit. */
			if (cli_number(
				"ttl-dnskey", optarg, 1, 2147483647, &ttl) != 0)
				return CLI_USAGE;
			o.ttl_dnskey = (uint32_t)ttl;
			break;
		case 'h':
			usage();
			return CLI_OK;
		default:
			return usage();
		}
	}
	if (o.origin == NULL || o.keydir == NULL || argc - optind != 1)
		return usage();
	o.in_path = argv[optind];
	if (o.out_path == NULL && strcmp(o.in_path, "-") == 0) {
		fprintf(stderr,
		    "loradane zone sign: --out is required when the "
		    "zone is read from stdin\n");
		return CLI_USAGE;
	}
	if (zone_sign_when(inc, now, &o.inception, why, sizeof(why)) !=
	    ZONE_OK) {
		fprintf(stderr, "loradane zone sign: --inception: %s\n", why);
		return CLI_FAIL;
	}
	if (zone_sign_when(exp, now, &o.expiration, why, sizeof(why)) !=
	    ZONE_OK) {
		fprintf(stderr, "loradane zone sign: --expiration: %s\n", why);
		return CLI_FAIL;
	}
	if (o.expiration <= o.inception) {
		fprintf(stderr,
		    "loradane zone sign: --expiration %s is not after "
		    "--inception %s\n",
		    exp, inc);
		return CLI_FAIL;
	}
	/* PATH_MAX buffers: too big for a comfortable stack frame. */
	res = calloc(1, sizeof(*res));
	if (res == NULL) {
		fprintf(stderr, "loradane zone sign: out of memory\n");
		return CLI_FAIL;
	}
	err = zone_sign(&o, res, why, sizeof(why));
	if (err != ZONE_OK) {
		fprintf(stderr, "loradane zone sign: %s: %s\n",
		    zone_strerror(err), why);
		free(res);
		return CLI_FAIL;
	}
	fprintf(stderr,
	    "loradane zone sign: wrote %s (%s); %s %s (KSK %05u), %s (ZSK "
	    "%05u)\n",
	    res->out_path, o.nsec3 ? "NSEC3" : "NSEC",
	    res->created ? "created" : "reused", res->ksk, res->ksk_tag,
	    res->zsk, res->zsk_tag);
	printf("%s\n", res->ds);
	err = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	free(res);
	return err;
}
