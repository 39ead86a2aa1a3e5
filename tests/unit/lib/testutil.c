/*
 * testutil.c - see testutil.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dance.h"
#include "testutil.h"

const char *
tu_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		fail_msg("environment variable %s is not set: run through "
			 "tests/run.sh",
		    name);
	return v;
}

const char *
tu_cert(const char *file)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tu_env("DANCE_CERTS"), file);
	return path;
}

void
tu_resolver_fixture(struct dance_ctx *ctx)
{
	char fwd[64];

	snprintf(
	    fwd, sizeof(fwd), "127.0.0.1@%s", tu_env("DANCE_TEST_DNS_PORT"));
	assert_int_equal(dance_ctx_add_forwarder(ctx, fwd), DANCE_OK);
	assert_int_equal(
	    dance_ctx_add_ta_file(ctx, tu_env("DANCE_TA_DS")), DANCE_OK);
}

uint64_t
tu_clock_read(void *arg)
{
	return ((struct tu_clock *)arg)->now_ms;
}

void
tu_log_sink(void *arg, int prio, const char *msg)
{
	struct tu_log *l = arg;
	int n;

	(void)prio;
	if (l->len >= sizeof(l->buf) - 1)
		return;
	n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s\n", msg);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
}

uint64_t
tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
tu_run_until(struct event_base *base, const int *flag, unsigned deadline_ms)
{
	uint64_t end = tu_now_ms() + deadline_ms;

	while (!*flag) {
		if (tu_now_ms() >= end)
			return 0;
		/* One pass, blocking at most until the next event. */
		struct timeval tv = {0, 20000};

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return 1;
}

pid_t
tu_spawn_helper(const char *name, char *const argv[], const char *ready_prefix)
{
	char path[1024], line[512];
	int pfd[2];
	size_t len = 0;
	uint64_t end;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", tu_env("HELPERS"), name);
	if (pipe(pfd) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Never outlive a test that failed half-way. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execv(path, argv);
		_exit(127);
	}
	close(pfd[1]);
	end = tu_now_ms() + 10000;
	while (tu_now_ms() < end && len < sizeof(line) - 1) {
		struct pollfd p = {pfd[0], POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(pfd[0], line + len, 1);
		if (n <= 0)
			break;
		if (line[len] == '\n') {
			line[len] = '\0';
			if (strncmp(line, ready_prefix, strlen(ready_prefix)) ==
			    0) {
				close(pfd[0]);
				return pid;
			}
			len = 0;
			continue;
		}
		len++;
	}
	close(pfd[0]);
	tu_stop_helper(pid);
	return -1;
}

void
tu_stop_helper(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int
tu_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}
