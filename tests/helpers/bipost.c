/*
 * bipost.c - drive lib/backend's discovery (bi_dns) and connection pool
 * (bi_client) from a test: find a Backend Interfaces server by its DNS
 * name, or take HOST PORT, and POST one body COUNT times, PARALLEL at a
 * time, on one event loop.
 *
 * usage: bipost (--discover NAME | --host HOST --port PORT)
 *	[--connect ADDR] [--default-port P] --client-name NAME --cert FILE
 *	--key FILE --forward ADDR@PORT --ta FILE [--count N] [--parallel K]
 *	[--max-conns M] [--timeout MS] [--wait-file PATH] BODY
 *
 *   --wait-file PATH	after half the requests are answered, wait until
 *			PATH exists before sending the rest (the test
 *			restarts the server meanwhile)
 *
 * Output, one line each:
 *   discovered NAME host HOST port PORT via TEXT
 *   discovery-failed NAME err ERR why TEXT
 *   answer I status S peer NAME
 *   failure I err ERR dance DANCE_ERR why TEXT
 *   stats handshakes H handshake_failures F requests R reused U failures X
 * Exit status: 0 if every request got an HTTP answer, 1 if not, 2 on a
 * usage or set-up error.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "backend/bi_client.h"
#include "backend/bi_dns.h"
#include "dance.h"
#include "util/strnum.h"

static struct {
	struct event_base *base;
	struct bi_client *client;
	struct event *poll;
	char host[256], body[65536];
	const char *addr, *wait_file, *discover;
	uint16_t port;
	size_t len;
	unsigned count, parallel, sent, done, failed;
	bool waiting;
} B;

static void send_more(void);

static void
answered(void *arg, const struct bi_client_result *r)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	if (r->err == BI_CLIENT_OK)
		printf("answer %u status %d peer %s\n", i, r->status, r->peer);
	else {
		printf("failure %u err %s dance %s why %s\n", i,
		    bi_client_strerror(r->err),
		    r->dance_err != 0 ? dance_strerror(r->dance_err) : "-",
		    r->why);
		B.failed++;
	}
	fflush(stdout);
	B.done++;
	send_more();
}

static void
poll_file(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = {0, 20000};

	(void)fd;
	(void)what;
	(void)arg;
	if (access(B.wait_file, F_OK) != 0) {
		evtimer_add(B.poll, &tv);
		return;
	}
	B.waiting = false;
	B.wait_file = NULL;
	send_more();
}

/* send_more - keep PARALLEL requests in flight until COUNT are sent */
static void
send_more(void)
{
	struct bi_client_stats s;

	if (B.wait_file != NULL && B.done >= B.count / 2 && B.done == B.sent &&
	    !B.waiting) {
		B.waiting = true;
		poll_file(-1, 0, NULL);
	}
	while (!B.waiting && B.sent < B.count && B.sent - B.done < B.parallel &&
	    !(B.wait_file != NULL && B.sent >= B.count / 2)) {
		if (bi_client_post(B.client, B.host, B.port, B.addr, B.body,
			B.len, answered, (void *)(uintptr_t)B.sent,
			NULL) != BI_CLIENT_OK) {
			printf("failure %u err post\n", B.sent);
			B.failed++;
			B.done++;
		}
		B.sent++;
	}
	if (B.done < B.count)
		return;
	bi_client_stats(B.client, &s);
	printf("stats handshakes %llu handshake_failures %llu requests %llu "
	       "reused %llu failures %llu\n",
	    (unsigned long long)s.handshakes,
	    (unsigned long long)s.handshake_failures,
	    (unsigned long long)s.requests, (unsigned long long)s.reused,
	    (unsigned long long)s.failures);
	event_base_loopexit(B.base, NULL);
}

static void
discovered(void *arg, int err, const struct bi_dns_server *srv, const char *why)
{
	const char *name = B.discover;

	(void)arg;
	if (err != DANCE_OK) {
		printf("discovery-failed %s err %s why %s\n", name,
		    dance_strerror(err), why);
		event_base_loopexit(B.base, NULL);
		B.failed = B.count > 0 ? B.count : 1;
		return;
	}
	printf("discovered %s host %s port %u via %s\n", name, srv->host,
	    (unsigned)srv->port, srv->via);
	snprintf(B.host, sizeof(B.host), "%s", srv->host);
	B.port = srv->port;
	send_more();
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: bipost (--discover NAME | --host H --port P) "
	    "... BODY (see bipost.c)\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"discover", 1, NULL, 'd'},
	    {"host", 1, NULL, 'h'}, {"port", 1, NULL, 'p'},
	    {"connect", 1, NULL, 'a'}, {"default-port", 1, NULL, 'D'},
	    {"client-name", 1, NULL, 'n'}, {"cert", 1, NULL, 'c'},
	    {"key", 1, NULL, 'k'}, {"forward", 1, NULL, 'f'},
	    {"ta", 1, NULL, 't'}, {"count", 1, NULL, 'N'},
	    {"parallel", 1, NULL, 'P'}, {"max-conns", 1, NULL, 'M'},
	    {"timeout", 1, NULL, 'T'}, {"wait-file", 1, NULL, 'w'},
	    {NULL, 0, NULL, 0}};
	struct dance_client_opts co = {0};
	struct bi_client_opts bo = {0};
	struct dance_ctx *ctx;
	struct dance_tls *tls;
	struct bi_dns *dns = NULL;
	const char *discover = NULL, *errstr;
	unsigned long long v = 0, dport = 443;
	FILE *f;
	int ch, err;

	signal(SIGPIPE, SIG_IGN);
	B.count = 1;
	B.parallel = 1;
	if ((B.base = event_base_new()) == NULL ||
	    (ctx = dance_ctx_new(B.base, &err)) == NULL ||
	    dance_ctx_no_default_ta(ctx) != DANCE_OK)
		return 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (strchr("pDNPMT", ch) != NULL) {
			v = strnum_parse(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				return usage();
		}
		switch (ch) {
		case 'd':
			discover = optarg;
			break;
		case 'h':
			snprintf(B.host, sizeof(B.host), "%s", optarg);
			break;
		case 'p':
			B.port = (uint16_t)v;
			break;
		case 'a':
			B.addr = optarg;
			break;
		case 'D':
			dport = v;
			break;
		case 'n':
			co.client_name = optarg;
			break;
		case 'c':
			co.cert_file = optarg;
			break;
		case 'k':
			co.key_file = optarg;
			break;
		case 'f':
			if (dance_ctx_add_forwarder(ctx, optarg) != DANCE_OK)
				return usage();
			break;
		case 't':
			if (dance_ctx_add_ta_file(ctx, optarg) != DANCE_OK)
				return usage();
			break;
		case 'N':
			B.count = (unsigned)v;
			break;
		case 'P':
			B.parallel = (unsigned)v;
			break;
		case 'M':
			bo.max_conns_per_peer = (unsigned)v;
			break;
		case 'T':
			bo.request_timeout_ms = (unsigned)v;
			break;
		case 'w':
			B.wait_file = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1 || (discover == NULL && B.port == 0) ||
	    dport > 65535 || (f = fopen(argv[optind], "r")) == NULL)
		return usage();
	B.len = fread(B.body, 1, sizeof(B.body), f);
	fclose(f);
	if ((tls = dance_tls_client_new(ctx, &co, &err)) == NULL) {
		fprintf(stderr, "bipost: identity: %s\n", dance_strerror(err));
		return 2;
	}
	if ((B.client = bi_client_new(B.base, tls, &bo)) == NULL ||
	    (B.poll = evtimer_new(B.base, poll_file, NULL)) == NULL)
		return 2;
	dance_tls_free(tls); /* the client keeps its reference */
	B.discover = discover;
	if (discover != NULL) {
		if ((dns = bi_dns_new(B.base, ctx, (uint16_t)dport)) == NULL ||
		    bi_dns_resolve(dns, discover, discovered, NULL) != DANCE_OK)
			return 2;
	} else
		send_more();
	event_base_dispatch(B.base);
	bi_client_free(B.client);
	bi_dns_free(dns);
	event_free(B.poll);
	dance_ctx_free(ctx);
	event_base_free(B.base);
	return B.failed == 0 && B.done == B.count ? 0 : 1;
}
