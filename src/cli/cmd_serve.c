/*
 * cmd_serve.c - "loradane serve-test": a DANE mutual-TLS server for
 * tests and for trying a peer.  After a handshake it writes one line,
 * "hello NAME", and closes.  It prints "listening on ADDR port PORT" on
 * stdout once it accepts connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "cli.h"
#include "dance.h"
#include "util/log.h"
#include "util/strnum.h"

struct serve {
	struct event_base *base;
	struct dance_ctx *ctx;
	struct dance_tls *tls;
	struct dance_server_opts opts; /* kept to rebuild tls on SIGHUP */
	unsigned long long max_conns;  /* 0: forever */
	unsigned long long done;
	unsigned long long ok, refused;
};

/* A finished connection: say hello, then close. */
struct greeting {
	struct serve *s;
	SSL *ssl;
	int fd;
	struct event *ev;
	char line[300];
	size_t len;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane serve-test --cert FILE --key FILE "
	    "--port PORT [--listen ADDR]\n"
	    "  [--client-auth dane|pkix|none] [--pkix-ca FILE]\n"
	    "  [--allow SUFFIX]... [--prefetch NAME]... [--compat07]\n"
	    "  [--ext-type N] [--max-conns N] [-v]\n" RESOLVER_USAGE);
	return CLI_USAGE;
}

static void
count_done(struct serve *s)
{
	s->done++;
	if (s->max_conns != 0 && s->done >= s->max_conns)
		event_base_loopexit(s->base, NULL);
}

static void
greeting_free(struct greeting *g)
{
	SSL_free(g->ssl);
	close(g->fd);
	event_free(g->ev);
	count_done(g->s);
	free(g);
}

static void
greeting_write(evutil_socket_t fd, short what, void *arg)
{
	struct greeting *g = arg;
	int n, e;

	(void)fd;
	if (what & EV_TIMEOUT) {
		greeting_free(g);
		return;
	}
	ERR_clear_error();
	n = SSL_write(g->ssl, g->line, (int)g->len);
	if (n > 0) {
		SSL_shutdown(g->ssl);
		greeting_free(g);
		return;
	}
	e = SSL_get_error(g->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		struct timeval tv = {5, 0};

		event_assign(g->ev, g->s->base, g->fd,
		    e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE,
		    greeting_write, g);
		event_add(g->ev, &tv);
		return;
	}
	greeting_free(g);
}

static void
handshake_done(
    void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer)
{
	struct serve *s = arg;
	struct greeting *g;

	if (err != DANCE_OK) {
		s->refused++;
		count_done(s);
		return;
	}
	s->ok++;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		fatal("calloc");
	g->s = s;
	g->ssl = ssl;
	g->fd = fd;
	g->len = (size_t)snprintf(g->line, sizeof(g->line), "hello %s\n",
	    peer->name != NULL ? peer->name
		: peer->pkix   ? "pkix-client"
			       : "anonymous");
	if (g->len >= sizeof(g->line))
		g->len = sizeof(g->line) - 1;
	g->ev = event_new(s->base, fd, EV_WRITE, greeting_write, g);
	if (g->ev == NULL)
		fatal("event_new");
	greeting_write(fd, EV_WRITE, g);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct serve *s = arg;
	int r;

	(void)l;
	(void)sa;
	(void)salen;
	r = dance_accept(s->tls, fd, handshake_done, s);
	if (r != DANCE_OK) {
		log_warnx("accept: %s", dance_strerror(r));
		count_done(s);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct serve *s = arg;

	(void)sig;
	(void)what;
	event_base_loopexit(s->base, NULL);
}

/*
 * on_reload - SIGHUP: read the certificate and key again (a key rollover
 * swapped them).  Connections in progress keep the context they started
 * with; a bad new pair leaves the old one in service.
 */
static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct serve *s = arg;
	struct dance_tls *tls;
	int err;

	(void)sig;
	(void)what;
	if ((tls = dance_tls_server_new(s->ctx, &s->opts, &err)) == NULL) {
		log_warnx("reload: %s: %s; keeping the current certificate",
		    s->opts.cert_file, dance_strerror(err));
		return;
	}
	dance_tls_free(s->tls);
	s->tls = tls;
	log_info("reloaded %s", s->opts.cert_file);
}

int
cmd_serve_test(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"port", required_argument, NULL, 'p'},
	    {"listen", required_argument, NULL, 'l'},
	    {"client-auth", required_argument, NULL, 'A'},
	    {"pkix-ca", required_argument, NULL, 'C'},
	    {"allow", required_argument, NULL, 'a'},
	    {"prefetch", required_argument, NULL, 'P'},
	    {"compat07", no_argument, NULL, '7'},
	    {"ext-type", required_argument, NULL, 'e'},
	    {"max-conns", required_argument, NULL, 'm'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    RESOLVER_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	struct dance_server_opts o;
	struct serve s;
	struct sockaddr_in sin;
	struct evconnlistener *lst;
	struct event *sigint, *sigterm, *sighup;
	const char *listen_addr = "127.0.0.1";
	unsigned long long port = 0, n;
	char **prefetch = NULL;
	size_t nprefetch = 0, i;
	int ch, err, verbose = 0;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	s.base = event_base_new();
	s.ctx = dance_ctx_new(s.base, &err);
	if (s.base == NULL || s.ctx == NULL) {
		fprintf(stderr, "serve-test: %s\n", dance_strerror(err));
		return CLI_FAIL;
	}
	prefetch = calloc((size_t)argc, sizeof(*prefetch));
	if (prefetch == NULL)
		return CLI_FAIL;
	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.cert_file = optarg;
			break;
		case 'k':
			o.key_file = optarg;
			break;
		case 'p':
			if (cli_number("port", optarg, 1, 65535, &port) != 0)
				return CLI_USAGE;
			break;
		case 'l':
			listen_addr = optarg;
			break;
		case 'A':
			if (strcmp(optarg, "dane") == 0)
				o.client_auth = DANCE_CLIENT_AUTH_DANE;
			else if (strcmp(optarg, "pkix") == 0)
				o.client_auth = DANCE_CLIENT_AUTH_PKIX;
			else if (strcmp(optarg, "none") == 0)
				o.client_auth = DANCE_CLIENT_AUTH_NONE;
			else {
				fprintf(stderr,
				    "--client-auth: dane, pkix or "
				    "none, not '%s'\n",
				    optarg);
				return CLI_USAGE;
			}
			break;
		case 'C':
			o.pkix_ca_file = optarg;
			break;
		case 'a':
			if (dance_ctx_add_allowed_suffix(s.ctx, optarg) != 0) {
				fprintf(
				    stderr, "--allow: bad name '%s'\n", optarg);
				return CLI_USAGE;
			}
			break;
		case 'P':
			prefetch[nprefetch++] = optarg;
			break;
		case '7':
			o.compat07 = 1;
			break;
		case 'e':
			if (cli_number("ext-type", optarg, 1, 65535, &n) != 0)
				return CLI_USAGE;
			o.ext_type = (uint16_t)n;
			break;
		case 'm':
			if (cli_number("max-conns", optarg, 1, 1ULL << 40,
				&s.max_conns) != 0)
				return CLI_USAGE;
			break;
		case 'v':
			verbose++;
			break;
		default:
			if (ch >= RESOLVER_OPT_BASE) {
				if (resolver_opt(s.ctx, ch, optarg) != 0)
					return CLI_USAGE;
				break;
			}
			return usage();
		}
	}
	if (optind != argc || o.cert_file == NULL || o.key_file == NULL ||
	    port == 0)
		return usage();
	log_init("serve-test", 1, verbose);
	dance_ctx_set_log(
	    s.ctx, log_dance, NULL, verbose ? DANCE_LOG_DEBUG : DANCE_LOG_INFO);
	for (i = 0; i < nprefetch; i++) {
		if ((err = dance_ctx_add_prefetch(s.ctx, prefetch[i])) != 0) {
			fprintf(stderr, "--prefetch %s: %s\n", prefetch[i],
			    dance_strerror(err));
			return CLI_USAGE;
		}
	}
	free(prefetch);
	s.opts = o;
	s.tls = dance_tls_server_new(s.ctx, &s.opts, &err);
	if (s.tls == NULL) {
		fprintf(stderr, "serve-test: server TLS: %s\n",
		    dance_strerror(err));
		return CLI_FAIL;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, listen_addr, &sin.sin_addr) != 1) {
		fprintf(
		    stderr, "--listen: not an IPv4 address: %s\n", listen_addr);
		return CLI_USAGE;
	}
	lst = evconnlistener_new_bind(s.base, accept_cb, &s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
	    (struct sockaddr *)&sin, sizeof(sin));
	if (lst == NULL) {
		fprintf(stderr, "serve-test: bind %s port %llu: %s\n",
		    listen_addr, port, strerror(errno));
		return CLI_FAIL;
	}
	sigint = evsignal_new(s.base, SIGINT, on_signal, &s);
	sigterm = evsignal_new(s.base, SIGTERM, on_signal, &s);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	sighup = evsignal_new(s.base, SIGHUP, on_reload, &s);
	evsignal_add(sighup, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening on %s port %llu\n", listen_addr, port);
	fflush(stdout);
	event_base_dispatch(s.base);
	log_info("served %llu connections: %llu authenticated, %llu refused",
	    s.done, s.ok, s.refused);
	evconnlistener_free(lst);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	dance_tls_free(s.tls);
	dance_ctx_free(s.ctx);
	event_base_free(s.base);
	return CLI_OK;
}
