/*
 * cli.h - verbs of the loradane command-line tool and what they share.
 */
#ifndef SRC_CLI_CLI_H
#define SRC_CLI_CLI_H

#include <getopt.h>

struct dance_ctx;

/* Exit codes: 0 everything authenticated, 1 refused or failed, 2 usage. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_tlsa(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve_test(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_joinreq(int argc, char **argv);

/*
 * Resolver options shared by every verb that looks things up:
 *   --ta FILE, --ta-rr RR, --no-ta, --forward ADDR[@PORT],
 *   --stub ZONE=ADDR[@PORT], --dns-timeout MS, --unbound-opt NAME=VALUE
 * Verbs put RESOLVER_LONGOPTS in their option table and pass every
 * option whose value is >= RESOLVER_OPT_BASE to resolver_opt().
 */
#define RESOLVER_OPT_BASE 1000
#define RESOLVER_LONGOPTS                                                      \
	{"ta", required_argument, NULL, RESOLVER_OPT_BASE + 0},                \
	    {"ta-rr", required_argument, NULL, RESOLVER_OPT_BASE + 1},         \
	    {"no-ta", no_argument, NULL, RESOLVER_OPT_BASE + 2},               \
	    {"forward", required_argument, NULL, RESOLVER_OPT_BASE + 3},       \
	    {"stub", required_argument, NULL, RESOLVER_OPT_BASE + 4},          \
	    {"dns-timeout", required_argument, NULL, RESOLVER_OPT_BASE + 5},   \
	{                                                                      \
		"unbound-opt", required_argument, NULL, RESOLVER_OPT_BASE + 6  \
	}
#define RESOLVER_USAGE                                                         \
	"  [--ta FILE] [--ta-rr RR] [--no-ta] [--forward ADDR[@PORT]]\n"       \
	"  [--stub ZONE=ADDR[@PORT]] [--dns-timeout MS]\n"                     \
	"  [--unbound-opt NAME=VALUE]\n"

/**
 * Parse a number option, printing "--OPT ARG: reason" when it is bad.
 * @param out: set to the value on success.
 * @return 0, or -1 (the caller exits with CLI_USAGE).
 */
int cli_number(const char *opt, const char *arg, unsigned long long min,
    unsigned long long max, unsigned long long *out);

/**
 * Apply one resolver option to ctx.
 * @return 0, or -1 after printing what is wrong.
 */
int resolver_opt(struct dance_ctx *ctx, int opt, const char *arg);

#endif /* SRC_CLI_CLI_H */
