/*
 * cmd_tlsa.c - "loradane tlsa": the TLSA RDATA that publishes a
 * certificate or its key, e.g. "3 1 1 <hex>" (RFC 6698 §2.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "util/strnum.h"

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

/* tlsa_data - DER of the certificate or its SubjectPublicKeyInfo */
static int
tlsa_der(X509 *x, int selector, unsigned char **der)
{
	if (selector == 0)
		return i2d_X509(x, der);
	return i2d_PUBKEY(X509_get0_pubkey(x), der);
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
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	const unsigned char *out;
	unsigned int mdlen;
	X509 *x = NULL;
	FILE *f;
	int ch, derlen, i;
	size_t outlen;

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
	derlen = tlsa_der(x, (int)selector, &der);
	X509_free(x);
	if (derlen <= 0) {
		fprintf(stderr, "loradane tlsa: cannot encode %s\n", cert);
		return CLI_FAIL;
	}
	out = der;
	outlen = (size_t)derlen;
	if (mtype != 0) {
		if (EVP_Digest(der, (size_t)derlen, md, &mdlen,
			mtype == 1 ? EVP_sha256() : EVP_sha512(), NULL) != 1) {
			OPENSSL_free(der);
			fprintf(stderr, "loradane tlsa: digest failed\n");
			return CLI_FAIL;
		}
		out = md;
		outlen = mdlen;
	}
	if (owner != NULL)
		printf("%s%s IN TLSA ", owner,
		    owner[strlen(owner) - 1] == '.' ? "" : ".");
	printf("%llu %llu %llu ", usage_v, selector, mtype);
	for (i = 0; i < (int)outlen; i++)
		printf("%02x", out[i]);
	printf("\n");
	OPENSSL_free(der);
	return CLI_OK;
}
