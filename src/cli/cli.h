/*
 * cli.h - verbs of the loradane command-line tool and what they share.
 */
#ifndef SRC_CLI_CLI_H
#define SRC_CLI_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

struct dance_ctx;
struct op_profile;

/* Exit codes: 0 everything authenticated, 1 refused or failed, 2 usage. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_tlsa(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve_test(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_joinreq(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_bi_request(int argc, char **argv);
int cmd_rollover(int argc, char **argv);
int cmd_zone(int argc, char **argv);
int cmd_zone_records(int argc, char **argv);
int cmd_zone_sign(int argc, char **argv);
int cmd_zone_update(int argc, char **argv);
int cmd_zone_audit(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_sim(int argc, char **argv);

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

/**
 * Load PKIDIR/NAME/operator.conf, printing every error with its line as
 * "loradane VERB: ...".
 * @param opdir: set to "PKIDIR/NAME".
 * @return 0, or -1 after printing why (the caller exits with CLI_FAIL).
 */
int cli_load_operator(const char *verb, const char *pkidir, const char *name,
    struct op_profile *p, char *opdir, size_t opdirlen);

/**
 * Split "ADDR[@PORT]" (the form of --forward and --server).
 * @param addr: caller's buffer for ADDR.
 * @return 0, or -1 after printing "--OPT ARG: reason".
 */
int cli_addr_port(const char *opt, const char *arg, char *addr, size_t addrlen,
    uint16_t *port, uint16_t defport);

/**
 * Connect to a TLS 1.3 server and return the end-entity certificate it
 * presents, whether or not the handshake then succeeds.  Blocking, with
 * timeout_ms per socket operation.  Nothing is authenticated.
 * @param cert: set to a new reference (X509_free) on success.
 * @return 0, or -1 if no certificate was received.
 */
int cli_probe_server_cert(
    const char *addr, uint16_t port, unsigned timeout_ms, X509 **cert);

#endif /* SRC_CLI_CLI_H */
