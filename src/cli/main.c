/*
 * main.c - loradane: the operator's command-line tool.  One verb per
 * file; this file only dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct verb {
	const char *name;
	int (*run)(int, char **);
	const char *summary;
} verbs[] = {
    {"tlsa", cmd_tlsa, "print the TLSA RDATA for a certificate"},
    {"check", cmd_check, "connect to a server and authenticate it by DANE"},
    {"decode", cmd_decode, "decode a LoRaWAN PHYPayload, check its MIC"},
    {"join-request", cmd_joinreq, "build a join-request PHYPayload"},
    {"serve-test", cmd_serve_test, "run a DANE mutual-TLS test server"},
    {"bi-request", cmd_bi_request,
	"send Backend Interfaces requests over DANE mutual TLS"},
    {"pki", cmd_pki, "create an operator's CA, keys and certificates"},
    {"zone", cmd_zone, "records, signing, DNS UPDATE and audit"},
    {"rollover", cmd_rollover, "replace a key without a failed handshake"},
    {"device", cmd_device, "add, import, list, show, remove JS devices"},
    {"sim", cmd_sim, "simulate gateways and devices joining through an NS"},
    {NULL, NULL, NULL},
};

static int
usage(void)
{
	const struct verb *v;

	fprintf(stderr, "usage: loradane VERB [options]\n\nverbs:\n");
	for (v = verbs; v->name != NULL; v++)
		fprintf(stderr, "  %-12s %s\n", v->name, v->summary);
	fprintf(stderr, "\n'loradane VERB --help' describes a verb.\n");
	return CLI_USAGE;
}

int
main(int argc, char **argv)
{
	const struct verb *v;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage();
		return CLI_OK;
	}
	for (v = verbs; v->name != NULL; v++)
		if (strcmp(argv[1], v->name) == 0)
			return v->run(argc - 1, argv + 1);
	fprintf(stderr, "loradane: unknown verb '%s'\n", argv[1]);
	return usage();
}
