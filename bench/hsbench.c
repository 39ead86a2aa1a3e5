/*
 * hsbench.c - load generator of bench/run.sh: N full TLS 1.3 handshakes
 * with a client certificate, each on a fresh TCP connection, C at a time,
 * and the server CPU time (utime + stime from /proc/PID/stat) they cost.
 *
 * It is one and the same client for every server under test, so that
 * only the server differs:
 * - it presents a certificate chain (leaf, then its CA), so that a PKIX
 *   server can build the chain, and answers the dane_clientid extension
 *   (0xFFDC) on the end-entity entry the way libdance does.  OpenSSL only
 *   sends a TLS 1.3 Certificate extension that the CertificateRequest
 *   carried, so a server that does not ask (openssl s_server, a PKIX
 *   serve-test) never sees it;
 * - every handshake is a full one: no ticket is asked for, no session is
 *   kept or offered;
 * - it does NOT verify the server (SSL_VERIFY_NONE): what is measured is
 *   the server's cost of authenticating the client, and the client's own
 *   work must not depend on the server under test;
 * - a handshake counts only once the server is done with it, which in
 *   TLS 1.3 is after the client has finished: in "hello" mode (loradane
 *   serve-test, which writes a line and closes) once that line and the
 *   close arrived; in "close" mode (openssl s_server -quiet, which sends
 *   nothing) once our close_notify was answered by the server's close.
 *   A refused client gets an alert instead and counts as a failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/strnum.h"

#define EXT_CLIENTID 0xFFDC
#define EXT_CONTEXT                                                            \
	(SSL_EXT_TLS1_3_ONLY | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |            \
	    SSL_EXT_TLS1_3_CERTIFICATE)
#define MAX_CONC 64
#define SETTLE_MS 20 /* let the server finish its last close */

enum mode { MODE_HELLO, MODE_CLOSE };
enum slot_state { S_IDLE, S_CONNECT, S_HANDSHAKE, S_SHUTDOWN, S_READ };

struct slot {
	enum slot_state state;
	int fd;
	SSL *ssl;
	short events; /* what poll() waits for */
	int got_hello;
	double deadline; /* monotonic seconds */
};

struct bench {
	SSL_CTX *ctx;
	struct sockaddr_in sin;
	enum mode mode;
	unsigned long long n, started, ok, failed;
	double timeout_s;
	unsigned char name_ext[256]; /* length byte, then the name */
	size_t name_ext_len;
	char first_error[256];
};

/* usage - print the synopsis; returns the exit status for it */
static int
usage(void)
{
	fprintf(stderr,
	    "usage: hsbench -p PORT -C CHAIN.pem -k KEY.pem "
	    "[-a ADDR] [-n N] [-c CONC]\n"
	    "  [-N CLIENTNAME] [-P SERVER_PID] [-m hello|close] "
	    "[-t TIMEOUT_MS]\n");
	return 2;
}

/* now_s - monotonic clock in seconds */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * proc_cpu_s - utime + stime of a process (all its threads), in seconds,
 * from fields 14 and 15 of /proc/PID/stat; -1 if it cannot be read.
 */
static double
proc_cpu_s(long pid)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long v, sum = 0;
	ssize_t n;
	long tck;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm (field 2) may hold blanks and parentheses: skip past it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (field = 3; field <= 15; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (field >= 14) {
			if (end == p || errno != 0)
				return -1;
			sum += v;
		}
		/* Field 3 is a letter: step over any token. */
		while (*p != ' ' && *p != '\0')
			p++;
	}
	if ((tck = sysconf(_SC_CLK_TCK)) <= 0)
		return -1;
	return (double)sum / (double)tck;
}

/* self_cpu_s - this process's utime + stime, in seconds */
static double
self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* note_error - keep the first failure's reason for the summary */
static void
note_error(struct bench *b, const char *what)
{
	char ebuf[200];
	unsigned long e;

	if (b->first_error[0] != '\0')
		return;
	e = ERR_peek_error();
	if (e != 0) {
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(b->first_error, sizeof(b->first_error), "%s: %s", what,
		    ebuf);
	} else
		snprintf(b->first_error, sizeof(b->first_error), "%s%s%s", what,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
}

/* clientid_add - our ClientName, on the end-entity entry only */
static int
clientid_add(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char **out, size_t *outlen, X509 *x, size_t chainidx,
    int *al, void *add_arg)
{
	struct bench *b = add_arg;

	(void)s;
	(void)ext_type;
	(void)x;
	(void)al;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE) || chainidx != 0 ||
	    b->name_ext_len == 0)
		return 0;
	*out = b->name_ext;
	*outlen = b->name_ext_len;
	return 1;
}

/* clientid_parse - the server's request: empty (-07) or a zero byte */
static int
clientid_parse(SSL *s, unsigned int ext_type, unsigned int context,
    const unsigned char *in, size_t inlen, X509 *x, size_t chainidx, int *al,
    void *parse_arg)
{
	(void)s;
	(void)ext_type;
	(void)x;
	(void)chainidx;
	(void)parse_arg;
	if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST) ||
	    !(inlen == 0 || (inlen == 1 && in[0] == 0))) {
		*al = SSL_AD_DECODE_ERROR;
		return 0;
	}
	return 1;
}

/* ctx_new - the one client configuration used against every server */
static SSL_CTX *
ctx_new(struct bench *b, const char *chain, const char *key)
{
	SSL_CTX *c;

	if ((c = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1 ||
	    /* Fixed suite and group: see the method's fixed parameters. */
	    SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256") != 1 ||
	    SSL_CTX_set1_groups_list(c, "X25519") != 1)
		goto fail;
	/* Full handshakes only: no ticket asked for, no session kept. */
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_chain_file(c, chain) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c) != 1)
		goto fail;
	if (SSL_CTX_add_custom_ext(c, EXT_CLIENTID, EXT_CONTEXT, clientid_add,
		NULL, b, clientid_parse, NULL) != 1)
		goto fail;
	return c;
fail:
	SSL_CTX_free(c);
	return NULL;
}

/* slot_close - release a connection and tally its outcome */
static void
slot_close(struct bench *b, struct slot *s, int ok, const char *what)
{
	if (ok)
		b->ok++;
	else {
		b->failed++;
		note_error(b, what);
	}
	ERR_clear_error();
	SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
	s->state = S_IDLE;
}

/* slot_start - open a connection; the handshake starts once connected */
static void
slot_start(struct bench *b, struct slot *s)
{
	int r;

	b->started++;
	s->got_hello = 0;
	s->deadline = now_s() + b->timeout_s;
	s->ssl = NULL;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		slot_close(b, s, 0, "socket");
		return;
	}
	if ((s->ssl = SSL_new(b->ctx)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1) {
		slot_close(b, s, 0, "SSL_new");
		return;
	}
	SSL_set_connect_state(s->ssl);
	r = connect(s->fd, (struct sockaddr *)&b->sin, sizeof(b->sin));
	if (r != 0 && errno != EINPROGRESS) {
		slot_close(b, s, 0, "connect");
		return;
	}
	/* Loopback may connect at once; else wait until writable. */
	s->state = r == 0 ? S_HANDSHAKE : S_CONNECT;
	s->events = POLLOUT;
}

/* want - map an SSL retry to poll events; 0 for a real failure */
static int
want(struct slot *s, int r)
{
	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		s->events = POLLIN;
		return 1;
	case SSL_ERROR_WANT_WRITE:
		s->events = POLLOUT;
		return 1;
	default:
		return 0;
	}
}

/* slot_read - drain the server's answer until it closes */
static void
slot_read(struct bench *b, struct slot *s)
{
	char buf[512];
	unsigned long e;
	int r, i;

	/* Bounded: a serve-test line and a close fit in a few records. */
	for (i = 0; i < 64; i++) {
		ERR_clear_error();
		r = SSL_read(s->ssl, buf, sizeof(buf));
		if (r > 0) {
			if (r >= 6 && memcmp(buf, "hello ", 6) == 0)
				s->got_hello = 1;
			continue;
		}
		switch (SSL_get_error(s->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			s->events = POLLIN;
			return;
		case SSL_ERROR_WANT_WRITE:
			s->events = POLLOUT;
			return;
		case SSL_ERROR_ZERO_RETURN:
			break;
		case SSL_ERROR_SYSCALL:
			/* EOF without close_notify: the server is done too. */
			if (r == 0 && ERR_peek_error() == 0)
				break;
			slot_close(b, s, 0, "read");
			return;
		default:
			e = ERR_peek_error();
			if (ERR_GET_REASON(e) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING)
				break;
			slot_close(b, s, 0, "read (server refused us?)");
			return;
		}
		if (b->mode == MODE_HELLO && !s->got_hello)
			slot_close(b, s, 0, "closed without a hello line");
		else
			slot_close(b, s, 1, NULL);
		return;
	}
	slot_close(b, s, 0, "server sent too much");
}

/* slot_step - advance one connection as far as it goes without waiting */
static void
slot_step(struct bench *b, struct slot *s)
{
	socklen_t len;
	int r, err;

	switch (s->state) {
	case S_CONNECT:
		len = sizeof(err);
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			errno = err;
			slot_close(b, s, 0, "connect");
			return;
		}
		s->state = S_HANDSHAKE;
		/* FALLTHROUGH */
	case S_HANDSHAKE:
		ERR_clear_error();
		r = SSL_connect(s->ssl);
		if (r != 1) {
			if (!want(s, r))
				slot_close(b, s, 0, "handshake");
			return;
		}
		if (b->mode == MODE_HELLO) {
			s->state = S_READ;
			slot_read(b, s);
			return;
		}
		s->state = S_SHUTDOWN;
		/* FALLTHROUGH */
	case S_SHUTDOWN:
		/* Our close_notify asks s_server to finish and close. */
		ERR_clear_error();
		r = SSL_shutdown(s->ssl);
		if (r < 0) {
			if (!want(s, r))
				slot_close(b, s, 0, "shutdown");
			return;
		}
		if (r == 1) {
			slot_close(b, s, 1, NULL);
			return;
		}
		s->state = S_READ;
		/* FALLTHROUGH */
	case S_READ:
		slot_read(b, s);
		return;
	case S_IDLE:
		return;
	}
}

/* run - keep conc connections going until n handshakes have ended */
static int
run(struct bench *b, unsigned conc)
{
	struct slot slots[MAX_CONC];
	struct pollfd pfd[MAX_CONC];
	int map[MAX_CONC];
	unsigned i, np;
	double t;
	int r;

	for (i = 0; i < conc; i++) {
		slots[i].state = S_IDLE;
		slots[i].fd = -1;
		slots[i].ssl = NULL;
	}
	/*
	 * Bounded: every pass either ends a connection or waits in poll();
	 * each connection ends by its deadline at the latest.
	 */
	while (b->ok + b->failed < b->n) {
		for (i = 0; i < conc; i++) {
			if (slots[i].state == S_IDLE && b->started < b->n) {
				slot_start(b, &slots[i]);
				if (slots[i].state == S_HANDSHAKE)
					slot_step(b, &slots[i]);
			}
		}
		np = 0;
		t = now_s();
		for (i = 0; i < conc; i++) {
			if (slots[i].state == S_IDLE)
				continue;
			if (t > slots[i].deadline) {
				errno = ETIMEDOUT;
				slot_close(b, &slots[i], 0, "deadline");
				continue;
			}
			pfd[np].fd = slots[i].fd;
			pfd[np].events = slots[i].events;
			pfd[np].revents = 0;
			map[np++] = (int)i;
		}
		if (np == 0)
			continue;
		r = poll(pfd, np, 100);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("hsbench: poll");
			return -1;
		}
		for (i = 0; i < np; i++)
			if (pfd[i].revents != 0)
				slot_step(b, &slots[map[i]]);
	}
	return 0;
}

/* main - parse options, run the handshakes, print one result line */
int
main(int argc, char **argv)
{
	struct bench b;
	const char *addr = "127.0.0.1", *chain = NULL, *key = NULL;
	const char *name = NULL, *errstr;
	unsigned long long port = 0, conc = 1, v;
	long pid = 0;
	double t0, t1, c0 = 0, c1 = 0, u0, wall, cpu, ucpu;
	struct timespec settle = {0, SETTLE_MS * 1000000L};
	int ch;

	memset(&b, 0, sizeof(b));
	b.n = 2000;
	b.mode = MODE_HELLO;
	b.timeout_s = 10;
	while ((ch = getopt(argc, argv, "a:p:n:c:C:k:N:P:m:t:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = strnum_parse(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				return usage();
			break;
		case 'n':
			b.n = strnum_parse(optarg, 1, 100000000, &errstr);
			if (errstr != NULL)
				return usage();
			break;
		case 'c':
			conc = strnum_parse(optarg, 1, MAX_CONC, &errstr);
			if (errstr != NULL)
				return usage();
			break;
		case 'C':
			chain = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'N':
			name = optarg;
			break;
		case 'P':
			v = strnum_parse(optarg, 1, 4194304, &errstr);
			if (errstr != NULL)
				return usage();
			pid = (long)v;
			break;
		case 'm':
			if (strcmp(optarg, "hello") == 0)
				b.mode = MODE_HELLO;
			else if (strcmp(optarg, "close") == 0)
				b.mode = MODE_CLOSE;
			else
				return usage();
			break;
		case 't':
			v = strnum_parse(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				return usage();
			b.timeout_s = (double)v / 1000;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc || port == 0 || chain == NULL || key == NULL)
		return usage();
	if (name != NULL) {
		/* The wire form: one length byte, no trailing dot. */
		size_t len = strlen(name);

		if (len > 0 && name[len - 1] == '.')
			len--;
		if (len == 0 || len > 255) {
			fprintf(stderr, "hsbench: bad client name\n");
			return 2;
		}
		b.name_ext[0] = (unsigned char)len;
		memcpy(b.name_ext + 1, name, len);
		b.name_ext_len = len + 1;
	}
	memset(&b.sin, 0, sizeof(b.sin));
	b.sin.sin_family = AF_INET;
	b.sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &b.sin.sin_addr) != 1) {
		fprintf(stderr, "hsbench: not an IPv4 address: %s\n", addr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((b.ctx = ctx_new(&b, chain, key)) == NULL) {
		fprintf(stderr, "hsbench: client TLS context: ");
		ERR_print_errors_fp(stderr);
		return 1;
	}
	if (pid != 0 && (c0 = proc_cpu_s(pid)) < 0) {
		fprintf(stderr, "hsbench: cannot read /proc/%ld/stat\n", pid);
		return 1;
	}
	u0 = self_cpu_s();
	t0 = now_s();
	if (run(&b, (unsigned)conc) != 0)
		return 1;
	t1 = now_s();
	ucpu = self_cpu_s() - u0;
	nanosleep(&settle, NULL);
	if (pid != 0 && (c1 = proc_cpu_s(pid)) < 0) {
		fprintf(stderr, "hsbench: server %ld is gone\n", pid);
		return 1;
	}
	wall = t1 - t0;
	cpu = c1 - c0;
	/* The client's CPU tells a client-bound run from a server-bound one. */
	printf(
	    "handshakes %llu failed %llu wall_s %.3f server_cpu_s %.2f "
	    "client_cpu_s %.2f hs_per_wall_s %.1f hs_per_server_cpu_s %.1f\n",
	    b.ok, b.failed, wall, cpu, ucpu,
	    wall > 0 ? (double)b.ok / wall : 0.0,
	    cpu > 0 ? (double)b.ok / cpu : 0.0);
	if (b.failed > 0)
		fprintf(stderr,
		    "hsbench: %llu of %llu handshakes failed; "
		    "first: %s\n",
		    b.failed, b.n, b.first_error);
	SSL_CTX_free(b.ctx);
	return b.failed > 0 ? 1 : 0;
}
