/*
 * cmd_zone_records.c - "loradane zone records": print the records an
 * operator publishes, as a zone-file fragment (see lib/zone/records.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "zone/records.h"
#include "zone/zone_err.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane zone records --operator NAME [--pki DIR] "
	    "[--dane-ta] [--no-naptr]\n"
	    "  [--soa NSHOST[=ADDR]] [--serial N]\n"
	    "  --soa starts a whole zone: $ORIGIN, SOA and NS (and the name "
	    "server's\n  address when given).  DIR defaults to ./pki.\n");
	return CLI_USAGE;
}

int
cmd_zone_records(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"operator", required_argument, NULL, 'o'},
	    {"pki", required_argument, NULL, 'P'},
	    {"dane-ta", no_argument, NULL, 't'},
	    {"no-naptr", no_argument, NULL, 'N'},
	    {"soa", required_argument, NULL, 's'},
	    {"serial", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *name = NULL, *pkidir = "pki";
	char opdir[PATH_MAX], why[512], nshost[OP_DNAME_MAX], *eq, *buf = NULL;
	struct records_opts o = {0};
	unsigned long long serial = (unsigned long long)time(NULL);
	struct op_profile p;
	size_t buflen = 0;
	FILE *mem;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			name = optarg;
			break;
		case 'P':
			pkidir = optarg;
			break;
		case 't':
			o.flags |= RECORDS_DANE_TA;
			break;
		case 'N':
			o.flags |= RECORDS_NO_NAPTR;
			break;
		case 's':
			o.flags |= RECORDS_SOA;
			snprintf(nshost, sizeof(nshost), "%s", optarg);
			if ((eq = strchr(nshost, '=')) != NULL) {
				*eq = '\0';
				o.ns_addr = optarg + (eq - nshost) + 1;
			}
			if (!op_dname_valid(nshost) ||
			    nshost[strlen(nshost) - 1] != '.') {
				fprintf(stderr,
				    "loradane zone records: --soa %s: the "
				    "name server must be an absolute name "
				    "(ending with a dot)\n",
				    optarg);
				return CLI_USAGE;
			}
			o.ns_host = nshost;
			break;
		case 'S':
			if (cli_number(
				"serial", optarg, 1, UINT32_MAX, &serial) != 0)
				return CLI_USAGE;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	o.serial = (uint32_t)serial;
	if (cli_load_operator(
		"zone records", pkidir, name, &p, opdir, sizeof(opdir)) != 0)
		return CLI_FAIL;
	/* Into memory first: an error must not leave half a zone on stdout. */
	if ((mem = open_memstream(&buf, &buflen)) == NULL) {
		perror("loradane zone records");
		return CLI_FAIL;
	}
	r = zone_records_write(mem, &p, opdir, &o, why, sizeof(why));
	fclose(mem);
	if (r != ZONE_OK) {
		fprintf(stderr, "loradane zone records: %s\n", why);
		free(buf);
		return CLI_FAIL;
	}
	fwrite(buf, 1, buflen, stdout);
	free(buf);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}
