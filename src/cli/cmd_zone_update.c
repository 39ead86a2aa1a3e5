/*
 * cmd_zone_update.c - "loradane zone update": add and delete records on a
 * zone's primary with one DNS UPDATE signed by TSIG (lib/zone/update.h),
 * e.g. to publish the TLSA records "loradane zone records" prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "zone/update.h"

#define MAX_ADD_FILES 16

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane zone update --server ADDR[@PORT] --tsig FILE "
	    "--zone ZONE\n"
	    "  [--add FILE|-]... [--delete RR]... [--timeout MS]\n"
	    "  --add     zone-file records to add ('-': standard input)\n"
	    "  --delete  'NAME TYPE RDATA' one record, 'NAME TYPE' the "
	    "RRset,\n"
	    "            'NAME' every RRset at NAME\n"
	    "  --tsig    key file as tsig-keygen or keymgr -t print it\n"
	    "  --timeout for the whole exchange, default 5000 ms\n");
	return CLI_USAGE;
}

/* fail - the one error line: "loradane zone update: WHAT: WHY" */
static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "loradane zone update: %s: %s\n", what, why);
	return CLI_FAIL;
}

/* read_adds - the records of every --add file, in order */
static int
read_adds(const char *const *files, size_t nfiles, const char *zone,
    char ***rrs, size_t *nrrs)
{
	char why[512], what[300], **v, **all = NULL;
	size_t n, i, j, total = 0;
	FILE *f;
	int r;

	for (i = 0; i < nfiles; i++) {
		int is_stdin = strcmp(files[i], "-") == 0;

		snprintf(what, sizeof(what), "--add %s", files[i]);
		f = is_stdin ? stdin : fopen(files[i], "r");
		if (f == NULL) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			zone_rrs_free(all, total);
			return fail(what, why);
		}
		r = zone_rrs_read(f, is_stdin ? "stdin" : files[i], zone, &v,
		    &n, why, sizeof(why));
		if (!is_stdin)
			fclose(f);
		if (r != ZONE_OK) {
			zone_rrs_free(all, total);
			return fail(what, why);
		}
		if (n > 0) {
			char **nall = realloc(all, (total + n) * sizeof(*all));

			if (nall == NULL) {
				zone_rrs_free(v, n);
				zone_rrs_free(all, total);
				return fail(what, "out of memory");
			}
			all = nall;
			for (j = 0; j < n; j++)
				all[total++] = v[j];
		}
		free(v);
	}
	*rrs = all;
	*nrrs = total;
	return CLI_OK;
}

int
cmd_zone_update(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"tsig", required_argument, NULL, 'k'},
	    {"zone", required_argument, NULL, 'z'},
	    {"add", required_argument, NULL, 'a'},
	    {"delete", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *keyfile = NULL, *zone = NULL;
	const char *files[MAX_ADD_FILES];
	const char **dels = NULL, **nd;
	size_t nfiles = 0, ndel = 0, nadd = 0, i;
	char addr[256], why[1024], what[600], **adds = NULL;
	struct zone_update_target t;
	struct zone_tsig *key = NULL;
	unsigned long long ms = 5000;
	uint16_t port = 53;
	int ch, r, stdin_used = 0, rc = CLI_FAIL;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			server = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'a':
			if (nfiles == MAX_ADD_FILES ||
			    (strcmp(optarg, "-") == 0 && stdin_used++)) {
				free(dels);
				fprintf(stderr,
				    "--add: at most %d files, and "
				    "'-' once\n",
				    MAX_ADD_FILES);
				return CLI_USAGE;
			}
			files[nfiles++] = optarg;
			break;
		case 'd':
			nd = realloc(dels, (ndel + 1) * sizeof(*dels));
			if (nd == NULL) {
				free(dels);
				return fail("--delete", "out of memory");
			}
			dels = nd;
			dels[ndel++] = optarg;
			break;
		case 't':
			if (cli_number("timeout", optarg, 1, 600000, &ms) !=
			    0) {
				free(dels);
				return CLI_USAGE;
			}
			break;
		case 'h':
			free(dels);
			usage();
			return CLI_OK;
		default:
			free(dels);
			return usage();
		}
	}
	if (server == NULL || keyfile == NULL || zone == NULL ||
	    optind != argc || (nfiles == 0 && ndel == 0)) {
		free(dels);
		return usage();
	}
	if (cli_addr_port("server", server, addr, sizeof(addr), &port, 53) !=
	    0) {
		free(dels);
		return CLI_USAGE;
	}
	/* Everything is read and checked before anything is sent. */
	r = zone_tsig_load(keyfile, &key, why, sizeof(why));
	if (r != ZONE_OK) {
		snprintf(what, sizeof(what), "--tsig %s", keyfile);
		fail(what, why);
		goto out;
	}
	if (read_adds(files, nfiles, zone, &adds, &nadd) != CLI_OK)
		goto out;
	if (nadd == 0 && ndel == 0) {
		fail("--add", "no record to add and nothing to delete");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.server = addr;
	t.port = port;
	t.zone = zone;
	t.tsig = key;
	t.timeout_ms = (int)ms;
	r = zone_update_send(
	    &t, (const char *const *)adds, nadd, dels, ndel, why, sizeof(why));
	if (r != ZONE_OK) {
		/* zone_strerror says which kind: TSIG refused, no answer... */
		snprintf(what, sizeof(what), "update of %s: %s", zone,
		    zone_strerror(r));
		fail(what, why);
		goto out;
	}
	for (i = 0; i < ndel; i++)
		printf("deleted %s\n", dels[i]);
	for (i = 0; i < nadd; i++)
		printf("added %s\n", adds[i]);
	rc = CLI_OK;
out:
	zone_rrs_free(adds, nadd);
	zone_tsig_free(key);
	free(dels);
	return rc;
}
