/*
 * cmd_check.c - "loradane check HOST PORT": look up _PORT._tcp.HOST TLSA
 * with DNSSEC, connect, authenticate the server by DANE, optionally
 * present a client identity, and say in plain words what was proved.
 * Exit 0 only when everything asked for is authenticated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "cli.h"
#include "dance.h"
#include "util/log.h"
#include "util/strnum.h"

struct check {
	struct event_base *base;
	struct dance_ctx *ctx;
	struct dance_tls *tls;
	const char *host;
	const char *client_name;
	uint16_t port;
	const char *addr;
	unsigned wait_ms;
	SSL *ssl;
	int fd;
	struct event *ev;
	int result; /* exit code */
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane check HOST PORT [--connect ADDR]\n"
	    "  [--client-name NAME --cert FILE --key FILE] [--ext-type N]\n"
	    "  [--wait MS] [-v]\n" RESOLVER_USAGE);
	return CLI_USAGE;
}

static void
print_tlsa(const struct dance_tlsa *t)
{
	char rr[300];
	size_t i;

	printf("TLSA %s: %s", t->owner, dance_dns_status_str(t->status));
	if (t->why != NULL)
		printf(" (%s)", t->why);
	if (t->canon != NULL)
		printf(", via CNAME %s", t->canon);
	if (t->status == DANCE_DNS_SECURE)
		printf(", %zu record%s, ttl %u", t->nrr, t->nrr == 1 ? "" : "s",
		    t->ttl);
	printf("\n");
	for (i = 0; i < t->nrr; i++)
		printf("  %s\n", dance_tlsa_rr_str(&t->rr[i], rr, sizeof(rr)));
}

/* wait_answer - after the handshake: data means the server accepted our
 * identity; an alert means it refused it (TLS 1.3 clients finish first) */
static void
wait_answer(evutil_socket_t fd, short what, void *arg)
{
	struct check *c = arg;
	char buf[512];
	int n, e;

	(void)fd;
	if (what & EV_TIMEOUT) {
		printf("client identity %s: no answer from the server within "
		       "%u ms: not confirmed\n",
		    c->client_name, c->wait_ms);
		c->result = CLI_FAIL;
		event_base_loopbreak(c->base);
		return;
	}
	ERR_clear_error();
	n = SSL_read(c->ssl, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		printf("client identity %s: accepted by the server (it said "
		       "\"%s\")\n",
		    c->client_name, buf);
		c->result = CLI_OK;
		event_base_loopbreak(c->base);
		return;
	}
	e = SSL_get_error(c->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		struct timeval tv = {
		    c->wait_ms / 1000, (c->wait_ms % 1000) * 1000};

		event_add(c->ev, &tv);
		return;
	}
	ERR_error_string_n(ERR_peek_error(), buf, sizeof(buf));
	printf("client identity %s: REFUSED by the server (%s)\n",
	    c->client_name, ERR_peek_error() ? buf : "connection closed");
	c->result = CLI_FAIL;
	event_base_loopbreak(c->base);
}

static void
handshake_done(
    void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer)
{
	struct check *c = arg;
	X509 *mcert = NULL;
	char subject[256] = "?";
	size_t i;

	if (err != DANCE_OK) {
		printf("server %s port %u: NOT authenticated: %s\n", c->host,
		    c->port, dance_strerror(err));
		c->result = CLI_FAIL;
		event_base_loopbreak(c->base);
		return;
	}
	c->ssl = ssl;
	c->fd = fd;
	printf("connected: %s, %s\n", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl));
	if (SSL_get0_dane_authority(ssl, &mcert, NULL) >= 0 && mcert != NULL)
		X509_NAME_oneline(
		    X509_get_subject_name(mcert), subject, sizeof(subject));
	printf("server authenticated: TLSA %s matched by %u %u %u ",
	    peer->tlsa_owner, peer->usage, peer->selector, peer->mtype);
	for (i = 0; i < peer->dlen && i < 8; i++)
		printf("%02x", peer->data[i]);
	printf("%s at depth %d (%s), certificate %s\n",
	    peer->dlen > 8 ? "..." : "", peer->depth,
	    peer->depth == 0 ? "end entity" : "trust anchor", subject);
	if (c->client_name == NULL) {
		c->result = CLI_OK;
		event_base_loopbreak(c->base);
		return;
	}
	c->ev = event_new(c->base, fd, EV_READ, wait_answer, c);
	wait_answer(fd, EV_READ, c);
}

static void
tlsa_done(void *arg, struct dance_tlsa *t)
{
	struct check *c = arg;
	int r;

	print_tlsa(t);
	if (t->status != DANCE_DNS_SECURE) {
		/* The one refusal line, worded as the library's own. */
		log_warnx("server %s port %u: handshake_failure: %s: TLSA %s "
			  "is %s%s%s",
		    c->host, c->port,
		    dance_strerror(dance_dns_status_err(t->status)), t->owner,
		    dance_dns_status_str(t->status), t->why ? ": " : "",
		    t->why ? t->why : "");
		printf("server %s port %u: NOT authenticated: %s\n", c->host,
		    c->port, dance_strerror(dance_dns_status_err(t->status)));
		c->result = CLI_FAIL;
		dance_tlsa_unref(t);
		event_base_loopbreak(c->base);
		return;
	}
	dance_tlsa_unref(t);
	r = dance_connect(c->tls, c->host, c->port, c->addr, handshake_done, c);
	if (r != DANCE_OK) {
		printf("connect: %s\n", dance_strerror(r));
		c->result = CLI_FAIL;
		event_base_loopbreak(c->base);
	}
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"connect", required_argument, NULL, 'a'},
	    {"client-name", required_argument, NULL, 'n'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"ext-type", required_argument, NULL, 'e'},
	    {"wait", required_argument, NULL, 'w'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    RESOLVER_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	struct dance_client_opts o;
	struct check c;
	char owner[300];
	unsigned long long n;
	int ch, err, verbose = 0;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	c.fd = -1;
	c.wait_ms = 3000;
	c.result = CLI_FAIL;
	c.base = event_base_new();
	c.ctx = dance_ctx_new(c.base, &err);
	if (c.base == NULL || c.ctx == NULL) {
		fprintf(stderr, "loradane check: %s\n", dance_strerror(err));
		return CLI_FAIL;
	}
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			c.addr = optarg;
			break;
		case 'n':
			o.client_name = optarg;
			break;
		case 'c':
			o.cert_file = optarg;
			break;
		case 'k':
			o.key_file = optarg;
			break;
		case 'e':
			if (cli_number("ext-type", optarg, 1, 65535, &n) != 0)
				return CLI_USAGE;
			o.ext_type = (uint16_t)n;
			break;
		case 'w':
			if (cli_number("wait", optarg, 1, 600000, &n) != 0)
				return CLI_USAGE;
			c.wait_ms = (unsigned)n;
			break;
		case 'v':
			verbose++;
			break;
		default:
			if (ch >= RESOLVER_OPT_BASE) {
				if (resolver_opt(c.ctx, ch, optarg) != 0)
					return CLI_USAGE;
				break;
			}
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	c.host = argv[optind];
	if (cli_number("port", argv[optind + 1], 1, 65535, &n) != 0)
		return CLI_USAGE;
	c.port = (uint16_t)n;
	if ((o.cert_file != NULL || o.key_file != NULL) &&
	    (o.cert_file == NULL || o.key_file == NULL ||
		o.client_name == NULL)) {
		fprintf(stderr,
		    "loradane check: a client identity needs "
		    "--client-name, --cert and --key\n");
		return CLI_USAGE;
	}
	c.client_name = o.client_name;
	/* Line by line, so a script can follow the stages as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("loradane", 1, verbose);
	dance_ctx_set_log(c.ctx, log_dance, NULL,
	    verbose ? DANCE_LOG_DEBUG : DANCE_LOG_WARNING);
	c.tls = dance_tls_client_new(c.ctx, &o, &err);
	if (c.tls == NULL) {
		fprintf(stderr, "loradane check: client TLS: %s\n",
		    dance_strerror(err));
		return CLI_FAIL;
	}
	snprintf(owner, sizeof(owner), "_%u._tcp.%s", c.port, c.host);
	err = dance_tlsa_lookup(c.ctx, owner, tlsa_done, &c, NULL);
	if (err != DANCE_OK) {
		fprintf(stderr, "loradane check: %s\n", dance_strerror(err));
		return CLI_FAIL;
	}
	event_base_dispatch(c.base);
	printf("verdict: %s\n",
	    c.result == CLI_OK ? "AUTHENTICATED" : "NOT AUTHENTICATED");
	if (c.ev != NULL)
		event_free(c.ev);
	if (c.ssl != NULL)
		SSL_free(c.ssl);
	if (c.fd >= 0)
		close(c.fd);
	dance_tls_free(c.tls);
	dance_ctx_free(c.ctx);
	event_base_free(c.base);
	return c.result;
}
