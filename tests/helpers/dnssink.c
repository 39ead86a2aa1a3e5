/*
 * dnssink.c - a DNS server that answers nothing and writes down every
 * query it receives, to prove on the wire whether a resolver sent one.
 *
 * usage: dnssink PORT
 *
 * Listens on 127.0.0.1:PORT, UDP and TCP.  Prints "dnssink: ready
 * 127.0.0.1:PORT" once both sockets listen, then one line per query:
 *   query udp|tcp NAME TYPE
 * where NAME is the question name in lower case without the final dot
 * and TYPE its mnemonic (A, DS, DNSKEY, TLSA, ...) or TYPEnnn.  Anything
 * that is not a parsable query is printed as "junk udp|tcp LEN".  No
 * answer is ever sent: the resolver times out.  Runs until SIGTERM or
 * SIGINT, then exits 0; exit 1 on set-up failure, 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/strnum.h"

#define DNS_HDRLEN 12
#define MSG_MAX 65535

static volatile sig_atomic_t stop;

/* on_signal - ask the loop to end */
static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* type_name - mnemonic of the RR types a validating resolver asks for */
static const char *
type_name(unsigned t, char *buf, size_t len)
{
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 28:
		return "AAAA";
	case 43:
		return "DS";
	case 48:
		return "DNSKEY";
	case 52:
		return "TLSA";
	}
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

/* print_query - decode the question of one message and print it */
static void
print_query(const char *proto, const unsigned char *m, size_t len)
{
	char name[1100], tbuf[16];
	size_t off = DNS_HDRLEN, n = 0, i;

	if (len < DNS_HDRLEN || (m[4] == 0 && m[5] == 0))
		goto junk;
	/* Uncompressed labels: a question name never points backwards. */
	while (off < len && m[off] != 0) {
		size_t l = m[off];

		if (l > 63 || off + 1 + l > len || n + l + 2 >= sizeof(name))
			goto junk;
		for (i = 0; i < l; i++) {
			unsigned char c = m[off + 1 + i];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			name[n++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
		}
		name[n++] = '.';
		off += 1 + l;
	}
	if (off + 5 > len)
		goto junk;
	if (n > 0)
		n--; /* no final dot */
	else
		name[n++] = '.';
	name[n] = '\0';
	printf("query %s %s %s\n", proto, name,
	    type_name(
		(unsigned)m[off + 1] << 8 | m[off + 2], tbuf, sizeof(tbuf)));
	fflush(stdout);
	return;
junk:
	printf("junk %s %zu\n", proto, len);
	fflush(stdout);
}

/* read_full - read exactly len octets from a blocking socket */
static int
read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = read(fd, buf + got, len - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* tcp_query - one length-prefixed query from a new connection */
static void
tcp_query(int lfd, unsigned char *buf)
{
	struct timeval tv = {2, 0};
	unsigned char pfx[2];
	size_t len;
	int fd;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	/* A silent client must not stall the UDP side for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_full(fd, pfx, 2) == 0) {
		len = (size_t)pfx[0] << 8 | pfx[1];
		if (read_full(fd, buf, len) == 0)
			print_query("tcp", buf, len);
		else
			printf("junk tcp %zu\n", len);
	} else
		printf("junk tcp 0\n");
	fflush(stdout);
	close(fd);
}

/* bind_local - a socket of type bound to 127.0.0.1:port */
static int
bind_local(int type, unsigned port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	fd = socket(AF_INET, type, 0);
	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* main - log every query on PORT until a signal */
int
main(int argc, char **argv)
{
	static unsigned char buf[MSG_MAX];
	struct pollfd pfd[2];
	struct sigaction sa;
	const char *errstr;
	unsigned port;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: dnssink PORT\n");
		return 2;
	}
	port = (unsigned)strnum_parse(argv[1], 1, 65535, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "dnssink: port %s: %s\n", argv[1], errstr);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pfd[0].fd = bind_local(SOCK_DGRAM, port);
	pfd[1].fd = bind_local(SOCK_STREAM, port);
	if (pfd[0].fd < 0 || pfd[1].fd < 0) {
		fprintf(stderr, "dnssink: 127.0.0.1:%u: %s\n", port,
		    strerror(errno));
		return 1;
	}
	pfd[0].events = pfd[1].events = POLLIN;
	printf("dnssink: ready 127.0.0.1:%u\n", port);
	fflush(stdout);
	while (!stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "dnssink: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			n = recv(pfd[0].fd, buf, sizeof(buf), 0);
			if (n >= 0)
				print_query("udp", buf, (size_t)n);
		}
		if (pfd[1].revents & POLLIN)
			tcp_query(pfd[1].fd, buf);
	}
	close(pfd[0].fd);
	close(pfd[1].fd);
	return 0;
}
