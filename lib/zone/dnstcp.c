/*
 * dnstcp.c - one DNS message over TCP and its answer (RFC 1035 §4.2.2),
 * for DNS UPDATE (see update_int.h).  Ours rather than ldns's, so that one
 * deadline covers connect, send and receive and a failure can say which
 * step failed and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "zone/ldns_compat.h"
#include <ldns/wire2host.h>

#include "zone/update_int.h"
#include "zone/zone_err.h"

long long
update_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_fd - poll fd for events until the deadline: 1 ready, 0 timeout */
static int
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int n;

	for (;;) {
		left = deadline - update_now_ms();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int
timed_out(
    const struct update_peer *pe, const char *step, char *why, size_t whylen)
{
	return zone_why(why, whylen, ZONE_ERR_NET,
	    "%s@%u: no answer within %d ms (%s)", pe->server, pe->port,
	    pe->timeout_ms, step);
}

/* tcp_connect - the first address of the server that accepts us */
static int
tcp_connect(const struct update_peer *pe, long long deadline, int *fdp,
    char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	socklen_t elen;
	int fd, e = 0, gai, w;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", pe->port);
	gai = getaddrinfo(pe->server, portstr, &hints, &res);
	if (gai != 0)
		return zone_why(why, whylen, ZONE_ERR_NET, "%s: %s", pe->server,
		    gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			*fdp = fd;
			freeaddrinfo(res);
			return ZONE_OK;
		}
		e = errno;
		if (e == EINPROGRESS) {
			w = wait_fd(fd, POLLOUT, deadline);
			elen = sizeof(e);
			if (w == 0) {
				close(fd);
				freeaddrinfo(res);
				return timed_out(pe, "connecting", why, whylen);
			}
			if (w < 0)
				e = errno;
			else if (getsockopt(
				     fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
				e = errno;
			if (e == 0) {
				*fdp = fd;
				freeaddrinfo(res);
				return ZONE_OK;
			}
		}
		close(fd);
	}
	freeaddrinfo(res);
	return zone_why(why, whylen, ZONE_ERR_NET, "%s@%u: %s", pe->server,
	    pe->port, strerror(e != 0 ? e : EHOSTUNREACH));
}

/* io_all - send or receive exactly len bytes before the deadline */
static int
io_all(const struct update_peer *pe, int fd, int sending, uint8_t *buf,
    size_t len, long long deadline, char *why, size_t whylen)
{
	size_t done = 0;
	ssize_t n;
	int w;

	while (done < len) {
		if (sending)
			n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		else
			n = recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return zone_why(why, whylen, ZONE_ERR_NET,
			    "%s@%u: connection closed before the answer",
			    pe->server, pe->port);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return zone_why(why, whylen, ZONE_ERR_NET, "%s@%u: %s",
			    pe->server, pe->port, strerror(errno));
		w = wait_fd(fd, sending ? POLLOUT : POLLIN, deadline);
		if (w == 0)
			return timed_out(
			    pe, sending ? "sending" : "receiving", why, whylen);
		if (w < 0)
			return zone_why(why, whylen, ZONE_ERR_NET, "poll: %s",
			    strerror(errno));
	}
	return ZONE_OK;
}

int
update_tcp_exchange(const struct update_peer *pe, const uint8_t *q, size_t qlen,
    uint8_t **ans, size_t *anslen, char *why, size_t whylen)
{
	long long deadline = update_now_ms() + pe->timeout_ms;
	uint8_t *out, lenbuf[2] = {0, 0};
	size_t alen;
	int fd = -1, r;

	*ans = NULL;
	r = tcp_connect(pe, deadline, &fd, why, whylen);
	if (r != ZONE_OK)
		return r;
	out = malloc(qlen + 2);
	if (out == NULL) {
		close(fd);
		return zone_why(why, whylen, ZONE_ERR_NOMEM, "out of memory");
	}
	out[0] = (uint8_t)(qlen >> 8);
	out[1] = (uint8_t)qlen;
	memcpy(out + 2, q, qlen);
	r = io_all(pe, fd, 1, out, qlen + 2, deadline, why, whylen);
	free(out);
	if (r == ZONE_OK)
		r = io_all(pe, fd, 0, lenbuf, 2, deadline, why, whylen);
	alen = (size_t)lenbuf[0] << 8 | lenbuf[1];
	if (r == ZONE_OK && alen < LDNS_HEADER_SIZE)
		r = zone_why(why, whylen, ZONE_ERR_NET,
		    "%s@%u: answer of %zu bytes is not a DNS message",
		    pe->server, pe->port, alen);
	if (r == ZONE_OK) {
		*ans = malloc(alen);
		if (*ans == NULL)
			r = zone_why(
			    why, whylen, ZONE_ERR_NOMEM, "out of memory");
	}
	if (r == ZONE_OK)
		r = io_all(pe, fd, 0, *ans, alen, deadline, why, whylen);
	close(fd);
	if (r != ZONE_OK) {
		free(*ans);
		*ans = NULL;
		return r;
	}
	*anslen = alen;
	return ZONE_OK;
}
