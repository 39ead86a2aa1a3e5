/*
 * cmd_tlsa.c - "loradane tlsa": the TLSA RDATA that publishes a
 * certificate or its key, e.g. "3 1 1 <hex>" (RFC 6698 §2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "util/strnum.h"
#include "zone/tlsa_rdata.h"
#include "zone/zone_err.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane tlsa --cert FILE [--usage U] "
	    "[--selector S] [--mtype M] [--owner NAME]\n"
	    "  defaults: usage 3 (DANE-EE), selector 1 (SPKI), "
	    "mtype 1 (SHA2-256)\n"
	    "  --owner prints a whole zone-file line for NAME\n");
	return CLI_USAGE;
}

int
cmd_tlsa(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"usage", required_argument, NULL, 'u'},
	    {"selector", required_argument, NULL, 's'},
	    {"mtype", required_argument, NULL, 'm'},
	    {"owner", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cert = NULL, *owner = NULL;
	unsigned long long usage_v = 3, selector = 1, mtype = 1, *target;
	char *rdata;
	X509 *x = NULL;
	FILE *f;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cert = optarg;
			continue;
		case 'o':
			owner = optarg;
			continue;
		case 'u':
			target = &usage_v;
			break;
		case 's':
			target = &selector;
			break;
		case 'm':
			target = &mtype;
			break;
		default:
			return usage();
		}
		if (cli_number(longopts[ch == 'u'  ? 1
				       : ch == 's' ? 2
						   : 3]
				   .name,
			optarg, 0,
			ch == 'u'       ? 3
			    : ch == 's' ? 1
					: 2,
			target) != 0)
			return CLI_USAGE;
	}
	if (cert == NULL || optind != argc)
		return usage();
	f = fopen(cert, "r");
	if (f == NULL) {
		perror(cert);
		return CLI_FAIL;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		fprintf(
		    stderr, "loradane tlsa: %s: no PEM certificate\n", cert);
		return CLI_FAIL;
	}
	r = zone_tlsa_rdata(x, (int)usage_v, (int)selector, (int)mtype, &rdata);
	X509_free(x);
	if (r != ZONE_OK) {
		fprintf(
		    stderr, "loradane tlsa: %s: %s\n", cert, zone_strerror(r));
		return CLI_FAIL;
	}
	if (owner != NULL)
		printf("%s%s IN TLSA ", owner,
		    owner[strlen(owner) - 1] == '.' ? "" : ".");
	printf("%s\n", rdata);
	free(rdata);
	return CLI_OK;
}
