/*
 * cmd_zone.c - "loradane zone VERB": the records an operator publishes,
 * signing them, pushing them with DNS UPDATE and auditing what is served.
 * This file only dispatches; each sub-verb has its own file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct zone_verb {
	const char *name;
	int (*run)(int, char **);
	const char *summary;
} zone_verbs[] = {
    {"records", cmd_zone_records, "print the operator's records (zone file)"},
    {"sign", cmd_zone_sign, "sign a zone file with DNSSEC, print the DS"},
    {"update", cmd_zone_update, "add or delete records by DNS UPDATE+TSIG"},
    {"audit", cmd_zone_audit, "check what the DNS serves for an operator"},
    {NULL, NULL, NULL},
};

static int
usage(void)
{
	const struct zone_verb *v;

	fprintf(stderr, "usage: loradane zone VERB [options]\n\nverbs:\n");
	for (v = zone_verbs; v->name != NULL; v++)
		fprintf(stderr, "  %-8s %s\n", v->name, v->summary);
	return CLI_USAGE;
}

int
cmd_zone(int argc, char **argv)
{
	const struct zone_verb *v;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage();
		return CLI_OK;
	}
	for (v = zone_verbs; v->name != NULL; v++)
		if (strcmp(argv[1], v->name) == 0)
			return v->run(argc - 1, argv + 1);
	fprintf(stderr, "loradane zone: unknown verb '%s'\n", argv[1]);
	return usage();
}
