/*
 * cmd_bi.c - "loradane bi-request": send Backend Interfaces JSON bodies
 * to a server over DANE mutual TLS and print the answers.  One TLS
 * connection carries every FILE (HTTP/1.1 keep-alive) unless --one-each.
 * For operators trying a peer, and for the tests of loradane-js.
 *
 * Output, per request: "HTTP STATUS" and the body on the next line.
 * Exit 0 when every request got an HTTP answer (whatever its status), 1
 * when the server could not be authenticated or a transfer failed.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "backend/http.h"
#include "cli.h"
#include "dance.h"

#define BODY_MAX (64 * 1024)

struct bireq {
	struct event_base *base;
	SSL *ssl;
	int fd;
	int err;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: loradane bi-request HOST PORT [--connect ADDR]\n"
	    "  --client-name NAME --cert FILE --key FILE [--one-each]\n"
	    "  [--timeout MS]" RESOLVER_USAGE "  FILE|-...\n");
	return CLI_USAGE;
}

static void
connected(void *arg, int err, SSL *ssl, int fd, const struct dance_peer *peer)
{
	struct bireq *b = arg;

	(void)peer;
	b->err = err;
	b->ssl = ssl;
	b->fd = fd;
	event_base_loopbreak(b->base);
}

static int
read_body(const char *path, char *buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "loradane bi-request: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, BODY_MAX, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "loradane bi-request: %s: %s\n", path,
		    ferror(f) ? "read error" : "larger than 64 KiB");
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return 0;
}

/* exchange - one POST and its answer, blocking on the TLS connection */
static int
exchange(SSL *ssl, const char *host, const char *body, size_t len, int close)
{
	struct http_parser *p = http_parser_new(HTTP_CLIENT, NULL);
	char head[512], buf[16384];
	const struct http_msg *m;
	size_t used;
	int n, ev = HTTP_EV_NEED_MORE, off;

	n = snprintf(head, sizeof(head),
	    "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
	    host, len, close ? "close" : "keep-alive");
	if (p == NULL || n < 0 || (size_t)n >= sizeof(head) ||
	    SSL_write(ssl, head, n) != n) {
		fprintf(stderr, "loradane bi-request: send failed\n");
		http_parser_free(p);
		return -1;
	}
	/* A server may answer (413) and close before taking the whole body:
	 * read its answer anyway. */
	if (len > 0 && SSL_write(ssl, body, (int)len) != (int)len)
		fprintf(stderr,
		    "loradane bi-request: the server did not take "
		    "the whole body\n");
	while (ev != HTTP_EV_MESSAGE) {
		if ((n = SSL_read(ssl, buf, sizeof(buf))) <= 0) {
			fprintf(stderr,
			    "loradane bi-request: the server closed "
			    "the connection without an answer\n");
			http_parser_free(p);
			return -1;
		}
		/* After the headers, feed again even with nothing left: a
		 * body of length 0 completes the message without bytes. */
		for (off = 0;;) {
			ev = http_parser_feed(
			    p, buf + off, (size_t)(n - off), &used);
			off += (int)used;
			if (ev == HTTP_EV_ERROR) {
				fprintf(stderr,
				    "loradane bi-request: bad HTTP answer\n");
				http_parser_free(p);
				return -1;
			}
			if (ev != HTTP_EV_HEADERS)
				break;
		}
	}
	m = http_parser_msg(p);
	printf("HTTP %d\n%.*s\n", m->status, (int)m->body_len,
	    m->body != NULL ? (const char *)m->body : "");
	fflush(stdout);
	http_parser_free(p);
	return 0;
}

static int
connect_peer(struct bireq *b, struct dance_tls *tls, const char *host,
    uint16_t port, const char *addr, unsigned timeout_ms)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int r, fl;

	b->err = DANCE_ERR_TIMEOUT;
	if ((r = dance_connect(tls, host, port, addr, connected, b)) !=
	    DANCE_OK) {
		fprintf(stderr, "loradane bi-request: %s\n", dance_strerror(r));
		return -1;
	}
	event_base_dispatch(b->base);
	if (b->err != DANCE_OK) {
		fprintf(stderr,
		    "loradane bi-request: %s port %u NOT authenticated: %s\n",
		    host, port, dance_strerror(b->err));
		return -1;
	}
	/* The handshake is done: plain blocking I/O from here, bounded. */
	fl = fcntl(b->fd, F_GETFL);
	if (fl == -1 || fcntl(b->fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		return -1;
	return 0;
}

static void
disconnect(struct bireq *b)
{
	if (b->ssl != NULL) {
		SSL_shutdown(b->ssl);
		SSL_free(b->ssl);
	}
	if (b->fd != -1)
		close(b->fd);
	b->ssl = NULL;
	b->fd = -1;
}

int
cmd_bi_request(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"connect", required_argument, NULL, 'a'},
	    {"client-name", required_argument, NULL, 'n'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"one-each", no_argument, NULL, '1'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    RESOLVER_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	struct dance_client_opts o;
	struct dance_ctx *ctx;
	struct dance_tls *tls;
	struct bireq b;
	const char *addr = NULL, *host;
	unsigned long long port, timeout = 10000;
	static char body[BODY_MAX];
	size_t len;
	int ch, err, one_each = 0, rc = CLI_OK, i;

	memset(&o, 0, sizeof(o));
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	/* A server closing early must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if ((b.base = event_base_new()) == NULL ||
	    (ctx = dance_ctx_new(b.base, &err)) == NULL) {
		fprintf(
		    stderr, "loradane bi-request: resolver set-up failed\n");
		return CLI_FAIL;
	}
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
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
		case '1':
			one_each = 1;
			break;
		case 't':
			if (cli_number(
				"timeout", optarg, 100, 600000, &timeout) != 0)
				return CLI_USAGE;
			break;
		default:
			if (ch >= RESOLVER_OPT_BASE) {
				if (resolver_opt(ctx, ch, optarg) != 0)
					return CLI_USAGE;
				break;
			}
			return usage();
		}
	}
	if (argc - optind < 3)
		return usage();
	host = argv[optind];
	if (cli_number("port", argv[optind + 1], 1, 65535, &port) != 0)
		return CLI_USAGE;
	o.handshake_timeout_ms = (unsigned)timeout;
	if ((tls = dance_tls_client_new(ctx, &o, &err)) == NULL) {
		fprintf(stderr, "loradane bi-request: client identity: %s\n",
		    dance_strerror(err));
		return CLI_FAIL;
	}
	for (i = optind + 2; i < argc && rc == CLI_OK; i++) {
		if (read_body(argv[i], body, &len) != 0) {
			rc = CLI_FAIL;
			break;
		}
		if (b.ssl == NULL &&
		    connect_peer(&b, tls, host, (uint16_t)port, addr,
			(unsigned)timeout) != 0) {
			rc = CLI_FAIL;
			break;
		}
		if (exchange(
			b.ssl, host, body, len, one_each || i == argc - 1) != 0)
			rc = CLI_FAIL;
		if (one_each || rc != CLI_OK)
			disconnect(&b);
	}
	disconnect(&b);
	ERR_clear_error();
	dance_tls_free(tls);
	dance_ctx_free(ctx);
	event_base_free(b.base);
	return rc;
}
